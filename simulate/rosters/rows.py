"""The rows of one roster table below its header, read column by column: accepted rows (full
ID numbers) and rejected rows with every reason (DESIGN.md "rosters", issue 16 item 4).

The work is done once per distinct value where values repeat (category words, grades,
户籍 types, villages and towns: a county has a few hundred) and in bulk for ID numbers
(:func:`simulate.io.idbatch.plain_ids`), so a 1 M-row roster costs a few seconds; every
row still gets exactly the result and reasons the row-by-row rules give.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..io.idbatch import PlainIds, plain_ids
from ..io.idmask import mask_ids_in_text
from ..io.idnumber import IdInfo, IdNumberError, mask_id, validate_id
from ..vocabulary import ACTIVE
from .cells import (
    REJECTED_COLUMNS,
    ROW_COLUMNS,
    WORD_SPLIT,
    cell_text,
    clean_name,
    clean_place,
    frame,
    most_severe,
    norm,
    parse_grade,
    parse_hukou,
    reason,
    reason_text,
)
from .either import Judge, settle
from .mapping import RosterMapping
from .sheets import Record, Table, needs_exact

Reasons = list[tuple[str, str]]  # (English, 简体中文)

#: The fields a table's columns are read for, in this order.
READ_FIELDS = ("name", "id_number", "village", "town", "category", "disability_grade", "hukou")


@dataclass
class Accepted:
    """Accepted rows of a roster gathered column by column (full ID numbers), then one frame."""

    cols: dict[str, list[Any]] = field(default_factory=lambda: {c: [] for c in ROW_COLUMNS})
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def rows_frame(self) -> pd.DataFrame:
        """The accepted rows with the columns and dtypes of ``cells.frame``."""
        c = self.cols
        births = np.array(c["birth_date"], dtype=np.int64).astype("datetime64[D]")
        out = pd.DataFrame(
            {
                **{k: pd.Series(c[k], dtype=object) for k in ROW_COLUMNS},
                "row": np.array(c["row"], np.int64),
                "disability_grade": np.array(c["disability_grade"], np.int64),
                "age": np.array(c["age"], np.int64),
                "id_converted": np.array(c["id_converted"], bool),
                "birth_date": pd.to_datetime(births),
            }
        )
        return out[list(ROW_COLUMNS)]

    def rejected_frame(self) -> pd.DataFrame:
        return frame(self.rejected, REJECTED_COLUMNS)

    def accept(
        self,
        row: int,
        name: str,
        place: tuple[str, str],
        meaning: tuple[str, tuple[str, ...], int, str],
        who: IdInfo | tuple[str, PlainIds, int],
    ) -> None:
        """One accepted row: its place (village, town), its meaning (category text, identities,
        grade, 户籍 type) and its ID number, checked one by one (IdInfo) or in bulk."""
        c = self.cols
        c["row"].append(row)
        c["name"].append(name)
        c["village"].append(place[0])
        c["town"].append(place[1])
        for key, value in zip(("category_text", "identities", "disability_grade", "hukou"), meaning):
            c[key].append(value)
        if isinstance(who, IdInfo):
            c["id_number"].append(who.number)
            c["birth_date"].append((who.birth_date - datetime.date(1970, 1, 1)).days)
            c["age"].append(who.age)
            c["sex"].append(who.sex)
            c["id_converted"].append(who.converted_from_15)
            return
        number, fast, k = who
        c["id_number"].append(number)
        c["birth_date"].append(int(fast.birth_days[k]))
        c["age"].append(int(fast.age[k]))
        c["sex"].append("M" if fast.male[k] else "F")
        c["id_converted"].append(False)

    def close(self, file: str, sheet: str) -> None:
        """The file and sheet of the rows accepted since the last table."""
        n = len(self.cols["row"]) - len(self.cols["file"])
        self.cols["file"] += [file] * n
        self.cols["sheet"] += [sheet] * n


def _memo(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` computed once per distinct (type, value) of its arguments (True is not 1)."""
    cache: dict[tuple[Any, ...], Any] = {}

    def memo(*args: Any) -> Any:
        key = tuple((type(a), a) for a in args)
        try:
            return cache[key]
        except KeyError:
            cache[key] = got = fn(*args)
            return got
        except TypeError:  # an unhashable cell value
            return fn(*args)

    return memo


def columns(records: Iterable[Record], colmap: dict[str, int]) -> tuple[list[int], list[list[Any]]]:
    """Row numbers and, for each of READ_FIELDS, the cells of its column (None without one)."""
    index = [colmap.get(f) for f in READ_FIELDS]
    rows: list[int] = []
    cols: list[list[Any]] = [[] for _ in READ_FIELDS]
    pairs = [(cols[k], j) for k, j in enumerate(index) if j is not None]
    absent = [cols[k] for k, j in enumerate(index) if j is None]
    for row, cells in records:
        rows.append(row)
        width = len(cells)
        for out, j in pairs:
            out.append(cells[j] if j < width else None)
    for out in absent:
        out.extend([None] * len(rows))
    return rows, cols


def _key(value: Any) -> Any:
    """A cache key that keeps types apart where values compare equal (True, 1, 1.0)."""
    return value if type(value) is str else (type(value), value)


class _Rules:
    """What one table's cells mean, each worked out once per distinct value: category,
    grade and 户籍 cells together, places, header words and bare 低保 decided by ``judge``."""

    def __init__(self, mapping: RosterMapping, judge: Judge | None, hukou_header: str) -> None:
        self.mapping, self.judge, self.hukou_header = mapping, judge, hukou_header
        self.name_aliases = set(mapping._exact["name"])
        self.id_aliases = set(mapping._exact["id_number"])
        self.norm_of = _memo(norm)  # names are mostly distinct: not kept
        self.places: dict[Any, tuple[str, str]] = {}
        self.cells: dict[Any, tuple[tuple[str, ...], int, str, str, Reasons]] = {}
        self.settled: dict[Any, tuple[tuple[str, ...], Reasons]] = {}

    def is_header(self, name: str, id_text: str, quick: bool) -> bool:
        """A repeated header row (the name and ID headers again)."""
        return (id_text if quick else self.norm_of(id_text)) in self.id_aliases and self.norm_of(
            name
        ) in self.name_aliases

    def place(self, village: Any, town: Any) -> tuple[str, str]:
        """(village, town) of a row, cleaned."""
        try:
            key = (_key(village), _key(town))
            got = self.places.get(key)
            if got is None:
                got = self.places[key] = (clean_place(village), clean_place(town))
            return got
        except TypeError:  # an unhashable cell value
            return clean_place(village), clean_place(town)

    def _cells(self, cat: Any, grade: Any, hukou: Any) -> tuple[tuple[str, ...], int, str, str, Reasons]:
        identities, level, category_text, why = _row_identities(cat, grade, self.mapping)
        hukou_type, why_hukou = _row_hukou(hukou, self.hukou_header)
        return identities, level, category_text, hukou_type, why + why_hukou

    def meaning(
        self, cat: Any, grade: Any, hukou: Any, who: tuple[int, str] | None, reasons: Reasons
    ) -> tuple[tuple[str, ...], int, str, str]:
        """Identities, grade, category text and 户籍 type of a row from its category, grade and
        户籍 cells; ``who`` (age, sex) is None for an invalid ID number."""
        try:
            key = (_key(cat), _key(grade), _key(hukou))
            got = self.cells.get(key)
            if got is None:
                got = self.cells[key] = self._cells(cat, grade, hukou)
        except TypeError:  # an unhashable cell value
            got = self._cells(cat, grade, hukou)
        identities, level, category_text, hukou_type, why = got
        reasons += why
        if self.judge is not None and who is not None:  # bare 低保: taken where the reading does not matter
            decided = (identities, category_text, who, level, hukou_type)
            settled = self.settled.get(decided)
            if settled is None:
                why = []
                got_ids = settle(
                    identities, category_text, self.mapping, self.judge, who[0], who[1], level, hukou_type, why
                )
                settled = self.settled[decided] = (got_ids, why)
            identities = settled[0]
            reasons += settled[1]
        return identities, level, category_text, hukou_type


def read_rows(
    table: Table,
    start: int,
    colmap: dict[str, int],
    mapping: RosterMapping,
    file: str,
    as_of: datetime.date,
    out: Accepted,
    judge: Judge | None = None,
) -> tuple[int, int]:
    """Turn the records below the header into accepted and rejected rows (the rules of
    :mod:`.roster`'s docstring, row by row, in this order of reasons).

    Returns (blank rows skipped, repeated header rows skipped).
    """
    rows, (names, ids, villages, towns, *meant) = columns(table.records(start), colmap)
    if table.exact is not None and any(needs_exact(v) for v in ids):
        exact = table.exact(colmap["id_number"])
        ids = [exact.get(r, v) for r, v in zip(rows, ids)]
    fast = plain_ids(ids, as_of)
    ok, ages, males = fast.ok.tolist(), fast.age.tolist(), fast.male.tolist()
    header_cells = table.head[start][1]
    rules = _Rules(
        mapping, judge, mask_ids_in_text(cell_text(header_cells[colmap["hukou"]])) if "hukou" in colmap else ""
    )
    cats, grades, hukous = meant
    blank = repeated = 0
    for k, row in enumerate(rows):
        name, raw_id, quick = clean_name(names[k]), ids[k], ok[k]
        id_text = raw_id if quick else cell_text(raw_id)
        if not name and not id_text:
            blank += 1
            continue
        if rules.is_header(name, id_text, quick):
            repeated += 1
            continue
        reasons: Reasons = []
        info = None if quick else _row_id(raw_id, id_text, as_of, reasons)
        if not name:
            reasons.append(reason("empty_name"))
        who = (ages[k], "M" if males[k] else "F") if quick else (info.age, info.sex) if info else None
        identities, grade, category_text, hukou = rules.meaning(cats[k], grades[k], hukous[k], who, reasons)
        if who is not None and not reasons and not identities and not grade and not mapping.allow_no_identity:
            reasons.append(_no_identity_reason(category_text))
        if reasons or who is None:
            out.rejected.append(rejected_row(file, table.sheet, row, info, id_text, name, reasons))
            continue
        out.accept(
            row,
            name,
            rules.place(villages[k], towns[k]),
            (category_text, identities, grade, hukou),
            info or (ids[k], fast, k),
        )
    out.close(file, table.sheet)
    return blank, repeated


def rejected_row(
    file: str, sheet: str, row: int, info: IdInfo | None, id_text: str, name: str, reasons: Reasons
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


def _row_id(raw_id: Any, id_text: str, as_of: datetime.date, reasons: Reasons) -> IdInfo | None:
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


def _row_hukou(raw_hukou: Any, hukou_header: str) -> tuple[str, Reasons]:
    """The 户籍 type of a cell ("" when empty or unknown) and the reason an unknown one gives."""
    try:
        return parse_hukou(raw_hukou), []
    except ValueError:
        return "", [reason("unknown_hukou", text=mask_ids_in_text(cell_text(raw_hukou)), header=hukou_header)]


def _no_identity_reason(category_text: str) -> tuple[str, str]:
    """Why a valid row with no identity is rejected (English, 简体中文)."""
    why = "category_confers_none" if category_text else "category_empty"
    why_en, why_zh = (reason_text(why, lang, category=category_text) for lang in ("en", "zh"))
    return reason_text("no_identity", "en", why=why_en), reason_text("no_identity", "zh", why=why_zh)


def _row_identities(raw_category: Any, raw_grade: Any, mapping: RosterMapping) -> tuple[Any, int, str, Reasons]:
    """Identities (vocabulary order), disability grade, the category cell text of a row and
    the reasons its category or grade cell gives (English, 简体中文)."""
    identities = set(mapping.default_identity)
    grade = 0
    reasons: Reasons = []
    # an ID number typed into the category cell is masked before the cell is split into
    # words, so "特困 5206 2419 … 1X 低保" gives one unknown word, never its digit groups
    category_text = mask_ids_in_text(" ".join(cell_text(raw_category).split()))
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
            tuple(  # type: ignore[arg-type]
                reason_text(
                    "unknown_words",
                    lang,
                    words=reason_text("word_sep", lang).join(repr(w) for w in unknown),
                    source=mapping.source,
                )
                for lang in ("en", "zh")
            )
        )
    try:
        grade = most_severe(grade, parse_grade(raw_grade))
    except ValueError:
        reasons.append(reason("bad_grade", grade=cell_text(raw_grade)))
    ordered = tuple(i for i in ACTIVE.get().identity_ids if i in identities)
    return ordered, grade, category_text, reasons
