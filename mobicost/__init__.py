"""mobicost: exact, instant, explicit cost models for MobileNet-style networks.

The numeric API (this package's top level) never imports sympy or pandas; the symbolic engine
lives in :mod:`mobicost.derive` and is imported only when asked for.

>>> import mobicost
>>> mobicost.standard(k=3, m=512, n=512, f=14).macs
462422016
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers; at run time, loaded on first use
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

_HOMES = {
    **dict.fromkeys(("Conventions", "Layer", "Network", "mobilenet_v1", "model"), "network"),
    **dict.fromkeys(("VARIANTS", "Evaluation", "Shape", "Variant", "evaluate"), "variants"),
}


def __getattr__(name: str) -> Any:
    """Load the public API on first use, so that ``import mobicost`` stays cheap (PEP 562)."""
    if name not in __all__ or name == "__version__":
        raise AttributeError(f"module 'mobicost' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f".{_HOMES.get(name, 'rules')}", __name__)
    value = getattr(module, name)
    globals()[name] = value
    return value
