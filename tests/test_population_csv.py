"""Person-level CSV input (DESIGN.md, ``simulate run --population``): encodings, one-line
errors naming file, row, column and reason, no row dropped silently, and a hand count of
思南县 2021 (思府办函〔2020〕115号) checked to the fen against ``simulate run --json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulate.cli import main
from simulate.model.population import read_population_csv


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """These tests read the English wording of messages (an English locale picks it, in process
    and in subprocesses); the Chinese wording is tested in tests/test_lang_everywhere.py."""
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")


REPO = Path(__file__).resolve().parent.parent
SINAN = str(REPO / "scenarios" / "sinan-2021.yaml")
FIXTURE = REPO / "tests" / "fixtures" / "sinan-hand-count.csv"
HEADER = "person_id,household_id,village,age,sex,disability_grade,identities,enrolled,timing"

# 31 people of 思南县, in villages named in Chinese. Comment: the tier each gets under the
# document (personal standard 280 yuan, fiscal subsidy 550; 就高 for several identities).
ROWS = [
    "p01,h01,塘头镇青杠坝村,40,F,0,rural_dibao,1,regular",  # 七(三) dibao: MA 120, pays 160
    "p02,h01,塘头镇青杠坝村,42,M,0,rural_dibao,1,regular",  # dibao
    "p03,h01,塘头镇青杠坝村,12,F,0,rural_dibao,1,regular",  # dibao
    "p04,h02,许家坝镇,50,M,0,registered_poor,1,regular",  # 七(一): government 140, pays 140
    "p05,h02,许家坝镇,48,F,0,registered_poor,1,regular",  # registered poor
    "p06,h03,许家坝镇,81,M,0,destitute,1,regular",  # 七(三) 特困: MA pays 280
    "p07,h04,大坝场镇,10,F,0,orphan,1,regular",  # 孤儿: MA pays 280
    "p08,h05,大坝场镇,55,F,0,fp_special,1,regular",  # 七(二) 计生特殊: 280, payer not named
    "p09,h06,大坝场镇,70,M,0,priority_entitled,1,regular",  # 七(四) 优抚: veterans affairs 280
    "p10,h07,文家店镇,35,M,1,,1,regular",  # 七(五) grade 1: MA 50 + county 230
    "p11,h08,文家店镇,44,F,3,,1,regular",  # 七(五) grade 3: county 280
    "p12,h09,文家店镇,65,F,0,low_income_family,1,regular",  # 低收入 elderly: MA 50, pays 230
    "p13,h09,文家店镇,30,M,0,low_income_family,1,regular",  # low income, aged 30: no tier, pays 280
    "p14,h10,鹦鹉溪镇,38,F,0,rural_dibao;registered_poor,1,regular",  # 就高: registered poor (pays 140 < 160)
    "p15,h11,鹦鹉溪镇,52,M,4,rural_dibao,1,regular",  # 就高: grade 4, county 280, pays 0
    "p16,h12,鹦鹉溪镇,77,F,0,registered_poor;destitute,1,regular",  # 就高: 特困, MA 280
    # both pay all: listed order, 计生 (tie), payer not named
    "p17,h13,鹦鹉溪镇,68,M,0,priority_entitled;fp_two_households,1,regular",
    "p18,h14,思唐街道,25,F,0,,1,regular",  # general: pays 280
    "p19,h14,思唐街道,27,M,0,,1,regular",
    "p20,h15,思唐街道,60,F,0,,1,regular",
    "p21,h15,思唐街道,62,M,0,,1,regular",
    "p22,h16,思唐街道,5,F,0,,1,regular",
    "p23,h16,思唐街道,33,F,0,,1,regular",
    "p24,h17,关中坝街道,45,M,0,,1,regular",
    "p25,h17,关中坝街道,47,F,0,,1,regular",
    "p26,h18,关中坝街道,29,M,0,,1,late",  # 三(四) late: 830 in full, no fiscal subsidy
    "p27,h19,关中坝街道,36,F,0,rural_dibao,1,late",  # dibao is not year-round: 830 in full
    "p28,h20,关中坝街道,41,M,0,registered_poor,1,late",  # 八(三)1 year-round: still 140 + 140
    "p29,h21,关中坝街道,50,F,0,,0,regular",  # did not enroll
    "p30,h22,关中坝街道,0,M,0,,1,newborn",  # newborn in the window: pays 280
    "p31,h23,关中坝街道,79,F,0,destitute,0,regular",  # did not enroll
]

# The hand count, yuan (each line: persons × what each pays under the document).
EXPECTED_BY_SOURCE = {
    "individual": (
        3 * 160  # p01-p03 dibao
        + 2 * 140  # p04-p05 registered poor
        + 230  # p12 low-income elderly
        + 280  # p13 low income, no tier
        + 140  # p14 registered poor beats dibao
        + 8 * 280  # p18-p25 general
        + 830
        + 830  # p26, p27 late: full financing
        + 140  # p28 registered poor, year-round
        + 280
    ),  # p30 newborn
    "medical_assistance": 3 * 120 + 280 + 280 + 50 + 50 + 280,  # p01-03, p06, p07, p10, p12, p16
    "county_finance": 230 + 280 + 280,  # p10, p11, p15
    "veterans_affairs": 280,  # p09
    # 七(二) 计生 groups: verified by the health department, payer not named (docs/policies.md)
    "unspecified_government": 2 * 140 + 140 + 140 + 280 + 280,  # p04-05, p14, p28, p08, p17
}
ENROLLED = 29  # 31 less p29, p31
EXPECTED_FISCAL = (ENROLLED - 2) * 550  # the two late full-financing payers bring their own 550


def _write(path: Path, rows: list[str], encoding: str = "utf-8", header: str = HEADER) -> Path:
    path.write_bytes(("\n".join([header] + rows) + "\n").encode(encoding))
    return path


def _run_json(capsys, population: Path) -> dict:
    capsys.readouterr()
    rc = main(["run", SINAN, "--population", str(population), "--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def test_hand_count_is_conserved():
    cost = 280 + 550
    assert sum(EXPECTED_BY_SOURCE.values()) + EXPECTED_FISCAL == ENROLLED * cost
    assert EXPECTED_BY_SOURCE["individual"] == 5730 and EXPECTED_BY_SOURCE["medical_assistance"] == 1300


def test_fixture_is_the_hand_count_csv():
    assert FIXTURE.read_text("utf-8").splitlines() == [HEADER] + ROWS


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_sinan_hand_count_to_the_fen(tmp_path, capsys, encoding):
    got = _run_json(capsys, _write(tmp_path / "people.csv", ROWS, encoding))
    assert got["scenario"] == "sinan-2021"
    assert got["persons"] == 31 and got["enrolled"] == ENROLLED
    assert got["by_source"] == EXPECTED_BY_SOURCE
    assert got["fiscal_subsidy"] == EXPECTED_FISCAL
    assert got["ties_broken_by_order"] == 1  # p17
    assert got["late_enrolled"] == 3 and got["not_enrolled"] == 2
    assert got["rows_read"] == 31 and got["rows_rejected"] == 0


def test_gbk_village_names_survive(tmp_path):
    pop = read_population_csv(_write(tmp_path / "gbk.csv", ROWS, "gbk"))
    assert "塘头镇青杠坝村" in pop.villages.ids and "关中坝街道" in pop.villages.zh
    assert len(pop) == 31


BAD = [
    ("age 'abc'", "p01,h1,塘头镇,abc,F,0,,1,regular", "row 2, column age", "abc"),
    ("sex X", "p01,h1,塘头镇,40,X,0,,1,regular", "row 2, column sex", "'X'"),
    ("unknown identity", "p01,h1,塘头镇,40,F,0,rural_dibo,1,regular", "row 2, column identities", "rural_dibo"),
    ("disability 7", "p01,h1,塘头镇,40,F,7,,1,regular", "row 2, column disability_grade", "'7'"),
    ("enrolled yes", "p01,h1,塘头镇,40,F,0,,yes,regular", "row 2, column enrolled", "'yes'"),
    ("timing", "p01,h1,塘头镇,40,F,0,,1,early", "row 2, column timing", "'early'"),
    ("field count", "p01,h1,塘头镇,40,F,0,,1", "row 2", "8 fields"),
]


def _bad_run(capsys, path: Path) -> str:
    capsys.readouterr()
    rc = main(["run", SINAN, "--population", str(path), "--json"])
    out = capsys.readouterr()
    assert rc == 2
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert str(path) in lines[0]
    return lines[0]


@pytest.mark.parametrize("name,row,where,reason", BAD, ids=[b[0] for b in BAD])
def test_bad_value_names_row_column_and_reason(tmp_path, capsys, name, row, where, reason):
    good = "p00,h0,塘头镇,30,M,0,,1,regular"
    line = _bad_run(capsys, _write(tmp_path / "bad.csv", [row, good]))
    assert where in line and reason in line


def test_duplicate_person_id(tmp_path, capsys):
    line = _bad_run(capsys, _write(tmp_path / "dup.csv", ROWS[:3] + ["p02,h9,塘头镇,30,M,0,,1,regular"]))
    assert "row 5, column person_id" in line and "duplicate of row 3" in line


@pytest.mark.parametrize(
    "header,column,reason",
    [
        # an unknown column is ignored (and said so); one that looks misspelt is an error
        (HEADER + ",disabilty_grade", "column disabilty_grade", "disability_grade"),
        (HEADER.replace("age,", ""), "column age", "missing"),
        (HEADER.replace("sex,", "sex,sex,"), "column sex", "twice"),
    ],
)
def test_bad_header(tmp_path, capsys, header, column, reason):
    line = _bad_run(capsys, _write(tmp_path / "hdr.csv", [], header=header))
    assert "row 1" in line and column in line and reason in line


def test_empty_file(tmp_path, capsys):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    assert "empty" in _bad_run(capsys, p)
    _write(p, [])
    assert "no data rows" in _bad_run(capsys, p)


def test_not_gbk_or_utf8(tmp_path, capsys):
    p = tmp_path / "binary.csv"
    p.write_bytes(HEADER.encode() + b"\n\xff\xfe\x00\x81\x00\n")
    assert "UTF-8" in _bad_run(capsys, p)


def test_missing_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LC_ALL", "C.UTF-8")  # a locale naming no language: Chinese
    assert "文件不存在" in _bad_run(capsys, tmp_path / "nope.csv")  # Chinese first (issue 15 item 5)


def test_non_strict_read_accounts_for_every_row(tmp_path):
    rows = ROWS[:10] + [b[1].replace("p01", f"x{i}") for i, b in enumerate(BAD)] + ["p03,h,v,1,F,0,,1,regular"]
    pop = read_population_csv(_write(tmp_path / "mixed.csv", rows), strict=False)
    assert pop.rows_read == len(rows) == len(pop) + len(pop.rejected)
    assert len(pop) == 10 and len(pop.rejected) == len(BAD) + 1
    assert [r["row"] for r in pop.rejected] == list(range(12, 12 + len(BAD) + 1))
    assert all("row" in r["reason"] for r in pop.rejected)


def test_blank_lines_are_not_rows(tmp_path):
    pop = read_population_csv(_write(tmp_path / "blank.csv", ROWS[:2] + ["", " , , "] + ROWS[2:4]))
    assert len(pop) == pop.rows_read == 4


def test_hukou_column_restricts_rural_and_urban_groups(tmp_path, capsys):
    """嵩明 六(一), by hand (personal 180, fiscal 490): the rural 两户 couple (42) and the rural
    only child (10) are paid by the government; the grandparent (70), the urban only child and
    the rural low-income elderly person pay 180 each; a person with no 户籍 type recorded is
    not excluded (the 两户 member aged 45, paid by the government)."""
    rows = [
        "s1,h1,,42,F,0,fp_two_households,1,regular,rural",
        "s2,h1,,10,M,0,only_child;fp_two_households,1,regular,rural",
        "s3,h1,,70,F,0,fp_two_households,1,regular,rural",
        "s4,h2,,10,F,0,only_child,1,regular,urban",
        "s5,h3,,72,M,0,low_income_family,1,regular,农村",
        "s6,h4,,45,M,0,fp_two_households,1,regular,",
    ]
    path = _write(tmp_path / "hukou.csv", rows, header=HEADER + ",hukou")
    capsys.readouterr()
    assert main(["run", str(REPO / "scenarios" / "songming-2018.yaml"), "--population", str(path), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["by_source"] == {"individual": 3 * 180, "unspecified_government": 3 * 180}
    assert got["fiscal_subsidy"] == 6 * 490
    pop = read_population_csv(path)
    assert list(pop.hukou) == [1, 1, 1, 2, 1, 0]


def test_bad_hukou_is_one_line(tmp_path, capsys):
    path = _write(tmp_path / "bad.csv", ["p1,h1,,40,F,0,,1,regular,city"], header=HEADER + ",hukou")
    err = _bad_run(capsys, path)
    assert "row 2, column hukou" in err and "rural or urban" in err
