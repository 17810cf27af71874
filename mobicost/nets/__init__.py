"""Networks as data: spec files, the layer graph they expand into, and its costs.

* :mod:`.expr`: the exact expression language of spec files;
* :mod:`.ops`: the layer kinds, each with its one shape rule and one cost rule;
* :mod:`.spec`: reading a spec file and expanding it into a graph, within :mod:`.limits`;
* :mod:`.network`: a graph costed under conventions, layer by layer;
* :mod:`.library`: the built-in specs, and names to specs;
* :mod:`.grid`: exact costs over an alpha x resolution grid;
* :mod:`.pytorch`: any network as a ``torch.nn.Module``, checked by PyTorch's counter;
* :mod:`.writer`: any costed network written back as a spec file, repeated structures folded.

Imports go one way: limits, expr <- ops <- spec <- network <- library, grid, pytorch, writer.
"""
