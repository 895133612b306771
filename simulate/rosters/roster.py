"""Read departments' rosters (花名册) and merge them into one person per ID number.

Issue 7. A roster is an .xlsx or .csv file with one person per row. A
:class:`RosterMapping` (YAML) says which headers hold the name, the ID number, the
village (and town), the category and the disability grade, and which category words mean
which canonical identity (``simulate/vocabulary.yaml``); ``roster_default.yaml`` covers
the common headers and words, and a user mapping is layered on it unless it says
``extends: none``. ID numbers are checked by :mod:`simulate.io.idnumber` (GB 11643-1999).

A mapping file::

    description: 县民政局农村低保花名册        # optional, ignored (so is notes:)
    extends: default                         # or none
    sheet: 低保对象                           # optional: one sheet (name or 0-based index)
    default_identity: rural_dibao            # optional: given to every row
    allow_no_identity: false                 # optional: accept rows without any identity
    columns:                                 # aliases tried before the default ones
      name: [救助对象]
      village: [所在组]
    categories:                              # word -> ids, or ids plus a disability grade
      低保: [rural_dibao]
      重残: {identities: [], disability_grade: 1}

Reading (:func:`read_roster`):

* the header row is the first row, among the first 20, that holds a name column **and**
  an ID-number column; title rows (merged or not) above it are ignored;
* a merged cell spanning several rows is filled down its first column with its value (a
  village written once beside a block of rows applies to every row of the block); merges
  across columns are left alone (a footer 制表人 ... merged across the sheet stays blank in
  the name and ID columns, so it is a blank row, not a rejected one);
* a row whose name cell and ID cell are both empty is *blank*: it is skipped and is **not**
  counted as a row read (templates number 序号 down to row 500; footers sit in other
  columns); repeated header rows are skipped the same way. Both are counted in
  ``RosterRead.skipped_blank`` / ``skipped_headers`` so nothing disappears silently;
* every other row is either accepted (``RosterRead.rows``) or rejected with its file, row
  number (as the user sees it in Excel or a text editor) and all of its reasons
  (``RosterRead.rejected``): invalid ID number, empty name, unknown category word,
  unreadable disability grade, unknown 户籍 type (cells.HUKOU_WORDS), no identity at all.
  Each reason is given in English (``reason``) and in 简体中文 (``reason_zh``, used by the zh
  outputs);
* a problem with the whole file raises :class:`RosterError` with one line ``FILE: reason``.

Merging (:func:`merge_rosters`): one person per valid ID with the union of identities and
the most severe disability grade; a recorded 户籍 type beats an empty one, and rural against
urban rejects every used row of that person (no tier is guessed). A second row with the same
ID *in the same roster* is a duplicate: the first row is kept and the later one is
**rejected** ("duplicate of row N"), so the accounting identity
``rows_read == rows_used + rows_rejected`` holds exactly, where
``rows_used`` counts the rows that contributed to ``persons``. The same ID in different
rosters is the normal case of a person on several lists (``multi_list``).

Privacy: full ID numbers appear only in ``RosterRead.rows.id_number`` and
``RosterMerge.persons.id_number`` (needed for payment lists). Every other frame, every
reason and every error message holds masked numbers only (``idnumber.mask_id``); file and
sheet names and category cells are masked as they are read (``idmask.mask_ids_in_text``).
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..io import safeio, xlsxguard
from ..io.idmask import mask_ids_in_text
from ..io.idnumber import IdInfo, IdNumberError, mask_id, validate_id
from ..io.text import decode_text
from ..vocabulary import ACTIVE
from .cells import (
    REJECTED_COLUMNS,
    ROW_COLUMNS,
    WORD_SPLIT,
    cell_text,
    clean_name,
    clean_place,
    frame,
    loosen,
    most_severe,
    norm,
    parse_grade,
    parse_hukou,
    reason,
    reason_text,
)
from .either import Judge, settle
from .mapping import (
    CLAIM_ORDER,
    FIELDS,
    HEADER_SEARCH_ROWS,
    RosterError,
    RosterMapping,
    as_mapping,
)


@dataclass(frozen=True, eq=False)
class RosterRead:
    """One roster file read: accepted rows (full ID numbers) and rejected rows (masked).

    ``rows_read == len(rows) + len(rejected)``; blank rows and repeated header rows are not
    rows read (``skipped_blank``, ``skipped_headers``). ``notes`` say which sheets, header
    rows, columns and encoding were used.
    """

    file: str
    path: Path
    rows: pd.DataFrame = field(repr=False)  # full ID numbers: never in a repr or a log
    rejected: pd.DataFrame = field(repr=False)
    sheets: tuple[str, ...] = ()
    encoding: str | None = None
    skipped_blank: int = 0
    skipped_headers: int = 0
    notes: tuple[str, ...] = ()

    @property
    def rows_read(self) -> int:
        """Rows that were neither blank nor a repeated header."""
        return len(self.rows) + len(self.rejected)


@dataclass
class _Table:
    """Raw cells of one sheet (or a CSV file): (row number as the user sees it, cells)."""

    sheet: str
    records: list[tuple[int, list[Any]]]


def read_roster(
    path: str | os.PathLike[str],
    mapping: RosterMapping | str | os.PathLike[str] | None = None,
    *,
    as_of: datetime.date,
    label: str | None = None,
    judge: Judge | None = None,
) -> RosterRead:
    """Read one roster (.xlsx or .csv) into accepted and rejected rows.

    ``mapping`` is a :class:`RosterMapping`, the path of a mapping YAML, or None for the
    default; ``as_of`` is the date ages are computed on; ``label`` is the file name shown
    in reports (default: the file's name). See the module docstring for blank rows, merged
    cells and the reasons a row is rejected. Raises :class:`RosterError` (``FILE: reason``) when the
    file cannot be read or no sheet has a header row. ``judge``: bare 低保 decided by the money (:mod:`.either`).
    """
    path = Path(path)
    file = mask_ids_in_text(label or path.name)  # a file name shown anywhere holds no full ID
    mapping = as_mapping(mapping) if judge is None else as_mapping(mapping).deciding()
    if isinstance(as_of, datetime.datetime):
        as_of = as_of.date()
    encoding, tables = _open_tables(path, file, mapping)
    rows: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    notes: list[str] = []
    sheets: list[str] = []
    blank = headers = 0
    for table in tables:
        found = _find_header(table, mapping)
        where = f"sheet {table.sheet!r}" if table.sheet else "file"
        if found is None:
            if mapping.sheet is not None or len(tables) == 1:
                raise RosterError(file, _no_header_reason(mapping, table.sheet))
            notes.append(f"{where}: skipped, no header row in the first {HEADER_SEARCH_ROWS} rows")
            continue
        start, colmap, header_texts = found
        sheets.append(table.sheet)
        notes.append(
            f"{where}: header on row {table.records[start][0]}; "
            + ", ".join(f"{header_texts[f]} -> {f}" for f in FIELDS if f in colmap)
        )
        _check_identity_column(colmap, mapping, file, where)
        b, h = _read_table(table, start, colmap, mapping, file, as_of, rows, rejected, judge)
        blank += b
        headers += h
    if not sheets:
        raise RosterError(file, _no_header_reason(mapping, None))
    if encoding:
        notes.append(f"encoding: {encoding}")
    return RosterRead(
        file=file,
        path=path,
        rows=frame(rows, ROW_COLUMNS),
        rejected=frame(rejected, REJECTED_COLUMNS),
        sheets=tuple(sheets),
        encoding=encoding,
        skipped_blank=blank,
        skipped_headers=headers,
        notes=tuple(mask_ids_in_text(n) for n in notes),
    )


def _open_tables(path: Path, file: str, mapping: RosterMapping) -> tuple[str | None, list[_Table]]:
    """The raw tables of a roster, by what the file holds (its first bytes) or its suffix,
    and the text encoding of a CSV (None for a workbook)."""
    if not path.exists():
        raise RosterError(file, "file not found")
    with safeio.open_regular(path, file, RosterError) as fh:  # no FIFO, device or directory
        head = fh.read(8)
    suffix = path.suffix.lower()
    if head.startswith((b"\xd0\xcf\x11\xe0", b"PK\x03\x04")) or suffix in (".xls", ".xlsx", ".xlsm"):
        # safeio names .xls, password-protected, HTML-as-.xls and damaged files apart
        return None, _xlsx_tables(path, file, mapping.sheet)
    if suffix in (".csv", ".txt", ".tsv", ""):
        encoding, table = _csv_table(path, file)
        return encoding, [table]
    raise RosterError(file, f"unsupported file type {suffix!r} (use .xlsx or .csv)")


def _check_identity_column(colmap: dict[str, int], mapping: RosterMapping, file: str, where: str) -> None:
    """A table without a category or disability column needs the mapping's default_identity
    (or allow_no_identity): otherwise nobody's identity can be told."""
    if (
        "category" not in colmap
        and "disability_grade" not in colmap
        and not mapping.default_identity
        and not mapping.allow_no_identity
    ):
        raise RosterError(
            file,
            f"{where} has no category column "
            f"({', '.join(mapping.aliases('category')[:4])}, ...) and the "
            "mapping gives no default_identity: nobody's identity can be told",
        )


def _no_header_reason(mapping: RosterMapping, sheet: str | None) -> str:
    """Why no header row was found, naming a few of the aliases looked for."""
    where = f"sheet {sheet!r}" if sheet else ("the file" if sheet == "" else "any sheet")
    return (
        f"no header row with a name column and an ID-number column in the first "
        f"{HEADER_SEARCH_ROWS} rows of {where} (name headers tried: "
        f"{', '.join(mapping.aliases('name')[:3])}, ...; ID headers: "
        f"{', '.join(mapping.aliases('id_number')[:4])}, ...)"
    )


def _xlsx_tables(path: Path, file: str, sheet: str | int | None) -> list[_Table]:
    """Cells of the chosen worksheet(s), vertically merged ranges filled down."""

    # full mode (merged cells are needed); the zip is inspected against safeio.ROSTER_XLSX first
    workbook = xlsxguard.open_workbook(path, safeio.ROSTER_XLSX, file, RosterError, read_only=False)
    try:
        if sheet is None:
            worksheets = list(workbook.worksheets)
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(workbook.worksheets):
                raise RosterError(
                    file, f"no sheet number {sheet} (the workbook has {len(workbook.worksheets)}, counted from 0)"
                )
            worksheets = [workbook.worksheets[sheet]]
        else:
            if sheet not in workbook.sheetnames:
                raise RosterError(file, f"no sheet named {sheet!r} (sheets: {', '.join(workbook.sheetnames)})")
            worksheets = [workbook[sheet]]
        tables = []
        for ws in worksheets:
            grid = [list(r) for r in ws.iter_rows(min_row=1, max_row=ws.max_row, values_only=True)]
            for merged in ws.merged_cells.ranges:
                # fill down the first column only: a village merged over a block of rows
                # applies to each row, while a footer (制表人 ...) merged across the sheet
                # must not turn into a name and an ID number
                value = ws.cell(merged.min_row, merged.min_col).value
                for r in range(merged.min_row + 1, min(merged.max_row, len(grid)) + 1):
                    cells = grid[r - 1]
                    if len(cells) < merged.min_col:
                        cells.extend([None] * (merged.min_col - len(cells)))
                    cells[merged.min_col - 1] = value
            tables.append(
                _Table(
                    mask_ids_in_text(ws.title),  # a sheet name is shown too
                    [(i, cells) for i, cells in enumerate(grid, 1)],
                )
            )
        return tables
    finally:
        workbook.close()


def _csv_table(path: Path, file: str) -> tuple[str, _Table]:
    """Decode a CSV (UTF-8 with or without BOM, UTF-16 with BOM, then GBK, GB18030) and
    split it into records numbered by the text line each record starts on."""
    data = safeio.read_capped(path, safeio.ROSTER_CSV.max_bytes or 0, safeio.ROSTER_CSV.what, file, RosterError)
    text, encoding = decode_text(data, file, RosterError, utf16_bom_ok=True)
    lines = [ln for ln in text.splitlines() if ln.strip()][:HEADER_SEARCH_ROWS]
    counts = {d: sum(ln.count(d) for ln in lines) for d in (",", "\t", ";", "|")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[Any]]] = []
    line = 0
    try:
        for cells in reader:
            records.append((line + 1, list(cells)))
            line = reader.line_num
    except csv.Error as exc:
        raise RosterError(file, f"broken CSV near line {line + 1} ({exc})") from None
    return encoding, _Table("", records)


def _find_header(table: _Table, mapping: RosterMapping) -> tuple[int, dict[str, int], dict[str, str]] | None:
    """Index of the header record, field -> column index, field -> header text."""
    for index, (row, cells) in enumerate(table.records):
        if row > HEADER_SEARCH_ROWS:
            break
        texts = [cell_text(c) for c in cells]
        colmap = _match_columns([norm(t) for t in texts], mapping)
        if "name" in colmap and "id_number" in colmap:
            return index, colmap, {f: texts[j] for f, j in colmap.items()}
    return None


def _match_columns(headers: list[str], mapping: RosterMapping) -> dict[str, int]:
    """Field -> column: an exact alias beats a "(...)"-less match, an earlier alias beats a
    later one, a left column beats a right one; each column serves one field."""
    taken: set[int] = set()
    colmap: dict[str, int] = {}
    for fld in CLAIM_ORDER:
        exact, loose = mapping._exact[fld], mapping._loose[fld]
        best: tuple[int, int] | None = None
        for j, header in enumerate(headers):
            if not header or j in taken:
                continue
            if header in exact:
                rank = exact.index(header)
            elif loosen(header) in loose:
                rank = len(exact) + loose.index(loosen(header))
            else:
                continue
            if best is None or (rank, j) < best:
                best = (rank, j)
        if best is not None:
            colmap[fld] = best[1]
            taken.add(best[1])
    return colmap


def _read_table(
    table: _Table,
    start: int,
    colmap: dict[str, int],
    mapping: RosterMapping,
    file: str,
    as_of: datetime.date,
    rows: list[dict[str, Any]],
    rejected: list[dict[str, Any]],
    judge: Judge | None = None,
) -> tuple[int, int]:
    """Turn the records below the header into accepted and rejected rows.

    Returns (blank rows skipped, repeated header rows skipped).
    """
    blank = repeated = 0
    name_aliases = set(mapping._exact["name"])
    id_aliases = set(mapping._exact["id_number"])

    def cell(cells: list[Any], fld: str) -> Any:
        j = colmap.get(fld)
        return cells[j] if j is not None and j < len(cells) else None

    header_cells = table.records[start][1]
    hukou_header = mask_ids_in_text(cell_text(header_cells[colmap["hukou"]])) if "hukou" in colmap else ""

    for row, cells in table.records[start + 1 :]:
        raw_name, raw_id = cell(cells, "name"), cell(cells, "id_number")
        name, id_text = clean_name(raw_name), cell_text(raw_id)
        if not name and not id_text:
            blank += 1
            continue
        if norm(name) in name_aliases and norm(id_text) in id_aliases:
            repeated += 1
            continue
        reasons: list[tuple[str, str]] = []  # (English, 简体中文)
        info = _row_id(raw_id, id_text, as_of, reasons)
        if not name:
            reasons.append(reason("empty_name"))
        identities, grade, category_text = _row_identities(cells, cell, mapping, reasons)
        hukou = _row_hukou(cell(cells, "hukou"), hukou_header, reasons)
        if judge is not None and info is not None:  # bare 低保: taken where the reading does not matter
            identities = settle(identities, category_text, mapping, judge, info, grade, hukou, reasons)
        if info is not None and not reasons and not identities and not grade and not mapping.allow_no_identity:
            reasons.append(_no_identity_reason(category_text))
        if reasons or info is None:
            rejected.append(_rejected_row(file, table.sheet, row, info, id_text, name, reasons))
            continue
        rows.append(
            {
                "file": file,
                "sheet": table.sheet,
                "row": row,
                "name": name,
                "id_number": info.number,
                "village": clean_place(cell(cells, "village")),
                "town": clean_place(cell(cells, "town")),
                "category_text": category_text,
                "identities": identities,
                "disability_grade": grade,
                "birth_date": info.birth_date,
                "age": info.age,
                "sex": info.sex,
                "id_converted": info.converted_from_15,
                "hukou": hukou,
            }
        )
    return blank, repeated


def _rejected_row(
    file: str, sheet: str, row: int, info: IdInfo | None, id_text: str, name: str, reasons: list[tuple[str, str]]
) -> dict[str, Any]:
    """A rejected row: where it is, masked ID and name, every reason in English and 简体中文."""
    return {
        "file": file,
        "sheet": sheet,
        "row": row,
        "id_masked": info.masked if info else mask_id(id_text),
        "name": mask_ids_in_text(name),
        "reason": mask_ids_in_text(reason_text("reason_sep", "en").join(en for en, _ in reasons)),
        "reason_zh": mask_ids_in_text(reason_text("reason_sep", "zh").join(zh for _, zh in reasons)),
    }


def _row_id(raw_id: Any, id_text: str, as_of: datetime.date, reasons: list[tuple[str, str]]) -> IdInfo | None:
    """The checked ID number of a row, or None with the reason appended to ``reasons``."""
    if not id_text:
        reasons.append(reason("missing_id"))
        return None
    try:
        return validate_id(raw_id, as_of=as_of)
    except IdNumberError as exc:
        reasons.append(
            (reason_text("invalid_id", "en", reason=exc.reason), reason_text("invalid_id", "zh", reason=exc.reason_zh))
        )
        return None


def _row_hukou(raw_hukou: Any, hukou_header: str, reasons: list[tuple[str, str]]) -> str:
    """The 户籍 type of a row ("" when empty or unknown; unknown adds a reason)."""
    try:
        return parse_hukou(raw_hukou)
    except ValueError:
        reasons.append(reason("unknown_hukou", text=mask_ids_in_text(cell_text(raw_hukou)), header=hukou_header))
        return ""


def _no_identity_reason(category_text: str) -> tuple[str, str]:
    """Why a valid row with no identity is rejected (English, 简体中文)."""
    why = "category_confers_none" if category_text else "category_empty"
    why_en, why_zh = (reason_text(why, lang, category=category_text) for lang in ("en", "zh"))
    return reason_text("no_identity", "en", why=why_en), reason_text("no_identity", "zh", why=why_zh)


def _row_identities(
    cells: list[Any], cell: Any, mapping: RosterMapping, reasons: list[tuple[str, str]]
) -> tuple[tuple[str, ...], int, str]:
    """Identities (vocabulary order), disability grade and the category cell text of a row;
    problems are appended to ``reasons`` as (English, 简体中文) pairs."""
    identities = set(mapping.default_identity)
    grade = 0
    # an ID number typed into the category cell is masked before the cell is split into
    # words, so "特困 5206 2419 … 1X 低保" gives one unknown word, never its digit groups
    category_text = mask_ids_in_text(" ".join(cell_text(cell(cells, "category")).split()))
    words = [w for w in WORD_SPLIT.split(unicodedata.normalize("NFKC", category_text)) if w]
    unknown = []
    for word in words:
        rule = mapping.resolve_word(word)
        if rule is None:
            unknown.append(word)
            continue
        identities.update(rule.identities)
        grade = most_severe(grade, rule.disability_grade)
    if unknown:
        reasons.append(
            (
                reason_text(
                    "unknown_words",
                    "en",
                    words=reason_text("word_sep", "en").join(repr(w) for w in unknown),
                    source=mapping.source,
                ),
                reason_text(
                    "unknown_words",
                    "zh",
                    words=reason_text("word_sep", "zh").join(repr(w) for w in unknown),
                    source=mapping.source,
                ),
            )
        )
    raw_grade = cell(cells, "disability_grade")
    try:
        grade = most_severe(grade, parse_grade(raw_grade))
    except ValueError:
        reasons.append(reason("bad_grade", grade=cell_text(raw_grade)))
    ordered = tuple(i for i in ACTIVE.get().identity_ids if i in identities)
    return ordered, grade, category_text
