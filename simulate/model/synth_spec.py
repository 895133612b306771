"""What the synthesizer draws from: the cited default rates in ``data/`` and the scenario's
own (local identities, enrolment base, fully subsidized tiers). Every default rate is flagged
as an assumption in its CSV; ``synth`` turns a ``SynthSpec`` into people.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import PopulationError
from ..policy.models import Rule
from ..policy.scenario import Scenario
from ..policy.schema import Policy
from ..policy.subsidy import payment
from ..resources import data_path
from ..vocabulary import IDENTITIES, IDENTITY_BIT
from .population import read_villages

#: Entries of a lookup table: indexed by uniform uint16 draws.
LOOKUP_SIZE = 65536
_U16 = LOOKUP_SIZE


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


def default_size(scenario: Scenario) -> int:
    """The enrolment base of the scenario's area, persons (docs/policies.md, "Enrolment base"):
    the village table's residents or ``area.residents``, less those in employee insurance."""
    pol = scenario.policy
    if pol.area.villages_file:
        residents = int(read_villages(scenario.data_path(pol.area.villages_file)).residents.sum())
        return pol.area.enrolment_base(residents)
    return pol.area.enrolment_base()


def size_or_default(scenario: Scenario, size: int | None) -> int:
    """``size`` if given, else the area's enrolment base (:func:`default_size`); a scenario that
    names no residents and no villages file needs ``--size`` or a population file (one line)."""
    if size is not None:
        return size
    size = default_size(scenario)
    if not size:  # nothing to size the people by: say so, not "--size 0"
        raise PopulationError(
            "area.residents",
            "the scenario gives no number of residents: write area.residents in it, "
            "or give --size N or --population FILE",
        )
    return size


def fully_subsidized_rules(policy: Policy) -> tuple[Rule, ...]:
    """Eligibility rules of the tiers where the person pays nothing in the collection period:
    the paying department enrolls them (data/participation-defaults.csv, other_subsidized)."""
    return tuple(t.eligibility for t in policy.tiers if payment(policy, t, "regular").pays.get("individual", 0) == 0)
