"""Each person's own standard, as a small code per person for the vectorized engine.

A scenario with ``contribution.standards`` (age bands, students, grades people choose) or a
fixed subsidy ``by_age`` pays differently by person within one tier. The engine gives every
person a *cell*: their standard code (``Contribution.standard_list``: 0 base, then each
group in listed order) times the number of age segments, plus the age segment the ``by_age``
bands cut (docs/subsidy-forms.md). The tables hold one row per cell; a scenario with one
standard and no ``by_age`` has one cell and the engine skips all of this.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import PopulationError
from ..numtext import shorten
from ..policy import Policy, Rule
from ..policy.rules import mask_of
from .population import Population


@dataclass(frozen=True)
class Cells:
    """How people fall into cells: ``breaks`` the ages where a ``by_age`` band starts (the
    segments between them), ``who`` the (standard code, rule) of each rule group in listed
    order, ``grades`` the standard code of each grade and ``cum_share`` their cumulative
    shares in [0, 1] (for people whose choice is not recorded)."""

    n_standards: int
    breaks: np.ndarray  # int64 sorted ages > 0 where a band starts
    who: tuple[tuple[int, Rule], ...]
    grades: np.ndarray  # int64 standard code per grade index
    cum_share: np.ndarray  # float64 cumulative share per grade index (last is 1.0)
    grade_names: tuple[tuple[str, ...], ...] = ()  # (id, zh, en) per grade: what a file may write

    @property
    def n_ages(self) -> int:
        return int(self.breaks.shape[0]) + 1

    @property
    def n(self) -> int:
        """Number of cells (1: everyone pays alike within a tier)."""
        return self.n_standards * self.n_ages

    def standard(self, cell: int) -> int:
        """The standard code of a cell."""
        return cell // self.n_ages

    def age(self, cell: int) -> int:
        """An age inside the cell's age segment (its first year), for the ``by_age`` bands."""
        seg = cell % self.n_ages
        return 0 if seg == 0 else int(self.breaks[seg - 1])


def cells_of(policy: Policy) -> Cells:
    """The cells of a scenario: its standards and the age segments of every ``by_age`` band."""
    c = policy.contribution
    breaks = sorted(
        {b.from_ for t in policy.tiers for b in (t.subsidy.by_age or ()) if b.from_ > 0}
        | {b.below for t in policy.tiers for b in (t.subsidy.by_age or ()) if b.below is not None}
    )
    who = tuple((k, s.who) for k, s in enumerate(c.standards, start=1) if s.who is not None)
    codes = [k for k, s in enumerate(c.standards, start=1) if s.share is not None]
    shares = np.array([float(s.share or 0) for s in c.grades()], np.float64)
    cum = np.cumsum(shares) / 100.0 if shares.size else np.zeros(0)
    if cum.size:
        cum[-1] = 1.0
    names = tuple((g.id, g.label.zh, g.label.en) for g in c.grades())
    return Cells(1 + len(c.standards), np.array(breaks, np.int64), who, np.array(codes, np.int64), cum, names)


def grade_by_share(cells: Cells, person_id: np.ndarray | None, n: int) -> np.ndarray:
    """Grade index per person whose choice is not recorded, by the grades' shares: a stable
    hash of the person id (or of the row number) placed on the cumulative shares, so the same
    person gets the same grade whatever the chunk size."""
    if person_id is None:
        chars = np.arange(n, dtype=np.uint32)[:, None]
    else:
        text = np.asarray(person_id).astype(str)
        chars = text.view(np.uint32).reshape(text.shape[0], -1) if text.size else np.zeros((0, 1), np.uint32)
    h = np.full(chars.shape[0], 14695981039346656037, np.uint64)  # FNV-1a over the characters
    with np.errstate(over="ignore"):
        for j in range(chars.shape[1]):  # padding (0) is skipped: the width of a chunk's ids never counts
            c = chars[:, j].astype(np.uint64)
            h = np.where(c != 0, (h ^ c) * np.uint64(1099511628211), h)
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    u = (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    out: np.ndarray = np.searchsorted(cells.cum_share, u, side="right").astype(np.int64)
    return out


def cell_codes(cells: Cells, pop: Population) -> np.ndarray | None:
    """Cell per person (int64) for a :class:`~simulate.model.population.Population`, or None
    when the scenario has one cell. ``pop.grade`` holds grade index + 1 (0: not recorded)."""
    if cells.n == 1:
        return None
    n = len(pop)
    std = cells.grades[grade_indexes(cells, pop)] if cells.grades.size else np.zeros(n, np.int64)
    for k, rule in reversed(cells.who):  # the first listed group that matches wins
        std[mask_of(rule, pop.identities, pop.age, pop.sex, pop.disability, pop.hukou)] = k
    seg = np.searchsorted(cells.breaks, pop.age.astype(np.int64), side="right")
    out: np.ndarray = std * cells.n_ages + seg
    return out


def grades_from_text(cells: Cells, text: np.ndarray) -> np.ndarray:
    """Grade index per person from a population file's ``grade`` column (a grade's id, zh or
    en name; empty: not recorded, -1); PopulationError naming an unknown grade."""
    index = {name: i for i, names in enumerate(cells.grade_names) for name in names}
    values, inverse = np.unique(np.asarray(text, dtype=str), return_inverse=True)
    codes = np.empty(values.shape[0], np.int64)
    for k, value in enumerate(values):
        if value and value not in index:
            listed = ", ".join(f"{i} ({zh})" for i, zh, _ in cells.grade_names) or "none"
            from ..io.idmask import mask_ids_in_text  # only for this message: not loaded by every run

            shown = mask_ids_in_text(shorten(value))  # an ID number typed in the wrong column stays hidden
            raise PopulationError("population file, column grade", f"unknown grade {shown!r}; grades: {listed}")
        codes[k] = index.get(value, -1)
    out: np.ndarray = codes[inverse.reshape(-1)]
    return out


def grade_indexes(cells: Cells, pop: Population) -> np.ndarray:
    """Grade index per person: the one recorded (``pop.grade`` holds index + 1), else the one
    the shares give (:func:`grade_by_share`); empty when the scenario has no grades."""
    n = len(pop)
    if not cells.grades.size:
        return np.zeros(0, np.int64)
    grade = pop.grade
    if grade is None and pop.grade_text is not None:
        idx = grades_from_text(cells, pop.grade_text)
    else:
        idx = np.full(n, -1, np.int64) if grade is None else grade.astype(np.int64) - 1
    missing = np.flatnonzero(idx < 0)
    if missing.size and pop.person_id is not None:
        idx[missing] = grade_by_share(cells, pop.person_id[missing], missing.size)
    elif missing.size:
        idx[missing] = grade_by_share(cells, None, n)[missing]
    return idx
