"""``mobicost table``: any network layer by layer."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from ..render.formats import Format
from .common import (
    NETWORK,
    ImportedRef,
    NetworkCommand,
    NetworkRef,
    chosen_network,
    convention_options,
    emit,
    network_options,
    table_format_options,
    workload_of,
    workload_options,
)
from .params import POSITIVE_INT

_EPILOG = """\b
Examples:
  mobicost table --alpha 0.5 --res 160        0.50 MobileNet-160 (paper Table 9: 76M, 1.32M)
  mobicost table 0.75-MobileNet-128           MobileNet v1 by the paper's name ...
  mobicost table MobileNet_v1_0.75_128        ... TF-Slim's ...
  mobicost table 0.75_MobileNet_medium        ... and seed 001's (medium = 192)
  mobicost table --bias fc --bn all           Keras's count: 4,253,864 parameters
  mobicost table mobilenet-v2 --alpha 0.75 --res 192
  mobicost table shufflenet-v1 --groups 8     a network's own option
  mobicost table my_net.toml                  a spec file ('mobicost spec NAME' for examples)
  mobicost table resnet-50 --unit flops -f csv -o resnet50.csv
  mobicost table --dtype int8 --batch 8       memory as seed 000's quantised MobileNet needs
  mobicost table torchvision:vit_b_16         an imported model, its operations by module
  mobicost table torchvision:vit_b_16 --depth 4    ... to another depth; --per-op: every op

\b
NETWORK is a built-in ('mobicost nets' lists them), MobileNet v1 by a published name, or
a spec file; without it, MobileNet v1 (Howard et al. 2017). Conventions default to the
network's own (how its authors count); each option here overrides one.
"""


@click.command(epilog=_EPILOG, cls=NetworkCommand)
@click.argument("network", required=False, type=NETWORK, metavar="[NETWORK]")
@network_options
@click.option(
    "--depth",
    type=POSITIVE_INT,
    default=None,
    help="An imported model's rows by the module that ran them, cut to N names (torchinfo's "
    "depth)  [default: one row per operation up to 60 of them, else the deepest depth that "
    "fits 60 rows].",
)
@click.option(
    "--per-op",
    is_flag=True,
    default=False,
    help="One row per operation of an imported model (a built-in's rows are its layers).",
)
@convention_options
@workload_options
@table_format_options
@click.pass_context
def table(
    ctx: click.Context,
    /,
    network: NetworkRef | None,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: str | None,
    depth: int | None,
    per_op: bool,
    fmt: Format,
    output: str | None,
    **options: Any,
) -> None:
    """A network layer by layer: shapes, MACs, parameters and shares, exact; the memory each
    layer moves and holds for a batch and data type; and the cost by layer type (the MobileNet
    paper's Table 2)."""
    from ..analysis.modules import READABLE_ROWS, module_groups, readable_depth
    from ..render.tables import layer_report

    workload = workload_of(options)
    if depth is not None and not isinstance(network, ImportedRef):
        raise click.UsageError(
            "--depth groups an imported model's operations by module; a built-in's rows are "
            "its layers already"
        )
    if depth is not None and per_op:
        raise click.UsageError("--per-op shows every operation, --depth groups them: give one")
    net = chosen_network(network, alpha, resolution, rho, rounding, ctx.args, options)
    groups = None
    if isinstance(network, ImportedRef) and not per_op:
        if depth is not None:
            groups = module_groups(net, depth)
        elif len(net.layers) > READABLE_ROWS:
            groups = module_groups(net, readable_depth(net))
    emit(layer_report(net, workload, groups), fmt, output)
