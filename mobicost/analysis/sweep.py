"""Sweeps over the width multiplier alpha and the input resolution of any network, exact.

The costs of the whole grid come from :func:`mobicost.nets.grid.cost_grid`: every width at one
resolution and one width at every resolution, then one exact integer matrix product (numpy's
int64 where the result provably fits, Python integers otherwise). Budgets, the Pareto front and
sorting run on those arrays; the point objects are made only for the configurations kept.

>>> result = sweep(["1.0", "0.5"], [224, 160])
>>> [(p.name, p.macs) for p in result.points]
[('1.0 MobileNet-224', 568740352), ('1.0 MobileNet-160', 290675200), \
('0.5 MobileNet-224', 149497088), ('0.5 MobileNet-160', 76524800)]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from ..cost.conventions import Conventions
from ..errors import MobicostError
from ..exact import decimal_text, exact_number
from ..nets.grid import Grid, Impossible, cost_grid
from ..nets.memory import Workload, network_memory
from ..nets.network import Network, build, conventions_for
from ..nets.spec import Spec, typed

SortKey = Literal["macs", "params", "alpha", "resolution", "top1"]
SORT_KEYS: tuple[SortKey, ...] = ("macs", "params", "alpha", "resolution", "top1")
#: the most configurations one sweep evaluates
MAX_CONFIGURATIONS = 10**7
#: the most resolutions one sweep of an imported model reads (each is the model run again)
MAX_MODEL_RESOLUTIONS = 64
#: the alpha and resolution lists of the MobileNet paper's Tables 6 and 7 and the TF-Slim table
PAPER_ALPHAS = (Fraction(1), Fraction(3, 4), Fraction(1, 2), Fraction(1, 4))
PAPER_RESOLUTIONS = (224, 192, 160, 128)


def accuracies(
    spec: Spec,
) -> dict[str, dict[tuple[Fraction, int, tuple[tuple[str, str], ...]], str]]:
    """Published top-1 accuracies from a spec's ``[[published]]`` entries, by origin (the
    source's name before its first comma: "Howard et al. 2017", "TF-Slim checkpoints"), then by
    (alpha, resolution, options). The first entry for a configuration wins."""
    width_default = spec.default_alpha
    table: dict[str, dict[tuple[Fraction, int, tuple[tuple[str, str], ...]], str]] = {}
    for entry in spec.published:
        if entry.get("what") != "top1":
            continue
        origin = str(entry.get("source", spec.source)).split(",")[0].strip()
        alpha = exact_number(entry.get("alpha", width_default), "alpha")
        options = _options_key(spec, entry.get("options", {}))
        key = (alpha, int(entry.get("resolution", spec.resolution)), options)
        table.setdefault(origin, {}).setdefault(key, str(entry["printed"]))
    return table


def _options_key(spec: Spec, chosen: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, str(chosen.get(name, option.default))) for name, option in spec.options.items()
    )


@dataclass(frozen=True)
class SweepPoint:
    """One configuration's exact cost, with published accuracies where they exist."""

    spec: Spec
    alpha: Fraction
    resolution: int
    macs: int  #: multiply-accumulates
    adds: int  #: other operations (non-zero only where the conventions count them)
    params: int
    ops: int  #: in the conventions' unit
    ratio: Fraction  #: ops relative to the network's reference configuration, same conventions
    top1: Mapping[str, str | None]  #: published top-1 by origin
    peak_bytes: int = 0  #: the most activation memory live at once (the sweep's workload)
    weight_bytes: int = 0  #: parameters x the weight type's size

    @property
    def name(self) -> str:
        width = f"{decimal_text(self.alpha)} " if self.spec.width is not None else ""
        return f"{width}{self.spec.title}-{self.resolution}"

    @property
    def rho(self) -> Fraction:
        return Fraction(self.resolution, self.spec.resolution)


@dataclass(frozen=True)
class Sweep:
    """The configurations a sweep kept, as index arrays into its grids; :attr:`points` builds
    the point objects on first use, so a million-configuration sweep stays cheap."""

    spec: Spec
    rounding: str
    options: tuple[tuple[str, str], ...]
    conventions: Conventions
    alphas: tuple[Fraction, ...]
    resolutions: tuple[int, ...]
    macs: Any = field(repr=False)  #: alpha x resolution grid of MACs (numpy, int64 or object)
    adds: Any = field(repr=False)  #: the same grid of other operations
    params: Any = field(repr=False)  #: the same grid of parameters
    peak: Any = field(repr=False)  #: the same grid of peak activation bytes
    workload: Workload  #: what the memory figures are for
    kept: tuple[Any, Any] = field(repr=False)  #: (alpha indices, resolution indices), in order
    reference: str = ""  #: the configuration ratios are relative to
    reference_ops: int = 0  #: its ops under the same conventions
    pareto_axis: str | None = None  #: what --pareto traded cost against
    impossible: tuple[Impossible, ...] = ()  #: widths and resolutions that cannot be built
    skipped: int = 0  #: configurations left out for them
    notes: tuple[str, ...] = ()  #: what an imported model's counts follow (its spec's notes)

    @property
    def skipped_text(self) -> str | None:
        """One line saying what was skipped and why, or None."""
        if not self.skipped:
            return None
        by_what: dict[str, list[str]] = {}
        for item in self.impossible:
            shown = decimal_text(item.value) if isinstance(item.value, Fraction) else item.value
            by_what.setdefault(item.what, []).append(str(shown))
        listed = "; ".join(f"{what} {_listing(values)}" for what, values in by_what.items())
        return (
            f"Skipped {self.skipped:,} impossible configurations ({listed}): "
            f"{self.impossible[0].reason.rstrip('.')}."
        )

    @property
    def evaluated(self) -> int:
        """How many configurations were costed."""
        return len(self.alphas) * len(self.resolutions)

    def __len__(self) -> int:
        return len(self.kept[0])

    @functools.cached_property
    def origins(self) -> tuple[str, ...]:
        """The sources of published accuracy for this network, in its spec's order."""
        return tuple(accuracies(self.spec))

    @functools.cached_property
    def points(self) -> tuple[SweepPoint, ...]:
        """The kept configurations, in order, as point objects (made on first use)."""
        import numpy

        scale = 2 if self.conventions.unit == "flops" else 1
        table = accuracies(self.spec)
        published = {
            origin: _published(table[origin], self.alphas, self.resolutions, self.options)
            for origin in self.origins
        }
        rows, cols = self.kept
        width = len(self.resolutions)  # cell (i, j) is i * width + j
        cells = [i * width + j for figures in published.values() for i, j in figures]
        listed = numpy.isin(rows * width + cols, cells).tolist()
        unpublished = dict.fromkeys(self.origins)
        reference, weight_size = self.reference_ops, self.workload.weight_size
        grids = (self.macs, self.adds, self.params, self.peak)
        points = []
        for i, j, macs, adds, params, peak, has_top1 in zip(
            rows.tolist(),
            cols.tolist(),
            *(_integers(grid[rows, cols]) for grid in grids),
            listed,
            strict=True,
        ):
            ops = scale * macs + adds
            points.append(
                SweepPoint(
                    self.spec,
                    self.alphas[i],
                    self.resolutions[j],
                    macs,
                    adds,
                    params,
                    ops,
                    Fraction(ops, reference) if reference else Fraction(0),
                    {origin: published[origin].get((i, j)) for origin in published}
                    if has_top1
                    else unpublished.copy(),
                    peak,
                    params * weight_size,
                )
            )
        return tuple(points)

    def model_name(self, alpha: Fraction, resolution: int) -> str:
        """``0.75 MobileNet-192``: a configuration's name (no width where the net has none)."""
        width = f"{decimal_text(alpha)} " if self.spec.width is not None else ""
        return f"{width}{self.spec.title}-{resolution}"

    def context(self) -> dict[str, object]:
        """What every configuration shares: the network, its rounding and options, the
        conventions and the workload (the leading columns of every export)."""
        return {
            "network": self.spec.name,
            "rounding": self.rounding,
            **{name: typed(value) for name, value in self.options},
            **self.conventions.as_dict(),
            **self.workload.as_dict(),
        }

    def arrays(self, start: int = 0, stop: int | None = None) -> dict[str, Any]:
        """The kept configurations ``start:stop`` as numpy arrays, one entry a configuration:
        ``alpha`` and ``resolution`` as indices into :attr:`alphas` and :attr:`resolutions`, and
        every count (``macs``, ``adds``, ``flops``, ``ops`` in the conventions' unit,
        ``params``, ``peak_bytes``, ``weight_bytes``), int64 or Python integers; and for each
        source of :attr:`origins`, ``top1:<origin>``, an index into :meth:`top1_values`
        (0: none published)."""
        rows, cols = self.kept[0][start:stop], self.kept[1][start:stop]
        macs, adds, params = (grid[rows, cols] for grid in (self.macs, self.adds, self.params))
        if macs.dtype != object and max(_largest(macs), _largest(adds), _largest(params)) >= 2**59:
            macs, adds, params = (a.astype(object) for a in (macs, adds, params))
        scale = 2 if self.conventions.unit == "flops" else 1
        return {
            "alpha": rows,
            "resolution": cols,
            "macs": macs,
            "adds": adds,
            "flops": 2 * macs + adds,
            "ops": scale * macs + adds,
            "params": params,
            "peak_bytes": self.peak[rows, cols],
            "weight_bytes": params * self.workload.weight_size,
            **{f"top1:{o}": grid[rows, cols] for o, (grid, _) in self._top1_grids.items()},
        }

    def top1_values(self, origin: str) -> tuple[str | None, ...]:
        """The top-1 figures ``origin`` publishes for this sweep, as printed, after ``None``."""
        return self._top1_grids[origin][1]

    @functools.cached_property
    def _top1_grids(self) -> dict[str, tuple[Any, tuple[str | None, ...]]]:
        """For each origin, an alpha x resolution grid of indices into its printed figures."""
        import numpy

        table = accuracies(self.spec)
        grids = {}
        for origin in self.origins:
            published = _published(table[origin], self.alphas, self.resolutions, self.options)
            values: dict[str | None, int] = {None: 0}
            grid = numpy.zeros((len(self.alphas), len(self.resolutions)), dtype=numpy.int32)
            for (i, j), printed in published.items():
                grid[i, j] = values.setdefault(printed, len(values))
            grids[origin] = (grid, tuple(values))
        return grids

    def to_frame(self) -> Any:
        """The kept configurations as a pandas DataFrame: the same table as ``mobicost sweep
        --format csv`` (``pandas.read_csv`` of that CSV equals it; a test holds the two
        together), exact integer counts, alpha, rho and the ratio as floats, the context (the
        network, its conventions and workload) on every row."""
        import numpy
        import pandas

        data = self.arrays()
        alphas = numpy.asarray([float(a) for a in self.alphas] or [0.0])
        resolutions = numpy.asarray(self.resolutions, dtype=numpy.int64)
        rhos = numpy.asarray([float(Fraction(r, self.spec.resolution)) for r in resolutions])
        names = [[self.model_name(alpha, r) for r in self.resolutions] for alpha in self.alphas]
        i, j = data["alpha"], data["resolution"]
        counts = ("macs", "adds", "flops", "params", "peak_bytes", "weight_bytes")
        ops = data["ops"]
        reference = self.reference_ops
        columns: dict[str, Any] = {
            "model": [names[a][r] for a, r in zip(i.tolist(), j.tolist(), strict=True)],
            "alpha": alphas[i],
            "resolution": resolutions[j],
            "rho": rhos[j],
            **{key: _int64(data[key]) for key in counts},
            "ratio": _ratio(ops, reference),
        }
        for origin in self.origins:
            figures = numpy.asarray(
                [numpy.nan if v is None else float(Fraction(v)) for v in self.top1_values(origin)]
            )
            columns[top1_key(origin)] = figures[data[f"top1:{origin}"]]
        context = {key: _ascii(value) for key, value in self.context().items()}
        frame = pandas.DataFrame(
            {**{key: [value] * len(i) for key, value in context.items()}, **columns}
        )
        frame.attrs.update(self.meta())
        return frame

    def meta(self) -> dict[str, object]:
        """What JSON carries about the sweep beside its rows."""
        return {
            "network": self.spec.name,
            "rounding": self.rounding,
            "options": {name: typed(value) for name, value in self.options},
            "conventions": self.conventions.as_dict(),
            "evaluated": self.evaluated,
            "kept": len(self),
            "pareto": self.pareto_axis,
            "skipped": self.skipped,
            "impossible": [
                {item.what: item.value, "reason": item.reason} for item in self.impossible
            ],
        }


def sweep(
    alphas: Sequence[object] | None = None,
    resolutions: Sequence[int] | None = None,
    *,
    network: Spec | str = "mobilenet-v1",
    rounding: str | None = None,
    options: Mapping[str, object] | None = None,
    conventions: Conventions | None = None,
    workload: Workload | None = None,
    max_macs: Fraction | int | None = None,
    max_flops: Fraction | int | None = None,
    max_params: Fraction | int | None = None,
    max_memory: Fraction | int | None = None,
    max_weights: Fraction | int | None = None,
    pareto: bool = False,
    sort: SortKey | None = None,
    top: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Sweep:
    """Cost every (alpha, resolution) pair of ``network`` (a spec, or any name
    :func:`mobicost.network` takes), keep those within the budgets (and on the Pareto front
    with ``pareto``), sorted by ``sort`` (cost ascending, the rest descending) and cut to
    ``top``.

    Without ``alphas``, the network's published widths (MobileNet's 1.0, 0.75, 0.5, 0.25; the
    widths a ``[width]`` table lists; 1 where it has no width multiplier); without
    ``resolutions``, 224, 192, 160 and 128 where its input is 224, else its own. Budgets
    compare MACs (``max_macs``, other operations included when counted), FLOPs and parameters,
    whatever unit the results are shown in; ``max_memory`` the peak of live activation bytes
    and ``max_weights`` the weights' bytes, under ``workload`` (batch 1, fp32 by default).
    ``progress(done, total)`` follows the widths.
    """

    if isinstance(network, str):
        from ..nets.library import resolve

        spec = resolve(network)[0]
    else:
        spec = network
    conventions = conventions or conventions_for(spec)
    workload = workload or Workload()
    if alphas is None:
        if spec.width is None:
            alphas = [1]
        elif spec.width.values is not None:
            alphas = list(spec.width.values)
        else:
            alphas = list(PAPER_ALPHAS)
    if resolutions is None:
        resolutions = PAPER_RESOLUTIONS if spec.resolution == 224 else (spec.resolution,)
    exact_alphas = tuple(dict.fromkeys(exact_number(a, "alpha") for a in alphas))
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
    chosen = _options_key(spec, options or {})
    grid = cost_grid(
        spec,
        exact_alphas,
        resolutions,
        rounding=rounding,
        options=dict(chosen),
        conventions=conventions,
        workload=workload,
        progress=progress,
    )
    reference = build(
        spec,
        alpha=spec.default_alpha,
        rounding=rounding,
        options=dict(chosen),
        conventions=conventions,
    )
    return _selected(
        grid,
        reference,
        rounding=rounding or (spec.width.rounding if spec.width else "floor"),
        options=chosen,
        workload=workload,
        asked=count,
        max_macs=max_macs,
        max_flops=max_flops,
        max_params=max_params,
        max_memory=max_memory,
        max_weights=max_weights,
        pareto=pareto,
        sort=sort,
        top=top,
    )


def sweep_model(
    load: Callable[[int | None], Network],
    resolutions: Sequence[int] | None = None,
    *,
    workload: Workload | None = None,
    max_macs: Fraction | int | None = None,
    max_flops: Fraction | int | None = None,
    max_params: Fraction | int | None = None,
    max_memory: Fraction | int | None = None,
    max_weights: Fraction | int | None = None,
    pareto: bool = False,
    sort: SortKey | None = None,
    top: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Sweep:
    """A sweep over the resolutions of a model that is not a spec (an imported one): ``load(r)``
    reads it again at resolution ``r`` (``load(None)``: at its own input, the reference), so each
    resolution is costed as the model itself computes at that size. Width is no knob of such a
    model: one alpha, 1. A resolution the model rejects (``load`` raises a
    :class:`MobicostError`) is skipped and said, as a spec's impossible ones are. Resolutions
    default as :func:`sweep`'s do; budgets, ``pareto``, ``sort`` and ``top`` are its own."""
    import numpy

    reference = load(None)
    spec = reference.spec
    workload = workload or Workload()
    if resolutions is None:
        resolutions = PAPER_RESOLUTIONS if spec.resolution == 224 else (spec.resolution,)
    resolutions = tuple(dict.fromkeys(resolutions))
    if not resolutions:
        raise MobicostError("a sweep needs at least one resolution")
    if len(resolutions) > MAX_MODEL_RESOLUTIONS:
        raise MobicostError(
            f"{len(resolutions):,} resolutions of an imported model is more than one sweep "
            f"reads ({MAX_MODEL_RESOLUTIONS}: each is the model run again); narrow the list"
        )
    costed: dict[int, Network] = {}
    impossible = []
    for done, resolution in enumerate(resolutions, 1):
        try:
            costed[resolution] = load(resolution)
        except MobicostError as error:
            impossible.append(Impossible("resolution", resolution, str(error)))
        if progress is not None:
            progress(done, len(resolutions))
    kept = tuple(costed)
    values = {
        key: numpy.asarray([[figure(net) for net in costed.values()]], dtype=object).reshape(
            1, len(kept)
        )
        for key, figure in (
            ("macs", lambda net: int(net.total.macs)),
            ("adds", lambda net: int(net.total.adds)),
            ("params", lambda net: net.params),
            ("peak_bytes", lambda net: network_memory(net, workload).peak_bytes),
        )
    }
    if all(_largest(grid) < 2**59 for grid in values.values() if grid.size):
        values = {key: grid.astype(numpy.int64) for key, grid in values.items()}
    grid = Grid((Fraction(1),), kept, values, len(kept), tuple(impossible))
    return _selected(
        grid,
        reference,
        rounding=reference.rounding,
        options=(),
        workload=workload,
        asked=len(resolutions),
        notes=spec.notes,
        max_macs=max_macs,
        max_flops=max_flops,
        max_params=max_params,
        max_memory=max_memory,
        max_weights=max_weights,
        pareto=pareto,
        sort=sort,
        top=top,
    )


def _selected(
    grid: Grid,
    reference: Network,
    *,
    rounding: str,
    options: tuple[tuple[str, str], ...],
    workload: Workload,
    asked: int,
    max_macs: Fraction | int | None,
    max_flops: Fraction | int | None,
    max_params: Fraction | int | None,
    max_memory: Fraction | int | None,
    max_weights: Fraction | int | None,
    pareto: bool,
    sort: SortKey | None,
    top: int | None,
    notes: tuple[str, ...] = (),
) -> Sweep:
    """The configurations of ``grid`` within the budgets (and on the Pareto front), sorted and
    cut, each ratio relative to ``reference`` (under its conventions, the sweep's); ``asked``
    configurations were asked for, those the grid lacks were impossible."""
    import numpy

    spec, conventions, chosen = reference.spec, reference.conventions, options
    exact_alphas, resolutions = grid.alphas, grid.resolutions  # the possible ones
    macs_grid, adds_grid, params_grid, peak_grid = (
        grid.values[k] for k in ("macs", "adds", "params", "peak_bytes")
    )

    keep = numpy.ones(macs_grid.shape, dtype=bool)
    if max_macs is not None:
        keep &= macs_grid + adds_grid <= max_macs
    if max_flops is not None:
        keep &= 2 * macs_grid + adds_grid <= max_flops
    if max_params is not None:
        keep &= params_grid <= max_params
    if max_memory is not None:
        keep &= peak_grid <= max_memory
    if max_weights is not None:
        keep &= params_grid * workload.weight_size <= max_weights
    rows, cols = numpy.nonzero(keep)  # row-major: alphas in the order given, then resolutions

    scale = 2 if conventions.unit == "flops" else 1
    ops = scale * macs_grid[rows, cols] + adds_grid[rows, cols]
    table = accuracies(spec)
    origins = sorted(table, key=lambda origin: -len(table[origin]))
    scores = {
        origin: _top1_scores(table[origin], exact_alphas, resolutions, rows, cols, chosen)
        for origin in origins
    }
    axis = None
    if pareto:
        front, axis = _pareto(ops, exact_alphas, resolutions, rows, cols, scores)
        rows, cols, ops = rows[front], cols[front], ops[front]
        scores = {origin: values[front] for origin, values in scores.items()}
    if sort is not None:
        order = _sort_order(sort, ops, exact_alphas, resolutions, params_grid, rows, cols, scores)
        rows, cols = rows[order], cols[order]
    if top is not None:
        rows, cols = rows[:top], cols[:top]

    return Sweep(
        spec,
        rounding,
        chosen,
        conventions,
        exact_alphas,
        resolutions,
        macs_grid,
        adds_grid,
        params_grid,
        peak_grid,
        workload,
        (rows, cols),
        reference.name,
        reference.ops,
        axis,
        grid.impossible,
        asked - len(exact_alphas) * len(resolutions),
        notes,
    )


def top1_key(origin: str) -> str:
    """A column key for a source of accuracy: ``top1_howard_et_al_2017``."""
    return "top1_" + "_".join("".join(c if c.isalnum() else " " for c in origin.lower()).split())


def _largest(values: Any) -> int:
    return int(abs(values).max()) if len(values) else 0


def _int64(values: Any) -> Any:
    import numpy

    return values if values.dtype != object else numpy.asarray(values.tolist(), dtype=object)


def _ratio(ops: Any, reference: int) -> Any:
    """Each ``ops / reference`` as the nearest float (IEEE division of two exact doubles is
    correctly rounded, as ``float(Fraction(ops, reference))``)."""
    import numpy

    if not reference:
        return numpy.zeros(len(ops))
    if ops.dtype != object and _largest(ops) < 2**53 and abs(reference) < 2**53:
        return ops.astype(numpy.float64) / reference
    return numpy.asarray([float(Fraction(int(v), reference)) for v in ops.tolist()])


def _ascii(value: object) -> object:
    """A context value as CSV carries it: text in ASCII (the renderers' spelling)."""
    if isinstance(value, str) and not value.isascii():
        return value.encode("ascii", "replace").decode("ascii")
    return value


def _listing(values: Sequence[str], most: int = 6) -> str:
    """``0.01, 0.02, 0.03``, or with many, the first few, the last and the count."""
    if len(values) <= most:
        return ", ".join(values)
    return f"{', '.join(values[: most - 1])}, ..., {values[-1]} ({len(values):,} values)"


def _ranks(values: Sequence[Fraction]) -> Any:
    """Each value's rank in exact ascending order (equal values share a rank)."""
    import numpy

    distinct = sorted(set(values))
    position = {v: k for k, v in enumerate(distinct)}
    return numpy.asarray([position[v] for v in values], dtype=numpy.int64)


def _published(
    table: Mapping[tuple[Fraction, int, tuple[tuple[str, str], ...]], str],
    alphas: Sequence[Fraction],
    resolutions: Sequence[int],
    options: tuple[tuple[str, str], ...],
) -> dict[tuple[int, int], str]:
    """The figures ``table`` publishes for configurations of this grid with these options, by
    (alpha index, resolution index): one look-up per published figure, none per configuration."""
    alpha_at = {alpha: i for i, alpha in enumerate(alphas)}
    resolution_at: dict[int, list[int]] = {}
    for j, resolution in enumerate(resolutions):
        resolution_at.setdefault(resolution, []).append(j)
    cells = {}
    for (alpha, resolution, chosen), printed in table.items():
        i = alpha_at.get(alpha)
        if chosen != options or i is None:
            continue
        for j in resolution_at.get(resolution, ()):
            cells[(i, j)] = printed
    return cells


def _integers(values: Any) -> list[int]:
    """A numpy array's values as Python integers."""
    return [int(v) for v in values.tolist()] if values.dtype == object else values.tolist()


def _top1_scores(
    table: Mapping[tuple[Fraction, int, tuple[tuple[str, str], ...]], str],
    alphas: Sequence[Fraction],
    resolutions: Sequence[int],
    rows: Any,
    cols: Any,
    options: tuple[tuple[str, str], ...],
) -> Any:
    """Published top-1 x 100 for each kept configuration (exact: sources print at most two
    decimals), or -1 where none is published."""
    import numpy

    scores = numpy.full((len(alphas), len(resolutions)), -1, dtype=numpy.int64)
    for (i, j), printed in _published(table, alphas, resolutions, options).items():
        scores[i, j] = int(Fraction(printed) * 100)
    return scores[rows, cols]


def _pareto(
    ops: Any,
    alphas: Sequence[Fraction],
    resolutions: Sequence[int],
    rows: Any,
    cols: Any,
    scores: Mapping[str, Any],
) -> tuple[Any, str]:
    """Indices (in their original order) of the configurations that no other beats on both cost
    and value: the published top-1 of the first source that covers every configuration, and
    otherwise the capacity alpha x resolution."""
    import numpy

    value, axis = None, "alpha x resolution"
    for origin, values in scores.items():
        if len(values) and (values >= 0).all():
            value, axis = values, f"top-1 ({origin})"
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
    params: Any,
    rows: Any,
    cols: Any,
    scores: Mapping[str, Any],
) -> Any:
    """A stable order: costs ascending (cheapest first); alpha, resolution and top-1 descending
    (largest first, models without a published top-1 last)."""
    import numpy

    if key == "macs":
        sort_key = ops
    elif key == "params":
        sort_key = params[rows, cols]
    elif key == "alpha":
        sort_key = -_ranks(alphas)[rows]
    elif key == "resolution":
        sort_key = -numpy.asarray(resolutions, dtype=numpy.int64)[cols]
    else:
        best = numpy.full(len(rows), -1, dtype=numpy.int64)
        for values in scores.values():  # the first source with a figure for the configuration
            best = numpy.where(best >= 0, best, values)
        sort_key = -best
    return sorted(range(len(rows)), key=lambda k: sort_key[k])
