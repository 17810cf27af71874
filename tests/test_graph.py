"""The layer graph: spec files, shape inference and per-kind costs, against hand arithmetic."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mobicost.nets.expr import ExpressionError, evaluate, make_divisible
from mobicost.nets.network import build, conventions_for
from mobicost.nets.spec import SpecError, parse

TINY = """
name = "tiny"
title = "Tiny"
input = [3, 32, 32]
classes = 10

[width]
rounding = "div8"

[defaults.conv]
bn = true
act = "relu"
padding = 1

[blocks.res]                 # a residual block: conv, conv, add
params = ["c"]
layers = [
  { name = "a", op = "conv", filters = "$c", kernel = 3 },
  { name = "b", op = "conv", filters = "$c", kernel = 3, act = "none" },
  { op = "add", input = ["b", "in"], act = "relu" },
]

[[layers]]
name = "stem"
op = "conv"
filters = 16
kernel = 3
stride = 2

[[layers]]
block = "res"
with = { c = 16 }
repeat = 2

[[layers]]
name = "left"
op = "pw"
filters = 8
input = "stem"

[[layers]]
name = "both"
op = "concat"
input = ["left", "res2"]

[[layers]]
op = "shuffle"
groups = 2

[[layers]]
op = "se"
squeeze = "$in // 4"

[[layers]]
op = "pool"
mode = "max"
kernel = 2

[[head]]
op = "gap"

[[head]]
op = "fc"
units = "$classes"
"""


def tiny(conventions=None, **options):
    spec = parse(TINY, "tiny.toml")
    return build(spec, conventions=conventions_for(spec, **(conventions or {})), **options)


def test_shapes_and_names_of_a_branching_graph():
    net = tiny()
    shapes = {layer.name: layer.output_shape for layer in net.layers}
    assert shapes == {
        "stem": "16x16x16",
        "res1.a": "16x16x16",
        "res1.b": "16x16x16",
        "res1.add1": "16x16x16",
        "res2.a": "16x16x16",
        "res2.b": "16x16x16",
        "res2.add1": "16x16x16",
        "left": "16x16x8",
        "both": "16x16x24",
        "shuffle1": "16x16x24",
        "se1": "16x16x24",
        "pool1": "8x8x24",
        "gap1": "1x1x24",
        "fc1": "1x1x10",
    }
    by_name = {layer.name: layer for layer in net.layers}
    assert by_name["res2.add1"].node.inputs == ("res2.b", "res1.add1")
    assert by_name["left"].node.inputs == ("stem",)


def test_costs_by_hand():
    net = tiny()
    conv3 = 3 * 3 * 16 * 16  # weights of each 3x3, 16 -> 16 convolution
    by_hand = {
        "stem": (3 * 3 * 3 * 16 * 16 * 16, 3 * 3 * 3 * 16),
        "res1.a": (conv3 * 16 * 16, conv3),
        "left": (16 * 8 * 16 * 16, 16 * 8),
        "se1": (2 * 24 * 6, 2 * 24 * 6),  # two FCs, 24 -> 6 -> 24, no bias (paper default)
        "fc1": (24 * 10, 24 * 10),
    }
    for layer in net.layers:
        if layer.name in by_hand:
            assert (layer.cost.macs, layer.cost.params) == by_hand[layer.name], layer.name
        if layer.kind in ("add", "concat", "shuffle", "pool", "gap"):
            assert layer.total == layer.cost and layer.cost.macs == layer.cost.params == 0
    assert net.total.macs == sum(layer.cost.macs for layer in net.layers)


def test_conventions_reach_every_kind():
    net = tiny({"bias": "fc", "bn": "affine", "eltwise_ops": True, "pool_adds": True})
    by_name = {layer.name: layer for layer in net.layers}
    assert by_name["se1"].cost.params == 2 * 24 * 6 + 6 + 24  # FC biases count under "fc"
    assert by_name["fc1"].cost.params == 24 * 10 + 10
    assert by_name["stem"].params == 3 * 3 * 3 * 16 + 2 * 16  # no conv bias; BN gamma, beta
    assert by_name["res1.add1"].cost.adds == 16 * 16 * 16  # one addition per element
    assert by_name["se1"].cost.adds == 2 * 24 * 16 * 16  # its pool sums and gate multiplies
    assert by_name["gap1"].cost.adds == 24 * 8 * 8
    acts = tiny({"activation_ops": True})
    assert {layer.name: layer.cost.adds for layer in acts.layers}["stem"] == 16 * 16 * 16
    assert {layer.name: layer.cost.adds for layer in acts.layers}["res1.b"] == 0  # act = none


def test_width_multiplier_rounds_as_the_spec_says():
    net = tiny(alpha="0.5")  # div8: 16 x 0.5 = 8, 8 x 0.5 = 4 -> 8
    assert [layer.output.c for layer in net.layers[:2]] == [8, 8]
    assert {layer.name: layer.output.c for layer in net.layers}["left"] == 8


def test_no_head_and_resolution():
    net = tiny({"head": False}, resolution=64)
    assert net.layers[-1].name == "pool1" and net.layers[-1].output_shape == "16x16x24"
    assert net.rho == 2


def test_when_and_block_rows():
    spec = parse(
        """
        name = "rows"
        input = [8, 8, 8]
        [blocks.ir]
        params = ["t", "c", "n", "s"]
        repeat = "n"
        then = { s = 1 }
        layers = [
          { name = "expand", op = "pw", filters = "$in * $t", width = "fixed", when = "$t != 1" },
          { op = "dw", stride = "$s" },
          { name = "project", op = "pw", filters = "$c" },
          { op = "add", input = ["project", "in"], when = "$s == 1 and $block_in == $in" },
        ]
        [[layers]]
        block = "ir"
        rows = [[1, 8, 1, 1], [6, 16, 2, 2]]
        """
    )
    net = build(spec)
    assert [layer.name for layer in net.layers] == [
        "ir1.dw1",
        "ir1.project",
        "ir1.add1",
        "ir2.expand",
        "ir2.dw1",
        "ir2.project",
        "ir3.expand",
        "ir3.dw1",
        "ir3.project",
        "ir3.add1",
    ]
    assert [layer.output.c for layer in net.layers[3:6]] == [48, 48, 16]
    assert net.layers[4].op.stride == (2, 2) and net.layers[7].op.stride == (1, 1)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[[layers]]\nop = "conv"\nfilters = 8\nkernel = 3\nsize = 2',
            "conv has no attribute 'size'",
        ),
        ('[[layers]]\nop = "convolution"', "unknown op 'convolution'; kinds: conv, dw"),
        ('[[layers]]\nop = "conv"\nkernel = 3', "conv needs filters"),
        ('[[layers]]\nop = "conv"\nfilters = 0\nkernel = 3', "filters = 0; it must be a positive"),
        ('[[layers]]\nop = "conv"\nfilters = "$c"\nkernel = 3', "unknown variable $c"),
        ('[[layers]]\nop = "conv"\nfilters = 8\nkernel = 9\npadding = 0', "does not fit a 4x4"),
        ('[[layers]]\nop = "conv"\nfilters = 8\nkernel = 1\ngroups = 3', "cannot be split into 3"),
        ('[[layers]]\nop = "add"\ninput = ["input", "x"]', "input 'x' names no earlier layer"),
        (
            '[[layers]]\nname = "x"\nop = "pw"\nfilters = 6\n[[layers]]\nop = "add"\n'
            'input = ["input", "x"]',
            "an add of unequal shapes: 4x4x3 + 4x4x6",
        ),
        (
            '[[layers]]\nname = "x"\nop = "pool"\nmode = "max"\nkernel = 2\n[[layers]]\n'
            'op = "concat"\ninput = ["input", "x"]',
            "a concat of unequal sizes",
        ),
        ('[[layers]]\nop = "fc"\nunits = 10', "needs a vector, got a 4x4x3 map"),
        ('[[layers]]\nop = "pool"\nmode = "mean"\nkernel = 2', "mode = 'mean' is not \"max\""),
        ('[[layers]]\nblock = "nope"', "unknown block 'nope'"),
    ],
)
def test_spec_errors_name_the_file_line_and_fix(body, message):
    text = f'name = "bad"\ninput = [3, 4, 4]\n\n{body}\n'
    with pytest.raises(SpecError) as error:
        build(parse(text, "bad.toml"))
    assert str(error.value).startswith("bad.toml:4: layers[0]") or "layers[1]" in str(error.value)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'\ninput = [3, 4, 4]\nlayers = 3", "expected [[layers]] entries"),
        ("name = 'x'\ninput = [3, 4]\n[[layers]]\nop = 'bn'", "expected [channels, height, width]"),
        ("name = 'x'\nlayer = 1\n", "x.toml:2: layer: unknown key"),
        (
            "name = 'x'\ninput = [3, 4, 4]\n[conventions]\nbn = 'some'\n[[layers]]\nop = 'bn'",
            "bn 'some'",
        ),
        (
            "name = 'x'\ninput = [3, 4, 4]\n[width]\nrounding = 'up'\n[[layers]]\nop = 'bn'",
            "rounding 'up'",
        ),
        ("name = 'x' = 2", "not valid TOML"),
    ],
)
def test_bad_files(text, message):
    with pytest.raises(SpecError, match=r"^x\.toml") as error:
        parse(text, "x.toml")
    assert message in str(error.value)


def test_expressions_are_exact_and_closed():
    assert evaluate("$a / 3", {"a": 2}) == Fraction(2, 3)
    assert evaluate("max($a, 8) if $a > 4 else 0", {"a": 5}) == 8
    assert make_divisible(Fraction(1280 * 14, 10)) == 1792  # torchvision's 1.4 MobileNet v2
    for bad in ("a + 1", "$a.__class__", "open('x')", "[1, 2]", "'text'", "1.5", "$a ** 2"):
        with pytest.raises(ExpressionError):
            evaluate(bad, {"a": 1})


GROUPS = """
name = "groups"
input = [3, 16, 16]
[width]
rounding = "floor"
[[layers]]
op = "conv"
filters = 16
kernel = 3
stride = 2
[[layers]]
name = "extra"
op = "pw"
filters = 16
when = "$in == 16"          # only at full width: the widths build different layers
[[layers]]
op = "flatten"
[[layers]]
op = "fc"
units = 10
"""


@pytest.mark.parametrize(
    ("text", "alphas", "conventions"),
    [
        (TINY, ["1", "1/2", "3/8", "2"], {}),
        (TINY, ["1", "1/2", "2"], {"activation_ops": True, "eltwise_ops": True, "pool_adds": True}),
        (GROUPS, ["1", "1/2", "3/4", "5/4"], {"bias": "all"}),
    ],
)
def test_grid_equals_every_network_built_directly(text, alphas, conventions):
    from mobicost.nets.grid import cost_grid
    from mobicost.nets.memory import Workload, network_memory

    spec = parse(text)
    fractions = [Fraction(a) for a in alphas]
    resolutions = [32, 17, 48, 64]
    chosen = conventions_for(spec, **conventions)
    grid = cost_grid(
        spec, fractions, resolutions, conventions=chosen, workload=Workload(2, "fp32", "bf16")
    )
    for i, alpha in enumerate(fractions):
        for j, resolution in enumerate(resolutions):
            net = build(spec, alpha=alpha, resolution=resolution, conventions=chosen)
            assert grid.values["macs"][i, j] == net.total.macs
            assert grid.values["adds"][i, j] == net.total.adds
            assert grid.values["params"][i, j] == net.params  # the FC after a flatten grows
            peak = network_memory(net, Workload(batch=2, activations="bf16")).peak_bytes
            assert grid.values["peak_bytes"][i, j] == peak


@pytest.mark.parametrize(
    ("name", "alphas", "options"),
    [
        ("mobilenet-v2", ["1", "0.35", "0.75", "1.3"], {}),  # residual adds, div8 widths
        ("mobilenet-v3-small", ["1", "0.5", "0.75"], {}),  # squeeze-excite: cell by cell
        ("shufflenet-v1", ["1.0", "0.5", "2.0"], {"groups": "3"}),  # an option, published widths
        ("shufflenet-v2", ["1.0", "0.5", "1.5"], {"variant": "megvii"}),  # views: split, concat
        ("resnet-18", ["1"], {}),
    ],
)
def test_library_grids_equal_every_network_built_directly(name, alphas, options):
    from mobicost.nets.grid import cost_grid
    from mobicost.nets.library import load
    from mobicost.nets.memory import Workload, network_memory

    spec = load(name)
    fractions = [Fraction(a) for a in alphas]
    resolutions = [224, 97, 160, 128]
    chosen = conventions_for(spec, bias="all", bn="all")
    workload = Workload(3, "fp16", "int8")
    grid = cost_grid(
        spec, fractions, resolutions, options=options, conventions=chosen, workload=workload
    )
    for i, alpha in enumerate(fractions):
        for j, resolution in enumerate(resolutions):
            net = build(
                spec, alpha=alpha, resolution=resolution, options=options, conventions=chosen
            )
            assert grid.values["macs"][i, j] == net.total.macs
            assert grid.values["adds"][i, j] == net.total.adds
            assert grid.values["params"][i, j] == net.params
            assert grid.values["peak_bytes"][i, j] == network_memory(net, workload).peak_bytes


SIZED = """
name = "sized"
input = [3, 32, 32]
[[layers]]
op = "conv"
filters = 16
kernel = "3 if $in_h > 20 else 1"   # reads the input's size
stride = 2
"""
FLAT = """
name = "flat"
input = [3, 32, 32]
[[layers]]
op = "conv"
filters = 16
kernel = 3
stride = 2
[[layers]]
op = "flatten"
[[layers]]
op = "fc"
units = "$in // 64"                 # after a flatten, the channels follow the resolution
"""


@pytest.mark.parametrize("text", [SIZED, FLAT])
def test_grid_builds_where_a_resolution_changes_the_layers_attributes(text):
    # the grid infers the shapes of the first width's nodes again at each resolution; where an
    # expression reads a size, or a tensor's channels change with it, it builds the network
    from mobicost.nets.grid import cost_grid
    from mobicost.nets.memory import Workload, network_memory
    from mobicost.nets.spec import reads_size

    spec = parse(text)
    assert reads_size(spec) == (text == SIZED)
    resolutions = [32, 17, 48, 20, 21]
    grid = cost_grid(spec, [Fraction(1)], resolutions, conventions=conventions_for(spec))
    for j, resolution in enumerate(resolutions):
        net = build(spec, resolution=resolution)
        assert grid.values["macs"][0, j] == net.total.macs
        assert grid.values["params"][0, j] == net.params
        assert grid.values["peak_bytes"][0, j] == network_memory(net, Workload()).peak_bytes


@pytest.mark.parametrize(
    ("name", "configurations"),
    [
        ("mobilenet-v3-small", [("1", 224, {}), ("0.5", 160, {}), ("1", 97, {})]),
        ("shufflenet-v1", [("1.0", 224, {"groups": "8"}), ("0.5", 160, {"groups": "3"})]),
    ],
)
def test_builds_of_a_used_spec_equal_builds_of_a_fresh_one(name, configurations):
    # a spec keeps what no build changes (its entries' plans): builds after others are the same
    from mobicost.nets.library import load, text

    used = load(name)
    for alpha, resolution, options in configurations * 2:
        fresh = parse(text(name), path=f"{name}.toml")
        nets = [
            build(spec, alpha=alpha, resolution=resolution, options=options)
            for spec in (used, fresh)
        ]
        assert nets[0].records() == nets[1].records()
        assert [layer.node for layer in nets[0].layers] == [layer.node for layer in nets[1].layers]
    assert used.plans


def test_a_bad_attribute_fails_every_build_in_its_place():
    spec = parse(
        "name = 'x'\ninput = [3, 8, 8]\n[[layers]]\nop = 'conv'\nfilters = 8\nkernel = 0\n",
        "x.toml",
    )
    for _ in range(2):
        with pytest.raises(SpecError, match=r"^x\.toml:3: layers\[0\]: kernel = 0; it must be"):
            build(spec)


def test_expressions_fail_only_where_evaluated():
    assert evaluate("1 if $a else 1.5", {"a": 1}) == 1
    with pytest.raises(ExpressionError, match=r"1\.5 is not a whole number"):
        evaluate("1 if $a else 1.5", {"a": 0})
    with pytest.raises(ExpressionError, match="'nothing' is not a function here"):
        evaluate("$a or nothing($a)", {"a": 1})  # and/or evaluate every operand
    with pytest.raises(ExpressionError, match=r"unknown variable \$b \(known here: \$a\)"):
        evaluate("$a + $b", {"a": 1})
    assert evaluate("max(1, 2) + width(3)", {}, {"max": min, "width": lambda c: 2 * c}) == 7
    assert evaluate("1 < $a <= 3 != 4", {"a": 3}) is True
    with pytest.raises(ExpressionError, match=r"cannot evaluate 'make_divisible\(\$a, 0\)'"):
        evaluate("make_divisible($a, 0)", {"a": 3})


def test_rows_carry_words_and_a_single_named_instance_keeps_its_name():
    spec = parse(
        """
        name = "words"
        input = [8, 8, 8]
        [blocks.unit]
        params = ["c", "nl"]
        layers = [{ op = "pw", filters = "$c", act = "$nl" }]
        [[layers]]
        block = "unit"
        name = "first"
        with = { c = 8, nl = "hswish" }
        [[layers]]
        block = "unit"
        columns = ["c", "nl"]
        rows = [[16, "relu"], [16, "none"]]
        """
    )
    net = build(spec)
    assert [(layer.name, layer.op.act) for layer in net.layers] == [
        ("first.pw1", "hswish"),
        ("unit1.pw1", "relu"),
        ("unit2.pw1", None),
    ]


def test_every_built_in_spec_is_ascii_and_builds():
    from mobicost.nets.library import names, text

    for name in names():
        assert text(name).isascii(), name  # `mobicost spec` prints it on any terminal
        assert build(parse(text(name), f"{name}.toml")).layers
