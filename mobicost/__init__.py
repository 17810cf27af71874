"""mobicost: exact, instant, explicit cost models for MobileNet-style networks.

The numeric API (this package's top level) never imports sympy or pandas; the symbolic engine
lives in :mod:`mobicost.derive` and is imported only when asked for.

>>> import mobicost
>>> mobicost.standard(k=3, m=512, n=512, f=14).macs
462422016
"""

from __future__ import annotations

from .network import Conventions, Layer, Network, mobilenet_v1, model
from .rules import (
    Cost,
    MobicostError,
    batch_norm,
    conv,
    depthwise,
    depthwise_separable,
    fully_connected,
    global_avg_pool,
    grouped,
    output_size,
    pointwise,
    spatial_separable,
    standard,
)
from .variants import VARIANTS, Evaluation, Shape, Variant, evaluate

__version__ = "0.1.0"

__all__ = [
    "VARIANTS",
    "Conventions",
    "Cost",
    "Evaluation",
    "Layer",
    "MobicostError",
    "Network",
    "Shape",
    "Variant",
    "__version__",
    "batch_norm",
    "conv",
    "depthwise",
    "depthwise_separable",
    "evaluate",
    "fully_connected",
    "global_avg_pool",
    "grouped",
    "mobilenet_v1",
    "model",
    "output_size",
    "pointwise",
    "spatial_separable",
    "standard",
]
