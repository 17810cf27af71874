"""mobicost: exact, instant, explicit cost models for MobileNet-style networks, and any network
written down as a spec file.

The package's layers, each importing only those before it:

* :mod:`mobicost.cost`: the cost rules (one per layer kind, for exact integers and sympy
  symbols alike), the counting conventions, and the symbolic engine (:mod:`.cost.derive`);
* :mod:`mobicost.nets`: spec files, the layer graph they expand into, and the built-in library;
* :mod:`mobicost.analysis`: sweeps, comparisons and published claims judged;
* :mod:`mobicost.render`: reports as tables, CSV, JSON, Markdown and LaTeX;
* :mod:`mobicost.cli`: the ``mobicost`` command.

The top level is the numeric API; it never imports sympy or pandas, and loads each name on first
use.

>>> import mobicost
>>> mobicost.standard(k=3, m=512, n=512, f=14).macs
462422016
>>> mobicost.network("mobilenet-v2", alpha="0.75", resolution=192).name
'0.75 MobileNetV2-192'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers; at run time, loaded on first use
    from .analysis.sweep import sweep
    from .cost.conventions import Conventions
    from .cost.rules import (
        Cost,
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
    from .cost.variants import VARIANTS, Evaluation, Shape, Variant, evaluate
    from .errors import MobicostError
    from .frontends.imported import not_costed
    from .frontends.onnx import from_onnx
    from .frontends.torch import from_torch
    from .nets.library import load, load_spec, names
    from .nets.network import Layer, Network, mobilenet_v1, model, network
    from .nets.spec import Spec, parse
    from .nets.writer import to_toml
    from .render.tables import layer_frame

__version__ = "0.2.0"

_HOMES = {
    **dict.fromkeys(
        ("Cost", "batch_norm", "conv", "depthwise", "depthwise_separable", "fully_connected",
         "global_avg_pool", "grouped", "output_size", "pointwise", "spatial_separable",
         "standard"),
        "cost.rules",
    ),
    "Conventions": "cost.conventions",
    **dict.fromkeys(("VARIANTS", "Evaluation", "Shape", "Variant", "evaluate"), "cost.variants"),
    "MobicostError": "errors",
    "from_torch": "frontends.torch",
    "from_onnx": "frontends.onnx",
    "not_costed": "frontends.imported",
    **dict.fromkeys(("load", "load_spec", "names"), "nets.library"),
    **dict.fromkeys(("Layer", "Network", "mobilenet_v1", "model", "network"), "nets.network"),
    **dict.fromkeys(("Spec", "parse"), "nets.spec"),
    "to_toml": "nets.writer",
    "sweep": "analysis.sweep",
    "layer_frame": "render.tables",
}  # fmt: skip

__all__ = [
    "VARIANTS",
    "Conventions",
    "Cost",
    "Evaluation",
    "Layer",
    "MobicostError",
    "Network",
    "Shape",
    "Spec",
    "Variant",
    "__version__",
    "batch_norm",
    "conv",
    "depthwise",
    "depthwise_separable",
    "evaluate",
    "from_onnx",
    "from_torch",
    "fully_connected",
    "global_avg_pool",
    "grouped",
    "layer_frame",
    "load",
    "load_spec",
    "mobilenet_v1",
    "model",
    "names",
    "network",
    "not_costed",
    "output_size",
    "parse",
    "pointwise",
    "spatial_separable",
    "standard",
    "sweep",
    "to_toml",
]
assert set(__all__) == {"__version__", *_HOMES}


def __getattr__(name: str) -> Any:
    """Load the public API on first use, so that ``import mobicost`` stays cheap (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module 'mobicost' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f".{_HOMES[name]}", __name__)
    value = getattr(module, name)
    globals()[name] = value
    return value
