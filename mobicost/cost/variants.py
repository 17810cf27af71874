"""The registry of single-layer variants: every way mobicost can cost one layer.

A :class:`Variant` names a layer kind and splits it into its passes (a depthwise-separable layer is
a depthwise pass and a pointwise pass), each costed by a rule of :mod:`mobicost.rules`. A variant
is evaluated on a :class:`Shape`, whose fields may be integers (numeric path) or sympy symbols
(symbolic path, :mod:`mobicost.derive`); this module never imports sympy.

>>> shape = Shape.from_input(k=3, m=512, n=512, size=14)
>>> [(p.label, p.cost.macs) for p in VARIANTS["depthwise-separable"].parts(shape)]
[('depthwise 3x3', 903168), ('pointwise 1x1', 51380224)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ..errors import MobicostError
from . import rules
from .rules import Cost, Padding, Value


@dataclass(frozen=True)
class Shape:
    """One layer's shape in the paper's notation.

    ``f`` is the output size D_F; ``w_in`` the input width (used only where the passes of a
    variant see different sizes, i.e. the spatially separable one); ``g`` the groups.
    """

    k: Value
    m: Value
    n: Value
    f: Value
    w_in: Value
    g: Value = 1

    @classmethod
    def from_input(
        cls,
        *,
        k: int,
        m: int,
        n: int,
        size: int,
        stride: int = 1,
        padding: Padding = "same",
        g: int = 1,
    ) -> Shape:
        """The shape of a layer reading a ``size x size x m`` input, checked for sense.

        >>> Shape.from_input(k=3, m=32, n=64, size=15, stride=2)
        Shape(k=3, m=32, n=64, f=8, w_in=15, g=1)
        """
        for name, value in (
            ("kernel", k),
            ("input channels", m),
            ("output channels", n),
            ("groups", g),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise MobicostError(f"{name} must be a positive integer, got {value!r}")
        f = rules.output_size(size, k, stride, padding)
        return cls(k=k, m=m, n=n, f=f, w_in=size, g=g)


@dataclass(frozen=True)
class Part:
    """One pass of a variant and its cost."""

    label: str
    cost: Cost


@dataclass(frozen=True)
class Variant:
    """A layer kind: a name, what it is, and how it splits into costed passes."""

    name: str
    title: str
    summary: str
    parts_of: Callable[[Shape, bool], tuple[Part, ...]]
    #: computes an M -> N mapping over a D_K x D_K window, so it can stand in for a standard
    #: convolution and a ratio to the standard one means something
    replaces_standard: bool = True
    #: reads the groups ``g`` (so the numeric path must be given them)
    needs_groups: bool = False

    def parts(self, shape: Shape, *, bias: bool = False) -> tuple[Part, ...]:
        return self.parts_of(shape, bias)

    def cost(self, shape: Shape, *, bias: bool = False) -> Cost:
        return rules.total([part.cost for part in self.parts(shape, bias=bias)])


def _k1(shape: Shape) -> str:
    return str(shape.k) if isinstance(shape.k, int) else "D_K"


def _k(shape: Shape) -> str:
    return f"{_k1(shape)}x{_k1(shape)}"


VARIANTS: dict[str, Variant] = {
    variant.name: variant
    for variant in (
        Variant(
            "standard",
            "Standard convolution",
            "D_K x D_K filters over all M input channels, for each of N outputs",
            lambda s, b: (Part(f"standard {_k(s)}", rules.standard(s.k, s.m, s.n, s.f, bias=b)),),
        ),
        Variant(
            "grouped",
            "Grouped convolution",
            "g groups, each a standard convolution of M/g -> N/g channels",
            lambda s, b: (
                Part(f"grouped {_k(s)}", rules.grouped(s.k, s.m, s.n, s.f, s.g, bias=b)),
            ),
            needs_groups=True,
        ),
        Variant(
            "depthwise",
            "Depthwise convolution",
            "one D_K x D_K filter per input channel (M -> M); filters only, no channel mixing",
            lambda s, b: (Part(f"depthwise {_k(s)}", rules.depthwise(s.k, s.m, s.f, bias=b)),),
            replaces_standard=False,
        ),
        Variant(
            "pointwise",
            "Pointwise convolution",
            "1 x 1 convolution, M -> N; mixes channels, no spatial filtering",
            lambda s, b: (Part("pointwise 1x1", rules.pointwise(s.m, s.n, s.f, bias=b)),),
            replaces_standard=False,
        ),
        Variant(
            "depthwise-separable",
            "Depthwise separable convolution",
            "depthwise D_K x D_K then pointwise 1 x 1 (MobileNet's building block)",
            lambda s, b: (
                Part(f"depthwise {_k(s)}", rules.depthwise(s.k, s.m, s.f, bias=b)),
                Part("pointwise 1x1", rules.pointwise(s.m, s.n, s.f, bias=b)),
            ),
        ),
        Variant(
            "spatial-separable",
            "Spatially separable convolution",
            "D_K x 1 (M -> M) then 1 x D_K (M -> N), as in Inception v3",
            lambda s, b: tuple(
                Part(label, cost)
                for label, cost in zip(
                    (f"{_k1(s)}x1", f"1x{_k1(s)}"),
                    rules.spatial_separable_passes(s.k, s.m, s.n, s.f, s.w_in, bias=b),
                    strict=True,
                )
            ),
        ),
        Variant(
            "fully-connected",
            "Fully connected layer",
            "M -> N dense layer (reads only M and N)",
            lambda s, b: (Part("fully connected", rules.fully_connected(s.m, s.n, bias=b)),),
            replaces_standard=False,
        ),
        Variant(
            "global-avg-pool",
            "Global average pooling",
            "D_F x D_F x M -> 1 x 1 x M; its additions are counted only when asked",
            lambda s, b: (
                Part("global average pool", rules.global_avg_pool(s.m, s.f, count_adds=True)),
            ),
            replaces_standard=False,
        ),
    )
}

#: Variants that can replace a standard convolution, so that a ratio to it is meaningful.
RATIO_VARIANTS = tuple(
    name for name, v in VARIANTS.items() if v.replaces_standard and name != "standard"
)


def variant(name: str) -> Variant:
    """Look a variant up by name, with an error that lists the known ones."""
    try:
        return VARIANTS[name]
    except KeyError:
        raise MobicostError(
            f"unknown variant {name!r}; choose from: {', '.join(VARIANTS)}"
        ) from None


@dataclass(frozen=True)
class Evaluation:
    """One variant evaluated on one shape, with the standard convolution of that shape beside it."""

    variant: Variant
    parts: tuple[Part, ...]
    cost: Cost
    standard: Cost

    @property
    def macs_ratio(self) -> Fraction | None:
        """MACs relative to the standard convolution, where the variant can replace one."""
        if not self.variant.replaces_standard:
            return None
        return Fraction(self.cost.macs) / Fraction(self.standard.macs)


def evaluate(names: Sequence[str], shape: Shape, *, bias: bool = False) -> list[Evaluation]:
    """Evaluate variants on a numeric shape, exactly.

    >>> shape = Shape.from_input(k=3, m=512, n=512, size=14)
    >>> [result] = evaluate(["depthwise-separable"], shape)
    >>> result.cost.macs, result.macs_ratio
    (52283392, Fraction(521, 4608))
    """
    standard = VARIANTS["standard"].cost(shape, bias=bias)
    evaluations = []
    for name in names:
        chosen = variant(name)
        parts = chosen.parts(shape, bias=bias)
        evaluations.append(
            Evaluation(chosen, parts, rules.total([p.cost for p in parts]), standard)
        )
    return evaluations
