"""Inception v3 as a spec: torchvision's ``inception_v3`` at inference. Pinned against
torchvision's own metadata (``Inception_V3_Weights.IMAGENET1K_V1``: ``num_params`` 27,161,264,
which counts the auxiliary classifier its weights keep, and ``_ops`` 5.713 GMACs), hand
arithmetic, and PyTorch's own counter."""

from __future__ import annotations

import json

import pytest

from mobicost.analysis.check import spec_claims
from mobicost.nets.library import load
from mobicost.nets.network import network

#: torchvision's AuxLogits at 1000 classes, by hand: a 1x1 768 -> 128 and a 5x5 128 -> 768
#: convolution (no bias, batch norm's gamma and beta), a 768 -> 1000 linear layer with a bias
AUX_PARAMS = 768 * 128 + 2 * 128 + 5 * 5 * 128 * 768 + 2 * 768 + 768 * 1000 + 1000
#: ... and its MACs: the 1x1 on a 5x5 map, the 5x5 to 1x1, the linear layer
AUX_MACS = 768 * 128 * 5 * 5 + 5 * 5 * 128 * 768 + 768 * 1000


def layers_of(net):
    return {layer.name: layer for layer in net.layers}


def test_torchvision_num_params_and_ops():
    net = network("inception-v3")  # aux off: the inference network
    assert (net.conventions.bias, net.conventions.bn) == ("fc", "affine")
    assert net.resolution == 299
    assert round(net.total.macs / 1e9, 3) == 5.713  # meta["_ops"]
    assert f"{net.total.macs / 1e9:.2f}" == "5.71"  # the docs' GFLOPS
    # num_params is the model the weights load into: with the auxiliary classifier
    trained = network("inception-v3", options={"aux": "on"})
    assert trained.params == 27_161_264
    assert AUX_PARAMS == 3_326_696 and net.params == 27_161_264 - AUX_PARAMS == 23_834_568
    assert trained.total.macs == net.total.macs + AUX_MACS


def test_shapes_and_layers_by_hand():
    net = network("inception-v3")
    by = layers_of(net)
    shapes = {
        "Conv2d_1a_3x3": "149x149x32",
        "Conv2d_2b_3x3": "147x147x64",
        "maxpool1": "73x73x64",
        "Conv2d_4a_3x3": "71x71x192",
        "maxpool2": "35x35x192",
        "Mixed_5b.concat": "35x35x256",
        "Mixed_5d.concat": "35x35x288",
        "Mixed_6a.concat": "17x17x768",
        "Mixed_6e.concat": "17x17x768",
        "Mixed_7a.concat": "8x8x1280",
        "Mixed_7b.concat": "8x8x2048",
        "Mixed_7c.concat": "8x8x2048",
    }
    assert {name: by[name].output_shape for name in shapes} == shapes
    assert by["Conv2d_1a_3x3"].cost.macs == 3 * 3 * 3 * 32 * 149 * 149
    # a factorised 7x7: 1x7 then 7x1, c7 = 128 in Mixed_6b
    assert by["Mixed_6b.branch7x7_2"].cost.macs == 1 * 7 * 128 * 128 * 17 * 17
    assert by["Mixed_6b.branch7x7_3"].params == 7 * 1 * 128 * 192 + 2 * 192
    # Mixed_7c's 1x3 and 3x1 side by side on the same 384 maps
    assert by["Mixed_7c.branch3x3_2a"].node.inputs == by["Mixed_7c.branch3x3_2b"].node.inputs
    assert by["fc"].params == 2048 * 1000 + 1000
    assert not any(name.startswith("AuxLogits") for name in by)


def test_the_auxiliary_classifier():
    by = layers_of(network("inception-v3", options={"aux": "on"}))
    assert by["AuxLogits_pool"].output_shape == "5x5x768"
    assert by["AuxLogits_conv1"].output_shape == "1x1x768"
    assert by["AuxLogits_fc"].params == 768 * 1000 + 1000
    # --no-head leaves both classifiers out
    headless = network("inception-v3", options={"aux": "on"}, head=False)
    assert headless.params == network("inception-v3", head=False).params


def test_published_figures():
    claims = {(c.source, c.claim): c for c in spec_claims(load("inception-v3"))}
    torchvision = [c for (source, _), c in claims.items() if source.startswith("torchvision")]
    assert len(torchvision) == 3 and all(c.verdict.startswith("holds") for c in torchvision)
    # Szegedy et al.'s "5 billion multiply-adds": 5.71 billion, written down to the billion
    (szegedy,) = [c for (source, _), c in claims.items() if source.startswith("Szegedy")]
    assert szegedy.printed == "5G" and "truncating 5,713,216,096" in szegedy.explanation


@pytest.mark.parametrize(
    ("resolution", "options", "classes"),
    [(299, None, None), (299, {"aux": "on"}, None), (299, None, 120), (139, None, 10)],
)
@pytest.mark.requires("torch")
def test_pytorch_counts_the_same(one_thread, resolution, options, classes):
    from mobicost.nets.pytorch import verify

    net = network("inception-v3", resolution=resolution, options=options, classes=classes)
    result = verify(net)
    assert result.ok, [check.layer.name for check in result.mismatches]
    assert result.measured_macs == net.total.macs and result.measured_params == net.params


QUOTING = """
name = "mine"
input = [3, 8, 8]
[[layers]]
op = "conv"
filters = 4
kernel = 3
[[published]]
what = "macs"
printed = "{original}"
scale = "K"
source = "the original"
[[published]]
what = "macs"
printed = "{copy}"
source = "the copy"
quotes = "{quotes}"
"""


def _judged(run, tmp_path, code, **values):
    spec = tmp_path / "mine.toml"
    spec.write_text(QUOTING.format(**values))
    rows = json.loads(run("check", str(spec), "-f", "json", code=code).stdout)["rows"]
    return {row["source"]: row for row in rows}


def test_a_quoted_figure_is_explained_only_by_what_it_quotes(run, tmp_path):
    # 6,912 MACs (3 x 3 x 3 x 4 x 8 x 8); "6" K truncates it; the copy prints it as "6000"
    rows = _judged(run, tmp_path, 0, original="6", copy="6000", quotes="the original")
    assert rows["the original"]["explanation"].startswith("reproduced by truncating")
    copy = rows["the copy"]
    assert copy["explanation"].startswith("reproduced as quoted from the original (printed 6K")
    # a copy that does not print as the figure it names is not explained by it
    rows = _judged(run, tmp_path, 1, original="7", copy="5000", quotes="the original")
    assert rows["the original"]["verdict"] == "holds within printed precision"
    copy = rows["the copy"]
    assert not copy["explained"] and "quoted from the original (printed 7K" in copy["explanation"]


def test_quotes_must_name_a_recorded_figure(run, tmp_path):
    spec = tmp_path / "mine.toml"
    spec.write_text(QUOTING.format(original="6", copy="6000", quotes="nobody"))
    error = run.error("check", str(spec))
    assert "quotes = 'nobody' names no other macs figure" in error
    assert error.endswith("it takes the source of one: 'the original'")
