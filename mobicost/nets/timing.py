"""Time, measured (extra ``mobicost[torch]``): a network run layer by layer in PyTorch, and the
three figures of this machine's roofline, saved as a device profile.

:func:`measure_layers` builds the network with :func:`~mobicost.nets.pytorch.to_torch` (one
module per node: a convolution with its batch norm and activation is one node), in eval mode
under ``torch.inference_mode``, on the device and in the data type asked for, runs one warm-up
forward pass, then walks the graph in order: each node's module is called on its real inputs
(the outputs of the nodes before it, from a random-normal input batch), enough times in a row
that one measurement lasts at least ``min_time`` (so that the timer's resolution and per-call
noise do not dominate), and that measurement is repeated ``repeats`` times. A node's figure is
the **median seconds per call** over the repeats, with the **interquartile range** as its
spread. The whole forward pass is timed the same way, end to end, so that a report can compare
the sum of the layers with the whole (which differs by the graph's own bookkeeping, by caches
left warm or cold between layers, and by noise). This is eager PyTorch: a call's time includes
the framework's dispatch and kernel launches, as an eager forward pass pays them.

:func:`calibrate` measures, each as the median of ``repeats`` measurements of at least
``min_time``:

* **peak compute**, per data type: an ``n x n`` by ``n x n`` matrix product (``torch.mm`` into
  a preallocated output) counted as ``2 n^3`` FLOPs (``n^3`` MACs; FLOPs = 2 x MACs), in FLOP/s;
* **memory bandwidth**: a copy of a ``copy_bytes`` buffer into another (``Tensor.copy_``),
  counted as ``2 x copy_bytes`` bytes moved (each byte read once and written once), in bytes/s;
  the buffer is far larger than the last-level cache, so the copy streams from memory;
* **overhead**: the seconds per call of adding two 1-element tensors (``a + b``), the fixed
  cost of one eager operation: dispatch, allocation and, on a GPU, the kernel launch.

On CUDA every timed stretch is bracketed by ``torch.cuda.synchronize``, so that it covers the
kernels' execution and not only their launch. On CPU the figures hold for the thread count in
the result (``torch.get_num_threads()``). Times are floats by nature; :func:`save_profile` writes
them as decimal strings (four significant digits) that mobicost's device loader reads exactly.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MobicostError
from .pytorch import module_name, require_torch

if TYPE_CHECKING:  # pragma: no cover
    from .network import Layer, Network

#: the data types PyTorch's plain modules run in, by mobicost's names
TORCH_DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}

#: calls in one measurement at most, whatever the clock says (a guard against a zero reading)
MAX_CALLS = 10_000_000


def config_dir() -> Path:
    """Where mobicost keeps the user's files: ``$MOBICOST_CONFIG_DIR``, else
    ``$XDG_CONFIG_HOME/mobicost``, else ``~/.config/mobicost``."""
    if os.environ.get("MOBICOST_CONFIG_DIR"):
        return Path(os.environ["MOBICOST_CONFIG_DIR"])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mobicost"


def profile_path() -> Path:
    """The calibrated profile of this machine, the device ``local``: ``devices/local.toml``
    under :func:`config_dir`."""
    return config_dir() / "devices" / "local.toml"


#: the runtimes a network is measured in, by mobicost's names
RUNTIMES = {"torch": "PyTorch", "onnxruntime": "ONNX Runtime"}


@dataclass(frozen=True)
class Machine:
    """Where a measurement ran: ``device`` as the runtime names it (``cpu``, ``cuda:0``), the
    processor's name, the CPU threads the runtime used (``None`` on a GPU), and the runtime
    (:data:`RUNTIMES`) and its version."""

    device: str
    name: str
    threads: int | None
    version: str
    runtime: str = "torch"

    @property
    def runtime_title(self) -> str:
        """``PyTorch 2.13.0 (eager)``, ``ONNX Runtime 1.32.0``."""
        mode = " (eager)" if self.runtime == "torch" else ""
        return f"{RUNTIMES[self.runtime]} {self.version}{mode}"

    @property
    def kind(self) -> str:
        """``cpu`` or ``gpu``, as device profiles say."""
        return "cpu" if self.device == "cpu" else "gpu"


def default_device() -> str:
    """``cuda`` where PyTorch sees a CUDA device, else ``cpu``."""
    return "cuda" if require_torch().cuda.is_available() else "cpu"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _device(device: str, torch: Any) -> Any:
    """A ``torch.device`` for ``cpu``, ``cuda`` or ``cuda:N``, or a :class:`MobicostError`."""
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError):
        chosen = None
    if chosen is None or chosen.type not in ("cpu", "cuda"):
        raise MobicostError(f"unknown device {device!r}; choose cpu, cuda or cuda:N")
    if chosen.type == "cuda":
        if not torch.cuda.is_available():
            raise MobicostError(f"device {device!r}: PyTorch sees no CUDA device here")
        index = chosen.index if chosen.index is not None else torch.cuda.current_device()
        if index >= torch.cuda.device_count():
            raise MobicostError(
                f"device {device!r}: PyTorch sees {torch.cuda.device_count()} CUDA device(s)"
            )
        chosen = torch.device("cuda", index)
    return chosen


def _machine(chosen: Any, torch: Any) -> Machine:
    if chosen.type == "cuda":
        return Machine(str(chosen), torch.cuda.get_device_name(chosen), None, torch.__version__)
    return Machine("cpu", _cpu_name(), int(torch.get_num_threads()), torch.__version__)


def _dtype(dtype: str, torch: Any) -> Any:
    if dtype == "int8":
        raise MobicostError(
            "int8 cannot be measured with plain PyTorch modules (it needs a quantized model and "
            "its own kernels); measure fp32, fp16 or bf16"
        )
    if dtype not in TORCH_DTYPES:
        raise MobicostError(f"unknown data type {dtype!r}; choose from: {', '.join(TORCH_DTYPES)}")
    return getattr(torch, TORCH_DTYPES[dtype])


def _positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise MobicostError(f"{name} must be greater than zero, got {value!r}")


def _count(name: str, value: int | None, least: int = 1) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise MobicostError(f"{name} must be an integer of at least {least}, got {value!r}")


@contextmanager
def _cpu_threads(torch: Any, threads: int | None) -> Iterator[None]:
    """PyTorch's CPU threads set to ``threads`` (unchanged for ``None``), restored after."""
    if threads is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _synchronizer(chosen: Any, torch: Any) -> Callable[[], None]:
    if chosen.type == "cuda":
        return lambda: torch.cuda.synchronize(chosen)
    return lambda: None


def _clock(call: Callable[[], object], calls: int, sync: Callable[[], None]) -> float:
    """Seconds for ``calls`` calls in a row, the device idle before and after."""
    sync()
    start = time.perf_counter()
    for _ in range(calls):
        call()
    sync()
    return time.perf_counter() - start


def _samples(
    call: Callable[[], object], sync: Callable[[], None], repeats: int, min_time: float
) -> tuple[int, tuple[float, ...]]:
    """How many calls make one measurement last ``min_time`` (found by tenfold steps until a
    run lasts a tenth of it, then scaled), and ``repeats`` measurements of seconds per call."""
    calls = 1
    while True:
        elapsed = _clock(call, calls, sync)
        if elapsed >= min_time / 10 or calls >= MAX_CALLS:
            break
        calls *= 10
    if elapsed < min_time:
        calls = min(MAX_CALLS, math.ceil(calls * min_time / max(elapsed, 1e-9)))
    return calls, tuple(_clock(call, calls, sync) / calls for _ in range(repeats))


def _median_iqr(samples: Sequence[float]) -> tuple[float, float]:
    """The median and the interquartile range (0 for a single sample)."""
    if len(samples) < 2:
        return samples[0], 0.0
    q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return statistics.median(samples), q3 - q1


@dataclass(frozen=True)
class LayerTiming:
    """One node's measured time: the median seconds per call over the repeats, their
    interquartile range, and the calls in each measurement."""

    layer: Layer
    seconds: float  #: median seconds per call
    spread: float  #: interquartile range of seconds per call over the repeats
    calls: int  #: calls per measurement
    samples: tuple[float, ...] = field(repr=False)  #: seconds per call, one per repeat


@dataclass(frozen=True)
class LayerTimings:
    """A network's measured times, layer by layer, with the whole forward pass beside them."""

    network: Network
    layers: tuple[LayerTiming, ...]
    whole: float  #: median seconds of one whole forward pass
    whole_spread: float  #: interquartile range of the whole forward pass's seconds
    machine: Machine
    dtype: str
    batch: int
    repeats: int
    min_time: float  #: seconds one measurement lasts at least
    method: str = ""  #: how each layer was timed, in a sentence
    unattributed: float = 0.0  #: median seconds of the runtime's own kernels, no layer's

    @property
    def seconds(self) -> float:
        """The layers' medians added up."""
        return sum(t.seconds for t in self.layers)

    def share(self, timing: LayerTiming) -> float:
        """A layer's share of the layers' sum."""
        total = self.seconds
        return timing.seconds / total if total else 0.0

    def by_category(self) -> list[tuple[str, float, float]]:
        """``(category, seconds, share of the layers' sum)`` per layer type (the paper's
        Table 2 types), slowest first."""
        seconds: dict[str, float] = {}
        for t in self.layers:
            seconds[t.layer.category] = seconds.get(t.layer.category, 0.0) + t.seconds
        total = self.seconds
        return sorted(
            ((c, s, s / total if total else 0.0) for c, s in seconds.items()),
            key=lambda row: -row[1],
        )


def measure_layers(
    network: Network,
    *,
    batch: int = 1,
    device: str = "cpu",
    dtype: str = "fp32",
    repeats: int = 7,
    warmup: int = 1,
    min_time: float = 0.02,
    threads: int | None = None,
) -> LayerTimings:
    """Run ``network`` in PyTorch on a ``batch`` of random inputs and time every node.

    Each node's module is called on its real inputs until one measurement lasts ``min_time``
    seconds; ``repeats`` measurements give its median seconds per call and their interquartile
    range. ``warmup`` whole forward passes run first, untimed; the whole pass is then timed the
    same way. ``device`` is ``cpu``, ``cuda`` or ``cuda:N``; ``dtype`` is ``fp32``, ``fp16`` or
    ``bf16`` (int8 raises a :class:`MobicostError`: plain modules cannot run it); ``threads``
    sets PyTorch's CPU threads for the measurement (PyTorch's own choice by default).
    """
    torch = require_torch()
    from .pytorch import check_runnable, to_torch

    _count("batch", batch)
    check_runnable(network, batch)
    _count("repeats", repeats)
    _count("warmup", warmup, 0)
    _count("threads", threads)
    _positive("min_time", min_time)
    kind = _dtype(dtype, torch)
    chosen = _device(device, torch)
    sync = _synchronizer(chosen, torch)
    model = to_torch(network).eval().to(device=chosen, dtype=kind)
    x = torch.randn(batch, *network.input.torch_shape()[1:], device=chosen, dtype=kind)
    layers = network.layers
    last_use = {name: i for i, layer in enumerate(layers) for name in layer.node.inputs}
    timings = []
    try:
        with torch.inference_mode(), _cpu_threads(torch, threads):
            machine = _machine(chosen, torch)
            for _ in range(warmup):
                model(x)
            values = {"input": x}
            for i, layer in enumerate(layers):
                block = model.blocks[module_name(layer)]
                args = tuple(values[name] for name in layer.node.inputs)
                values[layer.name] = block(*args)  # its output, and its first (untimed) call
                calls, samples = _samples(partial(block, *args), sync, repeats, min_time)
                median, spread = _median_iqr(samples)
                timings.append(LayerTiming(layer, median, spread, calls, samples))
                for name in layer.node.inputs:
                    if last_use[name] == i:
                        del values[name]  # no later node reads it: free its memory
            values.clear()  # free the last activations before the whole pass
            _, whole_samples = _samples(lambda: model(x), sync, repeats, min_time)
    except RuntimeError as error:  # a data type without kernels here; out of memory
        raise MobicostError(
            f"PyTorch cannot run {network.name} in {dtype} on {chosen}: {error}"
        ) from None
    whole, whole_spread = _median_iqr(whole_samples)
    method = (
        f"each layer's median seconds per call over {repeats} repeats of at least "
        f"{min_time * 1e3:g} ms"
    )
    return LayerTimings(
        network,
        tuple(timings),
        whole,
        whole_spread,
        machine,
        dtype,
        batch,
        repeats,
        min_time,
        method,
    )


@dataclass(frozen=True)
class Calibration:
    """A machine's roofline, measured: peak FLOP/s per data type, memory bandwidth in bytes/s,
    and the seconds of one tiny eager operation; each the median of the repeats."""

    machine: Machine
    peak: Mapping[str, float]  #: FLOP/s per data type: 2 n^3 / median seconds of an n x n mm
    bandwidth: float  #: bytes/s: 2 x copy_bytes / median seconds of one copy
    overhead: float  #: median seconds per call of adding two 1-element tensors
    matmul_size: int  #: n of the n x n matrix product
    copy_bytes: int  #: size of the copied buffer (half the bytes moved by one copy)
    date: str  #: ISO date of the measurement

    @property
    def dtypes(self) -> tuple[str, ...]:
        return tuple(self.peak)


Median = Callable[[Callable[[], object]], float]


def _peak(n: int, kind: Any, chosen: Any, torch: Any, median: Median) -> float:
    """FLOP/s of an n x n by n x n matrix product: 2 n^3 FLOPs (n^3 MACs) a product."""
    a = torch.randn(n, n, device=chosen, dtype=kind)
    b = torch.randn(n, n, device=chosen, dtype=kind)
    out = torch.empty(n, n, device=chosen, dtype=kind)
    return 2 * n**3 / median(lambda: torch.mm(a, b, out=out))


def _bandwidth(size: int, chosen: Any, torch: Any, median: Median) -> float:
    """Bytes/s of copying a ``size``-byte buffer into another: 2 x size bytes moved a copy."""
    source = torch.ones(size, device=chosen, dtype=torch.uint8)
    target = torch.empty_like(source)
    return 2 * size / median(lambda: target.copy_(source))


def calibrate(
    device: str = "cpu",
    dtype: str | Iterable[str] = "fp32",
    *,
    matmul_size: int | None = None,
    copy_bytes: int | None = None,
    repeats: int = 5,
    min_time: float = 0.2,
    threads: int | None = None,
) -> Calibration:
    """Measure this machine's peak compute (per data type in ``dtype``: one name or several),
    memory bandwidth and per-operation overhead on ``device`` (``cpu``, ``cuda``, ``cuda:N``),
    with ``threads`` CPU threads (PyTorch's own choice by default).

    ``matmul_size`` is n of the n x n matrix product (2048 on a CPU, 8192 on a GPU);
    ``copy_bytes`` the size of the copied buffer (256 MiB on a CPU, 1 GiB on a GPU). With the
    defaults a 2-core CPU takes a few seconds for fp32.
    """
    torch = require_torch()
    dtypes = (dtype,) if isinstance(dtype, str) else tuple(dtype)
    if not dtypes:
        raise MobicostError("give at least one data type to calibrate")
    kinds = {name: _dtype(name, torch) for name in dtypes}
    chosen = _device(device, torch)
    gpu = chosen.type == "cuda"
    n = matmul_size if matmul_size is not None else (8192 if gpu else 2048)
    size = copy_bytes if copy_bytes is not None else (2**30 if gpu else 2**28)
    _count("matmul_size", n)
    _count("copy_bytes", size)
    _count("repeats", repeats)
    _count("threads", threads)
    _positive("min_time", min_time)
    sync = _synchronizer(chosen, torch)

    def median(call: Callable[[], object]) -> float:
        call()  # warm: first-touch pages, kernel selection
        return statistics.median(_samples(call, sync, repeats, min_time)[1])

    try:
        with torch.inference_mode(), _cpu_threads(torch, threads):
            machine = _machine(chosen, torch)
            peak = {name: _peak(n, kind, chosen, torch, median) for name, kind in kinds.items()}
            bandwidth = _bandwidth(size, chosen, torch, median)
            one = torch.ones(1, device=chosen)
            overhead = median(lambda: one + one)
    except RuntimeError as error:  # a data type without kernels here; out of memory
        raise MobicostError(f"cannot calibrate {chosen}: {error}") from None
    return Calibration(machine, peak, bandwidth, overhead, n, size, date.today().isoformat())


def decimal_string(value: float, digits: int = 4) -> str:
    """A measured figure as a plain decimal with ``digits`` significant digits, no exponent.

    >>> decimal_string(4.2e-06), decimal_string(123456789012.3), decimal_string(0.5)
    ('0.0000042', '123500000000', '0.5')
    """
    return format(Decimal(f"{value:.{digits}g}"), "f")


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def profile_text(calibration: Calibration) -> str:
    """The device profile ``local`` as TOML, in the built-in profiles' format."""
    machine = calibration.machine
    threads = f", {machine.threads} threads" if machine.threads is not None else ""
    lines = [
        f"# {machine.name} ({machine.device}{threads}), measured by `mobicost calibrate`:",
        f"# peak = 2 n^3 / median seconds of an n x n matrix product (n = "
        f"{calibration.matmul_size}); bandwidth = 2 x {calibration.copy_bytes} bytes / median",
        "# seconds of one copy; overhead = median seconds of adding two 1-element tensors.",
        'name = "local"',
        f"title = {_toml_string(machine.name)}",
        "source = "
        + _toml_string(f"mobicost calibrate, {calibration.date}, {machine.runtime_title}{threads}"),
        f'kind = "{machine.kind}"',
        f'overhead = "{decimal_string(calibration.overhead)}"',
        f'bandwidth = "{decimal_string(calibration.bandwidth)}"',
        "",
        "[peak]",
        *(f'{name} = "{decimal_string(flops)}"' for name, flops in calibration.peak.items()),
    ]
    return "\n".join(lines) + "\n"


def kernel_model_path(runtime: str) -> Path:
    """The kernel latency model of this machine for ``runtime`` (``mobicost calibrate
    --runtime RUNTIME``): ``devices/local-RUNTIME.toml`` under :func:`config_dir`."""
    return config_dir() / "devices" / f"local-{runtime}.toml"


def save_profile(calibration: Calibration, path: str | os.PathLike[str] | None = None) -> Path:
    """Write ``calibration`` as a device profile (to :func:`profile_path` unless ``path`` is
    given), atomically: a temporary file in the same folder, then renamed over the old one."""
    target = Path(path) if path is not None else profile_path()
    return save_text(profile_text(calibration), target)


def save_text(text: str, target: Path) -> Path:
    """Write ``text`` to ``target`` atomically (its folder made where missing); a
    :class:`MobicostError` naming the file where it cannot be written."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
        try:
            os.chmod(temporary, 0o644)  # as an ordinary file, not mkstemp's 0o600
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        raise MobicostError(f"cannot write {str(target)!r}: {error.strerror or error}") from None
    return target
