"""The raw cells of a roster file, streamed: the first rows (where the header is looked for)
held, the rest yielded row by row, so a 1 M-row roster never holds every cell as a Python
object (issue 16 item 4). Workbooks are read by python-calamine after the zip guard
(:func:`simulate.io.xlsxguard.open_calamine`); CSV text by :mod:`csv`."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..io import safeio, xlsxguard
from ..io.idmask import mask_ids_in_text
from ..io.text import decode_text
from .mapping import HEADER_SEARCH_ROWS, RosterError

Record = tuple[int, list[Any]]  # (row number as the user sees it, cells)

#: A float this large in the ID column may be an exact integer in the file, which openpyxl
#: reads as an int and calamine as a (rounded) float: such a column is read again exactly.
_INEXACT_FLOAT = float(2**53)


@dataclass
class Table:
    """One sheet (or a CSV file): its first records held (``head``), the others streamed
    (``rest``, read once). ``exact`` re-reads one column's cells exactly when needed."""

    sheet: str
    head: list[Record]
    rest: Iterator[Record]
    exact: Any = None  # (column index) -> {row: value}, for a workbook

    def records(self, start: int) -> Iterator[Record]:
        """Every record after head[start] (the header), in file order."""
        return itertools.chain(self.head[start + 1 :], self.rest)


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


def _split(sheet: str, rows: Iterator[Record], exact: Any = None) -> Table:
    head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    return Table(sheet, head, rows, exact)


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
            merged = ws.merged_cell_ranges or []
            rows = _filled(ws.iter_rows(), ws.start or (0, 0), merged)
        except Exception as exc:  # calamine raises its own kinds for a damaged sheet
            raise RosterError(file, f"not a readable .xlsx file ({type(exc).__name__})") from None
        exact = _ExactColumn(data, name, file)
        tables.append(_split(mask_ids_in_text(name), rows, exact))  # a sheet name is shown too
    return tables


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
    return encoding, _split("", _csv_records(text, delimiter, file))


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
