"""Exact costs over a whole alpha x resolution grid for any network, without building every cell.

Widths change channels and never sizes; resolutions change sizes and never channels. So each
layer's cost is a channel part times a spatial part (a convolution's k_h k_w C_in C_out / g
times H_out W_out; a fully connected layer after a flatten, C x units times H W), and a grid of
``A`` widths by ``R`` resolutions needs only its cross: every width at one resolution and one
width at every resolution, ``A + R`` networks. With ``c_l(a)`` and ``s_l(r)`` unknown but their
products known on the cross, the grid is one exact integer matrix product:

    cost[a, r] = sum_l  (M[a, l] / g_l) * (M'[l, r] * g_l / M[a0, l])

where ``M[a, l]`` is layer l's cost at width a and the reference resolution, ``M'[l, r]`` its cost
at width a0 and resolution r, and ``g_l`` the gcd over widths of ``M[a, l]``: both factors are
integers (``s_l(r) gcd_a c_l(a)`` and ``c_l(a) / gcd_a c_l(a)``). Every group of widths that builds
the same layers (a ``when`` may depend on channels) is costed on its own cross, and each group is
checked against one network built directly off the cross; where that check fails (a rule that is
not a single product, such as a squeeze-and-excitation block's activation and gating operations
counted together), the group is costed cell by cell instead. Either way every number is exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..cost.conventions import Conventions
from .memory import Workload, live_sets
from .network import Network, build
from .spec import Spec

if TYPE_CHECKING:  # pragma: no cover
    import numpy

#: what a grid holds for each cell: MACs, other operations, parameters
FIELDS = ("macs", "adds", "params")


@dataclass(frozen=True)
class Grid:
    """Exact costs of every (alpha, resolution) cell: ``values[field][i, j]`` (numpy arrays,
    int64 where no sum can overflow, Python integers otherwise)."""

    alphas: tuple[Fraction, ...]
    resolutions: tuple[int, ...]
    values: Mapping[str, Any]
    direct: int  #: networks built to cost the grid


def _vectors(net: Network) -> dict[str, list[int]]:
    return {
        "macs": [int(layer.cost.macs) for layer in net.layers],
        "adds": [int(layer.cost.adds) for layer in net.layers],
        "params": [layer.params for layer in net.layers],
    }


def _signature(net: Network) -> tuple[tuple[str, str], ...]:
    return tuple((layer.name, layer.kind) for layer in net.layers)


def _matrix(rows: list[list[int]], dtype_bound: int) -> numpy.ndarray:
    import numpy

    return numpy.asarray(rows, dtype=numpy.int64 if dtype_bound < 2**62 else object)


def cost_grid(
    spec: Spec,
    alphas: Sequence[Fraction],
    resolutions: Sequence[int],
    *,
    rounding: str | None = None,
    options: Mapping[str, object] | None = None,
    conventions: Conventions,
    workload: Workload | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Grid:
    """Cost ``spec`` at every alpha and resolution (see the module docstring), with the peak
    of live activation memory under ``workload`` (``values["peak_bytes"]``): the maximum over
    the layers of the bytes live while each runs, each tensor's bytes a product of its
    channels and its size like any cost, so each layer's live bytes are one exact product."""
    import numpy

    workload = workload or Workload()

    def net(alpha: Fraction, resolution: int) -> Network:
        return build(
            spec,
            alpha=alpha,
            resolution=resolution,
            rounding=rounding,
            options=options,
            conventions=conventions,
        )

    reference = resolutions[0]
    built = 0
    by_alpha: list[Network] = []
    for done, alpha in enumerate(alphas, 1):
        by_alpha.append(net(alpha, reference))
        built += 1
        if progress is not None:
            progress(done, len(alphas))
    groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for i, network in enumerate(by_alpha):
        groups.setdefault(_signature(network), []).append(i)

    values = {
        name: numpy.zeros((len(alphas), len(resolutions)), dtype=object)
        for name in (*FIELDS, "peak_bytes")
    }
    for signature, members in groups.items():
        first = members[0]
        across = [by_alpha[first], *(net(alphas[first], r) for r in resolutions[1:])]
        built += len(across) - 1
        if any(_signature(n) != signature for n in across):
            raise AssertionError("a resolution changed the layers")  # pragma: no cover
        columns = {name: [_vectors(n)[name] for n in across] for name in FIELDS}
        rows = {name: [_vectors(by_alpha[i])[name] for i in members] for name in FIELDS}
        cells = {name: _product(rows[name], columns[name], rows[name][0]) for name in FIELDS}
        exact = True
        if len(members) > 1 and len(resolutions) > 1:
            check = _vectors(net(alphas[members[-1]], resolutions[-1]))
            built += 1
            exact = all(cells[name][-1, -1] == sum(check[name]) for name in FIELDS)
        if not exact:  # cell by cell
            for k, i in enumerate(members):
                for j, resolution in enumerate(resolutions):
                    direct = _vectors(net(alphas[i], resolution))
                    built += 1
                    for name in FIELDS:
                        cells[name][k, j] = sum(direct[name])
        for name in FIELDS:
            values[name][members, :] = cells[name]
        values["peak_bytes"][members, :] = _peaks([by_alpha[i] for i in members], across, workload)
    largest = max(int(values[name].max()) for name in values)
    if largest < 2**62:
        values = {name: values[name].astype(numpy.int64) for name in values}
    return Grid(tuple(alphas), tuple(resolutions), values, built)


def _peaks(widths: list[Network], sizes: list[Network], workload: Workload) -> Any:
    """The peak of live activation bytes for each width (built at the reference resolution)
    and each resolution (built at the group's first width): per layer, its live tensors' bytes
    as one exact product over the cross; then the largest over the layers."""
    import numpy

    sizes_of = {id(n): live_sets(n, workload)[0] for n in (*widths, *sizes)}
    tensors = list(sizes_of[id(widths[0])])
    _, held = live_sets(widths[0], workload)
    rows = [[sizes_of[id(n)][t] for t in tensors] for n in widths]
    columns = [[sizes_of[id(n)][t] for t in tensors] for n in sizes]
    peak = None
    for live in held:
        mask = [t in live for t in tensors]
        grid = _product(
            [[v if m else 0 for v, m in zip(row, mask, strict=True)] for row in rows],
            [[v if m else 0 for v, m in zip(col, mask, strict=True)] for col in columns],
            [v if m else 0 for v, m in zip(rows[0], mask, strict=True)],
        )
        peak = grid if peak is None else numpy.maximum(peak, grid)
    if peak is None:  # no layers: the input alone
        return numpy.asarray([[c[0] for c in columns] for _ in rows], dtype=object)
    return peak


def _product(rows: list[list[int]], columns: list[list[int]], anchor: list[int]) -> Any:
    """``sum_l rows[a][l] * columns[r][l] / anchor[l]`` for every (a, r), as one exact integer
    matrix product (see the module docstring); ``anchor`` is the first row."""
    layers = len(anchor)
    left: list[list[int]] = [[0] * layers for _ in rows]
    right: list[list[int]] = [[0] * layers for _ in columns]
    for layer in range(layers):
        if anchor[layer] == 0:
            if any(row[layer] for row in rows) or any(col[layer] for col in columns):
                return _slow(rows, columns, anchor)
            continue
        g = math.gcd(*(row[layer] for row in rows))
        for a, row in enumerate(rows):
            left[a][layer] = row[layer] // g
        for r, col in enumerate(columns):
            scaled = Fraction(col[layer] * g, anchor[layer])
            if scaled.denominator != 1:
                return _slow(rows, columns, anchor)
            right[r][layer] = scaled.numerator
    bound = max((sum(row) for row in left), default=0) * max(
        (max(col, default=0) for col in right), default=0
    )
    return _matrix(left, bound) @ _matrix(right, bound).T


def _slow(rows: list[list[int]], columns: list[list[int]], anchor: list[int]) -> Any:
    """The same sum with exact fractions, cell by cell (a layer whose cost is not one product)."""
    import numpy

    out = numpy.zeros((len(rows), len(columns)), dtype=object)
    for a, row in enumerate(rows):
        for r, col in enumerate(columns):
            total = sum(
                (Fraction(row[k] * col[k], anchor[k]) for k in range(len(anchor)) if anchor[k]),
                Fraction(0),
            )
            out[a, r] = total.numerator if total.denominator == 1 else total
    return out
