"""Property tests (hypothesis): the fast engine against the per-person reference, on random
policies and populations (DESIGN.md, "A slow reference engine is the oracle").

Policies are random but valid scenario files: tiers over identity rules with any/all/not,
age, sex, disability grades and 户籍 type; every subsidy form; random sources; priority or
highest benefit; every late mode (a stated late charge included); an extension or none;
event windows with every treatment; year-round tiers. Populations are a few hundred people
holding several identities each, in every timing class, with a 户籍 type or none, and
people who did not enroll.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulate.model.engine import Tally, compile_for_engine, resolve_tiers, tally
from simulate.model.population import Population, Villages
from simulate.model.reference import oracle_payment, own_standard, resolve
from simulate.model.standards import cell_codes, cells_of, grade_indexes
from simulate.model.synth import synthesize
from simulate.model.tally_reference import tally_reference
from simulate.policy import EVENTS, Policy, Scenario, load_scenario
from simulate.policy.rules import Person, matches
from simulate.policy.subsidy import TIMINGS, payment
from simulate.results.outlay import Outlay
from simulate.vocabulary import IDENTITY_BIT, SOURCE_IDS

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = load_scenario(REPO / "scenarios" / "sinan-2021.yaml").raw

#: A small pool so that people often hold several identities a policy looks at.
POOL = (
    "destitute",
    "orphan",
    "rural_dibao",
    "urban_dibao",
    "low_income_family",
    "registered_poor",
    "priority_entitled",
    "seriously_ill",
)
PAYERS = tuple(s for s in SOURCE_IDS if s != "individual")

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _yuan(fen: int) -> str:
    return str(Decimal(fen) / 100)


# ----------------------------------------------------------------------------- strategies

identity = st.sampled_from(POOL)


@st.composite
def age_range(draw):
    lo = draw(st.sampled_from([0, 0, 6, 17, 18, 59, 60, 70]))
    hi = draw(st.sampled_from([17, 18, 59, 60, 80, 150]).filter(lambda h: h >= lo))
    return {"min": lo, "max": hi}


def _leaf():
    return st.one_of(
        st.builds(lambda i: {"identity": i}, identity),
        st.builds(lambda a: {"age": a}, age_range()),
        st.builds(lambda g: {"disability_grade": sorted(g)}, st.sets(st.integers(1, 4), min_size=1, max_size=3)),
        st.builds(lambda s: {"sex": s}, st.sampled_from(["F", "M"])),
        st.builds(lambda h: {"hukou": h}, st.sampled_from(["rural", "urban"])),
    )


def _extend(children):
    item = st.one_of(identity, children)
    return st.one_of(
        st.builds(lambda xs: {"any": xs}, st.lists(item, min_size=1, max_size=3)),
        st.builds(lambda xs: {"all": xs}, st.lists(item, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, item),
        # several keys at once: an implicit all of
        st.builds(lambda i, a: {"identity": i, "age": a}, identity, age_range()),
        st.builds(lambda xs, x: {"any": xs, "not": x}, st.lists(identity, min_size=1, max_size=3), item),
    )


rules = st.recursive(_leaf(), _extend, max_leaves=6)
#: mostly identity rules (as in the documents), sometimes anything
tier_rules = st.one_of(
    st.builds(lambda xs: {"any": xs}, st.lists(identity, min_size=1, max_size=2)),
    st.builds(lambda i: {"identity": i}, identity),
    rules,
)


@st.composite
def subsidy(draw, std: int):
    form = draw(st.sampled_from(["full", "percent", "fixed_subsidy", "fixed_personal", "split", "none"]))
    src = draw(st.sampled_from(PAYERS))
    if form == "full":
        return {"form": "full", "source": src}
    if form == "percent":  # issue 15 item 3: an optional cap and/or floor in yuan
        out = {"form": "percent", "source": src, "percent": _yuan(draw(st.integers(0, 10000)))}
        floor = draw(st.one_of(st.none(), st.integers(0, std)))
        cap = draw(st.one_of(st.none(), st.integers(floor or 0, max(std, floor or 0) + 5000)))
        out.update({k: _yuan(v) for k, v in (("floor", floor), ("cap", cap)) if v is not None})
        return out
    if form == "fixed_subsidy" and draw(st.booleans()):  # issue 15 item 3: amounts by age band
        cuts = sorted(draw(st.sets(st.sampled_from([1, 6, 17, 18, 60, 61, 100]), max_size=3)))
        edges = [0, *cuts]
        bands = [{"from": a, "amount": _yuan(draw(st.integers(0, std)))} for a in edges]
        for band, below in zip(bands, cuts):
            band["below"] = below
        return {"form": "fixed_subsidy", "source": src, "by_age": bands}
    if form == "fixed_subsidy":
        return {"form": "fixed_subsidy", "source": src, "amount": _yuan(draw(st.integers(0, std)))}
    if form == "fixed_personal":
        return {"form": "fixed_personal", "source": src, "personal": _yuan(draw(st.integers(0, std)))}
    if form == "none":
        return {"form": "none"}
    srcs = draw(st.lists(st.sampled_from(PAYERS), min_size=2, max_size=3, unique=True))
    rest = draw(st.sampled_from([None] + list(range(len(srcs)))))
    shares, left = [], std
    for i, s in enumerate(srcs):
        if i == rest:
            shares.append({"source": s, "rest": True})
        elif draw(st.booleans()):
            amount = draw(st.integers(0, left))
            left -= amount
            shares.append({"source": s, "amount": _yuan(amount)})
        else:  # a percent that still fits beside the amounts already given
            cap = left * 10000 // std if std else 0
            pct = draw(st.integers(0, max(cap - 1, 0)))
            left -= (std * pct + 5000) // 10000
            shares.append({"source": s, "percent": _yuan(pct)})
    return {"form": "split", "shares": shares}


@st.composite
def standards(draw, std: int):
    """Issue 15 item 2: groups with their own standard (a rule) and/or grades with shares; each
    standard at or above ``std`` so the tiers' fixed amounts and shares (drawn up to it) fit."""
    out: list[dict] = []
    for k in range(draw(st.integers(0, 2))):
        out.append(
            {
                "id": f"s{k}",
                "label": {"zh": f"标准{k}", "en": f"standard {k}"},
                "who": draw(rules),
                "personal": _yuan(std + draw(st.sampled_from([0, 1, 5000, 12001]))),
            }
        )
        if draw(st.booleans()):
            out[-1]["fiscal_subsidy"] = _yuan(draw(st.sampled_from([0, 60000, 70001])))
    if draw(st.booleans()):
        first = draw(st.integers(1, 9999))
        for k, share in enumerate((first, 10000 - first)):
            personal = std + draw(st.sampled_from([0, 3, 12000]))
            out.append({"id": f"g{k}", "label": {"zh": f"档{k}", "en": f"grade {k}"}, "personal": _yuan(personal)})
            out[-1]["share"] = _yuan(share)
    return out


@st.composite
def raw_policies(draw):
    std = draw(st.sampled_from([0, 1, 999, 28000, 32001, 38000]))
    fiscal = draw(st.sampled_from([0, 55000, 61001]))
    raw = copy.deepcopy(TEMPLATE)
    raw["contribution"]["personal"] = _yuan(std)
    raw["contribution"]["fiscal_subsidy"] = _yuan(fiscal)
    raw["multiple_identities"]["rule"] = draw(st.sampled_from(["priority", "highest_benefit"]))
    late = raw["timing"]["late"]
    late["mode"] = draw(
        st.sampled_from(["full_financing", "fixed_charge", "personal", "not_accepted", "same_as_regular"])
    )
    late.pop("charge", None)
    if late["mode"] == "fixed_charge":
        late["charge"] = _yuan(draw(st.sampled_from([0, 1, 83000, 99999])))
    raw["timing"].pop("extension", None)
    if draw(st.booleans()):
        raw["timing"]["extension"] = {"until": "2021-06-30", "section": "test", "who": {"zh": "测试", "en": "test"}}
    treatments = st.sampled_from(["as_regular", "personal", "full_financing", "late", "not_accepted"])
    raw["timing"]["windows"] = [
        {
            "event": e,
            "days": draw(st.sampled_from([None, 28, 90])),
            "within": draw(treatments),
            "after": draw(treatments),
            "section": "test",
        }
        for e in draw(st.lists(st.sampled_from(EVENTS), unique=True, max_size=3))
    ]
    n = draw(st.integers(1, 6))
    raw["tiers"] = [
        {
            "id": f"t{k}",
            "label": {"zh": f"档{k}", "en": f"tier {k}"},
            "section": "test",
            "eligibility": draw(tier_rules),
            "subsidy": draw(subsidy(std)),
            "year_round": draw(st.booleans()),
        }
        for k in range(n)
    ]
    raw["contribution"]["standards"] = draw(standards(std))
    raw["targets"]["groups"] = [
        {"id": f"g{k}", "label": {"zh": f"组{k}", "en": f"group {k}"}, "rule": draw(rules), "percent": 100}
        for k in range(draw(st.integers(0, 2)))
    ]
    return raw


def scenario_of(raw: dict) -> Scenario:
    return Scenario(Policy.model_validate(raw), raw, chain=[], overrides={}, base_dir=Path("."))


scenarios = raw_policies().map(scenario_of)


@st.composite
def populations(draw, max_size: int = 300):
    n = draw(st.integers(1, max_size))
    seed = draw(st.integers(0, 2**32 - 1))
    p_ident = draw(st.sampled_from([0.05, 0.2, 0.45]))
    n_v = draw(st.integers(1, 3))
    rng = np.random.default_rng(seed)
    ids = np.zeros(n, np.uint32)
    for name in POOL:
        ids[rng.random(n) < p_ident] |= np.uint32(1 << IDENTITY_BIT[name])
    age = rng.choice(np.array([0, 1, 6, 16, 17, 18, 40, 59, 60, 61, 75, 100], np.uint8), n)
    sex = rng.integers(0, 2, n, dtype=np.uint8)
    dis = rng.choice(np.array([0, 0, 0, 1, 2, 3, 4], np.uint8), n)
    timing = np.where(rng.random(n) < 0.4, 0, rng.integers(0, len(TIMINGS), n)).astype(np.uint8)
    enrolled = rng.random(n) < 0.85
    village = rng.integers(0, n_v, n).astype(np.uint16)
    vids = tuple(f"v{i}" for i in range(n_v))
    villages = Villages(vids, vids, vids, np.zeros(n_v, np.int64), np.zeros(n_v, np.int64))
    hukou = rng.integers(0, 3, n).astype(np.uint8) if draw(st.booleans()) else None
    # the grade chosen (index + 1, 0 not recorded: the shares decide by the person id)
    grade = rng.integers(0, 3, n).astype(np.uint8) if draw(st.booleans()) else None
    pid = np.array([f"P{seed}-{i}" for i in range(n)]) if draw(st.booleans()) else None
    return Population(
        ids,
        age,
        sex,
        dis,
        village,
        np.arange(n, dtype=np.int64),
        enrolled,
        timing,
        villages,
        person_id=pid,
        hukou=hukou,
        grade=grade,
    )


def assert_same_tally(a: Tally, b: Tally) -> None:
    for name in ("counts", "refused", "not_enrolled", "group_members", "group_enrolled", "group_on_time"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert (a.cells is None) == (b.cells is None)
    if a.cells is not None:
        np.testing.assert_array_equal(a.cells, b.cells, err_msg="cells")
    assert a.ties == b.ties


# ----------------------------------------------------------------------------- properties


@SETTINGS
@given(sc=scenarios, pop=populations())
def test_fast_engine_equals_reference_to_the_fen(sc, pop):
    comp = compile_for_engine(sc.policy)
    fast, ref = tally(comp, pop), tally_reference(sc.policy, pop)
    assert_same_tally(fast, ref)
    assert fast.persons == len(pop)
    fen_fast = Outlay(sc, comp, fast, pop.villages).source_fen()
    fen_ref = Outlay(sc, comp, ref, pop.villages).source_fen()
    np.testing.assert_array_equal(fen_fast, fen_ref)


@SETTINGS
@given(sc=scenarios, pop=populations())
def test_conservation_to_the_fen(sc, pop):
    comp = compile_for_engine(sc.policy)
    out = Outlay(sc, comp, tally(comp, pop), pop.villages)
    out.check_conservation()
    pol = sc.policy
    cells = cells_of(pol)
    cell = cell_codes(cells, pop)
    tier, _ = resolve_tiers(comp, pop.identities, pop.age, pop.sex, pop.disability, pop.timing, pop.hukou, cell)
    tiers = (None,) + pol.tiers
    total = 0
    for i in range(len(pop)):
        std = 0 if cell is None else cells.standard(int(cell[i]))  # the person's own standard
        pay = payment(pol, tiers[tier[i]], TIMINGS[pop.timing[i]], std, int(pop.age[i]))
        # what the enrollment brings in: personal + fiscal, or the document's stated late charge
        _, personal, fiscal = pol.contribution.standard_list()[std]
        cost = personal + fiscal
        if pay.treatment == "fixed_charge":
            cost = pol.timing.late.charge
        if pop.enrolled[i] and pay.enrolled:
            assert all(v >= 0 for v in pay.pays.values())
            assert sum(pay.pays.values()) + pay.fiscal_subsidy == cost
            total += cost
    assert int(out.source_fen().sum()) + out.fiscal_fen() == total


@SETTINGS
@given(sc=scenarios, pop=populations(), seed=st.integers(0, 2**63 - 1))
def test_determinism(sc, pop, seed):
    comp = compile_for_engine(sc.policy)
    assert_same_tally(tally(comp, pop), tally(comp, pop))
    a = resolve_tiers(comp, pop.identities, pop.age, pop.sex, pop.disability, pop.timing)
    b = resolve_tiers(compile_for_engine(sc.policy), pop.identities, pop.age, pop.sex, pop.disability, pop.timing)
    assert a[0].tobytes() == b[0].tobytes() and a[1] == b[1]
    s1, s2 = synthesize(sc, 3000, seed), synthesize(sc, 3000, seed)
    for name in ("identities", "age", "sex", "disability", "village", "household", "enrolled", "timing"):
        assert getattr(s1.block(0), name).tobytes() == getattr(s2.block(0), name).tobytes(), name


def _raise(sub: dict, std: int, draw) -> dict | None:
    """The same subsidy a little more generous, or None when it cannot be raised."""
    out = copy.deepcopy(sub)
    if sub["form"] == "percent":
        p = int(Decimal(sub["percent"]) * 100)
        if p >= 10000:
            return None
        out["percent"] = _yuan(draw(st.integers(p + 1, 10000)))
    elif sub["form"] == "fixed_subsidy":
        where = out if "amount" in sub else out["by_age"][draw(st.integers(0, len(sub["by_age"]) - 1))]
        a = int(Decimal(where["amount"]) * 100)
        if a >= std:
            return None
        where["amount"] = _yuan(draw(st.integers(a + 1, std)))
    elif sub["form"] == "fixed_personal":
        a = int(Decimal(sub["personal"]) * 100)
        if a == 0:
            return None
        out["personal"] = _yuan(draw(st.integers(0, a - 1)))
    else:
        return None
    return out


@SETTINGS
@given(raw=raw_policies(), pop=populations(), data=st.data())
def test_raising_a_tier_never_lowers_its_source_outlay(raw, pop, data):
    """Single-source tiers only: raising one share of a *split* tier can pull people away from
    a tier paid by the same source with a larger part (e.g. A = X 10 + Y 185 raised to
    X 20 + Y 185 wins over C = X 200), so the property does not hold for split tiers."""
    std = int(Decimal(raw["contribution"]["personal"]) * 100)
    k = data.draw(st.integers(0, len(raw["tiers"]) - 1))
    raised = _raise(raw["tiers"][k]["subsidy"], std, data.draw)
    if raised is None:
        return
    higher = copy.deepcopy(raw)
    higher["tiers"][k]["subsidy"] = raised
    src = SOURCE_IDS.index(raised["source"])
    fen = []
    for r in (raw, higher):
        sc = scenario_of(r)
        comp = compile_for_engine(sc.policy)
        fen.append(int(Outlay(sc, comp, tally(comp, pop), pop.villages).source_fen()[src]))
    assert fen[1] >= fen[0]


@SETTINGS
@given(raw=raw_policies(), pop=populations())
def test_highest_benefit_never_worse_than_any_single_tier(raw, pop):
    raw["multiple_identities"]["rule"] = "highest_benefit"
    sc = scenario_of(raw)
    pol = sc.policy
    comp = compile_for_engine(pol)
    cells = cells_of(pol)
    cell = cell_codes(cells, pop)
    tier, _ = resolve_tiers(comp, pop.identities, pop.age, pop.sex, pop.disability, pop.timing, pop.hukou, cell)
    tiers = (None,) + pol.tiers
    for i in range(len(pop)):
        person = pop.person(i)
        own = (0 if cell is None else cells.standard(int(cell[i])), person.age)  # by their own standard
        chosen = payment(pol, tiers[tier[i]], person.timing, *own)
        eligible = [t for t in pol.tiers if matches(t.eligibility, person)]
        assert (tier[i] == 0) == (not eligible)
        for t in eligible:
            alt = payment(pol, t, person.timing, *own)
            if alt.enrolled:
                assert chosen.enrolled, (person, t.id)
                assert chosen.pays.get("individual", 0) <= alt.pays.get("individual", 0), (person, t.id)


def test_ties_are_counted_alike():
    """Two tiers with the same individual payment but different payers: a tie, both engines."""
    raw = copy.deepcopy(TEMPLATE)
    raw["tiers"] = [
        {
            "id": "a",
            "label": {"zh": "甲", "en": "a"},
            "section": "x",
            "eligibility": {"identity": "orphan"},
            "subsidy": {"form": "full", "source": "medical_assistance"},
        },
        {
            "id": "b",
            "label": {"zh": "乙", "en": "b"},
            "section": "x",
            "eligibility": {"identity": "destitute"},
            "subsidy": {"form": "full", "source": "county_finance"},
        },
        {
            "id": "c",
            "label": {"zh": "丙", "en": "c"},
            "section": "x",
            "eligibility": {"identity": "rural_dibao"},
            "subsidy": {"form": "full", "source": "medical_assistance"},
        },
    ]
    sc = scenario_of(raw)
    both = (1 << IDENTITY_BIT["orphan"]) | (1 << IDENTITY_BIT["destitute"])
    same = (1 << IDENTITY_BIT["orphan"]) | (1 << IDENTITY_BIT["rural_dibao"])
    ids = np.array([both, both, same, 0], np.uint32)
    v = Villages(("v",), ("v",), ("v",), np.zeros(1, np.int64), np.zeros(1, np.int64))
    pop = Population(
        ids,
        np.full(4, 40, np.uint8),
        np.zeros(4, np.uint8),
        np.zeros(4, np.uint8),
        np.zeros(4, np.uint16),
        np.arange(4),
        np.ones(4, bool),
        np.zeros(4, np.uint8),
        v,
    )
    comp = compile_for_engine(sc.policy)
    fast = tally(comp, pop)
    assert fast.ties == 2  # orphan+destitute: equal benefit, different payers; listed order wins
    assert_same_tally(fast, tally_reference(sc.policy, pop))


@pytest.mark.parametrize("seed", [0, 7])
def test_synthetic_blocks_fast_equals_reference(seed):
    """Real scenarios on a synthetic sample: the fast engine agrees with the oracle."""
    for name in ("sinan-2021", "daligang-2020", "langxi-2024", "shuangpai-2022", "songming-2018"):
        sc = load_scenario(REPO / "scenarios" / f"{name}.yaml")
        pop = synthesize(sc, 4000, seed).materialize()
        comp = compile_for_engine(sc.policy)
        assert_same_tally(tally(comp, pop), tally_reference(sc.policy, pop))


@SETTINGS
@given(sc=scenarios, pop=populations())
def test_engine_money_equals_the_oracles_own_arithmetic(sc, pop):
    """Fen per source and fiscal subsidy: the engine's compiled tables against the reference
    engine's own, independent arithmetic (``reference.oracle_payment``), person by person."""
    comp = compile_for_engine(sc.policy)
    out = Outlay(sc, comp, tally(comp, pop), pop.villages)
    by_source = dict.fromkeys(SOURCE_IDS, 0)
    fiscal = 0
    grades = [g.id for g in sc.policy.contribution.grades()]
    chosen = grade_indexes(cells_of(sc.policy), pop)  # recorded, else drawn by the shares
    for i in range(len(pop)):
        o = resolve(sc.policy, replace(pop.person(i), grade=grades[int(chosen[i])] if grades else ""))
        if pop.enrolled[i] and o.payment.enrolled:
            for source, fen in o.payment.pays.items():
                by_source[source] += fen
            fiscal += o.payment.fiscal_subsidy
    assert dict(zip(SOURCE_IDS, (int(f) for f in out.source_fen()))) == by_source
    assert out.fiscal_fen() == fiscal


@SETTINGS
@given(raw=raw_policies())
def test_oracle_payment_equals_the_subsidy_arithmetic(raw):
    """Every tier and timing class of a random policy, for people of several ages and each
    grade (so every standard and ``by_age`` band): the same fen for every source."""
    pol = scenario_of(raw).policy
    codes = [sid for sid, _, _ in pol.contribution.standard_list()]
    people = [Person(age=age, grade=g.id) for age in (0, 17, 18, 40, 60, 100) for g in pol.contribution.grades()] or [
        Person(age=age) for age in (0, 17, 18, 40, 60, 100)
    ]
    for tier, timing, person in itertools.product((None, *pol.tiers), TIMINGS, people):
        own = codes.index(own_standard(pol, person)[0])
        mine = oracle_payment(pol, tier, timing, person)
        theirs = payment(pol, tier, timing, own, person.age)
        assert {k: v for k, v in mine.pays.items() if v} == {k: v for k, v in theirs.pays.items() if v}
        assert (mine.fiscal_subsidy, mine.enrolled, mine.late_rule, mine.treatment, mine.decided_by) == (
            theirs.fiscal_subsidy,
            theirs.enrolled,
            theirs.late_rule,
            theirs.treatment,
            theirs.decided_by,
        )
