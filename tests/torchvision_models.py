"""torchvision's model builders for the import tests, where torchvision is installed.

Where ``import torchvision`` works, this is ``torchvision.models``. This project's test machine
pairs a CPU build of torch with a torchvision wheel built for CUDA torch, whose compiled ops fail
to load (``import torchvision`` raises "operator torchvision::nms does not exist"); its model
definitions are pure Python, so there the package is entered without running its ``__init__``
and the two modules that register compiled ops with torch are replaced by empty ones. Nothing is
vendored and no weights are downloaded: the builders make randomly initialised models, and
costs depend on shapes only.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

_COMPILED = ("torchvision._meta_registrations", "torchvision._autograd_registrations")


def models() -> Any:
    try:
        return importlib.import_module("torchvision.models")
    except (RuntimeError, ImportError):
        pass
    for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
        del sys.modules[name]
    spec = importlib.util.find_spec("torchvision")
    assert spec is not None and spec.submodule_search_locations is not None
    package = types.ModuleType("torchvision")
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    sys.modules["torchvision"] = package
    for name in _COMPILED:
        sys.modules[name] = types.ModuleType(name)
    return importlib.import_module("torchvision.models")


def build(name: str, **kwargs: Any) -> Any:
    """torchvision's ``name`` model, randomly initialised, in eval mode."""
    return getattr(models(), name)(**kwargs).eval()
