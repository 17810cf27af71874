"""The optional extras a test may need, in one place.

A test that needs an optional package is marked ``@pytest.mark.requires("torch")`` (or given
:func:`marks_for` a command line). Where the package is absent the test is skipped with a reason
naming the install command, so the README's quick start (no torch, no onnx) passes with skips;
with ``MOBICOST_REQUIRE_EXTRAS=1`` (CI, after installing the extras) an absent package fails the
test instead, so that the extras' tests can never pass by skipping. The marker is applied in
``conftest.py``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence

import pytest

#: import name -> how a user gets it
EXTRAS = {
    "torch": "pip install torch==2.13.0 (a CPU build)",
    "onnx": "pip install 'mobicost[onnx]'",
    "onnxscript": "pip install onnxscript (torch.onnx.export(..., dynamo=True) needs it)",
    "torchvision": "pip install torchvision (model definitions: tests/torchvision_models.py)",
    "onnxruntime": "pip install 'mobicost[onnxruntime]'",
    "pyarrow": "pip install 'mobicost[parquet]'",
    "matplotlib": "pip install 'mobicost[plot]'",
}

#: the commands that measure or run a network in PyTorch, whatever their options
TORCH_COMMANDS = ("verify", "profile", "calibrate")


def available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def missing(modules: Sequence[str]) -> list[str]:
    unknown = [m for m in modules if m not in EXTRAS]
    if unknown:
        raise ValueError(f"not an optional extra: {unknown} (known: {', '.join(EXTRAS)})")
    return [m for m in modules if not available(m)]


def require(module: str) -> None:
    """Skip the running test where ``module`` is absent (fail it with
    ``MOBICOST_REQUIRE_EXTRAS=1``), naming how to install it."""
    if not missing([module]):
        return
    if os.environ.get("MOBICOST_REQUIRE_EXTRAS"):
        pytest.fail(
            f"MOBICOST_REQUIRE_EXTRAS is set, but this test {reason([module])}", pytrace=False
        )
    pytest.skip(reason([module]))


def reason(absent: Sequence[str]) -> str:
    """Why a test cannot run here: the extras absent, and how to install each."""
    return "needs " + "; ".join(f"{module}: {EXTRAS[module]}" for module in absent)


def command_needs(args: Sequence[str]) -> tuple[str, ...]:
    """The extras a ``mobicost ARGS`` command line needs to run (an imported model: torch, or
    onnx for an ONNX file)."""
    from mobicost.frontends.models import is_model

    if not args:
        return ()
    needs: tuple[str, ...] = ()
    if "--runtime" in args and args[args.index("--runtime") + 1 :][:1] == ["onnxruntime"]:
        needs += ("onnx", "onnxruntime")
    elif args[0] in TORCH_COMMANDS or (args[0] == "check" and "--measure" in args):
        needs += ("torch",)
    if args[0] == "export":
        needs += ("onnx",)
    if "parquet" in args:
        needs += ("pyarrow",)
    models = [arg for arg in args[1:] if is_model(arg)]
    if any(arg.lower().endswith(".onnx") for arg in models):
        needs += ("onnx",)
    elif models:
        needs += ("torch",)
    if any(arg.startswith("torchvision:") for arg in models):
        needs += ("torchvision",)
    return tuple(dict.fromkeys(needs))


def marks_for(args: Sequence[str]) -> list[pytest.MarkDecorator]:
    """The marks for a parametrized case running ``mobicost ARGS``."""
    needs = command_needs(args)
    return [pytest.mark.requires(*needs)] if needs else []
