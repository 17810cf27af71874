"""Layer entries: the attributes each kind takes (:data:`ATTRIBUTES`), how an attribute as
written becomes a value at one width (:class:`Attributes`), and the :class:`~.ops.Op` it makes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ...exact import decimal_text, parse_exact
from .. import ops
from ..expr import ExpressionError, Number, evaluate
from ..limits import MAX_REPEAT, MAX_SIZE
from ..ops import Op, Tensor
from .blocks import many
from .model import WIDTH_MODES, Spec, SpecError, round_channels

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
        "bias": ("bool", None),
        "shared": ("bool", False),
    },
    "dw": {
        "kernel": ("pair", 3),
        "stride": ("pair", 1),
        "padding": ("padding", "same"),
        "dilation": ("pair", 1),
        "multiplier": ("count", 1),
        "bn": ("bool", False),
        "act": ("act", None),
        "bias": ("bool", None),
        "shared": ("bool", False),
    },
    "pw": {
        "filters": ("count", ...),
        "groups": ("count", 1),
        "bn": ("bool", False),
        "act": ("act", None),
        "width": ("width", "scale"),
        "bias": ("bool", None),
        "shared": ("bool", False),
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
    "act": {"fn": ("function", ...)},
    "bn": {},
    "flatten": {},
    "dropout": {"p": ("number", "0.5")},
    # the tensor kinds of imported models and transformers (their tensors of any shape)
    "matmul": {"units": ("count", None), "bias": ("bool", False)},
    "attention": {},
    "norm": {"fn": ("norm", ...), "features": ("index", None), "vectors": ("vectors", 2)},
    "eltwise": {"fn": ("eltwise", ...)},
    "reduce": {"fn": ("reduce", ...), "shape": ("shape", ...)},
    "view": {"fn": ("word", ...), "shape": ("shape", ...)},
    "param": {"shape": ("shape", ...), "size": ("amount", None)},
    "uncosted": {"fn": ("word", ...), "shape": ("shape", ...)},
}
#: the kinds that may read no input (``input = []``)
SOURCES = ("param", "uncosted")
#: the largest parameter count a ``param`` layer may hold (2^40)
MAX_AMOUNT = 2**40
#: the words a block param may carry, for attributes that take words
_WORDS = frozenset({"none", *ops.ACTIVATIONS, *ops.GATES, "max", "avg"})
ENTRY_KEYS = {"op", "block", "name", "input", "when", "repeat", "with", "columns", "rows", "then"}
ACCEPTED = {
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
    "function": "one of " + ", ".join(ops.FUNCTIONS),
    "norm": "one of " + ", ".join(ops.NORM_FNS),
    "eltwise": "one of " + ", ".join(ops.ELTWISE_FNS),
    "reduce": "one of " + ", ".join(ops.REDUCE_FNS),
    "vectors": "0, 1 or 2 (a scale and a shift)",
    "word": 'a name such as "reshape" or "aten.cumsum"',
    "shape": "a list of whole numbers, batch of one first, such as [1, 197, 768]",
    "amount": f"a whole number from 0 to {MAX_AMOUNT:,} (2^40)",
}


#: an attribute whose value each build works out (an expression, a block param's word)
VARIES: Any = object()


def constant(parser: str, raw: Any) -> bool:
    """Whether an attribute written as ``raw`` parses the same in every build: it holds no
    expression and names no block param."""
    if parser == "number":
        return True
    if parser in ("act", "gate", "mode", "width", "function", "norm", "eltwise", "reduce", "word"):
        return not (isinstance(raw, str) and raw.startswith("$"))
    if parser == "padding" and raw in ("same", "valid"):
        return True
    items = raw if isinstance(raw, list) else [raw]
    return not any(isinstance(item, str) for item in items)


@dataclass(frozen=True)
class Plan:
    """What building one entry needs that no width, resolution, option or variable changes,
    worked out on its first build and kept on the spec (:attr:`Spec.plans`)."""

    where: str  #: ``file:line: key``
    kind: str | None = None  #: the layer kind; None for a block entry
    named: bool = True  #: its name, if it has one, is a valid name
    #: (attribute, as written after the defaults, parsed value or ``VARIES``), in order
    attributes: tuple[tuple[str, Any, Any], ...] = ()


@dataclass
class WidthReads:
    """What one expansion read of its width multiplier: each channel count it rounded, with
    the rounding's answer, and whether it asked if alpha is above one (``width = "up"``).

    Alpha reaches an expansion through these reads alone (:meth:`Attributes.width` and
    :meth:`Attributes.make`), and everything else it does follows from the spec, the input and
    the answers. So two widths whose reads get the same answers expand to the same graph:
    :meth:`same_at` tells, in a few roundings, whether a sweep's next width needs expanding at
    all (MobileNet v2's channels, multiples of 8, change a few dozen times between alpha 0.1
    and 1.0)."""

    rounding: str = "floor"  #: the expansion's rounding policy (the builder sets it)
    rounded: dict[Number, int] = field(default_factory=dict)
    above_one: bool | None = None

    def same_at(self, alpha: Fraction) -> bool:
        """Whether an expansion at ``alpha`` would read the answers this one read."""
        if self.above_one is not None and (alpha > 1) != self.above_one:
            return False
        return all(
            round_channels(channels, alpha, self.rounding) == answer
            for channels, answer in self.rounded.items()
        )


class Attributes:
    """How a layer entry's attributes, as written, become values at one width (the builder's
    part that reads values: expressions, whole numbers within the limits, words)."""

    spec: Spec
    alpha: Fraction
    rounding: str
    #: where the expansion's reads of alpha are recorded (:class:`WidthReads`): the whole
    #: expansion's, where its caller asks, and each block instance's being recorded
    readers: list[WidthReads]

    def width(self, value: Number) -> int:
        """``width(C)``: C channels under the width multiplier and the rounding policy."""
        if self.spec.width is None or self.spec.width.values is not None:
            if Fraction(value).denominator != 1:
                raise ExpressionError(f"{value} channels is not a whole number")
            return int(value)
        answer = round_channels(value, self.alpha, self.rounding)
        for reader in self.readers:
            reader.rounded[value] = answer
        return answer

    def above_one(self) -> bool:
        """Whether alpha is above one (where a ``width = "up"`` layer asks)."""
        answer = self.alpha > 1
        for reader in self.readers:
            reader.above_one = answer
        return answer

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
            limit = {
                MAX_REPEAT: f"a spec may repeat an entry at most {MAX_REPEAT:,} times",
                MAX_AMOUNT: f"the largest parameter count is {MAX_AMOUNT:,} (2^40)",
            }.get(most, f"the largest size is {MAX_SIZE:,} (2^24)")
            shown = ";" if number == raw else f" is {many(int(number))};"
            raise SpecError(f"{where}: {what} = {raw!r}{shown} {limit}")
        return int(number)

    def attribute(
        self, kind: str, key: str, raw: Any, variables: Mapping[str, Number], where: str
    ) -> Any:
        """One attribute, parsed and checked by its parser (:data:`ATTRIBUTES`)."""
        parser = ATTRIBUTES[kind][key][0]
        bad = SpecError(f"{where}: {key} = {raw!r} is not {ACCEPTED[parser]}")
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
        if parser == "vectors":
            number = self.whole(raw, variables, where, key, 0)
            if number > 2:
                raise bad
            return number
        if parser == "amount":
            return self.whole(raw, variables, where, key, 0, MAX_AMOUNT)
        if parser == "shape":
            if not isinstance(raw, list):
                raise bad
            return tuple(self.whole(item, variables, where, key, 1) for item in raw)
        if parser == "word":
            if not (isinstance(raw, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", raw)):
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
            "function": ops.FUNCTIONS,
            "norm": ops.NORM_FNS,
            "eltwise": ops.ELTWISE_FNS,
            "reduce": ops.REDUCE_FNS,
            "gate": ops.GATES,
            "mode": ("max", "avg"),
            "width": WIDTH_MODES,
        }[parser]
        if raw not in choices:
            raise bad
        return None if raw == "none" else raw

    def make(self, kind: str, v: Mapping[str, Any], x: Tensor | None, where: str) -> Op:
        """The :class:`Op` of a layer from its parsed attributes (widths applied here); ``x``
        is its first input (``None`` for a layer that reads none, :data:`SOURCES`)."""
        tensor = _tensor_op(kind, v, x)
        if tensor is not None:
            return tensor
        if x is None:
            raise SpecError(
                f"{where}: a {kind} layer needs an input; only {', '.join(SOURCES)} read none"
            )
        if kind in ("conv", "pw", "fc"):
            size = v["units"] if kind == "fc" else v["filters"]
            if v["width"] == "scale" or (v["width"] == "up" and self.above_one()):
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
                    size,
                    (1, 1),
                    padding=(0, 0, 0, 0),
                    groups=v["groups"],
                    bn=v["bn"],
                    act=v["act"],
                    has_bias=v["bias"],
                    shared=v["shared"],
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
                v["bias"],
                v["shared"],
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
                v["bias"],
                v["shared"],
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


def _tensor_op(kind: str, v: Mapping[str, Any], x: Tensor | None) -> Op | None:
    """The :class:`Op` of a tensor kind (``matmul``, ``norm``...), or ``None`` for another."""
    if kind == "matmul":
        units = v["units"]
        return ops.MatMul(units or 0, weight=units is not None, has_bias=v["bias"])
    if kind == "norm":
        features = v["features"]
        if features is None:  # a map's channels (batch, group), else the last dimension
            shape = x.shape if x is not None else (0,)
            features = shape[1] if v["fn"] != "layer" and len(shape) > 1 else shape[-1]
        return ops.Norm(v["fn"], features, v["vectors"])
    made: dict[str, Callable[[], Op]] = {
        "attention": ops.Attention,
        "eltwise": lambda: ops.Eltwise(v["fn"]),
        "reduce": lambda: ops.Reduce(v["fn"], v["shape"]),
        "view": lambda: ops.View(v["fn"], v["shape"]),
        "param": lambda: ops.Param(v["shape"], v["size"]),
        "uncosted": lambda: ops.Uncosted(v["fn"], v["shape"]),
    }
    return made[kind]() if kind in made else None
