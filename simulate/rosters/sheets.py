"""The raw cells of a roster file, streamed: the first rows (where the header is looked for)
held, the rest yielded row by row, so a 1 M-row roster never holds every cell as a Python
object (issue 16 item 4). Workbooks are read by python-calamine after the zip guard
(:func:`simulate.io.xlsxguard.open_calamine`; one large sheet in parts beside the guard,
:mod:`simulate.io.xlsxparts`); CSV text by pyarrow where it splits as :mod:`csv` does, else by
:mod:`csv`."""

from __future__ import annotations

import csv
import io
import itertools
import operator
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..io import safeio, xlsxguard
from ..io.idmask import mask_ids_in_text
from ..io.text import decode_text
from .mapping import HEADER_SEARCH_ROWS, RosterError

Record = tuple[int, list[Any]]  # (row number as the user sees it, cells)

#: A float this large in the ID column may be an exact integer in the file, which openpyxl
#: reads as an int and calamine as a (rounded) float: such a column is read again exactly.
_INEXACT_FLOAT = float(2**53)

#: Rows turned into columns at a time (lists of cells are dropped chunk by chunk).
_CHUNK = 1 << 15

#: A column's texts are shared (one object per distinct text) while it has at most this many.
_SHARED_TEXTS = 1 << 16


@dataclass
class Table:
    """One sheet (or a CSV file): its first records held (``head``, where the header is looked
    for, merged cells filled down), every row read once more as columns by ``columns``.
    ``exact`` re-reads one column's cells exactly when needed."""

    sheet: str
    head: list[Record]
    source: Any  # a _Grid or a _CsvText: .columns(after, index)
    exact: Any = None  # (column index) -> {row: value}, for a workbook

    def columns(self, start: int, index: list[int | None]) -> tuple[list[int], list[list[Any]]]:
        """Row numbers of the records after head[start] (the header) and, for each column
        number in ``index``, its cells (None past a short row; all None for a None)."""
        rows, cols = self.source.columns(start + 1, [j for j in index if j is not None])
        self.source = None  # read once: the parsed sheet or the text can go
        got = iter(cols)
        return rows, [next(got) if j is not None else [None] * len(rows) for j in index]


def _transposed(rows: Iterator[list[Any]], index: list[int], pad: int) -> tuple[int, list[list[Any]]]:
    """How many rows and the cells of columns ``index`` (counted after ``pad`` empty ones on
    the left; None past a short row), ``_CHUNK`` rows at a time. Equal texts of a column
    with few distinct ones (towns, categories, grades) are kept as one object: a million
    rows hold a few dozen, not a million copies (hundreds of MB, issue 16 item 4)."""
    cols: list[list[Any]] = [[] for _ in index]
    shared: list[dict[str, str] | None] = [{} for _ in index]
    n = 0
    while chunk := list(itertools.islice(rows, _CHUNK)):
        n += len(chunk)
        width = min(map(len, chunk))
        turned = None
        for c, (out, j) in enumerate(zip(cols, index)):
            g = j - pad
            if g < 0:
                out.extend([""] * len(chunk))
                continue
            if g < width:  # every row reaches the column: picked in C
                cells = list(map(operator.itemgetter(g), chunk))
            else:
                turned = turned or list(itertools.zip_longest(*chunk))
                cells = list(turned[g]) if g < len(turned) else [None] * len(chunk)
            texts = shared[c]
            if texts is not None and set(map(type, cells)) <= {str}:  # only str: 1, 1.0 and True stay apart
                out.extend(map(texts.setdefault, cells, cells))
                if len(texts) > _SHARED_TEXTS:  # names, ID numbers: nothing to share
                    shared[c] = None
            else:
                out.extend(cells)
    return n, cols


def open_tables(path: Path, file: str, sheet: str | int | None) -> tuple[str | None, list[Table]]:
    """The raw tables of a roster, by what the file holds (its first bytes) or its suffix,
    and the text encoding of a CSV (None for a workbook)."""
    if not path.exists():
        raise RosterError(file, "file not found")
    with safeio.open_regular(path, file, RosterError) as fh:  # no FIFO, device or directory
        head = fh.read(8)
    suffix = path.suffix.lower()
    if head.startswith((b"\xd0\xcf\x11\xe0", b"PK\x03\x04")) or suffix in (".xls", ".xlsx", ".xlsm"):
        # the guard names .xls, password-protected, HTML-as-.xls and damaged files apart
        return None, _xlsx_tables(path, file, sheet)
    if suffix in (".csv", ".txt", ".tsv", ""):
        encoding, table = _csv_table(path, file)
        return encoding, [table]
    raise RosterError(file, f"unsupported file type {suffix!r} (use .xlsx or .csv)")


def _xlsx_tables(path: Path, file: str, sheet: str | int | None) -> list[Table]:
    """Cells of the chosen worksheet(s), vertically merged ranges filled down."""
    workbook, data = xlsxguard.open_calamine(path, safeio.ROSTER_XLSX, file, RosterError)
    names = list(workbook.sheet_names)
    if sheet is None:
        chosen = names
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise RosterError(file, f"no sheet number {sheet} (the workbook has {len(names)}, counted from 0)")
        chosen = [names[sheet]]
    else:
        if sheet not in names:
            raise RosterError(file, f"no sheet named {sheet!r} (sheets: {', '.join(names)})")
        chosen = [sheet]
    tables = []
    for name in chosen:
        try:
            ws = workbook.get_sheet_by_name(name)
            grid = _Grid(ws.iter_rows(), ws.start or (0, 0), ws.merged_cell_ranges or [])
        except Exception as exc:  # calamine raises its own kinds for a damaged sheet
            raise RosterError(file, f"not a readable .xlsx file ({type(exc).__name__})") from None
        exact = _ExactColumn(data, name, file)
        tables.append(Table(mask_ids_in_text(name), grid.head(), grid, exact))  # a sheet name is shown too
    return tables


class _Grid:
    """A sheet's rows as calamine gives them: from the (row, column) ``start`` of its first
    used cell, counted from 0, each row as wide as the sheet; ``merged`` are its merged ranges."""

    def __init__(self, rows: Iterator[list[Any]], start: tuple[int, int], merged: list[Any]) -> None:
        rows = _from_start(iter(rows), start[0])
        self.first = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
        self.rows, self.start = rows, start
        # merges down several rows, by first row (then as listed): a value written once beside a
        # block of rows applies to each; merges across columns are left alone (see _filled)
        self.down = sorted(((r0, c0, r1) for (r0, c0), (r1, _c1) in merged if r1 > r0), key=lambda m: m[0])

    def head(self) -> list[Record]:
        """The first records, filled as ``_filled`` fills every row."""
        return list(
            _filled(iter([list(r) for r in self.first]), self.start, [((r0, c0), (r1, c0)) for r0, c0, r1 in self.down])
        )

    def columns(self, after: int, index: list[int]) -> tuple[list[int], list[list[Any]]]:
        """Row numbers and the cells of columns ``index`` of every row after the first ``after``
        records, merged ranges filled down column by column as ``_filled`` does row by row."""
        n, cols = _transposed(itertools.chain(self.first, self.rows), index, self.start[1])
        self.first, self.rows = [], iter(())
        top = self.start[0]
        for r0, c0, r1 in self.down:  # later ranges overwrite earlier ones, as row by row
            if c0 not in index or not top <= r0 < top + n:
                continue
            col = cols[index.index(c0)]
            first, last = r0 - top, min(r1 - top, n - 1)
            value = "" if col[first] is None else col[first]  # a merge past the row's end: ""
            col[first + 1 : last + 1] = [value] * (last - first)
        return list(range(top + 1 + after, top + 1 + n)), [c[after:] for c in cols]


def _from_start(rows: Iterator[list[Any]], top: int) -> Iterator[list[Any]]:
    """``rows`` from the sheet's first used row ``top`` (counted from 0): python-calamine's
    ``iter_rows`` begins at row 0, the ``top`` rows above the first used cell given as rows of
    "" (a header on Excel row 3 was numbered 5). Rows that are not all "" are kept, for a
    reader that begins at ``top`` itself."""
    lead = list(itertools.islice(rows, top))
    if all(cell == "" and type(cell) is str for row in lead for cell in row):
        return rows
    return itertools.chain(lead, rows)


def _filled(grid: Iterator[list[Any]], start: tuple[int, int], merged: list[Any]) -> Iterator[Record]:
    """Rows numbered from 1, a value merged down several rows filled into its first column
    (a village written once beside a block of rows applies to each row); merges across
    columns are left alone (a footer 制表人 … merged across the sheet must not turn into a
    name and an ID number). ``start`` is the (row, column) of the sheet's first used cell,
    counted from 0, where calamine's rows begin."""
    starts: dict[int, list[tuple[int, int]]] = {}
    for (r0, c0), (r1, _c1) in merged:
        if r1 > r0:
            starts.setdefault(r0, []).append((c0, r1))
    active: list[tuple[int, int, Any]] = []  # (column, last row, value)
    pad = [""] * start[1]
    for index, cells in enumerate(grid, start[0]):
        if pad:
            cells = pad + cells
        if active:
            active = [a for a in active if a[1] >= index]
            for c0, _, value in active:
                if len(cells) <= c0:
                    cells.extend([""] * (c0 + 1 - len(cells)))
                cells[c0] = value
        for c0, r1 in starts.get(index, ()):
            active.append((c0, r1, cells[c0] if c0 < len(cells) else ""))
        yield index + 1, cells


class _ExactColumn:
    """One column of a sheet read again by openpyxl (read-only, streamed), for the rare file
    whose ID column holds integers too large for a float: openpyxl keeps them exact."""

    def __init__(self, data: bytes, sheet: str, file: str) -> None:
        self.data, self.sheet, self.file = data, sheet, file

    def __call__(self, column: int) -> dict[int, Any]:
        import openpyxl  # local: only for this rare case

        try:
            wb = openpyxl.load_workbook(io.BytesIO(self.data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise RosterError(self.file, f"not a readable .xlsx file ({type(exc).__name__})") from None
        try:
            ws = wb[self.sheet]
            cells = ws.iter_rows(min_col=column + 1, max_col=column + 1, values_only=True)
            return {
                row: value
                for row, (value,) in enumerate(cells, 1)
                if isinstance(value, int) and not isinstance(value, bool)
            }
        finally:
            wb.close()


def needs_exact(value: Any) -> bool:
    """A float read from a workbook that may have been an exact integer in the file."""
    return isinstance(value, float) and abs(value) >= _INEXACT_FLOAT and value.is_integer()


def _csv_table(path: Path, file: str) -> tuple[str, Table]:
    """Decode a CSV (UTF-8 with or without BOM, UTF-16 with BOM, then GBK, GB18030) and
    split it into records numbered by the text line each record starts on."""
    data = safeio.read_capped(path, safeio.ROSTER_CSV.max_bytes or 0, safeio.ROSTER_CSV.what, file, RosterError)
    text, encoding = decode_text(data, file, RosterError, utf16_bom_ok=True)
    del data
    lines = _first_lines(text)
    counts = {d: sum(ln.count(d) for ln in lines) for d in (",", "\t", ";", "|")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    source = _CsvText(text, delimiter, file)
    return encoding, Table("", list(itertools.islice(_csv_records(text, delimiter, file), HEADER_SEARCH_ROWS)), source)


def _first_lines(text: str) -> list[str]:
    """The first non-empty lines of a text (where the delimiter is counted), without
    splitting the whole of a large file."""
    prefix = text[: 1 << 16]
    lines = prefix.splitlines()
    if len(prefix) < len(text):
        lines = lines[:-1]  # the last one may be cut
    found = [ln for ln in lines if ln.strip()][:HEADER_SEARCH_ROWS]
    if len(found) < HEADER_SEARCH_ROWS and len(prefix) < len(text):
        found = [ln for ln in text.splitlines() if ln.strip()][:HEADER_SEARCH_ROWS]
    return found


def _csv_records(text: str, delimiter: str, file: str) -> Iterator[Record]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    try:
        for cells in reader:
            yield line + 1, cells
            line = reader.line_num
    except csv.Error as exc:
        raise RosterError(file, f"broken CSV near line {line + 1} ({exc})") from None


class _CsvText:
    """A decoded CSV read again as columns: by the csv module whole, then turned; where a
    record spans lines or the text is broken, record by record (``_csv_records``)."""

    def __init__(self, text: str, delimiter: str, file: str) -> None:
        self.text, self.delimiter, self.file = text, delimiter, file

    def columns(self, after: int, index: list[int]) -> tuple[list[int], list[list[Any]]]:
        """Line numbers and the cells of columns ``index`` of every record after the first ``after``."""
        fast = _arrow_columns(self.text, self.delimiter, index)
        if fast is not None:  # one line per record: record k is on line k + 1
            n, cols = fast
            return list(range(after + 1, n + 1)), [c[after:] for c in cols]
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        try:
            n, cols = _transposed(reader, index, 0)
        except csv.Error:
            n = -1
        if n >= 0 and reader.line_num == n:  # one line per record: record k is on line k + 1
            return list(range(after + 1, n + 1)), [c[after:] for c in cols]
        records = list(_csv_records(self.text, self.delimiter, self.file))  # raises for a broken CSV
        _, cols = _transposed(iter([cells for _, cells in records]), index, 0)
        return [row for row, _ in records][after:], [c[after:] for c in cols]


def _arrow_columns(text: str, delimiter: str, index: list[int]) -> tuple[int, list[list[Any]]] | None:
    """How many records and the cells of columns ``index``, split by pyarrow's CSV reader (in
    C++, several threads: a 1 M-row roster in a fraction of the csv module's time), for the
    plain text where it splits exactly as the csv module does: no quote character, no NUL,
    no lone carriage return, no empty line, every line as many fields as the first, no field
    past the csv module's size limit; else None (the csv module reads it). A column with few
    distinct texts holds one object per text, as ``_transposed`` gives."""
    if not text or text[0] in "\ufeff\r\n" or '"' in text or "\0" in text or "\n\n" in text or "\n\r\n" in text:
        return None  # (pyarrow would drop a byte-order mark the csv module keeps; empty lines)
    if text.count("\r") != text.count("\r\n"):
        return None
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv

        end = text.find("\n")
        width = (text if end < 0 else text[:end]).count(delimiter) + 1
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char=False, escape_char=False, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{j}": pa.string() for j in range(width)},
                strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (UnicodeError, pa.ArrowException, ValueError):
        return None
    n = table.num_rows
    lines = text.count("\n") + (not text.endswith("\n"))
    if table.num_columns != width or n != lines:
        return None
    limit = csv.field_size_limit()
    for column in table.columns:  # the csv module refuses a longer field
        if len(column) and pc.max(pc.utf8_length(column)).as_py() > limit:
            return None
    cols: list[list[Any]] = []
    for j in index:
        if j >= width:
            cols.append([None] * n)
            continue
        column = table.column(j).combine_chunks()
        coded = column.dictionary_encode()
        if len(coded.dictionary) <= _SHARED_TEXTS:
            texts = np.array(coded.dictionary.to_pylist(), dtype=object)
            cols.append(texts[coded.indices.to_numpy(zero_copy_only=False)].tolist())
        else:
            cols.append(column.to_pylist())
    return n, cols
