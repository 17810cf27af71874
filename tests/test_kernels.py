"""Kernel latency models: the fit, the file, the calibration networks and the predictions, with
hand-made models and hand arithmetic; the measuring runs on tiny sizes (no timed assertions:
accuracy is measured by benchmarks/latency_accuracy.py)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mobicost.analysis.calibration_nets import calibration_networks, spec_text
from mobicost.analysis.kernels import (
    KernelModel,
    KindFit,
    Pass,
    Sample,
    _solve,
    fit_kind,
    fit_model,
    layer_kind,
    load_model,
    parse_model,
    predict_layers,
    save_model,
)
from mobicost.errors import MobicostError
from mobicost.nets.library import names
from mobicost.nets.memory import Workload, layer_memory
from mobicost.nets.network import network

#: a model written by hand: 2 us a dw call, 1 ns a MAC and 0.1 ns a byte for 1x1 convolutions
HAND = KernelModel(
    "torch",
    "a CPU",
    2,
    "written by hand",
    {
        "conv.dw": KindFit("conv.dw", 2e-6, 0.0, 1e-10, 10, 0.05),
        "conv.1x1": KindFit("conv.1x1", 1e-6, 1e-9, 1e-10, 10, 0.05),
        "conv.kxk": KindFit("conv.kxk", 3e-6, 2e-9, 0.0, 10, 0.05),
    },
    run=5e-5,
    per_node=1e-6,
)


def test_non_negative_least_squares():
    # y = 2 + 3x exactly, then a fit whose free slope would be negative is held at zero
    assert [round(v, 9) for v in _solve([(1, 0), (1, 1), (1, 2)], [2, 5, 8])] == [2, 3]
    assert [round(v, 9) for v in _solve([(1, 0), (1, 1), (1, 2)], [5, 4, 3])][1] == 0


def test_a_fit_recovers_its_coefficients_and_says_how_well():
    truth = KindFit("conv.1x1", 4e-6, 2e-10, 5e-11, 0, 0)
    shapes = [(10**5, 10**4), (10**6, 10**5), (10**7, 10**6), (10**8, 10**5), (10**4, 10**7)]
    samples = [Sample("conv.1x1", m, b, truth.seconds(m, b)) for m, b in shapes]
    fit = fit_kind("conv.1x1", samples)
    assert fit.samples == 5 and fit.error < 1e-9
    assert fit.fixed == pytest.approx(4e-6) and fit.per_mac == pytest.approx(2e-10)
    assert fit.per_byte == pytest.approx(5e-11)
    # whole passes twice the kernels' variable terms, with the fixed costs as timed and 10 us
    # a run: the scales and the run's cost are recovered
    passes = [
        Pass(
            tuple(("conv.1x1", m, b) for m, b in shapes[:n]),
            sum(2 * (m * 2e-10 + b * 5e-11) + 4e-6 for m, b in shapes[:n]) + 10e-6,
        )
        for n in range(1, len(shapes) + 1)
    ]
    kinds, run, error = fit_model(samples, passes)
    assert run == pytest.approx(10e-6) and error < 1e-9
    assert kinds["conv.1x1"].per_mac == pytest.approx(4e-10)
    assert kinds["conv.1x1"].fixed == pytest.approx(4e-6)


def test_the_model_file_round_trips(tmp_path):
    path = save_model(HAND, str(tmp_path / "model.toml"))
    text = path.read_text()
    assert '[kernels."conv.dw"]' in text and 'fixed = "0.000002"' in text
    assert load_model("torch", str(path)) == HAND
    with pytest.raises(MobicostError, match="not 'onnxruntime'"):
        load_model("onnxruntime", str(path))
    with pytest.raises(MobicostError, match="run `mobicost calibrate --runtime torch` first"):
        load_model("torch", str(tmp_path / "missing.toml"))
    with pytest.raises(MobicostError, match="fixed is not a number"):
        parse_model({"kernels": {"conv.dw": {"fixed": "x"}}}, "f.toml")
    with pytest.raises(MobicostError, match=r"no \[kernels.KIND\] tables"):
        parse_model({}, "f.toml")


def test_layer_kinds():
    kinds = [layer_kind(layer) for layer in network("mobilenet-v1").layers]
    assert kinds[:3] == ["conv.kxk", "conv.dw", "conv.1x1"] and kinds[-1] == "fc"
    v2 = {layer_kind(layer) for layer in network("shufflenet-v2").layers}
    assert {"copy", "conv.dw", "conv.1x1", "pool", "gap"} <= v2


def test_a_prediction_is_the_model_by_hand():
    net = network("mobilenet-v1", alpha="0.25", resolution=32)
    prediction = predict_layers(net, HAND, Workload())
    dw = net.layers[1]
    memory = layer_memory(dw, Workload())
    # conv.dw: 2 us + 1e-10 s a byte, and the run's 1 us a kernel
    expected = Fraction("0.000002") + memory.moved * Fraction(1, 10**10) + Fraction("0.000001")
    assert prediction.layers[1].seconds == expected and prediction.layers[1].bound == "conv.dw"
    assert prediction.seconds == sum(t.seconds for t in prediction.layers) + Fraction(5, 10**5)
    # fc was never calibrated: it falls back to conv.1x1
    assert prediction.layers[-1].bound == "fc"
    assert HAND.fit_for("fc") is HAND.kinds["conv.1x1"]


def test_calibration_networks_build_and_are_not_the_librarys():
    library = {network(name).total.macs for name in names()}
    nets = list(calibration_networks(12))
    assert len(nets) == 12 and all(net.total.macs <= 1_500_000_000 for net in nets)
    assert not {net.total.macs for net in nets} & library
    kinds = {layer_kind(layer) for net in nets for layer in net.layers}
    assert {"conv.dw", "conv.1x1", "conv.kxk", "conv.grouped", "copy", "se", "pool"} <= kinds
    assert spec_text(7) == spec_text(7)  # seeded


@pytest.mark.requires("torch")
def test_torch_calibration_small(monkeypatch, tmp_path, run):
    monkeypatch.setenv("MOBICOST_CONFIG_DIR", str(tmp_path))
    from mobicost.backends import eager

    real = eager.measure_layers
    monkeypatch.setattr(
        eager, "measure_layers", lambda net, **o: real(net, **{**o, "repeats": 1, "min_time": 1e-4})
    )
    data = run.json(
        "calibrate", "--runtime", "torch", "--networks", "2", "--rounds", "2", "--threads", "1"
    )
    assert {row["kind"] for row in data["rows"]} >= {"conv.1x1", "fc", "gap"}
    assert all(row["samples"] > 0 for row in data["rows"])
    predicted = run.json("latency", "--alpha", "0.25", "--res", "32", "--device", "local",
                         "--runtime", "torch")  # fmt: skip
    assert "Kernel model: mobicost calibrate --runtime torch" in " ".join(predicted["notes"])


def test_latency_runtime_needs_a_model_or_says_what_it_used(run, monkeypatch, tmp_path):
    monkeypatch.setenv("MOBICOST_CONFIG_DIR", str(tmp_path))
    message = run.error("latency", "--device", "local", "--runtime", "torch")
    assert "run `mobicost calibrate --runtime torch` first" in message
    data = run.json("latency", "--device", "h100", "--runtime", "onnxruntime")
    assert "h100 is a roofline, used as such" in " ".join(data["notes"])
    save_model(HAND)
    assert "fp32" in run.error(
        "latency", "--device", "local", "--runtime", "torch", "--dtype", "bf16"
    )


@pytest.mark.requires("onnx", "onnxruntime")
def test_onnxruntime_calibration_and_prediction_small():
    from mobicost.backends import ort

    model = ort.calibrate(networks=2, repeats=2, warmup=1, rounds=2, threads=1)
    assert model.runtime == "onnxruntime" and model.threads == 1
    assert "2 calibration networks in 2 rounds" in model.source
    assert {"conv.1x1", "reorder"} <= set(model.kinds)
    net = network("mobilenet-v2", alpha="0.5", resolution=32)
    prediction = ort.predict(net, model)
    by = {t.layer.name: t for t in prediction.layers}
    # ONNX Runtime folds every residual add into the convolution before it
    assert all(by[layer.name].bound == "fused" for layer in net.layers if layer.kind == "add")
    assert all(by[layer.name].seconds == 0 for layer in net.layers if layer.kind == "add")
    assert prediction.seconds > prediction.run_s > 0 or model.run == 0


def test_calibration_networks_and_rounds_need_a_runtime(run):
    # the roofline's calibration times no networks: these would be silently ignored
    for option in ("--networks", "--rounds"):
        message = run.error("calibrate", option, "2")
        assert f"{option} applies to a kernel model: add --runtime" in message
    assert "--rounds" in run.error("calibrate", "--runtime", "torch", "--rounds", "0")


def test_spin_is_onnxruntimes(run):
    # --spin sets how ONNX Runtime's threads wait: refused, in one line, anywhere else
    message = "--spin applies to ONNX Runtime's threads: add --runtime onnxruntime"
    for args in (["calibrate"], ["calibrate", "--runtime", "torch"], ["profile"],
                 ["profile", "--runtime", "torch"]):  # fmt: skip
        assert message in run.error(*args, "--spin")
