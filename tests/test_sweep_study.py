"""The sweep summary's computations (simulate.analysis.sweep_study): the response overrides, the
Monte Carlo ranges a policy's rules read, and bands equal to simulate.analysis.monte_carlo's."""

from __future__ import annotations

from pathlib import Path

import simulate
from simulate import analysis as an
from simulate.analysis import sweep_study as study
from simulate.model.behaviour import STUDY_2026
from simulate.model.engine import compile_for_engine
from simulate.vocabulary import IDENTITY_BIT

LANGXI = Path(__file__).resolve().parent.parent / "scenarios" / "langxi-2024.yaml"


def test_response_overrides_keep_the_callers_and_set_the_study_curve():
    got = study.response_overrides({"contribution.personal": 400})
    assert got["contribution.personal"] == 400
    assert got["behaviour.model"] == "logistic"
    assert got["behaviour.midpoint_yuan"] == STUDY_2026["midpoint_yuan"]
    # the overrides load: the curve is a valid behaviour for the scenario
    assert simulate.load_scenario(LANGXI, got).policy.behaviour.model == "logistic"


def test_monte_carlo_rates_cover_only_identities_the_rules_read():
    policy = simulate.load_scenario(LANGXI).policy
    rates = study.monte_carlo_rates(policy)
    low, high = rates.pop("participation")
    assert 0.0 <= low < high <= 1.0
    relevant = compile_for_engine(policy).relevant_bits
    assert rates, "langxi's tiers read identities"
    for ident, (lo, hi) in rates.items():
        assert relevant >> IDENTITY_BIT[ident] & 1, ident
        assert 0 < lo < hi < 1


def test_monte_carlo_bands_are_monte_carlo_scaled():
    policy = simulate.load_scenario(LANGXI).policy
    rates = study.monte_carlo_rates(policy)
    frame = study.monte_carlo_bands(
        LANGXI,
        "contribution.personal",
        [380, 420],
        ["individual", "medical_assistance"],
        draws=3,
        size=2_000,
        persons=4_000,
        rates=rates,
        seed=5,
        overrides={},
    )
    assert list(frame.columns) == ["value", "source", "p5", "p50", "p95"]
    assert len(frame) == 4
    direct = an.monte_carlo(LANGXI, draws=3, size=2_000, rates=rates, seed=5, overrides={"contribution.personal": 420})
    row = frame[(frame["value"] == 420) & (frame["source"] == "individual")].iloc[0]
    assert row["p50"] == direct.loc["individual", "p50"] * 2
    assert (frame["p5"] <= frame["p50"]).all() and (frame["p50"] <= frame["p95"]).all()
