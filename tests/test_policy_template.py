"""`simulate new`: the template scenario validates for every year data/national-standards.csv
covers, with that year's national figures flagged; the villages template is read back by
read_villages (issue 15, item 4)."""

from __future__ import annotations

import pytest

from simulate.cli import main
from simulate.model.population import read_villages
from simulate.policy import load_scenario
from simulate.policy.template import VILLAGE_COLUMNS, national_standards

YEARS = sorted(national_standards())


@pytest.mark.parametrize("year", YEARS)
def test_template_validates_with_national_figures(tmp_path, year, capsys):
    out = tmp_path / "t.yaml"
    assert main(["new", "--county", "某某县", "--year", str(year), "--out", str(out)]) == 0
    assert main(["validate", str(out)]) == 0
    row = national_standards()[year]
    policy = load_scenario(out).policy
    assert policy.benefit_year == year
    assert policy.contribution.personal == int(row["personal_yuan"]) * 100
    assert policy.contribution.fiscal_subsidy == int(row["fiscal_subsidy_yuan"]) * 100
    assert policy.contribution.assumption and "national-standards.csv" in policy.contribution.note_zh
    assert policy.county.zh == "某某县"
    text = out.read_text("utf-8")
    assert "# " in text and "就高不就低" in text and "#   subsidy:" in text  # comments, example tiers


def test_early_year_and_existing_file_refused_in_the_users_language(tmp_path, capsys):
    args = ["new", "--county", "某某县", "--year", str(min(YEARS) - 1), "--out", str(tmp_path / "a.yaml")]
    assert main(["--lang", "zh", *args]) == 2
    err = capsys.readouterr().err
    assert "national-standards.csv 没有" in err and "no national figures" not in err
    assert main(["--lang", "en", *args]) == 2
    assert "no national figures" in capsys.readouterr().err
    assert not (tmp_path / "a.yaml").exists()
    out = tmp_path / "b.yaml"
    out.write_text("keep", "utf-8")
    assert main(["--lang", "zh", "new", "--county", "某某县", "--year", str(YEARS[0]), "--out", str(out)]) == 2
    assert out.read_text("utf-8") == "keep"
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "已存在" in err and "already exists" not in err


def test_year_after_the_table_carries_the_latest_figures_flagged(tmp_path, capsys):
    """A budget drafted before the national notice is out: the latest year's figures, said so
    on screen and in the scenario's notes, never passed off as that year's."""
    last, year = max(YEARS), max(YEARS) + 2
    out = tmp_path / "later.yaml"
    assert main(["new", "--county", "某某县", "--year", str(year), "--out", str(out)]) == 0
    assert f"暂按{last}年度" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 0
    row = national_standards()[last]
    contribution = load_scenario(out).policy.contribution
    assert load_scenario(out).policy.benefit_year == year
    assert contribution.personal == int(row["personal_yuan"]) * 100
    assert contribution.fiscal_subsidy == int(row["fiscal_subsidy_yuan"]) * 100
    assert contribution.assumption
    assert f"尚未收录{year}年度全国标准" in contribution.note_zh
    assert "not in data/national-standards.csv yet" in contribution.note
    assert f"{year}年度全国标准" not in out.read_text("utf-8").split("note_zh")[0]  # comments say 暂按


def test_villages_template_read_back(tmp_path, capsys):
    out = tmp_path / "v.csv"
    assert main(["new", "--villages", str(out)]) == 0
    assert out.read_text("utf-8").splitlines()[0] == ",".join(VILLAGE_COLUMNS)
    villages = read_villages(out)
    assert len(villages.ids) == 2 and villages.task.tolist() == [2850, 4750]
    assert "task" in capsys.readouterr().out
