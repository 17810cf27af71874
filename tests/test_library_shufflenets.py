"""ShuffleNet v1 and v2, Dense1- and Dense2-MobileNet as specs.

ShuffleNet is pinned to independent figures: torchvision's documented parameter counts and GFLOPS
(which are MACs) for v2, the papers' complexity tables (mult-adds) to their printed precision
under the convention that reproduces them, the authors' README, a counter written out again here
from the authors' code, and hand arithmetic of single units. Dense-MobileNet has no readable
published figure: its specs are reconstructions, pinned to hand arithmetic of the reading their
headers state. Every spec is also checked against PyTorch's own counter (``verify``).
"""

from __future__ import annotations

import pytest

from mobicost.analysis.check import spec_claims
from mobicost.errors import MobicostError
from mobicost.nets.library import load
from mobicost.nets.network import network


def by_name(net):
    return {layer.name: layer for layer in net.layers}


def v1(groups="3", alpha="1.0", **conventions):
    return network("shufflenet-v1", options={"groups": groups}, alpha=alpha, **conventions)


def v2(alpha="1.0", variant="torchvision", **conventions):
    return network("shufflenet-v2", options={"variant": variant}, alpha=alpha, **conventions)


# --- ShuffleNet v1 -----------------------------------------------------------------------------

#: paper Table 1: stage 2 channels per g, and the printed complexity (MFLOPs = mult-adds)
TABLE_1 = {"1": (144, 143), "2": (200, 140), "3": (240, 137), "4": (272, 133), "8": (384, 137)}


def megvii_v1(g: int, stem: int, c2: int, res: int = 224, classes: int = 1000):
    """ShuffleNetV1/network.py and blocks.py of the authors' code, counted by hand: (MACs,
    params with BN gamma and beta, no bias). Written out again so as not to share the spec."""
    macs = params = 0

    def conv(c_in, c_out, k, size, groups=1):
        nonlocal macs, params
        macs += k * k * (c_in // groups) * c_out * size * size
        params += k * k * (c_in // groups) * c_out + 2 * c_out  # weights, BN gamma and beta

    size = (res + 2 - 3) // 2 + 1
    conv(3, stem, 3, size)
    size = (size + 2 - 3) // 2 + 1  # the max pool
    c_in = stem
    for stage, (out, repeat) in enumerate(zip((c2, 2 * c2, 4 * c2), (4, 8, 4), strict=True)):
        for i in range(repeat):
            mid, stride = out // 4, 2 if i == 0 else 1
            conv(c_in, mid, 1, size, 1 if stage == 0 and i == 0 else g)
            size = (size + 2 - 3) // stride + 1
            conv(mid, mid, 3, size, mid)
            conv(mid, out - c_in if stride == 2 else out, 1, size, g)
            c_in = out
    macs += c_in * classes
    params += c_in * classes
    return macs, params


@pytest.mark.parametrize("groups", sorted(TABLE_1))
def test_v1_table_1_channels_and_complexity(groups):
    c2, printed = TABLE_1[groups]
    net = v1(groups)
    layers = by_name(net)
    assert layers["conv1"].output_shape == "112x112x24"
    assert layers["maxpool"].output_shape == "56x56x24"
    assert layers["stage2.4.residual"].output_shape == f"28x28x{c2}"
    assert layers["stage3.8.residual"].output_shape == f"14x14x{2 * c2}"
    assert layers["stage4.4.residual"].output_shape == f"7x7x{4 * c2}"
    # Table 1's complexities are the network without its classifier, to the printed unit;
    # with the 1000-way FC (c4 x 1000 more) g = 2, 4 and 8 would round to 141, 134 and 138
    headless = v1(groups, head=False)
    assert round(headless.total.macs / 1e6) == printed
    assert net.total.macs - headless.total.macs == 4 * c2 * 1000
    assert (net.conventions.bias, net.conventions.bn) == ("none", "affine")


@pytest.mark.parametrize(
    ("groups", "alpha", "stem", "c2"),
    [(g, "1.0", 24, c) for g, (c, _) in TABLE_1.items()]
    + [
        ("3", "0.5", 12, 120),
        ("3", "1.5", 24, 360),
        ("3", "2.0", 48, 480),
        ("8", "0.5", 16, 192),
        ("8", "1.5", 24, 576),
        ("8", "2.0", 48, 768),
        ("1", "0.5", 12, 72),
        ("2", "2.0", 48, 400),
        ("4", "2.0", 48, 544),
    ],
)
def test_v1_every_width_as_the_authors_code(groups, alpha, stem, c2):
    """g = 3 and 8 at every width are the code's own stage_out_channels; the rest follow its
    rules with the paper's channels."""
    net = v1(groups, alpha)
    assert by_name(net)["conv1"].output.c == stem
    assert (net.total.macs, net.params) == megvii_v1(int(groups), stem, c2)


#: megvii-model/ShuffleNet-Series, ShuffleNetV1/README.md: FLOPs (mult-adds) and #Params
README_V1 = {
    ("3", "2.0"): (524, "5.4"),
    ("8", "2.0"): (522, "6.5"),
    ("3", "1.5"): (292, "3.4"),
    ("8", "1.5"): (290, "4.3"),
    ("3", "1.0"): (138, "1.9"),
    ("8", "1.0"): (138, "2.4"),
    ("3", "0.5"): (38, "0.7"),
    ("8", "0.5"): (40, "1.0"),
}


@pytest.mark.parametrize(("groups", "alpha"), sorted(README_V1))
def test_v1_the_authors_readme(groups, alpha):
    flops, params = README_V1[(groups, alpha)]
    net = v1(groups, alpha)
    assert f"{net.params / 1e6:.1f}" == params
    if (groups, alpha) == ("3", "1.0"):
        # 137.46M: the README's 138 is 137.5 rounded again (the checker says so)
        assert net.total.macs == 137_460_672
    else:
        assert round(net.total.macs / 1e6) == flops


def test_v1_units_by_hand():
    layers = by_name(v1("3"))
    # the paper's unit cost, hw(2cm/g + 9m): stage 3, a stride-1 unit, c = 480, m = 120, 14 x 14
    unit = ("stage3.2.bottleneck", "stage3.2.dw", "stage3.2.project")
    assert sum(layers[name].cost.macs for name in unit) == 14 * 14 * (2 * 480 * 120 // 3 + 9 * 120)
    assert layers["stage3.2.residual"].node.inputs == ("stage3.2.project", "stage3.1.joined")
    # stage 2's first unit: its first 1x1 is not grouped (24 -> 60 at 56 x 56), its depthwise
    # conv has stride 2, and its main branch makes 240 - 24 channels beside the pooled input
    first = layers["stage2.1.bottleneck"]
    assert (first.cost.macs, first.params) == (24 * 60 * 56 * 56, 24 * 60 + 2 * 60)
    assert layers["stage2.1.dw"].output_shape == "28x28x60"
    main = layers["stage2.1.main"]
    assert (main.cost.macs, main.params) == (20 * 72 * 3 * 28 * 28, 20 * 72 * 3 + 2 * 216)
    assert layers["stage2.1.shortcut"].output_shape == "28x28x24"
    assert layers["stage2.1.joined"].output_shape == "28x28x240"
    assert layers["stage3.1.bottleneck"].op.groups == 3
    assert layers["fc"].params == 960 * 1000  # no classifier bias, as the code
    # g = 1 has no channel shuffle
    assert not any(layer.kind == "shuffle" for layer in v1("1").layers)


@pytest.mark.parametrize(("groups", "alpha"), [("2", "0.5"), ("4", "0.5"), ("4", "1.5")])
def test_v1_widths_the_groups_cannot_split(groups, alpha):
    with pytest.raises(MobicostError, match="cannot be shuffled in"):
        v1(groups, alpha)


def test_v1_options_and_widths_are_the_published_ones():
    with pytest.raises(MobicostError, match="choose from: 1, 2, 3, 4, 8"):
        v1("6")
    with pytest.raises(MobicostError, match=r"0\.5, 1\.0, 1\.5, 2\.0 only"):
        v1("3", "0.25")


def test_v1_published_figures():
    claims = spec_claims(load("shufflenet-v1"))
    table_1 = [c for c in claims if c.source.endswith("Table 1")]
    assert len(table_1) == 5 and all(c.explained for c in table_1)
    assert {c.explanation.split(":")[0] for c in table_1 if not c.verdict.startswith("holds")} == {
        "reproduced without the classifier head"
    }
    readme = [c for c in claims if "README" in c.source]
    assert len(readme) == 16 and all(c.explained for c in readme)
    table_5 = {c.claim: c.verdict for c in claims if c.source.endswith("Table 5")}
    assert table_5["2.0 ShuffleNet-224 (groups 3): mult-adds"].startswith("holds")
    assert table_5["1.5 ShuffleNet-224 (groups 3): mult-adds"].startswith("holds")


# --- ShuffleNet v2 -----------------------------------------------------------------------------

#: torchvision 0.29.1 ShuffleNet_V2_X*_Weights meta: num_params, _ops and the docs' GFLOPS
TORCHVISION_V2 = {
    "0.5": (1_366_792, 0.04, "0.04"),
    "1.0": (2_278_604, 0.145, "0.14"),
    "1.5": (3_503_624, 0.296, "0.30"),
    "2.0": (7_393_996, 0.583, "0.58"),
}


@pytest.mark.parametrize("alpha", sorted(TORCHVISION_V2))
def test_v2_torchvision_documented_counts(alpha):
    params, ops, gflops = TORCHVISION_V2[alpha]
    net = v2(alpha)
    assert (net.conventions.bias, net.conventions.bn) == ("fc", "affine")
    assert net.params == params
    assert round(net.total.macs / 1e9, 3) == ops
    assert f"{net.total.macs / 1e9:.2f}" == gflops


#: paper Table 5: FLOPs (mult-adds) and "Num of Weights"; the authors' code's counts
TABLE_5_V2 = {"0.5": (41, "1.4"), "1.0": (146, "2.3"), "1.5": (299, "3.5"), "2.0": (591, "7.4")}


@pytest.mark.parametrize("alpha", sorted(TABLE_5_V2))
def test_v2_paper_table_5_is_the_authors_code(alpha):
    flops, weights = TABLE_5_V2[alpha]
    net = v2(alpha, "megvii", bias="none")  # the authors' classifier has no bias
    assert f"{net.params / 1e6:.1f}" == weights
    if alpha == "0.5":
        assert net.total.macs == 40_476_448  # 40.48M, printed 41: 40.5 rounded again
    else:
        assert round(net.total.macs / 1e6) == flops
    # torchvision's build is lighter except at 0.5x, where stage 2's input, 24, is half of 48
    lighter = v2(alpha).total.macs
    assert (lighter == net.total.macs) == (alpha == "0.5")


def test_v2_units_by_hand():
    layers = by_name(v2())
    # stage 3's first unit (stride 2): 116 channels at 28 x 28 in, two branches of 116 at 14
    assert layers["stage3.1.proj_dw"].cost.macs == 9 * 116 * 14 * 14
    assert layers["stage3.1.proj"].cost.macs == 116 * 116 * 14 * 14
    assert layers["stage3.1.pw"].cost.macs == 116 * 116 * 28 * 28
    assert layers["stage3.1.dw"].cost.macs == 9 * 116 * 14 * 14
    assert layers["stage3.1.main"].params == 116 * 116 + 2 * 116
    assert layers["stage3.1.shuffled"].output_shape == "14x14x232"
    # a stride-1 unit: the channel split, one half convolved, the other passed through
    assert layers["stage3.2.keep"].output_shape == layers["stage3.2.half"].output_shape
    assert layers["stage3.2.pw"].node.inputs == ("stage3.2.half",)
    assert layers["stage3.2.joined"].node.inputs == ("stage3.2.keep", "stage3.2.main")
    assert layers["stage3.2.pw"].cost.macs == 116 * 116 * 14 * 14
    # stage 2's first unit splits 58 + 58 in torchvision, 24 + 92 in the authors' code
    megvii = by_name(v2(variant="megvii"))
    assert (layers["stage2.1.proj"].output.c, layers["stage2.1.main"].output.c) == (58, 58)
    assert (megvii["stage2.1.proj"].output.c, megvii["stage2.1.main"].output.c) == (24, 92)
    assert layers["conv5"].output_shape == "7x7x1024"
    assert layers["fc"].params == 1024 * 1000 + 1000


def test_v2_published_figures():
    claims = spec_claims(load("shufflenet-v2"))
    torchvision = [c for c in claims if c.source.startswith("torchvision")]
    assert len(torchvision) == 8 and all(c.verdict.startswith("holds") for c in torchvision)
    paper = [c for c in claims if c.source.endswith("Table 5")]
    assert len(paper) == 8 and all(c.explained for c in paper)
    assert sum(c.verdict.startswith("holds") for c in paper) == 7  # 0.5x's 41M is 40.48M


# --- Dense-MobileNet (reconstructions) ---------------------------------------------------------

MOBILENET_WIDTHS = (64, 128, 256, 512, 1024)


@pytest.mark.parametrize("growth", ["8", "32"])
def test_dense2_by_hand(growth):
    k = int(growth)
    net = network("dense2-mobilenet", options={"growth": growth})
    layers = by_name(net)
    mobilenet = by_name(network("mobilenet-v1"))
    assert layers["conv1"].cost == mobilenet["conv1"].cost  # the same stem
    # a separable unit's depthwise layer reads the whole concatenation, its 1x1 only that layer
    assert layers["block4.unit3.dw"].input_shape == f"14x14x{512 + 2 * k}"
    assert layers["block4.unit3.pw"].node.inputs == ("block4.unit3.dw",)
    assert layers["block4.unit3.pw"].cost.macs == (512 + 2 * k) * k * 14 * 14
    # no transition layer: the stride-2 depthwise layer reads the block's concatenation
    assert layers["block4.down_dw"].input_shape == f"14x14x{512 + 5 * k}"
    assert layers["block4.down_pw"].output_shape == "7x7x1024"
    assert layers["block5.dw"].input_shape == "7x7x1024"  # the last block, before the pool
    assert layers["avgpool"].input_shape == f"7x7x{1024 + k}"
    # the whole network by hand: (units, input size) per block, then MobileNet's width
    macs = 3 * 3 * 3 * 32 * 112 * 112
    params = 3 * 3 * 3 * 32
    c = 32
    for n, size, out in ((1, 112, 128), (1, 56, 256), (1, 28, 512), (5, 14, 1024), (1, 7, None)):
        for _ in range(n):
            macs += (9 * c + c * k) * size * size
            params += 9 * c + c * k
            c += k
        if out is not None:
            macs += (9 * c + c * out) * (size // 2) ** 2
            params += 9 * c + c * out
            c = out
    macs += c * 1000
    params += c * 1000
    assert (net.total.macs, net.params) == (macs, params)


@pytest.mark.parametrize("growth", ["4", "32", "64"])
def test_dense2_is_lighter_than_mobilenet(growth):
    """The abstract: Dense2-MobileNet has fewer parameters and less computation than MobileNet."""
    net = network("dense2-mobilenet", options={"growth": growth})
    mobilenet = network("mobilenet-v1")
    assert net.total.macs < mobilenet.total.macs and net.params < mobilenet.params


@pytest.mark.parametrize("growth", ["8", "32"])
def test_dense1_by_hand(growth):
    k = int(growth)
    net = network("dense1-mobilenet", options={"growth": growth})
    layers = by_name(net)
    # the first block: MobileNet's first depthwise layer joins the stem; its 1x1 reads both
    assert layers["block1.last"].input_shape == "112x112x64"
    assert layers["block1.last"].output_shape == "112x112x64"
    # MobileNet's stride-2 depthwise layers read only the last 1x1 of the block before
    assert layers["block4.down"].node.inputs == ("block3.last",)
    assert layers["block4.down"].output_shape == "14x14x256"
    # every output joins: the depthwise layer doubles the concatenation, the 1x1 adds k
    concat = 256
    for pair in range(1, 6):
        assert layers[f"block4.pair{pair}.pw"].input_shape == f"14x14x{concat}"
        concat = 2 * (concat + k)
    assert concat == 32 * 256 + 62 * k
    last = layers["block4.last"]
    assert (last.cost.macs, last.output.c) == (concat * 512 * 14 * 14, 512)
    assert layers["avgpool"].input_shape == "7x7x1024"
    # the whole network by hand: per block, MobileNet's width and the (1x1, depthwise) pairs
    macs = 3 * 3 * 3 * 32 * 112 * 112 + 9 * 32 * 112 * 112 + 64 * 64 * 112 * 112
    c = 64
    for size, pairs, out in ((56, 1, 128), (28, 1, 256), (14, 5, 512), (7, 1, 1024)):
        macs += 9 * c * size * size  # the stride-2 depthwise layer
        for _ in range(pairs):
            macs += c * k * size * size
            c += k
            macs += 9 * c * size * size
            c *= 2
        macs += c * out * size * size
        c = out
    assert net.total.macs == macs + 1024 * 1000


def test_dense_growth_is_an_option():
    assert network("dense1-mobilenet").name == "Dense1-MobileNet-224 (growth 32)"
    with pytest.raises(MobicostError, match="choose from: 4, 8, 12, 16, 24, 32, 48, 64"):
        network("dense2-mobilenet", options={"growth": "5"})
    for name in ("dense1-mobilenet", "dense2-mobilenet"):
        spec = load(name)
        assert "reconstruction" in spec.source and "10.1155/2020/7602384" in spec.source
        assert not spec.published  # no figure of the paper could be read


# --- PyTorch's own counter -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "options", "alpha", "resolution"),
    [
        ("shufflenet-v1", {}, None, None),
        ("shufflenet-v1", {"groups": "8"}, "0.5", 128),
        ("shufflenet-v1", {"groups": "1"}, "2.0", 128),
        ("shufflenet-v2", {}, None, None),
        ("shufflenet-v2", {"variant": "megvii"}, "1.5", 128),
        ("shufflenet-v2", {}, "2.0", 96),
        ("dense1-mobilenet", {}, None, None),
        ("dense1-mobilenet", {"growth": "8"}, None, 128),
        ("dense2-mobilenet", {}, None, None),
        ("dense2-mobilenet", {"growth": "64"}, None, 160),
    ],
)
@pytest.mark.requires("torch")
def test_pytorch_agrees(name, options, alpha, resolution):
    from mobicost.nets.pytorch import verify

    net = network(name, options=options, alpha=alpha, resolution=resolution, bias="fc", bn="all")
    checked = verify(net)
    assert checked.ok, [
        (c.layer.name, c.measured_macs, c.measured_params) for c in checked.mismatches
    ]
    assert checked.measured_macs == net.total.macs and checked.measured_params == net.params
