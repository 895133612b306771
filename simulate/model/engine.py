"""The vectorized cost engine: resolve each person's tier with masks, tally, multiply.

Most people hold no identity and no disability grade: only those who do are resolved
(unless a tier could match someone without either). People are counted per (tier,
enrolled, timing, village) with ``np.bincount``; money is counts × the compiled tables,
all in integer fen (DESIGN.md, "The engine tallies, it does not loop").
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..policy import Policy, Rule
from ..policy.rules import can_match_plain, mask_of
from ..policy.subsidy import OFF_TIME, TIMINGS
from .behaviour import tier_retention
from .population import Population
from .standards import cell_codes
from .tables import PolicyTables, compile_policy

N_TIMINGS = len(TIMINGS)
_OFF_TIME_CODE = np.array([t in OFF_TIME for t in TIMINGS], bool)


@dataclass
class Tally:
    """Counts of people, additive across chunks. Shapes: T = tiers + 1, M = timing classes
    (``reference.TIMINGS``), V = villages, G = groups."""

    counts: np.ndarray  # int64 [T, M, V]: enrolled and accepted, by tier, timing class, village
    refused: np.ndarray  # int64 [T, V]: late payers the scenario does not accept
    not_enrolled: np.ndarray  # int64 [T, V]: people who did not enroll, by the tier they would get
    group_members: np.ndarray  # int64 [G, V]
    group_enrolled: np.ndarray  # int64 [G, V]
    group_on_time: np.ndarray  # int64 [G, V]: enrolled on time (not in ``reference.OFF_TIME``)
    ties: int = 0  # people whose tier was decided by listed order between equal benefits
    cells: np.ndarray | None = None  # int64 [C, T, M, V]: ``counts`` by cell (several standards)

    def __add__(self, other: Tally) -> Tally:
        cells = self.cells if other.cells is None else other.cells
        if self.cells is not None and other.cells is not None:
            cells = self.cells + other.cells
        return Tally(
            self.counts + other.counts,
            self.refused + other.refused,
            self.not_enrolled + other.not_enrolled,
            self.group_members + other.group_members,
            self.group_enrolled + other.group_enrolled,
            self.group_on_time + other.group_on_time,
            self.ties + other.ties,
            cells,
        )

    def widened(self, n_villages: int) -> Tally:
        """The same counts over ``n_villages`` villages (the later ones empty): a file's
        chunks meet new villages as they go, and tallies add only at the same width."""
        extra = n_villages - self.counts.shape[-1]
        if extra <= 0:
            return self

        def pad(a: np.ndarray) -> np.ndarray:
            return np.pad(a, [(0, 0)] * (a.ndim - 1) + [(0, extra)])

        return Tally(
            pad(self.counts),
            pad(self.refused),
            pad(self.not_enrolled),
            pad(self.group_members),
            pad(self.group_enrolled),
            pad(self.group_on_time),
            self.ties,
            None if self.cells is None else pad(self.cells),
        )

    @property
    def persons(self) -> int:
        return int(self.counts.sum() + self.refused.sum() + self.not_enrolled.sum())

    @staticmethod
    def zeros(n_tiers: int, n_villages: int, n_groups: int) -> Tally:
        return Tally(
            np.zeros((n_tiers, N_TIMINGS, n_villages), np.int64),
            np.zeros((n_tiers, n_villages), np.int64),
            np.zeros((n_tiers, n_villages), np.int64),
            np.zeros((n_groups, n_villages), np.int64),
            np.zeros((n_groups, n_villages), np.int64),
            np.zeros((n_groups, n_villages), np.int64),
        )


@dataclass(frozen=True)
class Compiled:
    """What the engine needs of a policy: tables, group rules, and ranking keys."""

    tables: PolicyTables
    groups: tuple[Rule, ...]
    groups_plain: bool
    relevant_bits: int  # identity bits any tier or group rule looks at
    uses_disability: bool  # some rule looks at the disability grade
    rank: np.ndarray  # int64 [T, M]: lower is better for the person
    same_pays: np.ndarray  # bool [T, T, M]: two tiers pay identically by every source
    retention: np.ndarray | None = None  # float [T]: behavioural response (None: no response)
    cell_rank: np.ndarray | None = None  # int64 [C, T, M]: ``rank`` by cell (several standards)
    cell_same: np.ndarray | None = None  # bool [C, T, T, M]: ``same_pays`` by cell
    cell_retention: np.ndarray | None = None  # float [C, T]: ``retention`` by cell
    #: the highest-benefit choice as a table: tier and tie flag [2^R, M] by the set of the R tier
    #: rules a person meets (bit k-1: tier k) and timing class (None: too many rules; looped)
    best: tuple[np.ndarray, np.ndarray] | None = None


def compile_for_engine(policy: Policy) -> Compiled:
    tables = compile_policy(policy)
    rank, same = _ranking(tables.pays, tables.accepted)
    cell_rank = cell_same = cell_keep = None
    if tables.cell_pays is not None:  # who is best off, and who stays, differ by the person's standard
        ranked = [_ranking(p, tables.accepted) for p in tables.cell_pays]
        cell_rank, cell_same = np.stack([r for r, _ in ranked]), np.stack([s for _, s in ranked])
        kept = [tier_retention(policy, p) for p in tables.cell_pays]
        cell_keep = None if kept[0] is None else np.stack([k for k in kept if k is not None])
    groups = tuple(g.rule for g in policy.targets.groups)
    rules = tables.rules + groups
    bits = 0
    for rule in rules:
        for ident in rule.identities():
            bits |= 1 << tables.identity_bit[ident]
    comp = Compiled(
        tables,
        groups,
        any(can_match_plain(g, tables.identity_bit) for g in groups),
        bits,
        any(_uses_disability(r) for r in rules),
        rank,
        same,
        tier_retention(policy, tables.pays),
        cell_rank,
        cell_same,
        cell_keep,
    )
    return replace(comp, best=_best_table(comp))


#: Most tier rules the highest-benefit choice is tabled for (2^R × M entries).
_TABLE_RULES = 12


def _best_table(comp: Compiled) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`_highest_benefit` for every set of tiers met and every timing class, once: the
    choice depends on nothing else (one standard), so each person's tier is a table lookup."""
    r = len(comp.tables.rules)
    if not comp.tables.highest_benefit or r > _TABLE_RULES:
        return None
    sets = np.repeat(np.arange(1 << r, dtype=np.int64), N_TIMINGS)
    timing = np.tile(np.arange(N_TIMINGS, dtype=np.uint8), 1 << r)
    masks = [((sets >> k) & 1).astype(bool) for k in range(r)]
    tier, tie = _highest_benefit(comp, masks, timing, None, _tier_dtype(comp.tables))
    return tier.reshape(1 << r, N_TIMINGS), tie.reshape(1 << r, N_TIMINGS)


def _tier_dtype(t: PolicyTables) -> type:
    return np.uint8 if len(t.tier_ids) < 256 else np.uint16


def _ranking(pays: np.ndarray, accepted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Highest-benefit keys [T, M] (an accepted enrollment first, then the least the person
    pays) and whether two tiers pay identically by every source [T, T, M]."""
    rank = (~accepted).astype(np.int64) * (1 << 40) + pays[:, :, 0]
    same = np.all(pays[:, None, :, :] == pays[None, :, :, :], axis=3) & (accepted[:, None, :] == accepted[None, :, :])
    return rank, same


def _uses_disability(rule: Rule | str) -> bool:
    if isinstance(rule, str):
        return False
    parts = (rule.any or ()) + (rule.all or ()) + ((rule.not_,) if rule.not_ is not None else ())
    return rule.disability_grade is not None or any(_uses_disability(p) for p in parts)


def resolve_tiers(
    comp: Compiled,
    identities: np.ndarray,
    age: np.ndarray,
    sex: np.ndarray,
    disability: np.ndarray,
    timing: np.ndarray,
    hukou: np.ndarray | None = None,
    cell: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Tier index per person (0 = general) and how many were decided by a tie; ``cell`` (one
    per person, ``model.standards``) ranks tiers by the person's own standard."""
    t = comp.tables
    n = identities.shape[0]
    if n == 0:
        return np.zeros(0, _tier_dtype(t)), 0
    masks = [mask_of(rule, identities, age, sex, disability, hukou, t.identity_bit) for rule in t.rules]
    if not t.highest_benefit:
        tier: np.ndarray = np.zeros(n, _tier_dtype(t))
        for k in range(len(masks) - 1, -1, -1):  # the first listed tier that applies wins
            tier[masks[k]] = k + 1
        return tier, 0
    if comp.best is not None and (cell is None or comp.cell_rank is None or comp.cell_same is None):
        met: np.ndarray = np.zeros(n, np.uint16 if len(masks) > 8 else np.uint8)
        for k, m in enumerate(masks):
            met |= m.view(np.uint8).astype(met.dtype, copy=False) << k
        flat = met.astype(np.intp) * N_TIMINGS + timing
        return comp.best[0].ravel()[flat], int(np.count_nonzero(comp.best[1].ravel()[flat]))
    tier, tie = _highest_benefit(comp, masks, timing, cell, _tier_dtype(t))
    return tier, int(tie.sum())


def _highest_benefit(
    comp: Compiled, masks: list[np.ndarray], timing: np.ndarray, cell: np.ndarray | None, dtype: type
) -> tuple[np.ndarray, np.ndarray]:
    """Each person's tier among those whose rules they meet (``masks``): the best for them, the
    first listed between equal keys, and whether equal keys paying differently made it a tie."""
    n = timing.shape[0]
    tier: np.ndarray = np.zeros(n, dtype)
    best = np.full(n, np.iinfo(np.int64).max, np.int64)
    tie = np.zeros(n, bool)
    for k, m in enumerate(masks, start=1):
        idx = np.flatnonzero(m)
        if idx.shape[0] == 0:
            continue
        if cell is None or comp.cell_rank is None or comp.cell_same is None:
            key = comp.rank[k, timing[idx]]
            same = comp.same_pays[tier[idx], k, timing[idx]]
        else:
            key = comp.cell_rank[cell[idx], k, timing[idx]]
            same = comp.cell_same[cell[idx], tier[idx], k, timing[idx]]
        cur = best[idx]
        better = key < cur
        equal = (key == cur) & ~same
        win = idx[better]
        best[win] = key[better]
        tier[win] = k
        tie[win] = False
        tie[idx[equal]] = True
    return tier, tie


def tally(comp: Compiled, pop: Population) -> Tally:
    """Count one chunk of people by tier, enrollment, timing and village."""
    t = comp.tables
    n_v = len(pop.villages)
    cand, cols, cell = _candidates(comp, pop)
    tier, ties = resolve_tiers(comp, *cols, cell)
    # read once; one village: every village number is 0, none is read
    picked = None if cand is None else (pop.enrolled[cand], cols[4], pop.village[cand] if n_v > 1 else None)
    full, by_cell = _cells(comp, pop, cand, picked, tier, cell)
    enrolled = full[:, 1]
    accepted = t.accepted[:, :, None]
    counts = np.where(accepted, enrolled, 0)
    refused = np.where(accepted, 0, enrolled).sum(axis=1)
    not_enrolled = full[:, 0].sum(axis=1)
    members, joined, on_time = _group_counts(comp, pop, cand, picked, cols, tier, n_v)
    cells = None if by_cell is None else np.where(accepted[None], by_cell[:, :, 1], 0).astype(np.int64)
    counts, refused, not_enrolled = counts.astype(np.int64), refused.astype(np.int64), not_enrolled.astype(np.int64)
    return Tally(counts, refused, not_enrolled, members, joined, on_time, ties, cells)


def _count(
    key: np.ndarray, cell: np.ndarray | None, t: PolicyTables, n_t: int, n_v: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """People by (tier, enrolled, timing, village) [T, 2, M, V], and by cell too [C, T, 2, M, V]
    when the scenario has several (``model.standards``; else None)."""
    size = n_t * 2 * N_TIMINGS * n_v
    if cell is None or t.cells is None:
        return np.bincount(key, minlength=size).reshape(n_t, 2, N_TIMINGS, n_v), None
    by_cell = np.bincount(cell * size + key, minlength=t.cells.n * size).reshape(-1, n_t, 2, N_TIMINGS, n_v)
    return by_cell.sum(axis=0), by_cell


_Columns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]
_GroupColumns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]


def _candidates(comp: Compiled, pop: Population) -> tuple[np.ndarray | None, _Columns, np.ndarray | None]:
    """Who must be resolved (None: everyone), their identity, age, sex, grade, timing and
    户籍 columns, and each one's cell (None: one standard): only people holding an identity
    some rule looks at (or a grade, if one is used), unless a tier can match someone without
    either or there are several cells (then everyone is counted by cell)."""
    t = comp.tables
    cell = None if t.cells is None else cell_codes(t.cells, pop)
    if t.plain_can_match or cell is not None:
        return None, (pop.identities, pop.age, pop.sex, pop.disability, pop.timing, pop.hukou), cell
    has = (pop.identities & pop.identities.dtype.type(comp.relevant_bits)) != 0
    if comp.uses_disability:
        has |= pop.disability != 0
    cand = np.flatnonzero(has)
    huk = None if pop.hukou is None else pop.hukou[cand]
    cols = (pop.identities[cand], pop.age[cand], pop.sex[cand], pop.disability[cand], pop.timing[cand], huk)
    return cand, cols, None


#: The candidates' enrolled, timing and village columns (None: everyone is a candidate).
_Picked = tuple[np.ndarray, np.ndarray, np.ndarray | None] | None


def _cells(
    comp: Compiled, pop: Population, cand: np.ndarray | None, picked: _Picked, tier: np.ndarray, cell: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """People per (tier, enrolled, timing, village): int64 [T, 2, M, V], and by cell too
    [C, T, 2, M, V] when the scenario has several (``model.standards``; else None)."""
    t = comp.tables
    n_t, n_v = len(t.tier_ids), len(pop.villages)
    enr, tim, vil = (pop.enrolled, pop.timing, pop.village) if picked is None else picked
    key = _key(tier, 2, enr, tim, vil, n_v)
    full, by_cell = _count(key, cell, t, n_t, n_v)
    if cand is not None:
        # everyone else is ``general``: all people by (enrolled, timing, village) minus candidates
        # most people are enrolled and pay on time: count the others, derive that cell
        # not enrolled, or not on time: enrolled (0/1) <= timing class (0 on time), one pass
        enr = pop.enrolled.view(np.uint8) if pop.enrolled.dtype == bool else pop.enrolled.astype(np.uint8)
        odd = np.flatnonzero(np.less_equal(enr, pop.timing))
        key_odd = _key(enr[odd], 1, None, pop.timing[odd], pop.village[odd] if n_v > 1 else None, n_v)
        every = np.bincount(key_odd, minlength=2 * N_TIMINGS * n_v).reshape(2, N_TIMINGS, n_v)
        every[1, 0] = pop.village_totals() - every.sum(axis=(0, 1)) + every[1, 0]
        full[0] += every - full.sum(axis=0)
    return full, by_cell


def _key(
    first: np.ndarray, by: int, then: np.ndarray | None, tim: np.ndarray, vil: np.ndarray | None, n_v: int
) -> np.ndarray:
    """The counting key ``((first * by + then) * M + tim) * n_v + vil`` (intp), made in place
    in one array; ``then`` None adds nothing, ``vil`` None is village 0 (one village)."""
    key = first.astype(np.intp)
    if by != 1:
        key *= by
    if then is not None:
        key += then
    key *= N_TIMINGS
    key += tim
    if n_v > 1:
        key *= n_v
        if vil is not None:
            key += vil
    return key


def _group_counts(
    comp: Compiled,
    pop: Population,
    cand: np.ndarray | None,
    picked: _Picked,
    cols: _Columns,
    tier: np.ndarray,
    n_v: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Members, enrolled and on-time enrolled of each target group by village (int64 [G, V])."""
    n_g = len(comp.groups)
    members = np.zeros((n_g, n_v), np.int64)
    joined = np.zeros((n_g, n_v), np.int64)
    on_time = np.zeros((n_g, n_v), np.int64)
    if not n_g:
        return members, joined, on_time
    if comp.groups_plain or cand is None:  # a group rule can match people outside the candidates
        g_tier = np.zeros(len(pop), tier.dtype)
        g_tier[cand if cand is not None else slice(None)] = tier
        g_cols: _GroupColumns = (pop.identities, pop.age, pop.sex, pop.disability, pop.hukou)
        g_vil: np.ndarray | None = pop.village
        g_enr, g_tim = pop.enrolled, pop.timing
    else:
        ident, age, sex, dis, g_tim, huk = cols
        assert picked is not None  # picked with the candidates
        g_cols, g_vil, g_enr, g_tier = (ident, age, sex, dis, huk), picked[2], picked[0], tier
    # each person's standing as one code: 0 not enrolled (or refused), 1 enrolled late or in
    # an extension, 2 enrolled on time; then one count per group of (village, standing)
    standing = np.take(_standing_table(comp.tables), g_tier.astype(np.intp) * N_TIMINGS + g_tim)
    standing *= g_enr
    key = standing.astype(np.intp) if g_vil is None or n_v == 1 else g_vil.astype(np.intp) * 3 + standing
    for g, rule in enumerate(comp.groups):
        # indices, not the boolean mask: numpy's boolean indexing is ten times slower
        idx = np.flatnonzero(mask_of(rule, *g_cols, comp.tables.identity_bit))
        by = np.bincount(key[idx], minlength=3 * n_v).reshape(n_v, 3)
        members[g] = by.sum(axis=1)
        joined[g] = by[:, 1] + by[:, 2]
        on_time[g] = by[:, 2]
    return members, joined, on_time


def _standing_table(t: PolicyTables) -> np.ndarray:
    """uint8 [T * M]: 0 for a (tier, timing class) the scenario refuses, else 1, or 2 when the
    class is on time (not in ``OFF_TIME``): a group member's standing if enrolled."""
    table: np.ndarray = (t.accepted * (1 + ~_OFF_TIME_CODE)[None, :]).astype(np.uint8).ravel()
    return table


def respond(
    comp: Compiled, pop: Population, rng: np.random.Generator, full_mask: int, disabled_full: bool = False
) -> Population:
    """``pop`` with some enrolled people turned non-enrolled by the tier retention.

    ``comp`` is a :class:`Compiled` with ``retention`` set; ``full_mask``
    the identity bits of the full-participation groups (they never drop out). Each responsive
    enrolled person draws once, so the number who drop out of a (tier, timing, village) cell
    is binomial with the tier's drop-out probability.
    """
    keep = comp.retention
    if keep is None or len(pop) == 0:
        return pop
    t = comp.tables
    exempt = (pop.identities & pop.identities.dtype.type(full_mask)) != 0
    if disabled_full:  # certified disabled people are enrolled at 100% like the hardship groups
        exempt |= pop.disability != 0
    resp = np.flatnonzero(pop.enrolled & ~exempt)
    tier = np.zeros(resp.shape[0], np.int64)
    cell = None if t.cells is None else cell_codes(t.cells, pop)
    if t.plain_can_match or cell is not None:
        sub = np.arange(resp.shape[0])
    else:
        has = (pop.identities[resp] & pop.identities.dtype.type(comp.relevant_bits)) != 0
        if comp.uses_disability:
            has |= pop.disability[resp] != 0
        sub = np.flatnonzero(has)
    idx = resp[sub]
    tier[sub], _ = resolve_tiers(
        comp,
        pop.identities[idx],
        pop.age[idx],
        pop.sex[idx],
        pop.disability[idx],
        pop.timing[idx],
        None if pop.hukou is None else pop.hukou[idx],
        None if cell is None else cell[idx],
    )
    u = rng.random(resp.shape[0])
    # by the person's own standard when the scenario has several
    kept = keep[tier] if cell is None or comp.cell_retention is None else comp.cell_retention[cell[resp], tier]
    drop = resp[u >= kept]
    if drop.shape[0] == 0:
        return pop
    enrolled = pop.enrolled.copy()
    enrolled[drop] = False
    return _with_enrolled(pop, enrolled)


def _with_enrolled(pop: Population, enrolled: np.ndarray) -> Population:
    """``pop`` with its enrolled column replaced (every other column shared, not copied)."""
    return Population(
        pop.identities,
        pop.age,
        pop.sex,
        pop.disability,
        pop.village,
        pop.household,
        enrolled,
        pop.timing,
        pop.villages,
        pop.person_id,
        pop.rejected,
        pop.rows_read,
        pop.village_counts,
        pop.hukou,
        pop.grade,
        pop.grade_text,
    )


def cell_view(t: PolicyTables, tally: Tally) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counts [C, T, M, V], pays [C, T, M, S], fiscal and due [C, T, M]: by cell when people of
    a tier pay differently by their standard (``model.standards``), else one cell (C = 1)."""
    if t.cell_pays is not None and t.cell_fiscal is not None and t.cell_due is not None:
        counts = tally.cells if tally.cells is not None else np.zeros((t.cell_pays.shape[0],) + tally.counts.shape)
        return counts.astype(np.int64), t.cell_pays, t.cell_fiscal, t.cell_due
    due = t.due if t.due is not None else t.pays.sum(axis=2) + t.fiscal
    return tally.counts[None], t.pays[None], t.fiscal[None], due[None]
