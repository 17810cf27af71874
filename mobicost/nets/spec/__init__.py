"""Spec files: a network written down as TOML, read into a :class:`Spec`, built into a graph.

The format (``docs/specs.md`` describes it with a worked example)::

    name = "mobilenet-v1"                # how the command line names it
    title = "MobileNet"                  # how reports name it
    source = "Howard et al. 2017, Table 1"
    input = [3, 224, 224]                # channels, height, width
    classes = 1000

    [width]                              # it has a width multiplier alpha ...
    rounding = "floor"                   # ... and rounds channels so

    [conventions]                        # how its authors count
    bias = "none"

    [defaults.conv]                      # attributes every conv, dw and pw layer starts from
    bn = true
    act = "relu"

    [blocks.separable]                   # a block, written once
    params = ["c", "s"]
    layers = [
      { op = "dw", kernel = 3, stride = "$s" },
      { op = "pw", filters = "$c" },
    ]

    [[layers]]
    op = "conv"
    filters = 32
    kernel = 3
    stride = 2

    [[layers]]
    block = "separable"                  # one instance per row, as the paper's table
    columns = ["c", "s"]
    rows = [[64, 1], [128, 2]]

    [[head]]                             # the classifier, left out by --no-head
    op = "gap"

    [[head]]
    op = "fc"
    units = "$classes"

Layers refer to earlier layers by name (``input = "a"`` or ``input = ["a", "b"]``); without
``input`` a layer reads the one before it. Numbers may be expressions (:mod:`..expr`) in ``$``
variables: block parameters, option values, ``$classes``, ``$in`` (this layer's input channels),
``$block_in`` (its block's input channels), ``$in_h`` and ``$in_w``. A layer with ``when`` exists
only where its condition holds; where it does not, its name stands for its input.

The modules, each importing only those before it:

* :mod:`.model`: the :class:`Spec` as written, its options and width, and :class:`SpecError`;
* :mod:`.blocks`: blocks checked before building: no cycles, the nesting and the size within
  :mod:`..limits` (:func:`expansion`);
* :mod:`.layers`: the attributes each layer kind takes, and how one becomes a value and an op;
* :mod:`.reader`: TOML text into a :class:`Spec` (:func:`parse`);
* :mod:`.builder`: a :class:`Spec` expanded into a :class:`Graph` (:func:`build_graph`).
"""

from __future__ import annotations

from .blocks import expansion
from .builder import INPUT, Expansions, Graph, Node, build_graph
from .layers import ATTRIBUTES, WidthReads
from .model import (
    ROUNDING_NOTES,
    ROUNDINGS,
    SIZE_VARIABLES,
    WIDTH_MODES,
    Option,
    Spec,
    SpecError,
    Width,
    reads_size,
    round_channels,
    typed,
)
from .reader import parse

__all__ = [
    "ATTRIBUTES",
    "INPUT",
    "ROUNDINGS",
    "ROUNDING_NOTES",
    "SIZE_VARIABLES",
    "WIDTH_MODES",
    "Expansions",
    "Graph",
    "Node",
    "Option",
    "Spec",
    "SpecError",
    "Width",
    "WidthReads",
    "build_graph",
    "expansion",
    "parse",
    "reads_size",
    "round_channels",
    "typed",
]
