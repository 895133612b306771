"""policy-to-excel / policy-from-excel: every scenario in scenarios/ comes back as an identical
validated policy; a hostile cell is one line naming sheet, row and column (issue 15, item 4)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from simulate.cli import main
from simulate.policy import load_scenario
from simulate.policy.workbook_io import (
    PARAM_SHEET,
    TIER_COLUMNS,
    TIER_SHEET,
    read_policy_workbook,
)
from simulate.vocabulary import label

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml"))
COL = {key: i + 1 for i, (key, _, _) in enumerate(TIER_COLUMNS)}


def test_scenarios_found():
    assert len(SCENARIOS) >= 5


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_round_trip_identical(tmp_path, path, capsys):
    book, back = tmp_path / "b.xlsx", tmp_path / "s.yaml"
    assert main(["policy-to-excel", str(path), "--out", str(book)]) == 0
    assert main(["policy-from-excel", str(book), "--out", str(back)]) == 0
    assert load_scenario(back).policy.model_dump() == load_scenario(path).policy.model_dump()
    wb = openpyxl.load_workbook(book)
    assert wb[TIER_SHEET].max_row - 1 == len(load_scenario(path).policy.tiers)


def _book_with(tmp_path, sheet: str, row: int, col: int, value) -> Path:
    book = tmp_path / f"b{len(list(tmp_path.glob('*.xlsx')))}.xlsx"
    assert main(["policy-to-excel", str(REPO / "scenarios" / "langxi-2024.yaml"), "--out", str(book)]) == 0
    wb = openpyxl.load_workbook(book)
    wb[sheet].cell(row=row, column=col, value=value)
    wb.save(book)
    return book


def _param_row(book: Path, path: str) -> int:
    ws = openpyxl.load_workbook(book)[PARAM_SHEET]
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == path)


# the tier row of langxi's dibao (fixed_subsidy 342) is row 3
@pytest.mark.parametrize(
    "value,column,reason",
    [
        ("1:10", "amount", "':'"),
        ("<script>alert(1)</script>", "amount", "expected an amount"),
        ("342.125", "amount", "more than 2 decimals"),
        ("<script>", "id", "ids are lower-case"),
        ("150", "percent", None),
    ],
)
def test_hostile_tier_cell(tmp_path, capsys, value, column, reason):
    book = _book_with(tmp_path, TIER_SHEET, 3, COL[column], value)
    assert main(["policy-from-excel", str(book), "--out", str(tmp_path / "s.yaml"), "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    letter = openpyxl.utils.get_column_letter(COL[column])
    assert f"sheet {TIER_SHEET}, row 3, column {letter}" in err
    if reason:
        assert reason in err
    assert not (tmp_path / "s.yaml").exists()


def test_hostile_parameter_cell(tmp_path, capsys):
    probe = _book_with(tmp_path, PARAM_SHEET, 1, 1, "参数路径 path")
    row = _param_row(probe, "contribution.personal")
    for value, reason in (("1:10", "':'"), ("380.001", "more than 2 decimals"), ("<script>", "expected an amount")):
        book = _book_with(tmp_path, PARAM_SHEET, row, 2, value)
        assert main(["policy-from-excel", str(book), "--out", str(tmp_path / "s.yaml"), "--lang", "en"]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and f"sheet {PARAM_SHEET}, row {row}, column B" in err, err
        assert reason in err


def test_leading_zero_is_decimal(tmp_path):
    """0400 is four hundred yuan (the project's decimal rule), never octal 256."""
    probe = _book_with(tmp_path, PARAM_SHEET, 1, 1, "参数路径 path")
    book = _book_with(tmp_path, PARAM_SHEET, _param_row(probe, "contribution.personal"), 2, "0400")
    _, policy = read_policy_workbook(book)
    assert policy.contribution.personal == 40000


def test_not_a_workbook(tmp_path, capsys):
    bad = tmp_path / "b.xlsx"
    bad.write_text("id,zh\n", "utf-8")
    assert main(["policy-from-excel", str(bad), "--out", str(tmp_path / "s.yaml"), "--lang", "en"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_chinese_reading_columns_are_written_and_never_read(tmp_path):
    """The Chinese readings beside the exact rule are for people: editing them changes nothing."""
    from simulate.policy.workbook_io import READING_COLUMNS

    book = _book_with(tmp_path, TIER_SHEET, 3, len(TIER_COLUMNS) + 1, "随便改写")
    ws = openpyxl.load_workbook(book)[TIER_SHEET]
    headings = [c.value for c in ws[1]]
    assert headings[len(TIER_COLUMNS) :] == list(READING_COLUMNS)
    assert ws.cell(3, len(TIER_COLUMNS) + 2).value == label("medical_assistance")  # langxi dibao's payer
    assert ws.cell(3, len(TIER_COLUMNS) + 1).value == "随便改写"
    assert ws.cell(2, len(TIER_COLUMNS) + 1).value == label("destitute")  # langxi row 2: {identity: destitute}
    _, policy = read_policy_workbook(book)
    assert policy.model_dump() == load_scenario(REPO / "scenarios" / "langxi-2024.yaml").policy.model_dump()


def test_tier_in_parameter_sheet_refused(tmp_path, capsys):
    """A tier path in sheet 参数 would be silently replaced by sheet 资助档次: refused instead."""
    probe = _book_with(tmp_path, PARAM_SHEET, 1, 1, "参数路径 path")
    ws_rows = openpyxl.load_workbook(probe)[PARAM_SHEET].max_row
    book = _book_with(tmp_path, PARAM_SHEET, ws_rows + 1, 1, "tiers.0.id")
    wb = openpyxl.load_workbook(book)
    wb[PARAM_SHEET].cell(ws_rows + 1, 2, value="x")
    wb.save(book)
    assert main(["policy-from-excel", str(book), "--out", str(tmp_path / "s.yaml"), "--lang", "en"]) == 2
    assert f"sheet {PARAM_SHEET}, row {ws_rows + 1}, column A" in capsys.readouterr().err
