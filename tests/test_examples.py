"""Every script in examples/ runs and prints what the paper and the library agree on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"


def run_example(name: str, *args: str, cwd: Path | None = None) -> str:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=cwd,
    ).stdout


def test_every_example_is_tested():
    assert {p.name for p in EXAMPLES.glob("*.py")} == {
        "reproduce_paper_tables.py",
        "pick_under_budget.py",
        "export_sweep_csv.py",
    }


def test_reproduce_paper_tables():
    out = run_example("reproduce_paper_tables.py")
    assert "1.0 MobileNet-224          printed   569M   4.2M   exact    568.74M   4.21M" in out
    assert "Conv 3x3: share of mult-adds (Howard et al. 2017, Table 2): paper typo" in out
    assert "Conv 1x1         mult-adds  94.86%   params  74.59%" in out


def test_pick_under_budget():
    out = run_example("pick_under_budget.py", "300", "192")
    widest, front = out.split("\n\n")
    # 0.84 at 192: 296,355,992 MACs; 0.85 would be over budget
    assert "under 300,000,000 MACs: 0.84 MobileNet-192 (296,355,992 MACs" in widest
    front_models = [" ".join(line.split()[:2]) for line in front.splitlines()[1:]]
    # 0.75-224 (325M) is over budget; 1.0-160 (291M) is under it and on the front
    assert "0.75 MobileNet-224" not in front_models and "1.0 MobileNet-160" in front_models
    assert len(front_models) == 11


def test_export_sweep_csv(tmp_path):
    import pandas

    out = run_example("export_sweep_csv.py", "sweep.csv", cwd=tmp_path)
    frame = pandas.read_csv(tmp_path / "sweep.csv")
    assert len(frame) == 16 * 11 and "wrote 176 configurations" in out
    row = frame[(frame["alpha"] == 1.0) & (frame["resolution"] == 224)].iloc[0]
    assert row["macs"] == 568_740_352


def test_efficientnet_b0_spec_is_torchvisions():
    """examples/efficientnet-b0.toml, a user's spec: torchvision's EfficientNet_B0_Weights
    num_params (5,288,548) and FlopCounterMode's count of torchvision's efficientnet_b0 at 224
    (771,629,504 FLOPs = 385,814,752 MACs; checked layer by layer against PyTorch below)."""
    import mobicost

    net = mobicost.network(mobicost.load_spec(str(EXAMPLES / "efficientnet-b0.toml")))
    assert (net.total.macs, net.params) == (385_814_752, 5_288_548)


@pytest.mark.requires("torch")
def test_efficientnet_b0_spec_in_pytorch():
    import mobicost
    from mobicost.nets.pytorch import verify

    net = mobicost.network(mobicost.load_spec(str(EXAMPLES / "efficientnet-b0.toml")))
    assert verify(net).ok
