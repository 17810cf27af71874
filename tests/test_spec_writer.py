"""Networks written back as spec files (mobicost.nets.writer, ``mobicost spec``): costing the
written file gives the network's numbers layer by layer, and a repeated structure is written
once. The tensor kinds of imported models, written in a spec by hand, count what hand
arithmetic says."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mobicost import network
from mobicost.cli import main
from mobicost.errors import MobicostError
from mobicost.frontends import onnx as onnx_frontend
from mobicost.frontends import torch as torch_frontend
from mobicost.nets import ops
from mobicost.nets.library import names
from mobicost.nets.network import Network, build
from mobicost.nets.spec import SpecError, parse
from mobicost.nets.writer import to_toml


def rebuilt(text: str) -> Network:
    return build(parse(text, path="<written>"))


def rows(net: Network) -> list[tuple[object, ...]]:
    """Every layer's counts and shapes, names aside."""
    return [
        (layer.kind, layer.cost, layer.bn, layer.input_shape, layer.output_shape, layer.label)
        for layer in net.layers
    ]


def entries(text: str) -> int:
    """The layers and block entries a file writes (in the body, the head and its blocks)."""
    return sum(1 for line in text.splitlines() if line.lstrip().startswith("{ name =") or
               line.lstrip().startswith("{ block ="))  # fmt: skip


# --- built-in networks --------------------------------------------------------------------------


@pytest.mark.parametrize("name", names())
@pytest.mark.parametrize("fold", [True, False], ids=["folded", "flat"])
def test_every_built_in_written_back_counts_the_same(name, fold):
    net = network(name)
    again = rebuilt(to_toml(net, fold=fold))
    assert rows(again) == rows(net)
    assert (again.total, again.params, again.conventions) == (
        net.total,
        net.params,
        net.conventions,
    )


@pytest.mark.parametrize(
    ("name", "given"),
    [
        ("mobilenet-v2", {"alpha": "0.35", "resolution": 96}),
        ("mobilenet-v1", {"alpha": "0.5", "resolution": 160, "bias": "all", "bn": "slim"}),
        ("shufflenet-v1", {"options": {"groups": "8"}, "pool_adds": True, "eltwise_ops": True}),
        ("mobilenet-v3-small", {"activation_ops": True, "unit": "flops", "head": False}),
    ],
)
def test_a_built_in_at_one_width_and_convention(name, given):
    net = network(name, **given)
    text = to_toml(net)
    assert rows(rebuilt(text)) == rows(net)
    assert net.name.startswith(rebuilt(text).name)  # "0.35 MobileNetV2-96" (options aside)


def test_folding_writes_mobilenet_v2_as_its_bottlenecks():
    text = to_toml(network("mobilenet-v2"))
    flat = to_toml(network("mobilenet-v2"), fold=False)
    assert '{ name = "bottleneck_2", block = "bottleneck", repeat = 3 },' in text
    assert entries(text) < 40 and entries(flat) == 65  # one per layer


# --- the tensor kinds in a spec, by hand ----------------------------------------------------------

TINY = """
name = "tiny-vit"
input = [3, 8, 8]
classes = 10

[[layers]]
name = "patch"                  # 4x4 patches: 2x2 of them, 16 channels; its own bias
op = "conv"
filters = 16
kernel = 4
stride = 4
padding = 0
bias = true

[[layers]]
op = "view"
fn = "flatten"
shape = [1, 16, 4]

[[layers]]
name = "tokens"
op = "view"
fn = "transpose"
shape = [1, 4, 16]

[[layers]]
op = "norm"
fn = "layer"

[[layers]]
name = "qkv"
op = "matmul"
units = 48
bias = true

[[layers]]
name = "q"
op = "view"
fn = "slice"
shape = [1, 4, 16]

[[layers]]
name = "k"
op = "view"
input = "qkv"
fn = "slice"
shape = [1, 4, 16]

[[layers]]
name = "v"
op = "view"
input = "qkv"
fn = "slice"
shape = [1, 4, 16]

[[layers]]
op = "attention"
input = ["q", "k", "v"]

[[layers]]
name = "proj"
op = "matmul"
units = 16

[[layers]]
op = "eltwise"
fn = "add"
input = ["proj", "tokens"]

[[layers]]
name = "token"
op = "param"
input = []
shape = [1, 1, 16]

[[layers]]
op = "reduce"
fn = "mean"
input = "eltwise1"
shape = [1, 16]

[[layers]]
op = "act"
fn = "gelu"

[[layers]]
name = "head"
op = "matmul"
units = 10
bias = true

[[layers]]
op = "uncosted"
fn = "aten.cumsum"
shape = [1, 10]
"""


def test_the_tensor_kinds_count_as_by_hand():
    net = build(parse(TINY))
    by = {layer.name: layer for layer in net.layers}
    assert (by["patch"].cost.macs, by["patch"].params) == (
        4 * 4 * 3 * 16 * 2 * 2,
        4 * 4 * 3 * 16 + 16,
    )
    assert by["norm1"].params == 2 * 16  # a scale and a shift of the last dimension
    assert (by["qkv"].cost.macs, by["qkv"].params) == (4 * 16 * 48, 16 * 48 + 48)
    assert by["attention1"].cost.macs == 4 * 4 * (16 + 16)  # QK^T and AV
    assert (by["proj"].cost.macs, by["proj"].params) == (4 * 16 * 16, 16 * 16)
    assert by["token"].params == 16 and by["token"].inputs == ()
    assert (by["head"].cost.macs, by["head"].params) == (16 * 10, 16 * 10 + 10)
    assert by["uncosted1"].label == "aten.cumsum (not costed)"
    assert by["tokens"].output_shape == "1x4x16" and by["reduce1"].output_shape == "1x1x16"
    assert net.total.macs == 3072 + 3072 + 512 + 1024 + 160
    assert net.params == 784 + 32 + 816 + 256 + 16 + 170
    assert rows(rebuilt(to_toml(net))) == rows(net)  # and written back


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('fn = "layer"', ""),
        ('fn = "rms"', "fn = 'rms' is not one of batch, layer, group"),
    ],
)
def test_norm_fn_is_checked(change, message):
    text = TINY.replace('op = "norm"\nfn = "layer"', f'op = "norm"\n{change}')
    if not message:
        build(parse(text))
        return
    with pytest.raises(SpecError, match=message):
        build(parse(text))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('fn = "gelu"', 'fn = "gleu"', "fn = 'gleu' is not one of relu, relu6"),
        ('fn = "add"', 'fn = "plus"', "fn = 'plus' is not one of add, sub"),
        ('fn = "mean"', 'fn = "median"', "fn = 'median' is not one of mean, sum, max, norm"),
        ("shape = [1, 4, 16]\n\n[[layers]]\nop", 'shape = "big"\n\n[[layers]]\nop', "a list of"),
        ("shape = [1, 1, 16]", "shape = [1, 0, 16]", "shape = 0; it must be a positive"),
        ('fn = "aten.cumsum"', 'fn = "a b"', "is not a name such as"),
        ("units = 48", "units = 0", "units = 0; it must be a positive whole number"),
        ("input = []\nshape = [1, 1, 16]", "input = []\nshape = [1, 1, 16]\nsize = -1", "size"),
        ('op = "norm"\nfn = "layer"', 'op = "norm"\nfn = "layer"\nvectors = 3', "0, 1 or 2"),
        ('op = "attention"\n', 'op = "attention"\nheads = 2\n', "attention has no attribute"),
        ('name = "tokens"\nop = "view"', 'name = "tokens"\ninput = []\nop = "view"', "got \\[\\]"),
    ],
)
def test_a_tensor_kind_refuses_a_bad_attribute_in_one_line(old, new, message):
    assert old in TINY
    with pytest.raises(SpecError, match=message) as caught:
        build(parse(TINY.replace(old, new, 1)))
    assert "\n" not in str(caught.value)


def test_a_convolutions_own_bias_overrides_the_convention():
    text = TINY.replace("bias = true\n", "bias = false\n", 1)
    assert build(parse(text)).layers[0].params == 4 * 4 * 3 * 16
    none = build(parse(TINY.replace("bias = true\n", "", 1)), conventions=None)
    assert none.layers[0].params == 4 * 4 * 3 * 16  # the default: the convention's (none)


def test_the_imported_kinds_are_all_writable():
    """Every word the importers give a kind is one a spec file accepts."""
    assert set(torch_frontend.ACTIVATIONS.values()) | set(
        onnx_frontend.ACTIVATIONS.values()
    ) <= set(ops.FUNCTIONS)
    assert set(torch_frontend.ELTWISE) | set(onnx_frontend.ELTWISE.values()) <= set(ops.ELTWISE_FNS)
    assert set(torch_frontend.REDUCTIONS.values()) | set(onnx_frontend.REDUCTIONS.values()) <= set(
        ops.REDUCE_FNS
    )


def test_an_input_that_is_not_an_image_is_refused():
    net = network("mobilenet-v1")
    odd = Network(
        net.spec, net.alpha, 1, "floor", net.conventions, net.layers, ops.shaped((1, 7, 9))
    )
    with pytest.raises(MobicostError, match="a spec's input is \\[channels, height, width\\]"):
        to_toml(odd)


# --- the command --------------------------------------------------------------------------------


def test_spec_prints_a_built_in_as_shipped_unless_asked_to_build_it(tmp_path):
    from mobicost.nets.library import text

    runner = CliRunner()
    shipped = runner.invoke(main, ["spec", "resnet-50"])
    assert shipped.exit_code == 0 and shipped.stdout == text("resnet-50")
    out = tmp_path / "r50.toml"
    written = runner.invoke(main, ["spec", "resnet-50", "--res", "160", "-o", str(out)])
    assert written.exit_code == 0 and written.stdout == ""
    assert rows(build(parse(out.read_text()))) == rows(network("resnet-50", resolution=160))
    flat = runner.invoke(main, ["spec", "mobilenet-v2", "--flat"])
    assert flat.exit_code == 0 and "[blocks." not in flat.stdout and "rows" not in flat.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["spec", "nosuch"], "unknown network 'nosuch'"),
        (["spec", "mobilenet-v2", "--input", "3x32x32"], "--input is for an imported model"),
        (["spec", "mobilenet-v1", "--alpha", "0.3", "--rounding", "floor"], ""),
    ],
)
def test_spec_errors_are_one_line(args, message):
    result = CliRunner().invoke(main, args)
    if not message:
        assert result.exit_code == 0
        return
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


# --- imported models ----------------------------------------------------------------------------


def imported(name: str, shape: tuple[int, ...] = (3, 224, 224), **kwargs: object) -> Network:
    from torchvision_models import build as model

    return torch_frontend.from_torch(model(name, **kwargs), shape, name=name)


#: each model, its input and the most entries its folded file may write
MODELS = [
    ("resnet50", (3, 224, 224), {}, 40),
    ("mobilenet_v2", (3, 224, 224), {}, 50),
    ("efficientnet_b0", (3, 224, 224), {}, 70),
    ("vit_b_16", (3, 64, 64), {"image_size": 64}, 70),
    ("swin_t", (3, 224, 224), {}, 220),
    ("shufflenet_v2_x1_0", (3, 224, 224), {}, 70),
]


@pytest.mark.requires("torch", "torchvision")
@pytest.mark.parametrize(("name", "shape", "kwargs", "most"), MODELS, ids=[m[0] for m in MODELS])
def test_an_imported_model_written_as_a_spec_counts_the_same(name, shape, kwargs, most):
    net = imported(name, shape, **kwargs)
    text = to_toml(net)
    again = rebuilt(text)
    assert rows(again) == rows(net)
    assert (again.total, again.params) == (net.total, net.params)
    assert "[blocks." in text and entries(text) <= most < len(net.layers)


@pytest.mark.requires("torch", "torchvision")
def test_resnet50_reads_as_the_papers_table():
    text = to_toml(imported("resnet50"))
    assert (
        'columns = ["c", "s", "n"], rows = [[64, 1, 3], [128, 2, 4], [256, 2, 6], [512, 2, 3]]'
        in text
    )
    assert '{ block = "layer_block", repeat = "$n - 1" }' in text
    assert entries(text) < 40  # 175 layers
    again = rebuilt(text)
    assert (again.total.macs, again.params) == (4_089_184_256, 25_557_032)  # torchvision's


@pytest.mark.requires("torch", "torchvision")
def test_spec_of_an_imported_model_on_the_command_line(tmp_path):
    from torchvision_models import models

    models()  # where torchvision's compiled ops do not load, its model definitions do
    out = tmp_path / "m.toml"
    result = CliRunner().invoke(
        main, ["spec", "torchvision:mobilenet_v2", "--res", "96", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = CliRunner().invoke(main, ["table", str(out), "-f", "json"])
    direct = CliRunner().invoke(
        main, ["table", "torchvision:mobilenet_v2", "--res", "96", "--per-op", "-f", "json"]
    )  # one row per operation, as the spec file's table (an import is shown by module)
    written, imported_ = json.loads(table.stdout), json.loads(direct.stdout)
    assert [r["macs"] for r in written["rows"]] == [r["macs"] for r in imported_["rows"]]
    assert [r["params"] for r in written["rows"]] == [r["params"] for r in imported_["rows"]]


@pytest.mark.requires("torch")
@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ('op = "act"\nfn = "gelu"', "no PyTorch module for the activation 'gelu'"),
        (
            'op = "norm"\nfn = "batch"',
            "no PyTorch module for a norm layer (an imported model's kind)",
        ),
    ],
)
def test_verify_refuses_a_kind_it_cannot_build_in_one_line(tmp_path, layer, message):
    path = tmp_path / "t.toml"
    path.write_text(f'name = "t"\ninput = [3, 8, 8]\n[[layers]]\nop = "pw"\nfilters = 4\n'
                    f"[[layers]]\n{layer}\n")  # fmt: skip
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 2 and result.output == f"Error: {message}\n"


@pytest.mark.requires("torch", "torchvision")
def test_the_readme_excerpt_is_what_the_command_writes():
    """The README's abbreviated ``mobicost spec torchvision:resnet50``: every line it shows,
    in order, is a line of the real file ("..." stands for lines left out)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    found = re.search(
        r"<!-- spec excerpt: mobicost spec (\S+) -->\n```toml\n(.*?)```", readme, re.S
    )
    assert found is not None and found[1] == "torchvision:resnet50"
    real = to_toml(imported("resnet50")).splitlines()
    at = 0
    for line in found[2].splitlines():
        if line.strip() == "...":
            continue
        at = real.index(line, at) + 1  # ValueError: a line the file does not hold, or out of order
