"""Big tables held as columns: a million-row sweep exported without a Python object per row.

A :class:`Columnar` is a report's rows made a chunk at a time, each column a numpy array of
numbers, a :class:`Coded` column of few distinct values (an alpha, a published accuracy), a
:class:`Joined` text (a model's name: its width's part and its resolution's part) or a
:class:`Quotient` of exact integers over one denominator (a ratio). The data formats are written
from those columns directly: CSV and JSON as bytes laid out in one ``uint8`` matrix a chunk (each
field in a slot of its own, NUL-padded, the padding dropped at the end), Parquet and DataFrames
as typed arrays. Indexing a :class:`Columnar` makes the exact row mappings, for the few rows that
people are shown; the texts written equal those the row-by-row renderers write (tests compare
them byte for byte).

numpy is imported here, so :mod:`mobicost.render.formats` imports this module only for a report
that is columnar (a sweep's, which has numpy loaded already).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, overload

import numpy

from ..errors import MobicostError
from .formats import ColumnRows

if TYPE_CHECKING:  # pragma: no cover
    from .formats import Cell, Column, Kind, Report

#: rows a chunk: a chunk's byte matrix is about 300 bytes a row, 20 MB here
CHUNK = 65_536


@dataclass(frozen=True)
class Coded:
    """A column of few distinct values: row k holds ``values[codes[k]]``."""

    codes: Any  #: numpy integer array
    values: tuple[Cell, ...]


@dataclass(frozen=True)
class Joined:
    """Text made of parts, row by row: ``"0.5 "`` + ``"MobileNet-160"``."""

    parts: tuple[Coded, ...]


@dataclass(frozen=True)
class Quotient:
    """Exact fractions over one denominator: row k holds ``numerators[k] / denominator``."""

    numerators: Any  #: numpy integer array (int64, or object for Python integers)
    denominator: int


Data = Any  #: a numpy array, or a Coded, Joined or Quotient column


@dataclass(frozen=True, eq=False)
class Columnar(ColumnRows):
    """``length`` rows whose columns ``chunk(start, stop)`` makes for rows ``start:stop``."""

    length: int
    chunk: Callable[[int, int], Mapping[str, Data]]

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> Mapping[str, Cell]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, Cell]]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(self.length)
            if step != 1:
                return tuple(self[k] for k in range(start, stop, step))
            return Columnar(max(0, stop - start), lambda a, b: self.chunk(start + a, start + b))
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError(index)
        data = self.chunk(index, index + 1)
        return {key: cell(column, 0) for key, column in data.items()}

    def __iter__(self) -> Iterator[Mapping[str, Cell]]:
        for start, stop in spans(self.length):
            data = self.chunk(start, stop)
            for k in range(stop - start):
                yield {key: cell(column, k) for key, column in data.items()}


def spans(length: int, size: int = CHUNK) -> Iterator[tuple[int, int]]:
    for start in range(0, length, size):
        yield start, min(start + size, length)


def cell(column: Data, k: int) -> Cell:
    """Row ``k``'s exact value: an int, a Fraction, a string, ``None``..."""
    if isinstance(column, Coded):
        return column.values[int(column.codes[k])]
    if isinstance(column, Joined):
        return "".join(str(part.values[int(part.codes[k])]) for part in column.parts)
    if isinstance(column, Quotient):
        return Fraction(int(column.numerators[k]), column.denominator)
    value = column[k]
    return value.item() if hasattr(value, "item") else value


def _rows(column: Data) -> int:
    if isinstance(column, Coded):
        return len(column.codes)
    if isinstance(column, Joined):
        return len(column.parts[0].codes)
    if isinstance(column, Quotient):
        return len(column.numerators)
    return len(column)


# --- flat values: DataFrames and Parquet ---------------------------------------------------------


def flat_array(column: Data, kind: Kind) -> Any:
    """The column as :func:`~mobicost.render.formats.records` has it, as one array: counts
    int64, ratios and decimals float64 (NaN where none), text a list of strings."""
    from .formats import _flat

    if isinstance(column, Coded):
        values = [_flat(v, kind) for v in column.values]
        if all(v is None or isinstance(v, float) for v in values) and kind != "text":
            table = numpy.asarray([numpy.nan if v is None else v for v in values], dtype=float)
            return table[column.codes]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return numpy.asarray(values, dtype=numpy.int64)[column.codes]
        table = numpy.empty(len(values), dtype=object)
        table[:] = values
        return table[column.codes]
    if isinstance(column, Joined):
        return numpy.asarray(_texts(column, lambda text: _flat(text)), dtype=object)
    if isinstance(column, Quotient):
        return _floats(column)
    if column.dtype == object:
        return numpy.asarray([_flat(int(v), kind) for v in column.tolist()])
    if kind in ("ratio", "percent", "decimal"):
        return column.astype(numpy.float64)
    return column


def _texts(column: Joined, spell: Callable[[str], object]) -> list[str]:
    columns = [
        [texts[c] for c in part.codes.tolist()]
        for texts, part in (([str(spell(str(v))) for v in p.values], p) for p in column.parts)
    ]
    return ["".join(parts) for parts in zip(*columns, strict=True)]


def _floats(column: Quotient) -> Any:
    """Each fraction as the float nearest it: numpy's division is IEEE's, correctly rounded,
    and so equal to ``float(Fraction(n, d))`` where both integers are exact doubles."""
    numerators, denominator = column.numerators, column.denominator
    if denominator == 0:
        return numpy.zeros(len(numerators))
    if (
        numerators.dtype != object
        and abs(denominator) < 2**53
        and (len(numerators) == 0 or int(numpy.abs(numerators).max()) < 2**53)
    ):
        return numerators.astype(numpy.float64) / denominator
    return numpy.asarray([float(Fraction(int(n), denominator)) for n in numerators.tolist()])


def frame_columns(report: Report, rows: Columnar) -> Iterator[tuple[int, dict[str, Any]]]:
    """Chunk by chunk, every CSV column (the context's, then the machine columns) as a flat
    array or a constant."""
    from .formats import _flat

    context = {key: _flat(value) for key, value in report.context.items()}
    columns = [c for c in report.machine_columns if c.key not in context]
    for start, stop in spans(rows.length):
        data = rows.chunk(start, stop)
        yield (
            stop - start,
            {
                **context,
                **{c.key: _flat_or_none(data.get(c.key), c, stop - start) for c in columns},
            },
        )


def _flat_or_none(column: Data | None, spec: Column, n: int) -> Any:
    if column is None:
        return numpy.full(n, numpy.nan)
    return flat_array(column, spec.kind)


# --- text: CSV and JSON as byte matrices ---------------------------------------------------------


def _matrix(texts: Sequence[str]) -> Any:
    """Texts as a NUL-padded ``uint8`` matrix, one row each."""
    encoded = [t.encode("utf-8") for t in texts]
    width = max((len(e) for e in encoded), default=0) or 1
    return numpy.asarray(encoded, dtype=f"S{width}").view(numpy.uint8).reshape(len(encoded), width)


def _digits(values: Any) -> Any | None:
    """Non-negative int64 values as decimal digits, NUL-padded on the left; None where a value
    is negative or not an int64 (then each is formatted on its own)."""
    if values.dtype == object or len(values) == 0 or int(values.min()) < 0:
        return None
    width = len(str(int(values.max())))
    out = numpy.zeros((len(values), width), dtype=numpy.uint8)
    rest = values.astype(numpy.int64, copy=True)
    for position in range(width - 1, -1, -1):
        digit = rest % 10
        shown = (rest > 0) | (position == width - 1)
        out[:, position] = numpy.where(shown, digit + 48, 0)
        rest //= 10
    return out


def _coded(column: Coded, texts: Sequence[str]) -> Any:
    return _matrix(texts)[column.codes]


def _csv_field(value: object) -> str:
    """One value as Python's csv writer writes it in a row of several (quoted only where it
    must be; nothing for ``None`` or an empty string)."""
    out = io.StringIO()
    csv.writer(out).writerow([value, 0])
    return out.getvalue()[: -len(",0\r\n")]


def _csv_column(column: Data, kind: Kind) -> Any:
    from .formats import _flat

    if isinstance(column, Coded):
        return _coded(column, [_csv_field(_flat(v, kind)) for v in column.values])
    if isinstance(column, Joined):
        parts = [[str(_flat(str(v))) for v in part.values] for part in column.parts]
        if all(_csv_field(text) == text for texts in parts for text in texts):
            return numpy.concatenate(
                [_coded(part, texts) for part, texts in zip(column.parts, parts, strict=True)],
                axis=1,
            )
        return _matrix([_csv_field(t) for t in _texts(column, _flat)])
    if isinstance(column, Quotient):
        return _matrix(list(map(float.__repr__, _floats(column).tolist())))
    if kind in ("ratio", "percent", "decimal"):
        return _matrix([repr(float(v)) for v in column.tolist()])
    digits = _digits(column)
    if digits is not None:
        return digits
    return _matrix([_csv_field(_flat(v, kind)) for v in column.tolist()])


def _constant(text: str, n: int) -> Any:
    data = numpy.frombuffer(text.encode("utf-8"), dtype=numpy.uint8)
    return numpy.broadcast_to(data, (n, len(data)))


def _join(pieces: list[Any]) -> bytes:
    """The rows of the pieces (matrices and constants, each ``n`` rows) side by side, padding
    dropped: the chunk's bytes."""
    matrix = numpy.concatenate(pieces, axis=1)
    flat = matrix.ravel()
    data: bytes = flat[flat != 0].tobytes()
    return data


def csv_chunks(report: Report, rows: Columnar) -> Iterator[bytes]:
    """The report's CSV (as :func:`~mobicost.render.formats.to_csv` writes it), in chunks."""
    from .formats import _columns, _flat

    yield (",".join(_csv_field(key) for key in _columns(report)) + "\r\n").encode("ascii")
    context = "".join(_csv_field(_flat(value)) + "," for value in report.context.values())
    columns = [c for c in report.machine_columns if c.key not in report.context]
    for start, stop in spans(rows.length):
        n = stop - start
        data = rows.chunk(start, stop)
        pieces = [_constant(context, n)] if context else []
        for index, column in enumerate(columns):
            if index:
                pieces.append(_constant(",", n))
            value = data.get(column.key)
            if value is not None:
                pieces.append(_csv_column(value, column.kind))
        pieces.append(_constant("\r\n", n))
        yield _join(pieces)


def _json_column(column: Data, kind: Kind, *, exact: bool, ascii: bool) -> Any:
    from .formats import machine_value

    def dumps(value: object) -> str:  # as json.dumps(indent=2) writes it at a row's depth
        return json.dumps(value, indent=2, ensure_ascii=ascii).replace("\n", "\n      ")

    if isinstance(column, Coded):
        return _coded(column, [dumps(machine_value(v, kind, exact=exact)) for v in column.values])
    if isinstance(column, Joined):
        quote = numpy.full((_rows(column), 1), ord('"'), dtype=numpy.uint8)
        inner = [_coded(part, [dumps(str(v))[1:-1] for v in part.values]) for part in column.parts]
        return numpy.concatenate([quote, *inner, quote], axis=1)
    if isinstance(column, Quotient):
        if exact:
            return _matrix(
                [
                    dumps(machine_value(Fraction(int(n), column.denominator), exact=True))
                    for n in column.numerators.tolist()
                ]
            )
        floats = _floats(column).tolist()
        whole = (
            column.numerators % column.denominator == 0
            if column.denominator
            else numpy.zeros(len(floats), dtype=bool)
        ).tolist()
        return _matrix(
            [
                str(int(n) // column.denominator) if w else float.__repr__(f)
                for n, f, w in zip(column.numerators.tolist(), floats, whole, strict=True)
            ]
        )
    digits = _digits(column) if column.dtype != float else None
    if digits is not None:
        return digits
    return _matrix([dumps(machine_value(v, kind, exact=exact)) for v in column.tolist()])


ROWS_MARK = "\x00rows\x00"  #: where the rows go in the JSON document written around them


def json_chunks(
    head: str, report: Report, rows: Columnar, *, exact: bool, ascii: bool
) -> Iterator[bytes]:
    """The report's JSON (as :func:`~mobicost.render.formats.to_json` writes it), in chunks:
    ``head`` is the document with :data:`ROWS_MARK` where its rows go."""
    marker = json.dumps(ROWS_MARK, ensure_ascii=ascii)
    before, after = head.split(marker)
    if rows.length == 0:
        yield (before + "[]" + after).encode("utf-8")
        return
    yield (before + "[\n").encode("utf-8")
    columns = report.machine_columns
    for start, stop in spans(rows.length):
        n = stop - start
        data = rows.chunk(start, stop)
        pieces = [_constant("    {\n", n)]
        for index, column in enumerate(columns):
            key = json.dumps(column.key, ensure_ascii=ascii)
            pieces.append(_constant((",\n" if index else "") + f"      {key}: ", n))
            value = data.get(column.key)
            pieces.append(
                _constant("null", n)
                if value is None
                else _json_column(value, column.kind, exact=exact, ascii=ascii)
            )
        pieces.append(_constant("\n    },\n", n))
        text = _join(pieces)
        yield text[:-2] if stop == rows.length else text
    yield ("\n  ]" + after).encode("utf-8")


# --- Parquet -------------------------------------------------------------------------------------


class _Drain:
    """A write-only binary sink that hands over what was written so far (:meth:`take`), so that
    a Parquet file streams out a row group at a time."""

    closed = False

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def _arrow_type(value: object, kind: Kind) -> Any:
    import pyarrow

    if kind in ("int", "count"):
        return pyarrow.int64()
    if kind in ("ratio", "percent", "decimal"):
        return pyarrow.float64()
    if isinstance(value, bool):
        return pyarrow.bool_()
    if isinstance(value, int):
        return pyarrow.int64()
    if isinstance(value, float):
        return pyarrow.float64()
    return pyarrow.string()


def _inferred(values: Sequence[object]) -> Any:
    """The Arrow type of a text column's values: bool, int64 or float64 where they all are
    (``None`` aside), else string."""
    import pyarrow

    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pyarrow.bool_()
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pyarrow.int64() if len(present) == len(values) else pyarrow.float64()
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pyarrow.float64()
    return pyarrow.string()


def parquet_chunks(report: Report) -> Iterator[bytes]:
    """The report's CSV table (the same columns, the same values: :func:`frame_columns`) as a
    Parquet file, a row group a chunk: counts int64, ratios and decimals float64 (null where
    none), text UTF-8; the report's title, metadata and notes as JSON in the file's metadata
    (key ``mobicost``)."""
    import pyarrow
    import pyarrow.parquet

    from .formats import _columns, _flat, machine_value, records

    context = {key: _flat(value) for key, value in report.context.items()}
    columns = [c for c in report.machine_columns if c.key not in context]
    types = {
        **{key: _arrow_type(value, "text") for key, value in context.items()},
        **{c.key: _arrow_type(None, c.kind) for c in columns},
    }
    if isinstance(report.rows, Columnar):
        chunks: Iterable[tuple[int, Mapping[str, Any]]] = frame_columns(report, report.rows)
    else:  # a few rows: their records, a text column typed by what it holds, as pandas does
        listed = records(report)
        values = {c.key: [r[c.key] for r in listed] for c in columns}
        for c in columns:
            if c.kind == "text":
                types[c.key] = _inferred(values[c.key])
        chunks = [(len(listed), {**context, **values})]
    about = {
        "title": report.title,
        **{str(k): machine_value(v) for k, v in report.meta.items()},
        "notes": list(report.notes),
    }
    schema = pyarrow.schema(
        [(key, types[key]) for key in _columns(report)],
        metadata={"mobicost": json.dumps(about)},
    )
    sink = _Drain()
    with pyarrow.parquet.ParquetWriter(sink, schema) as writer:
        for n, chunk in chunks:
            arrays = []
            for key in _columns(report):
                column = [chunk[key]] * n if key in context else chunk[key]
                if isinstance(column, numpy.ndarray) and column.dtype == object:
                    column = column.tolist()
                try:  # NaN is null, as pandas reads an empty CSV field
                    arrays.append(pyarrow.array(column, type=types[key], from_pandas=True))
                except OverflowError:
                    raise MobicostError(
                        f"Parquet holds 64-bit integers, and column {key!r} has counts past "
                        "2**63: use --format csv or json, which carry them exactly"
                    ) from None
            writer.write_table(pyarrow.Table.from_arrays(arrays, schema=schema))
            yield sink.take()
    yield sink.take()
