"""MobileNet v1 costed layer by layer, against the paper, Keras and independent hand arithmetic."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mobicost.cost.conventions import Conventions
from mobicost.errors import MobicostError
from mobicost.nets.network import mobilenet_v1, model
from mobicost.nets.spec import round_channels
from mobicost.render.tables import layer_frame

ALPHAS = ("1.0", "0.75", "0.5", "0.25")
RESOLUTIONS = (224, 192, 160, 128)

# Table 1, written out again here so the test does not share code with the library.
BODY = (
    [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)]
    + [(512, 1)] * 5
    + [(1024, 2), (1024, 1)]
)


def hand_count(alpha: str, res: int, classes: int = 1000) -> tuple[int, int]:
    """MobileNet v1 MACs and params by plain arithmetic: floor(alpha C) channels, 'same' padding."""
    a = Fraction(alpha)
    size = (res + 1) // 2  # the stem's stride 2
    c = int(a * 32)
    macs, params = 3 * 3 * 3 * c * size * size, 3 * 3 * 3 * c
    for filters, stride in BODY:
        size = (size + stride - 1) // stride
        macs, params = macs + 3 * 3 * c * size * size, params + 3 * 3 * c
        out = int(a * filters)
        macs, params = macs + c * out * size * size, params + c * out
        c = out
    return macs + c * classes, params + c * classes


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("res", [*RESOLUTIONS, 225, 193, 97, 33])
def test_grid_equals_hand_arithmetic(alpha, res):
    net = mobilenet_v1(alpha, res)
    assert (net.total.macs, net.total.params) == hand_count(alpha, res)


def test_well_known_totals():
    net = mobilenet_v1()
    assert (net.total.macs, net.total.params) == (568_740_352, 4_209_088)
    assert len(net.layers) == 29 and net.layers[-1].output_shape == "1x1x1000"


def millions(n: int, digits: int = 0) -> float:
    return round(n / 1e6, digits)


# Paper Table 6 (width) and Table 7 (resolution): million mult-adds and million parameters.
@pytest.mark.parametrize(
    ("alpha", "macs", "params"),
    [("1.0", 569, 4.2), ("0.75", 325, 2.6), ("0.5", 149, 1.3), ("0.25", 41, 0.5)],
)
def test_paper_table_6(alpha, macs, params):
    net = mobilenet_v1(alpha, 224)
    assert millions(net.total.macs) == macs
    assert millions(net.total.params, 1) == params


def test_paper_table_7_and_9():
    assert millions(mobilenet_v1("1.0", 192).total.macs) == 418
    assert millions(mobilenet_v1("1.0", 128).total.macs) == 186
    assert millions(mobilenet_v1("0.5", 160).total.params, 2) == 1.32  # Table 9
    # The paper prints 290 (1.0-160) and 76 (0.50-160); the recount rounds to 291 and 77 (as
    # TF-Slim prints them). The paper scaled the whole 224 count by rho^2, FC layer included,
    # although the FC layer does not shrink with the input:
    for alpha, res, printed in (
        ("1.0", 160, 290),
        ("0.5", 160, 76),
        ("1.0", 192, 418),
        ("1.0", 128, 186),
    ):
        exact = mobilenet_v1(alpha, res).total.macs
        scaled = mobilenet_v1(alpha, 224).total.macs * Fraction(res, 224) ** 2
        assert round(scaled / 10**6) == printed
        if printed in (290, 76):
            assert millions(exact) == printed + 1


def test_paper_table_2_shares():
    shares = {s.category: s for s in mobilenet_v1().breakdown()}
    percent = lambda f: round(float(f) * 100, 2)  # noqa: E731
    assert percent(shares["Conv 1x1"].ops_share) == 94.86
    assert percent(shares["Conv 1x1"].params_share) == 74.59
    assert percent(shares["Conv DW 3x3"].ops_share) == 3.06
    assert percent(shares["Conv DW 3x3"].params_share) == 1.06
    assert percent(shares["Conv 3x3"].params_share) == 0.02
    assert percent(shares["Fully Connected"].ops_share) == 0.18
    assert percent(shares["Fully Connected"].params_share) == 24.33
    # The paper prints 1.19% for Conv 3x3, a digit swap of 1.91%: with 1.91 the column sums to
    # 100.00%, with 1.19 to 99.29%.
    assert percent(shares["Conv 3x3"].ops_share) == 1.91
    assert sum(s.ops_share for s in shares.values()) == 1


def test_keras_parameter_count():
    # keras.applications.MobileNet(): Total params 4,253,864; trainable 4,231,976.
    assert mobilenet_v1(bias="fc", bn="all").params == 4_253_864
    assert mobilenet_v1(bias="fc", bn="affine").params == 4_231_976


@pytest.mark.parametrize(
    ("alpha", "printed"), [("1.0", "4.24"), ("0.75", "2.59"), ("0.5", "1.34"), ("0.25", "0.47")]
)
def test_tf_slim_parameter_column(alpha, printed):
    # TF-Slim: 1001 classes, a logits bias, batch norm with beta and moving statistics
    # (scale=False), channels max(int(alpha d), 8).
    net = mobilenet_v1(alpha, rounding="slim", classes=1001, bias="fc", bn="slim")
    assert millions(net.params, 2) == float(printed)


def test_layers_add_up_to_totals():
    for net in (
        mobilenet_v1("0.75", 193, bias="all", bn="all", pool_adds=True),
        mobilenet_v1("0.35", 128, rounding="div8", unit="flops"),
    ):
        assert sum(layer.cost.macs for layer in net.layers) == net.total.macs
        assert sum(layer.params for layer in net.layers) == net.params
        assert sum(net.share(layer) for layer in net.layers) == 1
        assert sum(s.ops for s in net.breakdown()) == net.ops
        assert sum(s.params for s in net.breakdown()) == net.params


def test_convention_switches():
    base = mobilenet_v1()
    conv_channels = sum(layer.output.c for layer in base.layers if layer.kind == "conv")
    assert conv_channels == 10_944
    assert mobilenet_v1(unit="flops").ops == 2 * base.ops
    assert mobilenet_v1(bias="all").params == base.params + conv_channels + 1000
    assert mobilenet_v1(bias="fc").params == base.params + 1000
    assert mobilenet_v1(bn="affine").params == base.params + 2 * conv_channels
    assert mobilenet_v1(bn="slim").params == base.params + 3 * conv_channels
    assert mobilenet_v1(bn="all").params == base.params + 4 * conv_channels
    assert mobilenet_v1(classes=1001).params == base.params + 1024
    assert mobilenet_v1(pool_adds=True).ops == base.ops + 7 * 7 * 1024
    assert mobilenet_v1(pool_adds=True, unit="flops").ops == 2 * base.ops + 7 * 7 * 1024
    headless = mobilenet_v1(head=False)
    assert len(headless.layers) == 27
    assert headless.total.macs == base.total.macs - 1024 * 1000
    for option in (dict(unit="ops"), dict(bias="conv"), dict(bn="some"), dict(classes=0)):
        with pytest.raises(MobicostError):
            Conventions(**option)


def test_rounding_policies():
    assert round_channels(32, Fraction(1, 10), "floor") == 3
    assert round_channels(32, Fraction(1, 10), "slim") == 8
    assert round_channels(32, Fraction(7, 20), "div8") == 16  # 11.2 -> 8 is below 90% -> 16
    assert round_channels(1024, Fraction(3, 4), "div8") == 768
    assert round_channels(100, Fraction(1), "div8") == 104  # nearest multiple of 8
    slim = mobilenet_v1("0.25", 224, rounding="slim")
    assert slim.layers[0].output.c == 8 and slim.total == mobilenet_v1("0.25", 224).total
    with pytest.raises(MobicostError, match="leaves a 32-filter layer with no channels"):
        mobilenet_v1("0.01")
    assert mobilenet_v1("0.01", rounding="slim").layers[0].output.c == 8


def test_odd_resolutions_use_ceil():
    sizes = [layer.output.h for layer in mobilenet_v1("1.0", 225).layers]
    assert sizes[0] == 113 and sizes[-3] == 8  # 225 -> 113 -> 57 -> 29 -> 15 -> 8


def test_rho_and_names():
    assert mobilenet_v1(rho="0.714").resolution == 160
    assert mobilenet_v1(rho=Fraction(4, 7)).resolution == 128
    same = {
        model(n).total
        for n in (
            "0.75-MobileNet-128",
            "0.75 MobileNet-128",
            "0.75MobileNet-128",
            "0.75_MobileNet_tiny",
            "MobileNet_v1_0.75_128",
            "mobilenet_v1_0.75_128",
        )
    }
    assert len(same) == 1
    assert model("0.75-MobileNet-128").name == "0.75 MobileNet-128"
    with pytest.raises(MobicostError, match="give the resolution or rho, not both"):
        mobilenet_v1(resolution=160, rho="0.714")
    for bad in ("MobileNet-v3", "0.75-ResNet-50", "", "0.75-MobileNet-huge"):
        with pytest.raises(MobicostError, match="unknown network"):
            model(bad)


@pytest.mark.parametrize("alpha", [0, -1, "nan", "inf", "abc", "1e999", True, None])
def test_bad_alpha(alpha):
    with pytest.raises(MobicostError, match="alpha"):
        mobilenet_v1(alpha)


def test_float_alpha_is_read_exactly():
    assert mobilenet_v1(0.75).alpha == Fraction(3, 4)
    assert mobilenet_v1(0.1, rounding="slim").alpha == Fraction(1, 10)


def test_paper_variants():
    conv = model("Conv-MobileNet")
    assert (conv.total.macs, conv.params) == (4_867_293_184, 29_281_120)  # Table 4: 4866M, 29.3M
    shallow = model("Shallow-MobileNet")
    assert (shallow.total.macs, shallow.params) == (307_323_392, 2_875_328)  # Table 5: 307M, 2.9M
    # Shallow = MobileNet without five 14x14x512 separable blocks, each 52,283,392 MACs (Table 3)
    assert mobilenet_v1().total.macs - shallow.total.macs == 5 * 52_283_392


def test_to_frame():
    net = mobilenet_v1("0.5", 160, bn="all")
    frame = layer_frame(net)
    assert len(frame) == 29
    assert int(frame["macs"].sum()) == net.total.macs
    assert int(frame["params"].sum()) == net.params
    assert str(frame["macs"].dtype) == "int64"
    assert set(frame["model"]) == {"0.5 MobileNet-160"} and set(frame["bn"]) == {"all"}
    assert frame.loc[0, "filter_shape"] == "3x3x3x16" and frame.loc[0, "index"] == 1
    assert frame.attrs["alpha"] == Fraction(1, 2) and frame.attrs["conventions"]["bn"] == "all"
    # the notebook's spelling is the same table
    import pandas

    pandas.testing.assert_frame_equal(net.to_frame(), frame, check_exact=True)
