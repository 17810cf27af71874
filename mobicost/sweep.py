"""Sweeps over the width multiplier alpha and the input resolution, fast and exact.

Every layer's MACs factor into a part that depends only on alpha (the layer's cost at a 1x1
output, from the same rules as everywhere) and a part that depends only on the resolution (the
square of its output size). So a whole alpha x resolution grid is one integer matrix product:
``macs[a, r] = sum_l coefficient[a, l] * spatial[l, r]``. It runs in numpy's int64 when the
result provably fits, and in Python integers otherwise; either way it is exact, and it equals
:func:`mobicost.network.build` layer by layer (the tests check it).

>>> result = sweep(["1.0", "0.5"], [224, 160])
>>> [(p.name, p.macs) for p in result.points]
[('1.0 MobileNet-224', 568740352), ('1.0 MobileNet-160', 290675200), \
('0.5 MobileNet-224', 149497088), ('0.5 MobileNet-160', 76524800)]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from . import published, rules
from .architectures import ARCHITECTURES, Architecture
from .exact import decimal_text, exact_number
from .network import BASE_RESOLUTION, Conventions, Rounding, build
from .rules import MobicostError

SortKey = Literal["macs", "params", "alpha", "resolution", "top1"]
SORT_KEYS: tuple[SortKey, ...] = ("macs", "params", "alpha", "resolution", "top1")
#: the most configurations one sweep evaluates
MAX_CONFIGURATIONS = 10**7
#: the alpha and resolution lists of the paper's Tables 6 and 7 and of the TF-Slim table
PAPER_ALPHAS = (Fraction(1), Fraction(3, 4), Fraction(1, 2), Fraction(1, 4))
PAPER_RESOLUTIONS = (224, 192, 160, 128)


@dataclass(frozen=True)
class SweepPoint:
    """One configuration's exact cost, with published accuracies where they exist."""

    architecture: Architecture
    alpha: Fraction
    resolution: int
    macs: int  #: multiply-accumulates
    adds: int  #: pooling additions (non-zero only with ``pool_adds``)
    params: int
    ops: int  #: in the conventions' unit
    ratio: Fraction  #: ops relative to 1.0 MobileNet-224 under the same conventions
    top1_paper: str | None
    top1_slim: str | None

    @property
    def name(self) -> str:
        return f"{decimal_text(self.alpha)} {self.architecture.title}-{self.resolution}"

    @property
    def rho(self) -> Fraction:
        return Fraction(self.resolution, BASE_RESOLUTION)


@dataclass(frozen=True)
class Sweep:
    """The configurations a sweep kept, as index arrays into its grids; :attr:`points` builds
    the point objects on first use, so a million-configuration sweep stays cheap."""

    architecture: Architecture
    rounding: Rounding
    conventions: Conventions
    alphas: tuple[Fraction, ...]
    resolutions: tuple[int, ...]
    macs: Any = field(repr=False)  #: alpha x resolution grid of MACs (numpy, int64 or object)
    adds: Any = field(repr=False)  #: the same grid of pooling additions
    params: tuple[int, ...] = field(repr=False)  #: per alpha
    kept: tuple[Any, Any] = field(repr=False)  #: (alpha indices, resolution indices), in order
    reference_ops: int = 0  #: 1.0 MobileNet-224's ops under the same conventions
    pareto_axis: str | None = None  #: what --pareto traded cost against

    @property
    def evaluated(self) -> int:
        """How many configurations were costed."""
        return len(self.alphas) * len(self.resolutions)

    def __len__(self) -> int:
        return len(self.kept[0])

    @functools.cached_property
    def points(self) -> tuple[SweepPoint, ...]:
        scale = 2 if self.conventions.unit == "flops" else 1
        key = self.architecture.key
        points = []
        for i, j in zip(self.kept[0].tolist(), self.kept[1].tolist(), strict=True):
            alpha, resolution = self.alphas[i], self.resolutions[j]
            macs, adds = int(self.macs[i, j]), int(self.adds[i, j])
            ops = scale * macs + adds
            points.append(
                SweepPoint(
                    self.architecture,
                    alpha,
                    resolution,
                    macs,
                    adds,
                    self.params[i],
                    ops,
                    Fraction(ops, self.reference_ops),
                    _TOP1[published.PAPER].get((key, alpha, resolution)),
                    _TOP1[published.SLIM].get((key, alpha, resolution)),
                )
            )
        return tuple(points)

    def to_frame(self) -> Any:
        """The kept configurations as a pandas DataFrame: the same table as ``mobicost sweep
        --format csv`` (``pandas.read_csv`` of that CSV equals it), exact integer counts, alpha,
        rho and the ratio as floats, the conventions on every row."""
        from .render import to_frame
        from .reports import sweep_report

        return to_frame(sweep_report(self))


_TOP1 = {
    source: {
        (m.architecture, Fraction(m.alpha), m.resolution): m.top1
        for m in models
        if m.top1 is not None
    }
    for source, models in (
        (published.PAPER, published.PAPER_MODELS),
        (published.SLIM, published.SLIM_MODELS),
    )
}


def spatial_factors(architecture: Architecture, resolution: int, head: bool = True) -> list[int]:
    """Per layer, the factor its cost at a 1x1 output is multiplied by at ``resolution``: the
    squared output size of a convolution, the squared input size of a pooling layer (its adds),
    1 for the fully connected layer. Geometry as :func:`mobicost.network.build`: 'same' padding."""
    factors, size = [], resolution
    for spec in architecture.layers:
        if spec.is_head and not head:
            continue
        if spec.kind == "avgpool":
            factors.append(size * size)
            size = 1
        elif spec.kind == "fc":
            factors.append(1)
        else:
            size = rules.output_size(size, spec.kernel, spec.stride, "same")
            factors.append(size * size)
    return factors


def _coefficients(
    architecture: Architecture, alpha: Fraction, rounding: Rounding, conventions: Conventions
) -> tuple[list[int], list[int], int]:
    """Per-layer MACs and adds at a 1x1 output (every size is 1 at resolution 1), and params."""
    net = build(architecture, alpha=alpha, resolution=1, rounding=rounding, conventions=conventions)
    return (
        [int(layer.cost.macs) for layer in net.layers],
        [int(layer.cost.adds) for layer in net.layers],
        net.params,
    )


def _grid(rows: list[list[int]], columns: list[list[int]]) -> Any:
    """Exact ``rows @ columns^T`` as a numpy array: int64 when no sum can overflow, Python
    integers (dtype object) otherwise."""
    import numpy

    bound = max(sum(r) for r in rows) * max(max(c, default=0) for c in columns)
    dtype = numpy.int64 if bound < 2**62 else object
    return numpy.asarray(rows, dtype=dtype) @ numpy.asarray(columns, dtype=dtype).T


def sweep(
    alphas: Sequence[object] = PAPER_ALPHAS,
    resolutions: Sequence[int] = PAPER_RESOLUTIONS,
    *,
    architecture: str | Architecture = "mobilenet",
    rounding: Rounding = "floor",
    conventions: Conventions | None = None,
    max_macs: Fraction | int | None = None,
    max_flops: Fraction | int | None = None,
    max_params: Fraction | int | None = None,
    pareto: bool = False,
    sort: SortKey | None = None,
    top: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Sweep:
    """Evaluate every (alpha, resolution) pair, keep those within the budgets (and on the Pareto
    front with ``pareto``), sorted by ``sort`` (cost ascending, the rest descending) and cut to
    ``top``. ``progress(done, total)`` is called as the alphas are costed.

    Budgets compare MACs (``max_macs``, pooling adds included when counted), FLOPs
    (``max_flops``) and parameters, whatever the unit the results are shown in.
    """
    import numpy

    conventions = conventions or Conventions()
    arch = ARCHITECTURES[architecture] if isinstance(architecture, str) else architecture
    exact_alphas = tuple(exact_number(a, "alpha") for a in alphas)
    resolutions = tuple(resolutions)
    if not exact_alphas or not resolutions:
        raise MobicostError("a sweep needs at least one alpha and one resolution")
    for r in resolutions:
        if not isinstance(r, int) or isinstance(r, bool) or r < 1:
            raise MobicostError(f"resolutions must be positive integers, got {r!r}")
    count = len(exact_alphas) * len(resolutions)
    if count > MAX_CONFIGURATIONS:
        raise MobicostError(
            f"{count:,} configurations is more than one sweep evaluates "
            f"({MAX_CONFIGURATIONS:,}); narrow the lists or the ranges"
        )

    macs_rows, adds_rows, params = [], [], []
    for done, alpha in enumerate(exact_alphas, 1):
        macs, adds, p = _coefficients(arch, alpha, rounding, conventions)
        macs_rows.append(macs)
        adds_rows.append(adds)
        params.append(p)
        if progress is not None:
            progress(done, len(exact_alphas))
    spatial = [spatial_factors(arch, r, conventions.head) for r in resolutions]
    macs_grid, adds_grid = _grid(macs_rows, spatial), _grid(adds_rows, spatial)

    keep = numpy.ones(macs_grid.shape, dtype=bool)
    if max_macs is not None:
        keep &= macs_grid + adds_grid <= max_macs
    if max_flops is not None:
        keep &= 2 * macs_grid + adds_grid <= max_flops
    if max_params is not None:
        keep &= (numpy.asarray(params, dtype=object) <= max_params)[:, None]
    rows, cols = numpy.nonzero(keep)  # row-major: alphas in the order given, then resolutions

    scale = 2 if conventions.unit == "flops" else 1
    ops = scale * macs_grid[rows, cols] + adds_grid[rows, cols]
    axis = None
    if pareto:
        front, axis = _pareto(ops, exact_alphas, resolutions, rows, cols, arch.key)
        rows, cols, ops = rows[front], cols[front], ops[front]
    if sort is not None:
        order = _sort_order(sort, ops, exact_alphas, resolutions, params, rows, cols, arch.key)
        rows, cols = rows[order], cols[order]
    if top is not None:
        rows, cols = rows[:top], cols[:top]

    reference = build(
        ARCHITECTURES["mobilenet"],
        alpha=Fraction(1),
        resolution=BASE_RESOLUTION,
        rounding=rounding,
        conventions=conventions,
    ).ops
    return Sweep(
        arch,
        rounding,
        conventions,
        exact_alphas,
        resolutions,
        macs_grid,
        adds_grid,
        tuple(params),
        (rows, cols),
        reference,
        axis,
    )


def _ranks(values: Sequence[Fraction]) -> Any:
    """Each value's rank in exact ascending order (equal values share a rank)."""
    import numpy

    distinct = sorted(set(values))
    position = {v: k for k, v in enumerate(distinct)}
    return numpy.asarray([position[v] for v in values], dtype=numpy.int64)


def _top1_scores(
    source: str,
    alphas: Sequence[Fraction],
    resolutions: Sequence[int],
    rows: Any,
    cols: Any,
    key: str,
) -> Any:
    """Published top-1 x 100 (an exact integer; the table prints at most two decimals), or -1."""
    import numpy

    table = _TOP1[source]
    return numpy.asarray(
        [
            int(Fraction(table[key, alphas[i], resolutions[j]]) * 100)
            if (key, alphas[i], resolutions[j]) in table
            else -1
            for i, j in zip(rows.tolist(), cols.tolist(), strict=True)
        ],
        dtype=numpy.int64,
    )


def _pareto(
    ops: Any, alphas: Sequence[Fraction], resolutions: Sequence[int], rows: Any, cols: Any, key: str
) -> tuple[Any, str]:
    """Indices (in their original order) of the configurations that no other beats on both cost
    and value: the published top-1 where every configuration has one (TF-Slim's, which covers
    the whole grid, else the paper's), and otherwise the capacity alpha x resolution."""
    import numpy

    value, axis = None, "alpha x resolution"
    for source in (published.SLIM, published.PAPER):
        if len(rows) > len(_TOP1[source]):
            continue  # more configurations than published accuracies: some must be unknown
        scores = _top1_scores(source, alphas, resolutions, rows, cols, key)
        if len(scores) and (scores >= 0).all():
            value, axis = scores, f"top-1 ({source})"
            break
    if value is None:  # alpha x resolution, exact: integers over the alphas' common denominator
        denominator = math.lcm(*(a.denominator for a in alphas))
        scaled = [a.numerator * (denominator // a.denominator) for a in alphas]
        exact = max(scaled) * max(resolutions) < 2**62
        dtype = numpy.int64 if exact else object
        value = (
            numpy.asarray(scaled, dtype=dtype)[rows] * numpy.asarray(resolutions, dtype=dtype)[cols]
        )
    if len(ops) == 0:
        return numpy.arange(0), axis
    order: Any
    if ops.dtype == object or value.dtype == object:
        order = sorted(range(len(ops)), key=lambda k: (ops[k], -value[k]))
    else:
        order = numpy.lexsort((-value, ops))  # cheapest first, then the best value first
    ordered = value[order]
    best_before = numpy.maximum.accumulate(numpy.concatenate(([ordered[0] - 1], ordered[:-1])))
    strict = ordered > best_before
    winners = numpy.asarray(order)[strict]
    front = set(zip(ops[winners].tolist(), value[winners].tolist(), strict=True))
    kept = [
        k for k, pair in enumerate(zip(ops.tolist(), value.tolist(), strict=True)) if pair in front
    ]  # a configuration tied on both with a winner is not beaten either
    return numpy.asarray(kept, dtype=numpy.int64), axis


def _sort_order(
    key: SortKey,
    ops: Any,
    alphas: Sequence[Fraction],
    resolutions: Sequence[int],
    params: Sequence[int],
    rows: Any,
    cols: Any,
    arch: str,
) -> Any:
    """A stable order: costs ascending (cheapest first); alpha, resolution and top-1 descending
    (largest first, models without a published top-1 last)."""
    import numpy

    if key == "macs":
        sort_key = ops
    elif key == "params":
        sort_key = numpy.asarray(params, dtype=object)[rows]
    elif key == "alpha":
        sort_key = -_ranks(alphas)[rows]
    elif key == "resolution":
        sort_key = -numpy.asarray(resolutions, dtype=numpy.int64)[cols]
    else:
        slim = _top1_scores(published.SLIM, alphas, resolutions, rows, cols, arch)
        paper = _top1_scores(published.PAPER, alphas, resolutions, rows, cols, arch)
        sort_key = -numpy.where(slim >= 0, slim, paper)
    return sorted(range(len(rows)), key=lambda k: sort_key[k])
