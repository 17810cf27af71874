"""``mobicost calibrate`` and ``mobicost profile``: this machine measured (PyTorch extra)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from ..nets.timing import RUNTIMES
from ..render.formats import Format
from .common import (
    CONTEXT,
    NETWORK,
    ImportedRef,
    NetworkCommand,
    NetworkRef,
    chosen_network,
    convention_options,
    emit,
    format_options,
    imported_checked,
    input_shape_of,
    network_options,
    no_knobs,
    workload_of,
    workload_options,
)
from .params import POSITIVE_INT

#: ``--spin``: ONNX Runtime's threads as it runs them by default (calibrate, profile)
SPIN = click.option(
    "--spin",
    is_flag=True,
    help="With --runtime onnxruntime: let its intra-op threads spin while they wait for work, "
    "as ONNX Runtime does by default (mobicost lets them sleep: on a virtual machine spinning "
    "threads run at two speeds; see the README).",
)


@click.command(context_settings=CONTEXT)
@click.option(
    "--on", "target", default=None, help="cpu, cuda or cuda:N [default: cuda where present]."
)
@click.option(
    "--dtype",
    "dtypes",
    multiple=True,
    type=click.Choice(("fp32", "fp16", "bf16")),
    help="Data types to measure peak compute for (repeatable) [default: fp32].",
)
@click.option("--threads", type=POSITIVE_INT, help="CPU threads [default: the runtime's choice].")
@click.option(
    "--runtime",
    type=click.Choice(RUNTIMES),
    default=None,
    help="Fit a kernel latency model for this runtime instead of the roofline: time the "
    "kernels of --networks calibration networks (none of the library's) and fit each kind.",
)
@click.option(
    "--networks",
    type=POSITIVE_INT,
    default=40,
    show_default=True,
    help="With --runtime: how many calibration networks to time.",
)
@click.option(
    "--rounds",
    type=POSITIVE_INT,
    default=1,
    show_default=True,
    help="With --runtime: rounds over the calibration networks; a kernel's time is the least "
    "of its medians in each round, so that a busy moment on a shared machine does not move a "
    "kind (each round takes as long as the first).",
)
@SPIN
@click.option("--no-save", is_flag=True, help="Measure and print; keep the saved profile as is.")
@format_options
@click.pass_context
def calibrate(
    ctx: click.Context,
    target: str | None,
    dtypes: tuple[str, ...],
    threads: int | None,
    runtime: str | None,
    networks: int,
    rounds: int,
    spin: bool,
    no_save: bool,
    fmt: Format,
    output: str | None,
) -> None:
    """Measure this machine's roofline: peak compute (a large matrix product), memory
    bandwidth (a large copy) and per-layer overhead (a tiny operation), on the CPU or a CUDA
    device, and save it as the 'local' device profile, so that 'mobicost latency --device
    local' predicts for the machine at hand. Needs PyTorch.

    \b
    Examples:
      mobicost calibrate
      mobicost calibrate --on cuda --dtype fp32 --dtype bf16
      mobicost latency --device local          then predict for this machine
      mobicost calibrate --runtime onnxruntime a kernel model for ONNX Runtime (minutes)
      mobicost latency mobilenet-v2 --device local --runtime onnxruntime
    """
    if spin and runtime != "onnxruntime":
        raise click.UsageError(
            "--spin applies to ONNX Runtime's threads: add --runtime onnxruntime"
        )
    if runtime is not None:
        _calibrate_kernels(
            runtime, target, dtypes, threads, networks, rounds, spin, no_save, fmt, output
        )
        return
    for name in ("networks", "rounds"):
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT:
            raise click.UsageError(f"--{name} applies to a kernel model: add --runtime")
    from ..nets.pytorch import require_torch
    from ..nets.timing import calibrate as measure
    from ..nets.timing import default_device, save_profile
    from ..render.reports import calibration_report

    require_torch()
    calibration = measure(target or default_device(), dtypes or ("fp32",), threads=threads)
    saved = None if no_save else save_profile(calibration)
    emit(calibration_report(calibration, saved), fmt, output)


def _calibrate_kernels(
    runtime: str,
    target: str | None,
    dtypes: tuple[str, ...],
    threads: int | None,
    networks: int,
    rounds: int,
    spin: bool,
    no_save: bool,
    fmt: Format,
    output: str | None,
) -> None:
    """calibrate --runtime: a kernel latency model, fitted and saved."""
    from ..analysis.kernels import save_model
    from ..render.reports import kernel_model_report
    from .common import progress

    if target not in (None, "cpu") or tuple(dtypes) not in ((), ("fp32",)):
        raise click.UsageError("a kernel model is calibrated on the CPU in fp32: drop --on/--dtype")
    shown = progress("timing calibration networks")
    if runtime == "onnxruntime":
        from ..backends import ort

        ort.require_onnxruntime()
        model = ort.calibrate(
            networks=networks, rounds=rounds, threads=threads, spin=spin, progress=shown
        )
    else:
        from ..backends.eager import calibrate_kernels
        from ..nets.pytorch import require_torch

        require_torch()
        model = calibrate_kernels(networks=networks, rounds=rounds, threads=threads, progress=shown)
    saved = None if no_save else save_model(model)
    emit(kernel_model_report(model, saved), fmt, output)


@click.command(cls=NetworkCommand)
@click.argument("network", required=False, type=NETWORK, metavar="[NETWORK]")
@network_options
@click.option(
    "--on", "target", default=None, help="cpu, cuda or cuda:N [default: cuda where present]."
)
@click.option(
    "--device",
    default=None,
    help="The profile to predict with [default: local where calibrated, else cpu or h100].",
)
@click.option(
    "--runtime",
    type=click.Choice(RUNTIMES),
    default="torch",
    show_default=True,
    help="torch: PyTorch eager, each layer's module timed; onnxruntime: the network exported "
    "to ONNX and run with ONNX Runtime's graph optimizations, each layer's kernels timed by its "
    "profiler (needs mobicost[onnxruntime]).",
)
@click.option(
    "--repeats", type=POSITIVE_INT, help="Repeats [default: 7 in torch, 20 in onnxruntime]."
)
@click.option("--threads", type=POSITIVE_INT, help="CPU threads [default: the runtime's choice].")
@SPIN
@convention_options
@workload_options
@format_options
@click.pass_context
def profile(
    ctx: click.Context,
    /,
    network: NetworkRef | None,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: str | None,
    target: str | None,
    device: str | None,
    runtime: str,
    repeats: int | None,
    threads: int | None,
    spin: bool,
    fmt: Format,
    output: str | None,
    **options: Any,
) -> None:
    """Run a network layer by layer in PyTorch (or ONNX Runtime) and print each layer's measured
    time (median over repeats) beside the roofline's prediction, their ratio, and the measured
    share of time by layer type beside the predicted share and the share of MACs. Needs PyTorch
    (or, with --runtime onnxruntime, onnx and onnxruntime).

    \b
    Examples:
      mobicost profile                          MobileNet v1, batch 1, on this machine
      mobicost profile --batch 8 --device local after mobicost calibrate
      mobicost profile mobilenet-v2 --on cuda --dtype bf16 --device h100
      mobicost profile mobilenet-v2 --runtime onnxruntime  as deployments run it
      mobicost profile model.py:build          your own module, op by op, in PyTorch eager
      mobicost profile model.onnx --runtime onnxruntime    your own ONNX file

    \b
    An imported model is timed as itself, at a batch of one: a PyTorch module (FILE.py:CALLABLE,
    torchvision:NAME, timm:NAME) in PyTorch eager, each layer's ATen operation called on its own
    arguments; an ONNX file in ONNX Runtime (--runtime onnxruntime).
    """
    from ..nets.pytorch import require_torch
    from ..nets.timing import default_device, measure_layers
    from ..render.reports import profile_report

    workload = workload_of(options)
    if workload.weights != workload.activations:
        raise click.UsageError("profile runs one data type: give --dtype")
    if spin and runtime != "onnxruntime":
        raise click.UsageError(
            "--spin applies to ONNX Runtime's threads: add --runtime onnxruntime"
        )
    if isinstance(network, ImportedRef):
        no_knobs(network, alpha, rho, rounding, ctx.args)
        where = target or "cpu"
        measured = _imported_timings(
            network, resolution, runtime, where, repeats, threads, spin, workload, options
        )
        prediction = _prediction(measured.network, workload, device, runtime, where)
        emit(profile_report(measured, prediction), fmt, output)
        return
    if runtime == "onnxruntime":
        from ..backends import ort

        ort.require_onnxruntime()
        if target not in (None, "cpu"):
            raise click.UsageError("--runtime onnxruntime measures on the CPU: drop --on")
        net = chosen_network(network, alpha, resolution, rho, rounding, ctx.args, options)
        measured = ort.measure_layers(
            net,
            batch=workload.batch,
            dtype=workload.activations,
            repeats=repeats or 20,
            threads=threads,
            spin=spin,
        )
        emit(
            profile_report(measured, _prediction(net, workload, device, runtime, "cpu")),
            fmt,
            output,
        )
        return
    require_torch()
    net = chosen_network(network, alpha, resolution, rho, rounding, ctx.args, options)
    where = target or default_device()
    prediction = _prediction(net, workload, device, runtime, where)
    measured = measure_layers(
        net,
        batch=workload.batch,
        device=where,
        dtype=workload.activations,
        repeats=repeats or 7,
        threads=threads,
    )
    emit(profile_report(measured, prediction), fmt, output)


def _prediction(net: Any, workload: Any, device: str | None, runtime: str, where: str) -> Any:
    """What a profile is compared with: the device asked for, else this machine's kernel
    model for the runtime where calibrated (on the CPU), else its roofline where calibrated,
    else a class like it."""
    from ..analysis.latency import load_device, predict
    from ..nets.timing import kernel_model_path
    from .latency import predicted

    if device is None and where == "cpu" and kernel_model_path(runtime).exists():
        return predicted(net, workload, {"device": "local"}, runtime)
    return predict(net, load_device(device or _predictor(where)), workload)


def _predictor(where: str) -> str:
    """The profile to predict with: this machine's where calibrated, else a class like it."""
    from ..nets.timing import profile_path

    if profile_path().exists():
        return "local"
    return "cpu" if where == "cpu" else "h100"


def _imported_timings(
    ref: ImportedRef,
    resolution: int | None,
    runtime: str,
    where: str,
    repeats: int | None,
    threads: int | None,
    spin: bool,
    workload: Any,
    options: dict[str, Any],
) -> Any:
    """An imported model timed as itself: a PyTorch module in PyTorch eager, an ONNX file in
    ONNX Runtime; any other pairing is refused in one line naming what works."""
    from ..frontends.models import is_onnx, load_module

    if workload.batch != 1:
        raise click.UsageError(
            f"an imported model is timed as it was read, at a batch of one: drop --batch "
            f"({ref.text})"
        )
    shape = input_shape_of(options)
    if is_onnx(ref.text):
        if runtime != "onnxruntime":
            raise click.UsageError(
                f"{ref.text} is an ONNX file: profile it with --runtime onnxruntime"
            )
        from ..backends import ort
        from ..frontends.models import load_model

        ort.require_onnxruntime()
        if where != "cpu" or workload.activations != "fp32":
            raise click.UsageError("--runtime onnxruntime runs the file on the CPU in fp32")
        net = imported_checked(
            load_model(ref.text, input_shape=shape, resolution=resolution), options
        )
        return ort.measure_file(
            ref.text,
            input_shape=(*net.input.shape[1:],),
            repeats=repeats or 20,
            threads=threads,
            spin=spin,
        )
    if runtime != "torch":
        raise click.UsageError(
            f"{ref.text} is a PyTorch model: profile it in PyTorch eager (--runtime torch), or "
            "export it to ONNX yourself and profile the file with --runtime onnxruntime"
        )
    from ..backends.eager import measure_module
    from ..nets.pytorch import require_torch

    require_torch()
    module, chosen, name = load_module(ref.text, input_shape=shape, resolution=resolution)
    measured = measure_module(
        module,
        chosen,
        name=name,
        device=where,
        dtype=workload.activations,
        repeats=repeats or 7,
        threads=threads,
    )
    imported_checked(measured.network, options)  # --strict
    return measured
