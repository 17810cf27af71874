"""``mobicost plot``: every figure kind drawn for a few networks, read back (PNG size and colours,
SVG text), written atomically, and a one-line error without matplotlib. No display needed: the
figures are drawn on an Agg canvas."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from extras import require

from mobicost.analysis.sweep import sweep
from mobicost.nets.network import network
from mobicost.render import plots

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("tradeoff.png", "layers.png")  #: what docs/figures/make_figures.py draws


@pytest.fixture
def mpl():
    require("matplotlib")
    import matplotlib

    return matplotlib


def read_png(path: Path, *, wide: int = 600, tall: int = 400, colours: int = 5) -> None:
    """A real PNG of a reasonable size, not blank: enough distinct colours (the palette's, not
    only antialiased greys), read back with matplotlib."""
    import matplotlib.image
    import numpy

    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = matplotlib.image.imread(str(path))
    height, width = pixels.shape[:2]
    assert width >= wide and height >= tall, (width, height)
    rgb = (pixels[..., :3] * 255).round().astype(numpy.uint32)
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    assert len(numpy.unique(packed)) >= colours


# --- the data the figures show -------------------------------------------------------------------


def test_layer_metrics_add_up_to_the_totals():
    net = network("mobilenet-v1", bias="fc", bn="all")
    columns = plots.layer_metrics(net, ["macs", "params"])
    assert sum(columns["macs"]) == net.ops == 568_740_352
    assert sum(columns["params"]) == net.params == 4_253_864  # Keras's count
    assert len(columns["macs"]) == len(net.layers)
    flops = plots.layer_metrics(network("resnet-18", unit="flops"), ["macs"])["macs"]
    assert sum(flops) == 2 * network("resnet-18").total.macs


def test_an_unknown_metric_names_those_offered():
    from mobicost.errors import MobicostError

    with pytest.raises(MobicostError, match="choose from: macs, params"):
        plots.layer_metrics(network("mobilenet-v1"), ["latency"])


def test_memory_and_time_per_layer_are_the_models():
    from mobicost.analysis.latency import load_device, predict
    from mobicost.nets.memory import Workload

    net = network("mobilenet-v1")
    columns = plots.layer_metrics(net, ["memory", "time"])
    # conv1 by hand: a 224x224x3 input and a 112x112x32 output, 4 bytes each (fp32, batch 1)
    assert columns["memory"][0] == (224 * 224 * 3 + 112 * 112 * 32) * 4 == 2_207_744
    # separable1.pw1, the largest: 112x112x32 in, 112x112x64 out
    assert max(columns["memory"]) == columns["memory"][2] == 112 * 112 * 96 * 4
    h100 = predict(net, load_device("h100"), Workload())
    assert sum(columns["time"]) == h100.seconds * 1_000_000  # exact microseconds
    assert columns["time"] == [t.seconds * 1_000_000 for t in h100.layers]
    setting = plots.Setting(Workload(batch=8, weights="int8", activations="int8"))
    eight = plots.layer_metrics(net, ["memory"], setting)["memory"]
    assert eight == [2 * value for value in columns["memory"]]  # 8 x 1 byte = 2 x (1 x 4)
    cpu = plots.Setting(device=load_device("cpu"))
    assert plots.layer_metrics(net, ["time"], cpu)["time"] != columns["time"]


def test_a_footer_names_the_workload_and_device_only_where_read():
    assert plots.setting_needs(["macs", "params"]) == frozenset()
    assert plots.setting_needs(["memory"]) == {"workload"}
    assert plots.setting_needs(["macs", "time"]) == {"workload", "device"}
    notes = plots.Setting().notes(plots.setting_needs(["time"]))
    assert notes[0].startswith("Memory: batch 1, fp32") and "NVIDIA H100" in notes[1]


def test_tradeoff_against_latency_and_memory():
    from mobicost.analysis.latency import load_device, predict

    cpu = plots.Setting(device=load_device("cpu"))
    data = plots.tradeoff([sweep(network="mobilenet-v1")], x="latency", setting=cpu)
    assert (data.x, data.y, len(data.points)) == ("latency", "top1", 16)
    top = next(p for p in data.points if p.label == "0.5 MobileNet-160")
    alone = predict(network("mobilenet-v1", alpha="0.5", resolution=160), load_device("cpu"))
    assert top.x == alone.seconds * 1_000_000 and top.y == Fraction("59.1")
    assert data.x_title == "Predicted time on cpu, µs (log scale)"
    assert any(note.startswith("Device: 2-core") for note in data.notes)
    costs = plots.tradeoff([sweep(network="shufflenet-v1")], x="latency", setting=cpu)
    assert costs.y == "macs"  # no published top-1: latency against MACs
    memory = plots.tradeoff([sweep(network="mobilenet-v1")], x="memory", y="macs")
    peaks = {p.label: p.x for p in memory.points}
    assert peaks["1.0 MobileNet-224"] == 112 * 112 * 96 * 4
    assert peaks["1.0 MobileNet-192"] == 96 * 96 * 96 * 4
    assert any(note.startswith("Memory: batch 1") for note in memory.notes)
    assert not any(note.startswith("Device:") for note in memory.notes)


def test_the_front_is_what_no_model_beats():
    data = plots.tradeoff([sweep()])
    assert (data.x, data.y, len(data.points)) == ("macs", "top1", 16)
    assert "TF-Slim checkpoints" in data.notes[0]
    pairs = [(p.x, p.y) for p in data.points]
    beaten = {
        k
        for k, (x, y) in enumerate(pairs)
        if any((x2 <= x and y2 > y) or (x2 < x and y2 >= y) for x2, y2 in pairs)
    }
    assert set(data.front) == set(range(16)) - beaten
    assert [data.points[k].label for k in data.front][-1] == "1.0 MobileNet-224"
    assert "1.0 MobileNet-128" not in {data.points[k].label for k in data.front}
    top = next(p for p in data.points if p.label == "1.0 MobileNet-224")
    assert (top.x, top.y) == (568_740_352, Fraction("70.9"))


def test_accuracy_from_the_source_named():
    data = plots.tradeoff([sweep()], source="howard", x="params")
    assert len(data.points) == 8  # the paper prints 8 of the 16
    assert "Howard et al. 2017" in data.notes[0] and "Left out" in data.notes[1]
    assert {p.x for p in data.points} >= {4_209_088}


def test_without_accuracy_cost_against_cost():
    data = plots.tradeoff([sweep(network="mobilenet-v1"), sweep(network="shufflenet-v1")])
    assert (data.y, len(data.points), data.front) == ("params", 32, ())
    assert any("No published top-1 for ShuffleNet" in note for note in data.notes)
    assert plots.tradeoff([sweep(network="dense1-mobilenet")], x="params").y == "macs"


def test_networks_compared_on_their_published_top1():
    """torchvision's top-1 for each network at 224, beside the MobileNet paper's grid: the
    designers' figure. Models without a figure are left out, and said so."""
    nets = [sweep(network=n) for n in ("mobilenet-v1", "mobilenet-v2", "resnet-18", "vgg16")]
    data = plots.tradeoff(nets)
    placed = {p.label: (p.x, p.y) for p in data.points}
    assert placed["ResNet-18-224"] == (1_814_073_344, Fraction("69.758"))
    assert placed["1.0 MobileNetV2-224"] == (300_774_272, Fraction("71.878"))
    assert placed["VGG-16-224"][1] == Fraction("71.592")
    assert "ResNet-18-160" not in placed and any("Left out" in n for n in data.notes)
    front = [data.points[k].label for k in data.front]
    assert "VGG-16-224" not in front  # 8.5x MobileNet v2's MACs, and less accurate
    assert "1.0 MobileNetV2-224" in front


# --- figures, through the command ----------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["mobilenet-v1", "mobilenet-v2@0.75:192", "resnet-18", "examples/tiny-resnet.toml"],
        ["shufflenet-v1", "--groups", "8", "--res", "224,160", "--x", "params", "--unit", "flops"],
        ["mobilenet-v1", "resnet-18", "--x", "latency", "--device", "cpu", "--batch", "4"],
        ["mobilenet-v2", "--x", "memory", "--dtype", "int8", "--y", "params"],
    ],
    ids=["paper", "nets-and-a-spec-file", "own-option-params-flops", "latency", "memory"],
)
def test_tradeoff_png(run, mpl, tmp_path, args):
    path = tmp_path / "tradeoff.png"
    result = run("plot", "tradeoff", *args, "--dpi", "60", "-o", str(path))
    assert result.output == ""
    read_png(path, wide=450, tall=350)


@pytest.mark.parametrize(
    "args",
    [
        ["mobilenet-v2", "--alpha", "0.75", "--res", "192", "--layout", "side-by-side"],
        ["resnet-18", "--metric", "macs", "--unit", "flops"],
        ["shufflenet-v1", "--groups", "8", "-m", "params,macs"],
        ["mobilenet-v1", "-m", "macs,time", "--layout", "side-by-side", "--device", "cpu"],
        ["examples/tiny-resnet.toml", "-m", "memory,time", "--batch", "8", "--dtype", "fp16"],
    ],
    ids=["v2-side-by-side", "resnet-flops", "own-option", "macs-beside-time", "memory-time"],
)
def test_layers_png(run, mpl, tmp_path, args):
    path = tmp_path / "layers.png"
    run("plot", "layers", *args, "--dpi", "50", "-o", str(path))
    read_png(path, wide=390, tall=300, colours=6)


def test_tradeoff_svg_keeps_its_words(run, mpl, tmp_path):
    path = tmp_path / "fig.svg"
    run("plot", "tradeoff", "--title", "Figure 4, again", "-o", str(path))
    text = path.read_text(encoding="utf-8")
    for words in (
        "MACs (log scale)",
        "ImageNet top-1 accuracy (%)",
        "Figure 4, again",
        "0.75 MobileNet-128",
        "0.25 MobileNet-224",
        "1.0 MobileNet-224",
        "Pareto front",
        "TF-Slim checkpoints",
        "multiply-accumulates",  # the conventions' footer
        "no batch-norm parameters",
    ):
        assert words in text, words


def test_layers_svg_keeps_its_words(run, mpl, tmp_path):
    path = tmp_path / "layers.svg"
    run("plot", "layers", "--unit", "flops", "--bn", "all", "-o", str(path))
    text = path.read_text(encoding="utf-8")
    for words in (
        "1.0 MobileNet-224: FLOPs, Params per layer",
        "FLOPs per layer (total 1.14G)",
        "separable13.pw1",
        "Conv DW 3x3",
        "Fully Connected",
        "share of the network",
        "FLOPs = 2 x MACs",
        "4 per channel, as Keras",
    ):
        assert words in text, words
    assert "Device:" not in text and "Memory:" not in text  # neither is drawn


def test_time_and_memory_svg_name_their_device_and_workload(run, mpl, tmp_path):
    path = tmp_path / "time.svg"
    run("plot", "layers", "-m", "time,memory", "--batch", "2", "--dtype", "bf16", "--device",
        "a100", "--overhead", "3us", "-o", str(path))  # fmt: skip
    text = path.read_text(encoding="utf-8")
    for words in (
        "Predicted time (µs) per layer (total",
        "Activations (bytes, in + out)",
        "Memory: batch 2, bf16",
        "Device: NVIDIA A100",
        "3 us a layer",
        "given: 3 us",  # the source says which figure was given
    ):
        assert words in text, words


def test_a_spec_file_twice_gives_the_same_bytes(run, mpl, tmp_path):
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"  # no date, ids salted alike
    for path in (first, second):
        run("plot", "layers", "examples/tiny-resnet.toml", "-o", str(path))
    assert first.read_bytes() == second.read_bytes()
    assert "residual2.b" in first.read_text(encoding="utf-8")


def test_pdf_and_standard_output(run, mpl, tmp_path):
    path = tmp_path / "FIG.PDF"
    run("plot", "layers", "examples/tiny-resnet.toml", "-o", str(path))
    assert path.read_bytes()[:5] == b"%PDF-"
    piped = run("plot", "tradeoff", "--labels", "none", "--dpi", "40")  # not a terminal: a PNG
    assert piped.stdout_bytes[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_terminal_is_told_where_to_write(run, monkeypatch):
    from mobicost.cli import plot

    monkeypatch.setattr(plot, "_stdout_is_terminal", lambda: True)
    line = run.error("plot", "tradeoff")
    assert "give --output FILE.png (or .svg, .pdf)" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tradeoff", "-o", "fig.jpg"], "name it .png, .svg or .pdf"),
        (["layers", "-o", "/nonexistent/dir/fig.png"], "does not exist"),
        (["layers", "--metric", "latency", "-o", "x.png"], "choose from: macs, params"),
        (["tradeoff", "--source", "nobody", "-o", "x.png"], "sources: Howard et al. 2017"),
        (["tradeoff", "--x", "params", "--y", "params", "-o", "x.png"], "both axes"),
        (["tradeoff", "shufflenet-v1", "--y", "top1", "-o", "x.png"], "no model shown has"),
        (["tradeoff", "shufflenet-v1", "resnet-18", "--groups", "8", "-o", "x.png"], "one network"),
        (["tradeoff", "no-such-net", "-o", "x.png"], "unknown network 'no-such-net'"),
        (["layers", "vgg16", "--alpha", "0.5", "-o", "x.png"], "no width multiplier"),
        (["layers", "-m", "time", "--device", "tpu", "-o", "x.png"], "unknown device 'tpu'"),
        (["tradeoff", "--x", "latency", "--peak", "-1", "-o", "x.png"], "greater than zero"),
        (["layers", "--dtype", "int8", "--weight-dtype", "fp16", "-o", "x.png"], "--dtype sets"),
        (["tradeoff", "--x", "top1", "-o", "x.png"], "'macs', 'params', 'memory', 'latency'"),
    ],
)
def test_errors_are_one_line(run, mpl, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    line = run.error("plot", *args)
    assert message in line, line
    assert not list(tmp_path.iterdir())  # nothing written, not even a temporary file


def test_a_file_is_replaced_atomically_through_its_link(run, mpl, tmp_path):
    target = tmp_path / "real.png"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.png"
    link.symlink_to(target)
    run("plot", "layers", "--dpi", "30", "-o", str(link))
    assert link.is_symlink() and target.read_bytes()[:4] == b"\x89PNG"
    assert (target.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.png", "real.png"]


def test_without_matplotlib_one_line_and_exit_2(tmp_path):
    probe = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from mobicost.cli import main\n"
        f"main(['plot', 'tradeoff', '-o', {str(tmp_path / 'x.png')!r}])"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and not (tmp_path / "x.png").exists()
    assert done.stderr == "Error: plots need matplotlib: pip install 'mobicost[plot]'\n"
    helped = subprocess.run(  # help needs no matplotlib
        [sys.executable, "-c", probe.replace("'tradeoff', '-o',", "'layers', '--help', '-o',")],
        capture_output=True,
        text=True,
    )
    assert helped.returncode == 0 and "Examples:" in helped.stdout


def test_the_readme_figures_script_still_runs(mpl, tmp_path, monkeypatch, capsys):
    script = ROOT / "docs" / "figures" / "make_figures.py"
    monkeypatch.setattr(sys, "argv", [str(script), str(tmp_path)])
    runpy.run_path(str(script), run_name="__main__")  # in-process: one matplotlib start-up
    assert capsys.readouterr().out.split() == [str(tmp_path / n) for n in FIGURES]
    for name in FIGURES:
        read_png(tmp_path / name)
        committed = ROOT / "docs" / "figures" / name
        assert committed.exists(), f"{committed} is not committed: run {script}"
