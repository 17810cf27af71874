"""A network costed layer by layer: a spec's graph bound to a width, a resolution and counting
conventions, each node costed by its kind's rule (:mod:`mobicost.nets.ops`). Exact integers
throughout; no sympy and no pandas (the layers as a DataFrame, ``Network.to_frame``, are
:func:`mobicost.render.tables.layer_frame`'s).

>>> net = network("mobilenet-v1")  # 1.0 MobileNet-224 with the paper's conventions
>>> net.name, net.total.macs, net.params
('1.0 MobileNet-224', 568740352, 4209088)
>>> network("mobilenet-v1", alpha="0.5", resolution=160).total.macs  # paper Table 9: 76M
76524800
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..cost import rules
from ..cost.conventions import Conventions
from ..cost.rules import Cost
from ..errors import MobicostError
from ..exact import decimal_text, exact_number
from . import ops
from .ops import Op, Tensor
from .spec import (
    ROUNDING_NOTES,
    ROUNDINGS,
    Expansions,
    Graph,
    Node,
    Spec,
    WidthReads,
    build_graph,
    typed,
)


@dataclass(frozen=True)
class Layer:
    """One costed node: its shapes, its rule's cost and its batch-norm parameters."""

    index: int
    node: Node
    inputs: tuple[Tensor, ...]
    output: Tensor
    cost: Cost  #: MACs, weight (and bias) parameters, other ops: from the kind's rule
    bn: Cost  #: batch-norm parameters under the conventions (no MACs)

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def op(self) -> Op:
        return self.node.op

    @property
    def kind(self) -> str:
        """The layer kind: ``conv`` (standard, grouped, depthwise or pointwise), ``fc``..."""
        return self.node.op.kind

    @property
    def is_head(self) -> bool:
        return self.node.head

    @property
    def params(self) -> int:
        return int(self.cost.params + self.bn.params)

    @property
    def total(self) -> Cost:
        return self.cost + self.bn

    @property
    def label(self) -> str:
        """The paper's "Type / Stride" column."""
        return self.op.label(self.inputs, self.output)

    @property
    def filter_shape(self) -> str:
        """The paper's "Filter Shape" column."""
        return self.op.filter_shape(self.inputs, self.output)

    @property
    def category(self) -> str:
        """The paper's Table 2 layer type."""
        return self.op.category(self.inputs, self.output)

    @property
    def input_shape(self) -> str:
        return " + ".join(t.text for t in self.inputs)

    @property
    def output_shape(self) -> str:
        return self.output.text

    @property
    def depthwise(self) -> bool:
        return isinstance(self.op, ops.Conv) and self.op.depthwise(self.inputs[0].c)

    @property
    def pointwise(self) -> bool:
        return isinstance(self.op, ops.Conv) and self.op.kernel == (1, 1) and self.op.groups == 1


@dataclass(frozen=True)
class Share:
    """One layer type's part of the whole (the paper's Table 2)."""

    category: str
    ops: int
    params: int
    ops_share: Fraction
    params_share: Fraction


@dataclass(frozen=True)
class Network:
    """A costed network. ``layers`` add up to ``total`` exactly."""

    spec: Spec
    alpha: Fraction
    resolution: int
    rounding: str
    conventions: Conventions
    layers: tuple[Layer, ...] = field(repr=False)
    input: Tensor = field(repr=False, default=Tensor(3, 224, 224))
    options: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        """The paper's form: ``0.75 MobileNet-128``; options after it: ``(groups 3)``."""
        size = (
            str(self.input.h) if self.input.h == self.input.w else f"{self.input.h}x{self.input.w}"
        )
        width = f"{decimal_text(self.alpha)} " if self.spec.width is not None else ""
        chosen = ", ".join(f"{k} {v}" for k, v in self.options)
        return f"{width}{self.spec.title}-{size}" + (f" ({chosen})" if chosen else "")

    @property
    def key(self) -> str:
        """The spec's command-line name (``mobilenet-v1``)."""
        return self.spec.name

    @property
    def rho(self) -> Fraction:
        """The resolution multiplier: the input size relative to the spec's own."""
        return Fraction(self.resolution, self.spec.resolution)

    @functools.cached_property
    def total(self) -> Cost:
        """The layers' costs added up (computed once: every share divides by it)."""
        return rules.total([layer.total for layer in self.layers])

    @functools.cached_property
    def ops(self) -> int:
        """Total operations in the conventions' unit."""
        return self.conventions.ops(self.total)

    @property
    def params(self) -> int:
        return int(self.total.params)

    def convention_notes(self) -> tuple[str, ...]:
        """The conventions in words, with this network's head (its spec's ``head_note``)."""
        return self.conventions.notes(self.spec.head_words(self.conventions.classes))

    def share(self, layer: Layer) -> Fraction:
        """A layer's share of the network's operations."""
        return Fraction(self.conventions.ops(layer.cost), self.ops) if self.ops else Fraction(0)

    def breakdown(self) -> tuple[Share, ...]:
        """Operations and parameters by layer type, as the paper's Table 2 (types that cost
        nothing, such as an average pool whose additions are not counted, are left out)."""
        categories: dict[str, list[Layer]] = {}
        for layer in self.layers:
            categories.setdefault(layer.category, []).append(layer)
        shares = []
        for category, layers in categories.items():
            count = sum(self.conventions.ops(layer.cost) for layer in layers)
            params = sum(layer.params for layer in layers)
            shares.append(
                Share(
                    category,
                    count,
                    params,
                    Fraction(count, self.ops) if self.ops else Fraction(0),
                    Fraction(params, self.params) if self.params else Fraction(0),
                )
            )
        kept = [s for s in shares if s.ops or s.params]
        return tuple(sorted(kept, key=lambda s: (-s.ops, -s.params)))

    def context(self) -> dict[str, object]:
        """What every row of an export shares: the model, its width, input and conventions."""
        return {
            "model": self.name,
            "network": self.key,
            "alpha": self.alpha,
            "resolution": self.resolution,
            "rounding": self.rounding,
            **{name: typed(value) for name, value in self.options},
            **self.conventions.as_dict(),
        }

    def records(self) -> list[dict[str, object]]:
        """One plain dict per layer, exact integers (the rows of every export)."""
        return [
            {
                "index": layer.index,
                "name": layer.name,
                "type": layer.label,
                "filter_shape": layer.filter_shape,
                "input": layer.input_shape,
                "output": layer.output_shape,
                "category": layer.category,
                "macs": int(layer.cost.macs),
                "adds": int(layer.cost.adds),
                "flops": int(2 * layer.cost.macs + layer.cost.adds),
                "params": layer.params,
                "bn_params": int(layer.bn.params),
                "share": self.share(layer),
            }
            for layer in self.layers
        ]

    def to_frame(self, workload: Any = None) -> Any:
        """The layers as a pandas DataFrame, for notebooks: :func:`mobicost.layer_frame` (the
        same table as ``mobicost table --format csv``, rendered where the table is). Reached
        through the package's top, which composes the layers, so that nets imports nothing
        above it."""
        import mobicost

        return mobicost.layer_frame(self, workload)


def cost_graph(graph: Graph, conventions: Conventions) -> tuple[Layer, ...]:
    """Cost every node of ``graph`` by its kind's rule under ``conventions``."""
    layers: list[Layer] = []
    for node in graph.nodes:
        inputs = graph.inputs_of(node)
        out = graph.shapes[node.name]
        bias = conventions.bias_on(node.op.bias_class)
        cost = node.op.cost(inputs, out, conventions, bias)
        extra = ops.activation_ops(node.op, out, conventions)
        if extra:
            cost = cost + Cost(0, 0, extra)
        layers.append(
            Layer(
                len(layers) + 1, node, inputs, out, cost, ops.bn_params(node.op, out, conventions)
            )
        )
    return tuple(layers)


def conventions_for(spec: Spec, **given: Any) -> Conventions:
    """The conventions its authors count ``spec`` by (its ``[conventions]`` and ``classes``),
    with any ``given`` (those that are not ``None``) in their place.

    >>> from mobicost.nets.library import load
    >>> conventions_for(load("mobilenet-v1"), bias="fc").bias
    'fc'
    """
    return Conventions(
        **{
            "classes": spec.classes,
            **spec.conventions,
            **{key: value for key, value in given.items() if value is not None},
        }
    )


def build(
    spec: Spec,
    *,
    alpha: object = 1,
    resolution: int | None = None,
    rho: object = None,
    rounding: str | None = None,
    options: Mapping[str, object] | None = None,
    conventions: Conventions | None = None,
    reads: WidthReads | None = None,
    expansions: Expansions | None = None,
) -> Network:
    """Cost ``spec`` at width ``alpha`` on a ``resolution`` input (or ``rho`` times its own)
    under ``conventions`` (the spec's own by default), recording in ``reads``, where given,
    what its expansion read of alpha (:class:`~mobicost.nets.spec.WidthReads`); builds given one
    :class:`~mobicost.nets.spec.Expansions` write out again the block instances an earlier one
    expanded alike."""
    exact_alpha = exact_number(alpha, "alpha")
    if resolution is not None and rho is not None:
        raise MobicostError("give the resolution or rho, not both")
    if rho is not None:
        scaled = exact_number(rho, "rho") * spec.resolution
        resolution = int(scaled + Fraction(1, 2))
        if resolution < 1:
            raise MobicostError(f"rho {rho} leaves no input pixels")
    if resolution is not None and (
        not isinstance(resolution, int) or isinstance(resolution, bool) or resolution < 1
    ):
        raise MobicostError(f"resolution must be a positive integer, got {resolution!r}")
    if rounding is not None and rounding not in ROUNDINGS:
        raise MobicostError(f"unknown rounding {rounding!r}; choose from: {', '.join(ROUNDINGS)}")
    conventions = conventions or conventions_for(spec)
    chosen = {k: str(v) for k, v in (options or {}).items()}
    graph = build_graph(
        spec,
        alpha=exact_alpha,
        resolution=resolution,
        rounding=rounding,
        options=chosen,
        head=conventions.head,
        classes=conventions.classes,
        reads=reads,
        expansions=expansions,
    )
    policy = rounding or (spec.width.rounding if spec.width else "floor")
    shown = tuple((name, chosen.get(name, option.default)) for name, option in spec.options.items())
    return Network(
        spec,
        exact_alpha,
        graph.input.h,
        policy,
        conventions,
        cost_graph(graph, conventions),
        graph.input,
        shown,
    )


def model_notes(network: Network) -> tuple[str, ...]:
    """The model in words: its source, width, input and the spec's own notes."""
    spec = network.spec
    parts = [f"Model: {network.name} ({spec.source})"]
    if spec.width is not None:
        if spec.width.values is not None:
            parts.append(f"alpha = {decimal_text(network.alpha)}, a published width")
        else:
            parts.append(
                f"alpha = {decimal_text(network.alpha)}, channels "
                f"{ROUNDING_NOTES[network.rounding]}"
            )
    x = network.input
    parts.append(f"{x.h}x{x.w}x{x.c} input (rho = {network.rho})")
    return ("; ".join(parts) + ".", *spec.notes, *network.convention_notes())


def network(
    name: str | Spec,
    *,
    alpha: object = None,
    resolution: int | None = None,
    rho: object = None,
    rounding: str | None = None,
    options: Mapping[str, object] | None = None,
    **conventions: Any,
) -> Network:
    """A network by name (a built-in, MobileNet v1 in any published name form, or a spec file's
    path) or by :class:`Spec`, at width ``alpha`` on a ``resolution`` input (or ``rho`` times the
    spec's own), with its authors' conventions unless others are given as keywords.

    >>> network("mobilenet-v1", alpha="0.75", resolution=128).name
    '0.75 MobileNet-128'
    >>> network("MobileNet_v1_0.75_128", bias="fc", bn="all").params
    2601976
    """
    from .library import resolve

    spec, named_alpha, named_resolution = (
        resolve(name) if isinstance(name, str) else (name, None, None)
    )
    if named_alpha is not None and alpha is not None:
        raise MobicostError(f"{name!r} names its width already; give alpha or the name, not both")
    if named_resolution is not None and (resolution is not None or rho is not None):
        raise MobicostError(f"{name!r} names its resolution already; give it once")
    return build(
        spec,
        alpha=alpha if alpha is not None else (named_alpha or spec.default_alpha),
        resolution=resolution if resolution is not None else named_resolution,
        rho=rho,
        rounding=rounding,
        options=options,
        conventions=conventions_for(spec, **conventions),
    )


def mobilenet_v1(
    alpha: object = 1,
    resolution: int | None = None,
    *,
    rho: object = None,
    rounding: str | None = None,
    architecture: str = "mobilenet-v1",
    **conventions: Any,
) -> Network:
    """MobileNet v1 (or ``architecture``: ``conv-mobilenet``, ``shallow-mobilenet``) at width
    ``alpha`` on a ``resolution`` input (or ``224 rho``), with any conventions as keywords.

    >>> net = mobilenet_v1("0.75", rho="0.571", bias="fc", bn="all")
    >>> net.name, net.resolution, net.conventions.bn
    ('0.75 MobileNet-128', 128, 'all')
    """
    return network(
        architecture,
        alpha=exact_number(alpha, "alpha"),
        resolution=resolution,
        rho=rho,
        rounding=rounding,
        **conventions,
    )


def model(name: str, **options: Any) -> Network:
    """A network by name, with any option of :func:`network` (the same function, for the names
    people write: ``model("MobileNet_v1_0.5_160")``)."""
    return network(name, **options)
