"""Tests for simulate.rosters.bill and ``simulate roster``: the exact bill for the made-up 思南县
rosters in tests/rosters (expected.yaml is computed by hand), the accounting, the payment
lists and the privacy rule (full ID numbers only in payment_lists/*.xlsx)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml

from simulate.cli import main
from simulate.rosters.bill import RosterBill, roster_bill

ROOT = Path(__file__).resolve().parents[1]
ROSTERS = ROOT / "tests" / "rosters"
SCENARIO = ROOT / "scenarios" / "sinan-2021.yaml"
EXPECTED = yaml.safe_load((ROSTERS / "expected.yaml").read_text("utf-8"))
FILES = [ROSTERS / f for f in EXPECTED["files"]]
MAPPING = ROSTERS / EXPECTED["mapping"]
#: An ID-like run: 15 or more digits (optionally ending in X), not part of a longer number.
ID_LIKE = re.compile(r"(?<![0-9])[0-9]{14}[0-9Xx](?:[0-9]{2}[0-9Xx])?(?![0-9])")
_CJK = re.compile(r"[\u4e00-\u9fff]")
#: Four or more English words in a row: text for a zh reader that is still English.
_ENGLISH_RUN = re.compile(r"(?:\b[A-Za-z]{2,}\b[\s,;:()]+){3,}\b[A-Za-z]{2,}\b")
#: The Chinese reason for each kind of rejection in expected.yaml (a fragment of it).
REASON_ZH = {
    "bad check digit": "身份证号无效：校验码错误",
    "duplicate of row 4": "与第4行重复",
    "ID stored as a number": "15位有效数字",
    "impossible birth date: month 13": "出生日期不存在：月份为 13",
    "unreadable disability grade": "无法识别",
    "duplicate of row 5": "与第5行重复",
    "bad length: 17": "位数错误：17位",
    "empty name": "姓名为空",
    "unknown category word '军属'": "未识别的类别词 '军属'",
}


def _is_zh(text: str) -> bool:
    return bool(_CJK.search(text)) and not _ENGLISH_RUN.search(text)


def _make_rosters_module():
    spec = importlib.util.spec_from_file_location("make_rosters", ROSTERS / "make_rosters.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MR = _make_rosters_module()


@pytest.fixture(scope="module")
def bill() -> RosterBill:
    return roster_bill(SCENARIO, FILES, MAPPING)


@pytest.fixture(scope="module")
def out_dir(bill, tmp_path_factory) -> Path:
    return bill.write(tmp_path_factory.mktemp("bill") / "out")


# ------------------------------------------------------------------------- the exact bill


def test_bill_equals_hand_computed(bill):
    j = bill.to_json()
    assert j["scenario"] == EXPECTED["scenario"]
    assert bill.as_of == EXPECTED["as_of"]
    assert j["persons"] == EXPECTED["persons"]
    assert j["by_source"] == EXPECTED["by_source"]
    assert j["fiscal_subsidy"] == EXPECTED["fiscal_subsidy"]
    assert j["rows_read"] == EXPECTED["rows_read"]
    assert j["rows_used"] == EXPECTED["rows_used"]
    assert j["rows_rejected"] == EXPECTED["rows_rejected"]
    assert j["multi_list"] == EXPECTED["multi_list"]
    assert j["ties_broken_by_order"] == EXPECTED["ties_broken_by_order"]
    assert j["duplicates"] == EXPECTED["duplicates"]
    assert j["name_conflicts"] == EXPECTED["name_conflicts"]
    assert sum(j["by_source"].values()) == EXPECTED["persons"] * 280


def test_bill_by_tier_and_village(bill):
    j = bill.to_json()
    got_tiers = {t: {"persons": v["enrolled"], **v["pays"]} for t, v in j["by_tier"].items()}
    assert got_tiers == EXPECTED["by_tier"]
    got_villages = {v["zh"]: {"persons": v["persons"], **v["pays"]} for v in j["by_village"].values()}
    assert got_villages == EXPECTED["by_village"]


def test_one_subsidy_never_two(bill):
    """Each person gets one tier; those qualifying for several show the tiers considered."""
    p = bill.persons
    assert p["id_number"].is_unique
    money = [c for c in p.columns if c.endswith("_fen") and c != "fiscal_subsidy_fen"]
    assert (p[money].sum(axis=1) == 28000).all()
    multi = {r["name"]: r for r in bill.to_json()["people_with_several_tiers"]}
    assert set(multi) == {"张秀英", "李国富", "杨光荣", "刘桂兰", "黄金花"}
    assert multi["张秀英"]["tier"] == "registered_poor"
    assert [c["tier"] for c in multi["张秀英"]["considered"]] == ["registered_poor", "dibao"]
    assert multi["李国富"]["tier"] == "severe_disability"
    assert multi["李国富"]["pays"] == {"medical_assistance": 50, "county_finance": 230}
    assert multi["杨光荣"]["tier"] == "family_planning"
    assert multi["刘桂兰"]["tier"] == "priority_entitled"
    assert multi["黄金花"]["tier"] == "civil_affairs_full" and multi["黄金花"]["tie"]
    assert not multi["张秀英"]["tie"]
    frame = bill.multi_identity_frame("zh")
    assert len(frame) == 5 and "符合的档次（个人缴费）" in frame.columns


def test_as_of_moves_an_age_rule():
    """石小军 turns 60 on 2021-01-02: by 1 January he is 59 (no subsidy), by 30 June 60."""
    later = roster_bill(SCENARIO, FILES, MAPPING, as_of=dt.date(2021, 6, 30))
    exp = EXPECTED["as_of_2021_06_30"]
    fen = later.source_fen()
    assert fen["individual"] == exp["individual"] * 100
    assert fen["medical_assistance"] == exp["medical_assistance"] * 100


def test_rejected_rows_with_reasons(bill):
    rejected = bill.rejected_records()
    assert [(r["file"], r["row"]) for r in rejected] == [(e["file"], e["row"]) for e in EXPECTED["rejected"]]
    for r, e in zip(rejected, EXPECTED["rejected"]):
        assert e["reason"] in r["reason"], (r, e)
        assert REASON_ZH[e["reason"]] in r["reason_zh"], (r, e)
        assert _is_zh(r["reason_zh"]), r
        assert "*" in r["id_masked"]


def test_accounting_identity(bill):
    assert bill.rows_read == bill.rows_used + bill.rows_rejected
    assert bill.rows_rejected == len(bill.rejected_records())
    by_file = bill.merge.by_file
    assert (by_file["rows_read"] == by_file["rows_used"] + by_file["rows_rejected"]).all()
    assert int(by_file["rows_read"].sum()) == bill.rows_read
    # every used row is a person or a second list of one
    assert bill.rows_used == len(bill.persons) + int((bill.persons["n_lists"] - 1).sum())


def test_old_numbers_converted_and_merged(bill):
    ids = set(bill.persons["id_number"])
    assert MR.LIU_GUILAN in ids  # 15-digit on 低保, 18-digit on 优抚: one person
    from simulate.io.idnumber import convert_15_to_18

    assert convert_15_to_18(str(MR.SUN_DEGUI_15)) in ids
    assert convert_15_to_18(MR.LIU_GUILAN_15) == MR.LIU_GUILAN


# ------------------------------------------------------------------------- payment lists


def _payment_rows(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    i_name, i_id, i_amount = header.index("姓名"), header.index("身份证号码"), header.index("代缴金额（元）")
    body = [r for r in rows[1:] if r[i_name] != "合计"]
    total = [r for r in rows[1:] if r[i_name] == "合计"]
    assert len(total) == 1
    assert total[0][i_amount] == pytest.approx(sum(r[i_amount] for r in body))
    return [(r[i_name], r[i_id], r[i_amount]) for r in body]


def test_payment_lists_hold_exactly_the_right_persons(out_dir):
    from simulate.io.idnumber import convert_15_to_18

    files = sorted(p.name for p in (out_dir / "payment_lists").iterdir())
    assert files == sorted(f"{s}.xlsx" for s in EXPECTED["payment_lists"])
    people = {  # name -> full ID, from the generator
        "张德明": MR.ZHANG_DEMING,
        "李小芳": MR.LI_XIAOFANG,
        "王建华": MR.WANG_JIANHUA,
        "陈永福": MR.CHEN_YONGFU,
        "石桂芝": MR.SHI_GUIZHI,
        "李国富": MR.LI_GUOFU,
        "何大山": MR.HE_DASHAN,
        "周老五": MR.ZHOU_LAOWU,
        "黄金花": MR.HUANG_JINHUA,
        "赵子涵": MR.ZHAO_ZIHAN,
        "孙德贵": convert_15_to_18(str(MR.SUN_DEGUI_15)),
        "马志强": MR.MA_ZHIQIANG,
        "罗春梅": MR.LUO_CHUNMEI,
        "刘桂兰": MR.LIU_GUILAN,
        "陈志军": MR.CHEN_ZHIJUN,
        "邓国华": MR.DENG_GUOHUA,
        "杨木生": MR.YANG_MUSHENG,
        "杨光荣": MR.YANG_GUANGRONG,
        "蒋淑芬": MR.JIANG_SHUFEN,
        "蒋红": MR.JIANG_HONG,
        "谢长青": MR.XIE_CHANGQING,
        "张秀英": MR.ZHANG_XIUYING,
        "龙明亮": MR.LONG_MINGLIANG,
        "龙小雨": MR.LONG_XIAOYU,
        "冉启兵": MR.RAN_QIBING,
    }
    for source, expected in EXPECTED["payment_lists"].items():
        rows = _payment_rows(out_dir / "payment_lists" / f"{source}.xlsx")
        assert {r[0]: r[2] for r in rows} == expected, source
        assert len(rows) == len(expected)
        for name, number, _ in rows:
            assert isinstance(number, str) and number == people[name], (source, name)


def test_payment_list_api(bill):
    frame = bill.payment_list("county_finance")
    assert list(frame["姓名"]) == ["马志强", "何大山", "李国富", "罗春梅"]  # by village, then ID
    assert frame["代缴金额（元）"].sum() == 1020
    assert set(bill.paying_sources()) == set(EXPECTED["payment_lists"])


def test_bill_xlsx_sheets(out_dir):
    wb = openpyxl.load_workbook(out_dir / "bill.xlsx")
    for name in ("汇总", "按档次", "按村", "多重身份", "剔除记录", "重复记录", "姓名不一致"):
        assert name in wb.sheetnames
    rejected = list(wb["剔除记录"].iter_rows(values_only=True))
    assert len(rejected) == 1 + EXPECTED["rows_rejected"]
    assert "原因" in rejected[0]
    reasons = [row[rejected[0].index("原因")] for row in rejected[1:]]
    assert all(_is_zh(r) for r in reasons), reasons
    duplicates = list(wb["重复记录"].iter_rows(values_only=True))
    assert all(_is_zh(row[duplicates[0].index("原因")]) for row in duplicates[1:])
    summary = {r[0]: r[2] for r in wb["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["医疗救助基金"] == 1750 and summary["县财政"] == 1020
    readme = (out_dir / "README.txt").read_text("utf-8")
    assert "payment_lists" in readme and "FULL ID NUMBERS" in readme


# ------------------------------------------------------------------------- privacy


def _texts_of_file(path: Path) -> list[str]:
    """Every piece of text a file shows: xlsx cell values and raw XML parts, or the text."""
    if path.suffix == ".xlsx":
        out = []
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            out.append(ws.title)
            for row in ws.iter_rows(values_only=True):
                out.extend("" if v is None else (repr(v) if isinstance(v, float) else str(v)) for v in row)
        with zipfile.ZipFile(path) as z:
            out.extend(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        return out
    return [path.read_bytes().decode("utf-8", "replace")]


def _id_like(texts) -> list[str]:
    return [m.group(0) for t in texts for m in ID_LIKE.finditer(t)]


def _scan_output(folder: Path) -> dict[str, list[str]]:
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found[str(path.relative_to(folder))] = _id_like(_texts_of_file(path))
    return found


def test_privacy_full_ids_only_in_payment_lists(out_dir):
    found = _scan_output(out_dir)
    assert set(found) >= {"bill.xlsx", "bill.json", "README.txt"}
    for rel, runs in found.items():
        if rel.startswith("payment_lists/") and rel.endswith(".xlsx"):
            assert runs, f"{rel} should hold full ID numbers"  # the scanner sees them
        else:
            assert not runs, f"{rel} holds ID-like numbers: {len(runs)}"
    assert not any(p.suffix in (".html", ".csv") for p in out_dir.rglob("*"))


def test_privacy_of_cli_output(tmp_path, capsys):
    args = ["roster", str(SCENARIO), *map(str, FILES), "--mapping", str(MAPPING)]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    text = capsys.readouterr()
    assert main(args + ["--out", str(tmp_path / "b"), "--json"]) == 0
    js = capsys.readouterr()
    assert main(args + ["--out", str(tmp_path / "c"), "--lang", "en"]) == 0
    en = capsys.readouterr()
    for captured in (text, js, en):
        assert not _id_like([captured.out, captured.err])
    for sub in ("a", "b", "c"):
        for rel, runs in _scan_output(tmp_path / sub).items():
            assert bool(runs) == rel.startswith("payment_lists/"), rel


def test_privacy_of_errors_with_an_id_in_the_file_name(tmp_path, capsys):
    bad = tmp_path / f"{MR.ZHANG_DEMING}.csv"
    bad.write_text("a,b\n1,2\n", "utf-8")
    assert main(["roster", str(SCENARIO), str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("simulate roster: ") and err.count("\n") == 1
    assert not _id_like([err])


# ------------------------------------------------------------------------- CLI


def test_cli_json_shape(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["roster", str(SCENARIO), *map(str, FILES), "--mapping", str(MAPPING), "--out", str(out), "--json"])
    assert rc == 0
    j = json.loads(capsys.readouterr().out)
    assert list(j)[:6] == ["scenario", "persons", "by_source", "fiscal_subsidy", "rows_read", "rejected"]
    assert j["by_source"] == EXPECTED["by_source"]
    assert all(isinstance(v, (int, float)) for v in j["by_source"].values())
    assert j["persons"] == EXPECTED["persons"] and j["rows_read"] == EXPECTED["rows_read"]
    assert j["rows_used"] == EXPECTED["rows_used"] and j["multi_list"] == EXPECTED["multi_list"]
    assert len(j["rejected"]) == j["rows_rejected"] == EXPECTED["rows_rejected"]
    assert set(j["rejected"][0]) == {"file", "sheet", "row", "id_masked", "reason", "reason_zh"}
    assert all(_is_zh(r["reason_zh"]) for r in j["rejected"])
    assert j["out"] == str(out)
    assert json.loads((out / "bill.json").read_text("utf-8"))["by_source"] == EXPECTED["by_source"]


def test_cli_text_reasons_follow_lang(tmp_path, capsys):
    args = ["roster", str(SCENARIO), *map(str, FILES), "--mapping", str(MAPPING)]
    assert main(args + ["--out", str(tmp_path / "zh")]) == 0  # zh is the default
    zh = capsys.readouterr().out
    assert main(args + ["--out", str(tmp_path / "en"), "--lang", "en"]) == 0
    en = capsys.readouterr().out
    zh_lines = zh.split("剔除记录\n", 1)[1].split("\n\n", 1)[0].splitlines()
    en_lines = en.split("Rejected rows\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(zh_lines) == len(en_lines) == EXPECTED["rows_rejected"]
    for line, e in zip(zh_lines, EXPECTED["rejected"]):
        assert REASON_ZH[e["reason"]] in line and not _ENGLISH_RUN.search(line), line
    for line, e in zip(en_lines, EXPECTED["rejected"]):
        assert e["reason"] in line, line
    wb = openpyxl.load_workbook(tmp_path / "en" / "bill.xlsx")
    sheet = next(wb[n] for n in wb.sheetnames if n.lower().startswith("rejected"))
    rows = list(sheet.iter_rows(values_only=True))
    assert all(not _CJK.search(row[rows[0].index("reason")].split("'")[0]) for row in rows[1:])


def test_cli_subprocess_end_to_end(tmp_path):
    exe = Path(sys.executable).with_name("simulate")
    cmd = [
        str(exe),
        "roster",
        str(SCENARIO),
        *map(str, FILES),
        "--mapping",
        str(MAPPING),
        "--out",
        str(tmp_path / "o"),
        "--json",
        "--as-of",
        "2021-01-01",
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["fiscal_subsidy"] == EXPECTED["fiscal_subsidy"]
    assert not _id_like([res.stdout, res.stderr])


def _bad(tmp_path: Path, capsys, *args: str) -> str:
    out = tmp_path / "never"
    rc = main(["roster", str(SCENARIO), *args, "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 2, captured
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".never")]
    err = captured.err
    assert err.startswith("simulate roster: ") and err.count("\n") == 1
    assert not _id_like([err, captured.out])
    return err


def test_cli_bad_input(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")  # the English wording; zh: tests/test_lang_everywhere.py
    err = _bad(tmp_path, capsys, str(tmp_path / "nothere.csv"))
    assert "nothere.csv: file not found" in err
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a workbook")
    assert "broken.xlsx: not a readable .xlsx" in _bad(tmp_path, capsys, str(broken))
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"hello")
    assert "garbage.xlsx:" in _bad(tmp_path, capsys, str(garbage))
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("columns: [\n", "utf-8")
    assert "bad.yaml: mapping file" in _bad(tmp_path, capsys, str(FILES[0]), "--mapping", str(bad_yaml))
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("categories:\n  低保: [no_such_identity]\n", "utf-8")
    assert "unknown.yaml:" in _bad(tmp_path, capsys, str(FILES[0]), "--mapping", str(unknown))
    noheader = tmp_path / "noheader.csv"
    noheader.write_text(f"序号,名字X,号码\n1,张三,{MR.ZHANG_DEMING}\n", "utf-8")
    assert "noheader.csv: no header row" in _bad(tmp_path, capsys, str(noheader))
    assert "--as-of" in _bad(tmp_path, capsys, str(FILES[0]), "--as-of", "2021-02-30")
    # the 优抚 roster needs the mapping: without it there is no category column
    assert "tuiyi_youfu.xlsx:" in _bad(tmp_path, capsys, str(ROSTERS / "tuiyi_youfu.xlsx"))


def test_out_dir_rules(bill, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine", "utf-8")
    from simulate.errors import SimulateError

    with pytest.raises(SimulateError, match="did not write"):
        bill.write(other)
    assert (other / "keep.txt").read_text("utf-8") == "mine"
    out = bill.write(tmp_path / "bill")
    bill.write(out)  # a previous bill is replaced as a whole
    (out / "extra.txt").write_text("x", "utf-8")
    with pytest.raises(SimulateError, match="extra.txt"):  # but never a file the user added
        bill.write(out)
    assert (out / "extra.txt").exists() and (out / "bill.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bill", "other"]


def test_no_partial_output_on_failure(bill, tmp_path, monkeypatch):
    import simulate.report.excel as excel

    calls = []
    real = excel.write_workbook

    def failing(path, sheets, **kw):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(path, sheets, **kw)

    monkeypatch.setattr(excel, "write_workbook", failing)
    with pytest.raises(KeyboardInterrupt):
        bill.write(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------- villages, files


def test_scenario_villages_are_matched(tmp_path):
    roster = tmp_path / "dibao.csv"
    a = MR.pid("19600101", "013")
    b = MR.pid("19700101", "024")
    roster.write_text(f"姓名,身份证号码,村,类别\n甲,{a},德茂园村,农村低保\n乙,{b},新村,农村低保\n", "utf-8")
    bill = roster_bill(ROOT / "scenarios" / "daligang-2020.yaml", [roster])
    v = bill.outlay.villages
    assert v.ids == ("demaoyuan", "新村") and v.zh == ("德茂园", "新村")
    assert bill.persons["village_label"].tolist() == ["德茂园", "新村"]


def test_generated_rosters_are_deterministic(tmp_path, monkeypatch):
    monkeypatch.setattr(MR, "HERE", tmp_path)
    MR.main()
    for name in MR.FILES:
        assert (tmp_path / name).read_bytes() == (ROSTERS / name).read_bytes(), name
