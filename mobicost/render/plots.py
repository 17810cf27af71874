"""Figures of library results: accuracy (or a cost) against cost over any sweeps' models, and a
network's layers as bars. Pure rendering: every function here takes results the library made and
returns figures or their bytes; nothing is printed or computed twice.

Figures are drawn with matplotlib's object-oriented API, a :class:`~matplotlib.figure.Figure` on
an Agg canvas: no pyplot, no global state, no display needed. matplotlib is an optional extra
(``pip install 'mobicost[plot]'``), imported only when a figure is drawn: the data this module
reads (:func:`layer_metrics`, :func:`tradeoff`) needs none.

Every figure says what it counts, in a footer: the model or models, the unit (MACs or FLOPs) and
the counting conventions, and where accuracies come from.

>>> from mobicost.nets.network import network
>>> net = network("mobilenet-v1")
>>> columns = layer_metrics(net, ["macs", "params"])
>>> sum(columns["macs"]), sum(columns["params"])
(568740352, 4209088)
"""

from __future__ import annotations

import io
import os
import textwrap
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from ..errors import MobicostError
from .formats import humanize, shared_notes, write_output

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation

    from ..analysis.latency import Device
    from ..analysis.sweep import Sweep, SweepPoint
    from ..nets.memory import Workload
    from ..nets.network import Network

Number = Fraction | int | float
ImageFormat = Literal["png", "svg", "pdf"]
IMAGE_FORMATS: tuple[ImageFormat, ...] = ("png", "svg", "pdf")
INSTALL_HINT = "plots need matplotlib: pip install 'mobicost[plot]'"
Layout = Literal["stacked", "side-by-side"]
LAYOUTS: tuple[Layout, ...] = ("stacked", "side-by-side")
Labels = Literal["auto", "all", "none"]
LABELS: tuple[Labels, ...] = ("auto", "all", "none")
#: the most models one tradeoff figure draws, and the most it labels one by one under "auto"
MAX_POINTS = 10_000
MAX_LABELS = 40


def require_matplotlib() -> None:
    """:class:`MobicostError` with the install hint where matplotlib cannot be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise MobicostError(INSTALL_HINT) from None


# --- what a figure shows: plain data, no matplotlib ----------------------------------------------


@dataclass(frozen=True)
class Setting:
    """What the memory and time metrics are for: the workload (batch, data types:
    :class:`mobicost.nets.memory.Workload`; batch 1 in fp32 where none is given) and the device
    profile (:class:`mobicost.analysis.latency.Device`; the H100's datasheet where none is
    given). MACs and params need neither."""

    workload: Workload | None = None
    device: Device | None = None

    def chosen_workload(self) -> Workload:
        from ..nets.memory import Workload

        return self.workload or Workload()

    def chosen_device(self) -> Device:
        from ..analysis.latency import load_device

        return self.device or load_device("h100")

    def notes(self, needs: Collection[str] = ("workload", "device")) -> tuple[str, ...]:
        """The workload and device in words, for a figure's footer: those ``needs`` names (the
        ones the figure's metrics read)."""
        notes: list[str] = []
        if "workload" in needs:
            notes.extend(self.chosen_workload().notes())
        if "device" in needs:
            notes.extend(self.chosen_device().notes())
        return tuple(notes)


@dataclass(frozen=True)
class LayerMetric:
    """A per-layer figure a plot can show: its axis title (``{unit}`` stands for MACs or FLOPs),
    how to read it, one exact value per layer of a network, in the network's order, and what of
    the :class:`Setting` it reads (``workload``, ``device``)."""

    title: str
    read: Callable[[Network, Setting], list[Number]]
    needs: frozenset[str] = frozenset()


def _ops(network: Network, setting: Setting) -> list[Number]:
    return [network.conventions.ops(layer.cost) for layer in network.layers]


def _params(network: Network, setting: Setting) -> list[Number]:
    return [layer.params for layer in network.layers]


def _memory(network: Network, setting: Setting) -> list[Number]:
    from ..nets.memory import network_memory

    memory = network_memory(network, setting.chosen_workload())
    return [layer.activation_bytes for layer in memory.layers]


def _time(network: Network, setting: Setting) -> list[Number]:
    from ..analysis.latency import predict

    prediction = predict(network, setting.chosen_device(), setting.chosen_workload())
    return [layer.seconds * MICROSECONDS for layer in prediction.layers]


MICROSECONDS = 1_000_000

#: every per-layer metric ``mobicost plot layers --metric`` offers, by name: the one place a new
#: metric plugs in.
LAYER_METRICS: dict[str, LayerMetric] = {
    "macs": LayerMetric("{unit}", _ops),
    "params": LayerMetric("Params", _params),
    "memory": LayerMetric("Activations (bytes, in + out)", _memory, frozenset({"workload"})),
    "time": LayerMetric("Predicted time (µs)", _time, frozenset({"workload", "device"})),
}


def setting_needs(metrics: Iterable[str]) -> frozenset[str]:
    """What of the :class:`Setting` the ``metrics`` read: ``workload``, ``device``, both or
    neither."""
    return frozenset().union(*(LAYER_METRICS[m].needs for m in metrics))


def layer_metrics(
    network: Network, metrics: Sequence[str], setting: Setting | None = None
) -> dict[str, list[Number]]:
    """Each of ``metrics`` (names of :data:`LAYER_METRICS`) for every layer of ``network``, exact:
    ``macs`` in the conventions' unit (FLOPs under ``unit="flops"``), adding up to the network's
    total as the tables do.

    >>> from mobicost.nets.network import network
    >>> layer_metrics(network("mobilenet-v1", unit="flops"), ["macs"])["macs"][:2]
    [21676032, 7225344]
    """
    unknown = [m for m in metrics if m not in LAYER_METRICS]
    if unknown:
        raise MobicostError(
            f"no per-layer metric {unknown[0]!r}; choose from: {', '.join(LAYER_METRICS)}"
        )
    chosen = setting or Setting()
    return {metric: LAYER_METRICS[metric].read(network, chosen) for metric in metrics}


def metric_title(network: Network, metric: str) -> str:
    """A metric's axis title, with its unit: ``MACs``, ``FLOPs``, ``Params``."""
    return LAYER_METRICS[metric].title.format(unit=network.conventions.unit_header)


#: what a tradeoff figure can put on an axis: top-1 where a source publishes it, or a cost:
#: operations, parameters, peak activation memory, or predicted time on a device
TradeoffAxis = Literal["top1", "macs", "params", "memory", "latency"]
TRADEOFF_AXES: tuple[TradeoffAxis, ...] = ("top1", "macs", "params", "memory", "latency")
COST_AXES: tuple[TradeoffAxis, ...] = TRADEOFF_AXES[1:]
#: what of a :class:`Setting` each axis reads (the sweep holds the workload)
_AXIS_NEEDS: dict[str, frozenset[str]] = {
    "memory": frozenset({"workload"}),
    "latency": frozenset({"workload", "device"}),
}


@dataclass(frozen=True)
class TradeoffPoint:
    """One model on a tradeoff figure: its name, the group it is drawn with, and its place."""

    label: str
    series: str
    x: Number
    y: Number


@dataclass(frozen=True)
class Tradeoff:
    """The models one tradeoff figure shows, what its axes are, and its footer's notes."""

    x: TradeoffAxis
    y: TradeoffAxis
    x_title: str
    y_title: str
    points: tuple[TradeoffPoint, ...]
    front: tuple[int, ...]  #: indices into ``points``: the Pareto front, cheapest first
    notes: tuple[str, ...]


def top1_source(result: Sweep, wanted: str | None = None) -> str | None:
    """The source of accuracy a sweep's models are shown with: the one ``wanted`` names (a
    prefix of its name, any case: ``tf-slim``, ``howard``), else the one that publishes a top-1
    for most of the models kept (the spec's order breaks ties); ``None`` where none does."""
    if wanted is not None:
        text = wanted.strip().casefold()
        matches = [o for o in result.origins if o.casefold().startswith(text)]
        return matches[0] if matches else None
    counts = {o: sum(p.top1.get(o) is not None for p in result.points) for o in result.origins}
    best = max(counts.values(), default=0)
    return next((o for o, n in counts.items() if n == best), None) if best else None


def point_value(
    result: Sweep, point: SweepPoint, axis: TradeoffAxis, source: str | None, setting: Setting
) -> Number | None:
    """One model of ``result`` on a tradeoff axis, exact: top-1 (percent, as its source prints
    it; ``None`` where it prints none), operations in the conventions' unit, parameters, peak
    activation bytes (the sweep's workload), or the roofline's predicted time in microseconds on
    ``setting``'s device (the model built and predicted layer by layer)."""
    if axis == "top1":
        printed = point.top1.get(source) if source is not None else None
        return Fraction(printed) if printed is not None else None
    if axis == "macs":
        return point.ops
    if axis == "params":
        return point.params
    if axis == "memory":
        return point.peak_bytes
    return _latency(result, point, setting.chosen_device())


def _latency(result: Sweep, point: SweepPoint, device: Device) -> Fraction:
    from ..analysis.latency import predict
    from ..nets.network import build

    net = build(
        result.spec,
        alpha=point.alpha,
        resolution=point.resolution,
        rounding=result.rounding if result.spec.width is not None else None,
        options=dict(result.options),
        conventions=result.conventions,
    )
    return predict(net, device, result.workload).seconds * MICROSECONDS


def pareto_front(points: Sequence[tuple[Number, Number]]) -> tuple[int, ...]:
    """Indices of the points no other beats: none both cheaper (lower x) and better (higher y),
    cheapest first; a point tied on both with one on the front is on it too.

    >>> pareto_front([(10, 50), (20, 60), (15, 40), (30, 60), (20, 60)])
    (0, 1, 4)
    """
    order = sorted(range(len(points)), key=lambda k: (points[k][0], -points[k][1]))
    winners: set[tuple[Number, Number]] = set()
    best: Number | None = None
    for k in order:
        if best is None or points[k][1] > best:
            best = points[k][1]
            winners.add(points[k])
    return tuple(k for k in order if points[k] in winners)


def _axis_title(axis: TradeoffAxis, unit: str, device: str = "") -> str:
    return {
        "top1": "ImageNet top-1 accuracy (%)",
        "macs": f"{unit} (log scale)",
        "params": "Parameters (log scale)",
        "memory": "Peak activation memory, bytes (log scale)",
        "latency": f"Predicted time on {device}, µs (log scale)",
    }[axis]


def tradeoff(
    sweeps: Sequence[Sweep],
    *,
    x: TradeoffAxis = "macs",
    y: TradeoffAxis | None = None,
    source: str | None = None,
    setting: Setting | None = None,
) -> Tradeoff:
    """The models of ``sweeps`` (one per network) placed on a tradeoff figure's axes.

    ``x`` is a cost: operations, parameters, peak activation memory (each sweep's workload) or
    predicted time (on ``setting``'s device). ``y`` defaults to published top-1 where every
    network has one for some of its models (the others are left out, and said so), else to a
    cost: parameters against MACs, MACs against anything else. Accuracy comes from the
    ``source`` named (any network that lacks it has none) or, by default, each network's source
    with the most figures for the models shown. The Pareto front is drawn where ``y`` is
    accuracy.

    >>> from mobicost.analysis.sweep import sweep
    >>> data = tradeoff([sweep()])  # MobileNet v1 on the paper's grid
    >>> data.y, len(data.points), [data.points[k].label for k in data.front][:3]
    ('top1', 16, ['0.25 MobileNet-128', '0.25 MobileNet-160', '0.25 MobileNet-192'])
    """
    if not sweeps:
        raise MobicostError("a tradeoff figure needs at least one network")
    chosen = setting or Setting()
    count = sum(len(s) for s in sweeps)
    if count > MAX_POINTS:
        raise MobicostError(
            f"{count:,} models is more than one figure shows ({MAX_POINTS:,}); narrow the lists"
        )
    sources = {id(s): top1_source(s, source) for s in sweeps}
    if source is not None and not any(sources.values()):
        offered = sorted({o for s in sweeps for o in s.origins})
        raise MobicostError(
            f"no network shown has top-1 from a source named {source!r}"
            + (f"; sources: {', '.join(offered)}" if offered else "; none publishes top-1")
        )
    auto_cost = False
    if y is None:
        with_accuracy = [
            any(point_value(s, p, "top1", sources[id(s)], chosen) is not None for p in s.points)
            for s in sweeps
        ]
        y = "top1" if all(with_accuracy) else ("params" if x == "macs" else "macs")
        auto_cost = y != "top1"
    if x == y:
        raise MobicostError(f"both axes show {x}: choose another for one of them")
    if x == "top1":
        raise MobicostError(f"top-1 goes on the y axis; x is a cost ({', '.join(COST_AXES)})")

    several = len(sweeps) > 1
    points: list[TradeoffPoint] = []
    missing: dict[str, int] = {}
    for result in sweeps:
        origin = sources[id(result)]
        widths = len({p.alpha for p in result.points}) > 1
        for p in result.points:
            x_value = point_value(result, p, x, origin, chosen)
            y_value = point_value(result, p, y, origin, chosen)
            if x_value is None or y_value is None:
                missing[result.spec.title] = missing.get(result.spec.title, 0) + 1
                continue
            if several:
                series = result.spec.title
            elif widths:
                series = f"alpha {p.name.split(' ')[0]}"
            else:
                series = result.spec.title
            points.append(TradeoffPoint(p.name, series, x_value, y_value))
    if not points:
        raise MobicostError("no model shown has a published top-1: try --y params")

    front = pareto_front([(p.x, p.y) for p in points]) if y == "top1" else ()
    unit = sweeps[0].conventions.unit_header
    notes: list[str] = []
    if y == "top1":
        used = [
            f"{sources[id(s)]} ({s.spec.title})" if several else str(sources[id(s)])
            for s in sweeps
            if sources[id(s)] is not None
        ]
        notes.append(
            f"Top-1: ImageNet accuracy as printed by {'; '.join(used)}. Pareto front: no model "
            "shown is cheaper and at least as accurate."
        )
        if missing:
            notes.append(
                "Left out, no published top-1: "
                + ", ".join(f"{n} {title}" for title, n in missing.items())
                + " model(s) (--y params shows them)."
            )
    elif auto_cost and any(s.origins for s in sweeps):
        lacking = [s.spec.title for s in sweeps if sources[id(s)] is None]
        notes.append(
            f"No published top-1 for {', '.join(lacking)}: cost against cost "
            "(--y top1 draws the models that have one)."
        )
    notes.extend(_convention_notes(sweeps))
    needs = _AXIS_NEEDS.get(x, frozenset()) | _AXIS_NEEDS.get(y, frozenset())
    if "workload" in needs:
        notes.extend(dict.fromkeys(note for s in sweeps for note in s.workload.notes()))
    if "device" in needs:
        notes.extend(chosen.chosen_device().notes())
    device = chosen.chosen_device().name if "device" in needs else ""
    return Tradeoff(
        x,
        y,
        _axis_title(x, unit, device),
        _axis_title(y, unit, device),
        tuple(points),
        front,
        tuple(notes),
    )


def _convention_notes(sweeps: Sequence[Sweep]) -> list[str]:
    """The conventions once where every network is counted alike, else per network."""
    return shared_notes(
        [
            (s.spec.title, s.conventions.notes(s.spec.head_words(s.conventions.classes)))
            for s in sweeps
        ]
    )


# --- drawing -------------------------------------------------------------------------------------

_FOOTER_SIZE = 7.0  #: points
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
HAlign = Literal["left", "center", "right"]
VAlign = Literal["bottom", "center", "top"]
#: offsets (points) a point's label may take, tried in this order, with the text's alignment
_OFFSETS: tuple[tuple[int, int, HAlign, VAlign], ...] = (
    (4, 3, "left", "bottom"),
    (4, -3, "left", "top"),
    (-4, 3, "right", "bottom"),
    (-4, -3, "right", "top"),
    (7, 0, "left", "center"),
    (-7, 0, "right", "center"),
    (0, 6, "center", "bottom"),
    (0, -6, "center", "top"),
)
_HATCHES = ("", "////", "....", "xxxx", "\\\\\\\\")


def _new_figure(width: float, height: float, footer: Sequence[str], title: str) -> Figure:
    """A figure of ``width`` x ``height`` inches for the plots, on an Agg canvas, with a title
    and, below the plots, ``footer`` in small print (each note wrapped to the width)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    columns = max(40, int(width * 72 / (_FOOTER_SIZE * 0.56)))
    lines = [wrapped for note in footer for wrapped in textwrap.wrap(note, columns)]
    footer_height = (len(lines) * _FOOTER_SIZE * 1.3 + 8) / 72 if lines else 0.0
    total = height + footer_height
    figure = Figure(figsize=(width, total))
    FigureCanvasAgg(figure)
    bottom = footer_height / total
    figure.set_layout_engine(ConstrainedLayoutEngine(rect=(0, bottom, 1, 1 - bottom)))
    figure.suptitle(title, fontsize=12)
    if lines:
        figure.text(
            0.01,
            4 / 72 / total,
            "\n".join(lines),
            fontsize=_FOOTER_SIZE,
            color="0.3",
            ha="left",
            va="bottom",
            linespacing=1.3,
        )
    return figure


def _palette(count: int) -> list[tuple[float, float, float]]:
    """``count`` distinct colours: tab10, or tab20 beyond ten."""
    from matplotlib import colormaps

    colours: list[tuple[float, float, float]] = list(
        colormaps["tab10" if count <= 10 else "tab20"].colors  # type: ignore[attr-defined]
    )
    return [colours[k % len(colours)] for k in range(count)]


def _count_text(value: float, _position: object = None) -> str:
    """A tick's count for people: ``462M``, ``2.36M``, ``0``."""
    if value <= 0:
        return "0"
    if value < 1:
        return f"{value:.2g}"
    return humanize(round(value))


def tradeoff_figure(data: Tradeoff, *, title: str | None = None, labels: Labels = "auto") -> Figure:
    """Each model of ``data`` as a point, log x axis (and log y for a cost), labelled with its
    name, the Pareto front drawn where y is accuracy. ``labels``: ``all``, ``none``, or
    ``auto``: each model's where at most :data:`MAX_LABELS` are shown, else the front's (or,
    without one, each group's cheapest and dearest)."""
    from matplotlib.ticker import FuncFormatter

    title = title or f"{_short(data.y_title)} against {_short(data.x_title)}"
    chosen = _labelled(data, labels)
    notes = list(data.notes)
    if 0 < len(chosen) < len(data.points):
        which = "the Pareto front's" if data.front else "each group's cheapest and dearest"
        notes.append(
            f"Named: {which} {len(chosen)} of {len(data.points)} models (--labels all names each)."
        )
    figure = _new_figure(8.0, 5.6, notes, title)
    ax = figure.add_subplot()
    ax.set_xscale("log")
    if data.y != "top1":
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(_count_text))
    ax.xaxis.set_major_formatter(FuncFormatter(_count_text))
    ax.set_xlabel(data.x_title)
    ax.set_ylabel(data.y_title)
    ax.grid(True, which="major", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)

    series = list(dict.fromkeys(p.series for p in data.points))
    colours = dict(zip(series, _palette(len(series)), strict=True))
    for k, name in enumerate(series):
        shown = [p for p in data.points if p.series == name]
        ax.scatter(
            [float(p.x) for p in shown],
            [float(p.y) for p in shown],
            s=28,
            color=colours[name],
            marker=_MARKERS[k % len(_MARKERS)],
            edgecolors="white",
            linewidths=0.5,
            zorder=3,
            label=name,
        )
    if data.front:
        ax.plot(
            [float(data.points[k].x) for k in data.front],
            [float(data.points[k].y) for k in data.front],
            color="0.35",
            linestyle="--",
            linewidth=1,
            zorder=2,
            label="Pareto front",
        )
    ax.margins(x=0.1, y=0.1)
    if len(series) > 1 or data.front:
        ax.legend(fontsize=8, loc="best", framealpha=0.9)
    if chosen:
        _place_labels(figure, ax, data, chosen)
    return figure


def _short(title: str) -> str:
    return title.replace(" (log scale)", "").replace(" accuracy (%)", "")


def _labelled(data: Tradeoff, labels: Labels) -> list[int]:
    """Which points get their name written, the front's first."""
    everyone = list(range(len(data.points)))
    if labels == "none":
        return []
    if labels == "all" or len(everyone) <= MAX_LABELS:
        return [*data.front, *(k for k in everyone if k not in set(data.front))]
    if data.front:
        return list(data.front)
    ends: list[int] = []
    for name in dict.fromkeys(p.series for p in data.points):
        members = [k for k in everyone if data.points[k].series == name]
        cheapest = min(members, key=lambda k: data.points[k].x)
        dearest = max(members, key=lambda k: data.points[k].x)
        ends.extend(dict.fromkeys((cheapest, dearest)))
    return ends


def _place_labels(figure: Figure, ax: Axes, data: Tradeoff, chosen: Sequence[int]) -> None:
    """Write each chosen point's name beside it, at the first of a few offsets where it overlaps
    neither another label nor a point and stays inside the axes (else where it overlaps least)."""
    from matplotlib.transforms import Bbox

    figure.draw_without_rendering()  # settle the layout and the limits: positions are final
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    inside = ax.get_window_extent(renderer)
    taken: list[Bbox] = []
    for p in data.points:
        px, py = ax.transData.transform((float(p.x), float(p.y)))
        taken.append(Bbox.from_extents(px - 3, py - 3, px + 3, py + 3))
    for k in chosen:
        p = data.points[k]
        note: Annotation = ax.annotate(
            p.label,
            (float(p.x), float(p.y)),
            xytext=(4, 3),
            textcoords="offset points",
            fontsize=6.5,
            color="0.15",
            annotation_clip=False,
        )
        note.set_in_layout(False)
        best: tuple[int, tuple[int, int, HAlign, VAlign], Bbox] | None = None
        for offset in _OFFSETS:
            dx, dy, ha, va = offset
            note.xyann = (dx, dy)
            note.set_horizontalalignment(ha)
            note.set_verticalalignment(va)
            box = note.get_window_extent(renderer)
            clashes = sum(box.overlaps(other) for other in taken)
            clashes += (
                0 if inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1) else 5
            )
            if best is None or clashes < best[0]:
                best = (clashes, offset, box)
            if clashes == 0:
                break
        assert best is not None
        dx, dy, ha, va = best[1]
        note.xyann = (dx, dy)
        note.set_horizontalalignment(ha)
        note.set_verticalalignment(va)
        taken.append(best[2])


def layers_figure(
    network: Network,
    metrics: Sequence[str] = ("macs", "params"),
    *,
    layout: Layout = "stacked",
    title: str | None = None,
    setting: Setting | None = None,
) -> Figure:
    """``network``'s layers as bars, one colour per layer type (the paper's Table 2 types), and
    under them each metric's share by layer type.

    ``stacked``: one panel per metric, the layers in order on a shared axis, the value on the
    left and the share of the network's total on the right. ``side-by-side``: one panel, each
    layer's shares of every metric next to each other (hatched by metric), so that where the
    MACs sit and where the time goes read at once. Layers that are zero in every metric shown
    (a pool whose additions are not counted, a split) are left out, and said so.
    """
    if not metrics:
        raise MobicostError("a layers figure needs at least one metric")
    metrics = list(dict.fromkeys(metrics))
    chosen = setting or Setting()
    values = layer_metrics(network, metrics, chosen)
    shown = [k for k in range(len(network.layers)) if any(values[m][k] for m in metrics)]
    if not shown:
        raise MobicostError(f"every layer of {network.name} is zero in {', '.join(metrics)}")
    layers = [network.layers[k] for k in shown]
    categories = list(dict.fromkeys(layer.category for layer in layers))
    colours = dict(zip(categories, _palette(len(categories)), strict=True))
    titles = {m: metric_title(network, m) for m in metrics}
    totals = {m: Fraction(sum(Fraction(v) for v in values[m])) for m in metrics}

    footer = [
        f"Model: {network.name} ({network.spec.source}); {network.input.h}x{network.input.w}"
        f"x{network.input.c} input.",
        *network.convention_notes(),
        *chosen.notes(setting_needs(metrics)),
    ]
    left_out = len(network.layers) - len(shown)
    if left_out:
        footer.append(
            f"{left_out} layer(s) with no {' and no '.join(titles.values())} (pools, additions, "
            "views) not drawn; the shares are of the whole network."
        )
    count = len(layers)
    per_layer = 0.2 if layout == "stacked" else 0.12 * (len(metrics) + 1)
    width = min(30.0, max(8.0, 2.5 + per_layer * count))
    hatched = [titles[m] for m in metrics] if layout == "side-by-side" else []
    entries = len(categories) + len(hatched)
    columns = max(1, min(entries, int(width // 1.6)))
    legend_height = 0.28 * -(-entries // columns)
    panels = [2.3] * len(metrics) if layout == "stacked" else [3.2]
    share_height = 0.45 * len(metrics) + 0.7
    ticks_height = 1.3  #: the layers' names, upright under the last bar panel
    height = legend_height + sum(panels) + ticks_height + share_height + 0.5
    default_title = f"{network.name}: {', '.join(titles.values())} per layer"
    figure = _new_figure(width, height, footer, title or default_title)
    grid = figure.add_gridspec(
        len(panels) + 2, 1, height_ratios=[legend_height, *panels, share_height]
    )
    _legend_row(figure.add_subplot(grid[0, 0]), colours, columns, hatched)
    names = [layer.name for layer in layers]
    bar_colours = [colours[layer.category] for layer in layers]
    positions = list(range(count))
    if layout == "stacked":
        axes: list[Axes] = []
        for row, metric in enumerate(metrics, start=1):
            ax = figure.add_subplot(grid[row, 0], sharex=axes[0] if axes else None)
            axes.append(ax)
            heights = [float(values[metric][k]) for k in shown]
            ax.bar(positions, heights, width=0.8, color=bar_colours, zorder=3)
            _value_axis(ax, titles[metric], float(totals[metric]))
        for ax in axes[:-1]:
            ax.tick_params(labelbottom=False)
        _layer_ticks(axes[-1], names)
    else:
        ax = figure.add_subplot(grid[1, 0])
        step = 0.84 / len(metrics)
        for j, metric in enumerate(metrics):
            total = totals[metric]
            shares = [
                float(Fraction(values[metric][k]) / total * 100) if total else 0.0 for k in shown
            ]
            ax.bar(
                [x + (j - (len(metrics) - 1) / 2) * step for x in positions],
                shares,
                width=step,
                color=bar_colours,
                hatch=_HATCHES[j % len(_HATCHES)],
                edgecolor="white",
                linewidth=0.3,
                zorder=3,
            )
        ax.set_ylabel("share of the network's total (%)")
        ax.grid(True, axis="y", color="0.9", linewidth=0.6)
        ax.set_axisbelow(True)
        _layer_ticks(ax, names)
    _share_panel(
        figure.add_subplot(grid[len(panels) + 1, 0]), network, metrics, values, titles, colours
    )
    return figure


def _value_axis(ax: Axes, title: str, total: float) -> None:
    """A metric's panel: its values on the left, their share of ``total`` on the right."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    ax.set_ylabel(title)
    ax.yaxis.set_major_formatter(FuncFormatter(_count_text))
    ax.grid(True, axis="y", color="0.9", linewidth=0.6)
    ax.set_title(f"{title} per layer (total {_count_text(total)})", fontsize=9, loc="left")
    if total:

        def to_share(value: Any) -> Any:
            return value / total * 100

        def from_share(share: Any) -> Any:
            return share * total / 100

        share = ax.secondary_yaxis("right", functions=(to_share, from_share))
        share.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        share.set_ylabel("share of total", fontsize=8)


def _layer_ticks(ax: Axes, names: Sequence[str]) -> None:
    """The layers' names under the bars, upright; every k-th where there are many."""
    every = max(1, len(names) // 80 + (1 if len(names) > 80 else 0))
    size = 7.0 if len(names) <= 40 else 5.5
    ax.set_xticks(range(0, len(names), every))
    ax.set_xticklabels(names[::every], rotation=90, fontsize=size)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_xlabel("layer" + (f" (every {every}th named)" if every > 1 else ""))


def _share_panel(
    ax: Axes,
    network: Network,
    metrics: Sequence[str],
    values: Mapping[str, Sequence[Number]],
    titles: Mapping[str, str],
    colours: Mapping[str, tuple[float, float, float]],
) -> None:
    """One 100% bar per metric, cut by layer type, each part's share written where it fits.
    Shares are exact until drawn, and of every layer (those not drawn above included)."""
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of the network's total by layer type (%)")
    ax.set_yticks(range(len(metrics)))
    ax.set_yticklabels([titles[m] for m in metrics], fontsize=8)
    ax.invert_yaxis()
    categories = list(dict.fromkeys(layer.category for layer in network.layers))
    for row, metric in enumerate(metrics):
        parts: dict[str, Fraction] = dict.fromkeys(categories, Fraction(0))
        for layer, value in zip(network.layers, values[metric], strict=True):
            parts[layer.category] += Fraction(value)
        total = sum(parts.values(), Fraction(0))
        left = 0.0
        for category, part in parts.items():
            if not total or not part:
                continue
            share = float(part / total * 100)
            ax.barh(row, share, left=left, height=0.6, color=colours.get(category, "0.6"))
            if share >= 5:
                ax.text(
                    left + share / 2, row, f"{share:.0f}%", ha="center", va="center", fontsize=7
                )
            left += share


def _legend_row(
    ax: Axes,
    colours: Mapping[str, tuple[float, float, float]],
    columns: int,
    hatched: Sequence[str] = (),
) -> None:
    """The layer types' colours (and, side by side, which hatching is which metric), in a row
    of their own above the panels."""
    from matplotlib.patches import Patch

    ax.axis("off")
    handles = [Patch(color=colour, label=category) for category, colour in colours.items()]
    handles += [
        Patch(facecolor="0.85", edgecolor="0.3", hatch=_HATCHES[j % len(_HATCHES)], label=title)
        for j, title in enumerate(hatched)
    ]
    ax.legend(handles=handles, loc="center", ncols=columns, fontsize=8, frameon=False)


# --- writing -------------------------------------------------------------------------------------


def image_format(path: str) -> ImageFormat:
    """The image type ``path``'s suffix names: ``png``, ``svg`` or ``pdf`` (any case).

    >>> image_format("docs/tradeoff.PNG"), image_format("a.b.svg")
    ('png', 'svg')
    """
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    for known in IMAGE_FORMATS:
        if suffix == known:
            return known
    raise MobicostError(f"cannot tell the image type of {path!r}: name it .png, .svg or .pdf")


def figure_bytes(figure: Figure, fmt: ImageFormat = "png", *, dpi: int = 150) -> bytes:
    """The figure as a PNG, SVG or PDF file's bytes. The same figure gives the same bytes: no
    date or software version is written, and SVG ids are salted alike; SVG keeps its text as
    text (searchable, and styled by the viewer's fonts)."""
    import matplotlib

    metadata: dict[str, Any] = (
        {"Software": None}
        if fmt == "png"
        else {"Date": None}
        if fmt == "svg"
        else {"CreationDate": None, "Producer": None}
    )
    style: dict[Any, Any] = {"svg.fonttype": "none", "svg.hashsalt": "mobicost", "pdf.fonttype": 42}
    buffer = io.BytesIO()
    with matplotlib.rc_context(style):
        figure.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def save_figure(figure: Figure, path: str, *, dpi: int = 150) -> None:
    """Write ``figure`` to ``path`` in the type its suffix names, as
    :func:`~mobicost.render.formats.write_output` writes text: a file atomically (a temporary
    file beside it, renamed over it; through a symlink, its target), a device or FIFO directly.
    :class:`OSError` where the system refuses; a failed write leaves the old file as it was."""
    write_output(path, figure_bytes(figure, image_format(path), dpi=dpi))
