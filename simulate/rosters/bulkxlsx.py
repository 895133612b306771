"""Large bill sheets written in bulk (issue 16 item 4): a million-person 人员明细 or 代缴名单
through xlsxwriter costs about 10 µs a cell. Here xlsxwriter (``report.excel``) still lays out
the workbook — formats, header, column widths, frozen pane, filter — from the few rows that
decide the widths, then each large sheet's rows are put in as XML made in bulk: every column
is coded by value (a million rows hold a few dozen tiers, villages or amounts), each distinct
value's cell is written once (numbers as xlsxwriter writes them, ``%.16G``; a text repeated
in its column as a shared string, else inline), and a block of rows is one ``bytes.join`` of
those cells. Cells and rows carry no ``r`` reference (optional in SpreadsheetML: a cell is
the next one in its row; a blank is an empty ``<c/>``), so a cell does not depend on its
row. Sheets with anything unusual (control characters, very long text, infinities,
true/false cells) are written the ordinary way. Every member written can be checked for ID
numbers as it is written (:class:`simulate.io.leakscan.ProvedFile`).
"""

from __future__ import annotations

import queue
import re
import threading
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.leakscan import ProvedFile
from ..io.xlsxguard import col_letters
from ..report import excel
from .bill_tables import only_str

#: Sheets with more rows than this are written in bulk, this many rows at a time.
BULK_ROWS = 5_000
BLOCK_ROWS = 25_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EDGE_SPACE = re.compile(r"^\s|\s$")  # xlsxwriter's test for xml:space="preserve"
_PRESERVE = ' xml:space="preserve"'
_DATE = (1980, 1, 1, 0, 0, 0)  # as xlsxwriter dates its zip members: same tables, same bytes
_NUMBER_TYPES = (int, float, np.integer, np.floating)


def write_workbook(
    path: Path, sheets: Mapping[str, pd.DataFrame], *, proof: ProvedFile | None = None, **kinds: Any
) -> None:
    """``report.excel.write_workbook`` with large, plain sheets written in bulk; ``proof``
    (when given) checks every member as it is written (a workbook written the ordinary
    way is left to the publisher's scan)."""
    frames = list(sheets.values())
    coded = {i: _coded(f) for i, f in enumerate(frames) if len(f) > BULK_ROWS}
    bulk = {i: c for i, c in coded.items() if c is not None}
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


def _plain(frame: pd.DataFrame) -> bool:
    """No cell the bulk path would write differently from xlsxwriter."""
    return _coded(frame) is not None


class _Column:
    """One column of a sheet coded by value: ``codes`` (row → distinct value, -1 for a blank:
    None, NaN) and ``values`` the distinct values; ``number`` when every one is a number."""

    def __init__(self, codes: np.ndarray, values: list[Any], number: bool) -> None:
        self.codes, self.values, self.number = codes, values, number


class _Coded:
    """A sheet's columns coded by value (:func:`_coded`)."""

    def __init__(self, frame: pd.DataFrame, columns: list[_Column]) -> None:
        self.n = len(frame)
        self.columns = columns
        self.numeric = [frame[c].dtype.kind in "iuf" for c in frame.columns]

    def widest(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows that hold each column's widest value (wide characters count two), its
        largest and its smallest number: the column widths xlsxwriter works out from them are
        those of the whole sheet."""
        rows: set[int] = {0}
        for column, coded, numeric in zip(frame.columns, self.columns, self.numeric):
            if numeric:
                values = frame[column].to_numpy()
                rows.update((int(values.argmax()), int(values.argmin())))
                continue
            width = np.zeros(len(coded.values) + 1, np.int64)  # a blank (-1) is 0 wide
            values = coded.values if only_str(coded.values) else [v if type(v) is str else str(v) for v in coded.values]
            width[:-1] = _widths(values)
            rows.add(int(width[coded.codes].argmax()) if self.n else 0)
        return frame.iloc[sorted(rows)].reset_index(drop=True)


def _widths(texts: list[str]) -> np.ndarray:
    """Each text's width as xlsxwriter counts it: characters, the wide (non-ASCII) ones twice,
    i.e. 2 × characters − ASCII characters, counted on the texts' UTF-8 in C. ASCII texts are
    as wide as they are long; texts whose other characters all take 3 bytes in UTF-8 (CJK)
    are (characters + bytes) / 2 wide, without a pass over every byte."""
    if not texts:
        return np.zeros(0, np.int64)
    joined = "\0".join(texts)  # no text holds a \0 (a control character)
    if joined.isascii():
        return np.fromiter(map(len, texts), np.int64, len(texts))
    data = np.frombuffer(joined.encode("utf-8"), np.uint8)
    ends = np.concatenate((np.flatnonzero(data == 0), [len(data)]))
    starts = np.concatenate(([0], ends[:-1] + 1))
    if not _NOT_THREE_BYTES.search(joined):
        return (np.fromiter(map(len, texts), np.int64, len(texts)) + (ends - starts)) // 2
    lead = np.concatenate(([0], np.cumsum((data & 0xC0) != 0x80)))  # characters so far
    ascii_ = np.concatenate(([0], np.cumsum(data < 0x80)))
    return 2 * (lead[ends] - lead[starts]) - (ascii_[ends] - ascii_[starts])


#: A character that is neither ASCII nor 3 bytes long in UTF-8.
_NOT_THREE_BYTES = re.compile("[\u0080-\u07ff\U00010000-\U0010ffff]")


def _coded(frame: pd.DataFrame) -> _Coded | None:
    """The sheet's columns coded by value, or None when a cell would be written differently
    from xlsxwriter (control characters, text past 32,767 characters, infinities, true or
    false, anything but text and numbers) or the index is not a plain row count."""
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        return None
    columns = []
    for name in frame.columns:
        values = frame[name]
        kind = values.dtype.kind
        if kind in "iu":
            codes, uniques = pd.factorize(values.to_numpy())
            column: _Column | None = _Column(codes, uniques.tolist(), True)
        elif kind == "f":
            column = _float_column(np.ascontiguousarray(values.to_numpy(), np.float64))
        elif kind == "O":
            column = _object_column(values.to_numpy())
        else:
            column = None
        if column is None:
            return None
        columns.append(column)
    return _Coded(frame, columns)


def _float_column(numbers: np.ndarray) -> _Column | None:
    if np.isinf(numbers).any():
        return None
    # by bits: 0.0 and -0.0 stay apart; NaN is a blank cell, as excel writes it
    codes, bits = pd.factorize(numbers.view(np.int64))
    floats = bits.view(np.float64)
    codes = np.where(np.isnan(floats)[codes], -1, codes) if np.isnan(floats).any() else codes
    return _Column(codes, floats.tolist(), True)


def _object_column(array: np.ndarray) -> _Column | None:
    """A column of Python objects coded (:func:`_by_value`), or None for a value not written
    as xlsxwriter would."""
    items = array.tolist()
    types = set(map(type, items))
    if not all(t is str or t is type(None) or _number_type(t) for t in types):
        return None
    has_float = any(issubclass(t, (float, np.floating)) for t in types)
    floats = np.array([v for v in items if isinstance(v, (float, np.floating))] if has_float else [], np.float64)
    if len(floats) and np.isnan(floats).all():  # NaN (a blank, as a row added by concat holds it) as None
        items = [None if isinstance(v, (float, np.floating)) else v for v in items]
        array = _objects(items)
    elif len(floats):
        # each cell alone: factorizing would take 1 and 1.0, 0.0 and -0.0 for one value
        if np.isinf(floats).any():
            return None
        codes = np.array([-1 if v is None or v != v else k for k, v in enumerate(items)], np.int64)
        return _checked(codes, items)
    return _checked(*_by_value(items, array, str in types))


def _checked(codes: np.ndarray, uniques: list[Any]) -> _Column | None:
    """The column, or None when a text is too long or holds a control character."""
    texts = uniques if only_str(uniques) else [u for u in uniques if type(u) is str]
    if texts and (max(map(len, texts)) > 32_767 or _CONTROL.search("".join(texts))):
        return None
    return _Column(codes, uniques, not texts)


def _by_value(items: list[Any], array: np.ndarray, text: bool) -> tuple[np.ndarray, list[Any]]:
    """(code of each item, the distinct values in order of first appearance; None a blank,
    -1), hashed in C. A column that cannot be written as shared strings (no text, or more
    distinct values than half its rows: ID numbers, names, row numbers) is instead given each
    cell as its own value (:func:`_each`), without hashing every value twice; its cells are
    the same. A sample says which way is likely cheaper; the count that decides the shared
    strings is exact either way."""
    n = len(items)
    if _likely_distinct(items, n) and (not text or (len(distinct := set(items)) - (None in distinct)) * 2 > n):
        return _each(items, array)
    codes, uniques = pd.factorize(array)  # None: -1
    return codes, uniques.tolist()


def _likely_distinct(items: list[Any], n: int) -> bool:
    """Whether more than half of the ``n`` items likely differ, from about 2,000 of them: a
    sample of m items from k equally common values repeats about m² / 2k times."""
    sample = items[:: max(1, n // 2_000)]
    m = len(sample)
    repeats = m - len(set(sample))
    return (m - repeats) * 2 > n if m == n else m * m > repeats * n


def _each(items: list[Any], array: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Each cell its own value, in row order: (row number among the non-blank cells, or -1
    for a blank (None); the non-blank items)."""
    blank = pd.isna(array)  # None: no float is left in the column
    if not blank.any():
        return np.arange(len(items)), items
    codes = np.cumsum(~blank) - 1
    codes[blank] = -1
    return codes, [v for v in items if v is not None]


def _number_type(t: type) -> bool:
    return issubclass(t, _NUMBER_TYPES) and not issubclass(t, (bool, np.bool_))


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
        new = dict.fromkeys(t for t in texts if t not in self.index)
        self.index.update(zip(new, range(self.base + len(self.index), self.base + len(self.index) + len(new))))
        return list(map(self.index.__getitem__, texts))

    def final(self) -> bytes:
        """sharedStrings.xml with the added strings and the counts of both."""
        count = int(re.search(r' count="(\d+)"', self.xml).group(1)) + self.used  # type: ignore[union-attr]
        head, tail = self.xml.rsplit("</sst>", 1)
        head = re.sub(r' count="\d+"', f' count="{count}"', head, count=1)
        head = re.sub(r'uniqueCount="\d+"', f'uniqueCount="{self.base + len(self.index)}"', head, count=1)
        added = "".join(
            f'<si><t xml:space="preserve">{_escaped(t)}</t></si>'
            if _EDGE_SPACE.search(t)
            else f"<si><t>{_escaped(t)}</t></si>"
            for t in self.index
        )
        return (head + added + "</sst>" + tail).encode("utf-8")


def _splice(shell: Path, path: Path, bulk: dict[int, _Coded], proof: ProvedFile | None) -> None:
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


def _filter_names(xml: str, bulk: dict[int, _Coded]) -> str:
    """The filter range each bulk sheet's defined name gives, to its last row."""
    for index, sheet in bulk.items():
        last = sheet.n + 1
        xml = re.sub(
            rf'(<definedName name="_xlnm._FilterDatabase" localSheetId="{index}"[^>]*>[^<]*?\$)\d+(</definedName>)',
            rf"\g<1>{last}\g<2>",
            xml,
        )
    return xml


def _sheet_xml(xml: str, sheet: _Coded, strings: _Strings | None) -> Iterator[bytes]:
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
    # every distinct cell of every column once: pools[j][k + 1] is column j's value k, pools[j][0]
    # its blank; <row> and </row> as columns of one value
    keys, pools = [np.zeros(n, np.int64)], [_objects([b"<row>"])]
    for j, column in enumerate(sheet.columns):
        letters = col_letters(j + 1)
        style = f' s="{styles[letters]}"' if letters in styles else ""
        keys.append(column.codes + 1)
        pools.append(_objects([f"<c{style}/>".encode(), *_cells(column, style, strings, n)]))
    keys.append(keys[0])
    pools.append(_objects([b"</row>"]))
    runs = _runs(keys, pools, n)
    pool = np.concatenate([p for _, p in runs])
    base = np.cumsum([0] + [len(p) for _, p in runs])
    for start in range(0, n, BLOCK_ROWS):
        stop = min(n, start + BLOCK_ROWS)
        refs = np.empty((stop - start, len(runs)), np.int64)
        for j, (key, _) in enumerate(runs):
            refs[:, j] = key[start:stop] + base[j]
        yield b"".join(pool[refs.ravel()].tolist())
    yield ("</sheetData>" + re.sub(r'<autoFilter ref="[^"]*"/>', f'<autoFilter ref="A1:{last}"/>', tail)).encode(
        "utf-8"
    )


def _objects(items: list[bytes]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _runs(keys: list[np.ndarray], pools: list[np.ndarray], n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Neighbouring columns whose values go together in fewer than a quarter as many ways as
    there are rows, as one column of their cells joined (a row of a million-row sheet is then
    a handful of pieces to join, not one per cell): (key of each row, its cells) per run."""
    limit = max(64, n // 4)
    runs: list[tuple[np.ndarray, np.ndarray]] = []
    key, size, members = keys[0], len(pools[0]), [(keys[0], pools[0])]
    for k, p in zip(keys[1:], pools[1:]):
        combos = _combined(key, size, k, len(p), limit)
        if combos is not None:
            key, size = combos
            members.append((k, p))
            continue
        runs.append(_joined(key, members, n))
        key, size, members = k, len(p), [(k, p)]
    runs.append(_joined(key, members, n))
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


def _cells(column: _Column, style: str, strings: _Strings | None, n: int) -> list[bytes]:
    """The cell of each of a column's distinct values, in UTF-8: a number, a shared string (a
    text the column repeats: fewer distinct values than half its rows) or an inline string."""
    values = column.values
    if column.number and all(type(v) is int and -(2**53) <= v <= 2**53 for v in (min(values), max(values))):
        return _around([str(v) for v in values], f"<c{style}><v>", "</v></c>")  # whole numbers, as they are
    if column.number:
        return [
            (f"<c{style}/>" if v is None or v != v else f"<c{style}><v>{_number(v)}</v></c>").encode() for v in values
        ]
    shared = strings is not None and len(values) * 2 <= n
    if shared and only_str(values) and values:
        strings.used += int((column.codes >= 0).sum())  # type: ignore[union-attr]
        return _around(list(map(str, strings.add_all(values))), f'<c{style} t="s"><v>', "</v></c>")  # type: ignore[union-attr]
    if not shared and only_str(values) and values:
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
            cell = (
                f'<c{style} t="inlineStr"><is><t{_PRESERVE if _EDGE_SPACE.search(v) else ""}>{_escaped(v)}</t></is></c>'
            )
        out.append(cell.encode())
    if shared and strings is not None:  # the cells that refer to a shared string, for the sst's count
        text = np.array([type(v) is str for v in column.values] + [False])
        strings.used += int(text[column.codes].sum())
    return out


#: A text with whitespace at either end, in texts joined by "\0" (no control character is
#: in a bulk sheet's text, so "\0" only parts them).
_EDGE_SPACES = re.compile(r"(?:^|\0)\s|\s(?:\0|$)")
_SPACE = re.compile(r"\s")  # found in C at once, where the test above tries every place


def _around(texts: list[str], before: str, after: str) -> list[bytes]:
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
    joined = "\0".join(texts)
    if _SPACE.search(joined) and _EDGE_SPACES.search(joined):  # some need xml:space="preserve": one by one
        return [_inline(v, style).encode() for v in texts]
    before, after = f'<c{style} t="inlineStr"><is><t>', "</t></is></c>"
    return (before + _escaped(joined).replace("\0", f"{after}\0{before}") + after).encode("utf-8").split(b"\0")
