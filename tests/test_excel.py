"""Workbooks read back with openpyxl: formats, frozen panes, widths, the _fen convention."""

from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

from simulate.report.excel import display_width, sheet_name, write_workbook


@pytest.fixture()
def workbook(tmp_path):
    sources = pd.DataFrame(
        {
            "资金来源": ["个人缴费", "医疗救助", "=SUM(A1)"],
            "amount_fen": [38_000_000, 1_234_567, 5],
            "subsidy": [Decimal("120.50"), Decimal("0.01"), None],
            "persons": [1000, 120, 8],
            "share": [0.9467, 0.0308, 0.0225],
            "note": ["", "a very long english note that is wider than the rest", None],
        }
    )
    tiers = pd.DataFrame({"count": [3, 4]}, index=pd.Index(["特困", "低保"], name="tier"))
    path = tmp_path / "out.xlsx"
    write_workbook(
        path,
        {"资金来源": sources, "bad/name:[x]*?": tiers, "a" * 40: sources.head(1)},
        money_columns=["subsidy"],
        count_columns=["persons", "count"],
        percent_columns=["share"],
    )
    return openpyxl.load_workbook(path)


def test_one_sheet_per_table_with_valid_names(workbook):
    assert workbook.sheetnames == ["资金来源", "bad_name__x___", "a" * 31]


def test_header_bold_wrapped_and_panes_frozen(workbook):
    for ws in workbook.worksheets:
        assert ws.freeze_panes == "B2"
        assert ws["A1"].font.b and ws["A1"].alignment.wrap_text
    assert workbook["资金来源"].auto_filter.ref == "A1:F4"


def test_fen_column_shows_yuan_under_a_stripped_header(workbook):
    ws = workbook["资金来源"]
    assert ws["B1"].value == "amount"
    assert ws["B2"].value == 380000.0 and ws["B3"].value == 12345.67 and ws["B4"].value == 0.05
    assert ws["B2"].number_format == "#,##0.00"


def test_number_formats(workbook):
    ws = workbook["资金来源"]
    assert ws["C2"].value == 120.5 and ws["C2"].number_format == "#,##0.00"
    assert ws["C4"].value is None
    assert ws["D2"].number_format == "#,##0"
    assert ws["E2"].value == 0.9467 and ws["E2"].number_format == "0.00%"
    assert ws["F2"].number_format == "General"


def test_text_that_looks_like_a_formula_stays_text(workbook):
    assert workbook["资金来源"]["A4"].value == "=SUM(A1)"
    assert workbook["资金来源"]["A4"].data_type == "s"


def test_named_index_becomes_the_first_column(workbook):
    ws = workbook["bad_name__x___"]
    assert [c.value for c in ws[1]] == ["tier", "count"]
    assert [ws["A2"].value, ws["B2"].value] == ["特困", 3]


def test_widths_fit_content_and_cjk_counts_double(workbook):
    ws = workbook["资金来源"]
    widths = {col: ws.column_dimensions[col].width for col in "ABCDEF"}
    assert widths["A"] >= display_width("个人缴费") + 2
    assert widths["F"] >= len("a very long english note that is wider than the rest")
    assert widths["D"] < widths["F"]


def test_display_width():
    assert display_width("abc") == 3
    assert display_width("资金（元）") == 10


def test_sheet_name_rules():
    assert sheet_name("a/b\\c?d*e:f[g]h") == "a_b_c_d_e_f_g_h"
    assert len(sheet_name("x" * 50)) == 31
    assert sheet_name("Sheet", taken=["sheet"]) == "Sheet~2"
    assert sheet_name("", taken=[]) == "Sheet"


def test_fen_column_refuses_floats(tmp_path):
    with pytest.raises(TypeError, match="amount_fen"):
        write_workbook(tmp_path / "x.xlsx", {"t": pd.DataFrame({"amount_fen": [1.5]})})


def test_explicit_fen_columns_without_suffix(tmp_path):
    path = tmp_path / "x.xlsx"
    write_workbook(path, {"t": pd.DataFrame({"个人": [12345]})}, fen_columns=["个人"])
    ws = openpyxl.load_workbook(path)["t"]
    assert ws["A1"].value == "个人" and ws["A2"].value == 123.45
