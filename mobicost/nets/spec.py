"""Spec files: a network written down as TOML, read into a :class:`Spec`, built into a graph.

The format (``docs/specs.md`` describes it with a worked example)::

    name = "mobilenet-v1"                # how the command line names it
    title = "MobileNet"                  # how reports name it
    source = "Howard et al. 2017, Table 1"
    input = [3, 224, 224]                # channels, height, width
    classes = 1000

    [width]                              # it has a width multiplier alpha ...
    rounding = "floor"                   # ... and rounds channels so

    [conventions]                        # how its authors count
    bias = "none"

    [defaults.conv]                      # attributes every conv, dw and pw layer starts from
    bn = true
    act = "relu"

    [blocks.separable]                   # a block, written once
    params = ["c", "s"]
    layers = [
      { op = "dw", kernel = 3, stride = "$s" },
      { op = "pw", filters = "$c" },
    ]

    [[layers]]
    op = "conv"
    filters = 32
    kernel = 3
    stride = 2

    [[layers]]
    block = "separable"                  # one instance per row, as the paper's table
    columns = ["c", "s"]
    rows = [[64, 1], [128, 2]]

    [[head]]                             # the classifier, left out by --no-head
    op = "gap"

    [[head]]
    op = "fc"
    units = "$classes"

Layers refer to earlier layers by name (``input = "a"`` or ``input = ["a", "b"]``); without
``input`` a layer reads the one before it. Numbers may be expressions (:mod:`.expr`) in ``$``
variables: block parameters, option values, ``$classes``, ``$in`` (this layer's input channels),
``$block_in`` (its block's input channels), ``$in_h`` and ``$in_w``. A layer with ``when`` exists
only where its condition holds; where it does not, its name stands for its input.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NoReturn

from ..errors import MobicostError
from ..exact import decimal_text, parse_exact
from . import ops
from .expr import ExpressionError, Number, evaluate, make_divisible
from .expr import variables as variables_of
from .limits import MAX_DEPTH, MAX_LAYERS, MAX_REPEAT, MAX_SIZE
from .ops import Op, Tensor

Rounding = str
#: width rounding policies: how alpha x C becomes a whole number of channels
ROUNDING_NOTES: dict[str, str] = {
    "floor": "int(alpha x C), as the MobileNet paper and Keras",
    "slim": "max(int(alpha x C), 8), as TF-Slim",
    "div8": "nearest multiple of 8, >= 90% of alpha x C, as MobileNet v2/v3 and timm",
}
ROUNDINGS: tuple[str, ...] = tuple(ROUNDING_NOTES)
WIDTH_MODES = ("scale", "up", "fixed")


class SpecError(MobicostError):
    """A spec file that cannot be read; the message names the file, the place and the fix."""


def round_channels(channels: Number, alpha: Fraction, policy: str = "floor") -> int:
    """Channels after the width multiplier.

    * ``floor``: int(alpha x C), as the paper and Keras;
    * ``slim``: max(int(alpha x C), 8), as TF-Slim's ``max(int(d * alpha), 8)``;
    * ``div8``: the nearest multiple of 8, at least 8 and never below 90% of alpha x C, as the
      ``make_divisible`` of MobileNet v2 and timm.

    >>> [round_channels(32, Fraction(1, 4), p) for p in ROUNDINGS]
    [8, 8, 8]
    >>> [round_channels(32, Fraction(7, 20), p) for p in ROUNDINGS]  # alpha C = 11.2
    [11, 11, 16]
    """
    exact = alpha * Fraction(channels)
    if policy == "floor":
        return int(exact)
    if policy == "slim":
        return max(int(exact), 8)
    if policy == "div8":
        return make_divisible(exact, 8)
    raise MobicostError(f"unknown rounding {policy!r}; choose from: {', '.join(ROUNDINGS)}")


# --- the parsed file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """A choice a network offers (ShuffleNet's ``groups``): each value binds some variables."""

    name: str
    default: str
    values: Mapping[str, Mapping[str, Any]]
    help: str = ""


@dataclass(frozen=True)
class Width:
    """How alpha applies: a multiplier with a rounding policy, or a table of published widths
    (ShuffleNet v2's 0.5x to 2x), each binding the variables its channels are written in."""

    rounding: str = "floor"
    values: Mapping[str, Mapping[str, Any]] | None = None
    default: str = "1.0"


@dataclass(frozen=True)
class Spec:
    """A network as its spec file writes it: not yet bound to a width, a resolution or
    conventions. :meth:`build` binds them and returns a costed network."""

    name: str
    title: str
    source: str
    input: tuple[int, int, int]
    classes: int
    layers: tuple[Mapping[str, Any], ...] = field(repr=False)
    head: tuple[Mapping[str, Any], ...] = field(repr=False)
    blocks: Mapping[str, Mapping[str, Any]] = field(repr=False)
    defaults: Mapping[str, Mapping[str, Any]] = field(repr=False)
    conventions: Mapping[str, Any] = field(default_factory=dict)
    width: Width | None = None
    options: Mapping[str, Option] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    description: str = ""
    published: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)
    path: str = ""
    lines: Mapping[str, int] = field(default_factory=dict, repr=False)
    text: str = field(default="", repr=False)
    #: what building its entries needs that no build changes (:class:`_Plan`), by key path
    plans: dict[str, _Plan] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: what :func:`expansion` worked out: the fewest steps of one instance of each block, by name,
    #: and of the whole spec under ``""``
    steps: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def resolution(self) -> int:
        return self.input[1]

    @property
    def default_alpha(self) -> Fraction:
        """The width it is built at unless told: 1, or its ``[width]`` table's default."""
        if self.width is not None and self.width.values is not None:
            return Fraction(self.width.default)
        return Fraction(1)

    def where(self, key: str) -> str:
        """``file:line`` (or ``file``) for a key path such as ``layers[3]``."""
        line = self.lines.get(key) or self.lines.get(key.split("[")[0])
        place = f"{self.path}:{line}" if line else self.path or "<spec>"
        return f"{place}: {key}"


_TOP_KEYS = {
    "name": "the network's command-line name",
    "title": "the name reports print",
    "source": "where the architecture comes from",
    "description": "one line about it",
    "input": "[channels, height, width]",
    "classes": "classifier outputs",
    "notes": "lines printed under its tables",
    "width": "its width multiplier",
    "conventions": "how its authors count",
    "options": "choices such as groups",
    "defaults": "attribute defaults per layer kind",
    "blocks": "blocks written once",
    "layers": "the body",
    "head": "the classifier",
    "published": "published figures",
}


def _line_map(text: str) -> dict[str, int]:
    """Lines of ``[[layers]]``/``[[head]]`` entries and ``[table]`` headers, for messages."""
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    top = True  # before the first [table]: keys there are the file's own
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"\s*\[\[\s*([A-Za-z_.]+)\s*\]\]", line)
        if match:
            key = match.group(1)
            index = counts.get(key, 0)
            counts[key] = index + 1
            lines[f"{key}[{index}]"] = number
            top = False
            continue
        match = re.match(r"\s*\[\s*([A-Za-z0-9_.\"-]+)\s*\]", line)
        if match:
            lines.setdefault(match.group(1).replace('"', ""), number)
            top = False
            continue
        match = re.match(r"\s*([A-Za-z_]+)\s*=", line)
        if match and top:
            lines.setdefault(match.group(1), number)
    return lines


def parse(text: str, path: str = "<spec>") -> Spec:
    """Read a spec from TOML text; every problem is a :class:`SpecError` naming its place."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: not valid TOML: {error}") from None
    except RecursionError:  # arrays or tables nested some thousand deep
        raise SpecError(f"{path}: not valid TOML: arrays or tables nested too deeply") from None
    lines = _line_map(text)

    def fail(key: str, problem: str) -> SpecError:
        line = lines.get(key) or lines.get(key.split("[")[0].split(".")[0])
        return SpecError(
            f"{path}:{line}: {key}: {problem}" if line else f"{path}: {key}: {problem}"
        )

    unknown = sorted(set(data) - set(_TOP_KEYS))
    if unknown:
        raise fail(
            unknown[0],
            f"unknown key; a spec has: {', '.join(_TOP_KEYS)}",
        )
    for required in ("name", "layers", "input"):
        if required not in data:
            raise SpecError(f"{path}: missing {required!r} ({_TOP_KEYS[required]})")

    def text_of(key: str, default: str = "") -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            raise fail(key, f"expected a string, got {value!r}")
        return value

    name = text_of("name")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise fail("name", f"{name!r} is not a name: use letters, digits, '.', '_' and '-'")
    shape = data["input"]
    if (
        not isinstance(shape, list)
        or len(shape) != 3
        or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_SIZE for v in shape
        )
    ):
        raise fail(
            "input",
            f"expected [channels, height, width] of positive integers up to {MAX_SIZE:,} "
            f"(the largest size), got {shape!r}",
        )
    classes = data.get("classes", 1000)
    if not isinstance(classes, int) or isinstance(classes, bool) or not 0 < classes <= MAX_SIZE:
        raise fail(
            "classes",
            f"expected a positive integer up to {MAX_SIZE:,} (the largest size), got {classes!r}",
        )
    notes = data.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise fail("notes", "expected a list of strings")

    width = _width(data.get("width"), fail)
    options = _options(data.get("options", {}), fail)
    conventions = data.get("conventions", {})
    if not isinstance(conventions, dict):
        raise fail("conventions", 'expected a table such as { bias = "fc", bn = "affine" }')
    from ..cost.conventions import Conventions

    try:
        Conventions(**conventions)
    except TypeError:
        allowed = ", ".join(f.name for f in Conventions.__dataclass_fields__.values())
        raise fail("conventions", f"unknown convention; accepted: {allowed}") from None
    except MobicostError as error:
        raise fail("conventions", str(error)) from None

    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict) or not all(isinstance(v, dict) for v in defaults.values()):
        raise fail("defaults", "expected tables per layer kind, such as [defaults.conv]")
    for kind in defaults:
        if kind not in ATTRIBUTES:
            raise fail(f"defaults.{kind}", f"unknown layer kind; kinds: {', '.join(ATTRIBUTES)}")
    blocks = data.get("blocks", {})
    if not isinstance(blocks, dict):
        raise fail("blocks", "expected tables such as [blocks.separable]")
    for block_name, block in blocks.items():
        key = f"blocks.{block_name}"
        if not isinstance(block, dict):
            raise fail(key, "expected a table with params and layers")
        extra = set(block) - {"params", "layers", "repeat", "then", "description"}
        if extra:
            raise fail(
                key,
                f"unknown key {sorted(extra)[0]!r}; a block has: params, layers, "
                "repeat, then, description",
            )
        if not isinstance(block.get("layers"), list) or not block["layers"]:
            raise fail(key, "a block needs a non-empty list of layers")
        params = block.get("params", [])
        if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
            raise fail(key, "params must be a list of names")
        if "repeat" in block and block["repeat"] not in params:
            raise fail(key, f"repeat = {block['repeat']!r} must name one of its params")
        if not isinstance(block.get("then", {}), dict):
            raise fail(key, "then must be a table of params, such as { s = 1 }")

    def entries(key: str) -> tuple[dict[str, Any], ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
            raise fail(key, f"expected [[{key}]] entries")
        return tuple(value)

    published = data.get("published", [])
    if not isinstance(published, list) or not all(isinstance(p, dict) for p in published):
        raise fail("published", "expected [[published]] entries")

    spec = Spec(
        name=name,
        title=text_of("title", name),
        source=text_of("source"),
        description=text_of("description"),
        input=(shape[0], shape[1], shape[2]),
        classes=classes,
        layers=entries("layers"),
        head=entries("head"),
        blocks=blocks,
        defaults=defaults,
        conventions=conventions,
        width=width,
        options=options,
        notes=tuple(notes),
        published=tuple(published),
        path=path,
        lines=lines,
        text=text,
    )
    if not spec.layers:
        raise fail("layers", "a network needs at least one layer")
    expansion(spec)  # cycles, nesting and size: refused here, before anything is built
    return spec


def _width(value: Any, fail: Callable[[str, str], SpecError]) -> Width | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise fail("width", 'expected a table: rounding = "floor", or values = {...}')
    extra = set(value) - {"rounding", "values", "default"}
    if extra:
        raise fail(
            "width", f"unknown key {sorted(extra)[0]!r}; width has rounding, values, default"
        )
    rounding = value.get("rounding", "floor")
    if rounding not in ROUNDINGS:
        raise fail("width", f"unknown rounding {rounding!r}; choose from: {', '.join(ROUNDINGS)}")
    values = value.get("values")
    if values is not None:
        if not isinstance(values, dict) or not values:
            raise fail("width", "values must map each published width to its variables")
        for key, bindings in values.items():
            try:
                parse_exact(key)
            except ValueError:
                raise fail("width", f'width {key!r} is not a number such as "0.5"') from None
            if not isinstance(bindings, dict):
                raise fail("width", f"width {key!r} must bind variables, e.g. {{ c = 116 }}")
        canonical = {decimal_text(parse_exact(k)): v for k, v in values.items()}
        default = decimal_text(parse_exact(str(value.get("default", "1.0"))))
        if default not in canonical:
            raise fail("width", f"default width {default} is not among {', '.join(canonical)}")
        return Width(rounding, canonical, default)
    return Width(rounding)


def _options(value: Any, fail: Callable[[str, str], SpecError]) -> dict[str, Option]:
    if not isinstance(value, dict):
        raise fail("options", "expected tables such as [options.groups]")
    options = {}
    for name, option in value.items():
        key = f"options.{name}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name in _RESERVED_OPTIONS:
            raise fail(key, f"{name!r} cannot name an option")
        if not isinstance(option, dict) or not isinstance(option.get("values"), dict):
            raise fail(key, 'an option needs values = { "VALUE" = { variable = ... }, ... }')
        values = {str(k): v for k, v in option["values"].items()}
        if not all(isinstance(v, dict) for v in values.values()):
            raise fail(key, "each option value must bind variables, e.g. { c = 240 }")
        default = str(option.get("default", next(iter(values))))
        if default not in values:
            raise fail(key, f"default {default!r} is not one of {', '.join(values)}")
        options[name] = Option(name, default, values, str(option.get("help", "")))
    return options


_RESERVED_OPTIONS = {
    "alpha", "res", "rho", "rounding", "unit", "bias", "bn", "classes", "head", "format",
    "output", "in", "block_in", "in_h", "in_w",
}  # fmt: skip


# --- limits ---------------------------------------------------------------------------------------


def expansion(spec: Spec) -> Mapping[str, int]:
    """Check, before anything is built, that expanding ``spec`` stays within :mod:`.limits`: no
    block contains itself, directly or through others; blocks nest at most :data:`MAX_DEPTH`
    deep; no repeat written as a number exceeds :data:`MAX_REPEAT`; and the layers and block
    instances it writes out, repeats multiplied through the nesting, are at most
    :data:`MAX_LAYERS`. Returns the fewest expansion steps one instance of each block takes (by
    block name; the whole spec, head included, under ``""``), counting a repeat written as an
    expression as none: the builder checks those when it has worked them out.

    >>> from mobicost.nets.library import load
    >>> steps = expansion(load("mobilenet-v2"))
    >>> steps["bottleneck"], steps[""]  # an instance and its 4 layers; 1 + 17 x 5 + 1 + 3
    (5, 90)
    """
    if "" in spec.steps:
        return spec.steps
    steps: dict[str, int] = {}
    chains: dict[str, tuple[str, ...]] = {}  # each block's deepest nesting, itself first
    path: list[str] = []

    def least(raw: Any, place: str, what: str) -> int:
        if type(raw) is not int:
            return 0  # an expression: the builder counts it when it has its value
        if raw > MAX_REPEAT:
            raise SpecError(
                f"{spec.where(place)}: {what} = {raw:,}; a spec may repeat an entry at most "
                f"{MAX_REPEAT:,} times"
            )
        return max(raw, 0)

    def block(name: str) -> int:
        if name in steps:
            return steps[name]
        if name in path:
            cycle = " -> ".join([*path[path.index(name) :], name])
            raise SpecError(
                f"{spec.where(f'blocks.{name}')}: block {name!r} contains itself ({cycle}); "
                "a block cannot instantiate itself, directly or through other blocks"
            )
        path.append(name)
        if len(path) > MAX_DEPTH:
            too_deep(path)
        inner = entries(spec.blocks[name]["layers"], f"blocks.{name}.layers", name)
        path.pop()
        if len(chains[name]) > MAX_DEPTH:
            too_deep(chains[name])
        steps[name] = 1 + inner
        return steps[name]

    def too_deep(chain: Sequence[str]) -> NoReturn:
        raise SpecError(
            f"{spec.where(f'blocks.{chain[0]}')}: blocks nest {len(chain)} deep "
            f"({' -> '.join(chain)}); a spec may nest blocks at most {MAX_DEPTH} deep"
        )

    def entries(items: Sequence[Any], key: str, owner: str | None) -> int:
        total = 0
        if owner is not None:
            chains[owner] = (owner,)
        for index, entry in enumerate(items):
            if not isinstance(entry, dict):
                continue  # the builder says what is wrong with it
            place = f"{key}[{index}]"
            if "block" not in entry:
                total += least(entry.get("repeat", 1), place, "repeat")
                continue
            name = entry["block"]
            if not isinstance(name, str):
                raise SpecError(f"{spec.where(place)}: block = {name!r} is not a block's name")
            if name not in spec.blocks:
                continue  # the builder names the blocks there are
            size = block(name)
            if owner is not None and len(chains[name]) + 1 > len(chains[owner]):
                chains[owner] = (owner, *chains[name])
            repeat = spec.blocks[name].get("repeat")
            total += size * sum(
                least(row[repeat], place, repeat)
                if repeat is not None and repeat in row
                else least(entry.get("repeat", 1), place, "repeat")
                for row in _rows(entry, spec.blocks[name].get("params", []))
            )
        return total

    total = 0
    for key, items in (("layers", spec.layers), ("head", spec.head)):
        for index in range(len(items)):
            total += entries(items[index : index + 1], key, None)
            if total > MAX_LAYERS:
                raise SpecError(
                    f"{spec.where(f'{key}[{index}]')}: the spec writes out {_many(total)} layers "
                    f"and block instances by this entry; a spec may write out at most "
                    f"{MAX_LAYERS:,}"
                )
    for name in spec.blocks:  # those no entry uses too: a cycle is a mistake wherever it is
        block(name)
    spec.steps.update(steps)
    spec.steps[""] = total
    return spec.steps


def _many(count: int) -> str:
    """A count for a message, however large: ``120,000``, or ``more than 10^15``."""
    return f"{count:,}" if count < 10**15 else "more than 10^15"


def _rows(entry: Mapping[str, Any], params: Sequence[str]) -> list[dict[str, Any]]:
    """The params of each instance row of a block entry, as far as they can be read (the
    builder checks them): ``with``, then each row of ``rows`` by ``columns``."""
    base = entry.get("with", {})
    base = base if isinstance(base, dict) else {}
    if "rows" not in entry:
        return [dict(base)]
    rows, columns = entry["rows"], entry.get("columns", params)
    if not isinstance(rows, list) or not isinstance(columns, list):
        return []
    if not all(isinstance(column, str) for column in columns):
        return []
    return [
        {**base, **dict(zip(columns, row, strict=True))}
        for row in rows
        if isinstance(row, list) and len(row) == len(columns)
    ]


# --- layer attributes -----------------------------------------------------------------------------

#: per layer kind as spec files write it: attribute -> (parser, default); ``...`` = required
ATTRIBUTES: dict[str, dict[str, tuple[str, Any]]] = {
    "conv": {
        "filters": ("count", ...),
        "kernel": ("pair", ...),
        "stride": ("pair", 1),
        "padding": ("padding", "same"),
        "dilation": ("pair", 1),
        "groups": ("count", 1),
        "bn": ("bool", False),
        "act": ("act", None),
        "width": ("width", "scale"),
    },
    "dw": {
        "kernel": ("pair", 3),
        "stride": ("pair", 1),
        "padding": ("padding", "same"),
        "dilation": ("pair", 1),
        "multiplier": ("count", 1),
        "bn": ("bool", False),
        "act": ("act", None),
    },
    "pw": {
        "filters": ("count", ...),
        "groups": ("count", 1),
        "bn": ("bool", False),
        "act": ("act", None),
        "width": ("width", "scale"),
    },
    "fc": {
        "units": ("count", ...),
        "bn": ("bool", False),
        "act": ("act", None),
        "width": ("width", "fixed"),
    },
    "pool": {
        "mode": ("mode", ...),
        "kernel": ("pair", None),
        "stride": ("pair", None),
        "padding": ("padding", 0),
        "ceil_mode": ("bool", False),
        "output": ("pair", None),
    },
    "gap": {"mode": ("mode", "avg")},
    "add": {"act": ("act", None)},
    "concat": {},
    "shuffle": {"groups": ("count", ...)},
    "split": {"parts": ("count", 2), "index": ("index", ...)},
    "se": {
        "squeeze": ("count", ...),
        "act": ("act", "relu"),
        "gate": ("gate", "hsigmoid"),
    },
    "act": {"fn": ("act", ...)},
    "bn": {},
    "flatten": {},
    "dropout": {"p": ("number", "0.5")},
}
#: the words a block param may carry, for attributes that take words
_WORDS = frozenset({"none", *ops.ACTIVATIONS, *ops.GATES, "max", "avg"})
_ENTRY_KEYS = {"op", "block", "name", "input", "when", "repeat", "with", "columns", "rows", "then"}
_ACCEPTED = {
    "count": 'a positive whole number or an expression such as "$c * 4"',
    "index": "a whole number from 0, or an expression",
    "pair": "a positive whole number, [height, width], or an expression",
    "padding": '"same", "valid", a whole number, [h, w] or [top, bottom, left, right]',
    "bool": "true or false",
    "act": "none or one of " + ", ".join(ops.ACTIVATIONS),
    "gate": "one of " + ", ".join(ops.GATES),
    "mode": '"max" or "avg"',
    "width": "one of " + ", ".join(WIDTH_MODES),
    "number": "a number such as 0.2",
}


#: an attribute whose value each build works out (an expression, a block param's word)
_VARIES: Any = object()


def _constant(parser: str, raw: Any) -> bool:
    """Whether an attribute written as ``raw`` parses the same in every build: it holds no
    expression and names no block param."""
    if parser == "number":
        return True
    if parser in ("act", "gate", "mode", "width"):
        return not (isinstance(raw, str) and raw.startswith("$"))
    if parser == "padding" and raw in ("same", "valid"):
        return True
    items = raw if isinstance(raw, list) else [raw]
    return not any(isinstance(item, str) for item in items)


@dataclass(frozen=True)
class _Plan:
    """What building one entry needs that no width, resolution, option or variable changes,
    worked out on its first build and kept on the spec (:attr:`Spec.plans`)."""

    where: str  #: ``file:line: key``
    kind: str | None = None  #: the layer kind; None for a block entry
    named: bool = True  #: its name, if it has one, is a valid name
    #: (attribute, as written after the defaults, parsed value or ``_VARIES``), in order
    attributes: tuple[tuple[str, Any, Any], ...] = ()


# --- building -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """One layer of a built graph: its name, its kind with attributes, its inputs by name."""

    name: str
    op: Op
    inputs: tuple[str, ...]
    head: bool = False
    origin: str = ""  #: ``file:line: key`` where the spec wrote it


@dataclass(frozen=True)
class Graph:
    """A built network: nodes in execution order, each with its inferred output shape."""

    input: Tensor
    nodes: tuple[Node, ...]
    shapes: Mapping[str, Tensor] = field(repr=False)

    def inputs_of(self, node: Node) -> tuple[Tensor, ...]:
        return tuple(self.shapes[name] for name in node.inputs)


INPUT = "input"


class _Builder:
    """Expands a spec's entries into nodes, inferring each node's shape as it is added, by the
    :meth:`~mobicost.nets.ops.Op.infer` of its kind (the one place shapes are inferred)."""

    def __init__(
        self,
        spec: Spec,
        alpha: Fraction,
        resolution: int | None,
        rounding: str,
        bindings: Mapping[str, Number],
        classes: int,
    ) -> None:
        self.spec = spec
        self.alpha = alpha
        self.rounding = rounding
        self.bindings = dict(bindings)
        self.classes = classes
        c, h, w = spec.input
        if resolution is not None:
            if resolution > MAX_SIZE:
                raise MobicostError(
                    f"resolution {resolution:,} is above the largest size, {MAX_SIZE:,}"
                )
            h = w = resolution
        if classes > MAX_SIZE:
            raise MobicostError(f"classes {classes:,} is above the largest size, {MAX_SIZE:,}")
        #: the fewest expansion steps of one instance of each block (:func:`expansion`)
        self.least = expansion(spec)
        self.steps = 0  #: layers and block instances written out so far
        self.input = Tensor(c, h, w)
        self.shapes: dict[str, Tensor] = {INPUT: self.input}
        self.nodes: list[Node] = []
        self.aliases: dict[str, str] = {}  #: block instances and skipped layers -> a node
        self.counters: dict[str, int] = {}
        self.blocks: list[str] = []  #: the prefixes of the block instances being expanded
        self.previous = INPUT

    def graph(self) -> Graph:
        return Graph(self.input, tuple(self.nodes), dict(self.shapes))

    def step(self, count: int, where: str) -> None:
        """Count ``count`` more layers or block instances written out, within the limit."""
        if self.steps + count > MAX_LAYERS:
            raise SpecError(
                f"{where}: the spec writes out more than {MAX_LAYERS:,} layers and block "
                f"instances here; a spec may write out at most {MAX_LAYERS:,}"
            )
        self.steps += count

    # names

    def fresh(self, stem: str) -> str:
        """A new unique name: ``conv1``, ``conv2``... (``stage.1`` where the stem ends in a
        digit), inside the current block instance."""
        scoped = ".".join([*self.blocks, stem])
        count = self.counters.get(scoped, 0) + 1
        self.counters[scoped] = count
        separator = "." if stem[-1:].isdigit() else ""
        return f"{scoped}{separator}{count}"

    def resolve(self, name: str, scope: Mapping[str, str], where: str) -> str:
        target = scope.get(name, name)
        while target in self.aliases:
            target = self.aliases[target]
        if target not in self.shapes:
            nearby = [*(k for k in scope if k != "in"), *(n.name for n in self.nodes[-6:])]
            raise SpecError(
                f"{where}: input {name!r} names no earlier layer"
                + (f" (nearby: {', '.join(nearby)})" if nearby else "")
            )
        return target

    # values

    def width(self, value: Number) -> int:
        """``width(C)``: C channels under the width multiplier and the rounding policy."""
        if self.spec.width is None or self.spec.width.values is not None:
            if Fraction(value).denominator != 1:
                raise ExpressionError(f"{value} channels is not a whole number")
            return int(value)
        return round_channels(value, self.alpha, self.rounding)

    def value(self, raw: Any, variables: Mapping[str, Number], where: str, what: str) -> Number:
        if isinstance(raw, bool):
            raise SpecError(f"{where}: {what} must be a number, got {raw!r}")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str):
            try:
                return evaluate(raw, variables, {"width": self.width})
            except ExpressionError as error:
                raise SpecError(f"{where}: {what}: {error}") from None
        raise SpecError(f"{where}: {what} must be a number or an expression, got {raw!r}")

    def param(self, raw: Any, variables: Mapping[str, Any], where: str, what: str) -> Any:
        """A block param: a number or an expression, or a word such as "hswish" for the
        attributes that take words (``act = "$nl"``)."""
        if isinstance(raw, str) and raw in _WORDS:
            return raw
        return self.value(raw, variables, where, what)

    def whole(
        self,
        raw: Any,
        variables: Mapping[str, Number],
        where: str,
        what: str,
        least: int,
        most: int = MAX_SIZE,
    ) -> int:
        """A whole number from ``least`` to ``most``: a size (at most :data:`MAX_SIZE`) or
        a repeat count (at most :data:`MAX_REPEAT`)."""
        number = raw if type(raw) is int else self.value(raw, variables, where, what)
        if type(number) is int and least <= number <= most:
            return number
        if isinstance(number, bool) or Fraction(number).denominator != 1 or number < least:
            kind = "a positive whole number" if least else "a whole number >= 0"
            shown = ";" if number == raw else f" is {number};"
            raise SpecError(f"{where}: {what} = {raw!r}{shown} it must be {kind}")
        if number > most:
            limit = (
                f"a spec may repeat an entry at most {MAX_REPEAT:,} times"
                if most == MAX_REPEAT
                else f"the largest size is {MAX_SIZE:,} (2^24)"
            )
            shown = ";" if number == raw else f" is {_many(int(number))};"
            raise SpecError(f"{where}: {what} = {raw!r}{shown} {limit}")
        return int(number)

    def attribute(
        self, kind: str, key: str, raw: Any, variables: Mapping[str, Number], where: str
    ) -> Any:
        """One attribute, parsed and checked by its parser (:data:`ATTRIBUTES`)."""
        parser = ATTRIBUTES[kind][key][0]
        bad = SpecError(f"{where}: {key} = {raw!r} is not {_ACCEPTED[parser]}")
        if parser == "count":
            return self.whole(raw, variables, where, key, 1)
        if parser == "index":
            return self.whole(raw, variables, where, key, 0)
        if parser == "pair":
            items = raw if isinstance(raw, list) else [raw, raw]
            if len(items) != 2:
                raise bad
            return tuple(self.whole(item, variables, where, key, 1) for item in items)
        if parser == "padding":
            if raw == "same":
                return "same"
            if raw == "valid":
                return (0, 0, 0, 0)
            items = raw if isinstance(raw, list) else [raw]
            if len(items) not in (1, 2, 4):
                raise bad
            numbers = [self.whole(item, variables, where, key, 0) for item in items]
            if len(numbers) == 1:
                return (numbers[0],) * 4
            if len(numbers) == 2:
                return (numbers[0], numbers[0], numbers[1], numbers[1])
            return tuple(numbers)
        if parser == "bool":
            if isinstance(raw, str):
                raw = self.value(raw, variables, where, key)
            if not isinstance(raw, bool):
                raise bad
            return raw
        if parser == "number":
            try:
                parse_exact(str(raw))
            except ValueError:
                raise bad from None
            return str(raw)
        if isinstance(raw, str) and raw.startswith("$") and isinstance(variables.get(raw[1:]), str):
            raw = variables[raw[1:]]  # a word bound by a block param: act = "$nl"
        choices = {
            "act": (None, "none", *ops.ACTIVATIONS),
            "gate": ops.GATES,
            "mode": ("max", "avg"),
            "width": WIDTH_MODES,
        }[parser]
        if raw not in choices:
            raise bad
        return None if raw == "none" else raw

    # expansion

    def entries(self, entries: Sequence[Mapping[str, Any]], key: str, head: bool) -> None:
        for index, entry in enumerate(entries):
            self.entry(entry, f"{key}[{index}]", {}, {}, head, None)

    def entry(
        self,
        entry: Mapping[str, Any],
        key: str,
        scope: dict[str, str],
        variables: Mapping[str, Number],
        head: bool,
        block_in: str | None,
    ) -> None:
        plan = self.spec.plans.get(key)
        if plan is None:
            plan = self.spec.plans[key] = self.plan(entry, key)
        if plan.kind is None:
            self.block_entry(entry, key, scope, variables, head, block_in)
            return
        count = self.repeats(entry, variables, plan.where)
        self.step(count, plan.where)
        for _ in range(count):
            self.layer(entry, plan, scope, variables, head, block_in)

    def plan(self, entry: Mapping[str, Any], key: str) -> _Plan:
        """Check an entry and work out what no build changes: its place, its attributes
        merged with the defaults, and those written as constants parsed (an attribute that
        fails to parse is left to each build, which then fails in its place)."""
        where = self.spec.where(key)
        if ("op" in entry) == ("block" in entry):
            raise SpecError(f"{where}: an entry has either op = KIND or block = NAME")
        if "block" in entry:
            return _Plan(where)
        kind = entry["op"]
        if kind not in ATTRIBUTES:
            raise SpecError(f"{where}: unknown op {kind!r}; kinds: {', '.join(ATTRIBUTES)}")
        extra = set(entry) - {"op", "name", "input", "when", "repeat"} - set(ATTRIBUTES[kind])
        if extra:
            raise SpecError(
                f"{where}: {kind} has no attribute {sorted(extra)[0]!r}; it takes: "
                + ", ".join(sorted(ATTRIBUTES[kind]) or ["nothing"])
                + "; any layer takes: name, input, when, repeat"
            )
        attributes: dict[str, Any] = {}
        for source in (
            self.spec.defaults.get("conv", {}) if kind in ("dw", "pw") else {},
            self.spec.defaults.get(kind, {}),
            entry,
        ):
            attributes.update({k: v for k, v in source.items() if k in ATTRIBUTES[kind]})
        parsed = []
        for attr, (parser, default) in ATTRIBUTES[kind].items():
            raw = attributes.get(attr, default)
            value: Any = _VARIES
            if raw is None:
                value = None
            elif raw is not ... and _constant(parser, raw):
                with contextlib.suppress(MobicostError):
                    value = self.attribute(kind, attr, raw, {}, where)
            parsed.append((attr, raw, value))
        local = entry.get("name")
        named = local is None or (
            isinstance(local, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", local) is not None
        )
        return _Plan(where, kind, named, tuple(parsed))

    def repeats(self, entry: Mapping[str, Any], variables: Mapping[str, Number], where: str) -> int:
        if "repeat" not in entry:
            return 1
        return self.whole(
            entry["repeat"], {**self.bindings, **variables}, where, "repeat", 0, MAX_REPEAT
        )

    def block_entry(
        self,
        entry: Mapping[str, Any],
        key: str,
        scope: dict[str, str],
        variables: Mapping[str, Number],
        head: bool,
        block_in: str | None,
    ) -> None:
        where = self.spec.where(key)
        name = entry["block"]
        block = self.spec.blocks.get(name)
        if block is None:
            known = ", ".join(self.spec.blocks) or "none"
            raise SpecError(f"{where}: unknown block {name!r}; blocks: {known}")
        extra = set(entry) - _ENTRY_KEYS
        if extra:
            raise SpecError(
                f"{where}: a block entry has no key {sorted(extra)[0]!r}; it takes: "
                "block, name, input, when, repeat, with, columns, rows, then"
            )
        params = list(block.get("params", []))
        base = entry.get("with", {})
        if not isinstance(base, dict):
            raise SpecError(f"{where}: with must be a table of block params, got {base!r}")
        rows: list[dict[str, Any]] = []
        if "rows" in entry:
            columns = entry.get("columns", params)
            if (
                not isinstance(entry["rows"], list)
                or not isinstance(columns, list)
                or not all(isinstance(column, str) for column in columns)
            ):
                raise SpecError(f"{where}: rows must be a list of rows, columns a list of names")
            for number, row in enumerate(entry["rows"], 1):
                if not isinstance(row, list) or len(row) != len(columns):
                    raise SpecError(
                        f"{where}: row {number} is {row!r}; expected {len(columns)} values "
                        f"({', '.join(columns)})"
                    )
                rows.append({**base, **dict(zip(columns, row, strict=True))})
        else:
            rows.append(dict(base))
        repeat_key = block.get("repeat")
        if repeat_key is not None and "repeat" in entry:
            raise SpecError(f"{where}: block {name!r} repeats by its param {repeat_key!r}")
        if not isinstance(entry.get("then", {}), dict):
            raise SpecError(f"{where}: then must be a table of block params, such as {{ s = 1 }}")
        local = entry.get("name")
        if local is not None and not (
            isinstance(local, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", local)
        ):
            raise SpecError(f"{where}: name {local!r} is not a name (letters, digits, _ and -)")
        then = {**block.get("then", {}), **entry.get("then", {})}
        outer = {**self.bindings, **variables}
        instances = []
        for row in rows:
            missing = [p for p in params if p not in row]
            unknown = [p for p in row if p not in params]
            if missing or unknown:
                problem = f"missing {missing[0]}" if missing else f"no param {unknown[0]}"
                raise SpecError(
                    f"{where}: block {name!r} takes params {', '.join(params) or 'none'}; {problem}"
                )
            bound = {p: self.param(v, outer, where, p) for p, v in row.items()}
            count = (
                self.whole(bound[repeat_key], {}, where, repeat_key, 0, MAX_REPEAT)
                if repeat_key is not None
                else self.repeats(entry, variables, where)
            )
            instances.append((bound, count))
        least = sum(count for _, count in instances) * self.least[name]
        if self.steps + least > MAX_LAYERS:  # refused before building any of them
            raise SpecError(
                f"{where}: the spec writes out {_many(self.steps + least)} layers and block "
                f"instances by this entry; a spec may write out at most {MAX_LAYERS:,}"
            )
        for bound, count in instances:
            for k in range(count):
                now = dict(bound)
                if k > 0:
                    now.update(
                        {p: self.value(v, {**outer, **bound}, where, p) for p, v in then.items()}
                    )
                single = len(rows) == 1 and count == 1
                self.instance(
                    name, block, entry, key, scope, {**variables, **now}, head, block_in, single
                )

    def instance(
        self,
        name: str,
        block: Mapping[str, Any],
        entry: Mapping[str, Any],
        key: str,
        outer: Mapping[str, str],
        variables: Mapping[str, Number],
        head: bool,
        outer_block_in: str | None,
        single: bool = False,
    ) -> None:
        where = self.spec.where(key)
        self.step(1, where)
        start = self.inputs(entry, outer, where)[0]
        if "when" in entry and not self.condition(
            entry["when"], variables, start, outer_block_in, where
        ):
            self.step(self.least[name] - 1, where)  # its layers count as written out
            return
        if single and "name" in entry:  # one named instance keeps its name
            prefix = ".".join([*self.blocks, entry["name"]])
            if prefix in self.shapes or prefix in self.aliases:
                raise SpecError(f"{where}: a layer named {prefix!r} already exists")
        else:
            prefix = self.fresh(entry.get("name", name))
        self.blocks.append(prefix.rsplit(".", 1)[-1] if self.blocks else prefix)
        scope = {"in": start}
        self.previous = start
        try:
            for index, layer in enumerate(block["layers"]):
                if not isinstance(layer, dict):
                    raise SpecError(f"{self.spec.where(f'blocks.{name}')}: layers must be tables")
                self.entry(layer, f"blocks.{name}.layers[{index}]", scope, variables, head, start)
        finally:
            self.blocks.pop()
        self.aliases[prefix] = self.previous

    def inputs(self, entry: Mapping[str, Any], scope: Mapping[str, str], where: str) -> list[str]:
        raw = entry.get("input")
        if raw is None:
            return [self.previous]
        names = raw if isinstance(raw, list) else [raw]
        if not names or not all(isinstance(n, str) for n in names):
            raise SpecError(f"{where}: input must be a layer name or a list of names, got {raw!r}")
        return [self.resolve(n, scope, where) for n in names]

    def variables(
        self, variables: Mapping[str, Number], first: str, block_in: str | None
    ) -> dict[str, Number]:
        x = self.shapes[first]
        return {
            **self.bindings,
            "classes": self.classes,
            **variables,
            "in": x.c,
            "in_h": x.h,
            "in_w": x.w,
            "block_in": self.shapes[block_in].c if block_in else x.c,
        }

    def condition(
        self,
        raw: Any,
        variables: Mapping[str, Number],
        first: str,
        block_in: str | None,
        where: str,
    ) -> bool:
        if isinstance(raw, bool):
            return raw
        return bool(self.value(raw, self.variables(variables, first, block_in), where, "when"))

    def layer(
        self,
        entry: Mapping[str, Any],
        plan: _Plan,
        scope: dict[str, str],
        variables: Mapping[str, Number],
        head: bool,
        block_in: str | None,
    ) -> None:
        where = plan.where
        kind = entry["op"]
        inputs = self.inputs(entry, scope, where)
        local = entry.get("name")
        if not plan.named:
            raise SpecError(f"{where}: name {local!r} is not a name (letters, digits, _ and -)")
        if local in ("in", INPUT):
            raise SpecError(f"{where}: {local!r} is reserved for the block's or network's input")
        if "when" in entry and not self.condition(
            entry["when"], variables, inputs[0], block_in, where
        ):
            if local is not None:  # a layer that is not there stands for its input
                scope[local] = inputs[0]
            self.previous = inputs[0]
            return
        bound = None
        values: dict[str, Any] = {}
        for attr, raw, value in plan.attributes:
            if value is not _VARIES:
                values[attr] = value
                continue
            if raw is ...:
                parser = ATTRIBUTES[kind][attr][0]
                raise SpecError(f"{where}: {kind} needs {attr} ({_ACCEPTED[parser]})")
            if bound is None:
                bound = self.variables(variables, inputs[0], block_in)
            values[attr] = self.attribute(kind, attr, raw, bound, where)
        if local is None or self.blocks:
            full = self.fresh(local or kind) if local is None else ".".join([*self.blocks, local])
        else:
            full = local
        if full in self.shapes or full in self.aliases:
            raise SpecError(f"{where}: a layer named {full!r} already exists; names are unique")
        shapes = tuple(self.shapes[i] for i in inputs)
        try:
            op = self.make(kind, values, shapes[0], where)
            out = op.infer(shapes)
        except SpecError:
            raise
        except MobicostError as error:
            raise SpecError(f"{where} ({kind} {full!r}): {error}") from None
        if max(out.c, out.h, out.w) > MAX_SIZE:
            raise SpecError(
                f"{where} ({kind} {full!r}): its output {out.text} is above the largest size, "
                f"{MAX_SIZE:,} (2^24) channels, rows or columns"
            )
        self.nodes.append(Node(full, op, tuple(inputs), head, where))
        self.shapes[full] = out
        if local is not None:
            scope[local] = full
        self.previous = full

    def make(self, kind: str, v: Mapping[str, Any], x: Tensor, where: str) -> Op:
        """The :class:`Op` of a layer from its parsed attributes (widths applied here)."""
        if kind in ("conv", "pw", "fc"):
            size = v["units"] if kind == "fc" else v["filters"]
            if v["width"] == "scale" or (v["width"] == "up" and self.alpha > 1):
                size = self.width(size)
            if size < 1:
                raise SpecError(
                    f"{where}: alpha {decimal_text(self.alpha)} leaves a "
                    f"{v['units'] if kind == 'fc' else v['filters']}-filter layer with no "
                    f"channels under '{self.rounding}' rounding; use a larger alpha or "
                    "--rounding slim"
                )
            if kind == "fc":
                return ops.Linear(size, v["bn"], v["act"])
            if kind == "pw":
                return ops.Conv(
                    size, (1, 1), padding=(0, 0, 0, 0), groups=v["groups"], bn=v["bn"], act=v["act"]
                )
            return ops.Conv(
                size,
                v["kernel"],
                v["stride"],
                v["padding"],
                v["dilation"],
                v["groups"],
                v["bn"],
                v["act"],
            )
        if kind == "dw":
            return ops.Conv(
                x.c * v["multiplier"],
                v["kernel"],
                v["stride"],
                v["padding"],
                v["dilation"],
                x.c,
                v["bn"],
                v["act"],
            )
        if kind == "pool":
            if (v["kernel"] is None) == (v["output"] is None):
                raise SpecError(f"{where}: pool needs a kernel, or an output size (adaptive)")
            kernel = v["kernel"] or (1, 1)
            return ops.Pool(
                v["mode"], kernel, v["stride"] or kernel, v["padding"], v["ceil_mode"], v["output"]
            )
        simple: dict[str, Callable[[], Op]] = {
            "gap": lambda: ops.GlobalPool(v["mode"]),
            "add": lambda: ops.Add(v["act"]),
            "concat": ops.Concat,
            "shuffle": lambda: ops.Shuffle(v["groups"]),
            "split": lambda: ops.Split(v["parts"], v["index"]),
            "se": lambda: ops.SqueezeExcite(v["squeeze"], v["act"], v["gate"]),
            "act": lambda: ops.Activation(v["fn"]),
            "bn": ops.BatchNorm,
            "flatten": ops.Flatten,
            "dropout": lambda: ops.Dropout(v["p"]),
        }
        return simple[kind]()


def build_graph(
    spec: Spec,
    *,
    alpha: Fraction = Fraction(1),
    resolution: int | None = None,
    rounding: str | None = None,
    options: Mapping[str, str] | None = None,
    head: bool = True,
    classes: int | None = None,
) -> Graph:
    """Expand ``spec`` at width ``alpha`` on a ``resolution`` input into a :class:`Graph`."""
    bindings: dict[str, Number] = {}
    chosen = dict(options or {})
    for name in chosen:
        if name not in spec.options:
            offered = ", ".join(f"--{o}" for o in spec.options) or "none"
            raise MobicostError(f"{spec.name} has no option --{name}; its options: {offered}")
    for name, option in spec.options.items():
        value = str(chosen.get(name, option.default))
        if value not in option.values:
            raise MobicostError(
                f"{spec.name} --{name} {value} is not offered; choose from: "
                + ", ".join(option.values)
            )
        bindings.update(_bindings(spec, f"options.{name}", option.values[value]))
        with contextlib.suppress(ValueError):  # a number is a variable too: $groups
            bindings[name] = _number(value)
    width = spec.width
    if width is None:
        if alpha != 1:
            raise MobicostError(
                f"{spec.title} has no width multiplier: alpha must be 1 (its spec has no [width])"
            )
    elif width.values is not None:
        key = decimal_text(alpha)
        if key not in width.values:
            raise MobicostError(
                f"{spec.title} is published at widths {', '.join(width.values)} only; "
                f"alpha {key} is not one of them"
            )
        bindings.update(_bindings(spec, "width", width.values[key]))
    builder = _Builder(
        spec,
        alpha,
        resolution,
        rounding or (width.rounding if width else "floor"),
        bindings,
        spec.classes if classes is None else classes,
    )
    builder.entries(spec.layers, "layers", head=False)
    if head:
        builder.entries(spec.head, "head", head=True)
    return builder.graph()


#: the variables that read a tensor's height and width
SIZE_VARIABLES = frozenset({"in_h", "in_w"})


def reads_size(spec: Spec) -> bool:
    """Whether any expression in ``spec``'s layers, head, blocks or defaults reads a spatial size
    (``$in_h``, ``$in_w``). Where none does, the builder reads the resolution nowhere but in
    shape inference, so a node's attributes depend on it only through its inputs' channels.

    >>> from mobicost.nets.library import load
    >>> reads_size(load("mobilenet-v1"))
    False
    """

    def strings(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, Mapping):
            for key, item in value.items():
                yield from strings(key)
                yield from strings(item)
        elif isinstance(value, list | tuple):
            for item in value:
                yield from strings(item)

    sources = (spec.layers, spec.head, spec.blocks, spec.defaults)
    return any(variables_of(text) & SIZE_VARIABLES for text in strings(sources))


def typed(value: str) -> int | str:
    """An option value as an export carries it: a whole number as a number, else the word
    (``"8"`` -> 8, ``"3x3"`` stays), so that CSV readers and frames agree on its type."""
    return int(value) if value.isascii() and value.isdigit() else value


def _number(text: str) -> Number:
    value = parse_exact(text)
    return value.numerator if value.denominator == 1 else value


def _bindings(spec: Spec, key: str, raw: Mapping[str, Any]) -> dict[str, Number]:
    bound: dict[str, Number] = {}
    for name, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise SpecError(f"{spec.where(key)}: {name} = {value!r} must be a number")
        if isinstance(value, int):
            bound[name] = value
            continue
        try:
            bound[name] = _number(value)
        except ValueError:
            raise SpecError(f"{spec.where(key)}: {name} = {value!r} is not a number") from None
    return bound
