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

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..io.idmask import mask_ids_in_text
from .cells import cell_text, loosen, norm
from .either import Judge
from .mapping import (
    CLAIM_ORDER,
    FIELDS,
    HEADER_SEARCH_ROWS,
    RosterError,
    RosterMapping,
    as_mapping,
)
from .rows import Accepted, read_rows
from .sheets import Table, open_tables


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
    encoding, tables = open_tables(path, file, mapping.sheet)
    accepted = Accepted()
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
            f"{where}: header on row {table.head[start][0]}; "
            + ", ".join(f"{header_texts[f]} -> {f}" for f in FIELDS if f in colmap)
        )
        _check_identity_column(colmap, mapping, file, where)
        b, h = read_rows(table, start, colmap, mapping, file, as_of, accepted, judge)
        blank += b
        headers += h
    if not sheets:
        raise RosterError(file, _no_header_reason(mapping, None))
    if encoding:
        notes.append(f"encoding: {encoding}")
    return RosterRead(
        file=file,
        path=path,
        rows=accepted.rows_frame(),
        rejected=accepted.rejected_frame(),
        sheets=tuple(sheets),
        encoding=encoding,
        skipped_blank=blank,
        skipped_headers=headers,
        notes=tuple(mask_ids_in_text(n) for n in notes),
    )


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


def _find_header(table: Table, mapping: RosterMapping) -> tuple[int, dict[str, int], dict[str, str]] | None:
    """Index of the header record, field -> column index, field -> header text."""
    for index, (row, cells) in enumerate(table.head):
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
