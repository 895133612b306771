"""The leak scan done as files are written (simulate.io.leakscan.ProvedFile) never clears
what the scan of the finished file would find: however the bytes are cut into pieces, an ID
number anywhere leaves the file unproved, and only a file whose bytes are exactly the ones
proved is skipped by the publisher's scan."""

from __future__ import annotations

import json
import shutil
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_leakscan_fast import PIECES, VALID, _long_way

from simulate.io import leakscan
from simulate.io.digest import file_sha256
from simulate.io.leakscan import LeakError, ProvedFile, refuse_leaks, scan_folder
from simulate.rosters import bulkxlsx


def _fed(data: bytes, cuts: list[int]) -> ProvedFile:
    proof = ProvedFile()
    bounds = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    for a, b in zip(bounds, bounds[1:]):
        proof.feed(data[a:b])
    return proof


@settings(max_examples=300, deadline=None)
@given(PIECES, st.lists(st.integers(0, 10_000), max_size=5), st.sampled_from([7, 23, 64, 1 << 20]))
def test_a_stream_is_proved_clean_only_when_the_whole_is(pieces: list[str], cuts: list[int], size: int) -> None:
    text = "".join(pieces)
    sheet = f'<sheetData><row><c t="inlineStr"><is><t>{text}</t></is></c></row><row><c><v>1</v></c></row>'
    for data, name in (
        (text.encode(), "README.txt"),
        (sheet.encode(), "sheet1.xml"),
        (json.dumps({"k": [text, {text: 1}]}, ensure_ascii=False, indent=2).encode(), "bill.json"),
    ):
        leakscan._PIECE = size  # pieces as short as a few bytes: every cut and carry is exercised
        try:
            proof = _fed(data, cuts)
        finally:
            leakscan._PIECE = 1 << 20
        if _long_way(data, name):
            assert not proof.clean, (name, text, cuts)


def test_an_id_at_any_cut_is_found() -> None:
    """A valid number written whole, in groups or full width, cut at every byte."""
    for number in (
        VALID[0],
        "520624 1950 0412 031" + VALID[0][-1],
        VALID[1].translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ):
        for text in (
            f'<row><c t="inlineStr"><is><t>王{number}村</t></is></c></row>',
            f"<row><c><v>{number}</v></c></row>",
            f'{{"name": "王{number}村"}}',
            f"王{number}村\n",
        ):
            data = text.encode()
            for cut in range(len(data) + 1):
                assert not _fed(data, [cut]).clean, (text, cut)
                assert not _fed(data, [cut, cut + 3, cut + 9]).clean, (text, cut)
    clean = b'<row><c t="inlineStr"><is><t>520624********0316</t></is></c><c><v>12345678901</v></c></row>' * 3
    # cut after a cell or a row (as the writers cut), a clean stream is proved clean
    ends = [k + 1 for k in range(len(clean)) if clean[: k + 1].endswith((b"</c>", b"</row>"))]
    assert all(_fed(clean, [cut]).clean for cut in [0, *ends])


def test_nested_zips_pngs_and_long_members_are_left_to_the_long_way() -> None:
    for start in (b"PK\x03\x04rest", b"\x89PNG\r\n\x1a\nrest"):
        assert not _fed(start, []).clean
    proof = ProvedFile()
    proof.member("xl/worksheets/sheet1.xml")
    proof.feed(b"<a/>" * (leakscan.MAX_MEMBER_BYTES // 4 + 1))
    assert not proof.clean
    proof = ProvedFile()
    proof.member(f"xl/{VALID[0]}.xml")  # a member named with a number
    assert not proof.clean


def _sheet(n: int, name: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "证号": [f"520624********{i % 10_000:04d}" for i in range(n)],
            "姓名": [name if i == n // 2 else f"张{i % 50}" for i in range(n)],
            "金额（元）": np.arange(n) / 100,
        }
    )


def test_a_bulk_workbook_is_proved_and_skipped_only_while_unchanged(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(bulkxlsx, "BULK_ROWS", 50)
    monkeypatch.setattr(bulkxlsx, "BLOCK_ROWS", 13)
    folder = tmp_path / "out"
    folder.mkdir()
    proof = ProvedFile()
    bulkxlsx.write_workbook(folder / "bill.xlsx", {"人员明细": _sheet(300, "李四")}, proof=proof)
    assert proof.proved(folder / "bill.xlsx")
    digests = {"bill.xlsx": file_sha256(folder / "bill.xlsx")}
    assert scan_folder(folder, digests=digests) == []
    # the same bytes with an ID put in: another digest, so the scan reads it again and finds it
    with zipfile.ZipFile(folder / "bill.xlsx", "a") as z:
        z.writestr("xl/extra.xml", f"<t>{VALID[0]}</t>")
    found = scan_folder(folder, digests={"bill.xlsx": file_sha256(folder / "bill.xlsx")})
    assert [leak.path for leak in found] == ["bill.xlsx"]
    with pytest.raises(LeakError):
        refuse_leaks(folder, digests={"bill.xlsx": file_sha256(folder / "bill.xlsx")})


def test_a_bulk_workbook_with_an_id_is_not_proved(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(bulkxlsx, "BULK_ROWS", 50)
    for name, where in ((f"王{VALID[1]}", "sheet"), ("李四", "title")):
        proof = ProvedFile()
        title = f"名单{VALID[2]}"[:31] if where == "title" else "人员明细"
        path = tmp_path / f"{where}.xlsx"
        bulkxlsx.write_workbook(path, {title: _sheet(200, name)}, proof=proof)
        assert not proof.proved(path)
        folder = tmp_path / where
        folder.mkdir()
        shutil.copy(path, folder / "bill.xlsx")
        assert scan_folder(folder, digests={"bill.xlsx": file_sha256(folder / "bill.xlsx")})
