"""Architectures as data: each network is a table of layer specs, like the paper's Table 1.

A new network is a new table, not new code: :mod:`mobicost.network` turns any table into costed
layers for a width multiplier, a resolution and a set of counting conventions.

>>> [spec.label for spec in MOBILENET_V1.layers[:3]]
['Conv / s2', 'Conv dw / s1', 'Conv / s1']
>>> len([s for s in MOBILENET_V1.layers if s.kind in ("conv", "dw", "pw", "fc")])  # the paper's 28
28
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["conv", "dw", "pw", "avgpool", "fc"]


@dataclass(frozen=True)
class LayerSpec:
    """One row of an architecture table.

    ``filters`` is the output width before the width multiplier (convolutions); depthwise and
    pooling layers keep their input width, and the fully connected layer's width is the number of
    classes, a counting convention.
    """

    kind: Kind
    filters: int = 0
    kernel: int = 1
    stride: int = 1

    @property
    def label(self) -> str:
        """The paper's "Type / Stride" column."""
        name = {"conv": "Conv", "dw": "Conv dw", "pw": "Conv", "avgpool": "Avg Pool", "fc": "FC"}
        return f"{name[self.kind]} / s{self.stride}"

    @property
    def is_head(self) -> bool:
        """Part of the classifier head (average pool and fully connected)."""
        return self.kind in ("avgpool", "fc")


def conv(filters: int, kernel: int = 3, stride: int = 1) -> LayerSpec:
    return LayerSpec("conv", filters, kernel, stride)


def depthwise(stride: int = 1, kernel: int = 3) -> LayerSpec:
    return LayerSpec("dw", 0, kernel, stride)


def pointwise(filters: int) -> LayerSpec:
    return LayerSpec("pw", filters, 1, 1)


HEAD = (LayerSpec("avgpool"), LayerSpec("fc"))

#: The 13 (output filters, depthwise stride) blocks of the paper's Table 1. The paper prints the
#: last depthwise stride as s2 on a 7x7 input: a known typo. Every implementation (the authors'
#: TF-Slim, Keras, torchvision-style ports) uses s1, and so does mobicost.
MOBILENET_V1_BLOCKS: tuple[tuple[int, int], ...] = (
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1),
    (1024, 2), (1024, 1),
)  # fmt: skip


def separable_body(blocks: tuple[tuple[int, int], ...]) -> tuple[LayerSpec, ...]:
    """Depthwise 3x3 (strided) + pointwise 1x1 for each block: MobileNet's body."""
    return tuple(
        spec for filters, stride in blocks for spec in (depthwise(stride), pointwise(filters))
    )


def full_body(blocks: tuple[tuple[int, int], ...]) -> tuple[LayerSpec, ...]:
    """A full 3x3 convolution in place of each separable block: the paper's Conv MobileNet."""
    return tuple(conv(filters, 3, stride) for filters, stride in blocks)


@dataclass(frozen=True)
class Architecture:
    key: str  #: the name used on the command line ("mobilenet")
    title: str  #: the paper's name ("MobileNet")
    source: str
    layers: tuple[LayerSpec, ...]


_STEM = (conv(32, 3, 2),)
_SHALLOW_BLOCKS = tuple(b for i, b in enumerate(MOBILENET_V1_BLOCKS) if not 6 <= i <= 10)

MOBILENET_V1 = Architecture(
    "mobilenet",
    "MobileNet",
    "Howard et al. 2017, Table 1",
    (*_STEM, *separable_body(MOBILENET_V1_BLOCKS), *HEAD),
)
CONV_MOBILENET = Architecture(
    "conv-mobilenet",
    "Conv MobileNet",
    "Howard et al. 2017, Table 4: every separable block a full 3x3 convolution",
    (*_STEM, *full_body(MOBILENET_V1_BLOCKS), *HEAD),
)
SHALLOW_MOBILENET = Architecture(
    "shallow-mobilenet",
    "Shallow MobileNet",
    "Howard et al. 2017, Table 5: the five 14x14x512 separable blocks removed",
    (*_STEM, *separable_body(_SHALLOW_BLOCKS), *HEAD),
)

ARCHITECTURES: dict[str, Architecture] = {
    a.key: a for a in (MOBILENET_V1, CONV_MOBILENET, SHALLOW_MOBILENET)
}
