"""What a user gets where an optional extra is absent: one line naming the install command,
exit 2. These run in both worlds: the extra is hidden from a fresh interpreter, so that the
message is checked on a machine with torch as well as on one without."""

from __future__ import annotations

import subprocess
import sys

import pytest

TORCH_HINT = (
    "Error: PyTorch is not installed: pip install torch==2.13.0 (a CPU build), then "
    "pip install 'mobicost[torch]'"
)


def without(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``mobicost ARGS`` in a fresh interpreter where ``import MODULE`` fails."""
    code = (
        f"import sys; sys.modules[{module!r}] = None\n"
        f"from mobicost.cli import main\nmain({list(args)!r})"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "--alpha", "0.5"],
        ["calibrate"],
        ["profile"],
        ["check", "--source", "paper", "--measure"],
    ],
    ids=" ".join,
)
def test_without_torch_is_the_install_hint(args):
    result = without("torch", *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [TORCH_HINT]


def test_without_onnx_export_is_the_install_hint(tmp_path):
    result = without("onnx", "export", "-o", str(tmp_path / "m.onnx"))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "Error: onnx is not installed: pip install 'mobicost[onnx]'"
    ]
    assert not (tmp_path / "m.onnx").exists()


def test_without_onnxruntime_profile_is_the_install_hint():
    result = without("onnxruntime", "profile", "--runtime", "onnxruntime")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "Error: onnxruntime is not installed: pip install 'mobicost[onnxruntime]'"
    ]
