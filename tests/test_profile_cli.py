"""mobicost calibrate and mobicost profile: the plumbing, on small sizes; no timed assertions."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.requires("torch")


@pytest.fixture
def fast_calibration(monkeypatch, tmp_path):
    """calibrate on small sizes, saving into a temporary config directory."""
    from mobicost.nets import timing

    real = timing.calibrate
    monkeypatch.setattr(
        timing,
        "calibrate",
        lambda device, dtype, **options: real(
            device, dtype, matmul_size=64, copy_bytes=2**16, repeats=2, min_time=0.001, **options
        ),
    )
    monkeypatch.setenv("MOBICOST_CONFIG_DIR", str(tmp_path))
    return tmp_path


def test_calibrate_saves_the_local_profile_that_latency_reads(run, fast_calibration):
    data = run.json("calibrate", "--on", "cpu", "--threads", "1")
    figures = {row["figure"]: row for row in data["rows"]}
    assert set(figures) == {"peak compute, fp32", "memory bandwidth", "overhead a layer"}
    assert all(row["value"] > 0 for row in data["rows"])
    saved = fast_calibration / "devices" / "local.toml"
    assert saved.exists()
    local = run.json("latency", "--device", "local", "--alpha", "0.25", "--res", "64")
    assert local["device"]["name"] == "local" and local["device"]["title"] == data["machine"]
    before = saved.read_text()
    run("calibrate", "--on", "cpu", "--no-save")
    assert saved.read_text() == before


def test_profile_prints_measured_beside_predicted(run, fast_calibration):
    data = run.json(
        "profile", "examples/tiny-resnet.toml", "--repeats", "1", "--threads", "1", "--device",
        "cpu",
    )  # fmt: skip
    assert [row["name"] for row in data["rows"]][:3] == ["stem", "residual1.a", "residual1.b"]
    assert all(row["measured_us"] > 0 for row in data["rows"])
    assert data["profile"] == "cpu" and data["threads"] == 1
    shares = [row["measured_share"] for row in data["breakdown"]["rows"]]
    assert abs(sum(shares) - 1) < 1e-9
    assert "profile runs one data type" in run.error(
        "profile", "--weight-dtype", "int8", "--activation-dtype", "fp32"
    )
    assert "int8" in run.error("profile", "--dtype", "int8", "--repeats", "1")


def test_check_measure_judges_the_95_percent_claim_in_time(run, monkeypatch):
    from mobicost.nets import timing

    real = timing.measure_layers
    monkeypatch.setattr(
        timing,
        "measure_layers",
        lambda net, **options: real(net, **{**options, "repeats": 1, "min_time": 0.001}),
    )
    # exit 1: the paper's Tables 10-14 hold figures nothing costs or reproduces
    args = ("check", "--source", "paper", "--measure", "--threads", "1", "-f", "json")
    data = json.loads(run(*args, code=1).stdout)
    [claim] = [row for row in data["rows"] if "(measured)" in row["claim"]]
    assert claim["printed"] == "95%" and claim["explained"] is True
    assert "of the layers' time" in claim["explanation"] and "94.86%" in claim["explanation"]
