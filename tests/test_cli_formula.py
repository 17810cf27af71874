"""``mobicost formula``: every mode, every format, every error."""

from __future__ import annotations

import csv
import io

import pytest
from sympy.parsing.sympy_parser import parse_expr

from mobicost import __version__
from mobicost.cost.symbols import D_K, N, namespace
from mobicost.cost.variants import VARIANTS


def test_version(run):
    assert run("--version").stdout.strip() == f"mobicost, version {__version__}"


def test_listing_shows_every_variant(run):
    out = run("formula").stdout
    for name in VARIANTS:
        assert name in out
    assert "D_F²·D_K²·M·N" in out
    assert "MACs: multiply-accumulates" in out


def test_listing_json_is_parseable(run):
    data = run.json("formula")
    rows = {row["variant"]: row for row in data["rows"]}
    assert set(rows) == set(VARIANTS)
    ns = namespace()
    assert parse_expr(rows["depthwise-separable"]["macs"], local_dict=ns) == parse_expr(
        "D_K**2*M*D_F**2 + M*N*D_F**2", local_dict=ns
    )
    assert data["padding"] == "same" and data["bias"] is False


def test_listing_valid_padding_and_bias(run):
    data = run.json("formula", "spatial-separable", "--padding", "valid", "--bias")
    [row] = data["rows"]
    ns = namespace()
    assert parse_expr(row["macs"], local_dict=ns).equals(
        parse_expr("D_K*M*M*D_F*(D_F + D_K - 1) + D_K*M*N*D_F**2", local_dict=ns)
    )
    assert parse_expr(row["params"], local_dict=ns).equals(
        parse_expr("D_K*M*M + D_K*M*N + M + N", local_dict=ns)
    )


def test_latex_flag(run):
    out = run("formula", "--latex").stdout
    assert r"\begin{tabular}" in out and r"$D_{F}^{2} D_{K}^{2} M N$" in out
    assert run("formula", "--latex", "--format", "latex").stdout == out


def test_evaluate_table_3(run):
    shape = ("--k", "3", "--m", "512", "--n", "512", "--size", "14")
    data = run.json("formula", "depthwise-separable", *shape)
    exact = run.json("formula", "depthwise-separable", *shape, "--exact")
    rows = {(r["variant"], r["pass"]): r for r in data["rows"]}
    assert rows["standard", "standard 3x3"]["macs"] == 462_422_016
    assert rows["standard", "standard 3x3"]["params"] == 2_359_296
    assert rows["depthwise-separable", "total"]["macs"] == 52_283_392
    assert rows["depthwise-separable", "total"]["params"] == 266_752
    assert rows["depthwise-separable", "total"]["macs_ratio"] == 521 / 4608  # 1/512 + 1/9
    exact_rows = {(r["variant"], r["pass"]): r for r in exact["rows"]}
    assert exact_rows["depthwise-separable", "total"]["macs_ratio"] == {"num": 521, "den": 4608}
    assert exact_rows["standard", "standard 3x3"]["macs"] == 462_422_016  # integers stay so
    assert rows["depthwise-separable", "depthwise 3x3"]["macs_formula"] == "D_F**2*D_K**2*M"
    assert data["shape"]["output_size"] == 14


def test_evaluate_human_table_shows_exact_and_humanised(run):
    out = run(
        "formula", "depthwise-separable", "--k", "3", "--m", "512", "--n", "512", "--size", "14"
    ).stdout
    assert "462,422,016 (462M)" in out and "52,283,392 (52.3M)" in out
    assert "2,359,296 (2.36M)" in out and "266,752 (267K)" in out
    assert "0.113 (1/8.84)" in out


def test_evaluate_all_variants_with_groups_and_stride(run):
    data = run.json(
        "formula",
        "--k",
        "3",
        "--m",
        "32",
        "--n",
        "64",
        "--size",
        "15",
        "--stride",
        "2",
        "--groups",
        "4",
    )
    totals = {}
    for row in data["rows"]:
        totals[row["variant"]] = row  # the last row of a variant is its total
    assert data["shape"]["output_size"] == 8
    assert totals["standard"]["macs"] == 9 * 32 * 64 * 64
    assert totals["grouped"]["macs"] == 9 * 8 * 64 * 64
    # spatially separable, stride 2: 3x1 pass over 8 x 15, then 1x3 over 8 x 8
    assert totals["spatial-separable"]["macs"] == 3 * 32 * 32 * 8 * 15 + 3 * 32 * 64 * 64
    assert "D_in" in totals["spatial-separable"]["macs_formula"]


def test_evaluate_seed_003_valid_padding(run):
    data = run.json(
        "formula",
        "spatial-separable",
        "--k",
        "3",
        "--m",
        "1",
        "--n",
        "1",
        "--size",
        "10",
        "--padding",
        "valid",
    )
    rows = {r["variant"]: r for r in data["rows"]}
    assert rows["standard"]["macs"] == 8 * 8 * 9
    assert rows["spatial-separable"]["macs"] == (2 * 10 - 2) * (10 - 2) * 3
    assert rows["spatial-separable"]["macs_ratio"] == 0.75


def test_ratio_depthwise_separable(run):
    data = run.json("formula", "--ratio", "depthwise-separable")
    steps = {r["key"]: r["expr"] for r in data["rows"]}
    assert steps["macs_ratio"] == "1/N + 1/D_K**2"
    assert parse_expr(steps["macs_ratio"], local_dict=namespace()) == 1 / N + 1 / D_K**2
    assert steps["crossover"] == "N >= 72"
    text = run("formula", "--ratio", "depthwise-separable").stdout
    assert "1/N + 1/D_K²" in text and "N ≥ 72" in text


def test_ratio_crossover_for_another_kernel_and_saving(run):
    data = run.json("formula", "--ratio", "depthwise-separable", "--k", "5", "--saving", "20")
    assert {r["key"]: r["expr"] for r in data["rows"]}["crossover"] == "N >= 100"


@pytest.mark.parametrize(
    ("name", "key", "expr"),
    [
        ("spatial-separable", "seed_limit", "2/D_K"),
        ("spatial-separable", "limit", "(M + N)/(D_K*N)"),
        ("grouped", "macs_ratio", "1/g"),
        ("width-multiplier", "pointwise", "alpha**2"),
        ("resolution-multiplier", "depthwise-separable", "rho**2"),
    ],
)
def test_ratio_derivations(run, name, key, expr):
    data = run.json("formula", "--ratio", name)
    assert {r["key"]: r["expr"] for r in data["rows"]}[key] == expr


def test_csv_and_markdown(run):
    out = run(
        "formula", "--k", "3", "--m", "512", "--n", "512", "--size", "14", "--format", "csv"
    ).stdout
    body = "\n".join(line for line in out.splitlines() if not line.startswith("#"))
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[0]["variant"] == "standard" and rows[0]["macs"] == "462422016"
    md = run("formula", "--format", "markdown").stdout
    assert md.startswith("### Cost formulas") and "| standard | D_F²·D_K²·M·N |" in md


def test_output_file_is_written(run, tmp_path):
    target = tmp_path / "formulas.json"
    result = run("formula", "--format", "json", "--output", str(target))
    assert result.stdout == ""
    assert '"variant": "standard"' in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["formulas.json"]  # no temporary left over


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["--k", "0", "--m", "1", "--n", "1", "--size", "1"],
            "'--k': expected a positive whole number",
        ),
        (["--size", "-3"], "'--size': expected a positive whole number"),
        (["--m", "1.5"], "got '1.5'"),
        (["--n", "abc"], "got 'abc'"),
        (["--stride", "0"], "'--stride'"),
        (["--k", "3", "--m", "4"], "missing --n, --size"),
        (
            ["--k", "5", "--m", "4", "--n", "4", "--size", "3", "--padding", "valid"],
            "a 5x5 kernel does not fit a 3x3 input",
        ),
        (["dilated"], "'dilated' is not a variant; choose from: standard, grouped"),
        (["grouped", "--k", "3", "--m", "4", "--n", "4", "--size", "8"], "needs --groups"),
        (
            ["grouped", "--k", "3", "--m", "6", "--n", "6", "--size", "8", "--groups", "4"],
            "6 channels cannot be split into 4 equal groups",
        ),
        (["--ratio", "depthwise-separable", "--m", "4"], "--ratio derives symbolically"),
        (["--ratio", "nope"], "'nope' is not one of"),
        (["--saving", "nan", "--ratio", "grouped"], "expected a positive decimal"),
        (["--saving", "0", "--ratio", "grouped"], "must be greater than zero"),
        (["--latex", "--format", "json"], "--latex conflicts with --format json"),
        (["--groups", "2"], "need numbers to evaluate"),
        (["--format", "xml"], "'xml' is not one of"),
    ],
)
def test_bad_input_is_one_line_exit_2(run, args, fragment):
    assert fragment in run.error("formula", *args)


def test_unwritable_output_leaves_nothing(run, tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "out.csv"
    assert "does not exist" in run.error("formula", "-f", "csv", "-o", str(missing))
    assert "is a directory" in run.error("formula", "-f", "csv", "-o", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_ratio_choices_are_the_derivations():
    from mobicost.cli.formula import formula
    from mobicost.cost.derive import DERIVATIONS

    [option] = [p for p in formula.params if p.name == "ratio"]
    assert list(option.type.choices) == list(DERIVATIONS)
