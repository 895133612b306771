"""Tests for simulate.rosters.roster: reading rosters (花名册) from .xlsx and .csv and merging them.

Files are built in tmp_path with openpyxl and the csv module; every ID number is made up
with the test's own GB 11643-1999 check digit.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from _ids import check_char, make_id  # noqa: E402

from simulate.io.idnumber import mask_id
from simulate.rosters.cells import PERSON_COLUMNS, REJECTED_COLUMNS, ROW_COLUMNS
from simulate.rosters.mapping import RosterError, RosterMapping
from simulate.rosters.merge import merge_rosters
from simulate.rosters.roster import read_roster
from simulate.vocabulary import IDENTITY_IDS, identity_mask

AS_OF = dt.date(2024, 1, 1)


_check = check_char
_make_id = make_id


# A small cast of made-up people.
WANG = _make_id("430922", "19580312", "011")  # M, 65
LI = _make_id("430922", "19900101", "122")  # F, 34
ZHAO = _make_id("520624", "20120705", "031")  # M, 11
QIAN = _make_id("520624", "19450820", "024")  # F, 78
QIAN_15 = "520624450820024"  # the same person's old 15-digit number
SUN = _make_id("430922", "19771109", "157")  # M
ZHOU = _make_id("430922", "20010101", "228")  # F
WU = _make_id("520624", "19800704", "131")  # M; its check digit is a digit, not X
ALL_IDS = (WANG, LI, ZHAO, QIAN, SUN, ZHOU, WU)


def _write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _assert_masked(frame: pd.DataFrame) -> None:
    """No full (or 14+ digit) ID number anywhere in a frame meant for display."""
    for value in frame.astype(str).to_numpy().ravel():
        for number in ALL_IDS:
            assert number not in value and number.lower() not in value
        assert not re.search(r"\d{14,}", value), value


_CJK = re.compile(r"[\u4e00-\u9fff]")
#: Four or more English words in a row: a reason meant for a zh reader that is still English.
_ENGLISH_RUN = re.compile(r"(?:\b[A-Za-z]{2,}\b[\s,;:()]+){3,}\b[A-Za-z]{2,}\b")


def _assert_zh(reason: str, *fragments: str) -> None:
    """A zh reason reads as Chinese (and holds the given fragments)."""
    assert _CJK.search(reason) and not _ENGLISH_RUN.search(reason), reason
    for fragment in fragments:
        assert fragment in reason, (fragment, reason)


# ---------------------------------------------------------------------------------------
# mapping
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word,identities,grade",
    [
        ("特困", ("destitute",), 0),
        ("特困供养", ("destitute",), 0),
        ("五保", ("destitute",), 0),
        ("特困人员", ("destitute",), 0),
        ("农村低保", ("rural_dibao",), 0),
        ("农村低保对象", ("rural_dibao",), 0),
        ("城市低保", ("urban_dibao",), 0),
        ("城镇低保", ("urban_dibao",), 0),
        ("低保边缘", ("low_income_family",), 0),
        ("低收入", ("low_income_family",), 0),
        ("孤儿", ("orphan",), 0),
        ("事实无人抚养儿童", ("de_facto_orphan",), 0),
        ("重点优抚对象", ("priority_entitled",), 0),
        ("优抚对象", ("priority_entitled",), 0),
        ("一级残疾", (), 1),
        ("二级残疾", (), 2),
        ("三级", (), 3),
        ("四级", (), 4),
        ("一级残疾人", (), 1),
        ("肢体二级", (), 2),
        ("视力三级残疾", (), 3),
        ("残疾四级", (), 4),
        ("二级肢体残疾", (), 2),
        ("建档立卡", ("registered_poor",), 0),
        ("脱贫户", ("registered_poor",), 0),
        ("脱贫人口", ("registered_poor",), 0),
        ("监测户", ("monitored",), 0),
        ("边缘易致贫户", ("monitored",), 0),
        ("脱贫不稳定户", ("monitored",), 0),
        ("突发严重困难户", ("monitored",), 0),
        ("返贫致贫", ("returned_to_poverty",), 0),
        ("计生特扶", ("fp_special",), 0),
        ("计生两户", ("fp_two_households",), 0),
        ("计生“两户”", ("fp_two_households",), 0),
        ("计生后遗症", ("fp_sequelae",), 0),
        ("被征地农民", ("land_lost_farmer",), 0),
        ("兜底一类", ("safety_net_class1",), 0),
        ("易地搬迁", ("relocated",), 0),
        ("独生子女", ("only_child",), 0),
    ],
)
def test_default_mapping_words(word: str, identities: tuple[str, ...], grade: int) -> None:
    rule = RosterMapping.default().resolve_word(word)
    assert rule is not None, word
    assert rule.identities == identities
    assert rule.disability_grade == grade


def test_default_mapping_is_consistent() -> None:
    mapping = RosterMapping.default()
    for rule in mapping.categories.values():
        assert set(rule.identities) <= set(IDENTITY_IDS)
        assert 0 <= rule.disability_grade <= 4
    assert mapping.resolve_word("低保") is None  # urban or rural? must be stated
    assert mapping.resolve_word("五级残疾") is None
    for header in ("姓名", "身份证号", "身份证号码", "公民身份号码", "证件号码"):
        assert header in mapping.aliases("name") + mapping.aliases("id_number")


def test_mapping_yaml_layers_on_default(tmp_path: Path) -> None:
    path = tmp_path / "dibao.yaml"
    path.write_text(
        "default_identity: rural_dibao\n"
        "columns:\n  name: 救助对象\n  village: [所在组]\n"
        "categories:\n  低保: [rural_dibao]\n  重残: {identities: [], disability_grade: 1}\n"
        "  优待: priority_entitled\n",
        encoding="utf-8",
    )
    mapping = RosterMapping.from_yaml(path)
    assert mapping.default_identity == ("rural_dibao",)
    assert mapping.aliases("name")[0] == "救助对象" and "姓名" in mapping.aliases("name")
    assert mapping.resolve_word("低保").identities == ("rural_dibao",)
    assert mapping.resolve_word("重残").disability_grade == 1
    assert mapping.resolve_word("优待").identities == ("priority_entitled",)
    assert mapping.resolve_word("特困").identities == ("destitute",)  # from the default


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("categories:\n  低保: [dibao]\n", "unknown identity 'dibao'"),
        ("default_identity: poor\n", "unknown identity 'poor'"),
        ("categorys: {}\n", "unknown key(s) categorys"),
        ("columns:\n  phone: [电话]\n", "unknown column field 'phone'"),
        ("categories:\n  一级: {identities: [], disability_grade: 7}\n", "disability_grade must be 0..4"),
        ("extends: none\ncategories: {}\n", "columns.name needs at least one header alias"),
        ("!!python/object/apply:os.system ['echo hacked']\n", "mapping file"),
        ("a: [1, 2\n", "mapping file"),
    ],
)
def test_bad_mappings(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RosterError) as err:
        RosterMapping.from_yaml(path)
    assert fragment in str(err.value)
    assert str(err.value).startswith("m.yaml: ")
    assert "\n" not in str(err.value)


# ---------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------


def test_csv_utf8_bom_with_title_and_blank_rows(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "低保.csv",
        [
            ["2024年大栗港镇农村低保花名册", "", "", "", ""],  # line 1: title
            ["", "", "", "", ""],  # line 2: blank
            ["序号", "姓名", "身份证号码", "村（社区）", "类别"],  # line 3: header
            ["1", "王 建国", WANG, "大栗港村", "农村低保"],  # line 4
            ["2", "李秀英", LI.lower(), "大栗港村", "农村低保、二级残疾"],  # line 5
            ["", "", "", "", ""],  # line 6: blank
            ["3", "", "", "", ""],  # line 7: numbered, blank
            ["4", "赵小明", ZHAO, "石牛江村", "孤儿 农村低保"],  # line 8
        ],
        encoding="utf-8-sig",
    )
    read = read_roster(path, RosterMapping.default(), as_of=AS_OF)
    assert read.encoding == "utf-8-sig"
    assert list(read.rows.columns) == list(ROW_COLUMNS)
    assert list(read.rows["row"]) == [4, 5, 8]
    assert list(read.rows["name"]) == ["王建国", "李秀英", "赵小明"]
    assert list(read.rows["id_number"]) == [WANG, LI, ZHAO]
    assert read.rows["identities"].tolist() == [("rural_dibao",), ("rural_dibao",), ("orphan", "rural_dibao")]
    assert read.rows["disability_grade"].tolist() == [0, 2, 0]
    assert read.rows["age"].tolist() == [65, 34, 11]
    assert read.rows["sex"].tolist() == ["M", "F", "M"]
    assert read.rows["village"].tolist() == ["大栗港村", "大栗港村", "石牛江村"]
    assert read.rows["birth_date"].iloc[0] == pd.Timestamp("1958-03-12")
    assert read.rejected.empty and list(read.rejected.columns) == list(REJECTED_COLUMNS)
    assert read.rows_read == 3
    assert read.skipped_blank == 2  # lines 6 and 7 (line 2 is above the header)
    assert WANG not in repr(read)  # no full number in a repr that may end up in a log
    assert any("header on row 3" in note for note in read.notes)


def test_csv_gbk_with_default_identity_and_town(tmp_path: Path) -> None:
    mapping_path = tmp_path / "m.yaml"
    mapping_path.write_text("default_identity: [rural_dibao]\n", encoding="utf-8")
    path = _write_csv(
        tmp_path / "dibao_gbk.csv",
        [
            ["乡镇", "村", "公民身份号码", "*姓名"],
            ["大栗港镇", "大栗港村", WANG, "王建国"],
            ["大栗港镇", "株木村", QIAN, "钱桂花"],
        ],
        encoding="gbk",
    )
    assert b"\xef\xbb\xbf" not in path.read_bytes()[:3]
    read = read_roster(path, RosterMapping.from_yaml(mapping_path), as_of=AS_OF)
    assert read.encoding == "gbk"
    assert read.rows["name"].tolist() == ["王建国", "钱桂花"]
    assert read.rows["town"].tolist() == ["大栗港镇", "大栗港镇"]
    assert read.rows["village"].tolist() == ["大栗港村", "株木村"]
    assert read.rows["identities"].tolist() == [("rural_dibao",)] * 2
    assert read.rows["row"].tolist() == [2, 3]


def test_csv_plain_utf8_tab_separated_and_quoted_newline(tmp_path: Path) -> None:
    path = tmp_path / "tsv.csv"
    path.write_text(
        "姓名\t身份证号码（18位）\t人员类别\n"
        f'"王\n建国"\t{WANG}\t特困\n'  # a quoted cell over two lines: record on line 2
        f"李秀英\t{LI}\t特困\n",
        encoding="utf-8",
    )
    read = read_roster(path, None, as_of=AS_OF)
    assert read.encoding == "utf-8"
    assert read.rows["row"].tolist() == [2, 4]
    assert read.rows["identities"].tolist() == [("destitute",), ("destitute",)]


def test_csv_scientific_notation_from_excel_is_rejected(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "excel_export.csv",
        [
            ["姓名", "身份证号", "类别"],
            ["王建国", "4.30922E+17", "特困"],
            ["李秀英", LI, "特困"],
        ],
        encoding="utf-8",
    )
    read = read_roster(path, None, as_of=AS_OF)
    assert read.rows_read == 2 and len(read.rows) == 1
    (rej,) = read.rejected.to_dict("records")
    assert rej["row"] == 2 and "scientific notation" in rej["reason"]
    _assert_zh(rej["reason_zh"], "身份证号无效", "科学计数法")


# ---------------------------------------------------------------------------------------
# xlsx
# ---------------------------------------------------------------------------------------


def _disabled_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "残疾人"
    ws["A1"] = "2024年度重度残疾人参保资助花名册"
    ws.merge_cells("A1:F1")  # merged title row
    ws["A2"] = "填报单位：县残联"  # a second title-ish row
    ws.append(["序号", "姓名", "身份证号码", "村（社区）", "残疾等级", "类别"])  # row 3
    ws.append([1, "王建国", WANG, "大栗港村", "二级", None])  # row 4 text ID
    ws.append([2, "钱桂花", int(QIAN_15), None, "肢体一级", None])  # row 5 old, int
    ws.append([3, "孙志强", float(SUN), None, "三级", None])  # row 6 float ID
    ws.append([None] * 6)  # row 7 blank
    ws.append([4, "周丽", ZHOU, "株木村", 4, "建档立卡"])  # row 8
    ws.append([5, "李秀英", LI, "株木村", "五级", None])  # row 9 bad grade
    ws["A11"] = "制表人：某某    审核人：某某"  # footer row 11
    ws.merge_cells("A11:F11")
    ws.append([6, "吴军", 0, "株木村", "一级", None])  # row 12 exact int
    ws.merge_cells("D4:D6")  # village block
    wb.save(path)
    _store_exact_number(path, "C12", WU)
    return path


def _store_exact_number(path: Path, ref: str, digits: str) -> None:
    """Rewrite one numeric cell so the file holds all 18 digits as an integer.

    openpyxl (like Excel) writes an 18-digit int as a double (4.309...e+17, digits lost);
    some other writers keep the digits, and openpyxl then reads back an exact int.
    """
    with zipfile.ZipFile(path) as zin:
        items = {name: zin.read(name) for name in zin.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml, count = re.subn(rf'(<c r="{ref}"[^>]*><v>)[^<]*(</v>)', rf"\g<1>{digits}\g<2>", items[sheet].decode("utf-8"))
    assert count == 1
    items[sheet] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items.items():
            zout.writestr(name, data)


def test_xlsx_merged_title_blank_rows_and_numeric_ids(tmp_path: Path) -> None:
    read = read_roster(_disabled_workbook(tmp_path / "残联.xlsx"), None, as_of=AS_OF)
    assert read.sheets == ("残疾人",)
    assert read.rows["row"].tolist() == [4, 5, 8, 12]
    assert read.rows["id_number"].tolist() == [WANG, QIAN, ZHOU, WU]
    assert read.rows["id_converted"].tolist() == [False, True, False, False]
    assert read.rows["disability_grade"].tolist() == [2, 1, 4, 1]
    assert read.rows["village"].tolist() == ["大栗港村", "大栗港村", "株木村", "株木村"]  # D4:D6
    assert read.rows["identities"].tolist() == [(), (), ("registered_poor",), ()]
    rejected = read.rejected.set_index("row")
    assert sorted(rejected.index) == [6, 9]
    assert "15 significant digits" in rejected.loc[6, "reason"]
    assert rejected.loc[6, "id_masked"] != str(float(SUN))
    assert "unreadable disability grade '五级'" in rejected.loc[9, "reason"]
    _assert_zh(rejected.loc[6, "reason_zh"], "15位有效数字", "无法恢复")
    _assert_zh(rejected.loc[9, "reason_zh"], "残疾等级 '五级' 无法识别")
    assert rejected.loc[9, "id_masked"] == mask_id(LI)
    assert read.skipped_blank == 3  # rows 7 and 10, and the merged footer on row 11
    assert read.rows_read == 6
    _assert_masked(read.rejected)


@pytest.mark.parametrize("top", [0, 1, 4])
def test_xlsx_rows_numbered_as_excel_shows_them_below_empty_rows(tmp_path: Path, top: int) -> None:
    """A sheet whose first used cell is below row 1 and right of column A: rows keep the
    numbers Excel shows (python-calamine gives the rows above that cell as empty rows)."""
    path = tmp_path / "below.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.cell(top + 1, 2, "姓名")
    ws.cell(top + 1, 3, "身份证号码")
    ws.cell(top + 1, 4, "救助类别")
    for k, (name, number) in enumerate((("王建国", WANG), ("李秀英", "123"), ("周丽", ZHOU)), start=top + 2):
        ws.cell(k, 2, name)
        ws.cell(k, 3, number)
        ws.cell(k, 4, "农村低保")
    wb.save(path)
    read = read_roster(path, None, as_of=AS_OF)
    assert read.notes[0].startswith(f"sheet 'Sheet': header on row {top + 1};")
    assert read.rows["row"].tolist() == [top + 2, top + 4]
    assert read.rows["id_number"].tolist() == [WANG, ZHOU]
    assert read.rejected["row"].tolist() == [top + 3]
    assert read.skipped_blank == 0


def test_xlsx_every_sheet_with_a_header_is_read(tmp_path: Path) -> None:
    path = tmp_path / "villages.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active["A1"] = "各村分表，类别按民政口径填写"
    for village, people in (("大栗港村", [("王建国", WANG)]), ("株木村", [("李秀英", LI)])):
        ws = wb.create_sheet(village)
        ws.append(["姓名", "身份证号", "人员类别"])
        for name, number in people:
            ws.append([name, number, "特困供养"])
    wb.save(path)
    read = read_roster(path, None, as_of=AS_OF)
    assert read.sheets == ("大栗港村", "株木村")
    assert read.rows["sheet"].tolist() == ["大栗港村", "株木村"]
    assert any("说明" in note and "skipped" in note for note in read.notes)

    only = RosterMapping.from_dict({"sheet": "株木村"})
    assert read_roster(path, only, as_of=AS_OF).rows["name"].tolist() == ["李秀英"]
    with pytest.raises(RosterError, match="no header row"):
        read_roster(path, RosterMapping.from_dict({"sheet": 0}), as_of=AS_OF)
    with pytest.raises(RosterError, match="no sheet named"):
        read_roster(path, RosterMapping.from_dict({"sheet": "乱码"}), as_of=AS_OF)


# ---------------------------------------------------------------------------------------
# rejected rows and whole-file errors
# ---------------------------------------------------------------------------------------


def test_row_level_reasons(tmp_path: Path) -> None:
    bad_check = WANG[:-1] + ("0" if WANG[-1] != "0" else "1")
    path = _write_csv(
        tmp_path / "mixed.csv",
        [
            ["姓名", "身份证号", "类别"],
            ["王建国", WANG, "低保"],  # 2: unknown word (urban? rural?)
            ["李秀英", LI, "特困、五保户、贫困老人"],  # 3: one unknown word among known
            ["赵小明", bad_check, "孤儿"],  # 4: bad check digit
            ["", QIAN, "孤儿"],  # 5: empty name
            ["孙志强", "", "孤儿"],  # 6: missing ID
            ["周丽", ZHOU, ""],  # 7: no identity at all
            ["姓名", "身份证号", "类别"],  # 8: repeated header: skipped
            ["钱桂花", "430922900101123", "无"],  # 9: converted, but no identity
            ["王小二", SUN, "城市低保,一级残疾"],  # 10: fine
        ],
        encoding="utf-8",
    )
    read = read_roster(path, None, as_of=AS_OF)
    reasons = read.rejected.set_index("row")["reason"]
    assert "unknown category word '低保'" in reasons[2]
    assert "unknown category word '贫困老人'" in reasons[3] and "特困" not in reasons[3].split("'")[1]
    assert "bad check digit" in reasons[4]
    assert reasons[5] == "empty name"
    assert reasons[6] == "missing ID number"
    assert reasons[7].startswith("no identity: category cell empty")
    assert reasons[9].startswith("no identity: category '无' confers none")
    zh = read.rejected.set_index("row")["reason_zh"]
    _assert_zh(zh[2], "未识别的类别词 '低保'")
    _assert_zh(zh[3], "未识别的类别词 '贫困老人'")
    _assert_zh(zh[4], "身份证号无效：校验码错误")
    assert zh[5] == "姓名为空" and zh[6] == "缺少身份证号"
    _assert_zh(zh[7], "无身份：类别单元格为空")
    _assert_zh(zh[9], "无身份：类别 '无' 不对应任何身份")
    assert read.rows["row"].tolist() == [10]
    assert read.rows["identities"].iloc[0] == ("urban_dibao",)
    assert read.rows["disability_grade"].iloc[0] == 1
    assert read.skipped_headers == 1
    assert read.rows_read == 8  # lines 2-10 less the repeated header
    _assert_masked(read.rejected)
    assert bad_check not in " ".join(read.rejected.astype(str).to_numpy().ravel())


def test_allow_no_identity(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "all.csv", [["姓名", "身份证号", "类别"], ["周丽", ZHOU, ""]], encoding="utf-8")
    read = read_roster(path, RosterMapping.from_dict({"allow_no_identity": True}), as_of=AS_OF)
    assert read.rows["identities"].tolist() == [()]


def test_whole_file_errors(tmp_path: Path) -> None:
    no_header = _write_csv(tmp_path / "no_header.csv", [["名单"], ["王建国", WANG, "特困"]], encoding="utf-8")
    with pytest.raises(RosterError) as err:
        read_roster(no_header, None, as_of=AS_OF)
    message = str(err.value)
    assert message.startswith("no_header.csv: no header row") and "\n" not in message
    assert WANG not in message

    header_late = tmp_path / "late.csv"
    header_late.write_text("\n".join(["说明"] * 20 + ["姓名,身份证号,类别", f"王建国,{WANG},特困"]), encoding="utf-8")
    with pytest.raises(RosterError, match="first 20 rows"):
        read_roster(header_late, None, as_of=AS_OF)

    no_category = _write_csv(tmp_path / "names.csv", [["姓名", "身份证号"], ["王建国", WANG]], encoding="utf-8")
    with pytest.raises(RosterError, match="no category column"):
        read_roster(no_category, None, as_of=AS_OF)

    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(RosterError, match=r"old\.xls: old Excel 97-2003"):
        read_roster(xls, None, as_of=AS_OF)

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(RosterError, match="broken.xlsx: not a readable .xlsx"):
        read_roster(broken, None, as_of=AS_OF)

    with pytest.raises(RosterError, match="missing.csv: file not found"):
        read_roster(tmp_path / "missing.csv", None, as_of=AS_OF)

    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x81\x30\xff\xff\xfe" * 10)
    with pytest.raises(RosterError, match="cannot decode"):
        read_roster(binary, None, as_of=AS_OF)


# ---------------------------------------------------------------------------------------
# merging
# ---------------------------------------------------------------------------------------


def _three_rosters(tmp_path: Path) -> list:
    dibao = _write_csv(
        tmp_path / "民政低保.csv",
        [
            ["姓名", "身份证号码", "村", "类别"],
            ["王建国", WANG, "大栗港村", "农村低保"],  # 2: also on the disability list
            ["李秀英", LI, "大栗港村", "农村低保"],  # 3
            ["李秀英", LI, "大栗港村", "农村低保、特困"],  # 4: duplicate of row 3
            ["赵小明", ZHAO, "株木村", "孤儿"],  # 5: also on the poverty list
            ["坏号码", "430922199001011230", "株木村", "孤儿"],  # 6: bad check digit
        ],
        encoding="gbk",
    )
    disabled = tmp_path / "残联.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "重度残疾人名单"
    ws.merge_cells("A1:D1")
    ws.append(["姓名", "身份证号码", "残疾等级", "村（社区）"])
    ws.append(["王建国", WANG, "三级", ""])  # 3
    ws.append(["钱桂花", QIAN, "一级", "株木村"])  # 4
    ws.append(["王建国", WANG, "一级", ""])  # 5: duplicate, more severe
    wb.save(disabled)
    poor = _write_csv(
        tmp_path / "乡村振兴.csv",
        [
            ["姓名", "证件号码", "类别"],
            ["赵晓明", ZHAO, "脱贫户"],  # 2: same ID, other name
            ["孙志强", SUN, "监测户"],  # 3
        ],
        encoding="utf-8-sig",
    )
    return [read_roster(p, None, as_of=AS_OF) for p in (dibao, disabled, poor)]


def test_merge_accounting_and_persons(tmp_path: Path) -> None:
    reads = _three_rosters(tmp_path)
    merged = merge_rosters(reads)
    assert merged.rows_read == sum(r.rows_read for r in reads) == 5 + 3 + 2
    assert merged.rows_read == merged.rows_used + merged.rows_rejected
    assert merged.rows_rejected == len(merged.rejected) == 3  # bad ID + 2 duplicates
    assert merged.rows_used == 7
    assert int(merged.by_file["rows_read"].sum()) == merged.rows_read
    assert (merged.by_file["rows_read"] == merged.by_file["rows_used"] + merged.by_file["rows_rejected"]).all()

    persons = merged.persons.set_index("id_number")
    assert list(merged.persons.columns) == list(PERSON_COLUMNS)
    assert merged.persons["id_number"].tolist() == [WANG, LI, ZHAO, QIAN, SUN]
    assert persons.loc[WANG, "identities"] == ("rural_dibao",)
    assert persons.loc[WANG, "disability_grade"] == 3  # the grade-1 row is a duplicate
    assert persons.loc[WANG, "village"] == "大栗港村"
    assert persons.loc[WANG, "n_lists"] == 2
    assert persons.loc[WANG, "sources"] == ("民政低保.csv:2", "残联.xlsx:3")
    assert persons.loc[LI, "identities"] == ("rural_dibao",)  # the 特困 row is a duplicate
    assert persons.loc[ZHAO, "identities"] == ("orphan", "registered_poor")
    assert persons.loc[ZHAO, "name"] == "赵小明"  # the first name is kept
    assert persons.loc[ZHAO, "identity_mask"] == identity_mask(("orphan", "registered_poor"))
    assert persons.loc[QIAN, "disability_grade"] == 1
    assert persons.loc[QIAN, "identities"] == ()
    assert persons.loc[SUN, "identities"] == ("monitored",)
    # persons on one row (made column by column) and on several (one by one) alike
    assert merged.persons["identity_mask"].tolist() == [identity_mask(i) for i in merged.persons["identities"]]
    assert persons.loc[SUN, "identity_mask"] == identity_mask(("monitored",)) != 0
    assert merged.persons["age"].dtype == "int64"
    assert str(merged.persons["birth_date"].dtype).startswith("datetime64")


def test_merge_duplicates_are_rejected_rows(tmp_path: Path) -> None:
    merged = merge_rosters(_three_rosters(tmp_path))
    dups = merged.duplicates.set_index(["file", "row"])
    assert len(dups) == 2
    li = dups.loc[("民政低保.csv", 4)]
    assert li["first_row"] == 3
    assert li["reason"].startswith("duplicate of row 3")
    assert "not used from this row: destitute" in li["reason"]
    wang = dups.loc[("残联.xlsx", 5)]
    assert "disability grade 1" in wang["reason"]
    rejected = merged.rejected.set_index(["file", "row"])
    assert rejected.loc[("民政低保.csv", 4), "reason"] == li["reason"]
    assert "bad check digit" in rejected.loc[("民政低保.csv", 6), "reason"]
    _assert_zh(li["reason_zh"], "与第3行重复", "本行未采用：特困人员")
    _assert_zh(wang["reason_zh"], "1级残疾")
    assert rejected.loc[("民政低保.csv", 4), "reason_zh"] == li["reason_zh"]
    _assert_zh(rejected.loc[("民政低保.csv", 6), "reason_zh"], "校验码错误")


def test_merge_multi_list_and_name_conflicts(tmp_path: Path) -> None:
    merged = merge_rosters(_three_rosters(tmp_path))
    multi = merged.multi_list.set_index("id_masked")
    assert set(multi.index) == {mask_id(WANG), mask_id(ZHAO)}
    assert multi.loc[mask_id(WANG), "lists"] == ("民政低保.csv", "残联.xlsx")
    assert multi.loc[mask_id(ZHAO), "lists"] == ("民政低保.csv", "乡村振兴.csv")
    assert multi.loc[mask_id(ZHAO), "identities"] == ("orphan", "registered_poor")

    conflicts = merged.name_conflicts
    assert set(conflicts["id_masked"]) == {mask_id(ZHAO)}
    assert conflicts["group"].unique().tolist() == [1]
    kept = conflicts.set_index("name")
    assert bool(kept.loc["赵小明", "kept"]) and not bool(kept.loc["赵晓明", "kept"])
    assert kept.loc["赵晓明", "file"] == "乡村振兴.csv" and kept.loc["赵晓明", "row"] == 2


def test_merge_display_frames_hold_masked_ids_only(tmp_path: Path) -> None:
    merged = merge_rosters(_three_rosters(tmp_path))
    for frame in (merged.rejected, merged.duplicates, merged.name_conflicts, merged.multi_list, merged.by_file):
        _assert_masked(frame)
    assert set(merged.persons["id_number"]) <= set(ALL_IDS)


def test_merge_edge_cases(tmp_path: Path) -> None:
    empty = merge_rosters([])
    assert empty.rows_read == empty.rows_used == empty.rows_rejected == 0
    assert list(empty.persons.columns) == list(PERSON_COLUMNS) and empty.persons.empty

    path = _write_csv(tmp_path / "a.csv", [["姓名", "身份证号", "类别"], ["王建国", WANG, "特困"]], encoding="utf-8")
    read = read_roster(path, None, as_of=AS_OF)
    with pytest.raises(RosterError, match="given twice"):
        merge_rosters([read, read_roster(path, None, as_of=AS_OF)])
