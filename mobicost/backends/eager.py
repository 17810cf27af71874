"""PyTorch eager's kernels calibrated (extra ``mobicost[torch]``): in eager mode each layer's
module is one call, so a layer is a kernel, of the kind :func:`~mobicost.analysis.kernels.
layer_kind` names. :func:`calibrate_kernels` times every layer of the calibration networks
(:mod:`mobicost.analysis.calibration_nets`, none of the library's) with
:func:`~mobicost.nets.timing.measure_layers` and fits each kind; the whole forward pass, timed
the same way, gives the run's own cost. :func:`~mobicost.analysis.kernels.predict_layers`
predicts from the result, without PyTorch."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from ..analysis.calibration_nets import calibration_networks
from ..analysis.kernels import (
    KernelModel,
    Pass,
    Sample,
    calibration_source,
    fit_model,
    layer_kind,
)
from ..errors import MobicostError
from ..nets.timing import (
    LayerTiming,
    LayerTimings,
    _count,
    _cpu_threads,
    _device,
    _dtype,
    _machine,
    _median_iqr,
    _positive,
    _samples,
    _synchronizer,
    measure_layers,
)


def calibrate_kernels(
    *,
    networks: int = 40,
    repeats: int = 5,
    min_time: float = 0.005,
    rounds: int = 1,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> KernelModel:
    """Fit this machine's kernel model for PyTorch eager on the CPU in fp32: ``networks``
    calibration networks timed layer by layer in ``rounds`` rounds over all of them, each
    layer's time the least over the rounds of its median in a round (as
    :func:`mobicost.backends.ort.calibrate`)."""
    _count("networks", networks)
    _count("rounds", rounds)
    nets = list(calibration_networks(networks))
    least: list[list[float]] = [[] for _ in nets]
    timed: list[list[Any]] = [[] for _ in nets]  # the layers timed, in order
    wholes = [math.inf for _ in nets]
    machine = None
    for round_ in range(rounds):
        for index, net in enumerate(nets):
            measured = measure_layers(net, repeats=repeats, min_time=min_time, threads=threads)
            machine = measured.machine
            times = [timing.seconds for timing in measured.layers]
            timed[index] = [timing.layer for timing in measured.layers]
            if least[index]:
                times = [min(a, b) for a, b in zip(least[index], times, strict=True)]
            least[index] = times
            wholes[index] = min(wholes[index], measured.whole)
            if progress is not None:
                progress(round_ * len(nets) + index + 1, rounds * len(nets))
    assert machine is not None
    samples: list[Sample] = []
    passes: list[Pass] = []
    for layers, times, whole in zip(timed, least, wholes, strict=True):
        kernels = []
        for layer, seconds in zip(layers, times, strict=True):
            kind, (macs, moved) = layer_kind(layer), _memory(layer)
            samples.append(Sample(kind, macs, moved, seconds))
            kernels.append((kind, macs, moved))
        passes.append(Pass(tuple(kernels), whole))
    kinds, run, whole_error = fit_model(samples, passes)
    return KernelModel(
        "torch",
        machine.name,
        machine.threads,
        calibration_source("torch", machine.runtime_title, networks, rounds, len(samples)),
        kinds,
        run,
        0.0,
        whole_error,
    )


def _memory(layer: object) -> tuple[int, int]:
    from ..nets.memory import Workload, layer_memory

    figures = layer_memory(layer, Workload())  # type: ignore[arg-type]
    return figures.macs, figures.moved


def measure_module(
    module: Any,
    input_shape: Sequence[int],
    *,
    name: str | None = None,
    device: str = "cpu",
    dtype: str = "fp32",
    repeats: int = 7,
    warmup: int = 1,
    min_time: float = 0.02,
    threads: int | None = None,
) -> LayerTimings:
    """Time a user's own ``torch.nn.Module`` in PyTorch eager, layer by layer, on a batch of
    one of ``input_shape``: each layer of its costed graph
    (:func:`~mobicost.frontends.torch.traced`) is one ATen operation, timed as it ran (its own
    arguments, moved to ``device`` and ``dtype``) until one measurement lasts ``min_time``
    seconds, ``repeats`` times; a layer that is a parameter runs nothing (0 s). The whole
    forward pass of the module itself is timed the same way."""
    from ..frontends.torch import traced
    from ..nets.pytorch import check_runnable, require_torch

    torch = require_torch()
    _count("repeats", repeats)
    _count("warmup", warmup, 0)
    _count("threads", threads)
    _positive("min_time", min_time)
    kind = _dtype(dtype, torch)
    chosen = _device(device, torch)
    sync = _synchronizer(chosen, torch)
    network, calls = traced(module, input_shape, name=name)
    check_runnable(network)
    from torch.utils._pytree import tree_map

    def moved(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return value.to(chosen, kind) if value.is_floating_point() else value.to(chosen)
        return value

    training = module.training
    timings = []
    try:
        with torch.inference_mode(), _cpu_threads(torch, threads):
            machine = _machine(chosen, torch)
            model = module.eval().to(device=chosen, dtype=kind)
            x = torch.randn((1, *input_shape), device=chosen, dtype=kind)
            for _ in range(warmup):
                model(x)
            for layer in network.layers:
                if layer.name not in calls:
                    timings.append(LayerTiming(layer, 0.0, 0.0, 0, (0.0,) * repeats))
                    continue
                func, args, kwargs = calls.pop(layer.name)
                args, kwargs = tree_map(moved, (args, kwargs))
                count, samples = _samples(partial(func, *args, **kwargs), sync, repeats, min_time)
                median, spread = _median_iqr(samples)
                timings.append(LayerTiming(layer, median, spread, count, samples))
            _, whole_samples = _samples(lambda: model(x), sync, repeats, min_time)
    except RuntimeError as error:  # a data type without kernels here; out of memory
        raise MobicostError(
            f"PyTorch cannot run {network.name} in {dtype} on {chosen}: {error}"
        ) from None
    finally:
        module.train(training)
    whole, whole_spread = _median_iqr(whole_samples)
    method = (
        f"each layer's ATen operation, called on its own arguments as the model ran it, median "
        f"seconds per call over {repeats} repeats of at least {min_time * 1e3:g} ms"
    )
    return LayerTimings(
        network,
        tuple(timings),
        whole,
        whole_spread,
        machine,
        dtype,
        1,
        repeats,
        min_time,
        method,
    )
