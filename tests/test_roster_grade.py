"""A roster records no contribution grade (档次): in a scenario whose people choose one, each
person no ``who`` group takes is billed at the scenario's first grade, as ``simulate explain``
reads a person without ``--grade`` (not at a grade drawn by their place in the merged rosters),
and the bill says how many: a row of 名册统计 and a line of the printed summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl

from simulate.cli import main
from simulate.model.reference import Person, oracle_payment, resolve
from simulate.policy import load_scenario
from simulate.rosters.bill import roster_bill

ROOT = Path(__file__).resolve().parent.parent
ROSTERS = ROOT / "tests" / "rosters"
FILES = sorted(p for p in ROSTERS.iterdir() if p.suffix in (".csv", ".xlsx"))
GRADED = ROOT / "tests" / "fixtures" / "graded-county-2024.yaml"
SINAN = ROOT / "scenarios" / "sinan-2021.yaml"


def test_persons_without_a_grade_pay_the_first_grade_as_the_reference_reads_them():
    sc = load_scenario(GRADED)
    bill = roster_bill(sc, FILES, ROSTERS / "mapping.yaml")
    p = bill.persons
    students = ((p["age"] >= 6) & (p["age"] <= 22)).to_numpy()  # the fixture's `who` group
    assert 0 < students.sum() < len(p)
    for row, student in zip(p.itertuples(), students):
        person = Person(frozenset(row.identities), row.age, row.sex, row.disability_grade, "regular", row.hukou)
        tier = next((t for t in sc.policy.tiers if t.id == row.tier), None)
        want = oracle_payment(sc.policy, tier, "regular", person)  # no grade: the first
        assert resolve(sc.policy, person).tier == row.tier
        assert row.individual_fen == want.pays.get("individual", 0), (row.Index, student)
        assert row.fiscal_subsidy_fen == want.fiscal_subsidy, (row.Index, student)
    assert not (p["fiscal_subsidy_fen"] == 70_000).any()  # 二档's fiscal subsidy: nobody's
    assert bill.outlay.meta["ungraded"] == int((~students).sum())


def test_the_count_is_in_the_bill_and_the_summary(tmp_path, capsys):
    argv = ["--lang", "zh", "roster", str(GRADED), *map(str, FILES), "--mapping", str(ROSTERS / "mapping.yaml")]
    assert main([*argv, "--out", str(tmp_path / "bill")]) == 0
    n = roster_bill(load_scenario(GRADED), FILES, ROSTERS / "mapping.yaml").outlay.meta["ungraded"]
    line = f"名册未记录缴费档次：{n} 人按情景的第一档“一档”计费（情景有多个档次）"
    assert line in capsys.readouterr().out.splitlines()
    book = openpyxl.load_workbook(tmp_path / "bill" / "bill.xlsx", read_only=True)
    cells = [c for row in book["名册统计"].iter_rows(values_only=True) for c in row if c is not None]
    assert line in cells
    counts = [c for c in cells if isinstance(c, (int, float))]
    assert all(float(c).is_integer() for c in counts)  # the note row leaves the counts whole


def test_a_scenario_without_grades_has_no_note(tmp_path, capsys):
    bill = roster_bill(load_scenario(SINAN), FILES, ROSTERS / "mapping.yaml")
    assert bill.outlay.meta["ungraded"] == 0
    frame = bill.by_file_frame("zh")
    assert not frame.iloc[:, 0].astype(str).str.contains("档次").any()
    assert np.issubdtype(frame.iloc[:, 1].dtype, np.integer)
