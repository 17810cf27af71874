"""Render a :class:`Report` as a rich table, CSV, JSON, Markdown or LaTeX.

The library computes a report once (plain, exact data); this module only formats it. Cells keep
their exact values (``int``, :class:`~fractions.Fraction`, :class:`Formula`) until a renderer
turns them into text: machine formats (CSV, JSON) keep exact integers and fractions, human formats
(table, Markdown, LaTeX) add the humanised form. Nothing here imports sympy or pandas.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import RenderableType
    from rich.table import Table

Kind = Literal["text", "int", "count", "ratio", "percent", "formula"]
Format = Literal["table", "csv", "json", "markdown", "latex"]
FORMATS: tuple[Format, ...] = ("table", "csv", "json", "markdown", "latex")


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


Cell = object  # int | Fraction | Formula | str | None


@dataclass(frozen=True)
class Report:
    """A titled table of exact values, with optional totals, notes and metadata.

    ``notes`` state the counting conventions; every format prints them. ``meta`` is extra
    machine-readable data (conventions, parameters) carried by the JSON and CSV forms.
    """

    title: str
    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, Cell], ...]
    totals: Mapping[str, Cell] | None = None
    notes: tuple[str, ...] = ()
    meta: Mapping[str, object] = field(default_factory=dict)
    sections: tuple[Report, ...] = ()  #: further tables printed after this one (e.g. a breakdown)
    key: str = ""  #: a section's name in the JSON of the report it belongs to

    @property
    def human_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.human)

    @property
    def machine_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.machine)


# --- numbers for people --------------------------------------------------------------------------

_SUFFIXES = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))


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
    if kind == "count" and isinstance(value, int | Fraction):
        exact = f"{value:,}" if isinstance(value, int) else str(value)
        if -1000 < value < 1000:
            return exact
        return f"{exact} ({humanize(value)})"
    if kind == "int" and isinstance(value, int):
        return f"{value:,}"
    if kind == "ratio" and isinstance(value, Fraction | int):
        return ratio_text(Fraction(value))
    if kind == "percent" and isinstance(value, Fraction | int):
        return f"{float(value) * 100:.2f}%"
    return str(value)


def _machine(value: Cell) -> object:
    """A JSON/CSV value: exact integers stay integers, fractions become ``"a/b"`` strings."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Fraction):
        return str(value) if value.denominator != 1 else value.numerator
    return str(value)


# --- renderers -----------------------------------------------------------------------------------


def to_rich(report: Report) -> Table:
    """The report's rows as a rich :class:`~rich.table.Table` (returned, not printed)."""
    from rich.table import Table
    from rich.text import Text

    table = Table()
    columns = report.human_columns
    for column in columns:
        numeric = column.kind in ("int", "count", "ratio", "percent")
        table.add_column(column.header, justify="right" if numeric else "left", overflow="fold")
    for row in report.rows:
        table.add_row(*(Text(_human(row.get(c.key), c.kind)) for c in columns))
    if report.totals is not None:
        table.add_section()
        table.add_row(
            *(Text(_human(report.totals.get(c.key), c.kind), style="bold") for c in columns)
        )
    return table


def render_rich(report: Report) -> list[RenderableType]:
    """The report and its sections as rich renderables: each table, then its notes."""
    from rich.text import Text

    renderables: list[RenderableType] = [Text(report.title, style="bold"), to_rich(report)]
    if report.notes:
        renderables.append(Text("\n".join(report.notes), style="dim"))
    for section in report.sections:
        renderables.extend(render_rich(section))
    return renderables


def _records(report: Report) -> list[dict[str, object]]:
    return [
        {c.key: _machine(row.get(c.key)) for c in report.machine_columns} for row in report.rows
    ]


def _json_ready(report: Report) -> dict[str, object]:
    data: dict[str, object] = {"title": report.title, **report.meta}
    data["columns"] = [{"key": c.key, "header": c.header} for c in report.machine_columns]
    data["rows"] = _records(report)
    if report.totals is not None:
        data["totals"] = {
            c.key: _machine(report.totals.get(c.key))
            for c in report.machine_columns
            if report.totals.get(c.key) is not None
        }
    data["notes"] = list(report.notes)
    for section in report.sections:
        data[section.key or section.title] = _json_ready(section)
    return data


def to_json(report: Report) -> str:
    """JSON with exact integers as numbers and expressions and fractions as strings."""
    import json

    return json.dumps(_json_ready(report), indent=2, ensure_ascii=False) + "\n"


def to_csv(report: Report) -> str:
    """One CSV table of exact values (sections, being derivable from the rows, are left to the
    other formats); notes and metadata as leading ``#`` lines, so that
    ``pandas.read_csv(path, comment="#")`` reads it."""
    import csv
    import io
    import json

    out = io.StringIO()
    for key, value in report.meta.items():
        out.write(f"# {key}: {json.dumps(value, ensure_ascii=False)}\n")
    for note in report.notes:
        out.write(f"# {note}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in report.machine_columns])
    for record in _records(report):
        writer.writerow(record.values())
    if report.totals is not None:
        writer.writerow([_machine(report.totals.get(c.key)) for c in report.machine_columns])
    return out.getvalue()


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


TEXT_RENDERERS = {"csv": to_csv, "json": to_json, "markdown": to_markdown, "latex": to_latex}


def render_text(report: Report, fmt: Format) -> str:
    """The report as text in one of the machine or document formats."""
    return TEXT_RENDERERS[fmt](report)


# --- writing -------------------------------------------------------------------------------------


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` all at once: a temporary file in the same directory, renamed
    over the target, so readers never see a partial file and a failure leaves nothing behind."""
    import tempfile
    from pathlib import Path

    target = Path(path)
    fd, temporary = tempfile.mkstemp(
        dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_writable(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be written, or ``None``: checked before any work is done."""
    from pathlib import Path

    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        return f"{str(target)!r} is a directory"
    if not parent.is_dir():
        return f"directory {str(parent)!r} does not exist"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"directory {str(parent)!r} is not writable"
    if target.exists() and not os.access(target, os.W_OK):
        return f"{str(target)!r} is not writable"
    return None
