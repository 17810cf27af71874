"""Imported models on the command line: FILE.py:CALLABLE, FILE.onnx and torchvision:NAME
wherever a network is taken, --input and --res, --strict, and bad input in one line."""

from __future__ import annotations

import textwrap

import pytest

from mobicost.frontends.models import is_model

pytestmark = pytest.mark.requires("torch")

MODEL = textwrap.dedent(
    """
    import torch

    class Small(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3)
            self.fc = torch.nn.Linear(8, 10)

        def forward(self, x):
            y = torch.cumsum(self.conv(x), dim=1) if self.odd else self.conv(x)
            return self.fc(y.mean((2, 3)))

    def build(odd=False):
        model = Small()
        model.odd = odd
        return model

    def odd():
        return build(odd=True)

    def broken():
        raise ValueError("no weights here")

    def number():
        return 42
    """
)


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "small.py"
    path.write_text(MODEL)
    return str(path)


def test_a_python_file_and_its_callable(run, model_file):
    """Conv 3->8, 3x3 on 16x16: 8 x 27 x 14 x 14 = 42,336 MACs and 224 parameters; the
    classifier 80 MACs and 90 parameters."""
    data = run.json("table", f"{model_file}:build", "--input", "3x16x16")
    assert (data["totals"]["macs"], data["totals"]["params"]) == (42_416, 314)
    assert data["model"] == f"{model_file}:build-16"
    at_32 = run.json("table", f"{model_file}:build", "--input", "3x16x16", "--res", "32")
    assert at_32["totals"]["macs"] == 8 * 27 * 30 * 30 + 80


def test_strict_refuses_what_is_not_costed(run, model_file):
    out = run("table", f"{model_file}:odd", "--input", "3x16x16").stdout
    assert "Not costed: aten.cumsum x1 (14x14x8)." in " ".join(out.split())
    line = run.error("table", f"{model_file}:odd", "--input", "3x16x16", "--strict")
    assert line == "Error: not costed (--strict): aten.cumsum x1 (14x14x8)"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("{f}:missing", "has no 'missing'"),
        ("{f}:broken", ":broken raised ValueError: no weights here"),
        ("{f}:number", ":number gave a int, not a torch.nn.Module"),
        ("nowhere.py:build", "no such Python file: nowhere.py"),
        ("{f}:build --input 3x8", "the model rejects a 3x8 input"),
        ("{f}:build --input 3xax8", "expected positive whole numbers such as 3x224x224"),
    ],
)
def test_bad_models_fail_in_one_line(run, model_file, target, message):
    args = target.format(f=model_file).split()
    assert message in run.error("table", *args)


@pytest.mark.requires("onnx")
def test_an_onnx_file(run, tmp_path, model_file):
    """The small model exported by torch's TorchScript exporter: the same totals as from the
    module; its input shape is the file's own, --res resizes it."""
    import importlib.util
    import warnings

    import torch

    spec = importlib.util.spec_from_file_location("small", model_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = str(tmp_path / "small.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.build(), (torch.randn(1, 3, 16, 16),), path, dynamo=False)
    data = run.json("table", path)
    assert (data["totals"]["macs"], data["totals"]["params"]) == (42_416, 314)
    assert data["model"] == "small-16"
    assert run.json("table", path, "--res", "32")["totals"]["macs"] == 8 * 27 * 30 * 30 + 80
    fake = tmp_path / "fake.onnx"
    fake.write_text("hello")
    assert "fake.onnx is not an ONNX model" in run.error("table", str(fake))


def test_input_is_for_imported_models(run):
    assert "--input is for an imported model" in run.error("table", "--input", "3x224x224")


@pytest.mark.requires("torchvision")
def test_torchvision_by_name(run):
    from torchvision_models import models

    models()  # where torchvision's compiled ops do not load, its model definitions do
    data = run.json("table", "torchvision:resnet18", "--res", "64")
    assert data["model"] == "resnet18-64"
    assert data["totals"]["macs"] == 148_557_824  # FlopCounterMode at 64x64 (test_import_onnx)
    assert data["totals"]["params"] == 11_689_512
    assert "no classification model 'resnet0'" in run.error("table", "torchvision:resnet0")


def test_the_rule_that_keeps_imports_apart_from_built_in_names():
    assert is_model("model.onnx") and is_model("MODEL.ONNX")
    assert is_model("nets/my.py:build") and is_model("torchvision:vit_b_16")
    assert is_model("timm:resnet50")
    for built_in in ("mobilenet-v2@0.75:192", "mobilenet-v2:224", "my_net.toml", "resnet-50"):
        assert not is_model(built_in)


def test_check_says_an_imported_model_publishes_nothing(run, model_file):
    line = run.error("check", f"{model_file}:build")
    assert "check judges the figures a spec publishes" in line and "mobicost verify" in line


def test_latency_takes_an_imported_model(run, model_file):
    data = run.json("latency", f"{model_file}:build", "--input", "3x16x16")
    assert data["model"] == f"{model_file}:build-16"
