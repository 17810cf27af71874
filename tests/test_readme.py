"""The README's examples are run and compared, so the docs cannot drift from the program.

A block written as

    <!-- output: mobicost table --alpha 0.5 --res 160 -->
    ```
    ...
    ```

must hold exactly what that command prints. MOBICOST_UPDATE_README=1 rewrites the blocks.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from extras import marks_for

from mobicost.cli import main

README = Path(__file__).parent.parent / "README.md"
BLOCK = re.compile(r"(<!-- output: (?P<command>.+?) -->\n```\n)(?P<output>.*?)(```)", re.DOTALL)


def run(command: str) -> tuple[int, str]:
    args = shlex.split(command)
    assert args[0] == "mobicost"
    if any(arg.startswith("torchvision:") for arg in args):
        from torchvision_models import models

        models()  # its model definitions, where its compiled ops cannot load (see there)
    result = CliRunner().invoke(main, args[1:], prog_name="mobicost", catch_exceptions=False)
    return result.exit_code, "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"


def blocks() -> list[tuple[str, str]]:
    return [(m["command"], m["output"]) for m in BLOCK.finditer(README.read_text())]


def test_readme_has_an_example_of_every_command():
    commands = {shlex.split(command)[1] for command, _ in blocks()}
    assert commands == {
        "table", "formula", "sweep", "compare", "check", "verify", "nets", "latency"
    }  # fmt: skip
    # measured (profile, calibrate), drawn (plot) and binary (export) output is shown, not pinned
    shown_only = ("spec ", "profile", "calibrate", "plot", "export")
    for shown in (f"mobicost {command}" for command in shown_only):
        assert shown in README.read_text(), shown


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        pytest.param(command, shown, marks=marks_for(shlex.split(command)[1:]), id=command)
        for command, shown in blocks()
    ],
)
def test_readme_output_is_real(command, shown):
    code, printed = run(command)
    if os.environ.get("MOBICOST_UPDATE_README"):
        text = README.read_text()
        README.write_text(
            text.replace(
                f"<!-- output: {command} -->\n```\n{shown}```",
                f"<!-- output: {command} -->\n```\n{printed}```",
            )
        )
        return
    assert code in (0, 1)
    assert printed == shown


SHELL = re.compile(r"<!-- shell: (?P<command>.+?) -->\n```\n(?P<output>.*?)```", re.DOTALL)


@pytest.mark.skipif(shutil.which("jq") is None, reason="needs jq (the README's JSON examples)")
@pytest.mark.parametrize(
    ("command", "shown"),
    [(m["command"], m["output"]) for m in SHELL.finditer(README.read_text())],
)
def test_readme_shell_pipelines_are_real(command, shown):
    """A ``<!-- shell: mobicost ... | jq ... -->`` block holds what that pipeline prints."""
    assert command.startswith("mobicost ")
    pipeline = f"{shlex.quote(sys.executable)} -m {command}"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", pipeline], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown


def test_quickstart_is_two_commands():
    quick = README.read_text().split("<!-- quickstart -->")[1].split("<!-- /quickstart -->")[0]
    lines = [line for line in quick.splitlines() if line and not line.startswith("```")]
    assert lines == ["pip install -e '.[test]' && mobicost table --alpha 0.5 --res 160", "pytest"]


def test_the_example_spec_is_the_docs_worked_example():
    docs = (README.parent / "docs" / "specs.md").read_text()
    example = (README.parent / "examples" / "tiny-resnet.toml").read_text()
    worked = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    assert example.endswith(worked)


def test_readme_python_examples():
    import doctest

    failures, tried = doctest.testfile(
        str(README), module_relative=False, optionflags=doctest.ELLIPSIS
    )
    assert tried >= 15 and failures == 0
