"""Sweeps at scale: costing a million configurations, and exporting them, against pyarrow and
pandas writing the same table, in the same run.

    python benchmarks/sweep_export.py                 # the million grid, 3 runs (minutes)
    python benchmarks/sweep_export.py --runs 5
    python benchmarks/sweep_export.py --small         # a 100,000-row grid, for a quick look

Each measure runs in a fresh interpreter of its own, so that its peak resident memory is its
own: ``sweep`` costs the grid (mobicost.analysis.sweep.sweep, no budget: every configuration
kept); an export then writes every row to a file as ``mobicost sweep -f FORMAT -o FILE`` does
(mobicost.render.formats.write_output of render_chunks). pyarrow and pandas are given the same
table (the sweep's DataFrame, built before their clock starts) and timed writing it alone. The
networks row costs each built-in with a width multiplier on the same grid and divides by the
configurations (the networks whose width multiplier takes any value: ShuffleNets take their
published widths only). Medians over ``--runs``; peak memory is the process's (ru_maxrss), whatever
part of the work it came from. This is a script, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import date

#: ``mobicost sweep --alpha 0.1:1.0:0.0009 --res 32:1031:1``: 1,001 x 1,000 configurations
MILLION = ("0.1:1.0:0.0009", "32:1031:1")
SMALL = ("0.1:1.0:0.009", "32:1031:1")  # 101 x 1,000

# One measure, in a fresh interpreter: prints seconds and peak memory as JSON.
_PROBE = r"""
import json, resource, sys, time
what, network, alphas, resolutions, target = sys.argv[1:6]
from mobicost.cli.params import ALPHA_LIST, RESOLUTION_LIST
from mobicost.analysis.sweep import sweep
alphas = ALPHA_LIST.convert(alphas, None, None)
resolutions = RESOLUTION_LIST.convert(resolutions, None, None)
start = time.perf_counter()
result = sweep(alphas, resolutions, network=network)
costed = time.perf_counter() - start
seconds = costed
if what in ("csv", "json", "parquet"):
    from mobicost.render.formats import render_chunks, write_output
    from mobicost.render.reports import sweep_report
    start = time.perf_counter()
    write_output(target, render_chunks(sweep_report(result), what))
    seconds = time.perf_counter() - start
elif what != "sweep":
    frame = result.to_frame()
    start = time.perf_counter()
    if what == "pyarrow-csv":
        import pyarrow, pyarrow.csv
        pyarrow.csv.write_csv(pyarrow.Table.from_pandas(frame, preserve_index=False), target)
    elif what == "pyarrow-parquet":
        import pyarrow, pyarrow.parquet
        pyarrow.parquet.write_table(pyarrow.Table.from_pandas(frame, preserve_index=False), target)
    elif what == "pandas-csv":
        frame.to_csv(target, index=False)
    seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
import os
size = os.path.getsize(target) if os.path.exists(target) else 0
rows = len(result)
print(json.dumps({"seconds": seconds, "costed": costed, "rows": rows, "peak": peak, "bytes": size}))
"""


def measure(what: str, network: str, grid: tuple[str, str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        target = os.path.join(directory, "out")
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, what, network, *grid, target],
            capture_output=True,
            text=True,
            check=True,
        )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--small", action="store_true", help="100,000 rows instead of 1,001,000")
    parser.add_argument("--no-networks", action="store_true", help="skip the per-network table")
    parser.add_argument("--networks", action="store_true", help="only the per-network table")
    args = parser.parse_args()
    grid = SMALL if args.small else MILLION
    print(
        f"# {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, {date.today()}; grid --alpha {grid[0]} --res {grid[1]}"
    )
    measures = [
        ("mobicost sweep: cost every configuration", "sweep"),
        ("mobicost -f csv", "csv"),
        ("mobicost -f json", "json"),
        ("mobicost -f parquet", "parquet"),
        ("pyarrow.csv.write_csv, same table", "pyarrow-csv"),
        ("pyarrow.parquet.write_table, same table", "pyarrow-parquet"),
        ("pandas DataFrame.to_csv, same table", "pandas-csv"),
    ]
    results: dict[str, list[dict[str, float]]] = {what: [] for _, what in measures}
    if args.networks:
        measures, results["sweep"] = [], [measure("sweep", "mobilenet-v1", grid)]
    for _ in range(
        args.runs if measures else 0
    ):  # interleaved, so that load drift hits every measure alike
        for _, what in measures:
            results[what].append(measure(what, "mobilenet-v1", grid))
    rows = int(results["sweep"][0]["rows"])
    print(f"\n{rows:,} rows (MobileNet v1)\n")
    print("| measure (MobileNet v1) | median seconds | rows per second | peak memory | file |")
    print("|---|---:|---:|---:|---:|")
    for label, what in measures:
        seconds = median(results[what], "seconds")
        peak = median(results[what], "peak") / 2**20
        size = median(results[what], "bytes") / 2**20
        shown = f"{size:,.0f} MiB" if size else ""
        print(f"| {label} | {seconds:.2f} | {rows / seconds:,.0f} | {peak:,.0f} MiB | {shown} |")
    if measures:
        csv, arrow = median(results["csv"], "seconds"), median(results["pyarrow-csv"], "seconds")
        print(f"\nmobicost's CSV takes {csv / arrow:.2f}x pyarrow's time (the goal: at most 3x).")
    if args.no_networks:
        return
    from mobicost.nets.library import load, names

    widths = [name for name in names() if (w := load(name).width) is not None and w.values is None]
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in widths}
    for _ in range(args.runs):  # interleaved, as above
        for name in widths:
            runs[name].append(measure("sweep", name, grid))
    per = {name: median(runs[name], "costed") / median(runs[name], "rows") * 1e6 for name in widths}
    base = per["mobilenet-v1"]
    print("\n| network (the same grid) | microseconds a configuration | x MobileNet v1 |")
    print("|---|---:|---:|")
    for name, micro in per.items():
        print(f"| {name} | {micro:.2f} | {micro / base:.2f} |")


if __name__ == "__main__":
    main()
