"""Large bill sheets written in bulk (issue 16 item 4): a million-person 人员明细 or 代缴名单
through xlsxwriter costs about 10 µs a cell. Here xlsxwriter (``report.excel``) still lays out
the workbook — formats, header, column widths, frozen pane, filter — from the few rows that
decide the widths, then each large sheet's rows are put in as XML made in bulk: every column
is coded by value (:mod:`.bulkcolumns`; a million rows hold a few dozen tiers, villages or
amounts), each distinct value's cell is written once (numbers as xlsxwriter writes them,
``%.16G``; a text repeated in its column as a shared string, else inline; a column of as
many values as rows, such as names or ID numbers, has its cells made a block at a time),
and a block of rows is one ``bytes.join`` of those cells. Cells and rows carry no ``r`` reference (optional
in SpreadsheetML: a cell is the next one in its row; a blank is an empty ``<c/>``), so a cell
does not depend on its row. Sheets with anything unusual (control characters, very long
text, infinities, true/false cells) are written the ordinary way. Every member written can
be checked for ID numbers as it is written (:class:`simulate.io.leakscan.ProvedFile`).
"""

from __future__ import annotations

import itertools
import queue
import re
import threading
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.leakscan import ProvedFile
from ..io.xlsxguard import col_letters
from ..report import excel
from .arrays import objects
from .bulkcolumns import Coded, Column, coded

#: Sheets with more rows than this are written in bulk, this many rows at a time.
BULK_ROWS = 5_000
BLOCK_ROWS = 25_000

_EDGE_SPACE = re.compile(r"^\s|\s$")  # xlsxwriter's test for xml:space="preserve"
_PRESERVE = ' xml:space="preserve"'
_DATE = (1980, 1, 1, 0, 0, 0)  # as xlsxwriter dates its zip members: same tables, same bytes


def write_workbook(
    path: Path, sheets: Mapping[str, pd.DataFrame], *, proof: ProvedFile | None = None, **kinds: Any
) -> None:
    """``report.excel.write_workbook`` with large, plain sheets written in bulk; ``proof``
    (when given) checks every member as it is written (a workbook written the ordinary
    way is left to the publisher's scan)."""
    frames = list(sheets.values())
    found = {i: coded(f) for i, f in enumerate(frames) if len(f) > BULK_ROWS}
    bulk = {i: c for i, c in found.items() if c is not None}
    if not bulk:
        excel.write_workbook(path, sheets, **kinds)
        if proof is not None:
            proof.clean = False
        return
    shells = {name: (bulk[i].widest(f) if i in bulk else f) for i, (name, f) in enumerate(sheets.items())}
    shell = path.with_name(path.name + ".shell")
    excel.write_workbook(shell, shells, **kinds)
    try:
        _splice(shell, path, bulk, proof)
    finally:
        shell.unlink()


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _number(value: Any) -> str:
    """A number as xlsxwriter writes it (``%.16G``; a whole number to 2**53 as it is)."""
    if isinstance(value, (int, np.integer)) and abs(int(value)) <= 2**53:
        return str(int(value))
    return f"{value:.16G}"


class _Strings:
    """The shell's shared strings with the bulk sheets' repeated texts added after them."""

    def __init__(self, xml: str) -> None:
        self.xml = xml
        self.base = int(re.search(r'uniqueCount="(\d+)"', xml).group(1))  # type: ignore[union-attr]
        self.index: dict[str, int] = {}
        self.used = 0

    def add(self, text: str) -> int:
        return self.index.setdefault(text, self.base + len(self.index))

    def add_all(self, texts: list[str]) -> list[int]:
        """:meth:`add` of each text, looked up in C."""
        new = dict.fromkeys(itertools.filterfalse(self.index.__contains__, texts))
        self.index.update(zip(new, range(self.base + len(self.index), self.base + len(self.index) + len(new))))
        return list(map(self.index.__getitem__, texts))

    def final(self) -> bytes:
        """sharedStrings.xml with the added strings and the counts of both."""
        count = int(re.search(r' count="(\d+)"', self.xml).group(1)) + self.used  # type: ignore[union-attr]
        head, tail = self.xml.rsplit("</sst>", 1)
        head = re.sub(r' count="\d+"', f' count="{count}"', head, count=1)
        head = re.sub(r'uniqueCount="\d+"', f'uniqueCount="{self.base + len(self.index)}"', head, count=1)
        at_once = _wrapped(self.index, "<si><t>", "</t></si>", "") if self.index else ""
        if at_once is not None:
            added = at_once
        else:
            added = "".join(
                f'<si><t xml:space="preserve">{_escaped(t)}</t></si>'
                if _EDGE_SPACE.search(t)
                else f"<si><t>{_escaped(t)}</t></si>"
                for t in self.index
            )
        return (head + added + "</sst>" + tail).encode("utf-8")


def _splice(shell: Path, path: Path, bulk: dict[int, Coded], proof: ProvedFile | None) -> None:
    """Copy the shell workbook to ``path`` with each bulk sheet's rows put in, streamed in
    blocks of rows so memory stays bounded; every member fed to ``proof`` as written."""
    with (
        zipfile.ZipFile(shell) as zin,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout,
    ):
        names = zin.namelist()
        sst = "xl/sharedStrings.xml"
        strings = _Strings(zin.read(sst).decode("utf-8")) if sst in names else None
        for info in zin.infolist():
            if proof is not None:
                proof.member(info.filename)
            m = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            index = int(m.group(1)) - 1 if m else -1
            if index in bulk:
                with zout.open(info.filename, "w") as fh:  # dated 1980-01-01 like the others
                    _write_parts(fh, _sheet_xml(zin.read(info).decode("utf-8"), bulk[index], strings), proof)
                continue
            if info.filename == sst and strings is not None:
                data = strings.final()
            else:
                data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                data = _filter_names(data.decode("utf-8"), bulk).encode("utf-8")
            if proof is not None:
                proof.feed(data)
            out = zipfile.ZipInfo(info.filename, date_time=_DATE)
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = info.external_attr
            zout.writestr(out, data, compresslevel=6)


def _write_parts(fh: Any, parts: Iterator[bytes], proof: ProvedFile | None) -> None:
    """Each part checked (``proof``) here and written (checksummed, deflated, to disk) by a
    second thread: zlib and the file let the other thread run meanwhile, so the next block of
    rows is built while the last one is compressed. Same bytes."""
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
            if proof is not None:
                proof.feed(part)
            todo.put(part)
    finally:
        todo.put(None)
        writer.join()
    if failed:
        raise failed[0]


def _filter_names(xml: str, bulk: dict[int, Coded]) -> str:
    """The filter range each bulk sheet's defined name gives, to its last row."""
    for index, sheet in bulk.items():
        last = sheet.n + 1
        xml = re.sub(
            rf'(<definedName name="_xlnm._FilterDatabase" localSheetId="{index}"[^>]*>[^<]*?\$)\d+(</definedName>)',
            rf"\g<1>{last}\g<2>",
            xml,
        )
    return xml


def _sheet_xml(xml: str, sheet: Coded, strings: _Strings | None) -> Iterator[bytes]:
    """The shell sheet's XML with its data rows replaced by every row of ``sheet``, in parts."""
    head, rest = xml.split("<sheetData>", 1)
    data, tail = rest.split("</sheetData>", 1)
    header = data[: data.index("</row>") + len("</row>")]
    styles = dict(re.findall(r'<c r="([A-Z]+)\d+" s="(\d+)"', data[len(header) :]))
    n, width = sheet.n, len(sheet.columns)
    last = f"{col_letters(width)}{n + 1}"
    yield (re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', head) + "<sheetData>" + header).encode(
        "utf-8"
    )
    runs = _pieces(sheet, styles, strings)
    for start in range(0, n, BLOCK_ROWS):
        stop = min(n, start + BLOCK_ROWS)
        parts: list[bytes] = [b""] * ((stop - start) * len(runs))
        for j, run in enumerate(runs):
            parts[j :: len(runs)] = run.block(start, stop)
        yield b"".join(parts)
    yield ("</sheetData>" + re.sub(r'<autoFilter ref="[^"]*"/>', f'<autoFilter ref="A1:{last}"/>', tail)).encode(
        "utf-8"
    )


class _Pool:
    """A run of columns whose cells are made once for each distinct value (or combination)."""

    def __init__(self, key: np.ndarray, cells: np.ndarray) -> None:
        self.key, self.cells = key, cells

    def block(self, start: int, stop: int) -> list[bytes]:
        return self.cells[self.key[start:stop]].tolist()


class _Rows:
    """A column of (nearly) as many values as rows, never shared strings: its cells made a
    block of rows at a time, just before they are joined (not a million cells held at once);
    each the same as :func:`_cells` makes it."""

    def __init__(self, column: Column, style: str) -> None:
        self.column, self.style = column, style
        self.values: np.ndarray | None = None

    def block(self, start: int, stop: int) -> list[bytes]:
        codes = self.column.codes[start:stop]
        present = codes >= 0
        everyone = bool(present.all())
        if everyone and (np.diff(codes) == 1).all():  # a column of each cell alone: the values in order
            values = self.column.values[int(codes[0]) : int(codes[0]) + len(codes)]
        else:
            if self.values is None:
                self.values = objects(self.column.values)
            values = self.values[codes[present]].tolist()
        column = Column(np.arange(len(values)), values, self.column.number, self.column.texts)
        cells = _cells(column, self.style, None, 0) if values else []
        if everyone:
            return cells
        return objects([f"<c{self.style}/>".encode(), *cells])[np.where(present, np.cumsum(present), 0)].tolist()


def _pieces(sheet: Coded, styles: dict[str, str], strings: _Strings | None) -> list[_Pool | _Rows]:
    """A sheet's runs of columns (:func:`_runs`) as the pieces each row is joined from: the
    cells of each distinct value made now, in column order (shared strings are numbered in
    that order), those of a column of as many values as rows a block at a time."""
    n, columns = sheet.n, sheet.columns
    keys = [np.zeros(n, np.int64), *(c.codes + 1 for c in columns), np.zeros(n, np.int64)]
    sizes = [1, *(len(c.values) + 1 for c in columns), 1]  # pools[j][k + 1] is value k, pools[j][0] the blank
    style = [""] * len(keys)
    for j in range(1, len(columns) + 1):
        style[j] = f' s="{styles[col_letters(j)]}"' if col_letters(j) in styles else ""

    def pool(j: int) -> np.ndarray:
        if j == 0 or j == len(keys) - 1:
            return objects([b"<row>" if j == 0 else b"</row>"])
        return objects([f"<c{style[j]}/>".encode(), *_cells(columns[j - 1], style[j], strings, n)])

    runs: list[_Pool | _Rows] = []
    for key, members in _runs(keys, sizes, n):
        if len(members) == 1 and 0 < members[0] < len(keys) - 1 and sizes[members[0]] * 2 > n + 2:
            runs.append(_Rows(columns[members[0] - 1], style[members[0]]))
        else:
            runs.append(_Pool(*_joined(key, [(keys[j], pool(j)) for j in members], n)))
    return runs


def _runs(keys: list[np.ndarray], sizes: list[int], n: int) -> list[tuple[np.ndarray, list[int]]]:
    """Neighbouring columns whose values go together in fewer than a quarter as many ways as
    there are rows, to be one column of their cells joined (a row of a million-row sheet is
    then a handful of pieces to join, not one per cell): (key of each row, its columns) per run."""
    limit = max(64, n // 4)
    runs: list[tuple[np.ndarray, list[int]]] = []
    key, size, members = keys[0], sizes[0], [0]
    for j in range(1, len(keys)):
        combos = _combined(key, size, keys[j], sizes[j], limit)
        if combos is not None:
            key, size = combos
            members.append(j)
            continue
        runs.append((key, members))
        key, size, members = keys[j], sizes[j], [j]
    runs.append((key, members))
    return runs


def _combined(key: np.ndarray, size: int, k: np.ndarray, width: int, limit: int) -> tuple[np.ndarray, int] | None:
    """The code of each row's pair (``key`` < ``size``, ``k`` < ``width``) and how many pairs
    there are, or None when there are more than ``limit``: at once when either side alone
    has more values (a column of names or ID numbers), counted in C when the pairs are few
    enough to tally, else hashed."""
    if size > limit + 1 or width > limit + 1:  # each value but a blank is on some row
        return None
    pairs = key * width + k
    if size * width <= 4 * len(key) + 1024:
        used = np.bincount(pairs, minlength=size * width) > 0
        count = int(used.sum())
        return ((np.cumsum(used) - 1)[pairs], count) if count <= limit else None
    codes, uniques = pd.factorize(pairs)
    return (codes, len(uniques)) if len(uniques) <= limit else None


def _joined(key: np.ndarray, members: list[tuple[np.ndarray, np.ndarray]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """A run's key and the cells of each of its combinations, joined (from the first row of each)."""
    if len(members) == 1:
        return members[0]
    first = np.empty(int(key.max()) + 1, np.int64)
    first[key[::-1]] = np.arange(n - 1, -1, -1)
    cells = members[0][1][members[0][0][first]]
    for k, p in members[1:]:
        cells = cells + p[k[first]]  # bytes joined element by element
    return key, cells


def _cells(column: Column, style: str, strings: _Strings | None, n: int) -> list[bytes]:
    """The cell of each of a column's distinct values, in UTF-8: a number, a shared string (a
    text the column repeats: fewer distinct values than half its rows) or an inline string."""
    values = column.values
    if column.number and values and all(type(v) is int and -(2**53) <= v <= 2**53 for v in (min(values), max(values))):
        return _around(map(str, values), f"<c{style}><v>", "</v></c>")  # whole numbers, as they are
    if column.number:
        return [
            (f"<c{style}/>" if v is None or v != v else f"<c{style}><v>{_number(v)}</v></c>").encode() for v in values
        ]
    shared = strings is not None and len(values) * 2 <= n
    if shared and column.texts and values:
        strings.used += int((column.codes >= 0).sum())  # type: ignore[union-attr]
        return _around(list(map(str, strings.add_all(values))), f'<c{style} t="s"><v>', "</v></c>")  # type: ignore[union-attr]
    if not shared and column.texts and values:
        return _inline_cells(values, style)
    out = []
    for v in values:
        if v is None or (isinstance(v, (float, np.floating)) and v != v):
            cell = f"<c{style}/>"
        elif type(v) is not str:
            cell = f"<c{style}><v>{_number(v)}</v></c>"
        elif shared:
            cell = f'<c{style} t="s"><v>{strings.add(v)}</v></c>'  # type: ignore[union-attr]
        else:
            cell = _inline(v, style)
        out.append(cell.encode())
    if shared and strings is not None:  # the cells that refer to a shared string, for the sst's count
        text = np.array([type(v) is str for v in column.values] + [False])
        strings.used += int(text[column.codes].sum())
    return out


#: A text with whitespace at either end, in texts joined by "\0" (no control character is
#: in a bulk sheet's text, so "\0" only parts them).
_EDGE_SPACES = re.compile(r"(?:^|\0)\s|\s(?:\0|$)")
_SPACE = re.compile(r"\s")  # found in C at once, where the test above tries every place


def _around(texts: Iterable[str], before: str, after: str) -> list[bytes]:
    """``(before + t + after).encode()`` of each text (none holding a "\\0"), joined,
    encoded and split in C."""
    return (before + f"{after}\0{before}".join(texts) + after).encode("utf-8").split(b"\0")


def _inline(text: str, style: str) -> str:
    """The inline-string cell of one text."""
    preserve = _PRESERVE if _EDGE_SPACE.search(text) else ""
    return f'<c{style} t="inlineStr"><is><t{preserve}>{_escaped(text)}</t></is></c>'


def _inline_cells(texts: list[str], style: str) -> list[bytes]:
    """The inline-string cell of each text, made for all the texts at once (a column of ID
    numbers or names: as many texts as rows): joined, escaped, wrapped, encoded and split in C."""
    at_once = _wrapped(texts, f'<c{style} t="inlineStr"><is><t>', "</t></is></c>", "\0")
    if at_once is None:  # some need xml:space="preserve": one by one
        return [_inline(v, style).encode() for v in texts]
    return at_once.encode("utf-8").split(b"\0")


def _wrapped(texts: Iterable[str], before: str, after: str, sep: str) -> str | None:
    """Every text escaped between ``before`` and ``after``, ``sep`` between them, made for all
    at once (joined by "\0", which no text of a bulk sheet holds, escaped once, then cut apart
    in C); None when a text has whitespace at either end and needs xml:space="preserve"."""
    joined = "\0".join(texts)
    if _SPACE.search(joined) and _EDGE_SPACES.search(joined):
        return None
    return before + _escaped(joined).replace("\0", f"{after}{sep}{before}") + after
