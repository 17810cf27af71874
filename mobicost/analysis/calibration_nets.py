"""The networks a runtime's kernels are calibrated on: random, seeded chains of the blocks mobile
networks are made of (convolutions of every kernel size and stride, depthwise-separable and
inverted-residual blocks with and without squeeze-and-excitation, residual basic blocks,
channel splits, shuffles and concats, grouped convolutions, pooling, a classifier), over the
sizes and widths networks use: none of them is a network of the library, so that a prediction
is judged on networks the calibration never saw.

Each is a spec file's text, built from a :class:`random.Random` seeded by its index.

>>> text = spec_text(0)
>>> text.splitlines()[0]
'name = "calibration-0"'
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..nets.network import Network

#: channel counts: multiples of 8, and others (20, 44...), on which a runtime takes other kernels
#: (ONNX Runtime's blocked NCHWc layout wants multiples of 8; a split of 116 channels has 58)
WIDTHS = (
    8, 16, 20, 24, 32, 40, 44, 48, 60, 64, 80, 96, 100, 112, 128, 140, 160, 192, 200, 256, 300,
    320, 384, 420, 512, 640, 768, 1024,
)  # fmt: skip
SIZES = (16, 24, 32, 48, 56, 64, 96, 112, 128, 160, 192, 224)
ACTS = ("relu", "relu6", "hswish", "swish", "relu")


class _Chain:
    def __init__(self, rng: random.Random, channels: int, size: int) -> None:
        self.rng, self.c, self.size = rng, channels, size
        self.lines: list[str] = []
        self.count = 0
        self.last = "input"

    def layer(self, op: str, inputs: list[str] | None = None, **attributes: object) -> str:
        self.count += 1
        name = f"l{self.count}"
        parts = [f'name = "{name}"', f'op = "{op}"']
        if inputs is not None:
            parts.append("input = [" + ", ".join(f'"{i}"' for i in inputs) + "]")
        for key, value in attributes.items():
            text = f'"{value}"' if isinstance(value, str) else str(value).lower()
            parts.append(f"{key} = {text}")
        self.lines.append("[[layers]]\n" + "\n".join(parts))
        self.last = name
        return name

    def width(self, least: int = 8) -> int:
        """A width near the current one (networks widen as they shrink)."""
        grow = self.rng.choice((1, 1, 1.5, 2, 2, 4))
        near = min(WIDTHS, key=lambda w: abs(w - self.c * grow))
        return max(near, least)

    def stride(self) -> int:
        return 2 if self.size >= 8 and self.rng.random() < 0.35 else 1

    def shrink(self, stride: int) -> None:
        self.size = -(-self.size // stride)

    # --- blocks ---

    def conv(self) -> None:
        k, s = self.rng.choice((1, 3, 3, 5, 7)), self.stride()
        self.c = self.width()
        self.layer("conv", filters=self.c, kernel=k, stride=s, bn=True, act=self.rng.choice(ACTS))
        self.shrink(s)

    def separable(self) -> None:
        k, s = self.rng.choice((3, 3, 5)), self.stride()
        self.layer("dw", kernel=k, stride=s, bn=True, act="relu")
        self.shrink(s)
        self.c = self.width()
        self.layer("pw", filters=self.c, bn=True, act="relu")

    def inverted(self) -> None:
        start, c_in = self.last, self.c
        t, k, s = self.rng.choice((1, 3, 4, 6)), self.rng.choice((3, 3, 5, 7)), self.stride()
        act = self.rng.choice(ACTS)
        if t > 1:
            self.layer("pw", filters=min(self.c * t, 2048), bn=True, act=act)
        self.layer("dw", kernel=k, stride=s, bn=True, act=act)
        expanded = min(c_in * t, 2048)
        if self.rng.random() < 0.3:
            squeeze = max(8, expanded // 4 // 8 * 8)
            gate = self.rng.choice(("sigmoid", "hsigmoid"))
            self.layer("se", squeeze=squeeze, act="relu", gate=gate)
        self.shrink(s)
        out = c_in if (s == 1 and self.rng.random() < 0.6) else self.width()
        project = self.layer("pw", filters=out, bn=True)
        self.c = out
        if s == 1 and out == c_in:
            self.layer("add", inputs=[project, start])

    def basic(self) -> None:
        start, c_in, s = self.last, self.c, self.stride()
        out = self.width() if s == 2 else c_in
        self.layer("conv", filters=out, kernel=3, stride=s, bn=True, act="relu")
        self.shrink(s)
        body = self.layer("conv", filters=out, kernel=3, bn=True)
        if s == 1 and out == c_in:
            shortcut = start
        else:
            shortcut = self.layer("conv", [start], filters=out, kernel=1, stride=s, bn=True)
        self.layer("add", inputs=[body, shortcut], act="relu")
        self.c = out

    def shuffle_unit(self) -> None:
        if self.c % 2 or self.c < 16:
            return self.separable()
        half = self.c // 2
        start = self.last
        keep = self.layer("split", [start], parts=2, index=0)
        self.layer("split", [start], parts=2, index=1)
        self.layer("pw", filters=half, bn=True, act="relu")
        self.layer("dw", kernel=3, bn=True)
        main = self.layer("pw", filters=half, bn=True, act="relu")
        self.layer("concat", inputs=[keep, main])
        self.layer("shuffle", groups=2)
        return None

    def grouped(self) -> None:
        groups = self.rng.choice([g for g in (2, 3, 4, 8) if self.c % g == 0] or [1])
        out = self.width(least=groups * 8)
        out -= out % groups
        self.layer("pw", filters=out, groups=groups, bn=True, act="relu")
        self.c = out
        if groups > 1:
            self.layer("shuffle", groups=groups)

    def fire(self) -> None:
        start = self.layer("pw", filters=max(8, self.c // 4), act="relu")
        left = self.layer("pw", [start], filters=self.c, act="relu")
        right = self.layer("conv", [start], filters=self.c, kernel=3, act="relu")
        self.layer("concat", inputs=[left, right])
        self.c *= 2

    def pool(self) -> None:
        if self.size < 4:
            return
        if self.rng.random() < 0.5:
            self.layer("pool", mode="max", kernel=3, stride=2, padding=1)
            self.size = (self.size + 2 - 3) // 2 + 1
        else:
            self.layer("pool", mode="avg", kernel=2, stride=2)
            self.size //= 2


BLOCKS = ("conv", "separable", "inverted", "inverted", "basic", "shuffle_unit", "grouped",
          "fire", "pool")  # fmt: skip


def spec_text(index: int) -> str:
    """The ``index``-th calibration network, as a spec file."""
    rng = random.Random(index)
    size = rng.choice(SIZES)
    chain = _Chain(rng, 3, size)
    chain.c = rng.choice((16, 24, 32, 48, 64))
    s = 2 if size >= 64 else 1
    chain.layer("conv", filters=chain.c, kernel=rng.choice((3, 5, 7)), stride=s, bn=True,
                act="relu")  # fmt: skip
    chain.shrink(s)
    for _ in range(rng.randint(8, 16)):
        getattr(chain, rng.choice(BLOCKS))()
        if chain.c > 1024:
            chain.c = 1024
            chain.layer("pw", filters=1024, bn=True, act="relu")
    chain.layer("gap")
    chain.layer("fc", units=rng.choice((10, 100, 1000)))
    header = f'name = "calibration-{index}"\ninput = [3, {size}, {size}]\n'
    return header + "\n" + "\n\n".join(chain.lines) + "\n"


def calibration_networks(count: int, *, max_macs: int = 1_500_000_000) -> Iterator[Network]:
    """The first ``count`` calibration networks of at most ``max_macs`` MACs (larger draws are
    passed over, so that calibrating stays within minutes)."""
    from ..nets.network import build
    from ..nets.spec import parse

    index = found = 0
    while found < count:
        net = build(parse(spec_text(index), f"<calibration network {index}>"))
        index += 1
        if net.total.macs <= max_macs:
            found += 1
            yield net
