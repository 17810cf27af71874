"""``mobicost latency``: predicted time per layer on a device, a roofline with overhead."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

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

\b
Each layer takes max(FLOPs / peak, bytes moved / bandwidth) + the overhead: whichever bound
is larger names it compute- or memory-bound. The share of time by layer type is beside the
share of MACs: MobileNet's depthwise layers are 3% of its MACs, and far more of its time.
"""


@click.command(epilog=_EPILOG, cls=NetworkCommand)
@click.argument("network", required=False, type=NETWORK, metavar="[NETWORK]")
@network_options
@device_options
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
    fmt: Format,
    output: str | None,
    **options: Any,
) -> None:
    """Predict each layer's time on a device: the larger of its compute time at the peak and
    its memory time at the bandwidth, plus a per-layer overhead, and the share of time by
    layer type beside the share of MACs (the MobileNet paper's Table 2, in time)."""
    from ..analysis.latency import predict
    from ..render.reports import latency_report

    workload = workload_of(options)
    chosen = device_of(options)
    net = chosen_network(network, alpha, resolution, rho, rounding, ctx.args, options)
    emit(latency_report(predict(net, chosen, workload)), fmt, output)
