"""``mobicost export``: any network as an ONNX model, with random weights."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from ..errors import MobicostError
from .common import (
    NETWORK,
    ImportedRef,
    NetworkCommand,
    NetworkRef,
    chosen_network,
    convention_options,
    imported_checked,
    input_shape_of,
    network_options,
    no_knobs,
)
from .params import OUTPUT_PATH, POSITIVE_INT

_EPILOG = """\b
Examples:
  mobicost export -o mobilenet.onnx                       MobileNet v1, 224, batch 1
  mobicost export mobilenet-v2 --alpha 0.75 --res 160 -o v2.onnx
  mobicost export shufflenet-v1 --groups 8 --batch 8 -o shufflenet.onnx
  mobicost export my_net.toml --bias all -o my_net.onnx   a bias on every layer
  mobicost export model.py:build --input 3x160x160 -o model.onnx   your module, its weights

\b
The model has the network's layers as ONNX operators (opset 21), random weights (He-normal,
from --seed), batch norm where the spec has it and a bias where the conventions put one; it
runs in ONNX Runtime. Its weights are named as 'mobicost verify' builds the network in
PyTorch, so one can be loaded into the other.

An imported PyTorch model (FILE.py:CALLABLE, torchvision:NAME, timm:NAME) is written by
torch.onnx.export (the TorchScript exporter, opset 17) with its own weights, at the costed
input (--input, --res) and --batch; an ONNX file is one already, and is refused.
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
    if isinstance(network, ImportedRef):
        _export_imported(ctx, network, alpha, resolution, rho, rounding, batch, output, options)
        return
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


def _export_imported(
    ctx: click.Context,
    ref: ImportedRef,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: str | None,
    batch: int,
    output: str,
    options: dict[str, Any],
) -> None:
    """export on an imported model: a PyTorch module through torch.onnx.export, its own
    weights; an ONNX file refused (it is ONNX already)."""
    from ..backends.onnx import MODULE_OPSET, export_module
    from ..frontends.models import is_onnx, load_module
    from ..frontends.torch import from_torch

    no_knobs(ref, alpha, rho, rounding, ctx.args)
    if is_onnx(ref.text):
        raise MobicostError(
            f"{ref.text} is an ONNX file already: nothing to export (table, verify and "
            "profile --runtime onnxruntime read it as it is)"
        )
    if ctx.get_parameter_source("seed") == click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError(f"--seed draws random weights; {ref.text} keeps its own")
    module, shape, name = load_module(
        ref.text, input_shape=input_shape_of(options), resolution=resolution
    )
    net = imported_checked(from_torch(module, shape, name=name), options)  # --strict
    size = export_module(module, shape, output, batch=batch)
    click.echo(
        f"Wrote {net.name} to {output}: its own weights, batch {batch}, opset {MODULE_OPSET} "
        f"(torch.onnx.export), {size:,} bytes."
    )
