"""Every command x every value of every choice it takes x every format ends in its exit status
(0; ``check`` answers 0 or 1), never an exception.

The options and their values are read from the click commands themselves, so a new option, a new
value or a new command is in the matrix on the next run: a missing branch is a red test here, not
a user's traceback. Free-form values (numbers, names, lists) are fuzzed in test_fuzz.py.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, get_args

import click
import pytest
from click.testing import CliRunner
from extras import marks_for
from rich.box import HEAVY_HEAD

from mobicost.cli import main
from mobicost.cost import conventions
from mobicost.nets.spec import ROUNDING_NOTES, ROUNDINGS
from mobicost.render import formats as render
from mobicost.render.formats import ASCII_SYMBOLS, Report, Shown, records, to_frame

#: a tiny PyTorch model (convolution, batch norm, a residual add, pooling, a classifier), the
#: FILE.py:CALLABLE form of an imported model, for every command that takes a network: written
#: to the same temporary path at every collection, so that the cases' names do not change
TINY_SOURCE = """
import torch

class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.pointwise = torch.nn.Conv2d(8, 8, 1)
        self.fc = torch.nn.Linear(8, 10)

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x)))
        return self.fc((y + self.pointwise(y)).mean((2, 3)))

def build():
    return Tiny()
"""
TINY_PATH = Path(tempfile.gettempdir()) / "mobicost-test-matrix" / "tiny.py"
TINY_PATH.parent.mkdir(exist_ok=True)
if not TINY_PATH.exists() or TINY_PATH.read_text() != TINY_SOURCE:
    TINY_PATH.write_text(TINY_SOURCE)
TINY = [f"{TINY_PATH}:build", "--input", "3x8x8"]

#: a valid invocation of each command to vary (small networks, so that verify runs in a blink),
#: with the options that select another mode of it and so are not varied on top of it (an
#: imported model has no channels to round: --rounding is refused for it)
BASES: dict[str, list[tuple[list[str], set[str]]]] = {
    "table": [
        ([], set()),
        (["mobilenet-v3-small", "--res", "96"], set()),
        (TINY, {"--rounding"}),
        ([*TINY, "--depth", "1"], {"*"}),  # its layers by module: every format
    ],
    "sweep": [
        ([], set()),
        (["shufflenet-v1", "--groups", "8", "--res", "128"], set()),
        ([*TINY, "--res", "6,8"], {"--rounding"}),
    ],
    "compare": [
        (["--models"], set()),
        # a layer has no channels to round: --rounding is for --models
        (["--k", "3", "--m", "8", "--n", "16", "--size", "8", "--groups", "2"], {"--rounding"}),
        ([*TINY, "mobilenet-v1@0.25:32"], set()),
    ],
    "check": [([], set())],  # an imported model publishes nothing: refused (test_import_commands)
    "verify": [
        (["--alpha", "0.25", "--res", "32"], set()),
        (["mobilenet-v3-small", "--res", "32"], {"*"}),  # a graph in PyTorch: every format
        (TINY, {"*"}),  # the user's own module under FlopCounterMode
    ],
    "nets": [([], set())],
    "latency": [
        ([], set()),
        (["resnet-18", "--device", "cpu", "--batch", "8"], {"*"}),
        (TINY, {"--rounding"}),
    ],
    # measured, not costed: one repeat on a tiny net, every format (calibrate measures the
    # machine for seconds: tests/test_profile_cli.py runs it on small sizes)
    "profile": [
        (["--alpha", "0.25", "--res", "32", "--repeats", "1", "--device", "cpu"], {"*"}),
        (["mobilenet-v2", "--res", "32", "--repeats", "2", "--runtime", "onnxruntime"], {"*"}),
        ([*TINY, "--repeats", "1", "--device", "cpu"], {"*"}),  # the user's module, op by op
    ],
    "calibrate": [],
    # writes a binary file, not a report: tests/test_export.py
    "export": [],
    # a figure, not a report: tests/test_plot.py renders every kind and checks the images
    "plot": [],
    "spec": [(["mobilenet-v1"], set())],
    "formula": [
        ([], set()),
        (["--k", "3", "--m", "8", "--n", "16", "--size", "8"], {"--ratio"}),
    ],
}
#: flags that switch a command to another mode rather than vary it: covered by BASES (compare
#: --models), by the format loop (formula --latex is --format latex, tested with the formula
#: command) or by their own tests (verify --all costs 74 networks: test_verify.py)
MODE_FLAGS = {"--models", "--latex", "--all"}


def variations(command: click.Command, skip: set[str]) -> Iterator[tuple[str, ...]]:
    """The defaults, then every value of every choice option and every side of every flag
    (only the defaults where ``skip`` holds "*")."""
    yield ()
    if "*" in skip:
        return
    for param in command.params:
        if not isinstance(param, click.Option) or param.name == "fmt":
            continue
        name = param.opts[0]
        if name in skip or name in MODE_FLAGS:
            continue
        if isinstance(param.type, click.Choice):
            for value in param.type.choices:
                yield (name, str(value))
        elif param.is_flag:
            yield (name,)
            yield from ((flag,) for flag in param.secondary_opts)


def commands() -> dict[str, click.Command]:
    with click.Context(main) as ctx:
        found = {name: main.get_command(ctx, name) for name in main.list_commands(ctx)}
    return {name: command for name, command in found.items() if command is not None}


def cases() -> Iterator[object]:
    for name, command in sorted(commands().items()):
        formats = next(
            (p.type.choices for p in command.params if p.name == "fmt"), (None,)
        )  # every format the command offers (Parquet: table and sweep)
        for base, skip in BASES.get(name, [([], set())]):
            for variation in variations(command, skip):
                for fmt in formats:
                    if "--exact" in variation and fmt != "json":
                        continue  # JSON's alone: test_exact_is_for_json
                    args = [name, *base, *variation, *(["--format", fmt] if fmt else [])]
                    yield pytest.param(args, marks=marks_for(args), id=" ".join(args))


def test_every_command_has_a_base():
    assert set(BASES) == set(commands())


#: every character outside ASCII that mobicost may print has an ASCII spelling (render.py), or
#: is one of rich's box characters (which rich draws in ASCII itself when asked)
SPELLED = set(ASCII_SYMBOLS) | set("⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
BOX = set(str(HEAVY_HEAD))


def invoke(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[Report]]:
    """Run ``mobicost ARGS``; its result, and the reports it emitted."""
    import importlib

    from mobicost.cli import common

    reports: list[Report] = []
    emit = common.emit
    for module in set(main.LAZY.values()):
        monkeypatch.setattr(
            importlib.import_module(f"mobicost.cli.{module}"),
            "emit",
            lambda *given: (reports.append(given[0]), emit(*given))[1],
            raising=False,  # a command that writes no report (plot) has no emit
        )
    return CliRunner().invoke(main, args, prog_name="mobicost"), reports


@pytest.mark.parametrize("args", list(cases()))
def test_every_choice_in_every_format(args, monkeypatch):
    result, reports = invoke(args, monkeypatch)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception,
        result.output,
    )
    assert result.exit_code in ((0, 1) if args[0] == "check" else (0,)), result.output
    assert "Traceback" not in result.output
    fmt = args[-1]
    if fmt == "parquet":
        assert_parquet_is_the_csv(result.stdout_bytes, reports[0])
        return
    unspelled = {c for c in result.stdout if not c.isascii()} - SPELLED
    assert not unspelled - (BOX if fmt == "table" else set()), unspelled
    if fmt == "csv" and reports:
        assert_csv_is_plain(result.stdout_bytes, reports[0])
    if fmt == "json" and reports:
        assert_json_is_numbers(json.loads(result.stdout), reports[0])
    if fmt == "table" and reports:
        for ascii in (False, True):  # mobicost draws what rich would, without loading rich
            drawn = render._draw(reports[0], ascii=ascii)
            assert drawn is not None and drawn == render._rich_draw(reports[0], ascii=ascii)
        assert_terminal_is_riches(reports[0], 200, styled=True)  # the bench's terminal


def assert_terminal_is_riches(
    report: Report, width: int, *, styled: bool, ascii: bool = False
) -> None:
    """On a terminal, what mobicost draws (bold title, header and totals, dim notes wrapped at
    words) is rich's output byte for byte; where the table is wider than the terminal, rich
    draws it (and shrinks its columns)."""
    drawn = render._draw(report, ascii=ascii, width=width, styled=styled)
    rich = render._rich_draw(report, ascii=ascii, width=width, styled=styled)
    assert drawn is None or drawn == rich, (width, styled, ascii)
    assert render.terminal_text(report, width, ascii=ascii, styled=styled) == rich


#: every command that prints a report (spec prints a spec file)
REPORTING = sorted(c for c in BASES if BASES[c] and c != "spec")


@pytest.mark.parametrize(
    "command", [pytest.param(c, marks=marks_for([c, *BASES[c][0][0]])) for c in REPORTING]
)
@pytest.mark.parametrize("width", [60, 200, 320])  # shrunk by rich; the bench's; notes unwrapped
def test_a_terminal_table_is_riches(command, width, monkeypatch):
    result, reports = invoke([command, *BASES[command][0][0]], monkeypatch)
    assert result.exit_code in (0, 1) and reports, result.output
    for report in reports:
        for styled in (False, True):
            for ascii in (False, True):
                assert_terminal_is_riches(report, width, styled=styled, ascii=ascii)


def assert_csv_is_plain(out: bytes, report: Report) -> None:
    """Plain RFC 4180 in ASCII that pandas.read_csv reads, with no arguments, into the report's
    frame: every count an int64."""
    import pandas

    text = out.decode("ascii")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    frame = pandas.read_csv(io.StringIO(text))
    assert list(frame.columns) == list(records(report)[0]) if report.rows else True
    if report.rows:
        for column in report.machine_columns:
            if column.kind in ("count", "int"):
                assert str(frame[column.key].dtype) == "int64", column.key
        pandas.testing.assert_frame_equal(frame, to_frame(report))


#: a string that is a number in disguise: an integer, a decimal, a fraction, digit-grouped, in
#: scientific notation, with or without a unit sign (``"3/4"``, ``"15,470,264,320"``, ``"7.890x"``)
NUMBER_TEXT = re.compile(r"[~+-]?(\d{1,3}(,\d{3})+|\d*\.?\d+)(e[+-]?\d+)?(/\d+)?[x%]?", re.I)
#: text fields that hold a quote, not a quantity: check's ``printed`` is the source's characters
#: as printed (its precision is in them: "52.3" is not "52.30"); ``printed_value`` is the number
QUOTED = {"printed"}


def text_fields(report: Report) -> set[str]:
    """The keys whose strings are not quantities: expressions (formula columns, which sympy
    reads back; a constant one is ``"0"``) and quotes."""
    keys = {c.key for c in report.columns if c.kind == "formula"} | QUOTED
    for section in report.sections:
        keys |= text_fields(section)
    return keys


def disguised_numbers(node: object, exempt: set[str], path: str = "") -> Iterator[str]:
    """Every string in a JSON document that parses as a number, outside ``exempt`` keys."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in exempt:
                yield from disguised_numbers(value, exempt, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from disguised_numbers(value, exempt, f"{path}[{index}]")
    elif isinstance(node, str) and NUMBER_TEXT.fullmatch(node.strip()):
        yield f"{path} = {node!r}"


def assert_json_is_numbers(data: dict[str, Any], report: Report) -> None:
    """Every quantity of a JSON document is a JSON number: no string anywhere in it (rows,
    totals, metadata, sections) reads as a number, a fraction or a digit-grouped count."""
    found = list(disguised_numbers(data, text_fields(report)))
    assert not found, found[:10]


def test_the_number_detector_detects():
    exempt = {"closed_form"}
    data = {
        "a": "3/4",
        "b": ["15,470,264,320", "7.890x", "95.2%", "1e-06", "text", "8 to 9x", "224x224"],
        "c": {"d": "0.75", "e": 0.75},
        "closed_form": "1",
    }
    assert [hit.split(" = ")[0] for hit in disguised_numbers(data, exempt)] == [
        ".a",
        ".b[0]",
        ".b[1]",
        ".b[2]",
        ".b[3]",
        ".c.d",
    ]


def test_exact_is_for_json(run):
    for fmt in ("table", "csv", "markdown", "latex"):
        assert run.error("table", "--exact", "-f", fmt) == (
            "Error: --exact writes JSON's fractions as {num, den} objects: use it with --format "
            "json (the table, Markdown and LaTeX show exact values already; CSV carries floats) "
            "(see 'mobicost table --help')"
        )


def exact_cells(report: Report) -> Iterator[tuple[str, int, str, Fraction]]:
    """Every exact non-integer quantity of a report: (section, row, key, value)."""
    for index, row in enumerate(report.rows):
        for column in report.machine_columns:
            value = row.get(column.key)
            if isinstance(value, Shown):
                value = value.value
            if isinstance(value, Fraction) and value.denominator != 1:
                yield report.key, index, column.key, value
    for section in report.sections:
        yield from exact_cells(section)


@pytest.mark.parametrize(
    "command", [pytest.param(c, marks=marks_for([c, *BASES[c][0][0]])) for c in REPORTING]
)
def test_exact_json_round_trips_every_fraction(command, monkeypatch):
    """``--exact`` writes each fraction as {"num", "den"}: read back, it is the report's exact
    value; without it, the same place holds that value as a float."""
    base = [command, *BASES[command][0][0], "--format", "json"]
    result, reports = invoke([*base, "--exact"], monkeypatch)
    assert result.exit_code in (0, 1) and reports, result.output
    # the same report without --exact (not a second run: profile measures anew each time)
    exact, floats = json.loads(result.stdout), json.loads(render.to_json(reports[0]))
    for section, index, key, value in exact_cells(reports[0]):
        where, plain_where = (exact, floats) if not section else (exact[section], floats[section])
        read = where["rows"][index][key]
        assert read == {"num": value.numerator, "den": value.denominator}
        assert Fraction(read["num"], read["den"]) == value
        assert plain_where["rows"][index][key] == float(value)


def assert_parquet_is_the_csv(out: bytes, report: Report) -> None:
    """A Parquet file that pandas reads into what it reads from the CSV: the same columns,
    the same values, the same types (counts int64)."""
    import pandas

    assert out[:4] == b"PAR1" and out[-4:] == b"PAR1"
    frame = pandas.read_parquet(io.BytesIO(out))
    csv = pandas.read_csv(io.StringIO(render.to_csv(report)))
    pandas.testing.assert_frame_equal(frame, csv, check_exact=True)
    for column in report.machine_columns:
        if column.kind in ("count", "int") and report.rows:
            assert str(frame[column.key].dtype) == "int64", column.key


@pytest.mark.parametrize(
    ("values", "words"),
    [
        (get_args(conventions.Unit), conventions.UNIT_NOTES),
        (get_args(conventions.BiasPolicy), conventions.BIAS_NOTES),
        (get_args(conventions.BNPolicy), conventions.BN_POLICY),
        (ROUNDINGS, ROUNDING_NOTES),
    ],
)
def test_every_policy_value_has_words(values, words):
    assert tuple(words) == values
    assert all(words.values())


def test_every_combination_of_conventions_states_itself():
    for unit in conventions.UNITS:
        for bias in conventions.BIAS_POLICIES:
            for bn in conventions.BN_POLICIES:
                for head in (True, False):
                    for pool_adds in (True, False):
                        chosen = conventions.Conventions(
                            unit=unit, bias=bias, bn=bn, head=head, pool_adds=pool_adds
                        )
                        assert len(chosen.notes()) == 3


# --- option order --------------------------------------------------------------------------------

#: command lines whose order is varied: each network-taking command's bases, and a network's own
#: options and the convention options given where click cannot tell them from a network's name
ORDERED = [
    *(
        [name, *base]
        for name, bases in sorted(BASES.items())
        for base, _ in bases
        if name not in ("verify", "profile", "formula", "spec", "nets")
    ),
    ["compare", "--models", "--rounding", "div8"],
    ["compare", "--models", "mobilenet-v1@0.5", "--rounding", "div8", "--bias", "fc"],
    ["compare", "--models", "shufflenet-v1", "--groups=8", "mobilenet-v2", "--bn", "all"],
    ["table", "shufflenet-v1", "--groups", "8", "--alpha", "0.5", "--bias", "fc"],
    ["table", "shufflenet-v2", "--variant", "megvii", "--res", "160", "-f", "csv"],
    ["sweep", "shufflenet-v1", "--groups", "3", "--alpha", "0.5,1.0", "--rounding", "slim"],
    ["latency", "shufflenet-v1", "--groups", "4", "--device", "cpu", "--batch", "2"],
    ["verify", "shufflenet-v1", "--groups", "2", "--res", "32", "--bias", "fc"],
]


def units(args: list[str]) -> list[list[str]]:
    """A command line's words after the command, as units that keep their meaning wherever they
    stand: a positional word, or an option with its values (a network's own options, unknown
    to click, take one)."""
    command = commands()[args[0]]
    takes = {
        opt: 0 if param.is_flag else param.nargs
        for param in command.params
        if isinstance(param, click.Option)
        for opt in (*param.opts, *param.secondary_opts)
    }
    found, items = [], list(args[1:])
    while items:
        item = items.pop(0)
        if not item.startswith("-"):
            found.append([item])
            continue
        count = 0 if "=" in item else takes.get(item, 1)
        found.append([item, *items[:count]])
        del items[:count]
    return found


def orders(args: list[str]) -> dict[str, list[str]]:
    """The same command line with its options before, after and among its positional words
    (which keep their order: the first network is the reference)."""
    parts = units(args)
    named = [u for u in parts if u[0].startswith("-")]
    plain = [u for u in parts if not u[0].startswith("-")]
    flat = lambda groups: [args[0], *(word for unit in groups for word in unit)]  # noqa: E731
    found = {
        "options first": flat(named + plain),
        "options last": flat(plain + named),
        "options reversed": flat(plain + named[::-1]),
    }
    if len(plain) > 1:
        found["options between"] = flat(plain[:1] + named + plain[1:])
    return found


@pytest.mark.parametrize(
    "args", [pytest.param(args, marks=marks_for(args), id=" ".join(args)) for args in ORDERED]
)
def test_options_in_any_order(args):
    """Every command that takes networks reads its options, and the networks' own, before,
    between or after the network names, as click users write them (`compare --models
    --rounding div8` once read '--rounding' as a network)."""
    expected = CliRunner().invoke(main, args, prog_name="mobicost")
    assert expected.exit_code in ((0, 1) if args[0] == "check" else (0,)), expected.output
    for how, reordered in orders(args).items():
        result = CliRunner().invoke(main, reordered, prog_name="mobicost")
        assert (result.exit_code, result.stdout) == (expected.exit_code, expected.stdout), (
            how,
            reordered,
            result.output,
        )


def test_a_networks_option_cannot_swallow_the_commands():
    """An option's value is never one of the command's own options: the error names the option
    that lacks it."""
    runner = CliRunner()
    result = runner.invoke(main, ["table", "shufflenet-v1", "--groups", "-f", "csv"])
    assert result.exit_code == 2 and "--groups needs a value" in result.stderr
    result = runner.invoke(main, ["table", "--bogus", "-f", "csv"])
    assert result.exit_code == 2 and "no such option --bogus" in result.stderr
    result = runner.invoke(
        main,
        ["compare", "--rounding", "div8", *["--k", "3", "--m", "8", "--n", "8", "--size", "8"]],
    )
    assert result.exit_code == 2 and "--rounding rounds a network's channels" in result.stderr
