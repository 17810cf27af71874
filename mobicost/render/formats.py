"""Render a :class:`Report` as a rich table, CSV, JSON, Markdown or LaTeX, and write it.

The library computes a report once (plain, exact data); this module only formats it. Cells keep
their exact values (``int``, :class:`~fractions.Fraction`, :class:`Formula`) until a renderer
turns them into text. Data formats carry numbers as their readers expect them: in JSON every
quantity is a JSON number (an integer where it is one, else a float; with ``exact``, a fraction
is ``{"num": ..., "den": ...}``); CSV (and :func:`to_frame`, built from the same :func:`records`)
has exact integer counts and decimal shares, one plain table that spreadsheets and
``pandas.read_csv`` open as they are; human formats (table, Markdown, LaTeX) keep the exact
value and add the humanised form. Nothing here imports sympy, and pandas only in
:func:`to_frame`.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import RenderableType
    from rich.table import Table

#: how a column's cells read: ``count`` and ``int`` are exact integers, ``ratio`` and ``percent``
#: exact fractions, ``decimal`` a number as printed (``"70.6"``, ``"0.75"``: kept as text for
#: people and in JSON, a number in CSV), ``formula`` a :class:`Formula`
Kind = Literal["text", "int", "count", "ratio", "percent", "decimal", "formula"]
Format = Literal["table", "csv", "json", "markdown", "latex", "parquet"]
#: the formats of every report; tables of rows (``table``, ``sweep``) add Parquet
FORMATS: tuple[Format, ...] = ("table", "csv", "json", "markdown", "latex")
TABLE_FORMATS: tuple[Format, ...] = (*FORMATS, "parquet")


@dataclass(frozen=True)
class Formula:
    """An expression rendered three ways (made by :mod:`mobicost.derive`, which owns sympy)."""

    text: str  #: parse_expr-able, for CSV and JSON
    unicode: str  #: one line for people
    latex: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Column:
    """A column: ``key`` names it in CSV and JSON, ``header`` (with its unit) for people."""

    key: str
    header: str
    kind: Kind = "text"
    #: where the column appears: everywhere, only for people (table, Markdown, LaTeX) or only
    #: in machine formats (CSV, JSON)
    show: Literal["both", "human", "machine"] = "both"

    @property
    def human(self) -> bool:
        return self.show != "machine"

    @property
    def machine(self) -> bool:
        return self.show != "human"


@dataclass(frozen=True)
class Shown:
    """A quantity that people read as ``text`` (``"15,470,264,320"``, ``"7.890x"``) and data
    formats carry as the number ``value``."""

    value: int | Fraction | float | None  #: None: no number (JSON null, an empty CSV cell)
    text: str

    def __str__(self) -> str:
        return self.text


Cell = object  # int | Fraction | Formula | Shown | str | None


@dataclass(frozen=True)
class Report:
    """A titled table of exact values, with optional totals, notes and metadata.

    ``notes`` state the counting conventions; the human formats print them. ``meta`` is extra
    machine-readable data (conventions, parameters) carried by JSON. ``context`` holds what is
    constant across the rows (the model, alpha, the conventions): CSV and :func:`to_frame` repeat
    it as leading columns on every row, so that several exports concatenate into one tidy table.
    """

    title: str
    columns: tuple[Column, ...]
    #: a tuple of mappings, or a :class:`~mobicost.render.columns.Columnar` (a sweep's million
    #: rows as columns, which the data formats write without a Python object per row)
    rows: Sequence[Mapping[str, Cell]]
    totals: Mapping[str, Cell] | None = None
    notes: tuple[str, ...] = ()
    meta: Mapping[str, object] = field(default_factory=dict)
    sections: tuple[Report, ...] = ()  #: further tables printed after this one (e.g. a breakdown)
    key: str = ""  #: a section's name in the JSON of the report it belongs to
    context: Mapping[str, Cell] = field(default_factory=dict)  #: per-row constants (CSV, frames)

    @property
    def human_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.human)

    @property
    def machine_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.machine)


# --- numbers for people --------------------------------------------------------------------------

_SUFFIXES = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))


def shared_notes(notes: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """Notes of several models, ``(title, lines)`` each: a line they all share once, another
    prefixed with the titles it holds for.

    >>> shared_notes([("A", ["Unit: MACs.", "Head: x."]), ("B", ["Unit: MACs.", "Head: y."])])
    ['Unit: MACs.', 'A: Head: x.', 'B: Head: y.']
    """
    holders: dict[str, list[str]] = {}
    for title, lines in notes:
        for line in lines:
            titles = holders.setdefault(line, [])
            if title not in titles:
                titles.append(title)
    everyone = list(dict.fromkeys(title for title, _ in notes))
    return [
        line if titles == everyone else f"{', '.join(titles)}: {line}"
        for line, titles in holders.items()
    ]


def humanize(value: int | Fraction) -> str:
    """Three significant figures with an SI suffix, as papers print counts.

    >>> humanize(462422016), humanize(52283392), humanize(2359296), humanize(266752), humanize(999)
    ('462M', '52.3M', '2.36M', '267K', '999')
    >>> humanize(999_999), humanize(-1500)
    ('1M', '-1.5K')
    """
    rounded = float(f"{float(value):.3g}")  # round first, so 999,999 reads 1M and not 1000K
    for scale, suffix in _SUFFIXES:
        if abs(rounded) >= scale:
            return f"{rounded / scale:.3g}{suffix}"
    return f"{rounded:.3g}" if isinstance(value, Fraction) else str(value)


def ratio_text(value: Fraction) -> str:
    """A ratio for people: ``0.113 (1/8.85)`` below one, ``8.85`` above.

    >>> ratio_text(Fraction(521, 4608)), ratio_text(Fraction(9)), ratio_text(Fraction(1))
    ('0.113 (1/8.84)', '9', '1')
    """
    if value == 0:
        return "0"
    if value < 1:
        return f"{float(value):.3g} (1/{float(1 / value):.3g})"
    return f"{float(value):.3g}"


def _human(value: Cell, kind: Kind, *, latex: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        return f"${value.latex}$" if latex else value.unicode
    if isinstance(value, Shown):
        return value.text
    if kind == "count" and isinstance(value, int | Fraction):
        exact = f"{value:,}" if isinstance(value, int) else str(value)
        if -1000 < value < 1000:
            return exact
        return f"{exact} ({humanize(value)})"
    if kind == "int" and isinstance(value, int):
        return f"{value:,}"
    if kind == "ratio" and isinstance(value, Fraction | int):
        return ratio_text(Fraction(value))
    if kind == "percent" and isinstance(value, Fraction | int | float):
        return f"{float(value) * 100:.2f}%"
    if kind == "decimal" and isinstance(value, Fraction | float):  # a measure: 4 digits
        return f"{float(value):.4g}"
    return str(value)


def _number(value: Fraction, exact: bool) -> object:
    if value.denominator == 1:
        return value.numerator
    return {"num": value.numerator, "den": value.denominator} if exact else float(value)


def machine_value(value: object, kind: Kind = "text", *, exact: bool = False) -> object:
    """A JSON value: every quantity a JSON number (an integer where it is one, else a float;
    with ``exact``, a fraction is ``{"num": ..., "den": ...}``), text a string, and mappings
    and sequences (a report's metadata) converted all through.

    >>> machine_value(Fraction(3, 4)), machine_value(Fraction(3, 4), exact=True)
    (0.75, {'num': 3, 'den': 4})
    >>> machine_value("70.6", "decimal"), machine_value("1.0", "decimal"), machine_value(12)
    (70.6, 1, 12)
    """
    if isinstance(value, Shown):
        value = value.value
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Fraction):
        return _number(value, exact)
    if isinstance(value, Mapping):
        return {str(k): machine_value(v, exact=exact) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [machine_value(v, exact=exact) for v in value]
    if kind == "decimal":  # a number as printed ("70.6", "0.75", "1/3")
        return _number(Fraction(str(value)), exact)
    return str(value)


def _flat(value: Cell, kind: Kind = "text") -> object:
    """A CSV (and DataFrame) value: integers stay exact, fractions and decimals become floats
    (whose repr has every digit a float holds; the exact value is in JSON), text is ASCII."""
    if isinstance(value, Shown):
        value = value.value
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return float(value) if kind in ("ratio", "percent", "decimal") else value
    if isinstance(value, Fraction):
        if kind in ("int", "count") and value.denominator == 1:
            return value.numerator
        return float(value)
    if kind == "decimal":
        return float(Fraction(str(value)))
    return ascii_text(str(value))


# --- ASCII: CSV, and streams that cannot carry the symbols ---------------------------------------

_SUPERSCRIPT = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+")
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
#: every symbol mobicost prints, spelled in ASCII (superscripts become ``^2``)
ASCII_SYMBOLS = {
    "α": "alpha",
    "ρ": "rho",
    "·": "*",
    "×": "x",
    "→": "->",
    "≥": ">=",
    "≤": "<=",
    "≈": "~",
    "≠": "!=",
    "−": "-",
    "–": "-",
    "—": "--",
    "∞": "inf",
    "…": "...",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "\u00a0": " ",
}
_ASCII = str.maketrans(ASCII_SYMBOLS)


def ascii_text(text: str) -> str:
    """``text`` in ASCII: mobicost's symbols spelled out, anything else unknown as ``?``.

    >>> ascii_text("D_F²·D_K²·M·N, α·ρ²/N, N → ∞, N ≥ 72, x⁻¹")
    'D_F^2*D_K^2*M*N, alpha*rho^2/N, N -> inf, N >= 72, x^-1'
    """
    if text.isascii():
        return text
    text = _SUPERSCRIPT.sub(lambda m: "^" + m.group().translate(_FROM_SUPERSCRIPT), text)
    return text.translate(_ASCII).encode("ascii", "replace").decode("ascii")


def encodes(text: str, encoding: str | None) -> bool:
    """Whether a stream in ``encoding`` can carry ``text`` as it is."""
    if text.isascii():
        return True
    try:
        text.encode(encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


# --- renderers -----------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return text


_NUMERIC = ("int", "count", "ratio", "percent")  #: kinds that align right


def to_rich(report: Report, *, ascii: bool = False) -> Table:
    """The report's rows as a rich :class:`~rich.table.Table` (returned, not printed); with
    ``ascii``, in ASCII only (box and symbols)."""
    from rich.table import Table
    from rich.text import Text

    spell = ascii_text if ascii else _plain
    if ascii:
        from rich.box import ASCII

        table = Table(box=ASCII, safe_box=True)
    else:
        table = Table()
    columns = report.human_columns
    for column in columns:
        numeric = column.kind in _NUMERIC
        table.add_column(
            Text(spell(column.header)),
            justify="right" if numeric else "left",
            overflow="fold",
        )
    for row in report.rows:
        table.add_row(*(Text(spell(_human(row.get(c.key), c.kind))) for c in columns))
    if report.totals is not None:
        table.add_section()
        table.add_row(
            *(Text(spell(_human(report.totals.get(c.key), c.kind)), style="bold") for c in columns)
        )
    return table


def render_rich(report: Report, *, ascii: bool = False) -> list[RenderableType]:
    """The report and its sections as rich renderables: each table, then its notes; with
    ``ascii``, in ASCII only."""
    from rich.text import Text

    spell = ascii_text if ascii else _plain
    renderables: list[RenderableType] = [
        Text(spell(report.title), style="bold"),
        to_rich(report, ascii=ascii),
    ]
    if report.notes:
        renderables.append(Text(spell("\n".join(report.notes)), style="dim"))
    for section in report.sections:
        renderables.extend(render_rich(section, ascii=ascii))
    return renderables


def records(report: Report) -> list[dict[str, object]]:
    """The rows of the CSV form and of :func:`to_frame`: the report's ``context`` then its
    machine columns, every value flat (exact integer counts, floats, ASCII text)."""
    context = {key: _flat(value) for key, value in report.context.items()}
    columns = [c for c in report.machine_columns if c.key not in context]
    return [  # a columnar report's rows are made here one by one: to_csv and to_frame do not
        {**context, **{c.key: _flat(row.get(c.key), c.kind) for c in columns}}
        for row in report.rows
    ]


def _json_ready(report: Report, exact: bool = False, *, rows: bool = True) -> dict[str, object]:
    data: dict[str, object] = {"title": report.title}
    data.update({str(k): machine_value(v, exact=exact) for k, v in report.meta.items()})
    columns = report.machine_columns
    data["columns"] = [{"key": c.key, "header": c.header} for c in columns]
    data["rows"] = (
        [
            {c.key: machine_value(row.get(c.key), c.kind, exact=exact) for c in columns}
            for row in report.rows
        ]
        if rows
        else []
    )
    if report.totals is not None:
        data["totals"] = {
            c.key: machine_value(report.totals.get(c.key), c.kind, exact=exact)
            for c in columns
            if report.totals.get(c.key) is not None
        }
    data["notes"] = list(report.notes)
    for section in report.sections:
        data[section.key or section.title] = _json_ready(section, exact)
    return data


class ColumnRows(Sequence[Mapping[str, Cell]]):
    """Rows held as columns: :class:`mobicost.render.columns.Columnar` (which imports numpy, so
    this marker lets the renderers tell without importing it)."""

    __slots__ = ()


def _columnar(report: Report) -> Any:
    """The report's rows where they are columns (:mod:`~mobicost.render.columns`), else None."""
    return report.rows if isinstance(report.rows, ColumnRows) else None


def json_chunks(report: Report, *, ascii: bool = False, exact: bool = False) -> Iterator[bytes]:
    """:func:`to_json`'s text as UTF-8, in chunks: a columnar report's rows are written a chunk
    at a time, never as one string."""
    rows = _columnar(report)
    if rows is None or report.sections:
        yield to_json(report, ascii=ascii, exact=exact).encode("utf-8")
        return
    import json

    from .columns import ROWS_MARK
    from .columns import json_chunks as columnar_json

    data = _json_ready(report, exact, rows=False)
    data["rows"] = ROWS_MARK
    head = json.dumps(data, indent=2, ensure_ascii=ascii) + "\n"
    yield from columnar_json(head, report, rows, exact=exact, ascii=ascii)


def to_json(report: Report, *, ascii: bool = False, exact: bool = False) -> str:
    """JSON in which every quantity is a number (an integer where it is one, else a float;
    with ``exact``, a fraction is ``{"num": ..., "den": ...}``, which
    ``Fraction(d["num"], d["den"])`` reads back) and expressions are strings (with ``ascii``,
    non-ASCII characters as ``\\u`` escapes, which every JSON reader decodes)."""
    if _columnar(report) is not None and not report.sections:
        return b"".join(json_chunks(report, ascii=ascii, exact=exact)).decode("utf-8")
    import json

    return json.dumps(_json_ready(report, exact), indent=2, ensure_ascii=ascii) + "\n"


def _columns(report: Report) -> list[str]:
    return [
        *report.context,
        *(c.key for c in report.machine_columns if c.key not in report.context),
    ]


def to_csv(report: Report) -> str:
    """Plain RFC 4180 CSV of :func:`records`: one header row, then one row per report row, in
    ASCII. Nothing else: no preamble, no totals row (a sum any reader can take), no sections
    (they derive from the rows); notes and exact fractions are in the JSON form. ``pandas.read_csv``
    with no arguments reads it back into :func:`to_frame`, integer counts as ``int64``."""
    return b"".join(csv_chunks(report)).decode("ascii")


def csv_chunks(report: Report) -> Iterator[bytes]:
    """:func:`to_csv`'s text in chunks of ASCII bytes: a columnar report's rows are written a
    chunk at a time (:mod:`~mobicost.render.columns`), with no Python object per row."""
    rows = _columnar(report)
    if rows is not None:
        from .columns import csv_chunks as columnar_csv

        yield from columnar_csv(report, rows)
        return
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)  # the excel dialect: RFC 4180, CRLF line ends
    writer.writerow(_columns(report))
    writer.writerows(record.values() for record in records(report))
    yield out.getvalue().encode("ascii")


def to_frame(report: Report) -> Any:
    """The report's :func:`records` as a pandas DataFrame, equal to ``pandas.read_csv`` of its
    CSV: counts ``int64``, ratios and decimals ``float64``, ``report.meta`` in ``frame.attrs``."""
    import pandas

    rows = _columnar(report)
    if rows is not None:
        from .columns import frame_columns

        frames = [
            pandas.DataFrame(columns, index=range(n), columns=_columns(report))
            for n, columns in frame_columns(report, rows)
        ]
        frame = (
            pandas.concat(frames, ignore_index=True)
            if frames
            else pandas.DataFrame(columns=_columns(report))
        )
    else:
        frame = pandas.DataFrame.from_records(records(report), columns=_columns(report))
    for column in report.machine_columns:
        if column.key in report.context:
            continue
        if column.kind in ("int", "count"):
            with contextlib.suppress(OverflowError):  # past int64: Python integers, as read_csv
                frame[column.key] = frame[column.key].astype("int64")
        elif column.kind in ("ratio", "percent", "decimal") or frame[column.key].isna().all():
            frame[column.key] = frame[column.key].astype("float64")  # as read_csv: no value, NaN
    frame.attrs.update(report.meta)
    return frame


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(report: Report) -> str:
    numeric = ("int", "count", "ratio", "percent")
    lines = [f"### {report.title}", ""]
    lines.append("| " + " | ".join(_markdown_cell(c.header) for c in report.human_columns) + " |")
    lines.append(
        "|" + "|".join("---:" if c.kind in numeric else "---" for c in report.human_columns) + "|"
    )
    rows = [*report.rows, *([report.totals] if report.totals is not None else [])]
    for index, row in enumerate(rows):
        cells = [_markdown_cell(_human(row.get(c.key), c.kind)) for c in report.human_columns]
        if report.totals is not None and index == len(rows) - 1:
            cells = [f"**{cell}**" if cell else "" for cell in cells]
        lines.append("| " + " | ".join(cells) + " |")
    if report.notes:
        lines.append("")
        lines.extend(f"{note}  " for note in report.notes)
    text = "\n".join(lines) + "\n"
    for section in report.sections:
        text += "\n" + to_markdown(section)
    return text


_LATEX_SPECIAL = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
}


def _latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def _latex_cell(value: Cell, kind: Kind) -> str:
    if isinstance(value, Formula):
        return f"${value.latex}$"
    if kind == "count" and isinstance(value, int):
        return f"{value:,}".replace(",", r"\,")
    return _latex_escape(_human(value, kind))


def to_latex(report: Report) -> str:
    """A booktabs ``tabular`` with the title and notes as comments around it."""
    numeric = ("int", "count", "ratio", "percent")
    spec = "".join("r" if c.kind in numeric else "l" for c in report.human_columns)
    lines = [f"% {report.title}", rf"\begin{{tabular}}{{{spec}}}", r"\toprule"]
    lines.append(" & ".join(_latex_escape(c.header) for c in report.human_columns) + r" \\")
    lines.append(r"\midrule")
    for row in report.rows:
        lines.append(
            " & ".join(_latex_cell(row.get(c.key), c.kind) for c in report.human_columns) + r" \\"
        )
    if report.totals is not None:
        lines.append(r"\midrule")
        lines.append(
            " & ".join(_latex_cell(report.totals.get(c.key), c.kind) for c in report.human_columns)
            + r" \\"
        )
    lines.append(r"\bottomrule")
    lines.append(r"\end{tabular}")
    lines.extend(f"% {note}" for note in report.notes)
    text = "\n".join(lines) + "\n"
    for section in report.sections:
        text += "\n" + to_latex(section)
    return text


def render_chunks(
    report: Report, fmt: Format, *, ascii: bool = False, exact: bool = False
) -> Iterator[bytes]:
    """The report in ``fmt`` as bytes, in chunks (UTF-8 text, or a Parquet file): a columnar
    report's rows a chunk at a time, so that memory stays bounded whatever the rows."""
    if fmt == "parquet":
        from .columns import parquet_chunks

        yield from parquet_chunks(report)
    elif fmt == "csv":
        yield from csv_chunks(report)
    elif fmt == "json":
        yield from json_chunks(report, ascii=ascii, exact=exact)
    else:
        yield render_text(report, fmt, ascii=ascii, exact=exact).encode("utf-8")


def render_text(report: Report, fmt: Format, *, ascii: bool = False, exact: bool = False) -> str:
    """The report as text in any format (``table`` is rich's, with no styles and no width
    limit); with ``ascii``, in ASCII only; with ``exact``, JSON's fractions as objects."""
    if fmt == "parquet":
        raise ValueError("Parquet is binary: render_chunks writes it")
    if fmt == "json":
        return to_json(report, ascii=ascii, exact=exact)
    if fmt == "csv":
        return to_csv(report)  # always ASCII
    if fmt == "table":
        return rich_text(report, ascii=ascii)
    text = to_markdown(report) if fmt == "markdown" else to_latex(report)
    return ascii_text(text) if ascii else text


def rich_text(report: Report, *, ascii: bool = False) -> str:
    """The rich table as plain text, as rich draws it with no styles and no width limit (for a
    pipe or a file): drawn here when every cell is one line of narrow characters, which is what
    mobicost prints, and by rich otherwise. tests/test_matrix.py compares the two on every
    report of every command."""
    drawn = _draw(report, ascii=ascii)
    return drawn if drawn is not None else _rich_draw(report, ascii=ascii)


def terminal_text(report: Report, width: int, *, ascii: bool = False, styled: bool = True) -> str:
    """The report as rich prints it on a terminal ``width`` columns wide: the title bold, the
    header and totals bold, the notes dim (``styled``; without, no escapes at all, as under
    ``NO_COLOR``), long lines wrapped at words. Drawn here where the table fits the width as
    it is, by rich where rich must shrink its columns to fit."""
    drawn = _draw(report, ascii=ascii, width=width, styled=styled)
    return (
        drawn if drawn is not None else _rich_draw(report, ascii=ascii, width=width, styled=styled)
    )


def _rich_draw(
    report: Report, *, ascii: bool = False, width: int | None = None, styled: bool = False
) -> str:
    import io

    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        color_system="standard" if styled else None,
        force_terminal=styled,
        width=width or _NO_LIMIT,
    )
    for renderable in render_rich(report, ascii=ascii):
        console.print(renderable)
    return buffer.getvalue()


_NO_LIMIT = 10_000  #: the width tables get where nothing limits it (a pipe, a file)
#: rich.box.HEAVY_HEAD and rich.box.ASCII: top, head, head row, mid, row, foot row, foot, bottom
_BOXES = {
    False: ("┏━┳┓", "┃ ┃┃", "┡━╇┩", "│ ││", "├─┼┤", "├─┼┤", "│ ││", "└─┴┘"),
    True: ("+--+", "| ||", "|-+|", "| ||", "|-+|", "|-+|", "| ||", "+--+"),
}
#: characters one terminal cell wide (rich's cell_len): printable ASCII and mobicost's symbols
_NARROW = frozenset(map(chr, range(0x20, 0x7F))) | set(ASCII_SYMBOLS) | set("⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
#: the escapes rich writes for bold and dim text, and the reset after each
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
_WORD = re.compile(r"\s*\S+\s*")


def _wrap(text: str, width: int) -> list[str] | None:
    """``text``'s lines broken at words to ``width`` columns as rich breaks them (a word keeps
    the spaces after it; a line starts where a word no longer fits), or ``None`` where a word is
    wider than a line (rich would fold it)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        start = column = 0
        breaks = []
        for word in _WORD.finditer(paragraph):
            length = len(word.group().rstrip())
            if width - column >= length:
                column += len(word.group())
            elif length > width:
                return None
            elif column and word.start():
                breaks.append(word.start())
                column = len(word.group())
        for end in [*breaks, len(paragraph)]:
            line = paragraph[start:end]
            if len(line) > width:  # only trailing spaces go past the width: rich drops them
                line = line[:width] + line[width:].rstrip()
            lines.append(line)
            start = end
    return lines


def _draw(
    report: Report, *, ascii: bool, width: int = _NO_LIMIT, styled: bool = False
) -> str | None:
    """The report as rich prints it ``width`` columns wide (styled as on a terminal, or without
    styles), or ``None`` when a cell is not one line of narrow characters or the table is wider
    than ``width`` (then rich, which measures anything and shrinks columns, draws it)."""
    spell = ascii_text if ascii else _plain
    columns = report.human_columns
    rows = [[spell(c.header) for c in columns]]
    rows += [[spell(_human(row.get(c.key), c.kind)) for c in columns] for row in report.rows]
    if report.totals is not None:
        rows.append([spell(_human(report.totals.get(c.key), c.kind)) for c in columns])
    title = spell(report.title)
    notes = spell("\n".join(report.notes))
    texts = [title, notes.replace("\n", ""), *(cell for row in rows for cell in row)]
    if not _NARROW.issuperset("".join(texts)):
        return None
    widths = [max(len(row[i]) for row in rows) + 2 for i in range(len(columns))]
    title_lines, note_lines = _wrap(title, width), _wrap(notes, width) if notes else []
    if sum(widths) + len(widths) + 1 > width or title_lines is None or note_lines is None:
        return None
    top, head, head_row, mid, row_line, _, _, bottom = _BOXES[ascii]

    def styled_as(style: str, text: str) -> str:
        return f"{style}{text}{_RESET}" if styled and text else text

    def rule(box: str) -> str:
        return box[0] + box[2].join(box[1] * span for span in widths) + box[3]

    def line(box: str, cells: list[str], part: Literal["head", "body", "totals"]) -> str:
        padded = []
        for cell, span, c in zip(cells, widths, columns, strict=True):
            text = cell.rjust(span - 2) if c.kind in _NUMERIC else cell.ljust(span - 2)
            if part == "head":  # rich styles the header's padding too, a segment each side
                pad = styled_as(_BOLD, " ")
                padded.append(pad + styled_as(_BOLD, text) + pad)
            else:
                padded.append(f" {styled_as(_BOLD, text) if part == 'totals' else text} ")
        return box[0] + box[2].join(padded) + box[3]

    lines = [styled_as(_BOLD, text) for text in title_lines]
    lines += [rule(top), line(head, rows[0], "head"), rule(head_row)]
    body = rows[1:]
    for index, cells in enumerate(body):
        if report.totals is not None and index == len(body) - 1:
            lines += [rule(row_line), line(mid, cells, "totals")]
        else:
            lines.append(line(mid, cells, "body"))
    lines.append(rule(bottom))
    lines.extend(styled_as(_DIM, text) for text in note_lines)
    text = "\n".join(lines) + "\n"
    for section in report.sections:
        drawn = _draw(section, ascii=ascii, width=width, styled=styled)
        if drawn is None:
            return None
        text += drawn
    return text


# --- writing -------------------------------------------------------------------------------------


STDOUT = "-"  #: the ``--output`` that means standard output


def _via_proc(path: str) -> bool:
    """Whether ``path`` reaches its file through /proc: ``/dev/stdout``, ``/dev/fd/1`` and the
    like name an open descriptor, which is written to, never replaced (even when it is a file)."""
    current = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on links followed
        directory, name = os.path.split(current)
        directory = os.path.realpath(directory)
        current = os.path.join(directory, name)
        if current.startswith("/proc/"):
            return True
        if not os.path.islink(current):
            return False
        current = os.path.join(directory, os.readlink(current))
    return False


def output_target(path: str) -> tuple[str, bool]:
    """Where writing ``path`` lands, and whether it is replaced atomically there.

    A regular file or a new path is replaced atomically; a symbolic link is followed and its
    final target replaced (the link stays); anything else that exists (a device such as
    ``/dev/null`` or ``/dev/full``, a FIFO, ``/dev/stdout``) is written directly, as the shell's
    ``>`` does: it cannot be replaced, and must not be. :class:`OSError` if ``path`` cannot be
    looked up (a file where a directory should be, a loop of links).
    """
    import stat

    try:
        mode: int | None = os.stat(path).st_mode
    except FileNotFoundError:  # a new path, or a link to one
        mode = None
    if (mode is not None and not stat.S_ISREG(mode)) or _via_proc(path):
        return path, False
    return (os.path.realpath(path) if os.path.islink(path) else path), True


Data = str | bytes | Iterable[bytes]  #: text (UTF-8), bytes, or bytes in chunks


def write_output(path: str, data: Data) -> None:
    """Write ``data`` (text as UTF-8, bytes such as an image, or chunks of bytes, written as
    they come) where ``path`` points, as
    :func:`output_target` says: atomically to a file, directly to a device or FIFO. Any failure
    is an :class:`OSError`; a failed atomic write leaves the old file as it was, and no
    temporary file behind."""
    target, atomic = output_target(path)
    if atomic:
        write_atomic(target, data)
        return
    with open(target, "wb") as handle:
        _write(handle, data)
        handle.flush()  # a device's refusal (ENOSPC from /dev/full) surfaces here, or on close


def _write(handle: Any, data: Data) -> None:
    if isinstance(data, str):
        handle.write(data.encode("utf-8"))
    elif isinstance(data, bytes):
        handle.write(data)
    else:
        for chunk in data:
            handle.write(chunk)


def _temporary(target: str) -> tuple[int, str]:
    """A new file beside ``target``, created with the permissions of a new file (umask applied,
    unlike ``mkstemp``'s 0600), and its name."""
    import secrets

    directory, name = os.path.split(target)
    for _ in range(100):
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target!r}")


def write_atomic(path: str | os.PathLike[str], data: Data) -> None:
    """Write ``data`` (text as UTF-8, bytes, or chunks of bytes) to the regular file ``path``
    all at once: a
    temporary file in the same directory, renamed over the target, so readers never see a
    partial file and a failure leaves nothing behind. A replaced file keeps its permissions
    (and, where allowed, owner)."""
    target = os.fspath(path)
    fd, temporary = _temporary(target)
    try:
        try:
            existing = os.stat(target)
        except FileNotFoundError:
            pass
        else:
            os.fchmod(fd, existing.st_mode & 0o7777)
            with contextlib.suppress(OSError):  # not ours to give away: then it is the writer's
                os.fchown(fd, existing.st_uid, existing.st_gid)
        with os.fdopen(fd, "wb") as handle:
            _write(handle, data)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def check_writable(path: str) -> str | None:
    """Why ``path`` cannot be written, or ``None``: checked before any work is done, by the rules
    :func:`write_output` writes by."""
    if path == STDOUT:
        return None
    try:
        target, atomic = output_target(path)
    except OSError as error:
        return error.strerror or str(error)
    if os.path.isdir(target):
        return f"{target!r} is a directory"
    if not atomic:  # a device, a FIFO, /dev/stdout: written in place
        return None if os.access(target, os.W_OK) else f"{target!r} is not writable"
    parent = os.path.dirname(target) or "."
    if not os.path.isdir(parent):
        return f"directory {parent!r} does not exist"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"directory {parent!r} is not writable"
    if os.path.exists(target) and not os.access(target, os.W_OK):
        return f"{target!r} is not writable"
    return None
