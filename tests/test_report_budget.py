"""What a finance bureau gets from `simulate report` (issue 12): a what-if report whose first
screen is the comparison, HTML + PDF + XLSX that show baseline, what-if and change, a PDF
that prints every column, fixed colours, English parity, provenance, and the same bytes on a
second run (issue 10 item 11)."""

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from _cli import simulate_main
from PIL import Image

from simulate.report import story as st
from simulate.report.render import render_notebook
from simulate.vocabulary import colour

ROOT = Path(__file__).resolve().parent.parent
LANGXI = "scenarios/langxi-2024.yaml"
TINY = ROOT / "tests" / "fixtures" / "tiny_report.ipynb"
ARTIFACTS = ("report.html", "report.pdf", "tables.xlsx", "results.json")


@pytest.fixture(scope="session")
def first(what_if_reports):
    """The first of the two what-if reports (tests/conftest.py), its pages read once."""
    out = what_if_reports.first
    return {
        "dir": out,
        "html": (out / "report.html").read_text("utf-8"),
        "pdf": subprocess.run(
            ["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout,
        "results": json.loads((out / "results.json").read_text("utf-8")),
    }


def _text(page: str) -> str:
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.DOTALL)
    page = re.sub(r"<img[^>]*>", " ", page)
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", " ", page))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _yuan(x: float) -> str:
    return f"{x:,.2f}"


# --------------------------------------------------------------------------- first screen


def test_first_screen_is_the_what_if_against_the_2024_baseline(first):
    html, res = first["html"], first["results"]
    screen = _text(html[: html.index("按资金来源")])
    assert "假设情景：个人缴费标准380→400元" in screen
    assert "郎溪县2024年度城乡居民医保资助参保" in screen and "基准" in screen
    county = res["comparison"]["headline"]["county_burden"]
    for key in ("baseline", "what_if"):
        assert _yuan(county[key]) in screen, key  # 县级负担 for both…
    assert "+" + _yuan(county["change"]) in screen  # …and the change
    assert "县级负担" in screen and "筹资总额" in screen and "政府支出合计" in screen
    assert "合成人口20,000人" in screen  # provenance where people look


def test_results_json_carries_the_budget_and_the_comparison(first):
    res = first["results"]
    b = res["budget"]
    assert round(b["county_burden"] * 100) == round(sum(b["county"].values()) * 100)
    cmp_ = res["comparison"]
    assert cmp_["kind"] == "override" and cmp_["title_zh"] == "假设情景：个人缴费标准 380→400元"
    assert cmp_["headline"]["county_burden"]["what_if"] == b["county_burden"]
    assert {"individual", "fiscal_subsidy"} <= set(cmp_["by_source"]) and "total" in cmp_["by_tier"]


# --------------------------------------------------------------------------- PDF


class _LastHeaders(HTMLParser):
    """The text of the last header cell of each table's last header row."""

    def __init__(self):
        super().__init__()
        self.found, self.row, self.cell, self.in_head, self.in_th = [], [], "", False, False

    def handle_starttag(self, tag, attrs):
        if tag == "thead":
            self.in_head, self.last_row = True, []
        elif tag == "tr" and self.in_head:
            self.row = []
        elif tag == "th" and self.in_head:
            self.in_th, self.cell = True, ""

    def handle_endtag(self, tag):
        if tag == "th" and self.in_th:
            self.in_th = False
            self.row.append(self.cell.strip())
        elif tag == "tr" and self.in_head:
            self.last_row = self.row
        elif tag == "thead":
            self.in_head = False
            self.found.append(self.last_row[-1])

    def handle_data(self, data):
        if self.in_th:
            self.cell += data


def test_pdf_prints_the_last_column_of_every_table(first):
    parser = _LastHeaders()
    parser.feed(first["html"])
    assert len(parser.found) >= 6
    pdf = _squash(first["pdf"])
    for header in parser.found:
        assert _squash(header) in pdf, header


def test_pdf_shows_baseline_what_if_and_change(first):
    pdf = _squash(first["pdf"])
    county = first["results"]["comparison"]["headline"]["county_burden"]
    assert "假设情景：个人缴费标准380→400元" in pdf
    for word in ("基准", "假设情景", "增减", "县级负担"):
        assert word in pdf
    assert _yuan(county["baseline"]) in pdf and _yuan(county["what_if"]) in pdf


def test_pdf_is_a4_with_chinese_fonts_embedded(first):
    pdf = first["dir"] / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:.*\(A4\)", info), info
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.strip().splitlines()[2:]
    assert rows and all(" yes " in r for r in rows)  # every font embedded
    assert "中央" in first["pdf"]  # CJK text extractable: real glyphs


def test_no_heading_alone_at_a_page_bottom(first):
    pdf = first["dir"] / "report.pdf"
    pages = int(
        re.search(
            r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        ).group(1)
    )
    headings = set(re.findall(r"<h2[^>]*>(.*?)</h2>", first["html"]))
    assert len(headings) >= 5 and pages >= 2
    for i in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        assert lines and lines[-1] not in headings, (i, lines[-1])


# --------------------------------------------------------------------------- XLSX


def test_xlsx_shows_baseline_what_if_and_change(first):
    wb = openpyxl.load_workbook(first["dir"] / "tables.xlsx")
    assert wb.sheetnames[0] == "汇总"
    cells = [c.value for row in wb["汇总"].iter_rows() for c in row if c.value is not None]
    assert "假设情景：个人缴费标准 380→400元" in cells
    assert {"基准（元）", "假设情景（元）", "增减（元）", "增减（%）", "县级负担"} <= set(cells)
    county = first["results"]["comparison"]["headline"]["county_burden"]
    values = openpyxl.load_workbook(first["dir"] / "tables.xlsx", data_only=True)["汇总"]
    row = next(r for r in values.iter_rows() if r[0].value == "县级负担")
    assert [c.value for c in row[1:4]] == [county["baseline"], county["what_if"], pytest.approx(county["change"])]
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["scenario"] == "langxi-2024" and "380→400" in props["changes"] and props["seed"] == "2"


# --------------------------------------------------------------------------- same bytes


@pytest.mark.parametrize("name", ARTIFACTS)
def test_two_runs_give_the_same_bytes(what_if_reports, name):
    a, b = what_if_reports.first, what_if_reports.second
    assert (a / name).read_bytes() == (b / name).read_bytes(), name


# --------------------------------------------------------------------------- colours


def _bar_colours(fig) -> dict[str, tuple]:
    return {
        p.get_gid(): tuple(round(x, 4) for x in p.get_facecolor()) for ax in fig.axes for p in ax.patches if p.get_gid()
    }


def test_a_source_has_the_same_colour_in_two_scenarios_charts():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.colors import to_rgba

    from simulate.report.fonts import use_chinese_font

    use_chinese_font()
    a = st.build("scenarios/langxi-2024.yaml", size=5_000, seed=1)
    b = st.build("scenarios/sinan-2021.yaml", {"contribution.personal": 300}, size=5_000, seed=1, lang="en")
    ca, cb = _bar_colours(a.sources_chart()), _bar_colours(b.sources_chart())
    common = set(ca) & set(cb)
    assert {"individual", "fiscal_subsidy", "medical_assistance", "veterans_affairs"} <= common
    for key in common:
        assert ca[key] == cb[key], key
        assert ca[key][:3] == tuple(round(x, 4) for x in to_rgba(colour(key)))[:3]
    tiers_a, tiers_b = _bar_colours(a.tiers_chart()), _bar_colours(b.tiers_chart())
    assert tiers_a["medical_assistance"] == tiers_b["medical_assistance"] == ca["medical_assistance"]


def test_report_png_uses_the_fixed_colours_at_200_dpi(first):
    img = Image.open(first["dir"] / "by_source.png").convert("RGB")
    dpi = Image.open(first["dir"] / "by_source.png").info.get("dpi", (0, 0))
    assert round(dpi[0]) == 200
    pixels = {tuple(p) for p in np.asarray(img).reshape(-1, 3)[::7]}
    for key in ("individual", "medical_assistance", "fiscal_subsidy"):
        rgb = tuple(int(colour(key)[i : i + 2], 16) for i in (1, 3, 5))
        assert rgb in pixels, key


# --------------------------------------------------------------------------- parity, provenance


def _numbers(html: str) -> list[str]:
    """Every table cell that is a figure, in order."""
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.DOTALL)]
    return [c for c in cells if re.fullmatch(r"[-+]?[\d,]+(\.\d+)?%?|—", c)]


def test_english_report_keeps_every_label_column_and_figure():
    zh = st.build("scenarios/daligang-2020.yaml", size=20_000, seed=3, lang="zh")
    en = st.build("scenarios/daligang-2020.yaml", size=20_000, seed=3, lang="en")
    for part in (
        "first_screen",
        "sources_section",
        "tiers_section",
        "split_section",
        "targets_section",
        "villages_section",
        "group_targets_section",
        "work_funds_section",
    ):
        assert _numbers(getattr(zh, part)()) == _numbers(getattr(en, part)()), part
    villages = en.villages_section()
    assert "village or community" in villages and "大栗港村" in villages or "Daligang" in villages
    assert "target group" in en.targets_section()
    assert "award" in en.work_funds_section()


def test_population_file_named_with_row_counts_in_the_first_screen(tmp_path):
    csv = tmp_path / "people.csv"
    rows = ["person_id,household_id,village,age,sex,disability_grade,identities,enrolled,timing"]
    rows += [
        f"p{i},h{i // 3},,{20 + i % 60},{'FM'[i % 2]},0,{'rural_dibao' if i % 10 == 0 else ''},1,regular"
        for i in range(300)
    ]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    s = st.build("scenarios/sinan-2021.yaml", {"contribution.personal": 300}, population=str(csv))
    screen = _text(s.first_screen())
    assert "人口文件people.csv：读入300行，使用300行，拒绝0行" in screen
    assert str(tmp_path) not in screen
    assert "people.csv" in _text(s.assumptions_section())


def test_late_payers_defined_and_why_no_fiscal_subsidy():
    s = st.build(LANGXI, size=5_000, seed=1)
    text = _text(s.tiers_section())
    assert "期外缴费：" in text and "没有财政补助" in text


# --------------------------------------------------------------------------- PDF skipped


def test_report_without_chromium_is_written_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMULATE_CHROMIUM", "none")
    run = render_notebook(TINY, tmp_path / "tiny", {"title": "无浏览器"})
    names = {p.name for p in run.out_dir.iterdir()}
    assert "report.html" in names and "report.pdf" not in names
    assert run.pdf_skipped and "SIMULATE_CHROMIUM" in run.pdf_skipped
    assert "SIMULATE_CHROMIUM" in (run.out_dir / "report.pdf-SKIPPED.txt").read_text("utf-8")


def test_compare_out_writes_the_comparison_as_a_report_folder(tmp_path):
    out = tmp_path / "cmp"
    simulate_main("compare", LANGXI, "scenarios/langxi-2025-400.yaml", "--size", "20000", "--out", str(out))
    assert {"report.html", "report.pdf", "tables.xlsx"} <= {p.name for p in out.iterdir()}
    html = _text((out / "report.html").read_text("utf-8"))
    assert "上年" in html and "本年" in html and "与郎溪县2024年度城乡居民医保资助参保比较" in html


def test_user_text_in_every_section_stays_text(tmp_path):
    """Scenario titles, tier labels and notes with markup are shown as text, never as HTML."""
    bad = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    variant = tmp_path / "bad.yaml"
    variant.write_text(
        f"extends: {ROOT / 'scenarios' / 'langxi-2024.yaml'}\n"
        "id: langxi-bad\n"
        f"title: {{zh: '郎溪{bad}', en: 'Langxi {bad}'}}\n"
        "tiers:\n"
        f"  - id: dibao\n    label: {{zh: '低保{bad}', en: 'dibao {bad}'}}\n"
        f"notes: ['{bad}']\nnotes_zh: ['{bad}']\n",
        encoding="utf-8",
    )
    s = st.build(variant, {"contribution.personal": 400}, size=3_000, seed=1)
    page = "".join(
        [
            s.first_screen(),
            s.sources_section(),
            s.tiers_section(),
            s.split_section(),
            s.targets_section(),
            s.assumptions_section(),
            s.provenance_section("test"),
        ]
    )
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page


def test_amount_ticks_never_run_together_at_a_city_scale():
    """A city's 财政补助 reaches six-digit 万元: the narrow panel's x tick labels stay apart."""
    import matplotlib

    matplotlib.use("Agg")
    from simulate.report.charts import Bar, panels_chart
    from simulate.report.fonts import use_chinese_font

    use_chinese_font()
    panels = [
        ("个人缴费", [Bar("individual", "个人", (809_069_700_00,))]),
        ("财政补助", [Bar("fiscal_subsidy", "财政补助", (1_501_341_100_00,))]),
        (
            "各资助来源",
            [Bar("medical_assistance", "医疗救助基金", (37_113_500_00,)), Bar("county", "县财政", (11_726_000_00,))],
        ),
    ]
    fig = panels_chart(panels, ["基准"], "各资金来源支付金额（万元）", "万元")
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        low, high = ax.get_xlim()
        labels = [t for t in ax.get_xticklabels() if t.get_text() and low <= t.get_position()[0] <= high]
        visible = [t.get_window_extent(renderer) for t in labels]
        assert len(visible) >= 3, ax.get_title()
        for left, right in zip(visible, visible[1:]):
            assert left.x1 < right.x0, (ax.get_title(), [t.get_text() for t in ax.get_xticklabels()])
