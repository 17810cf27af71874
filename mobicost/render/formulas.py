"""Reports of ``mobicost formula``: formulas, evaluated formulas, and derivations.

This module joins the symbolic engine (:mod:`mobicost.derive`) to the renderer; it imports sympy.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from ..cost import derive
from ..cost.rules import Padding
from ..cost.symbols import MEANINGS
from ..cost.variants import VARIANTS, Shape, evaluate
from .formats import Column, Formula, Report

MACS_NOTE = "MACs: multiply-accumulates, the paper's mult-adds (FLOPs = 2 x MACs)."


def as_formula(expr: sympy.Basic) -> Formula:
    """An expression in the three forms the renderers need."""
    return Formula(text=derive.text(expr), unicode=derive.unicode(expr), latex=derive.latex(expr))


def _conventions(padding: Padding, stride: int, bias: bool) -> tuple[str, ...]:
    width = {
        "same": "D_F is the output size; 'same' padding at stride 1 (the paper's setting) makes it "
        "the input size too.",
        "valid": "D_F is the output size; 'valid' padding at stride 1 makes the input "
        "D_F + D_K - 1 (seed 003's setting).",
    }[padding]
    if stride != 1:
        width = f"D_F is the output size at stride {stride}; D_in is the input size."
    bias_note = (
        "Bias counted: + N params per convolution (a bias is an addition, not a MAC)."
        if bias
        else "No bias: parameters are weights only (as in the paper)."
    )
    return (MACS_NOTE, width, bias_note)


def _symbol_notes(exprs: Sequence[sympy.Basic]) -> tuple[str, ...]:
    used = set().union(*(e.free_symbols for e in exprs)) if exprs else set()
    return tuple(
        f"{derive.unicode(s.name)}: {meaning}" for s, meaning in MEANINGS.items() if s in used
    )


def listing(
    names: Sequence[str] | None = None, *, padding: Padding = "same", bias: bool = False
) -> Report:
    """Every variant (or the named ones) with its MACs and parameter formulas."""
    chosen = list(names or VARIANTS)
    formulas = [derive.formula(name, padding, bias=bias) for name in chosen]
    with_adds = any(f.adds != 0 for f in formulas)
    columns = [
        Column("variant", "variant"),
        Column("macs", "MACs", "formula"),
        Column("params", "params", "formula"),
    ]
    if with_adds:
        columns.append(Column("adds", "other ops (adds)", "formula"))
    columns.append(Column("description", "what it is"))
    rows = tuple(
        {
            "variant": f.variant.name,
            "macs": as_formula(f.macs),
            "params": as_formula(f.params),
            "adds": as_formula(f.adds),
            "description": f.variant.summary,
        }
        for f in formulas
    )
    exprs = [e for f in formulas for e in (f.macs, f.params, f.adds)]
    notes = _conventions(padding, 1, bias) + _symbol_notes(exprs)
    if with_adds:
        notes += ("other ops: plain additions, counted only when asked (global-avg-pool).",)
    return Report(
        "Cost formulas",
        tuple(columns),
        rows,
        notes=notes,
        meta={"padding": padding, "bias": bias, "unit": "MACs"},
        context={"padding": padding, "bias": bias},
    )


def evaluation(
    names: Sequence[str], shape: Shape, *, padding: Padding, stride: int, bias: bool = False
) -> Report:
    """Variants evaluated exactly on one shape, each pass with the formula behind its number."""
    symbolic = derive.symbolic_shape(padding, stride)
    columns = (
        Column("variant", "variant"),
        Column("pass", "pass"),
        Column("macs", "MACs", "count"),
        Column("params", "params", "count"),
        Column("macs_ratio", "MACs / standard", "ratio"),
        Column("macs_formula", "MACs formula", "formula"),
        Column("params_formula", "params formula", "formula"),
    )
    rows: list[dict[str, object]] = []
    for result in evaluate(names, shape, bias=bias):
        symbolic_parts = result.variant.parts(symbolic, bias=bias)
        for part, formula in zip(result.parts, symbolic_parts, strict=True):
            rows.append(
                {
                    "variant": result.variant.name,
                    "pass": part.label,
                    "macs": part.cost.macs,
                    "params": part.cost.params,
                    "macs_formula": as_formula(sympy.expand(sympy.sympify(formula.cost.macs))),
                    "params_formula": as_formula(sympy.expand(sympy.sympify(formula.cost.params))),
                }
            )
        if len(result.parts) > 1:
            whole = result.variant.cost(symbolic, bias=bias)
            rows.append(
                {
                    "variant": result.variant.name,
                    "pass": "total",
                    "macs": result.cost.macs,
                    "params": result.cost.params,
                    "macs_formula": as_formula(sympy.expand(sympy.sympify(whole.macs))),
                    "params_formula": as_formula(sympy.expand(sympy.sympify(whole.params))),
                }
            )
        rows[-1]["macs_ratio"] = result.macs_ratio
    values = {"D_K": shape.k, "M": shape.m, "N": shape.n, "D_F": shape.f, "g": shape.g}
    if stride != 1:
        values["D_in"] = shape.w_in
    bound = ", ".join(
        f"{derive.unicode(k)} = {v}"
        for k, v in values.items()
        if k != "g" or any(n == "grouped" for n in names)
    )
    notes = (
        f"Evaluated at {bound} (input {shape.w_in}x{shape.w_in}, stride {stride}, "
        f"'{padding}' padding).",
        *_conventions(padding, stride, bias),
    )
    shape_meta: dict[str, object] = {
        "k": shape.k,
        "m": shape.m,
        "n": shape.n,
        "input_size": shape.w_in,
        "output_size": shape.f,
        "stride": stride,
        "padding": padding,
        "groups": shape.g,
    }
    meta = {
        "shape": shape_meta,
        "bias": bias,
        "unit": "MACs",
    }
    return Report(
        "Cost of one layer",
        columns,
        tuple(rows),
        notes=notes,
        meta=meta,
        context={**shape_meta, "bias": bias},
    )


def derivation(result: derive.Derivation) -> Report:
    """A derivation's steps, each an exact expression."""
    columns = (
        Column("key", "key"),
        Column("result", "result"),
        Column("expr", "expression", "formula"),
    )
    rows = tuple(
        {"key": s.key, "result": derive.unicode(s.label), "expr": as_formula(s.expr)}
        for s in result.steps
    )
    notes = (MACS_NOTE, *_symbol_notes([s.expr for s in result.steps]))
    return Report(
        result.title,
        columns,
        rows,
        notes=notes,
        meta={"derivation": result.name},
        context={"derivation": result.name},
    )
