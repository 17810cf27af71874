"""ONNX Runtime's timings, layer by layer: the plumbing and the attribution of its kernels to
mobicost's layers, on small sizes; no timed assertions."""

from __future__ import annotations

import pytest

from mobicost.backends.ort import kernel_times, layer_of
from mobicost.nets.network import network

pytestmark = pytest.mark.requires("onnx", "onnxruntime")


def test_every_layer_timed_once_in_order():
    from mobicost.backends.ort import measure_layers

    net = network("mobilenet-v2", alpha="0.5", resolution=32)
    measured = measure_layers(net, repeats=3, warmup=1, min_time=0.001, threads=1)
    assert [t.layer.name for t in measured.layers] == [layer.name for layer in net.layers]
    assert all(len(t.samples) == 3 and t.seconds >= 0 for t in measured.layers)
    by = {t.layer.name: t.seconds for t in measured.layers}
    # every convolution runs a kernel of its own; ONNX Runtime folds the residual adds into
    # the convolutions before them, so an add has none
    assert all(by[layer.name] > 0 for layer in net.layers if layer.kind == "conv")
    assert all(by[layer.name] == 0 for layer in net.layers if layer.kind == "add")
    assert measured.whole > 0 and measured.seconds > 0
    assert measured.machine.runtime == "onnxruntime" and measured.machine.threads == 1
    assert measured.machine.runtime_title.startswith("ONNX Runtime ")


def test_kernel_names_map_to_layers():
    names = {"stem", "b1.dw", "b1.project", "b1.add", "my_layer"}
    assert layer_of("b1.project_nchwc", names) == "b1.project"
    assert layer_of("b1.dw/act", names) == "b1.dw"
    assert layer_of("my_layer_nchwc_token_2", names) == "my_layer"
    assert layer_of("ReorderInput", names) is None
    assert layer_of("b1", names) is None


def test_runs_are_told_apart():
    events = [
        {"cat": "Session", "name": "model_run", "ts": 0, "dur": 100},
        {"cat": "Node", "name": "a_kernel_time", "ts": 10, "dur": 5},
        {"cat": "Node", "name": "a_fence_before", "ts": 9, "dur": 0},
        {"cat": "Session", "name": "model_run", "ts": 200, "dur": 100},
        {"cat": "Node", "name": "a_kernel_time", "ts": 210, "dur": 7},
        {"cat": "Node", "name": "b_kernel_time", "ts": 220, "dur": 3},
        {"cat": "Node", "name": "b_kernel_time", "ts": 230, "dur": 4},
    ]
    assert kernel_times(events) == [{"a": 5.0}, {"a": 7.0, "b": 7.0}]


def test_cli(run):
    data = run.json("profile", "mobilenet-v1", "--alpha", "0.25", "--res", "32",
                    "--runtime", "onnxruntime", "--repeats", "2", "--threads", "1")  # fmt: skip
    assert len(data["rows"]) == len(network("mobilenet-v1", alpha="0.25", resolution=32).layers)
    assert "ONNX Runtime" in " ".join(data["notes"])
    assert "measures on the CPU" in run.error("profile", "--runtime", "onnxruntime", "--on", "cuda")
    assert "fp32" in run.error("profile", "--runtime", "onnxruntime", "--dtype", "fp16")


def test_a_kernel_is_timed_in_the_graph_of_its_own_session(monkeypatch):
    # ONNX Runtime names the nodes it adds (ReorderOutput_token_171) afresh in each session:
    # a kernel's time must be paired with the node of the session that profiled it. The
    # profiler states each node's op and the bytes it read and wrote: each must be the
    # kernel's of that name
    from mobicost.backends import ort

    net = network("mobilenet-v3-small", alpha="0.5", resolution=32)
    model = ort.to_onnx(net).SerializeToString()
    seen: list[list[dict]] = []
    real = ort.kernel_times
    monkeypatch.setattr(ort, "kernel_times", lambda events: seen.append(events) or real(events))
    runs, _, graph = ort._profiled(model, {"input": ort._random_input(net, 1)}, 1, 1, 2)
    found = {k.name: k for k in ort.kernels(net, model=model, graph=graph)}
    events = [e for e in seen[0] if e.get("cat") == "Node" and e["name"].endswith("_kernel_time")]
    reorders = 0
    for event in events:
        kernel = found[event["name"][: -len("_kernel_time")]]
        assert kernel.op.endswith(":" + event["args"]["op_name"])
        if kernel.kind == "reorder":
            reorders += 1
            moved = int(event["args"]["activation_size"]) + int(event["args"]["output_size"])
            assert kernel.bytes == moved, kernel
    assert reorders > 10 and set(runs[0]) == set(found)


def test_kernels_compute_the_networks_macs_once():
    # a layer of several nodes (a classifier's flatten and product, a squeeze-and-excitation)
    # has each node's own products, not the layer's on each; a squeeze-and-excitation's
    # convolutions compute on channels ONNX Runtime padded to its block, a little more (here
    # 6,525,568 MACs for 6,516,480: the bound is a band, not a count)
    from mobicost.backends import ort

    for name in ("shufflenet-v2", "googlenet", "mobilenet-v2"):
        net = network(name, resolution=64)
        assert sum(k.macs for k in ort.kernels(net, threads=1)) == net.total.macs, name
    net = network("mobilenet-v3-small", resolution=64)
    found = ort.kernels(net, threads=1)
    assert net.total.macs <= sum(k.macs for k in found) <= net.total.macs * 1.005
    assert all(k.macs == 0 for k in found if k.kind == "view")


def test_sessions_threads_sleep_unless_asked_to_spin(run):
    # on a virtual machine spinning threads ran at two speeds (README: "Threads that spin"):
    # every session mobicost times with carries the choice, and its profile says which
    from mobicost.backends import ort

    net = network("mobilenet-v1", alpha="0.25", resolution=32)
    model = ort.to_onnx(net).SerializeToString()
    for spin, value, words in ((False, "0", "sleeping"), (True, "1", "spinning")):
        options = ort.session(model, threads=1, spin=spin).get_session_options()
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == value
        measured = ort.measure_layers(net, repeats=2, warmup=1, min_time=0.001, spin=spin)
        assert f"threads {words} between kernels" in measured.method
    data = run.json("profile", "mobilenet-v1", "--alpha", "0.25", "--res", "32", "--repeats",
                    "2", "--runtime", "onnxruntime", "--spin")  # fmt: skip
    assert "intra-op threads spinning between kernels" in " ".join(data["notes"])
