"""A roster word the default mapping will not guess (bare 低保: urban or rural?) is taken where
the scenario pays both readings alike and refused, with both amounts, where the reading
changes the money (issue 15 item 6c)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from _ids import make_id

from simulate.rosters.bill import roster_bill
from simulate.rosters.mapping import RosterError, RosterMapping
from simulate.rosters.roster import read_roster

REPO = Path(__file__).resolve().parent.parent
LANGXI = REPO / "scenarios" / "langxi-2024.yaml"
DALIGANG = REPO / "scenarios" / "daligang-2020.yaml"
A = make_id("341821", "19700305", "021")
B = make_id("341821", "19850611", "032")
C = make_id("341821", "19920101", "043")
D = make_id("341821", "19600718", "054")


def _roster(tmp_path: Path) -> Path:
    path = tmp_path / "民政.csv"
    rows = [
        "姓名,身份证号,村,类别",
        f"甲,{A},大栗港村,低保",  # 2: bare 低保
        f"乙,{B},大栗港村,低保对象",  # 3: bare 低保对象
        f"丙,{C},大栗港村,农村低保",  # 4: said
        f"丁,{D},大栗港村,低保、特困",  # 5: bare 低保 beside another identity
    ]
    path.write_text("\n".join(rows) + "\n", "utf-8")
    return path


def test_default_mapping_keeps_the_word_unknown_without_a_scenario(tmp_path):
    read = read_roster(_roster(tmp_path), as_of=datetime.date(2024, 1, 1))
    assert list(read.rejected["row"]) == [2, 3, 5]
    assert "unknown category word '低保'" in read.rejected["reason"].iloc[0]
    assert RosterMapping.default().resolve_word("低保") is None
    assert RosterMapping.default().readings("低保") == ("urban_dibao", "rural_dibao")


def test_taken_where_the_scenario_pays_both_alike(tmp_path):
    """郎溪's 低保对象 tier covers urban and rural dibao: 342 from medical assistance, 38 paid."""
    bill = roster_bill(LANGXI, [_roster(tmp_path)])
    assert bill.rows_read == 4 and bill.merge.rows_rejected == 0
    persons = bill.persons.set_index("name")
    assert list(persons.loc[["甲", "乙", "丙"], "tier"]) == ["dibao"] * 3
    assert list(persons.loc[["甲", "乙", "丙"], "medical_assistance_fen"]) == [34200] * 3
    assert persons.loc["丁", "tier"] == "destitute"  # the highest benefit among its identities


def test_refused_where_the_reading_changes_the_money(tmp_path):
    """大栗港 pays urban dibao in full (250) and rural dibao half (125): the word must say which."""
    bill = roster_bill(DALIGANG, [_roster(tmp_path)])
    rejected = bill.merge.rejected.set_index("row")
    assert sorted(rejected.index) == [2, 3]
    reason = rejected.loc[2, "reason"]
    assert "'低保'" in reason and "urban" in reason and "rural" in reason
    assert "250" in reason and "125" in reason
    assert "城镇低保对象" in rejected.loc[2, "reason_zh"] and "农村低保对象" in rejected.loc[2, "reason_zh"]
    # 丁 is 特困 as well: under 大栗港 特困 wins whatever 低保 means, so the row is taken
    assert set(bill.persons["name"]) == {"丙", "丁"}
    assert bill.rows_read == len(bill.persons) + len(rejected)


def test_a_mapping_word_wins(tmp_path):
    mapping = RosterMapping.from_dict({"categories": {"低保": ["urban_dibao"]}})
    assert mapping.readings("低保") == ()
    bill = roster_bill(DALIGANG, [_roster(tmp_path)], mapping)
    persons = bill.persons.set_index("name")
    assert persons.loc["甲", "tier"] == "urban_dibao" and list(bill.merge.rejected["row"]) == [3]


@pytest.mark.parametrize("value,words", [(["rural_dibao"], "at least two"), (["x", "y"], "unknown identity")])
def test_either_in_a_mapping_is_checked(value, words):
    with pytest.raises(RosterError, match=words):
        RosterMapping.from_dict({"either": {"低保": value}})
