from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mobicost.cli import main


class Run:
    """Invoke the CLI in-process; ``run("formula", "--k", "3")``."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, env: dict[str, str] | None = None):
        result = self.runner.invoke(
            main, list(args), env=env, catch_exceptions=False, prog_name="mobicost"
        )
        assert result.exit_code == code, (result.exit_code, result.output)
        return result

    def json(self, *args: str):
        return json.loads(self(*args, "--format", "json").stdout)

    def error(self, *args: str) -> str:
        """A bad invocation: exit 2, one line on stderr, no traceback, nothing on stdout."""
        result = self(*args, code=2)
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("Error: ") and "Traceback" not in result.stderr
        return lines[0]


@pytest.fixture
def run() -> Run:
    return Run()
