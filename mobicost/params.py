"""click parameter types: every option is parsed and checked here, with messages that name the
accepted forms. Nothing a user types is ever evaluated."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from .exact import parse_exact
from .render import check_writable
from .rules import MobicostError


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
        from .names import ModelName, parse_model_name

        if isinstance(value, ModelName):
            return value
        try:
            return parse_model_name(str(value))
        except MobicostError as error:
            self.fail(str(error), param, ctx)


MODEL_NAME = ModelNameType()
