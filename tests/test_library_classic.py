"""The classic CNNs as specs: SqueezeNet 1.0 and 1.1, AlexNet, VGG-16, GoogLeNet, ResNet-18 and
ResNet-50, each torchvision's model at inference. Pinned against torchvision's own metadata
(torchvision 0.29.1's ``*_Weights.meta``: ``num_params`` exactly, ``_ops`` and the docs' GFLOPS,
which are GMACs at 224, to their printed precision), hand arithmetic, and PyTorch's own counter."""

from __future__ import annotations

import pytest

from mobicost.analysis.check import spec_claims
from mobicost.errors import MobicostError
from mobicost.nets.library import load
from mobicost.nets.network import network

#: torchvision 0.29.1: num_params, _ops (3 decimals), docs GFLOPS (f"{_ops:.2f}"), and how it
#: counts parameters: every parameter tensor, so conv biases where its convs have them, and batch
#: norm's gamma and beta
TORCHVISION = {
    "squeezenet-1.0": (1_248_424, 0.819, "0.82", "all", "none"),
    "squeezenet-1.1": (1_235_496, 0.349, "0.35", "all", "none"),
    "alexnet": (61_100_840, 0.714, "0.71", "all", "none"),
    "vgg16": (138_357_544, 15.47, "15.47", "all", "none"),
    "googlenet": (6_624_904, 1.498, "1.50", "fc", "affine"),
    "resnet-18": (11_689_512, 1.814, "1.81", "fc", "affine"),
    "resnet-50": (25_557_032, 4.089, "4.09", "fc", "affine"),
}


def layers_of(net):
    return {layer.name: layer for layer in net.layers}


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvision_documented_counts(name):
    params, ops, gflops, bias, bn = TORCHVISION[name]
    net = network(name)  # the spec's own conventions are torchvision's
    assert (net.conventions.bias, net.conventions.bn) == (bias, bn)
    assert net.resolution == 224 and net.params == params
    assert network(name, bias=bias, bn=bn).params == params
    assert round(net.total.macs / 1e9, 3) == ops
    assert f"{net.total.macs / 1e9:.2f}" == gflops
    with pytest.raises(MobicostError, match="no width multiplier"):
        network(name, alpha="0.5")


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvision_figures_in_the_spec_hold(name):
    claims = [c for c in spec_claims(load(name)) if c.source.startswith("torchvision")]
    assert len(claims) == 2
    assert all(c.verdict.startswith("holds") for c in claims), claims


def test_vgg16_by_hand():
    net = network("vgg16")
    by = layers_of(net)
    assert by["stage1.conv2"].cost.macs == 3 * 3 * 64 * 64 * 224 * 224
    assert by["stage5.pool"].output_shape == "7x7x512"
    fc6 = by["fc6"]  # 7 x 7 x 512 = 25088 inputs
    assert (fc6.cost.macs, fc6.params) == (25088 * 4096, 25088 * 4096 + 4096)
    assert by["stage3.conv3"].params == 3 * 3 * 256 * 256 + 256
    # at 64 the map is 2x2; the adaptive pool spreads it to 7x7, so the FC layers stay the same
    small = layers_of(network("vgg16", resolution=64))
    assert small["avgpool"].output_shape == "7x7x512" and small["fc6"].params == fc6.params


def test_alexnet_by_hand():
    by = layers_of(network("alexnet"))
    assert by["conv1"].output_shape == "55x55x64"  # (224 + 2 x 2 - 11) // 4 + 1
    assert by["conv1"].cost.macs == 11 * 11 * 3 * 64 * 55 * 55
    assert by["pool5"].output_shape == "6x6x256"
    assert by["fc6"].params == 9216 * 4096 + 4096


def test_squeezenet_fire_modules_and_ceil_pooling():
    v10 = layers_of(network("squeezenet-1.0"))
    assert v10["conv1"].output_shape == "109x109x96"
    assert v10["pool1"].output_shape == "54x54x96"  # ceil((109 - 3) / 2) + 1
    assert v10["fire1.concat"].output_shape == "54x54x128"
    assert v10["fire1.expand3x3"].node.inputs == ("fire1.squeeze",)
    assert v10["fire1.expand3x3"].cost.macs == 3 * 3 * 16 * 64 * 54 * 54
    assert v10["conv10"].params == 512 * 1000 + 1000 and v10["conv10"].output_shape == "13x13x1000"
    v11 = layers_of(network("squeezenet-1.1"))
    assert [v11[p].output.h for p in ("conv1", "pool1", "pool2", "pool3")] == [111, 55, 27, 13]
    # the authors' Caffe input, 227: v1.0's map is 13x13 at the end as well
    assert layers_of(network("squeezenet-1.0", resolution=227))["fire8.concat"].output.h == 13


def test_googlenet_inception_and_the_5x5_branch():
    net = network("googlenet")
    by = layers_of(net)
    assert by["inception3.1.concat"].output_shape == "28x28x256"  # 64 + 128 + 32 + 32
    assert by["inception3.1.concat"].node.inputs == tuple(
        f"inception3.1.branch{b}" for b in (1, 2, 3, 4)
    )
    assert by["maxpool4"].output_shape == "7x7x832" and by["fc"].params == 1024 * 1000 + 1000
    assert by["inception3.1.branch3"].filter_shape == "3x3x16x32"  # torchvision's "5x5"
    paper = network("googlenet", options={"branch": "5x5"})
    assert layers_of(paper)["inception3.1.branch3"].filter_shape == "5x5x16x32"
    # 16 more weights per (5x5 reduce x 5x5) pair, per output pixel: the paper's Table 1 columns
    extra = 16 * (
        28 * 28 * (16 * 32 + 32 * 96)
        + 14 * 14 * (16 * 48 + 24 * 64 + 24 * 64 + 32 * 64 + 32 * 128)
        + 7 * 7 * (32 * 128 + 48 * 128)
    )
    assert paper.total.macs - net.total.macs == extra


def test_resnet_projection_shortcuts():
    r18 = layers_of(network("resnet-18"))
    assert "conv2.1.shortcut" not in r18  # the identity: the add reads the block's input
    assert r18["conv2.1.add"].node.inputs == ("conv2.1.conv2", "maxpool")
    assert [n for n in r18 if n.endswith("shortcut")] == [
        "conv3.1.shortcut",
        "conv4.1.shortcut",
        "conv5.1.shortcut",
    ]
    assert r18["conv3.1.shortcut"].params == 64 * 128 + 2 * 128  # 1x1 conv, BN gamma and beta
    r50 = layers_of(network("resnet-50"))
    assert [n for n in r50 if n.endswith("shortcut")] == [
        f"conv{s}.1.shortcut" for s in (2, 3, 4, 5)
    ]
    assert r50["conv2.1.shortcut"].filter_shape == "1x1x64x256"  # stride 1, channels change
    # v1.5: the stride on the 3x3, whose output is already 28x28
    assert r50["conv3.1.conv1"].output_shape == "56x56x128"
    assert r50["conv3.1.conv2"].cost.macs == 3 * 3 * 128 * 128 * 28 * 28
    assert r50["conv5.3.add"].output_shape == "7x7x2048"


@pytest.mark.parametrize(
    ("name", "resolution", "options"),
    [
        ("squeezenet-1.0", 224, None),
        ("squeezenet-1.0", 227, None),
        ("squeezenet-1.1", 224, None),
        ("squeezenet-1.1", 128, None),
        ("alexnet", 224, None),
        ("alexnet", 192, None),  # a 5x5 map, spread to 6x6 by the adaptive pool
        ("vgg16", 224, None),
        ("vgg16", 64, None),  # 2x2 spread to 7x7, the FC layers as at 224
        ("googlenet", 224, None),
        ("googlenet", 128, {"branch": "5x5"}),
        ("resnet-18", 224, None),
        ("resnet-18", 128, None),
        ("resnet-50", 224, None),
        ("resnet-50", 128, None),
    ],
)
@pytest.mark.requires("torch")
def test_pytorch_counts_the_same(one_thread, name, resolution, options):
    from mobicost.nets.pytorch import verify

    net = network(name, resolution=resolution, options=options)
    result = verify(net)
    assert result.ok, [check.layer.name for check in result.mismatches]
    assert result.measured_macs == net.total.macs and result.measured_params == net.params
