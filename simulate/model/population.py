"""Populations as columns: one numpy array per attribute, any size (DESIGN.md data flow).

A person is an identity bitmask (bits from ``vocabulary.yaml``), age, sex, disability
grade, village, household, enrolled and timing. Populations come from the synthetic
builder (``synth``) or from a person-level CSV, Parquet or xlsx file (``read_population``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import PopulationError
from ..io import safeio
from ..numtext import MAX_PERSONS, whole_from_text
from ..policy.rules import HUKOU_OF_CODE, Person
from ..policy.subsidy import TIMINGS
from ..vocabulary import CANONICAL, Vocabulary

if TYPE_CHECKING:  # the file reader (and its header words) is loaded when a file is read
    from .popstream import Stream


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
    rejected: list[dict[str, Any]] = field(default_factory=list)
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

    def to_frame(self, lang: str = "zh", vocab: Vocabulary = CANONICAL) -> Any:
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


class PopulationFile:
    """A person-level file as a stream of chunk :class:`Population` objects (issue 16 item 2).

    Iterating yields one Population per chunk (its ``household`` holds 64-bit household
    keys, not numbers 0…n, or 0 without ``keep_ids``; its ``villages`` the villages met so
    far), or None when the file
    is being read again from the start (see :class:`.popstream.Stream`): whoever counts
    drops what it counted. After the iteration, :meth:`villages`, ``rows_read`` and
    ``rejected`` describe the whole file; memory stays that of one chunk.
    """

    def __init__(
        self,
        path: str | Path,
        villages: Villages | None = None,
        *,
        strict: bool = True,
        chunk_bytes: int = 16 << 20,
        keep_ids: bool = True,
        vocab: Vocabulary = CANONICAL,
    ) -> None:
        self.given = villages
        fixed = villages is not None and villages.ids != ("all",)
        known = list(zip(villages.ids, villages.zh, villages.en)) if fixed and villages is not None else None
        from .popstream import Stream  # here: a synthetic run never loads the file reader

        rows = max(1, chunk_bytes >> 6)
        self.stream = Stream(
            path, known, strict=strict, chunk_bytes=chunk_bytes, chunk_rows=rows, keep_ids=keep_ids, vocab=vocab
        )

    @property
    def rows_read(self) -> int:
        return self.stream.rows_read

    @property
    def rejected(self) -> list[dict[str, Any]]:
        return self.stream.rejected

    def __iter__(self) -> Iterator[Population | None]:
        for cols in self.stream:
            yield None if cols is None else self._chunk(cols)

    def villages(self) -> Villages:
        """The villages of the file so far: the scenario's when fixed, else those met, in
        order of first appearance (residents and task unknown)."""
        st = self.stream
        if st.fixed and self.given is not None:
            return self.given
        if self.given is not None and st.v_ids == ["(none)"]:
            return self.given  # no village column: the scenario's one area
        ids = tuple(st.v_ids)
        return Villages(ids, ids, ids, np.zeros(len(ids), np.int64), np.zeros(len(ids), np.int64))

    def _chunk(self, cols: dict[str, np.ndarray]) -> Population:
        return Population(
            cols["ids"],
            cols["age"],
            cols["sex"],
            cols["dis"],
            cols["vil"],
            cols["hh"].view(np.int64),
            cols["enr"],
            cols["tim"],
            self.villages(),
            cols["pid"] if len(cols["pid"]) == len(cols["ids"]) else None,
            hukou=cols["hukou"] if self.stream.has_hukou else None,
            grade_text=cols["grade"] if self.stream.has_grade else None,
        )


def read_population(
    path: str | Path,
    villages: Villages | None = None,
    *,
    strict: bool = True,
    chunk_bytes: int = 16 << 20,
    vocab: Vocabulary = CANONICAL,
) -> Population:
    """Read a whole person-level file with the DESIGN.md columns: CSV (UTF-8, UTF-8 with BOM
    or GBK), Parquet (``.parquet``) or a workbook (``.xlsx``, first sheet).

    Every row is used or rejected with its row number, column and reason; with ``strict``
    (the CLI default) the first bad row stops the run with that one-line error.
    ``village`` values are matched to the scenario's villages (id, zh or en); unknown ones
    become new villages when the scenario has none, else the row is rejected. The file is
    read in chunks of about ``chunk_bytes`` (:class:`PopulationFile`) and the chunks joined;
    the result is the same whatever the chunk size. Households are numbered in order of
    first appearance. Runs that only count stream the file instead (``model.runner``).
    ``identities`` are ids or Chinese names of ``vocab`` (the scenario's, with its local
    identities; issue 15 item 1).
    """
    source = PopulationFile(path, villages, strict=strict, chunk_bytes=chunk_bytes, vocab=vocab)
    parts: list[Population] = []
    for part in source:
        if part is None:  # read again from the start by the per-row path
            parts.clear()
        else:
            parts.append(part)
    vills = source.villages()
    pop = _joined(parts, vills) if parts else Population.concat([_empty(vills, source.stream)])
    pop.person_id = np.concatenate([p.person_id for p in parts if p.person_id is not None] or [np.zeros(0, object)])
    pop.rejected, pop.rows_read = source.rejected, source.rows_read
    assert len(pop) + len(pop.rejected) == pop.rows_read
    return pop


def _joined(parts: list[Population], villages: Villages) -> Population:
    """Chunks as one population, household keys numbered in order of first appearance."""
    pop = Population.concat(parts)
    pop.villages = villages
    _, first, inverse = np.unique(pop.household, return_index=True, return_inverse=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    pop.household = rank[inverse.reshape(-1)]
    return pop


def _empty(villages: Villages, stream: Stream) -> Population:
    z = np.zeros(0, np.uint8)
    return Population(
        stream.vocab.mask_array([]),
        z,
        z,
        z,
        np.zeros(0, np.uint16),
        np.zeros(0, np.int64),
        np.zeros(0, bool),
        z,
        villages,
        hukou=z if stream.has_hukou else None,
        grade_text=np.zeros(0, object) if stream.has_grade else None,
    )


#: The former name, from when only CSV was read.
read_population_csv = read_population
