"""Any costed network as a real ``torch.nn.Module`` (extra ``mobicost[torch]``), built from the same
graph, so that PyTorch's own counter can check mobicost's counts node by node.

One module per node, held in a ``ModuleDict`` and run in the graph's order, each reading its
inputs by name: residual adds, concats, channel splits and shuffles, squeeze-and-excitation
included. Convolutions get TensorFlow's 'same' padding where the spec says 'same' (asymmetric at
stride 2, with an explicit ``ZeroPad2d``), and explicit padding otherwise; a bias where the
conventions put one; batch norm where the spec does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import MobicostError
from . import ops

if TYPE_CHECKING:  # pragma: no cover
    from .network import Layer, Network

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


def module_name(layer: Layer) -> str:
    """A node's name as a PyTorch module name (which cannot hold dots)."""
    return layer.name.replace(".", "__")


def _activation(name: str | None, nn: Any) -> list[tuple[str, Any]]:
    if name is None:
        return []
    modules = {
        "relu": nn.ReLU,
        "relu6": nn.ReLU6,
        "hswish": nn.Hardswish,
        "hsigmoid": nn.Hardsigmoid,
        "sigmoid": nn.Sigmoid,
        "swish": nn.SiLU,
        "tanh": nn.Tanh,
    }
    if name not in modules:  # an imported model's function (gelu, softmax...) written in a spec
        raise MobicostError(f"no PyTorch module for the activation {name!r}")
    return [("act", modules[name]())]


def _pad(layer: Layer, kernel: ops.Pair, stride: ops.Pair, dilation: ops.Pair, nn: Any) -> Any:
    """Symmetric padding for the layer itself, and a pad module before it where asymmetric."""
    op = layer.op
    padding = getattr(op, "padding", (0, 0, 0, 0))
    top, bottom, left, right = ops.explicit_pads(padding, layer.inputs[0], kernel, stride, dilation)
    if top == bottom and left == right:
        return (top, left), []
    fill = float("-inf") if isinstance(op, ops.Pool) and op.mode == "max" else 0.0
    return (0, 0), [("pad", nn.ConstantPad2d((left, right, top, bottom), fill))]


def _module(layer: Layer, conventions: Any, torch: Any) -> Any:
    nn = torch.nn
    op, x, out = layer.op, layer.inputs[0], layer.output
    bias = conventions.bias_on(op.bias_class)
    parts: list[tuple[str, Any]] = []
    if isinstance(op, ops.Conv):
        padding, pad = _pad(layer, op.kernel, op.stride, op.dilation, nn)
        parts += pad
        parts.append(
            (
                "conv",
                nn.Conv2d(
                    x.c, out.c, op.kernel, op.stride, padding, op.dilation, op.groups, bias=bias
                ),
            )
        )
    elif isinstance(op, ops.Linear):
        if not x.flat:
            parts.append(("flatten", nn.Flatten()))
        parts.append(("fc", nn.Linear(x.c, out.c, bias=bias)))
    elif isinstance(op, ops.Pool):
        if op.output is not None:
            adaptive = nn.AdaptiveAvgPool2d if op.mode == "avg" else nn.AdaptiveMaxPool2d
            parts.append(("pool", adaptive(op.output)))
        else:
            padding, pad = _pad(layer, op.kernel, op.stride, (1, 1), nn)
            parts += pad
            pool = nn.AvgPool2d if op.mode == "avg" else nn.MaxPool2d
            parts.append(("pool", pool(op.kernel, op.stride, padding, ceil_mode=op.ceil_mode)))
    elif isinstance(op, ops.GlobalPool):
        pool = nn.AdaptiveAvgPool2d if op.mode == "avg" else nn.AdaptiveMaxPool2d
        parts.append(("pool", pool(1)))
    elif isinstance(op, ops.SqueezeExcite):
        return _SqueezeExcite(out.c, op, bias, torch)
    elif isinstance(op, ops.Shuffle):
        parts.append(("shuffle", nn.ChannelShuffle(op.groups)))
    elif isinstance(op, ops.Flatten):
        parts.append(("flatten", nn.Flatten()))
    elif isinstance(op, ops.Dropout):
        parts.append(("dropout", nn.Dropout(float(op.p))))
    elif isinstance(op, ops.BatchNorm):
        pass  # the batch norm below
    elif not isinstance(op, ops.Activation | ops.Add | ops.Concat | ops.Split):
        raise MobicostError(f"no PyTorch module for a {op.kind} layer (an imported model's kind)")
    if op.bn:
        parts.append(("bn", (nn.BatchNorm1d if out.flat else nn.BatchNorm2d)(out.c)))
    parts += _activation(op.act, nn)
    body = nn.Sequential(OrderedDict(parts))
    if isinstance(op, ops.Add):
        return _Merge(body, "add", torch)
    if isinstance(op, ops.Concat):
        return _Merge(body, "concat", torch)
    if isinstance(op, ops.Split):
        return _Merge(body, f"split:{op.parts}:{op.index}", torch)
    return body


def _merge_class(torch: Any) -> Any:
    class Merge(torch.nn.Module):  # type: ignore[misc]
        """An add, a concat or a channel split, then the node's batch norm and activation."""

        def __init__(self, body: Any, how: str) -> None:
            super().__init__()
            self.body, self.how = body, how

        def forward(self, *inputs: Any) -> Any:
            if self.how == "add":
                x = inputs[0]
                for other in inputs[1:]:
                    x = x + other
            elif self.how == "concat":
                x = torch.cat(inputs, dim=1)
            else:
                _, parts, index = self.how.split(":")
                x = inputs[0].chunk(int(parts), dim=1)[int(index)]
            return self.body(x)

    return Merge


def _Merge(body: Any, how: str, torch: Any) -> Any:  # noqa: N802 - a class factory
    return _merge_class(torch)(body, how)


def _SqueezeExcite(c: int, op: ops.SqueezeExcite, bias: bool, torch: Any) -> Any:  # noqa: N802
    nn = torch.nn
    gates = {"sigmoid": nn.Sigmoid, "hsigmoid": nn.Hardsigmoid}

    class SqueezeExcite(nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc1 = nn.Conv2d(c, op.squeeze, 1, bias=bias)
            self.act = nn.Sequential(OrderedDict(_activation(op.act, nn)))
            self.fc2 = nn.Conv2d(op.squeeze, c, 1, bias=bias)
            self.gate = gates[op.gate]()

        def forward(self, x: Any) -> Any:
            return x * self.gate(self.fc2(self.act(self.fc1(self.pool(x)))))

    return SqueezeExcite()


#: the most float32 weight memory a network built in PyTorch may hold (a billion parameters), to
#: fail early, not by running out of memory
MAX_WEIGHT_BYTES = 2**32


def to_torch(network: Network) -> Any:
    """The network as a ``torch.nn.Module``: ``model.blocks`` holds one module per node (named as
    :func:`module_name`), run in order; calling the model returns the last node's output."""
    weights = 4 * network.params
    if weights > MAX_WEIGHT_BYTES:
        raise MobicostError(
            f"{network.name} is too large to build in PyTorch here: its weights need "
            f"{weights / 2**30:.1f} GiB (the limit is {MAX_WEIGHT_BYTES / 2**30:.0f} GiB)"
        )
    torch = require_torch()
    layers = network.layers
    names = {layer.name: module_name(layer) for layer in layers}
    names["input"] = "input"
    wiring = [(names[layer.name], [names[i] for i in layer.node.inputs]) for layer in layers]

    class Graph(torch.nn.Module):  # type: ignore[misc,name-defined]
        """A mobicost network: nodes in order, each reading its inputs by name."""

        def __init__(self) -> None:
            super().__init__()
            self.blocks = torch.nn.ModuleDict(
                OrderedDict(
                    (names[layer.name], _module(layer, network.conventions, torch))
                    for layer in layers
                )
            )

        def forward(self, x: Any) -> Any:
            values = {"input": x}
            for name, inputs in wiring:
                values[name] = self.blocks[name](*(values[i] for i in inputs))
            return values[wiring[-1][0]] if wiring else x

    return Graph()


def measured_params(block: Any, bn: str) -> int:
    """Parameters of one node's module under the batch-norm convention: ``numel`` of its
    parameters, without the batch-norm scale under TF-Slim's convention, and with the running
    mean and variance (buffers in PyTorch) where the convention counts them."""
    total = 0
    for name, parameter in block.named_parameters():
        if bn == "slim" and name.endswith("bn.weight"):
            continue
        if bn == "none" and ".bn." in f".{name}":
            continue
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
    """One node: mobicost's count beside PyTorch's."""

    layer: Layer
    measured_macs: int
    measured_params: int
    measured_shape: tuple[int, ...]

    @property
    def expected_shape(self) -> tuple[int, ...]:
        return self.layer.output.torch_shape()

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


#: the most float32 activation memory one verification may hold at once, to fail early, not
#: by running out of memory
MAX_ACTIVATION_BYTES = 2**30


def check_runnable(network: Network, batch: int = 1, where: str = "PyTorch") -> None:
    """Refuse, in one line, a network whose float32 activations for ``batch`` samples would
    exceed :data:`MAX_ACTIVATION_BYTES` if every one were held: before any is allocated."""
    held = (
        4
        * batch
        * (network.input.elements + sum(layer.output.elements for layer in network.layers))
    )
    if held > MAX_ACTIVATION_BYTES:
        raise MobicostError(
            f"{network.name} is too large to run in {where} here: its activations need "
            f"{held / 2**30:.1f} GiB (the limit is {MAX_ACTIVATION_BYTES / 2**30:.0f} GiB); "
            "lower the resolution, alpha or batch"
        )


def verify(network: Network) -> Verification:
    """Build ``network`` in PyTorch, run one forward pass under
    ``torch.utils.flop_counter.FlopCounterMode``, and compare every node's MACs (FLOPs / 2),
    parameters (``numel``) and output shape with mobicost's, exactly."""
    check_runnable(network)
    torch = require_torch()
    from torch.utils.flop_counter import FlopCounterMode

    model = to_torch(network).eval()
    shapes: dict[str, tuple[int, ...]] = {}
    for name, block in model.blocks.items():
        block.register_forward_hook(
            lambda module, inputs, output, name=name: shapes.__setitem__(name, tuple(output.shape))
        )
    x = torch.zeros(1, *network.input.torch_shape()[1:])
    with torch.no_grad(), FlopCounterMode(display=False, depth=64) as counter:
        model(x)
    flops = counter.get_flop_counts()
    prefix = f"{type(model).__name__}.blocks."
    checks = []
    for layer in network.layers:
        name = module_name(layer)
        layer_flops = sum(flops.get(prefix + name, {}).values())
        if layer_flops % 2:
            raise MobicostError(f"{layer.name}: PyTorch counted an odd number of FLOPs")
        checks.append(
            LayerCheck(
                layer,
                layer_flops // 2,
                measured_params(model.blocks[name], network.conventions.bn),
                shapes[name],
            )
        )
    return Verification(network, tuple(checks))


def verify_all(networks: Iterable[Network]) -> list[Verification]:
    return [verify(network) for network in networks]
