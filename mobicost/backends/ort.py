"""Time, measured in ONNX Runtime (extras ``mobicost[onnxruntime]``): a network exported by
:func:`~mobicost.backends.onnx.to_onnx` and run as deployments run it, with ONNX Runtime's graph
optimizations (all levels: batch norm folded into convolutions, activations and residual adds
fused into them, the CPU's blocked NCHWc layout).

Each layer's time comes from ONNX Runtime's own profiler: every kernel it ran, with its
duration, over ``repeats`` profiled runs after ``warmup`` runs. A kernel is a layer's where its
node name is the layer's (ONNX Runtime names a fused node after the first node it absorbed, and
suffixes nodes it rewrote: ``stage2.1.conv1_nchwc``); a layer fused into another has no kernel of
its own and shows 0 (its time is in the layer that absorbed it); kernels ONNX Runtime added
itself (layout reorders) are no layer's, and are reported as such. A layer's figure is the median
over the runs of its kernels' time in each run, with the interquartile range. The whole forward
pass is timed apart, without the profiler, as ``session.run`` end to end.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import MobicostError
from ..nets.timing import (
    LayerTiming,
    LayerTimings,
    Machine,
    _count,
    _cpu_name,
    _median_iqr,
    _positive,
    _samples,
)
from .onnx import require_onnx, to_onnx

if TYPE_CHECKING:  # pragma: no cover
    from ..nets.network import Network

INSTALL_HINT = "onnxruntime is not installed: pip install 'mobicost[onnxruntime]'"


def require_onnxruntime() -> Any:
    """Import onnxruntime (and onnx, which writes the models), or raise a
    :class:`MobicostError` saying how to install them (the extra brings both)."""
    try:
        import onnxruntime
    except ImportError:
        raise MobicostError(INSTALL_HINT) from None
    require_onnx()
    return onnxruntime


def default_threads() -> int:
    """The CPU threads this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def session(model: bytes, *, threads: int | None = None, profile_prefix: str | None = None) -> Any:
    """An ONNX Runtime CPU session on ``model`` with every graph optimization, ``threads``
    intra-op threads, sequential execution, and the profiler on where ``profile_prefix`` is
    given."""
    ort = require_onnxruntime()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads or default_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    try:
        return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as error:
        raise MobicostError(f"ONNX Runtime cannot load the model: {error}") from None


def machine(threads: int | None = None) -> Machine:
    ort = require_onnxruntime()
    return Machine("cpu", _cpu_name(), threads or default_threads(), ort.__version__, "onnxruntime")


def layer_of(node: str, names: set[str]) -> str | None:
    """The layer a kernel of ONNX Runtime's belongs to, from its node's name: the layer's name,
    or a node mobicost wrote for it (``conv1/bn``), or one ONNX Runtime made of it by fusion or
    rewriting (``conv1_nchwc``, ``conv1/conv_token_3``); ``None`` for a node of its own.

    >>> layer_of("stage2.1.conv1_nchwc", {"stage2.1.conv1", "stage2.1"})
    'stage2.1.conv1'
    >>> layer_of("a/act", {"a"}), layer_of("ReorderOutput", {"a"})
    ('a', None)
    """
    candidate = node.split("/", 1)[0]
    while candidate:
        if candidate in names:
            return candidate
        head, underscore, _ = candidate.rpartition("_")
        if not underscore:
            return None
        candidate = head
    return None


@contextmanager
def _profile_folder() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="mobicost-ort-") as folder:
        yield os.path.join(folder, "profile")


def kernel_times(events: list[dict[str, Any]]) -> list[dict[str, float]]:
    """Per profiled run, the microseconds of each node's kernels, from ONNX Runtime's profile
    (its ``model_run`` events bound the runs; its ``Node`` events named ``*_kernel_time`` are the
    kernels)."""
    runs = sorted(
        (int(e["ts"]), int(e["ts"]) + int(e["dur"]))
        for e in events
        if e.get("cat") == "Session" and e.get("name") == "model_run"
    )
    found: list[dict[str, float]] = [{} for _ in runs]
    for event in events:
        name = str(event.get("name", ""))
        if event.get("cat") != "Node" or not name.endswith("_kernel_time"):
            continue
        start = int(event["ts"])
        for index, (begin, end) in enumerate(runs):
            if begin <= start <= end:
                node = name[: -len("_kernel_time")]
                found[index][node] = found[index].get(node, 0.0) + float(event["dur"])
                break
    return found


def measure_layers(
    network: Network,
    *,
    batch: int = 1,
    dtype: str = "fp32",
    repeats: int = 20,
    warmup: int = 5,
    min_time: float = 0.05,
    threads: int | None = None,
) -> LayerTimings:
    """Run ``network`` in ONNX Runtime on a ``batch`` of random inputs and time every layer
    from the runtime's profiler (see the module's docstring); the whole pass apart, each of
    ``repeats`` measurements lasting at least ``min_time`` seconds."""
    _count("batch", batch)
    _count("repeats", repeats)
    _count("warmup", warmup, 0)
    _count("threads", threads)
    _positive("min_time", min_time)
    if dtype != "fp32":
        raise MobicostError(
            f"ONNX Runtime runs the exported model in fp32; {dtype} needs a converted model"
        )
    import numpy

    model = to_onnx(network, batch=batch).SerializeToString()
    x = numpy.random.default_rng(0).standard_normal(network.input.torch_shape(batch), "float32")
    feed = {"input": x}
    plain = session(model, threads=threads)
    for _ in range(warmup):
        plain.run(None, feed)
    _, whole_samples = _samples(lambda: plain.run(None, feed), lambda: None, repeats, min_time)
    with _profile_folder() as prefix:
        profiled = session(model, threads=threads, profile_prefix=prefix)
        for _ in range(warmup):
            profiled.run(None, feed)
        started = time.perf_counter()
        for _ in range(repeats):
            profiled.run(None, feed)
        elapsed = time.perf_counter() - started
        path = profiled.end_profiling()
        with open(path, encoding="utf-8") as handle:
            events = json.load(handle)
    runs = kernel_times(events)[-repeats:]
    if len(runs) < repeats:  # pragma: no cover - a profiler that lost runs
        raise MobicostError(f"ONNX Runtime's profiler recorded {len(runs)} of {repeats} runs")
    names = {layer.name for layer in network.layers}
    per_layer: dict[str, list[float]] = {name: [0.0] * repeats for name in names}
    other = [0.0] * repeats
    for index, run in enumerate(runs):
        for node, microseconds in run.items():
            owner = layer_of(node, names)
            if owner is None:
                other[index] += microseconds * 1e-6
            else:
                per_layer[owner][index] += microseconds * 1e-6
    timings = []
    for layer in network.layers:
        samples = tuple(per_layer[layer.name])
        median, spread = _median_iqr(samples)
        timings.append(LayerTiming(layer, median, spread, 1, samples))
    whole, whole_spread = _median_iqr(whole_samples)
    method = (
        f"each layer's kernels as ONNX Runtime's profiler timed them (all graph optimizations: "
        f"a layer fused into another shows 0), median over {repeats} runs "
        f"({elapsed / repeats * 1e3:.3g} ms a profiled run)"
    )
    return LayerTimings(
        network,
        tuple(timings),
        whole,
        whole_spread,
        machine(threads),
        dtype,
        batch,
        repeats,
        min_time,
        method,
        _median_iqr(other)[0],
    )
