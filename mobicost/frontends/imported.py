"""What the PyTorch and ONNX readers share: a graph builder that checks every node's shape
against its kind's own rule, and the :class:`~mobicost.nets.network.Network` an imported model
becomes.

Shapes are observed (PyTorch runs the model; ONNX infers them) and each is checked against the
:meth:`~mobicost.nets.ops.Op.infer` of the node's kind, so the one shape rule per kind stays the
authority; a node whose rule disagrees, or that has no rule, becomes an
:class:`~mobicost.nets.ops.Uncosted` node: counted as nothing and named in every report
(:func:`not_costed`), never a silent zero.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from ..cost.conventions import Conventions
from ..errors import MobicostError
from ..nets import ops
from ..nets.network import Layer, Network, cost_graph
from ..nets.ops import Op, Tensor
from ..nets.spec import INPUT, Graph, Node, Spec

#: what an imported model's parameters are, said under every report of one
PARAMS_NOTE = (
    "Params: the model's own, as sum(p.numel()) counts them: a bias and normalisation vectors "
    "where the model has them (--bias and --bn do not apply); parameters that no operation "
    "uses are listed as such."
)
#: the counting convention of the imported kinds, said under every report of one
MACS_NOTE = (
    "MACs as torch.utils.flop_counter counts them (FLOPs / 2): convolutions, matrix products "
    "and attention's two products (QK^T and AV, which its CPU count leaves out); "
    "normalisation, activations, softmax, element-wise operations and views have none."
)


class ModelError(MobicostError):
    """A model that cannot be read: the message names the file or the callable and the problem."""


@dataclass
class GraphBuilder:
    """Collects nodes in execution order; each node's output shape is observed and checked
    against its kind's rule."""

    input: Tensor
    nodes: list[Node] = field(default_factory=list)
    shapes: dict[str, Tensor] = field(default_factory=dict)
    counters: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.shapes[INPUT] = self.input

    def fresh(self, base: str, fn: str) -> str:
        """A unique node name: the module's path, then ``path/fn``, then ``path/fn.2``..."""
        base = base or fn
        for name in (base, f"{base}/{fn}"):
            if name not in self.shapes:
                return name
        self.counters[f"{base}/{fn}"] += 1
        count = self.counters[f"{base}/{fn}"] + 1
        while f"{base}/{fn}.{count}" in self.shapes:
            count += 1
        return f"{base}/{fn}.{count}"

    def add(
        self,
        base: str,
        fn: str,
        op: Op,
        inputs: Sequence[str],
        dims: tuple[int, ...],
        origin: str,
    ) -> str:
        """Add a node whose output was observed to have shape ``dims``; where its kind's shape
        rule fails or disagrees, it is kept as an :class:`~mobicost.nets.ops.Uncosted` node
        named ``fn``."""
        shapes = tuple(self.shapes[name] for name in inputs)
        observed = ops.shaped(dims, image=_image(op, shapes))
        try:
            inferred: Tensor | None = op.infer(shapes)
        except MobicostError:
            inferred = None
        if inferred is None or inferred.shape != observed.shape:
            op = ops.Uncosted(fn, observed.shape)
        name = self.fresh(base, fn.rpartition(".")[2])
        self.nodes.append(Node(name, op, tuple(inputs), origin=origin))
        self.shapes[name] = observed
        return name

    def graph(self) -> Graph:
        return Graph(self.input, tuple(self.nodes), dict(self.shapes))


def _image(op: Op, inputs: tuple[Tensor, ...]) -> bool:
    """Whether a 4-d output is an image's feature map (shown H x W x C, as the paper's tables)
    rather than a tensor such as attention's heads: what convolutions, pooling and batch norm
    make, and what element-wise operations make of a map."""
    if isinstance(op, ops.Conv | ops.ConvNd | ops.Pool):
        return True
    if isinstance(op, ops.Norm):
        return op.fn == "batch"
    if isinstance(op, ops.Activation | ops.Eltwise | ops.Reduce | ops.Uncosted):
        return bool(inputs) and not inputs[0].dims and not inputs[0].flat
    return False


def not_costed(network: Network) -> tuple[str, ...]:
    """The operations a network holds that mobicost has no rule for, each with its count and
    shapes: ``aten.cumsum x1 (1x8x222x222)``; empty for every built-in network.

    >>> from mobicost import network
    >>> not_costed(network("mobilenet-v2"))
    ()
    """
    return _listing(network.layers)


def _listing(layers: Sequence[Layer]) -> tuple[str, ...]:
    counts: Counter[tuple[str, str]] = Counter()
    for layer in layers:
        if isinstance(layer.op, ops.Uncosted):
            shapes = ", ".join(t.text for t in layer.inputs) or layer.output.text
            counts[(layer.op.name, shapes)] += 1
    return tuple(f"{name} x{count} ({shapes})" for (name, shapes), count in counts.items())


def imported_network(
    graph: Graph,
    *,
    key: str,
    title: str,
    source: str,
    notes: Sequence[str] = (),
    classes: int = 0,
    conventions: Conventions | None = None,
) -> Network:
    """Cost an imported graph: a :class:`Network` as the built-ins are, so tables, memory,
    latency and plots work on it; ``classes`` is the model's output width. Its conventions are
    torchvision's (a bias on fully connected layers, batch norm's two vectors), though each
    layer's parameters are the model's own."""
    x = graph.input
    if not graph.nodes:
        raise ModelError(f"{title}: the model computes nothing from its input")
    classes = classes if classes >= 1 else 1000
    conventions = conventions or Conventions(bias="fc", bn="affine", classes=classes)
    layers = cost_graph(graph, conventions)
    listed = _listing(layers)
    missing = (f"Not costed: {'; '.join(listed)}.",) if listed else ()
    spec = Spec(
        name=key,
        title=title,
        source=source,
        input=(x.c, x.h, x.w),
        classes=classes,
        layers=(),
        head=(),
        blocks={},
        defaults={},
        notes=(MACS_NOTE, PARAMS_NOTE, *notes, *missing),
    )
    return Network(spec, Fraction(1), x.h, "floor", conventions, layers, x)
