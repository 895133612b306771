"""户籍 type on department rosters (issue 14 item 4): read from a 户籍 column, merged across
rosters (recorded beats empty; rural against urban rejects the person), and carried into the
Population so `hukou:` rules restrict a roster bill as they restrict a population."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl

from simulate.rosters.bill import roster_bill
from simulate.rosters.merge import merge_rosters
from simulate.rosters.roster import read_roster

sys.path.insert(0, str(Path(__file__).parent))
from _ids import make_id

ROOT = Path(__file__).resolve().parents[1]
SONGMING = ROOT / "scenarios" / "songming-2018.yaml"
AS_OF = dt.date(2018, 1, 1)

OLD = make_id("530127", "19470601", "101")  # 70 on 2018-01-01
COUPLE = make_id("530127", "19770601", "102")  # 40
URBAN = make_id("530127", "19780301", "203")  # 39, urban 户籍
EMPTY = make_id("530127", "19800715", "304")  # 37, 户籍 not recorded


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def _explain(age: int, hukou: str) -> tuple[bool, int]:
    """(qualifies for a tier, individual pays in yuan) from `simulate explain`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulate",
            "explain",
            str(SONGMING),
            "--identity",
            "fp_two_households",
            "--age",
            str(age),
            "--hukou",
            hukou,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    paid = re.search(r"^\s*个人：([\d.]+) 元", out, re.MULTILINE)
    return "适用档次" in out, int(float(paid.group(1))) if paid else 0


def test_hukou_values_and_unknown_word_rejected(tmp_path: Path) -> None:
    f = _csv(
        tmp_path / "计生两户.csv",
        ["姓名", "身份证号码", "类别", "户口性质"],
        [
            ["老张", OLD, "两户", "农业户口"],
            ["小王", COUPLE, "两户", "农村"],
            ["城李", URBAN, "两户", "非农业"],
            ["空赵", EMPTY, "两户", ""],
            ["错钱", make_id("530127", "19750101", "405"), "两户", "居住证"],
        ],
    )
    read = read_roster(f, as_of=AS_OF)
    assert read.rows_read == 5 == len(read.rows) + len(read.rejected)
    assert dict(zip(read.rows["name"], read.rows["hukou"])) == {
        "老张": "rural",
        "小王": "rural",
        "城李": "urban",
        "空赵": "",
    }
    (reason,) = read.rejected["reason"]
    assert read.rejected["file"].iloc[0] == "计生两户.csv" and read.rejected["row"].iloc[0] == 6
    assert "居住证" in reason and "户口性质" in reason and "\n" not in reason
    assert "户口性质" in read.rejected["reason_zh"].iloc[0]


def test_songming_roster_bill_follows_hukou_rules(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["嵩明县农村计生两户花名册"])
    ws.append(["序号", "姓名", "公民身份号码", "人员类别", "户籍性质"])
    ws.append([1, "老张", OLD, "农村计生两户", "农村"])
    ws.append([2, "小王", COUPLE, "两户", "农业"])
    ws.append([3, "城李", URBAN, "两户", "城镇"])
    ws.append([4, "空赵", EMPTY, "两户", None])
    roster = tmp_path / "计生.xlsx"
    wb.save(roster)
    bill = roster_bill(SONGMING, [roster])
    assert bill.as_of == AS_OF
    p = bill.persons.set_index("name")
    assert list(p["hukou"]) == ["rural", "rural", "urban", ""]
    for name, age, hukou in (("老张", 70, "rural"), ("小王", 40, "rural"), ("城李", 39, "urban")):
        qualifies, pays = _explain(age, hukou)
        assert p.loc[name, "individual_fen"] == pays * 100, name
        assert (p.loc[name, "tier"] == "rural_family_planning") == qualifies, name
    assert p.loc["小王", "individual_fen"] == 0 and p.loc["老张", "individual_fen"] > 0
    # an urban 户籍 is not given the rural tier; an unrecorded one is not excluded by it
    assert p.loc["城李", "tier"] != "rural_family_planning"
    assert p.loc["城李", "individual_fen"] == p.loc["老张", "individual_fen"]
    assert p.loc["空赵", "tier"] == "rural_family_planning"


def test_hukou_merges_across_rosters(tmp_path: Path) -> None:
    a = _csv(
        tmp_path / "卫健.csv",
        ["姓名", "身份证号码", "类别", "户籍"],
        [["小王", COUPLE, "两户", ""], ["城李", URBAN, "两户", "城镇"], ["空赵", EMPTY, "两户", ""]],
    )
    b = _csv(
        tmp_path / "扶贫.csv",
        ["姓名", "身份证号码", "类别", "户别"],
        [["小王", COUPLE, "建档立卡", "农村"], ["城李四", URBAN, "建档立卡", "农村"], ["空赵", EMPTY, "建档立卡", ""]],
    )
    merged = merge_rosters([read_roster(a, as_of=AS_OF), read_roster(b, as_of=AS_OF)])
    assert merged.rows_read == 6 == merged.rows_used + merged.rows_rejected
    assert merged.rows_rejected == 2
    people = dict(zip(merged.persons["name"], merged.persons["hukou"]))
    assert people == {"小王": "rural", "空赵": ""}  # recorded beats empty; 城李 left out
    rej = merged.rejected
    assert sorted(zip(rej["file"], rej["row"])) == [("卫健.csv", 3), ("扶贫.csv", 3)]
    assert all("urban on 卫健.csv:3" in r and "rural on 扶贫.csv:3" in r for r in rej["reason"])
    assert all(URBAN not in r for r in rej["reason"])
    # the person left out also has a name conflict: listed, neither name kept
    assert set(merged.name_conflicts["name"]) == {"城李", "城李四"}
    assert not merged.name_conflicts["kept"].any()
    by_file = merged.by_file.set_index("file")
    assert list(by_file["rows_used"]) == [2, 2] and list(by_file["rows_rejected"]) == [1, 1]
    assert (by_file["rows_read"] == by_file["rows_used"] + by_file["rows_rejected"]).all()
