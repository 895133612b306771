"""Large bill sheets written in bulk (issue 16 item 4): a million-person 人员明细 or 代缴名单
through xlsxwriter costs about 10 µs a cell. Here xlsxwriter (``report.excel``) still lays out
the workbook — formats, header, column widths, frozen pane, filter — from the few rows that
decide the widths, then each large sheet's rows are put in as XML built column by column
(numbers as xlsxwriter writes them, ``%.16G``; text as inline strings): the same cell values,
about a tenth of the time. Sheets with anything unusual (control characters, very long
text, NaN, true/false cells) are written the ordinary way.
"""

from __future__ import annotations

import itertools
import queue
import re
import threading
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.xlsxguard import col_letters
from ..report import excel
from .bill_tables import only_str

#: Sheets with more rows than this are written in bulk, this many rows at a time.
BULK_ROWS = 20_000
BLOCK_ROWS = 50_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DATE = (1980, 1, 1, 0, 0, 0)  # as xlsxwriter dates its zip members: same tables, same bytes


def write_workbook(path: Path, sheets: Mapping[str, pd.DataFrame], **kinds: Any) -> None:
    """``report.excel.write_workbook`` with large, plain sheets written in bulk."""
    bulk = [i for i, f in enumerate(sheets.values()) if len(f) > BULK_ROWS and _plain(f)]
    if not bulk:
        excel.write_workbook(path, sheets, **kinds)
        return
    frames = list(sheets.values())
    shells = {name: (_widest(f) if i in bulk else f) for i, (name, f) in enumerate(sheets.items())}
    shell = path.with_name(path.name + ".shell")
    excel.write_workbook(shell, shells, **kinds)
    try:
        _splice(shell, path, {i: frames[i] for i in bulk})
    finally:
        shell.unlink()


def _plain(frame: pd.DataFrame) -> bool:
    """No cell the bulk path would write differently from xlsxwriter."""
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        return False
    for column in frame.columns:
        values = frame[column]
        kind = values.dtype.kind
        if kind == "f" and np.isinf(values.to_numpy()).any():  # NaN is a blank cell, as excel writes it
            return False
        if kind == "O":
            items = values.tolist()
            types = set(map(type, items))  # the checks below once per type, not per cell
            if any(issubclass(t, (bool, np.bool_)) for t in types):
                return False
            if any(issubclass(t, float) for t in types) and np.isinf([v for v in items if isinstance(v, float)]).any():
                return False
            texts = items if types == {str} else [v for v in items if isinstance(v, str)]
            if not all(issubclass(t, (str, int, float, np.integer, np.floating, type(None))) for t in types):
                return False
            if texts and (max(map(len, texts)) > 32_767 or _CONTROL.search("".join(texts))):
                return False
        elif kind not in "iuf":
            return False
    return True


def _widest(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that hold each column's widest value (wide characters count two), its
    largest and its smallest number: the column widths xlsxwriter works out from them are
    those of the whole sheet."""
    rows: set[int] = {0}
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind in "iuf":
            rows.update((int(values.to_numpy().argmax()), int(values.to_numpy().argmin())))
            continue
        items = values.tolist()
        codes = np.arange(len(items))
        if only_str(items):  # worked out once per distinct text (a few thousand)
            codes, items = pd.factorize(np.array(items, dtype=object))
        texts = ["" if v is None else str(v) for v in items]
        # characters, the wide (non-ASCII) ones twice: 2 * len - the ASCII ones (all of an ID)
        width = np.fromiter(map(len, texts), np.int64, len(texts))
        wide = np.flatnonzero(~np.fromiter(map(str.isascii, texts), bool, len(texts)))
        width[wide] = [2 * len(texts[k]) - len(texts[k].encode("ascii", "ignore")) for k in wide.tolist()]
        rows.add(int(width[codes].argmax()) if len(codes) else 0)
    return frame.iloc[sorted(rows)].reset_index(drop=True)


def _splice(shell: Path, path: Path, bulk: dict[int, pd.DataFrame]) -> None:
    """Copy the shell workbook to ``path`` with each bulk sheet's rows put in, streamed in
    blocks of rows so memory stays bounded."""
    with (
        zipfile.ZipFile(shell) as zin,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info)
            m = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            index = int(m.group(1)) - 1 if m else -1
            if index in bulk:
                with zout.open(info.filename, "w") as fh:  # dated 1980-01-01 like the others
                    _write_parts(fh, _sheet_xml(data.decode("utf-8"), bulk[index]))
                continue
            if info.filename == "xl/workbook.xml":
                data = _filter_names(data.decode("utf-8"), bulk).encode("utf-8")
            out = zipfile.ZipInfo(info.filename, date_time=_DATE)
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = info.external_attr
            zout.writestr(out, data, compresslevel=6)


def _write_parts(fh: Any, parts: Iterator[str]) -> None:
    """Each part encoded here and written (checksummed, deflated, to disk) by a second thread:
    zlib and the file let the other thread run meanwhile, so the next block of rows is built
    while the last one is compressed (a third of a million-row sheet's time). Same bytes."""
    todo: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def drain() -> None:
        while (block := todo.get()) is not None:
            if not failed:
                try:
                    fh.write(block)
                except BaseException as exc:  # noqa: BLE001 - raised again in the caller
                    failed.append(exc)

    writer = threading.Thread(target=drain, name="bulkxlsx-writer", daemon=True)
    writer.start()
    try:
        for part in parts:
            if failed:
                break
            todo.put(part.encode("utf-8"))
    finally:
        todo.put(None)
        writer.join()
    if failed:
        raise failed[0]


def _filter_names(xml: str, bulk: dict[int, pd.DataFrame]) -> str:
    """The filter range each bulk sheet's defined name gives, to its last row."""
    for index, frame in bulk.items():
        last = len(frame) + 1
        xml = re.sub(
            rf'(<definedName name="_xlnm._FilterDatabase" localSheetId="{index}"[^>]*>[^<]*?\$)\d+(</definedName>)',
            rf"\g<1>{last}\g<2>",
            xml,
        )
    return xml


def _sheet_xml(xml: str, frame: pd.DataFrame) -> Iterator[str]:
    """The shell sheet's XML with its data rows replaced by every row of ``frame``, in parts."""
    head, rest = xml.split("<sheetData>", 1)
    data, tail = rest.split("</sheetData>", 1)
    header = data[: data.index("</row>") + len("</row>")]
    styles = dict(re.findall(r'<c r="([A-Z]+)\d+" s="(\d+)"', data[len(header) :]))
    n, width = len(frame), len(frame.columns)
    last = f"{col_letters(width)}{n + 1}"
    yield re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', head) + "<sheetData>" + header
    # each column's cell opening around its row number: ('<c r="B', '" s="3"')
    openings = [
        (
            '<c r="' + col_letters(j + 1),
            '"' + (f' s="{styles[col_letters(j + 1)]}"' if col_letters(j + 1) in styles else ""),
        )
        for j in range(width)
    ]
    for start in range(0, n, BLOCK_ROWS):
        part = frame.iloc[start : start + BLOCK_ROWS]
        numbers = list(map(str, range(start + 2, start + 2 + len(part))))
        yield _block([_Column(part[c], *openings[j], numbers) for j, c in enumerate(part.columns)], numbers)
    yield "</sheetData>" + re.sub(r'<autoFilter ref="[^"]*"/>', f'<autoFilter ref="A1:{last}"/>', tail)


class _Column:
    """One column's cells in a block of rows: ``values`` the text between the constant
    pieces of each cell (``before`` row ``mid`` value ``end``), or, for a column of many
    blanks or mixed values, ``cells`` whole (a blank is ""). ``blank`` holds the rows whose
    cell is blank in a column of values: those rows are written cell by cell."""

    def __init__(self, values: pd.Series, before: str, after: str, numbers: list[str]) -> None:
        self.before, self.after, self.numbers = before, after, numbers
        self.items = values.tolist()
        self.cells: list[str] | None = None
        self.blank: list[int] = []
        kind = values.dtype.kind
        number = kind in "iuf" or (kind == "O" and set(map(type, self.items)) <= {int, float})
        self.mid, self.end = (after + "><v>", "</v></c>") if number else (after + _TEXT_OPEN, _TEXT_CLOSE)
        if kind in "iu" and (not self.items or max(map(abs, (min(self.items), max(self.items)))) <= 2**53):
            self.values = list(map(str, self.items))  # what %.16G shows of a whole number to 2**53
        elif kind == "f":
            self.values = _floats(values.to_numpy())
            self.blank = np.flatnonzero(np.isnan(values.to_numpy())).tolist()
        elif kind == "O" and not number:
            self.blank = [k for k, v in enumerate(self.items) if type(v) is not str]
            texts = [v if type(v) is str else "" for v in self.items] if self.blank else self.items
            joined = "".join(texts)
            escape = "&" in joined or "<" in joined or ">" in joined
            self.values = [_escaped(v) for v in texts] if escape else texts
            if not all(_is_blank(self.items[k]) for k in self.blank):  # numbers among the text
                self.values, self.blank = [], []
        else:
            self.values = []
        if (not self.values and self.items) or len(self.blank) * 100 > len(self.items):
            self.cells, self.blank = self.cell_list(), []

    def cell(self, k: int) -> str:
        """Row ``k``'s cell written alone, "" for a blank (None or NaN)."""
        body = _cell_body(self.items[k])
        return f"{self.before}{self.numbers[k]}{self.after}{body}" if body else ""

    def cell_list(self) -> list[str]:
        return [self.cell(k) for k in range(len(self.items))]


_TEXT_OPEN = ' t="inlineStr"><is><t xml:space="preserve">'
_TEXT_CLOSE = "</t></is></c>"


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _floats(values: np.ndarray) -> list[str]:
    """Each float as xlsxwriter writes it (``%.16G``), worked out once per distinct value
    (money takes a few dozen values in a million rows); NaN as "" (its row is written alone)."""
    codes, uniques = pd.factorize(
        np.ascontiguousarray(values, np.float64).view(np.int64)
    )  # by bits: 0.0 and -0.0 stay apart
    shown = np.array([f"{v:.16G}" if v == v else "" for v in uniques.view(np.float64)] + [""], dtype=object)
    return shown[codes].tolist()


def _block(columns: list[_Column], numbers: list[str]) -> str:
    """The XML of a block of rows: runs of rows without a blank cell joined column-wise in one
    pass (each cell's constant pieces, row number and value), the others cell by cell."""
    dirty = sorted({k for c in columns for k in c.blank})
    out, start = [], 0
    for k in [*dirty, len(numbers)]:
        if k > start:
            out.append(_rows(columns, numbers, start, k))
        if k < len(numbers):
            out.append(
                f'<row r="{numbers[k]}">' + "".join(c.cells[k] if c.cells else c.cell(k) for c in columns) + "</row>"
            )
        start = k + 1
    return "".join(out)


def _rows(columns: list[_Column], numbers: list[str], a: int, b: int) -> str:
    """Rows ``a`` to ``b`` (none with a blank in a column of values), as one join of the
    pieces of every cell in order, the constant ones merged."""
    rows = numbers[a:b]
    pieces: list[Any] = ['<row r="', rows, '">']
    for c in columns:
        if c.cells is not None:
            pieces.append(c.cells[a:b])
        else:
            pieces += [c.before, rows, c.mid, c.values[a:b], c.end]
    pieces.append("</row>")
    merged: list[Any] = []
    for piece in pieces:  # neighbouring constants as one
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    parts = [itertools.repeat(p) if isinstance(p, str) else p for p in merged]
    return "".join(itertools.chain.from_iterable(zip(*parts)))


def _cell_body(value: Any) -> str:
    if value is None or value != value:  # None or NaN: a blank cell
        return ""
    if isinstance(value, str):
        return f"{_TEXT_OPEN}{_escaped(value)}{_TEXT_CLOSE}"
    return f"><v>{value:.16G}</v></c>"
