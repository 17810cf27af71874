"""Memory by hand: bytes per layer, arithmetic intensity and the peak of live activations."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mobicost.errors import MobicostError
from mobicost.nets.memory import Workload, layer_memory, network_memory
from mobicost.nets.network import network


def test_mobilenet_v1_by_hand():
    net = network("mobilenet-v1")
    memory = network_memory(net, Workload())
    first = memory.layers[0]  # 3x3x3x32 stride 2 on 224x224x3
    assert first.input_bytes == 224 * 224 * 3 * 4
    assert first.output_bytes == 112 * 112 * 32 * 4
    assert first.weight_bytes == 3 * 3 * 3 * 32 * 4
    assert first.moved == 602_112 + 1_605_632 + 3_456
    assert first.intensity == Fraction(10_838_016, 2_211_200)  # MACs per byte
    # a plain chain: the peak is the largest input + output, the first pointwise layer's
    assert memory.peak_bytes == (112 * 112 * 32 + 112 * 112 * 64) * 4 == 4_816_896
    assert memory.weight_bytes == 4_209_088 * 4
    assert memory.live == tuple(m.activation_bytes for m in memory.layers)


def test_types_and_batch():
    net = network("mobilenet-v1")
    quantised = network_memory(net, Workload(weights="int8", activations="int8"))
    assert quantised.weight_bytes == 4_209_088  # one byte a weight (seed 000)
    assert quantised.peak_bytes == 4_816_896 // 4
    batched = network_memory(net, Workload(batch=8, weights="fp16", activations="bf16"))
    assert batched.peak_bytes == 8 * 4_816_896 // 2 and batched.weight_bytes == 2 * 4_209_088
    assert batched.layers[0].macs == 8 * 10_838_016
    # a batch amortises the weights: the last, weight-heavy layers gain intensity
    single = network_memory(net, Workload()).layers[-1].intensity
    assert batched.layers[-1].intensity > 7 * single
    for bad in ({"batch": 0}, {"batch": True}, {"weights": "fp64"}, {"activations": "int4"}):
        with pytest.raises(MobicostError):
            Workload(**bad)


def test_skip_tensors_stay_live():
    """examples/tiny-resnet.toml: the stem's output is read again by the side branch after both
    residual blocks, so it stays live through them; each block's input stays live for its add."""
    net = network("examples/tiny-resnet.toml")
    memory = network_memory(net, Workload())
    unit = 32 * 32 * 32 * 4  # every tensor of the body is 32x32x32 at 64x64 input
    by_name = dict(zip((layer.name for layer in net.layers), memory.live, strict=True))
    # residual2.b runs: its input a, its output b, the block input (for the add), the stem
    assert by_name["residual2.b"] == 4 * unit == memory.peak_bytes
    # a plain chain would hold only input + output
    assert memory.peak_bytes > max(m.activation_bytes for m in memory.layers)


def test_resnet_50_peak_is_its_first_residual_add():
    net = network("resnet-50")
    memory = network_memory(net, Workload())
    # conv2.1's add: the main branch, the projected shortcut and the sum, each 56x56x256
    assert memory.peak_layer is not None and memory.peak_layer.name == "conv2.1.add"
    assert memory.peak_bytes == 3 * 56 * 56 * 256 * 4


def test_views_move_nothing_and_share_memory():
    net = network("vgg16")
    flatten = next(layer for layer in net.layers if layer.kind == "flatten")
    assert layer_memory(flatten, Workload()).moved == 0
    memory = network_memory(net, Workload())
    index = net.layers.index(flatten)
    # while the flatten runs, only its input (its own memory) is live: 7x7x512
    assert memory.live[index] == 7 * 7 * 512 * 4


@pytest.mark.requires("torch")
def test_activation_sizes_are_torchs_real_tensors():
    import torch

    from mobicost.nets.pytorch import module_name, to_torch

    for net in (network("mobilenet-v2", resolution=64), network("shufflenet-v2", resolution=64)):
        model = to_torch(net).eval()
        sizes: dict[str, int] = {}
        for name, block in model.blocks.items():
            block.register_forward_hook(
                lambda m, i, out, name=name, sizes=sizes: sizes.__setitem__(name, out.numel())
            )
        with torch.no_grad():
            model(torch.zeros(2, *net.input.torch_shape()[1:]))
        memory = network_memory(net, Workload(batch=2))
        for layer, bytes_ in zip(net.layers, memory.layers, strict=True):
            if bytes_.moved:  # views move nothing; their tensors are their inputs'
                assert bytes_.output_bytes == 4 * sizes[module_name(layer)], layer.name


def _imported(move):
    """A 4 -> 8 channel 3x3 convolution on an 8x8 input, then ``move`` of its output added to
    the output: y = conv(x); s = y + move(y)."""
    import torch

    from mobicost import from_torch

    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(4, 8, 3, padding=1)

        def forward(self, x):
            y = self.conv(x)
            return y + move(y)

    return from_torch(Block(), (4, 8, 8))


@pytest.mark.requires("torch")
def test_an_imported_models_views_share_memory_and_its_copies_do_not():
    """The input is 4 x 8 x 8 = 256 elements, every other tensor 8 x 8 x 8 = 512 (fp32: 4
    bytes each). With a transpose (a view): the convolution holds 256 + 512, the transpose
    512 (its output is y's memory), the add y and its sum, 1,024: the peak, 4,096 bytes. With a
    roll (a copy) the add holds y, the rolled copy and the sum: 1,536 elements, 6,144 bytes."""
    import torch

    view = _imported(lambda y: y.transpose(2, 3))
    memory = network_memory(view, Workload())
    assert [layer.kind for layer in view.layers] == ["conv", "view", "eltwise"]
    assert memory.live == (768 * 4, 512 * 4, 1024 * 4)
    assert memory.peak_bytes == 4_096
    assert memory.layers[1].moved == 0
    copy = _imported(lambda y: torch.roll(y, 1, 3))
    memory = network_memory(copy, Workload())
    assert memory.live == (768 * 4, 1024 * 4, 1536 * 4)
    assert memory.peak_bytes == 6_144
    assert memory.layers[1].moved == (512 + 512) * 4


@pytest.mark.requires("torch")
def test_learned_tensors_live_with_the_weights_not_the_activations():
    """An embedding's table and a position embedding are parameters read as they are: their
    bytes are weights, never live activations. By hand, 8 token ids (32 bytes as fp32), the
    lookup's 8 x 16 output (512) and the sum with the positions (512): the peak is the sum's
    activation operand and its output, 1,024 bytes, not the table's 64,000."""
    import torch
    from torch import nn

    from mobicost import from_torch
    from mobicost.nets.memory import Workload, network_memory, tensor_bytes

    class Lookup(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.table = nn.Embedding(1000, 16)
            self.pos = nn.Parameter(torch.zeros(1, 8, 16))

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            return self.table(ids) + self.pos

    net = from_torch(Lookup(), (8,), tokens=True)
    memory = network_memory(net, Workload())
    assert tensor_bytes(net, Workload()) == {"input": 32, "table": 512, "add": 512}
    assert memory.live == (32, 544, 512, 1024) and memory.peak_bytes == 1024
    assert sum(layer.weight_bytes for layer in memory.layers) == (16_000 + 128) * 4
