"""A printed figure's precision: its significant digits, read as papers print them, for every
published figure mobicost judges (the MobileNet paper's tables, TF-Slim's, every spec's)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from mobicost.analysis import published
from mobicost.analysis.check import judge, library_claims, spec_figures
from mobicost.analysis.published import Printed
from mobicost.nets.library import load, names


def _every_figure() -> list[Printed]:
    figures: list[Printed] = [Printed("95", 1, "text"), Printed("75", 1, "text")]
    for row in (*published.PAPER_MODELS, *published.SLIM_MODELS):
        figures += [p for p in (row.macs, row.params) if p is not None]
    for macs, params in (*published.TABLE_2.values(), *(c[1:] for c in published.TABLE_3)):
        figures += [macs, params]
    for name in names():
        figures += [printed for _, printed in spec_figures(load(name))]
    return figures + [figure.printed for figure in published.UNCOSTED]


def _reading(printed: Printed) -> tuple[int, Fraction]:
    """An independent reading, by the decimal module: significant digits and the step."""
    _sign, digits, exponent = Decimal(printed.text).as_tuple()
    assert isinstance(exponent, int)
    shown = "".join(map(str, digits)).lstrip("0")
    if exponent >= 0 and printed.digits is None:  # an integer: trailing zeros do not count
        exponent += len(shown) - len(shown.rstrip("0"))
        shown = shown.rstrip("0")
    significant = printed.digits if printed.digits is not None else len(shown)
    leading = exponent + len(shown) - 1  # the power of ten of the first significant digit
    return significant, printed.scale * Fraction(10) ** (leading - significant + 1)


FIGURES = _every_figure()


def test_every_published_figure_is_read():
    # the text's 95% and 75%, Tables 4-7 and 9, TF-Slim's 16 cells, Tables 2 and 3, the specs'
    # other figures, then Tables 10-14: in the specs, and those not costed
    assert len(FIGURES) == 2 + 2 * 13 + 2 * 16 + 8 + 8 + 105 + 38 + 18
    for printed in FIGURES:
        significant, step = _reading(printed)
        assert (printed.significant, printed.step) == (significant, step), printed
        assert printed.value % printed.step == 0, printed  # the printed value is on its grid
        assert printed.rounds(printed.value)
        assert not printed.rounds(printed.value + printed.step)


@pytest.mark.parametrize(
    ("text", "scale", "digits", "significant", "step"),
    [
        ("15300", 10**6, None, 3, 10**8),  # VGG-16, Table 8: 153 hundred million
        ("1700", 10**6, None, 2, 10**8),  # SqueezeNet, Table 9
        ("1550", 10**6, None, 3, 10**7),  # GoogLeNet, Table 8
        ("569", 10**6, None, 3, 10**6),
        ("4866", 10**6, None, 4, 10**6),
        ("4.2", 10**6, None, 2, 10**5),
        ("29.3", 10**6, None, 3, 10**5),
        ("1.15", 10**6, None, 3, 10**4),
        ("1000", 1, None, 1, 1000),
        ("0.50", 1, None, 2, Fraction(1, 100)),  # a trailing zero after the point counts
        ("0.02", 1, None, 1, Fraction(1, 100)),  # Table 2: leading zeros do not
        ("60", 10**6, None, 1, 10**7),  # AlexNet's "60 million parameters"
        ("290", 10**6, 3, 3, 10**6),  # Table 7: a column printed to the million says so
        ("61100840", 1, 8, 8, 1),  # a count printed in full
        ("0", 10**6, None, 0, 10**6),
        ("0.58", 10**6, None, 2, 10**4),  # Table 11's PlaNet, "0.58 Million mult-adds"
        ("138.5", 10**6, None, 4, 10**5),  # Table 13's Faster-RCNN VGG
        ("5000", 10**6, None, 1, 10**9),  # Table 10's Inception V3: one digit
    ],
)
def test_significant_digits_by_hand(text, scale, digits, significant, step):
    printed = Printed(text, scale, "t", digits=digits)
    assert (printed.significant, printed.step) == (significant, step)


def test_the_rule_where_it_matters():
    by_text = {(p.source, p.text): p for p in FIGURES}
    assert by_text["Howard et al. 2017", "290"].significant == 3  # Table 7's column
    assert by_text["TF-Slim checkpoints", "150"].significant == 3
    assert by_text["Howard et al. 2017, Table 8", "15300"].step == 10**8
    assert by_text["Howard et al. 2017, Table 9", "1700"].step == 10**8
    assert by_text["Zhang et al. 2018, Table 1", "140"].significant == 3
    assert by_text["Zhang et al. 2018, Table 2 (ShuffleNet 1x row)", "140"].significant == 2


def test_precision_changes_verdicts():
    m = 10**6
    # 15,470M is 15500M at three digits: not 15300M, but the convolutions alone (15,347M) are
    assert not Printed("15300", m, "t").rounds(15_470_264_320)
    assert Printed("15300", m, "t").rounds(15_346_630_656)
    # read to five digits, 15300 would be none of them
    assert not Printed("15300", m, "t", digits=5).rounds(15_346_630_656)
    assert judge("x", "s", Printed("60", m, "t"), 61_100_840).verdict == (
        "holds within printed precision"
    )
    doubled = judge("x", "s", Printed("150", m, "t", digits=3), 149_497_088)
    assert "rounding twice" in doubled.explanation and "149.5 rounds up" in doubled.explanation
    hundreds = judge("x", "s", Printed("1500", m, "t", digits=4), 1_499_497_088)
    assert "1499.5 rounds up" in hundreds.explanation


def test_vgg_is_counted_by_its_convolutions():
    vgg = {c.source: c for c in library_claims() if c.claim == "VGG-16-224: mult-adds"}
    table_8 = vgg["Howard et al. 2017, Table 8"]
    assert table_8.explained and "convolutions only" in table_8.explanation
    # 15,470,264,320 less fc6, fc7, fc8: 25088 x 4096 + 4096 x 4096 + 4096 x 1000 (+ biases: 0)
    assert "15,346,630,656" in table_8.explanation
    assert 15_470_264_320 - (25088 * 4096 + 4096 * 4096 + 4096 * 1000) == 15_346_630_656
