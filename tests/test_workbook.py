"""The 测算表 workbook (issue 12 item 5): 汇总 first with parameters and the headline, live
formulas that a formula evaluator (pycel) recomputes to the engine's figures, to the fen, and
that move when a parameter cell changes; document properties; same inputs, same bytes."""

from pathlib import Path

import openpyxl
import pytest
from pycel import ExcelCompiler

import simulate
from simulate.analysis.whatif import what_if
from simulate.report.workbook import write_estimate
from simulate.vocabulary import SOURCE_IDS, label

ROOT = Path(__file__).resolve().parent.parent
LANGXI = ROOT / "scenarios" / "langxi-2024.yaml"
SINAN = ROOT / "scenarios" / "sinan-2021.yaml"


def _write(path, out, **kw):
    fr = out.frames("zh")
    tables = {
        "按资金来源": (fr["by_source"].drop(columns=["source"]), True, ()),
        "按村": (fr["by_village"].drop(columns=["village"]), True, ()),
    }
    write_estimate(
        path,
        out,
        tables=tables,
        provenance=[("人口", "合成人口")],
        properties={"scenario": out.scenario.id, "seed": "7", "version": simulate.__version__},
        **kw,
    )
    return path


@pytest.fixture(scope="module")
def sinan(tmp_path_factory):
    out = simulate.run(SINAN, size=20_000, seed=7, workers=1, progress=False)
    return out, _write(tmp_path_factory.mktemp("wb") / "t.xlsx", out)


def _formulas(path):
    wb = openpyxl.load_workbook(path)
    return [
        (ws.title, c.coordinate)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    ]


def _total_row(ws):
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "合计")


def _column(ws, header):
    return next(c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == header)


def test_summary_first_with_parameters_and_headline(sinan):
    _, path = sinan
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["汇总", "测算"]
    text = [c.value for row in wb["汇总"].iter_rows() for c in row if c.value is not None]
    for needed in (
        "个人缴费标准",
        "财政补助标准",
        "多重身份规则",
        "筹资总额",
        "政府支出合计",
        "县级负担",
        "元/人·年",
        "人均（元/参保人）",
    ):
        assert needed in text, needed
    assert 280 in text and 550 in text  # 思南 2021: the document's standards


def test_every_formula_recomputes_to_its_cached_value(sinan):
    _, path = sinan
    xl = ExcelCompiler(filename=str(path))
    cached = openpyxl.load_workbook(path, data_only=True)
    cells = _formulas(path)
    assert len(cells) > 100
    for sheet, coord in cells:
        got = xl.evaluate(f"'{sheet}'!{coord}")
        assert got == pytest.approx(cached[sheet][coord].value, abs=1e-6), (sheet, coord)


def test_calc_totals_are_the_engines_to_the_fen(sinan):
    out, path = sinan
    xl = ExcelCompiler(filename=str(path))
    ws = openpyxl.load_workbook(path)["测算"]
    r = _total_row(ws)
    fen = out.source_fen()
    for j, s in enumerate(SOURCE_IDS):
        if fen[j]:
            c = _column(ws, f"{label(s, 'zh')} 金额（元）")
            assert round(xl.evaluate(f"'测算'!{ws.cell(r, c).coordinate}") * 100) == int(fen[j]), s
    c = _column(ws, "财政补助 金额（元）")
    assert round(xl.evaluate(f"'测算'!{ws.cell(r, c).coordinate}") * 100) == out.fiscal_fen()
    c = _column(ws, "合计金额（元）")
    assert round(xl.evaluate(f"'测算'!{ws.cell(r, c).coordinate}") * 100) == out.budget().financing_total
    assert xl.evaluate(f"'测算'!{ws.cell(r, 3).coordinate}") == out.enrolled


def test_changing_a_parameter_cell_recomputes_like_the_engine(sinan):
    """The 人均 cells are live: personal standard 280 -> 300 in 汇总 gives the engine's run at 300."""
    _, path = sinan
    summary = openpyxl.load_workbook(path)["汇总"]
    cell = next(row[2].coordinate for row in summary.iter_rows() if row[0].value == "个人缴费标准")
    xl = ExcelCompiler(filename=str(path))
    moved = simulate.run(
        simulate.load_scenario(SINAN, {"contribution.personal": 300}), size=20_000, seed=7, workers=1, progress=False
    )
    ws = openpyxl.load_workbook(path)["测算"]
    r = _total_row(ws)
    for c in range(3, ws.max_column + 1):  # load every total into pycel's graph, then move the input
        xl.evaluate(f"'测算'!{ws.cell(r, c).coordinate}")
    assert xl.evaluate(f"'汇总'!{cell}") == 280
    xl.set_value(f"'汇总'!{cell}", 300)
    for s in ("individual", "county_finance", "unspecified_government"):
        c = _column(ws, f"{label(s, 'zh')} 金额（元）")
        assert round(xl.evaluate(f"'测算'!{ws.cell(r, c).coordinate}") * 100) == int(
            moved.source_fen()[SOURCE_IDS.index(s)]
        ), s


def test_tables_have_total_rows_and_yes_no(sinan):
    _, path = sinan
    wb = openpyxl.load_workbook(path)
    ws = wb["按资金来源"]
    last = ws.max_row
    assert ws.cell(last, 1).value == "合计" and ws.cell(last, 4).value.startswith("=SUM(")
    vil = wb["按村"]
    values = {c.value for row in vil.iter_rows(min_row=2) for c in row}
    assert not (values & {True, False})


def test_document_properties_and_same_bytes(sinan, tmp_path):
    out, path = sinan
    wb = openpyxl.load_workbook(path)
    assert wb.properties.created.year == out.scenario.policy.document.date.year
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["scenario"] == "sinan-2021" and props["seed"] == "7"
    again = _write(tmp_path / "again.xlsx", out)
    assert again.read_bytes() == path.read_bytes()


def test_what_if_workbook_shows_baseline_what_if_and_change(tmp_path):
    wi = what_if(LANGXI, {"contribution.personal": 400}, size=20_000, seed=1)
    path = _write(tmp_path / "wi.xlsx", wi.what_if, what_if=wi)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["汇总", "测算", "测算（基准）"]
    text = [c.value for row in wb["汇总"].iter_rows() for c in row if c.value is not None]
    assert "假设情景：个人缴费标准 380→400元" in text
    assert {"基准（元）", "假设情景（元）", "增减（元）", "增减（%）"} <= set(text)
    xl = ExcelCompiler(filename=str(path))
    for name, run in (("测算", wi.what_if), ("测算（基准）", wi.baseline)):
        ws = wb[name]
        r = _total_row(ws)
        c = _column(ws, "个人 金额（元）")
        assert round(xl.evaluate(f"'{name}'!{ws.cell(r, c).coordinate}") * 100) == int(run.source_fen()[0])


def test_summary_headline_is_formulas_equal_to_the_budget(sinan):
    """汇总's 县级负担, 政府支出合计 and 筹资总额 are formulas over the 测算 totals and the split
    parameters; recomputed, they are the budget headline to the fen."""
    out, path = sinan
    ws = openpyxl.load_workbook(path)["汇总"]
    xl = ExcelCompiler(filename=str(path))
    b = out.budget()
    for name, fen in (
        ("筹资总额", b.financing_total),
        ("政府支出合计", b.government_total),
        ("县级负担", b.county_burden),
    ):
        row = next(r for r in ws.iter_rows() if r[0].value == name)
        assert str(row[1].value).startswith("="), name
        assert round(xl.evaluate(f"'汇总'!{row[1].coordinate}") * 100) == fen, name
