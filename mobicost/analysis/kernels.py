"""Latency from kernels: a small, explainable model per kernel kind, fitted to timings of the
kernels networks are made of, on this machine, in one runtime.

A *kernel* is what a runtime runs as one call: in PyTorch eager, one layer's module (its
convolution, batch norm and activation); in ONNX Runtime, one node of the graph after its
fusions (a convolution with its batch norm, activation and residual add folded in; a layout
reorder it inserted). Each kernel has a *kind* (``conv.dw``, ``conv.1x1``, ``conv.kxk``,
``fc``, ``pool``, ``copy``...), the MACs of the layers it computes, and the bytes they move
(inputs, weights and outputs, as :mod:`mobicost.nets.memory` counts them). Its time is modelled as

    seconds = fixed + MACs x per_mac + bytes x per_byte

with all three coefficients at least zero, fitted per kind by least squares on *relative*
errors (so that the many small kernels of a mobile network weigh as much as the few large
ones). ``fixed`` is the call's own cost (dispatch, launch, threads joining), ``1 / per_mac`` the
MACs per second the kernel reaches, ``1 / per_byte`` its bytes per second. A whole forward pass
adds a fixed cost per run (the runtime's own bookkeeping), fitted on the same calibration
networks. A kind with no samples falls back to the nearest kind that has them.

The model is data: :func:`model_text` writes it as TOML that a user can read and edit, and
:func:`parse_model` reads it back.

>>> samples = [Sample("conv.dw", m, b, 1e-6 + m * 1e-10 + b * 1e-10)
...            for m, b in ((10**4, 10**4), (10**5, 10**3), (10**3, 10**6), (10**6, 10**6))]
>>> fit = fit_kind("conv.dw", samples)
>>> round(fit.fixed * 1e6, 6), round(fit.per_mac * 1e10, 6), round(fit.per_byte * 1e10, 6)
(1.0, 1.0, 1.0)
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MobicostError

if TYPE_CHECKING:  # pragma: no cover
    from ..nets.memory import Workload
    from ..nets.network import Layer, Network
    from .latency import Device, Prediction

#: when a kind was never seen in calibration, the kinds tried in its place, in order
FALLBACK: Mapping[str, tuple[str, ...]] = {
    "conv.grouped": ("conv.1x1", "conv.kxk"),
    "conv.kxk": ("conv.1x1",),
    "conv.1x1": ("conv.kxk",),
    "conv.dw": ("conv.grouped", "conv.kxk"),
    "conv.grouped.nchw": ("conv.grouped", "conv.1x1.nchw", "conv.1x1"),
    "conv.1x1.nchw": ("conv.1x1",),
    "conv.kxk.nchw": ("conv.kxk",),
    "conv.dw.nchw": ("conv.dw",),
    "fc": ("conv.1x1",),
    "se": ("eltwise", "gap"),
    "pool": ("gap", "copy"),
    "gap": ("pool", "copy"),
    "reorder": ("copy",),
    "copy": ("eltwise", "reorder"),
    "eltwise": ("copy",),
    "view": ("copy",),
}


@dataclass(frozen=True)
class Sample:
    """One kernel timed: its kind, MACs and bytes, and its median seconds."""

    kind: str
    macs: int
    bytes: int
    seconds: float


@dataclass(frozen=True)
class KindFit:
    """One kind's model, with how well it fits its samples (mean absolute percentage error)."""

    kind: str
    fixed: float  #: seconds per call
    per_mac: float  #: seconds per MAC
    per_byte: float  #: seconds per byte moved
    samples: int
    error: float  #: mean |predicted - measured| / measured over the samples

    def seconds(self, macs: int, moved: int) -> float:
        return self.fixed + macs * self.per_mac + moved * self.per_byte


@dataclass(frozen=True)
class KernelModel:
    """A runtime's kernels on one machine: a fit per kind and the fixed cost of a run."""

    runtime: str
    machine: str
    threads: int | None
    source: str
    kinds: Mapping[str, KindFit]
    run: float  #: seconds a forward pass costs beyond its kernels, once
    per_node: float = 0.0  #: seconds a forward pass costs beyond its kernels, per kernel
    whole_error: float = 0.0  #: mean relative error on the calibration networks' whole passes

    def fit_for(self, kind: str) -> KindFit:
        """``kind``'s fit, or the nearest calibrated kind's (:data:`FALLBACK`)."""
        return _fit_for(self.kinds, kind)

    def seconds(self, kind: str, macs: int, moved: int) -> float:
        """A kernel's time, with its share of the run's bookkeeping between kernels."""
        return self.fit_for(kind).seconds(macs, moved) + self.per_node


@dataclass(frozen=True)
class Pass:
    """One calibration network's whole forward pass: its kernels ``(kind, MACs, bytes)`` and
    its median seconds end to end."""

    kernels: tuple[tuple[str, int, int], ...]
    seconds: float


def fit_model(
    samples: Sequence[Sample], passes: Sequence[Pass]
) -> tuple[dict[str, KindFit], float, float]:
    """Each kind fitted on its timed kernels, then the whole, on whole passes: a profiler's
    kernel times carry its own cost per kernel, and a run costs more (or less) than its kernels
    added up, so three figures common to every kind are fitted on the calibration networks'
    whole passes (relative error, none negative): a scale of the kinds' MAC and byte terms, a
    scale of their fixed costs, and a run's own cost. Returns the scaled kinds, the run's
    seconds, and the mean relative error of whole passes so predicted."""
    kinds = fit_kinds(samples)
    if not passes:
        return kinds, 0.0, 0.0
    rows = []
    for one in passes:
        variable = fixed = 0.0
        for kind, macs, moved in one.kernels:
            fit = _fit_for(kinds, kind)
            variable += macs * fit.per_mac + moved * fit.per_byte
            fixed += fit.fixed
        rows.append((variable / one.seconds, fixed / one.seconds, 1e-6 / one.seconds))
    scale, fixed_scale, run = _solve(rows, [1.0] * len(rows))
    scaled = {
        kind: KindFit(
            kind,
            fit.fixed * fixed_scale,
            fit.per_mac * scale,
            fit.per_byte * scale,
            fit.samples,
            fit.error,
        )
        for kind, fit in kinds.items()
    }
    error = statistics.mean(
        abs(sum(row[i] * x for i, x in enumerate((scale, fixed_scale, run))) - 1) for row in rows
    )
    return scaled, run * 1e-6, error


def calibration_source(runtime: str, title: str, networks: int, rounds: int, kernels: int) -> str:
    """How a kernel model was calibrated, in words (:attr:`KernelModel.source`)."""
    timed = f"{networks} calibration networks" + (f" in {rounds} rounds" if rounds > 1 else "")
    return (
        f"mobicost calibrate --runtime {runtime}, {date.today().isoformat()}, {title}, {timed}, "
        f"{kernels} kernels"
    )


def _fit_for(kinds: Mapping[str, KindFit], kind: str) -> KindFit:
    for candidate in (kind, *FALLBACK.get(kind, ())):
        if candidate in kinds:
            return kinds[candidate]
    if not kinds:
        raise MobicostError("a kernel model with no kinds")
    return max(kinds.values(), key=lambda fit: fit.samples)


def _solve(rows: Sequence[Sequence[float]], targets: Sequence[float]) -> list[float]:
    """Non-negative least squares for a handful of unknowns: every subset of them free, the
    rest zero; the feasible solution with the least residual."""
    import numpy

    a = numpy.asarray(rows, dtype=float)
    b = numpy.asarray(targets, dtype=float)
    n = a.shape[1]
    best: tuple[float, list[float]] | None = None
    for size in range(1, n + 1):
        for free in itertools.combinations(range(n), size):
            x, *_ = numpy.linalg.lstsq(a[:, free], b, rcond=None)
            if (x < 0).any():
                continue
            full = [0.0] * n
            for index, value in zip(free, x, strict=True):
                full[index] = float(value) + 0.0  # never -0.0
            residual = float(((a @ numpy.asarray(full) - b) ** 2).sum())
            if best is None or residual < best[0]:
                best = (residual, full)
    return best[1] if best is not None else [0.0] * n


def fit_kind(kind: str, samples: Sequence[Sample]) -> KindFit:
    """The model ``fixed + MACs x per_mac + bytes x per_byte`` fitted to ``samples`` on
    relative error: each equation divided by the measured time."""
    usable = [s for s in samples if s.seconds > 0]
    if not usable:
        raise MobicostError(f"no timed samples of {kind}")
    # unknowns scaled to order one: microseconds, and per million MACs or bytes
    rows = [(1 / s.seconds, s.macs / 1e6 / s.seconds, s.bytes / 1e6 / s.seconds) for s in usable]
    fixed, per_mmac, per_mbyte = _solve(rows, [1e6] * len(usable))
    fit = KindFit(kind, fixed * 1e-6, per_mmac * 1e-12, per_mbyte * 1e-12, len(usable), 0.0)
    error = sum(abs(fit.seconds(s.macs, s.bytes) - s.seconds) / s.seconds for s in usable)
    return KindFit(kind, fit.fixed, fit.per_mac, fit.per_byte, len(usable), error / len(usable))


def fit_kinds(samples: Iterable[Sample]) -> dict[str, KindFit]:
    by_kind: dict[str, list[Sample]] = {}
    for sample in samples:
        by_kind.setdefault(sample.kind, []).append(sample)
    return {kind: fit_kind(kind, found) for kind, found in sorted(by_kind.items())}


def _number(value: float) -> str:
    from ..nets.timing import decimal_string

    return f'"{decimal_string(value)}"'


def model_text(model: KernelModel) -> str:
    """The model as TOML: one table per kernel kind, its coefficients in readable units."""
    from ..nets.timing import _toml_string

    threads = f", {model.threads} threads" if model.threads is not None else ""
    lines = [
        f"# {model.machine}{threads}: kernel latency model for {model.runtime}, fitted by",
        "# `mobicost calibrate`. A kernel's seconds = fixed + MACs x per_mac + bytes x per_byte",
        "# + per_node; a forward pass adds `run`. `error` is a kind's mean absolute percentage",
        "# error on its `samples` kernels as the profiler timed them (before the whole-pass",
        "# scaling); `whole_error` the model's on the calibration networks' whole passes.",
        'name = "local"',
        f"runtime = {_toml_string(model.runtime)}",
        f"title = {_toml_string(model.machine)}",
        f"source = {_toml_string(model.source)}",
        f"threads = {model.threads if model.threads is not None else 0}",
        f"run = {_number(model.run)}",
        f"per_node = {_number(model.per_node)}",
        f"whole_error = {_number(model.whole_error)}",
    ]
    for kind, fit in model.kinds.items():
        lines += [
            "",
            f'[kernels."{kind}"]',
            f"fixed = {_number(fit.fixed)}",
            f"per_mac = {_number(fit.per_mac)}",
            f"per_byte = {_number(fit.per_byte)}",
            f"samples = {fit.samples}",
            f"error = {_number(fit.error)}",
        ]
    return "\n".join(lines) + "\n"


def parse_model(data: Mapping[str, Any], path: str) -> KernelModel:
    """A model from its TOML (as :func:`model_text` writes it)."""

    def number(where: str, value: Any) -> float:
        try:
            figure = float(value)
        except (TypeError, ValueError):
            raise MobicostError(f"{path}: {where} is not a number: {value!r}") from None
        if not figure >= 0:
            raise MobicostError(f"{path}: {where} must be at least zero, got {value!r}")
        return figure

    kernels = data.get("kernels")
    if not isinstance(kernels, Mapping) or not kernels:
        raise MobicostError(f"{path}: no [kernels.KIND] tables (run mobicost calibrate)")
    kinds = {}
    for kind, table in kernels.items():
        if not isinstance(table, Mapping):
            raise MobicostError(f"{path}: kernels.{kind} is not a table")
        kinds[str(kind)] = KindFit(
            str(kind),
            number(f"kernels.{kind}.fixed", table.get("fixed")),
            number(f"kernels.{kind}.per_mac", table.get("per_mac")),
            number(f"kernels.{kind}.per_byte", table.get("per_byte")),
            int(number(f"kernels.{kind}.samples", table.get("samples", 0))),
            number(f"kernels.{kind}.error", table.get("error", 0)),
        )
    threads = int(number("threads", data.get("threads", 0))) or None
    return KernelModel(
        str(data.get("runtime", "")),
        str(data.get("title", "")),
        threads,
        str(data.get("source", "")),
        kinds,
        number("run", data.get("run", 0)),
        number("per_node", data.get("per_node", 0)),
        number("whole_error", data.get("whole_error", 0)),
    )


def save_model(model: KernelModel, path: str | None = None) -> Path:
    """Write ``model`` where :func:`load_model` finds it for its runtime (or to ``path``),
    atomically."""
    from ..nets.timing import kernel_model_path, save_text

    return save_text(model_text(model), Path(path) if path else kernel_model_path(model.runtime))


def load_model(runtime: str, path: str | None = None) -> KernelModel:
    """This machine's kernel model for ``runtime`` (from ``mobicost calibrate --runtime``), or
    the model file at ``path``."""
    import sys

    from ..nets.timing import kernel_model_path

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    where = Path(path) if path else kernel_model_path(runtime)
    if not where.exists():
        raise MobicostError(
            f"no {runtime} kernel model of this machine yet ({where}): run `mobicost calibrate "
            f"--runtime {runtime}` first"
        )
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise MobicostError(f"cannot read {str(where)!r}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise MobicostError(f"{where}: not valid TOML: {error}") from None
    model = parse_model(data, str(where))
    if model.runtime != runtime:
        raise MobicostError(f"{where} is a kernel model for {model.runtime!r}, not {runtime!r}")
    return model


def layer_kind(layer: Layer) -> str:
    """The kernel kind of a layer run as one call (PyTorch eager: a node's module)."""
    from ..nets import ops

    op = layer.op
    if isinstance(op, ops.Conv):
        if layer.depthwise:
            return "conv.dw"
        if op.groups > 1:
            return "conv.grouped"
        return "conv.1x1" if op.kernel == (1, 1) else "conv.kxk"
    if isinstance(op, ops.Linear):
        return "fc"
    if isinstance(op, ops.Pool):
        return "pool"
    if isinstance(op, ops.GlobalPool):
        return "gap"
    if isinstance(op, ops.SqueezeExcite):
        return "se"
    if isinstance(op, ops.Concat | ops.Split | ops.Shuffle):
        return "copy"
    if isinstance(op, ops.Flatten | ops.Dropout):
        return "view"
    return "eltwise"


def predict_layers(network: Network, model: KernelModel, workload: Workload) -> Prediction:
    """``network``'s time in a runtime that runs each layer as one kernel (PyTorch eager), from
    the runtime's kernel model: each layer by its kind's fit, and the run's fixed cost."""
    from ..nets.memory import network_memory
    from .latency import LayerTime, Prediction

    memory = network_memory(network, workload)
    times = []
    for layer, bytes_ in zip(network.layers, memory.layers, strict=True):
        kind = layer_kind(layer)
        fit = model.fit_for(kind)
        times.append(
            LayerTime(
                layer,
                bytes_,
                exact(bytes_.macs * fit.per_mac),
                exact(bytes_.moved * fit.per_byte),
                exact(fit.fixed + model.per_node),
                kind,
            )
        )
    return Prediction(
        network, model_device(model), workload, tuple(times), exact(model.run), model_notes(model)
    )


def exact(seconds: float) -> Fraction:
    """A model's float as an exact decimal of six significant digits."""
    from ..nets.timing import decimal_string

    return Fraction(decimal_string(seconds, 6)) if seconds else Fraction(0)


def model_device(model: KernelModel) -> Device:
    """The device a prediction from ``model`` is for (no roofline: its figures are unused)."""
    from .latency import Device

    return Device("local", model.machine, model.source, {}, Fraction(1), Fraction(0), "cpu")


def model_notes(model: KernelModel) -> tuple[str, ...]:
    """What a prediction from ``model`` stands on, for a report's notes."""
    threads = f", {model.threads} threads" if model.threads else ""
    return (
        f"Kernel model: {model.source}; {model.machine}{threads}; a run's fixed cost "
        f"{model.run * 1e6:.3g} us, {model.per_node * 1e6:.3g} us a kernel.",
        "Kinds: "
        + "; ".join(
            f"{fit.kind} {fit.fixed * 1e6:.3g} us + {_per_giga(fit.per_mac)} us/GMAC + "
            f"{_per_giga(fit.per_byte)} us/GB ({fit.samples} kernels, {fit.error:.0%} off)"
            for fit in model.kinds.values()
        )
        + ".",
    )


def _per_giga(seconds_per_unit: float) -> str:
    return f"{seconds_per_unit * 1e15:.3g}"
