"""Start-up cost: the numeric path never imports sympy or pandas (STYLE.md, rule 10)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("sympy", "pandas", "numpy", "torch", "matplotlib")


def modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    return {line.split(".")[0] for line in out.splitlines()}


@pytest.mark.parametrize(
    "code",
    [
        "import mobicost",
        "import mobicost.cli",
        "from mobicost.cli import main\nmain(['--help'], standalone_mode=False)",
        "from mobicost.cli import main\nmain(['table', '--alpha', '0.5'], standalone_mode=False)",
        "from mobicost.cli import main\nmain(['table', 'shufflenet-v2'], standalone_mode=False)",
        "from mobicost.cli import main\nmain(['table', 'examples/tiny-resnet.toml', '-f', 'csv',"
        " '-o', '/dev/null'], standalone_mode=False)",
        "from mobicost.cli import main\nmain(['nets'], standalone_mode=False)",
    ],
)
def test_numeric_path_stays_light(code):
    loaded = modules_after(code)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


@pytest.mark.parametrize(
    "command", ["formula", "table", "sweep", "compare", "check", "verify", "nets", "spec"]
)
def test_every_command_has_help_with_examples(command):
    from click.testing import CliRunner

    from mobicost.cli import main

    result = CliRunner().invoke(main, [command, "--help"], prog_name="mobicost")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and f"mobicost {command}" in result.stdout
