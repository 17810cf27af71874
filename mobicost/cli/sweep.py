"""``mobicost sweep``: every (alpha, resolution) pair of a network, with budgets and fronts."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from ..render.formats import Format
from .common import (
    HUMAN_ROWS,
    NETWORK,
    ImportedRef,
    NetworkCommand,
    NetworkRef,
    convention_options,
    conventions_of,
    emit,
    import_options,
    imported_checked,
    input_shape_of,
    progress,
    spec_options,
    table_format_options,
    tokens_of,
    workload_of,
    workload_options,
)
from .params import ALPHA_LIST, BUDGET, BYTES, POSITIVE_INT, RESOLUTION_LIST

_EPILOG = """\b
Examples:
  mobicost sweep                                    the paper's 4 x 4 grid, with top-1
  mobicost sweep --alpha 0.25:1.0:0.05 --res 128:224:32 -f csv -o sweep.csv
  mobicost sweep --res 192 --alpha 0.25:1.0:0.05 --max-macs 300M --sort alpha --top 1
                                                    the largest alpha under 300M MACs at 192
  mobicost sweep --pareto                           the accuracy / cost front (TF-Slim top-1)
  mobicost sweep mobilenet-v2 --alpha 0.35:1.4:0.05 --max-params 2M
  mobicost sweep shufflenet-v2 --res 96:224:32      its published widths at each resolution
  mobicost sweep --alpha 0.25:1.0:0.05 --res 96:224:32 --dtype int8 --max-memory 256KiB
                                                    fits a microcontroller's 256 KiB of SRAM
  mobicost sweep torchvision:resnet50 --res 128:224:32   an imported model, read at each size
"""


@click.command(epilog=_EPILOG, cls=NetworkCommand)
@click.argument("network", required=False, type=NETWORK, metavar="[NETWORK]")
@click.option(
    "--alpha",
    "alphas",
    type=ALPHA_LIST,
    default=None,
    help="Width multipliers: a list and/or start:end:step ranges.  [default: 1.0,0.75,0.5,"
    "0.25 for MobileNet v1; a net's published widths; 1 without a width multiplier]",
)
@click.option(
    "--res",
    "resolutions",
    type=RESOLUTION_LIST,
    default=None,
    help="Resolutions: a list and/or ranges.  [default: 224,192,160,128 for 224 nets]",
)
@click.option(
    "--rho",
    "rhos",
    type=ALPHA_LIST,
    default=None,
    help="Resolution multipliers instead of --res: res = round(rho x the net's).",
)
@click.option(
    "--rounding",
    type=click.Choice(("floor", "slim", "div8")),
    default=None,
    help="Channels after alpha (see 'mobicost table --help').  [default: the net's]",
)
@click.option("--max-macs", type=BUDGET, help="Keep configurations with at most this many MACs.")
@click.option("--max-flops", type=BUDGET, help="Keep configurations with at most these FLOPs.")
@click.option("--max-params", type=BUDGET, help="Keep configurations with at most these params.")
@click.option(
    "--max-memory",
    type=BYTES,
    help="Keep configurations whose peak activation memory is at most these bytes: 256KiB "
    "(binary, 262,144), 256K (256,000).",
)
@click.option(
    "--max-weights",
    type=BYTES,
    help="Keep configurations with at most these weight bytes: 1MiB, 4M.",
)
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
@import_options
@convention_options
@workload_options
@table_format_options
@click.pass_context
def sweep(
    ctx: click.Context,
    /,
    network: NetworkRef | None,
    alphas: tuple[Fraction, ...] | None,
    resolutions: tuple[int, ...] | None,
    rhos: tuple[Fraction, ...] | None,
    rounding: str | None,
    max_macs: Fraction | None,
    max_flops: Fraction | None,
    max_params: Fraction | None,
    max_memory: Fraction | None,
    max_weights: Fraction | None,
    pareto: bool,
    sort: Any,
    top: int | None,
    fmt: Format,
    output: str | None,
    **options: Any,
) -> None:
    """Cost every (alpha, resolution) pair of a network: budgets, the Pareto front, the best
    under a budget. Exact, from one integer matrix product.

    Without options: MobileNet v1 on the paper's and TF-Slim's 4 x 4 grid (alpha 1.0 to 0.25,
    resolution 224 to 128), each model with its ratio to 1.0 MobileNet-224 and its published
    top-1.
    """
    from ..analysis import sweep as sweeping

    if resolutions is not None and rhos is not None:
        raise click.UsageError("--res and --rho both set the resolutions: give one")
    budgets: dict[str, Any] = {
        "max_macs": max_macs,
        "max_flops": max_flops,
        "max_params": max_params,
        "max_memory": max_memory,
        "max_weights": max_weights,
    }
    chosen: dict[str, Any] = {"pareto": pareto, "sort": sort, "top": top, "progress": progress()}
    if isinstance(network, ImportedRef):
        load, resolutions = _imported(
            network, alphas, resolutions, rhos, rounding, ctx.args, options
        )
        result = sweeping.sweep_model(
            load, resolutions, workload=workload_of(options), **budgets, **chosen
        )
    else:
        from ..nets.library import load

        if options.get("input_shape"):
            raise click.UsageError(
                "--input is for an imported model (FILE.onnx, FILE.py:CALLABLE...)"
            )
        spec = network.spec if network is not None else load("mobilenet-v1")
        if network is not None and (network.alpha is not None or network.resolution is not None):
            raise click.UsageError("a sweep takes widths and resolutions from --alpha and --res")
        if rhos is not None:
            resolutions = tuple(
                dict.fromkeys(int(r * spec.resolution + Fraction(1, 2)) for r in rhos)
            )
            if min(resolutions) < 1:
                raise click.UsageError("--rho leaves no input pixels")
        result = sweeping.sweep(
            alphas,
            resolutions,
            network=spec,
            rounding=rounding,
            options=spec_options(spec, ctx.args),
            conventions=conventions_of(spec, options),
            workload=workload_of(options),
            **budgets,
            **chosen,
        )
    from ..render.reports import sweep_report

    limit = HUMAN_ROWS if fmt in ("table", "markdown", "latex") else None
    emit(sweep_report(result, limit=limit, budgets=_budget_words(budgets)), fmt, output)


def _budget_words(budgets: dict[str, Fraction | None]) -> list[str]:
    """The budgets given, as the report states them: ``MACs <= 300,000,000``."""
    names = {
        "max_macs": "MACs",
        "max_flops": "FLOPs",
        "max_params": "params",
        "max_memory": "peak activation bytes",
        "max_weights": "weight bytes",
    }
    return [
        f"{names[key]} <= {int(value):,}" if value.denominator == 1 else f"{names[key]} <= {value}"
        for key, value in budgets.items()
        if value is not None
    ]


def _imported(
    ref: ImportedRef,
    alphas: tuple[Fraction, ...] | None,
    resolutions: tuple[int, ...] | None,
    rhos: tuple[Fraction, ...] | None,
    rounding: str | None,
    extra: list[str],
    options: dict[str, Any],
) -> tuple[Any, tuple[int, ...] | None]:
    """An imported model's reader (resolution -> network) and the resolutions to read it at:
    --res, or --rho of its own input. Width is no knob of it."""
    from ..frontends.models import model_loader

    if alphas is not None:
        raise click.UsageError(
            f"--alpha: width is not a knob of an imported model ({ref.text}); sweep --res"
        )
    if rounding is not None:
        raise click.UsageError(f"--rounding rounds a built-in's channels, not {ref.text}'s")
    if extra:
        raise click.UsageError(f"unexpected argument {extra[0]!r}")
    read = model_loader(
        ref.text, input_shape=input_shape_of(options, tokens=True), tokens=tokens_of(options)
    )

    def load(resolution: int | None) -> Any:
        return imported_checked(read(resolution), options)

    if rhos is not None:
        own = load(None).resolution
        resolutions = tuple(dict.fromkeys(int(r * own + Fraction(1, 2)) for r in rhos))
        if min(resolutions) < 1:
            raise click.UsageError("--rho leaves no input pixels")
    return load, resolutions
