"""Measured time (mobicost.nets.timing): the plumbing, never a speed. Every figure measured here
is only checked to exist, be positive and add up; how fast this machine is is not a test."""

from __future__ import annotations

import sys
from fractions import Fraction

import pytest
from extras import require

import mobicost
from mobicost.errors import MobicostError
from mobicost.exact import parse_exact
from mobicost.nets.network import network
from mobicost.nets.pytorch import module_name
from mobicost.nets.timing import (
    Calibration,
    Machine,
    calibrate,
    measure_layers,
    profile_path,
    profile_text,
    save_profile,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: as quick as a measurement can be: the plumbing is under test, not the machine
QUICK = {"repeats": 3, "min_time": 1e-4, "threads": 1}


@pytest.fixture(scope="module")
def torch():
    require("torch")
    import torch

    return torch


@pytest.fixture(scope="module")
def chain(torch):
    return measure_layers(network("mobilenet-v1", alpha="0.25", resolution=32), **QUICK)


@pytest.fixture(scope="module")
def branching(torch):
    """Residual adds, as a user's spec file writes them; batch 2."""
    net = mobicost.network(mobicost.load_spec("examples/tiny-resnet.toml"), resolution=32)
    return measure_layers(net, batch=2, **QUICK)


@pytest.mark.parametrize("name", ["chain", "branching"])
def test_one_positive_timing_per_layer_in_order(name, request):
    timings = request.getfixturevalue(name)
    layers = timings.network.layers
    assert [t.layer for t in timings.layers] == list(layers)
    assert [module_name(t.layer) for t in timings.layers] == [module_name(x) for x in layers]
    for t in timings.layers:
        assert t.seconds > 0 and t.spread >= 0 and t.calls >= 1
        assert len(t.samples) == QUICK["repeats"]
        assert min(t.samples) <= t.seconds <= max(t.samples)
    assert timings.whole > 0 and timings.whole_spread >= 0


@pytest.mark.parametrize("name", ["chain", "branching"])
def test_layers_add_up(name, request):
    timings = request.getfixturevalue(name)
    assert timings.seconds == sum(t.seconds for t in timings.layers)
    assert sum(timings.share(t) for t in timings.layers) == pytest.approx(1)
    rows = timings.by_category()
    assert sum(seconds for _, seconds, _ in rows) == pytest.approx(timings.seconds)
    assert {category for category, _, _ in rows} == {x.category for x in timings.network.layers}
    assert [seconds for _, seconds, _ in rows] == sorted((s for _, s, _ in rows), reverse=True)


def test_metadata(chain, branching, torch):
    assert chain.machine.device == "cpu" and chain.machine.kind == "cpu"
    assert chain.machine.name and chain.machine.threads == 1
    assert chain.machine.version == torch.__version__
    assert (chain.dtype, chain.batch, chain.repeats, chain.min_time) == ("fp32", 1, 3, 1e-4)
    assert branching.batch == 2


def test_half_precision_runs(torch):
    timings = measure_layers(network("mobilenet-v1", alpha="0.25", resolution=32), dtype="bf16",
                             repeats=1, min_time=1e-5, warmup=0, threads=1)  # fmt: skip
    assert timings.dtype == "bf16" and all(t.spread == 0 for t in timings.layers)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"dtype": "int8"}, "int8 cannot be measured with plain PyTorch modules"),
        ({"dtype": "fp64"}, "unknown data type 'fp64'; choose from: fp32, fp16, bf16"),
        ({"device": "tpu"}, "unknown device 'tpu'"),
        ({"batch": 0}, "batch must be an integer of at least 1, got 0"),
        ({"repeats": 2.5}, "repeats must be an integer of at least 1, got 2.5"),
        ({"min_time": 0}, "min_time must be greater than zero, got 0"),
    ],
)
def test_what_cannot_be_measured(torch, options, message):
    net = network("mobilenet-v1", alpha="0.25", resolution=32)
    with pytest.raises(MobicostError, match=message):
        measure_layers(net, **options)


def test_cuda_is_refused_where_there_is_none(torch):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(MobicostError, match="PyTorch sees no CUDA device here"):
        calibrate("cuda")


def test_calibrate_small(torch):
    threads = torch.get_num_threads()
    result = calibrate(matmul_size=64, copy_bytes=2**16, repeats=3, min_time=1e-3, threads=1)
    assert result.dtypes == ("fp32",)
    assert result.peak["fp32"] > 0 and result.bandwidth > 0 and result.overhead > 0
    assert (result.matmul_size, result.copy_bytes) == (64, 2**16)
    assert result.machine.threads == 1 and result.machine.version == torch.__version__
    assert len(result.date) == 10  # ISO: 2026-01-31
    assert torch.get_num_threads() == threads  # restored after
    with pytest.raises(MobicostError, match="int8 cannot be measured"):
        calibrate(dtype=["fp32", "int8"])


#: a calibration written by hand, so that the profile's format is tested without torch
HAND = Calibration(
    Machine("cpu", 'Some "Quoted" CPU \\ 3 GHz', 2, "2.13.0+cpu"),
    {"fp32": 55189315035.9, "bf16": 1.5e11},
    12872714331.6,
    3.5377e-06,
    2048,
    2**28,
    "2026-01-31",
)


def test_profile_path(monkeypatch, tmp_path):
    monkeypatch.setenv("MOBICOST_CONFIG_DIR", str(tmp_path / "mine"))
    assert profile_path() == tmp_path / "mine" / "devices" / "local.toml"
    monkeypatch.delenv("MOBICOST_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert profile_path() == tmp_path / "xdg" / "mobicost" / "devices" / "local.toml"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert profile_path() == tmp_path / "home" / ".config" / "mobicost" / "devices" / "local.toml"


def test_save_profile(monkeypatch, tmp_path):
    monkeypatch.setenv("MOBICOST_CONFIG_DIR", str(tmp_path))
    path = save_profile(HAND)
    assert path == tmp_path / "devices" / "local.toml"
    assert [p.name for p in path.parent.iterdir()] == ["local.toml"]  # no temporary file left
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data == {
        "name": "local",
        "title": 'Some "Quoted" CPU \\ 3 GHz',
        "source": "mobicost calibrate, 2026-01-31, PyTorch 2.13.0+cpu (eager), 2 threads",
        "kind": "cpu",
        "overhead": "0.000003538",
        "bandwidth": "12870000000",
        "peak": {"fp32": "55190000000", "bf16": "150000000000"},
    }
    # every figure reads as an exact decimal, as device profiles are read
    assert parse_exact(data["overhead"]) == Fraction(3538, 10**9)
    save_profile(HAND)  # over the old one
    assert path.read_text(encoding="utf-8") == profile_text(HAND)


def test_save_profile_elsewhere(tmp_path):
    path = save_profile(HAND, tmp_path / "a" / "b" / "gpu.toml")
    assert path.read_text(encoding="utf-8") == profile_text(HAND)
    with pytest.raises(MobicostError, match="cannot write"):
        save_profile(HAND, path / "under-a-file.toml")


def test_calibrated_profile_round_trips(torch, monkeypatch, tmp_path):
    monkeypatch.setenv("MOBICOST_CONFIG_DIR", str(tmp_path))
    result = calibrate(matmul_size=32, copy_bytes=2**12, repeats=1, min_time=1e-4, threads=1)
    data = tomllib.loads(save_profile(result).read_text(encoding="utf-8"))
    assert data["kind"] == "cpu" and set(data["peak"]) == {"fp32"}
    for figure in (data["overhead"], data["bandwidth"], data["peak"]["fp32"]):
        assert parse_exact(figure) > 0
