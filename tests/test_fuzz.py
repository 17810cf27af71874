"""Fuzzing the command line: random argument lists for every command end in exit 0 or 2 (1 only
where the command answers with it), never a traceback, and every error is one line.

Hypothesis is for the free-form values (numbers, names, lists, ranges, paths) and for options in
any order and combination. Every value of every choice option, in every format, is not left to
chance: test_matrix.py runs them all."""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from fractions import Fraction

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mobicost.cli import main
from mobicost.cli.params import BUDGET
from mobicost.exact import parse_exact

VALUES = [
    "0",
    "-1",
    "1",
    "3",
    "14",
    "160",
    "0.5",
    "3/4",
    "1e-1",
    "1e999",
    "nan",
    "inf",
    "-inf",
    "abc",
    "",
    " ",
    "1,,2",
    "0.25:1:0.25",
    "128:224:32",
    "224:128",
    "1:2:0",
    "300M",
    "2.5G",
    "-5M",
    "1.5",
    "99999",
    "__import__('os')",
    "1/0",
    "0x10",
    "١٢",
    "table",
    "json",
    "csv",
    "markdown",
    "latex",
    "xml",
    "macs",
    "flops",
    "none",
    "fc",
    "all",
    "slim",
    "floor",
    "div8",
    "same",
    "valid",
    "MobileNet",
    "0.75-MobileNet-128",
    "MobileNet_v1_0.5_160",
    "Conv-MobileNet",
    "depthwise-separable",
    "grouped",
    "spatial-separable",
    "paper",
    "alpha",
    "top1",
    "/nonexistent/dir/out.csv",
]
OPTIONS = {
    "formula": [
        "--k",
        "--m",
        "--n",
        "--size",
        "--stride",
        "--padding",
        "--groups",
        "--bias",
        "--ratio",
        "--saving",
        "--latex",
    ],
    "table": [
        "--alpha",
        "--res",
        "--rho",
        "--rounding",
        "--unit",
        "--bias",
        "--bn",
        "--classes",
        "--no-head",
        "--pool-adds",
    ],
    "sweep": [
        "--alpha",
        "--res",
        "--rho",
        "--max-macs",
        "--max-flops",
        "--max-params",
        "--pareto",
        "--sort",
        "--top",
        "--architecture",
        "--unit",
        "--bn",
    ],
    "compare": [
        "--models",
        "--k",
        "--m",
        "--n",
        "--size",
        "--groups",
        "--alpha",
        "--res",
        "--rho",
        "--stride",
        "--padding",
    ],
    "check": ["--source", "--mismatches", "--quiet"],
}
COMMON = ["--format", "-f", "--output", "-o", "--help", "--nope"]


@st.composite
def invocations(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(OPTIONS)))
    tokens = st.one_of(st.sampled_from(OPTIONS[command] + COMMON), st.sampled_from(VALUES))
    return [command, *draw(st.lists(tokens, max_size=8))]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invocations())
def test_cli_never_crashes(args):
    runner = CliRunner()
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)  # any --output lands here
        try:
            result = runner.invoke(main, args, prog_name="mobicost")
        finally:
            os.chdir(here)
    event(f"exit {result.exit_code}")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        result.exception,
    )
    allowed = {0, 1, 2} if args[0] == "check" else {0, 2}
    assert result.exit_code in allowed, (args, result.exit_code, result.output)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (args, result.stderr)
        assert result.stdout == ""


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6))
def test_parse_exact_reads_decimals_exactly(value):
    assert parse_exact(str(value)) == Fraction(value)
    assert parse_exact(f"{value:f}") == Fraction(Decimal(f"{value:f}"))


@given(st.integers(1, 10**6), st.sampled_from(["", "k", "K", "M", "G", "T"]))
def test_budget_suffixes(number, suffix):
    scale = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}[suffix]
    assert BUDGET.convert(f"{number}{suffix}", None, None) == number * scale


VERIFY_OPTIONS = [
    "--alpha",
    "--res",
    "--rho",
    "--rounding",
    "--bias",
    "--bn",
    "--classes",
    "--no-head",
    "--quiet",
    "--format",
    "--nope",
]
# small or hostile values only: a valid one must still be a network PyTorch runs in a blink
VERIFY_VALUES = [
    "0",
    "-1",
    "0.25",
    "1/8",
    "32",
    "33",
    "97",
    "1e999",
    "nan",
    "abc",
    "",
    "99999",
    "0.0001",
    "slim",
    "div8",
    "all",
    "fc",
    "json",
    "csv",
    "0.25-MobileNet-128",
    "Shallow-MobileNet-33",
    "MobileNet-v7",
]


@pytest.mark.requires("torch")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(st.sampled_from(VERIFY_OPTIONS), st.sampled_from(VERIFY_VALUES)), max_size=6)
)
def test_verify_never_crashes(tokens):
    result = CliRunner().invoke(main, ["verify", *tokens], prog_name="mobicost")
    event(f"exit {result.exit_code}")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        tokens,
        result.exception,
    )
    assert result.exit_code in (0, 2), (tokens, result.exit_code, result.output)
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (tokens, result.stderr)
