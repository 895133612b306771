"""A what-if is a comparison (issue 12 item 2): the default baseline, the title in words,
baseline / what-if / change for the headline, every source and every tier, same people."""

import math
from pathlib import Path

import pytest

import simulate
from simulate.analysis.whatif import default_baseline, what_if
from simulate.vocabulary import SOURCE_IDS

ROOT = Path(__file__).resolve().parent.parent
LANGXI = ROOT / "scenarios" / "langxi-2024.yaml"
VARIANT = ROOT / "scenarios" / "langxi-2025-400.yaml"


@pytest.fixture(scope="module")
def wi():
    return what_if(LANGXI, {"contribution.personal": 400}, size=30_000, seed=4)


def test_title_says_what_changed_in_words(wi):
    assert wi.kind == "override"
    assert wi.title("zh") == "假设情景：个人缴费标准 380→400元"
    assert wi.title("en") == "What-if: personal standard 380→400 yuan"
    assert "未作调整" in wi.baseline_text("zh")


def test_default_baselines():
    sc = simulate.load_scenario(LANGXI, {"contribution.personal": 400})
    base, kind = default_baseline(sc, sc.overrides)
    assert kind == "override" and base.policy.contribution.personal == 38000 and not base.overrides
    variant = simulate.load_scenario(VARIANT)
    base, kind = default_baseline(variant, {})
    assert kind == "variant" and base.id == "langxi-2024"
    base, kind = default_baseline(simulate.load_scenario(LANGXI), {})
    assert base is None and what_if(LANGXI, size=1000) is None


def test_baseline_option_last_year_columns():
    wi = what_if(VARIANT, baseline=LANGXI, size=20_000, seed=1)
    assert wi.kind == "baseline" and wi.columns("zh")[:3] == ("上年", "本年", "增减")
    assert "郎溪县2024" in wi.title("zh")
    assert [c.path for c in wi.changes] == ["benefit_year", "contribution.personal", "contribution.fiscal_subsidy"]


def test_both_runs_see_the_same_people(wi):
    assert wi.baseline.persons == wi.what_if.persons == 30_000
    # no behavioural response: the same people enroll; everyone pays 20 yuan more in all
    assert wi.baseline.enrolled == wi.what_if.enrolled
    db = wi.baseline.source_fen().sum()
    dw = wi.what_if.source_fen().sum()
    assert dw - db == wi.what_if.enrolled * 2000


def test_headline_table_is_the_two_budgets(wi):
    t = wi.headline_table("zh")
    hb, hw = wi.baseline.budget(), wi.what_if.budget()
    row = t[t["key"] == "county_burden"].iloc[0]
    assert round(row["基准（元）"] * 100) == hb.county_burden
    assert round(row["假设情景（元）"] * 100) == hw.county_burden
    assert round(row["增减（元）"] * 100) == hw.county_burden - hb.county_burden
    assert math.isclose(row["增减（%）"], (hw.county_burden - hb.county_burden) / hb.county_burden * 100)
    j = wi.to_json()
    assert round(j["headline"]["county_burden"]["change"] * 100) == hw.county_burden - hb.county_burden


def test_sources_table_covers_every_source_and_totals_to_financing(wi):
    t = wi.sources_table("en")
    fw = wi.what_if.source_fen()
    paying = {s for j, s in enumerate(SOURCE_IDS) if fw[j] or j == 0}
    assert paying | {"fiscal_subsidy", "total"} == set(t["key"])
    total = t[t["key"] == "total"].iloc[0]
    assert round(total["what-if (yuan)"] * 100) == wi.what_if.budget().financing_total
    assert round(t[t["key"] != "total"]["change (yuan)"].sum() * 100) == round(total["change (yuan)"] * 100)


def test_tiers_table_every_tier_and_a_total(wi):
    t = wi.tiers_table("zh")
    assert set(wi.baseline.tables.tier_ids) | {"total"} == set(t["key"])
    body, total = t[t["key"] != "total"], t[t["key"] == "total"].iloc[0]
    for col in t.columns[2:]:
        if "%" not in col:
            assert math.isclose(body[col].sum(), total[col], abs_tol=1e-6), col
    dibao = t[t["key"] == "dibao"].iloc[0]
    # 低保's fixed 342-yuan subsidy stays; the person pays the 20 yuan more
    assert dibao["资助（元） 增减"] == 0
    assert dibao["个人缴费（元） 增减"] == dibao["参保人数（人） 基准"] * 20
