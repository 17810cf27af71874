"""``mobicost plot``: figures of any network, as PNG, SVG or PDF.

matplotlib is an optional extra (``pip install 'mobicost[plot]'``), imported only when a figure
is drawn; without it, a one-line hint and exit 2. ``--help`` needs none.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import click

from ..errors import MobicostError
from ..render import plots
from ..render.formats import STDOUT, check_writable
from .common import (
    CONTEXT,
    NETWORK,
    ImportedRef,
    NetworkCommand,
    NetworkRef,
    chosen_network,
    convention_options,
    conventions_of,
    device_of,
    device_options,
    import_options,
    imported_checked,
    input_shape_of,
    network_options,
    spec_options,
    tokens_of,
    workload_of,
    workload_options,
)
from .params import ALPHA_LIST, POSITIVE_INT, RESOLUTION_LIST

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


class ImagePath(click.ParamType):  # type: ignore[type-arg]
    """A file to write an image to, its type named by its suffix (.png, .svg, .pdf); ``-`` for
    standard output (PNG). Checked before any work is done."""

    name = "file"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        path = str(value)
        if path == STDOUT:
            return path
        try:
            plots.image_format(path)
        except MobicostError as error:
            self.fail(str(error), param, ctx)
        problem = check_writable(path)
        if problem:
            self.fail(f"cannot write {path!r}: {problem}", param, ctx)
        return path


class MetricList(click.ParamType):  # type: ignore[type-arg]
    """Per-layer metrics, comma-separated (``macs,params``), each one of
    :data:`mobicost.render.plots.LAYER_METRICS`."""

    name = "metrics"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        names = tuple(part.strip().lower() for part in str(value).split(","))
        for metric in names:
            if metric not in plots.LAYER_METRICS:
                self.fail(
                    f"{metric!r} is not a per-layer metric; choose from: "
                    f"{', '.join(plots.LAYER_METRICS)}",
                    param,
                    ctx,
                )
        return names


def image_options(command: Any) -> Any:
    """--output, --dpi and --title, shared by every figure."""
    options = [
        click.option(
            "--output",
            "-o",
            type=ImagePath(),
            default=None,
            help="Write the figure to FILE.png, .svg or .pdf (the suffix names the type), "
            "replaced atomically; without it (or '-'), a PNG on standard output when that is "
            "not a terminal.",
        ),
        click.option(
            "--dpi",
            type=POSITIVE_INT,
            default=150,
            show_default=True,
            help="Resolution of a PNG (dots per inch).",
        ),
        click.option("--title", default=None, help="The figure's title.  [default: what it shows]"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _destination(output: str | None) -> str | None:
    """Where the figure goes: a file, or ``None`` for standard output, which a terminal is not
    (checked before any work is done)."""
    if output is not None and output != STDOUT:
        return output
    if _stdout_is_terminal():
        raise click.UsageError(
            "a figure is not for a terminal: give --output FILE.png (or .svg, .pdf), "
            "or redirect standard output to a file"
        )
    return None


def _write(figure: Figure, destination: str | None, dpi: int) -> None:
    """The figure to its file (atomically) or, as a PNG, to standard output; one line, exit 2,
    where the system refuses."""
    try:
        if destination is None:
            sys.stdout.flush()
            sys.stdout.buffer.write(plots.figure_bytes(figure, "png", dpi=dpi))
            sys.stdout.buffer.flush()
        else:
            plots.save_figure(figure, destination, dpi=dpi)
    except BrokenPipeError:
        raise
    except OSError as error:
        where = destination or "standard output"
        raise MobicostError(f"cannot write {where!r}: {error.strerror or error}") from None


@click.group(context_settings=CONTEXT, invoke_without_command=True)
@click.pass_context
def plot(ctx: click.Context) -> None:
    """Figures: accuracy or cost against cost over any networks' models (the paper's Figures 4
    and 5), and a network's layers as bars coloured by layer type. PNG, SVG or PDF, with the
    counting conventions written on the figure. Needs matplotlib: pip install 'mobicost[plot]'.

    \b
    Examples:
      mobicost plot tradeoff -o tradeoff.png       top-1 against MACs, the paper's 16 models
      mobicost plot layers mobilenet-v2 -o layers.svg
    """
    if ctx.invoked_subcommand is None:  # `mobicost plot` alone: what it offers
        click.echo(ctx.get_help())


_TRADEOFF_EPILOG = """\b
Examples:
  mobicost plot tradeoff -o fig4.png               the paper's Figure 4: TF-Slim top-1, 16 models
  mobicost plot tradeoff --x params -o fig5.png    ... Figure 5: against parameters
  mobicost plot tradeoff --source howard -o paper.svg   the accuracies the paper prints
  mobicost plot tradeoff --alpha 0.25:1.0:0.05 --res 128:224:32 --y params -o grid.pdf
  mobicost plot tradeoff mobilenet-v1 mobilenet-v2 shufflenet-v2 resnet-18 -o nets.png
  mobicost plot tradeoff mobilenet-v2@1.0:224 0.75-MobileNet-160 --y params -o two.png
  mobicost plot tradeoff mobilenet-v1 resnet-18 --x latency --device cpu -o time.png
  mobicost plot tradeoff --x memory --dtype int8 -o memory.png   peak activations, int8
  mobicost plot tradeoff torchvision:resnet18 mobilenet-v2 --res 128:224:32 -o mine.png

\b
NETWORK is as 'mobicost table' takes it, any number of them (default: MobileNet v1). Each is
swept over --alpha (nets with a width multiplier) and --res, unless its name fixes them; an
imported model (FILE.onnx, FILE.py:CALLABLE, torchvision:NAME) over --res alone.
Top-1 is drawn where every network publishes some; otherwise cost against cost.
"""


@plot.command(epilog=_TRADEOFF_EPILOG, cls=NetworkCommand)
@click.argument("words", nargs=-1, metavar="[NETWORK]...")
@click.option(
    "--alpha",
    "alphas",
    type=ALPHA_LIST,
    default=None,
    help="Width multipliers: a list and/or start:end:step ranges.  [default: 1.0,0.75,0.5,"
    "0.25 for MobileNet v1; a net's published widths]",
)
@click.option(
    "--res",
    "resolutions",
    type=RESOLUTION_LIST,
    default=None,
    help="Resolutions: a list and/or ranges.  [default: 224,192,160,128 for 224 nets]",
)
@click.option(
    "--rounding",
    type=click.Choice(("floor", "slim", "div8")),
    default=None,
    help="Channels after alpha (see 'mobicost table --help').  [default: the net's]",
)
@click.option(
    "--x",
    "x_axis",
    type=click.Choice(plots.COST_AXES),
    default="macs",
    show_default=True,
    help="The cost on the (log) x axis: operations in --unit, parameters, peak activation "
    "memory (--batch, --dtype), or time predicted on --device.",
)
@click.option(
    "--y",
    "y_axis",
    type=click.Choice(plots.TRADEOFF_AXES),
    default=None,
    help="The y axis: top1 or a cost.  [default: top1 where published, else params against "
    "macs, macs against the rest]",
)
@click.option(
    "--source",
    default=None,
    help="Whose top-1 to draw, by the start of its name ('howard', 'tf-slim').  [default: "
    "the source with figures for most of the models]",
)
@click.option(
    "--labels",
    type=click.Choice(plots.LABELS),
    default="auto",
    show_default=True,
    help=f"Name the points: all, none, or auto (all up to {plots.MAX_LABELS}, else the "
    "Pareto front's).",
)
@import_options
@convention_options
@workload_options
@device_options
@image_options
@click.pass_context
def tradeoff(
    ctx: click.Context,
    /,
    words: tuple[str, ...],
    alphas: tuple[Fraction, ...] | None,
    resolutions: tuple[int, ...] | None,
    rounding: str | None,
    x_axis: Any,
    y_axis: Any,
    source: str | None,
    labels: Any,
    output: str | None,
    dpi: int,
    title: str | None,
    **options: Any,
) -> None:
    """Published top-1 (or a cost) against MACs or parameters, one point per model, the Pareto
    front drawn: the paper's Figures 4 and 5, for any networks' sweeps on the same axes."""
    from ..analysis.sweep import sweep
    from ..nets.library import load

    destination = _destination(output)
    workload = workload_of(options)
    extra = ctx.args
    where = next((p for p in ctx.command.params if p.name == "words"), None)
    refs = tuple(NETWORK.convert(name, where, ctx) for name in words)
    refs = refs or (NetworkRef(load("mobilenet-v1"), None, None),)
    if extra and len(refs) > 1:
        raise click.UsageError(f"a network's own options ({' '.join(extra)}) need one network")
    plots.require_matplotlib()
    sweeps = [
        _imported_sweep(ref, resolutions, options, workload)
        if isinstance(ref, ImportedRef)
        else sweep(
            (ref.alpha,) if ref.alpha is not None else (alphas if ref.spec.width else None),
            (ref.resolution,) if ref.resolution is not None else resolutions,
            network=ref.spec,
            rounding=rounding,
            options=spec_options(ref.spec, extra),
            conventions=conventions_of(ref.spec, options),
            workload=workload,
        )
        for ref in refs
    ]
    setting = plots.Setting(workload, device_of(options))
    data = plots.tradeoff(sweeps, x=x_axis, y=y_axis, source=source, setting=setting)
    _write(plots.tradeoff_figure(data, title=title, labels=labels), destination, dpi)


def _imported_sweep(
    ref: ImportedRef, resolutions: tuple[int, ...] | None, options: dict[str, Any], workload: Any
) -> Any:
    """An imported model's points: the model read again at each --res (width is no knob of
    it, as of a built-in without a width multiplier: --alpha leaves it as it is)."""
    from ..analysis.sweep import sweep_model
    from ..frontends.models import model_loader

    read = model_loader(
        ref.text, input_shape=input_shape_of(options, tokens=True), tokens=tokens_of(options)
    )
    return sweep_model(
        lambda resolution: imported_checked(read(resolution), options), resolutions,
        workload=workload,
    )  # fmt: skip


_LAYERS_EPILOG = """\b
Examples:
  mobicost plot layers -o layers.png               MobileNet v1: MACs and params per layer
  mobicost plot layers -m macs,time --layout side-by-side -o time.png   MACs beside time
  mobicost plot layers -m memory --dtype int8 --batch 8 -o memory.svg
  mobicost plot layers -m macs,time --device cpu -o cpu.png
  mobicost plot layers mobilenet-v2 --alpha 0.75 --res 192 -o v2.svg
  mobicost plot layers resnet-50 --metric macs --unit flops -o resnet50.pdf
  mobicost plot layers shufflenet-v1 --groups 8 --layout side-by-side -o shuffle.png
  mobicost plot layers my_net.toml -o my_net.png   a spec file

\b
NETWORK is as 'mobicost table' takes it (default: MobileNet v1), with its own options.
"""


def _metrics(given: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(name for names in given for name in names))
    return chosen or ("macs", "params")


@plot.command(epilog=_LAYERS_EPILOG, cls=NetworkCommand)
@click.argument("network", required=False, type=NETWORK, metavar="[NETWORK]")
@network_options
@click.option(
    "--metric",
    "-m",
    "metrics",
    type=MetricList(),
    multiple=True,
    help=f"What to draw per layer, repeated or comma-separated: "
    f"{', '.join(plots.LAYER_METRICS)} (activation bytes in + out, for --batch and --dtype; "
    "time predicted on --device).  [default: macs,params]",
)
@click.option(
    "--layout",
    type=click.Choice(plots.LAYOUTS),
    default="stacked",
    show_default=True,
    help="stacked: a panel per metric, values and shares; side-by-side: one panel, each "
    "layer's shares of every metric next to each other.",
)
@convention_options
@workload_options
@device_options
@image_options
@click.pass_context
def layers(
    ctx: click.Context,
    /,
    network: NetworkRef | None,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: str | None,
    metrics: tuple[tuple[str, ...], ...],
    layout: Any,
    output: str | None,
    dpi: int,
    title: str | None,
    **options: Any,
) -> None:
    """A network's layers as bars (MACs, params, activation memory, predicted time), coloured by
    layer type, with each metric's share of the total by layer type beneath: where the cost
    sits, and where the time goes, at a glance."""
    destination = _destination(output)
    setting = plots.Setting(workload_of(options), device_of(options))
    plots.require_matplotlib()
    net = chosen_network(network, alpha, resolution, rho, rounding, ctx.args, options)
    figure = plots.layers_figure(
        net, _metrics(metrics), layout=layout, title=title, setting=setting
    )
    _write(figure, destination, dpi)
