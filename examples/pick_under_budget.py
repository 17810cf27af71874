"""Pick a MobileNet under a compute budget: the widest network at a given resolution, and the
configurations that trade cost for accuracy best.

Run: python examples/pick_under_budget.py [BUDGET_IN_MILLION_MACS] [RESOLUTION]
"""

from __future__ import annotations

import sys
from fractions import Fraction

from mobicost.analysis.sweep import sweep


def main(budget_millions: int = 300, resolution: int = 192) -> None:
    budget = budget_millions * 10**6
    alphas = [Fraction(k, 100) for k in range(10, 151)]  # 0.10 to 1.50 in exact steps of 0.01
    result = sweep(alphas, [resolution], max_macs=budget, rounding="slim", sort="alpha", top=1)
    [best] = result.points
    print(
        f"Widest MobileNet at {resolution}x{resolution} under {budget:,} MACs: {best.name} "
        f"({best.macs:,} MACs, {best.params:,} params; {result.evaluated} widths tried)"
    )

    front = sweep(max_macs=budget, pareto=True, sort="macs")
    print(
        f"\nPublished models under the budget that nothing beats on both cost and "
        f"{front.pareto_axis}:"
    )
    for point in front.points:
        top1 = point.top1["TF-Slim checkpoints"]
        print(f"  {point.name:20} {point.macs / 1e6:7.1f}M MACs   top-1 {top1}%")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
