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
  unreadable disability grade, no identity at all. Each reason is given in English
  (``reason``) and in 简体中文 (``reason_zh``, used by the zh outputs);
* a problem with the whole file raises :class:`RosterError` with one line ``FILE: reason``.

Merging (:func:`merge_rosters`): one person per valid ID with the union of identities and
the most severe disability grade. A second row with the same ID *in the same roster* is a
duplicate: the first row is kept and the later one is **rejected** ("duplicate of row N"),
so the accounting identity ``rows_read == rows_used + rows_rejected`` holds exactly, where
``rows_used`` counts the rows that contributed to ``persons``. The same ID in different
rosters is the normal case of a person on several lists (``multi_list``).

Privacy: full ID numbers appear only in ``RosterRead.rows.id_number`` and
``RosterMerge.persons.id_number`` (needed for payment lists). Every other frame, every
reason and every error message holds masked numbers only (``idnumber.mask_id``); file and
sheet names and category cells are masked as they are read (``idnumber.mask_ids_in_text``).
"""
from __future__ import annotations

import csv
import datetime
import io
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..io import safeio
from ..io.safeyaml import read_yaml_file
from ..io.text import decode_text
from ..errors import SimulateError
from ..io.idnumber import IdInfo, IdNumberError, mask_id, mask_ids_in_text, validate_id
from ..vocabulary import IDENTITY_IDS, identity_mask, label

__all__ = [
    "BY_FILE_COLUMNS",
    "CategoryRule",
    "DUPLICATE_COLUMNS",
    "HEADER_SEARCH_ROWS",
    "NAME_CONFLICT_COLUMNS",
    "MULTI_LIST_COLUMNS",
    "PERSON_COLUMNS",
    "REJECTED_COLUMNS",
    "ROW_COLUMNS",
    "RosterError",
    "RosterMapping",
    "RosterMerge",
    "RosterRead",
    "merge_rosters",
    "read_roster",
]

#: The header row is looked for in the first this many rows (spreadsheet or CSV lines).
HEADER_SEARCH_ROWS = 20

#: Column fields a mapping may name; ``name`` and ``id_number`` are required.
_FIELDS = ("name", "id_number", "village", "town", "category", "disability_grade")
_REQUIRED_FIELDS = ("name", "id_number")
#: Order in which fields claim columns (a column serves one field only).
_CLAIM_ORDER = ("name", "id_number", "category", "disability_grade", "village", "town")
_MAPPING_KEYS = frozenset({"columns", "categories", "default_identity", "sheet",
                           "allow_no_identity", "extends", "description", "notes"})

#: Separators between several words in one category cell (after NFKC normalisation,
#: so full-width ，；／ are covered too).
_WORD_SPLIT = re.compile(r"[、,，;；/|\s]+")
_PARENS = re.compile(r"\([^()]*\)")
_QUOTES = "\"'“”‘’「」『』《》"
_NAME_DOTS = str.maketrans({c: "·" for c in "•‧・∙⋅･．."})
_GRADE_CHARS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_DISABILITY_TYPES = "(?:肢体|视力|听力|言语|语言|智力|精神|多重)"
#: Disability words recognised without a mapping entry: 肢体二级, 视力三级残疾, 残疾一级,
#: 二级肢体残疾, 持证三级残疾人, ... -> that grade, no identity.
_DISABILITY_WORD = re.compile(
    rf"^(?:持证)?(?:{_DISABILITY_TYPES}(?:残疾)?)?(?:残疾)?([一二三四1-4])级(?:残疾)?(?:人|人员)?$"
    rf"|^([一二三四1-4])级{_DISABILITY_TYPES}(?:残疾)?(?:人|人员)?$")
_GRADE_IN_TEXT = re.compile(r"([一二三四1-4])\s*级")
_NO_GRADE = frozenset({"", "无", "否", "/", "-", "—", "0", "0级", "未定级"})

ROW_COLUMNS = ("file", "sheet", "row", "name", "id_number", "village", "town", "category_text",
               "identities", "disability_grade", "birth_date", "age", "sex", "id_converted")
REJECTED_COLUMNS = ("file", "sheet", "row", "id_masked", "name", "reason", "reason_zh")
PERSON_COLUMNS = ("id_number", "name", "village", "town", "identities", "identity_mask",
                  "disability_grade", "age", "sex", "birth_date", "id_converted",
                  "sources", "lists", "n_lists")
DUPLICATE_COLUMNS = ("file", "sheet", "row", "id_masked", "name", "first_row", "reason",
                     "reason_zh")
NAME_CONFLICT_COLUMNS = ("group", "id_masked", "name", "kept", "used", "file", "sheet", "row")
MULTI_LIST_COLUMNS = ("id_masked", "name", "village", "n_lists", "lists", "identities",
                      "disability_grade", "sources")
BY_FILE_COLUMNS = ("file", "rows_read", "rows_used", "rows_rejected", "duplicates",
                   "skipped_blank")

_INT_COLUMNS = frozenset({"row", "disability_grade", "age", "n_lists", "identity_mask",
                          "first_row", "group", "rows_read", "rows_used", "rows_rejected",
                          "duplicates", "skipped_blank"})
_BOOL_COLUMNS = frozenset({"id_converted", "kept", "used"})


class RosterError(SimulateError):
    """A whole-file (or whole-mapping) problem; the message is one line ``FILE: reason``
    with any ID-like number masked."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(mask_ids_in_text(" ".join(file.split())),
                         mask_ids_in_text(" ".join(reason.split())))
        self.file = file


# ---------------------------------------------------------------------------------------
# Mapping
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CategoryRule:
    """What one category word means: canonical identities and/or a disability grade."""

    identities: tuple[str, ...] = ()
    disability_grade: int = 0


@dataclass(frozen=True, eq=False)
class RosterMapping:
    """Which columns hold which field and what the category words mean.

    ``columns`` maps a field (name, id_number, village, town, category, disability_grade)
    to header aliases in order of preference; ``categories`` maps a normalised category
    word to a :class:`CategoryRule`; ``default_identity`` is given to every row (a roster
    of one department); ``sheet`` picks one worksheet (name or 0-based index; default:
    every sheet that has a header row); ``allow_no_identity`` accepts rows that end up with
    no identity and no disability grade (default: rejected, since a hardship roster row
    without a category cannot be costed).
    """

    columns: Mapping[str, tuple[str, ...]]
    categories: Mapping[str, CategoryRule]
    default_identity: tuple[str, ...] = ()
    sheet: str | int | None = None
    allow_no_identity: bool = False
    source: str = "<mapping>"
    _exact: Mapping[str, tuple[str, ...]] = field(init=False, repr=False)
    _loose: Mapping[str, tuple[str, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        exact = {f: tuple(_norm(a) for a in self.columns.get(f, ())) for f in _FIELDS}
        loose = {f: tuple(_loosen(a) for a in aliases) for f, aliases in exact.items()}
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_loose", loose)

    @classmethod
    def default(cls) -> RosterMapping:
        """The default mapping (``simulate/rosters/roster_default.yaml``)."""
        return _default_mapping()

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> RosterMapping:
        """Load a mapping file as plain data (a safe YAML loader; never evaluates anything)."""
        path = Path(path)
        try:
            raw = read_yaml_file(path)  # a yaml.SafeLoader without aliases, size-capped
        except SimulateError as exc:
            raise RosterError(path.name, f"mapping file: {exc.reason}") from None
        return cls.from_dict(raw, source=path.name)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, source: str = "<mapping>") -> RosterMapping:
        """Build a mapping from parsed YAML; layered on the default unless ``extends: none``."""
        if not isinstance(raw, Mapping):
            raise RosterError(source, "a mapping file must be a YAML dictionary")
        unknown = sorted(str(k) for k in raw if k not in _MAPPING_KEYS)
        if unknown:
            raise RosterError(source, f"unknown key(s) {', '.join(unknown)} "
                              f"(allowed: {', '.join(sorted(_MAPPING_KEYS))})")
        extends = raw.get("extends") or "default"
        if extends not in ("default", "none"):
            raise RosterError(source, f"extends must be 'default' or 'none', not {extends!r}")
        base = _default_mapping() if extends == "default" else None

        columns: dict[str, tuple[str, ...]] = {}
        raw_columns = raw.get("columns") or {}
        if not isinstance(raw_columns, Mapping):
            raise RosterError(source, "columns must be a dictionary field -> [header aliases]")
        for key in raw_columns:
            if key not in _FIELDS:
                raise RosterError(source, f"unknown column field {key!r} "
                                  f"(allowed: {', '.join(_FIELDS)})")
        for fld in _FIELDS:
            own = _string_list(raw_columns.get(fld), source, f"columns.{fld}")
            inherited = base.columns.get(fld, ()) if base else ()
            columns[fld] = tuple(dict.fromkeys(own + inherited))
        for fld in _REQUIRED_FIELDS:
            if not columns[fld]:
                raise RosterError(source, f"columns.{fld} needs at least one header alias")

        categories: dict[str, CategoryRule] = dict(base.categories) if base else {}
        raw_categories = raw.get("categories") or {}
        if not isinstance(raw_categories, Mapping):
            raise RosterError(source, "categories must be a dictionary word -> [identity ids]")
        for word, value in raw_categories.items():
            key = _norm(str(word))
            if not key:
                raise RosterError(source, "empty category word")
            categories[key] = _category_rule(value, source, str(word))

        default_identity = _identity_tuple(raw.get("default_identity"), source,
                                           "default_identity")
        sheet = raw.get("sheet")
        if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, (str, int))):
            raise RosterError(source, "sheet must be a sheet name or a 0-based index")
        allow = raw.get("allow_no_identity", False)
        if not isinstance(allow, bool):
            raise RosterError(source, "allow_no_identity must be true or false")
        return cls(columns=columns, categories=categories, default_identity=default_identity,
                   sheet=sheet, allow_no_identity=allow, source=source)

    def resolve_word(self, word: str) -> CategoryRule | None:
        """The rule for one category word, or None when the word is unknown."""
        key = _norm(word)
        rule = self.categories.get(key)
        if rule is not None:
            return rule
        match = _DISABILITY_WORD.match(key)
        if match:
            return CategoryRule((), _GRADE_CHARS[match.group(1) or match.group(2)])
        return None

    def aliases(self, fld: str) -> tuple[str, ...]:
        """Header aliases of one field, as written in the mapping."""
        return tuple(self.columns.get(fld, ()))


_DEFAULT_CACHE: list[RosterMapping] = []


def _default_mapping() -> RosterMapping:
    """The default mapping, loaded once from the package."""
    if not _DEFAULT_CACHE:
        text = resources.files("simulate.rosters").joinpath("roster_default.yaml").read_text("utf-8")
        raw = yaml.safe_load(text)
        raw["extends"] = "none"
        _DEFAULT_CACHE.append(RosterMapping.from_dict(raw, source="roster_default.yaml"))
    return _DEFAULT_CACHE[0]


def _string_list(value: Any, source: str, where: str) -> tuple[str, ...]:
    """A YAML string or list of strings as a tuple of non-empty strings."""
    if value is None:
        return ()
    items = [value] if isinstance(value, (str, int)) else value
    if not isinstance(items, list):
        raise RosterError(source, f"{where} must be a string or a list of strings")
    out = tuple(str(item).strip() for item in items if item is not None and str(item).strip())
    return out


def _identity_tuple(value: Any, source: str, where: str) -> tuple[str, ...]:
    """Canonical identity ids from YAML, each checked against the vocabulary."""
    ids = _string_list(value, source, where)
    for ident in ids:
        if ident not in IDENTITY_IDS:
            raise RosterError(source, f"{where}: unknown identity {ident!r} "
                              f"(canonical ids are in simulate/vocabulary.yaml)")
    return tuple(dict.fromkeys(ids))


def _category_rule(value: Any, source: str, word: str) -> CategoryRule:
    """A category value: [ids], an id, null, or {identities: [...], disability_grade: N}."""
    where = f"categories.{word}"
    if isinstance(value, Mapping):
        extra = sorted(str(k) for k in value if k not in ("identities", "disability_grade"))
        if extra:
            raise RosterError(source, f"{where}: unknown key(s) {', '.join(extra)}")
        grade = value.get("disability_grade", 0)
        if isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade <= 4:
            raise RosterError(source, f"{where}: disability_grade must be 0..4")
        return CategoryRule(_identity_tuple(value.get("identities"), source, where), grade)
    return CategoryRule(_identity_tuple(value, source, where), 0)


# ---------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------

def _norm(text: str) -> str:
    """Normalise a header or a category word: NFKC, no whitespace, quotes or '*' markers."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(text.split())
    text = text.translate({ord(c): None for c in _QUOTES + "*"})
    return text.rstrip(":")


def _loosen(normalised: str) -> str:
    """A normalised header without any "(...)" part: 身份证号码(18位) -> 身份证号码."""
    return _PARENS.sub("", normalised)


def _cell_text(value: Any) -> str:
    """A cell as stripped text (a whole float prints without '.0')."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _clean_name(value: Any) -> str:
    """A person's name: NFKC, no whitespace ("张  三" -> "张三"), one kind of middle dot."""
    text = unicodedata.normalize("NFKC", _cell_text(value))
    return "".join(text.split()).translate(_NAME_DOTS)


def _clean_place(value: Any) -> str:
    """A village or town name with whitespace collapsed."""
    return " ".join(_cell_text(value).split())


def _most_severe(*grades: int) -> int:
    """The most severe disability grade (1 is the most severe; 0 means none)."""
    present = [g for g in grades if g]
    return min(present) if present else 0


def _parse_grade(value: Any) -> int:
    """Disability grade from a cell: 一级, 2, 2.0, 肢体三级, 视力二级、听力四级 (most severe wins)."""
    if isinstance(value, bool):
        raise ValueError("true/false")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return 0
        if float(value).is_integer() and 0 <= value <= 4:
            return int(value)
        raise ValueError(str(value))
    text = _norm(_cell_text(value))
    if text in _NO_GRADE:
        return 0
    found = [_GRADE_CHARS[g] for g in _GRADE_IN_TEXT.findall(text)]
    if found:
        return _most_severe(*found)
    if text in _GRADE_CHARS:
        return _GRADE_CHARS[text]
    raise ValueError(text)


def _frame(records: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame with exactly ``columns`` and stable dtypes, also when empty."""
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    for col in frame.columns:
        if col in _INT_COLUMNS:
            frame[col] = frame[col].astype("int64")
        elif col in _BOOL_COLUMNS:
            frame[col] = frame[col].astype(bool)
        elif col == "birth_date":
            frame[col] = pd.to_datetime(frame[col])
        else:
            frame[col] = frame[col].astype(object)
    return frame


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------

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


def read_roster(path: str | os.PathLike[str],
                mapping: RosterMapping | str | os.PathLike[str] | None = None, *,
                as_of: datetime.date, label: str | None = None) -> RosterRead:
    """Read one roster (.xlsx or .csv) into accepted and rejected rows.

    ``mapping`` is a :class:`RosterMapping`, the path of a mapping YAML, or None for the
    default; ``as_of`` is the date ages are computed on; ``label`` is the file name shown
    in reports (default: the file's name). See the module docstring for blank rows, merged
    cells and the reasons a row is rejected. Raises :class:`RosterError` (``FILE: reason``) when the
    file cannot be read or no sheet has a header row.
    """
    path = Path(path)
    file = mask_ids_in_text(label or path.name)   # a file name shown anywhere holds no full ID
    if mapping is None:
        mapping = _default_mapping()
    elif not isinstance(mapping, RosterMapping):
        mapping = RosterMapping.from_yaml(mapping)
    if isinstance(as_of, datetime.datetime):
        as_of = as_of.date()
    if not path.exists():
        raise RosterError(file, "file not found")
    with safeio.open_regular(path, file, RosterError) as fh:   # no FIFO, device or directory
        head = fh.read(8)

    suffix = path.suffix.lower()
    encoding: str | None = None
    if head.startswith((b"\xd0\xcf\x11\xe0", b"PK\x03\x04")) or suffix in (".xls", ".xlsx", ".xlsm"):
        # safeio names .xls, password-protected, HTML-as-.xls and damaged files apart
        tables = _xlsx_tables(path, file, mapping.sheet)
    elif suffix in (".csv", ".txt", ".tsv", ""):
        encoding, table = _csv_table(path, file)
        tables = [table]
    else:
        raise RosterError(file, f"unsupported file type {suffix!r} (use .xlsx or .csv)")

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
        notes.append(f"{where}: header on row {table.records[start][0]}; "
                     + ", ".join(f"{header_texts[f]} -> {f}" for f in _FIELDS if f in colmap))
        if "category" not in colmap and "disability_grade" not in colmap \
                and not mapping.default_identity and not mapping.allow_no_identity:
            raise RosterError(file, f"{where} has no category column "
                              f"({', '.join(mapping.aliases('category')[:4])}, ...) and the "
                              "mapping gives no default_identity: nobody's identity can be told")
        b, h = _read_table(table, start, colmap, mapping, file, as_of, rows, rejected)
        blank += b
        headers += h
    if not sheets:
        raise RosterError(file, _no_header_reason(mapping, None))
    if encoding:
        notes.append(f"encoding: {encoding}")
    return RosterRead(file=file, path=path, rows=_frame(rows, ROW_COLUMNS),
                      rejected=_frame(rejected, REJECTED_COLUMNS), sheets=tuple(sheets),
                      encoding=encoding, skipped_blank=blank, skipped_headers=headers,
                      notes=tuple(mask_ids_in_text(n) for n in notes))


def _no_header_reason(mapping: RosterMapping, sheet: str | None) -> str:
    """Why no header row was found, naming a few of the aliases looked for."""
    where = f"sheet {sheet!r}" if sheet else ("the file" if sheet == "" else "any sheet")
    return (f"no header row with a name column and an ID-number column in the first "
            f"{HEADER_SEARCH_ROWS} rows of {where} (name headers tried: "
            f"{', '.join(mapping.aliases('name')[:3])}, ...; ID headers: "
            f"{', '.join(mapping.aliases('id_number')[:4])}, ...)")


def _xlsx_tables(path: Path, file: str, sheet: str | int | None) -> list[_Table]:
    """Cells of the chosen worksheet(s), vertically merged ranges filled down."""

    # full mode (merged cells are needed); the zip is inspected against safeio.ROSTER_XLSX first
    workbook = safeio.open_workbook(path, safeio.ROSTER_XLSX, file, RosterError, read_only=False)
    try:
        if sheet is None:
            worksheets = list(workbook.worksheets)
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(workbook.worksheets):
                raise RosterError(file, f"no sheet number {sheet} (the workbook has "
                                  f"{len(workbook.worksheets)}, counted from 0)")
            worksheets = [workbook.worksheets[sheet]]
        else:
            if sheet not in workbook.sheetnames:
                raise RosterError(file, f"no sheet named {sheet!r} (sheets: "
                                  f"{', '.join(workbook.sheetnames)})")
            worksheets = [workbook[sheet]]
        tables = []
        for ws in worksheets:
            grid = [list(r) for r in ws.iter_rows(min_row=1, max_row=ws.max_row,
                                                  values_only=True)]
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
            tables.append(_Table(mask_ids_in_text(ws.title),   # a sheet name is shown too
                                 [(i, cells) for i, cells in enumerate(grid, 1)]))
        return tables
    finally:
        workbook.close()


def _csv_table(path: Path, file: str) -> tuple[str, _Table]:
    """Decode a CSV (UTF-8 with or without BOM, UTF-16 with BOM, then GBK, GB18030) and
    split it into records numbered by the text line each record starts on."""
    data = safeio.read_capped(path, safeio.ROSTER_CSV.max_bytes or 0, safeio.ROSTER_CSV.what,
                              file, RosterError)
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


def _find_header(table: _Table, mapping: RosterMapping
                 ) -> tuple[int, dict[str, int], dict[str, str]] | None:
    """Index of the header record, field -> column index, field -> header text."""
    for index, (row, cells) in enumerate(table.records):
        if row > HEADER_SEARCH_ROWS:
            break
        texts = [_cell_text(c) for c in cells]
        colmap = _match_columns([_norm(t) for t in texts], mapping)
        if "name" in colmap and "id_number" in colmap:
            return index, colmap, {f: texts[j] for f, j in colmap.items()}
    return None


def _match_columns(headers: list[str], mapping: RosterMapping) -> dict[str, int]:
    """Field -> column: an exact alias beats a "(...)"-less match, an earlier alias beats a
    later one, a left column beats a right one; each column serves one field."""
    taken: set[int] = set()
    colmap: dict[str, int] = {}
    for fld in _CLAIM_ORDER:
        exact, loose = mapping._exact[fld], mapping._loose[fld]
        best: tuple[int, int] | None = None
        for j, header in enumerate(headers):
            if not header or j in taken:
                continue
            if header in exact:
                rank = exact.index(header)
            elif _loosen(header) in loose:
                rank = len(exact) + loose.index(_loosen(header))
            else:
                continue
            if best is None or (rank, j) < best:
                best = (rank, j)
        if best is not None:
            colmap[fld] = best[1]
            taken.add(best[1])
    return colmap


def _read_table(table: _Table, start: int, colmap: dict[str, int], mapping: RosterMapping,
                file: str, as_of: datetime.date, rows: list[dict[str, Any]],
                rejected: list[dict[str, Any]]) -> tuple[int, int]:
    """Turn the records below the header into accepted and rejected rows.

    Returns (blank rows skipped, repeated header rows skipped).
    """
    blank = repeated = 0
    name_aliases = set(mapping._exact["name"])
    id_aliases = set(mapping._exact["id_number"])

    def cell(cells: list[Any], fld: str) -> Any:
        j = colmap.get(fld)
        return cells[j] if j is not None and j < len(cells) else None

    for row, cells in table.records[start + 1:]:
        raw_name, raw_id = cell(cells, "name"), cell(cells, "id_number")
        name, id_text = _clean_name(raw_name), _cell_text(raw_id)
        if not name and not id_text:
            blank += 1
            continue
        if _norm(name) in name_aliases and _norm(id_text) in id_aliases:
            repeated += 1
            continue
        reasons: list[tuple[str, str]] = []   # (English, 简体中文)
        info: IdInfo | None = None
        if not id_text:
            reasons.append(("missing ID number", "缺少身份证号"))
        else:
            try:
                info = validate_id(raw_id, as_of=as_of)
            except IdNumberError as exc:
                reasons.append((f"invalid ID number: {exc.reason}", f"身份证号无效：{exc.reason_zh}"))
        if not name:
            reasons.append(("empty name", "姓名为空"))
        identities, grade, category_text = _row_identities(cells, cell, mapping, reasons)
        if info is not None and not reasons and not identities and not grade \
                and not mapping.allow_no_identity:
            reasons.append((
                "no identity: " + (f"category {category_text!r} confers none"
                                   if category_text else "category cell empty")
                + " and the mapping has no default_identity",
                "无身份：" + (f"类别 {category_text!r} 不对应任何身份" if category_text
                              else "类别单元格为空")
                + "，且对照表未设默认身份（default_identity）"))
        if reasons or info is None:
            rejected.append({
                "file": file, "sheet": table.sheet, "row": row,
                "id_masked": info.masked if info else mask_id(id_text),
                "name": mask_ids_in_text(name),
                "reason": mask_ids_in_text("; ".join(en for en, _ in reasons)),
                "reason_zh": mask_ids_in_text("；".join(zh for _, zh in reasons)),
            })
            continue
        rows.append({
            "file": file, "sheet": table.sheet, "row": row, "name": name,
            "id_number": info.number,
            "village": _clean_place(cell(cells, "village")),
            "town": _clean_place(cell(cells, "town")),
            "category_text": category_text,
            "identities": identities, "disability_grade": grade,
            "birth_date": info.birth_date, "age": info.age, "sex": info.sex,
            "id_converted": info.converted_from_15,
        })
    return blank, repeated


def _row_identities(cells: list[Any], cell: Any, mapping: RosterMapping,
                    reasons: list[tuple[str, str]]) -> tuple[tuple[str, ...], int, str]:
    """Identities (vocabulary order), disability grade and the category cell text of a row;
    problems are appended to ``reasons`` as (English, 简体中文) pairs."""
    identities = set(mapping.default_identity)
    grade = 0
    # an ID number typed into the category cell is masked before the cell is split into
    # words, so "特困 5206 2419 … 1X 低保" gives one unknown word, never its digit groups
    category_text = mask_ids_in_text(" ".join(_cell_text(cell(cells, "category")).split()))
    words = [w for w in _WORD_SPLIT.split(unicodedata.normalize("NFKC", category_text)) if w]
    unknown = []
    for word in words:
        rule = mapping.resolve_word(word)
        if rule is None:
            unknown.append(word)
            continue
        identities.update(rule.identities)
        grade = _most_severe(grade, rule.disability_grade)
    if unknown:
        reasons.append(("unknown category word " + ", ".join(repr(w) for w in unknown)
                        + f" (add it to the categories of the mapping {mapping.source})",
                        "未识别的类别词 " + "、".join(repr(w) for w in unknown)
                        + f"（请加入对照表 {mapping.source} 的 categories）"))
    raw_grade = cell(cells, "disability_grade")
    try:
        grade = _most_severe(grade, _parse_grade(raw_grade))
    except ValueError:
        reasons.append((f"unreadable disability grade {_cell_text(raw_grade)!r} "
                        "(expected 一级..四级 or 1..4)",
                        f"残疾等级 {_cell_text(raw_grade)!r} 无法识别（应为一级至四级或1至4）"))
    ordered = tuple(i for i in IDENTITY_IDS if i in identities)
    return ordered, grade, category_text


# ---------------------------------------------------------------------------------------
# Merging
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class RosterMerge:
    """Rosters merged into one person per valid ID number.

    ``persons`` (full ID numbers, for payment lists and the cost engine) has one row per
    ID: identities are the union in vocabulary order (``identity_mask`` is the bitmask of
    ``simulate.vocabulary``), ``disability_grade`` the most severe grade (1 most severe,
    0 none), name/village/town those of the first row that gave them. Everything else
    holds masked ID numbers only:

    * ``rejected``: every row not used, from reading and the duplicates;
    * ``duplicates``: later rows with an ID already seen in the same roster (also in
      ``rejected``, reason "duplicate of row N");
    * ``name_conflicts``: one row per occurrence of an ID that appears under different
      names (``group`` numbers the IDs, ``kept`` marks the name used in ``persons``,
      ``used`` is False for a duplicate row);
    * ``multi_list``: people on more than one roster;
    * ``by_file``: the accounting per roster.

    ``rows_read == rows_used + rows_rejected`` always holds; ``rows_used`` is the number of
    rows that contributed to ``persons`` (at least ``len(persons)``).
    """

    persons: pd.DataFrame = field(repr=False)  # full ID numbers: never in a repr or a log
    rejected: pd.DataFrame = field(repr=False)
    duplicates: pd.DataFrame = field(repr=False)
    name_conflicts: pd.DataFrame = field(repr=False)
    multi_list: pd.DataFrame = field(repr=False)
    by_file: pd.DataFrame = field(repr=False)
    rows_read: int
    rows_used: int
    rows_rejected: int


def merge_rosters(reads: Iterable[RosterRead]) -> RosterMerge:
    """Merge roster reads by ID number, detecting duplicates, name conflicts and people on
    several lists (see :class:`RosterMerge`). A file given twice raises RosterError."""
    reads = list(reads)
    seen_paths: dict[Path, str] = {}
    for read in reads:
        resolved = read.path.resolve()
        if resolved in seen_paths:
            raise RosterError(read.file, "given twice to merge_rosters: everyone on it would "
                              "look like a person on two lists")
        seen_paths[resolved] = read.file

    persons: dict[str, dict[str, Any]] = {}
    occurrences: dict[str, list[dict[str, Any]]] = {}
    duplicates: list[dict[str, Any]] = []
    by_file: list[dict[str, Any]] = []
    used_rows = 0
    for index, read in enumerate(reads):
        multi_sheet = len(read.sheets) > 1
        first: dict[str, dict[str, Any]] = {}
        n_dup = 0
        for rec in read.rows.to_dict("records"):
            key = rec["id_number"]
            where = _where(read.file, rec["sheet"], rec["row"], multi_sheet)
            kept = first.get(key)
            occurrences.setdefault(key, []).append(
                {"name": rec["name"], "file": read.file, "sheet": rec["sheet"],
                 "row": rec["row"], "used": kept is None})
            if kept is not None:
                n_dup += 1
                reason, reason_zh = _duplicate_reason(kept, rec, multi_sheet)
                duplicates.append({"file": read.file, "sheet": rec["sheet"], "row": rec["row"],
                                   "id_masked": mask_id(key),
                                   "name": mask_ids_in_text(rec["name"]),
                                   "first_row": kept["row"], "reason": reason,
                                   "reason_zh": reason_zh})
                continue
            first[key] = rec
            used_rows += 1
            person = persons.get(key)
            if person is None:
                persons[key] = {
                    "id_number": key, "name": rec["name"], "village": rec["village"],
                    "town": rec["town"], "identities": set(rec["identities"]),
                    "disability_grade": rec["disability_grade"], "age": rec["age"],
                    "sex": rec["sex"], "birth_date": rec["birth_date"],
                    "id_converted": rec["id_converted"], "sources": [where], "lists": [index],
                }
                continue
            person["identities"].update(rec["identities"])
            person["disability_grade"] = _most_severe(person["disability_grade"],
                                                      rec["disability_grade"])
            person["village"] = person["village"] or rec["village"]
            person["town"] = person["town"] or rec["town"]
            person["id_converted"] = person["id_converted"] or rec["id_converted"]
            person["sources"].append(where)
            if index not in person["lists"]:
                person["lists"].append(index)
        by_file.append({"file": read.file, "rows_read": read.rows_read,
                        "rows_used": len(read.rows) - n_dup,
                        "rows_rejected": len(read.rejected) + n_dup, "duplicates": n_dup,
                        "skipped_blank": read.skipped_blank})

    person_records = []
    multi_records = []
    for person in persons.values():
        identities = tuple(i for i in IDENTITY_IDS if i in person["identities"])
        lists = tuple(reads[i].file for i in person["lists"])
        record = {**person, "identities": identities, "identity_mask": identity_mask(identities),
                  "sources": tuple(person["sources"]), "lists": lists, "n_lists": len(lists)}
        person_records.append(record)
        if len(lists) > 1:
            multi_records.append({
                "id_masked": mask_id(person["id_number"]),
                "name": mask_ids_in_text(person["name"]), "village": person["village"],
                "n_lists": len(lists), "lists": lists, "identities": identities,
                "disability_grade": person["disability_grade"],
                "sources": tuple(person["sources"])})

    conflict_records = []
    group = 0
    for key, occ in occurrences.items():
        if len({o["name"] for o in occ}) < 2:
            continue
        group += 1
        kept_name = persons[key]["name"]
        for o in occ:
            conflict_records.append({"group": group, "id_masked": mask_id(key),
                                     "name": mask_ids_in_text(o["name"]),
                                     "kept": o["name"] == kept_name, "used": o["used"],
                                     "file": o["file"], "sheet": o["sheet"], "row": o["row"]})

    dup_as_rejected = [{k: d[k] for k in REJECTED_COLUMNS} for d in duplicates]
    read_rejected = [rec for read in reads for rec in read.rejected.to_dict("records")]
    order = {read.file: i for i, read in enumerate(reads)}
    all_rejected = sorted(read_rejected + dup_as_rejected,
                          key=lambda r: (order.get(r["file"], 0), str(r["sheet"]), r["row"]))

    rows_read = sum(read.rows_read for read in reads)
    rows_rejected = len(all_rejected)
    rows_used = rows_read - rows_rejected
    if rows_used != used_rows or used_rows < len(persons):
        raise RuntimeError(f"roster accounting broken: read {rows_read}, used {used_rows}, "
                           f"rejected {rows_rejected}")
    return RosterMerge(
        persons=_frame(person_records, PERSON_COLUMNS),
        rejected=_frame(all_rejected, REJECTED_COLUMNS),
        duplicates=_frame(duplicates, DUPLICATE_COLUMNS),
        name_conflicts=_frame(conflict_records, NAME_CONFLICT_COLUMNS),
        multi_list=_frame(multi_records, MULTI_LIST_COLUMNS),
        by_file=_frame(by_file, BY_FILE_COLUMNS),
        rows_read=rows_read, rows_used=rows_used, rows_rejected=rows_rejected)


def _where(file: str, sheet: str, row: int, multi_sheet: bool) -> str:
    """Where a row came from, as a user would look it up: 低保.xlsx:12 or 低保.xlsx[村A]:12."""
    return f"{file}[{sheet}]:{row}" if multi_sheet and sheet else f"{file}:{row}"


def _duplicate_reason(kept: Mapping[str, Any], rec: Mapping[str, Any],
                      multi_sheet: bool) -> tuple[str, str]:
    """'duplicate of row N' (English, 简体中文), saying what of the later row is lost when it
    differs."""
    other_sheet = multi_sheet and kept["sheet"] != rec["sheet"]
    place = f"row {kept['row']}" + (f" (sheet {kept['sheet']!r})" if other_sheet else "")
    place_zh = (f"工作表 {kept['sheet']!r} " if other_sheet else "") + f"第{kept['row']}行"
    lost_ids = [i for i in rec["identities"] if i not in kept["identities"]]
    lost, lost_zh = list(lost_ids), [label(i, "zh") for i in lost_ids]
    if rec["disability_grade"] and rec["disability_grade"] != kept["disability_grade"]:
        lost.append(f"disability grade {rec['disability_grade']}")
        lost_zh.append(f"{rec['disability_grade']}级残疾")
    reason, reason_zh = f"duplicate of {place}", f"与{place_zh}重复"
    if rec["name"] != kept["name"]:
        name = mask_ids_in_text(rec["name"])
        reason += f"; different name {name!r}"
        reason_zh += f"；姓名不同 {name!r}"
    if lost:
        reason += f"; not used from this row: {', '.join(lost)}"
        reason_zh += f"；本行未采用：{'、'.join(lost_zh)}"
    return reason, reason_zh
