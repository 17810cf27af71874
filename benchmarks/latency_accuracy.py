"""How well mobicost predicts a whole forward pass on this machine, per runtime.

    python benchmarks/latency_accuracy.py                    # calibrate, then judge (minutes)
    python benchmarks/latency_accuracy.py --runtime onnxruntime --reuse   # the saved model
    python benchmarks/latency_accuracy.py --runtime onnxruntime --spin    # its threads spinning

For each runtime (ONNX Runtime with all graph optimizations; PyTorch eager), the kernel model is
calibrated first (``mobicost calibrate --runtime R``: random calibration networks, none of the
ones judged here), then every network below is run end to end, in rounds over all of them
(the least of five rounds' medians: see :func:`measure_all`), and its measured time is set
beside the kernel model's prediction and beside the old roofline's (``mobicost calibrate``'s
local profile: peak, bandwidth, a fixed overhead a layer). The networks are the library's at
their defaults, width and resolution variants, and spec files; none was timed by calibration.

Reported: each network's measured and predicted milliseconds and error; the mean absolute
percentage error (MAPE) and the largest; and rank agreement: Spearman's rho over the networks'
times and the share of pairs of networks whose order (which is faster) the prediction gets
right. Nothing here asserts a time: it is a script, run on a quiet machine.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import mobicost
from mobicost.analysis.kernels import load_model, predict_layers, save_model
from mobicost.analysis.latency import parse_device, predict
from mobicost.nets.memory import Workload
from mobicost.nets.network import network
from mobicost.nets.timing import profile_path

ROOT = Path(__file__).resolve().parent.parent

#: (label, how to build it): the library at its defaults, variants, and spec files
NETWORKS = [
    ("mobilenet-v1", lambda: network("mobilenet-v1")),
    ("0.5 mobilenet-v1-160", lambda: network("mobilenet-v1", alpha="0.5", resolution=160)),
    ("mobilenet-v2", lambda: network("mobilenet-v2")),
    ("0.75 mobilenet-v2-192", lambda: network("mobilenet-v2", alpha="0.75", resolution=192)),
    ("mobilenet-v3-large", lambda: network("mobilenet-v3-large")),
    ("mobilenet-v3-small", lambda: network("mobilenet-v3-small")),
    ("shufflenet-v1 (g=3)", lambda: network("shufflenet-v1")),
    ("shufflenet-v2", lambda: network("shufflenet-v2")),
    ("0.5 shufflenet-v2-160", lambda: network("shufflenet-v2", alpha="0.5", resolution=160)),
    ("resnet-18", lambda: network("resnet-18")),
    ("resnet-50-160", lambda: network("resnet-50", resolution=160)),
    ("squeezenet-1.1", lambda: network("squeezenet-1.1")),
    ("googlenet", lambda: network("googlenet")),
    ("dense2-mobilenet", lambda: network("dense2-mobilenet")),
    (
        "tiny-resnet.toml (spec)",
        lambda: mobicost.network(mobicost.load_spec(str(ROOT / "examples/tiny-resnet.toml"))),
    ),
    (
        "efficientnet-b0.toml (spec)",
        lambda: mobicost.network(mobicost.load_spec(str(ROOT / "examples/efficientnet-b0.toml"))),
    ),
]


def runner_ort(net: object, threads: int | None, spin: bool) -> Callable[[], object]:
    """One forward pass of ``net`` in an ONNX Runtime session made once (warm)."""
    from mobicost.backends import ort

    plain = ort.session(ort.to_onnx(net).SerializeToString(), threads=threads, spin=spin)
    feed = {"input": ort._random_input(net, 1)}
    for _ in range(5):
        plain.run(None, feed)
    return lambda: plain.run(None, feed)


def runner_torch(net: object, threads: int | None) -> Callable[[], object]:
    """One forward pass of ``net`` as a PyTorch module (eager, warm); run, as made, inside
    :func:`torch_settings` (inference mode, the threads asked), entered once for them all."""
    import torch

    from mobicost.nets.pytorch import to_torch

    model = to_torch(net).eval()
    x = torch.randn(1, *net.input.torch_shape()[1:])  # type: ignore[attr-defined]
    for _ in range(3):
        model(x)
    return lambda: model(x)


@contextlib.contextmanager
def torch_settings(threads: int | None) -> Iterator[None]:
    """Inference mode and the threads asked, for every PyTorch run of the judgement (set once,
    not inside each timed call)."""
    import torch

    from mobicost.nets.timing import _cpu_threads

    with torch.inference_mode(), _cpu_threads(torch, threads):
        yield


def measure_all(runners: list[Callable[[], object]], rounds: int, repeats: int) -> list[float]:
    """Each network's time: ``rounds`` rounds over all the networks in turn, each round a
    burst of ``repeats`` measurements (0.1 s each at least) whose median is that round's; the
    network's time is its least round. Interleaved, so that the host's load drifting over
    minutes falls on every network alike, and the least round is the one least disturbed."""
    from mobicost.nets.timing import _samples

    best = [math.inf] * len(runners)
    for _ in range(rounds):
        for k, run in enumerate(runners):
            burst = statistics.median(_samples(run, lambda: None, repeats, 0.1)[1])
            best[k] = min(best[k], burst)
    return best


def spearman(a: list[float], b: list[float]) -> float:
    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=values.__getitem__)
        result = [0.0] * len(values)
        for rank, index in enumerate(order):
            result[index] = float(rank)
        return result

    ra, rb = ranks(a), ranks(b)
    mean = (len(a) - 1) / 2
    cov = sum((x - mean) * (y - mean) for x, y in zip(ra, rb, strict=True))
    var = sum((x - mean) ** 2 for x in ra)
    return cov / var if var else 1.0


def pairs_agreeing(a: list[float], b: list[float]) -> float:
    pairs = [(i, j) for i in range(len(a)) for j in range(i + 1, len(a))]
    agree = sum((a[i] < a[j]) == (b[i] < b[j]) for i, j in pairs)
    return agree / len(pairs) if pairs else 1.0


def judge(
    runtime: str,
    reuse: bool,
    threads: int | None,
    repeats: int,
    rounds: int,
    networks: int,
    spin: bool,
) -> str:
    started = time.time()
    if reuse:
        model = load_model(runtime)
    elif runtime == "onnxruntime":
        from mobicost.backends import ort

        model = ort.calibrate(networks=networks, threads=threads, spin=spin)
        save_model(model)
    else:
        from mobicost.backends.eager import calibrate_kernels

        model = calibrate_kernels(networks=networks, threads=threads)
        save_model(model)
    calibrated = time.time() - started
    roofline = None  # the old prediction: the roofline of plain `mobicost calibrate`
    if profile_path().exists():
        roofline = parse_device(profile_path().read_text(), str(profile_path()))
    labels, nets = [], []
    for label, build in NETWORKS:
        try:
            nets.append(build())
            labels.append(label)
        except Exception as error:
            print(f"skipped {label}: {error}", file=sys.stderr)
    if runtime == "onnxruntime":
        measured = measure_all([runner_ort(net, threads, spin) for net in nets], rounds, repeats)
    else:
        with torch_settings(threads):
            runners = [runner_torch(net, threads) for net in nets]
            measured = measure_all(runners, rounds, repeats)
    rows, predicted, old = [], [], []
    for label, net, seen in zip(labels, nets, measured, strict=True):
        if runtime == "onnxruntime":
            from mobicost.backends import ort

            guess = float(ort.predict(net, model, threads=threads).seconds)
        else:
            guess = float(predict_layers(net, model, Workload()).seconds)
        line = guess / seen - 1
        roof = float(predict(net, roofline, Workload()).seconds) if roofline else float("nan")
        predicted.append(guess)
        old.append(roof)
        roof_cells = f"{roof * 1e3:.2f} | {roof / seen - 1:+.1%}" if roofline else "- | -"
        rows.append(
            f"| {label} | {seen * 1e3:.2f} | {guess * 1e3:.2f} | {line:+.1%} | {roof_cells} |"
        )
        print(rows[-1], file=sys.stderr)
    errors = [abs(p / m - 1) for p, m in zip(predicted, measured, strict=True)]
    old_errors = [abs(p / m - 1) for p, m in zip(old, measured, strict=True)]
    head = [
        f"**{runtime}** (kernel model: {model.source}; calibration took {calibrated:.0f} s)",
        "",
        "| network | measured ms | predicted ms | error | roofline ms | roofline error |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    against_roofline = (
        f"; roofline MAPE {statistics.mean(old_errors):.1%}, largest {max(old_errors):.1%}"
        if roofline
        else " (no roofline: `mobicost calibrate` has not saved the local profile)"
    )
    ranks_roofline = (
        f" (roofline {spearman(measured, old):.3f}, {pairs_agreeing(measured, old):.1%})"
        if roofline
        else ""
    )
    tail = [
        "",
        f"MAPE {statistics.mean(errors):.1%}, largest {max(errors):.1%}{against_roofline}. "
        f"Rank agreement: Spearman {spearman(measured, predicted):.3f}, pairs in the right "
        f"order {pairs_agreeing(measured, predicted):.1%}{ranks_roofline}.",
    ]
    return "\n".join(head + rows + tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runtime", choices=("onnxruntime", "torch"), action="append")
    parser.add_argument("--reuse", action="store_true", help="use the saved kernel models")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=5, help="measurements in a round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds over all the networks")
    parser.add_argument("--networks", type=int, default=40, help="calibration networks")
    parser.add_argument(
        "--spin", action="store_true", help="ONNX Runtime's threads spin (its default)"
    )
    args = parser.parse_args()
    print(
        f"{date.today().isoformat()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}\n"
    )
    for runtime in args.runtime or ("onnxruntime", "torch"):
        print(
            judge(
                runtime,
                args.reuse,
                args.threads,
                args.repeats,
                args.rounds,
                args.networks,
                args.spin,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
