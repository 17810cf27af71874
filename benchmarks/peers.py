"""The FLOP counters people use today, against torch's own counter, on torchvision's models.

    pip install ptflops fvcore thop torchprofile        # the peers (not mobicost's extras)
    PYTHONPATH=.:tests python benchmarks/peers.py [NAME...] > peers.md

For each model at 224x224 (randomly initialised, in eval mode, no weights downloaded; torchvision
from tests/torchvision_models.py): torch's ``FlopCounterMode`` as it counts by default under
``no_grad`` (FLOPs / 2 = MACs), torch's count of every product (the math attention kernel, and
MultiheadAttention's fast path off: what ``mobicost.from_torch`` reproduces module by module),
mobicost's, and each peer's MACs as a signed difference from torch's default. A peer that raises
is reported as such. A script, not a test: the peers are not mobicost's dependencies.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import torch
from test_import_torch import torch_macs
from torchvision_models import models

from mobicost import from_torch

MODELS = ("mobilenet_v2", "efficientnet_b0", "resnet18", "vit_b_16")


def torch_default(model: Any, x: Any) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    return int(counter.get_total_flops()) // 2


def ptflops(model: Any, x: Any) -> int:
    from ptflops import get_model_complexity_info

    macs, _ = get_model_complexity_info(
        model, tuple(x.shape[1:]), as_strings=False, print_per_layer_stat=False, verbose=False
    )
    return int(macs)


def fvcore(model: Any, x: Any) -> int:
    from fvcore.nn import FlopCountAnalysis  # counts one fused multiply-add as one flop

    analysis = FlopCountAnalysis(model, x)
    analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return int(analysis.total())


def thop(model: Any, x: Any) -> int:
    from thop import profile

    macs, _ = profile(model, inputs=(x,), verbose=False)
    return int(macs)


def torchprofile(model: Any, x: Any) -> int:
    from torchprofile import profile_macs

    return int(profile_macs(model, x))


PEERS: dict[str, Callable[[Any, Any], int]] = {
    "ptflops": ptflops,
    "fvcore": fvcore,
    "thop": thop,
    "torchprofile": torchprofile,
}


def main(names: list[str]) -> None:
    library = models()
    print("| model | torch (default) | torch (every product) | mobicost | "
          + " | ".join(PEERS) + " |")  # fmt: skip
    print("|---|---:|---:|---:|" + "---:|" * len(PEERS))
    for name in names or MODELS:
        x = torch.zeros(1, 3, 224, 224)
        cells = []
        base = torch_default(getattr(library, name)().eval(), x)
        full = torch_macs(getattr(library, name)().eval(), (3, 224, 224))[""]
        ours = from_torch(getattr(library, name)().eval(), (3, 224, 224), name=name).total.macs
        for peer in PEERS.values():
            try:
                counted = peer(getattr(library, name)().eval(), x)
                cells.append(f"{counted / base - 1:+.1%}")
            except Exception as error:
                cells.append(f"raises {type(error).__name__}")
        print(f"| {name} | {base:,} | {full:,} | {ours:,} | " + " | ".join(cells) + " |")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
