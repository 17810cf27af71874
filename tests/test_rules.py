"""The numeric path against hand arithmetic and the paper's Table 3."""

from __future__ import annotations

import pytest

from mobicost.cost import rules
from mobicost.cost.rules import Cost, output_size
from mobicost.cost.variants import VARIANTS, Shape, evaluate
from mobicost.errors import MobicostError


def test_table_3_standard_and_separable():
    # Howard et al. 2017, Table 3: D_K = 3, M = N = 512, D_F = 14.
    std = rules.standard(k=3, m=512, n=512, f=14)
    assert std == Cost(macs=3 * 3 * 512 * 512 * 14 * 14, params=3 * 3 * 512 * 512)
    assert (std.macs, std.params) == (462_422_016, 2_359_296)  # printed: 462M, 2.36M
    dws = rules.depthwise_separable(k=3, m=512, n=512, f=14)
    assert (dws.macs, dws.params) == (52_283_392, 266_752)  # printed: 52.3M, 0.27M


def test_table_3_width_and_resolution_multiplier():
    # alpha = 0.75: 512 -> 384 channels (29.6M, 0.15M); rho = 0.714: 14 -> 10 (15.1M, 0.15M).
    thin = rules.depthwise_separable(k=3, m=384, n=384, f=14)
    assert (thin.macs, thin.params) == (29_578_752, 150_912)
    small = rules.depthwise_separable(k=3, m=384, n=384, f=10)
    assert (small.macs, small.params) == (15_091_200, 150_912)


def test_mobilenet_stem_and_first_block_by_hand():
    stem = rules.standard(k=3, m=3, n=32, f=output_size(224, 3, 2, "same"))
    assert stem == Cost(macs=9 * 3 * 32 * 112 * 112, params=864)
    assert rules.depthwise(k=3, m=32, f=112) == Cost(macs=3_612_672, params=288)
    assert rules.pointwise(m=32, n=64, f=112) == Cost(macs=25_690_112, params=2048)


def test_bias_adds_parameters_not_macs():
    plain, biased = rules.standard(3, 16, 32, 8), rules.standard(3, 16, 32, 8, bias=True)
    assert biased.macs == plain.macs
    assert biased.params == plain.params + 32
    assert rules.fully_connected(1024, 1000, bias=True) == Cost(1_024_000, 1_025_000)
    assert rules.depthwise(3, 32, 7, bias=True).params == 288 + 32


def test_grouped_by_hand():
    assert rules.grouped(k=3, m=8, n=8, f=4, g=2) == Cost(macs=9 * 4 * 8 * 16, params=9 * 4 * 8)
    with pytest.raises(MobicostError, match="cannot be split"):
        rules.grouped(k=3, m=8, n=6, f=4, g=4)


def test_depthwise_channel_multiplier():
    # two filters per input channel: twice the outputs, twice the work
    assert rules.depthwise(k=3, m=32, f=10, multiplier=2) == Cost(9 * 64 * 100, 9 * 64)
    separable = rules.depthwise_separable(k=3, m=32, n=64, f=10, multiplier=2)
    assert separable == Cost(9 * 64 * 100 + 64 * 64 * 100, 9 * 64 + 64 * 64)


@pytest.mark.parametrize("n", [3, 4, 10, 100, 224])
def test_spatial_separable_reproduces_seed_003(n):
    # seed 003: N x N image, m x m kernel (m = 3), stride 1, no padding:
    #   standard (N-2)(N-2) m m;  separable N (N-2) m + (N-2)(N-2) m = (2N-2)(N-2) m
    m = 3
    separable = rules.spatial_separable(k=m, m=1, n=1, f=n - 2, w_in=n)
    assert separable.macs == n * (n - 2) * m + (n - 2) * (n - 2) * m == (2 * n - 2) * (n - 2) * m
    assert rules.standard(k=m, m=1, n=1, f=n - 2).macs == (n - 2) * (n - 2) * m * m
    assert separable.params == 2 * m  # a 3x1 and a 1x3 filter: 6 weights instead of 9


def test_spatial_separable_multichannel():
    # D_K x 1 (M -> M) over f x w_in, then 1 x D_K (M -> N) over f x f
    cost = rules.spatial_separable(k=3, m=4, n=8, f=6, w_in=8)
    assert cost == Cost(macs=3 * 4 * 4 * 6 * 8 + 3 * 4 * 8 * 6 * 6, params=3 * 16 + 3 * 32)


def test_global_avg_pool_and_batch_norm():
    assert rules.global_avg_pool(1024, 7) == Cost(0, 0, 0)
    assert rules.global_avg_pool(1024, 7, count_adds=True) == Cost(0, 0, 1024 * 49)
    assert rules.batch_norm(32, vectors=2) == Cost(0, 64)
    assert rules.batch_norm(32, vectors=4) == Cost(0, 128)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "expected"),
    [
        (224, 3, 2, "same", 112),
        (7, 3, 1, "same", 7),
        (7, 3, 2, "same", 4),
        (225, 3, 2, "same", 113),
        (1, 3, 2, "same", 1),
        (16, 3, 1, "valid", 14),
        (16, 3, 2, "valid", 7),
        (3, 3, 1, "valid", 1),
    ],
)
def test_output_size(size, kernel, stride, padding, expected):
    assert output_size(size, kernel, stride, padding) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 3, 1, "same"), "size must be a positive integer"),
        ((-4, 3, 1, "same"), "size must be a positive integer"),
        ((8, 3, 0, "same"), "stride must be a positive integer"),
        ((2, 3, 1, "valid"), "does not fit"),
        ((8, 3, 1, "full"), "unknown padding"),
    ],
)
def test_output_size_rejects_impossible_geometry(args, message):
    with pytest.raises(MobicostError, match=message):
        output_size(*args)


def test_shape_rejects_non_integer_channels():
    with pytest.raises(MobicostError, match="input channels must be a positive integer"):
        Shape.from_input(k=3, m=1.5, n=4, size=8)  # type: ignore[arg-type]
    with pytest.raises(MobicostError, match="kernel must be a positive integer"):
        Shape.from_input(k=0, m=4, n=4, size=8)


def test_evaluate_ratios_are_exact():
    shape = Shape.from_input(k=3, m=512, n=512, size=14)
    by_name = {e.variant.name: e for e in evaluate(list(VARIANTS), shape)}
    from fractions import Fraction

    assert by_name["depthwise-separable"].macs_ratio == Fraction(1, 512) + Fraction(1, 9)
    assert by_name["spatial-separable"].macs_ratio == Fraction(2, 3)  # 'same': exactly 2/D_K
    assert by_name["standard"].macs_ratio == 1
    assert by_name["depthwise"].macs_ratio is None  # cannot stand in for an M -> N convolution
    assert sum(p.cost.macs for p in by_name["depthwise-separable"].parts) == 52_283_392


def test_unknown_variant():
    from mobicost.cost.variants import variant

    with pytest.raises(MobicostError, match="unknown variant 'dilated'; choose from: standard"):
        variant("dilated")
