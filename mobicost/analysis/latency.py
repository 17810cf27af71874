"""Latency, predicted: a roofline with a per-layer overhead, per device profile.

Each layer takes at least the time to do its arithmetic at the device's peak and at least the
time to move its bytes at the device's bandwidth, plus a fixed overhead for launching it:

    time = max(FLOPs / peak, bytes moved / bandwidth) + overhead

with FLOPs = 2 x MACs for the whole batch, the peak of the activations' data type, and bytes
moved as :mod:`mobicost.nets.memory` counts them. The larger of the two bounds names the layer
*compute-bound* or *memory-bound*. A view (flatten, dropout at inference, a channel split)
launches nothing and takes no time. Everything is exact (fractions of a second) until printed.

Device profiles are data: ``devices/*.toml`` beside this module, each with its source (the
vendor's datasheet for a GPU), a file of the user's own, or ``local``: the profile
``mobicost calibrate`` measured and saved under the user's config directory.

>>> from mobicost.nets.network import network
>>> from mobicost.nets.memory import Workload
>>> result = predict(network("mobilenet-v1"), load_device("h100"), Workload(activations="bf16"))
>>> result.layers[1].bound, result.layers[2].bound       # a depthwise layer; a pointwise one
('memory', 'memory')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MobicostError
from ..exact import parse_exact
from ..nets.memory import DTYPES, LayerMemory, Workload, network_memory
from ..nets.timing import profile_path

if TYPE_CHECKING:  # pragma: no cover
    from ..nets.network import Layer, Network

_FOLDER = Path(__file__).parent / "devices"


@dataclass(frozen=True)
class Device:
    """A device's roofline: peak arithmetic per data type (FLOP/s), memory bandwidth (bytes/s)
    and a fixed overhead per layer (seconds), with where the figures come from."""

    name: str
    title: str
    source: str
    peak: Mapping[str, Fraction]
    bandwidth: Fraction
    overhead: Fraction
    kind: str = "gpu"

    def peak_for(self, dtype: str) -> Fraction:
        if dtype not in self.peak:
            raise MobicostError(
                f"device {self.name!r} has no peak for {dtype}; it has: {', '.join(self.peak)}"
            )
        return self.peak[dtype]

    def with_figures(
        self,
        peak: Fraction | None = None,
        bandwidth: Fraction | None = None,
        overhead: Fraction | None = None,
    ) -> Device:
        """The same device with some figures given instead (``--peak 50T --bandwidth 3T``);
        a given peak stands for every data type."""
        if peak is None and bandwidth is None and overhead is None:
            return self
        if peak is not None and bandwidth is not None and overhead is not None:
            return Device(
                "custom",
                "a device of given figures",
                "given on the command line",
                dict.fromkeys(DTYPES, peak),
                bandwidth,
                overhead,
                self.kind,
            )
        return Device(
            f"{self.name} (adjusted)" if self.name != "custom" else "custom",
            self.title,
            "; ".join(
                [self.source]
                + [
                    f"{what} given: {_si(value)}{unit}"
                    for what, value, unit in (("peak", peak, "FLOP/s"),
                                              ("bandwidth", bandwidth, "B/s"),
                                              ("overhead", overhead, "s"))
                    if value is not None
                ]
            ),
            dict.fromkeys(DTYPES, peak) if peak is not None else self.peak,
            bandwidth if bandwidth is not None else self.bandwidth,
            overhead if overhead is not None else self.overhead,
            self.kind,
        )  # fmt: skip

    def notes(self) -> tuple[str, ...]:
        peaks = ", ".join(f"{k} {_si(v)}FLOP/s" for k, v in self.peak.items())
        return (
            f"Device: {self.title} ({self.name}): {peaks}; {_si(self.bandwidth)}B/s; "
            f"{_si(self.overhead)}s a layer. Source: {self.source}.",
        )


def _si(value: Fraction) -> str:
    """A figure with an SI prefix, for notes: 3.35T, 5u."""
    number = float(value)
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1, ""),
                          (1e-3, "m"), (1e-6, "u"), (1e-9, "n")):  # fmt: skip
        if abs(number) >= scale:
            return f"{number / scale:.4g} {prefix}"
    return f"{number:.4g} "


def device_names() -> tuple[str, ...]:
    """The built-in profiles, then ``local`` (the calibrated machine)."""
    return (*sorted(p.stem for p in _FOLDER.glob("*.toml")), "local")


def parse_device(text: str, path: str) -> Device:
    """A device profile from its TOML text; every problem names the file."""
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MobicostError(f"{path}: not valid TOML: {error}") from None

    def figure(key: str, value: Any) -> Fraction:
        try:
            number = parse_exact(str(value))
        except ValueError:
            raise MobicostError(f"{path}: {key} = {value!r} is not a number") from None
        if number <= 0 and key != "overhead":
            raise MobicostError(f"{path}: {key} must be above zero, got {value!r}")
        if number < 0:
            raise MobicostError(f"{path}: overhead cannot be negative, got {value!r}")
        return number

    for key in ("name", "peak", "bandwidth", "overhead"):
        if key not in data:
            raise MobicostError(f"{path}: a device profile needs {key!r}")
    if not isinstance(data["peak"], dict) or not data["peak"]:
        raise MobicostError(f'{path}: peak must be a table such as {{ fp32 = "67e12" }}')
    unknown = sorted(set(data["peak"]) - set(DTYPES))
    if unknown:
        raise MobicostError(f"{path}: peak for {unknown[0]!r}; types: {', '.join(DTYPES)}")
    return Device(
        str(data["name"]),
        str(data.get("title", data["name"])),
        str(data.get("source", path)),
        {k: figure(f"peak.{k}", v) for k, v in data["peak"].items()},
        figure("bandwidth", data["bandwidth"]),
        figure("overhead", data["overhead"]),
        str(data.get("kind", "gpu")),
    )


def load_device(name: str) -> Device:
    """A built-in profile by name, ``local`` (from ``mobicost calibrate``), or a profile file."""
    if name == "local":
        path = profile_path()
        if not path.exists():
            raise MobicostError(
                f"no profile of this machine yet ({path}): run `mobicost calibrate` first"
            )
        return parse_device(path.read_text(encoding="utf-8"), str(path))
    builtin = _FOLDER / f"{name}.toml"
    if builtin.exists():
        return parse_device(builtin.read_text(encoding="utf-8"), builtin.name)
    if os.path.exists(name):
        try:
            text = Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise MobicostError(f"cannot read {name!r}: {error}") from None
        return parse_device(text, name)
    raise MobicostError(
        f"unknown device {name!r}; choose from: {', '.join(device_names())}, or a profile file"
    )


@dataclass(frozen=True)
class LayerTime:
    """One layer's predicted time (seconds, exact) and what bounds it."""

    layer: Layer
    memory: LayerMemory
    compute_s: Fraction
    memory_s: Fraction
    overhead_s: Fraction
    #: on a calibrated kernel model (:mod:`mobicost.analysis.kernels`), the kinds of the
    #: kernels that run the layer (``conv.dw``), or ``fused`` where the runtime folded it into
    #: another's; empty on a roofline
    kernels: str = ""

    @property
    def bound(self) -> str:
        if self.kernels:
            return self.kernels
        if not self.memory.moved:
            return "none"
        return "compute" if self.compute_s >= self.memory_s else "memory"

    @property
    def seconds(self) -> Fraction:
        if self.kernels:  # a kernel model adds its terms: the call, the MACs, the bytes
            return self.compute_s + self.memory_s + self.overhead_s
        return max(self.compute_s, self.memory_s) + self.overhead_s


@dataclass(frozen=True)
class Prediction:
    """A network's predicted time on a device, layer by layer."""

    network: Network
    device: Device
    workload: Workload
    layers: tuple[LayerTime, ...]
    run_s: Fraction = Fraction(0)  #: a kernel model's fixed cost of a forward pass
    method: tuple[str, ...] = ()  #: how a kernel model predicted, in sentences

    @property
    def seconds(self) -> Fraction:
        return sum((t.seconds for t in self.layers), Fraction(0)) + self.run_s

    def notes(self) -> tuple[str, ...]:
        """What the prediction stands on: the device's roofline, or the kernel model."""
        return self.method or self.device.notes()

    def share(self, layer_time: LayerTime) -> Fraction:
        total = self.seconds
        return layer_time.seconds / total if total else Fraction(0)

    def by_category(self) -> list[tuple[str, Fraction, Fraction]]:
        """(layer type, share of time, share of MACs): the paper's Table 2, in time."""
        total_s, total_macs = self.seconds, sum(int(t.layer.cost.macs) for t in self.layers)
        seconds: dict[str, Fraction] = {}
        macs: dict[str, int] = {}
        for t in self.layers:
            seconds[t.layer.category] = seconds.get(t.layer.category, Fraction(0)) + t.seconds
            macs[t.layer.category] = macs.get(t.layer.category, 0) + int(t.layer.cost.macs)
        rows = [
            (
                category,
                seconds[category] / total_s if total_s else Fraction(0),
                Fraction(macs[category], total_macs) if total_macs else Fraction(0),
            )
            for category in seconds
            if seconds[category]
        ]
        return sorted(rows, key=lambda row: -row[1])


def predict(network: Network, device: Device, workload: Workload | None = None) -> Prediction:
    """The roofline prediction of every layer of ``network`` on ``device``."""
    workload = workload or Workload()
    peak = device.peak_for(workload.activations)
    memory = network_memory(network, workload)
    layers = []
    for layer, bytes_ in zip(network.layers, memory.layers, strict=True):
        moved = bytes_.moved
        layers.append(
            LayerTime(
                layer,
                bytes_,
                Fraction(2 * bytes_.macs) / peak,
                Fraction(moved) / device.bandwidth,
                device.overhead if moved else Fraction(0),
            )
        )
    return Prediction(network, device, workload, tuple(layers))
