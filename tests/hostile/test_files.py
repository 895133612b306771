"""Hostile files (issue 10 item 4): nothing a user names can hang or exhaust the machine.

Each input goes through the command a user would run; the answer is exit 2 and one line
on stderr naming the file and the reason. Every test carries a pytest-timeout marker: a
regression that blocks on a FIFO or reads /dev/zero fails by timeout, not by hanging CI.
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from simulate.cli import main
from simulate.io import safeio, xlsxguard
from simulate.io import text as textio


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """These tests read the English wording of messages: an English locale (simulate/lang.py)
    picks it for in-process calls and subprocesses alike; the Chinese wording is tested in
    tests/test_lang.py and tests/test_bad_scenarios.py."""
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")


ROOT = Path(__file__).resolve().parents[2]
SINAN = str(ROOT / "scenarios" / "sinan-2021.yaml")
ROSTER = str(ROOT / "tests" / "rosters" / "minzheng_dibao.csv")
HEADER = "person_id,household_id,village,age,sex,disability_grade,identities,enrolled,timing\n"

pytestmark = pytest.mark.timeout(60)


def refused(capsys, argv: list[str], names: str, reason: str) -> str:
    """Run the CLI in-process; assert exit 2 and exactly one stderr line naming ``names``
    (the file) and ``reason``. Returns the line."""
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert names in lines[0], lines[0]
    assert reason in lines[0], lines[0]
    assert "Traceback" not in err
    return lines[0]


# --------------------------------------------------------------------------- not regular files


@pytest.fixture
def hostile(request, tmp_path):
    """A path that is not a regular file: /dev/zero, a FIFO, a directory or a socket."""
    kind = request.param
    if kind == "dev-zero":
        yield "/dev/zero", "character device"
    elif kind == "fifo":
        path = tmp_path / "pipe.csv"
        os.mkfifo(path)
        yield str(path), "named pipe (FIFO)"
    elif kind == "directory":
        path = tmp_path / "folder.csv"
        path.mkdir()
        yield str(path), "is a directory"
    else:  # a Unix socket path must be short: not under pytest's long tmp_path
        short = tempfile.mkdtemp(prefix="sk")
        path = Path(short) / "s.csv"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        try:
            yield str(path), "is a socket"
        finally:
            sock.close()
            shutil.rmtree(short, ignore_errors=True)


KINDS = ["dev-zero", "fifo", "directory", "socket"]


def _commands(p: str, out: str) -> dict[str, list[str]]:
    return {
        "validate": ["validate", p],
        "run --population": ["run", SINAN, "--population", p],
        "report --population": ["report", SINAN, "--population", p, "--out", out],
        "run --set-file": ["run", SINAN, "--set-file", p],
        "roster FILE": ["roster", SINAN, p, "--out", out],
        "roster --mapping": ["roster", SINAN, ROSTER, "--mapping", p, "--out", out],
        "region": ["region", p],
    }


@pytest.mark.parametrize("hostile", KINDS, indirect=True)
@pytest.mark.parametrize("command", list(_commands("", "")))
def test_only_regular_files_are_read(hostile, command, capsys, tmp_path):
    path, reason = hostile
    argv = _commands(path, str(tmp_path / "out"))[command]
    # the roster messages name the file by its name, the others by the path given
    refused(capsys, argv, Path(path).name if command.startswith("roster") else path, reason)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("hostile", ["fifo", "dev-zero"], indirect=True)
def test_extends_and_villages_file_naming_a_device(hostile, capsys, tmp_path):
    path, reason = hostile
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {path}\nid: child\n", "utf-8")
    refused(capsys, ["validate", str(child)], path, reason)
    # a villages file named by a scenario is a user's file too
    vill = tmp_path / "vill.yaml"
    vill.write_text(f"extends: {SINAN}\nid: vill\narea:\n  villages_file: {path}\n", "utf-8")
    refused(capsys, ["run", str(vill), "--size", "100"], path, reason)


def test_fifo_in_a_subprocess_does_not_block(tmp_path):
    # a writer never opens the FIFO: a plain open() for reading would block for ever
    fifo = tmp_path / "people.csv"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-m", "simulate", "run", SINAN, "--population", str(fifo)],
        capture_output=True,
        text=True,
        timeout=50,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(fifo) in lines[0] and "named pipe (FIFO)" in lines[0], proc.stderr


def test_dev_stdin_pipe_in_a_subprocess_does_not_block():
    # stdin is a pipe the test keeps open and never writes: reading it would wait for ever
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulate", "validate", "/dev/stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        out, err = proc.communicate(timeout=50)  # communicate closes stdin only after
    except subprocess.TimeoutExpired:  # the child exits; on a hang, kill it
        proc.kill()
        proc.communicate()
        raise
    assert proc.returncode == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "/dev/stdin" in lines[0] and "named pipe" in lines[0], err


def test_fifo_swapped_in_after_stat_does_not_block(tmp_path, monkeypatch):
    # the race: stat says regular file, then the path is a FIFO when opened (O_NONBLOCK +
    # fstat catch it); simulated by answering the first stat with a regular file's mode
    fifo = tmp_path / "swap.yaml"
    os.mkfifo(fifo)
    real_stat = os.stat
    regular = real_stat(SINAN)

    def lying_stat(path, *a, **k):
        return regular if str(path) == str(fifo) else real_stat(path, *a, **k)

    monkeypatch.setattr(safeio.os, "stat", lying_stat)
    with pytest.raises(safeio.SimulateError, match="named pipe"):
        safeio.read_capped(fifo, 1000, "scenario file")


# --------------------------------------------------------------------------- size caps


def test_oversized_scenario_is_refused_without_reading_it(capsys, tmp_path):
    # sparse: 4 GiB on stat, nothing on disk; read whole it would take minutes and 4 GiB
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.write(b"id: big\n")
        fh.truncate(4 * 1024**3)
    refused(capsys, ["validate", str(big)], str(big), "limited to 1,000,000 bytes")


def test_cap_is_on_bytes_read_not_on_stat_size(tmp_path, monkeypatch):
    # /proc files and growing files report a size of 0: the cap must still hold
    path = tmp_path / "grows.yaml"
    path.write_bytes(b"a: 1\n" * 1000)
    zero = os.stat(path)
    monkeypatch.setattr(safeio.os, "stat", lambda p, *a, **k: os.stat_result((zero.st_mode,) + (0,) * 9))
    with pytest.raises(safeio.SimulateError, match="limited to 4,000 bytes"):
        safeio.read_capped(path, 4000, "scenario file")
    assert safeio.read_capped(path, 5000, "scenario file") == b"a: 1\n" * 1000


def test_proc_file_is_read_within_the_cap():
    # a real /proc file: stat size 0, content non-empty; read, and refused past a small cap
    data = safeio.read_capped("/proc/self/status", 1_000_000, "test file")
    assert b"Name:" in data
    with pytest.raises(safeio.SimulateError, match="limited to 10 bytes"):
        safeio.read_capped("/proc/self/status", 10, "test file")


@pytest.mark.parametrize(
    "command, suffix, limit",
    [
        ("run --set-file", ".csv", "limited to 1,048,576 bytes (1 MiB)"),
        ("roster FILE", ".csv", "limited to 268,435,456 bytes (256 MiB)"),
        ("region", ".csv", "limited to 1,048,576 bytes (1 MiB)"),
        ("roster --mapping", ".yaml", "limited to 1,000,000 bytes"),
    ],
)
def test_oversized_files(capsys, tmp_path, command, suffix, limit):
    path = tmp_path / f"big{suffix}"
    with path.open("wb") as fh:
        fh.truncate(300 * 1024**2)  # sparse 300 MiB of NUL bytes
    argv = _commands(str(path), str(tmp_path / "out"))[command]
    refused(capsys, argv, path.name, limit)


# --------------------------------------------------------------------------- workbooks

_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _cells(rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>{a}</t></is></c>'
        f'<c r="B{i}" t="inlineStr"><is><t>{b}</t></is></c></row>'
        for i, (a, b) in enumerate(rows, start=1)
    )
    return body


def workbook(
    path: Path, dimension: str = "A1:B2", body: str | None = None, tail: str = "", sheet_xml: bytes | None = None
) -> Path:
    """A minimal .xlsx written by hand (zipfile), so any field can be made hostile."""
    if body is None:
        body = _cells([("path", "value"), ("contribution.personal", "400")])
    xml = (
        sheet_xml
        if sheet_xml is not None
        else (f'{_SHEET_HEAD}<dimension ref="{dimension}"/><sheetData>{body}</sheetData>{tail}</worksheet>').encode()
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", xml)
    return path


def test_handmade_workbook_is_read(capsys, tmp_path):
    # the control: the same hand-made workbook with sane refs is accepted as overrides
    good = workbook(tmp_path / "good.xlsx")
    assert main(["run", SINAN, "--set-file", str(good), "--size", "200", "--json"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("command", ["run --set-file", "roster FILE"])
@pytest.mark.parametrize(
    "case, kwargs, reason",
    [
        ("dimension", {"dimension": "A1:XFD1048576"}, "declared dimension A1:XFD1048576 reaches row 1,048,576"),
        (
            "lying dimension",
            {"body": _cells([("a", "b")]) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'},
            "a cell reaches row 1,048,576, column XFD",
        ),
        (
            "merged",
            {"tail": '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'},
            "merged range A1:XFD1048576",
        ),
        ("wide", {"dimension": "A1:ZZZ2"}, "column ZZZ"),
    ],
)
def test_absurd_sheet_dimensions(capsys, tmp_path, command, case, kwargs, reason):
    book = workbook(tmp_path / "absurd.xlsx", **kwargs)
    argv = _commands(str(book), str(tmp_path / "out"))[command]
    line = refused(capsys, argv, "absurd.xlsx", reason)
    assert "limited to" in line


def _bomb(path: Path, mib: int) -> Path:
    """A sheet of ``mib`` MiB of repeated cells, deflated to a few hundred KiB."""
    block = b'<c r="A1"><v>1</v></c>' * 47_000  # about 1 MiB of one cell, over and over
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write((_SHEET_HEAD + '<dimension ref="A1"/><sheetData><row r="1">').encode())
            for _ in range(mib):
                fh.write(block)
            fh.write(b"</row></sheetData></worksheet>")
    return path


@pytest.fixture(scope="module")
def bomb300(tmp_path_factory) -> Path:
    """300 MiB of sheet XML in under 3 MiB, built once for the tests below."""
    return _bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", 300)


@pytest.mark.parametrize("command", ["run --set-file", "roster FILE"])
@pytest.mark.parametrize(
    "mib, reason",
    [
        (300, None),  # past the cap, by its declared size
        (20, "expands more than 100 times its compressed size (a zip bomb?)"),  # under the cap: ratio,
    ],
)  # on bytes actually decompressed
def test_zip_bomb(capsys, tmp_path, command, mib, reason, bomb300):
    book = bomb300 if mib == 300 else _bomb(tmp_path / "bomb.xlsx", mib)
    assert book.stat().st_size < 3 * 1024**2
    if reason is None and command == "roster FILE":
        # a roster's cap is 1 GiB a part (a 1 M-row sheet is ~460 MB of XML): the ratio refuses it
        reason = "expands more than 100 times its compressed size (a zip bomb?)"
    if reason is None:
        size = zipfile.ZipFile(book).getinfo("xl/worksheets/sheet1.xml").file_size
        reason = f"xl/worksheets/sheet1.xml expands to {size:,} bytes; the limit is "
    argv = _commands(str(book), str(tmp_path / "out"))[command]
    refused(capsys, argv, "bomb.xlsx", reason)


@pytest.mark.parametrize("command", ["run --set-file", "roster FILE"])
def test_zip_bomb_understating_its_size(capsys, tmp_path, command, bomb300):
    # the central directory claims 1,000 bytes for a 300 MiB sheet: the declared-size checks
    # pass, the bytes actually read disagree with the claim, and the file is refused
    book = tmp_path / "bomb.xlsx"
    book.write_bytes(_declare_size(bomb300.read_bytes(), "xl/worksheets/sheet1.xml", 1000))
    assert zipfile.ZipFile(book).getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    argv = _commands(str(book), str(tmp_path / "out"))[command]
    refused(capsys, argv, "bomb.xlsx", "not a readable .xlsx file (part xl/worksheets/sheet1.xml")


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with ``name``'s declared uncompressed size set to ``size`` (central directory)."""
    buf = bytearray(data)
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = zf.getinfo(name)
    at = buf.find(b"PK\x01\x02")
    while at >= 0:
        n = int.from_bytes(buf[at + 28 : at + 30], "little")
        if buf[at + 46 : at + 46 + n] == name.encode():
            if int.from_bytes(buf[at + 24 : at + 28], "little") != 0xFFFFFFFF:
                buf[at + 24 : at + 28] = size.to_bytes(4, "little")
            break
        at = buf.find(b"PK\x01\x02", at + 4)
    assert info.file_size > size
    return bytes(buf)


def test_dtd_in_a_workbook_part_is_refused(tmp_path):
    xml = (
        _SHEET_HEAD.replace("<worksheet", '<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet') + "<sheetData/></worksheet>"
    ).encode()
    book = workbook(tmp_path / "dtd.xlsx", sheet_xml=xml)
    with pytest.raises(safeio.SimulateError, match="DTD"):
        xlsxguard.inspect_xlsx(book.read_bytes(), safeio.ROSTER_XLSX, "dtd.xlsx")


@pytest.mark.parametrize("command", ["run --set-file", "roster FILE"])
@pytest.mark.parametrize(
    "name, data, reason",
    [
        (
            "locked.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 2000,
            "workbook is password-protected: save it without a password",
        ),
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "Workbook".encode("utf-16-le") + b"\0" * 2000,
            "old Excel 97-2003 (.xls) format is not supported",
        ),
        (
            "page.xls",
            b"<html><body><table><tr><td>1</td></tr></table></body></html>",
            "HTML or XML text with an Excel name",
        ),
        ("text.xlsx", b"path,value\ncontribution.personal,400\n", "the file is text (CSV?)"),
        ("noise.xlsx", bytes(range(256)) * 4, "not an Excel workbook (.xlsx is a zip file"),
        ("other.xlsx", None, "a zip file but not an Excel workbook"),
    ],
)
def test_workbooks_that_are_not_xlsx(capsys, tmp_path, command, name, data, reason):
    path = tmp_path / name
    if data is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("readme.txt", "hello")
    else:
        path.write_bytes(data)
    argv = _commands(str(path), str(tmp_path / "out"))[command]
    refused(capsys, argv, name, reason)


# --------------------------------------------------------------------------- encodings

_ROWS_ZH = [
    ("p1", "h1", "思南县塘头镇青杠坝村", "40", "F"),
    ("p2", "h1", "思南县塘头镇青杠坝村", "42", "M"),
    ("p3", "h2", "许家坝镇龙门村", "70", "F"),
]
_ROWS_BIG5 = [
    ("p1", "h1", "思南縣塘頭鎮青杠壩村", "40", "F"),
    ("p2", "h1", "思南縣塘頭鎮青杠壩村", "42", "M"),
    ("p3", "h2", "許家壩鎮龍門村", "70", "F"),
]


def _population(rows) -> str:
    return HEADER + "".join(f"{p},{h},{v},{a},{s},0,,1,regular\n" for p, h, v, a, s in rows)


def test_big5_population_gets_its_own_message(capsys, tmp_path):
    path = tmp_path / "big5.csv"
    path.write_bytes(_population(_ROWS_BIG5).encode("big5"))
    refused(capsys, ["run", SINAN, "--population", str(path)], str(path), "looks like Big5 (traditional Chinese)")


def test_gbk_population_is_not_mistaken_for_big5(capsys, tmp_path):
    # the same people saved as GBK (simplified), with rare name characters outside GB2312
    path = tmp_path / "gbk.csv"
    rows = _ROWS_ZH + [("p4", "h3", "堃喆村", "30", "M"), ("p5", "h3", "犇镕村", "31", "F")]
    path.write_bytes(_population(rows).encode("gbk"))
    assert textio.looks_big5(path.read_bytes()) is False
    assert main(["run", SINAN, "--population", str(path), "--json"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("codec, bom", [("utf-16-le", True), ("utf-16-le", False), ("utf-16-be", False)])
def test_utf16_population_gets_its_own_message(capsys, tmp_path, codec, bom):
    path = tmp_path / "u16.csv"
    path.write_bytes((b"\xff\xfe" if bom else b"") + _population(_ROWS_ZH).encode(codec))
    line = refused(capsys, ["run", SINAN, "--population", str(path)], str(path), "save it as UTF-8 or GBK")
    assert "file is UTF-16 text" in line


@pytest.mark.parametrize(
    "codec, text, reason",
    [
        (
            "big5",
            "姓名,身份證號碼,類別\n張三,520624195004120316,農村低保\n李四,520624195308180625,特困供養\n",
            "looks like Big5",
        ),
        ("utf-16-le", "姓名,身份证号码,类别\n张三,520624195004120316,农村低保\n", "UTF-16 text (no byte-order mark)"),
    ],
)
def test_roster_encodings_get_their_own_message(capsys, tmp_path, codec, text, reason):
    path = tmp_path / "名册.csv"
    path.write_bytes(text.encode(codec))
    line = refused(capsys, ["roster", SINAN, str(path), "--out", str(tmp_path / "out")], "名册.csv", reason)
    assert "520624195004120316" not in line


def test_scenario_in_utf16_gets_its_own_message(capsys, tmp_path):
    path = tmp_path / "u16.yaml"
    path.write_bytes(Path(SINAN).read_text("utf-8").encode("utf-16"))
    refused(capsys, ["validate", str(path)], str(path), "file is UTF-16 text: save it as UTF-8")


def test_ascii_head_then_gbk_is_read(capsys, tmp_path):
    # codec chosen on the first 256 KiB; a GBK village far below an ASCII start still reads
    path = tmp_path / "late.csv"
    rows = "".join(f"a{i},h{i},cun,40,F,0,,1,regular\n" for i in range(12_000))
    path.write_bytes((HEADER + rows + "z1,hz,许家坝镇龙门村,50,M,0,,1,regular\n").encode("gbk"))
    assert path.stat().st_size > 256 * 1024
    pop = __import__("simulate").read_population_csv(path)
    assert len(pop) == 12_001 and "许家坝镇龙门村" in pop.villages.ids


def test_mixed_encodings_name_the_line(capsys, tmp_path):
    path = tmp_path / "mixed.csv"
    head = HEADER + "p1,h1,许家坝镇,40,F,0,,1,regular\n"
    pad = "".join(f"a{i},h,v,40,F,0,,1,regular\n" for i in range(20_000))
    path.write_bytes((head + pad).encode("utf-8") + "p3,h3,龙门村,40,F,0,,1,regular\n".encode("gbk"))
    refused(capsys, ["run", SINAN, "--population", str(path)], f"{path}: line 20003", "the file mixes encodings")


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    "field, where, reason",
    [
        # 10 MB on one line: stopped by the line limit before the line is held whole
        ("村" * 3_500_000, "line 2", "longer than 1 MiB (the limit for a line of a population CSV)"),
        # a quoted field with line breaks: each line is short, the field is not
        ('"' + ("x" * 1000 + "\n") * 10_000 + '"', "line", "a field is longer than 131,072 characters"),
        # one long field on a line under the line limit
        ("v" * 40_000, "line 2, column 3", "a field of 40,000 characters; the limit is 32,767"),
    ],
)
def test_huge_fields(capsys, tmp_path, field, where, reason):
    path = tmp_path / "field.csv"
    path.write_bytes((HEADER + "p1,h1," + field + ",40,F,0,,1,regular\n").encode())
    refused(capsys, ["run", SINAN, "--population", str(path)], f"{path}: {where}", reason)


def test_too_many_villages(capsys, tmp_path):
    path = tmp_path / "villages.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for i in range(safeio.MAX_VILLAGES + 1):
            fh.write(f"p{i},h{i},v{i},40,F,0,,1,regular\n")
    refused(
        capsys,
        ["run", SINAN, "--population", str(path)],
        f"{path}: row {safeio.MAX_VILLAGES + 2}, column village",
        "more than 65,535 different villages",
    )


def test_too_many_rows_in_a_villages_file(capsys, tmp_path):
    vfile = tmp_path / "v.csv"
    vfile.write_text(
        "village_id,zh,en,residents,task\n" + "".join(f"v{i},村{i},v{i},1,1\n" for i in range(safeio.MAX_VILLAGES + 1)),
        "utf-8",
    )
    scen = tmp_path / "s.yaml"
    scen.write_text(f"extends: {SINAN}\nid: s\narea:\n  villages_file: {vfile}\n", "utf-8")
    refused(capsys, ["run", str(scen), "--size", "100"], str(vfile), "65,536 villages; the limit is 65,535")


def test_rows_and_columns_limits_of_a_population_csv(capsys, tmp_path, monkeypatch):
    # the real row limit is 10 million (a 400 MB file); the check is the same at 50
    monkeypatch.setattr(safeio, "POPULATION", dataclasses.replace(safeio.POPULATION, max_rows=50))
    path = tmp_path / "rows.csv"
    path.write_text(HEADER + "".join(f"p{i},h,v,40,F,0,,1,regular\n" for i in range(51)), "utf-8")
    refused(
        capsys,
        ["run", SINAN, "--population", str(path)],
        str(path),
        "more than 50 rows, the limit for a population CSV",
    )
    wide = tmp_path / "wide.csv"
    wide.write_text(HEADER.strip() + "," * 100 + "\n", "utf-8")
    refused(
        capsys,
        ["run", SINAN, "--population", str(wide)],
        f"{wide}: line 1",
        "109 columns; a population CSV may have at most 64",
    )
    assert safeio.POPULATION.max_rows == 50


def test_overrides_workbook_row_limit(capsys, tmp_path):
    rows = [("path", "value")] + [(f"x{i}", "1") for i in range(safeio.OVERRIDE_XLSX.max_rows)]
    book = workbook(tmp_path / "rows.xlsx", dimension="A1", body=_cells(rows))
    refused(capsys, ["run", SINAN, "--set-file", str(book)], "rows.xlsx", "reaches row 10,001")


def test_extends_chain_limit(capsys, tmp_path):
    prev = SINAN
    for i in range(13):
        p = tmp_path / f"c{i}.yaml"
        p.write_text(f"extends: {prev}\nid: c{i}\n", "utf-8")
        prev = str(p)
    refused(capsys, ["validate", prev], "extends", "chain longer than 10 files")


def test_old_mac_line_ends_are_read(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(_population(_ROWS_ZH).replace("\n", "\r").encode("utf-8"))
    pop = __import__("simulate").read_population_csv(path)
    assert len(pop) == 3


@pytest.mark.parametrize("hostile", ["fifo", "dev-zero"], indirect=True)
def test_region_rows_naming_a_device(hostile, capsys, tmp_path):
    path, reason = hostile
    region = tmp_path / "region.csv"
    region.write_text(f"county,scenario,population\n甲县,{path},100\n", "utf-8")
    refused(capsys, ["region", str(region)], f"{region}: row 2, column scenario", reason)
    region.write_text(f"county,scenario,population\n甲县,{SINAN},{path}\n", "utf-8")
    refused(capsys, ["region", str(region)], f"{region}: row 2, column population", reason)


_TRAD = "思南縣塘頭鎮青杠壩村 張三 李四 許家壩鎮龍門村 農村低保 特困供養 劉德華 陳國強"
_SIMP = "思南县塘头镇青杠坝村 张三 李四 许家坝镇龙门村 农村低保 特困供养 刘德华 陈国强"


@pytest.mark.parametrize(
    "data, big5",
    [
        (_TRAD.encode("big5"), True),
        (_SIMP.encode("gbk"), False),
        (_TRAD.encode("gbk"), False),  # traditional characters saved as GBK are GBK
        (_SIMP.encode("utf-8"), False),
        ("張三".encode("big5"), False),  # too few characters to judge: not claimed
    ],
)
def test_big5_judgement(data, big5):
    assert textio.looks_big5(data) is big5


def test_cells_limit(tmp_path):
    book = workbook(tmp_path / "cells.xlsx", body=_cells([("a", "b")] * 20), dimension="A1:B20")
    few = dataclasses.replace(safeio.OVERRIDE_XLSX, max_cells=30)
    with pytest.raises(safeio.SimulateError, match="cells.xlsx: sheet sheet1.xml has more than 30 cells"):
        xlsxguard.inspect_xlsx(book.read_bytes(), few, "cells.xlsx")
    xlsxguard.inspect_xlsx(book.read_bytes(), safeio.OVERRIDE_XLSX, "cells.xlsx")  # 40 cells: fine


def test_too_many_villages_on_rosters(capsys, tmp_path, monkeypatch):
    # the real limit is 65,535 (a 16-bit index; past it numpy overflowed: exit 3); the
    # check is the same at 5, which keeps the roster small enough to read in a test
    import simulate.rosters.bill

    monkeypatch.setattr(simulate.rosters.bill, "MAX_VILLAGES", 5)
    monkeypatch.syspath_prepend(str(ROOT / "tests"))
    from _ids import make_id

    path = tmp_path / "villages.csv"
    path.write_text(
        "姓名,身份证号码,类别,村\n"
        + "".join(f"张{i},{make_id('520624', f'1950010{i + 1}', '001')},特困,村{i}\n" for i in range(6)),
        "utf-8",
    )
    refused(
        capsys,
        ["roster", SINAN, str(path), "--out", str(tmp_path / "out")],
        "villages.csv",
        "6 different villages; one bill may have at most 5",
    )
    assert not (tmp_path / "out").exists()
    assert safeio.MAX_VILLAGES == 65_535
