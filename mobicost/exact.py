"""Exact numbers from what people type: decimals and fractions, never floats or evaluation."""

from __future__ import annotations

import re
from fractions import Fraction

from .errors import MobicostError

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,2})?")
_FRACTION = re.compile(r"[+-]?\d+/\d+")


def parse_exact(text: str) -> Fraction:
    """An exact rational from a decimal (``0.75``, ``1e-2``) or a fraction (``3/4``).

    Anything else (names, arithmetic, ``nan``, ``inf``, exponents beyond two digits) raises
    :class:`ValueError`: nothing typed is ever evaluated, and no float is ever made.

    >>> parse_exact("0.75"), parse_exact("3/4"), parse_exact("1.0"), parse_exact("25e-2")
    (Fraction(3, 4), Fraction(3, 4), Fraction(1, 1), Fraction(1, 4))
    >>> parse_exact("1e999")
    Traceback (most recent call last):
    ...
    ValueError: not an exact decimal or fraction: '1e999'
    """
    cleaned = text.strip()
    if len(cleaned) > 40 or not (_DECIMAL.fullmatch(cleaned) or _FRACTION.fullmatch(cleaned)):
        raise ValueError(f"not an exact decimal or fraction: {text!r}")
    return Fraction(cleaned)  # Fraction reads decimal strings exactly


def exact_number(value: object, name: str) -> Fraction:
    """An exact positive number from an int, a Fraction, a decimal string or a float (read by its
    shortest repr, so ``0.1`` means 1/10)."""
    if isinstance(value, bool):
        raise MobicostError(f"{name} must be a number, got {value!r}")
    try:
        if isinstance(value, int | Fraction):
            number = Fraction(value)
        elif isinstance(value, float | str):
            number = parse_exact(repr(value) if isinstance(value, float) else value)
        else:
            raise ValueError(value)
    except (ValueError, ZeroDivisionError):
        raise MobicostError(
            f"{name} must be a positive number such as 0.75 or 3/4, got {value!r}"
        ) from None
    if number <= 0:
        raise MobicostError(f"{name} must be greater than zero, got {value!r}")
    return number


def decimal_text(value: Fraction) -> str:
    """A multiplier as people write it: ``1.0``, ``0.75``, or ``1/3`` when no decimal is exact.

    >>> decimal_text(Fraction(1)), decimal_text(Fraction(3, 4)), decimal_text(Fraction(1, 3))
    ('1.0', '0.75', '1/3')
    """
    if value.denominator == 1:
        return f"{value.numerator}.0"
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return str(value)
    digits = 1
    while (value * 10**digits).denominator != 1:
        digits += 1
    scaled = value * 10**digits
    whole, frac = divmod(scaled.numerator, 10**digits)
    return f"{whole}.{frac:0{digits}d}"
