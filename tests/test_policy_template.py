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


def test_unknown_year_and_existing_file_refused(tmp_path, capsys):
    assert main(["new", "--county", "某某县", "--year", str(max(YEARS) + 5), "--out", str(tmp_path / "a.yaml")]) == 2
    assert "national-standards.csv" in capsys.readouterr().err
    out = tmp_path / "b.yaml"
    out.write_text("keep", "utf-8")
    assert main(["new", "--county", "某某县", "--year", str(YEARS[0]), "--out", str(out)]) == 2
    assert out.read_text("utf-8") == "keep"
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_villages_template_read_back(tmp_path, capsys):
    out = tmp_path / "v.csv"
    assert main(["new", "--villages", str(out)]) == 0
    assert out.read_text("utf-8").splitlines()[0] == ",".join(VILLAGE_COLUMNS)
    villages = read_villages(out)
    assert len(villages.ids) == 2 and villages.task.tolist() == [2850, 4750]
    assert "task" in capsys.readouterr().out
