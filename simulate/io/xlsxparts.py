"""A large worksheet parsed by python-calamine in parts while the zip guard is still checking
it, on the second core (issue 16 item 4).

:func:`simulate.io.xlsxguard.inspect_xlsx`, given a :class:`Parts`, streams the workbook's one
large worksheet last and hands every block of XML it has checked to the :class:`Parts`, which
cuts the sheet's rows, at row tags, into a few stored (uncompressed) workbooks in unnamed
temporary files (``O_TMPFILE``: never a name on disk, gone when closed) and has each parsed by
python-calamine in a thread of its own (calamine releases the GIL) as soon as the guard has
passed all of its bytes: calamine never sees a byte the guard has not checked, and its
parse of one part runs while the guard reads the next.

Each part holds an empty ``<mergeCells>`` before its rows, so calamine's search for merged
ranges (a second pass over the whole sheet) stops at once; the merged ranges come from a
last part that holds the sheet's own tail. The parts' rows put together are the rows of the
whole sheet as calamine gives them: where the parts' rows are not in order, where the sheet
is written in a way the cut does not expect (comments, CDATA, processing instructions,
another spelling of ``<sheetData>``) or anything fails, :meth:`Parts.book` gives None and
the workbook is parsed whole, as before.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from typing import Any

from .safeio import MiB

#: A worksheet at least this large (decompressed XML, about 70,000 rows) is parsed in parts.
SPLIT_BYTES = 32 * MiB
#: How many parts of rows a large worksheet is cut into: the last part is parsed after the
#: guard has passed the whole file, while the reader waits, so it is kept small (an eighth).
PARTS = 8

_SHEET_DIR = "xl/worksheets/"
_OPEN = b"<sheetData>"
_CLOSE = b"</sheetData>"
#: An empty list of merged ranges before the rows: calamine's search for them ends there.
_NO_MERGES = b"<mergeCells></mergeCells>"
#: Every other worksheet in the parts after the first: no cells, no merged ranges.
_STUB = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<mergeCells></mergeCells><sheetData/></worksheet>"
)


class _NoSplit(Exception):
    """The sheet is not cut after all: the workbook is parsed whole."""


def _is_sheet(name: str) -> bool:
    return name.startswith(_SHEET_DIR) and name.endswith(".xml") and "/" not in name[len(_SHEET_DIR) :]


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels"))


class Parts:
    """Watches :func:`~simulate.io.xlsxguard.inspect_xlsx` (``plan``, ``wants``, ``block``,
    ``end``) and parses the parts it has checked; :meth:`book` gives them together."""

    def __init__(self, split_bytes: int | None = None, parts: int | None = None) -> None:
        self.split_bytes = SPLIT_BYTES if split_bytes is None else split_bytes
        self.parts = max(PARTS if parts is None else parts, 1)
        self.target: zipfile.ZipInfo | None = None
        self.failed = False
        self.small: dict[str, list[bytes]] = {}  # the other XML members, as checked
        self.state = "prefix"
        self.head = b""
        self.prefix = b""
        self.tail: list[bytes] = []
        self.size = 0  # bytes of rows in the part being written
        self.writer: tuple[Any, zipfile.ZipFile, Any] | None = None
        self.threads: list[threading.Thread] = []
        self.results: list[Any] = []  # per part: (sheet names, {name: sheet}) or the exception

    # ------------------------------------------------------------------ the guard's side

    def plan(self, infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
        """The order the guard reads the members in: the one large worksheet last (the parts
        need every other member first); any other workbook is read as it is, not cut."""
        big = [i for i in infos if _is_sheet(i.filename) and i.file_size >= self.split_bytes]
        if len(big) != 1 or not hasattr(os, "O_TMPFILE"):
            self.failed = True
            return infos
        self.target = big[0]
        self.part_bytes = max(self.target.file_size // self.parts, 1)
        return [i for i in infos if i is not self.target] + [self.target]

    def wants(self, info: zipfile.ZipInfo) -> bool:
        """Whether the guard should hand over the checked blocks of ``info``."""
        return not self.failed and (info is self.target or _is_xml(info.filename))

    def block(self, info: zipfile.ZipInfo, text: bytes) -> None:
        """A block of ``info``'s XML that passed the guard."""
        self._guarded(info, text, last=False)

    def end(self, info: zipfile.ZipInfo, rest: bytes) -> None:
        """``info`` read to its end; ``rest`` are its last bytes after the last ``>``."""
        self._guarded(info, rest, last=True)

    def _guarded(self, info: zipfile.ZipInfo, text: bytes, last: bool) -> None:
        """Take a block (the ``last`` one: the member read to its end); any trouble here only
        means the whole workbook is parsed."""
        if self.failed:
            return
        try:
            if info is not self.target:
                self.small.setdefault(info.filename, []).append(text)
                return
            self._sheet(text)
            if last:
                if self.state != "tail":
                    raise _NoSplit
                self.state = "done"
                self._tail_part()
        except Exception:  # noqa: BLE001
            self._fail()

    # ------------------------------------------------------------------ cutting

    def _sheet(self, text: bytes) -> None:
        if self.state == "prefix":
            self.head += text
            at = self.head.find(_OPEN)
            if at < 0:
                if len(self.head) > 16 * MiB:
                    raise _NoSplit
                return
            self.prefix, text = self.head[:at], self.head[at + len(_OPEN) :]
            self.head = b""
            if b"<worksheet" not in self.prefix or b"mergeCell" in self.prefix or b"sheetData" in self.prefix:
                raise _NoSplit
            self.state = "rows"
            self._open_part(len(self.results))
        if self.state == "rows":
            # one search finds the end of the rows and any other sheetData tag (then: whole)
            end = text.find(b"sheetData")
            if end >= 0:
                end -= 2
                if text[end : end + len(_CLOSE)] != _CLOSE or b"sheetData" in text[end + len(_CLOSE) :]:
                    raise _NoSplit
            body = text if end < 0 else text[:end]
            # a row tag can only be cut at where no comment, CDATA or instruction may hold one
            # (one byte looked for first: memchr's speed; "<" alone is in every tag)
            if (b"!" in body and b"<!" in body) or (b"?" in body and b"<?" in body):
                raise _NoSplit
            while self.size + len(body) >= self.part_bytes and len(self.results) < self.parts - 1:
                at = body.find(b"<row ", max(self.part_bytes - self.size, 1))
                if at < 0:
                    break
                self._write(body[:at])
                self._close_part()
                self._open_part(len(self.results))
                body = body[at:]
            self._write(body)
            if end >= 0:
                self._close_part()
                self.state = "tail"
                self.tail.append(text[end:])
            return
        if self.state == "tail":
            if b"sheetData" in text:
                raise _NoSplit
            self.tail.append(text)

    def _open_part(self, index: int) -> None:
        """A stored workbook in an unnamed temporary file: every other member (other worksheets
        whole in the first part only, empty in the others), then the sheet's part."""
        assert self.target is not None
        fd = os.open(tempfile.gettempdir(), os.O_TMPFILE | os.O_RDWR, 0o600)
        fh = os.fdopen(fd, "w+b")
        zf = zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED)
        for name, blocks in self.small.items():
            zf.writestr(name, b"".join(blocks) if index == 0 or not _is_sheet(name) else _STUB)
        out = zf.open(self.target.filename, "w")
        self.writer, self.size = (fh, zf, out), 0
        self.results.append(None)
        out.write(self.prefix + (_OPEN if self.state == "done" else _NO_MERGES + _OPEN))

    def _write(self, body: bytes) -> None:
        assert self.writer is not None
        self.writer[2].write(body)
        self.size += len(body)

    def _close_part(self, closing: bytes = _CLOSE + b"</worksheet>") -> None:
        """The part's rows closed, its workbook finished and handed to a thread to parse."""
        assert self.writer is not None
        fh, zf, out = self.writer
        self.writer = None
        out.write(closing)
        out.close()
        zf.close()
        fh.flush()
        thread = threading.Thread(target=self._parse, args=(len(self.results) - 1, fh), daemon=True)
        self.threads.append(thread)
        thread.start()

    def _tail_part(self) -> None:
        """A last part without rows that holds the sheet's tail: its merged ranges."""
        self._open_part(len(self.results))
        self._close_part(b"".join(self.tail))
        self.tail = []

    def _parse(self, index: int, fh: Any) -> None:
        """Parse part ``index`` (in a thread: calamine releases the GIL while it parses)."""
        try:
            import python_calamine

            with python_calamine.CalamineWorkbook.from_path(f"/proc/self/fd/{fh.fileno()}") as wb:
                names = list(wb.sheet_names)
                self.results[index] = (names, {name: _Parsed(wb.get_sheet_by_name(name)) for name in names})
        except BaseException as exc:  # noqa: BLE001 - calamine may panic; the whole workbook is parsed then
            self.results[index] = exc
        finally:
            fh.close()

    def _fail(self) -> None:
        self.failed = True
        self.close()

    def close(self) -> None:
        """Close a part still being written (the guard refused the file, or the cut failed)."""
        if self.writer is not None:
            fh, zf, out = self.writer
            self.writer = None
            with contextlib.suppress(Exception):
                out.close()
                zf.close()
            fh.close()

    # ------------------------------------------------------------------ the reader's side

    def book(self) -> _Book | None:
        """The parsed parts as one workbook (after the guard passed the whole file), or None
        when the workbook is to be parsed whole."""
        if self.failed or self.state != "done":
            return None
        for thread in self.threads:
            thread.join()
        # the parts' sheets are handed over, not kept here: each goes once its rows are read
        # (threads and results refer to this object: a cycle the paused collector keeps)
        results, self.results, self.threads = self.results, [], []
        if any(not isinstance(r, tuple) for r in results):
            return None
        names = results[0][0]
        if any(r[0] != names for r in results):
            return None
        rows, merges = results[:-1], results[-1]
        sheets = {}
        for name in names:
            merged = [*(rows[0][1][name].merged_cell_ranges or []), *(merges[1][name].merged_cell_ranges or [])]
            sheet = _Joined([r[1][name] for r in rows], merged)
            if not sheet.in_order():
                return None
            sheets[name] = sheet
        return _Book(names, sheets)


class _Parsed:
    """A part's sheet as Python cells, made in the part's thread as soon as it is parsed."""

    def __init__(self, sheet: Any) -> None:
        self.start, self.end, self.merged_cell_ranges = sheet.start, sheet.end, sheet.merged_cell_ranges
        self.rows = sheet.to_python() if sheet.start is not None else []

    def to_python(self) -> list[list[Any]]:
        rows, self.rows = self.rows, []
        return rows


class _Book:
    """The parts as one workbook, for :mod:`simulate.rosters.sheets` (``sheet_names``,
    ``get_sheet_by_name``)."""

    def __init__(self, names: list[str], sheets: dict[str, _Joined]) -> None:
        self.sheet_names = names
        self._sheets = sheets

    def get_sheet_by_name(self, name: str) -> _Joined:
        return self._sheets[name]


class _Joined:
    """One sheet's parts as one calamine sheet: ``start``, ``merged_cell_ranges`` and
    ``iter_rows`` (from row 0, the rows above the first used cell as rows of "", each row as
    wide as the sheet, as python-calamine gives them)."""

    def __init__(self, sheets: list[Any], merged: list[Any]) -> None:
        self.parts = [s for s in sheets if s.start is not None]
        self.merged_cell_ranges = merged
        self.start: tuple[int, int] | None = None
        if self.parts:
            self.start = (self.parts[0].start[0], min(p.start[1] for p in self.parts))
            self.end = (self.parts[-1].end[0], max(p.end[1] for p in self.parts))

    def in_order(self) -> bool:
        """Every part's rows below the rows of the part before it (else calamine would have
        sorted them together)."""
        return all(a.end[0] < b.start[0] for a, b in zip(self.parts, self.parts[1:]))

    def iter_rows(self) -> Iterator[list[Any]]:
        if self.start is None:
            return iter(())
        return self._rows()

    def _rows(self) -> Iterator[list[Any]]:
        assert self.start is not None
        (top, left), last = self.start, self.end[1]
        width = last - left + 1
        for _ in range(top):
            yield [""] * width
        row = top
        while self.parts:
            part = self.parts.pop(0)  # each part's cells go once its rows are given
            for _ in range(part.start[0] - row):  # rows without a cell between two parts
                yield [""] * width
            row = part.end[0] + 1
            pad_left, pad_right = [""] * (part.start[1] - left), [""] * (last - part.end[1])
            rows = part.to_python()
            del part
            if pad_left or pad_right:
                for cells in rows:
                    yield pad_left + cells + pad_right
            else:
                yield from rows
            del rows
            _trim()


def _trim() -> None:
    """Give the memory a part's cells took back to the system once its rows are read:
    calamine parsed them in threads, whose malloc arenas keep freed memory otherwise
    (about 250 MB at 1 M rows)."""
    with contextlib.suppress(Exception):  # not glibc: nothing to do
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
