"""The symbolic path: derivations pinned by exact symbolic equality, and the integer path equal to
the substituted symbolic path for random shapes."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.parsing.sympy_parser import parse_expr

from mobicost.cost import derive
from mobicost.cost.derive import D_in, derivation, formula, separable_crossover
from mobicost.cost.symbols import D_F, D_K, M, N, alpha, g, namespace, rho
from mobicost.cost.variants import VARIANTS, Shape


def same(a, b) -> bool:
    return sympy.simplify(a - b) == 0


def test_depthwise_separable_ratio_is_the_papers():
    result = derivation("depthwise-separable")
    assert same(result["macs_ratio"], 1 / N + 1 / D_K**2)
    assert same(result["params_ratio"], 1 / N + 1 / D_K**2)
    assert result["limit"] == 1 / D_K**2
    assert result["max_saving"] == 9  # "8 to 9 times less computation" at D_K = 3 ...
    assert result["crossover"] == sympy.Ge(N, 72)  # ... with at least 8x exactly from N = 72


def test_crossover_by_hand():
    # 1/N + 1/9 <= 1/8  <=>  N >= 72 ;  1/N + 1/25 <= 1/20  <=>  N >= 100
    assert separable_crossover(3, 8) == 72
    assert separable_crossover(5, 20) == 100
    assert separable_crossover(3, Fraction(17, 2)) == 153  # 1/N <= 2/17 - 1/9 = 1/153
    assert separable_crossover(3, 9) is None  # never reaches D_K^2
    assert derivation("depthwise-separable", kernel=3, saving=9)["crossover"] == sympy.false
    # the threshold really is the first N that reaches the saving
    for kernel, saving in ((3, 8), (5, 20), (7, 40)):
        n = separable_crossover(kernel, saving)
        assert n is not None
        at, before = (Fraction(1, x) + Fraction(1, kernel**2) for x in (n, n - 1))
        assert at <= Fraction(1, saving) < before


def test_spatial_separable_ratio_and_limits():
    result = derivation("spatial-separable")
    assert same(result["macs_ratio"], (D_F * N + M * (D_F + D_K - 1)) / (D_F * D_K * N))
    assert same(result["limit"], (M + N) / (D_K * N))
    assert same(result["same_ratio"], (M + N) / (D_K * N))
    # seed 003, one channel: (2N-2)(N-2)m against (N-2)^2 m^2, N the input size
    n = sympy.Symbol("n", positive=True)
    seed = {D_F: n - 2, D_K: 3}
    assert same(result["seed_macs"].subs(seed), (2 * n - 2) * (n - 2) * 3)
    assert same(result["seed_standard"].subs(seed), (n - 2) ** 2 * 9)
    assert same(result["seed_ratio"], (2 * D_F + D_K - 1) / (D_F * D_K))
    assert result["seed_limit"] == 2 / D_K


def test_grouped_ratio():
    assert derivation("grouped")["macs_ratio"] == 1 / g
    assert derivation("grouped")["params_ratio"] == 1 / g


def test_width_multiplier_scaling():
    result = derivation("width-multiplier")
    assert result["pointwise"] == alpha**2
    assert result["standard"] == alpha**2
    assert result["depthwise"] == alpha
    assert same(result["depthwise-separable"], alpha * (D_K**2 + alpha * N) / (D_K**2 + N))
    assert result["limit"] == alpha**2
    assert result["pointwise_params"] == alpha**2


def test_resolution_multiplier_scaling():
    result = derivation("resolution-multiplier")
    for name in (
        "standard",
        "depthwise",
        "pointwise",
        "depthwise-separable",
        "spatial-separable",
        "grouped",
    ):
        assert result[name] == rho**2
        assert result[f"{name}_params"] == 1


def test_unknown_derivation():
    from mobicost.errors import MobicostError

    with pytest.raises(MobicostError, match="unknown derivation"):
        derivation("dilated")


def test_text_round_trips_through_parse_expr():
    for name in VARIANTS:
        for padding in ("same", "valid"):
            f = formula(name, padding)
            for expr in (f.macs, f.params, f.adds):
                assert parse_expr(derive.text(expr), local_dict=namespace()) == expr
    for name in derive.DERIVATIONS:
        for step in derivation(name).steps:
            back = parse_expr(derive.text(step.expr), local_dict=namespace())
            assert same(back, step.expr) if isinstance(step.expr, sympy.Expr) else back == step.expr
    assert derive.text(1 / N + 1 / D_K**2) == "1/N + 1/D_K**2"


def test_unicode_and_latex_forms():
    assert derive.unicode(formula("standard").macs) == "D_F²·D_K²·M·N"
    assert derive.unicode(alpha**2 * rho**2) == "α²·ρ²"
    assert derive.latex(1 / N + 1 / D_K**2) == r"\frac{1}{N} + \frac{1}{D_{K}^{2}}"


shapes = st.builds(
    dict,
    k=st.integers(1, 7),
    m=st.integers(1, 64),
    n=st.integers(1, 64),
    size=st.integers(1, 64),
    stride=st.integers(1, 3),
    padding=st.sampled_from(["same", "valid"]),
    groups=st.sampled_from([1, 2, 4]),
    bias=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(shapes)
def test_integer_path_equals_symbolic_path(case):
    k, size = case["k"], case["size"]
    if case["padding"] == "valid" and k > size:
        return
    groups = case["groups"]
    m, n = case["m"] * groups, case["n"] * groups  # divisible by the groups
    shape = Shape.from_input(
        k=k, m=m, n=n, size=size, stride=case["stride"], padding=case["padding"], g=groups
    )
    values = {D_K: k, M: m, N: n, D_F: shape.f, g: groups, D_in: size}
    for name, variant in VARIANTS.items():
        numeric = variant.cost(shape, bias=case["bias"])
        symbolic = formula(
            name, case["padding"], 1 if case["stride"] == 1 else case["stride"], bias=case["bias"]
        )
        assert symbolic.macs.subs(values) == numeric.macs, name
        assert symbolic.params.subs(values) == numeric.params, name
        assert symbolic.adds.subs(values) == numeric.adds, name
