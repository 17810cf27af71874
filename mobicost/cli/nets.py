"""``mobicost nets`` and ``mobicost spec``: the built-in networks, and their spec files."""

from __future__ import annotations

import click

from ..render.formats import Format
from .common import CONTEXT, emit, format_options
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


@click.command(context_settings=CONTEXT)
@click.argument("name", metavar="NAME")
@click.option(
    "--output", "-o", type=OUTPUT_PATH, default=None, help="Write to FILE instead of printing."
)
def spec(name: str, output: str | None) -> None:
    """Print a built-in network's spec file (TOML), as shipped.

    Start your own network from one: 'mobicost table <(mobicost spec NAME)' gives the same
    numbers as 'mobicost table NAME'; docs/specs.md describes the format.

    \b
    Examples:
      mobicost spec mobilenet-v1
      mobicost spec resnet-50 -o my_resnet.toml
    """
    import sys

    from ..errors import MobicostError
    from ..nets.library import text
    from ..render.formats import STDOUT, write_output

    content = text(name)
    if output is None or output == STDOUT:
        sys.stdout.write(content)
        return
    try:
        write_output(output, content)
    except OSError as error:
        raise MobicostError(f"cannot write {output!r}: {error.strerror or error}") from None
