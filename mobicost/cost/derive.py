"""Symbolic derivations: sympy evaluates the rules of :mod:`mobicost.rules` on the paper's symbols
and derives the paper's results from them, rather than restating them.

>>> ratio = derivation("depthwise-separable")
>>> ratio["macs_ratio"]
1/N + D_K**(-2)
>>> text(ratio["macs_ratio"]), ratio["crossover"]
('1/N + 1/D_K**2', N >= 72)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import sympy
from sympy.printing.str import StrPrinter

from ..errors import MobicostError
from .rules import Padding
from .symbols import D_F, D_K, M, N, alpha, g, rho
from .variants import RATIO_VARIANTS, VARIANTS, Shape, Variant

#: input width when it is neither D_F nor D_F + D_K - 1 (strided spatially separable layers)
D_in = sympy.Symbol("D_in", positive=True, integer=True)


def symbolic_shape(padding: Padding = "same", stride: int = 1) -> Shape:
    """The paper's layer in symbols. At stride 1 the input width is D_F ('same', the paper's
    setting) or D_F + D_K - 1 ('valid', seed 003's setting)."""
    if stride != 1:
        w_in: sympy.Expr = D_in
    elif padding == "same":
        w_in = D_F
    else:
        w_in = D_F + D_K - 1
    return Shape(k=D_K, m=M, n=N, f=D_F, w_in=w_in, g=g)


@dataclass(frozen=True)
class Formula:
    """A variant's cost as expressions in the paper's symbols."""

    variant: Variant
    macs: sympy.Expr
    params: sympy.Expr
    adds: sympy.Expr


@functools.cache
def formula(
    name: str, padding: Padding = "same", stride: int = 1, *, bias: bool = False
) -> Formula:
    """The MACs, parameter and addition formulas of one variant.

    >>> formula("depthwise-separable").macs
    D_F**2*D_K**2*M + D_F**2*M*N
    >>> formula("standard", bias=True).params
    D_K**2*M*N + N
    """
    variant = VARIANTS[name]
    cost = variant.cost(symbolic_shape(padding, stride), bias=bias)
    return Formula(
        variant, *(sympy.expand(sympy.sympify(v)) for v in (cost.macs, cost.params, cost.adds))
    )


# --- derivations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One derived result: a key for programs, a label for people, and the expression."""

    key: str
    label: str
    expr: sympy.Basic


@dataclass(frozen=True)
class Derivation:
    name: str
    title: str
    steps: tuple[Step, ...]

    def __getitem__(self, key: str) -> sympy.Basic:
        for step in self.steps:
            if step.key == key:
                return step.expr
        raise KeyError(key)


def _ratio(numerator: sympy.Expr, denominator: sympy.Expr) -> sympy.Expr:
    """A ratio in its simplest readable form: expanded when that splits into plain fractions."""
    ratio = sympy.simplify(numerator / denominator)
    expanded = sympy.expand(ratio)
    if sympy.count_ops(expanded) <= sympy.count_ops(ratio):
        return expanded
    top, bottom = sympy.fraction(sympy.factor(ratio))
    return sympy.collect(top, [M, N]) / bottom


def scaled_ratio(
    name: str, padding: Padding = "same", *, width: bool = False, resolution: bool = False
) -> sympy.Expr:
    """MACs of a variant, optionally thinned (M -> alpha M, N -> alpha N) and shrunk
    (D_F -> rho D_F), relative to the standard convolution of the original layer.

    >>> text(scaled_ratio("depthwise-separable", width=True, resolution=True))
    'alpha*rho**2/N + alpha**2*rho**2/D_K**2'
    """
    macs = formula(name, padding).macs
    substitutions: dict[sympy.Symbol, sympy.Expr] = {}
    if width:
        substitutions |= {M: alpha * M, N: alpha * N}
    if resolution:
        substitutions[D_F] = rho * D_F
    return _ratio(macs.subs(substitutions, simultaneous=True), formula("standard").macs)


def separable_crossover(kernel: int = 3, saving: Fraction | int = 8) -> int | None:
    """Smallest N for which a depthwise-separable layer with a ``kernel`` x ``kernel`` filter is at
    least ``saving`` times cheaper than the standard one; ``None`` if no N is (saving >= kernel^2).

    Solved by sympy from the derived ratio 1/N + 1/D_K^2, not from a restated formula.

    >>> separable_crossover(3, 8), separable_crossover(3, 9), separable_crossover(5, 20)
    (72, None, 100)
    """
    ratio = _ratio(formula("depthwise-separable").macs, formula("standard").macs)
    at_kernel = ratio.subs(D_K, kernel)
    solution = sympy.solveset(
        sympy.Rational(1) / sympy.Rational(saving) - at_kernel >= 0, N, sympy.Interval(1, sympy.oo)
    )
    if solution is sympy.S.EmptySet:
        return None
    return int(sympy.ceiling(solution.inf))


def _depthwise_separable(kernel: int, saving: Fraction | int) -> Derivation:
    standard, separable = formula("standard"), formula("depthwise-separable")
    macs_ratio = _ratio(separable.macs, standard.macs)
    at_kernel = macs_ratio.subs(D_K, kernel)
    crossover = separable_crossover(kernel, saving)
    return Derivation(
        "depthwise-separable",
        "Depthwise separable vs standard convolution",
        (
            Step("macs_ratio", "MACs: depthwise separable / standard", macs_ratio),
            Step(
                "params_ratio",
                "params: depthwise separable / standard",
                _ratio(separable.params, standard.params),
            ),
            Step("limit", "MACs ratio as N -> oo", sympy.limit(macs_ratio, N, sympy.oo)),
            Step("at_kernel", f"MACs ratio at D_K = {kernel}", at_kernel),
            Step(
                "saving",
                f"saving (standard / separable) at D_K = {kernel}",
                sympy.factor(1 / at_kernel),
            ),
            Step(
                "max_saving",
                f"saving as N -> oo at D_K = {kernel}",
                sympy.limit(1 / at_kernel, N, sympy.oo),
            ),
            Step(
                "crossover",
                f"saving >= {saving}x at D_K = {kernel} exactly when",
                sympy.false if crossover is None else sympy.Ge(N, crossover),
            ),
        ),
    )


def _spatial_separable(kernel: int, saving: Fraction | int) -> Derivation:
    del kernel, saving  # this derivation is general in D_K
    valid, same = formula("spatial-separable", "valid"), formula("spatial-separable", "same")
    standard = formula("standard")
    macs_ratio = _ratio(valid.macs, standard.macs)
    one = {M: 1, N: 1}
    seed_ratio = _ratio(valid.macs.subs(one), standard.macs.subs(one))
    return Derivation(
        "spatial-separable",
        "Spatially separable vs standard convolution (stride 1)",
        (
            Step("macs_ratio", "MACs: spatially separable / standard, 'valid' padding", macs_ratio),
            Step("limit", "MACs ratio as D_F -> oo", sympy.limit(macs_ratio, D_F, sympy.oo)),
            Step(
                "same_ratio",
                "MACs ratio with 'same' padding, any D_F",
                _ratio(same.macs, standard.macs),
            ),
            Step(
                "params_ratio",
                "params: spatially separable / standard",
                _ratio(valid.params, standard.params),
            ),
            Step(
                "seed_macs",
                "one channel (M = N = 1, seed 003): separable MACs",
                sympy.factor(valid.macs.subs(one)),
            ),
            Step("seed_standard", "one channel: standard MACs", standard.macs.subs(one)),
            Step("seed_ratio", "one channel: MACs ratio", seed_ratio),
            Step(
                "seed_limit",
                "one channel, as D_F -> oo (seed 003's 2/m)",
                sympy.limit(seed_ratio, D_F, sympy.oo),
            ),
        ),
    )


def _grouped(kernel: int, saving: Fraction | int) -> Derivation:
    del kernel, saving
    standard, grouped = formula("standard"), formula("grouped")
    return Derivation(
        "grouped",
        "Grouped vs standard convolution",
        (
            Step("macs_ratio", "MACs: grouped / standard", _ratio(grouped.macs, standard.macs)),
            Step(
                "params_ratio",
                "params: grouped / standard",
                _ratio(grouped.params, standard.params),
            ),
        ),
    )


_SCALED = ("standard", "depthwise", "pointwise", "depthwise-separable")


def _width_multiplier(kernel: int, saving: Fraction | int) -> Derivation:
    del kernel, saving
    thin = {M: alpha * M, N: alpha * N}
    steps = []
    for name in _SCALED:
        f = formula(name)
        steps.append(
            Step(
                name,
                f"{name}: MACs(alpha) / MACs",
                _ratio(f.macs.subs(thin, simultaneous=True), f.macs),
            )
        )
        steps.append(
            Step(
                f"{name}_params",
                f"{name}: params(alpha) / params",
                _ratio(f.params.subs(thin, simultaneous=True), f.params),
            )
        )
    separable = next(s.expr for s in steps if s.key == "depthwise-separable")
    steps.append(
        Step(
            "limit",
            'depthwise-separable MACs ratio as N -> oo ("roughly alpha^2")',
            sympy.limit(separable, N, sympy.oo),
        )
    )
    return Derivation(
        "width-multiplier", "Width multiplier alpha (M -> alpha M, N -> alpha N)", tuple(steps)
    )


def _resolution_multiplier(kernel: int, saving: Fraction | int) -> Derivation:
    del kernel, saving
    scaled = {D_F: rho * D_F}
    steps = []
    for name in (*_SCALED, "spatial-separable", "grouped"):
        f = formula(name)
        steps.append(Step(name, f"{name}: MACs(rho) / MACs", _ratio(f.macs.subs(scaled), f.macs)))
        steps.append(
            Step(
                f"{name}_params",
                f"{name}: params(rho) / params",
                _ratio(f.params.subs(scaled), f.params),
            )
        )
    return Derivation(
        "resolution-multiplier", "Resolution multiplier rho (D_F -> rho D_F)", tuple(steps)
    )


DERIVATIONS: dict[str, Callable[[int, Fraction | int], Derivation]] = {
    "depthwise-separable": _depthwise_separable,
    "spatial-separable": _spatial_separable,
    "grouped": _grouped,
    "width-multiplier": _width_multiplier,
    "resolution-multiplier": _resolution_multiplier,
}
assert set(RATIO_VARIANTS) <= set(DERIVATIONS), "every ratio variant needs a derivation"


def derivation(name: str, *, kernel: int = 3, saving: Fraction | int = 8) -> Derivation:
    """Derive one named result; ``kernel`` and ``saving`` set the depthwise-separable crossover."""
    try:
        derive = DERIVATIONS[name]
    except KeyError:
        raise MobicostError(
            f"unknown derivation {name!r}; choose from: {', '.join(DERIVATIONS)}"
        ) from None
    return derive(kernel, saving)


# --- printing ------------------------------------------------------------------------------------


class _Printer(StrPrinter):  # type: ignore[misc]
    """sympy's ``str`` form, but ``1/D_K**2`` rather than ``D_K**(-2)``; still parse_expr-able."""

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:  # noqa: N802 (sympy's name)
        if expr.exp.is_Integer and expr.exp < -1:
            return "1/" + str(self._print(sympy.Pow(expr.base, -expr.exp)))
        return str(super()._print_Pow(expr, rational=rational))


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_UNICODE = (
    (re.compile(r"\balpha\b"), lambda m: "α"),
    (re.compile(r"\brho\b"), lambda m: "ρ"),
    (re.compile(r"\*\*\(?(-?\d+)\)?"), lambda m: m.group(1).translate(_SUPERSCRIPTS)),
    (re.compile(r"\*"), lambda m: "·"),
    (re.compile(r">="), lambda m: "≥"),
    (re.compile(r"<="), lambda m: "≤"),
    (re.compile(r"\boo\b"), lambda m: "∞"),
    (re.compile(r"->"), lambda m: "→"),
)


def text(expr: sympy.Basic) -> str:
    """Plain text that ``sympy.parse_expr(..., local_dict=symbols.namespace())`` reads back."""
    printed: str = _Printer().doprint(expr)
    return printed


def unicode(expr_or_label: sympy.Basic | str) -> str:
    """One-line unicode for people: ``D_F²·D_K²·M·N``."""
    result = expr_or_label if isinstance(expr_or_label, str) else text(expr_or_label)
    for pattern, replace in _UNICODE:
        result = pattern.sub(replace, result)
    return result


def latex(expr: sympy.Basic) -> str:
    return str(sympy.latex(expr))
