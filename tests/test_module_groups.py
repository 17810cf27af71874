"""Readable tables of imported models: layers gathered by the module that ran them, to a depth
(torchinfo's), every view adding up to the same totals."""

from __future__ import annotations

import pytest

from mobicost.analysis.modules import ROOT, labels, module_groups, module_of, readable_depth

pytestmark = pytest.mark.requires("torch")

TINY_VIT = ["examples/models/tiny_vit.py:build", "--input", "3x32x32"]
#: the columns a row of a table adds up from its layers (live bytes: their most)
ADDED = ("macs", "adds", "flops", "params", "bn_params", "weight_bytes", "bytes_moved")


@pytest.fixture(scope="module")
def vit():
    from mobicost.frontends.models import load_model

    return load_model(TINY_VIT[0], input_shape=(3, 32, 32))


def test_groups_are_runs_of_one_module_cut_to_the_depth(vit):
    assert [g.module for g in module_groups(vit, 1)] == [
        "patches", ROOT, "norm1", "attention", ROOT, "norm2", "mlp", ROOT, "head"
    ]  # fmt: skip
    deepest = module_groups(vit)
    assert [g.module for g in deepest][6:9] == ["mlp.0", "mlp.1", "mlp.2"]
    for depth in (1, 2, 3, None):
        groups = module_groups(vit, depth)
        assert [layer for g in groups for layer in g.layers] == list(vit.layers)  # all, in order
        assert all(module_of(layer, depth) == g.module for g in groups for layer in g.layers)


def test_a_groups_main_layer_and_kinds(vit):
    attention = next(g for g in module_groups(vit, 1) if g.module == "attention")
    assert attention.main.label == "Linear" and attention.main.cost.macs == 208_896  # 17x64x192
    assert labels(attention.layers).startswith("Linear + Attention + ")


@pytest.mark.parametrize("view", [["--depth", "1"], ["--depth", "2"], ["--per-op"], []])
def test_rows_add_up_to_the_totals_in_every_view(run, view):
    data = run.json("table", *TINY_VIT, *view)
    for key in ADDED:
        assert sum(row[key] for row in data["rows"]) == data["totals"][key], key
    assert sum(row["macs_share"] for row in data["rows"]) == pytest.approx(1)
    assert data["totals"]["macs"] == 791_296 and data["totals"]["params"] == 47_626
    layers = [row.get("layers", 1) for row in data["rows"]]
    assert sum(layers) == 47
    live = max(row["live_bytes"] for row in data["rows"])
    assert live == data["totals"]["live_bytes"] == data["peak_activation_bytes"]


def test_a_grouped_row_is_its_layers_added_up(run):
    grouped = run.json("table", *TINY_VIT, "--depth", "1")
    per_op = run.json("table", *TINY_VIT, "--per-op")["rows"]
    mlp = next(row for row in grouped["rows"] if row["name"] == "mlp")
    members = [row for row in per_op if row["name"].startswith("mlp.")]
    assert mlp["layers"] == len(members) == 7 and mlp["index"] == members[0]["index"]
    assert mlp["macs"] == 2 * 139_264 and mlp["params"] == 8_320 + 8_256
    assert (mlp["input"], mlp["output"]) == (members[0]["input"], members[-1]["output"])
    assert mlp["filter_shape"] is None  # two layers with MACs: no one filter
    assert mlp["intensity"] == pytest.approx(mlp["macs"] / mlp["bytes_moved"])


def test_the_default_view(run):
    """Up to 60 layers, one row each (the README's tiny ViT: 47); beyond, by module."""
    assert len(run.json("table", *TINY_VIT)["rows"]) == 47
    text = " ".join(run("table", *TINY_VIT, "--depth", "1").stdout.split())
    assert "Rows: 47 layers (one per operation) in 9 runs of the module that ran them" in text


@pytest.mark.requires("torchvision")
def test_vit_b_16_reads_in_18_rows(run):
    """torchvision's vit_b_16, 466 operations: at depth 3 each encoder block is a row."""
    from torchvision_models import models

    models()
    from mobicost.frontends.models import load_model

    net = load_model("torchvision:vit_b_16")
    assert len(net.layers) == 466 and readable_depth(net) == 3
    data = run.json("table", "torchvision:vit_b_16")
    assert len(data["rows"]) == 18
    blocks = [row for row in data["rows"] if row["name"].startswith("encoder.layers.")]
    assert len(blocks) == 12 and all(row["layers"] == 38 for row in blocks)
    assert all(row["macs"] == 1_453_954_560 for row in blocks)
    assert sum(row["macs"] for row in data["rows"]) == 17_563_828_224


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mobilenet-v2", "--depth", "2"], "--depth groups an imported model's operations"),
        ([*TINY_VIT, "--depth", "2", "--per-op"], "--per-op shows every operation"),
        ([*TINY_VIT, "--depth", "0"], "--depth"),
    ],
)
def test_views_refused_in_one_line(run, args, message):
    assert message in run.error("table", *args)


def test_per_op_is_a_built_ins_own_view(run):
    assert run.json("table", "mobilenet-v2", "--per-op") == run.json("table", "mobilenet-v2")
