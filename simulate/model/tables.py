"""Policy compiled to dense integer tables for the vectorized engine (DESIGN.md).

Index 0 of the tier axis is ``general`` (no tier); tier ``k`` of the scenario is index
``k + 1``. Amounts are fen per enrolled person; percent tiers are rounded once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..policy import Policy, Rule
from ..policy.rules import can_match_plain
from ..policy.subsidy import TIMINGS, enrollment_cost, payment
from ..vocabulary import IDENTITY_BIT
from .standards import Cells, cells_of


@dataclass(frozen=True)
class PolicyTables:
    """``pays[tier, timing, source]`` and ``fiscal[tier, timing]`` in fen; ``accepted`` bool;
    ``due[tier, timing]`` what one enrollment must bring in (the conservation check)."""

    tier_ids: tuple[str, ...]
    sources: tuple[str, ...]
    timings: tuple[str, ...]
    pays: np.ndarray  # int64 [T+1, M, S]  (M = len(TIMINGS))
    fiscal: np.ndarray  # int64 [T+1, M]
    accepted: np.ndarray  # bool  [T+1, M]
    rules: tuple[Rule, ...]
    highest_benefit: bool
    plain_can_match: bool  # some tier can match a person with no identity and no disability
    due: np.ndarray | None = None  # int64 [T+1, M]: personal + fiscal, or the stated late charge
    identity_bit: Mapping[str, int] = field(default_factory=lambda: IDENTITY_BIT)  # the scenario's bits
    cells: Cells | None = None  # None: one cell, everyone in a tier pays alike
    cell_pays: np.ndarray | None = None  # int64 [C, T+1, M, S] when there are several cells
    cell_fiscal: np.ndarray | None = None  # int64 [C, T+1, M]
    cell_due: np.ndarray | None = None  # int64 [C, T+1, M]

    @property
    def several(self) -> bool:
        """Whether people of one tier pay differently by their standard or age (cells)."""
        return self.cell_pays is not None

    @property
    def cost(self) -> np.ndarray:
        """What one enrollment costs in all (personal standard + fiscal subsidy), fen [T+1, 3]."""
        cost: np.ndarray = self.pays.sum(axis=2) + self.fiscal
        return cost


def _cell_tables(policy: Policy, standard: int, age: int | None) -> tuple[np.ndarray, ...]:
    """pays [T+1, M, S], fiscal, accepted and due [T+1, M] for one standard code and age."""
    tiers = (None,) + tuple(policy.tiers)
    vocab = policy.vocab  # canonical sources first, then the scenario's local payers
    pays = np.zeros((len(tiers), len(TIMINGS), len(vocab.source_ids)), dtype=np.int64)
    fiscal = np.zeros((len(tiers), len(TIMINGS)), dtype=np.int64)
    accepted = np.zeros((len(tiers), len(TIMINGS)), dtype=bool)
    due = np.zeros((len(tiers), len(TIMINGS)), dtype=np.int64)
    src_index = {s: i for i, s in enumerate(vocab.source_ids)}
    for ti, tier in enumerate(tiers):
        for mi, timing in enumerate(TIMINGS):
            pay = payment(policy, tier, timing, standard, age)
            for src, fen in pay.pays.items():
                pays[ti, mi, src_index[src]] += fen
            fiscal[ti, mi] = pay.fiscal_subsidy
            accepted[ti, mi] = pay.enrolled
            due[ti, mi] = enrollment_cost(policy, tier, timing, standard)
    return pays, fiscal, accepted, due


def compile_policy(policy: Policy) -> PolicyTables:
    """Dense tables for every (tier, timing) pair, built from the reference payment rule; with
    several cells (standards or ``by_age`` bands, ``model.standards``) one set per cell too."""
    vocab = policy.vocab
    cells = cells_of(policy)
    per_cell = [_cell_tables(policy, cells.standard(c), cells.age(c)) for c in range(cells.n)]
    pays, fiscal, accepted, due = per_cell[0]
    several = cells.n > 1
    if several and any((p[2] != accepted).any() for p in per_cell):
        raise ValueError("acceptance differs by standard")  # timing rules do not look at standards
    return PolicyTables(
        tier_ids=("general",) + tuple(t.id for t in policy.tiers),
        sources=vocab.source_ids,
        timings=TIMINGS,
        pays=pays,
        fiscal=fiscal,
        accepted=accepted,
        rules=tuple(t.eligibility for t in policy.tiers),
        highest_benefit=policy.multiple_identities.rule == "highest_benefit",
        plain_can_match=any(can_match_plain(t.eligibility, vocab.identity_bit) for t in policy.tiers),
        due=due,
        identity_bit=vocab.identity_bit,
        cells=cells if several else None,
        cell_pays=np.stack([p[0] for p in per_cell]) if several else None,
        cell_fiscal=np.stack([p[1] for p in per_cell]) if several else None,
        cell_due=np.stack([p[3] for p in per_cell]) if several else None,
    )
