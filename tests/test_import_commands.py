"""Imported models in every command that takes a network: sweep, compare, verify, profile,
export, check and plot tradeoff (table and latency: test_import_cli.py).

The model is small enough to count by hand. On a 3 x R x R input:

* ``conv``: 3 -> 8 channels, 3x3, no padding: 8 x 27 x (R-2)^2 MACs, 8 x 27 + 8 = 224 params;
* ``bn``: batch norm over 8 channels: 16 params (gamma and beta), no MACs;
* ``attn``: ``nn.MultiheadAttention(8, 2)`` over the (R-2)^2 tokens T: its input projection
  T x 8 x 24 MACs, its two products 2 x T^2 x 8 (two heads of 4: T x T x 4 each, twice), its
  output projection T x 8 x 8; 24 x 8 + 24 + 8 x 8 + 8 = 288 params;
* ``fc``: 8 -> 10 after a mean over the tokens: 80 MACs, 90 params.

At R = 6 (T = 16): conv 3,456; attention 3,072 + 4,096 + 1,024 = 8,192; fc 80; 11,728 MACs in
all, and 224 + 16 + 288 + 90 = 618 params at every resolution.
"""

from __future__ import annotations

import json
import textwrap

import pytest

pytestmark = pytest.mark.requires("torch")

MODEL = textwrap.dedent(
    """
    import torch

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3)
            self.bn = torch.nn.BatchNorm2d(8)
            self.attn = torch.nn.MultiheadAttention(8, 2, batch_first=True)
            self.fc = torch.nn.Linear(8, 10)

        def forward(self, x):
            y = torch.relu(self.bn(self.conv(x))).flatten(2).transpose(1, 2)
            y = self.attn(y, y, y, need_weights=False)[0]
            return self.fc(y.mean(1))

    def build():
        return Tiny()
    """
)


def macs(r: int) -> int:
    """The model's MACs on a 3 x r x r input, by hand (the module docstring)."""
    t = (r - 2) ** 2
    return 8 * 27 * t + t * 8 * 24 + 2 * t * t * 8 + t * 8 * 8 + 80


PARAMS = 224 + 16 + 288 + 90


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.py"
    path.write_text(MODEL)
    return f"{path}:build"


def test_the_hand_count():
    assert macs(6) == 11_728


# --- sweep ---------------------------------------------------------------------------------------


def test_sweep_reads_the_model_again_at_each_resolution(run, tiny):
    data = run.json("sweep", tiny, "--input", "3x6x6", "--res", "8,2,6,12")
    rows = [(row["resolution"], row["macs"], row["params"]) for row in data["rows"]]
    assert rows == [(8, macs(8), PARAMS), (6, macs(6), PARAMS), (12, macs(12), PARAMS)]
    assert data["rows"][1]["ratio"] == 1  # relative to the model at its own input, 6x6
    assert data["skipped"] == 1
    assert data["impossible"][0]["resolution"] == 2
    assert "the model rejects a 3x2x2 input" in data["impossible"][0]["reason"]
    text = " ".join(run("sweep", tiny, "--input", "3x6x6", "--res", "2,6").stdout.split())
    assert "Skipped 1 impossible configurations (resolution 2): the model rejects" in text
    assert "MACs as torch.utils.flop_counter counts them" in text  # the model's convention


def test_sweep_budgets_rho_and_unit_on_an_imported_model(run, tiny):
    kept = run.json("sweep", tiny, "--input", "3x6x6", "--res", "6:12:2", "--max-macs", "40k")
    assert [(row["resolution"], row["macs"]) for row in kept["rows"]] == [(6, 11_728), (8, 37_808)]
    halved = run.json("sweep", tiny, "--input", "3x12x12", "--rho", "0.5,1")
    assert [row["resolution"] for row in halved["rows"]] == [6, 12]
    flops = run.json("sweep", tiny, "--input", "3x6x6", "--res", "6", "--unit", "flops")
    assert flops["rows"][0]["flops"] == 2 * macs(6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--alpha", "0.5"], "--alpha: width is not a knob of an imported model"),
        (["--rounding", "div8"], "--rounding rounds a built-in's channels"),
        (["--groups", "2"], "unexpected argument '--groups'"),
    ],
)
def test_sweep_refuses_what_an_imported_model_has_not(run, tiny, args, message):
    assert message in run.error("sweep", tiny, *args)


def test_sweep_input_is_for_imported_models(run):
    assert "--input is for an imported model" in run.error("sweep", "--input", "3x6x6")


def test_the_library_sweeps_any_reader():
    """sweep_model takes any resolution -> network reader; what it rejects is skipped."""
    from mobicost.analysis.sweep import sweep_model
    from mobicost.errors import MobicostError
    from mobicost.nets.network import network

    def load(resolution):
        if resolution == 100:
            raise MobicostError("not at 100")
        return network("resnet-18", resolution=resolution)

    result = sweep_model(load, [224, 100, 160])
    assert [(p.resolution, p.macs) for p in result.points] == [
        (224, network("resnet-18").total.macs),
        (160, network("resnet-18", resolution=160).total.macs),
    ]
    assert result.skipped == 1 and result.skipped_text.endswith("not at 100.")


# --- compare -------------------------------------------------------------------------------------


def test_compare_puts_an_imported_model_beside_built_ins(run, tiny):
    data = run.json("compare", tiny, "mobilenet-v1@0.25:32", "--input", "3x6x6")
    first, second = data["rows"]
    assert (first["macs"], first["params"], first["ratio"]) == (macs(6), PARAMS, 1)
    v1 = run.json("table", "mobilenet-v1@0.25:32")["totals"]
    assert (second["macs"], second["ratio"]) == (v1["macs"], v1["macs"] / macs(6))
    # the first network's conventions: the imported model's (bias on fc, batch norm's two)
    keras = run.json("table", "mobilenet-v1@0.25:32", "--bias", "fc", "--bn", "affine")
    assert second["params"] == keras["totals"]["params"]
    after = run.json("compare", "--models", "mobilenet-v1@0.25:32", tiny, "--input", "3x6x6")
    assert after["rows"][0]["params"] == v1["params"]  # the paper's: no bias, no batch norm
    flops = run.json("compare", tiny, "--input", "3x6x6", "--unit", "flops")
    assert flops["rows"][0]["flops"] == 2 * macs(6)
    text = " ".join(run("compare", tiny, "resnet-18", "--input", "3x6x6").stdout.split())
    assert "tiny.py:build-6: MACs as torch.utils.flop_counter counts them" in text  # its own
    assert "tiny.py:build-6: Params: the model's own" in text


def test_compare_input_is_for_imported_models(run):
    assert "--input is for an imported model" in run.error(
        "compare", "mobilenet-v1", "--input", "3x6x6"
    )


# --- verify --------------------------------------------------------------------------------------


def test_verify_checks_the_users_module_module_by_module(run, tiny):
    data = run.json("verify", tiny, "--input", "3x6x6")
    rows = {row["module"]: row for row in data["rows"]}
    conv, attn, fc = rows["conv"], rows["attn"], rows["fc"]
    assert (conv["macs"], conv["measured_macs"], conv["params"]) == (8 * 27 * 16,) * 2 + (224,)
    assert attn["macs"] == attn["measured_macs"] == 16 * 8 * 24 + 2 * 16 * 16 * 8 + 16 * 8 * 8
    # out_proj runs nothing of its own (its parent reads its weight): its 72 go to attn
    assert (attn["params"], attn["measured_params"]) == (288, 288)
    assert (fc["macs"], fc["params"]) == (80, 90)
    assert all(row["match"] == "yes" for row in data["rows"])
    totals = data["totals"]
    assert (totals["macs"], totals["measured_macs"]) == (macs(6), macs(6))
    assert (totals["params"], totals["measured_params"]) == (PARAMS, PARAMS)
    notes = " ".join(run("verify", tiny, "--input", "3x6x6").stdout.split())
    assert "FlopCounterMode counts the user's module" in notes
    assert "sdpa_flop_count" in notes  # torch's CPU count has no formula for it: given its own


def test_verify_of_an_imported_model_can_fail(tiny):
    """The model costed at one size, run at another: every MAC row disagrees."""
    from mobicost.frontends.models import load_module
    from mobicost.frontends.torch import from_torch
    from mobicost.frontends.verify import verify_module

    module, shape, name = load_module(tiny, input_shape=(3, 6, 6))
    other = from_torch(module, (3, 8, 8), name=name)
    result = verify_module(module, shape, other)
    assert not result.ok
    assert {check.what for check in result.mismatches} == {"conv", "attn"}
    assert result.measured_macs == macs(6) and int(other.total.macs) == macs(8)
    assert result.measured_params == other.params == PARAMS  # parameters do not see the size


def test_verify_refuses_knobs_an_imported_model_has_not(run, tiny):
    assert "--alpha applies to built-in networks" in run.error("verify", tiny, "--alpha", "0.5")
    assert "--all verifies the whole set" in run.error("verify", tiny, "--all")


#: the exported file's parameters: torch.onnx.export, in eval mode, folds batch norm into the
#: convolution before it (its 16 gamma and beta become the convolution's weights and bias)
FOLDED = PARAMS - 16


@pytest.fixture
def tiny_onnx(tmp_path, tiny):
    """The model as an ONNX file, written by mobicost export (torch.onnx.export)."""
    path = str(tmp_path / "tiny.onnx")
    from click.testing import CliRunner

    from mobicost.cli import main

    result = CliRunner().invoke(main, ["export", tiny, "--input", "3x6x6", "-o", path])
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.requires("onnx", "onnxruntime")
def test_verify_an_onnx_file_says_what_it_proved(run, tiny_onnx):
    data = run.json("verify", tiny_onnx)
    learned, output = data["rows"]
    assert (learned["params"], learned["measured_params"]) == (FOLDED, FOLDED)
    assert learned["measured_macs"] is None  # no counter reads ONNX: not claimed
    assert output["check"] == "output 1x10 (ran: 1x10)" and output["match"] == "yes"
    text = " ".join(run("verify", tiny_onnx).stdout.split())
    assert "MACs: not checked" in text
    assert "ONNX Runtime" in text and "ran the file on a 6x6x3 input" in text
    # the exporter wrote the token count (16) into a Reshape: the file costs at 8x8 (shapes
    # infer), but does not compute there, and verify says so
    failed = run("verify", tiny_onnx, "--res", "8", code=1)
    assert "output 1x10 (ran: failed)" in failed.stdout
    assert "cannot run the file at 8x8x3" in failed.stderr


# --- profile -------------------------------------------------------------------------------------


def test_profile_times_the_users_module_op_by_op(run, tiny):
    data = run.json("profile", tiny, "--input", "3x6x6", "--repeats", "1", "--device", "cpu")
    table = run.json("table", tiny, "--input", "3x6x6")
    assert [row["type"] for row in data["rows"]] == [row["type"] for row in table["rows"]]
    costed = [row for row in data["rows"] if row["type"] != "Param"]
    assert costed and all(row["measured_us"] > 0 for row in costed)
    text = " ".join(run("profile", tiny, "--input", "3x6x6", "--repeats", "1").stdout.split())
    assert "each layer's ATen operation, called on its own arguments" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--runtime", "onnxruntime"], "is a PyTorch model: profile it in PyTorch eager"),
        (["--batch", "2"], "at a batch of one: drop --batch"),
        (["--rho", "0.5"], "--rho applies to built-in networks"),
    ],
)
def test_profile_refuses_what_does_not_work_in_one_line(run, tiny, args, message):
    assert message in run.error("profile", tiny, *args)


@pytest.mark.requires("onnx", "onnxruntime")
def test_profile_an_onnx_file_in_onnx_runtime(run, tiny_onnx):
    data = run.json("profile", tiny_onnx, "--runtime", "onnxruntime", "--repeats", "2")
    assert len(data["rows"]) == len(run.json("table", tiny_onnx)["rows"])
    assert sum(row["measured_us"] for row in data["rows"]) > 0  # kernels found their layers
    assert "is an ONNX file: profile it with --runtime onnxruntime" in run.error(
        "profile", tiny_onnx
    )


# --- export, check, plot -------------------------------------------------------------------------


@pytest.mark.requires("onnx")
def test_export_writes_the_users_module_with_its_weights(run, tiny, tmp_path):
    path = str(tmp_path / "again.onnx")
    out = run("export", tiny, "--input", "3x6x6", "-o", path).stdout
    assert "its own weights, batch 1, opset 17 (torch.onnx.export)" in out
    totals = run.json("table", path)["totals"]
    assert (totals["macs"], totals["params"]) == (macs(6), FOLDED)  # the same model, read back
    assert "is an ONNX file already: nothing to export" in run.error(
        "export", path, "-o", str(tmp_path / "x.onnx")
    )
    assert "--seed draws random weights" in run.error("export", tiny, "--seed", "1", "-o", path)


def test_check_refuses_an_imported_model_in_one_line(run, tiny):
    assert "an imported model has none: 'mobicost verify'" in run.error("check", tiny)


@pytest.mark.requires("matplotlib")
def test_plot_tradeoff_sweeps_an_imported_model(run, tiny, tmp_path):
    path = tmp_path / "mine.svg"
    run("plot", "tradeoff", tiny, "resnet-18", "--res", "6,8", "--y", "params", "-o", str(path))
    text = path.read_text()
    assert "tiny.py:build-6" in text and "tiny.py:build-8" in text


def test_an_imported_sweep_as_csv_is_the_json(run, tiny):
    """The same rows in both formats (the matrix checks each format alone)."""
    data = run.json("sweep", tiny, "--input", "3x6x6", "--res", "6,8")
    csv = run("sweep", tiny, "--input", "3x6x6", "--res", "6,8", "-f", "csv").stdout
    assert [line.split(",")[-7] for line in csv.splitlines()[1:]] == [
        str(row["macs"]) for row in data["rows"]
    ]
    assert json.loads(json.dumps(data))["kept"] == 2
