"""``mobicost sweep``: every (alpha, resolution) pair of a network, with budgets and fronts."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from ..render.formats import Format
from .common import (
    HUMAN_ROWS,
    NETWORK,
    NetworkCommand,
    NetworkRef,
    convention_options,
    conventions_of,
    emit,
    progress,
    spec_options,
    table_format_options,
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
    from ..nets.library import load
    from ..render.reports import sweep_report

    spec = network.spec if network is not None else load("mobilenet-v1")
    if network is not None and (network.alpha is not None or network.resolution is not None):
        raise click.UsageError("a sweep takes widths and resolutions from --alpha and --res")
    if resolutions is not None and rhos is not None:
        raise click.UsageError("--res and --rho both set the resolutions: give one")
    if rhos is not None:
        resolutions = tuple(dict.fromkeys(int(r * spec.resolution + Fraction(1, 2)) for r in rhos))
        if min(resolutions) < 1:
            raise click.UsageError("--rho leaves no input pixels")
    budgets = [
        f"{name} <= {int(value):,}" if value.denominator == 1 else f"{name} <= {value}"
        for name, value in (
            ("MACs", max_macs),
            ("FLOPs", max_flops),
            ("params", max_params),
            ("peak activation bytes", max_memory),
            ("weight bytes", max_weights),
        )
        if value is not None
    ]
    result = sweeping.sweep(
        alphas,
        resolutions,
        network=spec,
        rounding=rounding,
        options=spec_options(spec, ctx.args),
        conventions=conventions_of(spec, options),
        workload=workload_of(options),
        max_macs=max_macs,
        max_flops=max_flops,
        max_params=max_params,
        max_memory=max_memory,
        max_weights=max_weights,
        pareto=pareto,
        sort=sort,
        top=top,
        progress=progress(),
    )
    limit = HUMAN_ROWS if fmt in ("table", "markdown", "latex") else None
    emit(sweep_report(result, limit=limit, budgets=budgets), fmt, output)
