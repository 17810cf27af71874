"""Big sweeps exported as columns: the columnar writers (render/columns.py) write the very bytes
the row-by-row renderers write; Parquet holds what the CSV holds; output streams stay bounded."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
from fractions import Fraction

import pytest

from mobicost.analysis.sweep import sweep
from mobicost.nets.network import mobilenet_v1
from mobicost.render import formats
from mobicost.render.columns import CHUNK, Columnar
from mobicost.render.reports import sweep_report

#: sweeps that reach every kind of column: widths written as fractions, published top-1 from
#: two sources, a network's own option, FLOPs, int8 weights, impossible widths skipped, a
#: width-less network, and counts past int64 (Python integers)
SWEEPS = {
    "fractions": ([Fraction(1, 3), "0.35", "1"], [97, 224], {"rounding": "div8"}),
    "paper": (None, None, {}),
    "flops-int8": (["0.5", "1"], [128, 224], {"unit_flops": True}),
    "shufflenet": (None, [128, 224], {"network": "shufflenet-v1", "options": {"groups": "8"}}),
    "skipped": (["0.01", "0.5"], [1, 2, 224], {}),
    "no-width": (None, [96, 224], {"network": "resnet-18"}),
    "past-int64": (["5000"], [40_000], {}),
}


def report_of(name: str, **extra):
    from mobicost.cost.conventions import Conventions
    from mobicost.nets.memory import Workload

    alphas, resolutions, options = SWEEPS[name]
    options = dict(options)
    if options.pop("unit_flops", False):
        options["conventions"] = Conventions(unit="flops")
        options["workload"] = Workload(weights="int8")
    return sweep_report(sweep(alphas, resolutions, **options), **extra)


@pytest.mark.parametrize("name", SWEEPS)
def test_columns_write_what_rows_write(name):
    """Every format, byte for byte: the report with its rows as columns, and the same rows
    made one by one into mappings (the renderers' ordinary path)."""
    import pandas

    report = report_of(name)
    assert isinstance(report.rows, Columnar)
    rows = dataclasses.replace(report, rows=tuple(report.rows))
    for fmt in ("csv", "json", "table", "markdown", "latex"):
        assert formats.render_text(report, fmt) == formats.render_text(rows, fmt), fmt
    assert formats.to_json(report, exact=True) == formats.to_json(rows, exact=True)
    assert formats.to_json(report, ascii=True) == formats.to_json(rows, ascii=True)
    pandas.testing.assert_frame_equal(formats.to_frame(report), formats.to_frame(rows))


def test_chunks_join_seamlessly():
    """A sweep of more rows than a chunk: CSV and JSON come in several chunks, which join into
    one document whose rows are all there, in order."""
    result = sweep([Fraction(k, 1000) for k in range(100, 1001, 3)], list(range(32, 512)))
    assert len(result) > 2 * CHUNK
    report = sweep_report(result)
    chunks = list(formats.csv_chunks(report))
    assert len(chunks) == 1 + -(-len(result) // CHUNK)  # the header, then each chunk
    lines = b"".join(chunks).decode("ascii").split("\r\n")
    assert len(lines) == len(result) + 2 and lines[-1] == ""
    data = json.loads(b"".join(formats.json_chunks(report)))
    assert len(data["rows"]) == len(result)
    last = result.points[-1]
    assert data["rows"][-1]["model"] == last.name and data["rows"][-1]["macs"] == last.macs
    assert lines[-2].split(",")[-4] == str(last.weight_bytes)


def test_a_columnar_slice_is_the_rows_it_names():
    report = report_of("paper")
    rows = list(report.rows)
    assert list(report.rows[3:7]) == rows[3:7] and report.rows[-1] == rows[-1]
    assert report.rows[::5] == tuple(rows[::5])
    with pytest.raises(IndexError):
        report.rows[len(rows)]


def test_the_table_view_of_a_big_sweep_says_what_it_left_out(run):
    out = run("sweep", "--alpha", "0.1:1.0:0.01", "--res", "96:224:16", "--rounding", "slim").stdout
    assert "Showing the first 500 of 819 rows (319 left out); --format csv, json or parquet " in out
    assert len([line for line in out.splitlines() if line.startswith("│")]) == 500


# --- Parquet -------------------------------------------------------------------------------------


@pytest.mark.requires("pyarrow")
@pytest.mark.parametrize("name", [name for name in SWEEPS if name != "past-int64"])
def test_parquet_is_the_csv(name):
    """``pandas.read_parquet`` returns what ``pandas.read_csv`` returns for the CSV: the same
    columns in the same order, the same values, counts int64."""
    import pandas

    report = report_of(name)
    parquet = b"".join(formats.render_chunks(report, "parquet"))
    frame = pandas.read_parquet(io.BytesIO(parquet))
    csv = pandas.read_csv(io.StringIO(formats.to_csv(report)))
    pandas.testing.assert_frame_equal(frame, csv, check_exact=True)
    assert str(frame["macs"].dtype) == "int64" and str(frame["resolution"].dtype) == "int64"


@pytest.mark.requires("pyarrow")
def test_parquet_refuses_counts_past_int64():
    from mobicost.errors import MobicostError

    with pytest.raises(MobicostError, match="Parquet holds 64-bit integers"):
        b"".join(formats.render_chunks(report_of("past-int64"), "parquet"))


@pytest.mark.requires("pyarrow")
def test_parquet_of_a_sweep_and_a_table_from_the_command_line(run, tmp_path):
    import pandas
    import pyarrow.parquet

    target = tmp_path / "sweep.parquet"
    grid = ["--alpha", "0.01:1.0:0.01", "--res", "128,224", "--rounding", "floor"]
    run("sweep", *grid, "-f", "parquet", "-o", str(target))
    run("sweep", *grid, "-f", "csv", "-o", str(tmp_path / "sweep.csv"))
    frame = pandas.read_parquet(target)
    pandas.testing.assert_frame_equal(frame, pandas.read_csv(tmp_path / "sweep.csv"))
    assert len(frame) == 97 * 2 and frame["alpha"].iloc[0] == 0.04  # 0.01 to 0.03: no channels
    first = mobilenet_v1("0.04", 128)  # built on its own: its first layer has int(1.28) = 1 filter
    assert first.layers[0].output.c == 1 and frame["macs"].iloc[0] == first.total.macs
    about = json.loads(pyarrow.parquet.read_schema(target).metadata[b"mobicost"])
    assert about["skipped"] == 6 and about["title"] == "MobileNet: alpha x resolution sweep"
    table = tmp_path / "net.parquet"
    run("table", "0.5-MobileNet-160", "-f", "parquet", "-o", str(table))
    run("table", "0.5-MobileNet-160", "-f", "csv", "-o", str(tmp_path / "net.csv"))
    layers = pandas.read_parquet(table)
    pandas.testing.assert_frame_equal(layers, pandas.read_csv(tmp_path / "net.csv"))
    assert int(layers["macs"].sum()) == 76_524_800
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "net.csv",
        "net.parquet",
        "sweep.csv",
        "sweep.parquet",
    ]  # fmt: skip  (written atomically: no temporary file left)


@pytest.mark.requires("pyarrow")
def test_parquet_is_refused_on_a_terminal_and_piped_elsewhere(run, tmp_path):
    env = {**os.environ, "TTY_COMPATIBLE": "1"}  # what rich and mobicost take for a terminal
    done = subprocess.run(
        [sys.executable, "-m", "mobicost", "sweep", "-f", "parquet"],
        capture_output=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().startswith("Error: Parquet is binary: write it to a file with -o")
    done = subprocess.run(
        [sys.executable, "-m", "mobicost", "sweep", "-f", "parquet", "-o", str(tmp_path / "x")],
        capture_output=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0 and (tmp_path / "x").read_bytes()[:4] == b"PAR1"
    piped = subprocess.run(
        [sys.executable, "-m", "mobicost", "sweep", "-f", "parquet"], capture_output=True
    )
    assert piped.returncode == 0 and piped.stdout[:4] == b"PAR1"


def test_parquet_is_for_tables_of_rows(run):
    assert "'parquet' is not one of" in run.error("check", "-f", "parquet")
    assert "'parquet' is not one of" in run.error("latency", "-f", "parquet")


def test_without_pyarrow_parquet_is_the_install_hint(tmp_path):
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "from mobicost.cli import main\n"
        f"main(['sweep', '-f', 'parquet', '-o', {str(tmp_path / 'x')!r}])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "Error: --format parquet needs pyarrow: pip install 'mobicost[parquet]'"
    ]
    assert list(tmp_path.iterdir()) == []
