"""Merging department rosters into one list of persons: duplicates, name conflicts and
people on several lists, every row read counted as used or rejected."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.idmask import mask_ids_in_text
from ..io.idnumber import mask_id
from ..vocabulary import ACTIVE, label
from .cells import (
    BY_FILE_COLUMNS,
    DUPLICATE_COLUMNS,
    MULTI_LIST_COLUMNS,
    NAME_CONFLICT_COLUMNS,
    PERSON_COLUMNS,
    REJECTED_COLUMNS,
    frame,
    most_severe,
    reason_text,
)
from .mapping import RosterError
from .roster import RosterRead


@dataclass(frozen=True, eq=False)
class RosterMerge:
    """Rosters merged into one person per valid ID number.

    ``persons`` (full ID numbers, for payment lists and the cost engine) has one row per
    ID: identities are the union in vocabulary order (``identity_mask`` is the bitmask of
    ``simulate.vocabulary``), ``disability_grade`` the most severe grade (1 most severe,
    0 none), name/village/town/hukou those of the first row that gave them (a person whose
    rows say rural and urban is not in ``persons``: their used rows are rejected). Everything else
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
    _refuse_repeated_files(reads)
    m = _Merging()
    m.repeated = _shared_ids(reads)
    singles = []
    for index, read in enumerate(reads):
        singles.append(_merge_read(m, index, read))
        m.position += len(read.rows)

    # 户籍 types that disagree (rural on one roster, urban on another) cannot both be right
    # and decide a tier: the person is left out, every used row rejected with the places
    conflict_rejected = _hukou_conflicts(m.persons, m.occurrences, m.by_file)
    m.used_rows -= len(conflict_rejected)

    person_records, multi_records = _person_records(m.persons, reads)
    persons = _in_roster_order(frame(person_records, PERSON_COLUMNS), [m.first[k] for k in m.persons], singles)
    conflict_records = _name_conflicts(m.occurrences, m.persons)
    all_rejected = _all_rejected(reads, m.duplicates, conflict_rejected)

    rows_read = sum(read.rows_read for read in reads)
    rows_rejected = len(all_rejected)
    rows_used = rows_read - rows_rejected
    if rows_used != m.used_rows or m.used_rows < len(persons):
        raise RuntimeError(f"roster accounting broken: read {rows_read}, used {m.used_rows}, rejected {rows_rejected}")
    return RosterMerge(
        persons=persons,
        rejected=all_rejected,
        duplicates=frame(m.duplicates, DUPLICATE_COLUMNS),
        name_conflicts=frame(conflict_records, NAME_CONFLICT_COLUMNS),
        multi_list=frame(multi_records, MULTI_LIST_COLUMNS),
        by_file=frame(m.by_file, BY_FILE_COLUMNS),
        rows_read=rows_read,
        rows_used=rows_used,
        rows_rejected=rows_rejected,
    )


@dataclass
class _Merging:
    """What :func:`merge_rosters` gathers file by file: persons by ID number (full numbers),
    every occurrence of each ID, the duplicate rows, the per-file accounting, rows used."""

    persons: dict[str, dict[str, Any]] = field(default_factory=dict)
    occurrences: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    by_file: list[dict[str, Any]] = field(default_factory=list)
    used_rows: int = 0
    repeated: set[str] = field(default_factory=set)  # IDs on more than one accepted row
    first: dict[str, int] = field(default_factory=dict)  # ID -> position of its first row
    position: int = 0  # rows of the earlier rosters


def _shared_ids(reads: list[RosterRead]) -> set[str]:
    """ID numbers on more than one accepted row (of any roster): only their rows are merged
    one by one; every other row is a person of its own, made column by column. Found by
    hashing the numbers in C (pandas), without a copy of them as digits."""
    if not reads:
        return set()
    ids = pd.concat([pd.Series(read.rows["id_number"].to_numpy(), dtype=object) for read in reads], ignore_index=True)
    return set(ids[ids.duplicated(keep=False)].tolist())


def _refuse_repeated_files(reads: list[RosterRead]) -> None:
    """One file given twice would make everyone on it a person on two lists."""
    seen_paths: dict[Path, str] = {}
    for read in reads:
        resolved = read.path.resolve()
        if resolved in seen_paths:
            raise RosterError(
                read.file, "given twice to merge_rosters: everyone on it would look like a person on two lists"
            )
        seen_paths[resolved] = read.file


def _merge_read(m: _Merging, index: int, read: RosterRead) -> tuple[pd.DataFrame, np.ndarray]:
    """Merge the accepted rows of roster number ``index``: a repeated ID in the same roster
    is a duplicate (rejected), anything else adds to or updates its person. Rows whose ID
    is on no other row make a person each and are returned (persons, positions) whole,
    without a dict per row (issue 16 item 4)."""
    multi_sheet = len(read.sheets) > 1
    first: dict[str, dict[str, Any]] = {}
    n_dup = 0
    rows = read.rows
    ids = rows["id_number"].tolist()
    shared = np.fromiter(map(m.repeated.__contains__, ids), bool, len(ids))
    positions = m.position + np.flatnonzero(shared)
    for pos, rec in zip(positions.tolist(), _records(rows[shared])):
        key = rec["id_number"]
        where = _where(read.file, rec["sheet"], rec["row"], multi_sheet)
        kept = first.get(key)
        m.occurrences.setdefault(key, []).append(
            {
                "name": rec["name"],
                "file": read.file,
                "sheet": rec["sheet"],
                "row": rec["row"],
                "used": kept is None,
                "hukou": rec["hukou"],
                "where": where,
                "list": index,
            }
        )
        if kept is not None:
            n_dup += 1
            m.duplicates.append(_duplicate_record(read.file, key, kept, rec, multi_sheet))
            continue
        first[key] = rec
        m.used_rows += 1
        m.first.setdefault(key, pos)
        _add_to_person(m.persons, key, rec, where, index)
    m.used_rows += int((~shared).sum())
    m.by_file.append(
        {
            "file": read.file,
            "rows_read": read.rows_read,
            "rows_used": len(read.rows) - n_dup,
            "rows_rejected": len(read.rejected) + n_dup,
            "duplicates": n_dup,
            "skipped_blank": read.skipped_blank,
        }
    )
    return _single_persons(rows[~shared], read.file, multi_sheet), m.position + np.flatnonzero(~shared)


def _records(rows: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """``rows.to_dict("records")`` (numbers as Python numbers, dates as Timestamps), made
    from each column's ``tolist`` rather than cell by cell."""
    columns = list(rows.columns)
    return (dict(zip(columns, values)) for values in zip(*(rows[c].tolist() for c in columns)))


def _single_persons(rows: pd.DataFrame, file: str, multi_sheet: bool) -> pd.DataFrame:
    """Persons of rows whose ID is on no other row, as ``_person_records`` would make them."""
    masks: dict[tuple[str, ...], int] = {}
    ids = rows["identities"].tolist()
    out = rows[["id_number", "name", "village", "town", "identities"]]  # copy-on-write: no copy made
    vocab = ACTIVE.get()  # local identities have bits too (masks up to 64 bits)
    for i in set(ids):
        masks[i] = vocab.identity_mask(i)
    values = [masks[i] for i in ids]
    # dtype as cells.frame infers (int64 while every mask fits), made from an array, not inferred
    fits = bool(values) and max(masks.values()) < 2**63
    out["identity_mask"] = pd.Series(np.array(values, np.int64) if fits else values, index=rows.index)
    for col in ("disability_grade", "age", "sex", "birth_date", "id_converted"):
        out[col] = rows[col]
    if multi_sheet:
        wheres = [_where(file, sh, r, multi_sheet) for sh, r in zip(rows["sheet"].tolist(), rows["row"].tolist())]
    else:  # _where's file:row, made in one comprehension
        wheres = [f"{file}:{r}" for r in rows["row"].tolist()]
    out["sources"] = pd.Series([(w,) for w in wheres], index=rows.index, dtype=object)
    out["lists"] = pd.Series([(file,)] * len(rows), index=rows.index, dtype=object)
    out["n_lists"] = np.ones(len(rows), np.int64)
    out["hukou"] = rows["hukou"]
    return out[list(PERSON_COLUMNS)]


def _in_roster_order(
    shared: pd.DataFrame, shared_first: list[int], singles: list[tuple[pd.DataFrame, np.ndarray]]
) -> pd.DataFrame:
    """All persons in the order of their first row (rosters in order, rows in order); ``singles``
    is emptied on the way (its frames go once put together)."""
    if not any(len(f) for f, _ in singles):
        return shared
    if len(shared) != len(shared_first):  # some were dropped for a 户籍 conflict
        raise RuntimeError("roster merge: persons and first rows out of step")
    parts = [shared] + [f for f, _ in singles]
    order = np.concatenate([np.array(shared_first, np.int64)] + [p for _, p in singles])
    singles.clear()  # each roster's persons go once put together (peak memory)
    persons = pd.concat([p.reset_index(drop=True) for p in parts], ignore_index=True)
    del parts
    persons = persons.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
    for col in persons.columns:  # the dtypes ``cells.frame`` gives
        if persons[col].dtype.kind not in "iubM":
            persons[col] = persons[col].astype(object)
    return persons


def _duplicate_record(
    file: str, key: str, kept: Mapping[str, Any], rec: Mapping[str, Any], multi_sheet: bool
) -> dict[str, Any]:
    """A duplicate row (masked), with the row it repeats and why it is not used."""
    reason, reason_zh = _duplicate_reason(kept, rec, multi_sheet)
    return {
        "file": file,
        "sheet": rec["sheet"],
        "row": rec["row"],
        "id_masked": mask_id(key),
        "name": mask_ids_in_text(rec["name"]),
        "first_row": kept["row"],
        "reason": reason,
        "reason_zh": reason_zh,
    }


def _add_to_person(
    persons: dict[str, dict[str, Any]], key: str, rec: Mapping[str, Any], where: str, index: int
) -> None:
    """A first row makes the person; a later one adds identities, the most severe grade and
    the places and 户籍 type still missing."""
    person = persons.get(key)
    if person is None:
        persons[key] = {
            "id_number": key,
            "name": rec["name"],
            "village": rec["village"],
            "town": rec["town"],
            "identities": set(rec["identities"]),
            "disability_grade": rec["disability_grade"],
            "age": rec["age"],
            "sex": rec["sex"],
            "birth_date": rec["birth_date"],
            "id_converted": rec["id_converted"],
            "sources": [where],
            "lists": [index],
            "hukou": rec["hukou"],
        }
        return
    person["identities"].update(rec["identities"])
    person["disability_grade"] = most_severe(person["disability_grade"], rec["disability_grade"])
    person["village"] = person["village"] or rec["village"]
    person["town"] = person["town"] or rec["town"]
    person["id_converted"] = person["id_converted"] or rec["id_converted"]
    person["hukou"] = person["hukou"] or rec["hukou"]  # recorded beats empty
    person["sources"].append(where)
    if index not in person["lists"]:
        person["lists"].append(index)


def _person_records(
    persons: Mapping[str, Mapping[str, Any]], reads: list[RosterRead]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One record per person (identities in vocabulary order, lists by file name), and the
    masked records of the people on more than one roster."""
    person_records = []
    multi_records = []
    for person in persons.values():
        identities = tuple(i for i in ACTIVE.get().identity_ids if i in person["identities"])
        lists = tuple(reads[i].file for i in person["lists"])
        record = {
            **person,
            "identities": identities,
            "identity_mask": ACTIVE.get().identity_mask(identities),
            "sources": tuple(person["sources"]),
            "lists": lists,
            "n_lists": len(lists),
        }
        person_records.append(record)
        if len(lists) > 1:
            multi_records.append(
                {
                    "id_masked": mask_id(person["id_number"]),
                    "name": mask_ids_in_text(person["name"]),
                    "village": person["village"],
                    "n_lists": len(lists),
                    "lists": lists,
                    "identities": identities,
                    "disability_grade": person["disability_grade"],
                    "sources": tuple(person["sources"]),
                }
            )
    return person_records, multi_records


def _name_conflicts(
    occurrences: Mapping[str, list[dict[str, Any]]], persons: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Every occurrence of an ID seen under different names (masked), numbered by group."""
    conflict_records = []
    group = 0
    for key, occ in occurrences.items():
        if len({o["name"] for o in occ}) < 2:
            continue
        group += 1
        # a person left out for a 户籍 conflict keeps no name (every row is rejected)
        kept_name = persons[key]["name"] if key in persons else None
        for o in occ:
            conflict_records.append(
                {
                    "group": group,
                    "id_masked": mask_id(key),
                    "name": mask_ids_in_text(o["name"]),
                    "kept": o["name"] == kept_name,
                    "used": o["used"],
                    "file": o["file"],
                    "sheet": o["sheet"],
                    "row": o["row"],
                }
            )
    return conflict_records


def _all_rejected(
    reads: list[RosterRead], duplicates: list[dict[str, Any]], conflict_rejected: list[dict[str, Any]]
) -> pd.DataFrame:
    """Rows rejected on reading, duplicates and 户籍 conflicts, in roster, sheet, row order
    (a stable sort: rows tied keep that order), as one frame."""
    dup_as_rejected = [{k: d[k] for k in REJECTED_COLUMNS} for d in duplicates]
    parts = [read.rejected for read in reads] + [frame(dup_as_rejected + conflict_rejected, REJECTED_COLUMNS)]
    out = pd.concat([p.astype(object) for p in parts], ignore_index=True)
    order = {read.file: i for i, read in enumerate(reads)}
    files = np.array([order.get(f, 0) for f in out["file"].tolist()], np.int64)
    sheets = pd.factorize(np.array([str(x) for x in out["sheet"].tolist()], dtype=object), sort=True)[0]
    at = np.lexsort((out["row"].to_numpy(np.int64), sheets, files))
    out = out.iloc[at].reset_index(drop=True)
    return pd.DataFrame({c: out[c].to_numpy(np.int64) if c == "row" else out[c] for c in REJECTED_COLUMNS})


def _hukou_conflicts(
    persons: dict[str, dict[str, Any]], occurrences: Mapping[str, list[dict[str, Any]]], by_file: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Drop persons whose rows give different recorded 户籍 types (an empty cell agrees with
    any) and return their used rows as rejected rows; ``by_file`` counts follow."""
    out: list[dict[str, Any]] = []
    for key in list(persons):
        used = [o for o in occurrences[key] if o["used"]]
        types = {o["hukou"] for o in used if o["hukou"]}
        if len(types) < 2:
            continue
        del persons[key]
        reason_en, reason_zh = (_hukou_conflict_reason(used, lang) for lang in ("en", "zh"))
        for o in used:
            out.append(
                {
                    "file": o["file"],
                    "sheet": o["sheet"],
                    "row": o["row"],
                    "id_masked": mask_id(key),
                    "name": mask_ids_in_text(o["name"]),
                    "reason": mask_ids_in_text(reason_en),
                    "reason_zh": mask_ids_in_text(reason_zh),
                }
            )
            by_file[o["list"]]["rows_used"] -= 1
            by_file[o["list"]]["rows_rejected"] += 1
    return out


def _where(file: str, sheet: str, row: int, multi_sheet: bool) -> str:
    """Where a row came from, as a user would look it up: 低保.xlsx:12 or 低保.xlsx[村A]:12."""
    return f"{file}[{sheet}]:{row}" if multi_sheet and sheet else f"{file}:{row}"


def _hukou_conflict_reason(used: list[dict[str, Any]], lang: str) -> str:
    """Which roster row says which 户籍 type, for a person whose rows disagree."""
    seen = reason_text("reason_sep", lang).join(
        reason_text("hukou_seen", lang, where=o["where"], hukou=reason_text(o["hukou"], lang))
        for o in used
        if o["hukou"]
    )
    return reason_text("hukou_conflict", lang, seen=seen)


def _duplicate_reason(kept: Mapping[str, Any], rec: Mapping[str, Any], multi_sheet: bool) -> tuple[str, str]:
    """'duplicate of row N' (English, 简体中文), saying what of the later row is lost when it
    differs (identities by id in English, by name in Chinese)."""
    other_sheet = multi_sheet and kept["sheet"] != rec["sheet"]
    place_key = "row_on_sheet" if other_sheet else "row"
    lost_ids = [i for i in rec["identities"] if i not in kept["identities"]]
    lost = {"en": list(lost_ids), "zh": [label(i, "zh") for i in lost_ids]}
    if rec["disability_grade"] and rec["disability_grade"] != kept["disability_grade"]:
        for lang, words in lost.items():
            words.append(reason_text("grade_lost", lang, grade=rec["disability_grade"]))
    texts = []
    for lang, words in lost.items():
        place = reason_text(place_key, lang, row=kept["row"], sheet=kept["sheet"])
        text = reason_text("duplicate", lang, place=place)
        if rec["name"] != kept["name"]:
            text += reason_text("different_name", lang, name=mask_ids_in_text(rec["name"]))
        if words:
            text += reason_text("not_used", lang, lost=reason_text("word_sep", lang).join(words))
        texts.append(text)
    return texts[0], texts[1]
