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
import functools
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
    if not texts:
        return numpy.zeros((0, 1), dtype=numpy.uint8)
    try:
        array = numpy.asarray(texts, dtype="S")  # numpy encodes ASCII itself, in C
    except UnicodeEncodeError:
        array = numpy.asarray([t.encode("utf-8") for t in texts], dtype="S")
    width = array.dtype.itemsize
    return array.view(numpy.uint8).reshape(len(texts), width)


def _digits(values: Any) -> Any | None:
    """Non-negative int64 values as decimal digits, NUL-padded on the left; None where a value
    is negative or not an int64 (then each is formatted on its own)."""
    if values.dtype == object or len(values) == 0 or int(values.min()) < 0:
        return None
    width = len(str(int(values.max())))
    out = numpy.empty((width, len(values)), dtype=numpy.uint8)  # a digit position a row
    rest = values.astype(numpy.int64, copy=True)
    for position in range(width - 1, -1, -1):
        shown = rest > 0
        rest, digit = numpy.divmod(rest, 10)
        digit += 48
        if position != width - 1:
            digit *= shown  # a leading zero is padding
        out[position] = digit
    return out.T


def _coded(column: Coded, texts: Sequence[str] | Any) -> Any:
    table = texts if isinstance(texts, numpy.ndarray) else _matrix(texts)
    return table[column.codes]


class _Tables:
    """Each distinct-value table's texts, made once for all the chunks (a chunk's columns hold
    the same value tuples)."""

    def __init__(self) -> None:
        self._made: dict[tuple[int, str], tuple[tuple[object, ...], Any]] = {}

    def get(self, values: tuple[object, ...], key: str, make: Callable[[], Any]) -> Any:
        """``make()`` for these values, made on the first chunk."""
        held = self._made.get((id(values), key))
        if held is None or held[0] is not values:
            held = (values, make())
            self._made[(id(values), key)] = held
        return held[1]


def _name_part(values: tuple[object, ...]) -> Any:
    """A name's part in CSV: its texts' matrix, or None where one must be quoted."""
    from .formats import _flat

    texts = [str(_flat(str(v))) for v in values]
    return _matrix(texts) if all(_csv_field(text) == text for text in texts) else None


def _json_name_part(values: tuple[object, ...], ascii: bool) -> Any:
    return _matrix([json.dumps(str(v), ensure_ascii=ascii)[1:-1] for v in values])


def _csv_field(value: object) -> str:
    """One value as Python's csv writer writes it in a row of several (quoted only where it
    must be; nothing for ``None`` or an empty string)."""
    out = io.StringIO()
    csv.writer(out).writerow([value, 0])
    return out.getvalue()[: -len(",0\r\n")]


def _csv_column(column: Data, kind: Kind, tables: _Tables) -> Any:
    from .formats import _flat

    if isinstance(column, Coded):
        return _coded(
            column,
            tables.get(
                column.values,
                f"csv {kind}",
                lambda: _matrix([_csv_field(_flat(v, kind)) for v in column.values]),
            ),
        )
    if isinstance(column, Joined):
        parts = [
            tables.get(part.values, "csv name", functools.partial(_name_part, part.values))
            for part in column.parts
        ]
        if all(part is not None for part in parts):
            return numpy.concatenate(
                [_coded(p, table) for p, table in zip(column.parts, parts, strict=True)], axis=1
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


def _join(pieces: list[Any], n: int) -> bytes:
    """The rows of the pieces (``uint8`` matrices of ``n`` rows, and texts that every row
    holds) side by side, padding dropped: the chunk's bytes."""
    merged: list[Any] = []
    for piece in pieces:  # a run of texts is one constant
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    matrix = numpy.concatenate(
        [_constant(p, n) if isinstance(p, str) else p for p in merged if len(p)], axis=1
    )
    flat = matrix.ravel()
    data: bytes = flat[flat != 0].tobytes()
    return data


def csv_chunks(report: Report, rows: Columnar) -> Iterator[bytes]:
    """The report's CSV (as :func:`~mobicost.render.formats.to_csv` writes it), in chunks."""
    from .formats import _columns, _flat

    yield (",".join(_csv_field(key) for key in _columns(report)) + "\r\n").encode("ascii")
    context = "".join(_csv_field(_flat(value)) + "," for value in report.context.values())
    columns = [c for c in report.machine_columns if c.key not in report.context]
    tables = _Tables()
    for start, stop in spans(rows.length):
        n = stop - start
        data = rows.chunk(start, stop)
        pieces: list[Any] = []
        for index, column in enumerate(columns):
            if index:
                pieces.append(",")
            value = data.get(column.key)
            if value is not None:
                pieces.append(_csv_column(value, column.kind, tables))
        # each row ends in a line feed alone here; the context that starts every row goes in
        # with the CR after the fact, one bytes.replace rather than 80 bytes a row to compact
        pieces.append("\n")
        text = _join(pieces, n)
        if text.count(b"\n") == n:
            prefix = context.encode("ascii")
            yield prefix + text[:-1].replace(b"\n", b"\r\n" + prefix) + b"\r\n"
        else:  # a field holds a line feed of its own (quoted): the rows as they are
            yield _join([context, *pieces[:-1], "\r\n"], n)


def _json_column(column: Data, kind: Kind, tables: _Tables, *, exact: bool, ascii: bool) -> Any:
    from .formats import machine_value

    def dumps(value: object) -> str:  # as json.dumps(indent=2) writes it at a row's depth
        return json.dumps(value, indent=2, ensure_ascii=ascii).replace("\n", "\n      ")

    if isinstance(column, Coded):
        return _coded(
            column,
            tables.get(
                column.values,
                f"json {kind} {exact} {ascii}",
                lambda: _matrix(
                    [dumps(machine_value(v, kind, exact=exact)) for v in column.values]
                ),
            ),
        )
    if isinstance(column, Joined):
        quote = numpy.full((_rows(column), 1), ord('"'), dtype=numpy.uint8)
        inner = [
            _coded(
                part,
                tables.get(
                    part.values,
                    f"json name {ascii}",
                    functools.partial(_json_name_part, part.values, ascii),
                ),
            )
            for part in column.parts
        ]
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
    tables = _Tables()
    for start, stop in spans(rows.length):
        n = stop - start
        data = rows.chunk(start, stop)
        pieces: list[Any] = ["    {\n"]
        for index, column in enumerate(columns):
            key = json.dumps(column.key, ensure_ascii=ascii)
            pieces.append((",\n" if index else "") + f"      {key}: ")
            value = data.get(column.key)
            pieces.append(
                "null"
                if value is None
                else _json_column(value, column.kind, tables, exact=exact, ascii=ascii)
            )
        pieces.append("\n    },\n")
        text = _join(pieces, n)
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


def _arrow_chunks(
    report: Report, rows: Columnar, types: Mapping[str, Any]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """A columnar report's chunks as Arrow arrays, the distinct-value columns taken from their
    tables by Arrow and the names joined by Arrow (no Python string a row)."""
    import pyarrow
    import pyarrow.compute

    from .formats import _flat

    made: dict[tuple[int, str], tuple[tuple[object, ...], Any]] = {}

    def table(values: tuple[object, ...], kind: Kind | None, type: Any) -> Any:
        """The Arrow array of ``values`` (``kind`` None: parts of a name), made once."""
        held = made.get((id(values), str(kind)))
        if held is None or held[0] is not values:
            flat = [_flat(str(v)) if kind is None else _flat(v, kind) for v in values]
            held = (values, pyarrow.array(flat, type=type, from_pandas=True))
            made[(id(values), str(kind))] = held
        return held[1]

    columns = [c for c in report.machine_columns if c.key not in report.context]
    for start, stop in spans(rows.length):
        data = rows.chunk(start, stop)
        arrays: dict[str, Any] = {}
        for c in columns:
            column, type = data.get(c.key), types[c.key]
            if column is None:
                arrays[c.key] = pyarrow.nulls(stop - start, type=type)
            elif isinstance(column, Coded):
                arrays[c.key] = table(column.values, c.kind, type).take(column.codes)
            elif isinstance(column, Joined):
                parts = [
                    table(p.values, None, pyarrow.string()).take(p.codes) for p in column.parts
                ]
                arrays[c.key] = pyarrow.compute.binary_join_element_wise(*parts, "")
            else:
                arrays[c.key] = flat_array(column, c.kind)
        yield stop - start, arrays


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
        chunks: Iterable[tuple[int, Mapping[str, Any]]] = _arrow_chunks(report, report.rows, types)
    else:  # a few rows: their records, a text column typed by what it holds, as pandas does
        listed = records(report)
        values = {c.key: [r[c.key] for r in listed] for c in columns}
        for c in columns:
            if c.kind == "text":
                types[c.key] = _inferred(values[c.key])
        chunks = [(len(listed), values)]
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
                if key in context:  # one value, every row
                    scalar = pyarrow.scalar(context[key], type=types[key])
                    arrays.append(pyarrow.repeat(scalar, n))
                    continue
                column = chunk[key]
                if isinstance(column, pyarrow.Array):
                    arrays.append(column)
                    continue
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
