"""mobicost's speed against its floor and against the counters users run today.

    python benchmarks/bench.py              # about a minute on 2 cores
    python benchmarks/bench.py --runs 21    # more repeats, steadier medians
    python benchmarks/bench.py --table      # only `mobicost table` (piped, CSV, on a terminal)
                                            # against the floor

Every figure is a median over repeated runs on this machine in this one invocation; whole-process
figures time a fresh interpreter each run (what a user waits for), with its peak resident memory.
mobicost's modules are byte-compiled first, as pip does when it installs a package (without
that, PYTHONDONTWRITEBYTECODE=1 makes every run compile them again; --no-compile measures that).
"On a terminal" runs the command on a pseudo-terminal 200 columns wide, where rich lays the
table out and styles it; elsewhere (a pipe, a file) mobicost draws the same text itself.
torchinfo and ptflops are measured only when installed (pip install -e '.[torch,bench]' after
pip install torch==2.13.0); they count the same network, built by mobicost.verify.to_torch.
This is a script, not a test: shared machines are noisy, so nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

PYTHON = sys.executable
MOBICOST = str(Path(sys.executable).parent / "mobicost")

# Runs a command (with --pty first: on a pseudo-terminal 200 columns wide, read as it writes);
# prints its wall time (s), CPU time (s) and peak resident memory (KiB) as JSON.
_PROBE = """
import json, os, resource, subprocess, sys, threading, time
command = sys.argv[1:]
on_pty = command[0] == "--pty"
if on_pty:
    import fcntl, pty, struct, termios
    command = command[1:]
    reader, stdout = pty.openpty()
    fcntl.ioctl(stdout, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    def drain():
        try:
            while os.read(reader, 65536):
                pass
        except OSError:  # the terminal closed
            pass
    draining = threading.Thread(target=drain)
    draining.start()
    environment = {**os.environ, "TERM": "xterm-256color"}
else:
    stdout, environment = subprocess.DEVNULL, None
start = time.perf_counter()
subprocess.run(command, check=True, stdout=stdout, env=environment)
elapsed = time.perf_counter() - start
if on_pty:
    os.close(stdout)
    draining.join()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss]))
"""

_TORCHINFO = """
import torchinfo
from mobicost.nets.network import mobilenet_v1
from mobicost.nets.pytorch import to_torch
torchinfo.summary(to_torch(mobilenet_v1("0.5", 160)), input_size=(1, 3, 160, 160), depth=2,
                  col_names=("input_size", "output_size", "num_params", "mult_adds"))
"""

_PTFLOPS = """
from ptflops import get_model_complexity_info
from mobicost.nets.network import mobilenet_v1
from mobicost.nets.pytorch import to_torch
for alpha in ("1.0", "0.75", "0.5", "0.25"):
    for res in (224, 192, 160, 128):
        macs, params = get_model_complexity_info(
            to_torch(mobilenet_v1(alpha, res)), (3, res, res), as_strings=False,
            print_per_layer_stat=False, verbose=False)
        print(alpha, res, macs, params)
"""


@dataclass
class Measured:
    label: str
    command: list[str]
    wall: list[float] = field(default_factory=list)  # ms
    cpu: list[float] = field(default_factory=list)  # ms
    peak: list[float] = field(default_factory=list)  # MiB

    def run(self) -> None:
        out = subprocess.run(
            [PYTHON, "-c", _PROBE, *self.command], check=True, capture_output=True, text=True
        ).stdout
        wall, cpu, peak_kib = json.loads(out)
        self.wall.append(wall * 1000)
        self.cpu.append(cpu * 1000)
        self.peak.append(peak_kib / 1024)

    def row(self) -> str:
        return (
            f"| {self.label} | {statistics.median(self.wall):,.0f} ms | "
            f"{statistics.median(self.cpu):,.0f} ms | {statistics.median(self.peak):,.0f} MiB |"
        )


def interleaved(measures: list[Measured], runs: int) -> None:
    """Run every command once per round, ``runs`` rounds: load drift on a shared machine then
    falls on all of them alike, and the medians compare like with like."""
    for _ in range(runs):
        for measure in measures:
            measure.run()


def throughput(count_alphas: int, count_resolutions: int, runs: int) -> float:
    """Median seconds for one sweep of count_alphas x count_resolutions configurations."""
    from mobicost.analysis.sweep import sweep

    alphas = [Fraction(250 + k, 1000) for k in range(count_alphas)]
    resolutions = list(range(96, 96 + count_resolutions))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = sweep(alphas, resolutions, max_macs=300 * 10**6)
        len(result.points)  # materialise what was kept
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(
    fast: list[Measured], slow: list[Measured], floor: Measured, tables: list[Measured]
) -> None:
    print("| command (whole process) | median wall time | median CPU time | median peak memory |")
    print("|---|---:|---:|---:|")
    for measure in fast + slow:
        print(measure.row())
    print()
    for table in tables:
        ratio = statistics.median(table.wall) / statistics.median(floor.wall)
        cpu_ratio = statistics.median(table.cpu) / statistics.median(floor.cpu)
        print(
            f"`{table.label}` against the floor: {ratio:.2f}x its wall time, "
            f"{cpu_ratio:.2f}x its CPU time."
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds of whole-process runs")
    parser.add_argument(
        "--table", action="store_true", help="only mobicost table against the floor"
    )
    parser.add_argument(
        "--no-compile", action="store_true", help="leave mobicost's bytecode as it is"
    )
    args = parser.parse_args()
    runs = args.runs
    if not args.no_compile:
        import compileall

        import mobicost

        compileall.compile_dir(Path(mobicost.__file__).parent, quiet=1)
    print(
        f"Python {platform.python_version()}, {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores; medians of {runs} interleaved runs",
        file=sys.stderr,
    )

    floor = Measured(
        'floor: python -c "import click, rich.table"', [PYTHON, "-c", "import click, rich.table"]
    )
    net = ["table", "--alpha", "0.5", "--res", "160"]
    label = "mobicost " + " ".join(net)
    tables = [
        Measured(label, [MOBICOST, *net]),
        Measured(f"{label} --format csv", [MOBICOST, *net, "--format", "csv"]),
        Measured(f"{label}, on a terminal", ["--pty", MOBICOST, *net]),
        # the largest built-in graph: 117 layers, channel splits, concats and shuffles
        Measured("mobicost table shufflenet-v2", [MOBICOST, "table", "shufflenet-v2"]),
    ]
    fast = [floor, *tables]
    if not args.table:
        fast += [
            Measured("mobicost sweep (the 16-model grid)", [MOBICOST, "sweep"]),
            Measured(
                "mobicost formula --ratio depthwise-separable (sympy)",
                [MOBICOST, "formula", "--ratio", "depthwise-separable"],
            ),
        ]
    interleaved(fast, runs)
    if args.table:
        report(fast, [], floor, tables)
        return
    slow: list[Measured] = []
    if importlib.util.find_spec("torch") and importlib.util.find_spec("torchinfo"):
        slow.append(
            Measured(
                "torchinfo.summary, same network (0.5 MobileNet-160)", [PYTHON, "-c", _TORCHINFO]
            )
        )
    if importlib.util.find_spec("torch") and importlib.util.find_spec("ptflops"):
        slow.append(Measured("ptflops, the 16-model grid", [PYTHON, "-c", _PTFLOPS]))
    interleaved(slow, max(3, runs // 3))

    sweeps = [
        (f"{a * r:,} configurations", throughput(a, r, max(3, runs // 3)))
        for a, r in ((100, 100), (1000, 1000))
    ]

    report(fast, slow, floor, tables)
    print("| sweep (in process, with a 300M-MAC budget) | median time |")
    print("|---|---:|")
    for label, seconds in sweeps:
        print(f"| {label} | {seconds:.3f} s |")


if __name__ == "__main__":
    main()
