"""Populations as columns: one numpy array per attribute, any size (DESIGN.md data flow).

A person is an identity bitmask (bits from ``vocabulary.yaml``), age, sex, disability
grade, village, household, enrolled and timing. Populations come from the synthetic
builder (``synth``) or from a person-level CSV, Parquet or xlsx file (``read_population``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import PopulationError
from ..io import safeio
from ..io.headers import identity_problem
from ..io.idmask import mask_ids_in_text
from ..io.tabular import NotFast, population_rows
from ..numtext import MAX_PERSONS, ascii_digits, shorten, whole_from_text
from ..policy.rules import HUKOU_CODE, HUKOU_OF_CODE, Person
from ..policy.subsidy import TIMINGS
from ..vocabulary import ACTIVE, CANONICAL, Vocabulary, using

TIMING_CODE = {t: i for i, t in enumerate(TIMINGS)}
CSV_COLUMNS = (
    "person_id",
    "household_id",
    "village",
    "age",
    "sex",
    "disability_grade",
    "identities",
    "enrolled",
    "timing",
    "hukou",
    "grade",
)
_REQUIRED = ("person_id", "age", "sex")


@dataclass(frozen=True)
class Villages:
    """Villages (or towns, or one whole area) with residents and participation task."""

    ids: tuple[str, ...]
    zh: tuple[str, ...]
    en: tuple[str, ...]
    residents: np.ndarray  # int64, from the data file (0 when unknown)
    task: np.ndarray  # int64, persons (0 when unknown)

    def __len__(self) -> int:
        return len(self.ids)

    def label(self, i: int, lang: str = "zh") -> str:
        return self.zh[i] if lang == "zh" else self.en[i]


@dataclass
class Population:
    """Columnar people. ``timing``: codes of ``reference.TIMINGS`` (0 regular, 1 late,
    2 newborn within the window, 3 extended, …); ``hukou``: ``rules.HUKOU_CODE`` (None: not
    recorded for anyone)."""

    identities: np.ndarray  # uint32 bitmask
    age: np.ndarray  # uint8 whole years
    sex: np.ndarray  # uint8 0 = F, 1 = M
    disability: np.ndarray  # uint8 0 none, 1-4 grade
    village: np.ndarray  # uint16 index into ``villages``
    household: np.ndarray  # int64 household id
    enrolled: np.ndarray  # bool
    timing: np.ndarray  # uint8
    villages: Villages
    person_id: np.ndarray | None = None  # str ids when read from a file
    rejected: list[dict] = field(default_factory=list)
    rows_read: int = 0
    village_counts: np.ndarray | None = None  # persons per village, when known in advance
    hukou: np.ndarray | None = None  # uint8 户籍 type: 0 unknown, 1 rural, 2 urban
    grade: np.ndarray | None = None  # uint8 contribution grade chosen: index + 1, 0 not recorded
    grade_text: np.ndarray | None = None  # str: the grade as a population file writes it ("" none)

    def village_totals(self) -> np.ndarray:
        """Persons per village (int64), computed once."""
        if self.village_counts is None:
            self.village_counts = np.bincount(self.village, minlength=len(self.villages)).astype(np.int64)
        return self.village_counts

    def __len__(self) -> int:
        return int(self.identities.shape[0])

    def person(self, i: int, vocab: Vocabulary = CANONICAL) -> Person:
        """Row ``i`` as a :class:`~simulate.policy.rules.Person` for the reference calculation
        (``vocab``: the scenario's, when it declares local identities)."""
        return Person(
            frozenset(vocab.identities_of(int(self.identities[i]))),
            int(self.age[i]),
            "F" if self.sex[i] == 0 else "M",
            int(self.disability[i]),
            TIMINGS[int(self.timing[i])],
            "" if self.hukou is None else HUKOU_OF_CODE[int(self.hukou[i])],
        )

    def take(self, index: np.ndarray) -> Population:
        """A sub-population (rows ``index``) sharing the village table."""
        return Population(
            self.identities[index],
            self.age[index],
            self.sex[index],
            self.disability[index],
            self.village[index],
            self.household[index],
            self.enrolled[index],
            self.timing[index],
            self.villages,
            None if self.person_id is None else self.person_id[index],
            hukou=None if self.hukou is None else self.hukou[index],
            grade=None if self.grade is None else self.grade[index],
            grade_text=None if self.grade_text is None else self.grade_text[index],
        )

    @staticmethod
    def concat(parts: list[Population]) -> Population:
        first = parts[0]
        cat = np.concatenate
        hukou = None
        if any(p.hukou is not None for p in parts):
            hukou = cat([p.hukou if p.hukou is not None else np.zeros(len(p), np.uint8) for p in parts])
        grade = None
        if any(p.grade is not None for p in parts):
            grade = cat([p.grade if p.grade is not None else np.zeros(len(p), np.uint8) for p in parts])
        text = None
        if any(p.grade_text is not None for p in parts):
            text = cat([p.grade_text if p.grade_text is not None else np.full(len(p), "", object) for p in parts])
        return Population(
            cat([p.identities for p in parts]),
            cat([p.age for p in parts]),
            cat([p.sex for p in parts]),
            cat([p.disability for p in parts]),
            cat([p.village for p in parts]),
            cat([p.household for p in parts]),
            cat([p.enrolled for p in parts]),
            cat([p.timing for p in parts]),
            first.villages,
            hukou=hukou,
            grade=grade,
            grade_text=text,
        )

    def to_frame(self, lang: str = "zh", vocab: Vocabulary = CANONICAL):
        """Person-level pandas DataFrame with readable identity ids (for audits and notebooks)."""
        import pandas as pd

        ids = [";".join(vocab.identities_of(int(m))) for m in self.identities]
        return pd.DataFrame(
            {
                "person_id": self.person_id if self.person_id is not None else np.arange(len(self)),
                "household_id": self.household,
                "village": [self.villages.ids[v] for v in self.village],
                "age": self.age,
                "sex": np.where(self.sex == 0, "F", "M"),
                "disability_grade": self.disability,
                "identities": ids,
                "enrolled": self.enrolled.astype(int),
                "timing": [TIMINGS[t] for t in self.timing],
                "hukou": ([""] * len(self) if self.hukou is None else [HUKOU_OF_CODE[int(h)] for h in self.hukou]),
            }
        )


def one_area(name_zh: str, name_en: str, residents: int = 0, task: int = 0) -> Villages:
    return Villages(("all",), (name_zh,), (name_en,), np.array([residents], np.int64), np.array([task], np.int64))


def read_villages(path: Path) -> Villages:
    """Villages CSV with columns village_id, zh, en, residents, task (data/ files)."""
    text = safeio.read_text(path, safeio.VILLAGES, str(path), PopulationError)  # regular file, capped
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    if len(rows) > safeio.MAX_VILLAGES:
        raise PopulationError(str(path), f"{len(rows):,} villages; the limit is {safeio.MAX_VILLAGES:,}")
    need = {"village_id", "zh", "en", "residents", "task"}
    if not rows or not need <= set(rows[0]):
        raise PopulationError(str(path), f"villages file needs columns {', '.join(sorted(need))}")
    counts: dict[str, list[int]] = {"residents": [], "task": []}
    for n, r in enumerate(rows, start=2):
        for col in ("residents", "task"):
            try:  # decimal digits only: '①'.isdigit() is True but int('①') fails
                v = whole_from_text(r[col] or "", "a whole number")
            except ValueError as exc:
                raise PopulationError(f"{path}: row {n}, column {col}", str(exc)) from None
            if not 0 <= v <= MAX_PERSONS:
                raise PopulationError(f"{path}: row {n}, column {col}", f"must be 0 to {MAX_PERSONS:,}, got {v:,}")
            counts[col].append(v)
    return Villages(
        tuple(r["village_id"] for r in rows),
        tuple(r["zh"] for r in rows),
        tuple(r["en"] for r in rows),
        np.array(counts["residents"], np.int64),
        np.array(counts["task"], np.int64),
    )


# ----------------------------------------------------------------------------- file input


def read_population(
    path: str | Path,
    villages: Villages | None = None,
    *,
    strict: bool = True,
    chunk_bytes: int = 16 << 20,
    vocab: Vocabulary = CANONICAL,
) -> Population:
    """Read a person-level file with the DESIGN.md columns: CSV (UTF-8, UTF-8 with BOM or
    GBK), Parquet (``.parquet``) or a workbook (``.xlsx``, first sheet), the same contract.

    Every row is used or rejected with its row number, column and reason; with ``strict``
    (the CLI default) the first bad row stops the run with that one-line error.
    ``village`` values are matched to the scenario's villages (id, zh or en); unknown ones
    become new villages when the scenario has none, else the row is rejected. CSV and
    Parquet are read by Arrow in chunks of about ``chunk_bytes`` (:mod:`.popstream`); the
    result is the same whatever the chunk size. ``identities`` are ids or Chinese names of
    ``vocab`` (the scenario's, with its local identities; issue 15 item 1).
    """
    with using(vocab):
        return _read(path, villages, strict, chunk_bytes)


def _read(path: str | Path, villages: Villages | None, strict: bool, chunk_bytes: int) -> Population:
    where = str(path)
    try:
        return _read_fast(Path(path), villages, strict, chunk_bytes)
    except NotFast:
        pass
    # streamed: a regular file only, limits per line, field and row count (safeio.POPULATION)
    reader = population_rows(Path(path), where, PopulationError)
    header = check_header(reader, where)
    col = {h: i for i, h in enumerate(header)}
    fixed = villages is not None and villages.ids != ("all",)
    v_index: dict[str, int] = {}
    v_ids: list[str] = []
    if fixed:
        for i, (vid, zh, en) in enumerate(zip(villages.ids, villages.zh, villages.en)):
            v_index.update({vid: i, zh: i, en: i})
        v_ids = list(villages.ids)
    out = {k: [] for k in ("pid", "hh", "vil", "age", "sex", "dis", "ids", "enr", "tim", "hukou", "grade")}
    rejected: list[dict] = []
    seen: dict[str, int] = {}
    hh_index: dict[str, int] = {}
    rows_read = 0
    for n, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        rows_read += 1
        try:
            rec = parse_row(row, col, n, where, len(header))
            if rec["pid"] in seen:
                raise PopulationError(f"{where}: row {n}, column person_id", f"duplicate of row {seen[rec['pid']]}")
            vname = village_name(rec["vil"], v_index, v_ids, fixed, f"{where}: row {n}, column village")
        except PopulationError as exc:
            exc = PopulationError(mask_ids_in_text(exc.where), mask_ids_in_text(exc.reason))  # an ID in a wrong column
            if strict:
                raise exc from None
            rejected.append({"row": n, "reason": exc.one_line()})
            continue
        seen[rec["pid"]] = n
        rec["vil"] = v_index[vname]
        hh = rec["hh"] or f"person:{rec['pid']}"
        rec["hh"] = hh_index.setdefault(hh, len(hh_index))
        for k, v in rec.items():
            out[k].append(v)
    if rows_read == 0:
        raise PopulationError(where, "no data rows")
    if not fixed:
        if villages is not None and len(v_ids) == 1 and v_ids[0] == "(none)":
            vills = villages
        else:
            vills = Villages(
                tuple(v_ids), tuple(v_ids), tuple(v_ids), np.zeros(len(v_ids), np.int64), np.zeros(len(v_ids), np.int64)
            )
    else:
        vills = villages
    pop = columns_of(out, vills, rejected, rows_read, "hukou" in col, "grade" in col)
    assert len(pop) + len(rejected) == rows_read
    return pop


def village_name(text: str, v_index: dict[str, int], v_ids: list[str], fixed: bool, where: str) -> str:
    """A row's village as a key of ``v_index``; a new one is added unless the scenario's
    villages are fixed (then it is refused), up to ``safeio.MAX_VILLAGES``."""
    vname = mask_ids_in_text(text) or "(none)"  # an ID typed as a village
    if vname not in v_index:
        if fixed:
            raise PopulationError(where, f"unknown village {vname!r} for this scenario")
        if len(v_ids) >= safeio.MAX_VILLAGES:  # the village index is 16-bit
            raise PopulationError(
                where, f"more than {safeio.MAX_VILLAGES:,} different villages, the limit for one population file"
            )
        v_index[vname] = len(v_ids)
        v_ids.append(vname)
    return vname


def check_header(reader, where: str) -> list[str]:
    """The header record, checked: required columns present, none unknown or twice."""
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise PopulationError(where, "file is empty") from None
    missing = [c for c in _REQUIRED if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if missing:
        raise PopulationError(
            f"{where}: row 1 (header), column {missing[0]}",
            f"required column is missing; expected {', '.join(CSV_COLUMNS)}",
        )
    if unknown:
        raise PopulationError(
            f"{where}: row 1 (header), column {unknown[0]}", f"unknown column; expected {', '.join(CSV_COLUMNS)}"
        )
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise PopulationError(f"{where}: row 1 (header), column {dup[0]}", "column appears twice")
    return header


def columns_of(
    out: dict[str, list],
    villages: Villages,
    rejected: list[dict],
    rows_read: int,
    has_hukou: bool,
    has_grade: bool = False,
) -> Population:
    """The parsed rows as a columnar :class:`Population`."""
    return Population(
        ACTIVE.get().mask_array(out["ids"]),
        np.array(out["age"], np.uint8),
        np.array(out["sex"], np.uint8),
        np.array(out["dis"], np.uint8),
        np.array(out["vil"], np.uint16),
        np.array(out["hh"], np.int64),
        np.array(out["enr"], bool),
        np.array(out["tim"], np.uint8),
        villages,
        np.array(out["pid"], dtype=object),
        rejected,
        rows_read,
        hukou=np.array(out["hukou"], np.uint8) if has_hukou else None,
        grade_text=np.array(out["grade"], dtype=object) if has_grade else None,
    )


#: The former name, from when only CSV was read.
read_population_csv = read_population


def parse_row(row: Sequence[str], col: dict[str, int], n: int, where: str, width: int) -> dict:
    def err(column: str, reason: str) -> PopulationError:
        return PopulationError(f"{where}: row {n}, column {column}", reason)

    if len(row) != width:
        raise PopulationError(f"{where}: row {n}", f"has {len(row)} fields, the header has {width}")

    def get(name: str) -> str:
        return row[col[name]].strip() if name in col else ""

    pid = get("person_id")
    if not pid:
        raise err("person_id", "empty")
    age_t = get("age")
    # decimal digits only: full-width ４５ is 45; ①, ² or 5,000 digits are refused (str.isdigit
    # accepts ①, which int() then cannot read)
    try:
        age = whole_from_text(age_t, "a whole number of years")
    except ValueError as exc:
        raise err("age", f"{exc} (0-130)") from None
    if not 0 <= age <= 130:
        raise err("age", f"not a whole number of years 0-130: {shorten(age_t)!r}")
    sex_t = get("sex").upper()
    if sex_t not in ("F", "M", "女", "男"):
        raise err("sex", f"must be F or M: {shorten(get('sex'))!r}")
    dis_t = ascii_digits(get("disability_grade")) or "0"
    if dis_t not in ("0", "1", "2", "3", "4"):
        raise err("disability_grade", f"must be 0 (none) to 4: {shorten(dis_t)!r}")
    mask = 0
    for ident in get("identities").replace("；", ";").split(";"):
        ident = ident.strip()
        if not ident:
            continue
        found = ACTIVE.get().identity_of_text(ident)
        if found is None:
            raise err("identities", identity_problem(ident))  # with the nearest names (io.headers)
        mask |= 1 << ACTIVE.get().identity_bit[found]
    enr_t = ascii_digits(get("enrolled")) or "1"
    if enr_t not in ("0", "1"):
        raise err("enrolled", f"must be 1 or 0: {shorten(enr_t)!r}")
    tim_t = get("timing") or "regular"
    if tim_t not in TIMING_CODE:
        raise err("timing", f"must be one of {', '.join(TIMINGS)}: {shorten(tim_t)!r}")
    huk_t = _HUKOU_WORDS.get(get("hukou").lower())
    if huk_t is None:
        raise err("hukou", f"must be rural or urban (农村/城镇), or empty: {shorten(get('hukou'))!r}")
    return {
        "pid": pid,
        "hh": get("household_id"),
        "vil": get("village"),
        "age": age,
        "sex": 0 if sex_t in ("F", "女") else 1,
        "dis": int(dis_t),
        "ids": mask,
        "enr": enr_t == "1",
        "tim": TIMING_CODE[tim_t],
        "hukou": HUKOU_CODE[huk_t],
        "grade": get("grade"),  # checked against the scenario's grades by the engine (model.standards)
    }


#: 户籍 type as written in a population file (empty: not recorded).
_HUKOU_WORDS = {
    "": "",
    "rural": "rural",
    "urban": "urban",
    "农村": "rural",
    "城镇": "urban",
    "农业": "rural",
    "非农业": "urban",
}


# ----------------------------------------------------------------------------- Arrow chunks


class _State:
    """What the chunks of one file share: villages met so far and person-id hashes seen."""

    def __init__(self, villages: Villages | None, where: str, strict: bool) -> None:
        self.where, self.strict = where, strict
        self.fixed = villages is not None and villages.ids != ("all",)
        self.v_index: dict[str, int] = {}
        self.v_ids: list[str] = []
        if self.fixed:
            for i, (vid, zh, en) in enumerate(zip(villages.ids, villages.zh, villages.en)):
                self.v_index.update({vid: i, zh: i, en: i})
            self.v_ids = list(villages.ids)
        # person-id hashes seen, as sorted runs merged when one is no longer than the next
        # (a log-structured set: each hash is copied O(log chunks) times, not once a chunk)
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted hashes, row numbers)
        self.rejected: list[dict] = []
        self.rows_read = 0

    def earlier(self, h: np.ndarray) -> np.ndarray:
        """Row number of an earlier person with each hash, 0 when none."""
        found = np.zeros(len(h), np.int64)
        for seen, rows in self.runs:
            pos = np.minimum(np.searchsorted(seen, h), len(seen) - 1)
            found = np.where((found == 0) & (seen[pos] == h), rows[pos], found)
        return found

    def remember(self, h: np.ndarray, rows: np.ndarray, ordered: bool = False) -> None:
        """Add hashes ``h`` of rows ``rows`` (``ordered``: ``h`` is sorted already)."""
        if not len(h):
            return
        order = slice(None) if ordered else np.argsort(h, kind="stable")
        self.runs.append((h[order], rows[order]))
        while len(self.runs) > 1 and len(self.runs[-1][0]) >= len(self.runs[-2][0]) // 2:
            (a, ra), (b, rb) = self.runs.pop(), self.runs.pop()
            both = np.concatenate([b, a])
            order = np.argsort(both, kind="stable")
            self.runs.append((both[order], np.concatenate([rb, ra])[order]))


def _read_fast(path: Path, villages: Villages | None, strict: bool, chunk_bytes: int) -> Population:
    """:func:`read_population` through Arrow batches; raises ``NotFast`` for the per-row path."""
    from ..io.tabular import population_batches
    from . import popfast

    where = str(path)
    batches = population_batches(path, where, PopulationError, chunk_bytes)
    header = check_header(iter([next(batches)]), where)
    col = {h: i for i, h in enumerate(header)}
    st = _State(villages, where, strict)
    parts: list[dict] = []
    n0 = 2
    for batch in batches:
        raw = {h: batch.column(i) for h, i in col.items()}
        part = _fast_part(raw, batch.num_rows, n0, st, popfast)
        if part is None:
            part = _exact_part(batch, col, header, n0, st, popfast)
        parts.append(part)
        n0 += batch.num_rows
    if st.rows_read == 0:
        raise PopulationError(where, "no data rows")
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    if not st.fixed:
        vills = Villages(
            tuple(st.v_ids),
            tuple(st.v_ids),
            tuple(st.v_ids),
            np.zeros(len(st.v_ids), np.int64),
            np.zeros(len(st.v_ids), np.int64),
        )
    else:
        vills = villages
    _, first, inverse = np.unique(out["hh"], return_index=True, return_inverse=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    pop = Population(
        out["ids"],
        out["age"],
        out["sex"],
        out["dis"],
        out["vil"],
        rank[inverse.reshape(-1)],
        out["enr"],
        out["tim"],
        vills,
        out["pid"],
        st.rejected,
        st.rows_read,
        hukou=out["hukou"] if "hukou" in col else None,
        grade_text=out["grade"].astype(object) if "grade" in col else None,
    )
    assert len(pop) + len(st.rejected) == st.rows_read
    return pop


def _fast_part(raw: dict, n: int, n0: int, st: _State, popfast) -> dict | None:
    """One clean batch decoded by columns, or None when any row needs the per-row path."""
    import pyarrow.compute as pc

    pid, bad = popfast.trimmed(raw["person_id"])
    bad |= pc.equal(pc.utf8_length(pid), 0).to_numpy(zero_copy_only=False)
    out: dict[str, np.ndarray] = {}
    for name, key in (
        ("age", "age"),
        ("sex", "sex"),
        ("disability_grade", "dis"),
        ("identities", "ids"),
        ("enrolled", "enr"),
        ("timing", "tim"),
        ("hukou", "hukou"),
    ):
        fn, absent, dtype = popfast.DECODERS[name]
        dtype = ACTIVE.get().mask_dtype if name == "identities" else dtype
        if name in raw:
            out[key], b = popfast.decode_low(raw[name], fn, dtype)
            bad |= b
        else:
            out[key] = np.full(n, absent, dtype)
    if "grade" in raw:
        grade, b = popfast.trimmed(raw["grade"])
        bad |= b
        out["grade"] = pc.fill_null(grade, "").to_numpy(zero_copy_only=False).astype(object)
    if "household_id" in raw:
        hh, b = popfast.trimmed(raw["household_id"])
        bad |= b
        hh = pc.if_else(pc.equal(pc.utf8_length(hh), 0), pc.binary_join_element_wise("person:", pid, ""), hh)
    else:
        hh = pc.binary_join_element_wise("person:", pid, "")
    if bad.any():
        return None
    h = popfast.hash_strings(pid)
    order = np.argsort(h)
    hs = h[order]  # sorted queries: searchsorted walks the runs in order (cache friendly)
    if (hs[1:] == hs[:-1]).any() or st.earlier(hs).any():
        return None
    if "village" in raw:
        enc = pc.dictionary_encode(raw["village"])
        codes = enc.indices.to_numpy(zero_copy_only=False)
        names = [mask_ids_in_text(v.strip()) or "(none)" for v in enc.dictionary.to_pylist()]
    else:
        codes, names = np.zeros(n, np.int64), ["(none)"]
    new = [v for v in dict.fromkeys(names) if v not in st.v_index]
    if new and (st.fixed or len(st.v_ids) + len(new) > safeio.MAX_VILLAGES):
        return None
    for v in new:  # dictionary order is first appearance in the batch
        st.v_index[v] = len(st.v_ids)
        st.v_ids.append(v)
    out["vil"] = np.array([st.v_index[v] for v in names], np.uint16)[codes]
    out["hh"] = popfast.hash_strings(hh)
    out["pid"] = pid.to_numpy(zero_copy_only=False)
    st.remember(hs, np.arange(n0, n0 + n, dtype=np.int64)[order], ordered=True)
    st.rows_read += n
    return out


def _exact_part(batch, col: dict[str, int], header: list[str], n0: int, st: _State, popfast) -> dict:
    """One batch row by row with :func:`parse_row`: the exact errors and rejected rows."""
    import pyarrow as pa

    cells = [c.to_pylist() for c in batch.columns]
    keys = ("pid", "hh", "vil", "age", "sex", "dis", "ids", "enr", "tim", "hukou", "grade")
    out: dict[str, list] = {k: [] for k in keys}
    pids = [p.strip() for p in cells[col["person_id"]]]
    hashes = popfast.hash_strings(pa.array(pids, pa.string()))
    before = st.earlier(hashes)  # row of an earlier chunk's person with the same id
    kept: list[int] = []
    here: dict[str, int] = {}
    for k, (n, row) in enumerate(zip(range(n0, n0 + batch.num_rows), zip(*cells))):
        row = list(row)
        if not any(c.strip() for c in row):
            continue
        st.rows_read += 1
        try:
            rec = parse_row(row, col, n, st.where, len(header))
            first = here.get(rec["pid"]) or int(before[k])
            if first:
                raise PopulationError(f"{st.where}: row {n}, column person_id", f"duplicate of row {first}")
            vname = village_name(rec["vil"], st.v_index, st.v_ids, st.fixed, f"{st.where}: row {n}, column village")
        except PopulationError as exc:
            exc = PopulationError(mask_ids_in_text(exc.where), mask_ids_in_text(exc.reason))
            if st.strict:
                raise exc from None
            st.rejected.append({"row": n, "reason": exc.one_line()})
            continue
        here[rec["pid"]] = n
        kept.append(k)
        rec["vil"] = st.v_index[vname]
        rec["hh"] = rec["hh"] or f"person:{rec['pid']}"
        for key, v in rec.items():
            out[key].append(v)
    st.remember(hashes[kept], np.array(list(here.values()), np.int64))
    out["hh"] = popfast.hash_strings(pa.array(out["hh"], pa.string()))
    return {
        "ids": ACTIVE.get().mask_array(out["ids"]),
        "age": np.array(out["age"], np.uint8),
        "sex": np.array(out["sex"], np.uint8),
        "dis": np.array(out["dis"], np.uint8),
        "vil": np.array(out["vil"], np.uint16),
        "hh": out["hh"],
        "enr": np.array(out["enr"], bool),
        "tim": np.array(out["tim"], np.uint8),
        "pid": np.array(out["pid"], dtype=object),
        "hukou": np.array(out["hukou"], np.uint8),
        **({"grade": np.array(out["grade"], dtype=object)} if "grade" in col else {}),
    }
