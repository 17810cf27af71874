"""The ``mobicost`` command line: thin click commands over the library, one module each, loaded
only when used (:class:`~mobicost.cli.common.MobicostGroup`)."""

from __future__ import annotations

import click

from .. import __version__
from .common import CONTEXT, MobicostGroup


@click.group(cls=MobicostGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", "-V", prog_name="mobicost")
def main() -> None:
    """Exact cost models (MACs and parameters) for MobileNet-style networks, and any other
    network written down as a spec file.

    Every number is exact and states its convention: MACs are the paper's mult-adds
    (FLOPs = 2 x MACs). Every command takes --format table|csv|json|markdown|latex and
    --output FILE; run 'mobicost COMMAND --help' for its options and examples.

    \b
    Examples:
      mobicost table --alpha 0.5 --res 160     0.50 MobileNet-160, layer by layer
      mobicost table mobilenet-v2 --alpha 0.75 any built-in network ('mobicost nets')
      mobicost table my_net.toml               or a spec file of your own
      mobicost formula --ratio depthwise-separable
      mobicost sweep --max-macs 300M --pareto
      mobicost compare --models mobilenet-v1 mobilenet-v2 shufflenet-v2
      mobicost check --mismatches
      mobicost verify --all                    needs PyTorch

    \b
    Shell completion (bash; zsh and fish alike):
      eval "$(_MOBICOST_COMPLETE=bash_source mobicost)"
    """
