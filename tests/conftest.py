from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from extras import missing, reason, require

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


# --- optional extras (tests/extras.py) -----------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "requires(*modules): needs these optional extras (tests/extras.py); skipped with the "
        "install command where one is absent, failed instead with MOBICOST_REQUIRE_EXTRAS=1",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test whose extras are absent is skipped, with the install command as its reason (or,
    with MOBICOST_REQUIRE_EXTRAS=1, failed by :func:`~extras.require` when it runs)."""
    if os.environ.get("MOBICOST_REQUIRE_EXTRAS"):
        return
    for item in items:
        absent = missing([m for mark in item.iter_markers("requires") for m in mark.args])
        if absent:
            item.add_marker(pytest.mark.skip(reason=reason(absent)))


@pytest.hookimpl(tryfirst=True)  # before any fixture is set up
def pytest_runtest_setup(item: pytest.Item) -> None:
    if not os.environ.get("MOBICOST_REQUIRE_EXTRAS"):
        return  # skipped at collection
    for mark in item.iter_markers("requires"):
        for module in mark.args:
            require(module)


@pytest.fixture
def one_thread():
    """torch, on one thread: on a busy machine, threads contend for more than they save on one
    image (test_library_classic.py took 30 s on two threads under load, 11 s on one)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)
