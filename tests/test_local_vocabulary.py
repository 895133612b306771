"""Local identities and payers declared by a scenario (issue 15 item 1): a county outside the
package adds 困境儿童 paid by its 民政局 without touching ``simulate/``; canonical ids stay
fixed and cannot be shadowed; identity masks widen past 32 bits with the engine and the
per-person reference still agreeing fen by fen."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from _cli import simulate_in_process

from simulate.model.engine import compile_for_engine, tally
from simulate.model.population import read_population
from simulate.model.synth import synthesize
from simulate.model.tally_reference import tally_reference
from simulate.policy import load_scenario
from simulate.results.run import run
from simulate.vocabulary import CANONICAL, IDENTITY_BIT, SOURCE_IDS

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "local-vocabulary"


@pytest.fixture
def county(tmp_path: Path) -> Path:
    """The fixture county copied to a folder outside the package."""
    folder = tmp_path / "county"
    shutil.copytree(FIXTURE, folder)
    return folder / "county.yaml"


def cli(*args: str) -> subprocess.CompletedProcess:
    """``simulate ARGS`` in this process (tests/_cli.py): exit code, stdout and stderr."""
    return simulate_in_process(*args)


def test_local_ids_are_not_in_the_package():
    assert "kunjing_children" not in CANONICAL.identities and "minzheng_bureau" not in CANONICAL.sources
    text = (ROOT / "simulate" / "vocabulary.yaml").read_text("utf-8")
    assert "民政局" not in text and "困境儿童" not in text


def test_done_when_validate_and_explain(county: Path):
    proc = cli("validate", str(county))
    assert proc.returncode == 0, proc.stderr
    proc = cli("explain", str(county), "--identity", "kunjing_children", "--age", "9", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    sc = load_scenario(county)
    assert out["tier"] == "kunjing"
    assert out["pays"] == {"minzheng_bureau": sc.policy.contribution.personal / 100}
    text = cli("explain", str(county), "--identity", "困境儿童", "--age", "9").stdout
    assert "民政局：" in text and "困境儿童" in text


def test_done_when_report_lists_the_local_payer(county: Path, tmp_path: Path, no_pdf):
    # reads the HTML and the workbook only, so the report skips Chromium's print (tests/conftest.py)
    out = tmp_path / "report"
    proc = cli("report", str(county), "--size", "30000", "--seed", "2", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    html = (out / "report.html").read_text("utf-8")
    assert "民政局" in html
    import openpyxl

    book = openpyxl.load_workbook(out / "tables.xlsx")
    cells = [c.value for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "民政局" in cells  # a column or row of its own
    assert not any("minzheng_bureau" in c for c in cells if not c.startswith("tier."))


def test_local_payer_is_paid_and_counted_at_its_level(county: Path):
    sc = load_scenario(county)
    out = run(sc, synthesize(sc, 40_000, seed=4), workers=1, progress=False)
    j = out.to_json()
    assert j["by_source"]["minzheng_bureau"] > 0
    assert out.sources[: len(SOURCE_IDS)] == SOURCE_IDS and out.sources[-1] == "minzheng_bureau"
    county_lines = {ln.key: ln.fen for ln in out.budget().group("county")}
    assert county_lines["minzheng_bureau"] == int(out.source_fen()[-1])
    out.check_conservation()


def test_a_local_id_may_not_shadow_a_canonical_one(county: Path):
    local = county.parent / "local.yaml"
    local.write_text(local.read_text("utf-8").replace("id: kunjing_children", "id: destitute"), "utf-8")
    proc = cli("validate", "--lang", "en", str(county))
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert "\n" not in line and "Traceback" not in proc.stderr
    assert str(local) in line and "destitute" in line and "shadows" in line


def test_a_local_payer_may_not_shadow_a_canonical_source(tmp_path: Path):
    raw = yaml.safe_load((FIXTURE / "local.yaml").read_text("utf-8"))
    raw["sources"][0]["id"] = "county_finance"
    sc_text = (FIXTURE / "county.yaml").read_text("utf-8").replace("vocabulary: local.yaml", "vocabulary: v.yaml")
    (tmp_path / "v.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    (tmp_path / "c.yaml").write_text(sc_text, "utf-8")
    proc = cli("validate", str(tmp_path / "c.yaml"))
    assert proc.returncode == 2 and "county_finance" in proc.stderr and str(tmp_path / "v.yaml") in proc.stderr


def test_a_synthetic_share_must_say_where_it_comes_from(county: Path):
    local = county.parent / "local.yaml"
    raw = yaml.safe_load(local.read_text("utf-8"))
    del raw["identities"][0]["note"], raw["identities"][0]["assumption"]
    local.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    proc = cli("validate", "--lang", "en", str(county))
    assert proc.returncode == 2 and str(local) in proc.stderr and "share needs a note" in proc.stderr


def test_unknown_local_id_in_a_tier_is_refused(county: Path):
    text = county.read_text("utf-8").replace("{identity: kunjing_children}", "{identity: kunjing_child}")
    county.write_text(text, "utf-8")
    proc = cli("validate", "--lang", "en", str(county))
    assert proc.returncode == 2 and "kunjing_child" in proc.stderr and "did you mean kunjing_children" in proc.stderr


def test_population_file_holds_local_identities_by_id_or_name(county: Path, tmp_path: Path):
    sc = load_scenario(county)
    rows = [
        "person_id,household_id,village,age,sex,disability_grade,identities,enrolled,timing",
        "p1,h1,v1,8,F,0,kunjing_children,1,regular",
        "p2,h2,v1,12,M,0,困境儿童;rural_dibao,1,regular",
        "p3,h3,v1,40,M,0,,1,regular",
    ]
    path = tmp_path / "people.csv"
    path.write_text("\n".join(rows) + "\n", "utf-8")
    pop = read_population(path, vocab=sc.policy.vocab)
    assert sc.policy.vocab.identities_of(int(pop.identities[1])) == ["rural_dibao", "kunjing_children"]
    out = run(sc, str(path), workers=1, progress=False)
    assert out.to_json()["by_source"]["minzheng_bureau"] == 2 * sc.policy.contribution.personal / 100
    with pytest.raises(Exception, match="unknown identity"):
        read_population(path)  # the canonical vocabulary does not know it


def _many_locals(county: Path, n: int) -> None:
    """Declare ``n`` more local identities (bits past 31) and a tier for the last of them."""
    local = county.parent / "local.yaml"
    raw = yaml.safe_load(local.read_text("utf-8"))
    for i in range(n):
        term = {"id": f"local_{i}", "zh": f"本地{i}", "en": f"local {i}", "level": "person", "share": 2}
        raw["identities"].append({**term, "assumption": True, "note": "test share"})
    local.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    tier = (
        "  - id: far_bit\n    label: {zh: 远位, en: far bit}\n    section: x\n"
        f"    eligibility: {{all: [local_{n - 1}, {{not: kunjing_children}}]}}\n"
        "    subsidy: {form: percent, source: minzheng_bureau, percent: 50}\n"
    )
    county.write_text(county.read_text("utf-8").replace("tiers:\n", "tiers:\n" + tier, 1), "utf-8")


def test_more_than_32_identities_engine_matches_reference(county: Path):
    _many_locals(county, 20)
    sc = load_scenario(county)
    vocab = sc.policy.vocab
    assert len(vocab.identities) == len(IDENTITY_BIT) + 21 > 32
    assert vocab.identity_bit["local_19"] >= 32 and vocab.mask_dtype is np.uint64
    pop = synthesize(sc, 30_000, seed=5).materialize()
    assert pop.identities.dtype == np.uint64
    far = (pop.identities >> np.uint64(vocab.identity_bit["local_19"])) & np.uint64(1)
    assert far.sum() > 0
    comp = compile_for_engine(sc.policy)
    fast, ref = tally(comp, pop), tally_reference(sc.policy, pop)
    np.testing.assert_array_equal(fast.counts, ref.counts)
    np.testing.assert_array_equal(fast.not_enrolled, ref.not_enrolled)
    assert fast.counts[comp.tables.tier_ids.index("far_bit")].sum() > 0


def test_too_many_identities_is_one_clear_error(county: Path):
    _many_locals(county, 64)
    proc = cli("validate", "--lang", "en", str(county))
    assert proc.returncode == 2 and "at most 64 identities" in proc.stderr and "Traceback" not in proc.stderr


def test_canonical_scenarios_keep_the_uint32_mask():
    sc = load_scenario(ROOT / "scenarios" / "sinan-2021.yaml")
    assert sc.policy.vocab is CANONICAL
    assert synthesize(sc, 1000, seed=1).block(0).identities.dtype == np.uint32


def test_roster_category_words_map_to_local_identities(county: Path, tmp_path: Path):
    import csv

    from _ids import make_id

    from simulate.rosters.bill import roster_bill

    child, other = make_id("520624", "20150705", "031"), make_id("520624", "20140102", "042")
    path = tmp_path / "民政困境儿童.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["序号", "姓名", "身份证号码", "村（社区）", "类别"],
                ["1", "赵小明", child, "思唐", "困境儿童"],
                ["2", "钱小红", other, "思唐", "困境儿童"],
            ]
        )
    bill = roster_bill(load_scenario(county), [path])
    assert bill.rows_used == 2
    personal = load_scenario(county).policy.contribution.personal
    assert bill.source_fen() == {"minzheng_bureau": 2 * personal}
    assert "minzheng_bureau" in bill.paying_sources()


def test_the_64th_identity_reads_from_a_file_and_pays(county: Path, tmp_path: Path):
    _many_locals(county, 43)  # 20 canonical + 困境儿童 + 43: the last takes bit 63
    sc = load_scenario(county)
    assert sc.policy.vocab.identity_bit["local_42"] == 63
    rows = ["person_id,age,sex,identities", "p1,30,F,local_42", "p2,30,M,本地42;kunjing_children", "p3,30,M,"]
    path = tmp_path / "people.csv"
    path.write_text("\n".join(rows) + "\n", "utf-8")
    for file in (path, tmp_path / "people.parquet"):
        if file.suffix == ".parquet":
            import pandas as pd

            pd.read_csv(path, dtype=str, keep_default_na=False).to_parquet(file)
        pop = read_population(file, vocab=sc.policy.vocab)
        assert int(pop.identities[0]) == 1 << 63
        out = run(sc, str(file), workers=1, progress=False)
        personal = sc.policy.contribution.personal
        assert out.to_json()["by_tier"]["far_bit"]["enrolled"] == 1  # p2 holds 困境儿童: not this tier
        assert out.source_fen()[-1] == personal // 2 + personal


def test_a_roster_word_may_not_change_meaning(county: Path, tmp_path: Path):
    from simulate.rosters.bill import roster_bill
    from simulate.rosters.mapping import RosterError

    local = county.parent / "local.yaml"
    raw = yaml.safe_load(local.read_text("utf-8"))
    raw["identities"][0]["words"] = ["困境儿童", "农村低保"]  # 农村低保 already means rural_dibao
    local.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    path = tmp_path / "r.csv"
    path.write_text("序号,姓名,身份证号码,类别\n", "utf-8")
    with pytest.raises(RosterError, match="农村低保.*kunjing_children.*rural_dibao"):
        roster_bill(load_scenario(county), [path])


def test_a_missing_vocabulary_file_names_the_scenario(county: Path):
    (county.parent / "local.yaml").unlink()
    proc = cli("validate", str(county))
    assert proc.returncode == 2 and proc.stderr.startswith(f"{county}: vocabulary local.yaml:")


def test_household_local_identity_is_shared_by_the_household(county: Path):
    local = county.parent / "local.yaml"
    raw = yaml.safe_load(local.read_text("utf-8"))
    raw["identities"].append(
        {"id": "edge_family", "zh": "低保边缘家庭", "en": "dibao-margin family", "level": "household", "share": 3}
        | {"assumption": True, "note": "test share"}
    )
    local.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    sc = load_scenario(county)
    pop = synthesize(sc, 50_000, seed=3).materialize()
    has = (pop.identities >> np.uint32(sc.policy.vocab.identity_bit["edge_family"])) & np.uint32(1)
    assert 0.02 < has.mean() < 0.04
    for h in np.unique(pop.household[has == 1])[:200]:  # every member of a holding household holds it
        assert has[pop.household == h].all()


def test_monte_carlo_varies_a_local_share_and_reports_the_local_payer(county: Path):
    from simulate.analysis import default_rate_ranges, monte_carlo

    sc = load_scenario(county)
    lo, hi = default_rate_ranges(sc)["kunjing_children"]
    assert lo < 0.002 < hi  # share 0.2 (percent) ±20%
    mc = monte_carlo(sc, draws=3, size=20_000, rates={"kunjing_children": (0.01, 0.02)}, seed=2)
    per_draw = mc.attrs["draws"]
    assert (per_draw["minzheng_bureau"] > 0).all() and "minzheng_bureau" in mc.index


def test_a_local_name_may_not_repeat_another_identity_name(county: Path):
    local = county.parent / "local.yaml"
    local.write_text(local.read_text("utf-8").replace("zh: 困境儿童", "zh: 特困人员"), "utf-8")
    proc = cli("validate", str(county))
    assert proc.returncode == 2
    assert "vocabulary.identities[kunjing_children].zh" in proc.stderr and "destitute" in proc.stderr
