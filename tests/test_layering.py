"""The package's layers import one way, cost -> nets -> analysis -> render -> backends -> cli
(backends: what a network becomes outside mobicost, an ONNX model, a runtime's timings): no
module of a layer imports one above it, at its top or inside a function (a lazy import is still
an import). Read statically from the source, so that a circle shows here before it shows at run
time."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "mobicost"
LAYERS = ("cost", "nets", "analysis", "render", "backends", "cli")
#: the layers checked: every module in them, against every layer above
CHECKED = ("cost", "nets", "analysis", "render", "backends")


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, as absolute names (relative imports resolved)."""
    package = list(path.relative_to(PACKAGE.parent).parts[:-1])  # a package's own __init__ too
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            stem = ".".join([*base, *([node.module] if node.module else [])])
            names.add(stem)
            names.update(f"{stem}.{alias.name}" for alias in node.names)
    return names


def test_imported_resolves_relative_imports():
    assert "mobicost.render.tables" in imported(PACKAGE / "cli" / "table.py")
    assert "mobicost.nets.spec.model.Spec" in imported(PACKAGE / "nets" / "spec" / "reader.py")
    assert "mobicost.nets.limits" in imported(PACKAGE / "nets" / "spec" / "blocks.py")
    assert "mobicost.nets.ops" in imported(PACKAGE / "nets" / "network.py")


@pytest.mark.parametrize("layer", CHECKED)
def test_no_module_imports_a_layer_above_its_own(layer):
    above = LAYERS[LAYERS.index(layer) + 1 :]
    found = {
        str(path.relative_to(PACKAGE.parent)): sorted(
            name
            for name in imported(path)
            if any(name == f"mobicost.{up}" or name.startswith(f"mobicost.{up}.") for up in above)
        )
        for path in sorted((PACKAGE / layer).rglob("*.py"))
    }
    assert {path: names for path, names in found.items() if names} == {}
    assert len(found) > 3  # the walk found the layer's modules
