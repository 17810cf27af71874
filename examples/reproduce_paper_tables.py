"""Reproduce the MobileNet paper's cost tables (Howard et al. 2017, Tables 2-7 and 9) from
mobicost's exact counts, beside the printed numbers, and say where and why they differ.

Run: python examples/reproduce_paper_tables.py
"""

from __future__ import annotations

import mobicost
from mobicost.analysis import published
from mobicost.analysis.check import network_claims, share_claims, table_3_claims


def millions(count: int) -> str:
    return f"{count / 1e6:,.2f}M"


def main() -> None:
    print("Table 3: one layer, D_K = 3, M = N = 512, D_F = 14")
    for claim in table_3_claims():
        print(f"  {claim.claim:52} printed {claim.printed:>6}  exact {claim.computed:>13}")

    print("\nTables 4-7 and 9: whole networks (mult-adds, parameters)")
    for row in published.PAPER_MODELS:
        net = mobicost.mobilenet_v1(row.alpha, row.resolution, architecture=row.architecture)
        print(
            f"  {row.table:8} {net.name:26} printed {row.macs.text:>5}M {row.params.text:>5}M"
            f"   exact {millions(net.ops):>10} {millions(net.params):>7}"
        )

    print("\nTable 2: share by layer type at 1.0 MobileNet-224")
    for share in mobicost.mobilenet_v1().breakdown():
        print(
            f"  {share.category:16} mult-adds {float(share.ops_share):7.2%}"
            f"   params {float(share.params_share):7.2%}"
        )

    print("\nWhere the printed numbers differ, and why:")
    for claim in [*share_claims(), *network_claims(published.PAPER_MODELS)]:
        if claim.verdict not in ("holds", "holds within printed precision"):
            print(f"  {claim.claim} ({claim.source}): {claim.verdict}; {claim.explanation}")


if __name__ == "__main__":
    main()
