"""Where output goes and what it looks like there: ``--output`` to files, links, FIFOs, devices
and standard output; streams that cannot carry unicode; CSV that opens anywhere."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import threading
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from extras import marks_for
from test_matrix import BASES

from mobicost.cli import main

CSV_HEADER = "model,network,alpha,resolution,rounding,unit,bias,bn,classes,head,pool_adds,"


def mobicost(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    """``python -m mobicost ARGS`` in a fresh process (real file descriptors, real encodings)."""
    if "stdout" not in kwargs and "stderr" not in kwargs:
        kwargs["capture_output"] = True
    return subprocess.run(
        [sys.executable, "-m", "mobicost", *args], text=True, check=False, **kwargs
    )


# --- --output ------------------------------------------------------------------------------------


def test_a_new_file_gets_the_permissions_of_a_new_file(run, tmp_path):
    target = tmp_path / "new.csv"
    run("table", "-f", "csv", "-o", str(target))
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert target.read_text().startswith(CSV_HEADER)


def test_a_replaced_file_keeps_its_permissions(run, tmp_path):
    target = tmp_path / "kept.json"
    target.write_text("old")
    target.chmod(0o640)
    run("table", "-f", "json", "-o", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text().startswith("{")
    assert [p.name for p in tmp_path.iterdir()] == ["kept.json"]


def test_a_symlink_is_followed_and_kept(run, tmp_path):
    real = tmp_path / "data" / "table.csv"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(Path("data") / "table.csv")  # relative, as people make them
    run("table", "-f", "csv", "-o", str(link))
    assert link.is_symlink() and os.readlink(link) == os.path.join("data", "table.csv")
    assert real.read_text().startswith(CSV_HEADER)
    assert sorted(p.name for p in real.parent.iterdir()) == ["table.csv"]  # no temporary left


def test_a_dangling_symlink_creates_its_target(run, tmp_path):
    link = tmp_path / "link.md"
    link.symlink_to(tmp_path / "made.md")
    run("table", "-f", "markdown", "-o", str(link))
    assert link.is_symlink() and (tmp_path / "made.md").read_text().startswith("### ")


def test_a_fifo_is_written_not_replaced(run, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    run("table", "-f", "csv", "-o", str(fifo))
    reader.join(timeout=30)
    assert received and received[0].decode().startswith(CSV_HEADER)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_a_full_device_is_one_line_exit_2_and_stays_a_device(run):
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    for fmt in ("csv", "table"):
        assert run.error("table", "-f", fmt, "-o", "/dev/full") == (
            "Error: cannot write '/dev/full': No space left on device"
        )
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_dev_null_is_written_not_replaced(run):
    run("table", "-f", "csv", "-o", "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_dash_is_standard_output(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("table", "-f", "csv", "-o", "-").stdout.startswith(CSV_HEADER)
    assert run("table", "-o", "-").stdout.startswith("1.0 MobileNet-224: cost per layer")
    assert list(tmp_path.iterdir()) == []  # no file named '-'


def test_dev_stdout_is_the_descriptor_not_a_file_beside_it(tmp_path):
    from mobicost.render.formats import output_target

    assert output_target("/dev/stdout") == ("/dev/stdout", False)
    # /dev/stdout itself is the machine's: a link of our own to the same place, so that a broken
    # writer could only ever replace the link in tmp_path
    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")
    piped = mobicost("table", "-f", "csv", "-o", str(stdout))
    assert piped.returncode == 0 and piped.stdout.startswith(CSV_HEADER), piped.stderr
    redirected = tmp_path / "out.csv"
    with redirected.open("w") as handle:
        inode = os.fstat(handle.fileno()).st_ino
        done = mobicost("table", "-f", "csv", "-o", str(stdout), stdout=handle, stderr=None)
    assert done.returncode == 0 and stdout.is_symlink()
    assert redirected.stat().st_ino == inode  # written through, not renamed over
    assert redirected.read_text().startswith(CSV_HEADER)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_a_full_standard_output_is_one_line_exit_2():
    for fmt in ("csv", "table"):
        with open("/dev/full", "w") as full:
            done = mobicost("table", "-f", fmt, stdout=full, stderr=subprocess.PIPE)
        assert done.returncode == 2
        assert done.stderr == "Error: cannot write to standard output: No space left on device\n"


def test_a_closed_pipe_ends_quietly():
    """``mobicost table | head -1``: the reader is gone before mobicost writes."""
    with subprocess.Popen(
        [sys.executable, "-m", "mobicost", "table", "-f", "csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        error = process.stderr.read()
    assert process.returncode == 1 and error == b""


def test_check_writable_agrees_with_the_writer(tmp_path):
    from mobicost.render.formats import check_writable, output_target

    link = tmp_path / "link"
    link.symlink_to(tmp_path / "missing" / "file")
    assert check_writable(str(link)) == f"directory {str(tmp_path / 'missing')!r} does not exist"
    assert check_writable("-") is None and check_writable("/dev/null") is None
    assert output_target("/dev/null") == ("/dev/null", False)
    assert output_target(str(tmp_path / "new")) == (str(tmp_path / "new"), True)
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    assert "symbolic links" in (check_writable(str(loop)) or "")
    below = tmp_path / "link" / "x"
    assert check_writable(str(below)) == f"directory {str(below.parent)!r} does not exist"


def test_a_bad_output_path_is_one_line(run, tmp_path):
    file = tmp_path / "file"
    file.write_text("")
    assert "Not a directory" in run.error("table", "-o", str(file / "below.csv"))
    assert "is a directory" in run.error("table", "-o", str(tmp_path))
    assert file.read_text() == ""


# --- encodings -----------------------------------------------------------------------------------


def invocations() -> list[list[str]]:
    """Every command (each base of the option matrix) in every format."""
    from mobicost.render.formats import FORMATS

    return [
        [name, *base, *(["--format", fmt] if name != "spec" else [])]
        for name, bases in sorted(BASES.items())
        for base, _ in bases
        for fmt in (FORMATS if name != "spec" else ("toml",))
    ]


@pytest.mark.parametrize(
    "args", [pytest.param(args, marks=marks_for(args), id=" ".join(args)) for args in invocations()]
)
def test_an_ascii_stream_gets_ascii(args):
    result = CliRunner(charset="ascii").invoke(main, args, prog_name="mobicost")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in ((0, 1) if args[0] == "check" else (0,)), result.output
    assert result.stdout_bytes.isascii() and "?" not in result.stdout.replace(" ? ", "")


def test_formula_in_the_c_locale():
    env = {**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": "ascii"}
    done = mobicost("formula", env=env)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "| D_F^2*D_K^2*M*N " in done.stdout and "+----" in done.stdout
    ratio = mobicost("formula", "--ratio", "width-multiplier", "-f", "markdown", env=env)
    assert ratio.returncode == 0 and "alpha^2" in ratio.stdout and ratio.stdout.isascii()


def test_unicode_stays_where_it_can_and_files_stay_utf8(tmp_path):
    assert "D_F²·D_K²·M·N" in CliRunner().invoke(main, ["formula"]).stdout
    target = tmp_path / "formulas.md"
    env = {**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": "ascii"}
    assert mobicost("formula", "-f", "markdown", "-o", str(target), env=env).returncode == 0
    assert "D_F²·D_K²·M·N" in target.read_text(encoding="utf-8")
    data = mobicost("formula", "--ratio", "depthwise-separable", "-f", "json", env=env).stdout
    assert "\\u2192" in data  # JSON escapes what ASCII cannot carry, losing nothing
    import json

    assert "MACs ratio as N → ∞" in {row["result"] for row in json.loads(data)["rows"]}


def test_ascii_spelling():
    from mobicost.render.formats import ascii_text

    assert ascii_text("α·ρ²/N + α²·ρ²/D_K², N ≥ 72, 14 → 10, 2⁻¹⁰") == (
        "alpha*rho^2/N + alpha^2*rho^2/D_K^2, N >= 72, 14 -> 10, 2^-10"
    )


# --- CSV -----------------------------------------------------------------------------------------


def test_sweep_csv_equals_the_frame_and_exports_concatenate(run):
    import pandas

    from mobicost.analysis.sweep import sweep

    grid = ["--alpha", "1/3,0.35,1", "--res", "97,224", "--rounding", "div8"]
    first = pandas.read_csv(io.StringIO(run("sweep", *grid, "--bn", "slim", "-f", "csv").stdout))
    assert list(first["alpha"]) == [1 / 3, 1 / 3, 0.35, 0.35, 1.0, 1.0]
    assert set(first["bn"]) == {"slim"} and set(first["rounding"]) == {"div8"}
    assert str(first["macs"].dtype) == "int64" and first["top1_howard_et_al_2017"].isna().sum() == 5
    second = pandas.read_csv(io.StringIO(run("sweep", "--unit", "flops", "-f", "csv").stdout))
    both = pandas.concat([first, second], ignore_index=True)
    assert str(both["macs"].dtype) == "int64" and len(both) == 6 + 16
    assert set(both["unit"]) == {"macs", "flops"}
    frame = sweep([Fraction(1, 3), "0.35", "1"], [97, 224], rounding="div8").to_frame()
    csv = pandas.read_csv(io.StringIO(run("sweep", *grid, "-f", "csv").stdout))
    pandas.testing.assert_frame_equal(csv, frame, check_exact=True)
