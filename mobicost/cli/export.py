"""``mobicost export``: any network as an ONNX model, with random weights."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from ..errors import MobicostError
from .common import (
    NETWORK,
    NetworkCommand,
    NetworkRef,
    chosen_network,
    convention_options,
    network_options,
)
from .params import OUTPUT_PATH, POSITIVE_INT

_EPILOG = """\b
Examples:
  mobicost export -o mobilenet.onnx                       MobileNet v1, 224, batch 1
  mobicost export mobilenet-v2 --alpha 0.75 --res 160 -o v2.onnx
  mobicost export shufflenet-v1 --groups 8 --batch 8 -o shufflenet.onnx
  mobicost export my_net.toml --bias all -o my_net.onnx   a bias on every layer

\b
The model has the network's layers as ONNX operators (opset 21), random weights (He-normal,
from --seed), batch norm where the spec has it and a bias where the conventions put one; it
runs in ONNX Runtime. Its weights are named as 'mobicost verify' builds the network in
PyTorch, so one can be loaded into the other.
"""


@click.command(epilog=_EPILOG, cls=NetworkCommand)
@click.argument("network", required=False, type=NETWORK, metavar="[NETWORK]")
@network_options
@convention_options
@click.option(
    "--batch", type=POSITIVE_INT, default=1, show_default=True, help="The model's fixed batch."
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random weights' seed."
)
@click.option(
    "--output",
    "-o",
    type=OUTPUT_PATH,
    required=True,
    help="The .onnx file to write (atomically: never a partial one).",
)
@click.pass_context
def export(
    ctx: click.Context,
    /,
    network: NetworkRef | None,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: str | None,
    batch: int,
    seed: int,
    output: str,
    **options: Any,
) -> None:
    """A network as an ONNX model (random weights) that ONNX Runtime runs: the very graph
    mobicost costs. Needs the onnx package: pip install 'mobicost[onnx]'."""
    from ..backends.onnx import OPSET, require_onnx, save_onnx

    if output == "-":
        raise click.UsageError("an ONNX model is binary: give -o FILE.onnx, not standard output")
    require_onnx()
    net = chosen_network(network, alpha, resolution, rho, rounding, ctx.args, options)
    try:
        size = save_onnx(net, output, batch=batch, seed=seed)
    except OSError as error:
        raise MobicostError(f"cannot write {output!r}: {error.strerror or error}") from None
    click.echo(
        f"Wrote {net.name} to {output}: {len(net.layers)} layers, batch {batch}, opset {OPSET}, "
        f"random weights, {size:,} bytes."
    )
