"""Side-by-side comparisons: one layer in every variant, and whole networks.

>>> layer = compare_layer(k=3, m=512, n=512, size=14)  # the paper's Table 3 layer
>>> [(row.label, row.cost.macs) for row in layer.rows][:2]
[('standard', 462422016), ('depthwise-separable', 52283392)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ..cost.rules import Cost, Padding
from ..cost.variants import Shape, evaluate
from ..exact import decimal_text
from ..nets.network import Network
from . import published
from .published import Printed

TABLE_3_SHAPE = {"k": 3, "m": 512, "n": 512, "size": 14}


@dataclass(frozen=True)
class LayerRow:
    """One way to build the layer: its exact cost, and what the paper printed for it, if any."""

    label: str
    variant: str
    cost: Cost
    ratio: Fraction  #: MACs relative to the standard convolution of the given shape
    width: Fraction = Fraction(1)  #: the width multiplier applied to M and N
    resolution: Fraction = Fraction(1)  #: the resolution multiplier applied to the input
    printed: tuple[Printed, Printed] | None = None  #: the paper's Table 3 MACs and params


@dataclass(frozen=True)
class LayerComparison:
    shape: Shape
    stride: int
    padding: Padding
    rows: tuple[LayerRow, ...]


def compare_layer(
    *,
    k: int,
    m: int,
    n: int,
    size: int,
    stride: int = 1,
    padding: Padding = "same",
    groups: int | None = None,
    alpha: Fraction | None = Fraction(3, 4),
    rho: Fraction | None = Fraction(714, 1000),
    bias: bool = False,
) -> LayerComparison:
    """Standard, depthwise-separable, spatially separable and (with ``groups``) grouped versions
    of one layer, then the separable one thinned by ``alpha`` and also shrunk by ``rho``: the
    rows of the paper's Table 3, whose printed values are attached when the shape is Table 3's.

    Thinning takes floor(alpha x channels); shrinking takes round(rho x size), half up.
    """
    shape = Shape.from_input(
        k=k, m=m, n=n, size=size, stride=stride, padding=padding, g=groups or 1
    )
    names = ["standard", "depthwise-separable", "spatial-separable"]
    if groups is not None:
        names.append("grouped")
    standard = None
    rows: list[LayerRow] = []
    for result in evaluate(names, shape, bias=bias):
        standard = standard or result.standard
        rows.append(
            LayerRow(
                result.variant.name,
                result.variant.name,
                result.cost,
                Fraction(result.cost.macs, result.standard.macs),
            )
        )
    assert standard is not None
    scaled = []
    if alpha is not None:
        scaled.append((f"depthwise-separable, alpha = {decimal_text(alpha)}", alpha, Fraction(1)))
        if rho is not None:
            scaled.append(
                (
                    f"depthwise-separable, alpha = {decimal_text(alpha)}, "
                    f"rho = {decimal_text(rho)}",
                    alpha,
                    rho,
                )
            )
    elif rho is not None:
        scaled.append((f"depthwise-separable, rho = {decimal_text(rho)}", Fraction(1), rho))
    for label, width, resolution in scaled:
        thin = Shape.from_input(
            k=k,
            m=max(1, math.floor(width * m)),
            n=max(1, math.floor(width * n)),
            size=max(1, math.floor(resolution * size + Fraction(1, 2))),
            stride=stride,
            padding=padding,
        )
        [result] = evaluate(["depthwise-separable"], thin, bias=bias)
        rows.append(
            LayerRow(
                label,
                "depthwise-separable",
                result.cost,
                Fraction(result.cost.macs, standard.macs),
                width,
                resolution,
            )
        )
    if {"k": k, "m": m, "n": n, "size": size} == TABLE_3_SHAPE and stride == 1 and not bias:
        rows = _attach_table_3(rows, alpha, rho)
    return LayerComparison(shape, stride, padding, tuple(rows))


def _attach_table_3(
    rows: list[LayerRow], alpha: Fraction | None, rho: Fraction | None
) -> list[LayerRow]:
    printed = {label: (macs, params) for label, macs, params in published.TABLE_3}
    wanted = {"standard": "standard convolution", "depthwise-separable": "depthwise separable"}
    attached = []
    for row in rows:
        key = wanted.get(row.label)
        if row.width == Fraction(3, 4) and alpha == Fraction(3, 4):
            key = (
                "rho = 0.714"
                if row.resolution == Fraction(714, 1000) == rho
                else ("alpha = 0.75" if row.resolution == 1 else None)
            )
        attached.append(
            LayerRow(
                row.label,
                row.variant,
                row.cost,
                row.ratio,
                row.width,
                row.resolution,
                printed.get(key) if key else None,
            )
        )
    return attached


@dataclass(frozen=True)
class ModelRow:
    network: Network
    ratio: Fraction  #: ops relative to the first network
    #: what a source printed for this configuration: "macs", "params", "top1" -> (figure, source)
    figures: Mapping[str, tuple[str, str]]


def published_figures(net: Network) -> dict[str, tuple[str, str]]:
    """The published mult-adds, parameters and top-1 of exactly this configuration (width,
    resolution, options): the MobileNet paper's rows first, then the spec's ``[[published]]``."""
    figures: dict[str, tuple[str, str]] = {}
    for row in published.PAPER_MODELS:
        if (row.architecture, Fraction(row.alpha), row.resolution) == (
            net.key,
            net.alpha,
            net.resolution,
        ):
            source = f"{row.source}, {row.table}"
            if row.macs is not None:
                figures.setdefault("macs", (f"{row.macs.text}M", source))
            if row.params is not None:
                figures.setdefault("params", (f"{row.params.text}M", source))
    spec = net.spec
    default_alpha = spec.default_alpha
    for entry in spec.published:
        what = entry.get("what")
        chosen = {k: str(v) for k, v in entry.get("options", {}).items()}
        same = (
            Fraction(str(entry.get("alpha", default_alpha))) == net.alpha
            and entry.get("resolution", spec.resolution) == net.resolution
            and all(dict(net.options).get(k) == v for k, v in chosen.items())
            and not entry.get("conventions")  # a count under other conventions is another row
        )
        if same and what in ("macs", "params", "top1"):
            unit = "" if what == "top1" else str(entry.get("scale", ""))
            figures.setdefault(str(what), (f"{entry['printed']}{unit}", str(entry.get("source"))))
    return figures


def compare_models(networks: Sequence[Network]) -> tuple[ModelRow, ...]:
    """Whole networks side by side, each relative to the first, with what was published for
    each configuration where there is a figure (:func:`published_figures`)."""
    if not networks:
        return ()
    first = networks[0].ops
    return tuple(
        ModelRow(net, Fraction(net.ops, first) if first else Fraction(0), published_figures(net))
        for net in networks
    )
