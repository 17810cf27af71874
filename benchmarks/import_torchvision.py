"""Every torchvision classification model at its default input size, read by
``mobicost.from_torch`` and compared with torch's own counter, module by module.

    PYTHONPATH=.:tests python benchmarks/import_torchvision.py [--onnx] [NAME...] > sweep.txt

One line per model: its name, input size, OK or DIFF, mobicost's MACs, torch's MACs
(FlopCounterMode's FLOPs / 2, with the math attention kernel whose products its CPU count
otherwise leaves out, and MultiheadAttention's fast path off), mobicost's parameters,
``sum(p.numel())``, the modules that differ, the operations not costed, and the seconds taken.
torchvision comes from tests/torchvision_models.py (its model definitions, randomly initialised;
no weights). With ``--onnx`` each model is exported (``torch.onnx.export(..., dynamo=True,
optimize=False)``, needs onnxscript) and the file read by ``mobicost.from_onnx`` instead. The
README's "Imported models" section gives the results.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from test_import_torch import mobicost_macs, torch_macs
from torchvision_models import models

from mobicost import from_onnx, from_torch
from mobicost.frontends import not_costed


def main(names: list[str]) -> int:
    onnx = "--onnx" in names
    names = [name for name in names if name != "--onnx"]
    library = models()
    failures = 0
    for name in names or library.list_models(module=library):
        start = time.perf_counter()
        weights = library.get_model_weights(name).DEFAULT
        size = int(weights.transforms.keywords.get("crop_size", 224))
        try:  # a ViT is built for its weights' size (vit_h_14: 518)
            model = getattr(library, name)(image_size=size).eval()
        except TypeError:
            model = getattr(library, name)().eval()
        shape = (3, size, size)
        net = exported(model, shape, name) if onnx else from_torch(model, shape, name=name)
        expected = torch_macs(model, shape)
        ours = mobicost_macs(net)
        differ = [path for path, macs in expected.items() if ours.get(path, 0) != macs]
        params = sum(p.numel() for p in model.parameters())
        ok = not differ and net.params == params and net.total.macs == expected[""]
        failures += not ok
        print(
            name,
            size,
            "OK" if ok else "DIFF",
            net.total.macs,
            expected[""],
            net.params,
            params,
            differ[:3],
            not_costed(net),
            f"{time.perf_counter() - start:.1f}s",
            flush=True,
        )
    return 1 if failures else 0


def exported(model: object, shape: tuple[int, ...], name: str) -> object:
    import warnings

    import torch

    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = Path(folder) / f"{name}.onnx"
        example = (torch.randn(1, *shape),)
        torch.onnx.export(model, example, path, dynamo=True, optimize=False, verbose=False)
        return from_onnx(path, name=name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
