"""``mobicost nets`` and ``mobicost spec``: the built-in networks, and their spec files."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from ..render.formats import Format
from .common import (
    CONTEXT,
    NETWORK,
    ImportedRef,
    NetworkCommand,
    NetworkRef,
    chosen_network,
    convention_options,
    emit,
    format_options,
    network_options,
)
from .params import OUTPUT_PATH


@click.command(context_settings=CONTEXT)
@format_options
def nets(fmt: Format, output: str | None) -> None:
    """The built-in networks: source, input, width, options, default conventions and cost.

    \b
    Examples:
      mobicost nets
      mobicost nets --format csv
      mobicost spec mobilenet-v2          a built-in's spec file, to start your own from
    """
    from ..nets.library import describe, load, names
    from ..render.reports import nets_report

    emit(nets_report([describe(load(name)) for name in names()]), fmt, output)


_SPEC_EPILOG = """\b
Examples:
  mobicost spec mobilenet-v1                  a built-in's spec file, as shipped
  mobicost spec resnet-50 -o my_resnet.toml   to start your own from
  mobicost spec torchvision:resnet50          an imported model, written as a spec file
  mobicost spec model.onnx --input 3x96x96 -o model.toml
  mobicost spec mobilenet-v2 --alpha 0.5 --res 160    a built-in at one width, written out

\b
Costing the file gives the network's numbers layer by layer: 'mobicost table FILE.toml' is
'mobicost table NETWORK' with the same options. A built-in or a spec file is printed as its
file has it, unless a width, resolution, convention or network option (or --built) asks for
it as built.
"""


@click.command(epilog=_SPEC_EPILOG, cls=NetworkCommand)
@click.argument("network", type=NETWORK, metavar="NETWORK")
@network_options
@convention_options
@click.option(
    "--built",
    is_flag=True,
    default=False,
    help="Write a built-in or spec file as built (every number fixed), not as its file has it.",
)
@click.option(
    "--flat", is_flag=True, default=False, help="Write every layer out: no blocks, no repeats."
)
@click.option(
    "--output", "-o", type=OUTPUT_PATH, default=None, help="Write to FILE instead of printing."
)
@click.pass_context
def spec(
    ctx: click.Context,
    /,
    network: NetworkRef,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: str | None,
    built: bool,
    flat: bool,
    output: str | None,
    **options: Any,
) -> None:
    """A network as a spec file (TOML): a built-in's or a spec file's own text, or any network
    as mobicost costs it, an imported model's included (FILE.onnx, FILE.py:CALLABLE,
    torchvision:NAME, timm:NAME), repeated structures written once as blocks."""
    import sys

    from ..errors import MobicostError
    from ..nets.writer import to_toml
    from ..render.formats import STDOUT, write_output

    given = [alpha, resolution, rho, rounding, network.alpha, network.resolution, *ctx.args]
    changed = any(v is not None and v is not False for v in options.values() if v != ())
    if (
        isinstance(network, ImportedRef)
        or built
        or flat
        or changed
        or any(v is not None for v in given)
    ):
        net = chosen_network(network, alpha, resolution, rho, rounding, ctx.args, options)
        content = to_toml(net, fold=not flat)
    else:
        content = network.spec.text
    if output is None or output == STDOUT:
        sys.stdout.write(content)
        return
    try:
        write_output(output, content)
    except OSError as error:
        raise MobicostError(f"cannot write {output!r}: {error.strerror or error}") from None
