"""Regenerate the README's figures with the commands it shows.

    python docs/figures/make_figures.py            # writes docs/figures/*.png
    python docs/figures/make_figures.py OUTDIR     # elsewhere (the test suite does)

Needs matplotlib (``pip install 'mobicost[plot]'``). Each figure is exactly what its command
writes; tests/test_plot.py checks that this script still runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mobicost.cli import main

#: file name -> the ``mobicost`` arguments that draw it (the README shows these commands)
FIGURES = {
    "tradeoff.png": ["plot", "tradeoff", "--dpi", "100"],
    "layers.png": ["plot", "layers", "mobilenet-v1", "-m", "macs,params,time", "--dpi", "100"],
}


def make(folder: Path) -> list[Path]:
    """Draw every figure into ``folder``; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, args in FIGURES.items():
        path = folder / name
        main([*args, "--output", str(path)], standalone_mode=False)
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    for path in make(target):
        print(path)
