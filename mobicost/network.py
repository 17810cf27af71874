"""A network costed layer by layer: an architecture table (:mod:`mobicost.architectures`) bound to
a width multiplier, a resolution and counting conventions, each layer costed by the rules of
:mod:`mobicost.rules`. Exact integers throughout; no sympy, and pandas only in ``to_frame``.

>>> net = mobilenet_v1()  # 1.0 MobileNet-224 with the paper's conventions
>>> net.name, net.total.macs, net.total.params
('1.0 MobileNet-224', 568740352, 4209088)
>>> mobilenet_v1(alpha="0.5", resolution=160).total.macs  # paper Table 9 prints 76M
76524800
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from . import rules
from .architectures import ARCHITECTURES, MOBILENET_V1, Architecture, LayerSpec
from .exact import decimal_text, exact_number
from .rules import Cost, MobicostError

if TYPE_CHECKING:  # pragma: no cover
    import pandas

Unit = Literal["macs", "flops"]
BiasPolicy = Literal["none", "fc", "all"]
BNPolicy = Literal["none", "affine", "slim", "all"]
Rounding = Literal["floor", "slim", "div8"]

# Every policy is one mapping from each value to the words that state it; the accepted values
# (the CLI's choices) are that mapping's keys, so no value can exist without its description.
UNIT_NOTES: dict[Unit, str] = {
    "macs": "MACs = multiply-accumulates, the paper's mult-adds (FLOPs = 2 x MACs)",
    "flops": "FLOPs = 2 x MACs (TensorFlow's profiler, torch.utils.flop_counter)",
}
BIAS_NOTES: dict[BiasPolicy, str] = {
    "none": "no bias parameters (as the paper)",
    "fc": "bias on the classifier only (as Keras)",
    "all": "a bias on every convolution and the classifier",
}
#: batch-norm policy: (parameter vectors per channel, words)
BN_POLICY: dict[BNPolicy, tuple[int, str]] = {
    "none": (0, "no batch-norm parameters (as the paper)"),
    "affine": (2, "batch norm: gamma and beta (2 per channel)"),
    "slim": (3, "batch norm: beta, moving mean and variance (3 per channel, as TF-Slim)"),
    "all": (4, "batch norm: gamma, beta, moving mean and variance (4 per channel, as Keras)"),
}
ROUNDING_NOTES: dict[Rounding, str] = {
    "floor": "int(alpha x C), as the paper and Keras",
    "slim": "max(int(alpha x C), 8), as TF-Slim",
    "div8": "nearest multiple of 8, >= 90% of alpha x C, as MobileNetV2 and timm",
}

UNITS: tuple[Unit, ...] = tuple(UNIT_NOTES)
BIAS_POLICIES: tuple[BiasPolicy, ...] = tuple(BIAS_NOTES)
BN_POLICIES: tuple[BNPolicy, ...] = tuple(BN_POLICY)
ROUNDINGS: tuple[Rounding, ...] = tuple(ROUNDING_NOTES)

BASE_RESOLUTION = 224
#: seed 001's resolution names
RESOLUTION_NAMES = {"baseline": 224, "medium": 192, "small": 160, "tiny": 128}


# --- conventions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conventions:
    """What a count includes. The defaults are the paper's: MACs, no bias, no batch norm,
    1000 classes, the average pool and classifier included.

    Keras counts ``bias="fc", bn="all"``; TF-Slim's checkpoints ``bias="fc", bn="slim",
    classes=1001`` with ``rounding="slim"``.
    """

    unit: Unit = "macs"
    bias: BiasPolicy = "none"
    bn: BNPolicy = "none"
    classes: int = 1000
    head: bool = True
    pool_adds: bool = False

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("unit", self.unit, UNITS),
            ("bias", self.bias, BIAS_POLICIES),
            ("bn", self.bn, BN_POLICIES),
        ):
            if value not in allowed:
                raise MobicostError(f"unknown {name} {value!r}; choose from: {', '.join(allowed)}")
        if not isinstance(self.classes, int) or isinstance(self.classes, bool) or self.classes < 1:
            raise MobicostError(f"classes must be a positive integer, got {self.classes!r}")

    def ops(self, cost: Cost) -> int:
        """Operations in this unit: MACs (+ pooling adds), or FLOPs = 2 x MACs (+ adds)."""
        return int((2 if self.unit == "flops" else 1) * cost.macs + cost.adds)

    @property
    def unit_header(self) -> str:
        return "FLOPs" if self.unit == "flops" else "MACs"

    def bias_on(self, spec: LayerSpec) -> bool:
        return self.bias == "all" or (self.bias == "fc" and spec.kind == "fc")

    @property
    def bn_vectors(self) -> int:
        return BN_POLICY[self.bn][0]

    def notes(self) -> tuple[str, ...]:
        """The conventions in words, printed under every table and carried by every export."""
        head = (
            f"global average pool + FC to {self.classes} classes"
            if self.head
            else "none, convolutions only"
        )
        pool = (
            "pooling additions counted as one op each"
            if self.pool_adds
            else "pooling additions not counted"
        )
        return (
            f"Unit: {UNIT_NOTES[self.unit]}.",
            f"Params: {BIAS_NOTES[self.bias]}; {BN_POLICY[self.bn][1]}. Bias and batch norm add "
            "parameters, never MACs.",
            f"Head: {head}; {pool}.",
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "unit": self.unit,
            "bias": self.bias,
            "bn": self.bn,
            "classes": self.classes,
            "head": self.head,
            "pool_adds": self.pool_adds,
        }


# --- width and resolution ------------------------------------------------------------------------


def round_channels(channels: int, alpha: Fraction, policy: Rounding = "floor") -> int:
    """Channels after the width multiplier.

    * ``floor``: int(alpha x C), as the paper and Keras;
    * ``slim``: max(int(alpha x C), 8), as TF-Slim's ``max(int(d * alpha), 8)``;
    * ``div8``: the nearest multiple of 8, at least 8 and never below 90% of alpha x C, as the
      ``make_divisible`` of MobileNetV2 and timm.

    >>> [round_channels(32, Fraction(1, 4), p) for p in ROUNDINGS]
    [8, 8, 8]
    >>> [round_channels(32, Fraction(7, 20), p) for p in ROUNDINGS]  # alpha C = 11.2
    [11, 11, 16]
    """
    exact = alpha * channels
    if policy == "floor":
        return math.floor(exact)
    if policy == "slim":
        return max(math.floor(exact), 8)
    if policy == "div8":
        rounded = max(8, math.floor((exact + 4) / 8) * 8)
        return rounded + 8 if rounded < Fraction(9, 10) * exact else rounded
    raise MobicostError(f"unknown rounding {policy!r}; choose from: {', '.join(ROUNDINGS)}")


def resolution_from_rho(rho: Fraction) -> int:
    """The input size for a resolution multiplier: 224 rho, rounded half up.

    >>> [resolution_from_rho(Fraction(r)) for r in ("1", "0.857", "0.714", "0.571")]
    [224, 192, 160, 128]
    """
    if rho <= 0:
        raise MobicostError(f"rho must be greater than zero, got {rho}")
    return math.floor(BASE_RESOLUTION * rho + Fraction(1, 2))


# --- layers and networks -------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """One costed layer: its geometry, its rule's cost, and its batch-norm parameters."""

    index: int
    spec: LayerSpec
    c_in: int
    c_out: int
    in_size: int
    out_size: int
    cost: Cost  #: MACs, weight (and bias) parameters, adds: from :mod:`mobicost.rules`
    bn: Cost  #: batch-norm parameters under the conventions (no MACs)

    @property
    def params(self) -> int:
        return int(self.cost.params + self.bn.params)

    @property
    def total(self) -> Cost:
        return self.cost + self.bn

    @property
    def filter_shape(self) -> str:
        """The paper's "Filter Shape" column."""
        k, kind = self.spec.kernel, self.spec.kind
        if kind == "dw":
            return f"{k}x{k}x{self.c_in} dw"
        if kind == "avgpool":
            return f"Pool {self.in_size}x{self.in_size}"
        if kind == "fc":
            return f"{self.c_in}x{self.c_out}"
        return f"{k}x{k}x{self.c_in}x{self.c_out}"

    @property
    def input_shape(self) -> str:
        return f"{self.in_size}x{self.in_size}x{self.c_in}"

    @property
    def output_shape(self) -> str:
        return f"{self.out_size}x{self.out_size}x{self.c_out}"

    @property
    def category(self) -> str:
        """The paper's Table 2 layer type."""
        k, kind = self.spec.kernel, self.spec.kind
        return {
            "conv": f"Conv {k}x{k}",
            "pw": "Conv 1x1",
            "dw": f"Conv DW {k}x{k}",
            "avgpool": "Avg Pool",
            "fc": "Fully Connected",
        }[kind]


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

    architecture: Architecture
    alpha: Fraction
    resolution: int
    rounding: Rounding
    conventions: Conventions
    layers: tuple[Layer, ...] = field(repr=False)

    @property
    def name(self) -> str:
        """The paper's name: ``0.75 MobileNet-128``."""
        return f"{decimal_text(self.alpha)} {self.architecture.title}-{self.resolution}"

    @property
    def slim_name(self) -> str:
        """TF-Slim's name: ``MobileNet_v1_0.75_128`` (plain MobileNet only)."""
        return f"MobileNet_v1_{decimal_text(self.alpha)}_{self.resolution}"

    @property
    def rho(self) -> Fraction:
        return Fraction(self.resolution, BASE_RESOLUTION)

    @functools.cached_property
    def total(self) -> Cost:
        """The sum of the layers' costs (computed once: shares and reports ask for it often)."""
        return rules.total([layer.total for layer in self.layers])

    @property
    def ops(self) -> int:
        """Total operations in the conventions' unit."""
        return self.conventions.ops(self.total)

    @property
    def params(self) -> int:
        return int(self.total.params)

    def share(self, layer: Layer) -> Fraction:
        """A layer's share of the network's operations."""
        return Fraction(self.conventions.ops(layer.cost), self.ops) if self.ops else Fraction(0)

    def breakdown(self) -> tuple[Share, ...]:
        """Operations and parameters by layer type, as the paper's Table 2 (layer types that cost
        nothing, such as an average pool whose additions are not counted, are left out)."""
        categories: dict[str, list[Layer]] = {}
        for layer in self.layers:
            categories.setdefault(layer.category, []).append(layer)
        shares = []
        for category, layers in categories.items():
            ops = sum(self.conventions.ops(layer.cost) for layer in layers)
            params = sum(layer.params for layer in layers)
            shares.append(
                Share(
                    category,
                    ops,
                    params,
                    Fraction(ops, self.ops) if self.ops else Fraction(0),
                    Fraction(params, self.params) if self.params else Fraction(0),
                )
            )
        kept = [s for s in shares if s.ops or s.params]  # as Table 2: no rows for free layers
        return tuple(sorted(kept, key=lambda s: (-s.ops, -s.params)))

    def records(self) -> list[dict[str, object]]:
        """One plain dict per layer, exact integers (the rows of every export)."""
        return [
            {
                "index": layer.index,
                "type": layer.spec.label,
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

    def to_frame(self) -> pandas.DataFrame:
        """The layers as a pandas DataFrame, one row per layer: the same table as ``mobicost
        table --format csv`` (``pandas.read_csv`` of that CSV equals it), the model and its
        conventions on every row, exact integer counts (int64), the share as a float; exact
        fractions (alpha, rho) in ``frame.attrs``."""
        from .network_report import layer_report
        from .render import to_frame

        frame: pandas.DataFrame = to_frame(layer_report(self))
        return frame


def _layer_cost(
    spec: LayerSpec, c_in: int, c_out: int, size: int, bias: bool, pool_adds: bool
) -> Cost:
    if spec.kind == "conv":
        return rules.standard(spec.kernel, c_in, c_out, size, bias=bias)
    if spec.kind == "dw":
        return rules.depthwise(spec.kernel, c_in, size, bias=bias)
    if spec.kind == "pw":
        return rules.pointwise(c_in, c_out, size, bias=bias)
    if spec.kind == "fc":
        return rules.fully_connected(c_in, c_out, bias=bias)
    return rules.global_avg_pool(c_in, size, count_adds=pool_adds)


def build(
    architecture: Architecture,
    *,
    alpha: Fraction,
    resolution: int,
    rounding: Rounding = "floor",
    conventions: Conventions | None = None,
) -> Network:
    """Cost ``architecture`` layer by layer at width ``alpha`` on a ``resolution`` input.

    Padding is 'same' (TensorFlow's, as the paper): out = ceil(in / stride) at any resolution,
    odd ones included.
    """
    conventions = conventions or Conventions()
    if not isinstance(resolution, int) or isinstance(resolution, bool) or resolution < 1:
        raise MobicostError(f"resolution must be a positive integer, got {resolution!r}")
    if rounding not in ROUNDINGS:
        raise MobicostError(f"unknown rounding {rounding!r}; choose from: {', '.join(ROUNDINGS)}")
    layers: list[Layer] = []
    channels, size = 3, resolution
    for spec in architecture.layers:
        if spec.is_head and not conventions.head:
            continue
        if spec.kind in ("conv", "pw"):
            c_out = round_channels(spec.filters, alpha, rounding)
            if c_out < 1:
                raise MobicostError(
                    f"alpha {decimal_text(alpha)} leaves a {spec.filters}-filter layer with no "
                    f"channels under '{rounding}' rounding; use a larger alpha or --rounding slim"
                )
        elif spec.kind == "fc":
            c_out = conventions.classes
        else:
            c_out = channels
        out = (
            1
            if spec.kind == "avgpool"
            else rules.output_size(size, spec.kernel, spec.stride, "same")
        )
        cost = _layer_cost(
            spec,
            channels,
            c_out,
            out if spec.kind != "avgpool" else size,
            conventions.bias_on(spec),
            conventions.pool_adds,
        )
        bn = (
            rules.batch_norm(c_out, vectors=conventions.bn_vectors)
            if spec.kind in ("conv", "dw", "pw")
            else rules.ZERO
        )
        layers.append(Layer(len(layers) + 1, spec, channels, c_out, size, out, cost, bn))
        channels, size = c_out, out
    return Network(architecture, alpha, resolution, rounding, conventions, tuple(layers))


def mobilenet_v1(
    alpha: object = 1,
    resolution: int | None = None,
    *,
    rho: object = None,
    rounding: Rounding = "floor",
    architecture: str | Architecture = MOBILENET_V1,
    **conventions: Any,
) -> Network:
    """MobileNet v1 at width ``alpha`` (``"0.75"``, ``Fraction(3, 4)``, ``0.75``) on a
    ``resolution`` input (or ``224 rho``), with any :class:`Conventions` as keywords.

    >>> net = mobilenet_v1("0.75", rho="0.571", bias="fc", bn="all")
    >>> net.name, net.resolution, net.conventions.bn
    ('0.75 MobileNet-128', 128, 'all')
    """
    exact_alpha = exact_number(alpha, "alpha")
    if resolution is not None and rho is not None:
        raise MobicostError("give the resolution or rho, not both")
    if rho is not None:
        resolution = resolution_from_rho(exact_number(rho, "rho"))
    arch = ARCHITECTURES[architecture] if isinstance(architecture, str) else architecture
    return build(
        arch,
        alpha=exact_alpha,
        resolution=resolution or BASE_RESOLUTION,
        rounding=rounding,
        conventions=Conventions(**conventions),
    )


def model(name: str, **options: Any) -> Network:
    """A network by name, in any of the forms of :mod:`mobicost.names`, with any option of
    :func:`mobilenet_v1` (rounding, conventions).

    >>> model("MobileNet_v1_0.5_160").total.macs == mobilenet_v1("0.5", 160).total.macs
    True
    """
    from .names import parse_model_name

    parsed = parse_model_name(name)
    return mobilenet_v1(
        parsed.alpha, parsed.resolution, architecture=parsed.architecture, **options
    )
