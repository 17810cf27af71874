"""click parameter types: every option is parsed and checked here, with messages that name the
accepted forms. Nothing a user types is ever evaluated."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from ..errors import MobicostError
from ..exact import parse_exact
from ..render.formats import check_writable


class PositiveInt(click.ParamType):  # type: ignore[type-arg]
    """A whole number >= 1 (sizes, channels, kernels, strides, groups)."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        text = str(value).strip()
        if text.isascii() and text.isdigit() and int(text) >= 1:
            return int(text)
        self.fail(f"expected a positive whole number such as 3 or 224, got {value!r}", param, ctx)


class PositiveExact(click.ParamType):  # type: ignore[type-arg]
    """A positive exact number: ``0.75`` or ``3/4`` becomes ``Fraction(3, 4)``."""

    name = "number"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Fraction:
        if isinstance(value, Fraction):
            number = value
        else:
            try:
                number = parse_exact(str(value))
            except (ValueError, ZeroDivisionError):
                self.fail(
                    f"expected a positive decimal or fraction such as 0.75 or 3/4, got {value!r}",
                    param,
                    ctx,
                )
        if number <= 0:
            self.fail(f"must be greater than zero, got {value!r}", param, ctx)
        return number


class OutputPath(click.ParamType):  # type: ignore[type-arg]
    """A file path that can be written; checked before any work is done."""

    name = "file"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        path = str(value)
        problem = check_writable(path) if path else "an empty path"
        if problem:
            self.fail(f"cannot write {path!r}: {problem}", param, ctx)
        return path


POSITIVE_INT = PositiveInt()
POSITIVE_EXACT = PositiveExact()
OUTPUT_PATH = OutputPath()


class ModelNameType(click.ParamType):  # type: ignore[type-arg]
    """A model name in the paper's, seed 001's or TF-Slim's form."""

    name = "model"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..nets.names import ModelName, parse_model_name

        if isinstance(value, ModelName):
            return value
        try:
            return parse_model_name(str(value))
        except MobicostError as error:
            self.fail(str(error), param, ctx)


MODEL_NAME = ModelNameType()


class ExactList(click.ParamType):  # type: ignore[type-arg]
    """A list and/or inclusive ranges of exact numbers: ``1,0.75,0.5``, ``0.25:1.0:0.05``,
    ``128:224:32``, or a mix (``0.25:0.5:0.25,1.0``). Duplicates are dropped, order is kept."""

    name = "list"

    def __init__(self, integer: bool = False, limit: int = 10**6) -> None:
        self.integer = integer
        self.limit = limit

    @property
    def example(self) -> str:
        return "128,160,224 or 128:224:32" if self.integer else "1,0.75,0.5 or 0.25:1.0:0.05"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        try:
            return tuple(dict.fromkeys(self.parse(str(value))))
        except ValueError as error:
            self.fail(f"{error}; expected a list or range such as {self.example}", param, ctx)

    def number(self, text: str, whole: str) -> Fraction:
        if not text.strip():
            raise ValueError(f"empty item in {whole!r}")
        try:
            number = parse_exact(text)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{text.strip()!r} in {whole!r} is not a number") from None
        if self.integer and number.denominator != 1:
            raise ValueError(f"{text.strip()!r} in {whole!r} is not a whole number")
        return number

    def parse(self, text: str) -> list[Any]:
        values: list[Fraction] = []
        for item in text.split(","):
            parts = item.split(":")
            if len(parts) == 1:
                values.append(self.number(item, text))
                continue
            if len(parts) != 3:
                raise ValueError(f"a range is start:end:step, got {item.strip()!r}")
            start, end, step = (self.number(part, text) for part in parts)
            if step <= 0:
                raise ValueError(f"the step of {item.strip()!r} must be positive")
            if start > end:
                raise ValueError(f"the range {item.strip()!r} is empty (start above end)")
            count = int((end - start) / step) + 1
            if len(values) + count > self.limit:
                raise ValueError(f"{text!r} has more than {self.limit:,} values")
            values.extend(start + k * step for k in range(count))
        for number in values:
            if number <= 0:
                raise ValueError(f"{number} in {text!r} is not above zero")
        return [int(v) for v in values] if self.integer else values


_SUFFIXES = {"k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


class Budget(click.ParamType):  # type: ignore[type-arg]
    """A count with an optional SI suffix: ``300M``, ``2.5G``, ``150000``, ``1.5e6``. A byte
    budget (``bytes=True``) also takes the binary suffixes and a trailing ``B``: ``256KiB`` =
    262,144, ``256K`` = ``256kB`` = 256,000, ``1.5MiB``."""

    name = "count"

    def __init__(self, *, bytes: bool = False) -> None:
        self.bytes = bytes
        if bytes:
            self.name = "bytes"

    def _example(self) -> str:
        if self.bytes:
            return "256KiB (= 262,144), 256K (= 256,000), 1.5MB or 65536"
        return "300M, 2.5G or 150000"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Fraction | int) and not isinstance(value, bool):
            return Fraction(value)
        text = str(value).strip()
        scale = 1
        if self.bytes:
            text = text.removesuffix("B")
            binary = _BINARY.get(text[-2:])
            if binary is not None:
                text, scale = text[:-2], binary
        if scale == 1:
            scale = _SUFFIXES.get(text[-1:], 1)
            text = text[:-1] if scale != 1 else text
        try:
            number = parse_exact(text) * scale
        except (ValueError, ZeroDivisionError):
            self.fail(f"expected a count such as {self._example()}, got {value!r}", param, ctx)
        if number <= 0:
            self.fail(f"must be greater than zero, got {value!r}", param, ctx)
        return number


_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


#: at most 10,000 values a list: 10^4 x 10^4 = 10^8 pairs is already ten times what one sweep
#: evaluates, and each alpha costs one network build
ALPHA_LIST = ExactList(limit=10**4)
RESOLUTION_LIST = ExactList(integer=True, limit=10**4)
BUDGET = Budget()
BYTES = Budget(bytes=True)


class VariantName(click.ParamType):  # type: ignore[type-arg]
    """A variant of :data:`mobicost.variants.VARIANTS`, looked up when used."""

    name = "variant"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from ..cost.variants import VARIANTS

        if value in VARIANTS:
            return str(value)
        self.fail(f"{value!r} is not a variant; choose from: {', '.join(VARIANTS)}", param, ctx)

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[Any]:
        from click.shell_completion import CompletionItem

        from ..cost.variants import VARIANTS

        return [CompletionItem(name) for name in VARIANTS if name.startswith(incomplete)]


VARIANT_NAME = VariantName()
