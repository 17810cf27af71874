"""``mobicost latency``: predicted time per layer on a device, a roofline with overhead."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

import click

from ..nets.timing import RUNTIMES
from ..render.formats import Format
from .common import (
    NETWORK,
    NetworkCommand,
    NetworkRef,
    chosen_network,
    convention_options,
    device_of,
    device_options,
    emit,
    format_options,
    network_options,
    workload_of,
    workload_options,
)

_EPILOG = """\b
Examples:
  mobicost latency --device h100 --dtype bf16          MobileNet v1 on an H100's datasheet
  mobicost latency mobilenet-v2 --device cpu --batch 8
  mobicost latency resnet-50 --device a100 --dtype fp16 --batch 64
  mobicost latency --peak 50T --bandwidth 3T --overhead 5us   a device of your own
  mobicost latency --device local                      this machine, after mobicost calibrate
  mobicost latency mobilenet-v2 --device local --runtime onnxruntime
                                   from the kernel model of 'calibrate --runtime onnxruntime'

\b
Each layer takes max(FLOPs / peak, bytes moved / bandwidth) + the overhead: whichever bound
is larger names it compute- or memory-bound. The share of time by layer type is beside the
share of MACs: MobileNet's depthwise layers are 3% of its MACs, and far more of its time.
With --runtime and --device local, each kernel the runtime runs (after its fusions) is
predicted by this machine's kernel model instead; the datasheet profiles stay rooflines.
"""


@click.command(epilog=_EPILOG, cls=NetworkCommand)
@click.argument("network", required=False, type=NETWORK, metavar="[NETWORK]")
@network_options
@device_options
@click.option(
    "--runtime",
    type=click.Choice(RUNTIMES),
    default=None,
    help="With --device local: predict from this machine's kernel model for the runtime "
    "('mobicost calibrate --runtime R') instead of the roofline.",
)
@convention_options
@workload_options
@format_options
@click.pass_context
def latency(
    ctx: click.Context,
    /,
    network: NetworkRef | None,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: str | None,
    runtime: str | None,
    fmt: Format,
    output: str | None,
    **options: Any,
) -> None:
    """Predict each layer's time on a device: the larger of its compute time at the peak and
    its memory time at the bandwidth, plus a per-layer overhead, and the share of time by
    layer type beside the share of MACs (the MobileNet paper's Table 2, in time)."""
    from ..render.reports import latency_report

    workload = workload_of(options)
    net = chosen_network(network, alpha, resolution, rho, rounding, ctx.args, options)
    emit(latency_report(predicted(net, workload, options, runtime)), fmt, output)


def predicted(net: Any, workload: Any, options: Mapping[str, Any], runtime: str | None) -> Any:
    """The prediction the device options and ``runtime`` ask for: a calibrated kernel model
    where ``runtime`` is given with the device ``local``, else the device's roofline (a
    datasheet's says that --runtime does not apply to it)."""
    from ..analysis.latency import predict

    given = any(options.get(k) is not None for k in ("peak", "bandwidth", "overhead"))
    if runtime is None or options.get("device") != "local" or given:
        chosen = device_of(options)
        if runtime is None:
            return predict(net, chosen, workload)
        roofline = predict(net, chosen, workload)
        note = (
            f"--runtime {runtime} predicts from a calibrated kernel model (--device local); "
            f"{chosen.name} is a roofline, used as such."
        )
        return replace(roofline, method=(*chosen.notes(), note))
    from ..analysis.kernels import load_model, predict_layers

    if workload.weights != "fp32" or workload.activations != "fp32":
        raise click.UsageError("a kernel model predicts fp32, as it was calibrated: drop --dtype")
    model = load_model(runtime)
    if runtime == "torch":
        return predict_layers(net, model, workload)
    from ..backends import ort

    ort.require_onnxruntime()
    return ort.predict(net, model, batch=workload.batch)
