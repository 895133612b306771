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

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import PopulationError
from ..money import largest_remainder
from ..policy.models import Rule
from ..policy.rules import can_match_plain, mask_of
from ..policy.scenario import Scenario
from ..policy.schema import Policy
from ..policy.subsidy import payment
from ..resources import data_path
from ..vocabulary import IDENTITIES, IDENTITY_BIT
from .population import Population, Villages, one_area, read_villages

#: Persons per block: the unit of randomness. Changing it changes every synthetic population.
BLOCK = 1 << 20
_U16 = 65536


def _read_csv(name: str) -> list[dict[str, str]]:
    path = data_path(name)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def lookup_table(values: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """A 65,536-entry table: indexing it with uniform uint16 draws samples ``values``."""
    cum = np.cumsum(shares / shares.sum())
    edges = np.minimum((cum * _U16).round().astype(np.int64), _U16)
    table = np.repeat(values, np.diff(np.concatenate([[0], edges])))
    if table.shape[0] < _U16:  # rounding leftovers go to the last value
        table = np.concatenate([table, np.full(_U16 - table.shape[0], values[-1], values.dtype)])
    return table[:_U16]


@dataclass(frozen=True)
class SynthSpec:
    """Everything the builder draws from: rates, structure and participation defaults."""

    household_sizes: np.ndarray  # uint8 lookup table [65536]
    age_sex: np.ndarray  # uint8 lookup table [65536] of age*2+sex
    person_rates: tuple[tuple[int, float, int, int], ...]  # (bit, rate, age_min, age_max)
    household_rates: tuple[tuple[int, float], ...]  # (bit, rate)
    disability_rates: tuple[float, float, float, float]  # grades 1..4
    disability_rr: tuple[tuple[int, float], ...]  # (bitmask, relative risk)
    participation: float
    full_participation_mask: int  # identities enrolled at 100% (their documents' target)
    late_share: float
    extended_share: float = 0.0  # pays in the document's extension, where it has one
    disabled_full: bool = True  # certified disabled enrolled at 100% (贫困残疾人 targets)
    subsidized_full: bool = True  # people a tier subsidizes in full are enrolled by its payer
    counts: dict[str, int] = field(default_factory=dict)  # exact persons per identity

    def with_rates(self, **changes: Any) -> SynthSpec:
        return replace(self, **changes)


@lru_cache(maxsize=1)
def default_spec() -> SynthSpec:
    """The cited defaults in ``data/`` (rates, household sizes, age-sex structure)."""
    hh = _read_csv("household-size.csv")
    sizes = np.array([int(r["household_size"]) for r in hh], np.uint8)
    hh_table = lookup_table(sizes, np.array([float(r["share"]) for r in hh]))
    ages, shares = [], []
    for r in _read_csv("age-sex-structure.csv"):
        lo, hi = int(r["age_min"]), min(int(r["age_max"]), 105)
        span = hi - lo + 1
        for a in range(lo, hi + 1):
            ages += [a * 2 + 1, a * 2]  # male code, female code
            shares += [float(r["male_share"]) / span, float(r["female_share"]) / span]
    age_table = lookup_table(np.array(ages, np.uint8), np.array(shares))
    person, household, grades = [], [], [0.0] * 4
    for r in _read_csv("synthetic-rates.csv"):
        key, rate = r["key"], float(r["rate"])
        if key.startswith("disability_grade_"):
            grades[int(key[-1]) - 1] = rate
        elif r["level"] == "household":
            household.append((IDENTITY_BIT[key], rate))
        else:
            lo = int(r["age_min"]) if r["age_min"] else 0
            hi = int(r["age_max"]) if r["age_max"] else 150
            person.append((IDENTITY_BIT[key], rate, lo, hi))
    rr = []
    for r in _read_csv("disability-correlation.csv"):
        if r["group"] in IDENTITIES and float(r["relative_risk"]) > 1:
            rr.append((1 << IDENTITY_BIT[r["group"]], float(r["relative_risk"])))
    part = {r["group"]: float(r["rate"]) for r in _read_csv("participation-defaults.csv")}
    known = {
        "general",
        "disabled_poor",
        "other_subsidized",
        "late_payer_share",
        "newborn_share",
        "behavioural_elasticity",
        "extended_payer_share",
    }
    unknown = sorted(k for k in part if k not in IDENTITIES and k not in known)
    if unknown:
        raise PopulationError("data/participation-defaults.csv", f"unknown group(s) {', '.join(unknown)}")
    full_mask = 0
    for key, rate in part.items():
        if key in IDENTITIES and rate >= 1.0:
            full_mask |= 1 << IDENTITY_BIT[key]
    return SynthSpec(
        hh_table,
        age_table,
        tuple(person),
        tuple(household),
        (grades[0], grades[1], grades[2], grades[3]),
        tuple(rr),
        part["general"],
        full_mask,
        part["late_payer_share"],
        extended_share=part.get("extended_payer_share", 0.0),
        disabled_full=part.get("disabled_poor", 0.0) >= 1.0,
        subsidized_full=part.get("other_subsidized", 0.0) >= 1.0,
    )


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

    @property
    def n_blocks(self) -> int:
        return -(-self.size // BLOCK)

    def block(self, b: int) -> Population:
        """Block ``b`` (persons ``b*BLOCK`` … ``min(size, (b+1)*BLOCK) - 1``)."""
        start = b * BLOCK
        n = min(self.size, start + BLOCK) - start
        return _build_block(self, b, start, n)

    def blocks(self, first: int = 0, stop: int | None = None) -> Iterator[Population]:
        for b in range(first, self.n_blocks if stop is None else stop):
            yield self.block(b)

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
    if size is None:
        size = default_size(scenario)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise PopulationError("--size", f"must be a whole number of persons, at least 1 (got {size!r})")
    if size > 2_000_000_000:
        raise PopulationError("--size", f"{size:,} persons is more than this toolkit supports (2 billion)")
    if seed < 0 or seed >= 2**63:
        raise PopulationError("--seed", f"must be between 0 and 2^63-1 (got {seed})")
    sp = with_local_rates(spec or default_spec(), pol)
    if counts:
        for key, n in counts.items():
            if key not in pol.vocab.identities:
                raise PopulationError(f"counts.{key}", "unknown identity")
            if not isinstance(n, (int, np.integer)) or n < 0 or n > size:
                raise PopulationError(f"counts.{key}", f"must be a whole number of persons 0..{size:,}")
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
    )


def with_local_rates(sp: SynthSpec, policy: Policy) -> SynthSpec:
    """``sp`` with the scenario's local identities drawn at the share it gives (percent of
    persons in the identity's ages, or of households; an assumption flagged in the scenario)."""
    bit = policy.vocab.identity_bit
    drawn = {b for b, *_ in sp.person_rates} | {b for b, _ in sp.household_rates}
    local = [t for t in policy.vocabulary.identities if bit[t.id] not in drawn]  # once only
    if not local:
        return sp
    person = tuple((bit[t.id], float(t.share) / 100, *_ages(t)) for t in local if t.level == "person")
    household = tuple((bit[t.id], float(t.share) / 100) for t in local if t.level == "household")
    return replace(sp, person_rates=sp.person_rates + person, household_rates=sp.household_rates + household)


def _ages(term: Any) -> tuple[int, int]:
    return (term.age.min, term.age.max) if term.age is not None else (0, 150)


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


def default_size(scenario: Scenario) -> int:
    """The enrolment base of the scenario's area, persons (docs/policies.md, "Enrolment base"):
    the village table's residents or ``area.residents``, less those in employee insurance."""
    pol = scenario.policy
    if pol.area.villages_file:
        residents = int(read_villages(scenario.data_path(pol.area.villages_file)).residents.sum())
        return pol.area.enrolment_base(residents)
    return pol.area.enrolment_base()


def fully_subsidized_rules(policy: Policy) -> tuple[Rule, ...]:
    """Eligibility rules of the tiers where the person pays nothing in the collection period:
    the paying department enrolls them (data/participation-defaults.csv, other_subsidized)."""
    return tuple(t.eligibility for t in policy.tiers if payment(policy, t, "regular").pays.get("individual", 0) == 0)


def _exact_share(total: int, start: int, stop: int, size: int) -> int:
    """This block's part of ``total`` so that the parts over all blocks add up exactly."""
    return total * stop // size - total * start // size


def _build_block(pop: SyntheticPopulation, b: int, start: int, n: int) -> Population:
    """Block ``b``: ``n`` persons from ``start``, drawn step by step from the block's own
    generator. The steps draw in a fixed order; reordering them changes every population."""
    sp = pop.spec
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(pop.seed, spawn_key=(b,))))
    v_lo, v_hi, cuts, village = _lay_villages(pop.village_sizes, start, n)
    starts, hh_len = _lay_households(rng, sp, cuts, n)
    household = np.repeat(start + starts, hh_len)
    identities, hukou = _household_identities(rng, pop, starts, hh_len, start, n)
    # age and sex
    code = sp.age_sex[rng.integers(0, _U16, n, dtype=np.uint16)]
    age = code >> 1
    sex = code & 1
    _person_identities(rng, pop, identities, age, start, n)
    holders = np.flatnonzero(identities != 0)
    disability = _draw_disability(rng, sp, identities, holders, n)
    people = _People(identities, age, sex, disability, hukou)
    enrolled = _enrollment(rng, pop, people, holders, n)
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
        ends = np.cumsum(sp.household_sizes[rng.integers(0, _U16, k, dtype=np.uint16)].astype(np.int64))
        if ends[-1] >= n:
            break
        k *= 2
    starts = np.concatenate([[0], ends[: np.searchsorted(ends, n)]])
    starts = starts[starts < n]
    inner = cuts[(cuts > 0) & (cuts < n)]
    if inner.shape[0]:  # village boundaries start a household too (few: insert, no sort)
        pos = np.searchsorted(starts, inner)
        new = (pos >= starts.shape[0]) | (starts[np.minimum(pos, starts.shape[0] - 1)] != inner)
        starts = np.insert(starts, pos[new], inner[new])
    hh_len = np.diff(np.concatenate([starts, [n]]))
    return starts, hh_len


def _household_identities(
    rng: np.random.Generator,
    pop: SyntheticPopulation,
    starts: np.ndarray,
    hh_len: np.ndarray,
    start: int,
    n: int,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Household identities, shared by all members, and the 户籍 type where it is drawn:
    (identity bits per person, hukou code per person or None)."""
    sp, word = pop.spec, pop.mask_dtype
    ident_of_bit = {bit: ident for ident, bit in pop.identity_bit.items()}.__getitem__
    h = starts.shape[0]
    hh_bits: np.ndarray = np.zeros(h, word)
    trims = []
    for bit, rate in sp.household_rates:
        ident = ident_of_bit(bit)
        if ident in sp.counts:
            last, over = _exact_households(
                rng, hh_bits, hh_len, bit, _exact_share(sp.counts[ident], start, start + n, pop.size)
            )
            if over:
                trims.append((last, over, bit))
            continue
        hh_bits[_draw(rng, h, rate)] |= word(1 << bit)
    hukou = None
    if pop.urban_share is not None:
        hukou = _draw_hukou(rng, hh_bits, pop.urban_share)
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
    for bit, rate, lo, hi in sp.person_rates:
        ident = ident_of_bit(bit)
        if ident in sp.counts:
            eligible = np.flatnonzero((age >= lo) & (age <= hi))
            want = min(_exact_share(sp.counts[ident], start, start + n, pop.size), eligible.shape[0])
            idx = eligible[rng.choice(eligible.shape[0], want, replace=False)] if want else eligible[:0]
        else:
            idx = _draw(rng, n, rate)
            idx = idx[(age[idx] >= lo) & (age[idx] <= hi)]
        identities[idx] |= word(1 << bit)


def _draw_disability(
    rng: np.random.Generator, sp: SynthSpec, identities: np.ndarray, holders: np.ndarray, n: int
) -> np.ndarray:
    """Disability grade per person: base rates, then extra among groups at higher risk."""
    disability = np.zeros(n, np.uint8)
    p_all = float(sum(sp.disability_rates))
    grade_table = _grade_table(sp.disability_rates)
    m = rng.binomial(n, p_all)
    if m:
        idx = rng.choice(n, m, replace=False)
        disability[idx] = grade_table[rng.integers(0, _U16, m, dtype=np.uint16)]
    held = identities[holders]
    for mask, rr in sp.disability_rr:
        members = holders[(held & held.dtype.type(mask)) != 0]
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
    rng: np.random.Generator, pop: SyntheticPopulation, people: _People, holders: np.ndarray, n: int
) -> np.ndarray:
    """Who is enrolled: general participation, hardship groups at their 100% target."""
    sp = pop.spec
    identities, disability = people.identities, people.disability
    enrolled = np.ones(n, bool)
    enrolled[_draw(rng, n, 1.0 - sp.participation)] = False
    held = identities[holders]
    full = holders[(held & held.dtype.type(sp.full_participation_mask)) != 0]
    enrolled[full] = True
    if sp.disabled_full or pop.full_rules:
        # only those not yet enrolled can change: a small share, so this stays cheap
        out = np.flatnonzero(~enrolled)
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
    timing = np.zeros(n, np.uint8)
    timing[people.age == 0] = 2

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

    late = _draw(rng, n, sp.late_share)
    timing[late[~payer_enrolls(late)]] = 1
    if pop.has_extension and sp.extended_share > 0:
        ext = _draw(rng, n, sp.extended_share)
        timing[ext[~payer_enrolls(ext)]] = 3
    return timing


#: Household identities that only a rural or only an urban 户籍 can hold (their names say so).
RURAL_ONLY = ("rural_dibao", "fp_two_households", "registered_poor", "monitored", "returned_to_poverty", "relocated")
URBAN_ONLY = ("urban_dibao",)


def _draw_hukou(rng: np.random.Generator, hh_bits: np.ndarray, urban_share: float) -> np.ndarray:
    """户籍 type per household (1 rural, 2 urban) at the county's urban share, consistent
    with identities that name it (农村低保 and 建档立卡 are rural, 城镇低保 urban; a
    household drawn with both kinds is taken as rural)."""
    h = hh_bits.shape[0]
    drawn_urban = np.asarray(rng.random(h) < urban_share)
    hukou: np.ndarray = drawn_urban.view(np.uint8) + np.uint8(1)  # 2 urban, 1 rural
    rural = 0
    for ident in RURAL_ONLY:
        rural |= 1 << IDENTITY_BIT[ident]
    urban = 1 << IDENTITY_BIT[URBAN_ONLY[0]]
    hukou[(hh_bits & np.uint32(urban)) != 0] = 2
    hukou[(hh_bits & np.uint32(rural)) != 0] = 1  # a rural identity wins over 城镇低保
    return hukou


def _draw(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Indices of a random subset holding about ``rate`` of ``n`` persons.

    Drawn with replacement (much faster than without); the number of draws is raised to
    ``-ln(1 - rate)`` per person so that the expected share of distinct persons is ``rate``.
    """
    if rate <= 0 or n == 0:
        return np.zeros(0, np.int64)
    lam = -np.log1p(-min(rate, 0.999999))
    m = rng.poisson(n * lam)
    idx: np.ndarray = rng.integers(0, n, m, dtype=np.int64)
    return idx


def _exact_households(
    rng: np.random.Generator, hh_bits: np.ndarray, hh_len: np.ndarray, bit: int, want: int
) -> tuple[int, int]:
    """Give a household identity to whole households in random order until ``want`` persons
    hold it; returns (last household, members too many) so the caller can trim it exactly."""
    if want <= 0:
        return -1, 0
    order = rng.permutation(hh_bits.shape[0])
    cum = np.cumsum(hh_len[order])
    k = min(int(np.searchsorted(cum, want)), cum.shape[0] - 1)
    hh_bits[order[: k + 1]] |= hh_bits.dtype.type(1 << bit)
    return int(order[k]), max(int(cum[k]) - want, 0)
