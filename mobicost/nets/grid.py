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
resolution, and only their shapes are inferred again and costed (:func:`_columns`), each layer
once for each input shape it meets. Nor need every width expand it whole: a width whose
roundings all answer as a recent width's is that network again
(:class:`~mobicost.nets.spec.WidthReads`), and the widths that are built share one
:class:`~mobicost.nets.spec.Expansions`, which writes out again each block instance an
earlier width expanded alike.
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
from .network import Layer, Network, build
from .ops import Tensor
from .spec import INPUT, Expansions, Spec, WidthReads, reads_size

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


@dataclass
class _Cross:
    """One group's first width at several resolutions: the layers' costs
    (``vectors[field]``, a resolution a row, a layer a column) and the tensors' bytes
    (``sizes``, a column for each of the group's tensors, in :func:`tensor_bytes` order), the
    row of resolution j at ``place[j]``; where the layers were shaped anew, their output shapes
    (``shapes[name]``, a shape a row)."""

    place: dict[int, int]
    vectors: dict[str, Any]
    sizes: Any
    shapes: dict[str, list[Tensor | None]] | None = None

    @classmethod
    def of(cls, columns: Mapping[int, tuple[dict[str, list[int]], dict[str, int]]]) -> _Cross:
        """The cross of networks' :func:`_vectors` and :func:`tensor_bytes`, by resolution."""
        vectors = [v for v, _ in columns.values()]
        tensors = list(next(iter(columns.values()))[1])
        return cls(
            {j: row for row, j in enumerate(columns)},
            {name: _array([v[name] for v in vectors]) for name in FIELDS},
            _array([[sizes[t] for t in tensors] for _, sizes in columns.values()]),
        )

    @staticmethod
    def merged(parts: list[_Cross]) -> _Cross:
        """Several crosses of one group as one (each resolution's row from the first part
        that has it)."""
        import numpy

        place: dict[int, int] = {}
        offset = 0
        for part in parts:
            for j, row in part.place.items():
                place.setdefault(j, offset + row)
            offset += len(part.sizes)
        return _Cross(
            place,
            {name: numpy.concatenate([part.vectors[name] for part in parts]) for name in FIELDS},
            numpy.concatenate([part.sizes for part in parts]),
        )


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

    # the widths' builds write out again the block instances an earlier width expanded alike
    expansions = Expansions()

    def net(alpha: Fraction, resolution: int, reads: WidthReads | None = None) -> Network:
        return build(
            spec,
            alpha=alpha,
            resolution=resolution,
            rounding=rounding,
            options=options,
            conventions=conventions,
            reads=reads,
            expansions=expansions if reads is not None else None,
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
    across: dict[tuple[tuple[str, str], ...], _Cross] = {}
    bad: dict[int, str] = {}
    # the first group's columns are costed node by node; another group's follow them where its
    # layers are theirs (:func:`_alike`), checked at a corner below
    base = next(iter(groups), None)
    base_shaped: _Cross | None = None  # the first group's columns, where shaped anew
    derived: set[tuple[tuple[str, str], ...]] = set()

    def columns_of(signature: tuple[tuple[str, str], ...], follow: bool) -> None:
        nonlocal built, base_shaped
        first, reference = firsts[signature], groups[signature][0]
        parts = [_Cross.of({anchor: by_alpha[reference]})]
        if follow and signature != base and base is not None and base_shaped is not None:
            followed = _alike(
                first,
                by_alpha[reference][0],
                firsts[base],
                by_alpha[groups[base][0]][0],
                base_shaped,
                resolutions,
                workload,
            )
            if followed is not None:
                parts.append(followed)
                derived.add(signature)
        covered = {j for part in parts for j in part.place}
        wanted = {
            j: resolution
            for j, resolution in enumerate(resolutions)
            if j not in covered and j not in bad
        }
        if resizable and wanted:
            reshaped = _columns(first, wanted, workload)
            if reshaped is not None:
                parts.append(reshaped)
                covered.update(reshaped.place)
                if signature == base:
                    base_shaped = reshaped
        rebuilt: dict[int, tuple[dict[str, list[int]], dict[str, int]]] = {}
        for j in wanted:
            if j in covered:
                continue
            try:
                network = net(first.alpha, resolutions[j])
            except MobicostError as error:
                bad[j] = str(error)
                continue
            if _signature(network) != signature:
                raise AssertionError("a resolution changed the layers")  # pragma: no cover
            rebuilt[j] = (_vectors(network), tensor_bytes(network, workload))
        if rebuilt:
            parts.append(_Cross.of(rebuilt))
        built += sum(len(part.place) for part in parts[1:])
        across[signature] = _Cross.merged(parts)

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
        first, cross = firsts[signature], across[signature]
        at = [cross.place[j] for j in kept]
        rows = {name: [by_alpha[i][0][name] for i in members] for name in FIELDS}
        cells = {
            name: _product(rows[name], cross.vectors[name][at], rows[name][0]) for name in FIELDS
        }
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
        tensors = list(by_alpha[members[0]][1])
        widths = [[by_alpha[i][1][t] for t in tensors] for i in members]
        cells["peak_bytes"] = _peaks(tensors, widths, cross.sizes[at], held)
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


def _columns(network: Network, resolutions: Mapping[int, int], workload: Workload) -> _Cross | None:
    """``network``'s cost vectors and tensor bytes (:func:`_vectors`, :func:`tensor_bytes`) on
    each input ``resolutions[j]``, without expanding its spec again or making a network: its
    nodes' shapes inferred anew and each costed by its kind's rule (:func:`_follow`). For a
    spec whose expressions read no spatial size (:func:`~mobicost.nets.spec.reads_size`), a
    node's attributes depend on the resolution only through its inputs' channels; so where
    every tensor keeps its channels, building the spec at ``resolutions[j]`` makes these very
    nodes (and the same batch-norm parameters, which follow the channels). A resolution where
    a tensor's channels change (a flatten's do) or a shape cannot be inferred is left out: the
    caller builds that network instead. None where every one is."""
    import numpy

    js = list(resolutions)
    c, flat = network.input.c, network.input.flat
    shapes: dict[str, list[Tensor | None]] = {
        INPUT: [Tensor(c, resolutions[j], resolutions[j], flat) for j in js]
    }
    fields, sizes, dead = _follow(network.layers, shapes, network.conventions, workload)
    if len(dead) == len(js):
        return None
    empty = numpy.zeros((len(js), 0), dtype=numpy.int64)
    return _Cross(
        {j: place for place, j in enumerate(js) if place not in dead},
        {name: _array(fields[name]).T if fields[name] else empty for name in FIELDS},
        _array([sizes[t] for t in tensor_bytes(network, workload)]).T,
        shapes,
    )


def _follow(
    layers: Sequence[Layer],
    shapes: dict[str, list[Tensor | None]],
    conventions: Conventions,
    workload: Workload,
) -> tuple[dict[str, list[list[int]]], dict[str, list[int]], set[int]]:
    """Shape and cost ``layers`` at every resolution of a cross at once, as
    :func:`~mobicost.nets.network.cost_graph` does. ``shapes`` holds the shapes their inputs
    take, a list for each tensor with a place for each resolution; this adds each layer's.

    A layer's shape and cost are functions of its inputs' shapes alone, and a resolution
    changes only sizes, which strides divide: a grid's thousand resolutions meet a layer at
    1/32 of the input at 32 sizes. So each layer is inferred and costed once for each input
    shape it meets, and its answers given out to every resolution that meets it. A resolution
    at which a shape cannot be inferred, or a tensor's channels differ from ``layers``' own,
    has ``None`` for its shapes from there on (and zeros for its costs). Returns each layer's
    MACs, other operations and parameters at each resolution, by field; the bytes each
    allocated tensor holds there (the input's, where ``shapes`` holds it, first); and the
    places of the resolutions that failed."""
    per = workload.batch * workload.activation_size
    fields: dict[str, list[list[int]]] = {name: [] for name in FIELDS}
    sizes: dict[str, list[int]] = {}
    if INPUT in shapes:
        sizes[INPUT] = [0 if s is None else s.elements * per for s in shapes[INPUT]]
    failed: tuple[Tensor | None, int, int, int, int] = (None, 0, 0, 0, 0)
    dead: set[int] = set()
    for layer in layers:
        op, want, extra = layer.op, (layer.output.c, layer.output.flat), int(layer.bn.params)
        bias = conventions.bias_on(op.bias_class)
        keys = list(zip(*(shapes[name] for name in layer.node.inputs), strict=True))
        answers: dict[tuple[Tensor | None, ...], tuple[Tensor | None, int, int, int, int]] = {}
        for key in dict.fromkeys(keys):
            answer = failed
            if all(shape is not None for shape in key):
                try:
                    out = op.infer(key)
                    if (out.c, out.flat) == want:
                        cost = op.cost(key, out, conventions, bias)
                        answer = (
                            out,
                            int(cost.macs),
                            int(cost.adds) + ops.activation_ops(op, out, conventions),
                            int(cost.params) + extra,
                            out.elements * per,
                        )
                except MobicostError:
                    pass
            answers[key] = answer
        met = list(map(answers.__getitem__, keys))
        if any(answer is failed for answer in answers.values()):
            dead.update(place for place, answer in enumerate(met) if answer is failed)
        shapes[layer.name] = [answer[0] for answer in met]
        fields["macs"].append([answer[1] for answer in met])
        fields["adds"].append([answer[2] for answer in met])
        fields["params"].append([answer[3] for answer in met])
        if allocates(op):
            sizes[layer.name] = [answer[4] for answer in met]
    return fields, sizes, dead


def _alike(
    network: Network,
    own: Mapping[str, list[int]],
    base: Network,
    at_reference: Mapping[str, list[int]],
    there: _Cross,
    resolutions: Sequence[int],
    workload: Workload,
) -> _Cross | None:
    """``network``'s cost vectors and tensor bytes at the resolutions of ``there`` from those
    of ``base``, another width of the same spec whose group was shaped anew at them already
    (``there``: its vectors, tensor bytes and shapes), all resolutions at once.

    A layer of both, of one kind and one size at the reference resolution, scales with the
    resolution as base's does (its cost is a channel part times a spatial part, the grid's own
    rule), so its cost is base's times its own at the reference (``own``) over base's there
    (``at_reference``), a column of integers at a time; a tensor of both has base's bytes times
    its own over base's at the reference; a layer of its own alone (a residual addition kept at
    this width) is costed by its kind's rule (:func:`_follow`). None where a quotient is not
    whole or a shape cannot be inferred: the caller costs the network node by node instead,
    and checks a group that followed at a corner against a network built there."""
    import numpy

    js = list(there.place)
    if not js or there.shapes is None:
        return None
    rows = [there.place[j] for j in js]
    index = {layer.name: k for k, layer in enumerate(base.layers)}
    reference_sizes = tensor_bytes(base, workload)
    base_tensors = {t: k for k, t in enumerate(reference_sizes)}
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
        return None
    own_index = {layer.name: k for k, layer in enumerate(network.layers)}
    ks = [k for k, _ in shared]
    ms = [m for _, m in shared]
    vectors: dict[str, Any] = {}
    for name in FIELDS:
        column = scaled(
            there.vectors[name][rows][:, ms],
            [own[name][k] for k in ks],
            [at_reference[name][m] for m in ms],
        )
        if column is None:
            return None
        full = numpy.zeros((len(js), len(network.layers)), dtype=column.dtype)
        full[:, ks] = column  # this network's layers, those of its own alone filled below
        vectors[name] = full
    tensors = [network.layers[k].name for k in ks if network.layers[k].name in own_sizes]
    sizes_scaled = scaled(
        there.sizes[rows][:, [base_tensors[t] for t in tensors]],
        [own_sizes[t] for t in tensors],
        [reference_sizes[t] for t in tensors],
    )
    if sizes_scaled is None:
        return None
    layers = network.layers
    shared_names = {layers[k].name for k in ks}
    read = sorted({n for k in alone for n in layers[k].node.inputs if n in shared_names})
    c, flat = network.input.c, network.input.flat
    shapes: dict[str, list[Tensor | None]] = {
        INPUT: [Tensor(c, resolutions[j], resolutions[j], flat) for j in js]
    }
    for name in read:  # a shared layer's output: base's size, its own channels
        mine = layers[own_index[name]].output
        shapes[name] = [
            None if shape is None else Tensor(mine.c, shape.h, shape.w, mine.flat)
            for shape in (there.shapes[name][row] for row in rows)
        ]
    # the layers of its own alone, costed by their kinds' rules at every resolution at once
    fields, sizes_alone, dead = _follow(
        [layers[k] for k in alone], shapes, network.conventions, workload
    )
    if dead:
        return None
    for name in FIELDS:
        if fields[name] and max(map(max, fields[name])) >= 2**62:
            vectors[name] = vectors[name].astype(object)
        for k, column in zip(alone, fields[name], strict=True):
            vectors[name][:, k] = column
    sizes = dict(zip(tensors, sizes_scaled.T, strict=True))
    sizes.update((t, _array(column)) for t, column in sizes_alone.items())
    return _Cross(
        {j: place for place, j in enumerate(js)},
        vectors,
        numpy.stack([sizes[t] for t in own_sizes], axis=1),
    )


def _peaks(tensors: list[str], rows: Any, columns: Any, held: list[set[str]]) -> Any:
    """The peak of live activation bytes for each width (``rows``: its ``tensors``' bytes at
    the reference resolution) and each resolution (``columns``: at the group's first width),
    the tensors live while each layer runs given by ``held``
    (:func:`~mobicost.nets.memory.live_sets`): each tensor's bytes one exact product over the
    cross (see the module docstring), each layer's live bytes the sum of its live tensors'
    products; then the largest over the layers. The input's bytes come first."""
    import numpy

    if not held:  # no layers: the input alone
        inputs = _array(columns)[:, 0].tolist()
        return numpy.asarray([inputs] * len(rows), dtype=object)
    factors = _factors(rows, columns, _array(rows)[0])
    if factors is None:  # a tensor whose bytes are not one product: layer by layer, exactly
        return _peaks_by_layer(_array(rows).tolist(), _array(columns).tolist(), tensors, held)
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


def _array(rows: Any) -> Any:
    """Rows of integers (lists, or an array) as one array: int64 where they fit, Python
    integers otherwise."""
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


def _factors(rows: Any, columns: Any, anchor: Sequence[int]) -> tuple[Any, Any] | None:
    """The integer factors ``rows[a][l] / g_l`` and ``columns[r][l] g_l / anchor[l]`` (see the
    module docstring), or None where some layer's are not integers (its cost is not one
    product); ``anchor`` is the first row. Rows and columns are lists or arrays; the factors
    numpy's int64 where no step can overflow it, lists of Python integers otherwise."""
    import numpy

    left, right = _array(rows), _array(columns)
    if (
        left.dtype == right.dtype == numpy.int64
        and left.size
        and right.size
        and min(int(left.min()), int(right.min())) >= 0
        and int(left.max()) * int(right.max()) < 2**62  # one step each
    ):
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
    rows, columns, anchor = left.tolist(), right.tolist(), [int(v) for v in anchor]
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


def _product(rows: Any, columns: Any, anchor: Sequence[int]) -> Any:
    """``sum_l rows[a][l] * columns[r][l] / anchor[l]`` for every (a, r), as one exact integer
    matrix product (see the module docstring); ``anchor`` is the first row. Rows and columns
    are lists or arrays."""
    import numpy

    factors = _factors(rows, columns, anchor)
    if factors is None:
        return _slow(_array(rows).tolist(), _array(columns).tolist(), list(anchor))
    left, right = _merged(*factors)
    if isinstance(left, numpy.ndarray):
        sums = int(left.sum(axis=1, dtype=object).max(initial=0)) if left.size else 0
        bound = sums * (int(right.max()) if right.size else 0)
    else:
        bound = max((sum(row) for row in left), default=0) * max(
            (max(col, default=0) for col in right), default=0
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
