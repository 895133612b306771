"""What-if analysis (issue 5): variants, compare, sweep, solve, Monte Carlo, expected value,
multi-year path and the behavioural response. Sizes stay small (≤ 200k persons)."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

import simulate
import simulate.analysis as an
from simulate.cli import main
from simulate.errors import SimulateError
from simulate.policy import load_scenario
from simulate.report.sweep_chart import sweep_figure
from simulate.vocabulary import SOURCE_IDS

REPO = Path(__file__).resolve().parent.parent
LANGXI = str(REPO / "scenarios/langxi-2024.yaml")
LANGXI_400 = str(REPO / "scenarios/langxi-2025-400.yaml")
DALIGANG = str(REPO / "scenarios/daligang-2020.yaml")
DALIGANG_HB = str(REPO / "scenarios/daligang-2020-highest-benefit.yaml")
SONGMING = str(REPO / "scenarios/songming-2018.yaml")  # rules on the 户籍 type
BEHAVIOUR = {
    "behaviour.model": "logistic",
    "behaviour.midpoint_yuan": 655.85,
    "behaviour.slope_per_yuan": 0.010674,
    "behaviour.reference_yuan": 380,
    "behaviour.source": "DOMAIN.md 2026 simulation study (test)",
}


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch):
    monkeypatch.chdir(REPO)


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- variants


def test_langxi_400_variant_chain_and_changes():
    sc = load_scenario(LANGXI_400)
    paths = [Path(e["path"]).name for e in sc.chain]
    assert paths == ["langxi-2025-400.yaml", "langxi-2024.yaml"]
    for e in sc.chain:  # sha256 of the file, hex in groups of eight (no long digit run)
        assert e["sha256"].replace(":", "") == hashlib.sha256(Path(e["path"]).read_bytes()).hexdigest()
        assert [len(g) for g in e["sha256"].split(":")] == [8] * 8
    assert sc.provenance()["files"] == sc.chain
    base = load_scenario(LANGXI).policy.model_dump()
    var = sc.policy.model_dump()
    changed = {k for k in base if base[k] != var[k]}
    assert changed == {"id", "title", "benefit_year", "contribution"}
    # benefit year 2025: personal 400 (医保发〔2024〕19号), fiscal subsidy 700 (the 2025 notice)
    assert var["contribution"]["personal"] == 40000 and var["contribution"]["fiscal_subsidy"] == 70000
    assert var["benefit_year"] == 2025
    # the variant's fiscal subsidy is a flagged assumption
    assert any(a["path"] == "contribution" for a in sc.assumptions())


def test_daligang_highest_benefit_variant():
    sc = load_scenario(DALIGANG_HB)
    base = load_scenario(DALIGANG)
    assert [Path(e["path"]).name for e in sc.chain] == ["daligang-2020-highest-benefit.yaml", "daligang-2020.yaml"]
    assert sc.policy.multiple_identities.rule == "highest_benefit"
    assert sc.policy.tiers == base.policy.tiers
    assert any(a["path"] == "multiple_identities" for a in sc.assumptions())


# --------------------------------------------------------------------------- compare


def test_compare_deltas_are_reform_minus_baseline_to_the_fen():
    c = an.compare(LANGXI, [LANGXI_400, DALIGANG_HB], size=30_000, seed=4)
    b = simulate.run(LANGXI, size=30_000, seed=4, workers=1)
    r = simulate.run(LANGXI_400, simulate.synthesize(load_scenario(LANGXI), 30_000, 4), workers=1)
    d = c.delta_fen(0)
    for j, s in enumerate(SOURCE_IDS):
        assert d[s] == int(r.source_fen()[j]) - int(b.source_fen()[j])
    assert d["fiscal_subsidy"] == r.fiscal_fen() - b.fiscal_fen()
    frame = c.by_source(None)
    first = frame[frame["reform"] == "langxi-2025-400"].set_index("source")
    for s in first.index:
        assert round(first.loc[s, "delta_yuan"] * 100) == d[s]
        assert round((first.loc[s, "reform_yuan"] - first.loc[s, "baseline_yuan"]) * 100) == d[s]
    # the standard rose 20 yuan: individuals pay more, the fixed-subsidy federation pays the same
    assert d["individual"] > 0 and d["disabled_federation"] == 0
    # same people in every run
    assert c.baseline.persons == c.reforms[0].persons == c.reforms[1].persons == 30_000
    assert c.baseline.enrolled == c.reforms[0].enrolled


def test_compare_tiers_and_villages_add_up():
    c = an.compare(DALIGANG, [DALIGANG_HB], size=40_000, seed=1)
    d = c.delta_fen()
    gov = sum(v for k, v in d.items() if k not in ("individual", "fiscal_subsidy"))
    tiers = c.by_tier(None)
    villages = c.by_village(None)
    assert round(tiers["subsidy_delta_yuan"].sum() * 100) == gov
    assert round(villages["subsidy_delta_yuan"].sum() * 100) == gov
    assert round(villages["individual_delta_yuan"].sum() * 100) == d["individual"]
    assert len(villages) == 18
    # 就高 never makes anyone pay more than the priority list
    assert d["individual"] <= 0
    zh = c.by_tier("zh")
    assert "资助变化（元）" in zh.columns and "资助档次" in zh.columns


def test_compare_cli_set_applies_to_reforms_only(capsys):
    code, out, err = cli(
        capsys,
        "compare",
        DALIGANG,
        DALIGANG,
        "--size",
        "20000",
        "--seed",
        "3",
        "--set",
        "tiers.rural_dibao.subsidy.percent=70",
        "--json",
    )
    assert code == 0, err
    j = json.loads(out)
    plain = simulate.run(DALIGANG, size=20_000, seed=3, workers=1).to_json()
    assert j["baseline"]["by_source"] == plain["by_source"]
    delta = j["reforms"][0]["delta"]["by_source"]
    assert delta["medical_assistance"] > 0 and delta["individual"] < 0
    # a 70% subsidy moves exactly 20% of 250 yuan from each rural dibao person to the fund
    assert delta["medical_assistance"] == -delta["individual"]


def test_compare_cli_bad_reform_one_line(capsys):
    code, out, err = cli(capsys, "compare", LANGXI, "scenarios/nope.yaml", "--size", "1000")
    assert code == 2 and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- sweep


def test_sweep_rows_monotone_without_behaviour():
    values = [350, 380, 420, 460, 500]
    t = an.sweep(LANGXI, "contribution.personal", values, size=30_000, seed=2)
    assert list(t["contribution.personal"]) == values
    assert set(SOURCE_IDS) <= set(t.columns)
    assert t["individual"].is_monotonic_increasing and t["individual"].diff().dropna().gt(0).all()
    # full tiers (特困 by MA, 优抚 by VA, 特扶 by HC) grow with the standard; fixed ones do not shrink
    for s in ("medical_assistance", "veterans_affairs", "health_commission"):
        assert t[s].is_monotonic_increasing
    assert t["disabled_federation"].nunique() == 1  # fixed 190 yuan
    assert t["enrolled"].nunique() == 1 and t["fiscal_subsidy"].nunique() == 1
    assert t["individual_share"].between(0, 1).all() and t["individual_share"].is_monotonic_increasing


def test_sweep_cli_range_json_and_chart(capsys, tmp_path):
    chart = tmp_path / "sweep.png"
    code, out, err = cli(
        capsys,
        "sweep-table",
        LANGXI,
        "--param",
        "contribution.personal",
        "--range",
        "380:420:20",
        "--size",
        "5000",
        "--json",
        "--chart",
        str(chart),
    )
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert [r["contribution.personal"] for r in rows] == [380, 400, 420]
    assert chart.exists() and chart.stat().st_size > 1000
    code, out, err = cli(capsys, "sweep-table", LANGXI, "--param", "contribution.personal", "--range", "450:380:10")
    assert code == 2 and "--range" in err and len(err.strip().splitlines()) == 1
    code, out, err = cli(
        capsys, "sweep-table", LANGXI, "--param", "contribution.personl", "--values", "400", "--size", "1000"
    )
    assert code == 2 and "personl" in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- solve


def _outlay(scenario, param, value, source, size, seed=0):
    out = simulate.run(scenario, size=size, seed=seed, overrides={param: value}, workers=1)
    return int(out.source_fen()[SOURCE_IDS.index(source)])


def test_solve_reproduces_the_budget_to_the_yuan():
    param, src = "tiers.dibao.subsidy.amount", "medical_assistance"
    lo_cost = _outlay(LANGXI, param, 200, src, 30_000)
    hi_cost = _outlay(LANGXI, param, 380, src, 30_000)
    budget_fen = (lo_cost + hi_cost) // 2 + 37  # somewhere in between, not on a step
    r = an.solve(LANGXI, param, src, budget_fen / 100, 200, 380, size=30_000)
    assert r.direction == "increasing"
    assert r.next_value == r.value + 1
    # independent runs confirm: outlay(answer) ≤ budget < outlay(answer + 1 yuan)
    assert _outlay(LANGXI, param, r.value, src, 30_000) == r.outlay_fen <= budget_fen
    assert _outlay(LANGXI, param, r.value + 1, src, 30_000) == r.next_outlay_fen > budget_fen
    assert r.evaluations < 15


def test_solve_percent_on_hundredths():
    r = an.solve(
        DALIGANG, "tiers.rural_dibao.subsidy.percent", "medical_assistance", 200_000, 0, 100, step="0.01", size=20_000
    )
    assert r.outlay_fen <= 20_000_000 < r.next_outlay_fen
    assert str(r.next_value - r.value) == "0.01"


def test_solve_infeasible_says_why(capsys):
    with pytest.raises(SimulateError, match="below the outlay"):
        an.solve(LANGXI, "tiers.dibao.subsidy.amount", "medical_assistance", 10, 100, 380, size=10_000)
    with pytest.raises(SimulateError, match="not binding"):
        an.solve(LANGXI, "tiers.dibao.subsidy.amount", "medical_assistance", 10**9, 100, 380, size=10_000)
    code, out, err = cli(
        capsys,
        "solve",
        LANGXI,
        "--param",
        "tiers.dibao.subsidy.amount",
        "--source",
        "medical_assistance",
        "--budget",
        "10",
        "--lo",
        "100",
        "--hi",
        "380",
        "--size",
        "10000",
        "--lang",
        "en",
    )
    assert code == 2 and len(err.strip().splitlines()) == 1 and "infeasible" in err
    code, out, err = cli(
        capsys,
        "solve",
        LANGXI,
        "--param",
        "tiers.dibao.subsidy.amount",
        "--source",
        "medical_assistence",
        "--budget",
        "10",
        "--lo",
        "100",
        "--hi",
        "380",
        "--lang",
        "en",
    )
    assert code == 2 and "did you mean medical_assistance" in err


def test_solve_cli_json(capsys):
    code, out, err = cli(
        capsys,
        "solve",
        LANGXI,
        "--param",
        "tiers.dibao.subsidy.amount",
        "--source",
        "medical_assistance",
        "--budget",
        "150000",
        "--lo",
        "0",
        "--hi",
        "380",
        "--size",
        "20000",
        "--json",
    )
    assert code == 0, err
    j = json.loads(out)
    assert j["outlay"] <= 150000 < j["next_outlay"] and j["next_value"] == j["value"] + 1


# --------------------------------------------------------------------------- expected value vs Monte Carlo


@pytest.mark.parametrize("scenario", [LANGXI, DALIGANG, SONGMING])
def test_expected_value_within_monte_carlo_interval(scenario):
    size, draws = 100_000, 30
    mc = an.monte_carlo(scenario, draws=draws, size=size, seed=11)
    ev = an.expected_value(scenario, size=size)
    assert ev["mass_left_out"] < 1e-6
    for item in mc.index:
        expected = (
            ev["enrolled"]
            if item == "enrolled"
            else (ev["fiscal_subsidy"] if item == "fiscal_subsidy" else ev["by_source"].get(item, 0.0))
        )
        row = mc.loc[item]
        assert row["p5"] <= expected <= row["p95"], (item, expected, row.to_dict())
        se = row["std"] / np.sqrt(draws)
        assert abs(expected - row["mean"]) <= 4 * se + 1, (item, expected, row["mean"], se)


def test_expected_value_follows_overrides():
    # its speed (target < 50 ms a call) is measured by benchmarks/bench_expected_value.py
    sc = load_scenario(LANGXI)
    ev = an.expected_value(sc, size=300_000)
    more = an.expected_value(sc.with_overrides({"contribution.personal": 400}), size=300_000)
    assert more["by_source"]["individual"] > ev["by_source"]["individual"]
    assert more["enrolled"] == pytest.approx(ev["enrolled"])


def test_monte_carlo_rates_widen_the_interval_and_are_reproducible():
    kw = dict(draws=12, size=20_000, seed=5)
    narrow = an.monte_carlo(LANGXI, **kw)
    wide = an.monte_carlo(LANGXI, rates={"rural_dibao": (0.02, 0.08), "participation": (0.9, 0.99)}, **kw)
    again = an.monte_carlo(LANGXI, rates={"rural_dibao": (0.02, 0.08), "participation": (0.9, 0.99)}, **kw)
    assert wide.equals(again)

    def spread(f, k):
        return f.loc[k, "p95"] - f.loc[k, "p5"]

    assert spread(wide, "medical_assistance") > spread(narrow, "medical_assistance")
    assert spread(wide, "enrolled") > spread(narrow, "enrolled")
    draws = wide.attrs["draws"]
    assert draws["rate.rural_dibao"].between(0.02, 0.08).all() and draws["seed"].nunique() == 12
    with pytest.raises(SimulateError, match="rural_dibao"):
        an.monte_carlo(LANGXI, draws=2, size=1000, rates={"rural_dibaoo": (0.01, 0.02)})


def test_montecarlo_and_expected_cli(capsys):
    code, out, err = cli(capsys, "montecarlo", LANGXI, "--draws", "4", "--size", "5000", "--json")
    assert code == 0, err
    s = json.loads(out)["summary"]
    assert s["individual"]["p5"] <= s["individual"]["p50"] <= s["individual"]["p95"]
    code, out, err = cli(capsys, "expected", LANGXI, "--set", "contribution.personal=400", "--json")
    assert code == 0, err
    assert json.loads(out)["persons"] == 280362  # 311,513 residents less 10% employee-insured
    code, out, err = cli(capsys, "montecarlo", LANGXI, "--draws", "2", "--vary", "participation=0.9:1.2")
    assert code == 2 and "participation" in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- multi-year


def test_multi_year_path():
    t = an.multi_year(LANGXI, years=5, size=20_000, drift={"out_migration": 0.02, "ageing": 0.03})
    assert len(t) == 5
    assert list(t["year"]) == [2024, 2025, 2026, 2027, 2028]
    assert set(SOURCE_IDS) | {"fiscal_subsidy", "subsidy_total"} <= set(t.columns)
    # national path (data/national-standards.csv by benefit year): +20 personal and +30 subsidy
    # into 2025 (400/700); 2025 is the last known year, then the five-year mean increase,
    # (400 - 250) / 5 = 30 and (700 - 550) / 5 = 30 a year
    assert list(t["personal_yuan"][:3]) == [380, 400, 430]
    assert list(t["fiscal_subsidy_yuan"][:3]) == [640, 670, 700]
    assert list(t["extrapolated"]) == [False, False, True, True, True]
    assert t["personal_yuan"].is_monotonic_increasing
    assert list(t["persons"]) == [round(20_000 * 0.98**k) for k in range(5)]
    assert t.attrs["rule"].startswith("after the last benefit year")
    # fiscal outlay = enrolled × the year's subsidy (every enrolled person is accepted here: no late refusal)
    for row in t.itertuples():
        assert row.fiscal_subsidy <= row.enrolled * row.fiscal_subsidy_yuan


def test_multi_year_expected_and_cli(capsys):
    t = an.multi_year(DALIGANG, years=3, method="expected", drift={"ageing": 0.05})
    assert len(t) == 3 and (t["persons"] == 67949).all()
    code, out, err = cli(capsys, "multiyear", LANGXI, "--years", "3", "--size", "5000", "--json")
    assert code == 0, err
    j = json.loads(out)
    assert len(j["rows"]) == 3 and "extrapolation_rule" in j
    code, out, err = cli(capsys, "multiyear", LANGXI, "--years", "3", "--out-migration", "1.5")
    assert code == 2 and "--out-migration" in err


# --------------------------------------------------------------------------- behavioural response


def test_behaviour_none_is_identical_to_no_section():
    a = simulate.run(LANGXI, size=20_000, seed=9, workers=1)
    b = simulate.run(LANGXI, size=20_000, seed=9, workers=1, overrides={"behaviour.model": "none"})
    assert np.array_equal(a.tally.counts, b.tally.counts)
    assert b.compiled.retention is None


def test_behaviour_lowers_enrollment_as_standard_rises_hardship_groups_stay():
    values = [380, 420, 460, 520]
    t = an.sweep(DALIGANG, "contribution.personal", values, size=60_000, seed=3, overrides=BEHAVIOUR)
    # at the reference payment nobody drops out; above it enrollment falls step by step
    base = simulate.run(DALIGANG, size=60_000, seed=3, workers=1, overrides={"contribution.personal": 380})
    assert t["enrolled"].iloc[0] == base.enrolled
    assert t["enrolled"].diff().dropna().lt(0).all()
    # hardship groups (建档立卡, 特困, 农村低保 at 100% in the document) stay fully enrolled
    out = simulate.run(DALIGANG, size=60_000, seed=3, workers=1, overrides={**BEHAVIOUR, "contribution.personal": 520})
    groups = out.targets("zh").set_index("group")
    for g in ("registered_poor", "destitute", "rural_dibao"):
        assert groups.loc[g, "参保率"] == 1.0
    assert groups.loc["overall", "参保率"] < base.enrolled / base.persons - 0.02
    out.check_conservation()
    # fully subsidized tiers never respond (nothing to pay)
    nb = base.tally.counts.sum(axis=(1, 2))
    nr = out.tally.counts.sum(axis=(1, 2))
    for tier in ("destitute", "orphan", "urban_dibao", "disability_1_2"):
        k = out.tables.tier_ids.index(tier)
        assert nr[k] == nb[k]


def test_behaviour_matches_the_study_threshold_in_expectation():
    # calibration: about 90% participation at 450 yuan for people who respond
    sc = load_scenario(LANGXI, {**BEHAVIOUR, "contribution.personal": 450})
    from simulate.model.engine import compile_for_engine

    keep = compile_for_engine(sc.policy).retention
    assert keep[0] == pytest.approx(0.90 / 0.95, abs=0.001)  # general tier pays 450
    ev = an.expected_value(sc, size=100_000)
    ev0 = an.expected_value(LANGXI, size=100_000)
    # the general tier also holds full-participation people (建档立卡 without a tier): they stay
    gen = ev["by_tier"]["general"] / ev0["by_tier"]["general"]
    assert keep[0] < gen < 1
    # the simulated response agrees with its expectation
    mc = simulate.run(sc, size=200_000, seed=1, workers=1)
    ev2 = an.expected_value(sc, size=200_000)
    assert abs(mc.enrolled - ev2["enrolled"]) < 4 * np.sqrt(200_000 * 0.05)


def test_behaviour_from_a_csv_population(tmp_path):
    pop = simulate.synthesize(load_scenario(LANGXI), 3000, 2).materialize()
    p = tmp_path / "people.csv"
    pop.to_frame().to_csv(p, index=False)
    out = simulate.run(LANGXI, str(p), overrides={**BEHAVIOUR, "contribution.personal": 600})
    base = simulate.run(LANGXI, str(p))
    assert out.enrolled < base.enrolled and out.persons == base.persons == 3000


# --------------------------------------------------------------------------- new-user review fixes

WHATIF_CSV = str(REPO / "scenarios/whatif-example.csv")


def _latin_words(text: str) -> set[str]:
    """Runs of Latin letters/underscores (3+) in a text: ids or English words left in zh output."""
    return set(re.findall(r"[A-Za-z_]{3,}", text))


def test_param_labels_are_readable():
    lx, dg = load_scenario(LANGXI), load_scenario(DALIGANG)
    assert an.param_label("contribution.personal", "zh") == "个人缴费标准（元/人·年）"
    assert an.param_label("contribution.personal", "en") == "personal standard (yuan per person-year)"
    assert an.param_label("contribution.fiscal_subsidy", "zh") == "财政补助标准（元/人·年）"
    assert an.param_label("tiers.dibao.subsidy.amount", "zh", lx) == "低保对象 定额资助（元）"
    assert an.param_label("tiers.rural_dibao.subsidy.percent", "zh", dg) == "农村低保对象 资助比例（%）"
    assert an.param_label("targets.overall_percent", "zh") == "总体参保率目标（%）"
    assert an.param_label("behaviour.midpoint_yuan", "zh") == "behaviour.midpoint_yuan"


def test_sweep_chart_uses_the_title_readable_param_and_two_distinct_panels():
    t = an.sweep(LANGXI, "contribution.personal", [380, 420, 460], size=5_000, seed=1)
    fig = sweep_figure(t, lang="zh")
    try:
        title = fig._suptitle.get_text()
        assert "郎溪县2024年度城乡居民医保资助参保" in title
        assert "langxi-2024" not in title and "contribution.personal" not in title
        axes = fig.axes
        assert len(axes) == 2
        assert axes[-1].get_xlabel() == "个人缴费标准（元/人·年）"
        for ax in axes:
            assert "万元" in ax.get_title() and "万元" in ax.get_ylabel()
        # panel 1: what individuals pay (and the fiscal subsidy); panel 2: the subsidising sources
        first = {ln.get_label() for ln in axes[0].get_lines()}
        second = {ln.get_label() for ln in axes[1].get_lines()}
        assert "个人" in first and "个人" not in second
        paying = [s for s in SOURCE_IDS[1:] if (t[s] != 0).any()]
        assert second == {simulate.vocabulary.label(s, "zh") for s in paying}
        # every line looks different (colour and marker) and is labelled at its end
        styles = [(ln.get_color(), ln.get_marker(), ln.get_markerfacecolor()) for ax in axes for ln in ax.get_lines()]
        assert len(set(styles)) == len(styles)
        labels = {tx.get_text() for ax in axes for tx in ax.texts}
        assert first | second <= labels
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    en = sweep_figure(an.sweep(DALIGANG, "tiers.rural_dibao.subsidy.percent", [50, 70], size=3_000), lang="en")
    try:
        assert en._suptitle.get_text().startswith("Daligang")
        assert en.axes[-1].get_xlabel().endswith("subsidy share (%)")
    finally:
        import matplotlib.pyplot as plt

        plt.close(en)


def test_monte_carlo_default_ranges_are_centred_on_the_defaults():
    from simulate.model.synth import default_spec

    spec = default_spec()
    r = an.default_rate_ranges(LANGXI)
    assert r["participation"] == pytest.approx((spec.participation - 0.02, spec.participation + 0.02))
    assert r["rural_dibao"] == pytest.approx((0.0355 * 0.8, 0.0355 * 1.2))
    rates = dict(spec.household_rates) | {b: x for b, x, *_ in spec.person_rates}
    from simulate.vocabulary import IDENTITY_BIT

    for key, (lo, hi) in r.items():
        default = spec.participation if key == "participation" else rates[IDENTITY_BIT[key]]
        assert (lo + hi) / 2 == pytest.approx(default)
    # only identities the scenario's tiers use: 郎溪 has no 孤儿 tier
    assert "orphan" not in r and "orphan" in an.default_rate_ranges(DALIGANG)
    mc = an.monte_carlo(LANGXI, draws=2, size=2_000, seed=1)
    assert mc.attrs["rates"] == r
    assert mc.attrs["rate_defaults"]["rural_dibao"] == pytest.approx(0.0355)
    assert an.monte_carlo(LANGXI, draws=2, size=2_000, rates={}).attrs["rates"] == {}


def _ev_item(ev, item):
    if item == "enrolled":
        return ev["enrolled"]
    if item == "fiscal_subsidy":
        return ev["fiscal_subsidy"]
    return ev["by_source"].get(item, 0.0)


@pytest.mark.parametrize("scenario", [LANGXI, DALIGANG])
def test_montecarlo_cli_default_mean_agrees_with_expected(capsys, scenario):
    draws, size = 20, 20_000
    code, out, err = cli(
        capsys, "montecarlo", scenario, "--draws", str(draws), "--size", str(size), "--seed", "0", "--json"
    )
    assert code == 0, err
    j = json.loads(out)
    assert "rural_dibao" in j["rates"] and "participation" in j["rates"]
    for key, (lo, hi) in j["rates"].items():
        assert (lo + hi) / 2 == pytest.approx(j["rate_defaults"][key])
    code, out, err = cli(capsys, "expected", scenario, "--size", str(size), "--json")
    ev = json.loads(out)
    for item, row in j["summary"].items():
        se = row["std"] / np.sqrt(draws)
        # 4 standard errors: about a dozen items are checked at once, so 3 would fail by chance
        assert abs(row["mean"] - _ev_item(ev, item)) <= 4 * se, (item, row, _ev_item(ev, item))


def test_montecarlo_text_prints_the_ranges_in_chinese(capsys):
    code, out, err = cli(capsys, "montecarlo", LANGXI, "--draws", "3", "--size", "3000")
    assert code == 0, err
    assert "农村低保对象占人口比例：2.84%–4.26%（默认 3.55%）" in out
    assert "参保率（一般人群）：93%–97%（默认 95%）" in out
    assert "项目" in out and "单位" in out and " 元 " in out and " 人 " in out
    assert _latin_words(out) == set(), _latin_words(out)
    code, out, err = cli(capsys, "montecarlo", LANGXI, "--draws", "3", "--size", "3000", "--lang", "en")
    assert "rural minimum-living-allowance (dibao): share of persons: 2.84%–4.26% (default 3.55%)" in out
    code, out, err = cli(capsys, "montecarlo", LANGXI, "--draws", "2", "--size", "2000", "--vary", "none", "--json")
    assert code == 0, err
    assert json.loads(out)["rates"] == {}
    code, out, err = cli(capsys, "montecarlo", LANGXI, "--draws", "2", "--size", "2000", "--vary", "none")
    assert "不确定参数：无" in out
    code, out, err = cli(
        capsys, "montecarlo", LANGXI, "--draws", "2", "--vary", "none", "--vary", "participation=0.9:0.95"
    )
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_compare_names_the_reform_by_its_overrides(capsys):
    argv = ["compare", DALIGANG, DALIGANG, "--size", "10000", "--set", "tiers.rural_dibao.subsidy.percent=70"]
    code, out, err = cli(capsys, *argv, "--json")
    assert code == 0, err
    r = json.loads(out)["reforms"][0]
    assert r["name"] == "daligang-2020 + tiers.rural_dibao.subsidy.percent=70"
    assert r["overrides"] == {"tiers.rural_dibao.subsidy.percent": 70}
    # every source paying in either scenario, zero changes kept
    assert set(r["delta"]["by_source"]) == {"individual"} | {k for k, v in r["by_source"].items() if v}
    assert r["delta"]["by_source"]["county_finance"] == 0 and r["delta_percent"]["county_finance"] == 0.0
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    assert "方案 daligang-2020" not in out and "reform" not in out
    assert "方案1：大栗港镇2020年度城乡居民医保参保资助；改动：农村低保对象 资助比例（%） = 70" in out
    assert _latin_words(out) == set(), _latin_words(out)


def test_compare_same_file_twice_keeps_reforms_apart():
    c = an.compare(LANGXI, [LANGXI, LANGXI_400, LANGXI], size=5_000)
    assert c.names == ["langxi-2024", "langxi-2025-400", "langxi-2024 #2"]
    j = c.to_json()
    n_tiers = len(c.baseline.tables.tier_ids)
    assert [len(r["by_tier"]) for r in j["reforms"]] == [n_tiers] * 3
    assert [r["name"] for r in j["reforms"]] == c.names


def test_every_zh_output_is_chinese(capsys, tmp_path):
    chart = str(tmp_path / "c.png")
    runs = {
        "sweep-table": [
            "sweep-table",
            DALIGANG,
            "--param",
            "tiers.rural_dibao.subsidy.percent",
            "--values",
            "50,60.5,70",
            "--size",
            "3000",
            "--chart",
            chart,
        ],
        "solve": [
            "solve",
            LANGXI,
            "--param",
            "tiers.dibao.subsidy.amount",
            "--source",
            "medical_assistance",
            "--budget",
            "150000",
            "--lo",
            "0",
            "--hi",
            "380",
            "--size",
            "10000",
        ],
        "solve-subsidies": [
            "solve",
            LANGXI,
            "--param",
            "contribution.personal",
            "--source",
            "subsidies",
            "--budget",
            "240000",
            "--lo",
            "350",
            "--hi",
            "500",
            "--size",
            "10000",
        ],
        "expected": ["expected", LANGXI],
        "multiyear": ["multiyear", LANGXI, "--years", "5", "--size", "3000"],
        "compare": ["compare", LANGXI, LANGXI_400, DALIGANG_HB, "--size", "3000"],
    }
    allowed = {"multiyear": {"data", "national", "standards", "csv"}}  # the file named in the note
    for name, argv in runs.items():
        code, out, err = cli(capsys, *argv)
        assert code == 0, (name, err)
        out = out.replace(chart, "")  # the chart's path, as the user gave it
        assert _latin_words(out) <= allowed.get(name, set()), (name, _latin_words(out), out)
    code, out, err = cli(capsys, *runs["sweep-table"])
    assert "农村低保对象 资助比例（%）" in out and "60.5" in out and "6050" not in out
    code, out, err = cli(capsys, *runs["solve"])
    assert "医疗救助基金 支出" in out and "低保对象 定额资助（元） = " in out
    code, out, err = cli(capsys, *runs["expected"])
    assert "个人：" in out and "（单位：元；用时" in out
    code, out, err = cli(capsys, *runs["multiyear"])
    assert "注：" in out and "after the last" not in out


def test_expected_json_persons_is_an_int(capsys):
    code, out, err = cli(capsys, "expected", LANGXI, "--json")
    assert code == 0, err
    assert '"persons": 280362,' in out and isinstance(json.loads(out)["persons"], int)
    assert isinstance(an.expected_value(LANGXI, size=1000)["persons"], int)


def test_whatif_example_sheet(capsys):
    rows = (REPO / "scenarios/whatif-example.csv").read_text("utf-8").splitlines()
    assert rows[0] == "参数,取值" and 2 <= len(rows) - 1 <= 3
    code, out, err = cli(capsys, "explain", LANGXI, "--identity", "rural_dibao", "--set-file", WHATIF_CSV, "--json")
    assert code == 0, err
    assert json.loads(out)["pays"] == {"individual": 40, "medical_assistance": 360}


def _doc_commands() -> list[str]:
    text = (REPO / "docs/what-if.md").read_text("utf-8")
    cmds = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
            if line.startswith("simulate "):
                cmds.append(line)
    return cmds


def test_every_command_in_the_what_if_doc_runs(capsys, tmp_path):
    cmds = _doc_commands()
    assert len(cmds) >= 20
    assert all("whatif.xlsx" not in c for c in cmds)
    for cmd in cmds:
        argv = shlex.split(cmd)[1:]
        if "--chart" in argv:  # do not write into reports/
            argv[argv.index("--chart") + 1] = str(tmp_path / "chart.png")
        code, out, err = cli(capsys, *argv)
        assert code == 0, (cmd, err)
    # the doc's claims about those commands
    code, out, err = cli(
        capsys, "explain", LANGXI, "--identity", "rural_dibao", "--set", "contribution.personal=400", "--json"
    )
    assert json.loads(out)["pays"] == {"individual": 58, "medical_assistance": 342}
    code, out, err = cli(capsys, "run", "scenarios/langxi-2024.yaml", "--set", "contribution.personl=400")
    doc = (REPO / "docs/what-if.md").read_text("utf-8")
    assert code == 2 and err.strip() in doc
