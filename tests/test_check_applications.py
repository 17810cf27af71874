"""The MobileNet paper's Tables 10 to 14 (MobileNet on other tasks), judged by ``check``: the
figures as printed, the heads their counts include, and what each verdict rests on."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mobicost.analysis import published
from mobicost.analysis.check import application_claims, library_claims, paper_claims
from mobicost.cli import main
from mobicost.nets.network import network

PAPER = "Howard et al. 2017"


@pytest.fixture(scope="module")
def tables():
    by_table: dict[str, dict[str, list]] = {}
    for claim in application_claims():
        by_table.setdefault(claim.source, {}).setdefault(claim.claim, []).append(claim)
    return by_table


def test_every_row_of_tables_10_to_14_is_listed(tables):
    # rows x (mult-adds, parameters): 5 dogs, 2 PlaNet, 7 face attributes, 9 detectors, 5 FaceNet
    sizes = {
        f"{PAPER}, Table {n}": 2 * rows
        for n, rows in zip(range(10, 15), (5, 2, 7, 9, 5), strict=True)
    }
    assert {source: sum(map(len, rows.values())) for source, rows in tables.items()} == sizes
    assert [c.source for c in paper_claims()][-56:] == [c.source for c in application_claims()]
    # they are the paper's, not listed again among the library's
    assert not any(c.source in published.APPLICATION_TABLES for c in library_claims())


def test_table_10_stanford_dogs(tables):
    dogs = tables[f"{PAPER}, Table 10"]
    # 120 classes: the classifier is 1024 x 120 (alpha = 1) or 768 x 120 (0.75)
    assert network("mobilenet-v1", classes=120).total.macs == 567_716_352 + 1024 * 120
    assert network("mobilenet-v1", classes=120).params == 3_185_088 + 1024 * 120
    for name, count in (("1.0 MobileNet-224", "568,740,352"), ("1.0 MobileNet-192", "418,121,728")):
        (macs,) = dogs[f"{name}: mult-adds"]
        assert macs.explained and "with 1000 classes" in macs.explanation
        assert count in macs.explanation and "2 figures" in macs.explanation
    for name in ("0.75 MobileNet-224", "0.75 MobileNet-192"):
        assert dogs[f"{name}: mult-adds"][0].verdict == "holds within printed precision"
    params = [c for key, cs in dogs.items() if "MobileNet" in key for c in cs if "param" in key]
    assert [c.printed for c in params] == ["3.3M", "1.9M", "3.3M", "1.9M"]
    assert all(c.verdict == "holds within printed precision" for c in params)
    mobilenet = [c for key, cs in dogs.items() if "MobileNet" in key for c in cs]
    assert len(mobilenet) == 8 and all(c.explained for c in mobilenet)
    # Inception V3 (inception-v3, torchvision's) with a 2048 x 120 classifier
    assert network("inception-v3", classes=120).total.macs == 5_713_216_096 - 2048 * 880
    assert network("inception-v3", classes=120).params == 23_834_568 - 2049 * 880
    (macs,) = dogs["Inception v3-299 (aux off): mult-adds"]
    assert (macs.printed, macs.computed) == ("5000M", "5,711,413,856")
    assert macs.explained and "Szegedy et al. 2016, abstract" in macs.explanation
    (params,) = dogs["Inception v3-299 (aux off): parameters"]
    assert (params.printed, params.computed) == ("23.2M", "22,031,448")
    assert params.verdict == "does not hold" and not params.explained
    assert "unexplained" in params.explanation and "with aux = on" in params.explanation
    assert not any(c.verdict == "not costed" for cs in dogs.values() for c in cs)


def test_table_11_planet(tables):
    planet = tables[f"{PAPER}, Table 11"]
    (macs,) = planet["1.0 MobileNet-224: mult-adds"]
    # "0.58 Million mult-adds": the body and a 10-million-parameter final layer (9766 x 1024)
    assert macs.printed == "0.58M" and macs.computed == "577,716,736"
    assert 567_716_352 + 1024 * 9766 == 577_716_736
    assert macs.explained and "unit misprinted" in macs.explanation
    (params,) = planet["1.0 MobileNet-224: parameters"]
    assert params.verdict == "holds within printed precision" and params.computed == "13,185,472"


def test_table_12_face_attributes(tables):
    faces = tables[f"{PAPER}, Table 12"]
    headless = [
        c
        for cs in faces.values()
        for c in cs
        if "reproduced without the classifier head" in c.explanation
    ]
    assert len(headless) == 8 and all("8 figures" in c.explanation for c in headless)
    assert faces["1.0 MobileNet-224: parameters"][0].explanation.endswith(
        "3,185,088 (it reproduces 8 figures of Howard et al. 2017, Table 12)"
    )
    judged = [c for cs in faces.values() for c in cs if c.verdict != "not costed"]
    unexplained = sorted(c.claim for c in judged if not c.explained)
    assert unexplained == [
        "0.25 MobileNet-128: mult-adds",
        "0.25 MobileNet-224: mult-adds",
        "0.5 MobileNet-128: mult-adds",
    ]


def _conv(k: int, c_in: int, c_out: int, size: int) -> int:
    return k * k * c_in * c_out * size * size


def test_ssd_mobilenet_counts_by_hand():
    ssd = network("ssd-mobilenet-v1")
    base = network("mobilenet-v1", resolution=300, head=False)  # to Conv2d_13_pointwise
    extras = [  # 1x1 to half the depth, 3x3 stride 2 to the depth: 10 -> 5 -> 3 -> 2 -> 1
        (1, 1024, 256, 10), (3, 256, 512, 5), (1, 512, 128, 5), (3, 128, 256, 3),
        (1, 256, 128, 3), (3, 128, 256, 2), (1, 256, 64, 2), (3, 64, 128, 1),
    ]  # fmt: skip
    maps = [(512, 19, 3), (1024, 10, 6), (512, 5, 6), (256, 3, 6), (256, 2, 6), (128, 1, 6)]
    predictors = sum(c * s * s * a * (4 + 91) for c, s, a in maps)  # boxes and 91 class scores
    assert ssd.total.macs == base.total.macs + sum(_conv(*e) for e in extras) + predictors
    assert ssd.params == (
        base.params
        + sum(k * k * i * o for k, i, o, _ in extras)
        + sum(c * a * 95 for c, _, a in maps)
    )
    assert (ssd.total.macs, ssd.params) == (1_237_129_408, 6_791_360)


def test_faster_rcnn_mobilenet_by_hand():
    # the first stage: MobileNet to Conv2d_11_pointwise (19x19x512 at 300), then the RPN's 3x3
    # convolution to 512 and 1x1 convolutions to 12 anchors x (4 + 2)
    base = network("mobilenet-v1", resolution=300, head=False)
    to_conv11 = [layer.name for layer in base.layers].index("separable11.pw1") + 1
    first = sum(int(layer.cost.macs) for layer in base.layers[:to_conv11])
    first += 9 * 512 * 512 * 19 * 19 + 512 * (48 + 24) * 19 * 19
    # once per proposal: Conv2d_12 (stride 2) and Conv2d_13 on a 14x14x512 crop, then the box
    # classifier's FC layers to 90 x 4 box codes and 91 scores
    crop = 9 * 512 * 7 * 7 + 512 * 1024 * 7 * 7 + 9 * 1024 * 7 * 7 + 1024 * 1024 * 7 * 7
    crop += 1024 * (360 + 91)
    assert first + 300 * crop == 25_224_412_096  # Table 13: 25.2 billion
    one = network("faster-rcnn-mobilenet-v1", options={"crop_pool": "no"})
    assert one.total.macs == first + crop  # the spec is the network for one proposal
    assert one.params == 3_185_088 + 9 * 512 * 512 + 512 * 72 + 1024 * 451  # 6,043,072


def test_table_13_detection(tables):
    detection = tables[f"{PAPER}, Table 13"]
    ssd = detection["SSD MobileNet-300: mult-adds"] + detection["SSD MobileNet-300: parameters"]
    assert [(c.printed, c.verdict) for c in ssd] == [
        ("1.2G", "holds within printed precision"),
        ("6.8M", "holds within printed precision"),
    ]
    faster = [c for key, cs in detection.items() if key.startswith("Faster R-CNN") for c in cs]
    assert [(c.printed, c.computed) for c in faster] == [
        ("25.2G", "9,516,200,896"),
        ("6.1M", "6,043,072"),
        ("30.5G", "14,785,489,024"),
        ("6.1M", "6,043,072"),
    ]
    assert all(c.explained and "2 figures" in c.explanation for c in faster)
    macs = [c for c in faster if "mult-adds" in c.claim]
    assert all("crop and after x 300" in c.claim for c in macs)
    assert all("crop_pool = no" in c.explanation for c in macs)  # 14x14 crops, not 7x7
    assert "25,224,412,096" in macs[0].explanation and "30,493,700,224" in macs[1].explanation
    others = [c for key, cs in detection.items() if key.startswith("Faster-RCNN") for c in cs]
    assert len(others) == 8  # VGG and Inception V2, at 300 and 600
    assert all(c.verdict == "not costed" and "no spec builds" in c.explanation for c in others)


def test_facenet_embedding_head():
    net = network("facenet-mobilenet")
    bottleneck = net.layers[-1]
    assert (bottleneck.name, bottleneck.kind, bottleneck.output.c) == ("bottleneck", "fc", 128)
    body = network("mobilenet-v1", resolution=160, head=False)
    assert net.total.macs == body.total.macs + 1024 * 128
    assert net.params == body.params + 1024 * 128


def test_table_14_facenet(tables):
    facenet = tables[f"{PAPER}, Table 14"]
    relabelled = facenet["0.75 FaceNet MobileNet-128: mult-adds"]
    assert [c.printed for c in relabelled] == ["166M", "108M"]
    assert (
        relabelled[0].explained and "the count at 160 instead of 128" in relabelled[0].explanation
    )
    assert not relabelled[1].explained
    (first,) = facenet["1.0 FaceNet MobileNet-160: parameters"]
    assert not first.explained and "unexplained" in first.explanation


def test_cli_lists_tables_10_to_14():
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--source", "paper", "-f", "json"])
    assert result.exit_code == 1  # Tables 12-14 hold figures nothing reproduces
    rows = json.loads(result.output)
    rows = rows["rows"] if isinstance(rows, dict) else rows
    sources = {row["source"] for row in rows}
    assert set(published.APPLICATION_TABLES) <= sources
    by_claim = {(row["claim"], row["source"]): row for row in rows}
    planet = by_claim["1.0 MobileNet-224: mult-adds", f"{PAPER}, Table 11"]
    assert planet["printed"] == "0.58M" and planet["explained"] is True


def _head_note(run, *args):
    (line,) = [n for n in run.json("table", *args)["notes"] if n.startswith("Head: ")]
    return line


def test_the_head_note_says_what_the_head_is(run, tmp_path):
    # a classifier: the generic words
    assert _head_note(run, "mobilenet-v1").startswith("Head: global pool + classifier to 1000")
    # the detectors' and the embedding network's heads, from their specs' head_note
    ssd = _head_note(run, "ssd-mobilenet-v1")
    assert ssd.startswith("Head: the box predictors") and "anchors x (90 + 1) class" in ssd
    assert "classifier to" not in ssd
    assert "anchors x (20 + 1)" in _head_note(run, "ssd-mobilenet-v1", "--classes", "20")
    assert _head_note(run, "ssd-mobilenet-v1", "--no-head").startswith(
        "Head: none (left out: the box predictors"
    )
    faster = _head_note(run, "faster-rcnn-mobilenet-v1")
    assert "the box classifier" in faster and "90 x 4 box codes and 90 + 1" in faster
    facenet = _head_note(run, "facenet-mobilenet")
    assert "embedding layer to 128 dimensions" in facenet and "classes" not in facenet
    # a spec's head_note must be words
    spec = tmp_path / "mine.toml"
    spec.write_text('name = "mine"\ninput = [3, 8, 8]\nhead_note = 3\n[[layers]]\nop = "gap"\n')
    assert "head_note: expected a string" in run.error("table", str(spec))
