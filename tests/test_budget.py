"""The budget headline (DESIGN.md "Money and accounting rules"; issue 12 item 1) adds up to the
by-source and fiscal-split figures of the same run, to the fen, in every scenario."""

import json
from pathlib import Path

import pytest

import simulate
from simulate.cli import main
from simulate.results.budget import COUNTY_DEPARTMENTS, split_fen
from simulate.vocabulary import SOURCE_IDS

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ["daligang-2020", "sinan-2021", "langxi-2024", "songming-2018", "shuangpai-2022", "langxi-2025-400"]


def _run(name, **kw):
    return simulate.run(
        ROOT / "scenarios" / f"{name}.yaml",
        size=kw.pop("size", 30_000),
        seed=kw.pop("seed", 5),
        workers=1,
        progress=False,
        **kw,
    )


@pytest.mark.parametrize("name", SCENARIOS)
def test_headline_adds_up_to_by_source_and_fiscal_split(name):
    out = _run(name)
    b = out.budget()
    fen = dict(zip(SOURCE_IDS, (int(f) for f in out.source_fen())))
    split = out.fiscal_split_fen()
    wf = out.work_funds_fen()
    work = int(wf["total"].sum()) if wf is not None else 0
    pays_county = out.scenario.policy.work_funds is not None and out.scenario.policy.work_funds.payer == "county"
    # 筹资总额: personal standard + fiscal subsidy of everyone enrolled
    std = out.scenario.policy.contribution.personal + out.scenario.policy.contribution.fiscal_subsidy
    assert b.financing_total == out.enrolled * std == sum(fen.values()) + out.fiscal_fen()
    # 政府支出合计: every payer but the person, the fiscal subsidy, work funds and awards
    assert b.government_total == sum(fen.values()) - fen["individual"] + out.fiscal_fen() + work + out.awards_fen()
    # 县级负担: county finance, the departments, the county's fiscal share, county-paid funds
    county = fen["county_finance"] + sum(fen[s] for s in COUNTY_DEPARTMENTS) + split["county"]
    if pays_county:
        county += work + out.awards_fen()
    assert b.county_burden == county
    # each part is its own line with the engine's figure
    assert b.line("fiscal_subsidy.county").fen == split["county"]
    for s in COUNTY_DEPARTMENTS:
        if fen[s]:
            assert b.line(s).fen == fen[s] and b.line(s).group == "county"
    # medical assistance and "source not named" are never attributed without a split
    for s in ("medical_assistance", "unspecified_government"):
        if fen[s]:
            assert b.line(s).group == "separate" and b.line(s).fen == fen[s]
        assert not any(ln.key.startswith(s + ".") for ln in b.lines)
    # the JSON says the same, in yuan
    j = out.to_json()["budget"]
    assert round(j["county_burden"] * 100) == b.county_burden
    assert round(sum(j["county"].values()) * 100) == b.county_burden
    assert round(j["government_total"] * 100) == round(
        (sum(j["county"].values()) + sum(j["separate"].values()) + sum(j["other_levels"].values())) * 100
    )
    b.check(out)


def test_shuangpai_county_pays_its_work_funds_and_awards():
    out = _run("shuangpai-2022")
    b = out.budget()
    assert b.line("awards").group == "county" and b.line("awards").fen == out.awards_fen() == 6_400_000
    assert "县财政" in b.line("work_funds").zh


def test_daligang_work_funds_stay_on_their_own_line():
    b = _run("daligang-2020").budget()
    assert b.line("work_funds").group == "separate"
    assert "未指明" in b.line("work_funds").zh


def test_a_cited_split_attributes_medical_assistance_to_levels(tmp_path):
    variant = tmp_path / "langxi-split.yaml"
    variant.write_text(
        f"extends: {ROOT / 'scenarios' / 'langxi-2024.yaml'}\n"
        "id: langxi-split\n"
        "budget:\n"
        "  medical_assistance_split:\n"
        "    central: 33.33\n    provincial: 33.33\n    county: 33.34\n"
        '    source: "a test citation"\n'
        '    assumption: true\n    note: "test split"\n',
        encoding="utf-8",
    )
    out = simulate.run(variant, size=30_000, seed=5, workers=1, progress=False)
    b = out.budget()
    ma = int(out.source_fen()[SOURCE_IDS.index("medical_assistance")])
    parts = [ln for ln in b.lines if ln.key.startswith("medical_assistance.")]
    assert sum(ln.fen for ln in parts) == ma and ma > 0
    assert b.line("medical_assistance") is None
    assert b.line("medical_assistance.county").group == "county"
    assert b.line("medical_assistance.county").assumption
    assert any(a["path"] == "budget.medical_assistance_split" for a in out.scenario.assumptions())
    b.check(out)


@pytest.mark.parametrize("total", [0, 1, 7, 99_999, 12_345_678_901])
def test_split_fen_adds_up_and_never_goes_negative(total):
    from decimal import Decimal

    parts = split_fen(total, {"a": Decimal("33.33"), "b": Decimal("33.33"), "c": Decimal("33.34"), "d": Decimal(0)})
    assert sum(parts.values()) == total and min(parts.values()) >= 0


def test_run_json_carries_the_budget(capsys):
    assert (
        main(["run", "scenarios/langxi-2024.yaml", "--size", "20000", "--seed", "3", "--workers", "1", "--json"]) == 0
    )
    got = json.loads(capsys.readouterr().out)
    b = got["budget"]
    assert {"financing_total", "government_total", "county_burden", "county", "separate", "per_capita", "lines"} <= set(
        b
    )
    total = sum(got["by_source"].values()) + got["fiscal_subsidy"]
    assert round(b["financing_total"] * 100) == round(total * 100)
    assert b["per_capita"]["financing_total"] == 1020.0  # 380 + 640 per enrolled person


def test_headline_frame_has_totals_and_per_capita():
    b = _run("langxi-2024").budget()
    frame = b.frame("zh")
    assert list(frame.columns[2:]) == ["项目", "金额（元）", "人均（元/参保人）"]
    assert frame.iloc[0]["项目"] == "筹资总额"
    assert "县级负担" in set(frame["项目"]) and "政府支出合计" in set(frame["项目"])
    en = b.frame("en")
    assert len(en) == len(frame) and list(en["amount (yuan)"]) == list(frame["金额（元）"])
