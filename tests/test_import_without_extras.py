"""An imported model where its extra is absent: torch for a PyTorch model, onnx for an ONNX
file; the install hint in one line, exit 2, checked in both worlds (tests/test_without_extras.py
hides the module from a fresh interpreter)."""

from __future__ import annotations

import pytest
from test_without_extras import TORCH_HINT, without


@pytest.mark.parametrize(
    ("module", "args", "hint"),
    [
        ("torch", ["table", "torchvision:resnet18"], TORCH_HINT),
        ("torch", ["table", "model.py:build"], TORCH_HINT),
        ("onnx", ["table", "m.onnx"], None),
    ],
    ids=["torchvision", "python-file", "onnx"],
)
def test_an_imported_model_without_its_extra(module, args, hint, tmp_path):
    """An imported model needs torch (onnx for an ONNX file): the install hint, one line."""
    if args[1].endswith(".onnx"):
        path = tmp_path / "m.onnx"
        path.write_bytes(b"")
        args = [args[0], str(path)]
        hint = "Error: reading an ONNX file needs onnx: pip install 'mobicost[onnx]'"
    if args[1] == "model.py:build":
        path = tmp_path / "model.py"
        path.write_text("def build():\n    return None\n")
        args = [args[0], f"{path}:build"]
    result = without(module, *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [hint]
