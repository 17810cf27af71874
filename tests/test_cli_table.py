"""``mobicost table``: the rendered report, every format, every option, every error."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


def golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME, byte for byte (CSV's CRLF line ends included);
    MOBICOST_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("MOBICOST_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8", newline="")
    assert text == path.read_bytes().decode("utf-8")


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("table_0.5_160.txt", ["--alpha", "0.5", "--res", "160"]),
        (
            "table_keras_flops.txt",
            [
                "MobileNet_v1_0.25_128",
                "--bias",
                "fc",
                "--bn",
                "all",
                "--unit",
                "flops",
                "--pool-adds",
            ],
        ),
        ("table_1.0_224.md", ["--format", "markdown"]),
        ("table_0.75_192.csv", ["0.75-MobileNet-192", "--format", "csv"]),
        ("table_0.5_160.tex", ["--alpha", "0.5", "--res", "160", "--format", "latex"]),
    ],
)
def test_golden_output(run, name, args):
    golden(name, run("table", *args).stdout_bytes.decode("utf-8"))


def test_json_rows_add_up_to_totals(run):
    data = run.json("table", "--alpha", "0.5", "--res", "160", "--bn", "all", "--pool-adds")
    assert data["totals"]["macs"] == 76_524_800
    assert data["totals"]["params"] == sum(row["params"] for row in data["rows"])
    for key in ("macs", "adds", "flops", "bn_params"):
        assert data["totals"][key] == sum(row[key] for row in data["rows"])
    assert data["totals"]["flops"] == 2 * data["totals"]["macs"] + data["totals"]["adds"]
    assert data["conventions"] == {
        "unit": "macs",
        "bias": "none",
        "bn": "all",
        "classes": 1000,
        "head": True,
        "pool_adds": True,
        "activation_ops": False,
        "eltwise_ops": False,
    }
    assert data["model"] == "0.5 MobileNet-160" and data["alpha"] == 0.5
    breakdown = data["breakdown"]["rows"]
    assert sum(row["params"] for row in breakdown) == data["totals"]["params"]


def test_csv_is_plain_and_equals_the_frame(run):
    import pandas

    from mobicost.nets.network import mobilenet_v1
    from mobicost.render.tables import layer_frame

    out = run("table", "--format", "csv").stdout_bytes.decode("ascii")
    lines = out.split("\r\n")
    assert lines[0].startswith("model,network,alpha,resolution,rounding,unit,bias,bn,classes,")
    assert len(lines) == 1 + 29 + 1 and lines[-1] == ""  # a header, the layers, a final CRLF
    assert not any(line.startswith("#") or "Total" in line for line in lines)
    frame = pandas.read_csv(io.StringIO(out))
    assert int(frame["macs"].sum()) == 568_740_352 and str(frame["index"].dtype) == "int64"
    pandas.testing.assert_frame_equal(frame, layer_frame(mobilenet_v1()), check_exact=True)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["macs_share"] == repr(10_838_016 / 568_740_352) and rows[0]["bias"] == "none"


@pytest.mark.parametrize(
    "name",
    [
        "0.75-MobileNet-128",
        "0.75 MobileNet-128",
        "0.75MobileNet-128",
        "0.75_MobileNet_tiny",
        "MobileNet_v1_0.75_128",
    ],
)
def test_every_name_form(run, name):
    assert (
        run.json("table", name)["totals"]["macs"]
        == run.json("table", "--alpha", "0.75", "--res", "128")["totals"]["macs"]
    )


def test_rho_and_conventions(run):
    assert run.json("table", "--rho", "0.714")["resolution"] == 160
    assert run.json("table", "--bias", "fc", "--bn", "all")["totals"]["params"] == 4_253_864
    assert run.json("table", "--classes", "1001")["rows"][-1]["output"] == "1x1x1001"
    assert len(run.json("table", "--no-head")["rows"]) == 27
    flops = run("table", "--unit", "flops").stdout
    assert "FLOPs" in flops and "1,137,480,704" in flops and "Unit: FLOPs = 2 x MACs" in flops
    assert run.json("table", "--rounding", "slim", "--alpha", "0.1")["rows"][0]["output"] == (
        "112x112x8"
    )


def test_output_file(run, tmp_path):
    target = tmp_path / "mobilenet.csv"
    assert run("table", "-f", "csv", "-o", str(target)).stdout == ""
    assert ",10838016," in target.read_text() and "Total" not in target.read_text()
    table = tmp_path / "table.txt"
    run("table", "-o", str(table))
    assert "\x1b[" not in table.read_text() and "Total" in table.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mobilenet.csv", "table.txt"]


def test_no_ansi_when_piped_or_no_color(run):
    assert "\x1b[" not in run("table").stdout
    assert "\x1b[" not in run("table", env={"NO_COLOR": "1"}).stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--alpha", "0"], "'--alpha': must be greater than zero"),
        (["--alpha", "-0.5"], "'--alpha'"),
        (["--alpha", "nan"], "expected a positive decimal or fraction such as 0.75 or 3/4"),
        (["--alpha", "abc"], "got 'abc'"),
        (["--alpha", "1e999"], "got '1e999'"),
        (["--res", "0"], "'--res': expected a positive whole number"),
        (["--res", "160.5"], "got '160.5'"),
        (["--rho", "0"], "'--rho': must be greater than zero"),
        (["--res", "160", "--rho", "0.714"], "--res and --rho both set the resolution"),
        (["MobileNet-v9"], "unknown network 'MobileNet-v9': not a built-in"),
        (
            ["0.75-MobileNet-128", "--alpha", "0.5"],
            "the network's name gives its width already: drop --alpha",
        ),
        (["--format", "xlsx"], "'xlsx' is not one of 'table', 'csv', 'json', 'markdown', 'latex'"),
        (["--unit", "ops"], "'ops' is not one of 'macs', 'flops'"),
        (["--rounding", "ceil"], "'ceil' is not one of 'floor', 'slim', 'div8'"),
        (["--classes", "0"], "'--classes'"),
        (["--alpha", "0.01"], "leaves a 32-filter layer with no channels"),
        (["-o", "/nonexistent/dir/out.csv"], "directory '/nonexistent/dir' does not exist"),
    ],
)
def test_bad_input_is_one_line_exit_2(run, args, fragment):
    assert fragment in run.error("table", *args)


def test_table_does_not_import_sympy_or_pandas():
    probe = (
        "import sys\nfrom mobicost.cli import main\n"
        "try:\n    main(['table', '--alpha', '0.5', '--res', '160'])\n"
        "except SystemExit as e:\n    assert e.code == 0, e.code\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json\n" + probe], check=True, capture_output=True, text=True
    ).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    assert not loaded & {"sympy", "pandas", "numpy"}
    # piped, the table is drawn without rich (the same text: test_matrix.py); on a terminal,
    # rich lays it out (test_terminal_styles_and_no_color)
    assert "rich" not in loaded


def test_python_m_mobicost():
    out = subprocess.run(
        [sys.executable, "-m", "mobicost", "table", "--alpha", "0.5", "--res", "160", "-f", "json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(out)
    assert data["totals"] == {
        "type": "Total",
        "macs": 76_524_800,
        "adds": 0,
        "flops": 153_049_600,
        "params": 1_319_648,
        "bn_params": 0,
        "macs_share": 1,
        "weight_bytes": 1_319_648 * 4,  # fp32
        "bytes_moved": sum(row["bytes_moved"] for row in data["rows"]),
        "live_bytes": 80 * 80 * (16 + 32) * 4,  # the peak: the first 1x1's input and output
    }


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only directory")
def test_read_only_directory(run, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert "is not writable" in run.error("table", "-o", str(locked / "out.txt"))
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_a_failing_write_leaves_nothing(run, tmp_path, monkeypatch):
    from mobicost.render import formats as render

    real = render._temporary

    def create_then_fail(target):
        fd, name = real(target)
        os.close(fd)
        os.unlink(name)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render, "_temporary", create_then_fail)
    target = tmp_path / "out.json"
    assert run.error("table", "-f", "json", "-o", str(target)) == (
        f"Error: cannot write {str(target)!r}: No space left on device"
    )
    assert list(tmp_path.iterdir()) == []


def test_write_failure_midway_removes_the_temporary(tmp_path, monkeypatch):
    from mobicost.render import formats as render

    def broken_replace(source, target):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        render.write_atomic(tmp_path / "out.csv", "a,b\n")
    assert list(tmp_path.iterdir()) == []


def _on_a_terminal(env: dict[str, str], *, probe: str = "") -> bytes:
    """Run `mobicost table` on a pseudo-terminal, as a person would, and return what it shows
    (``probe``: Python run after it in the same process)."""
    import pty

    args = ["table", "--alpha", "0.25", "--res", "128"]
    code = f"from mobicost.cli import main\ntry:\n    main({args!r})\nfinally:\n    {probe or 0}"
    pid, fd = pty.fork()
    if pid == 0:  # the child: become mobicost
        os.execve(sys.executable, [sys.executable, "-c", code], {**os.environ, **env})
    shown = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.waitpid(pid, 0)
    return shown


def test_terminal_styles_and_no_color():
    env = {"TERM": "xterm-256color", "COLUMNS": "200"}
    assert b"\x1b[" in _on_a_terminal({**env, "NO_COLOR": ""})  # empty NO_COLOR: not set
    plain = _on_a_terminal({**env, "NO_COLOR": "1"})
    assert b"\x1b[" not in plain and b"Total" in plain


@pytest.mark.parametrize(
    ("columns", "drawn_by_rich"), [("200", False), ("320", False), ("60", True)]
)
def test_a_terminal_shows_riches_table(columns, drawn_by_rich, tmp_path):
    """On a terminal mobicost draws rich's very table, styles and wrapped notes included,
    without loading rich where the table fits; where it does not, rich shrinks it."""
    from mobicost.nets.memory import Workload
    from mobicost.nets.network import network
    from mobicost.render import formats as render
    from mobicost.render.tables import layer_report

    marker = tmp_path / "modules"
    probe = f"open({str(marker)!r}, 'w').write(str('rich.console' in __import__('sys').modules))"
    shown = _on_a_terminal({"TERM": "xterm-256color", "COLUMNS": columns}, probe=probe)
    report = layer_report(network("mobilenet-v1", alpha="0.25", resolution=128), Workload())
    rich = render._rich_draw(report, width=int(columns), styled=True)
    assert shown.decode("utf-8").replace("\r\n", "\n") == rich
    assert marker.read_text() == str(drawn_by_rich)


def test_a_dumb_terminal_is_80_columns_without_escapes():
    from mobicost.nets.memory import Workload
    from mobicost.nets.network import network
    from mobicost.render import formats as render
    from mobicost.render.tables import layer_report

    shown = _on_a_terminal({"TERM": "dumb", "COLUMNS": ""}).decode("utf-8")
    report = layer_report(network("mobilenet-v1", alpha="0.25", resolution=128), Workload())
    assert shown.replace("\r\n", "\n") == render._rich_draw(report, width=80)


@pytest.mark.parametrize("name", ["resnet-18", "shufflenet-v1", "mobilenet-v3-small"])
def test_a_spec_printed_and_read_back_gives_the_same_table(name):
    """`mobicost table <(mobicost spec NAME)` is `mobicost table NAME`, through a real pipe."""
    import shutil
    import subprocess
    import sys

    mobicost = shutil.which("mobicost") or f"{sys.executable} -m mobicost"
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("needs bash for process substitution")
    piped = subprocess.run(
        [bash, "-c", f"{mobicost} table <({mobicost} spec {name}) -f csv"],
        capture_output=True,
        text=True,
    )
    direct = subprocess.run(
        [bash, "-c", f"{mobicost} table {name} -f csv"], capture_output=True, text=True
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == direct.stdout


def test_a_spec_error_names_the_file_and_line(run, tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text(
        'name = "bad"\ninput = [3, 32, 32]\n\n[[layers]]\nop = "conv"\nfilters = 8\nkernel = 3\n'
        '\n[[layers]]\nop = "add"\ninput = ["input", "conv1"]\n'
    )
    message = run.error("table", str(spec))
    assert f"{spec}:9: layers[1] (add 'add1'): an add of unequal shapes: 32x32x3 + 32x32x8" in (
        message
    )
    assert "no such option --groups" in run.error("table", "mobilenet-v2", "--groups", "3")
    assert "--groups needs a value" in run.error("table", "shufflenet-v1", "--groups")
    assert "not offered; choose from: 1, 2, 3, 4, 8" in run.error(
        "table", "shufflenet-v1", "--groups", "5"
    )
    assert "published at widths 0.5, 1.0, 1.5, 2.0 only" in run.error(
        "table", "shufflenet-v2", "--alpha", "0.75"
    )
    assert "has no width multiplier" in run.error("table", "resnet-18", "--alpha", "0.5")
