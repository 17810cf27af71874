"""The paper's symbols, declared once. Architectures and commands bind numbers to them elsewhere.

Importing this module imports sympy; the numeric path (``mobicost table``) never does.

To read an expression that mobicost wrote (JSON, CSV) back into sympy, pass these symbols, since
``N`` would otherwise be sympy's numeric-evaluation function:

>>> from sympy.parsing.sympy_parser import parse_expr
>>> parse_expr("1/N + 1/D_K**2", local_dict=namespace()) == 1 / N + 1 / D_K**2
True
"""

from __future__ import annotations

import sympy

D_K, M, N, D_F, g = sympy.symbols("D_K M N D_F g", positive=True, integer=True)
alpha, rho = sympy.symbols("alpha rho", positive=True)

#: every symbol with what it stands for, in the paper's words where it has them
MEANINGS: dict[sympy.Symbol, str] = {
    D_K: "kernel size (D_K x D_K)",
    M: "input channels",
    N: "output channels",
    D_F: "output feature-map size (D_F x D_F); the input size at stride 1, 'same' padding",
    g: "groups of a grouped convolution",
    alpha: "width multiplier: M -> alpha M, N -> alpha N",
    rho: "resolution multiplier: D_F -> rho D_F",
}


def namespace() -> dict[str, sympy.Symbol]:
    """Name -> symbol, for ``sympy.parse_expr(..., local_dict=namespace())``."""
    return {symbol.name: symbol for symbol in MEANINGS}
