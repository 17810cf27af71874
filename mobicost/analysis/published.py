"""Published figures, as printed, each with its source: what mobicost checks itself against.

Sources (see ``shared/REFERENCE.md``): Howard et al. 2017, *MobileNets*, arXiv 1704.04861
(Tables 2-9), and the TF-Slim checkpoint table (tensorflow/models,
``research/slim/nets/mobilenet_v1.md``). Numbers are kept as the strings they were printed as,
so their printed precision is known (``"52.3"`` has one decimal, ``"569"`` none).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

PAPER = "Howard et al. 2017"
SLIM = "TF-Slim checkpoints"


@dataclass(frozen=True)
class Printed:
    """A number as printed: its text, its unit scale (10**6 for "M"), its table and source.

    Its precision is its significant digits, read as papers print them: every digit from the
    first non-zero one to the last printed decimal ("4.2" two, "29.3" and "1.15" three, "0.50"
    two), but an integer's trailing zeros are not significant ("15300" has three, "1700" two,
    "1000" one), unless the source says they are: ``digits`` then gives the count (a column
    printed to the whole million, as the MobileNet paper's 569, 418, 290, 186; a parameter
    count printed in full, as torchvision's 61100840).
    """

    text: str
    scale: int
    table: str
    source: str = PAPER
    suffix: str | None = None  #: what follows the number; by default "%" for scale 1, else K/M/G
    digits: int | None = None  #: significant digits, where the source states them

    @property
    def unit(self) -> str:
        if self.suffix is not None:
            return self.suffix
        return {1: "%", 10**3: "K", 10**6: "M", 10**9: "G"}.get(self.scale, "")

    @property
    def value(self) -> Fraction:
        return Fraction(self.text) * self.scale

    @property
    def _leading(self) -> int:
        """The power of ten of the first significant digit as printed ("15300": 4, "0.05": -2)."""
        whole, _, fraction = self.text.lstrip("+-").partition(".")
        if whole.lstrip("0"):
            return len(whole.lstrip("0")) - 1
        return -(len(fraction) - len(fraction.lstrip("0")) + 1)

    @property
    def significant(self) -> int:
        """How many digits the printed number vouches for (see the class docstring)."""
        if self.digits is not None:
            return self.digits
        whole, _, fraction = self.text.lstrip("+-").partition(".")
        if fraction:
            return len((whole + fraction).lstrip("0"))
        return len(whole.strip("0"))

    @property
    def step(self) -> Fraction:
        """The value of one unit in the last significant place (10**8 for "15300" M)."""
        if self.significant == 0:  # a printed zero: read to the unit it is printed in
            return Fraction(self.scale)
        return self.scale * Fraction(10) ** (self._leading - self.significant + 1)

    @property
    def decimals(self) -> int:
        """Decimal places of the last significant digit, in the printed unit (0 for integers)."""
        return places(self.step / self.scale)

    def rounds(self, exact: int | Fraction) -> bool:
        """Whether ``exact``, rounded half up to the printed precision, prints as this."""
        return _half_up(Fraction(exact) / self.step) * self.step == self.value


def places(step: Fraction) -> int:
    """Decimal places that show a multiple of ``step`` (a power of ten) in full: 0.01 -> 2."""
    count = 0
    while step.denominator != 1:
        step *= 10
        count += 1
    return count


def _half_up(value: Fraction) -> int:
    return (value + Fraction(1, 2)).__floor__()


@dataclass(frozen=True)
class PublishedModel:
    """A model's published cost: million MACs and params (its accuracy is in the model's spec,
    a ``[[published]]`` entry with ``what = "top1"``)."""

    architecture: str
    alpha: str
    resolution: int
    macs: Printed | None = None
    params: Printed | None = None
    table: str = ""
    source: str = PAPER


def _to_the_unit(text: str) -> int | None:
    """The significant digits of an integer printed to its last digit (trailing zeros count)."""
    return len(text.lstrip("0")) if text.isdigit() else None


def _paper(
    arch: str,
    alpha: str,
    res: int,
    macs: str | None,
    params: str | None,
    table: str,
) -> PublishedModel:
    return PublishedModel(
        arch,
        alpha,
        res,
        Printed(macs, 10**6, table, digits=_to_the_unit(macs)) if macs else None,
        Printed(params, 10**6, table) if params else None,
        table,
    )


#: The paper's whole-network rows (Tables 4 to 7 and 9), as printed. Their mult-adds are printed
#: to the whole million (569, 418, 290, 186; 41 and 76 beside them), so Table 7's 290 vouches
#: for its zero, as the TF-Slim table's 150 does (its 291 for the same model as the paper's 290
#: shows the units digit carries).
PAPER_MODELS: tuple[PublishedModel, ...] = (
    _paper("conv-mobilenet", "1.0", 224, "4866", "29.3", "Table 4"),
    _paper("mobilenet-v1", "1.0", 224, "569", "4.2", "Table 4"),
    _paper("mobilenet-v1", "0.75", 224, "325", "2.6", "Table 5"),
    _paper("shallow-mobilenet", "1.0", 224, "307", "2.9", "Table 5"),
    _paper("mobilenet-v1", "1.0", 224, "569", "4.2", "Table 6"),
    _paper("mobilenet-v1", "0.75", 224, "325", "2.6", "Table 6"),
    _paper("mobilenet-v1", "0.5", 224, "149", "1.3", "Table 6"),
    _paper("mobilenet-v1", "0.25", 224, "41", "0.5", "Table 6"),
    _paper("mobilenet-v1", "1.0", 224, "569", "4.2", "Table 7"),
    _paper("mobilenet-v1", "1.0", 192, "418", "4.2", "Table 7"),
    _paper("mobilenet-v1", "1.0", 160, "290", "4.2", "Table 7"),
    _paper("mobilenet-v1", "1.0", 128, "186", "4.2", "Table 7"),
    _paper("mobilenet-v1", "0.5", 160, "76", "1.32", "Table 9"),
)

#: Table 3: one layer, D_K = 3, M = N = 512, D_F = 14.
TABLE_3: tuple[tuple[str, Printed, Printed], ...] = tuple(
    (label, Printed(macs, 10**6, "Table 3"), Printed(params, 10**6, "Table 3"))
    for label, macs, params in (
        ("standard convolution", "462", "2.36"),
        ("depthwise separable", "52.3", "0.27"),
        ("alpha = 0.75", "29.6", "0.15"),
        ("rho = 0.714", "15.1", "0.15"),
    )
)

#: Table 2: resource per layer type at 1.0 MobileNet-224, percent of mult-adds and of params.
TABLE_2: dict[str, tuple[Printed, Printed]] = {
    category: (Printed(macs, 1, "Table 2"), Printed(params, 1, "Table 2"))
    for category, macs, params in (
        ("Conv 1x1", "94.86", "74.59"),
        ("Conv DW 3x3", "3.06", "1.06"),
        ("Conv 3x3", "1.19", "0.02"),
        ("Fully Connected", "0.18", "24.33"),
    )
}

_SLIM_GRID = {  # alpha: (params, {resolution: MACs}); top-1 is in the spec, with its source
    "1.0": (
        "4.24",
        {
            224: "569",
            192: "418",
            160: "291",
            128: "186",
        },
    ),
    "0.75": (
        "2.59",
        {
            224: "317",
            192: "233",
            160: "162",
            128: "104",
        },
    ),
    "0.5": (
        "1.34",
        {
            224: "150",
            192: "110",
            160: "77",
            128: "49",
        },
    ),
    "0.25": (
        "0.47",
        {
            224: "41",
            192: "34",
            160: "21",
            128: "14",
        },
    ),
}

#: The TF-Slim checkpoint table: 16 models (1001 classes, TF-Slim's channel rounding).
SLIM_MODELS: tuple[PublishedModel, ...] = tuple(
    PublishedModel(
        "mobilenet-v1",
        alpha,
        res,
        Printed(macs, 10**6, "TF-Slim table", SLIM, digits=_to_the_unit(macs)),
        Printed(params, 10**6, "TF-Slim table", SLIM),
        "TF-Slim table",
        SLIM,
    )
    for alpha, (params, cells) in _SLIM_GRID.items()
    for res, macs in cells.items()
)

# --- Tables 10 to 14: MobileNet on other tasks ---------------------------------------------------

#: The sources of the paper's application tables, in its order (sections 4.3 to 4.7). Their
#: MobileNet figures are ``[[published]]`` entries of the specs that build those networks
#: (``mobilenet-v1``, ``inception-v3``, ``facenet-mobilenet``, ``ssd-mobilenet-v1``,
#: ``faster-rcnn-mobilenet-v1``), judged by ``check``.
APPLICATION_TABLES: tuple[str, ...] = tuple(f"{PAPER}, Table {n}" for n in range(10, 15))


@dataclass(frozen=True)
class Uncosted:
    """A figure of Tables 10 to 14 that mobicost cannot cost as layers, and why."""

    model: str
    what: str  #: "mult-adds" or "parameters"
    printed: Printed
    reason: str


_NO_ARCHITECTURE = "its architecture is not published: nothing to build"
_PROPOSALS = (
    "no spec builds Faster R-CNN on this backbone (faster-rcnn-mobilenet-v1 builds it on "
    "MobileNet), so nothing was tried"
)
_BACKBONE = "its backbone ({}) is not in the library: no spec builds it, so nothing was tried"


def _uncosted(
    table: str, model: str, macs: str, macs_scale: int, params: str, reason: str
) -> tuple[Uncosted, Uncosted]:
    return (
        Uncosted(model, "mult-adds", Printed(macs, macs_scale, table), reason),
        Uncosted(model, "parameters", Printed(params, 10**6, table), reason),
    )


#: The figures of Tables 10 to 14 for networks mobicost does not build, as the paper prints them
#: (arXiv 1704.04861v1, sections 4.3-4.7).
UNCOSTED: tuple[Uncosted, ...] = (
    *_uncosted(
        "Table 11",
        "PlaNet, Inception V3 (geolocation; section 4.4's text)",
        "5.74",
        10**9,
        "52",
        "Table 11's caption: the original PlaNet's numbers are 'based on an updated version that "
        "has an improved architecture' than the Inception V3 of section 4.4, and it is not "
        "published (inception-v3 builds the published one, whose Table 10 figures are judged)",
    ),
    *_uncosted(
        "Table 12",
        "Face attribute baseline (in-house; the text says 75M parameters)",
        "1600",
        10**6,
        "7.5",
        _NO_ARCHITECTURE,
    ),
    *_uncosted(
        "Table 13",
        "SSD 300, deeplab-VGG",
        "34.9",
        10**9,
        "33.1",
        _BACKBONE.format("DeepLab's VGG-16"),
    ),
    *_uncosted(
        "Table 13", "SSD 300, Inception V2", "3.8", 10**9, "13.7", _BACKBONE.format("Inception V2")
    ),
    *_uncosted("Table 13", "Faster-RCNN 300, VGG", "64.3", 10**9, "138.5", _PROPOSALS),
    *_uncosted("Table 13", "Faster-RCNN 300, Inception V2", "118.2", 10**9, "13.3", _PROPOSALS),
    *_uncosted("Table 13", "Faster-RCNN 600, VGG", "149.6", 10**9, "138.5", _PROPOSALS),
    *_uncosted("Table 13", "Faster-RCNN 600, Inception V2", "129.6", 10**9, "13.3", _PROPOSALS),
    *_uncosted(
        "Table 14",
        "FaceNet (Schroff et al. 2015, NN2)",
        "1600",
        10**6,
        "7.5",
        "FaceNet's Inception network (NN2) is not in the library: no spec builds it, so "
        "nothing was tried",
    ),
)
