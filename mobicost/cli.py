"""The ``mobicost`` command: thin click commands over the library.

Each command parses its options (types in :mod:`mobicost.params`), calls one library function
and hands the result to :func:`emit`. Heavy imports (sympy, pandas) happen inside the commands
that need them, never at start-up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import click

from . import __version__
from .architectures import ARCHITECTURES
from .params import (
    ALPHA_LIST,
    BUDGET,
    MODEL_NAME,
    OUTPUT_PATH,
    POSITIVE_EXACT,
    POSITIVE_INT,
    RESOLUTION_LIST,
    VARIANT_NAME,
)
from .render import (
    FORMATS,
    STDOUT,
    Format,
    Report,
    encodes,
    render_rich,
    render_text,
    write_output,
)
from .rules import PADDINGS, MobicostError, Padding

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
        except OSError as error:  # a stream or file the system refused (a full disk...)
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"Error: {where}{error.strerror or error}", err=True)
            sys.exit(2)
        sys.exit(result if isinstance(result, int) else 0)


def emit(report: Report, fmt: Format, output: str | None) -> None:
    """Print ``report`` in ``fmt``, or write it to ``output`` (UTF-8; a file atomically, a device
    or FIFO directly: :func:`~mobicost.render.write_output`). Any failure is one line, exit 2."""
    if output is None or output == STDOUT:
        _print(report, fmt)
        return
    try:
        write_output(output, render_text(report, fmt))
    except OSError as error:  # a full disk, a refusing device, a permission lost since the check
        raise MobicostError(f"cannot write {output!r}: {error.strerror or error}") from None


def _print(report: Report, fmt: Format) -> None:
    """Print on standard output; where its encoding cannot carry the symbols (LC_ALL=C,
    PYTHONIOENCODING=ascii), in ASCII instead of failing."""
    encoding = getattr(sys.stdout, "encoding", None)
    try:
        if fmt == "table" and _on_a_terminal():  # rich fits the table to it, with styles
            from rich.console import Console

            # NO_COLOR (no-color.org) means no escapes at all here, bold and dim included
            console = Console(color_system=None if os.environ.get("NO_COLOR") else "auto")
            if not console.is_terminal:  # rich knows better (an IDE's console): natural width
                console.width = 10_000
            text = _capture(console, report, ascii=False)
            if not encodes(text, encoding):
                text = _capture(console, report, ascii=True)
        else:
            text = render_text(report, fmt)
            if not encodes(text, encoding):
                text = render_text(report, fmt, ascii=True)
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `mobicost table | head -1`: click ends quietly, exit 1
        raise
    except OSError as error:  # `mobicost table > /dev/full`
        raise MobicostError(f"cannot write to standard output: {error.strerror or error}") from None


def _on_a_terminal() -> bool:
    """Whether rich would treat standard output as a terminal (TTY_COMPATIBLE, FORCE_COLOR, a
    tty); elsewhere (a pipe, a file) a table keeps its natural width and has no styles, which
    :func:`~mobicost.render.rich_text` draws without loading rich's console."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    if "FORCE_COLOR" in os.environ:
        return os.environ["FORCE_COLOR"] != ""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _capture(console: Any, report: Report, *, ascii: bool) -> str:
    with console.capture() as capture:
        for renderable in render_rich(report, ascii=ascii):
            console.print(renderable)
    return str(capture.get())


def format_options(command: Any) -> Any:
    """``--format`` and ``--output``, shared by every command that prints a report."""
    command = click.option(
        "--output",
        "-o",
        type=OUTPUT_PATH,
        default=None,
        help="Write to FILE instead of printing ('-': standard output). A file is replaced "
        "atomically (never a partial one; through a symlink, its target); a device or FIFO "
        "is written directly.",
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


def layer_options(groups_help: str) -> Callable[[Any], Any]:
    """One layer's shape: --k, --m, --n, --size, --stride, --padding and --groups."""
    options = [
        click.option("--k", "kernel", type=POSITIVE_INT, help="Kernel size D_K."),
        click.option("--m", type=POSITIVE_INT, help="Input channels M."),
        click.option("--n", type=POSITIVE_INT, help="Output channels N."),
        click.option(
            "--size", type=POSITIVE_INT, help="Input feature-map size (D_F at stride 1, 'same')."
        ),
        click.option("--stride", type=POSITIVE_INT, default=1, show_default=True, help="Stride."),
        click.option(
            "--padding",
            type=click.Choice(PADDINGS),
            default="same",
            show_default=True,
            help="'same' (TensorFlow, the paper) or 'valid' (seed 003).",
        ),
        click.option("--groups", type=POSITIVE_INT, help=groups_help),
    ]

    def decorate(command: Any) -> Any:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@click.group(cls=MobicostGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", "-V", prog_name="mobicost")
def main() -> None:
    """Exact cost models (MACs and parameters) for MobileNet-style networks.

    Every number is exact and states its convention: MACs are the paper's mult-adds
    (FLOPs = 2 x MACs). Every command takes --format table|csv|json|markdown|latex and
    --output FILE; run 'mobicost COMMAND --help' for its options and examples.

    \b
    Examples:
      mobicost table --alpha 0.5 --res 160     0.50 MobileNet-160, layer by layer
      mobicost formula --ratio depthwise-separable
      mobicost sweep --max-macs 300M --pareto
      mobicost compare --models
      mobicost check --mismatches
      mobicost verify --all                    needs PyTorch

    \b
    Shell completion (bash; zsh and fish alike):
      eval "$(_MOBICOST_COMPLETE=bash_source mobicost)"
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
    from . import derive, formula_report
    from .variants import VARIANTS, Shape

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


def chosen_network(
    model: Any,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: Any,
    options: dict[str, Any],
) -> Any:
    """The network named by MODEL or by --alpha/--res/--rho (1.0 and 224 by default), with the
    conventions of :func:`convention_options`."""
    from .network import mobilenet_v1

    if resolution is not None and rho is not None:
        raise click.UsageError("--res and --rho both set the resolution: give one")
    architecture = "mobilenet"
    if model is not None:
        if (alpha, resolution, rho) != (None, None, None):
            raise click.UsageError("give the model by name or by --alpha/--res/--rho, not both")
        alpha, resolution, architecture = model.alpha, model.resolution, model.architecture
    return mobilenet_v1(
        alpha or Fraction(1),
        resolution,
        rho=rho,
        rounding=rounding,
        architecture=architecture,
        **vars(conventions_of(options)),
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
    from .network_report import layer_report

    network = chosen_network(model, alpha, resolution, rho, rounding, options)
    emit(layer_report(network), fmt, output)


#: rows a person is shown before the table is cut (machine formats get every row)
HUMAN_ROWS = 500


def _progress() -> Any:
    """A progress callback that shows a rich bar on a terminal once a sweep has run a second."""
    import time

    started = time.monotonic()
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            if time.monotonic() - started < 1 or not sys.stderr.isatty():
                return
            from rich.console import Console
            from rich.progress import Progress

            state["bar"] = Progress(console=Console(stderr=True), transient=True)
            state["bar"].start()
            state["task"] = state["bar"].add_task("costing widths", total=total)
        state["bar"].update(state["task"], completed=done)
        if done == total:
            state["bar"].stop()

    return update


_SWEEP_EPILOG = """\b
Examples:
  mobicost sweep                                    the paper's 4 x 4 grid, with top-1
  mobicost sweep --alpha 0.25:1.0:0.05 --res 128:224:32 -f csv -o sweep.csv
  mobicost sweep --res 192 --alpha 0.25:1.0:0.05 --max-macs 300M --sort alpha --top 1
                                                    the largest alpha under 300M MACs at 192
  mobicost sweep --pareto                           the accuracy / cost front (TF-Slim top-1)
  mobicost sweep --max-params 2M --unit flops
"""


@main.command(epilog=_SWEEP_EPILOG, context_settings=CONTEXT)
@click.option(
    "--alpha",
    "alphas",
    type=ALPHA_LIST,
    default="1.0,0.75,0.5,0.25",
    show_default=True,
    help="Width multipliers: a list and/or start:end:step ranges.",
)
@click.option(
    "--res",
    "resolutions",
    type=RESOLUTION_LIST,
    default=None,
    help="Resolutions: a list and/or ranges.  [default: 224,192,160,128]",
)
@click.option(
    "--rho",
    "rhos",
    type=ALPHA_LIST,
    default=None,
    help="Resolution multipliers instead of --res: res = round(224 rho).",
)
@click.option("--max-macs", type=BUDGET, help="Keep configurations with at most this many MACs.")
@click.option("--max-flops", type=BUDGET, help="Keep configurations with at most these FLOPs.")
@click.option("--max-params", type=BUDGET, help="Keep configurations with at most these params.")
@click.option(
    "--pareto",
    is_flag=True,
    help="Keep the configurations no other beats on both cost and top-1 (or, where "
    "top-1 is not published for all, alpha x resolution).",
)
@click.option(
    "--sort",
    type=click.Choice(["macs", "params", "alpha", "resolution", "top1"]),
    help="Order: costs ascending; alpha, resolution and top-1 descending.",
)
@click.option("--top", type=POSITIVE_INT, help="Keep only the first N rows (after --sort).")
@click.option(
    "--architecture",
    type=click.Choice(list(ARCHITECTURES)),
    default="mobilenet",
    show_default=True,
    help="Which network to sweep.",
)
@convention_options
@format_options
def sweep(
    alphas: tuple[Fraction, ...],
    resolutions: tuple[int, ...] | None,
    rhos: tuple[Fraction, ...] | None,
    max_macs: Fraction | None,
    max_flops: Fraction | None,
    max_params: Fraction | None,
    pareto: bool,
    sort: Any,
    top: int | None,
    architecture: str,
    rounding: Any,
    fmt: Format,
    output: str | None,
    **options: Any,
) -> None:
    """Cost every (alpha, resolution) pair: budgets, the Pareto front, the best under a budget.

    Without options: the paper's and TF-Slim's 4 x 4 grid (alpha 1.0 to 0.25, resolution 224
    to 128), each model with its ratio to 1.0 MobileNet-224 and its published top-1.
    """
    from . import sweep as sweeping
    from .network import resolution_from_rho
    from .reports import sweep_report

    if resolutions is not None and rhos is not None:
        raise click.UsageError("--res and --rho both set the resolutions: give one")
    if rhos is not None:
        resolutions = tuple(dict.fromkeys(resolution_from_rho(r) for r in rhos))
    budgets = [
        f"{name} <= {int(value):,}" if value.denominator == 1 else f"{name} <= {value}"
        for name, value in (("MACs", max_macs), ("FLOPs", max_flops), ("params", max_params))
        if value is not None
    ]
    result = sweeping.sweep(
        alphas,
        resolutions or sweeping.PAPER_RESOLUTIONS,
        architecture=architecture,
        rounding=rounding,
        conventions=conventions_of(options),
        max_macs=max_macs,
        max_flops=max_flops,
        max_params=max_params,
        pareto=pareto,
        sort=sort,
        top=top,
        progress=_progress(),
    )
    limit = HUMAN_ROWS if fmt in ("table", "markdown", "latex") else None
    emit(sweep_report(result, limit=limit, budgets=budgets), fmt, output)


_COMPARE_EPILOG = """\b
Examples:
  mobicost compare --k 3 --m 512 --n 512 --size 14     the paper's Table 3, every variant
  mobicost compare --k 3 --m 256 --n 256 --size 28 --groups 4
  mobicost compare --models                            MobileNet vs Conv, Shallow, 0.75
  mobicost compare --models 0.5-MobileNet-160 MobileNet_v1_0.25_224 --alpha 0.75 --res 192
"""


@main.command(epilog=_COMPARE_EPILOG, context_settings=CONTEXT)
@click.argument("names", nargs=-1, type=MODEL_NAME, metavar="[MODEL]...")
@click.option(
    "--models",
    "whole",
    is_flag=True,
    help="Compare whole networks (the MODEL names, or the paper's Table 4 and 5 set).",
)
@layer_options("Add a grouped convolution with G groups.")
@click.option(
    "--alpha",
    type=POSITIVE_EXACT,
    help="Layer: thin the separable layer by alpha [default: 0.75]. Models: add "
    "alpha MobileNet-res.",
)
@click.option(
    "--res",
    "resolution",
    type=POSITIVE_INT,
    help="Models: the resolution of the added model [default: 224].",
)
@click.option("--rho", type=POSITIVE_EXACT, help="Layer: also shrink it by rho [default: 0.714].")
@convention_options
@format_options
def compare(
    names: tuple[Any, ...],
    whole: bool,
    kernel: int | None,
    m: int | None,
    n: int | None,
    size: int | None,
    stride: int,
    padding: Any,
    groups: int | None,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: Any,
    fmt: Format,
    output: str | None,
    **options: Any,
) -> None:
    """Variants side by side: one layer in every convolution variant, or whole networks.

    A layer (--k, --m, --n, --size): standard, depthwise-separable, spatially separable and
    (with --groups) grouped, then the separable layer thinned by alpha and shrunk by rho, as
    the paper's Table 3. Networks (--models): MobileNet against Conv MobileNet, Shallow
    MobileNet and 0.75 MobileNet (Tables 4 and 5), or any models named. A layer counts a
    bias with --bias all; the other convention options apply to networks.
    """
    from .compare import compare_layer, compare_models
    from .network import mobilenet_v1
    from .reports import layer_comparison_report, model_comparison_report

    layer_options = {"--k": kernel, "--m": m, "--n": n, "--size": size}
    layer_bias = options["bias"] == "all"
    given = [name for name, value in layer_options.items() if value is not None]
    if whole or names:
        if given or groups is not None or rho is not None:
            raise click.UsageError(
                "--models compares networks; --k, --m, --n, --size, "
                "--groups and --rho describe one layer"
            )
        conventions = vars(conventions_of(options))
        specs = [(n.architecture, n.alpha, n.resolution) for n in names]
        if alpha is not None or resolution is not None:
            specs.append(("mobilenet", alpha or Fraction(1), resolution or 224))
        if not specs:
            specs = [
                ("mobilenet", Fraction(1), 224),
                ("conv-mobilenet", Fraction(1), 224),
                ("shallow-mobilenet", Fraction(1), 224),
                ("mobilenet", Fraction(3, 4), 224),
            ]
        networks = [
            mobilenet_v1(a, r, architecture=arch, rounding=rounding, **conventions)
            for arch, a, r in specs
        ]
        emit(model_comparison_report(compare_models(networks)), fmt, output)
        return
    missing = [name for name, value in layer_options.items() if value is None]
    if missing:
        raise click.UsageError(
            f"compare a layer with --k, --m, --n and --size (missing "
            f"{', '.join(missing)}), or networks with --models"
        )
    if resolution is not None:
        raise click.UsageError("--res names a model's resolution: use it with --models")
    assert kernel is not None and m is not None and n is not None and size is not None
    comparison = compare_layer(
        k=kernel,
        m=m,
        n=n,
        size=size,
        stride=stride,
        padding=padding,
        groups=groups,
        bias=layer_bias,
        # the library's defaults (Table 3's 0.75 and 0.714) unless given
        **{name: value for name, value in (("alpha", alpha), ("rho", rho)) if value is not None},
    )
    emit(layer_comparison_report(comparison, bias=layer_bias), fmt, output)


@main.command(context_settings=CONTEXT)
@click.option(
    "--source",
    type=click.Choice(["paper", "slim", "all"]),
    default="all",
    show_default=True,
    help="Check the paper's claims, the TF-Slim table, or both.",
)
@click.option("--mismatches", is_flag=True, help="Show only the claims that do not hold.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing; answer with the exit status.")
@format_options
def check(source: str, mismatches: bool, quiet: bool, fmt: Format, output: str | None) -> None:
    """Judge the paper's claims (and the TF-Slim table) against the exact counts.

    Each printed number holds, holds within its printed precision, is a paper typo, or does
    not hold; a mismatch is explained only when a counting convention or a misprint
    reproduces it. Exit status: 0 when every claim holds or is explained, 1 otherwise.

    \b
    Examples:
      mobicost check                   every claim: 1, TF-Slim's 0.25 MobileNet-192 is unexplained
      mobicost check --source paper    the paper alone: 0
      mobicost check --mismatches      only what does not hold, and why
    """
    from . import check as checking
    from . import published
    from .reports import check_report

    claims = []
    if source in ("paper", "all"):
        claims += [
            *checking.separable_claims(),
            *checking.share_claims(),
            *checking.table_3_claims(),
            *checking.network_claims(published.PAPER_MODELS),
            *checking.scaling_claims(),
        ]
    if source in ("slim", "all"):
        claims += checking.network_claims(published.SLIM_MODELS)
    shown = (
        [c for c in claims if c.verdict not in ("holds", "holds within printed precision")]
        if mismatches
        else claims
    )
    if not quiet or output is not None:
        emit(check_report(shown), fmt, output)
    if not all(claim.explained for claim in claims):
        sys.exit(1)


def _verify_set(conventions: dict[str, Any]) -> list[Any]:
    """What --all verifies: the 16-model grid at every rounding policy, odd resolutions, and
    the paper's Conv and Shallow MobileNet."""
    from .network import ROUNDINGS, mobilenet_v1

    networks = [
        mobilenet_v1(alpha, res, rounding=rounding, **conventions)
        for rounding in ROUNDINGS
        for alpha in ("1.0", "0.75", "0.5", "0.25")
        for res in (224, 192, 160, 128, 225, 97)
    ]
    networks += [
        mobilenet_v1(architecture=arch, **conventions)
        for arch in ("conv-mobilenet", "shallow-mobilenet")
    ]
    return networks


@main.command(context_settings=CONTEXT)
@click.argument("model", required=False, type=MODEL_NAME)
@click.option("--alpha", type=POSITIVE_EXACT, help="Width multiplier, exact: 0.75 or 3/4.")
@click.option("--res", "resolution", type=POSITIVE_INT, help="Input resolution (default 224).")
@click.option("--rho", type=POSITIVE_EXACT, help="Resolution multiplier: res = round(224 rho).")
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="Print only mismatches (on stderr); answer with the exit status.",
)
@click.option(
    "--all",
    "every",
    is_flag=True,
    help="Verify the 16-model grid at every rounding policy, odd resolutions (225, "
    "97), Conv MobileNet and Shallow MobileNet.",
)
@convention_options
@format_options
def verify(
    model: Any,
    quiet: bool,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    every: bool,
    rounding: Any,
    fmt: Format,
    output: str | None,
    **options: Any,
) -> None:
    """Check mobicost's counts against PyTorch's own counter, layer by layer.

    Builds the network as a torch.nn.Module with the same conventions, runs one forward pass
    under torch.utils.flop_counter.FlopCounterMode and counts parameters with numel. Any
    mismatch is exit status 1 with the layer named. Needs the extra: pip install torch==2.13.0
    (a CPU build) and pip install 'mobicost[torch]'.

    \b
    Examples:
      mobicost verify --alpha 0.5 --res 160
      mobicost verify MobileNet_v1_0.75_128 --bias fc --bn all
      mobicost verify --all
    """
    from .reports import verification_report, verification_summary
    from .verify import require_torch, verify_all

    require_torch()
    if every:
        if model is not None or (alpha, resolution, rho) != (None, None, None):
            raise click.UsageError("--all verifies the whole set: give no model, --alpha or --res")
        results = verify_all(_verify_set(vars(conventions_of(options))))
        if not quiet or output is not None:
            emit(verification_summary(results), fmt, output)
    else:
        network = chosen_network(model, alpha, resolution, rho, rounding, options)
        results = verify_all([network])
        if not quiet or output is not None:
            emit(verification_report(results[0]), fmt, output)
    failures = [(v.network.name, check) for v in results for check in v.mismatches]
    for name, check in failures[:20]:
        click.echo(
            f"mismatch: {name}, layer {check.layer.index} ({check.layer.spec.label}): "
            f"MACs {int(check.layer.cost.macs):,} vs {check.measured_macs:,}, params "
            f"{check.layer.params:,} vs {check.measured_params:,}, shape "
            f"{check.expected_shape} vs {check.measured_shape}",
            err=True,
        )
    if failures:
        sys.exit(1)
