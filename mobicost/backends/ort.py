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
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..errors import MobicostError
from ..nets.pytorch import check_runnable
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
from .onnx import OPSET, require_onnx, to_onnx

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis.kernels import KernelModel
    from ..analysis.latency import Prediction
    from ..nets.network import Network

INSTALL_HINT = "onnxruntime is not installed: pip install 'mobicost[onnxruntime]'"


def _waiting(spin: bool) -> str:
    """How the intra-op threads waited for work, in words, for a calibration's source and a
    profile's method. They sleep unless a caller asks them to spin (ONNX Runtime's own
    default: ``spin=True``, ``--spin``). On a virtual machine, threads that spin are what the
    hypervisor takes away first: on the 2-core VM this project is built on, MobileNet v2 run
    back to back in one session took 3.8 ms a pass for about 25 seconds, then 6.6 ms for as
    long as it kept running (one thread alone: 7.4 ms throughout; two threads that sleep: 4.8
    ms throughout), so a calibration of minutes timed its first networks on one machine and the
    rest on another. On a quiet machine of its own, threads that spin run up to a fifth faster,
    and are what a deployment with ONNX Runtime's defaults runs."""
    return ", intra-op threads " + ("spinning" if spin else "sleeping") + " between kernels"


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


def session(
    model: bytes,
    *,
    threads: int | None = None,
    profile_prefix: str | None = None,
    optimized_path: str | None = None,
    spin: bool = False,
) -> Any:
    """An ONNX Runtime CPU session on ``model`` with every graph optimization, ``threads``
    intra-op threads that sleep while they wait for work unless ``spin`` (see
    :func:`_waiting`'s note), sequential
    execution, the profiler on where ``profile_prefix`` is given, and the graph it runs written
    to ``optimized_path`` where that is given."""
    ort = require_onnxruntime()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads or default_threads()
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    options.log_severity_level = 3  # errors only
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    if optimized_path is not None:
        options.optimized_model_filepath = optimized_path
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


def _random_input(network: Network, batch: int) -> Any:
    import numpy

    shape = network.input.torch_shape(batch)
    return numpy.random.default_rng(0).standard_normal(shape, "float32")


def _whole(
    model: bytes,
    feed: dict[str, Any],
    threads: int | None,
    warmup: int,
    repeats: int,
    min_time: float,
    spin: bool = False,
) -> tuple[float, ...]:
    """Seconds of whole forward passes (``session.run``), ``repeats`` measurements."""
    plain = session(model, threads=threads, spin=spin)
    for _ in range(warmup):
        plain.run(None, feed)
    return _samples(lambda: plain.run(None, feed), lambda: None, repeats, min_time)[1]


def _profiled(
    model: bytes,
    feed: dict[str, Any],
    threads: int | None,
    warmup: int,
    repeats: int,
    spin: bool = False,
) -> tuple[list[dict[str, float]], float, Any]:
    """Microseconds of each node's kernels in each of ``repeats`` profiled runs, the seconds
    one profiled run took, and the optimized graph the profiled session ran: the names of the
    nodes ONNX Runtime adds itself (``ReorderOutput_token_12``) differ from one session to the
    next, so a kernel's time is paired with its node only in the graph of the same session."""
    onnx = require_onnx()
    with _profile_folder() as prefix:
        optimized = prefix + "-optimized.onnx"
        profiled = session(
            model, threads=threads, profile_prefix=prefix, optimized_path=optimized, spin=spin
        )
        for _ in range(warmup):
            profiled.run(None, feed)
        started = time.perf_counter()
        for _ in range(repeats):
            profiled.run(None, feed)
        elapsed = time.perf_counter() - started
        path = profiled.end_profiling()
        with open(path, encoding="utf-8") as handle:
            events = json.load(handle)
        graph = onnx.load(optimized, load_external_data=False).graph
    runs = kernel_times(events)[-repeats:]
    if len(runs) < repeats:  # pragma: no cover - a profiler that lost runs
        raise MobicostError(f"ONNX Runtime's profiler recorded {len(runs)} of {repeats} runs")
    _name_unnamed(graph, runs[0])
    return runs, elapsed / repeats, graph


def _name_unnamed(graph: Any, timed: Mapping[str, float]) -> None:
    """Name the nodes ONNX Runtime made without a name (a HardSwish after a matrix product,
    inlined as HardSigmoid and Mul) as its session named them, ``{op}_{index}``: of each op,
    the names the profile has and the graph lacks, in order of their index, to the unnamed
    nodes in the graph's order."""
    unnamed: dict[str, list[Any]] = {}
    for node in graph.node:
        if not node.name:
            unnamed.setdefault(node.op_type, []).append(node)
    named = {node.name for node in graph.node}
    for op, nodes in unnamed.items():
        suffixes = []
        for name in timed:
            head, _, suffix = name.rpartition("_")
            if head == op and suffix.isdigit() and name not in named:
                suffixes.append(int(suffix))
        for node, number in zip(nodes, sorted(suffixes), strict=False):
            node.name = f"{op}_{number}"


def measure_layers(
    network: Network,
    *,
    batch: int = 1,
    dtype: str = "fp32",
    repeats: int = 20,
    warmup: int = 5,
    min_time: float = 0.05,
    threads: int | None = None,
    spin: bool = False,
) -> LayerTimings:
    """Run ``network`` in ONNX Runtime on a ``batch`` of random inputs and time every layer
    from the runtime's profiler (see the module's docstring); the whole pass apart, each of
    ``repeats`` measurements lasting at least ``min_time`` seconds; the intra-op threads
    sleep between kernels unless ``spin`` (ONNX Runtime's default: see :func:`_waiting`)."""
    _count("batch", batch)
    _count("repeats", repeats)
    _count("warmup", warmup, 0)
    _count("threads", threads)
    _positive("min_time", min_time)
    if dtype != "fp32":
        raise MobicostError(
            f"ONNX Runtime runs the exported model in fp32; {dtype} needs a converted model"
        )
    check_runnable(network, batch, "ONNX Runtime")
    model = to_onnx(network, batch=batch).SerializeToString()
    feed = {"input": _random_input(network, batch)}
    names = {layer.name for layer in network.layers}
    return _timed(
        network,
        model,
        feed,
        lambda node: layer_of(node, names),
        batch=batch,
        dtype=dtype,
        repeats=repeats,
        warmup=warmup,
        min_time=min_time,
        threads=threads,
        spin=spin,
    )


def measure_file(
    path: str,
    *,
    input_shape: Sequence[int] | None = None,
    repeats: int = 20,
    warmup: int = 5,
    min_time: float = 0.05,
    threads: int | None = None,
    spin: bool = False,
) -> LayerTimings:
    """Run a user's own ONNX file in ONNX Runtime, as :func:`measure_layers` runs an exported
    network: costed as :func:`~mobicost.frontends.onnx.from_onnx` reads it (at ``input_shape``,
    a batch of one), each kernel the profiler times given to the layer its node made (a node's
    name, or one ONNX Runtime made of it by fusion or rewriting: ``Conv_3_nchwc``)."""
    from ..frontends.onnx import read_with_nodes

    _count("repeats", repeats)
    _count("warmup", warmup, 0)
    _count("threads", threads)
    _positive("min_time", min_time)
    onnx = require_onnx()
    model = onnx.load(path)
    network, layer_by_node = read_with_nodes(path, model, input_shape=input_shape)
    check_runnable(network, 1, "ONNX Runtime")
    stored = {t.name for t in model.graph.initializer}
    first = next(i for i in model.graph.input if i.name not in stored)
    for output in model.graph.output:  # inferred again by the runtime at the costed shape
        for dim in output.type.tensor_type.shape.dim:
            dim.Clear()
    del model.graph.value_info[:]
    feed = {first.name: _random_input(network, 1)}

    def owner(node: str) -> str | None:
        candidate = node
        while candidate:
            if candidate in layer_by_node:
                return layer_by_node[candidate]
            head, underscore, _ = candidate.rpartition("_")
            if not underscore:
                return None
            candidate = head
        return None

    return _timed(
        network,
        model.SerializeToString(),
        feed,
        owner,
        batch=1,
        dtype="fp32",
        repeats=repeats,
        warmup=warmup,
        min_time=min_time,
        threads=threads,
        spin=spin,
    )


def _timed(
    network: Network,
    model: bytes,
    feed: dict[str, Any],
    owner: Callable[[str], str | None],
    *,
    batch: int,
    dtype: str,
    repeats: int,
    warmup: int,
    min_time: float,
    threads: int | None,
    spin: bool,
) -> LayerTimings:
    """The whole pass and each layer's kernels (``owner`` names a kernel's layer, or None for
    a kernel of the runtime's own), timed as :func:`measure_layers` says."""
    whole_samples = _whole(model, feed, threads, warmup, repeats, min_time, spin)
    runs, elapsed, _ = _profiled(model, feed, threads, warmup, repeats, spin)
    names = {layer.name for layer in network.layers}
    per_layer: dict[str, list[float]] = {name: [0.0] * repeats for name in names}
    other = [0.0] * repeats
    for index, run in enumerate(runs):
        for node, microseconds in run.items():
            found = owner(node)
            if found is None or found not in per_layer:
                other[index] += microseconds * 1e-6
            else:
                per_layer[found][index] += microseconds * 1e-6
    timings = []
    for layer in network.layers:
        samples = tuple(per_layer[layer.name])
        median, spread = _median_iqr(samples)
        timings.append(LayerTiming(layer, median, spread, 1, samples))
    whole, whole_spread = _median_iqr(whole_samples)
    method = (
        f"each layer's kernels as ONNX Runtime's profiler timed them{_waiting(spin)} (all graph "
        f"optimizations: a layer fused into another shows 0), median over {repeats} runs "
        f"({elapsed * 1e3:.3g} ms a profiled run)"
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


# --- kernels after the runtime's fusions, and their latency model ------------------------------


@dataclass(frozen=True)
class Kernel:
    """One node of ONNX Runtime's optimized graph: what it runs, the mobicost layers it
    computes (the layer it is named after, and those fused into it), their MACs and bytes."""

    name: str
    op: str  #: ``domain:op_type`` as ONNX Runtime wrote it
    kind: str  #: the kernel kind the latency model knows (:mod:`mobicost.analysis.kernels`)
    layers: tuple[str, ...]
    macs: int
    bytes: int
    reads: str = ""  #: for a node of ONNX Runtime's own, the layer (or input) whose tensor it reads


def optimized_graph(model: bytes, threads: int | None = None) -> Any:
    """The graph ONNX Runtime runs for ``model``: its optimizer's output (no input is run)."""
    onnx = require_onnx()
    with tempfile.TemporaryDirectory(prefix="mobicost-ort-") as folder:
        path = os.path.join(folder, "optimized.onnx")
        ort = require_onnxruntime()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or default_threads()
        options.optimized_model_filepath = path
        options.log_severity_level = 3
        try:
            ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        except Exception as error:
            raise MobicostError(f"ONNX Runtime cannot load the model: {error}") from None
        return onnx.load(path, load_external_data=False).graph


_COPIES = {"Concat", "Split", "Slice", "Transpose", "Gather"}
_VIEWS = {"Reshape", "Flatten", "Identity", "Squeeze", "Unsqueeze"}
_POOLS = {"MaxPool", "AveragePool"}
_GLOBAL_POOLS = {"GlobalAveragePool", "GlobalMaxPool"}
_GEMMS = {"Gemm", "FusedGemm", "MatMul", "FusedMatMul"}
_CONVS = {"Conv", "FusedConv"}


def kernel_kind(op_type: str, domain: str, attributes: Mapping[str, Any], channels: int) -> str:
    """The kind of an optimized node, for the latency model: convolutions by their shape
    (``conv.dw``: one group per input channel; ``conv.1x1``; ``conv.kxk``; ``conv.grouped``),
    ``.nchw`` where ONNX Runtime left them in the plain layout; the rest by what they do."""
    if op_type in _CONVS:
        group = int(attributes.get("group", 1))
        kernel = tuple(attributes.get("kernel_shape", ()))
        if group > 1 and group >= channels:  # NCHWc pads the channels to its block
            shape = "dw"
        elif group > 1:
            shape = "grouped"
        elif kernel and all(k == 1 for k in kernel):
            shape = "1x1"
        else:
            shape = "kxk"
        return f"conv.{shape}" + ("" if domain.endswith("nchwc") else ".nchw")
    if op_type in _GEMMS:
        return "fc"
    if op_type in ("ReorderInput", "ReorderOutput"):
        return "reorder"
    if op_type in _POOLS:
        return "pool"
    if op_type in _GLOBAL_POOLS:
        return "gap"
    if op_type in _COPIES:
        return "copy"
    if op_type in _VIEWS:
        return "view"
    return "eltwise"


def kernels(
    network: Network,
    *,
    batch: int = 1,
    threads: int | None = None,
    model: bytes | None = None,
    graph: Any | None = None,
) -> list[Kernel]:
    """The kernels ONNX Runtime runs for ``network`` (exported by :func:`to_onnx`), in order,
    each with the layers it computes: the layer it is named after, the layers whose output it
    writes, and any layer left without a node of its own (folded away: batch norm, an
    activation, a residual add, dropout), given to the node that computes that layer's first
    input. A layer run as several nodes (a squeeze-and-excitation's, a classifier's flatten and
    product) has each node's own tensors and products. Nodes ONNX Runtime added itself (layout
    reorders) move the tensor they read. ``graph`` is the optimized graph of ``model`` where a
    session already wrote it (:func:`_profiled`), so that its nodes' names are the ones that
    session's profile uses."""
    from ..nets.memory import Workload, layer_memory

    onnx = require_onnx()
    model = model if model is not None else to_onnx(network, batch=batch).SerializeToString()
    graph = graph if graph is not None else optimized_graph(model, threads)
    names = {layer.name for layer in network.layers}
    by_name = {layer.name: layer for layer in network.layers}
    workload = Workload(batch=batch)
    memory = {layer.name: layer_memory(layer, workload) for layer in network.layers}
    tensor_bytes = {
        layer.name: layer.output.elements * batch * workload.activation_size
        for layer in network.layers
    }
    tensor_bytes["input"] = network.input.elements * batch * workload.activation_size

    owned: list[list[str]] = []
    owner_of: dict[str, int] = {}
    part_of: dict[int, str] = {}  #: a node that is one of several of a layer (SE's, a shuffle's)
    for index, node in enumerate(graph.node):
        found = [layer_of(node.name, names), *(layer_of(o, names) for o in node.output)]
        mine = [name for name in dict.fromkeys(found) if name is not None]
        if mine and mine[0] in owner_of:
            part_of[index] = mine[0]
        mine = [name for name in mine if name not in owner_of]
        owned.append(mine)
        for name in mine:
            owner_of[name] = index
    several = {  # layers with more than one node of their own (not a reorder of their output)
        part_of[index] for index in part_of if layer_of(graph.node[index].name, names)
    }
    sizes = _tensor_sizes(onnx, model, graph, network, batch)
    for layer in network.layers:  # folded away: to the node computing its first input
        if layer.name in owner_of:
            continue
        source = layer.node.inputs[0] if layer.node.inputs else "input"
        if source in owner_of:
            owner_of[layer.name] = owner_of[source]
            owned[owner_of[source]].append(layer.name)
    found_kernels = []
    for index, node in enumerate(graph.node):
        attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        layers = tuple(owned[index])
        first = by_name[layers[0]] if layers else None
        channels = first.inputs[0].c if first is not None and first.inputs else 0
        kind = kernel_kind(node.op_type, node.domain, attributes, channels)
        read = ""
        if (
            index in part_of
            or any(owner_of.get(n) != index for n in layers[:1])
            or (layers and layers[0] in several)
        ):
            # one of a layer's several nodes: its own tensors, and its own products
            read = part_of.get(index, layers[0] if layers else "")
            moved = sum(sizes.get(t, 0) for t in (*node.input, *node.output) if t)
            macs = _node_macs(node, sizes, graph)
        elif layers:
            macs = sum(memory[name].macs for name in layers)
            moved = sum(memory[name].moved for name in layers)
        else:  # a reorder of ONNX Runtime's own: the tensor it reads, read and written
            read = next((layer_of(i, names) or i for i in node.input if i), "input")
            read = read if read in tensor_bytes else _producer(read, graph, names)
            own = sum(sizes.get(t, 0) for t in (*node.input, *node.output) if t)
            macs, moved = 0, own or 2 * tensor_bytes.get(read, 0)
        found_kernels.append(
            Kernel(node.name, f"{node.domain}:{node.op_type}", kind, layers, macs, moved, read)
        )
    return found_kernels


def _tensor_sizes(
    onnx: Any, model: bytes, graph: Any, network: Network, batch: int
) -> dict[str, int]:
    """Bytes of every tensor the optimized graph names, as ONNX Runtime holds it (blocked
    layouts padded): its weights from the graph, every other tensor read off one run of the
    optimized graph on zeros with every tensor made an output (a shape probe, not a timing)."""
    import numpy

    ort = require_onnxruntime()
    sizes = {t.name: 4 * _product(t.dims) for t in graph.initializer}
    probe = onnx.GraphProto()
    probe.CopyFrom(graph)
    known = {o.name for o in probe.output}
    for node in probe.node:
        for output in node.output:
            if output and output not in known:
                probe.output.append(onnx.helper.make_empty_tensor_value_info(output))
                known.add(output)
    opsets = [onnx.helper.make_opsetid(d, 1) for d in {n.domain for n in graph.node} if d]
    probed = onnx.helper.make_model(
        probe, opset_imports=[onnx.helper.make_opsetid("", OPSET), *opsets]
    )
    probed.ir_version = onnx.load_from_string(model).ir_version
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 3
    try:
        runner = ort.InferenceSession(
            probed.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        shape = network.input.torch_shape(batch)
        values = runner.run(None, {"input": numpy.zeros(shape, "float32")})
    except Exception:
        return sizes
    for output, value in zip(runner.get_outputs(), values, strict=True):
        sizes[output.name] = int(value.nbytes)
    sizes["input"] = 4 * _product(network.input.torch_shape(batch))
    return sizes


def _product(dims: Any) -> int:
    total = 1
    for dim in dims:
        total *= int(dim)
    return int(total)


def _node_macs(node: Any, sizes: Mapping[str, int], graph: Any) -> int:
    """A convolution's or matrix product's multiply-accumulates from its tensors: weights x
    output positions (a weight's elements each meet every output position once)."""
    if node.op_type not in _CONVS | _GEMMS or len(node.input) < 2:
        return 0
    weights = {t.name: list(t.dims) for t in graph.initializer}
    dims = weights.get(node.input[1])
    if not dims or not node.output:
        return 0
    weight_count = _product(dims)
    out = sizes.get(node.output[0], 0) // 4
    if node.op_type in _GEMMS:
        rows = int(dims[0] if node.op_type != "MatMul" else dims[-1])
        return weight_count * max(out // max(rows, 1), 1)
    return weight_count * max(out // max(int(dims[0]), 1), 1)


def _producer(tensor: str, graph: Any, names: set[str]) -> str:
    """The layer whose output a tensor of ONNX Runtime's own (``reorder_token_3``) carries,
    through the nodes that wrote it; ``input`` where it comes from the network's input."""
    writers = {output: node for node in graph.node for output in node.output}
    seen = 0
    while tensor in writers and seen < len(graph.node):
        node = writers[tensor]
        owner = layer_of(node.name, names)
        if owner is not None:
            return owner
        tensor = next((i for i in node.input if i), "input")
        seen += 1
    return layer_of(tensor, names) or "input"


# --- calibration and prediction -----------------------------------------------------------------


def calibrate(
    *,
    networks: int = 40,
    repeats: int = 10,
    warmup: int = 3,
    rounds: int = 1,
    threads: int | None = None,
    spin: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> KernelModel:
    """Fit this machine's kernel model for ONNX Runtime (:mod:`mobicost.analysis.kernels`):
    ``networks`` calibration networks (:mod:`mobicost.analysis.calibration_nets`, none of the
    library's), in ``rounds`` rounds over all of them, each network run ``repeats`` times
    under the profiler in each round; a kernel's time is the least over the rounds of its
    median in a round (a round that a busy moment slowed does not count, as a network's time is
    taken when its accuracy is judged), a sample of its kind; the whole pass timed apart, in
    the same rounds, gives the run's own cost. The intra-op threads sleep between kernels
    unless ``spin`` (see :func:`_waiting`), as they will where the model predicts."""
    from ..analysis.calibration_nets import calibration_networks
    from ..analysis.kernels import KernelModel, Pass, Sample, calibration_source, fit_model

    _count("networks", networks)
    _count("repeats", repeats)
    _count("warmup", warmup, 0)
    _count("rounds", rounds)
    _count("threads", threads)
    prepared = [
        (net, to_onnx(net).SerializeToString(), {"input": _random_input(net, 1)})
        for net in calibration_networks(networks)
    ]
    least: list[dict[tuple[Any, ...], tuple[Kernel, float]]] = [{} for _ in prepared]
    wholes: list[float] = [math.inf for _ in prepared]
    for round_ in range(rounds):
        for index, (net, model, feed) in enumerate(prepared):
            runs, _, graph = _profiled(model, feed, threads, warmup, repeats, spin)
            found = kernels(net, threads=threads, model=model, graph=graph)
            for key, kernel in _identified(found):
                median = _median_iqr([run.get(kernel.name, 0.0) * 1e-6 for run in runs])[0]
                if key not in least[index] or median < least[index][key][1]:
                    least[index][key] = (kernel, median)
            whole = statistics.median(_whole(model, feed, threads, 1, repeats, 0.05, spin))
            wholes[index] = min(wholes[index], whole)
            if progress is not None:
                progress(round_ * len(prepared) + index + 1, rounds * len(prepared))
    samples: list[Sample] = []
    passes: list[Pass] = []
    for timed, whole in zip(least, wholes, strict=True):
        samples += [Sample(k.kind, k.macs, k.bytes, seconds) for k, seconds in timed.values()]
        passes.append(Pass(tuple((k.kind, k.macs, k.bytes) for k, _ in timed.values()), whole))
    kinds, run, whole_error = fit_model(samples, passes)
    used = machine(threads)
    return KernelModel(
        "onnxruntime",
        used.name,
        used.threads,
        calibration_source(
            "onnxruntime", used.runtime_title + _waiting(spin), networks, rounds, len(samples)
        ),
        kinds,
        run,
        0.0,
        whole_error,
    )


def _identified(found: Sequence[Kernel]) -> Iterator[tuple[tuple[Any, ...], Kernel]]:
    """Each kernel with a key that names it in any session's graph of the same model: what it
    runs and computes (a node's name may not: see :func:`_profiled`), and its place among
    kernels alike in all of that, which are interchangeable."""
    seen: dict[tuple[Any, ...], int] = {}
    for kernel in found:
        alike = (kernel.op, kernel.kind, kernel.layers, kernel.reads, kernel.macs, kernel.bytes)
        seen[alike] = seen.get(alike, -1) + 1
        yield (*alike, seen[alike]), kernel


def predict(
    network: Network, model: KernelModel, *, batch: int = 1, threads: int | None = None
) -> Prediction:
    """``network``'s time in ONNX Runtime on the machine ``model`` was calibrated on: each
    kernel of the optimized graph by its kind's fit, given to the layer it is named after (a
    reorder to the layer whose tensor it reads); layers folded into another's take none."""
    from ..analysis.kernels import exact, model_device, model_notes
    from ..analysis.latency import LayerTime, Prediction
    from ..nets.memory import Workload, network_memory

    found = kernels(network, batch=batch, threads=threads or model.threads)
    workload = Workload(batch=batch)
    memory = network_memory(network, workload)
    parts: dict[str, list[tuple[str, Fraction, Fraction, Fraction]]] = {}
    for kernel in found:
        owner = kernel.layers[0] if kernel.layers else kernel.reads
        if owner == "input" or owner not in {layer.name for layer in network.layers}:
            owner = network.layers[0].name
        fit = model.fit_for(kernel.kind)
        parts.setdefault(owner, []).append(
            (
                kernel.kind,
                exact(kernel.macs * fit.per_mac),
                exact(kernel.bytes * fit.per_byte),
                exact(fit.fixed + model.per_node),
            )
        )
    times = []
    for layer, bytes_ in zip(network.layers, memory.layers, strict=True):
        mine = parts.get(layer.name, [])
        kinds = ", ".join(dict.fromkeys(kind for kind, *_ in mine)) or "fused"
        times.append(
            LayerTime(
                layer,
                bytes_,
                sum((c for _, c, _, _ in mine), Fraction(0)),
                sum((m for _, _, m, _ in mine), Fraction(0)),
                sum((o for _, _, _, o in mine), Fraction(0)),
                kinds,
            )
        )
    return Prediction(
        network, model_device(model), workload, tuple(times), exact(model.run), model_notes(model)
    )
