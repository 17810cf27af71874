"""compare and check, against the paper's Tables 3 to 5 and independent arithmetic."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mobicost.analysis.check import claims, judge
from mobicost.analysis.compare import compare_layer
from mobicost.analysis.published import APPLICATION_TABLES, Printed


def test_table_3_rows():
    rows = {row.label: row for row in compare_layer(k=3, m=512, n=512, size=14).rows}
    # by hand: 9*512*512*196, 9*512*196 + 512*512*196, then 384 channels, then a 10x10 map
    assert rows["standard"].cost.macs == 462_422_016
    assert rows["depthwise-separable"].cost.macs == 52_283_392
    assert rows["depthwise-separable, alpha = 0.75"].cost.macs == 9 * 384 * 196 + 384**2 * 196
    assert rows["depthwise-separable, alpha = 0.75, rho = 0.714"].cost.macs == (
        9 * 384 * 100 + 384**2 * 100
    )
    assert rows["depthwise-separable, alpha = 0.75, rho = 0.714"].cost.params == 150_912
    printed = [r.printed[0].text for r in rows.values() if r.printed]
    assert printed == ["462", "52.3", "29.6", "15.1"]
    assert rows["spatial-separable"].ratio == Fraction(2, 3)


def test_judge_verdicts():
    m = 10**6
    assert judge("x", "s", Printed("4", 1, "t"), 4).verdict == "holds"
    assert judge("x", "s", Printed("462", m, "t"), 462_422_016).verdict == (
        "holds within printed precision"
    )
    assert judge("x", "s", Printed("1.19", 1, "t"), Fraction(1906, 1000)).verdict == "paper typo"
    truncated = judge("x", "s", Printed("290", m, "t", digits=3), 290_675_200)
    assert truncated.verdict == "does not hold" and "truncating" in truncated.explanation
    # read at two digits, 290M is what 290,675,200 rounds to
    assert judge("x", "s", Printed("290", m, "t"), 290_675_200).verdict == (
        "holds within printed precision"
    )
    unexplained = judge("x", "s", Printed("34", m, "t"), 30_212_608)
    assert not unexplained.explained and "unexplained" in unexplained.explanation


@pytest.fixture(scope="module")
def all_claims():
    return {(c.claim, c.source): c for c in claims()}


def test_separable_claim(all_claims):
    first = all_claims[
        "layer 2+3 (32 -> 64, 112x112) saves 8-9x", "Howard et al. 2017, section 3.1"
    ]
    assert first.verdict == "does not hold" and "64 < 72" in first.explanation
    whole = all_claims["whole network: Conv MobileNet / MobileNet", "Howard et al. 2017, Table 4"]
    assert whole.verdict == "holds" and whole.computed == "8.558x"


def test_paper_mismatches_are_explained(all_claims):
    typo = all_claims["Conv 3x3: share of mult-adds", "Howard et al. 2017, Table 2"]
    assert typo.verdict == "paper typo" and "1.91%" in typo.explanation
    table_7 = all_claims["1.0 MobileNet-160: mult-adds", "Howard et al. 2017, Table 7"]
    assert "rho^2" in table_7.explanation and "12 of the 13" in table_7.explanation
    conv = all_claims["1.0 Conv MobileNet-224: mult-adds", "Howard et al. 2017, Table 4"]
    assert "without the classifier" in conv.explanation
    paper = [c for c in all_claims.values() if c.source.startswith("Howard")]
    tables_2_to_9 = [c for c in paper if c.source not in APPLICATION_TABLES]
    assert len(tables_2_to_9) == 70 and all(c.explained for c in tables_2_to_9)


def test_tf_slim_mismatches(all_claims):
    slim = {c.claim: c for (name, source), c in all_claims.items() if source.startswith("TF")}
    for res, count in (
        (224, "317,271,936"),
        (192, "233,301,504"),
        (160, "162,249,600"),
        (128, "104,116,224"),
    ):
        claim = slim[f"0.75 MobileNet-{res}: mult-adds"]
        assert "without the first convolution" in claim.explanation and count in claim.explanation
    assert "TF-Slim's conventions" in slim["1.0 MobileNet-224: parameters"].explanation
    assert "rounding twice" in slim["0.5 MobileNet-224: mult-adds"].explanation
    assert not slim["0.25 MobileNet-192: mult-adds"].explained
    assert [
        c.claim
        for c in all_claims.values()
        if not c.explained and c.source not in APPLICATION_TABLES
    ] == ["0.25 MobileNet-192: mult-adds"]
