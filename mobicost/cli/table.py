"""``mobicost table``: any network layer by layer."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from ..render.formats import Format
from .common import (
    NETWORK,
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

\b
NETWORK is a built-in ('mobicost nets' lists them), MobileNet v1 by a published name, or
a spec file; without it, MobileNet v1 (Howard et al. 2017). Conventions default to the
network's own (how its authors count); each option here overrides one.
"""


@click.command(epilog=_EPILOG, cls=NetworkCommand)
@click.argument("network", required=False, type=NETWORK, metavar="[NETWORK]")
@network_options
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
    fmt: Format,
    output: str | None,
    **options: Any,
) -> None:
    """A network layer by layer: shapes, MACs, parameters and shares, exact; the memory each
    layer moves and holds for a batch and data type; and the cost by layer type (the MobileNet
    paper's Table 2)."""
    from ..render.tables import layer_report

    workload = workload_of(options)
    net = chosen_network(network, alpha, resolution, rho, rounding, ctx.args, options)
    emit(layer_report(net, workload), fmt, output)
