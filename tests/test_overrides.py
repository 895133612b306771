"""``--set PATH=VALUE`` and ``--set-file`` overrides, driven through the CLI as a user would.

A user's mistake exits 2 with exactly one line on stderr naming the field and the reason.
"""

from __future__ import annotations

import csv
import json

import pytest

from simulate.cli import main
from simulate.policy import load_scenario

LANGXI = "scenarios/langxi-2024.yaml"
DALIGANG = "scenarios/daligang-2020.yaml"


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).resolve().parent.parent)


def cli_json(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def cli_error(capsys, *argv) -> str:
    code = main([*argv, "--lang", "en"])  # the English reasons (zh: tests/test_lang.py)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def explain(capsys, scenario, *identities, extra=(), age=40):
    args = ["explain", scenario, "--json", "--age", str(age)]
    for ident in identities:
        args += ["--identity", ident]
    return cli_json(capsys, *args, *extra)


def test_personal_standard_moves_full_tiers_not_fixed_subsidies(capsys):
    # 郎溪 三(二): 特困 full (MA pays the standard); 低保 fixed 342 (the person pays the rest)
    assert explain(capsys, LANGXI, "destitute", extra=["--set", "contribution.personal=400"])["pays"] == {
        "medical_assistance": 400
    }
    assert explain(capsys, LANGXI, "rural_dibao", extra=["--set", "contribution.personal=400"])["pays"] == {
        "individual": 58,
        "medical_assistance": 342,
    }
    assert explain(capsys, LANGXI, "fp_special", extra=["--set", "contribution.personal=400"])["pays"] == {
        "health_commission": 400
    }


def test_run_with_personal_override_json(capsys):
    base = cli_json(capsys, "run", LANGXI, "--size", "20000", "--json")
    more = cli_json(capsys, "run", LANGXI, "--size", "20000", "--json", "--set", "contribution.personal=400")
    assert more["persons"] == base["persons"] == 20000
    assert more["enrolled"] == base["enrolled"]
    # everyone in the general population pays 20 yuan more
    assert more["by_source"]["individual"] > base["by_source"]["individual"]
    # the disabled persons' federation pays a fixed 190 per person: unchanged
    assert more["by_source"]["disabled_federation"] == base["by_source"]["disabled_federation"]
    assert more["fiscal_subsidy"] == base["fiscal_subsidy"]


def test_misspelt_path_is_one_line_error(capsys):
    line = cli_error(capsys, "run", LANGXI, "--size", "1000", "--set", "contribution.personl=400", "--json")
    assert "contribution.personl" in line and "did you mean 'personal'" in line


def test_unknown_tier_id_is_one_line_error(capsys):
    line = cli_error(capsys, "explain", LANGXI, "--set", "tiers.dibaoo.subsidy.amount=360")
    assert "dibaoo" in line and "dibao" in line


def test_tier_amount_override(capsys):
    got = explain(capsys, LANGXI, "urban_dibao", extra=["--set", "tiers.dibao.subsidy.amount=360"])
    assert got["pays"] == {"individual": 20, "medical_assistance": 360}


def test_tier_amount_above_standard_is_refused(capsys):
    line = cli_error(capsys, "explain", LANGXI, "--set", "tiers.dibao.subsidy.amount=500")
    assert "tiers[dibao].subsidy.amount" in line and "above the personal standard" in line


def test_tier_percent_override(capsys):
    # 大栗港 农村低保 50% by medical assistance; what if 70%?
    got = explain(capsys, DALIGANG, "rural_dibao", extra=["--set", "tiers.rural_dibao.subsidy.percent=70"])
    assert got["pays"] == {"individual": 75, "medical_assistance": 175}
    line = cli_error(capsys, "explain", DALIGANG, "--set", "tiers.rural_dibao.subsidy.percent=170")
    assert "percent" in line and "between 0 and 100" in line


def test_multiple_identity_rule_override(capsys):
    # a rural 低保 child aged 10 who is an only child: row 7 (nothing) wins under the priority
    # list; 就高 gives the 50% 低保 subsidy instead
    prio = explain(capsys, DALIGANG, "rural_dibao", "only_child", age=10)
    assert prio["tier"] == "only_child_4_14" and prio["pays"] == {"individual": 250}
    high = explain(
        capsys,
        DALIGANG,
        "rural_dibao",
        "only_child",
        age=10,
        extra=["--set", "multiple_identities.rule=highest_benefit"],
    )
    assert high["tier"] == "rural_dibao"
    assert high["pays"] == {"individual": 125, "medical_assistance": 125}
    line = cli_error(capsys, "explain", DALIGANG, "--set", "multiple_identities.rule=best")
    assert "multiple_identities.rule" in line


def test_target_override(capsys):
    sc = load_scenario(DALIGANG, {"targets.overall_percent": 97})
    assert float(sc.policy.targets.overall_percent) == 97
    assert sc.overrides == {"targets.overall_percent": 97}
    j = cli_json(capsys, "run", DALIGANG, "--size", "20000", "--json", "--set", "targets.overall_percent=97")
    assert j["persons"] == 20000
    line = cli_error(capsys, "run", DALIGANG, "--size", "1000", "--set", "targets.overall_percent=101")
    assert "targets.overall_percent" in line


def test_behaviour_section_can_be_added_by_override(capsys):
    line = cli_error(capsys, "assumptions", LANGXI, "--set", "behaviour.model=logistic")
    assert "behaviour" in line and "midpoint_yuan" in line
    line = cli_error(capsys, "assumptions", LANGXI, "--set", "behavior.model=logistic")
    assert "behavior" in line


def _sheet_rows():
    return [("path", "value"), ("contribution.personal", 400), ("tiers.dibao.subsidy.amount", 360)]


def test_set_file_csv(capsys, tmp_path):
    p = tmp_path / "whatif.csv"
    with p.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(_sheet_rows())
    got = explain(capsys, LANGXI, "rural_dibao", extra=["--set-file", str(p)])
    assert got["pays"] == {"individual": 40, "medical_assistance": 360}
    # --set wins over the sheet
    got = explain(
        capsys, LANGXI, "rural_dibao", extra=["--set-file", str(p), "--set", "tiers.dibao.subsidy.amount=342"]
    )
    assert got["pays"] == {"individual": 58, "medical_assistance": 342}


def test_set_file_csv_gbk_chinese_header(capsys, tmp_path):
    p = tmp_path / "whatif.csv"
    p.write_bytes("参数,取值\ncontribution.personal,400\n".encode("gbk"))
    got = explain(capsys, LANGXI, "destitute", extra=["--set-file", str(p)])
    assert got["pays"] == {"medical_assistance": 400}


def test_set_file_xlsx(capsys, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    for row in _sheet_rows():
        wb.active.append(list(row))
    p = tmp_path / "whatif.xlsx"
    wb.save(p)
    got = explain(capsys, LANGXI, "rural_dibao", extra=["--set-file", str(p)])
    assert got["pays"] == {"individual": 40, "medical_assistance": 360}
    j = cli_json(capsys, "run", LANGXI, "--size", "5000", "--json", "--set-file", str(p))
    assert j["scenario"] == "langxi-2024"


def test_set_file_errors(capsys, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("path,value\ncontribution.personal,\n", encoding="utf-8")
    line = cli_error(capsys, "explain", LANGXI, "--set-file", str(p))
    assert "row 2" in line and "no value" in line
    p2 = tmp_path / "typo.csv"
    p2.write_text("contribution.personl,400\n", encoding="utf-8")
    line = cli_error(capsys, "explain", LANGXI, "--set-file", str(p2))
    assert "personl" in line
    line = cli_error(capsys, "explain", LANGXI, "--set-file", str(tmp_path / "missing.xlsx"))
    assert "no such file" in line
    p3 = tmp_path / "sheet.ods"
    p3.write_text("x", encoding="utf-8")
    line = cli_error(capsys, "explain", LANGXI, "--set-file", str(p3))
    assert ".xlsx or .csv" in line


def test_override_value_is_never_code(capsys):
    line = cli_error(capsys, "explain", LANGXI, "--set", "contribution.personal=!!python/object:os.system x")
    assert "contribution.personal" in line or "--set" in line
