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

The resolutions of a cross need not expand the spec again: where no expression reads a size and
no tensor's channels follow the resolution, the first width's nodes are the nodes of every
resolution, and only their shapes are inferred again and costed (:func:`_column`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..cost.conventions import Conventions
from ..errors import MobicostError
from . import ops
from .memory import Workload, allocates, live_sets, network_memory, tensor_bytes
from .network import Network, build
from .ops import Tensor
from .spec import INPUT, Spec, WidthReads, reads_size

if TYPE_CHECKING:  # pragma: no cover
    import numpy

#: what a grid holds for each cell: MACs, other operations, parameters
FIELDS = ("macs", "adds", "params")
#: the widths built last that a sweep's next width is compared with (a grid's widths are
#: usually in order, so a width that builds what another did mostly follows it)
_RECENT = 4


@dataclass(frozen=True)
class Impossible:
    """A width or a resolution no network can be built at, and why (the builder's error)."""

    what: str  #: "alpha" or "resolution"
    value: Fraction | int
    reason: str


@dataclass(frozen=True)
class Grid:
    """Exact costs of every possible (alpha, resolution) cell: ``values[field][i, j]`` (numpy
    arrays, int64 where no sum can overflow, Python integers otherwise). ``alphas`` and
    ``resolutions`` are those asked for less the ``impossible`` ones, in the order given."""

    alphas: tuple[Fraction, ...]
    resolutions: tuple[int, ...]
    values: Mapping[str, Any]
    direct: int  #: networks built to cost the grid
    impossible: tuple[Impossible, ...] = ()


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

    def net(alpha: Fraction, resolution: int, reads: WidthReads | None = None) -> Network:
        return build(
            spec,
            alpha=alpha,
            resolution=resolution,
            rounding=rounding,
            options=options,
            conventions=conventions,
            reads=reads,
        )

    resizable = not reads_size(spec)

    # widths are tried at the largest resolution (a small one may be impossible for them all),
    # resolutions at each group's first width; what cannot be built is left out, and said
    anchor = max(range(len(resolutions)), key=lambda j: resolutions[j])
    impossible: list[Impossible] = []
    built = 0
    groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
    firsts: dict[tuple[tuple[str, str], ...], Network] = {}  # each group's first width
    by_alpha: dict[int, tuple[dict[str, list[int]], dict[str, int]]] = {}  # vectors, sizes
    # a width whose expansion would read what a recent one read is that width's network again
    # (:class:`~mobicost.nets.spec.WidthReads`): only a multiplier's widths, where alpha
    # reaches the expansion through its roundings alone
    recent: list[tuple[WidthReads, tuple[tuple[str, str], ...], int]] = []
    multiplier = spec.width is not None and spec.width.values is None
    for done, alpha in enumerate(alphas, 1):
        if progress is not None:
            progress(done, len(alphas))
        twin = next((seen for seen in recent if seen[0].same_at(alpha)), None)
        if twin is not None:
            groups[twin[1]].append(done - 1)
            by_alpha[done - 1] = by_alpha[twin[2]]
            continue
        reads = WidthReads() if multiplier else None
        try:
            network = net(alpha, resolutions[anchor], reads)
        except MobicostError as error:
            impossible.append(Impossible("alpha", alpha, str(error)))
            continue
        built += 1
        signature = _signature(network)
        groups.setdefault(signature, []).append(done - 1)
        firsts.setdefault(signature, network)
        by_alpha[done - 1] = (_vectors(network), tensor_bytes(network, workload))
        if reads is not None:
            recent = [(reads, signature, done - 1), *recent[: _RECENT - 1]]

    # each group's first width at each resolution: its vectors and its tensors' bytes
    across: dict[tuple[tuple[str, str], ...], dict[int, tuple[dict[str, list[int]], Any]]] = {}
    bad: dict[int, str] = {}
    # the first group's columns are costed node by node; another group's follow them where its
    # layers are theirs (:func:`_alike`), checked at a corner below
    base = next(iter(groups), None)
    base_shapes: dict[int, dict[str, Tensor]] = {}
    derived: set[tuple[tuple[str, str], ...]] = set()

    def columns_of(signature: tuple[tuple[str, str], ...], follow: bool) -> None:
        nonlocal built
        across[signature] = {}
        followed: dict[int, tuple[dict[str, list[int]], dict[str, int]]] = {}
        if follow and signature != base and base is not None:
            followed = _alike(
                firsts[signature],
                by_alpha[groups[signature][0]][0],
                firsts[base],
                by_alpha[groups[base][0]][0],
                {j: (*across[base][j], base_shapes[j]) for j in base_shapes},
                resolutions,
                workload,
            )
        for j, resolution in enumerate(resolutions):
            if j == anchor or j in bad:
                continue
            column = followed.get(j)
            if column is not None:
                derived.add(signature)
            if column is None and resizable:
                costed = _column(firsts[signature], resolution, workload)
                if costed is not None:
                    column = costed[:2]
                    if signature == base:
                        base_shapes[j] = costed[2]
            if column is None:
                try:
                    network = net(firsts[signature].alpha, resolution)
                except MobicostError as error:
                    bad[j] = str(error)
                    continue
                if _signature(network) != signature:
                    raise AssertionError("a resolution changed the layers")  # pragma: no cover
                column = (_vectors(network), tensor_bytes(network, workload))
            built += 1
            across[signature][j] = column

    for signature in groups:
        columns_of(signature, follow=True)
    impossible += [Impossible("resolution", resolutions[j], bad[j]) for j in sorted(bad)]
    kept_alphas = [i for i in range(len(alphas)) if i in by_alpha]
    kept = [j for j in range(len(resolutions)) if j not in bad]
    if not kept_alphas or not kept:
        raise MobicostError(
            f"no configuration can be built: {impossible[0].reason}"
            + (f" (and {len(impossible) - 1:,} more like it)" if len(impossible) > 1 else "")
        )
    row_of = {i: k for k, i in enumerate(kept_alphas)}

    def _group_cells(
        signature: tuple[tuple[str, str], ...], members: list[int]
    ) -> dict[str, Any] | None:
        """The cells of one group's widths; None where a followed group fails its check."""
        nonlocal built
        first = firsts[signature]
        across_vectors, across_sizes = [], []
        for j in kept:
            if j == anchor:
                across_vectors.append(by_alpha[members[0]][0])
                across_sizes.append(by_alpha[members[0]][1])
            else:
                across_vectors.append(across[signature][j][0])
                across_sizes.append(across[signature][j][1])
        columns = {name: [v[name] for v in across_vectors] for name in FIELDS}
        rows = {name: [by_alpha[i][0][name] for i in members] for name in FIELDS}
        cells = {name: _product(rows[name], columns[name], rows[name][0]) for name in FIELDS}
        exact = True
        if len(members) > 1 and len(kept) > 1 and signature not in derived:
            last = kept[-1] if kept[-1] != anchor else kept[0]
            check = _vectors(net(alphas[members[-1]], resolutions[last]))
            built += 1
            exact = all(cells[name][-1, kept.index(last)] == sum(check[name]) for name in FIELDS)
        if not exact:  # cell by cell
            for k, i in enumerate(members):
                for place, j in enumerate(kept):
                    direct = _vectors(net(alphas[i], resolutions[j]))
                    built += 1
                    for name in FIELDS:
                        cells[name][k, place] = sum(direct[name])
        _, held = live_sets(first, workload)
        cells["peak_bytes"] = _peaks([by_alpha[i][1] for i in members], across_sizes, held)
        if signature in derived and len(kept) > 1:  # followed: a corner built on its own
            last = kept[-1] if kept[-1] != anchor else kept[0]
            corner = net(alphas[members[-1]], resolutions[last])
            built += 1
            place = kept.index(last)
            vectors = _vectors(corner)
            if any(cells[name][-1, place] != sum(vectors[name]) for name in FIELDS) or (
                cells["peak_bytes"][-1, place] != network_memory(corner, workload).peak_bytes
            ):
                return None
        return cells

    parts = []  # each group's members (rows of the kept grid) and their cells
    for signature, members in groups.items():
        cells = _group_cells(signature, members)
        if cells is None:  # a followed group failed its check: its own columns, node by node
            derived.discard(signature)
            columns_of(signature, follow=False)
            cells = _group_cells(signature, members)
        assert cells is not None
        parts.append(([row_of[i] for i in members], cells))

    # int64 where every group's sums are (each below 2**62, by the bound that chose int64)
    fits = all(cells[name].dtype == numpy.int64 for _, cells in parts for name in cells)
    values = {
        name: numpy.zeros((len(kept_alphas), len(kept)), dtype=numpy.int64 if fits else object)
        for name in (*FIELDS, "peak_bytes")
    }
    for where, cells in parts:
        for name in values:
            values[name][where, :] = cells[name]
    if not fits and max(int(values[name].max()) for name in values) < 2**62:
        values = {name: values[name].astype(numpy.int64) for name in values}
    return Grid(
        tuple(alphas[i] for i in kept_alphas),
        tuple(resolutions[j] for j in kept),
        values,
        built,
        tuple(impossible),
    )


def _column(
    network: Network, resolution: int, workload: Workload
) -> tuple[dict[str, list[int]], dict[str, int], dict[str, Tensor]] | None:
    """``network``'s cost vectors and tensor bytes (:func:`_vectors`, :func:`tensor_bytes`) on
    a ``resolution`` input, without expanding its spec again or making a network: its nodes'
    shapes inferred anew and each costed by its kind's rule, as
    :func:`~mobicost.nets.network.cost_graph` does. For a spec whose expressions read no
    spatial size (:func:`~mobicost.nets.spec.reads_size`), a node's attributes depend on the
    resolution only through its inputs' channels; so where every tensor keeps its channels,
    building the spec at ``resolution`` makes these very nodes (and the same batch-norm
    parameters, which follow the channels). None where a tensor's channels change (a
    flatten's do) or a shape cannot be inferred: the caller builds that network instead. The
    shapes come third."""
    conventions = network.conventions
    shapes = {INPUT: Tensor(network.input.c, resolution, resolution, network.input.flat)}
    per = workload.batch * workload.activation_size
    sizes = {INPUT: shapes[INPUT].elements * per}
    macs, adds, params = [], [], []
    try:
        for layer in network.layers:
            op = layer.op
            inputs = tuple(shapes[name] for name in layer.node.inputs)
            out = op.infer(inputs)
            if (out.c, out.flat) != (layer.output.c, layer.output.flat):
                return None
            shapes[layer.name] = out
            cost = op.cost(inputs, out, conventions, conventions.bias_on(op.bias_class))
            macs.append(int(cost.macs))
            adds.append(int(cost.adds) + ops.activation_ops(op, out, conventions))
            params.append(int(cost.params + layer.bn.params))
            if allocates(op):
                sizes[layer.name] = out.elements * per
    except MobicostError:
        return None
    return {"macs": macs, "adds": adds, "params": params}, sizes, shapes


def _alike(
    network: Network,
    own: Mapping[str, list[int]],
    base: Network,
    at_reference: Mapping[str, list[int]],
    at_resolutions: Mapping[
        int, tuple[Mapping[str, list[int]], Mapping[str, int], Mapping[str, Tensor]]
    ],
    resolutions: Sequence[int],
    workload: Workload,
) -> dict[int, tuple[dict[str, list[int]], dict[str, int]]]:
    """``network``'s cost vectors and tensor bytes at each resolution ``resolutions[j]`` from
    those of ``base``, another width of the same spec whose group was costed there already
    (``at_resolutions[j]``: its vectors, tensor bytes and shapes), all resolutions at once.

    A layer of both, of one kind and one size at the reference resolution, scales with the
    resolution as base's does (its cost is a channel part times a spatial part, the grid's own
    rule), so its cost is base's times its own at the reference (``own``) over base's there
    (``at_reference``), a column of integers at a time; a tensor of both has base's bytes times
    its own over base's at the reference; a layer of its own alone (a residual addition kept at
    this width) is costed by its kind's rule. Empty where a quotient is not whole or a shape
    cannot be inferred: the caller costs the network node by node instead, and checks a group
    that followed at a corner against a network built there."""
    import numpy

    js = sorted(at_resolutions)
    if not js:
        return {}
    index = {layer.name: k for k, layer in enumerate(base.layers)}
    per = workload.batch * workload.activation_size
    reference_sizes = tensor_bytes(base, workload)
    own_sizes = tensor_bytes(network, workload)
    shared: list[tuple[int, int]] = []  # (this network's layer, base's layer)
    alone: list[int] = []
    for k, layer in enumerate(network.layers):
        m = index.get(layer.name, -1)
        theirs = base.layers[m] if m >= 0 else None
        if (
            theirs is not None
            and theirs.kind == layer.kind
            and (theirs.output.h, theirs.output.w) == (layer.output.h, layer.output.w)
        ):
            shared.append((k, m))
        else:
            alone.append(k)

    def scaled(there: Any, mine: Sequence[int], reference: Sequence[int]) -> Any:
        """``there * mine / reference`` column by column, exactly (int64 where no product can
        pass it, Python integers otherwise); None where a quotient is not whole."""
        if any(b == 0 and a != 0 for a, b in zip(mine, reference, strict=True)):
            return None
        g = [math.gcd(a, b) or 1 for a, b in zip(mine, reference, strict=True)]
        p = [a // d for a, d in zip(mine, g, strict=True)]
        q = [max(b // d, 1) for b, d in zip(reference, g, strict=True)]
        wide = bool(there.size) and int(there.max()) * max(p, default=1) >= 2**62
        dtype = object if wide else numpy.int64
        there = there if there.dtype == dtype else there.astype(dtype)
        divisors = numpy.asarray(q, dtype=dtype)
        if there.size and (there % divisors).any():
            return None
        return there // divisors * numpy.asarray(p, dtype=dtype)

    if not shared:
        return {}
    own_index = {layer.name: k for k, layer in enumerate(network.layers)}
    ks = [k for k, _ in shared]
    ms = [m for _, m in shared]
    vectors: dict[str, Any] = {}
    for name in FIELDS:
        there = _array([at_resolutions[j][0][name] for j in js])[:, ms]
        column = scaled(
            there,
            [own[name][k] for k in ks],
            [at_reference[name][m] for m in ms],
        )
        if column is None:
            return {}
        full = numpy.zeros((len(js), len(network.layers)), dtype=column.dtype)
        full[:, ks] = column  # this network's layers, those of its own alone filled below
        vectors[name] = full
    tensors = [network.layers[k].name for k in ks if network.layers[k].name in own_sizes]
    bytes_there = _array([[at_resolutions[j][1][t] for t in tensors] for j in js]).reshape(
        len(js), len(tensors)
    )
    sizes_scaled = scaled(
        bytes_there,
        [own_sizes[t] for t in tensors],
        [reference_sizes[t] for t in tensors],
    )
    if sizes_scaled is None:
        return {}
    conventions = network.conventions
    results: dict[int, tuple[dict[str, list[int]], dict[str, int]]] = {}
    layers = network.layers
    shared_names = {layers[k].name for k in ks}
    read = sorted({n for k in alone for n in layers[k].node.inputs if n in shared_names})
    for row, j in enumerate(js):
        resolution = resolutions[j]
        shapes_there = at_resolutions[j][2]
        shapes = {INPUT: Tensor(network.input.c, resolution, resolution, network.input.flat)}
        for name in read:  # a shared layer's output: base's size, its own channels
            layer, there = layers[own_index[name]], shapes_there[name]
            shapes[name] = Tensor(layer.output.c, there.h, there.w, layer.output.flat)
        out_vectors = {name: vectors[name][row].tolist() for name in FIELDS}
        sizes = {INPUT: shapes[INPUT].elements * per}
        sizes.update(zip(tensors, sizes_scaled[row].tolist(), strict=True))
        try:
            for k in alone:
                layer = layers[k]
                op = layer.op
                inputs = tuple(shapes[name] for name in layer.node.inputs)
                out = op.infer(inputs)
                if (out.c, out.flat) != (layer.output.c, layer.output.flat):
                    return {}
                cost = op.cost(inputs, out, conventions, conventions.bias_on(op.bias_class))
                out_vectors["macs"][k] = int(cost.macs)
                out_vectors["adds"][k] = int(cost.adds) + ops.activation_ops(op, out, conventions)
                out_vectors["params"][k] = int(cost.params + layer.bn.params)
                shapes[layer.name] = out
                if allocates(op):
                    sizes[layer.name] = out.elements * per
        except MobicostError:
            return {}
        results[j] = (out_vectors, sizes)
    return results


def _peaks(widths: list[dict[str, int]], sizes: list[dict[str, int]], held: list[set[str]]) -> Any:
    """The peak of live activation bytes for each width (its tensors' bytes at the reference
    resolution) and each resolution (at the group's first width), the tensors live while each
    layer runs given by ``held`` (:func:`~mobicost.nets.memory.live_sets`): each tensor's bytes
    one exact product over the cross (see the module docstring), each layer's live bytes the
    sum of its live tensors' products; then the largest over the layers."""
    import numpy

    tensors = list(widths[0])
    rows = [[size[t] for t in tensors] for size in widths]
    columns = [[size[t] for t in tensors] for size in sizes]
    if not held:  # no layers: the input alone
        return numpy.asarray([[c[0] for c in columns] for _ in rows], dtype=object)
    factors = _factors(rows, columns, rows[0])
    if factors is None:  # a tensor whose bytes are not one product: layer by layer, exactly
        return _peaks_by_layer(rows, columns, tensors, held)
    left, right = factors
    position = {t: k for k, t in enumerate(tensors)}
    # bytes are never negative: a layer whose live tensors are a subset of another's never
    # holds more, so only the largest sets need a product over the grid
    largest: list[frozenset[int]] = []
    for names in sorted({frozenset(position[t] for t in names) for names in held}, key=len)[::-1]:
        if not any(names <= other for other in largest):
            largest.append(names)
    live = _undominated([sorted(names) for names in largest], left, right)
    if isinstance(left, numpy.ndarray):
        most_left, most_right = left.max(axis=0).tolist(), right.max(axis=0).tolist()
    else:
        most_left = [max(row[k] for row in left) for k in range(len(tensors))]
        most_right = [max(col[k] for col in right) for k in range(len(tensors))]
    bound = max(sum(most_left[k] * most_right[k] for k in ks) for ks in live)
    left_matrix, right_matrix = _matrix(left, bound), _matrix(right, bound)
    peak = None
    for ks in live:
        grid = left_matrix[:, ks] @ right_matrix[:, ks].T
        peak = grid if peak is None else numpy.maximum(peak, grid)
    return peak


def _array(rows: list[list[int]]) -> Any:
    """Rows of integers as one array: int64 where they fit, Python integers otherwise."""
    import numpy

    try:
        return numpy.asarray(rows, dtype=numpy.int64)
    except OverflowError:
        return numpy.asarray(rows, dtype=object)


def _distinct(matrix: Any) -> tuple[Any, Any]:
    """The distinct rows of an int64 ``matrix``, in the order first seen, and for each row the
    index of its distinct row (``numpy.unique(..., axis=0)``'s answer without its sort of
    structured rows, which costs more than the product it saves here)."""
    import numpy

    assert matrix.dtype == numpy.int64, "rows are told apart by their bytes"
    first: dict[bytes, int] = {}
    picks: list[int] = []
    where: list[int] = []
    for k, row in enumerate(matrix):
        seen = first.setdefault(row.tobytes(), len(picks))
        if seen == len(picks):
            picks.append(k)
        where.append(seen)
    return matrix[picks], numpy.asarray(where, dtype=numpy.intp)


def _undominated(live: list[list[int]], left: Any, right: Any) -> list[list[int]]:
    """The live sets (tensor positions) whose bytes may be the largest somewhere on the grid.

    A set's bytes at (a, r) are ``sum_t left[a, t] right[r, t]``; its tensors whose columns of
    ``right`` are equal (one stage's feature maps) add up their ``left`` first. A set whose
    summed ``left`` is at most another's at every width and in every such column never holds
    more bytes than that other anywhere (every factor is at least zero), so it needs no
    product over the grid."""
    import numpy

    if not isinstance(left, numpy.ndarray) or len(live) < 2 or not len(right):
        return live
    distinct, where = _distinct(numpy.asarray(right).T)
    if int(left.max(initial=0)) * left.shape[1] >= 2**62:  # the sums could pass int64
        return live
    sums = []
    for ks in live:  # each set's left, summed over the tensors of one column
        summed = numpy.zeros((left.shape[0], len(distinct)), dtype=numpy.int64)
        numpy.add.at(summed.T, where[ks], left[:, ks].T)
        sums.append(summed)
    kept: list[int] = []
    for n in sorted(range(len(live)), key=lambda n: -int(sums[n].sum())):
        if not any((sums[n] <= sums[m]).all() for m in kept):
            kept.append(n)
    return [live[n] for n in sorted(kept)]


def _peaks_by_layer(
    rows: list[list[int]], columns: list[list[int]], tensors: list[str], held: list[set[str]]
) -> Any:
    """The same peak with each layer's live bytes summed on their own (:func:`_product`, which
    falls back to exact fractions where a product does not hold)."""
    import numpy

    peak = None
    for live in held:
        mask = [t in live for t in tensors]
        grid = _product(
            [[v if m else 0 for v, m in zip(row, mask, strict=True)] for row in rows],
            [[v if m else 0 for v, m in zip(col, mask, strict=True)] for col in columns],
            [v if m else 0 for v, m in zip(rows[0], mask, strict=True)],
        )
        peak = grid if peak is None else numpy.maximum(peak, grid)
    return peak


def _factors(
    rows: list[list[int]], columns: list[list[int]], anchor: list[int]
) -> tuple[Any, Any] | None:
    """The integer factors ``rows[a][l] / g_l`` and ``columns[r][l] g_l / anchor[l]`` (see the
    module docstring), or None where some layer's are not integers (its cost is not one
    product); ``anchor`` is the first row. numpy's int64 where no step can overflow it, Python
    integers otherwise."""
    import numpy

    most_row = max((max(row, default=0) for row in rows), default=0)
    most_column = max((max(col, default=0) for col in columns), default=0)
    least = min(
        min((min(row, default=0) for row in rows), default=0),
        min((min(col, default=0) for col in columns), default=0),
    )
    if least >= 0 and most_row * most_column < 2**62 and rows and columns:  # one step each
        left = numpy.asarray(rows, dtype=numpy.int64)
        right = numpy.asarray(columns, dtype=numpy.int64)
        base = numpy.asarray(anchor, dtype=numpy.int64)
        zero = base == 0
        if (left[:, zero] != 0).any() or (right[:, zero] != 0).any():
            return None
        g = numpy.gcd.reduce(left, axis=0)
        g[zero] = 1
        scaled = right * g
        divisor = numpy.where(zero, 1, base)
        if (scaled % divisor != 0).any():
            return None
        return left // g, scaled // divisor
    layers = len(anchor)
    lefts: list[list[int]] = [[0] * layers for _ in rows]
    rights: list[list[int]] = [[0] * layers for _ in columns]
    for layer in range(layers):
        if anchor[layer] == 0:
            if any(row[layer] for row in rows) or any(col[layer] for col in columns):
                return None
            continue
        g = math.gcd(*(row[layer] for row in rows))
        for a, row in enumerate(rows):
            lefts[a][layer] = row[layer] // g
        for r, col in enumerate(columns):
            scaled, remainder = divmod(col[layer] * g, anchor[layer])
            if remainder:
                return None
            rights[r][layer] = scaled
    return lefts, rights


def _product(rows: list[list[int]], columns: list[list[int]], anchor: list[int]) -> Any:
    """``sum_l rows[a][l] * columns[r][l] / anchor[l]`` for every (a, r), as one exact integer
    matrix product (see the module docstring); ``anchor`` is the first row."""
    factors = _factors(rows, columns, anchor)
    if factors is None:
        return _slow(rows, columns, anchor)
    left, right = _merged(*factors)
    bound = max((int(sum(row)) for row in left), default=0) * max(
        (int(max(col, default=0)) for col in right), default=0
    )
    return _matrix(left, bound) @ _matrix(right, bound).T


def _merged(left: Any, right: Any) -> tuple[Any, Any]:
    """The factors with the layers that scale alike over the resolutions (the same column of
    ``right``: every layer of a stage, say) added into one: the same products, computed once
    per width instead of once per layer and configuration."""
    import numpy

    if not isinstance(left, numpy.ndarray) or not len(right) or not len(left):
        return left, right
    if int(left.max()) * left.shape[1] >= 2**62:  # the sums could pass int64
        return left, right
    distinct, where = _distinct(right.T)
    combined = numpy.zeros((len(left), len(distinct)), dtype=numpy.int64)
    numpy.add.at(combined.T, where, left.T)
    return combined, distinct.T


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
