"""Every torchvision classification model at its default input size, read by
``mobicost.from_torch`` (or, with ``--onnx``, exported and read by ``mobicost.from_onnx``) and
compared with torch's own counter, module by module.

    PYTHONPATH=.:tests python benchmarks/import_torchvision.py [--onnx] [--size N]
        [--match REGEX] [NAME...] > sweep.txt

One row per model: its name, input size, OK or DIFF, mobicost's MACs, torch's MACs
(FlopCounterMode's FLOPs / 2, with the math attention kernel whose products its CPU count
otherwise leaves out, and MultiheadAttention's fast path off), mobicost's parameters,
``sum(p.numel())``, the first modules whose MACs differ, the operations not costed, and the
seconds taken; then how many of them agree (OK: every figure equal, and every operation
costed). torchvision comes from tests/torchvision_models.py
(its model definitions, randomly initialised; no weights).

``--onnx``: each model is exported (``torch.onnx.export(..., dynamo=True, optimize=False)``,
needs onnxscript) to a temporary file and that file read instead. ``--size N`` costs an N x N
input instead of the weights' size (a ViT is built for it; a model that refuses it is reported,
not costed), for a quick pass; ``--match`` keeps the models whose name the expression finds.
The README's "Imported models" section gives the results at the default sizes.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from test_import_torch import mobicost_macs, torch_macs
from torchvision_models import models

from mobicost import from_onnx, from_torch
from mobicost.frontends import not_costed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n\n")[0])
    parser.add_argument("names", nargs="*", help="models (default: every classification model)")
    parser.add_argument("--onnx", action="store_true", help="export to ONNX and read the file")
    parser.add_argument("--size", type=int, help="an N x N input instead of the default size")
    parser.add_argument("--match", help="only the models whose name this expression finds")
    args = parser.parse_args(argv)
    library = models()
    names = args.names or library.list_models(module=library)
    if args.match:
        names = [name for name in names if re.search(args.match, name)]
    agree = 0
    print("| Model | Input | Result | MACs | torch MACs | Params | sum(p.numel()) | "
          "MACs differ in | Not costed | Seconds |")  # fmt: skip
    print("|---|---:|:-:|---:|---:|---:|---:|---|---|---:|", flush=True)
    for name in names:
        start = time.perf_counter()
        try:
            row = compare(library, name, args.size, args.onnx)
        except Exception as error:  # a model that refuses the size, or a reader's error
            text = str(error).strip().splitlines()
            row = ["?", "ERROR", text[0][:120] if text else type(error).__name__, *[""] * 6]
        agree += row[1] == "OK"
        seconds = f"{time.perf_counter() - start:.1f}"
        print("| " + " | ".join(map(str, [name, *row, seconds])) + " |", flush=True)
    print(f"\n{agree} of {len(names)} equal" + (" from ONNX" if args.onnx else ""), flush=True)
    return 0 if agree == len(names) else 1


def compare(library: Any, name: str, size: int | None, onnx: bool) -> list[object]:
    weights = library.get_model_weights(name).DEFAULT
    crop = weights.transforms.keywords.get("crop_size", 224)
    size = size or int(crop[0] if isinstance(crop, list | tuple) else crop)
    try:  # a ViT is built for its input's size (vit_h_14's weights: 518)
        model = getattr(library, name)(image_size=size).eval()
    except TypeError:
        model = getattr(library, name)().eval()
    shape = (3, size, size)
    net = exported(model, shape, name) if onnx else from_torch(model, shape, name=name)
    expected = torch_macs(model, shape)
    ours = mobicost_macs(net)
    differ = [path or "(total)" for path, macs in expected.items() if ours.get(path, 0) != macs]
    params = sum(p.numel() for p in model.parameters())
    missing = not_costed(net)
    ok = not differ and not missing and net.params == params and net.total.macs == expected[""]
    return [
        size,
        "OK" if ok else "DIFF",
        f"{net.total.macs:,}",
        f"{expected['']:,}",
        f"{net.params:,}",
        f"{params:,}",
        ", ".join(differ[:3]),
        "; ".join(missing),
    ]


def exported(model: Any, shape: tuple[int, ...], name: str) -> Any:
    import torch

    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = Path(folder) / f"{name}.onnx"
        example = (torch.randn(1, *shape),)
        torch.onnx.export(model, example, path, dynamo=True, optimize=False, verbose=False)
        return from_onnx(path, name=name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
