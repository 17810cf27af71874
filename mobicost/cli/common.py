"""What every ``mobicost`` command shares: the error boundary, output, and the options that
choose a network and its counting conventions.

Each command (a module of this package) parses its options, calls one library function and
hands the result to :func:`emit`. Heavy imports (sympy, pandas, numpy, torch) happen inside the
commands that need them, never at start-up.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any, ClassVar

import click

from ..cost.rules import PADDINGS
from ..errors import MobicostError
from ..render.formats import (
    FORMATS,
    STDOUT,
    TABLE_FORMATS,
    ColumnRows,
    Format,
    Report,
    encodes,
    render_chunks,
    render_rich,
    render_text,
    terminal_text,
    write_output,
)
from .params import OUTPUT_PATH, POSITIVE_EXACT, POSITIVE_INT

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class MobicostGroup(click.Group):
    """A group whose errors are one line on stderr (exit 2 for bad input), never a traceback,
    and whose commands are loaded only when used (each is a module of this package)."""

    #: command name -> module of this package that defines it
    LAZY: ClassVar[dict[str, str]] = {
        "table": "table",
        "sweep": "sweep",
        "compare": "compare",
        "check": "check",
        "verify": "verify",
        "formula": "formula",
        "nets": "nets",
        "spec": "nets",
        "plot": "plot",
        "latency": "latency",
        "calibrate": "profile",
        "profile": "profile",
        "export": "export",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.LAZY, *super().list_commands(ctx)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.LAZY:
            return super().get_command(ctx, name)
        import importlib

        module = importlib.import_module(f"{__package__}.{self.LAZY[name]}")
        command: click.Command = getattr(module, name)
        return command

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
    exact = _exact_asked(fmt)
    if fmt == "parquet":
        _needs_pyarrow()
    if output is None or output == STDOUT:
        if fmt == "parquet" or (isinstance(report.rows, ColumnRows) and fmt in ("csv", "json")):
            _stream(report, fmt, exact=exact)
        else:
            _print(report, fmt, exact=exact)
        return
    try:
        write_output(output, render_chunks(report, fmt, exact=exact))
    except OSError as error:  # a full disk, a refusing device, a permission lost since the check
        raise MobicostError(f"cannot write {output!r}: {error.strerror or error}") from None


def _exact_asked(fmt: Format) -> bool:
    """Whether ``--exact`` was given (JSON's fractions as objects); a usage error with any
    other format, which it would not change."""
    context = click.get_current_context(silent=True)
    exact = bool(context is not None and context.meta.get(_EXACT))
    if exact and fmt != "json":
        raise click.UsageError(
            "--exact writes JSON's fractions as {num, den} objects: use it with --format json "
            "(the table, Markdown and LaTeX show exact values already; CSV carries floats)"
        )
    return exact


def _needs_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise MobicostError(
            "--format parquet needs pyarrow: pip install 'mobicost[parquet]'"
        ) from None


def _stream(report: Report, fmt: Format, *, exact: bool) -> None:
    """Write a big table (or Parquet) to standard output a chunk at a time, as bytes. Parquet is
    binary: refused on a terminal, where it would be garbage; a pipe or a file takes it."""
    if fmt == "parquet" and _on_a_terminal():
        raise click.UsageError(
            "Parquet is binary: write it to a file with -o FILE, or pipe it (mobicost ... -f "
            "parquet | ...)"
        )
    ascii = not encodes("αρ→²", getattr(sys.stdout, "encoding", None))  # JSON escapes the rest
    try:
        sys.stdout.flush()
        out = sys.stdout.buffer
        for chunk in render_chunks(report, fmt, ascii=ascii, exact=exact):
            out.write(chunk)
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        raise MobicostError(f"cannot write to standard output: {error.strerror or error}") from None


def _print(report: Report, fmt: Format, *, exact: bool = False) -> None:
    """Print on standard output; where its encoding cannot carry the symbols (LC_ALL=C,
    PYTHONIOENCODING=ascii), in ASCII instead of failing."""
    encoding = getattr(sys.stdout, "encoding", None)
    try:
        if fmt == "table" and _on_a_terminal():  # fitted to its width, with styles
            text = _terminal_table(report, encoding)
        else:
            text = render_text(report, fmt, exact=exact)
            if not encodes(text, encoding):
                text = render_text(report, fmt, ascii=True, exact=exact)
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


def _terminal_table(report: Report, encoding: str | None) -> str:
    """The table as rich prints it on this terminal: drawn by mobicost where the table fits the
    terminal's width as it is (rich's own output, byte for byte: tests/test_matrix.py), by rich
    where its columns must shrink, or where rich alone knows the console (Windows, IDLE,
    Jupyter)."""
    if os.name == "nt" or "idlelib" in sys.modules or "IPython" in sys.modules:
        from rich.console import Console

        # NO_COLOR (no-color.org) means no escapes at all here, bold and dim included
        console = Console(color_system=None if os.environ.get("NO_COLOR") else "auto")
        if not console.is_terminal:  # rich knows better (an IDE's console): natural width
            console.width = 10_000
        text = _capture(console, report, ascii=False)
        return text if encodes(text, encoding) else _capture(console, report, ascii=True)
    dumb = os.environ.get("TERM", "").strip().lower() in ("dumb", "unknown")
    styled = not dumb and not os.environ.get("NO_COLOR")  # no escapes where rich has no colours
    width = _terminal_width(dumb)
    text = terminal_text(report, width, styled=styled)
    if not encodes(text, encoding):
        text = terminal_text(report, width, ascii=True, styled=styled)
    return text


def _terminal_width(dumb: bool) -> int:
    """The columns rich gives a console: ``COLUMNS`` where it is a number, else 80 on a dumb
    terminal, else the size of the first of standard input, output and error that is a
    terminal, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if dumb:
        return 80
    for descriptor in (0, 1, 2):
        try:
            return os.get_terminal_size(descriptor).columns or 80
        except (AttributeError, ValueError, OSError):
            continue
    return 80


def _capture(console: Any, report: Report, *, ascii: bool) -> str:
    with console.capture() as capture:
        for renderable in render_rich(report, ascii=ascii):
            console.print(renderable)
    return str(capture.get())


_EXACT = "mobicost.exact"  #: where --exact leaves its answer in the click context


def _remember_exact(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    ctx.meta[_EXACT] = value
    return value


def table_format_options(command: Any) -> Any:
    """:func:`format_options` with Parquet among the formats: for the commands whose report is
    one plain table of rows (``table``, ``sweep``)."""
    return format_options(command, TABLE_FORMATS)


def format_options(command: Any, formats: Sequence[Format] = FORMATS) -> Any:
    """``--format``, ``--output`` and ``--exact``, shared by every command that prints a
    report."""
    command = click.option(
        "--exact",
        is_flag=True,
        expose_value=False,
        callback=_remember_exact,
        help='With --format json: every fraction as {"num": N, "den": D} instead of a float.',
    )(command)
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
        type=click.Choice(formats),
        default="table",
        show_default=True,
        help="Output format; in csv and json every quantity is a number (counts exact "
        "integers, ratios and shares floats; --exact for fractions)"
        + (
            "; parquet (pip install 'mobicost[parquet]') is binary: give -o FILE or pipe it."
            if "parquet" in formats
            else "."
        ),
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


# --- choosing a network --------------------------------------------------------------------------


class NetworkRef:
    """A network as typed: its spec, and the width and resolution its name carries, if any
    (``0.75-MobileNet-128``, ``mobilenet-v2@0.75:192``)."""

    def __init__(self, spec: Any, alpha: Fraction | None, resolution: int | None) -> None:
        self.spec, self.alpha, self.resolution = spec, alpha, resolution


class ImportedRef(NetworkRef):
    """A model to import, as typed (``vit.onnx``, ``model.py:build``, ``torchvision:NAME``):
    read when the command knows its input (``--input``, ``--res``)."""

    def __init__(self, text: str) -> None:
        self.text, self.alpha, self.resolution = text, None, None

    @property
    def spec(self) -> Any:
        """A spec file's or a built-in's table, which an imported model has not: a command that
        reads one (its width table, its published figures) says so in one line."""
        raise MobicostError(
            f"{self.text}: this command reads a built-in's or a spec file's own table, which "
            "an imported model has not"
        )


_SUFFIX = re.compile(r"(?P<base>[^@:]+)(?:@(?P<alpha>[^@:]+))?(?::(?P<res>[^@:]+))?")


class NetworkType(click.ParamType):  # type: ignore[type-arg]
    """A built-in name (``mobilenet-v2``), MobileNet v1 in a published name form
    (``0.75-MobileNet-128``, ``MobileNet_v1_0.75_128``), or a spec file's path; with ``@ALPHA``
    and ``:RES`` after a name to fix its width and resolution (``mobilenet-v2@0.75:192``)."""

    name = "network"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, NetworkRef):
            return value
        from ..exact import parse_exact
        from ..nets.library import resolve

        text = str(value).strip()
        from ..frontends.models import is_model

        if is_model(text):
            return ImportedRef(text)
        base, alpha, resolution = text, None, None
        suffix = None if os.path.exists(text) else _SUFFIX.fullmatch(text)
        if suffix is not None and (suffix["alpha"] or suffix["res"]):
            base = suffix["base"]
            if suffix["res"]:
                if not (suffix["res"].isascii() and suffix["res"].isdigit()):
                    self.fail(
                        f"{text!r}: the resolution after ':' is not a whole number", param, ctx
                    )
                resolution = int(suffix["res"])
            if suffix["alpha"]:
                try:
                    alpha = parse_exact(suffix["alpha"])
                except ValueError:
                    self.fail(f"{text!r}: the width after '@' is not a number", param, ctx)
            if resolution == 0 or alpha == 0:
                self.fail(f"{text!r}: width and resolution must be above zero", param, ctx)
        try:
            spec, named_alpha, named_resolution = resolve(base)
        except MobicostError as error:
            self.fail(str(error), param, ctx)
        if named_alpha is not None and alpha is not None:
            self.fail(f"{text!r} names its width twice", param, ctx)
        if named_resolution is not None and resolution is not None:
            self.fail(f"{text!r} names its resolution twice", param, ctx)
        return NetworkRef(spec, alpha or named_alpha, resolution or named_resolution)

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[Any]:
        from click.shell_completion import CompletionItem

        from ..nets.library import names

        return [CompletionItem(name) for name in names() if name.startswith(incomplete)]


NETWORK = NetworkType()

#: a command that takes a network also takes the network's own options (``--groups 3``), which
#: click cannot know in advance: :class:`NetworkCommand` hands them over as extra arguments
NETWORK_CONTEXT = {**CONTEXT, "allow_extra_args": True}


class NetworkCommand(click.Command):
    """A command that takes networks and, after its own options, the networks' own options
    (``--groups 3``, ``--rounding div8`` where the command has no such option), in any order a
    click user would try: before, between or after the network names.

    click cannot know a network's options before it knows the network, and left to itself it
    would read ``--groups`` as a network's name. So the arguments are sorted first: the
    command's own options (with their values) and the positional words go to click; every
    other ``--name value`` or ``--name=value`` goes to ``ctx.args`` in the order given, where
    :func:`parse_options` checks it against what the network offers. An option's value is the
    next word unless that word is another long option or one of the command's, so ``--groups
    -3`` reaches the network (and its error) as typed. A word after ``--`` is positional."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["context_settings"] = {**NETWORK_CONTEXT, **(kwargs.get("context_settings") or {})}
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes: dict[str, int] = {}  # the command's own options -> how many values each takes
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                values = 0 if param.is_flag or param.count else param.nargs
                takes.update((opt, values) for opt in (*param.opts, *param.secondary_opts))

        def is_own(item: str) -> bool:  # -fcsv is -f csv
            return item.partition("=")[0] in takes or (item[:2] in takes and item[1] != "-")

        own: list[str] = []
        networks: list[str] = []
        items = list(args)
        while items:
            item = items.pop(0)
            if item == "--":
                own += [item, *items]
                break
            name = item.partition("=")[0]
            if is_own(item):
                own.append(item)
                if name in takes and "=" not in item:
                    own += items[: takes[name]]
                    del items[: takes[name]]
            elif item.startswith("--") and len(item) > 2:
                networks.append(item)
                if "=" not in item and items and not items[0].startswith("--") | is_own(items[0]):
                    networks.append(items.pop(0))
            else:
                own.append(item)
        rest = super().parse_args(ctx, own)
        ctx.args = [*networks, *ctx.args]
        return rest


def spec_options(spec: Any, args: Sequence[str]) -> dict[str, str]:
    """A network's own options from the arguments click left over (``--groups 3``)."""
    return parse_options(spec.options, spec.name, args)


def parse_options(offered: Mapping[str, Any], owner: str, args: Sequence[str]) -> dict[str, str]:
    """``--name value`` or ``--name=value`` pairs, each one of the ``offered`` options (a spec's
    ``[options]``); anything else is a usage error naming what ``owner`` offers."""
    chosen: dict[str, str] = {}
    items = list(args)
    listing = ", ".join(f"--{o.name} {'|'.join(o.values)}" for o in offered.values())
    listing = listing or "no options of its own"
    while items:
        item = items.pop(0)
        if not item.startswith("--") or len(item) < 3:
            raise click.UsageError(f"unexpected argument {item!r}")
        name, equals, value = item[2:].partition("=")
        key = name.replace("-", "_")
        if key not in offered:
            raise click.UsageError(f"no such option --{name} ({owner} has {listing})")
        if not equals:
            if not items or items[0].startswith("--"):
                raise click.UsageError(f"--{name} needs a value ({listing})")
            value = items.pop(0)
        chosen[key] = value
    return chosen


def network_options(command: Any) -> Any:
    """--alpha, --res, --rho and --rounding: the width and the input of a network."""
    from ..nets.spec import ROUNDINGS

    options = [
        click.option("--alpha", type=POSITIVE_EXACT, help="Width multiplier, exact: 0.75 or 3/4."),
        click.option(
            "--res", "resolution", type=POSITIVE_INT, help="Input resolution [default: the net's]."
        ),
        click.option(
            "--rho",
            type=POSITIVE_EXACT,
            help="Resolution multiplier: res = round(rho x the net's).",
        ),
        click.option(
            "--rounding",
            type=click.Choice(ROUNDINGS),
            default=None,
            help="Channels after alpha: floor = int(alpha C) (paper, Keras); slim = "
            "max(floor, 8) (TF-Slim); div8 = nearest multiple of 8 (MobileNet v2/v3, timm). "
            "[default: the net's]",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return import_options(command)


def import_options(command: Any) -> Any:
    """--input and --strict: what an imported model (FILE.onnx, FILE.py:CALLABLE,
    torchvision:NAME, timm:NAME) is read on, and whether what is not costed fails."""
    options = [
        click.option(
            "--input",
            "input_shape",
            metavar="CxHxW",
            help="An imported model's input, 3x224x224, or token ids, tokens:128 (a sequence "
            "length) [default: an ONNX file's own, torchvision's crop size, else 3x224x224].",
        ),
        click.option(
            "--strict",
            is_flag=True,
            default=False,
            help="Fail (exit 2) when an imported model holds an operation mobicost cannot cost.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def input_shape_of(options: Mapping[str, Any], tokens: bool = False) -> tuple[int, ...] | None:
    """The --input shape given, parsed, or None; token ids (``tokens:128``) only where the
    command reads them (``tokens``: it asks :func:`tokens_of`), else a one-line error."""
    from ..frontends.models import parse_input

    text = options.get("input_shape")
    if not text:
        return None
    shape, ids = parse_input(text)
    if ids and not tokens:
        command = click.get_current_context().info_name
        raise click.UsageError(
            f"{command} runs a model on an image or features; token ids (--input {text}) "
            "work with table, compare, sweep, latency and plot"
        )
    return shape


def tokens_of(options: Mapping[str, Any]) -> bool:
    """Whether --input gives token ids (``tokens:128``)."""
    from ..frontends.models import parse_input

    text = options.get("input_shape")
    return parse_input(text)[1] if text else False


def convention_options(command: Any) -> Any:
    """The counting conventions, shared by every network command; each defaults to the
    network's own (its spec's ``[conventions]``: the MobileNet paper's for MobileNet v1)."""
    from ..cost.conventions import BIAS_POLICIES, BN_POLICIES, UNITS

    options = [
        click.option(
            "--unit",
            type=click.Choice(UNITS),
            default=None,
            help="MACs (the paper's mult-adds) or FLOPs = 2 x MACs.  [default: macs]",
        ),
        click.option(
            "--bias",
            type=click.Choice(BIAS_POLICIES),
            default=None,
            help="Bias parameters: none (paper), fc (fully connected layers, Keras and "
            "torchvision) or all.  [default: the net's]",
        ),
        click.option(
            "--bn",
            type=click.Choice(BN_POLICIES),
            default=None,
            help="Batch-norm parameters: none (paper), affine (gamma, beta), slim (beta + "
            "moving mean and variance, TF-Slim) or all (4 vectors, Keras).  [default: the net's]",
        ),
        click.option(
            "--classes",
            type=POSITIVE_INT,
            default=None,
            help="Classifier outputs (TF-Slim checkpoints: 1001).  [default: the net's]",
        ),
        click.option(
            "--head/--no-head",
            default=None,
            help="Include the classifier head (pool and fully connected layers).  [default: head]",
        ),
        click.option(
            "--pool-adds/--no-pool-adds",
            default=None,
            help="Count pooling additions as one op each.",
        ),
        click.option(
            "--activation-ops/--no-activation-ops",
            default=None,
            help="Count one op per activation output (some tools do, for h-swish).",
        ),
        click.option(
            "--eltwise-ops/--no-eltwise-ops",
            default=None,
            help="Count residual additions and squeeze-and-excitation multiplications.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


CONVENTION_KEYS = (
    "unit", "bias", "bn", "classes", "head", "pool_adds", "activation_ops", "eltwise_ops",
)  # fmt: skip


def conventions_of(spec: Any, options: Mapping[str, Any]) -> Any:
    """The spec's own conventions with those given on the command line in their place."""
    from ..nets.network import conventions_for

    return conventions_for(spec, **{key: options.get(key) for key in CONVENTION_KEYS})


class Figure(click.ParamType):  # type: ignore[type-arg]
    """A positive figure with an SI suffix and, for times, a unit: ``50T``, ``3.35e12``, ``5us``,
    ``0.005ms``, ``2s``. Exact: read as a fraction."""

    name = "figure"
    _SI: ClassVar[dict[str, Fraction]] = {
        "": Fraction(1), "k": Fraction(10**3), "K": Fraction(10**3), "M": Fraction(10**6),
        "G": Fraction(10**9), "T": Fraction(10**12), "P": Fraction(10**15),
        "m": Fraction(1, 10**3), "u": Fraction(1, 10**6), "µ": Fraction(1, 10**6),
        "n": Fraction(1, 10**9),
    }  # fmt: skip

    def __init__(self, unit: str = "") -> None:
        self.unit = unit

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..exact import parse_exact

        if isinstance(value, Fraction):
            return value
        text = str(value).strip()
        if self.unit and text.endswith(self.unit):
            text = text[: -len(self.unit)]
        prefix = text[-1:] if text[-1:] in self._SI and not text[-1:].isdigit() else ""
        try:
            number = parse_exact(text[: len(text) - len(prefix)]) * self._SI[prefix]
        except (ValueError, ZeroDivisionError):
            example = "5us or 0.005ms" if self.unit == "s" else "50T or 3.35e12"
            self.fail(f"expected a figure such as {example}, got {value!r}", param, ctx)
        if number <= 0:
            self.fail(f"must be greater than zero, got {value!r}", param, ctx)
        return number


def chosen_network(
    ref: NetworkRef | None,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: str | None,
    extra: Sequence[str],
    options: Mapping[str, Any],
) -> Any:
    """The network a command was given (MobileNet v1 by default), at the width and resolution
    its name carries or --alpha/--res/--rho give, with its options and the conventions."""
    from ..nets.library import load
    from ..nets.network import build

    if resolution is not None and rho is not None:
        raise click.UsageError("--res and --rho both set the resolution: give one")
    if isinstance(ref, ImportedRef):
        return imported(ref, alpha, resolution, rho, rounding, extra, options)
    if options.get("input_shape"):
        raise click.UsageError("--input is for an imported model (FILE.onnx, FILE.py:CALLABLE...)")
    ref = ref or NetworkRef(load("mobilenet-v1"), None, None)
    if ref.alpha is not None and alpha is not None:
        raise click.UsageError("the network's name gives its width already: drop --alpha")
    if ref.resolution is not None and (resolution is not None or rho is not None):
        raise click.UsageError("the network's name gives its resolution already: drop --res/--rho")
    return build(
        ref.spec,
        alpha=alpha or ref.alpha or ref.spec.default_alpha,
        resolution=resolution or ref.resolution,
        rho=rho,
        rounding=rounding,
        options=spec_options(ref.spec, extra),
        conventions=conventions_of(ref.spec, options),
    )


def imported(
    ref: ImportedRef,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: str | None,
    extra: Sequence[str],
    options: Mapping[str, Any],
) -> Any:
    """An imported model on its --input at --res; --strict refuses one with operations that
    are not costed."""
    from ..frontends.models import load_model

    no_knobs(ref, alpha, rho, rounding, extra)
    net = load_model(
        ref.text,
        input_shape=input_shape_of(options, tokens=True),
        resolution=resolution,
        tokens=tokens_of(options),
    )
    return imported_checked(net, options)


def no_knobs(
    ref: ImportedRef,
    alpha: Fraction | None,
    rho: Fraction | None,
    rounding: str | None,
    extra: Sequence[str],
) -> None:
    """Refuse what an imported model has not: a width, a resolution multiplier, a rounding
    and options of its own."""
    for given, what in ((alpha, "--alpha"), (rho, "--rho"), (rounding, "--rounding")):
        if given is not None:
            raise click.UsageError(f"{what} applies to built-in networks, not to {ref.text}")
    if extra:
        raise click.UsageError(f"unexpected argument {extra[0]!r}")


def imported_checked(net: Any, options: Mapping[str, Any]) -> Any:
    """An imported model in the --unit asked (its other conventions are its own: its
    parameters are the model's); --strict refuses one with operations that are not costed."""
    from dataclasses import replace

    from ..frontends import not_costed

    missing = not_costed(net)
    if options.get("strict") and missing:
        raise MobicostError(f"not costed (--strict): {'; '.join(missing)}")
    unit = options.get("unit")
    if unit is not None and unit != net.conventions.unit:
        net = replace(net, conventions=replace(net.conventions, unit=unit))
    return net


#: rows a person is shown before the table is cut (machine formats get every row)
HUMAN_ROWS = 500


def progress(what: str = "costing widths") -> Any:
    """A progress callback that shows a rich bar on a terminal once a task (a sweep, a
    calibration) has run a second."""
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
            state["task"] = state["bar"].add_task(what, total=total)
        state["bar"].update(state["task"], completed=done)
        if done == total:
            state["bar"].stop()

    return update


def workload_options(command: Any) -> Any:
    """--batch and the data types: what the memory and time figures are for."""
    from ..nets.memory import DTYPES

    options = [
        click.option(
            "--batch", type=POSITIVE_INT, default=1, show_default=True, help="Batch size."
        ),
        click.option(
            "--dtype",
            type=click.Choice(DTYPES),
            default=None,
            help="Data type of weights and activations alike.  [default: fp32]",
        ),
        click.option(
            "--weight-dtype",
            type=click.Choice(DTYPES),
            default=None,
            help="Data type of the weights alone (int8: seed 000's quantised MobileNet).",
        ),
        click.option(
            "--activation-dtype",
            type=click.Choice(DTYPES),
            default=None,
            help="Data type of the activations alone.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def workload_of(options: Mapping[str, Any]) -> Any:
    """The :class:`~mobicost.nets.memory.Workload` the workload options name."""
    from ..nets.memory import Workload

    dtype = options.get("dtype")
    weights, activations = options.get("weight_dtype"), options.get("activation_dtype")
    if dtype is not None and (weights is not None or activations is not None):
        raise click.UsageError(
            "--dtype sets both types: give it, or --weight-dtype/--activation-dtype"
        )
    return Workload(
        batch=options.get("batch") or 1,
        weights=weights or dtype or "fp32",
        activations=activations or dtype or "fp32",
    )


WORKLOAD_KEYS = ("batch", "dtype", "weight_dtype", "activation_dtype")


def device_options(command: Any) -> Any:
    """--device and the figures that adjust or replace it: what the time figures are for."""
    options = [
        click.option(
            "--device",
            default="h100",
            show_default=True,
            help="A device profile: h100, a100, cpu (a class), local (from 'mobicost "
            "calibrate'), or a profile file (TOML).",
        ),
        click.option("--peak", type=Figure(), help="Peak arithmetic, FLOP/s, for every type: 50T."),
        click.option("--bandwidth", type=Figure(), help="Memory bandwidth, bytes/s: 3.35T."),
        click.option("--overhead", type=Figure("s"), help="Time added to each layer: 5us, 0.01ms."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def device_of(options: Mapping[str, Any]) -> Any:
    """The :class:`~mobicost.analysis.latency.Device` the device options name."""
    from ..analysis.latency import load_device

    return load_device(options.get("device") or "h100").with_figures(
        options.get("peak"), options.get("bandwidth"), options.get("overhead")
    )
