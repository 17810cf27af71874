"""Costs: one rule per layer kind (:mod:`.rules`), written once for exact integers and sympy
symbols; the counting conventions (:mod:`.conventions`); single-layer variants
(:mod:`.variants`) and the symbolic derivations of the MobileNet paper (:mod:`.derive`, the one
module here that imports sympy)."""
