"""Money checked independently of the engine's tables: person by person, and rounding."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simulate
from simulate.model.engine import compile_for_engine, tally
from simulate.model.reference import resolve
from simulate.money import percent_of as _percent_of
from simulate.results.outlay import Outlay
from simulate.vocabulary import SOURCE_IDS

SCENARIOS = [
    "daligang-2020",
    "sinan-2021",
    "langxi-2024",
    "songming-2018",
    "shuangpai-2022",
    "daligang-2020-highest-benefit",
]


@pytest.mark.parametrize("name", SCENARIOS)
def test_outlay_equals_person_by_person_sum(name):
    sc = simulate.load_scenario(
        f"scenarios/{name}.yaml", {"contribution.personal": 433.33} if name != "songming-2018" else {}
    )
    pop = simulate.synthesize(sc, size=12_000, seed=8).materialize()
    comp = compile_for_engine(sc.policy)
    out = Outlay(sc, comp, tally(comp, pop), pop.villages)
    by_source = dict.fromkeys(SOURCE_IDS, 0)
    fiscal = 0
    for i in range(len(pop)):
        if not pop.enrolled[i]:
            continue
        pay = resolve(sc.policy, pop.person(i)).payment
        if not pay.enrolled:
            continue
        for src, fen in pay.pays.items():
            by_source[src] += fen
        fiscal += pay.fiscal_subsidy
    assert dict(zip(SOURCE_IDS, (int(f) for f in out.source_fen()))) == by_source
    assert out.fiscal_fen() == fiscal


@settings(max_examples=300, deadline=None)
@given(fen=st.integers(0, 10**9), hundredths=st.integers(0, 10_000))
def test_percent_rounds_half_up_to_the_fen(fen, hundredths):
    pct = Decimal(hundredths) / 100
    expected = int((Decimal(fen) * pct / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert _percent_of(fen, pct) == expected


@settings(max_examples=100, deadline=None)
@given(
    parts=st.lists(st.integers(0, 10_000), min_size=4, max_size=4).filter(lambda p: sum(p) > 0),
    personal=st.integers(1, 100_000),
)
def test_fiscal_split_adds_up_and_never_negative(parts, personal):
    # shares in hundredths of a percent, scaled to sum exactly to 100.00%
    total = sum(parts)
    hund = [p * 10_000 // total for p in parts]
    hund[0] += 10_000 - sum(hund)
    split = {k: str(Decimal(h) / 100) for k, h in zip(("central", "provincial", "city", "county"), hund)}
    sc = simulate.load_scenario(
        "scenarios/sinan-2021.yaml",
        {
            **{f"contribution.fiscal_subsidy_split.{k}": v for k, v in split.items()},
            "contribution.fiscal_subsidy": personal / 100,
        },
    )
    out = simulate.run(sc, size=37, seed=1, workers=1)
    got = out.fiscal_split_fen()
    assert sum(got.values()) == out.fiscal_fen()
    assert all(v >= 0 for v in got.values())
    for k, v in got.items():
        exact = Decimal(out.fiscal_fen()) * Decimal(split[k]) / 100
        assert abs(Decimal(v) - exact) < 1, (k, v, exact)
