"""Sweeps: the closed-form grid equals layer-by-layer builds; budgets, the front, sorting; the
list and range parsers."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mobicost.analysis.sweep import sweep
from mobicost.cli.params import ALPHA_LIST, RESOLUTION_LIST
from mobicost.cost.conventions import Conventions
from mobicost.nets.network import mobilenet_v1


def test_default_grid_is_the_papers():
    result = sweep()
    assert result.evaluated == 16 and len(result) == 16
    first = result.points[0]
    assert (first.name, first.macs, first.params, first.ratio) == (
        "1.0 MobileNet-224",
        568_740_352,
        4_209_088,
        1,
    )
    by_name = {p.name: p for p in result.points}
    assert by_name["0.5 MobileNet-160"].top1["Howard et al. 2017"] == "60.2"
    assert by_name["0.5 MobileNet-160"].top1["TF-Slim checkpoints"] == "59.1"
    assert by_name["0.75 MobileNet-192"].top1["Howard et al. 2017"] is None  # not in the paper


@settings(max_examples=40, deadline=None)
@given(
    alphas=st.lists(
        st.fractions(min_value=Fraction(1, 8), max_value=2, max_denominator=100),
        min_size=1,
        max_size=3,
    ),
    resolutions=st.lists(st.integers(1, 400), min_size=1, max_size=3),
    rounding=st.sampled_from(["floor", "slim", "div8"]),
    conventions=st.builds(
        Conventions,
        unit=st.sampled_from(["macs", "flops"]),
        bias=st.sampled_from(["none", "fc", "all"]),
        bn=st.sampled_from(["none", "affine", "all"]),
        classes=st.integers(1, 2000),
        head=st.booleans(),
        pool_adds=st.booleans(),
    ),
)
def test_grid_equals_layer_by_layer(alphas, resolutions, rounding, conventions):
    if rounding == "floor" and min(alphas) * 32 < 1:
        return
    result = sweep(alphas, resolutions, rounding=rounding, conventions=conventions)
    for point in result.points:
        net = mobilenet_v1(point.alpha, point.resolution, rounding=rounding, **vars(conventions))
        assert (point.macs, point.adds, point.params, point.ops) == (
            net.total.macs,
            net.total.adds,
            net.params,
            net.ops,
        )


def test_published_figures_reach_every_configuration_that_has_one():
    # looked up once per published figure, by cell: a repeated resolution gets them twice
    from mobicost.analysis.sweep import accuracies

    result = sweep(["1.0", "0.5", "0.3"], [224, 160, 224, 100], sort="top1")
    table = accuracies(result.spec)
    for point in result.points:
        assert point.top1 == {o: table[o].get((point.alpha, point.resolution, ())) for o in table}
    assert [p.name for p in result.points][:6] == [
        "1.0 MobileNet-224",
        "1.0 MobileNet-224",
        "1.0 MobileNet-160",
        "0.5 MobileNet-224",
        "0.5 MobileNet-224",
        "0.5 MobileNet-160",
    ]
    assert all(p.top1["Howard et al. 2017"] is None for p in result.points[6:])
    assert sweep(["1.0", "0.5", "0.3"], [224, 160], pareto=True).pareto_axis == (
        "alpha x resolution"  # 0.3 has no published figure
    )


def test_python_integers_past_int64():
    # alpha 5000 at 40,000 pixels: ~4e20 MACs, beyond int64; the grid falls back to exact ints
    result = sweep(["5000"], [40_000])
    [point] = result.points
    assert result.macs.dtype == object
    assert point.macs == mobilenet_v1("5000", 40_000).total.macs > 2**63


def test_budgets():
    result = sweep(max_macs=300 * 10**6, max_params=2 * 10**6)
    assert {p.name for p in result.points} == {
        "0.5 MobileNet-224",
        "0.5 MobileNet-192",
        "0.5 MobileNet-160",
        "0.5 MobileNet-128",
        "0.25 MobileNet-224",
        "0.25 MobileNet-192",
        "0.25 MobileNet-160",
        "0.25 MobileNet-128",
    }
    assert all(p.macs <= 300 * 10**6 and p.params <= 2 * 10**6 for p in result.points)
    flops = sweep(max_flops=600 * 10**6, conventions=Conventions(unit="flops"))
    assert max(p.ops for p in flops.points) == 2 * 290_675_200


def test_largest_alpha_under_budget_at_192():
    result = sweep(
        ALPHA_LIST.parse("0.25:1.0:0.05"), [192], max_macs=300 * 10**6, sort="alpha", top=1
    )
    [best] = result.points
    assert best.alpha == Fraction(4, 5) and best.macs <= 300 * 10**6
    assert mobilenet_v1("0.85", 192).total.macs > 300 * 10**6  # the next step is over budget


def test_pareto_on_published_accuracy():
    result = sweep(pareto=True)
    assert result.pareto_axis == "top-1 (TF-Slim checkpoints)"
    names = {p.name for p in result.points}
    # 1.0-128 (186M, 65.2%) is beaten by 0.75-160 (166M, 65.3%); 0.5-192 by 0.75-128
    assert "1.0 MobileNet-128" not in names and "0.5 MobileNet-192" not in names
    assert len(names) == 14
    for p in result.points:  # nothing kept is beaten on both
        assert not any(
            q.ops <= p.ops
            and Fraction(q.top1["TF-Slim checkpoints"]) >= Fraction(p.top1["TF-Slim checkpoints"])
            and (q.ops, q.top1["TF-Slim checkpoints"]) != (p.ops, p.top1["TF-Slim checkpoints"])
            for q in result.points
        )


def test_pareto_without_accuracy_uses_capacity():
    result = sweep(["1", "0.5"], [224, 160, 300], pareto=True)
    assert result.pareto_axis == "alpha x resolution"
    # every point trades cost for capacity: nothing is cheaper and at least as wide
    assert len(result) == 6


def test_sorting():
    assert [p.resolution for p in sweep(["1"], [128, 224, 160], sort="resolution").points] == [
        224,
        160,
        128,
    ]
    assert [p.name for p in sweep(sort="top1", top=2).points] == [
        "1.0 MobileNet-224",
        "1.0 MobileNet-192",
    ]
    macs = [p.ops for p in sweep(sort="macs").points]
    assert macs == sorted(macs)


def test_parsers():
    assert ALPHA_LIST.parse("0.25:1.0:0.25") == [
        Fraction(1, 4),
        Fraction(1, 2),
        Fraction(3, 4),
        Fraction(1),
    ]
    assert len(ALPHA_LIST.parse("0.25:1.0:0.05")) == 16  # inclusive, exact: no float drift
    assert RESOLUTION_LIST.parse("128:224:32,96") == [128, 160, 192, 224, 96]
    for bad in (
        "1,,0.5",
        "0.25:1.0:0",
        "0.25:1.0:-0.1",
        "224:128",
        "0.5:0.25:0.05",
        "x",
        "1:2:3:4",
        "0",
        "-1",
        "nan",
        "1e999",
    ):
        with pytest.raises(ValueError):
            ALPHA_LIST.parse(bad)
    with pytest.raises(ValueError, match="not a whole number"):
        RESOLUTION_LIST.parse("160.5")


@settings(max_examples=100, deadline=None)
@given(
    start=st.fractions(min_value=Fraction(1, 100), max_value=2, max_denominator=100),
    length=st.fractions(min_value=0, max_value=2, max_denominator=100),
    step=st.fractions(min_value=Fraction(1, 100), max_value=1, max_denominator=100),
)
def test_range_property(start, length, step):
    text = (
        f"{start.numerator}/{start.denominator}:{(start + length).numerator}/"
        f"{(start + length).denominator}:{step.numerator}/{step.denominator}"
    )
    values = ALPHA_LIST.parse(text)
    assert values[0] == start and values[-1] <= start + length < values[-1] + step
    assert all(b - a == step for a, b in itertools.pairwise(values))


def test_a_range_across_impossible_widths_skips_them():
    """MobileNet v1 under 'floor' rounding: the first layer's 32 filters become int(alpha x 32),
    zero for alpha < 1/32 (hand arithmetic: 0.031 x 32 = 0.992, 0.032 x 32 = 1.024), so of
    0.01, 0.02, ..., 1.00 the first three cannot be built; the rest are costed as usual."""
    alphas = [Fraction(k, 100) for k in range(1, 101)]
    result = sweep(alphas, [224, 128])
    assert [item.value for item in result.impossible] == [Fraction(k, 100) for k in (1, 2, 3)]
    assert {item.what for item in result.impossible} == {"alpha"}
    assert result.skipped == 3 * 2 and result.evaluated == 97 * 2 == len(result)
    assert result.alphas == tuple(alphas[3:])
    assert result.points[0].name == "0.04 MobileNet-224"
    assert result.points[0].macs == mobilenet_v1("0.04", 224).total.macs  # int(0.04 x 32) = 1
    assert "no channels" in result.impossible[0].reason
    assert result.skipped_text == (
        "Skipped 6 impossible configurations (alpha 0.01, 0.02, 0.03): "
        f"{result.impossible[0].reason}."
    )
    fine = sweep([Fraction(k, 1000) for k in range(10, 41)], [128])  # 0.010 ... 0.040
    assert fine.skipped == 22 and fine.alphas[0] == Fraction(32, 1000)  # 0.010 ... 0.031
    assert sweep(alphas, [224], rounding="slim").skipped == 0  # slim keeps 8 channels at least


def test_a_range_across_impossible_resolutions_skips_them():
    """VGG-16's five 2x2 pools need a 2x2 input each: r, floor(r/2), ... floor(r/16) >= 2, so
    r >= 32 (hand arithmetic: 31 -> 15 -> 7 -> 3 -> 1, and the fifth pool has one pixel)."""
    result = sweep(None, list(range(16, 49)), network="vgg16")
    assert [item.value for item in result.impossible] == list(range(16, 32))
    assert {item.what for item in result.impossible} == {"resolution"}
    assert result.resolutions == tuple(range(32, 49)) and result.skipped == 16
    assert "does not fit" in result.impossible[0].reason


def test_a_sweep_with_nothing_possible_fails():
    from mobicost.errors import MobicostError

    with pytest.raises(MobicostError, match=r"^no configuration can be built: .*no channels"):
        sweep(["0.01", "0.02"], [224])


def _direct_cells(name, alphas, resolutions, workload):
    """Every cell of a grid built on its own: (MACs, other ops, params, peak bytes)."""
    from mobicost.nets.library import load
    from mobicost.nets.memory import network_memory
    from mobicost.nets.network import build, conventions_for

    spec = load(name)
    conventions = conventions_for(spec)
    cells = {}
    for i, alpha in enumerate(alphas):
        for j, resolution in enumerate(resolutions):
            net = build(spec, alpha=alpha, resolution=resolution, conventions=conventions)
            peak = network_memory(net, workload).peak_bytes
            cells[i, j] = (int(net.total.macs), int(net.total.adds), net.params, peak)
    return spec, conventions, cells


@pytest.mark.parametrize("name", ["mobilenet-v2", "mobilenet-v3-small"])
def test_groups_of_widths_follow_the_first_and_equal_direct_builds(name, monkeypatch):
    """MobileNet v2 and v3 build different layers at different widths (a residual block keeps
    its shortcut only where its rounded channels match), so their widths fall into groups;
    every group after the first takes its resolution columns from the first's. Every cell
    equals a network built on its own, and a wrong column is caught by the group's corner
    check (the group is then costed node by node), never returned."""
    from mobicost.nets import grid
    from mobicost.nets.memory import Workload

    alphas = [Fraction(k, 20) for k in range(3, 29, 2)]  # 0.15 to 1.35
    resolutions = [40, 96, 161, 224]
    workload = Workload(batch=2, activations="int8")
    spec, conventions, direct = _direct_cells(name, alphas, resolutions, workload)
    followed = []
    alike = grid._alike

    def spy(*args, **kwargs):
        result = alike(*args, **kwargs)
        # every resolution but the widths' own (the largest) followed, or none
        followed.append(result is not None and len(result.place) == len(resolutions) - 1)
        return result

    monkeypatch.setattr(grid, "_alike", spy)
    costed = grid.cost_grid(spec, alphas, resolutions, conventions=conventions, workload=workload)
    assert followed and all(followed)  # several groups, and the later ones followed the first
    fields = ("macs", "adds", "params", "peak_bytes")
    for (i, j), want in direct.items():
        assert tuple(int(costed.values[f][i, j]) for f in fields) == want, (i, j)

    def wrong(*args, **kwargs):
        result = alike(*args, **kwargs)
        result.vectors["macs"][:, -1] += 1  # one MAC too many in the classifier
        return result

    monkeypatch.setattr(grid, "_alike", wrong)
    checked = grid.cost_grid(spec, alphas, resolutions, conventions=conventions, workload=workload)
    for (i, j), want in direct.items():
        assert tuple(int(checked.values[f][i, j]) for f in fields) == want, (i, j)


@pytest.mark.parametrize(
    ("name", "alphas"),
    [
        # channels in multiples of 8: neighbouring widths build one network, and alpha above
        # one widens the last convolution (its width = "up"), so 1.0 and 1.01 differ there
        (
            "mobilenet-v2",
            [Fraction(k, 200) for k in range(60, 71)] + [Fraction(1), Fraction(101, 100)],
        ),
        ("mobilenet-v3-large", [Fraction(k, 400) for k in range(200, 213)]),
        # int(alpha C): 0.5 and 0.5005 build one network, 0.501 another
        ("mobilenet-v1", [Fraction(k, 2000) for k in range(1000, 1006)]),
    ],
)
def test_widths_that_read_the_same_roundings_share_one_build(name, alphas):
    """A width whose roundings all answer as a recent width's did is that width's network
    (WidthReads): it is not built again, and every cell still equals a network built on its
    own."""
    from mobicost.nets import grid
    from mobicost.nets.memory import Workload

    resolutions = [96, 224]
    workload = Workload()
    spec, conventions, direct = _direct_cells(name, alphas, resolutions, workload)
    costed = grid.cost_grid(spec, alphas, resolutions, conventions=conventions, workload=workload)
    fields = ("macs", "adds", "params", "peak_bytes")
    for (i, j), want in direct.items():
        assert tuple(int(costed.values[f][i, j]) for f in fields) == want, (alphas[i], j)
    distinct = len({direct[i, 1] for i in range(len(alphas))})
    assert distinct < len(alphas)  # the case is worth having: some widths build one network
    # one build per distinct network at the largest resolution, the rest per resolution and check
    assert costed.direct - len(resolutions) < len(alphas)


def test_width_reads_answer_for_another_width():
    from mobicost.nets.library import load
    from mobicost.nets.network import build
    from mobicost.nets.spec import WidthReads

    reads = WidthReads()
    build(load("mobilenet-v2"), alpha=Fraction(3, 4), reads=reads)
    assert reads.rounding == "div8" and reads.above_one is False
    assert reads.rounded[32] == 24  # 0.75 x 32 = 24, a multiple of 8
    assert reads.same_at(Fraction(76, 100))  # every rounding answers alike
    assert not reads.same_at(Fraction(1, 2))  # 0.5 x 32 = 16
    assert not reads.same_at(Fraction(11, 10))  # above one: the last convolution widens


# blocks within blocks, a `then`, a named instance, a width above one ("up"), a `when` on
# rounded channels, and a block whose layer reads a tensor from outside it ("stem")
NESTED = """
name = "nested"
input = [3, 64, 64]
classes = 10
[width]
rounding = "div8"
[defaults.conv]
bn = true
act = "relu"
padding = 1
[blocks.pair]
params = ["c", "s"]
layers = [
  { name = "a", op = "conv", filters = "$c", kernel = 3, stride = "$s" },
  { name = "b", op = "pw", filters = "$c", act = "none" },
  { op = "add", input = ["b", "in"], when = "$s == 1 and $block_in == $in" },
]
[blocks.stage]
params = ["c", "n"]
layers = [
  { block = "pair", with = { c = "$c", s = 2 } },
  { block = "pair", with = { c = "$c", s = 1 }, repeat = "$n" },
  { name = "wide", op = "pw", filters = "2 * $c", when = "width($c) > 16" },
]
[blocks.side]
params = ["c"]
layers = [{ op = "pw", filters = "$c", input = "stem" }]
[[layers]]
name = "stem"
op = "conv"
filters = 24
kernel = 3
[[layers]]
block = "stage"
columns = ["c", "n"]
rows = [[16, 1], [40, 2]]
[[layers]]
block = "pair"
name = "named"
with = { c = 24, s = 1 }
then = { s = 1 }
repeat = 2
[[layers]]
block = "side"
with = { c = 8 }
[[layers]]
op = "pw"
filters = 1280
width = "up"
[[layers]]
op = "gap"
[[layers]]
op = "fc"
units = 10
"""


@pytest.mark.parametrize(
    ("name", "alphas", "share"),
    [
        ("mobilenet-v3-large", [Fraction(k, 1000) for k in range(100, 1300, 7)], 0.5),
        ("mobilenet-v2", [Fraction(k, 1000) for k in range(100, 1300, 7)], 0.5),
        # int(alpha C) changes the wide layers' channels at almost every step of 0.0065
        ("mobilenet-v1", [Fraction(k, 2000) for k in range(200, 2000, 13)], 0.05),
        ("nested", [Fraction(k, 1000) for k in range(250, 1500, 5)], 0.5),
    ],
)
def test_builds_sharing_expansions_equal_builds_alone(name, alphas, share, monkeypatch):
    """Builds given one Expansions (a sweep's widths) write out again the block instances an
    earlier build expanded alike: every layer, shape and cost, and what the build read of
    alpha, equal a build on its own, at every width; and (``share``) many instances are
    written out again, not expanded."""
    from mobicost.nets.library import load
    from mobicost.nets.network import build, conventions_for
    from mobicost.nets.spec import Expansions, WidthReads, builder, parse

    spec = parse(NESTED) if name == "nested" else load(name)
    conventions = conventions_for(spec, bias="all", bn="all")
    rewrites = []
    rewrite = builder._Builder.rewrite

    def spy(self, memo):
        rewrites.append(rewrite(self, memo))
        return rewrites[-1]

    monkeypatch.setattr(builder._Builder, "rewrite", spy)
    expansions = Expansions()
    for alpha in alphas:
        alone, shared = WidthReads(), WidthReads()
        want = build(spec, alpha=alpha, resolution=96, conventions=conventions, reads=alone)
        got = build(
            spec,
            alpha=alpha,
            resolution=96,
            conventions=conventions,
            reads=shared,
            expansions=expansions,
        )
        assert got.layers == want.layers, alpha
        assert shared == alone, alpha
    assert sum(rewrites) > share * len(rewrites)  # the case is worth having
    if name == "nested":  # the block reading "stem" from outside itself is expanded each time
        assert not any(key[1].startswith("side") for key in expansions.written)
        assert any(key[1].startswith("stage") for key in expansions.written)


def test_expansions_serve_one_spec_in_one_context():
    """An Expansions kept by builds at one resolution (or of one spec) is not used by another,
    whose instances' inputs and names it cannot vouch for."""
    from mobicost.nets.library import load
    from mobicost.nets.network import build
    from mobicost.nets.spec import Expansions

    expansions = Expansions()
    spec = load("mobilenet-v2")
    build(spec, alpha=Fraction(1, 2), resolution=96, expansions=expansions)
    assert expansions.written
    assert expansions.serves(spec, expansions.context)
    assert not expansions.serves(load("mobilenet-v3-large"), expansions.context)
    other = build(spec, alpha=Fraction(1, 2), resolution=128, expansions=expansions)
    assert other == build(spec, alpha=Fraction(1, 2), resolution=128)
