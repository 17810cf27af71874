"""Reading a spec file: TOML text into a :class:`~.model.Spec`, every problem a
:class:`~.model.SpecError` naming the file, the line, the key and what is accepted."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

from ...errors import MobicostError
from ...exact import decimal_text, parse_exact
from ..limits import MAX_SIZE
from .blocks import expansion
from .layers import ATTRIBUTES
from .model import ROUNDINGS, Option, Spec, SpecError, Width

_TOP_KEYS = {
    "name": "the network's command-line name",
    "title": "the name reports print",
    "source": "where the architecture comes from",
    "description": "one line about it",
    "input": "[channels, height, width]",
    "classes": "classifier outputs",
    "notes": "lines printed under its tables",
    "head_note": "its head in words, if not a global pool and a classifier ($classes: the count)",
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
    head_note = data.get("head_note", "")
    if not isinstance(head_note, str):
        raise fail("head_note", "expected a string: the head in words")

    width = _width(data.get("width"), fail)
    options = _options(data.get("options", {}), fail)
    conventions = data.get("conventions", {})
    if not isinstance(conventions, dict):
        raise fail("conventions", 'expected a table such as { bias = "fc", bn = "affine" }')
    from ...cost.conventions import Conventions

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
        head_note=head_note,
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
