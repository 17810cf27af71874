"""The per-layer report of a :class:`~mobicost.nets.network.Network` (``mobicost table``).

No sympy and no pandas: this is the start-up path of the most used command.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from ..nets.memory import NetworkMemory, Workload, network_memory
from ..nets.network import Network, model_notes
from ..nets.spec import typed
from .formats import Column, Report, humanize, to_frame

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from ..analysis.modules import ModuleGroup


def network_meta(network: Network) -> dict[str, object]:
    """What JSON carries about a network beside its rows: exact values, its conventions."""
    return {
        "model": network.name,
        "network": network.key,
        "source": network.spec.source,
        "alpha": network.alpha,
        "resolution": network.resolution,
        "rho": network.rho,
        "rounding": network.rounding,
        "options": {name: typed(value) for name, value in network.options},
        "conventions": network.conventions.as_dict(),
    }


def network_context(network: Network) -> dict[str, object]:
    """What every CSV row of a network's report repeats: the model and its conventions."""
    return network.context()


def memory_notes(memory: NetworkMemory) -> tuple[str, ...]:
    """The peak of live activations and the weights, in words."""
    where = (
        f" while layer {memory.peak_layer.index} ({memory.peak_layer.name}) runs"
        if memory.peak_layer is not None
        else ""
    )
    return (
        *memory.workload.notes(),
        f"Peak activation memory: {memory.peak_bytes:,} bytes ({humanize(memory.peak_bytes)}B)"
        f"{where}; weights: {memory.weight_bytes:,} bytes ({humanize(memory.weight_bytes)}B).",
    )


def layer_frame(network: Network, workload: Workload | None = None) -> pandas.DataFrame:
    """The layers as a pandas DataFrame, one row per layer: the same table as ``mobicost table
    --format csv`` (``pandas.read_csv`` of that CSV equals it), the model and its conventions on
    every row, exact integer counts (int64), the share as a float; exact fractions (alpha, rho)
    in ``frame.attrs``. (Here, with the report it renders, and not on the network: nets
    imports nothing above it.)"""
    frame: pandas.DataFrame = to_frame(layer_report(network, workload))
    return frame


def layer_report(
    network: Network,
    workload: Workload | None = None,
    groups: Sequence[ModuleGroup] | None = None,
) -> Report:
    """One row per layer (costs, then the memory ``workload`` needs: batch 1, fp32 unless
    given), a totals row, and the paper's Table 2 breakdown as a section. With ``groups``
    (:func:`~mobicost.analysis.modules.module_groups`: an imported model's layers by module),
    one row per group instead, its layers' counts added up, so the rows still add up to the
    same totals."""
    workload = workload or Workload()
    memory = network_memory(network, workload)
    conv = network.conventions
    unit = conv.unit
    ops_header = conv.unit_header + (" + other ops" if conv.counts_other_ops else "")
    columns: tuple[Column, ...] = (
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
        Column("activation_bytes", "Act. bytes", "count"),
        Column("intensity", "MACs/byte", "ratio"),
        Column("input_bytes", "input bytes", "count", show="machine"),
        Column("output_bytes", "output bytes", "count", show="machine"),
        Column("weight_bytes", "weight bytes", "count", show="machine"),
        Column("bytes_moved", "bytes moved", "count", show="machine"),
        Column("live_bytes", "live activation bytes", "count", show="machine"),
        Column("category", "Layer type", show="machine"),
    )
    rows = []
    for record, layer, bytes_, live in zip(
        network.records(), network.layers, memory.layers, memory.live, strict=True
    ):
        record[f"{unit}_share"] = record.pop("share")
        record["filter_shape"] = record.get("filter_shape") or None  # none: empty in every format
        record["ops"] = conv.ops(layer.cost)
        record.update(
            {
                "activation_bytes": bytes_.activation_bytes,
                "intensity": bytes_.intensity,
                "input_bytes": bytes_.input_bytes,
                "output_bytes": bytes_.output_bytes,
                "weight_bytes": bytes_.weight_bytes,
                "bytes_moved": bytes_.moved,
                "live_bytes": live,
            }
        )
        rows.append(record)
    notes: tuple[str, ...] = ()
    if groups is not None:
        columns, rows, notes = _grouped(columns, rows, groups, network)
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
        "weight_bytes": memory.weight_bytes,
        "bytes_moved": memory.moved,
        "live_bytes": memory.peak_bytes,
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
        notes=(*notes, *model_notes(network), *memory_notes(memory)),
        meta={
            **network_meta(network),
            "workload": workload.as_dict(),
            "peak_activation_bytes": memory.peak_bytes,
            "weight_bytes": memory.weight_bytes,
        },
        sections=(breakdown,),
        context={**network_context(network), **workload.as_dict()},
    )


#: the counts a group's row adds up from its layers' rows (the rest: see :func:`_grouped`)
_ADDED = ("ops", "macs", "adds", "flops", "params", "bn_params", "activation_bytes",
          "input_bytes", "output_bytes", "weight_bytes", "bytes_moved")  # fmt: skip


def _grouped(
    columns: tuple[Column, ...],
    rows: list[dict[str, object]],
    groups: Sequence[ModuleGroup],
    network: Network,
) -> tuple[tuple[Column, ...], list[dict[str, object]], tuple[str, ...]]:
    """The layer rows gathered by module: each group's counts and share added up, its bytes
    moved and held added up (each operation reads and writes its own), its live bytes the most
    while any of its layers runs; its kinds listed, its filter that of its one layer with MACs
    (none where several have), its category its main layer's (the most MACs), its input the
    first layer's and its output the last's."""
    from ..analysis.modules import labels

    by_index = {int(str(row["index"])): row for row in rows}
    share = next(key for key in rows[0] if key.endswith("_share")) if rows else "macs_share"
    grouped: list[dict[str, object]] = []
    for group in groups:
        members = [by_index[layer.index] for layer in group.layers]
        main = by_index[group.main.index]
        costed = sum(1 for layer in group.layers if layer.cost.macs)
        row: dict[str, object] = {
            "index": group.layers[0].index,
            "name": group.module,
            "layers": len(members),
            "type": labels(group.layers),
            "filter_shape": main["filter_shape"] if costed == 1 else None,
            "input": members[0]["input"],
            "output": members[-1]["output"],
            "category": main["category"],
            **{key: sum(int(str(m[key])) for m in members) for key in _ADDED},
            share: sum((Fraction(str(m[share])) for m in members), Fraction(0)),
            "live_bytes": max(int(str(m["live_bytes"])) for m in members),
        }
        moved = int(str(row["bytes_moved"]))
        row["intensity"] = Fraction(int(str(row["macs"])), moved) if moved else Fraction(0)
        grouped.append(row)
    columns = (
        *columns[:1],
        Column("name", "Module"),
        Column("layers", "Layers", "int"),
        *(c for c in columns[1:] if c.key != "name"),
    )
    note = (
        f"Rows: {len(network.layers):,} layers (one per operation) in {len(groups):,} runs of the "
        "module that ran them (# is each run's first layer, Layers how many it holds; the filter "
        "is shown where one layer has MACs); each row adds up its layers' counts and bytes; its "
        "live bytes are their most. --per-op: one row per layer; --depth N: another depth."
    )
    return columns, grouped, (note,)
