"""Hostile inputs for issue 10 item 2: full ID numbers appear only in payment_lists/.

Valid made-up ID numbers (tests/_ids.py) hide in name, village and category cells, in a
roster's file name, whole, in groups, with hyphens, full-width digits or a lowercase x.
``simulate roster`` must mask every one of them in every file outside payment_lists/ (xlsx
XML inside the zip included), on the terminal and in error lines; the final leak scan
(simulate.io.leakscan) must refuse a folder where one was planted.
"""

from __future__ import annotations

import html
import json
import pickle
import re
import struct
import sys
import unicodedata
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _ids import make_id

from simulate.cli import main
from simulate.errors import SimulateError
from simulate.io.idmask import find_ids, mask_ids_in_text
from simulate.io.idnumber import mask_id
from simulate.io.leakscan import LeakError, refuse_leaks, scan_folder
from simulate.model.population import read_population_csv
from simulate.rosters.bill import roster_bill

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "sinan-2021.yaml"
ROSTERS = ROOT / "tests" / "rosters"

# People on the rosters (their own, valid numbers: these belong in the payment lists).
P = [make_id("520624", f"19{50 + i}0{1 + i % 9}1{i % 9}", f"{100 + 2 * i + 1:03d}") for i in range(12)]
P_X = make_id("520624", "19660708", "104")  # ends in X: written with a lowercase x
assert P_X.endswith("X")
# Numbers hidden where they do not belong (never on a roster's ID column).
H = [make_id("430922", f"19{60 + i}1{i % 3}0{1 + i % 9}", f"{200 + 2 * i:03d}") for i in range(12)]
H_X = next(n for n in (make_id("430922", "19791231", f"{s:03d}") for s in range(100, 200)) if n.endswith("X"))
HIDDEN = [*H, H_X]
BAD_CHECK = P[11][:-1] + ("0" if P[11][-1] != "0" else "1")  # an 18-digit typo in the ID column

_FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def grouped(number: str, sep: str = " ") -> str:
    """5206 2419 5004 1203 1X"""
    return sep.join([number[:4], number[4:8], number[8:12], number[12:16], number[16:]])


def hyphened(number: str) -> str:
    """520624-19500412-031X"""
    return f"{number[:6]}-{number[6:14]}-{number[14:]}"


def full_width(number: str) -> str:
    return number.translate(_FULL)


# --------------------------------------------------------------------------- scanning helpers

#: Characters anyone may put between the digits of an ID (removed before looking for it).
_SEPARATORS = re.compile(r"[\s\-_\u2010-\u2015\u2212\u200b-\u200d\u2060\ufeff]+")


def _flat(text: str) -> str:
    """NFKC (full-width to ASCII), separators removed, uppercase: every written form of
    a number becomes its 18 plain characters, whatever the scanner under test does."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()


def _texts(path: Path) -> list[str]:
    """Every text a file shows: raw bytes decoded, XML entities resolved, JSON strings,
    xlsx cell values and sheet names, zip member names and member XML."""
    data = path.read_bytes()
    out = [data.decode("utf-8", "replace")]
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                out.append(name)
                xml = z.read(name).decode("utf-8", "replace")
                out += [xml, html.unescape(xml)]
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            out.append(ws.title)
            out += [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    if path.suffix == ".json":
        stack = [json.loads(data)]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict):
                stack += [*item.keys(), *item.values()]
            elif isinstance(item, list):
                stack += item
    return out


def _leaks(texts: list[str], numbers: list[str]) -> list[str]:
    """Masked numbers whose 17-digit body (or whole number) appears in any of the texts."""
    flat = [_flat(t) for t in texts]
    return [mask_id(n) for n in numbers if any(n[:17] in f for f in flat)]


def _outside_payment_lists(out: Path) -> dict[str, list[str]]:
    """Relative path -> texts (its name included) of every file and folder outside payment_lists/."""
    found = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if rel.split("/")[0] == "payment_lists" and rel != "payment_lists":
            continue
        found[rel] = [rel] + (_texts(path) if path.is_file() else [])
    return found


# --------------------------------------------------------------------------- the rosters

HEADER = ["序号", "姓名", "身份证号码", "村", "类别"]


def _rows() -> list[list[str]]:
    """Rows hiding the numbers of HIDDEN in every text cell and in every written form."""
    return [
        ["1", f"张三{H[0]}", P[0], "青杠坝村", "特困"],  # whole, in a name
        ["2", f"李四 {grouped(H[1])}", P[1], "青杠坝村", "特困"],  # groups, in a name
        ["3", f"王五{hyphened(H[2])}", P[2], "大坪村", "农村低保"],  # hyphens, in a name
        ["4", "赵六", P[3], f"大坪村 {grouped(H[3])}", "特困"],  # groups, in a village
        ["5", "钱七", P[4], f"{full_width(H[4])}桃园村", "特困"],  # full width, village
        ["6", "孙八", P[5], "桃园村", f"特困 {H[5]} 农村低保"],  # whole, in a category
        ["7", "周九", P[6], "桃园村", f"特困 {grouped(H[6])} 农村低保"],  # split by spaces
        ["8", "吴十", P[7], "桃园村", f"特困、{grouped(full_width(H[7]), chr(0x3000))}"],
        ["9", f"郑一{H_X.lower()}", P[8], "关中坝社区", "特困"],  # lowercase x
        ["10", "冯二", P_X.lower(), "关中坝社区", "特困"],  # own number, x
        ["11", "陈三", hyphened(P[9]), "关中坝社区", "农村低保"],  # own number, hyphens
        ["12", "褚四", BAD_CHECK, "关中坝社区", "特困"],  # fails the check
        ["13", "卫五", P[10], f"关中坝社区{hyphened(full_width(H[8]))}", "特困"],
    ]


#: Row numbers (as in _rows) that are rejected: an ID in the category cell, a bad check digit.
REJECTED = {"6", "7", "8", "12"}


def _write_csv(folder: Path) -> Path:
    path = folder / f"低保名单{H[9]}.csv"  # an ID in the file name
    lines = [",".join(HEADER)] + [",".join(r) for r in _rows()]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _write_xlsx(folder: Path) -> Path:
    path = folder / f"特困 {grouped(full_width(H[10]))}.xlsx"  # full-width groups in the name
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = f"名单{grouped(H[11], '-')}"  # an ID in the sheet name
    ws.append(HEADER)
    for row in _rows():
        # the same people under their xlsx row; names differ so the rosters are two lists
        ws.append([row[0], row[1] + "甲", row[2], row[3], row[4]])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def rosters(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("rosters")
    return [_write_csv(folder), _write_xlsx(folder)]


@pytest.fixture(scope="module")
def run(rosters, tmp_path_factory):
    """``simulate roster`` in zh (text), en and --json; outputs and captured terminal text."""
    base = tmp_path_factory.mktemp("out")
    runs = {}
    for label, extra in (("zh", []), ("en", ["--lang", "en"]), ("json", ["--json"])):
        out = base / label
        capture = _Capture()
        with capture:
            rc = main(["roster", str(SCENARIO), *map(str, rosters), "--out", str(out), *extra])
        runs[label] = (rc, out, capture.out, capture.err)
    return runs


class _Capture:
    """stdout/stderr capture usable in a module-scoped fixture (capsys is per test)."""

    def __enter__(self):
        import io

        self._saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
        return self

    def __exit__(self, *exc):
        self.out, self.err = sys.stdout.getvalue(), sys.stderr.getvalue()
        sys.stdout, sys.stderr = self._saved
        return False


# --------------------------------------------------------------------------- roster outputs


@pytest.mark.parametrize("label", ["zh", "en", "json"])
def test_no_hidden_or_own_number_outside_payment_lists(run, label):
    rc, out, stdout, stderr = run[label]
    assert rc == 0, stderr
    files = _outside_payment_lists(out)
    assert {"bill.xlsx", "bill.json", "README.txt", "payment_lists"} <= set(files)
    everyone = HIDDEN + P + [P_X, BAD_CHECK]
    for rel, texts in files.items():
        assert not _leaks(texts, everyone), rel
    assert not _leaks([stdout, stderr], everyone)
    # the terminal does show the masked forms: the reader can find the rows
    shown = stdout
    if label == "json":
        shown = json.dumps(json.loads(stdout), ensure_ascii=False)
    assert mask_id(H[5]) in shown and mask_id(H[9]) in shown


def test_roster_command_in_a_subprocess(rosters, tmp_path):
    """The installed command: exit 0 with masked JSON; exit 2 with one masked line."""
    import subprocess

    exe = str(Path(sys.executable).with_name("simulate"))
    ok = subprocess.run(
        [exe, "roster", str(SCENARIO), *map(str, rosters), "--out", str(tmp_path / "ok"), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    j = json.loads(ok.stdout)
    assert j["rows_read"] == j["rows_used"] + j["rows_rejected"] == 2 * len(_rows())
    assert not _leaks([ok.stdout, ok.stderr], HIDDEN + P + [P_X, BAD_CHECK])
    assert mask_id(H[9]) in " ".join(j["files"])
    bad = subprocess.run(
        [exe, "roster", str(SCENARIO), str(rosters[0]), "--out", str(tmp_path / "bad"), "--as-of", full_width(H[1])],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and not bad.stdout
    assert "Traceback" not in bad.stderr and not _leaks([bad.stderr], HIDDEN), bad.stderr
    assert not (tmp_path / "bad").exists()


def test_fixture_rosters_with_hidden_numbers(tmp_path, capsys):
    """The made-up 思南县 rosters of tests/rosters, doctored: a number in a name, a village
    (merged down a block), a category cell and the file names; the 备注 column of the CSV
    (not a mapped column) is never shown at all."""
    tekun = openpyxl.load_workbook(ROSTERS / "minzheng_tekun.xlsx")
    ws = tekun.worksheets[0]
    header = [c.value for c in ws[3]]
    first = 4
    ws.cell(first, header.index("姓名") + 1).value = f"周老五（{hyphened(H[0])}）"
    ws.cell(first, header.index("村（社区）") + 1).value = f"青杠坝村{full_width(H[1])}"
    ws.cell(first + 3, header.index("人员类别") + 1).value = f"特困供养人员 {grouped(H[2])}"
    xlsx = tmp_path / f"特困{H[3]}.xlsx"
    tekun.save(xlsx)
    lines = (ROSTERS / "minzheng_dibao.csv").read_bytes().decode("gbk").splitlines()
    assert lines[3].startswith("1,") and lines[3].endswith(",")  # first row, empty 备注
    lines[3] = lines[3].replace("张德明,张德明", f"张德明,张德明 {grouped(H[4])}", 1) + H[5]
    dibao = tmp_path / f"低保 {hyphened(H[6])}.csv"
    dibao.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    out = tmp_path / "out"
    rc = main(
        ["roster", str(SCENARIO), str(dibao), str(xlsx), "--mapping", str(ROSTERS / "mapping.yaml"), "--out", str(out)]
    )
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert not _leaks([captured.out, captured.err], HIDDEN)
    files = _outside_payment_lists(out)
    for rel, texts in files.items():
        assert not _leaks(texts, HIDDEN), rel
    bill = json.loads((out / "bill.json").read_text("utf-8"))
    assert bill["rows_read"] == bill["rows_used"] + bill["rows_rejected"]
    reasons = " ".join(r["reason"] for r in bill["rejected"])
    assert mask_id(H[2]) in reasons  # the doctored category cell
    assert [mask_id(H[6]) in f or mask_id(H[3]) in f for f in bill["files"]] == [True, True]
    payment = [t for p in (out / "payment_lists").glob("*.xlsx") for t in _texts(p)]
    assert not _leaks(payment, HIDDEN)


def test_payment_lists_hold_own_numbers_only(run):
    _, out, _, _ = run["zh"]
    lists = sorted((out / "payment_lists").glob("*.xlsx"))
    assert lists
    texts = [t for path in lists for t in _texts(path)]
    flat = [_flat(t) for t in texts]
    accepted = [P[0], P[1], P[2], P[3], P[4], P[8], P_X, P[9], P[10]]
    for number in accepted:  # the payment lists are where full numbers belong
        assert any(number in f for f in flat), mask_id(number)
    assert not _leaks(texts, HIDDEN + [BAD_CHECK, P[5], P[6], P[7]])


def test_accounting_and_reasons(rosters):
    bill = roster_bill(SCENARIO, rosters)
    assert bill.rows_read == 2 * len(_rows()) == bill.rows_used + bill.rows_rejected
    rejected = bill.rejected_records()
    assert sorted({str(r["row"] - 1) for r in rejected}) == sorted(REJECTED)
    assert len(rejected) == 2 * len(REJECTED)
    for r in rejected:
        text = " ".join(str(v) for v in r.values())
        assert not _leaks([text], HIDDEN + P + [BAD_CHECK]), r
    by_row = {(r["file"].endswith(".csv"), r["row"] - 1): r for r in rejected}
    # an ID in the category cell: one unknown (masked) word, never its digit groups
    for row, hidden in ((6, H[5]), (7, H[6]), (8, H[7])):
        reason = by_row[(True, row)]["reason"]
        assert "unknown category word" in reason and mask_id(hidden) in reason, reason
        assert "'5206'" not in reason and "'4309'" not in reason
    bad = by_row[(True, 12)]
    assert "bad check digit" in bad["reason"] and bad["id_masked"] == mask_id(BAD_CHECK)
    assert "*" * 8 in bad["id_masked"]


def test_bill_xlsx_headers_and_sheet_names_masked(rosters, tmp_path):
    """A roster file name is a column value in several sheets; the persons sheet lists it."""
    bill = roster_bill(SCENARIO, rosters)
    out = bill.write(tmp_path / "out")
    wb = openpyxl.load_workbook(out / "bill.xlsx")
    cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert any(mask_id(H[9]) in c for c in cells)  # the csv's name, masked
    assert any(mask_id(H[10]) in c for c in cells)  # the xlsx's name, masked
    assert any(mask_id(H[0]) in c for c in cells)  # a name cell, masked
    assert any(mask_id(H[11]) in c for c in cells)  # the sheet name of rejected rows
    assert not _leaks(cells, HIDDEN)


def test_error_lines_are_masked(tmp_path, capsys):
    bad = tmp_path / f"{grouped(H[11], '-')}.csv"
    bad.write_text(f"名字,号码\n张三,{H[0]}\n", "utf-8")
    rc = main(["roster", str(SCENARIO), str(bad), "--out", str(tmp_path / "o")])
    captured = capsys.readouterr()
    assert rc == 2 and captured.err.startswith("simulate roster: ") and captured.err.count("\n") == 1
    assert mask_id(H[11]) in captured.err
    assert not _leaks([captured.err, captured.out], HIDDEN)
    assert not (tmp_path / "o").exists()
    # an argument echoed by argparse, a bad --as-of date
    for args in (["--lang", full_width(H[1])], ["--as-of", H[2]]):
        with pytest.raises(SystemExit) if args[0] == "--lang" else _nothing():
            rc = main(["roster", str(SCENARIO), str(bad), "--out", str(tmp_path / "o"), *args])
            assert rc == 2
        captured = capsys.readouterr()
        assert captured.err.count("\n") == 1 and not _leaks([captured.err], HIDDEN), captured.err


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_cli_safety_net_masks_any_simulate_error(monkeypatch, capsys):
    """An error raised anywhere with a number in it is masked by the CLI's error printer."""
    from simulate.cli import scenario

    def boom(args):
        raise SimulateError(f"名单 {grouped(H[3])}.csv", f"row 4: {H[4]} and {full_width(H[5])}")

    monkeypatch.setattr(scenario, "validate", boom)  # resolved by name when run
    assert main(["validate", "x.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and not _leaks([err], HIDDEN)
    assert mask_id(H[3]) in err and mask_id(H[4]) in err and mask_id(H[5]) in err


# --------------------------------------------------------------------------- population files


def test_population_file_with_an_id_in_the_wrong_column(tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text(
        "person_id,household_id,village,age,sex,disability_grade,identities,enrolled,timing\n"
        f"p1,h1,青杠坝村,{H[0]},F,0,rural_dibao,1,regular\n"
        f"p2,h1,{grouped(H[1])},40,F,0,rural_dibao,1,regular\n"
        f"p3,h2,青杠坝村,40,{full_width(H[2])},0,rural_dibao,1,regular\n"
        f"p4,h3,青杠坝村,40,F,{H[3]},,1,regular\n"
        f"p5,h4,青杠坝村,40,F,0,{H[4]},1,regular\n",
        "utf-8",
    )
    pop = read_population_csv(path, strict=False)
    assert pop.rows_read == 5 == len(pop) + len(pop.rejected)
    reasons = [r["reason"] for r in pop.rejected]
    assert len(reasons) == 4 and not _leaks(reasons, HIDDEN)
    assert any(mask_id(H[0]) in r for r in reasons)
    # a village written as an ID number becomes a masked village name
    assert not _leaks(list(pop.villages.zh) + list(pop.villages.ids), HIDDEN)
    rc = main(["run", str(SCENARIO), "--population", str(path)])
    captured = capsys.readouterr()
    assert rc == 2 and captured.err.count("\n") == 1, captured.err
    assert "age" in captured.err and not _leaks([captured.err, captured.out], HIDDEN)


# --------------------------------------------------------------------------- the leak scan


def _png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + b"".join(chunk(k, b) for k, b in chunks)
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )


def _clean_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "folder"
    (folder / "payment_lists").mkdir(parents=True)
    (folder / "payment_lists" / "medical_assistance.csv").write_text(f"{P[0]}\n", "utf-8")
    (folder / "README.txt").write_text(
        f"masked {mask_id(P[0])}; phone 13812345678; 0.012345679012345678; 1 2 3 4 5 6 7 8 9 10 11 12\n", "utf-8"
    )
    (folder / "chart.png").write_bytes(_png([(b"tEXt", b"Software\0matplotlib 3.8.2")]))
    return folder


def _refused(folder: Path) -> str:
    with pytest.raises(LeakError) as err:
        refuse_leaks(folder)
    message = err.value.one_line()
    assert "\n" not in str(err.value) and not _leaks([message], HIDDEN + P), message
    assert isinstance(err.value, SimulateError)
    return message


def test_leak_scan_passes_a_clean_folder(tmp_path):
    folder = _clean_folder(tmp_path)
    assert scan_folder(folder) == []
    refuse_leaks(folder)
    assert len(scan_folder(folder, exclude=())) == 1  # payment_lists/ is only excluded


@pytest.mark.parametrize("kind", ["tEXt", "zTXt", "iTXt"])
def test_leak_scan_png_text_chunks(tmp_path, kind):
    folder = _clean_folder(tmp_path)
    if kind == "tEXt":
        body = b"Title\0" + grouped(H[0]).encode("latin-1")
    elif kind == "zTXt":
        body = b"Comment\0\0" + zlib.compress(hyphened(H[0]).encode())
    else:
        body = b"Description\0\x01\0zh\0\0" + zlib.compress(full_width(H[0]).encode("utf-8"))
    (folder / "by_tier.png").write_bytes(_png([(kind.encode(), body)]))
    message = _refused(folder)
    assert message.startswith("by_tier.png:") and mask_id(H[0]) in message and kind in message


@pytest.mark.parametrize("runs", [False, True])
def test_leak_scan_xlsx_shared_string(tmp_path, runs):
    folder = _clean_folder(tmp_path)
    hidden = grouped(H[1])
    if runs:  # rich text: the number split over two formatting runs of one string
        hidden = f"{hidden[:9]}</t></r><r><rPr><b/></rPr><t>{hidden[9:]}"
    wb = openpyxl.Workbook()
    wb.active.append(["村", 1])
    wb.save(tmp_path / "plain.xlsx")
    with (
        zipfile.ZipFile(tmp_path / "plain.xlsx") as src,
        zipfile.ZipFile(folder / "tables.xlsx", "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr(
            "xl/sharedStrings.xml",  # the number sits in a shared string only
            '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><si><r><t>青杠坝村 {hidden}</t></r></si></sst>',
        )
    message = _refused(folder)
    assert message.startswith("tables.xlsx:") and "sharedStrings" in message
    assert mask_id(H[1]) in message


@pytest.mark.parametrize(
    "name",
    [
        lambda h: f"{h}.txt",
        lambda h: f"{full_width(h)}.json",
        lambda h: f"{grouped(h)}/a.txt",
        lambda h: f"村_{hyphened(h).lower()}.html",
    ],
)
def test_leak_scan_file_and_folder_names(tmp_path, name):
    folder = _clean_folder(tmp_path)
    target = folder / name(H_X)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("{}", "utf-8")
    message = _refused(folder)
    assert "file name" in message and mask_id(H_X) in message


@pytest.mark.parametrize(
    "name,content",
    [
        ("results.json", json.dumps({"village": full_width(H[2])})),  # \uff15 escapes
        ("report.html", "".join(f"&#{ord(c)};" for c in H[2])),  # character references
        ("index.html", f"<td>{H[2][:6]}<!-- -->{H[2][6:]}</td>".replace("<!-- -->", " ")),
        ("notes.csv", f"a,b\n1,{H[2].lower()}\n"),
        ("utf16.txt", "\ufeff" + grouped(H[2])),
        ("old.txt", f"旧号码 {H[2][:6] + H[2][8:17]}"),  # the 15-digit form of the same person
    ],
)
def test_leak_scan_text_forms(tmp_path, name, content):
    folder = _clean_folder(tmp_path)
    encoding = "utf-16" if name == "utf16.txt" else "utf-8"
    (folder / name).write_bytes(content.encode(encoding))
    message = _refused(folder)
    shown = mask_id(H[2][:6] + H[2][8:17]) if name == "old.txt" else mask_id(H[2])
    assert message.startswith(f"{name}:") and shown in message


def test_leak_error_pickles_for_sweep_workers():
    err = LeakError("bill.json", f"holds {mask_id(H[0])}")
    again = pickle.loads(pickle.dumps(err))
    assert isinstance(again, LeakError) and again.one_line() == err.one_line()


def test_bill_write_refuses_a_leaking_folder(rosters, tmp_path, monkeypatch, capsys):
    """Something writes a full number into the bill folder: nothing is published, exit 2."""
    from simulate.rosters import bill_folder

    real = bill_folder._write_into

    def leaky(bill, folder, lang):
        written = real(bill, folder, lang)
        (folder / "extra.txt").write_text(f"oops {grouped(H[0])}\n", "utf-8")
        return written

    monkeypatch.setattr(bill_folder, "_write_into", leaky)
    out = tmp_path / "out"
    rc = main(["roster", str(SCENARIO), *map(str, rosters), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("simulate roster: extra.txt: ") and err.count("\n") == 1
    assert mask_id(H[0]) in err and not _leaks([err], HIDDEN)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no folder, no temp folder


def test_report_publish_refuses_a_leaking_folder(tmp_path):
    from simulate.report.publish import publishing

    with pytest.raises(LeakError, match="report.html"):
        with publishing(tmp_path / "r", "report") as work:
            (work / "report.html").write_text(f"<p>{hyphened(H[3])}</p>", "utf-8")
    assert not (tmp_path / "r").exists()
    # a report has no payment lists: a folder of that name is scanned like any other
    with pytest.raises(LeakError, match="payment_lists/x.csv"):
        with publishing(tmp_path / "r", "report") as work:
            (work / "report.html").write_text("<p>ok</p>", "utf-8")
            (work / "payment_lists").mkdir()
            (work / "payment_lists" / "x.csv").write_text(H[3], "utf-8")
    assert not (tmp_path / "r").exists() and list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- the masker itself


@pytest.mark.parametrize(
    "form",
    [
        lambda n: n,
        lambda n: n.lower(),
        grouped,
        hyphened,
        full_width,
        lambda n: grouped(full_width(n), "\u3000"),
        lambda n: " ".join(n),
        lambda n: grouped(n, "\u200b"),
    ],
)
def test_every_written_form_is_masked(form):
    for number in (H[0], H_X):
        text = f"名单：{form(number)}。"
        masked = mask_ids_in_text(text)
        assert not _leaks([masked], [number]) and mask_id(number) in masked, masked
        assert [s.number for s in find_ids(text, strict=True)] == [number]


def test_ordinary_figures_are_left_alone():
    text = (
        "phone 13812345678, 2021-01-01, 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17, "
        "share 0.012345679012345678, 1,234,567.89 yuan"
    )
    assert find_ids(text, strict=True) == []
    masked = mask_ids_in_text(text)
    assert "13812345678" in masked and "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17" in masked


def test_sweep_publish_trusts_only_unchanged_published_runs(tmp_path, monkeypatch):
    """A sweep's runs were scanned as each was published: the sweep's own scan leaves out a run
    folder whose manifest still matches every file, and scans one changed since, or its name."""
    import simulate.report.publish as publish

    excluded: list[tuple[str, ...]] = []
    real = publish.refuse_leaks

    def spy(folder, *, exclude=(), **kw):
        excluded.append(tuple(exclude))
        return real(folder, exclude=exclude, **kw)

    monkeypatch.setattr(publish, "refuse_leaks", spy)
    with publish.publishing(tmp_path / "s", "sweep") as work:
        with publish.publishing(work / "01-run", "report") as run:
            (run / "report.html").write_text("<p>ok</p>", "utf-8")
    assert excluded[-1] == ("01-run",)
    # a file slipped into a published run afterwards: that run is scanned again and refused
    with pytest.raises(LeakError, match="02-run/late.txt"):
        with publish.publishing(tmp_path / "t", "sweep") as work:
            with publish.publishing(work / "02-run", "report") as run:
                (run / "report.html").write_text("<p>ok</p>", "utf-8")
            (work / "02-run" / "late.txt").write_text(hyphened(H[3]), "utf-8")
    assert not (tmp_path / "t").exists()
    # a published run whose folder name is a full ID number: refused, masked
    with pytest.raises(LeakError) as err:
        with publish.publishing(tmp_path / "u", "sweep") as work:
            with publish.publishing(work / H[3], "report") as run:
                (run / "report.html").write_text("<p>ok</p>", "utf-8")
    assert H[3] not in str(err.value) and not (tmp_path / "u").exists()
