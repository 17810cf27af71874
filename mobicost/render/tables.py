"""The per-layer report of a :class:`~mobicost.nets.network.Network` (``mobicost table``).

No sympy and no pandas: this is the start-up path of the most used command.
"""

from __future__ import annotations

from fractions import Fraction

from ..nets.network import Network, model_notes
from .formats import Column, Report


def network_meta(network: Network) -> dict[str, object]:
    """What JSON carries about a network beside its rows: exact values, its conventions."""
    return {
        "model": network.name,
        "network": network.key,
        "source": network.spec.source,
        "alpha": str(network.alpha),
        "resolution": network.resolution,
        "rho": str(network.rho),
        "rounding": network.rounding,
        "options": dict(network.options),
        "conventions": network.conventions.as_dict(),
    }


def network_context(network: Network) -> dict[str, object]:
    """What every CSV row of a network's report repeats: the model and its conventions."""
    return network.context()


def layer_report(network: Network) -> Report:
    """One row per layer, a totals row, and the paper's Table 2 breakdown as a section."""
    conv = network.conventions
    unit = conv.unit
    ops_header = conv.unit_header + (" + other ops" if conv.counts_other_ops else "")
    columns = (
        Column("index", "#", "int"),
        Column("name", "Layer", show="machine"),
        Column("type", "Type / Stride"),
        Column("filter_shape", "Filter Shape"),
        Column("input", "Input Size"),
        Column("output", "Output Size"),
        Column("ops", ops_header, "count", show="human"),
        Column("macs", "MACs", "count", show="machine"),
        Column("adds", "adds", "count", show="machine"),
        Column("flops", "FLOPs", "count", show="machine"),
        Column("params", "Params", "count"),
        Column("bn_params", "BN params", "count", show="machine"),
        Column(f"{unit}_share", f"% of {conv.unit_header}", "percent"),
        Column("category", "Layer type", show="machine"),
    )
    rows = []
    for record, layer in zip(network.records(), network.layers, strict=True):
        record[f"{unit}_share"] = record.pop("share")
        record["ops"] = conv.ops(layer.cost)
        rows.append(record)
    total = network.total
    totals = {
        "type": "Total",
        "ops": network.ops,
        "macs": int(total.macs),
        "adds": int(total.adds),
        "flops": int(2 * total.macs + total.adds),
        "params": network.params,
        "bn_params": sum(int(x.bn.params) for x in network.layers),
        f"{unit}_share": Fraction(1),
    }
    breakdown = Report(
        "By layer type (the paper's Table 2)",
        (
            Column("category", "Type"),
            Column(unit, conv.unit_header, "count"),
            Column(f"{unit}_share", f"% of {conv.unit_header}", "percent"),
            Column("params", "Params", "count"),
            Column("params_share", "% of Params", "percent"),
        ),
        tuple(
            {
                "category": s.category,
                unit: s.ops,
                f"{unit}_share": s.ops_share,
                "params": s.params,
                "params_share": s.params_share,
            }
            for s in network.breakdown()
        ),
        key="breakdown",
    )
    return Report(
        f"{network.name}: cost per layer",
        columns,
        tuple(rows),
        totals=totals,
        notes=model_notes(network),
        meta=network_meta(network),
        sections=(breakdown,),
        context=network_context(network),
    )
