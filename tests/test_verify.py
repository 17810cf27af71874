"""mobicost against PyTorch's own counter (torch.utils.flop_counter), layer by layer."""

from __future__ import annotations

import pytest

from mobicost.nets.network import mobilenet_v1, model
from mobicost.nets.pytorch import to_torch, verify

pytestmark = pytest.mark.requires("torch")


@pytest.mark.parametrize(
    "net",
    [
        mobilenet_v1("0.5", 160),
        mobilenet_v1("1.0", 225, bias="all", bn="all"),  # odd size: asymmetric 'same' padding
        mobilenet_v1("0.35", 97, rounding="div8", bias="fc", bn="slim", classes=1001),
        mobilenet_v1("0.25", 128, rounding="slim", bn="affine", head=False),
        model("Conv-MobileNet"),
        model("Shallow-MobileNet-192"),
    ],
    ids=lambda net: f"{net.name}/{net.rounding}/{net.conventions.bias}/{net.conventions.bn}",
)
def test_every_layer_matches_pytorch(net):
    result = verify(net)
    assert result.ok, [
        (
            c.layer.index,
            c.measured_macs,
            c.layer.cost.macs,
            c.measured_params,
            c.layer.params,
            c.measured_shape,
        )
        for c in result.mismatches
    ]
    assert result.measured_macs == net.total.macs
    assert result.measured_params == net.params


def test_keras_parameter_count_in_pytorch():
    module = to_torch(mobilenet_v1(bias="fc", bn="all"))
    weights = sum(p.numel() for p in module.parameters())
    stats = sum(b.numel() for n, b in module.named_buffers() if n.endswith(("_mean", "_var")))
    assert weights + stats == 4_253_864  # keras.applications.MobileNet(), total params


def test_a_wrong_count_is_caught(monkeypatch):
    from mobicost.nets import pytorch as verifying

    real = verifying.measured_params
    monkeypatch.setattr(
        verifying,
        "measured_params",
        lambda block, bn: real(block, bn) + (1 if "Linear" in str(block) else 0),
    )
    result = verify(mobilenet_v1("0.25", 128))
    assert [c.layer.index for c in result.mismatches] == [29]


def test_cli_verify(run):
    data = run.json("verify", "--alpha", "0.5", "--res", "160")
    assert data["totals"]["measured_macs"] == data["totals"]["macs"] == 76_524_800
    assert all(row["match"] == "yes" for row in data["rows"])


def test_cli_verify_all(run):
    from mobicost.nets.library import load, names

    data = run.json("verify", "--all")
    models = [row["model"] for row in data["rows"]]
    assert len(models) >= 3 * 4 * 6 + 2 * (len(names()) - 1)  # MobileNet's grid, then each net
    for name in names():  # every built-in, at more than one configuration
        title = load(name).title
        assert sum(f" {title}-" in f" {m}" or m.startswith(f"{title}-") for m in models) >= 2
    assert all(row["match"] == "yes" for row in data["rows"])


def test_cli_verify_a_spec_file_with_its_own_option(run, tmp_path):
    from mobicost.nets.library import text

    spec = tmp_path / "shuffle.toml"
    spec.write_text(text("shufflenet-v1"))
    data = run.json("verify", str(spec), "--groups", "8", "--res", "96")
    assert data["model"] == "1.0 ShuffleNet-96 (groups 8)"
    assert all(row["match"] == "yes" for row in data["rows"])
    assert "no such option --group" in run.error("verify", str(spec), "--group", "8")


def test_cli_verify_conflicts(run):
    assert "--all verifies the whole set" in run.error("verify", "--all", "--alpha", "0.5")
