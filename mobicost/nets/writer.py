"""A costed network written back as a spec file (:func:`to_toml`): an imported model, or a
built-in at one width and resolution, as TOML that ``mobicost table FILE.toml`` costs to the same
numbers, layer by layer.

Where the structure repeats, the file says so once. Layers are grouped by the module path their
names carry (``layer1.0.conv1`` is in ``layer1.0``, which is in ``layer1``); groups of the same
structure become one ``[blocks.NAME]``, and each number that differs between its instances a
block param (``$c``), an expression in this layer's input channels (``"$in * 4"``), or in
another param (``"$c * 4"``). Runs of instances are one entry with ``repeat`` or ``rows``, so a
torchvision ResNet-50 reads as a stem, one row per stage and a head::

    >>> from mobicost import network
    >>> text = to_toml(network("mobilenet-v1", alpha="0.5"))
    >>> text.count("op = ") < 40, "rows = " in text
    (True, True)

The file is checked before it is returned: built again, it must give every layer's MACs, other
operations, parameters and shapes as the network does. Where the folded file would not (a
structure the folding misreads), the layers are written one by one instead; where even that
would not, :class:`~mobicost.errors.MobicostError` says which layer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .. import __version__
from ..cost.conventions import Conventions
from ..errors import MobicostError
from . import ops
from .network import Layer, Network
from .spec.layers import ATTRIBUTES

#: attributes whose whole numbers may differ between a block's instances (the others, such as
#: a kernel or a padding, make two groups different structures)
_VARYING = {"filters", "units", "features", "squeeze", "multiplier", "groups", "stride", "shape",
            "size", "with", "repeat", "rows"}  # fmt: skip
#: attributes counted in channels: the ones an expression in ``$in`` may give
_CHANNELS = {"filters", "units", "features", "squeeze"}
#: the param a varying attribute becomes, by attribute
_PARAM_NAMES = {"filters": "c", "units": "c", "features": "c", "squeeze": "c", "stride": "s",
                "repeat": "n", "shape": "d", "groups": "g", "multiplier": "m",
                "size": "p"}  # fmt: skip


#: the fewest layers a block is written for, unless two of its instances follow each other (a
#: convolution, its norm and its activation are written inline where they do not repeat so)
MIN_BLOCK = 4


@dataclass(frozen=True)
class Num:
    """A whole number written in a template that may differ between instances: ``channels`` is
    its layer's input channels where the number may be written as a multiple of them."""

    value: int
    attr: str
    channels: int | None = None


# --- one layer as an entry ------------------------------------------------------------------------


def _padding(padding: ops.Padding) -> Any:
    if padding == "same":
        return "same"
    top, bottom, left, right = padding
    if top == bottom == left == right:
        return top
    if top == bottom and left == right:
        return [top, left]
    return [top, bottom, left, right]


def _pair(pair: tuple[int, int]) -> Any:
    return pair[0] if pair[0] == pair[1] else list(pair)


def _num(value: Any, attr: str, channels: int | None = None) -> Any:
    """``value`` with its whole numbers marked as :class:`Num` where ``attr`` may vary."""
    if attr not in _VARYING and not attr.startswith(("with:", "repeat:")):
        return value
    if isinstance(value, list):
        return [_num(v, attr) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return Num(value, attr, channels if attr in _CHANNELS else None)
    return value


def entry_of(layer: Layer) -> dict[str, Any]:
    """A layer as a spec entry: its kind and every attribute its op holds (defaults left in;
    :func:`_written` drops them), its channel counts marked :class:`Num`."""
    op = layer.op
    x = layer.inputs[0] if layer.inputs else None
    c_in = x.c if x is not None and not x.flat and (not x.dims or len(x.dims) == 4) else None
    attrs: dict[str, Any]
    if isinstance(op, ops.Conv):
        if x is None or x.flat:
            raise MobicostError(f"layer {layer.name!r}: a convolution of a {x and x.text} tensor")
        common = {"bn": op.bn, "act": op.act or "none", "bias": op.has_bias, "shared": op.shared}
        if op.groups == x.c and x.c > 1 and op.filters % x.c == 0:
            kind = "dw"
            attrs = {
                "kernel": _pair(op.kernel),
                "stride": _pair(op.stride),
                "padding": _padding(op.padding),
                "dilation": _pair(op.dilation),
                "multiplier": op.filters // x.c,
            }
        else:  # pointwise ones too: whether it is "pw" may differ between instances (stride)
            kind = "conv"
            attrs = {
                "filters": op.filters,
                "kernel": _pair(op.kernel),
                "stride": _pair(op.stride),
                "padding": _padding(op.padding),
                "dilation": _pair(op.dilation),
                "groups": op.groups,
            }
        attrs.update(common)
    elif isinstance(op, ops.Linear):
        kind, attrs = "fc", {"units": op.units, "bn": op.bn, "act": op.act or "none"}
    elif isinstance(op, ops.Pool):
        kind = "pool"
        if op.output is not None:
            attrs = {"mode": op.mode, "output": _pair(op.output)}
        else:
            attrs = {
                "mode": op.mode,
                "kernel": _pair(op.kernel),
                "stride": _pair(op.stride),
                "padding": _padding(op.padding),
                "ceil_mode": op.ceil_mode,
            }
    elif isinstance(op, ops.GlobalPool):
        kind, attrs = "gap", {"mode": op.mode}
    elif isinstance(op, ops.Add):
        kind, attrs = "add", {"act": op.act or "none"}
    elif isinstance(op, ops.Concat):
        kind, attrs = "concat", {}
    elif isinstance(op, ops.Shuffle):
        kind, attrs = "shuffle", {"groups": op.groups}
    elif isinstance(op, ops.Split):
        kind, attrs = "split", {"parts": op.parts, "index": op.index}
    elif isinstance(op, ops.SqueezeExcite):
        kind = "se"
        attrs = {"squeeze": op.squeeze, "act": op.act or "none", "gate": op.gate}
    elif isinstance(op, ops.Activation):
        kind, attrs = "act", {"fn": op.act}
    elif isinstance(op, ops.BatchNorm):
        kind, attrs = "bn", {}
    elif isinstance(op, ops.Flatten):
        kind, attrs = "flatten", {}
    elif isinstance(op, ops.Dropout):
        kind, attrs = "dropout", {"p": op.p}
    elif isinstance(op, ops.MatMul):
        kind = "matmul"
        attrs = {"units": op.units if op.weight else None, "bias": op.has_bias}
    elif isinstance(op, ops.Attention):
        kind, attrs = "attention", {}
    elif isinstance(op, ops.Norm):
        kind = "norm"
        shape = x.shape if x is not None else (0,)
        default = shape[1] if op.fn != "layer" and len(shape) > 1 else shape[-1]
        features = None if op.features == default else op.features
        attrs = {"fn": op.fn, "features": features, "vectors": op.vectors}
    elif isinstance(op, ops.Eltwise):
        kind, attrs = "eltwise", {"fn": op.fn}
    elif isinstance(op, ops.Reduce | ops.View):
        kind, attrs = op.kind, {"fn": op.fn, "shape": list(op.dims)}
    elif isinstance(op, ops.Param):
        kind, attrs = "param", {"shape": list(op.dims), "size": op.size}
    elif isinstance(op, ops.Uncosted):
        kind, attrs = "uncosted", {"fn": op.name, "shape": list(op.dims)}
    else:  # pragma: no cover - every kind is above
        raise MobicostError(f"layer {layer.name!r}: no spec kind writes a {op.kind} layer")
    entry: dict[str, Any] = {"op": kind}
    for attr, value in attrs.items():
        entry[attr] = _num(value, attr, c_in)
    return entry


# --- templates: what a group of layers writes, its varying numbers marked -------------------------


def _shape(value: Any) -> Any:
    """A template with its numbers left out: equal for two groups of the same structure."""
    if isinstance(value, Num):
        return ("#", value.attr)
    if isinstance(value, dict):
        return tuple((k, _shape(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(_shape(v) for v in value)
    return value


def _nums(value: Any) -> Iterator[Num]:
    if isinstance(value, Num):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _nums(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _nums(item)


def _fill(value: Any, written: Iterator[Any]) -> Any:
    """``value`` with each :class:`Num` replaced by the next of ``written``."""
    if isinstance(value, Num):
        return next(written)
    if isinstance(value, dict):
        return {k: _fill(v, written) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, written) for v in value]
    return value


def _times(variable: str, ratio: Fraction) -> str:
    if ratio == 1:
        return f"${variable}"
    if ratio.denominator == 1:
        return f"${variable} * {ratio.numerator}"
    if ratio.numerator == 1:
        return f"${variable} / {ratio.denominator}"
    return f"${variable} * {ratio.numerator} / {ratio.denominator}"


def _fresh(stem: str, taken: Sequence[str]) -> str:
    name, count = stem, 1
    while name in taken:
        count += 1
        name = f"{stem}{count}"
    return name


def _ratio(values: Sequence[int], of: Sequence[int | None]) -> Fraction | None:
    """The one ratio ``values[i] / of[i]`` for every i, if there is one (small terms only)."""
    if any(o is None or o == 0 for o in of):
        return None
    ratio = Fraction(values[0], of[0])
    if ratio.numerator > 64 or ratio.denominator > 64:
        return None
    same = all(Fraction(v, o) == ratio for v, o in zip(values, of, strict=True))
    return ratio if same else None


@dataclass
class Unified:
    """A structure's numbers across its instances: each written as a number, an expression or
    a param; the params and each instance's values of them."""

    written: list[Any]
    params: list[str]
    values: list[list[int]]  #: per instance, per param


def _unify(instances: Sequence[Sequence[Num]]) -> Unified:
    columns = list(zip(*instances, strict=True)) if instances and instances[0] else []
    params: list[str] = []
    param_values: list[list[int]] = []  # per param, per instance
    written: list[Any] = []
    for column in columns:
        values = [n.value for n in column]
        if len(set(values)) == 1:
            written.append(values[0])
            continue
        found = None
        for name, of in zip(params, param_values, strict=True):
            if column[0].attr == "repeat:after":
                break
            ratio = _ratio(values, of)
            if ratio is not None:
                found = _times(name, ratio)
                break
        if found is None and column[0].attr in _CHANNELS:
            ratio = _ratio(values, [n.channels for n in column])
            if ratio is not None:
                found = _times("in", ratio)
        if found is None and column[0].attr == "repeat:after":
            name = _fresh("n", params)
            params.append(name)
            param_values.append([v + 1 for v in values])
            found = f"${name} - 1"
        if found is None:
            attr = column[0].attr
            name = _fresh(attr.partition(":")[2] or _PARAM_NAMES.get(attr, attr), params)
            params.append(name)
            param_values.append(values)
            found = f"${name}"
        written.append(found)
    count = len(instances)
    return Unified(written, params, [[v[i] for v in param_values] for i in range(count)])


# --- groups: the module tree of a network's layer names -------------------------------------------


def _path(name: str) -> list[str]:
    head, separator, _ = name.rpartition("/")
    return (head if separator and head else name).split(".")


@dataclass(eq=False)
class _Group:
    """A run of consecutive layers under one module path (``layer1.0``), or one layer."""

    prefix: tuple[str, ...]
    layers: list[Layer]
    children: list[_Group] = field(default_factory=list)
    leaf: bool = False
    #: what it writes, worked out bottom-up: its entries, and its structure's key
    entries: list[dict[str, Any]] = field(default_factory=list)
    key: Any = None
    block: str | None = None  #: the block it is an instance of, or None (written inline)
    with_values: list[int] = field(default_factory=list)

    @property
    def height(self) -> int:
        return 0 if self.leaf else 1 + max(child.height for child in self.children)


def _tree(layers: Sequence[Layer], prefix: tuple[str, ...] = ()) -> _Group:
    """The groups of ``layers`` under ``prefix``: each maximal run of consecutive layers that
    share the next part of their module path is a group, recursively; a layer alone, or one
    whose path ends here, is a leaf."""
    group = _Group(prefix, list(layers))
    depth = len(prefix)
    runs: list[tuple[str | None, list[Layer]]] = []
    for layer in layers:
        path = _path(layer.name)
        part = path[depth] if len(path) > depth else None
        if runs and part is not None and runs[-1][0] == part:
            runs[-1][1].append(layer)
        else:
            runs.append((part, [layer]))
    for part, run in runs:
        if len(run) == 1 or part is None:
            group.children += [_Group((*prefix, part or ""), [layer], leaf=True) for layer in run]
            continue
        child = _tree(run, (*prefix, part))
        while len(child.children) == 1 and not child.children[0].leaf:
            child = child.children[0]
        group.children.append(child)
    return group


# --- folding --------------------------------------------------------------------------------------


def _local(layer: Layer, prefix: tuple[str, ...]) -> str:
    """A layer's name inside its group: its module path after the group's, as a spec name."""
    head, separator, tail = layer.name.rpartition("/")
    path = head if separator and head else layer.name
    parts = path.split(".")[len(prefix) :] if path.split(".")[: len(prefix)] == list(prefix) else []
    stem = "_".join(parts)
    if separator and head:
        count = tail.rpartition(".")[2]
        stem += f"_{int(count) + 1}" if count.isdigit() else "_2"
    stem = re.sub(r"[^A-Za-z0-9_]", "_", stem).strip("_")
    if not stem:
        return layer.op.fn if isinstance(layer.op, ops.Eltwise) else layer.op.kind
    return stem if re.match(r"[A-Za-z_]", stem) else f"{layer.op.kind}_{stem}"


class _UnnamedError(Exception):
    """A group whose layers read one that its entries cannot name."""


@dataclass
class _Context:
    """What writing one group's entries keeps: how its entries name the layers written so far
    (its input is ``in``), the names taken, the entries, the layer built last."""

    group: _Group
    names: dict[str, str]
    previous: str
    taken: set[str] = field(default_factory=lambda: {"in", "input"})
    out: list[dict[str, Any]] = field(default_factory=list)

    def unique(self, stem: str) -> str:
        name = stem
        count = 1
        while name in self.taken:
            count += 1
            name = f"{stem}_{count}"
        self.taken.add(name)
        return name


class _Folding:
    """Works out every group's entries, bottom-up, and the blocks they share."""

    def __init__(self, layers: Sequence[Layer], fold: bool) -> None:
        self.fold = fold
        self.head = [layer for layer in layers if layer.is_head]
        body = [layer for layer in layers if not layer.is_head]
        if layers[len(body) :] != tuple(self.head) and list(layers[len(body) :]) != self.head:
            raise MobicostError("a network whose head layers are not its last cannot be written")
        self.order = [layer.name for layer in layers]
        self.readers: dict[str, list[int]] = {}
        for layer in layers:
            for name in layer.node.inputs:
                self.readers.setdefault(name, []).append(layer.index)
        self.blocks: dict[Any, dict[str, Any]] = {}  #: key -> its block's definition
        self.names: set[str] = set()
        self.root = _tree(body)

    def external_input(self, group: _Group) -> str | None:
        """The one layer outside ``group`` that its layers read, where only its last layer is
        read from outside it: what a block instance needs. ``None`` where it is not so."""
        inside = {layer.name for layer in group.layers}
        outside = {name for layer in group.layers for name in layer.node.inputs} - inside
        if len(outside) != 1:
            return None
        first, last = group.layers[0].index, group.layers[-1].index
        for layer in group.layers[:-1]:
            if any(not first <= r <= last for r in self.readers.get(layer.name, [])):
                return None
        return outside.pop()

    def previous_of(self, group: _Group) -> str:
        index = group.layers[0].index
        return "input" if index == 1 else self.order[index - 2]

    def run(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The network's body entries and head entries."""
        groups: list[_Group] = []

        def walk(group: _Group) -> None:
            for child in group.children:
                if not child.leaf:
                    walk(child)
            groups.append(group)

        walk(self.root)
        if self.fold:
            for height in sorted({g.height for g in groups if g is not self.root}):
                by_key: dict[Any, list[_Group]] = {}
                for group in groups:
                    if group.height != height or group is self.root:
                        continue
                    x = self.external_input(group)
                    if x is None:
                        continue
                    try:
                        group.entries = self.entries(group, {x: "in"})
                    except _UnnamedError:
                        continue
                    group.key = _shape(group.entries)
                    by_key.setdefault(group.key, []).append(group)
                for key, instances in by_key.items():
                    if len(instances) >= 2 and (
                        len(instances[0].layers) >= MIN_BLOCK or _adjacent(instances)
                    ):
                        self.define(key, instances)
        try:
            return self.body_and_head()
        except _UnnamedError:
            for group in groups:
                group.block = None
            self.blocks.clear()
            return self.body_and_head()

    def body_and_head(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        context = self.context(self.root, {})
        body = context.out
        context.out = []
        for layer in self.head:
            self.layer(layer, context)
        return body, context.out

    def define(self, key: Any, instances: list[_Group]) -> None:
        unified = _unify([list(_nums(g.entries)) for g in instances])
        layers = _fill(instances[0].entries, iter(unified.written))
        stem = _block_stem(instances[0].prefix)
        name = stem
        count = 0
        while name in self.names:  # a letter, not a digit: the builder numbers instances
            count += 1
            name = f"{stem}_{_letters(count)}"
        self.names.add(name)
        self.blocks[key] = {
            "name": name,
            "params": unified.params,
            "layers": layers,
            "sources": [".".join(g.prefix) for g in instances],
        }
        for group, values in zip(instances, unified.values, strict=True):
            group.block = name
            group.with_values = values

    def entries(self, group: _Group, names: dict[str, str]) -> list[dict[str, Any]]:
        """The group's entries: its layers, each descendant that is a block instance one entry
        (a run of them one entry with ``repeat`` or ``rows``), the rest written inline."""
        return self.context(group, names).out

    def context(self, group: _Group, names: dict[str, str]) -> _Context:
        context = _Context(group, dict(names), self.previous_of(group))
        self.emit(group, context)
        return context

    def emit(self, group: _Group, context: _Context) -> None:
        children = group.children
        i = 0
        while i < len(children):
            child = children[i]
            if child.leaf:
                self.layer(child.layers[0], context)
                i += 1
            elif child.block is None:
                self.emit(child, context)
                i += 1
            else:
                j = i + 1
                while (
                    j < len(children)
                    and children[j].block == child.block
                    and self.external_input(children[j]) == children[j - 1].layers[-1].name
                ):
                    j += 1
                self.use(children[i:j], context)
                i = j

    def use(self, run: list[_Group], context: _Context) -> None:
        """A run of instances of one block, as one entry."""
        child = run[0]
        top = context.group is self.root
        x = self.external_input(child)
        assert x is not None and child.block is not None
        entry: dict[str, Any] = {}
        relative = child.prefix[len(context.group.prefix) :]
        stem = re.sub(r"[^A-Za-z0-9_]", "_", "_".join(relative))
        if len(run) > 1:
            stem = stem.rstrip("0123456789_") or stem
        local = None
        if re.match(r"[A-Za-z_]", stem) and (top or len(run) == 1):
            if len(run) == 1:
                local = entry["name"] = context.unique(stem)
            else:  # the builder names the instances stem1, stem2... (stem.1 after a digit)
                local = context.unique(stem)
                while any(n in context.taken for n in _instances(local, len(run))):
                    local = context.unique(stem)
                entry["name"] = local
                context.taken.update(_instances(local, len(run)))
        entry["block"] = child.block
        if x != context.previous:
            if x not in context.names:
                raise _UnnamedError(x)
            entry["input"] = context.names[x]
        params = self.blocks[child.key]["params"]
        # a run after one instance of another block (ResNet's first block of a stage, then the
        # rest): its count is written as the stage's depth, less one
        after = context.out and "block" in context.out[-1] and "repeat" not in context.out[-1]
        repeat = "repeat:after" if after and "rows" not in context.out[-1] else "repeat"
        if not params:
            if len(run) > 1:
                entry["repeat"] = Num(len(run), repeat)
        elif len(run) == 1 or all(c.with_values == child.with_values for c in run):
            entry["with"] = dict(zip(params, _with(child, params), strict=True))
            if len(run) > 1:
                entry["repeat"] = Num(len(run), "repeat")
        else:
            entry["columns"] = list(params)
            entry["rows"] = [_with(c, params) for c in run]
        context.out.append(entry)
        last = run[-1].layers[-1].name
        if len(run) == 1 and local is not None:
            context.names[last] = local
        elif top and local is not None:  # instance k is named stem<k>: later layers may read it
            for instance, name in zip(run, _instances(local, len(run)), strict=True):
                context.names[instance.layers[-1].name] = name
        context.previous = last

    def layer(self, layer: Layer, context: _Context) -> None:
        entry = entry_of(layer)
        local = context.unique(_local(layer, context.group.prefix))
        inputs = list(layer.node.inputs)
        refs = []
        for name in inputs:
            if name in context.names:
                refs.append(context.names[name])
            elif name == "input" and context.group is self.root:
                refs.append("input")
            elif name != context.previous or len(inputs) != 1:
                raise _UnnamedError(name)
        written: dict[str, Any] = {"name": local, "op": entry.pop("op")}
        if inputs != [context.previous]:
            written["input"] = refs[0] if len(refs) == 1 else refs
        written.update(entry)
        context.out.append(written)
        context.names[layer.name] = local
        context.previous = layer.name


def _letters(count: int) -> str:
    """1 -> "b", 2 -> "c"... 25 -> "z", 26 -> "bb": a suffix that ends in no digit."""
    return "abcdefghijklmnopqrstuvwxyz"[(count - 1) % 25 + 1] * ((count - 1) // 25 + 1)


def _adjacent(groups: Sequence[_Group]) -> bool:
    """Whether two of ``groups`` follow each other: a repeat."""
    ends = {g.layers[-1].index for g in groups}
    return any(g.layers[0].index - 1 in ends for g in groups)


def _instances(stem: str, count: int) -> list[str]:
    separator = "." if stem[-1:].isdigit() else ""
    return [f"{stem}{separator}{i}" for i in range(1, count + 1)]


def _with(group: _Group, params: Sequence[str]) -> list[Any]:
    return [Num(v, f"with:{p}") for v, p in zip(group.with_values, params, strict=True)]


def _block_stem(prefix: tuple[str, ...]) -> str:
    words = [re.sub(r"[^A-Za-z0-9_]", "_", p).rstrip("0123456789_") for p in prefix]
    words = [w for w in words if w]
    stem = words[-1] if words else "block"
    if prefix and prefix[-1].isdigit():
        stem += "_block"
    return stem if re.match(r"[A-Za-z_]", stem) else f"b_{stem}"


# --- the file -------------------------------------------------------------------------------------

#: the attributes that ``[defaults.KIND]`` may set, by kind
_DEFAULTABLE = {
    "conv": ("bias", "padding", "bn", "act"),
    "dw": ("bias", "padding", "bn", "act"),
    "pw": ("bias", "bn", "act"),
    "norm": ("fn",),
}


def _same(a: Any, b: Any) -> bool:
    if a in ("none", None) and b in ("none", None):
        return True
    return type(a) is type(b) and a == b


def _effective(kind: str, attr: str, defaults: dict[str, dict[str, Any]]) -> Any:
    if attr in defaults.get(kind, {}):
        return defaults[kind][attr]
    if kind in ("dw", "pw") and attr in defaults.get("conv", {}):
        return defaults["conv"][attr]
    return ATTRIBUTES[kind][attr][1]


def _literal(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and value.startswith("$"))


def _defaults(entries: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``[defaults.KIND]``: the value most layers of a kind write, where most do."""
    defaults: dict[str, dict[str, Any]] = {}
    for kind, attrs in _DEFAULTABLE.items():
        own = [e for e in entries if e.get("op") == kind]
        family = (
            [e for e in entries if e.get("op") in ("conv", "dw", "pw")] if kind == "conv" else own
        )
        for attr in attrs:
            values = [e.get(attr) for e in own if _literal(e.get(attr))]
            if not values:
                continue
            best = max(values, key=lambda v: (sum(_same(v, w) for w in values), -values.index(v)))
            count = sum(_same(best, w) for w in values)
            if count < 3 or 2 * count <= len(own) or _same(best, _effective(kind, attr, defaults)):
                continue
            if any(attr in ATTRIBUTES[e["op"]] and e.get(attr) is None for e in family):
                continue  # a layer that leaves it to the convention could not say so
            defaults.setdefault(kind, {})[attr] = best
    return defaults


def _strip(entry: dict[str, Any], defaults: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """An entry without the attributes its kind's defaults give."""
    kind = entry.get("op")
    if kind is None:
        return entry
    kept = {}
    for key, value in entry.items():
        if key in ATTRIBUTES[kind]:
            default = _effective(kind, key, defaults)
            if value is None or (default is not ... and _same(value, default)):
                continue
            if kind == "pool" and key == "stride" and value == entry.get("kernel"):
                continue
        kept[key] = value
    return kept


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # \uXXXX beyond ASCII, as TOML reads it
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML for {value!r}")  # pragma: no cover


def _array(key: str, entries: Sequence[dict[str, Any]]) -> list[str]:
    if not entries:
        return []
    return [f"{key} = [", *(f"  {_toml(e)}," for e in entries), "]"]


def _text(network: Network, fold: bool) -> str:
    x = network.input
    if x.dims or x.flat:
        raise MobicostError(
            f"{network.name}: a spec's input is [channels, height, width]; this model's is {x.text}"
        )
    folding = _Folding(network.layers, fold)
    body, head = folding.run()
    body = [_fill(e, (n.value for n in _nums(e))) for e in body]
    head = [_fill(e, (n.value for n in _nums(e))) for e in head]
    order = [b["name"] for b in folding.blocks.values()]  # defined inner first
    blocks = sorted(folding.blocks.values(), key=lambda b: order.index(b["name"]))
    every = [*body, *head, *(e for b in blocks for e in b["layers"])]
    defaults = _defaults(every)
    body = [_strip(e, defaults) for e in body]
    head = [_strip(e, defaults) for e in head]
    spec = network.spec
    title = spec.title
    if spec.width is not None:
        from ..exact import decimal_text

        title = f"{decimal_text(network.alpha)} {title}"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", network.key).strip("-._") or "model"
    conventions = {
        f: getattr(network.conventions, f)
        for f in Conventions.__dataclass_fields__
        if f != "classes" and getattr(network.conventions, f) != getattr(Conventions(), f)
    }
    lines = [
        f"# Written by mobicost {__version__} from {network.name}: costing this file gives its",
        "# numbers layer by layer (mobicost table THIS.toml). It is fixed at this input and width;",
        "# blocks, written once, are at the end. The format: docs/specs.md.",
        f"name = {_toml(name)}",
        f"title = {_toml(title)}",
    ]
    if spec.source:
        lines.append(f"source = {_toml(spec.source)}")
    if spec.description:
        lines.append(f"description = {_toml(spec.description)}")
    lines += [f"input = {_toml([x.c, x.h, x.w])}", f"classes = {network.conventions.classes}"]
    if spec.notes:
        lines += ["notes = [", *(f"  {_toml(n)}," for n in spec.notes), "]"]
    if spec.head_note:
        lines.append(f"head_note = {_toml(spec.head_note)}")
    if conventions:
        lines.append(f"conventions = {_toml(conventions)}")
    if defaults:
        lines.append(f"defaults = {_toml(defaults)}")
    lines += ["", *_array("layers", body)]
    if head:
        lines += [*_array("head", head)]
    for block in blocks:
        every_source = block["sources"]
        sources = ", ".join(every_source)
        if len(every_source) > 4:
            shown = ", ".join(every_source[:2])
            sources = f"{shown} ... {every_source[-1]} ({len(every_source)} instances)"
        lines += ["", f"[blocks.{block['name']}]  # {sources}"]
        if block["params"]:
            lines.append(f"params = {_toml(block['params'])}")
        lines += _array("layers", [_strip(e, defaults) for e in block["layers"]])
    return "\n".join(lines) + "\n"


def _mismatch(network: Network, text: str) -> str | None:
    """Where the spec ``text`` builds into a network that counts otherwise, the first layer
    that differs, in words; ``None`` where every layer is the same."""
    from .network import build
    from .spec import parse

    try:
        rebuilt = build(parse(text, path="<written>"))
    except MobicostError as error:
        return str(error)
    if rebuilt.conventions != network.conventions:
        return "its conventions"
    if len(rebuilt.layers) != len(network.layers):
        return f"{len(rebuilt.layers)} layers, not {len(network.layers)}"
    for a, b in zip(network.layers, rebuilt.layers, strict=True):
        if (a.cost, a.bn, a.inputs, a.output) != (b.cost, b.bn, b.inputs, b.output):
            return f"layer {a.index} ({a.name}, written {b.name})"
    return None


def to_toml(network: Network, *, fold: bool = True) -> str:
    """``network`` as a spec file (TOML) that builds into the same layers: the same MACs, other
    operations, parameters and shapes, layer by layer. ``fold``: repeated structures as blocks
    (else every layer written out). Checked by building it again; where the folded file would
    not count the same, the layers are written out; where even they would not, a
    :class:`MobicostError` names the layer."""
    if fold:
        text = _text(network, True)
        if _mismatch(network, text) is None:
            return text
    text = _text(network, False)
    problem = _mismatch(network, text)
    if problem is not None:
        raise MobicostError(
            f"{network.name} cannot be written as a spec file that counts the same: {problem}"
        )
    return text
