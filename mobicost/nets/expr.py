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
    floor = divisor if min_value is None else min_value
    rounded = max(floor, math.floor((Fraction(value) + Fraction(divisor, 2)) / divisor) * divisor)
    return rounded + divisor if rounded < Fraction(9, 10) * value else rounded


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


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> ast.Expression:
    """The syntax tree of an expression (cached: specs repeat the same few)."""
    if len(text) > 500:
        raise ExpressionError("an expression longer than 500 characters")
    source = _VARIABLE.sub(lambda m: _PREFIX + m.group(1), text.strip())
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError:
        raise ExpressionError(f"cannot read {text!r} as an expression") from None


def evaluate(
    text: str,
    values: Mapping[str, Number],
    functions: Mapping[str, Callable[..., Number]] | None = None,
) -> Number:
    """The value of ``text`` with ``values`` bound to its ``$`` variables."""
    tree = _parse(text)
    known = {**FUNCTIONS, **(functions or {})}

    def visit(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return visit(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int):
                raise ExpressionError(f"{node.value!r} is not a whole number (in {text!r})")
            return node.value
        if isinstance(node, ast.Name):
            if node.id in ("True", "False"):
                return node.id == "True"
            if not node.id.startswith(_PREFIX):
                raise ExpressionError(
                    f"{node.id!r} is not a variable: write variables with a $, as ${node.id}"
                )
            name = node.id[len(_PREFIX) :]
            if name not in values:
                known_names = ", ".join(f"${v}" for v in sorted(values)) or "none"
                raise ExpressionError(f"unknown variable ${name} (known here: {known_names})")
            return values[name]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = visit(node.left), visit(node.right)
            if isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod) and right == 0:
                raise ExpressionError(f"division by zero in {text!r}")
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
            operand = visit(node.operand)
            return -operand if isinstance(node.op, ast.USub) else not operand
        if isinstance(node, ast.BoolOp):
            results = [visit(v) for v in node.values]
            return all(results) if isinstance(node.op, ast.And) else any(results)
        if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            left = visit(node.left)
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                right = visit(right_node)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return visit(node.body) if visit(node.test) else visit(node.orelse)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            if node.func.id not in known:
                raise ExpressionError(
                    f"{node.func.id!r} is not a function here; functions: "
                    f"{', '.join(sorted(known))}"
                )
            return known[node.func.id](*(visit(arg) for arg in node.args))
        raise ExpressionError(f"{ast.unparse(node)!r} is not allowed in an expression")

    try:
        return _simplify(visit(tree))
    except ExpressionError:
        raise
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as error:
        raise ExpressionError(f"cannot evaluate {text!r}: {error}") from None
