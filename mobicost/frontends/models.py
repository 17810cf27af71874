"""Models named on the command line: ``FILE.onnx``, ``FILE.py:CALLABLE``, ``torchvision:NAME``,
``timm:NAME``.

The rule that keeps these apart from a built-in's ``NAME@ALPHA:RES`` (:func:`is_model`): an
argument names a model to import when it ends in ``.onnx``, when it holds ``.py:`` (a Python
file, then the callable), or when it starts with ``torchvision:`` or ``timm:``. No built-in name
or spec file is written so (a spec file ends in ``.toml``), and a built-in's resolution after
``:`` is a number, never a file's callable.

>>> [is_model(text) for text in ("vit.onnx", "nets/my.py:build", "torchvision:vit_b_16")]
[True, True, True]
>>> [is_model(text) for text in ("mobilenet-v2@0.75:192", "my_net.toml", "0.75-MobileNet-128")]
[False, False, False]
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import MobicostError
from ..nets.network import Network

LIBRARIES = ("torchvision", "timm")
FORMS = "FILE.onnx, FILE.py:CALLABLE, torchvision:NAME or timm:NAME"


def is_model(text: str) -> bool:
    """Whether a network argument names a model to import (see the module's rule)."""
    library = text.partition(":")[0]
    return text.lower().endswith(".onnx") or ".py:" in text or library in LIBRARIES


def parse_shape(text: str) -> tuple[int, ...]:
    """``3x224x224`` (channels x height x width, no batch) as a tuple.

    >>> parse_shape("3x224x224"), parse_shape("3X96X128")
    ((3, 224, 224), (3, 96, 128))
    """
    parts = text.lower().replace(",", "x").split("x")
    if not all(p.strip().isascii() and p.strip().isdigit() and int(p) > 0 for p in parts):
        raise MobicostError(
            f"input shape {text!r}: expected positive whole numbers such as 3x224x224 (CxHxW)"
        )
    return tuple(int(p) for p in parts)


def parse_input(text: str) -> tuple[tuple[int, ...], bool]:
    """An ``--input``: a shape (:func:`parse_shape`), or ``tokens:SHAPE``, token ids of that
    shape (a sequence length, as a language model takes); the shape, and whether it is tokens.

    >>> parse_input("3x224x224"), parse_input("tokens:128")
    (((3, 224, 224), False), ((128,), True))
    """
    kind, colon, shape = text.partition(":")
    if not colon:
        return parse_shape(text), False
    if kind.strip().lower() != "tokens":
        raise MobicostError(
            f"input {text!r}: expected a shape such as 3x224x224 (CxHxW) or token ids as "
            "tokens:128 (a sequence length)"
        )
    return parse_shape(shape), True


def is_onnx(text: str) -> bool:
    """Whether a model argument names an ONNX file (else a PyTorch module: a Python file's
    callable or a library's model)."""
    return text.lower().endswith(".onnx")


def load_model(
    text: str,
    *,
    input_shape: Sequence[int] | None = None,
    resolution: int | None = None,
    tokens: bool = False,
) -> Network:
    """The model ``text`` names, costed on ``input_shape`` (channels, height, width; default:
    an ONNX file's static shape, torchvision's weights' crop size, else 3x224x224), its height
    and width set to ``resolution`` where given; with ``tokens``, on token ids of
    ``input_shape`` (an ONNX file says its input's type itself)."""
    if tokens and not input_shape:
        raise MobicostError("token ids need their shape: --input tokens:128 (a sequence length)")
    if is_onnx(text):
        from .onnx import from_onnx

        shape = _resized(tuple(input_shape) if input_shape else None, resolution)
        return from_onnx(text, input_shape=shape)
    module, shape, name = load_module(text, input_shape=input_shape, resolution=resolution)
    from .torch import from_torch

    return from_torch(module, shape, name=name, tokens=tokens)


def load_module(
    text: str,
    *,
    input_shape: Sequence[int] | None = None,
    resolution: int | None = None,
) -> tuple[Any, tuple[int, ...], str]:
    """A PyTorch-sourced model (``FILE.py:CALLABLE``, ``torchvision:NAME``, ``timm:NAME``) as
    the ``torch.nn.Module`` itself, the input shape it is costed on (as :func:`load_model`
    chooses it) and its name: what ``verify`` and ``profile`` run."""
    if is_onnx(text):
        raise MobicostError(f"{text} is an ONNX file, not a PyTorch module")
    library, _, name = text.partition(":")
    if library in LIBRARIES:
        module, default = _library_model(library, name, resolution)
    else:
        module, default = _file_model(text), (3, 224, 224)
        name = text
    shape = _resized(tuple(input_shape) if input_shape else default, resolution)
    assert shape is not None
    return module, shape, name


def model_loader(
    text: str, *, input_shape: Sequence[int] | None = None, tokens: bool = False
) -> Callable[[int | None], Network]:
    """``load(resolution)``: the model ``text`` names, read again at each resolution asked
    (``None``: its own input), as :func:`mobicost.analysis.sweep.sweep_model` sweeps it."""

    def load(resolution: int | None) -> Network:
        return load_model(text, input_shape=input_shape, resolution=resolution, tokens=tokens)

    return load


def _resized(shape: tuple[int, ...] | None, resolution: int | None) -> tuple[int, ...] | None:
    if resolution is None:
        return shape
    if shape is None:
        return (0, resolution, resolution)  # the file's channels, at this size
    if len(shape) < 3:
        raise MobicostError(f"--res resizes an image input, not a {'x'.join(map(str, shape))} one")
    return (*shape[:-2], resolution, resolution)


def _torch() -> Any:
    from ..nets.pytorch import require_torch

    return require_torch()


def _library_model(library: str, name: str, resolution: int | None) -> tuple[Any, tuple[int, ...]]:
    """A library's model, built without weights, and its default input shape."""
    _torch()
    if not name:
        raise MobicostError(f"{library}: name a model after the colon, as {library}:resnet18")
    try:
        lib = importlib.import_module("torchvision.models" if library == "torchvision" else "timm")
    except Exception as error:
        reason = str(error).strip().splitlines()
        raise MobicostError(
            f"{library} cannot be imported ({reason[0] if reason else type(error).__name__}): "
            f"pip install {library}"
        ) from None
    if library == "timm":
        if name not in lib.list_models():
            raise MobicostError(f"timm has no model {name!r} (timm.list_models() lists them)")
        model = lib.create_model(name, pretrained=False)
        shape = tuple(int(d) for d in model.default_cfg.get("input_size", (3, 224, 224)))
        return model, shape
    names = lib.list_models(module=lib)
    if name not in names:
        raise MobicostError(
            f"torchvision has no classification model {name!r}; for example: "
            + ", ".join(names[:6])
            + " (torchvision.models.list_models())"
        )
    size = 224
    try:
        crop = lib.get_model_weights(name).DEFAULT.transforms.keywords.get("crop_size", 224)
        size = int(crop[0] if isinstance(crop, list | tuple) else crop)
    except Exception:  # no weights table: 224, as the README says
        size = 224
    builder = getattr(lib, name)
    try:  # a model built for one size (ViT) is built for the one asked, or its weights' own
        return builder(weights=None, image_size=resolution or size), (3, size, size)
    except TypeError:
        return builder(weights=None), (3, size, size)


def _file_model(text: str) -> Any:
    """``FILE.py:CALLABLE``: the file run as a module, the callable called with no arguments."""
    torch = _torch()
    path, _, attribute = text.rpartition(":")
    if not os.path.isfile(path):
        raise MobicostError(f"no such Python file: {path} (expected {FORMS})")
    if not attribute.isidentifier():
        raise MobicostError(f"{text}: {attribute!r} is not a Python name; write {path}:CALLABLE")
    name = "_mobicost_model_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise MobicostError(f"{path} cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        if not hasattr(module, attribute):
            raise MobicostError(f"{path} has no {attribute!r}")
        made = getattr(module, attribute)
        if callable(made) and not isinstance(made, torch.nn.Module):
            made = made()
    except MobicostError:
        raise
    except Exception as error:
        reason = str(error).strip().splitlines()
        raise MobicostError(
            f"{text} raised {type(error).__name__}" + (f": {reason[0]}" if reason else "")
        ) from None
    finally:
        sys.modules.pop(name, None)
    if not isinstance(made, torch.nn.Module):
        raise MobicostError(f"{text} gave a {type(made).__name__}, not a torch.nn.Module")
    return made
