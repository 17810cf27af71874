"""The roofline latency model: exact arithmetic, device profiles, and the command."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from mobicost.analysis.latency import load_device, parse_device, predict
from mobicost.errors import MobicostError
from mobicost.nets.memory import Workload
from mobicost.nets.network import network


def test_one_layer_by_hand():
    """MobileNet v1's first layer on the H100 profile, bf16, batch 1: 10,838,016 MACs and
    (224 x 224 x 3 + 112 x 112 x 32) x 2 + 864 x 2 bytes."""
    net = network("mobilenet-v1")
    h100 = load_device("h100")
    first = predict(net, h100, Workload(weights="bf16", activations="bf16")).layers[0]
    moved = (224 * 224 * 3 + 112 * 112 * 32) * 2 + 3 * 3 * 3 * 32 * 2
    assert first.memory.moved == moved
    assert first.compute_s == Fraction(2 * 10_838_016, 989 * 10**12)
    assert first.memory_s == Fraction(moved, 335 * 10**10)
    assert first.bound == "memory" and first.seconds == first.memory_s + Fraction(5, 10**6)


def test_the_depthwise_layers_take_far_more_than_their_share_of_macs():
    """The point of the model: on a GPU's roofline the depthwise layers, 3% of MobileNet's
    MACs, take a large share of its time (measured on H100s: 35-56%, REFERENCE.md)."""
    shares = {
        category: (time, macs)
        for category, time, macs in predict(
            network("mobilenet-v1"), load_device("h100"), Workload(activations="bf16")
        ).by_category()
    }
    time, macs = shares["Conv DW 3x3"]
    assert macs < Fraction(4, 100) and time > Fraction(35, 100)
    assert sum(t for t, _ in shares.values()) == 1


def test_batch_and_compute_bound():
    net = network("vgg16", resolution=224)
    big = predict(net, load_device("h100"), Workload(batch=64, activations="bf16"))
    convs = [t for t in big.layers if t.layer.kind == "conv"]
    # the H100's ridge: 989T / 3.35T / 2 = 148 MACs a byte. The two 224x224 convolutions are
    # under it (12.9 and 144 MACs a byte), every later one over it, at batch 64 in bf16
    ridge = Fraction(989 * 10**12, 2 * 335 * 10**10)
    assert [t.memory.intensity < ridge for t in convs] == [True, True] + [False] * 11
    assert [t.bound for t in convs] == ["memory"] * 2 + ["compute"] * 11
    views = [t for t in big.layers if t.layer.kind in ("flatten", "dropout")]
    assert views and all(t.seconds == 0 and t.bound == "none" for t in views)
    single = predict(net, load_device("h100"), Workload(activations="bf16"))
    assert big.seconds < 64 * single.seconds  # weights are read once a batch


def test_profiles(tmp_path, monkeypatch):
    for name in ("h100", "a100", "cpu"):
        device = load_device(name)
        assert device.source and device.bandwidth > 0 and set(device.peak) >= {"fp32"}
    assert load_device("h100").peak["bf16"] == 989 * 10**12  # the vendor's datasheet
    assert load_device("h100").bandwidth == Fraction(335, 100) * 10**12
    mine = tmp_path / "mine.toml"
    mine.write_text('name = "mine"\npeak = { fp32 = "1e12" }\nbandwidth = "1e11"\noverhead = "0"\n')
    assert load_device(str(mine)).overhead == 0
    monkeypatch.setenv("MOBICOST_CONFIG_DIR", str(tmp_path))
    with pytest.raises(MobicostError, match="run `mobicost calibrate` first"):
        load_device("local")
    (tmp_path / "devices").mkdir()
    (tmp_path / "devices" / "local.toml").write_text(mine.read_text())
    assert load_device("local").name == "mine"
    for bad, message in (
        ('name = "x"\nbandwidth = "1"\noverhead = "0"', "needs 'peak'"),
        ('name = "x"\npeak = { fp64 = "1" }\nbandwidth = "1"\noverhead = "0"', "fp64"),
        ('name = "x"\npeak = { fp32 = "1" }\nbandwidth = "-1"\noverhead = "0"', "above zero"),
        ('name = "x"\npeak = { fp32 = "fast" }\nbandwidth = "1"\noverhead = "0"', "not a number"),
    ):
        with pytest.raises(MobicostError, match=message):
            parse_device(bad, "bad.toml")
    with pytest.raises(MobicostError, match="no peak for int8"):
        predict(
            network("mobilenet-v1"),
            parse_device(mine.read_text(), "m"),
            Workload(activations="int8"),
        )


def test_cli(run):
    data = run.json("latency", "--device", "h100", "--dtype", "bf16", "--exact")
    assert data["device"]["name"] == "h100" and data["workload"]["batch"] == 1

    def exact(value: object) -> Fraction:
        return Fraction(value["num"], value["den"]) if isinstance(value, dict) else Fraction(value)

    shares = [exact(row["time_share"]) for row in data["rows"]]
    assert sum(shares) == 1  # exact fractions, read back as they were
    plain = run.json("latency", "--device", "h100", "--dtype", "bf16")
    assert [row["time_share"] for row in plain["rows"]] == [float(s) for s in shares]
    assert exact(data["seconds"]) * 10**6 == exact(data["totals"]["time_us"])
    custom = run.json("latency", "--peak", "50T", "--bandwidth", "3T", "--overhead", "5us")
    assert custom["device"] == {
        "name": "custom",
        "title": "a device of given figures",
        "source": "given on the command line",
        "peak": dict.fromkeys(("fp32", "fp16", "bf16", "int8"), 50_000_000_000_000),
        "bandwidth": 3_000_000_000_000,
        "overhead": 5e-06,
    }
    csv = run("latency", "resnet-18", "--device", "cpu", "--batch", "8", "-f", "csv").stdout
    assert csv.startswith("model,network,") and ",cpu," in csv.splitlines()[1]
    for args, fragment in (
        (["--device", "tpu9"], "unknown device 'tpu9'"),
        (["--overhead", "fast"], "expected a figure such as 5us"),
        (["--peak", "0"], "must be greater than zero"),
        (["--batch", "0"], "'0'"),
        (["--dtype", "fp64"], "'fp64' is not one of"),
        (["--dtype", "bf16", "--weight-dtype", "int8"], "--dtype sets both types"),
    ):
        assert fragment in run.error("latency", *args)
    json.loads(run("table", "--dtype", "int8", "--batch", "4", "-f", "json").stdout)
