"""``mobicost formula``: list, evaluate and derive the cost formulas of every variant."""

from __future__ import annotations

from fractions import Fraction

import click

from ..cost.rules import Padding
from ..render.formats import Format
from .common import CONTEXT, emit, format_options, layer_options
from .params import POSITIVE_EXACT, VARIANT_NAME

_FORMULA_EPILOG = """\b
Examples:
  mobicost formula                                  every variant's formulas
  mobicost formula --latex                          the same, as LaTeX
  mobicost formula depthwise-separable --k 3 --m 512 --n 512 --size 14
                                                    paper Table 3: 52.3M MACs, 0.27M params
  mobicost formula --ratio depthwise-separable      1/N + 1/D_K^2, and N >= 72 for an 8x saving
  mobicost formula --ratio spatial-separable        exact ratio, and its limit 2/D_K
"""


@click.command(epilog=_FORMULA_EPILOG, context_settings=CONTEXT)
@click.argument("variant", required=False, metavar="[VARIANT]", type=VARIANT_NAME)
@layer_options("Groups g of the grouped convolution.")
@click.option(
    "--bias/--no-bias",
    default=False,
    show_default=True,
    help="Count a bias vector in the parameters.",
)
@click.option(
    "--ratio",
    type=click.Choice(
        [
            "depthwise-separable",
            "spatial-separable",
            "grouped",
            "width-multiplier",
            "resolution-multiplier",
        ]
    ),
    help="Derive a ratio symbolically instead of listing formulas.",
)
@click.option(
    "--saving",
    type=POSITIVE_EXACT,
    default=Fraction(8),
    show_default="8",
    help="With --ratio depthwise-separable: the saving whose threshold on N to solve.",
)
@click.option("--latex", is_flag=True, help="Print LaTeX (the same as --format latex).")
@format_options
def formula(
    variant: str | None,
    kernel: int | None,
    m: int | None,
    n: int | None,
    size: int | None,
    stride: int,
    padding: str,
    groups: int | None,
    bias: bool,
    ratio: str | None,
    saving: Fraction,
    latex: bool,
    fmt: Format,
    output: str | None,
) -> None:
    """Formulas for every convolution variant: list, evaluate or derive them.

    With no numbers, list each variant's MACs and parameter formulas. With --k, --m, --n
    and --size, evaluate them exactly (the numbers come from the integer path; the formula
    beside each number is the symbolic path). With --ratio, derive a ratio and its limit.
    """
    from ..cost import derive
    from ..cost.variants import VARIANTS, Shape
    from ..render import formulas as formula_report

    if latex:
        if fmt not in ("table", "latex"):
            raise click.UsageError(f"--latex conflicts with --format {fmt}")
        fmt = "latex"
    numbers = {"--k": kernel, "--m": m, "--n": n, "--size": size}
    given = [name for name, value in numbers.items() if value is not None]
    pad: Padding = "valid" if padding == "valid" else "same"

    if ratio is not None:
        conflicts = [
            name
            for name in ("--m", "--n", "--size", "--groups")
            if name in given or (name == "--groups" and groups is not None)
        ]
        if variant is not None or conflicts:
            raise click.UsageError(
                f"--ratio derives symbolically; it takes only --k (the kernel for the "
                f"crossover), not {', '.join(conflicts or [variant or ''])}"
            )
        result = derive.derivation(ratio, kernel=kernel or 3, saving=saving)
        emit(formula_report.derivation(result), fmt, output)
        return

    if not given:
        if groups is not None or stride != 1:
            raise click.UsageError(
                "--groups and --stride need numbers to evaluate: give --k, --m, --n and --size"
            )
        emit(
            formula_report.listing([variant] if variant else None, padding=pad, bias=bias),
            fmt,
            output,
        )
        return

    missing = [name for name, value in numbers.items() if value is None]
    if missing:
        raise click.UsageError(
            f"to evaluate, give --k, --m, --n and --size; missing {', '.join(missing)}"
        )
    assert kernel is not None and m is not None and n is not None and size is not None
    if variant is None:
        names = [v for v in VARIANTS if v != "grouped" or groups is not None]
    else:
        names = [variant] if variant == "standard" else ["standard", variant]
    if "grouped" in names and groups is None:
        raise click.UsageError("the grouped variant needs --groups G (G divides M and N)")
    shape = Shape.from_input(
        k=kernel, m=m, n=n, size=size, stride=stride, padding=pad, g=groups or 1
    )
    emit(
        formula_report.evaluation(names, shape, padding=pad, stride=stride, bias=bias), fmt, output
    )
