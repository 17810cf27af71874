"""PyTorch eager's kernels calibrated (extra ``mobicost[torch]``): in eager mode each layer's
module is one call, so a layer is a kernel, of the kind :func:`~mobicost.analysis.kernels.
layer_kind` names. :func:`calibrate_kernels` times every layer of the calibration networks
(:mod:`mobicost.analysis.calibration_nets`, none of the library's) with
:func:`~mobicost.nets.timing.measure_layers` and fits each kind; the whole forward pass, timed
the same way, gives the run's own cost. :func:`~mobicost.analysis.kernels.predict_layers`
predicts from the result, without PyTorch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ..analysis.calibration_nets import calibration_networks
from ..analysis.kernels import KernelModel, Pass, Sample, fit_model, layer_kind
from ..nets.timing import _count, measure_layers


def calibrate_kernels(
    *,
    networks: int = 40,
    repeats: int = 5,
    min_time: float = 0.005,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> KernelModel:
    """Fit this machine's kernel model for PyTorch eager on the CPU in fp32."""
    _count("networks", networks)
    samples: list[Sample] = []
    passes: list[Pass] = []
    machine = None
    for index, net in enumerate(calibration_networks(networks)):
        measured = measure_layers(net, repeats=repeats, min_time=min_time, threads=threads)
        machine = measured.machine
        kernels = []
        for timing in measured.layers:
            kind, (macs, moved) = layer_kind(timing.layer), _memory(timing.layer)
            samples.append(Sample(kind, macs, moved, timing.seconds))
            kernels.append((kind, macs, moved))
        passes.append(Pass(tuple(kernels), measured.whole))
        if progress is not None:
            progress(index + 1, networks)
    assert machine is not None
    kinds, run, whole_error = fit_model(samples, passes)
    return KernelModel(
        "torch",
        machine.name,
        machine.threads,
        f"mobicost calibrate --runtime torch, {date.today().isoformat()}, "
        f"{machine.runtime_title}, {networks} calibration networks, {len(samples)} kernels",
        kinds,
        run,
        0.0,
        whole_error,
    )


def _memory(layer: object) -> tuple[int, int]:
    from ..nets.memory import Workload, layer_memory

    figures = layer_memory(layer, Workload())  # type: ignore[arg-type]
    return figures.macs, figures.moved
