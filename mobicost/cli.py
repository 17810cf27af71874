"""The ``mobicost`` command: thin click commands over the library.

Each command parses its options (types in :mod:`mobicost.params`), calls one library function
and hands the result to :func:`emit`. Heavy imports (sympy, pandas) happen inside the commands
that need them, never at start-up.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import click

from . import __version__
from .params import MODEL_NAME, OUTPUT_PATH, POSITIVE_EXACT, POSITIVE_INT
from .render import FORMATS, Format, Report, render_rich, render_text, write_atomic
from .rules import PADDINGS, MobicostError, Padding
from .variants import VARIANTS, Shape

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class MobicostGroup(click.Group):
    """A group whose errors are one line on stderr (exit 2 for bad input), never a traceback."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as error:
            hint = ""
            if isinstance(error, click.UsageError) and error.ctx is not None:
                hint = f" (see '{error.ctx.command_path} --help')"
            click.echo(f"Error: {error.format_message()}{hint}", err=True)
            sys.exit(error.exit_code)
        except MobicostError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(2)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def emit(report: Report, fmt: Format, output: str | None) -> None:
    """Print ``report`` in ``fmt``, or write it atomically to ``output``."""
    if fmt == "table":
        from rich.console import Console
        from rich.table import Table

        buffer = io.StringIO() if output else None
        console = Console(file=buffer, color_system=None if output else "auto")
        if not console.is_terminal:  # piped or to a file: as wide as the tables need
            console.width = 10_000
        for renderable in render_rich(report):
            width = None
            if not console.is_terminal and isinstance(renderable, Table):
                width = console.measure(renderable).maximum
            console.print(renderable, width=width)
        text = buffer.getvalue() if buffer is not None else None
    else:
        text = render_text(report, fmt)
        if output is None:
            click.echo(text, nl=False)
    if output is not None and text is not None:
        write_atomic(output, text)


def format_options(command: Any) -> Any:
    """``--format`` and ``--output``, shared by every command that prints a report."""
    command = click.option(
        "--output",
        "-o",
        type=OUTPUT_PATH,
        default=None,
        help="Write to FILE instead of printing (atomically: never a partial file).",
    )(command)
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output format; csv and json carry exact integers.",
    )(command)


@click.group(cls=MobicostGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", "-V", prog_name="mobicost")
def main() -> None:
    """Exact cost models (MACs and parameters) for MobileNet-style networks.

    Every number is exact and states its convention: MACs are the paper's mult-adds
    (FLOPs = 2 x MACs).
    """


_FORMULA_EPILOG = """\b
Examples:
  mobicost formula                                  every variant's formulas
  mobicost formula --latex                          the same, as LaTeX
  mobicost formula depthwise-separable --k 3 --m 512 --n 512 --size 14
                                                    paper Table 3: 52.3M MACs, 0.27M params
  mobicost formula --ratio depthwise-separable      1/N + 1/D_K^2, and N >= 72 for an 8x saving
  mobicost formula --ratio spatial-separable        exact ratio, and its limit 2/D_K
"""


@main.command(epilog=_FORMULA_EPILOG, context_settings=CONTEXT)
@click.argument("variant", required=False, metavar="[VARIANT]", type=click.Choice(list(VARIANTS)))
@click.option("--k", "kernel", type=POSITIVE_INT, help="Kernel size D_K.")
@click.option("--m", "m", type=POSITIVE_INT, help="Input channels M.")
@click.option("--n", "n", type=POSITIVE_INT, help="Output channels N.")
@click.option("--size", type=POSITIVE_INT, help="Input feature-map size (D_F at stride 1, 'same').")
@click.option("--stride", type=POSITIVE_INT, default=1, show_default=True, help="Stride.")
@click.option(
    "--padding",
    type=click.Choice(PADDINGS),
    default="same",
    show_default=True,
    help="'same' (TensorFlow, the paper) or 'valid' (seed 003).",
)
@click.option("--groups", type=POSITIVE_INT, help="Groups g of the grouped convolution.")
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
    from . import derive, formula_report

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


def convention_options(command: Any) -> Any:
    """The counting conventions and the width rounding, shared by every network command."""
    from .network import BIAS_POLICIES, BN_POLICIES, ROUNDINGS, UNITS

    options = [
        click.option(
            "--rounding",
            type=click.Choice(ROUNDINGS),
            default="floor",
            show_default=True,
            help="Channels after alpha: floor = int(alpha C) (paper, Keras); slim = "
            "max(floor, 8) (TF-Slim); div8 = nearest multiple of 8 (MobileNetV2, timm).",
        ),
        click.option(
            "--unit",
            type=click.Choice(UNITS),
            default="macs",
            show_default=True,
            help="MACs (the paper's mult-adds) or FLOPs = 2 x MACs.",
        ),
        click.option(
            "--bias",
            type=click.Choice(BIAS_POLICIES),
            default="none",
            show_default=True,
            help="Bias parameters: none (paper), fc (classifier only, Keras) or all.",
        ),
        click.option(
            "--bn",
            type=click.Choice(BN_POLICIES),
            default="none",
            show_default=True,
            help="Batch-norm parameters: none (paper), affine (gamma, beta), slim (beta + "
            "moving mean and variance, TF-Slim) or all (4 vectors, Keras).",
        ),
        click.option(
            "--classes",
            type=POSITIVE_INT,
            default=1000,
            show_default=True,
            help="Classifier outputs (TF-Slim checkpoints: 1001).",
        ),
        click.option(
            "--head/--no-head",
            default=True,
            show_default=True,
            help="Include the average pool and the fully connected classifier.",
        ),
        click.option(
            "--pool-adds", is_flag=True, help="Count the average pool's additions as one op each."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def conventions_of(options: dict[str, Any]) -> Any:
    """The :class:`~mobicost.network.Conventions` named by :func:`convention_options`."""
    from .network import Conventions

    return Conventions(
        unit=options["unit"],
        bias=options["bias"],
        bn=options["bn"],
        classes=options["classes"],
        head=options["head"],
        pool_adds=options["pool_adds"],
    )


_TABLE_EPILOG = """\b
Examples:
  mobicost table --alpha 0.5 --res 160        0.50 MobileNet-160 (paper Table 9: 76M, 1.32M)
  mobicost table 0.75-MobileNet-128           the same model names as the paper ...
  mobicost table MobileNet_v1_0.75_128        ... TF-Slim ...
  mobicost table 0.75_MobileNet_medium        ... and seed 001 (medium = 192)
  mobicost table --bias fc --bn all           Keras's count: 4,253,864 parameters
  mobicost table --unit flops -f csv -o mobilenet.csv

\b
The paper's Table 1 prints the last depthwise stride as s2 on a 7x7 input, a
known typo: mobicost, like every implementation, uses s1.
"""


@main.command(epilog=_TABLE_EPILOG, context_settings=CONTEXT)
@click.argument("model", required=False, type=MODEL_NAME)
@click.option("--alpha", type=POSITIVE_EXACT, help="Width multiplier, exact: 0.75 or 3/4.")
@click.option("--res", "resolution", type=POSITIVE_INT, help="Input resolution (default 224).")
@click.option("--rho", type=POSITIVE_EXACT, help="Resolution multiplier: res = round(224 rho).")
@convention_options
@format_options
def table(
    model: Any,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: Any,
    fmt: Format,
    output: str | None,
    **options: Any,
) -> None:
    """MobileNet v1 layer by layer: MACs, parameters and shares, exact.

    MODEL is a name such as 0.75-MobileNet-128 (or Conv-MobileNet, Shallow-MobileNet);
    without it, --alpha and --res (or --rho) choose the model, 1.0 and 224 by default.
    """
    from .network import mobilenet_v1
    from .network_report import layer_report

    if resolution is not None and rho is not None:
        raise click.UsageError("--res and --rho both set the resolution: give one")
    if model is not None and (alpha, resolution, rho) != (None, None, None):
        raise click.UsageError("give the model by name or by --alpha/--res/--rho, not both")
    if model is not None:
        alpha, resolution, architecture = model.alpha, model.resolution, model.architecture
    else:
        architecture = "mobilenet"
    network = mobilenet_v1(
        alpha or Fraction(1),
        resolution,
        rho=rho,
        rounding=rounding,
        architecture=architecture,
        **vars(conventions_of(options)),
    )
    emit(layer_report(network), fmt, output)
