"""Export a fine alpha x resolution sweep to CSV with pandas, exact counts included.

Run: python examples/export_sweep_csv.py [OUTPUT.csv]
"""

from __future__ import annotations

import sys

from mobicost.analysis.sweep import sweep
from mobicost.cli.params import ALPHA_LIST, RESOLUTION_LIST


def main(path: str = "mobilenet_sweep.csv") -> None:
    result = sweep(
        ALPHA_LIST.parse("0.25:1.0:0.05"), RESOLUTION_LIST.parse("96:256:16"), rounding="slim"
    )
    frame = result.to_frame()
    frame.to_csv(path, index=False)
    cheapest = frame.loc[frame["macs"].idxmin()]
    print(
        f"wrote {len(frame)} configurations to {path}; the cheapest is {cheapest['model']} "
        f"with {cheapest['macs']:,} MACs"
    )


if __name__ == "__main__":
    main(*sys.argv[1:2])
