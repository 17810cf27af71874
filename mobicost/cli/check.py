"""``mobicost check``: published figures judged against the exact counts, mismatches explained."""

from __future__ import annotations

import sys

import click

from ..errors import MobicostError
from ..render.formats import Format
from .common import CONTEXT, NETWORK, ImportedRef, NetworkRef, emit, format_options
from .params import POSITIVE_INT

SOURCES = ("paper", "slim", "library", "all")


@click.command(context_settings=CONTEXT)
@click.argument("networks", nargs=-1, type=NETWORK, metavar="[NETWORK]...")
@click.option(
    "--source",
    type=click.Choice(SOURCES),
    default="all",
    show_default=True,
    help="The MobileNet paper's claims (sections 3 and 4, Tables 2 to 14), the TF-Slim table, "
    "the figures published for the built-in networks, or all of them.",
)
@click.option("--mismatches", is_flag=True, help="Show only the claims that do not hold.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing; answer with the exit status.")
@click.option(
    "--measure",
    is_flag=True,
    help="Also judge 'MobileNet spends 95%% of its computation time in 1x1 convolutions' "
    "by running 1.0 MobileNet-224 on this machine (needs PyTorch).",
)
@click.option("--threads", type=POSITIVE_INT, help="With --measure: CPU threads to run on.")
@format_options
def check(
    networks: tuple[NetworkRef, ...],
    source: str,
    mismatches: bool,
    quiet: bool,
    measure: bool,
    threads: int | None,
    fmt: Format,
    output: str | None,
) -> None:
    """Judge published figures against the exact counts: the MobileNet paper's claims, the
    TF-Slim table, and what papers and torchvision print for every built-in network (or for
    the NETWORKs named: built-ins or spec files with [[published]] entries).

    Each printed number holds, holds within its printed precision, is a paper typo, or does
    not hold; a mismatch is explained only when a counting convention or a misprint
    reproduces it. A figure of a network the library does not build is listed as not costed
    (unexplained). Exit status: 0 when every claim holds or is explained, 1 otherwise.

    \b
    Examples:
      mobicost check --source paper    the MobileNet paper alone, Tables 2 to 14
      mobicost check --mismatches      only what does not hold, and why
      mobicost check mobilenet-v2      MobileNet v2's papers and torchvision
      mobicost check my_net.toml       your own spec's [[published]] figures
      mobicost check --source paper --measure   the 95% claim, in time on this machine
    """
    from ..analysis import check as checking
    from ..analysis import published
    from ..render.reports import check_report

    claims = []
    if networks:
        if source != "all":
            raise click.UsageError("give NETWORKs or --source, not both")
        for ref in networks:
            if isinstance(ref, ImportedRef):
                raise MobicostError(
                    f"{ref.text}: check judges the figures a spec publishes ([[published]]); an "
                    "imported model has none: 'mobicost verify' checks its counts"
                )
            claims += checking.spec_claims(ref.spec)
    else:
        if source in ("paper", "all"):
            claims += checking.paper_claims()
        if source in ("slim", "all"):
            claims += checking.network_claims(published.SLIM_MODELS)
        if source in ("library", "all"):
            claims += checking.library_claims()
    if measure:
        from ..nets.network import mobilenet_v1
        from ..nets.pytorch import require_torch
        from ..nets.timing import default_device, measure_layers

        require_torch()
        timings = measure_layers(mobilenet_v1(), device=default_device(), threads=threads)
        claims += checking.measured_claims(timings)
    shown = (
        [c for c in claims if c.verdict not in ("holds", "holds within printed precision")]
        if mismatches
        else claims
    )
    if not quiet or output is not None:
        emit(check_report(shown), fmt, output)
    if not all(claim.explained for claim in claims):
        sys.exit(1)
