"""MobileNet v2 and v3 (Large, Small) as specs, pinned to independent figures: torchvision's
documented parameter counts and GFLOPS (which are MACs), hand arithmetic for single layers, and
PyTorch's own counter (``verify``)."""

from __future__ import annotations

import pytest

from mobicost.nets.expr import make_divisible
from mobicost.nets.network import network

#: torchvision docs: num_params and GFLOPS (meta["_ops"], printed f"{v:.2f}"; _ops to 3 places)
DOCUMENTED = {
    "mobilenet-v2": (3_504_872, "0.30", "0.301"),
    "mobilenet-v3-large": (5_483_032, "0.22", "0.217"),
    "mobilenet-v3-small": (2_542_856, "0.06", "0.057"),
}


def tv(name: str, **options):
    """A network counted as torchvision counts it: classifier and SE biases, BN gamma and beta."""
    return network(name, bias="fc", bn="affine", **options)


def by_name(net):
    return {layer.name: layer for layer in net.layers}


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_torchvision_documented_params_and_gflops(name):
    params, gflops, ops = DOCUMENTED[name]
    net = tv(name)
    assert net.params == params
    assert f"{net.total.macs / 1e9:.2f}" == gflops
    assert f"{net.total.macs / 1e9:.3f}" == ops
    assert network(name).params == params  # the spec's own conventions are torchvision's


def test_exact_counts():
    """The exact totals the docs round: conv and linear MACs at 224 x 224."""
    assert tv("mobilenet-v2").total.macs == 300_774_272
    assert tv("mobilenet-v3-large").total.macs == 216_589_760
    assert tv("mobilenet-v3-small").total.macs == 56_510_400


def test_mobilenet_v2_layers_by_hand():
    layers = by_name(tv("mobilenet-v2"))
    stem = layers["stem"]  # 3x3 s2 p1 conv, 3 -> 32, on 224: 112 x 112 out
    assert stem.output_shape == "112x112x32"
    assert stem.cost.macs == 3 * 3 * 3 * 32 * 112 * 112
    assert stem.params == 3 * 3 * 3 * 32 + 2 * 32  # no conv bias; BN gamma, beta
    expand = layers["bottleneck2.expand"]  # t = 6: 16 -> 96 at 112 x 112
    assert expand.cost.macs == 16 * 96 * 112 * 112
    assert layers["bottleneck2.dw"].output_shape == "56x56x96"
    assert "bottleneck1.expand" not in layers  # t = 1: no expansion layer
    assert layers["classifier"].params == 1280 * 1000 + 1000
    # residuals where stride 1 and channels equal: the repeats of each row, 10 of 17 blocks
    assert sum(layer.kind == "add" for layer in layers.values()) == 10
    assert "bottleneck11.residual" not in layers  # 64 -> 96, stride 1: no residual


def test_mobilenet_v3_layers_by_hand():
    large = by_name(tv("mobilenet-v3-large"))
    assert large["stem"].op.act == "hswish" and large["stem"].output_shape == "112x112x16"
    assert "bneck1.expand" not in large  # expansion 16 = input 16
    se = large["bneck4.se"]  # 72 expanded: squeeze make_divisible(72 // 4 = 18, 8) = 24
    assert se.op.squeeze == 24 == make_divisible(18, 8)
    assert se.cost.macs == 2 * 72 * 24 and se.params == 2 * 72 * 24 + 24 + 72
    dw = large["bneck4.dw"]  # 5x5 s2, padding 2: 56 -> 28
    assert dw.op.padding == (2, 2, 2, 2) and dw.output_shape == "28x28x72"
    assert dw.cost.macs == 5 * 5 * 72 * 28 * 28
    assert large["bneck3.dw"].op.act == "relu" and large["bneck7.dw"].op.act == "hswish"
    assert large["last"].output_shape == "7x7x960"
    assert large["hidden"].params == 960 * 1280 + 1280 and large["hidden"].op.act == "hswish"
    assert sum(layer.kind == "add" for layer in large.values()) == 10

    small = by_name(tv("mobilenet-v3-small"))
    assert small["bneck1.se"].op.squeeze == 8  # make_divisible(16 // 4, 8)
    assert small["bneck4.dw"].op.act == "hswish"
    assert small["hidden"].cost.macs == 576 * 1024
    assert sum(layer.kind == "add" for layer in small.values()) == 6


def test_width_multipliers_as_torchvision():
    # v2: the last 1280 only grows (1.4 -> make_divisible(1792) = 1792), never shrinks
    assert by_name(tv("mobilenet-v2", alpha="0.75"))["last"].output.c == 1280
    assert by_name(tv("mobilenet-v2", alpha="1.4"))["last"].output.c == 1792
    assert by_name(tv("mobilenet-v2", alpha="0.35"))["stem"].output.c == 16
    # v3: adjust_channels scales everything, the hidden layer and the expansions included
    large = by_name(tv("mobilenet-v3-large", alpha="0.75"))
    assert large["hidden"].output.c == 960 and large["last"].output.c == 6 * 120
    assert large["bneck2.expand"].output.c == 48  # make_divisible(64 x 0.75, 8)
    small = by_name(tv("mobilenet-v3-small", alpha="0.75"))
    assert small["hidden"].output.c == 768
    assert small["bneck1.se"].op.squeeze == 8  # 16 x 0.75 = 12 -> 16; 16 // 4 -> 8


@pytest.mark.parametrize(
    ("name", "alpha", "resolution"),
    [
        ("mobilenet-v2", "1.0", 224),
        ("mobilenet-v2", "0.75", 192),
        ("mobilenet-v3-large", "1.0", 224),
        ("mobilenet-v3-large", "0.5", 160),
        ("mobilenet-v3-small", "1.0", 224),
        ("mobilenet-v3-small", "0.75", 192),
    ],
)
@pytest.mark.requires("torch")
def test_pytorch_counts_every_layer_alike(name, alpha, resolution):
    from mobicost.nets.pytorch import verify

    net = tv(name, alpha=alpha, resolution=resolution)
    checked = verify(net)
    assert checked.ok, [check.layer.name for check in checked.mismatches]
    assert checked.measured_macs == net.total.macs and checked.measured_params == net.params
