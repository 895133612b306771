"""Synthetic county populations, built block by block from cited rates (``data/``).

The population is defined in fixed blocks of ``BLOCK`` persons; block ``b`` draws from its
own generator, ``SeedSequence(seed, spawn_key=(b,))``. So the same seed gives the same
people, byte for byte, however the blocks are later grouped into chunks or spread over
workers. Households never cross a block or village boundary; household identities (低保,
建档立卡, 监测, 计生 families) are shared by every member; person identities respect their
age rules; disability is more common among 低保 and 特困 people (relative risks in
``data/disability-correlation.csv``). Every default rate is flagged as an assumption there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

# loaded now, not by the first block: an import under way when Ctrl-C or SIGTERM arrives can
# swallow it (numpy.random's compiled modules), and the first block of a run with workers is
# built right after the fork, when a stop is most likely sent
import numpy.random  # noqa: I001
from pydantic import BaseModel

from ..errors import PopulationError
from ..money import largest_remainder
from ..policy.models import Rule
from ..policy.rules import can_match_plain, mask_of, uses_hukou
from ..policy.scenario import Scenario
from ..policy.schema import Policy
from ..vocabulary import IDENTITY_BIT
from .draws import RURAL_ONLY, URBAN_ONLY, draw_hukou, draw_subset, exact_households, skip_doubles
from .population import Population, Villages, one_area, read_villages
from .synth_spec import (
    LOOKUP_SIZE,
    SynthSpec,
    default_size,
    default_spec,
    fully_subsidized_rules,
    lookup_table,
    size_or_default,
    with_local_rates,
)

# The spec half lives in synth_spec; its names stay importable from here, where callers find them.
__all__ = [
    "BLOCK",
    "RURAL_ONLY",
    "URBAN_ONLY",
    "SynthSpec",
    "SyntheticPopulation",
    "default_size",
    "default_spec",
    "fully_subsidized_rules",
    "lookup_table",
    "synthesize",
    "with_local_rates",
]

#: Persons per block: the unit of randomness. Changing it changes every synthetic population.
BLOCK = 1 << 20
_U16 = LOOKUP_SIZE


@dataclass(frozen=True)
class SyntheticPopulation:
    """A lazily built population: ``size`` persons in blocks, villages with exact sizes."""

    size: int
    seed: int
    villages: Villages
    village_sizes: np.ndarray  # int64 persons per village, summing to ``size``
    spec: SynthSpec
    full_rules: tuple[Rule, ...] = ()  # eligibility of tiers that pay the whole standard: enrolled by their payer
    full_rules_plain: bool = False  # one of them can match someone with no identity or grade
    has_extension: bool = False  # the document has an extension: a share pays in it (timing extended)
    urban_share: float | None = None  # 城镇户籍 share of households (None: 户籍 type not drawn)
    identity_bit: Mapping[str, int] = field(default_factory=lambda: IDENTITY_BIT)  # the scenario's bits
    mask_dtype: type = np.uint32  # identity mask word: uint64 when local identities pass bit 31
    grade_shares: tuple[float, ...] = ()  # cumulative shares of the contribution grades (none: no choice)
    hukou_read: bool = True  # some rule of the scenario reads the 户籍 type (else a lean block leaves it out)

    @property
    def n_blocks(self) -> int:
        return -(-self.size // BLOCK)

    def block(self, b: int) -> Population:
        """Block ``b`` (persons ``b*BLOCK`` … ``min(size, (b+1)*BLOCK) - 1``)."""
        return self._built(b)

    def _built(self, b: int, households: bool = True) -> Population:
        """Block ``b`` drawn now (``households=False``: as :meth:`blocks` leaves it lean)."""
        start = b * BLOCK
        return _build_block(self, b, start, min(self.size, start + BLOCK) - start, households)

    def blocks(self, first: int = 0, stop: int | None = None, *, households: bool = True) -> Iterator[Population]:
        """Blocks ``first`` … ``stop - 1``; ``households=False`` leaves out the household ids
        (an empty column), which the engine never reads: ~10% of a block's build, and the 户籍
        column when no rule of the scenario reads it (skipped or drawn, every other column is
        the same). A subclass that keeps its built blocks (``analysis.common.MemoSynthetic``)
        is asked for them whole."""
        lean = not households and type(self).block is SyntheticPopulation.block
        for b in range(first, self.n_blocks if stop is None else stop):
            yield self._built(b, households=False) if lean else self.block(b)

    def materialize(self) -> Population:
        """Every person as one :class:`Population` (for audits and small populations)."""
        if self.size > 50_000_000:
            raise PopulationError(
                "--size",
                f"{self.size:,} persons is too many to hold person by person; use the streaming engine (simulate.run)",
            )
        return Population.concat(list(self.blocks()))


def synthesize(
    scenario: Scenario,
    size: int | None = None,
    seed: int = 0,
    *,
    spec: SynthSpec | None = None,
    counts: dict[str, int] | None = None,
) -> SyntheticPopulation:
    """A synthetic population for a scenario's area.

    Villages and their residents come from the scenario's ``area`` (大栗港: attachment 1's
    18 villages); ``size`` defaults to the area's residents and, when given, scales every
    village in proportion. ``counts`` fixes the exact number of persons holding an identity
    (from rosters) instead of its default rate.

    >>> import simulate
    >>> sc = simulate.load_scenario("scenarios/daligang-2020.yaml")
    >>> pop = simulate.synthesize(sc, seed=1)
    >>> pop.size, len(pop.villages)
    (67949, 18)
    """
    pol = scenario.policy
    if pol.area.villages_file:
        villages = read_villages(scenario.data_path(pol.area.villages_file))
        weights = villages.residents
    else:
        residents = pol.area.residents or 0
        # no task list at hand: every resident is the task (应保尽保), the target a share of it
        villages = one_area(pol.county.zh, pol.county.en, residents, residents)
        weights = np.array([1], np.int64)
    size = size_or_default(scenario, size)
    _check_size_seed(size, seed)
    sp = with_local_rates(spec or default_spec(), pol)
    if counts:
        _check_counts(pol, counts, size)
        sp = replace(sp, counts=dict(counts))
    full_rules = fully_subsidized_rules(pol) if sp.subsidized_full else ()
    urban = pol.area.urban_percent
    return SyntheticPopulation(
        int(size),
        int(seed),
        villages,
        largest_remainder(int(size), weights.astype(np.float64)),
        sp,
        full_rules,
        any(can_match_plain(r, pol.vocab.identity_bit) for r in full_rules),
        pol.timing.extension is not None,
        None if urban is None else float(urban) / 100,
        pol.vocab.identity_bit,
        pol.vocab.mask_dtype,
        _grade_shares(pol),
        _reads_hukou(pol),
    )


def _reads_hukou(obj: object) -> bool:
    """Whether any rule anywhere in a policy (tiers, groups, standards, …) tests the 户籍 type:
    walked over every field, so a rule added in a new place is not missed."""
    if isinstance(obj, Rule):
        return uses_hukou(obj)
    if isinstance(obj, BaseModel):
        return any(_reads_hukou(getattr(obj, name)) for name in type(obj).model_fields)
    if isinstance(obj, (list, tuple)):
        return any(_reads_hukou(x) for x in obj)
    if isinstance(obj, dict):
        return any(_reads_hukou(x) for x in obj.values())
    return False


def _check_size_seed(size: object, seed: int) -> None:
    """Refuse a size that is not 1..2 billion whole persons or a seed outside 0..2^63-1."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise PopulationError("--size", f"must be a whole number of persons, at least 1 (got {size!r})")
    if size > 2_000_000_000:
        raise PopulationError("--size", f"{size:,} persons is more than this toolkit supports (2 billion)")
    if seed < 0 or seed >= 2**63:
        raise PopulationError("--seed", f"must be between 0 and 2^63-1 (got {seed})")


def _check_counts(pol: Policy, counts: dict[str, int], size: int) -> None:
    """Refuse a fixed count for an unknown identity or outside 0..``size`` persons."""
    for key, n in counts.items():
        if key not in pol.vocab.identities:
            raise PopulationError(f"counts.{key}", "unknown identity")
        if not isinstance(n, (int, np.integer)) or n < 0 or n > size:
            raise PopulationError(f"counts.{key}", f"must be a whole number of persons 0..{size:,}")


def _grade_shares(policy: Policy) -> tuple[float, ...]:
    """Cumulative shares (0–1) of the grades people choose, last exactly 1 (docs/subsidy-forms.md)."""
    shares = np.cumsum([float(g.share or 0) for g in policy.contribution.grades()]) / 100.0
    return tuple(float(x) for x in shares[:-1]) + ((1.0,) if shares.size else ())


def _draw_grades(pop: SyntheticPopulation, b: int, n: int) -> np.ndarray | None:
    """Each person's grade (index + 1) by the grades' shares, from a stream of the block's own
    (``spawn_key (b, 2)``: (b,) draws the people, (b, 1) the behavioural response), so the draw
    leaves every other column's bytes alone and ignores the chunk size."""
    if not pop.grade_shares:
        return None
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(pop.seed, spawn_key=(b, 2))))
    cum = np.array(pop.grade_shares, np.float64)
    return (np.searchsorted(cum, rng.random(n), side="right") + 1).astype(np.uint8)


def _exact_share(total: int, start: int, stop: int, size: int) -> int:
    """This block's part of ``total`` so that the parts over all blocks add up exactly."""
    return total * stop // size - total * start // size


def _build_block(pop: SyntheticPopulation, b: int, start: int, n: int, households: bool = True) -> Population:
    """Block ``b``: ``n`` persons from ``start``, drawn step by step from the block's own
    generator. The steps draw in a fixed order; reordering them changes every population.
    ``households=False``: no household ids (drawn all the same: the other columns are unchanged)."""
    sp = pop.spec
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(pop.seed, spawn_key=(b,))))
    v_lo, v_hi, cuts, village = _lay_villages(pop.village_sizes, start, n)
    starts, hh_len = _lay_households(rng, sp, cuts, n)
    household = np.repeat(start + starts, hh_len) if households else np.zeros(0, np.int64)
    identities, hukou = _household_identities(rng, pop, starts, hh_len, start, n, households or pop.hukou_read)
    # age and sex (np.take: indexing by a uint16 array converts it to intp first, twice as slow)
    code = np.take(sp.age_sex, rng.integers(0, _U16, n, dtype=np.uint16))
    age = code >> 1
    sex = code & 1
    _person_identities(rng, pop, identities, age, start, n)
    holders = np.flatnonzero(identities != 0)  # a bool array's nonzero is 3x faster than a uint32's
    held = identities[holders]  # the holders' identities, read by the disability and enrolment steps
    disability = _draw_disability(rng, sp, held, holders, n)
    people = _People(identities, age, sex, disability, hukou)
    enrolled = _enrollment(rng, pop, people, holders, held, n)
    timing = _timing(rng, pop, people, n)
    totals = np.zeros(len(pop.villages), np.int64)
    totals[v_lo:v_hi] = np.diff(cuts)
    return Population(
        identities,
        age,
        sex,
        disability,
        village,
        household,
        enrolled,
        timing,
        pop.villages,
        village_counts=totals,
        hukou=hukou,
        grade=_draw_grades(pop, b, n),
    )


@dataclass(frozen=True)
class _People:
    """The person columns the enrollment and timing steps test rules against."""

    identities: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    disability: np.ndarray
    hukou: np.ndarray | None

    def cols(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """The columns of the people ``idx``, in ``mask_of``'s argument order."""
        hukou = None if self.hukou is None else self.hukou[idx]
        return self.identities[idx], self.age[idx], self.sex[idx], self.disability[idx], hukou


def _lay_villages(village_sizes: np.ndarray, start: int, n: int) -> tuple[int, int, np.ndarray, np.ndarray]:
    """Villages of the block's persons, laid out village after village: (first village, end
    village, cuts at village boundaries within the block, village per person)."""
    bounds = np.concatenate([[0], np.cumsum(village_sizes)])
    v_lo = int(np.searchsorted(bounds, start, side="right") - 1)
    v_hi = int(np.searchsorted(bounds, start + n, side="left"))
    cuts = np.clip(bounds[v_lo : v_hi + 1] - start, 0, n)
    village = np.repeat(np.arange(v_lo, v_hi, dtype=np.uint16), np.diff(cuts))
    return v_lo, v_hi, cuts, village


def _lay_households(rng: np.random.Generator, sp: SynthSpec, cuts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Households: drawn sizes laid end to end, cut at village boundaries and the block end;
    returns (first person of each household, household sizes)."""
    k = n // 3 + 64
    while True:
        # widened first: numpy's cumsum casting uint8 to int64 on the fly is half as fast
        sizes = np.take(sp.household_sizes, rng.integers(0, _U16, k, dtype=np.uint16)).astype(np.int64)
        ends = np.cumsum(sizes)
        if ends[-1] >= n:
            break
        k *= 2
    # every end before the first at or past n is inside the block (n >= 1): all starts are < n
    h = int(np.searchsorted(ends, n))
    starts = np.concatenate([[0], ends[:h]])
    inner = cuts[(cuts > 0) & (cuts < n)]
    if inner.shape[0]:  # village boundaries start a household too (few: insert, no sort)
        pos = np.searchsorted(starts, inner)
        new = (pos >= starts.shape[0]) | (starts[np.minimum(pos, starts.shape[0] - 1)] != inner)
        starts = np.insert(starts, pos[new], inner[new])
        return starts, np.diff(np.concatenate([starts, [n]]))
    # no village boundary inside: the drawn sizes, the last cut at the block end
    hh_len = sizes[: h + 1].copy()
    hh_len[h] = n - starts[h]
    return starts, hh_len


def _household_identities(
    rng: np.random.Generator,
    pop: SyntheticPopulation,
    starts: np.ndarray,
    hh_len: np.ndarray,
    start: int,
    n: int,
    hukou_wanted: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Household identities, shared by all members, and the 户籍 type where it is drawn:
    (identity bits per person, hukou code per person or None). ``hukou_wanted=False``: its
    draws are skipped over, not made (None; the generator ends where drawing would leave it)."""
    sp, word = pop.spec, pop.mask_dtype
    ident_of_bit = {bit: ident for ident, bit in pop.identity_bit.items()}.__getitem__
    h = starts.shape[0]
    hh_bits: np.ndarray = np.zeros(h, word)
    trims = []
    for bit, rate in sp.household_rates:
        ident = ident_of_bit(bit)
        if ident in sp.counts:
            last, over = exact_households(
                rng, hh_bits, hh_len, bit, _exact_share(sp.counts[ident], start, start + n, pop.size)
            )
            if over:
                trims.append((last, over, bit))
            continue
        hh_bits[draw_subset(rng, h, rate)] |= word(1 << bit)
    hukou = None
    if pop.urban_share is not None and not hukou_wanted:
        skip_doubles(rng, h)
    elif pop.urban_share is not None:
        hukou = draw_hukou(rng, hh_bits, pop.urban_share)
        hukou = np.repeat(hukou, hh_len)
    identities = np.repeat(hh_bits, hh_len)
    for last, over, bit in trims:
        # an exact count can end inside a household: its last members do not hold it
        stop = int(starts[last] + hh_len[last])
        identities[stop - over : stop] &= word(~(1 << bit) & np.iinfo(word).max)
    return identities, hukou


def _person_identities(
    rng: np.random.Generator, pop: SyntheticPopulation, identities: np.ndarray, age: np.ndarray, start: int, n: int
) -> None:
    """Person identities with their age rules, set in ``identities`` in place."""
    sp, word = pop.spec, identities.dtype.type
    ident_of_bit = {bit: ident for ident, bit in pop.identity_bit.items()}.__getitem__
    oldest = int(sp.age_sex.max()) >> 1  # the table's oldest age
    for bit, rate, lo, hi in sp.person_rates:
        ident = ident_of_bit(bit)
        if ident in sp.counts:
            eligible = np.flatnonzero((age >= lo) & (age <= hi))
            want = min(_exact_share(sp.counts[ident], start, start + n, pop.size), eligible.shape[0])
            idx = eligible[rng.choice(eligible.shape[0], want, replace=False)] if want else eligible[:0]
        else:
            idx = draw_subset(rng, n, rate)
            if lo > 0 or hi < oldest:  # ages checked only where the range leaves some out
                # compress, not idx[mask]: numpy's boolean indexing of a random mask is 3-4x slower
                a = age[idx]
                idx = idx.compress((a >= lo) & (a <= hi))
        identities[idx] |= word(1 << bit)


def _draw_disability(
    rng: np.random.Generator, sp: SynthSpec, held: np.ndarray, holders: np.ndarray, n: int
) -> np.ndarray:
    """Disability grade per person: base rates, then extra among groups at higher risk
    (``held``: the identities of the ``holders``, the people holding any)."""
    disability = np.zeros(n, np.uint8)
    p_all = float(sum(sp.disability_rates))
    grade_table = _grade_table(sp.disability_rates)
    m = rng.binomial(n, p_all)
    if m:
        idx = rng.choice(n, m, replace=False)
        disability[idx] = grade_table[rng.integers(0, _U16, m, dtype=np.uint16)]
    for mask, rr in sp.disability_rr:
        members = holders.compress((held & held.dtype.type(mask)) != 0)
        extra = min(0.9, p_all * rr) - p_all
        m = rng.binomial(members.shape[0], max(extra, 0.0) / (1 - p_all)) if members.shape[0] else 0
        if m:
            idx = members[rng.choice(members.shape[0], m, replace=False)]
            idx = idx[disability[idx] == 0]
            disability[idx] = grade_table[rng.integers(0, _U16, idx.shape[0], dtype=np.uint16)]
    return disability


@lru_cache(maxsize=8)
def _grade_table(rates: tuple[float, float, float, float]) -> np.ndarray:
    """The lookup table of disability grades 1..4 at ``rates`` (built once, not per block)."""
    table = lookup_table(np.arange(1, 5, dtype=np.uint8), np.array(rates))
    table.flags.writeable = False
    return table


def _enrollment(
    rng: np.random.Generator, pop: SyntheticPopulation, people: _People, holders: np.ndarray, held: np.ndarray, n: int
) -> np.ndarray:
    """Who is enrolled: general participation, hardship groups at their 100% target
    (``held``: the identities of the ``holders``)."""
    sp = pop.spec
    identities, disability = people.identities, people.disability
    enrolled = np.ones(n, bool)
    drawn = draw_subset(rng, n, 1.0 - sp.participation)
    enrolled[drawn] = False
    full = holders.compress((held & held.dtype.type(sp.full_participation_mask)) != 0)
    enrolled[full] = True
    if sp.disabled_full or pop.full_rules:
        # only those not yet enrolled can change: a small share, so this stays cheap; they
        # are found among the drawn (some twice: setting True twice is harmless), not by a
        # pass over everyone
        out = drawn[~enrolled[drawn]]
        if sp.disabled_full:
            enrolled[out[disability[out] != 0]] = True
        if pop.full_rules:
            if not pop.full_rules_plain:
                out = out[(identities[out] != 0) | (disability[out] != 0)]
            cols = people.cols(out)
            hit = np.zeros(out.shape[0], bool)
            for rule in pop.full_rules:
                hit |= mask_of(rule, *cols, pop.identity_bit)
            enrolled[out[hit]] = True
    return enrolled


def _timing(rng: np.random.Generator, pop: SyntheticPopulation, people: _People, n: int) -> np.ndarray:
    """Timing per person: newborns (age 0) pay within the newborn window; a share pays late,
    and where the document has an extension a share pays in it. People a department enrolls
    (the 100% groups) are never drawn late or extended: their payer enrolls them in the period."""
    sp = pop.spec
    timing: np.ndarray = (people.age == 0).view(np.uint8) << 1  # 2 for newborns, else 0

    def payer_enrolls(idx: np.ndarray) -> np.ndarray:
        """Which of the drawn people ``idx`` a department enrolls (checked for the few drawn)."""
        ids = people.identities[idx]
        out: np.ndarray = (ids & ids.dtype.type(sp.full_participation_mask)) != 0
        if sp.disabled_full:
            out |= people.disability[idx] != 0
        cols = people.cols(idx)
        for rule in pop.full_rules:
            out |= mask_of(rule, *cols, pop.identity_bit)
        return out

    late = draw_subset(rng, n, sp.late_share)
    timing[late[~payer_enrolls(late)]] = 1
    if pop.has_extension and sp.extended_share > 0:
        ext = draw_subset(rng, n, sp.extended_share)
        timing[ext[~payer_enrolls(ext)]] = 3
    return timing
