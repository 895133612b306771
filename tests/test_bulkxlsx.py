"""Large bill sheets written in bulk (simulate.rosters.bulkxlsx) hold the same cell values as
the ordinary xlsxwriter path, with the filter and dimension over every row."""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest

from simulate.report import excel
from simulate.rosters import bulkxlsx


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "序号": np.arange(1, n + 1),
            "姓名": [f"张{i}" if i % 7 else "A&B <c> 'd'" for i in range(n)],
            "村": ["" if i % 5 == 0 else "青杠坝村" * (1 + i % 3) for i in range(n)],
            "残疾等级": [None if i % 4 else i % 4 + 1 for i in range(n)],
            "代缴金额（元）": rng.integers(0, 50000, n) / 100,
            "比例": [math.nan if i % 9 == 0 else i / 3 for i in range(n)],
        }
    )


def _values(path) -> dict[str, list[list[object]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_bulk_sheets_hold_the_same_values(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulkxlsx, "BULK_ROWS", 50)
    monkeypatch.setattr(bulkxlsx, "BLOCK_ROWS", 7)  # several blocks, the last one short
    sheets = {"小": _frame(20), "大": _frame(400), "说明": pd.DataFrame({"项目": ["a"], "内容": ["b"]})}
    kinds = {"money_columns": {"代缴金额（元）"}, "count_columns": {"序号"}}
    excel.write_workbook(tmp_path / "plain.xlsx", sheets, **kinds)
    bulkxlsx.write_workbook(tmp_path / "bulk.xlsx", sheets, **kinds)
    assert _values(tmp_path / "bulk.xlsx") == _values(tmp_path / "plain.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "bulk.xlsx")["大"]
    assert ws.auto_filter.ref == "A1:F401" and ws.freeze_panes == "B2"
    assert ws.cell(3, 5).number_format == openpyxl.load_workbook(tmp_path / "plain.xlsx")["大"].cell(3, 5).number_format
    assert not (tmp_path / "bulk.xlsx.shell").exists()


def test_unusual_cells_take_the_ordinary_path(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulkxlsx, "BULK_ROWS", 5)
    frame = pd.DataFrame({"a": ["x\x01y"] * 10, "b": [True] * 10})
    assert not bulkxlsx._plain(frame) and not bulkxlsx._plain(frame[["b"]]) and bulkxlsx._plain(_frame(10))
    bulkxlsx.write_workbook(tmp_path / "odd.xlsx", {"s": frame})
    excel.write_workbook(tmp_path / "plain.xlsx", {"s": frame})
    assert (tmp_path / "odd.xlsx").read_bytes() == (tmp_path / "plain.xlsx").read_bytes()


def test_long_bill_sheets_go_on_in_numbered_sheets(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from simulate.rosters import bill, bill_folder

    monkeypatch.setattr(bill_folder, "SHEET_ROWS", 7)
    root = Path(__file__).resolve().parent.parent
    rosters = root / "tests" / "rosters"
    files = [rosters / "minzheng_dibao.csv", rosters / "canlian.xlsx", rosters / "fupin_jdlk.csv"]
    b = bill.roster_bill(root / "scenarios" / "sinan-2021.yaml", files, rosters / "mapping.yaml")
    b.write(tmp_path / "out")
    wb = openpyxl.load_workbook(tmp_path / "out" / "bill.xlsx")
    name = "人员明细"
    parts = [n for n in wb.sheetnames if n == name or n.startswith(name + "（")]
    rows = [list(r) for r in wb[parts[0]].iter_rows(values_only=True)]
    for part in parts[1:]:
        got = [list(r) for r in wb[part].iter_rows(values_only=True)]
        assert got[0] == rows[0] and 1 < len(got) <= 8
        rows += got[1:]
    assert len(parts) > 1 and len(rows) - 1 == len(b.persons)
