"""Cross-check mobicost against PyTorch's own counter on a real network (extra ``mobicost[torch]``).

:func:`to_torch` builds a ``torch.nn.Module`` from any :class:`~mobicost.network.Network`, with the
same conventions (bias, batch norm, classes, head) and TensorFlow's 'same' padding (asymmetric at
stride 2, as the paper's TensorFlow models). :func:`verify` runs one forward pass under
``torch.utils.flop_counter.FlopCounterMode`` and counts parameters with ``numel``; every layer's
MACs (measured FLOPs / 2), parameters and output shape must equal mobicost's, exactly.

What the measurement counts, stated: FlopCounterMode counts 2 FLOPs per multiply-accumulate of a
convolution or linear layer and ignores bias additions, pooling and batch norm, exactly mobicost's
MACs. Parameters are ``numel`` of the layer's parameters, plus the batch-norm running mean and
variance (buffers in PyTorch) when the convention counts them; with ``bn="slim"`` (TF-Slim's
``scale=False``) the batch-norm weight is left out. Pooling additions are not verified: PyTorch's
counter does not count them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .network import Layer, Network
from .rules import MobicostError

INSTALL_HINT = (
    "PyTorch is not installed: pip install torch==2.13.0 (a CPU build), then "
    "pip install 'mobicost[torch]'"
)


def require_torch() -> Any:
    """Import torch, or raise a :class:`MobicostError` saying how to install it."""
    try:
        import torch
    except ImportError:
        raise MobicostError(INSTALL_HINT) from None
    return torch


def _same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding: (before, after), the extra pixel after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _block(layer: Layer, conventions: Any, torch: Any) -> Any:
    nn = torch.nn
    spec = layer.spec
    bias = conventions.bias_on(spec)
    if spec.kind == "avgpool":
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
    if spec.kind == "fc":
        return nn.Linear(layer.c_in, layer.c_out, bias=bias)
    modules: list[tuple[str, Any]] = []
    before, after = _same_padding(layer.in_size, spec.kernel, spec.stride)
    padding: int | tuple[int, int] = before
    if before != after:  # asymmetric: pad explicitly, as TensorFlow does
        modules.append(("pad", nn.ZeroPad2d((before, after, before, after))))
        padding = 0
    groups = layer.c_in if spec.kind == "dw" else 1
    modules.append(
        (
            "conv",
            nn.Conv2d(
                layer.c_in, layer.c_out, spec.kernel, spec.stride, padding, groups=groups, bias=bias
            ),
        )
    )
    if conventions.bn != "none":
        modules.append(("bn", nn.BatchNorm2d(layer.c_out)))
    modules.append(("relu", nn.ReLU(inplace=True)))
    from collections import OrderedDict

    return nn.Sequential(OrderedDict(modules))


def layer_name(layer: Layer) -> str:
    return f"layer{layer.index:02d}_{layer.spec.kind}"


def to_torch(network: Network) -> Any:
    """The network as a ``torch.nn.Sequential`` (a ``torch.nn.Module``) of one named block per
    mobicost layer."""
    torch = require_torch()
    from collections import OrderedDict

    return torch.nn.Sequential(
        OrderedDict(
            (layer_name(layer), _block(layer, network.conventions, torch))
            for layer in network.layers
        )
    )


def measured_params(block: Any, bn: str) -> int:
    """Parameters of one block under the batch-norm convention (see the module docstring)."""
    total = 0
    for name, parameter in block.named_parameters():
        if bn == "slim" and name.endswith("bn.weight"):
            continue  # TF-Slim's batch norm has no scale
        total += parameter.numel()
    if bn in ("slim", "all"):
        total += sum(
            buffer.numel()
            for name, buffer in block.named_buffers()
            if name.endswith(("running_mean", "running_var"))
        )
    return int(total)


@dataclass(frozen=True)
class LayerCheck:
    layer: Layer
    measured_macs: int
    measured_params: int
    measured_shape: tuple[int, ...]

    @property
    def expected_shape(self) -> tuple[int, ...]:
        if self.layer.spec.kind in ("avgpool", "fc"):
            return (1, self.layer.c_out)
        return (1, self.layer.c_out, self.layer.out_size, self.layer.out_size)

    @property
    def ok(self) -> bool:
        return (
            self.measured_macs == self.layer.cost.macs
            and self.measured_params == self.layer.params
            and self.measured_shape == self.expected_shape
        )


@dataclass(frozen=True)
class Verification:
    network: Network
    layers: tuple[LayerCheck, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.layers)

    @property
    def measured_macs(self) -> int:
        return sum(check.measured_macs for check in self.layers)

    @property
    def measured_params(self) -> int:
        return sum(check.measured_params for check in self.layers)

    @property
    def mismatches(self) -> tuple[LayerCheck, ...]:
        return tuple(check for check in self.layers if not check.ok)


#: the largest activation one verification may allocate (float32), to fail early, not by OOM
MAX_ACTIVATION_BYTES = 2**30


def verify(network: Network) -> Verification:
    """Build ``network`` in PyTorch, run one forward pass, and count it layer by layer."""
    largest = max(4 * layer.c_out * layer.out_size**2 for layer in network.layers)
    largest = max(largest, 4 * 3 * network.resolution**2)
    if largest > MAX_ACTIVATION_BYTES:
        raise MobicostError(
            f"{network.name} is too large to run in PyTorch here: one activation needs "
            f"{largest / 2**30:.1f} GiB (the limit is {MAX_ACTIVATION_BYTES / 2**30:.0f} GiB); "
            f"lower the resolution or alpha"
        )
    torch = require_torch()
    from torch.utils.flop_counter import FlopCounterMode

    model = to_torch(network).eval()
    shapes: dict[str, tuple[int, ...]] = {}
    for name, block in model.named_children():
        block.register_forward_hook(
            lambda module, inputs, output, name=name: shapes.__setitem__(name, tuple(output.shape))
        )
    x = torch.zeros(1, 3, network.resolution, network.resolution)
    with torch.no_grad(), FlopCounterMode(display=False, depth=3) as counter:
        model(x)
    flops = counter.get_flop_counts()
    checks = []
    for layer, (name, block) in zip(network.layers, model.named_children(), strict=True):
        layer_flops = sum(flops.get(f"Sequential.{name}", {}).values())
        if layer_flops % 2:
            raise MobicostError(f"{name}: PyTorch counted an odd number of FLOPs ({layer_flops})")
        checks.append(
            LayerCheck(
                layer,
                layer_flops // 2,
                measured_params(block, network.conventions.bn),
                shapes[name],
            )
        )
    return Verification(network, tuple(checks))


def verify_all(networks: Iterable[Network]) -> list[Verification]:
    return [verify(network) for network in networks]
