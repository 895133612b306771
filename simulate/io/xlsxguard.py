"""Workbook inspection before openpyxl sees a user's .xlsx (issue 10 item 4).

A workbook is a zip of XML parts: its bytes are sniffed (a password-protected or old .xls
file gets its own message), the zip is checked against a zip bomb (member and total sizes,
compression ratio, entry count) and every sheet's declared and actual cells and rows are
counted against :class:`simulate.io.safeio.XlsxLimits` before openpyxl parses anything.
Regular-file checks and capped reads are :mod:`simulate.io.safeio`.
"""

from __future__ import annotations

import functools
import io
import os
import re
import zipfile
from typing import Any

from ..errors import SimulateError
from .safeio import ErrorType, MiB, XlsxLimits, human_bytes, read_capped
from .text import nul_problem

__all__ = ["inspect_xlsx", "open_workbook", "sniff_workbook"]

_PASSWORD_MSG = "workbook is password-protected: save it without a password (as .xlsx) and try again"
_XLS_MSG = "old Excel 97-2003 (.xls) format is not supported: open it in Excel or WPS and save it as .xlsx"

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br\s*=\s*[\"']\$?([A-Za-z]{1,4})\$?([0-9]{1,9})[\"']")
_ROW = re.compile(rb"<(?:\w+:)?row[\s/>]")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\s[^>]*?\br\s*=\s*[\"']([0-9]{1,9})[\"']")
_FAST_CELL_REF = re.compile(rb'<c r="([A-Z]{1,4})([0-9]{1,9})"')
_FAST_ROW_REF = re.compile(rb'<row r="([0-9]{1,9})"')
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_AREA = re.compile(r"^\$?([A-Za-z]{1,4})\$?([0-9]{1,9})(?::\$?([A-Za-z]{1,4})\$?([0-9]{1,9}))?$")
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")  # a namespace-prefixed cell or row tag
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    """Excel's column letters of the 1-based column ``n`` (1 → A, 27 → AA)."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def sniff_workbook(data: bytes, where: str, error: ErrorType = SimulateError) -> None:
    """Refuse a file that is not an .xlsx zip, each kind with its own message:
    a password-protected workbook, an old .xls, an OpenDocument sheet, text, other."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        # an OLE compound file: Excel 97-2003, or an encrypted OOXML package inside one
        if b"EncryptedPackage" in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise error(where, _PASSWORD_MSG)
        raise error(where, _XLS_MSG)
    if not data.startswith(b"PK\x03\x04") and not data.startswith(b"PK\x05\x06"):
        head = data[:512].lstrip()
        if head[:1] == b"<":
            raise error(
                where,
                "not an Excel workbook: the file is HTML or XML text with an "
                "Excel name; open it in Excel or WPS and save it as .xlsx",
            )
        if head and not nul_problem(head):
            raise error(
                where, "not an Excel workbook: the file is text (CSV?); give it a .csv name or save it as .xlsx"
            )
        raise error(where, "not an Excel workbook (.xlsx is a zip file; this is not one)")


def _zip_entry_count(data: bytes) -> int | None:
    """Entries the end-of-central-directory record declares (read before zipfile parses it)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 12 > len(data):
        return None
    return int.from_bytes(data[at + 10 : at + 12], "little")


def _check_area(ref: str, limits: XlsxLimits, where: str, error: ErrorType, label: str) -> None:
    m = _AREA.match(ref.strip())
    if not m:
        return
    col = max(_col_number(m.group(1)), _col_number(m.group(3) or m.group(1)))
    row = max(int(m.group(2)), int(m.group(4) or m.group(2)))
    _check_cell(col, row, limits, where, error, f"{label} {ref.strip()}")


def _check_cell(col: int, row: int, limits: XlsxLimits, where: str, error: ErrorType, label: str) -> None:
    if row > limits.max_rows or col > limits.max_columns:
        raise error(
            where,
            f"{label} reaches row {row:,}, column {col_letters(col)}; a "
            f"{limits.what} is limited to {limits.max_rows:,} rows and "
            f"{limits.max_columns:,} columns ({col_letters(limits.max_columns)}): "
            "delete the unused rows and columns or copy the data to a new workbook",
        )


def inspect_xlsx(
    data: bytes, limits: XlsxLimits, where: str, error: ErrorType = SimulateError, watch: Any = None
) -> None:
    """Check a workbook's zip before openpyxl parses it: entry count, decompressed sizes
    (counted while streaming, not taken from headers), compression ratio, DTDs, and every
    sheet's declared dimension, cell, row and merged-range references against ``limits``.
    ``watch`` (a :class:`simulate.io.xlsxparts.Parts`) orders the members and is handed
    every block of XML once it has been checked."""
    sniff_workbook(data, where, error)
    entries = _zip_entry_count(data)
    if entries is not None and entries > limits.max_members:
        raise error(where, f"the workbook's zip has {entries:,} parts; the limit is {limits.max_members:,}")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise error(where, "not a readable .xlsx file (the zip is damaged)") from None
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            if "mimetype" in names and b"opendocument" in data[:200]:
                raise error(where, "an OpenDocument (.ods) spreadsheet: save it as .xlsx")
            raise error(where, "a zip file but not an Excel workbook (no xl/workbook.xml)")
        sheets = sum(1 for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        if sheets > limits.max_sheets:
            raise error(where, f"{sheets:,} sheets; a {limits.what} may have at most {limits.max_sheets}")
        total = 0
        for info in infos:
            if info.file_size > limits.max_member_bytes:
                raise error(
                    where,
                    f"part {info.filename} expands to {info.file_size:,} bytes; the "
                    f"limit is {human_bytes(limits.max_member_bytes)} (a zip bomb?)",
                )
            total += info.file_size
        if total > limits.max_total_bytes:
            raise error(
                where,
                f"expands to {total:,} bytes; the limit for a {limits.what} is "
                f"{human_bytes(limits.max_total_bytes)} (a zip bomb?)",
            )
        total = 0
        for info in infos if watch is None else watch.plan(infos):
            if info.is_dir():
                continue
            total += _scan_member(zf, info, limits, where, error, total, watch)


def _check_growth(
    name: str, size: int, total_before: int, compressed: int, limits: XlsxLimits, where: str, error: ErrorType
) -> None:
    """Refuse a member once its decompressed ``size`` (bytes so far) passes the member or total
    limit, or grows past ``max_ratio`` times its compressed size (a zip bomb)."""
    if size > limits.max_member_bytes or total_before + size > limits.max_total_bytes:
        raise error(
            where,
            f"part {name} expands past "
            f"{human_bytes(min(limits.max_member_bytes, limits.max_total_bytes))}, "
            f"the limit for a {limits.what} (a zip bomb?)",
        )
    if size > MiB and size > limits.max_ratio * compressed:
        raise error(
            where,
            f"part {name} expands more than {limits.max_ratio} times its compressed size (a zip bomb?)",
        )


#: What reading a damaged or encrypted member raises (RuntimeError: a password is needed).
_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    ValueError,
    EOFError,
    NotImplementedError,
    RuntimeError,
)


def _scan_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: XlsxLimits,
    where: str,
    error: ErrorType,
    total_before: int,
    watch: Any = None,
) -> int:
    """Stream one member, counting real decompressed bytes; scan XML for refs. Returns bytes.
    ``watch`` gets each block of XML after it passed (see :func:`inspect_xlsx`)."""
    keep = watch is not None and watch.wants(info)
    is_xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
    is_sheet = is_xml and info.filename.startswith("xl/worksheets/")
    sheet = info.filename.rsplit("/", 1)[-1]
    size = 0
    cells = rows = 0
    carry = b""
    compressed = max(info.compress_size, 1)
    try:
        with zf.open(info) as fh:
            while True:
                block = fh.read(MiB)
                if not block:
                    break
                size += len(block)
                _check_growth(info.filename, size, total_before, compressed, limits, where, error)
                if not is_xml:
                    continue
                text = carry + block
                cut = text.rfind(b">") + 1
                if cut == 0:
                    if len(text) > 4 * MiB:
                        raise error(where, f"part {info.filename}: a run of more than 4 MiB without XML markup")
                    carry = text
                    continue
                text, carry = text[:cut], text[cut:]
                if b"!" in text and b"<!" in text and _DTD.search(text):  # "!" first: memchr speed
                    raise error(
                        where, f"part {info.filename} declares a DTD or entities, which Excel never writes; refused"
                    )
                if is_sheet:
                    cells, rows = _scan_sheet(text, sheet, cells, rows, limits, where, error)
                if keep:
                    watch.block(info, text)
            if keep:
                watch.end(info, carry)
    except SimulateError:
        raise
    except _UNREADABLE as exc:
        reason = "it is encrypted" if isinstance(exc, RuntimeError) else type(exc).__name__
        raise error(where, f"not a readable .xlsx file (part {info.filename}: {reason})") from None
    return size


def _tags(text: bytes, any_re: re.Pattern, fast_re: re.Pattern, full_re: re.Pattern) -> tuple[int, list]:
    """How many tags of one name a block of XML holds, and their ``r=`` references: the fast
    pattern's when it finds them all, else the full pattern's (prefixes, ``$``, other spacing)."""
    n = len(any_re.findall(text))
    refs = fast_re.findall(text)
    return n, (refs if len(refs) >= n else full_re.findall(text))


def _not_above(limit: str, char: str) -> str:
    """A regex for the strings of ``char`` ranges ("A-Z", "0-9") that sort at or below ``limit``
    with as many characters or fewer (same length: column letters and row digits compare so)."""
    low, n = char[0], len(limit)
    same = [limit] + [
        f"{limit[:i]}[{low}-{chr(ord(c) - 1)}][{char}]{{{n - i - 1}}}" for i, c in enumerate(limit) if c > low
    ]
    return "|".join(([f"[{char}]{{1,{n - 1}}}"] if n > 1 else []) + same)


@functools.lru_cache(maxsize=8)
def _plain_patterns(max_columns: int, max_rows: int) -> tuple[re.Pattern, re.Pattern]:
    """Patterns of a ``<c`` and a ``<row`` tag that is *not* written ``r="A1"`` within the
    limits, the way Excel, WPS and openpyxl write every cell and row of a plain sheet."""
    cols = _not_above(col_letters(max_columns), "A-Z")
    rows = _not_above(str(max_rows), "0-9")
    cell = re.compile(f'<c(?! r="(?:{cols})(?:{rows})")'.encode())
    row = re.compile(f'<row(?! r="(?:{rows})")'.encode())
    return cell, row


def _scan_sheet(
    text: bytes, sheet: str, cells: int, rows: int, limits: XlsxLimits, where: str, error: ErrorType
) -> tuple[int, int]:
    """Dimension, merged ranges, row and cell references of one block of a sheet's XML.

    A block whose every cell and row tag is written ``<c r="A1"`` / ``<row r="1"`` within the
    limits (three searches tell, issue 16 item 4) is only counted; any other spelling, a
    namespace prefix or a reference past the limits is read with the full patterns.
    """
    if b"dimension" in text:
        for m in _DIMENSION.finditer(text):
            _check_area(
                m.group(1).decode("ascii", "replace"), limits, where, error, f"sheet {sheet}: declared dimension"
            )
    if b"mergeCell" in text:
        for m in _MERGE.finditer(text):
            _check_area(m.group(1).decode("ascii", "replace"), limits, where, error, f"sheet {sheet}: merged range")
    odd_cell, odd_row = _plain_patterns(limits.max_columns, limits.max_rows)
    if not ((b":" in text and _PREFIXED.search(text)) or odd_cell.search(text) or odd_row.search(text)):
        # every tag is a plain <c r="A1" / <row r="1" within the limits: only count them
        n_cells, n_rows = text.count(b"<c"), text.count(b"<row")
    else:
        n_cells, refs = _tags(text, _CELL, _FAST_CELL_REF, _CELL_REF)
        if refs:
            max_col = max(_col_number(c.decode("ascii")) for c in {c for c, _ in refs})
            max_row = max(int(r) for r in {r for _, r in refs})
            _check_cell(max_col, max_row, limits, where, error, f"sheet {sheet}: a cell")
        n_rows, row_refs = _tags(text, _ROW, _FAST_ROW_REF, _ROW_REF)
        if row_refs:
            _check_cell(1, max(int(r) for r in set(row_refs)), limits, where, error, f"sheet {sheet}: a row")
    cells += n_cells
    rows += n_rows
    if cells > limits.max_cells:
        raise error(where, f"sheet {sheet} has more than {limits.max_cells:,} cells, the limit for a {limits.what}")
    if rows > limits.max_rows:
        raise error(where, f"sheet {sheet} has more than {limits.max_rows:,} rows, the limit for a {limits.what}")
    return cells, rows


def open_workbook(
    path: str | os.PathLike[str],
    limits: XlsxLimits,
    where: str | None = None,
    error: ErrorType = SimulateError,
    *,
    read_only: bool = True,
):
    """An openpyxl workbook (``data_only``) from a regular file that passed ``inspect_xlsx``.

    The bytes are read once (capped) and the same bytes are checked and parsed, so the file
    cannot change between the check and the parse.
    """
    where = str(path) if where is None else where
    data = read_capped(path, limits.max_file_bytes, limits.what, where, error)
    inspect_xlsx(data, limits, where, error)
    import openpyxl  # local: only needed for workbooks

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise error(where, f"not a readable .xlsx file ({type(exc).__name__})") from None


def open_calamine(path: str | os.PathLike[str], limits: XlsxLimits, where: str, error: ErrorType = SimulateError):
    """A python-calamine workbook and its bytes, from a regular file that passed ``inspect_xlsx``.

    Calamine (Rust) reads cells about 20 times faster than openpyxl and holds them compactly,
    so a 1 M-row roster fits in seconds and a few hundred MB (issue 16 item 4); the bytes
    are read once (capped) and the same bytes are checked and parsed, as in ``open_workbook``.
    A workbook with one large sheet is parsed in parts as the guard passes them
    (:mod:`simulate.io.xlsxparts`): then the workbook is an object with calamine's
    ``sheet_names`` and ``get_sheet_by_name``.
    """
    data = read_capped(path, limits.max_file_bytes, limits.what, where, error)
    from .xlsxparts import Parts

    parts = Parts()  # one large sheet: parsed in parts on the other core while it is checked
    try:
        inspect_xlsx(data, limits, where, error, parts)
        book = parts.book()
    finally:
        parts.close()
    if book is not None:
        return book, data
    import python_calamine  # local: only needed for workbooks

    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)), data
    except Exception as exc:  # calamine raises its own kinds for a damaged file
        raise error(where, f"not a readable .xlsx file ({type(exc).__name__})") from None
