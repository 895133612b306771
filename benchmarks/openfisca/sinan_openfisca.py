"""The 思南 2021 rules (scenarios/sinan-2021.yaml) as an OpenFisca tax-benefit system, for the
speed comparison of issue 16 item 5 (benchmarks/bench_openfisca.py).

Runs in its own venv with openfisca-core (never in the project's): a person entity, the
identity flags, age, disability grade, payment time and enrolment as inputs, the document's
amounts as dated parameters, and the tier resolution and the payments by source as
vectorised formulas, the way an OpenFisca country package writes them. Amounts are yuan
in the parameters and fen in the outputs (integer, as in simulate).

    /work/ofvenv/bin/python benchmarks/openfisca/sinan_openfisca.py POPULATION.npz

POPULATION.npz holds ``identities`` (uint32 bit set), ``bits`` (identity name -> bit, as a
JSON string), ``age``, ``disability``, ``enrolled`` and ``timing`` (simulate's codes); the
script prints one JSON line: totals by source in fen, persons, and its own timings.
"""

import json
import sys
import time

T0, C0 = time.perf_counter(), time.process_time()

import numpy as np  # noqa: E402
from openfisca_core.entities import build_entity  # noqa: E402
from openfisca_core.model_api import YEAR, Variable, select, where  # noqa: E402
from openfisca_core.parameters import ParameterNode  # noqa: E402
from openfisca_core.simulation_builder import SimulationBuilder  # noqa: E402
from openfisca_core.taxbenefitsystems import TaxBenefitSystem  # noqa: E402

PERIOD = "2021"
Person = build_entity(key="person", plural="persons", label="参保人", is_person=True)

#: Identities the rules look at (vocabulary ids, inputs of the model).
IDENTITIES = (
    "registered_poor",
    "urban_dibao",
    "rural_dibao",
    "low_income_family",
    "seriously_ill",
    "fp_special",
    "fp_two_households",
    "orphan",
    "destitute",
    "downsized_1960s",
    "psychiatric_offender",
    "priority_entitled",
)
#: simulate's payment-time codes that pay the 830-yuan charge (八(三)2: outside the period,
#: and the windows' "after" classes); 0 regular, 2 newborn within 90 days pay as in the period
LATE_CODES = (1, 3, 4, 6, 10, 12)
#: Tiers in the document's order (七: 多重身份就高 — ties go to the first listed).
TIERS = (
    "registered_poor",
    "dibao",
    "low_income_vulnerable",
    "family_planning",
    "civil_affairs_full",
    "priority_entitled",
    "severe_disability",
    "moderate_disability",
)
YEAR_ROUND = ("registered_poor", "family_planning", "civil_affairs_full")  # 八(三)1


def _value(v):
    return {"values": {"2021-01-01": {"value": v}}}


PARAMETERS = {  # yuan per person per year, 思府办函〔2020〕115号
    "personal": _value(280),  # 三(一)
    "fiscal_subsidy": _value(550),  # 三(四)
    "late_charge": _value(830),  # 三(四), 八(二)
    "elderly_age": _value(60),  # assumption of the scenario: 老年人 60 and over
    "minor_max_age": _value(17),  # 未成年人 under 18
    "registered_poor_subsidy": _value(140),  # 七(一), unspecified government
    "dibao_subsidy": _value(120),  # 七(三), medical assistance
    "low_income_subsidy": _value(50),  # 七(三), medical assistance
    "severe_county": _value(230),  # 七(五)
    "severe_assistance": _value(50),  # 七(五)
    "moderate_county": _value(280),  # 七(五)
}


def _input(name, value_type):
    return type(name, (Variable,), {"value_type": value_type, "entity": Person, "definition_period": YEAR})


def _formula(name, value_type, fn):
    def formula(person, period, parameters):
        return fn(person, period, parameters(period).sinan)

    attrs = {"value_type": value_type, "entity": Person, "definition_period": YEAR, "formula": formula}
    return type(name, (Variable,), attrs)


def _eligibility():
    """Each tier's eligibility (the scenario's ``eligibility`` rules)."""

    def flag(name):
        return lambda p, per, _: p(name, per)

    def low_income(p, per, law):
        age, grade = p("age", per), p("disability_grade", per)
        vulnerable = (age >= law.elderly_age) | (age <= law.minor_max_age) | (grade == 1) | (grade == 2)
        return p("low_income_family", per) & (vulnerable | p("seriously_ill", per))

    rules = {
        "registered_poor": flag("registered_poor"),
        "dibao": lambda p, per, _: p("urban_dibao", per) | p("rural_dibao", per),
        "low_income_vulnerable": low_income,
        "family_planning": lambda p, per, _: p("fp_special", per) | p("fp_two_households", per),
        "civil_affairs_full": lambda p, per, _: (
            p("orphan", per) | p("destitute", per) | p("downsized_1960s", per) | p("psychiatric_offender", per)
        ),
        "priority_entitled": flag("priority_entitled"),
        "severe_disability": lambda p, per, _: (p("disability_grade", per) == 1) | (p("disability_grade", per) == 2),
        "moderate_disability": lambda p, per, _: (p("disability_grade", per) == 3) | (p("disability_grade", per) == 4),
    }
    return [_formula(f"eligible_{t}", bool, rules[t]) for t in TIERS]


def _personal_share():
    """What the person pays under each tier, yuan (the rank of 就高: the least wins)."""

    def share(tier, in_period):
        def fn(p, per, law):
            amount = in_period(law)
            if tier in YEAR_ROUND:
                return np.full(p.count, amount, np.int32)
            return where(p("pays_late_charge", per), law.late_charge, amount)

        return fn

    in_period = {
        "registered_poor": lambda law: law.personal - law.registered_poor_subsidy,
        "dibao": lambda law: law.personal - law.dibao_subsidy,
        "low_income_vulnerable": lambda law: law.personal - law.low_income_subsidy,
        "family_planning": lambda law: 0,
        "civil_affairs_full": lambda law: 0,
        "priority_entitled": lambda law: 0,
        "severe_disability": lambda law: max(law.personal - law.severe_county - law.severe_assistance, 0),
        "moderate_disability": lambda law: max(law.personal - law.moderate_county, 0),
    }
    return [_formula(f"personal_share_{t}", int, share(t, in_period[t])) for t in TIERS]


def _tier(p, per, law):
    """The tier that leaves the person the least to pay; the first listed on a tie (0: none)."""
    tier = np.zeros(p.count, np.int32)
    best = np.full(p.count, np.iinfo(np.int32).max, np.int64)
    for k, name in enumerate(TIERS, start=1):
        share = p(f"personal_share_{name}", per)
        better = p(f"eligible_{name}", per) & (share < best)
        tier = where(better, k, tier)
        best = where(better, share, best)
    return tier


def _subsidized(p, per):
    """(tier, paid in the period or a year-round tier): who receives the tier's subsidy."""
    tier = p("tier", per)
    year_round = np.isin(tier, [TIERS.index(t) + 1 for t in YEAR_ROUND])
    return tier, year_round | ~p("pays_late_charge", per)


def _source(pays):
    """A payment by source in fen: ``pays(tier, law)`` yuan where the tier's subsidy applies."""

    def fn(p, per, law):
        tier, subsidized = _subsidized(p, per)
        return where(p("enrolled", per) & subsidized, pays(tier, law), 0) * 100

    return fn


def _k(name):
    return TIERS.index(name) + 1


def _outputs():
    def individual(p, per, law):
        tier = p("tier", per)
        general = where(p("pays_late_charge", per), law.late_charge, law.personal)
        shares = [p(f"personal_share_{t}", per) for t in TIERS]  # the late charge included
        return where(p("enrolled", per), select([tier == _k(t) for t in TIERS], shares, general), 0) * 100

    def fiscal(p, per, law):
        tier, subsidized = _subsidized(p, per)
        return where(p("enrolled", per) & subsidized, law.fiscal_subsidy, 0) * 100

    sources = {
        "medical_assistance": lambda t, law: select(
            [
                t == _k("dibao"),
                t == _k("low_income_vulnerable"),
                t == _k("civil_affairs_full"),
                t == _k("severe_disability"),
            ],
            [law.dibao_subsidy, law.low_income_subsidy, law.personal, law.severe_assistance],
            0,
        ),
        "county_finance": lambda t, law: select(
            [t == _k("severe_disability"), t == _k("moderate_disability")], [law.severe_county, law.moderate_county], 0
        ),
        "veterans_affairs": lambda t, law: where(t == _k("priority_entitled"), law.personal, 0),
        "unspecified_government": lambda t, law: select(
            [t == _k("registered_poor"), t == _k("family_planning")], [law.registered_poor_subsidy, law.personal], 0
        ),
    }
    out = [_formula("pays_individual", int, individual), _formula("fiscal_subsidy", int, fiscal)]
    out += [_formula(f"pays_{s}", int, _source(fn)) for s, fn in sources.items()]
    return out


SOURCES = ("individual", "medical_assistance", "county_finance", "veterans_affairs", "unspecified_government")


def tax_benefit_system():
    """The 思南 2021 system: inputs, parameters and formulas."""
    tbs = TaxBenefitSystem([Person])
    for name in IDENTITIES:
        tbs.add_variable(_input(name, bool))
    for name, vt in (("age", int), ("disability_grade", int), ("timing", int), ("enrolled", bool)):
        tbs.add_variable(_input(name, vt))
    tbs.add_variable(_formula("pays_late_charge", bool, lambda p, per, _: np.isin(p("timing", per), LATE_CODES)))
    for v in _eligibility() + _personal_share() + [_formula("tier", int, _tier)] + _outputs():
        tbs.add_variable(v)
    tbs.parameters = ParameterNode("", data={"sinan": PARAMETERS})
    return tbs


def main(path):
    timings = {"import": (time.perf_counter() - T0, time.process_time() - C0)}

    def lap(name, t, c):
        timings[name] = (time.perf_counter() - t, time.process_time() - c)

    t, c = time.perf_counter(), time.process_time()
    data = np.load(path)
    bits = json.loads(str(data["bits"]))
    identities = data["identities"]
    n = identities.shape[0]
    lap("read", t, c)
    t, c = time.perf_counter(), time.process_time()
    tbs = tax_benefit_system()
    sim = SimulationBuilder().build_default_simulation(tbs, n)
    for name in IDENTITIES:
        sim.set_input(name, PERIOD, (identities & np.uint32(1 << bits[name])) != 0)
    sim.set_input("age", PERIOD, data["age"].astype(np.int32))
    sim.set_input("disability_grade", PERIOD, data["disability"].astype(np.int32))
    sim.set_input("timing", PERIOD, data["timing"].astype(np.int32))
    sim.set_input("enrolled", PERIOD, data["enrolled"])
    lap("build", t, c)
    t, c = time.perf_counter(), time.process_time()
    totals = {s: int(sim.calculate(f"pays_{s}", PERIOD).sum(dtype=np.int64)) for s in SOURCES}
    totals["fiscal_subsidy"] = int(sim.calculate("fiscal_subsidy", PERIOD).sum(dtype=np.int64))
    lap("calculate", t, c)
    timings["process"] = (time.perf_counter() - T0, time.process_time() - C0)
    print(json.dumps({"persons": n, "by_source": totals, "timings": timings}))


if __name__ == "__main__":
    main(sys.argv[1])
