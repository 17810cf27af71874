"""Fuzzing the command line: random argument lists for every command, and random spec files,
end in exit 0 or 2 (1 only where the command answers with it), never a traceback, and every
error is one line.

Hypothesis is for the free-form values (numbers, names, lists, ranges, paths) and for options in
any order and combination. Every value of every choice option, in every format, is not left to
chance: test_matrix.py runs them all."""

from __future__ import annotations

import json
import os
import re
import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mobicost.cli import main
from mobicost.cli.params import BUDGET
from mobicost.exact import parse_exact
from mobicost.nets.spec import ATTRIBUTES

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


#: parse_exact reads at most 40 characters (a bound on what a user may make it build): decimals
#: up to 10^20 with 6 places stay well inside it
@given(st.decimals(-(10**20), 10**20, allow_nan=False, allow_infinity=False, places=6))
def test_parse_exact_reads_decimals_exactly(value):
    assert parse_exact(str(value)) == Fraction(value)
    assert parse_exact(f"{value:f}") == Fraction(Decimal(f"{value:f}"))


def test_parse_exact_refuses_what_is_too_long():
    assert parse_exact("1" * 40) == 10**40 // 9
    with pytest.raises(ValueError, match="not an exact decimal"):
        parse_exact("-100000000000000000000000000000000.000000")


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


# --- spec files are untrusted input ---------------------------------------------------------------
# Generated specs (any kind, attribute and value, blocks that use each other, cycles included)
# and the library's specs mutated line by line: each ends in a table (exit 0) or a one-line error
# (exit 2), never a traceback; the limits (mobicost.nets.limits) keep each one small and quick.

LIBRARY = sorted((Path(__file__).parent.parent / "mobicost" / "nets" / "library").glob("*.toml"))
SIZES = [0, 1, 2, 3, 4, 7, 8, 16, 32, 224, -1, 2**24, 2**24 + 1, 2**31, 2**63 - 1]
WORDS = [
    "$in",
    "$in * 2",
    "$c",
    "$n",
    "$block_in",
    "$in_h // 2",
    "$classes",
    "$c if $s == 1 else 2",
    "$in * $in * $in * $in * $in",
    "width($c)",
    "same",
    "valid",
    "relu",
    "hswish",
    "none",
    "max",
    "avg",
    "scale",
    "fixed",
    "in",
    "input",
    "a",
    "0.5",
    "$x",
    "1/0",
    "__import__('os')",
    "9" * 40,
    "-" * 300 + "1",
]
SCALARS = st.one_of(
    st.sampled_from([1, 2, 3, 8, 16, "$in", "$c"]),  # values that build, most of the time
    st.sampled_from(SIZES),
    st.sampled_from(WORDS),
    st.booleans(),
)
VALUES_OR_LISTS = st.one_of(SCALARS, SCALARS, st.lists(SCALARS, max_size=4), st.just({}))
REPEATS = st.sampled_from(
    [0, 1, 2, 3, 100, 10_000, 10_001, 10**8, 2**63 - 1, -1, "$n", "$c * 1000", "1/0"]
)
BLOCK_NAMES = ["a", "b", "c"]


def toml_value(value: object) -> str:
    """``value`` as TOML (strings as JSON writes them, which TOML reads alike)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + ", ".join(pairs) + " }"
    raise TypeError(value)


#: values that build, for the attributes each kind needs
NEEDED = {
    "count": [1, 2, 4, 8, "$in", "$c", "$in * 2"],
    "pair": [1, 3, [3, 1]],
    "mode": ["max", "avg"],
    "index": [0, 1],
    "act": ["relu", "none"],
    # the tensor kinds of imported models
    "function": ["relu", "gelu", "softmax"],
    "norm": ["batch", "layer", "group"],
    "eltwise": ["add", "mul"],
    "reduce": ["mean", "max"],
    "word": ["reshape", "aten.cumsum"],
    "shape": [[1, 8], [1, 8, 32, 24], [1, 4, 16], []],
}


@st.composite
def layer_entries(draw: st.DrawFn) -> dict[str, object]:
    kind = draw(st.sampled_from([*ATTRIBUTES, *ATTRIBUTES, "nope"]))
    entry: dict[str, object] = {"op": kind}
    for key, (parser, default) in ATTRIBUTES.get(kind, {}).items():
        if default is ... and draw(st.integers(0, 9)):  # mostly given, as a spec would
            entry[key] = draw(st.sampled_from(NEEDED[parser]))
    keys = [*ATTRIBUTES.get(kind, {}), "name", "input", "when", "repeat", "nope"]
    for key in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)):
        entry[key] = draw(REPEATS if key == "repeat" else VALUES_OR_LISTS)
    return entry


@st.composite
def block_entries(draw: st.DrawFn) -> dict[str, object]:
    entry: dict[str, object] = {"block": draw(st.sampled_from([*BLOCK_NAMES, "zz"]))}
    how = draw(st.sampled_from(["once", "with", "repeat", "rows"]))
    if how == "with":
        entry["with"] = {"c": draw(SCALARS), "n": draw(REPEATS)}
    elif how == "repeat":
        entry["repeat"] = draw(REPEATS)
    elif how == "rows":
        entry["columns"] = ["c", "n"]
        row = st.lists(st.one_of(SCALARS, REPEATS), min_size=2, max_size=2)
        entry["rows"] = draw(st.lists(row, max_size=3))
    return entry


ENTRIES = st.one_of(layer_entries(), layer_entries(), block_entries())


@st.composite
def spec_texts(draw: st.DrawFn) -> str:
    """A spec file over the whole grammar: any layer kind and attribute, blocks using blocks."""
    hostile = draw(st.integers(0, 9)) == 0
    shape = st.lists(st.sampled_from(SIZES), max_size=4) if hostile else st.just([8, 32, 24])
    lines = ['name = "fuzz"', f"input = {toml_value(draw(shape))}"]
    lines.append(f"layers = {toml_value(draw(st.lists(ENTRIES, min_size=1, max_size=5)))}")
    if draw(st.booleans()):
        head = [{"op": "gap"}, {"op": "fc", "units": draw(SCALARS)}]
        lines.append(f"head = {toml_value(head)}")
    for name in draw(st.lists(st.sampled_from(BLOCK_NAMES), unique=True, max_size=3)):
        lines.append(f"[blocks.{name}]")
        params = draw(st.sampled_from([["c"], ["c", "n"], []]))
        lines.append(f"params = {toml_value(params)}")
        if draw(st.booleans()) and (params or draw(st.integers(0, 9)) == 0):
            lines.append(f"repeat = {toml_value(params[-1] if params else 'n')}")
        lines.append(f"layers = {toml_value(draw(st.lists(ENTRIES, min_size=1, max_size=4)))}")
    return "\n".join(lines) + "\n"


def table_of(text: str) -> None:
    """``mobicost table`` of a spec file holding ``text``: a table or a one-line error."""
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "fuzz.toml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        result = CliRunner().invoke(main, ["table", path], prog_name="mobicost")
    event(f"exit {result.exit_code}")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        text,
        result.exception,
    )
    assert result.exit_code in (0, 2), (text, result.exit_code, result.output)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (text, result.stderr)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec_texts())
def test_generated_specs_never_crash(text):
    table_of(text)


MUTATIONS = ["0", "10001", "100000000", "16777217", "99999999999", "-1", '"$x"', "3.5", "[]"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(LIBRARY), st.data())
def test_mutated_library_specs_never_crash(path, data):
    """Each library spec with a few lines deleted, copied elsewhere, or with a number or a
    character replaced: the mistakes people make editing one."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        at = data.draw(st.integers(0, len(lines) - 1), label="line")
        how = data.draw(st.sampled_from(["delete", "copy", "number", "character"]))
        if how == "delete" and len(lines) > 1:
            del lines[at]
        elif how == "copy":
            lines.insert(at, lines[data.draw(st.integers(0, len(lines) - 1), label="copied")])
        elif how == "number" and re.search(r"\d+", lines[at]):
            number = data.draw(st.sampled_from(list(re.finditer(r"\d+", lines[at]))))
            new = data.draw(st.sampled_from(MUTATIONS), label="number")
            lines[at] = lines[at][: number.start()] + new + lines[at][number.end() :]
        else:
            old = data.draw(st.sampled_from(["=", '"', "[", "$in", "relu", "1", ",", "{"]))
            lines[at] = lines[at].replace(old, data.draw(st.sampled_from(["", "$", "]", "x"])), 1)
    table_of("\n".join(lines) + "\n")
