"""The built-in networks: spec files shipped inside the package, read with
:mod:`importlib.resources`, and the one function that turns whatever a user types (a built-in
name, MobileNet v1 in any of its published name forms, or a spec file's path) into a spec.

>>> "mobilenet-v1" in names()
True
>>> resolve("0.75-MobileNet-128")[1:]
(Fraction(3, 4), 128)
"""

from __future__ import annotations

import functools
import os
from fractions import Fraction
from importlib import resources
from importlib.abc import Traversable

from ..errors import MobicostError
from .spec import Spec, SpecError, parse

#: older and shorter names people use for built-ins
ALIASES = {
    "mobilenet": "mobilenet-v1",
    "mobilenet_v1": "mobilenet-v1",
    "mobilenetv1": "mobilenet-v1",
    "mobilenet_v2": "mobilenet-v2",
    "mobilenetv2": "mobilenet-v2",
}


def _folder() -> Traversable:
    return resources.files(__package__).joinpath("library")


@functools.cache
def names() -> tuple[str, ...]:
    """The built-in networks' names, in a stable order."""
    return tuple(
        sorted(
            entry.name.removesuffix(".toml")
            for entry in _folder().iterdir()
            if entry.name.endswith(".toml")
        )
    )


def text(name: str) -> str:
    """A built-in's spec file, as shipped."""
    key = ALIASES.get(name.lower(), name.lower())
    if key not in names():
        raise MobicostError(f"unknown network {name!r}; built-in: {', '.join(names())}")
    return str(_folder().joinpath(f"{key}.toml").read_text(encoding="utf-8"))


@functools.cache
def load(name: str) -> Spec:
    """A built-in network's spec."""
    key = ALIASES.get(name.lower(), name.lower())
    return parse(text(key), path=f"{key}.toml")


def load_spec(path: str | os.PathLike[str]) -> Spec:
    """A spec file from disk (or a pipe: ``<(mobicost spec NAME)``)."""
    try:
        with open(path, encoding="utf-8") as handle:
            content = handle.read()
    except OSError as error:
        raise SpecError(f"cannot read {str(path)!r}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise SpecError(f"{str(path)!r} is not a UTF-8 text file") from None
    return parse(content, path=str(path))


def resolve(text_: str) -> tuple[Spec, Fraction | None, int | None]:
    """A spec, and the alpha and resolution a name carries (``0.75-MobileNet-128``), from a
    built-in name, a MobileNet v1 name form or a path to a spec file."""
    cleaned = text_.strip()
    key = ALIASES.get(cleaned.lower(), cleaned.lower())
    if key in names():
        return load(key), None, None
    if cleaned.endswith(".toml") or os.sep in cleaned or os.path.exists(cleaned):
        return load_spec(cleaned), None, None
    from .names import parse_model_name

    try:
        parsed = parse_model_name(cleaned)
    except MobicostError:
        raise MobicostError(
            f"unknown network {text_!r}: not a built-in ({', '.join(names())}), a MobileNet "
            "name such as 0.75-MobileNet-128, or a spec file (.toml)"
        ) from None
    return load(parsed.architecture), parsed.alpha, parsed.resolution


def describe(spec: Spec) -> dict[str, object]:
    """What ``mobicost nets`` lists about a spec: where it comes from, how it scales and counts."""
    from .network import build

    width = spec.width
    if width is None:
        scaling = "none"
    elif width.values is not None:
        scaling = "published widths " + ", ".join(width.values)
    else:
        scaling = f"alpha, '{width.rounding}' rounding"
    net = build(spec)
    conventions = net.conventions
    return {
        "name": spec.name,
        "title": spec.title,
        "source": spec.source,
        "input": "x".join(str(v) for v in (spec.input[1], spec.input[2], spec.input[0])),
        "width": scaling,
        "options": "; ".join(
            f"--{o.name} {'|'.join(o.values)} (default {o.default})" for o in spec.options.values()
        )
        or None,
        "conventions": f"bias {conventions.bias}, bn {conventions.bn}",
        "layers": len(net.layers),
        "macs": int(net.total.macs),
        "params": net.params,
    }
