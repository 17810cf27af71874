"""A spec as its file writes it (:class:`Spec`), not yet bound to a width, a resolution or
conventions; the rounding policies that bind a width; and the one error a spec file raises."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ...errors import MobicostError
from ..expr import Number, divisible, make_divisible
from ..expr import variables as variables_of

if TYPE_CHECKING:  # pragma: no cover
    from .layers import Plan

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
    if type(channels) is int and type(alpha) is Fraction:  # in integers: sweeps round millions
        p, q = alpha.numerator * channels, alpha.denominator
        truncated = p // q if p >= 0 else -(-p // q)  # int(alpha C)
        if policy == "floor":
            return truncated
        if policy == "slim":
            return max(truncated, 8)
        if policy == "div8":
            return divisible(p, q, 8)
    exact = alpha * channels
    if policy == "floor":
        return int(exact)
    if policy == "slim":
        return max(int(exact), 8)
    if policy == "div8":
        return make_divisible(exact, 8)
    raise MobicostError(f"unknown rounding {policy!r}; choose from: {', '.join(ROUNDINGS)}")


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
    #: the head in words where it is not a global pool and a classifier ("$classes": the count)
    head_note: str = ""
    description: str = ""
    published: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)
    path: str = ""
    lines: Mapping[str, int] = field(default_factory=dict, repr=False)
    text: str = field(default="", repr=False)
    #: what building its entries needs that no build changes (:class:`Plan`), by key path
    plans: dict[str, Plan] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: what :func:`expansion` worked out: the fewest steps of one instance of each block, by name,
    #: and of the whole spec under ``""``
    steps: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def resolution(self) -> int:
        return self.input[1]

    def head_words(self, classes: int) -> str | None:
        """Its head in words, where it says (``head_note``), for ``classes`` outputs; ``None``
        for the usual global pool and classifier."""
        return self.head_note.replace("$classes", str(classes)) if self.head_note else None

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
