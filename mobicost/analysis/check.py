"""The paper's claims (and the TF-Slim table), each judged against mobicost's exact counts.

A printed number *holds* when it equals the exact count, *holds within printed precision* when
the count rounds to it. Otherwise mobicost looks for the reason rather than assuming one: it
tries known misprints (two swapped digits) and the counting conventions seen in the wild (the
classifier or the first layer left out, a rho^2 scaling of the 224 count, TF-Slim's or Keras's
parameter conventions, truncating or rounding twice) and reports the first that reproduces the
printed number. A mismatch nothing reproduces is *unexplained*.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, NamedTuple

from ..exact import decimal_text
from ..nets.network import Network, mobilenet_v1, model
from . import published
from .compare import compare_layer
from .published import PAPER, Printed, places

Verdict = Literal[
    "holds", "holds within printed precision", "does not hold", "paper typo", "not costed"
]


@dataclass(frozen=True)
class Claim:
    claim: str
    source: str
    printed: str
    computed: str
    verdict: Verdict
    explanation: str
    explained: bool  #: holds, or the mismatch's cause was reproduced
    difference: Fraction | None = None  #: (printed - computed) / computed
    value: int | Fraction | None = None  #: the exact computed figure, where one was judged


def _count_text(value: int | Fraction, printed: Printed) -> str:
    if printed.unit == "%":
        return f"{float(value):.3f}%"
    return f"{int(value):,}" if Fraction(value).denominator == 1 else f"{float(value):,.1f}"


def _unit(printed: Printed) -> str:
    return printed.unit


def _at_precision(printed: Printed, value: Fraction | int, finer: int = 0) -> str:
    """``value`` rounded half up to the printed precision (``finer`` places beyond it)."""
    step = printed.step / 10**finer
    rounded = math.floor(Fraction(value) / step + Fraction(1, 2)) * step / printed.scale
    return f"{float(rounded):.{places(step / printed.scale)}f}"


def _digit_swap(printed: Printed, exact: Fraction | int) -> bool:
    """The printed digits are the exact value's (at the printed precision) in another order."""
    rounded = _at_precision(printed, exact)
    return rounded != printed.text and sorted(rounded) == sorted(printed.text)


def _truncated(printed: Printed, exact: Fraction | int) -> bool:
    step = printed.step
    return math.floor(Fraction(exact) / step) * step == printed.value


def _double_rounded(printed: Printed, exact: Fraction | int) -> bool:
    """Rounded half up to one more decimal first, then to the printed precision."""
    finer = printed.step / 10
    once = math.floor(Fraction(exact) / finer + Fraction(1, 2)) * finer
    return not printed.rounds(exact) and printed.rounds(once)


class Alternative(NamedTuple):
    """Another way of counting, what it counts, and how much of the source it reproduces."""

    description: str
    value: int | Fraction
    support: str = ""


def judge(
    claim: str,
    source: str,
    printed: Printed,
    exact: int | Fraction,
    alternatives: Sequence[Alternative] = (),
    *,
    weak: Sequence[Alternative] = (),
) -> Claim:
    """Judge one printed number against the exact count, explaining a mismatch if it can:
    ``alternatives`` are tried first, then truncation and rounding twice, then ``weak``
    alternatives (conventions no other figure of the source supports)."""
    shown = f"{printed.text}{_unit(printed)}"
    computed = _count_text(exact, printed)
    difference = (printed.value - Fraction(exact)) / Fraction(exact) if exact else None
    verdict, explanation, explained = _verdict(printed, exact, computed, shown, alternatives, weak)
    return Claim(claim, source, shown, computed, verdict, explanation, explained, difference, exact)


def _verdict(
    printed: Printed,
    exact: int | Fraction,
    computed: str,
    shown: str,
    alternatives: Sequence[Alternative],
    weak: Sequence[Alternative] = (),
) -> tuple[Verdict, str, bool]:
    if printed.value == exact:
        return "holds", "exact", True
    if printed.rounds(exact):
        return "holds within printed precision", f"{computed} rounds to {shown}", True
    if _digit_swap(printed, exact):
        return (
            "paper typo",
            f"two digits swapped: the count rounds to "
            f"{_at_precision(printed, exact)}{_unit(printed)}",
            True,
        )
    reproduced = _reproduced(printed, alternatives)
    if reproduced is not None:
        return reproduced
    precision = _precision(printed, exact, computed)
    if precision is not None:
        return precision
    reproduced = _reproduced(printed, weak)
    if reproduced is not None:
        return reproduced
    tried = (
        "; ".join(a.description for a in (*alternatives, *weak)) or "no other convention applies"
    )
    return (
        "does not hold",
        f"unexplained: nothing tried reproduces it ({tried}; truncation; "
        f"double rounding; a digit swap)",
        False,
    )


def _reproduced(
    printed: Printed, alternatives: Sequence[Alternative]
) -> tuple[Verdict, str, bool] | None:
    for alternative in alternatives:
        if printed.rounds(alternative.value):
            return (
                "does not hold",
                f"reproduced {alternative.description}: "
                f"{_count_text(alternative.value, printed)}{alternative.support}",
                True,
            )
    return None


def _precision(
    printed: Printed, exact: int | Fraction, computed: str
) -> tuple[Verdict, str, bool] | None:
    """A mismatch that is only a matter of rounding: truncation, or rounding twice."""
    if _truncated(printed, exact):
        return "does not hold", f"reproduced by truncating {computed} instead of rounding it", True
    if _double_rounded(printed, exact):
        return (
            "does not hold",
            f"reproduced by rounding twice: "
            f"{_at_precision(printed, exact)} at the printed precision, but "
            f"{_at_precision(printed, exact, finer=1)} rounds up",
            True,
        )
    return None


# --- alternatives ---------------------------------------------------------------------------------


def _without(net: Network, kind: str, first_only: bool = False) -> int:
    layers = [layer for layer in net.layers if layer.kind == kind]
    dropped = layers[:1] if first_only else layers
    return net.ops - sum(net.conventions.ops(layer.cost) for layer in dropped)


def _macs_alternatives(net: Network) -> list[Alternative]:
    def recount(**options: Any) -> int:
        return mobilenet_v1(net.alpha, net.resolution, architecture=net.key, **options).ops

    at_224 = mobilenet_v1(net.alpha, 224, architecture=net.key).ops
    return [
        Alternative(
            "by scaling the 224 count by rho^2, FC layer included",
            at_224 * Fraction(net.resolution, 224) ** 2,
        ),
        Alternative("without the first convolution", _without(net, "conv", first_only=True)),
        Alternative("without the classifier (FC) layer", _without(net, "fc")),
        Alternative("with 1001 classes (TF-Slim)", recount(classes=1001)),
    ]


def _params_alternatives(net: Network) -> list[Alternative]:
    def recount(**options: Any) -> int:
        return mobilenet_v1(net.alpha, net.resolution, architecture=net.key, **options).params

    return [
        Alternative(
            "with TF-Slim's conventions (1001 classes, logits bias, batch-norm beta and "
            "moving statistics, channels max(int(alpha d), 8))",
            recount(classes=1001, bias="fc", bn="slim", rounding="slim"),
        ),
        Alternative(
            "with Keras's conventions (classifier bias, 4 batch-norm vectors)",
            recount(bias="fc", bn="all"),
        ),
        Alternative("without the classifier (FC) layer", recount(head=False)),
    ]


def _ranked(
    cells: Sequence[tuple[Printed, list[Alternative]]], what: str
) -> list[list[Alternative]]:
    """Each cell's alternatives, those that reproduce the most cells of the same source first:
    one convention that explains a whole table beats one that explains a single cell."""
    scores: dict[str, int] = {}
    for printed, alternatives in cells:
        for alternative in alternatives:
            scores[alternative.description] = scores.get(
                alternative.description, 0
            ) + printed.rounds(alternative.value)
    return [
        sorted(
            (
                a._replace(
                    support=f" (it reproduces {scores[a.description]} of the {len(cells)} {what})"
                )
                for a in alternatives
            ),
            key=lambda a: -scores[a.description],
        )
        for _, alternatives in cells
    ]


# --- the claims -----------------------------------------------------------------------------------


def separable_claims() -> list[Claim]:
    """ "3x3 depthwise separable convolutions use between 8 to 9 times less computation": each
    separable layer of MobileNet, and the whole network against Conv MobileNet."""
    from ..cost.derive import separable_crossover

    threshold = separable_crossover(3, 8)
    source = f"{PAPER}, section 3.1"
    claims = []
    for layer in mobilenet_v1().layers:
        if not layer.pointwise:
            continue
        n, size, m = layer.output.c, layer.output.h, layer.inputs[0].c
        comparison = compare_layer(k=3, m=m, n=n, size=size, alpha=None, rho=None)
        saving = 1 / comparison.rows[1].ratio
        holds = 8 <= saving <= 9
        explanation = (
            f"standard / separable = 9N/(N + 9) = {saving} at N = {n}; "
            f"8x needs N >= {threshold} (derived)"
        )
        claims.append(
            Claim(
                f"layer {layer.index - 1}+{layer.index} ({m} -> {n}, {size}x{size}) saves 8-9x",
                source,
                "8 to 9x",
                f"{float(saving):.3f}x",
                "holds" if holds else "does not hold",
                explanation if holds else f"{explanation}, and {n} < {threshold}",
                True,
            )
        )
    full, separable = model("Conv-MobileNet"), mobilenet_v1()
    saving = Fraction(full.ops, separable.ops)
    claims.append(
        Claim(
            "whole network: Conv MobileNet / MobileNet",
            f"{PAPER}, Table 4",
            "8 to 9x",
            f"{float(saving):.3f}x",
            "holds" if 8 <= saving <= 9 else "does not hold",
            f"{full.ops:,} / {separable.ops:,} mult-adds",
            True,
        )
    )
    return claims


def share_claims() -> list[Claim]:
    """Table 2, and "95% of its computation time in 1x1 convolutions which also has 75% of the
    parameters"."""
    shares = {s.category: s for s in mobilenet_v1().breakdown()}
    claims = [
        judge(
            "1x1 convolutions: share of mult-adds",
            f"{PAPER}, section 3",
            Printed("95", 1, "text"),
            shares["Conv 1x1"].ops_share * 100,
        ),
        judge(
            "1x1 convolutions: share of parameters",
            f"{PAPER}, section 3",
            Printed("75", 1, "text"),
            shares["Conv 1x1"].params_share * 100,
        ),
    ]
    for category, (macs, params) in published.TABLE_2.items():
        claims.append(
            judge(
                f"{category}: share of mult-adds",
                f"{PAPER}, Table 2",
                macs,
                shares[category].ops_share * 100,
            )
        )
        claims.append(
            judge(
                f"{category}: share of parameters",
                f"{PAPER}, Table 2",
                params,
                shares[category].params_share * 100,
            )
        )
    return claims


def table_3_claims() -> list[Claim]:
    claims = []
    for row in compare_layer(k=3, m=512, n=512, size=14).rows:
        if row.printed is None:
            continue
        macs, params = row.printed
        claims.append(
            judge(f"{row.label}: mult-adds", f"{PAPER}, Table 3", macs, int(row.cost.macs))
        )
        claims.append(
            judge(f"{row.label}: parameters", f"{PAPER}, Table 3", params, int(row.cost.params))
        )
    return claims


def network_claims(models: Sequence[published.PublishedModel]) -> list[Claim]:
    """Whole-network rows (the paper's Tables 4-7 and 9, or the TF-Slim table)."""
    rows = []
    for row in models:
        net = mobilenet_v1(row.alpha, row.resolution, architecture=row.architecture)
        source = f"{row.source}, {row.table}" if row.source == PAPER else row.source
        if row.macs is not None:
            rows.append(
                (f"{net.name}: mult-adds", source, row.macs, net.ops, _macs_alternatives(net))
            )
        if row.params is not None and (row.source == PAPER or row.resolution == 224):
            rows.append(
                (
                    f"{net.name}: parameters",
                    source,
                    row.params,
                    net.params,
                    _params_alternatives(net),
                )
            )
    origin = models[0].source if models else ""
    ranked: dict[int, list[Alternative]] = {}
    for metric in ("mult-adds", "parameters"):
        indices = [k for k, r in enumerate(rows) if r[0].endswith(metric)]
        cells = [(rows[k][2], rows[k][4]) for k in indices]
        for k, alternatives in zip(
            indices, _ranked(cells, f"{metric} figures of {origin}"), strict=True
        ):
            ranked[k] = alternatives
    return [
        judge(claim, source, printed, exact, ranked[k])
        for k, (claim, source, printed, exact, _) in enumerate(rows)
    ]


def scaling_claims() -> list[Claim]:
    """Width multiplier: cost and parameters "roughly by alpha^2"; resolution multiplier: cost by
    rho^2, parameters unchanged."""
    claims = []
    base = mobilenet_v1()
    source = f"{PAPER}, sections 4.2-4.3"
    for alpha in ("0.75", "0.5", "0.25"):
        net = mobilenet_v1(alpha)
        a = Fraction(alpha)
        for what, ratio in (
            ("mult-adds", Fraction(net.ops, base.ops)),
            ("parameters", Fraction(net.params, base.params)),
        ):
            within = a * a <= ratio <= a
            claims.append(
                Claim(
                    f"alpha = {alpha} scales {what} by roughly alpha^2 = {decimal_text(a * a)}",
                    source,
                    f"~{float(a * a):.4g}",
                    f"{float(ratio):.4g}",
                    "holds" if within else "does not hold",
                    "between alpha^2 and alpha, as derived: depthwise layers, the first layer "
                    "and the classifier scale by alpha"
                    if within
                    else "outside [alpha^2, alpha]",
                    within,
                    ratio / (a * a) - 1,
                )
            )
    for res in (192, 160, 128):
        net = mobilenet_v1("1.0", res)
        rho2 = Fraction(res, 224) ** 2
        convs = Fraction(_without(net, "fc"), _without(base, "fc"))
        whole = Fraction(net.ops, base.ops)
        claims.append(
            Claim(
                f"rho = {res}/224 scales mult-adds by rho^2 = {rho2}",
                source,
                f"~{float(rho2):.4g}",
                f"{float(whole):.4g}",
                "holds" if convs == rho2 else "does not hold",
                f"the convolutions scale by exactly rho^2; the whole network by {float(whole):.4g} "
                f"because the classifier's mult-adds do not shrink with the input"
                if convs == rho2
                else f"the convolutions scale by {float(convs):.4g}",
                convs == rho2,
                whole / rho2 - 1,
            )
        )
        claims.append(
            Claim(
                f"rho = {res}/224 leaves the parameters unchanged",
                source,
                "unchanged",
                f"{net.params:,}",
                "holds" if net.params == base.params else "does not hold",
                "exact",
                net.params == base.params,
            )
        )
    return claims


def claims() -> list[Claim]:
    """Every claim of the paper, in its order (Tables 10 to 14 last), then the TF-Slim table."""
    return [
        *paper_claims(),
        *network_claims(published.SLIM_MODELS),
    ]


def paper_claims() -> list[Claim]:
    """The MobileNet paper's claims, in its order: sections 3 and 4, Tables 2 to 14."""
    return [
        *separable_claims(),
        *share_claims(),
        *table_3_claims(),
        *network_claims(published.PAPER_MODELS),
        *scaling_claims(),
        *application_claims(),
    ]


# --- any network's published figures ----------------------------------------------------------

_RESOLUTIONS = (224, 192, 160, 128)  #: the MobileNet paper's resolutions, for a misprinted label
_SCALES = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9}
_WHATS = ("macs", "flops", "params", "top1")
_PUBLISHED_KEYS = {
    "what", "printed", "scale", "source", "alpha", "resolution", "options", "conventions", "note",
    "digits", "runs", "quotes",
}  # fmt: skip


def _published_error(spec: Any, index: int, problem: str) -> Exception:
    from ..nets.spec import SpecError

    return SpecError(f"{spec.where(f'published[{index}]')}: {problem}")


def _figure(net: Any, what: str, runs: dict[str, int] | None = None) -> int:
    """A network's count of ``what``: MACs, FLOPs (2 x MACs) or parameters. ``runs`` counts a
    node and every layer computed from it that many times (Faster R-CNN's second stage, once
    per region proposal); parameters are shared between runs."""
    total = net.total
    if what == "params":
        return int(net.params)
    macs = int(total.macs) + int(total.adds)
    once = 2 * int(total.macs) + int(total.adds) if what == "flops" else macs
    return once + sum(
        (count - 1) * sum(_figure_of(layer, what) for layer in _downstream(net, root))
        for root, count in (runs or {}).items()
    )


def _downstream(net: Any, root: str) -> list[Any]:
    """The layer named ``root`` and every layer computed from it."""
    reached = {root}
    layers = []
    for layer in net.layers:
        if layer.name == root or reached.intersection(layer.node.inputs):
            reached.add(layer.name)
            layers.append(layer)
    return layers


def _figure_of(layer: Any, what: str) -> int:
    """One layer's share of :func:`_figure` (MACs or FLOPs; its adds count once)."""
    macs, adds = int(layer.total.macs), int(layer.total.adds)
    return 2 * macs + adds if what == "flops" else macs + adds


def _spec_alternatives(spec: Any, entry: dict[str, Any], what: str, net: Any) -> list[Alternative]:
    """Other ways of counting the same network, each a convention seen in the wild."""
    from ..nets.network import network

    runs = entry.get("runs")

    def recount(options: dict[str, str] | None = None, **conventions: Any) -> int:
        merged = {**entry.get("conventions", {}), **conventions}
        return _figure(
            network(
                spec,
                alpha=entry.get("alpha"),
                resolution=entry.get("resolution"),
                options={**entry.get("options", {}), **(options or {})},
                **merged,
            ),
            what,
            runs,
        )

    exact = _figure(net, what, runs)
    chosen = [  # the options the source leaves unsaid, at each other value
        Alternative(f"with {option.name} = {value}", recount(options={option.name: value}))
        for option in spec.options.values()
        if option.name not in entry.get("options", {})
        for value in option.values
        if value != option.default
    ]
    given = {**entry.get("conventions", {})}.get("classes")
    reused = (
        [
            Alternative(
                f"with {spec.classes} classes (the {spec.classes}-class network's figure reused)",
                recount(classes=spec.classes),
            )
        ]
        if given is not None and given != spec.classes
        else []
    )
    resolution = net.resolution
    relabelled = [
        Alternative(
            f"with the row's resolution misprinted: the count at {other} instead of {resolution}",
            _figure(
                network(
                    spec,
                    alpha=entry.get("alpha"),
                    resolution=other,
                    options=entry.get("options"),
                    **entry.get("conventions", {}),
                ),
                what,
                runs,
            ),
        )
        for other in _RESOLUTIONS
        if other != resolution and what != "params"
    ]
    misprinted_unit = (
        [
            Alternative(
                "with its unit misprinted (M for G: a thousandth of the count)",
                Fraction(exact, 1000),
            )
        ]
        if entry.get("scale") == "M"
        else []
    )
    if what == "params":
        tried: list[tuple[str, dict[str, Any]]] = [
            (
                "with batch norm's gamma and beta and the fully connected biases (torchvision)",
                {"bias": "fc", "bn": "affine"},
            ),
            ("with every bias and batch norm's gamma and beta", {"bias": "all", "bn": "affine"}),
            (
                "with Keras's conventions (classifier bias, 4 batch-norm vectors)",
                {"bias": "fc", "bn": "all"},
            ),
            ("with no bias and no batch-norm parameters", {"bias": "none", "bn": "none"}),
            ("with every bias and no batch norm", {"bias": "all", "bn": "none"}),
            ("without the classifier head", {"head": False}),
            ("with 1001 classes (TF-Slim)", {"classes": 1001}),
        ]
        return [
            *reused,
            *(Alternative(words, recount(**options)) for words, options in tried),
            *chosen,
            *misprinted_unit,
        ]
    double = "FLOPs (2 x MACs) printed as mult-adds" if what == "macs" else "mult-adds as FLOPs"
    fully_connected = [layer for layer in net.layers if layer.kind == "fc"]
    convolutions_only = (
        [
            Alternative(
                "counting the convolutions only (the fully connected layers left out, as "
                "papers of the time often did)",
                exact - sum(_figure_of(layer, what) for layer in fully_connected),
            )
        ]
        if len(fully_connected) > 1 and not runs
        else []
    )
    return [
        *reused,
        *chosen,
        *convolutions_only,
        *misprinted_unit,
        Alternative(f"as {double}", 2 * exact if what == "macs" else exact // 2),
        *relabelled,
        Alternative("without the classifier head", recount(head=False)),
        Alternative(
            "counting pooling, activation and element-wise operations as well",
            recount(pool_adds=True, activation_ops=True, eltwise_ops=True),
        ),
        Alternative("with 1001 classes (TF-Slim)", recount(classes=1001)),
    ]


def spec_figures(spec: Any) -> list[tuple[dict[str, Any], Printed]]:
    """A spec's published cost figures, each entry beside its number as printed (checked:
    a bad entry is a :class:`~mobicost.nets.spec.SpecError` naming it). Accuracy entries
    (``what = "top1"``) are checked but not returned: they are data for sweeps and plots."""
    figures = []
    for index, entry in enumerate(spec.published):
        unknown = sorted(set(entry) - _PUBLISHED_KEYS)
        if unknown:
            raise _published_error(
                spec, index, f"unknown key {unknown[0]!r}; it takes {', '.join(_PUBLISHED_KEYS)}"
            )
        what, scale = entry.get("what"), entry.get("scale", "")
        if what not in _WHATS:
            raise _published_error(spec, index, f"what = {what!r}; use one of {', '.join(_WHATS)}")
        if scale not in _SCALES:
            raise _published_error(spec, index, f"scale = {scale!r}; use one of {list(_SCALES)}")
        printed_text = str(entry.get("printed", ""))
        try:
            Fraction(printed_text)
        except (ValueError, ZeroDivisionError):
            raise _published_error(
                spec, index, f"printed = {printed_text!r} is not a number as printed"
            ) from None
        digits = entry.get("digits")
        if digits is not None and (type(digits) is not int or digits < 1):
            raise _published_error(
                spec, index, f"digits = {digits!r}; use a positive integer (significant digits)"
            )
        runs = entry.get("runs", {})
        if not isinstance(runs, dict) or any(
            type(n) is not int or n < 1 or not isinstance(root, str) for root, n in runs.items()
        ):
            raise _published_error(
                spec, index, f"runs = {runs!r}; use {{ layer = count }}, a positive count"
            )
        quotes = entry.get("quotes")
        if quotes is not None and _quoted(spec, entry) is None:
            others = [e for e in spec.published if e is not entry and e.get("what") == what]
            quoted = sorted({str(e["source"]) for e in others if "source" in e})
            raise _published_error(
                spec,
                index,
                f"quotes = {quotes!r} names no other {what} figure of this spec; it takes the "
                f"source of one: {', '.join(map(repr, quoted)) or 'none recorded'}",
            )
        if what == "top1":
            continue
        source = str(entry.get("source", spec.source))
        printed = Printed(printed_text, _SCALES[scale], source, source, scale, digits)
        figures.append((entry, printed))
    return figures


def _quoted(spec: Any, entry: dict[str, Any]) -> Printed | None:
    """The figure an entry says it quotes (``quotes = SOURCE``): the same spec's entry of that
    source and the same ``what``, as printed."""
    for other in spec.published:
        if (
            other is not entry
            and other.get("source") == entry.get("quotes")
            and other.get("what") == entry.get("what")
        ):
            scale = other.get("scale", "")
            return Printed(
                str(other.get("printed", "")),
                _SCALES.get(scale, 1),
                str(other["source"]),
                str(other["source"]),
                scale,
                other.get("digits"),
            )
    return None


def _quote(spec: Any, entry: dict[str, Any]) -> list[Alternative]:
    """The figure an entry quotes, as an alternative: a printed number copied from another
    source reproduces itself only if that source's figure, at this one's precision, prints as
    this one. The quoted figure is judged against the count where it is recorded."""
    quoted = _quoted(spec, entry) if entry.get("quotes") is not None else None
    if quoted is None:
        return []
    return [
        Alternative(
            f"as quoted from {quoted.source} (printed {quoted.text}{quoted.unit}, judged there)",
            quoted.value,
        )
    ]


def spec_claims(spec: Any, sources: Callable[[str], bool] | None = None) -> list[Claim]:
    """Each cost figure a spec's ``[[published]]`` entries print, judged against the exact count
    of that configuration under the source's conventions (the spec's own where it says none).

    A mismatch is explained first by a convention that reproduces two or more figures of the
    same source (ShuffleNet's Table 1 leaves out the classifier in every row), then by rounding
    (truncation, rounding twice), and only then by a convention that reproduces that figure
    alone. An entry that ``quotes`` another source's figure is explained first by that figure,
    where it reproduces the printed number. ``sources``, where given, picks the figures to judge
    by their source."""
    from ..nets.network import network

    cells = []
    for entry, printed in spec_figures(spec):
        if sources is not None and not sources(printed.source):
            continue
        what, source = entry["what"], printed.source
        net = network(
            spec,
            alpha=entry.get("alpha"),
            resolution=entry.get("resolution"),
            options=entry.get("options"),
            **entry.get("conventions", {}),
        )
        label = {"macs": "mult-adds", "flops": "FLOPs", "params": "parameters"}[what]
        runs = entry.get("runs")
        if runs and what != "params":
            label += ", " + ", ".join(f"{root} and after x {n}" for root, n in runs.items())
        exact = _figure(net, what, runs)
        holds = printed.rounds(exact)  # only a mismatch needs other conventions tried
        alternatives = [] if holds else _spec_alternatives(spec, entry, what, net)
        quote = [] if holds else _quote(spec, entry)
        cells.append((f"{net.name}: {label}", source, printed, exact, alternatives, quote))
    claims = []
    for claim, source, printed, exact, alternatives, quote in cells:
        same = [(p, a) for _, s, p, _, a, _ in cells if s == source]
        support = {
            a.description: sum(
                p.rounds(b.value) for p, bs in same for b in bs if b.description == a.description
            )
            for a in alternatives
        }
        strong = [a for a in alternatives if support[a.description] >= 2]
        weak = [a for a in alternatives if support[a.description] < 2]
        strong = [
            a._replace(support=f" (it reproduces {support[a.description]} figures of {source})")
            for a in strong
        ]
        claims.append(judge(claim, source, printed, exact, [*quote, *strong], weak=weak))
    return claims


def _application(source: str) -> bool:
    """Whether a figure is one of the MobileNet paper's Tables 10 to 14 (sections 4.3-4.7)."""
    return source in published.APPLICATION_TABLES


@functools.cache
def _library_claims() -> tuple[Claim, ...]:
    from ..nets.library import load, names

    return tuple(
        claim
        for name in names()
        for claim in spec_claims(load(name), lambda source: not _application(source))
    )


def library_claims() -> list[Claim]:
    """The published figures of every built-in network beyond the MobileNet paper's own tables
    (judged once per process: the built-ins do not change)."""
    return list(_library_claims())


def _not_costed(figure: published.Uncosted) -> Claim:
    shown = f"{figure.printed.text}{figure.printed.unit}"
    return Claim(
        f"{figure.model}: {figure.what}",
        f"{PAPER}, {figure.printed.table}",
        shown,
        "not built",  #: no count: the library builds no such network
        "not costed",
        f"unexplained: not costed, {figure.reason}",
        False,
    )


@functools.cache
def _application_claims() -> tuple[Claim, ...]:
    from ..nets.library import load, names

    judged = [claim for name in names() for claim in spec_claims(load(name), _application)]
    claims = [*judged, *(_not_costed(figure) for figure in published.UNCOSTED)]
    order = {table: k for k, table in enumerate(published.APPLICATION_TABLES)}
    return tuple(sorted(claims, key=lambda claim: order[claim.source]))


def application_claims() -> list[Claim]:
    """The MobileNet paper's Tables 10 to 14: MobileNet on other tasks (fine-grained dogs,
    geolocation, face attributes, COCO detection, face embeddings). Each figure of a network
    the library builds is judged from its spec's ``[[published]]`` entry (``mobilenet-v1``,
    ``inception-v3``, ``facenet-mobilenet``, ``ssd-mobilenet-v1``, ``faster-rcnn-mobilenet-v1``);
    the rest are listed as not costed, with why."""
    return list(_application_claims())


def measured_claims(timings: Any) -> list[Claim]:
    """The paper's "MobileNet spends 95% of its computation time in 1x1 convolutions", judged
    as a share of *time* measured on this machine (:func:`mobicost.nets.timing.measure_layers`
    of 1.0 MobileNet-224), beside the share of mult-adds that the paper's Table 2 prints."""
    shares = {category: share for category, _, share in timings.by_category()}
    pointwise = Fraction(shares.get("Conv 1x1", 0.0)).limit_denominator(10**6)
    depthwise = shares.get("Conv DW 3x3", 0.0)
    macs = {s.category: s.ops_share for s in mobilenet_v1().breakdown()}
    machine = timings.machine
    threads = f", {machine.threads} threads" if machine.threads else ""
    holds = 94 <= pointwise * 100 < 96
    where = (
        f"measured on {machine.name} ({machine.device}{threads}, {timings.dtype}, batch "
        f"{timings.batch}): 1x1 convolutions take {float(pointwise):.1%} of the layers' time and "
        f"the depthwise ones {depthwise:.1%}, against {float(macs['Conv 1x1']):.2%} and "
        f"{float(macs['Conv DW 3x3']):.2%} of the mult-adds"
    )
    return [
        Claim(
            "1x1 convolutions: share of computation time (measured)",
            f"{PAPER}, section 3",
            "95%",
            f"{float(pointwise) * 100:.1f}%",
            "holds" if holds else "does not hold",
            where
            + (
                ""
                if holds
                else "; the paper's 95% is its share of mult-adds (Table 2): depthwise layers "
                "move many bytes per multiply-add, so time does not follow mult-adds"
            ),
            True,
            pointwise * 100 / 95 - 1,
        )
    ]
