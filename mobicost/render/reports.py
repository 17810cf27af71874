"""Reports of ``mobicost sweep``, ``compare`` and ``check``: library results as :class:`Report`s.

Only the layer comparison's closed-form ratios need sympy, and they import it when asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..analysis.check import Claim
from ..analysis.compare import LayerComparison, ModelRow
from ..analysis.kernels import KernelModel
from ..analysis.latency import Prediction
from ..analysis.sweep import Sweep, top1_key
from ..cost.conventions import Conventions
from ..exact import decimal_text
from ..nets.network import model_notes
from ..nets.pytorch import Verification
from ..nets.timing import Calibration, LayerTimings, decimal_string
from .formats import Column, Report, Shown, shared_notes
from .tables import network_context, network_meta

if TYPE_CHECKING:  # pragma: no cover
    from ..frontends.verify import ModelVerification


def _unit_columns(conventions: Conventions) -> tuple[Column, ...]:
    """The cost column people see (in the chosen unit) and the exact ones machines get."""
    return (
        Column("ops", conventions.unit_header, "count", show="human"),
        Column("macs", "MACs", "count", show="machine"),
        Column("adds", "adds", "count", show="machine"),
        Column("flops", "FLOPs", "count", show="machine"),
    )


def sweep_report(result: Sweep, *, limit: int | None = None, budgets: Sequence[str] = ()) -> Report:
    """One row per configuration kept; ``limit`` cuts what people see (machines get all). The
    rows are columns (:class:`~mobicost.render.columns.Columnar`), made a chunk at a time from
    the sweep's arrays: a million configurations are never a million objects."""
    import numpy

    from .columns import Coded, Columnar, Joined, Quotient

    conventions = result.conventions
    columns = (
        Column("model", "model"),
        Column("alpha", "alpha", "decimal"),
        Column("resolution", "resolution", "int"),
        Column("rho", "rho", "decimal", show="machine"),
        *_unit_columns(conventions),
        Column("params", "Params", "count"),
        Column("peak_bytes", "Peak act. bytes", "count"),
        Column("weight_bytes", "Weight bytes", "count", show="machine"),
        Column("ratio", f"{conventions.unit_header} / {result.reference}", "ratio"),
        *(Column(top1_key(o), f"top-1 % ({o})", "decimal") for o in result.origins),
    )
    widths = tuple(
        f"{decimal_text(a)} " if result.spec.width is not None else "" for a in result.alphas
    )
    inputs = tuple(f"{result.spec.title}-{r}" for r in result.resolutions)
    alphas = tuple(decimal_text(a) for a in result.alphas)
    rhos = tuple(Fraction(r, result.spec.resolution) for r in result.resolutions)
    resolutions = numpy.asarray(result.resolutions, dtype=numpy.int64)
    top1 = {origin: result.top1_values(origin) for origin in result.origins}

    def chunk(start: int, stop: int) -> dict[str, object]:
        data = result.arrays(start, stop)
        i, j = data["alpha"], data["resolution"]
        return {
            "model": Joined((Coded(i, widths), Coded(j, inputs))),
            "alpha": Coded(i, alphas),
            "resolution": resolutions[j],
            "rho": Coded(j, rhos),
            **{key: data[key] for key in ("ops", "macs", "adds", "flops", "params")},
            "peak_bytes": data["peak_bytes"],
            "weight_bytes": data["weight_bytes"],
            "ratio": Quotient(data["ops"], result.reference_ops)
            if result.reference_ops
            else Quotient(0 * data["ops"], 1),
            **{top1_key(o): Coded(data[f"top1:{o}"], top1[o]) for o in result.origins},
        }

    rows: Sequence[Mapping[str, object]] = Columnar(len(result), chunk)
    kept = len(result)
    if limit is not None and kept > limit:
        rows = rows[:limit]
    notes = [
        f"{result.evaluated:,} configurations evaluated, {kept:,} kept"
        + (f" ({'; '.join(budgets)})" if budgets else "")
        + "."
    ]
    if result.skipped_text:
        notes.append(result.skipped_text)
    if result.pareto_axis:
        notes.append(
            f"Pareto front: no other configuration is cheaper and at least as good on "
            f"{result.pareto_axis}."
        )
    if limit is not None and kept > limit:
        notes.append(
            f"Showing the first {limit:,} of {kept:,} rows ({kept - limit:,} left out); "
            "--format csv, json or parquet gives them all."
        )
    accuracy = (
        " Top-1: ImageNet accuracy as printed by each source, where published."
        if result.origins
        else ""
    )
    notes.append(
        f"Ratio: {conventions.unit_header} relative to {result.reference} "
        f"({result.reference_ops:,}) under the same conventions.{accuracy}"
    )
    if result.spec.width is not None and result.spec.width.values is None:
        notes.append(f"Channels: '{result.rounding}' rounding.")
    notes.extend(result.notes)
    notes.extend(conventions.notes(result.spec.head_words(conventions.classes)))
    notes.extend(result.workload.notes())
    return Report(
        f"{result.spec.title}: alpha x resolution sweep",
        columns,
        rows,
        notes=tuple(notes),
        meta=result.meta(),
        context=result.context(),
    )


def layer_comparison_report(comparison: LayerComparison, *, bias: bool = False) -> Report:
    """One layer in every variant, with the exact and the closed-form ratio to standard."""
    from ..cost import derive
    from .formulas import MACS_NOTE, as_formula

    shape = comparison.shape
    columns = (
        Column("variant", "variant"),
        Column("macs", "MACs", "count"),
        Column("params", "params", "count"),
        Column("ratio", "MACs / standard", "ratio"),
        Column("closed_form", "closed form", "formula"),
        Column("paper_macs", "paper MACs"),
        Column("paper_params", "paper params"),
    )
    rows = []
    for row in comparison.rows:
        closed = derive.scaled_ratio(
            row.variant, comparison.padding, width=row.width != 1, resolution=row.resolution != 1
        )
        rows.append(
            {
                "variant": row.label,
                "macs": row.cost.macs,
                "params": row.cost.params,
                "ratio": row.ratio,
                "closed_form": as_formula(closed),
                "paper_macs": f"{row.printed[0].text}M" if row.printed else None,
                "paper_params": f"{row.printed[1].text}M" if row.printed else None,
            }
        )
    notes = (
        f"Layer: D_K = {shape.k}, M = {shape.m}, N = {shape.n}, input {shape.w_in}x{shape.w_in}, "
        f"stride {comparison.stride}, '{comparison.padding}' padding -> D_F = {shape.f}"
        + (f", g = {shape.g}" if shape.g != 1 else "")
        + ".",
        "Thinned rows take floor(alpha x channels); shrunk rows round(rho x size), as the "
        "paper's Table 3 (alpha = 0.75: 512 -> 384 channels; rho = 0.714: 14 -> 10).",
        MACS_NOTE,
        "Bias counted in the parameters." if bias else "No bias, as the paper.",
    )
    shape_meta: dict[str, object] = {
        "k": shape.k,
        "m": shape.m,
        "n": shape.n,
        "input_size": shape.w_in,
        "output_size": shape.f,
        "stride": comparison.stride,
        "padding": comparison.padding,
        "groups": shape.g,
    }
    meta = {"shape": shape_meta}
    return Report(
        "One layer, every variant",
        columns,
        tuple(rows),
        notes=notes,
        meta=meta,
        context={**shape_meta, "bias": bias},
    )


def model_comparison_report(rows: Sequence[ModelRow]) -> Report:
    """Whole networks side by side, relative to the first, beside what was published for each."""
    conventions = rows[0].network.conventions
    columns = (
        Column("model", "model"),
        Column("network", "network", show="machine"),
        Column("alpha", "alpha", "decimal", show="machine"),
        Column("resolution", "resolution", "int", show="machine"),
        Column("rounding", "rounding", show="machine"),
        *_unit_columns(conventions),
        Column("params", "Params", "count"),
        Column("ratio", f"{conventions.unit_header} / first", "ratio"),
        Column("published_macs", "published mult-adds"),
        Column("published_params", "published params"),
        Column("top1", "top-1 %", "decimal"),
        Column("source", "published in"),
    )
    records = []
    for row in rows:
        net, figures = row.network, row.figures
        total = net.total
        sources = dict.fromkeys(source for _, source in figures.values())
        records.append(
            {
                "model": net.name,
                "network": net.key,
                "alpha": net.alpha,
                "resolution": net.resolution,
                "rounding": net.rounding,
                "ops": net.ops,
                "macs": int(total.macs),
                "adds": int(total.adds),
                "flops": int(2 * total.macs + total.adds),
                "params": net.params,
                "ratio": row.ratio,
                "published_macs": figures["macs"][0] if "macs" in figures else None,
                "published_params": figures["params"][0] if "params" in figures else None,
                "top1": figures["top1"][0] if "top1" in figures else None,
                "source": "; ".join(sources) or None,
            }
        )
    notes = (
        f"Ratio: each model's {conventions.unit_header} relative to {rows[0].network.name}.",
        "Published columns: as printed for the same configuration (`mobicost check` judges "
        "each count against the exact one).",
        *shared_notes([(row.network.name, _model_notes(row.network)) for row in rows]),
    )
    return Report(
        "Whole networks compared",
        columns,
        tuple(records),
        notes=notes,
        meta={"conventions": conventions.as_dict()},
        context=conventions.as_dict(),
    )


_FIGURE = re.compile(r"~?(?P<number>-?[\d,]*\.?\d+)(?P<unit>x|%)?")


def _computed(claim: Claim) -> Shown | str:
    """The computed figure: as its claim prints it for people, a number for data formats (the
    exact one where the claim was judged against it, else the figure printed, in the printed
    unit: ``"7.890x"`` is 7.89, ``"95.2%"`` 95.2)."""
    if claim.value is not None:
        return Shown(claim.value, claim.computed)
    figure = _FIGURE.fullmatch(claim.computed)
    if figure is None:  # "not built": people read why, data formats get no number
        return Shown(None, claim.computed)
    return Shown(Fraction(figure["number"].replace(",", "")), claim.computed)


_PRINTED = re.compile(r"~?(?P<number>-?\d*\.?\d+)(?P<unit>[KMG%x]?)")
_SCALES = {"K": 10**3, "M": 10**6, "G": 10**9}


def _printed_value(printed: str) -> Fraction | None:
    """What a claim's printed text says as a number (``"569M"`` is 569,000,000, ``"70.6%"``
    70.6, ``"~0.5625"`` 0.5625), or None where it is not one number (``"8 to 9x"``)."""
    figure = _PRINTED.fullmatch(printed)
    if figure is None:
        return None
    return Fraction(figure["number"]) * _SCALES.get(figure["unit"], 1)


def check_report(claims: Sequence[Claim]) -> Report:
    columns = (
        Column("claim", "claim"),
        Column("source", "source"),
        Column("printed", "printed"),
        Column("printed_value", "printed, as a number", "decimal", show="machine"),
        Column("computed", "computed"),
        Column("difference", "difference", "percent"),
        Column("verdict", "verdict"),
        Column("explained", "explained", show="machine"),
        Column("explanation", "why"),
    )
    rows = tuple(
        {
            "claim": c.claim,
            "source": c.source,
            "printed": c.printed,
            "printed_value": _printed_value(c.printed),
            "computed": _computed(c),
            "difference": c.difference,
            "verdict": c.verdict,
            "explained": c.explained,
            "explanation": c.explanation,
        }
        for c in claims
    )
    unexplained = [c for c in claims if not c.explained]
    counts: dict[str, int] = {}
    for c in claims:
        counts[c.verdict] = counts.get(c.verdict, 0) + 1
    summary = ", ".join(f"{n} {verdict}" for verdict, n in counts.items())
    notes = (
        f"{len(claims)} claims: {summary}; {len(unexplained)} unexplained.",
        "Computed: mobicost's exact count of the configuration, under the source's conventions "
        "(the MobileNet paper's: MACs, no bias, no batch norm, 1000 classes; for another "
        "network, those its spec's published entry states). Difference: (printed - computed) "
        "/ computed.",
        "A mismatch is explained only when a convention or a misprint reproduces the printed "
        "number; the convention that reproduces the most figures of a source is tried first.",
    )
    meta = {"claims": len(claims), "unexplained": len(unexplained), "verdicts": counts}
    return Report("The paper's claims, checked", columns, rows, notes=notes, meta=meta)


VERIFY_NOTES = (
    "Measured: torch.utils.flop_counter.FlopCounterMode on one forward pass (FLOPs / 2 = "
    "MACs; it counts convolutions and linear layers, not bias additions, pooling or batch "
    "norm) and numel of each layer's parameters (with the batch-norm running statistics when "
    "the convention counts them). Output shapes from the same forward pass.",
)


def verification_report(verification: Verification) -> Report:
    """One network, layer by layer: mobicost's count beside PyTorch's."""
    net = verification.network
    columns = (
        Column("index", "#", "int"),
        Column("type", "Type / Stride"),
        Column("macs", "MACs (mobicost)", "count"),
        Column("measured_macs", "MACs (PyTorch)", "count"),
        Column("params", "params (mobicost)", "count"),
        Column("measured_params", "params (PyTorch)", "count"),
        Column("output", "output (PyTorch)"),
        Column("match", "match"),
    )
    rows = tuple(
        {
            "index": c.layer.index,
            "type": c.layer.label,
            "macs": int(c.layer.cost.macs),
            "measured_macs": c.measured_macs,
            "params": c.layer.params,
            "measured_params": c.measured_params,
            "output": "x".join(str(d) for d in c.measured_shape),
            "match": "yes" if c.ok else "NO",
        }
        for c in verification.layers
    )
    totals = {
        "type": "Total",
        "macs": int(net.total.macs),
        "measured_macs": verification.measured_macs,
        "params": net.params,
        "measured_params": verification.measured_params,
        "match": "yes" if verification.ok else "NO",
    }
    return Report(
        f"{net.name}: mobicost against PyTorch",
        columns,
        rows,
        totals=totals,
        notes=(*VERIFY_NOTES, *model_notes(net)),
        meta=network_meta(net),
        context=network_context(net),
    )


def _model_notes(network: Any) -> tuple[str, ...]:
    """A compared network's conventions in words, after what an imported model's counts follow
    (torch's counter, its own parameters: from its notes; none for a built-in)."""
    from ..frontends.imported import MACS_NOTE, PARAMS_NOTE

    own = tuple(note for note in network.spec.notes if note in (MACS_NOTE, PARAMS_NOTE))
    return (*own, *network.convention_notes())


def model_verification_report(verification: ModelVerification) -> Report:
    """An imported model against the model itself: module by module (a PyTorch module, under
    its own FlopCounterMode and numel) or figure by figure (an ONNX file), with what was
    proved in the notes."""
    net = verification.network
    torch = verification.source == "PyTorch"
    columns = (
        Column("module" if torch else "check", "module" if torch else "check"),
        Column("layers", "layers", "int"),
        Column("macs", "MACs (mobicost)", "count"),
        Column("measured_macs", f"MACs ({verification.source})", "count"),
        Column("params", "params (mobicost)", "count"),
        Column("measured_params", f"params ({verification.source})", "count"),
        Column("match", "match"),
    )
    rows = tuple(
        {
            "module" if torch else "check": check.what,
            "layers": check.layers,
            "macs": check.macs,
            "measured_macs": check.measured_macs,
            "params": check.params,
            "measured_params": check.measured_params,
            "match": "yes" if check.ok else "NO",
        }
        for check in verification.checks
    )
    if verification.output_shape is not None:
        shape = "x".join(map(str, verification.output_shape)) or "failed"
        expected = "x".join(map(str, verification.expected_shape))
        same = verification.output_shape == verification.expected_shape
        rows += (
            {
                "module" if torch else "check": f"output {expected} (ran: {shape})",
                "layers": None,
                "macs": None,
                "measured_macs": None,
                "params": None,
                "measured_params": None,
                "match": "yes" if same else "NO",
            },
        )
    totals = {
        "module" if torch else "check": "Total",
        "layers": len(net.layers),
        "macs": int(net.total.macs) if torch else None,
        "measured_macs": verification.measured_macs,
        "params": net.params,
        "measured_params": verification.measured_params,
        "match": "yes" if verification.ok else "NO",
    }
    return Report(
        f"{net.name}: mobicost against {'its PyTorch module' if torch else 'the ONNX file'}",
        columns,
        rows,
        totals=totals,
        notes=(*verification.proved, *model_notes(net)),
        meta=network_meta(net),
        context=network_context(net),
    )


def verification_summary(verifications: Sequence[Verification]) -> Report:
    """Many networks, one row each."""
    columns = (
        Column("model", "model"),
        Column("alpha", "alpha", "decimal", show="machine"),
        Column("resolution", "resolution", "int", show="machine"),
        Column("rounding", "rounding"),
        Column("macs", "MACs (mobicost)", "count"),
        Column("measured_macs", "MACs (PyTorch)", "count"),
        Column("params", "params (mobicost)", "count"),
        Column("measured_params", "params (PyTorch)", "count"),
        Column("layers", "layers", "int"),
        Column("match", "match"),
    )
    rows = tuple(
        {
            "model": v.network.name,
            "alpha": v.network.alpha,
            "resolution": v.network.resolution,
            "rounding": v.network.rounding,
            "macs": int(v.network.total.macs),
            "measured_macs": v.measured_macs,
            "params": v.network.params,
            "measured_params": v.measured_params,
            "layers": len(v.layers),
            "match": "yes" if v.ok else "NO",
        }
        for v in verifications
    )
    matched = sum(v.ok for v in verifications)
    conventions = verifications[0].network.conventions if verifications else None
    notes = (
        f"{matched} of {len(verifications)} networks match PyTorch layer by layer.",
        *VERIFY_NOTES,
        *shared_notes(
            [(v.network.spec.title, v.network.convention_notes()) for v in verifications]
        ),
    )
    return Report(
        "mobicost against PyTorch, every model",
        columns,
        rows,
        notes=notes,
        context=conventions.as_dict() if conventions else {},
    )


def nets_report(entries: Sequence[dict[str, object]]) -> Report:
    """The built-in networks, one row each (``mobicost nets``)."""
    columns = (
        Column("name", "network"),
        Column("title", "title"),
        Column("source", "source", show="machine"),
        Column("input", "input"),
        Column("width", "width"),
        Column("options", "options"),
        Column("conventions", "counted as"),
        Column("layers", "layers", "int"),
        Column("macs", "MACs", "count"),
        Column("params", "Params", "count"),
    )
    notes = (
        "MACs and Params at the network's own width, input and conventions (how its authors "
        "count; 'mobicost table NAME' shows every layer, and any option changes them).",
        "'mobicost spec NAME' prints a network's spec file: start your own from it "
        "(docs/specs.md describes the format).",
    )
    return Report("Built-in networks", columns, tuple(entries), notes=notes)


def _microseconds(seconds: Fraction) -> Fraction:
    return seconds * 10**6


def latency_report(prediction: Prediction) -> Report:
    """One row per layer: its MACs and bytes, both bounds, which one binds, the predicted time
    and its share beside the share of MACs; then the same by layer type."""
    from .tables import memory_notes

    net, device, workload = prediction.network, prediction.device, prediction.workload
    total_macs = sum(int(t.layer.cost.macs) for t in prediction.layers) or 1
    columns = (
        Column("index", "#", "int"),
        Column("name", "Layer", show="machine"),
        Column("type", "Type / Stride"),
        Column("macs", "MACs", "count"),
        Column("bytes_moved", "Bytes moved", "count"),
        Column("intensity", "MACs/byte", "ratio"),
        Column("compute_us", "Compute us", "decimal"),
        Column("memory_us", "Memory us", "decimal"),
        Column("overhead_us", "overhead us", "decimal", show="machine"),
        Column("bound", "Bound"),
        Column("time_us", "Predicted us", "decimal"),
        Column("time_share", "% of time", "percent"),
        Column("macs_share", "% of MACs", "percent"),
        Column("category", "Layer type", show="machine"),
    )
    rows = tuple(
        {
            "index": t.layer.index,
            "name": t.layer.name,
            "type": t.layer.label,
            "macs": int(t.layer.cost.macs),
            "bytes_moved": t.memory.moved,
            "intensity": t.memory.intensity,
            "compute_us": _microseconds(t.compute_s),
            "memory_us": _microseconds(t.memory_s),
            "overhead_us": _microseconds(t.overhead_s),
            "bound": t.bound,
            "time_us": _microseconds(t.seconds),
            "time_share": prediction.share(t),
            "macs_share": Fraction(int(t.layer.cost.macs), total_macs),
            "category": t.layer.category,
        }
        for t in prediction.layers
    )
    totals = {
        "type": "Total",
        "macs": sum(int(t.layer.cost.macs) for t in prediction.layers),
        "bytes_moved": sum(t.memory.moved for t in prediction.layers),
        "time_us": _microseconds(prediction.seconds),
        "time_share": Fraction(1),
        "macs_share": Fraction(1),
    }
    breakdown = Report(
        "By layer type: share of time beside share of MACs (the paper's Table 2, in time)",
        (
            Column("category", "Type"),
            Column("time_share", "% of time", "percent"),
            Column("macs_share", "% of MACs", "percent"),
        ),
        tuple(
            {"category": c, "time_share": time, "macs_share": macs}
            for c, time, macs in prediction.by_category()
        ),
        key="breakdown",
    )
    from ..nets.memory import network_memory

    total_ms = f"total {float(prediction.seconds) * 1e3:.4g} ms for a batch of {workload.batch}"
    how = (
        f"Predicted from this machine's kernel model: each kernel the runtime runs (after its "
        f"fusions) costs its kind's fixed time + MACs x per MAC + bytes x per byte (Overhead, "
        f"Compute and Memory us; Bound names the kernel kinds, 'fused' a layer folded into "
        f"another's), and a forward pass its fixed cost; {total_ms}."
        if prediction.method
        else f"Predicted: time = max(FLOPs / peak, bytes moved / bandwidth) + overhead per layer "
        f"(a roofline; FLOPs = 2 x MACs of the batch, at the {workload.activations} peak); "
        f"{total_ms}."
    )
    notes = (
        how + " MACs per sample; bytes moved, MACs/byte (the batch's MACs over its bytes: weights "
        "are read once a batch) and times for the whole batch; a view takes no time.",
        *prediction.notes(),
        *model_notes(net),
        *memory_notes(network_memory(net, workload)),
    )
    return Report(
        f"{net.name} on {device.title}: predicted time per layer",
        columns,
        rows,
        totals=totals,
        notes=notes,
        meta={
            **network_meta(net),
            "device": {
                "name": device.name,
                "title": device.title,
                "source": device.source,
                "peak": dict(device.peak),
                "bandwidth": device.bandwidth,
                "overhead": device.overhead,
            },
            "workload": workload.as_dict(),
            "seconds": prediction.seconds,
        },
        sections=(breakdown,),
        context={**network_context(net), **workload.as_dict(), "device": device.name},
    )


def calibration_report(calibration: Calibration, saved: object = None) -> Report:
    """What ``mobicost calibrate`` measured, one figure a row, and where it saved them."""
    machine = calibration.machine
    rows = [
        {
            "figure": f"peak compute, {dtype}",
            "value": Fraction(value).limit_denominator(1),
            "unit": "FLOP/s",
            "how": f"2 x {calibration.matmul_size}^3 FLOPs / median seconds of one "
            f"{calibration.matmul_size} x {calibration.matmul_size} matrix product",
        }
        for dtype, value in calibration.peak.items()
    ]
    rows.append(
        {
            "figure": "memory bandwidth",
            "value": Fraction(calibration.bandwidth).limit_denominator(1),
            "unit": "bytes/s",
            "how": f"2 x {calibration.copy_bytes:,} bytes / median seconds of one copy",
        }
    )
    rows.append(
        {
            "figure": "overhead a layer",
            "value": round(calibration.overhead * 1e9),
            "unit": "ns",
            "how": "median seconds of adding two 1-element tensors",
        }
    )
    threads = f", {machine.threads} threads" if machine.threads else ""
    notes = (
        f"Measured on {machine.name} ({machine.device}{threads}), {machine.runtime_title}, "
        f"{calibration.date}; each figure the median of repeated timings.",
        f"Saved as the 'local' device profile: {saved} (mobicost latency --device local)."
        if saved
        else "Not saved (--no-save).",
    )
    return Report(
        "This machine's roofline, measured",
        (
            Column("figure", "figure"),
            Column("value", "value", "count"),
            Column("unit", "unit"),
            Column("how", "how"),
        ),
        tuple(rows),
        notes=notes,
        meta={"machine": machine.name, "device": machine.device, "date": calibration.date},
    )


def kernel_model_report(model: KernelModel, saved: object = None) -> Report:
    """A runtime's kernel latency model, one kernel kind a row: its fixed time a call, the
    MACs and bytes a second it reaches, how many kernels it was fitted on and how far off."""

    def rate(per: float) -> int | None:
        return round(1 / per) if per > 0 else None

    rows = tuple(
        {
            "kind": fit.kind,
            "samples": fit.samples,
            "fixed_us": Fraction(decimal_string(fit.fixed * 1e6)),
            "macs_per_s": rate(fit.per_mac),
            "bytes_per_s": rate(fit.per_byte),
            "error": Fraction(fit.error).limit_denominator(10**4),
        }
        for fit in model.kinds.values()
    )
    threads = f", {model.threads} threads" if model.threads else ""
    notes = (
        f"Fitted on {model.machine}{threads}: {model.source}.",
        "A kernel's time = fixed + MACs / (MACs/s) + bytes / (bytes/s), each kind fitted by "
        "least squares on relative error, no term negative (an empty rate: the term fitted to "
        "zero); error = mean |predicted - measured| / measured over its kernels.",
        "The kinds' terms are then scaled, and a run's own cost fitted, on the calibration "
        f"networks' whole passes: a run adds {model.run * 1e6:.3g} us; whole passes so "
        f"predicted are {model.whole_error:.1%} off on average.",
        f"Saved: {saved} (mobicost latency --device local --runtime {model.runtime})."
        if saved
        else "Not saved (--no-save).",
    )
    return Report(
        f"This machine's {model.runtime} kernels, measured and fitted",
        (
            Column("kind", "kernel kind"),
            Column("samples", "kernels", "int"),
            Column("fixed_us", "fixed us", "decimal"),
            Column("macs_per_s", "MACs/s", "count"),
            Column("bytes_per_s", "bytes/s", "count"),
            Column("error", "error", "percent"),
        ),
        rows,
        notes=notes,
        meta={"machine": model.machine, "runtime": model.runtime, "source": model.source},
    )


def profile_report(measured: LayerTimings, prediction: Prediction) -> Report:
    """Measured time per layer beside the roofline's prediction and the share of MACs."""
    net = measured.network
    total_macs = sum(int(layer.cost.macs) for layer in net.layers) or 1
    predicted_total = float(prediction.seconds)
    columns = (
        Column("index", "#", "int"),
        Column("name", "Layer", show="machine"),
        Column("type", "Type / Stride"),
        Column("measured_us", "Measured us", "decimal"),
        Column("spread_us", "IQR us", "decimal"),
        Column("predicted_us", "Predicted us", "decimal"),
        Column("ratio", "Measured / predicted", "decimal"),
        Column("measured_share", "% of time", "percent"),
        Column("predicted_share", "% predicted", "percent"),
        Column("macs_share", "% of MACs", "percent"),
        Column("category", "Layer type", show="machine"),
    )
    rows = []
    for timing, predicted in zip(measured.layers, prediction.layers, strict=True):
        seconds = float(predicted.seconds)
        rows.append(
            {
                "index": timing.layer.index,
                "name": timing.layer.name,
                "type": timing.layer.label,
                "measured_us": timing.seconds * 1e6,
                "spread_us": timing.spread * 1e6,
                "predicted_us": _microseconds(predicted.seconds),
                "ratio": timing.seconds / seconds if seconds else None,
                "measured_share": measured.share(timing),
                "predicted_share": prediction.share(predicted),
                "macs_share": Fraction(int(timing.layer.cost.macs), total_macs),
                "category": timing.layer.category,
            }
        )
    predicted_by = {c: share for c, share, _ in prediction.by_category()}
    macs_by = {c: macs for c, _, macs in prediction.by_category()}
    breakdown = Report(
        "By layer type: measured share of time, predicted share, share of MACs",
        (
            Column("category", "Type"),
            Column("measured_share", "% of time", "percent"),
            Column("predicted_share", "% predicted", "percent"),
            Column("macs_share", "% of MACs", "percent"),
        ),
        tuple(
            {
                "category": category,
                "measured_share": share,
                "predicted_share": predicted_by.get(category, Fraction(0)),
                "macs_share": macs_by.get(category, Fraction(0)),
            }
            for category, _, share in measured.by_category()
        ),
        key="breakdown",
    )
    machine = measured.machine
    threads = f", {machine.threads} threads" if machine.threads else ""
    notes = (
        f"Measured: {machine.runtime_title} on {machine.name} "
        f"({machine.device}{threads}), {measured.dtype}, batch {measured.batch}; "
        f"{measured.method}; IQR = interquartile range.",
        f"Total: the layers add up to {measured.seconds * 1e3:.4g} ms"
        + (
            f" (and the runtime's own kernels, layout reorders, {measured.unattributed * 1e3:.4g}"
            " ms)"
            if measured.unattributed
            else ""
        )
        + f"; the whole forward pass took {measured.whole * 1e3:.4g} ms; predicted "
        f"{predicted_total * 1e3:.4g} ms "
        f"(measured / predicted = {measured.seconds / predicted_total:.3g}).",
        *prediction.notes(),
        *model_notes(net),
    )
    return Report(
        f"{net.name}: measured time per layer beside the prediction",
        columns,
        tuple(rows),
        totals={
            "type": "Total",
            "measured_us": measured.seconds * 1e6,
            "predicted_us": _microseconds(prediction.seconds),
            "measured_share": Fraction(1),
            "predicted_share": Fraction(1),
            "macs_share": Fraction(1),
        },
        notes=notes,
        meta={
            **network_meta(net),
            "machine": machine.name,
            "device": machine.device,
            "threads": machine.threads,
            "whole_seconds": measured.whole,
            "layers_seconds": measured.seconds,
            "predicted_seconds": prediction.seconds,
            "profile": prediction.device.name,
        },
        sections=(breakdown,),
        context={
            **network_context(net),
            "batch": measured.batch,
            "dtype": measured.dtype,
            "machine": machine.name,
            "profile": prediction.device.name,
        },
    )
