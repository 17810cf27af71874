"""The small expression language of spec files: exact arithmetic on named values, never ``eval``.

A spec writes a number either literally (``filters = 64``) or as an expression in a string
(``filters = "$in * $t"``). Variables start with ``$``; the operators are ``+ - * / // %``,
comparisons, ``and``/``or``/``not`` and ``x if c else y``; the functions are :data:`FUNCTIONS` and
whatever the caller binds (``width``). Numbers stay exact: ``/`` gives a
:class:`~fractions.Fraction`, and a layer size that is not a whole number is an error where it is
used, not a silent rounding.

>>> evaluate("$in * $t", {"in": 32, "t": 6})
192
>>> evaluate("make_divisible($c // 4, 8)", {"c": 72})
24
>>> evaluate("$s == 1 and $a != $b", {"s": 1, "a": 16, "b": 24})
True
>>> evaluate("__import__('os')", {})
Traceback (most recent call last):
...
mobicost.nets.expr.ExpressionError: '__import__' is not a function here; functions: ceil, \
floor, make_divisible, max, min, round
"""

from __future__ import annotations

import ast
import functools
import math
import operator
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

Number = int | Fraction | bool


class ExpressionError(ValueError):
    """An expression that cannot be read or evaluated; the message says why."""


def make_divisible(value: Number, divisor: int = 8, min_value: int | None = None) -> int:
    """The nearest multiple of ``divisor``, at least ``min_value`` (``divisor`` by default) and
    never below 90% of ``value``: the ``_make_divisible`` of MobileNet v2 and v3 (torchvision,
    TensorFlow), computed exactly.

    >>> make_divisible(32 * Fraction(35, 100)), make_divisible(1280), make_divisible(72 // 4)
    (16, 1280, 24)
    """
    exact = value if isinstance(value, Fraction) else Fraction(value)
    return divisible(exact.numerator, exact.denominator, divisor, min_value)


def divisible(p: int, q: int, divisor: int = 8, min_value: int | None = None) -> int:
    """:func:`make_divisible` of ``p / q`` (q > 0, not necessarily in lowest terms), in
    integers alone: sweeps round millions of these.

    >>> divisible(32 * 35, 100), divisible(64, 2), divisible(4, 1, 8, 1)
    (16, 32, 8)
    """
    floor = divisor if min_value is None else min_value
    rounded = max(floor, (2 * p + divisor * q) // (2 * divisor * q) * divisor)
    return rounded + divisor if 10 * rounded * q < 9 * p else rounded


def _round(value: Number) -> int:
    """Round half away from zero, exactly (Python's ``round`` is half-to-even on floats)."""
    return math.floor(Fraction(value) + Fraction(1, 2))


FUNCTIONS: dict[str, Callable[..., Number]] = {
    "ceil": lambda x: math.ceil(Fraction(x)),
    "floor": lambda x: math.floor(Fraction(x)),
    "make_divisible": make_divisible,
    "max": max,
    "min": min,
    "round": _round,
}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: lambda a, b: Fraction(a) / Fraction(b),
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_PREFIX = "v_"


def variables(text: str) -> set[str]:
    """The ``$`` names an expression uses.

    >>> sorted(variables("$in * $t + 1"))
    ['in', 't']
    """
    return set(_VARIABLE.findall(text))


def _simplify(value: Number) -> Number:
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value


def _parse(text: str) -> ast.Expression:
    """The syntax tree of an expression (read once per text: see :func:`_compile`)."""
    if len(text) > 500:
        raise ExpressionError("an expression longer than 500 characters")
    source = _VARIABLE.sub(lambda m: _PREFIX + m.group(1), text.strip())
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError:
        raise ExpressionError(f"cannot read {text!r} as an expression") from None


#: an expression made ready to evaluate: a function of its variables' values and the caller's
#: functions
Compiled = Callable[[Mapping[str, Number], Mapping[str, Callable[..., Number]]], Any]


def evaluate(
    text: str,
    values: Mapping[str, Number],
    functions: Mapping[str, Callable[..., Number]] | None = None,
) -> Number:
    """The value of ``text`` with ``values`` bound to its ``$`` variables."""
    compiled = _compile(text)
    try:
        return _simplify(compiled(values, functions or {}))
    except ExpressionError:
        raise
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as error:
        raise ExpressionError(f"cannot evaluate {text!r}: {error}") from None


@functools.lru_cache(maxsize=4096)
def _compile(text: str) -> Compiled:
    """The syntax tree of ``text`` turned once into nested functions, one per node (cached:
    specs evaluate the same few expressions in every build). Each raises what it finds wrong
    when it is reached, as walking the tree would: an untaken branch may hold anything."""
    return _node(_parse(text), text)


def _failing(message: str) -> Compiled:
    def fail(values: Mapping[str, Number], functions: Mapping[str, Callable[..., Number]]) -> Any:
        raise ExpressionError(message)

    return fail


def _node(node: ast.AST, text: str) -> Compiled:
    """The function that evaluates ``node`` (of ``text``, for messages)."""
    if isinstance(node, ast.Expression):
        return _node(node.body, text)
    if isinstance(node, ast.Constant):
        constant = node.value
        if isinstance(constant, bool) or not isinstance(constant, int):
            return _failing(f"{constant!r} is not a whole number (in {text!r})")
        return lambda values, functions: constant
    if isinstance(node, ast.Name):
        if node.id in ("True", "False"):
            truth = node.id == "True"
            return lambda values, functions: truth
        if not node.id.startswith(_PREFIX):
            return _failing(
                f"{node.id!r} is not a variable: write variables with a $, as ${node.id}"
            )
        name = node.id[len(_PREFIX) :]

        def variable(values: Mapping[str, Number], functions: Mapping[str, Any]) -> Any:
            if name not in values:
                known_names = ", ".join(f"${v}" for v in sorted(values)) or "none"
                raise ExpressionError(f"unknown variable ${name} (known here: {known_names})")
            return values[name]

        return variable
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _node(node.left, text), _node(node.right, text)
        apply = _BINARY[type(node.op)]
        divides = isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod)

        def binary(values: Mapping[str, Number], functions: Mapping[str, Any]) -> Any:
            a, b = left(values, functions), right(values, functions)
            if divides and b == 0:
                raise ExpressionError(f"division by zero in {text!r}")
            return apply(a, b)

        return binary
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
        operand = _node(node.operand, text)
        if isinstance(node.op, ast.USub):
            return lambda values, functions: -operand(values, functions)
        return lambda values, functions: not operand(values, functions)
    if isinstance(node, ast.BoolOp):
        parts = [_node(v, text) for v in node.values]
        combine = all if isinstance(node.op, ast.And) else any
        return lambda values, functions: combine([part(values, functions) for part in parts])
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        first = _node(node.left, text)
        chain = [
            (_COMPARE[type(op)], _node(right, text))
            for op, right in zip(node.ops, node.comparators, strict=True)
        ]

        def compare(values: Mapping[str, Number], functions: Mapping[str, Any]) -> bool:
            left = first(values, functions)
            for test, right_node in chain:
                right = right_node(values, functions)
                if not test(left, right):
                    return False
                left = right
            return True

        return compare
    if isinstance(node, ast.IfExp):
        test, body, orelse = (_node(n, text) for n in (node.test, node.body, node.orelse))
        return lambda values, functions: (
            body(values, functions) if test(values, functions) else orelse(values, functions)
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        called = node.func.id
        arguments = [_node(arg, text) for arg in node.args]

        def call(values: Mapping[str, Number], functions: Mapping[str, Any]) -> Any:
            function = functions[called] if called in functions else FUNCTIONS.get(called)
            if function is None:
                raise ExpressionError(
                    f"{called!r} is not a function here; functions: "
                    f"{', '.join(sorted({**FUNCTIONS, **functions}))}"
                )
            return function(*(argument(values, functions) for argument in arguments))

        return call
    return _failing(f"{ast.unparse(node)!r} is not allowed in an expression")
