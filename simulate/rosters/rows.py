"""The rows of one roster table below its header, read column by column: accepted rows (full
ID numbers) and rejected rows with every reason (DESIGN.md "rosters", issue 16 item 4).

Work is done once per distinct value and kept as codes (numpy arrays): a cell's meaning once
per distinct (category, grade, 户籍) cells, a place once per (village, town), a name once per
distinct name, a bare 低保 once per (cells, age, sex); ID numbers are checked in bulk
(:func:`simulate.io.idbatch.plain_ids`). Only the rare rows written another way (an ID
number as a number, with spaces, 15 digits, invalid) and the rejected rows are handled one
by one, so a 1 M-row roster costs a few seconds and every row still gets exactly the result
and reasons, in the same order, that the row-by-row rules give.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..io.idbatch import PlainIds, plain_ids
from ..io.idmask import mask_ids_in_text
from ..io.idnumber import IdInfo, IdNumberError, mask_id, mask_plain, validate_id
from ..vocabulary import ACTIVE
from .arrays import numbered, objects
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
from .either import Judge, settle, words_to_decide
from .mapping import RosterMapping
from .sheets import Table, needs_exact

Reasons = list[tuple[str, str]]  # (English, 简体中文)

#: The fields a table's columns are read for, in this order.
READ_FIELDS = ("name", "id_number", "village", "town", "category", "disability_grade", "hukou")

#: Columns of the accepted rows that are not Python objects, with their numpy types.
_TYPED = {"row": np.int64, "disability_grade": np.int64, "age": np.int64, "id_converted": bool, "birth_date": np.int64}

#: A name that holds none of these and is NFKC already is its own clean form (``clean_name``).
_NAME_CHANGES = re.compile(r"[\s•‧・∙⋅･．.]")

_EPOCH = datetime.date(1970, 1, 1)


@dataclass
class Accepted:
    """Accepted rows of a roster gathered table by table as columns (full ID numbers), then
    one frame; rejected rows as columns too (masked)."""

    parts: list[dict[str, np.ndarray]] = field(default_factory=list)
    rejected: list[dict[str, list[Any]]] = field(default_factory=list)

    def rows_frame(self) -> pd.DataFrame:
        """The accepted rows with the columns and dtypes of ``cells.frame``."""
        if len(self.parts) == 1:  # one table: its columns as they are, not copied once more
            c = dict(self.parts[0])
        else:
            c = {
                k: np.concatenate([p[k] for p in self.parts]) if self.parts else np.zeros(0, _TYPED.get(k, object))
                for k in ROW_COLUMNS
            }
        out = pd.DataFrame(
            {
                # the arrays are this frame's own (made for it): not copied into a Series first
                **{k: pd.Series(c[k], dtype=object, copy=False) for k in ROW_COLUMNS if k not in _TYPED},
                **{k: c[k].astype(t) for k, t in _TYPED.items()},
                "birth_date": pd.to_datetime(c["birth_date"].astype(np.int64).astype("datetime64[D]")),
            }
        )
        return out[list(ROW_COLUMNS)]

    def rejected_frame(self) -> pd.DataFrame:
        """The rejected rows with the columns and dtypes of ``cells.frame``."""
        if not self.rejected:
            return frame([], REJECTED_COLUMNS)
        return pd.DataFrame(
            {
                k: np.array(self._column(k), np.int64) if k == "row" else pd.Series(self._column(k), dtype=object)
                for k in REJECTED_COLUMNS
            }
        )

    def _column(self, key: str) -> list[Any]:
        return [v for part in self.rejected for v in part[key]]


def _key(value: Any) -> Any:
    """A cache key that keeps types apart where values compare equal (True, 1, 1.0)."""
    return value if type(value) is str else (type(value), value)


def factorize(values: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Codes of the cells of a column, equal cells (same type and value: True is not 1, 1 is
    not 1.0) one code, and the first cell of each code."""
    n = len(values)
    keys = values if set(map(type, values)) <= {str} else [_key(v) for v in values]
    try:
        codes, _ = pd.factorize(np.fromiter(keys, dtype=object, count=n))
    except TypeError:  # an unhashable cell value: a code of its own
        codes, _ = pd.factorize(np.fromiter((_hashable(k, i) for i, k in enumerate(keys)), dtype=object, count=n))
    codes = codes.astype(np.int64)
    if not n:
        return codes, []
    seen = np.maximum.accumulate(codes)  # codes are numbered in order of first appearance
    return codes, [values[i] for i in np.flatnonzero(np.r_[True, seen[1:] > seen[:-1]]).tolist()]


def _hashable(key: Any, i: int) -> Any:
    try:
        hash(key)
        return key
    except TypeError:
        return ("unhashable", i)


def _all_clean(texts: list[str]) -> bool:
    """Every text is its own ``clean_name``: joined by NUL, which no normalisation joins to a
    neighbour, one search and one NFKC check cover them all."""
    joined = "\0".join(texts)
    return not _NAME_CHANGES.search(joined) and unicodedata.is_normalized("NFKC", joined)


def _clean_one(value: Any) -> str:
    """``clean_name``, without its work for a name that is clean already."""
    if type(value) is str and not _NAME_CHANGES.search(value) and unicodedata.is_normalized("NFKC", value):
        return value
    return clean_name(value)


class _Rules:
    """What one table's cells mean: category, grade and 户籍 cells together, and bare 低保
    decided by ``judge`` per (cells, age, sex)."""

    def __init__(self, mapping: RosterMapping, judge: Judge | None, hukou_header: str) -> None:
        self.mapping, self.judge, self.hukou_header = mapping, judge, hukou_header
        self.name_aliases = set(mapping._exact["name"])
        self.id_aliases = set(mapping._exact["id_number"])

    def cells(self, cat: Any, grade: Any, hukou: Any) -> tuple[tuple[str, ...], int, str, str, Reasons]:
        """Identities, grade, category text, 户籍 type and the reasons of one set of cells."""
        identities, level, category_text, why = _row_identities(cat, grade, self.mapping)
        hukou_type, why_hukou = _row_hukou(hukou, self.hukou_header)
        return identities, level, category_text, hukou_type, why + why_hukou

    def settled(self, meant: tuple[tuple[str, ...], int, str, str, Reasons], age: int, male: bool) -> Any:
        """(identities, reasons) of a row of these cells, age and sex, bare 低保 decided."""
        identities, level, category_text, hukou_type, _ = meant
        why: Reasons = []
        assert self.judge is not None  # only called with a judge
        got = settle(
            identities, category_text, self.mapping, self.judge, age, "M" if male else "F", level, hukou_type, why
        )
        return got, why


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
    :mod:`.roster`'s docstring, in this order of reasons).

    Returns (blank rows skipped, repeated header rows skipped).
    """
    rows, (names, ids, villages, towns, cats, grades, hukous) = table.columns(
        start, [colmap.get(f) for f in READ_FIELDS]
    )
    if table.exact is not None and float in set(map(type, ids)) and any(needs_exact(v) for v in ids):
        exact = table.exact(colmap["id_number"])
        ids = [exact.get(r, v) for r, v in zip(rows, ids)]
    header_cells = table.head[start][1]
    hukou_header = mask_ids_in_text(cell_text(header_cells[colmap["hukou"]])) if "hukou" in colmap else ""
    t = _TableRows(rows, ids, as_of, _Rules(mapping, judge, hukou_header))
    t.read_names(names)
    blank, repeated = t.skip()
    t.check_ids(as_of)
    t.mean(cats, grades, hukous)
    rejected = t.rejected()
    out.rejected.append(t.rejected_rows(np.flatnonzero(rejected).tolist(), file, table.sheet))
    if (~rejected & t.kept).any():
        out.parts.append(t.accepted(np.flatnonzero(~rejected & t.kept), villages, towns, file, table.sheet))
    return blank, repeated


class _TableRows:
    """The rows of one table as arrays (one entry per row), worked out step by step."""

    def __init__(self, rows: list[int], ids: list[Any], as_of: datetime.date, rules: _Rules) -> None:
        self.rows, self.ids, self.rules, self.n = rows, ids, rules, len(rows)
        self.fast: PlainIds = plain_ids(ids, as_of)
        self.slow = np.flatnonzero(~self.fast.ok).tolist()  # rows whose ID is checked one by one
        self.id_text = {k: cell_text(ids[k]) for k in self.slow}
        self.infos: dict[int, IdInfo | None] = {}
        self.id_reasons: dict[int, Reasons] = {}

    def read_names(self, names: list[Any]) -> None:
        """Clean names: checked all at once where every cell is text already clean (NFKC, no
        whitespace or dots: the usual column), else once per distinct cell."""
        if set(map(type, names)) <= {str} and _all_clean(names):
            self.names = objects(names)
            self.empty_name = np.fromiter(map(len, names), np.int64, self.n) == 0
            return
        codes, firsts = factorize(names)
        clean = [_clean_one(v) for v in firsts]
        self.names = objects(clean)[codes]
        self.empty_name = np.array([not c for c in clean], bool)[codes] if self.n else np.zeros(0, bool)

    def skip(self) -> tuple[int, int]:
        """Mark blank rows (no name, no ID) and repeated header rows as not kept; their counts."""
        self.kept = np.ones(self.n, bool)
        blank = repeated = 0
        names, aliases, name_aliases = self.names, self.rules.id_aliases, self.rules.name_aliases
        quick = [a for a in aliases if len(a) == 18]  # an alias that a checked ID might equal
        candidates = self.slow + (
            [k for k in np.flatnonzero(self.fast.ok).tolist() if self.ids[k] in quick] if quick else []
        )
        for k in sorted(candidates):
            name = names[k]
            id_text = self.id_text.get(k, self.ids[k])
            if not name and not id_text:
                blank += 1
            elif (id_text if k not in self.id_text else norm(id_text)) in aliases and norm(name) in name_aliases:
                repeated += 1
            else:
                continue
            self.kept[k] = False
        return blank, repeated

    def check_ids(self, as_of: datetime.date) -> None:
        """Check the kept rows' IDs not checked in bulk one by one; age and sex of every row
        with a valid ID (``who``)."""
        self.age = self.fast.age.copy()
        self.male = self.fast.male.copy()
        self.who = self.fast.ok.copy()
        for k in self.slow:
            if not self.kept[k]:
                continue
            reasons: Reasons = []
            info = self.infos[k] = _row_id(self.ids[k], self.id_text[k], as_of, reasons)
            self.id_reasons[k] = reasons
            if info is not None:
                self.age[k], self.male[k], self.who[k] = info.age, info.sex == "M", True

    def mean(self, cats: list[Any], grades: list[Any], hukous: list[Any]) -> None:
        """Each row's identities, grade, category text and 户籍 type: once per distinct cells,
        then bare 低保 once per distinct (cells, age, sex)."""
        joint = np.zeros(self.n, np.int64)
        for column in (cats, grades, hukous):
            codes, firsts = factorize(column)
            if joint.max(initial=0) >= 2**62 // max(len(firsts), 1):  # numbered again before it could overflow
                joint = np.unique(joint, return_inverse=True)[1].reshape(-1)
            joint = joint * len(firsts) + codes
        self.combo, first = numbered(joint)
        self.meant = [self.rules.cells(cats[r], grades[r], hukous[r]) for r in first.tolist()]
        self.kind = self.combo.copy()  # index into self.kinds: (identities, reasons of settling)
        self.kinds: list[tuple[tuple[str, ...], Reasons]] = [(m[0], []) for m in self.meant]
        if self.rules.judge is not None:
            self._settle()

    def _settle(self) -> None:
        """Bare 低保 decided among rows with a valid ID once per distinct meaning of the cells,
        and per age and sex only where the category cell holds a word to decide."""
        rows = np.flatnonzero(self.who & self.kept)
        meanings: dict[tuple[Any, ...], int] = {}
        of_combo = np.array([meanings.setdefault(m[:4], len(meanings)) for m in self.meant], np.int64)
        decide = np.array([bool(words_to_decide(m[2], self.rules.mapping)) for m in meanings], bool)
        meaning = of_combo[self.combo[rows]] if len(of_combo) else np.zeros(0, np.int64)
        person = np.where(decide[meaning], self.age[rows] * 2 + self.male[rows], 0)
        key = meaning * (int(self.age.max(initial=0)) * 2 + 2) + person
        inverse, first = numbered(key)
        base = len(self.kinds)
        for r in rows[first].tolist():  # a row of each kind: its own age and sex
            self.kinds.append(self.rules.settled(self.meant[self.combo[r]], int(self.age[r]), bool(self.male[r])))
        self.kind[rows] = base + inverse

    def rejected(self) -> np.ndarray:
        """Kept rows with at least one reason (a row without a valid ID always has one)."""
        level = np.array([m[1] for m in self.meant], np.int64)[self.combo]
        cells_why = np.array([bool(m[4]) for m in self.meant], bool)[self.combo]
        no_ids = np.array([not k[0] for k in self.kinds], bool)[self.kind]
        settle_why = np.array([bool(k[1]) for k in self.kinds], bool)[self.kind]
        reasons = ~self.who | self.empty_name | cells_why | settle_why
        self.no_identity = self.who & ~reasons & no_ids & (level == 0) & (not self.rules.mapping.allow_no_identity)
        return self.kept & (reasons | self.no_identity)

    def rejected_rows(self, ks: list[int], file: str, sheet: str) -> dict[str, list[Any]]:
        """Rows ``ks`` rejected (masked) as columns, each with every reason in the order the
        row-by-row rules give them, joined once per distinct set of reasons; names masked once
        per distinct name, plain ID numbers (checked in bulk) masked by slicing, as mask_id
        shows them."""
        joined: dict[tuple[Any, ...], tuple[str, str]] = {}
        at = np.array(ks, np.int64)
        flags = zip(self.empty_name[at].tolist(), self.combo[at].tolist(), self.kind[at].tolist())
        en: list[str] = []
        zh: list[str] = []
        for k, (empty, combo, kind), no_id in zip(ks, flags, self.no_identity[at].tolist()):
            key = (tuple(self.id_reasons.get(k, ())), empty, combo, kind, no_id)
            got = joined.get(key)
            if got is None:
                reasons: Reasons = list(key[0]) + ([_empty_name()] if empty else []) + self.meant[combo][4]
                reasons += self.kinds[kind][1] if kind != combo else []
                reasons += [_no_identity_reason(self.meant[combo][2])] if no_id else []
                got = joined[key] = _joined(tuple(reasons))
            en.append(got[0])
            zh.append(got[1])
        names = self.names[at].tolist() if len(ks) else []
        masked = {n: mask_ids_in_text(n) for n in set(names)}
        plain = self.fast.ok[at].tolist() if len(ks) else []
        ids = []
        for k, fast in zip(ks, plain):
            if fast:  # 18 ASCII characters [0-9]{17}[0-9X]: no normalising needed
                ids.append(mask_plain(self.ids[k]))
            else:
                info = self.infos.get(k)
                ids.append(info.masked if info else mask_id(self.id_text.get(k, self.ids[k])))
        return {
            "file": [file] * len(ks),
            "sheet": [sheet] * len(ks),
            "row": [self.rows[k] for k in ks],
            "id_masked": ids,
            "name": [masked[n] for n in names],
            "reason": en,
            "reason_zh": zh,
        }

    def accepted(self, at: np.ndarray, villages: list[Any], towns: list[Any], file: str, sheet: str) -> dict:
        """The columns of the accepted rows ``at`` (row numbers in order)."""
        combo, n = self.combo[at], len(at)
        cols: dict[str, Any] = {
            "file": objects([file] * n),
            "sheet": objects([sheet] * n),
            "row": np.array(self.rows, np.int64)[at],
            "name": self.names[at],
            "category_text": objects([m[2] for m in self.meant])[combo],
            "identities": objects([k[0] for k in self.kinds])[self.kind[at]],
            "disability_grade": np.array([m[1] for m in self.meant], np.int64)[combo],
            "hukou": objects([m[3] for m in self.meant])[combo],
        }
        cols["village"], cols["town"] = _places(villages, towns, at)
        number = objects(self.ids)[at] if n else objects([])
        birth, conv = self.fast.birth_days[at].copy(), np.zeros(n, bool)
        for i in np.flatnonzero(~self.fast.ok[at]).tolist():
            info = self.infos[int(at[i])]
            assert info is not None  # an accepted row has a valid ID
            number[i], birth[i], conv[i] = info.number, (info.birth_date - _EPOCH).days, info.converted_from_15
        sexes = objects(["F", "M"])
        cols.update(id_number=number, birth_date=birth, age=self.age[at], sex=sexes[self.male[at].astype(np.int64)])
        cols["id_converted"] = conv
        return cols


def _places(villages: list[Any], towns: list[Any], at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(village, town) of the rows ``at``, cleaned once per distinct pair."""
    (vc, vf), (tc, tf) = factorize(villages), factorize(towns)
    uniq, inverse = np.unique(vc[at] * max(len(tf), 1) + tc[at], return_inverse=True)
    pairs = [(clean_place(vf[u // max(len(tf), 1)]), clean_place(tf[u % max(len(tf), 1)])) for u in uniq.tolist()]
    return objects([p[0] for p in pairs])[inverse], objects([p[1] for p in pairs])[inverse]


@functools.lru_cache(maxsize=4096)
def _joined(reasons: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """Reasons joined and masked (English, 简体中文), once per distinct list of reasons."""
    return (
        mask_ids_in_text(reason_text("reason_sep", "en").join(en for en, _ in reasons)),
        mask_ids_in_text(reason_text("reason_sep", "zh").join(zh for _, zh in reasons)),
    )


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


@functools.lru_cache(maxsize=1)
def _empty_name() -> tuple[str, str]:
    return reason("empty_name")


@functools.lru_cache(maxsize=4096)
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
