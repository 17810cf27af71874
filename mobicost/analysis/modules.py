"""An imported model's layers by the module that ran them, as torchinfo shows a model to a depth.

An imported model has one layer per operation (``torchvision:vit_b_16``: 466), each named by the
module that ran it (``encoder.layers.encoder_layer_3.mlp.0``). :func:`module_groups` cuts each
module path to ``depth`` names and puts consecutive layers of the same cut path in one group, in
the order they ran: at depth 1 a ViT is its patch embedding, its encoder and its head; at depth
3 each encoder block is one group. Groups only gather layers, so every count of the groups adds
up to the network's, exactly. :func:`readable_depth` picks the deepest depth whose groups fit a
screen.

>>> from mobicost import network
>>> net = network("mobilenet-v1")  # a built-in's layers name their spec line: one module each
>>> len(module_groups(net, 1)) <= len(net.layers)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..nets.network import Layer, Network

#: the most groups :func:`readable_depth` shows where a shallower depth allows
READABLE_ROWS = 60
#: the name of the layers no module ran (the model's own forward: a class token's concat)
ROOT = "(root)"


@dataclass(frozen=True)
class ModuleGroup:
    """Consecutive layers run by one module (or its submodules, below the depth)."""

    module: str  #: the module's path, cut to the depth; ``(root)`` for the model's own code
    layers: tuple[Layer, ...]

    @property
    def main(self) -> Layer:
        """The layer with the most MACs (the first of equals): what the group mainly does."""
        return max(self.layers, key=lambda layer: (layer.cost.macs, -layer.index))


def module_of(layer: Layer, depth: int | None = None) -> str:
    """The module that ran ``layer``, cut to ``depth`` names (all of them for ``None``)."""
    path = layer.node.origin
    if not path:
        return ROOT
    parts = path.split(".")
    return ".".join(parts if depth is None else parts[:depth])


def module_groups(network: Network, depth: int | None = None) -> tuple[ModuleGroup, ...]:
    """The layers of ``network`` in runs of the same module cut to ``depth`` (every name for
    ``None``), in the order they ran."""
    if depth is not None and depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    groups: list[tuple[str, list[Layer]]] = []
    for layer in network.layers:
        module = module_of(layer, depth)
        if groups and groups[-1][0] == module:
            groups[-1][1].append(layer)
        else:
            groups.append((module, [layer]))
    return tuple(ModuleGroup(module, tuple(layers)) for module, layers in groups)


def readable_depth(network: Network, most: int = READABLE_ROWS) -> int:
    """The deepest depth at which ``network``'s groups are at most ``most`` rows (1 where even
    that is more)."""
    deepest = max((len(module_of(layer).split(".")) for layer in network.layers), default=1)
    chosen = 1
    for depth in range(1, deepest + 1):
        if len(module_groups(network, depth)) > most:
            break
        chosen = depth
    return chosen


def labels(layers: Sequence[Layer], most: int = 3) -> str:
    """The kinds a group runs, costed ones first, each once: ``Linear + Gelu``; ``+N`` more."""
    costed = [layer.label for layer in layers if layer.cost.macs]
    rest = [layer.label for layer in layers if not layer.cost.macs]
    distinct = list(dict.fromkeys([*costed, *rest]))
    shown = " + ".join(distinct[:most])
    return shown + (f" +{len(distinct) - most}" if len(distinct) > most else "")
