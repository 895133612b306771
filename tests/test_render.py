"""Report runs: a complete folder on success, a kept notebook and no folder on failure.

The tiny report and the what-if report are rendered once per session (tests/conftest.py); the
runs here that are about failure, reruns and options render their own, without the PDF where
no assertion reads it. render_many's parallel runs and index: tests/test_notebooks.py (its
session render).
"""

import base64
import json
import re
import sys
from pathlib import Path

import openpyxl
import pytest

from simulate.errors import SimulateError
from simulate.report.render import ReportError, RunResult, render_notebook

TINY = Path(__file__).parent / "fixtures" / "tiny_report.ipynb"
MARKER = "CODE-MARKER-7f3a9c"


@pytest.fixture
def run(tiny_report) -> RunResult:
    return tiny_report


def test_run_folder_holds_every_artifact(run):
    names = {p.name for p in run.out_dir.iterdir()} - {".simulate-manifest.json"}
    assert names == {"report.ipynb", "report.html", "report.pdf", "results.json", "chart.png", "tables.xlsx"}
    assert set(run.artifacts) == names
    manifest = json.loads((run.out_dir / ".simulate-manifest.json").read_text("utf-8"))
    assert set(manifest["files"]) == names and manifest["command"] == "report"
    assert (run.out_dir / "chart.png").read_bytes().startswith(b"\x89PNG")
    assert openpyxl.load_workbook(run.out_dir / "tables.xlsx").sheetnames == ["资金来源"]
    assert json.loads((run.out_dir / "results.json").read_text("utf-8")) == run.results
    assert run.headline["金额（元）"] == "401,701.67"


def test_no_partial_folders_left_beside_the_report(run):
    assert [p.name for p in run.out_dir.parent.iterdir()] == ["tiny"]


def test_kernel_runs_the_callers_python(run):
    assert Path(run.results["python"]).resolve() == Path(sys.executable).resolve()


def test_html_has_no_code_but_the_title_and_an_inline_chart(run):
    page = run.html.read_text("utf-8")
    title = run.parameters["title"]
    assert MARKER not in page and "write_workbook" not in page and "import " not in page
    assert f"<title>{title}</title>" in page
    assert re.search(rf"<h1[^>]*>{re.escape(title)}", page)
    image = re.search(r'<img[^>]+src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert image and base64.b64decode(image.group(1)).startswith(b"\x89PNG")
    assert "missing from font" not in page
    assert not re.search(r"<script[^>]+src=", page), "the report must not load scripts"
    assert "@font-face" in page and '<html lang="zh"' in page


def test_failing_notebook_names_the_cell_and_keeps_the_notebook(tmp_path):
    out = tmp_path / "broken"
    with pytest.raises(ReportError) as info:
        render_notebook(TINY, out, {"title": "城乡居民医保资助测算（测试）", "fail": True})
    message = str(info.value)
    assert "\n" not in message
    assert "cell 6 [if fail:]" in message, message
    assert "RuntimeError: deliberate failure 故意失败" in message
    failed = tmp_path / "failed" / "broken.ipynb"
    assert info.value.failed_notebook == failed and str(failed) in message
    assert "deliberate failure" in failed.read_text("utf-8")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["failed"]


def test_reruns_replace_the_own_folder_and_a_failed_one_leaves_it_untouched(tmp_path, no_pdf):
    """Three runs into one folder (a kernel each): ``lang`` reaches the notebook and the page;
    a rerun replaces the runner's own folder, leaving nothing beside it; a failed rerun leaves
    the previous report as it was."""
    out = tmp_path / "again"
    first = render_notebook(TINY, out, {"title": "Report"}, lang="en")
    assert first.results["lang"] == "en"
    assert '<html lang="en"' in first.html.read_text("utf-8")
    render_notebook(TINY, out, {"title": "第二次"})
    assert json.loads((out / "results.json").read_text("utf-8"))["title"] == "第二次"
    assert '<html lang="zh"' in (out / "report.html").read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again"]
    with pytest.raises(ReportError):
        render_notebook(TINY, out, {"title": "第三次", "fail": True})
    assert json.loads((out / "results.json").read_text("utf-8"))["title"] == "第二次"


def test_unknown_parameter_is_rejected_in_one_line(tmp_path):
    with pytest.raises(ReportError) as info:
        render_notebook(TINY, tmp_path / "x", {"titel": "typo"})
    message = str(info.value)
    assert "unknown parameter titel" in message and "title" in message and "\n" not in message
    assert not (tmp_path / "x").exists() and not list(tmp_path.iterdir())


def test_output_dir_is_reserved_for_the_runner(tmp_path):
    with pytest.raises(ReportError, match="output_dir"):
        render_notebook(TINY, tmp_path / "x", {"output_dir": "/elsewhere"})


def test_refuses_to_replace_a_folder_that_is_not_a_report(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "thesis.docx").write_text("precious")
    with pytest.raises(SimulateError, match="thesis.docx"):
        render_notebook(TINY, tmp_path / "home", {})
    assert (tmp_path / "home" / "thesis.docx").exists()


def test_a_cell_past_the_timeout_fails_naming_the_cell(tmp_path):
    with pytest.raises(ReportError) as info:
        render_notebook(TINY, tmp_path / "slow", {"sleep_seconds": 120}, timeout=6)
    message = str(info.value)
    assert "cell 6 [if fail:]" in message and "6 s timeout" in message, message
    assert (tmp_path / "failed" / "slow.ipynb").is_file() and not (tmp_path / "slow").exists()


@pytest.mark.slow
def test_two_report_runs_give_the_same_bytes(what_if_reports):
    """Issue 10 item 11: same inputs, same report.html, report.pdf, tables.xlsx, results.json and
    charts (fixed workbook dates, table and cell ids, font subset); only report.ipynb keeps run
    times. The two runs are tests/conftest.py's what-if reports (also read by test_report_budget)."""
    folders = [what_if_reports.first, what_if_reports.second]
    names = sorted(p.name for p in folders[0].iterdir() if p.name not in ("report.ipynb", ".simulate-manifest.json"))
    assert {"report.html", "tables.xlsx", "results.json"} <= set(names)
    assert names == sorted(
        p.name for p in folders[1].iterdir() if p.name not in ("report.ipynb", ".simulate-manifest.json")
    )
    for name in names:
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name
    # the report is built from notebooks/scenario_report.py: no jupytext version leaks into the page
    assert "jupytext" not in (folders[0] / "report.html").read_text("utf-8")


def test_exported_page_has_no_script_even_for_javascript_and_widget_outputs(tmp_path):
    """Reports are static: javascript and widget outputs are dropped, widget state too, and
    the page carries the CSP meta; cell ids are positional, not papermill's random ones."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from simulate.report.export import export_html
    from simulate.report.safehtml import CSP_META

    cells = [
        new_markdown_cell("# 标题"),
        new_code_cell(
            "x",
            outputs=[
                new_output("display_data", data={"application/javascript": "window.pwned = 1", "text/plain": "<js>"}),
                new_output(
                    "display_data",
                    data={
                        "application/vnd.jupyter.widget-view+json": {
                            "model_id": "m1",
                            "version_major": 2,
                            "version_minor": 0,
                        },
                        "text/plain": "Slider",
                    },
                ),
            ],
        ),
    ]
    nb = new_notebook(cells=cells)
    nb.cells[1].id = "random-4f2a"
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2, "version_minor": 0}
    }
    path = tmp_path / "report.ipynb"
    nbformat.write(nb, path)
    page = export_html(path, "标题", "zh")
    assert "<script" not in page and "window.pwned" not in page
    assert page.count(CSP_META) == 1 and page.index(CSP_META) < page.index("<title>")
    assert 'id="cell-id=cell-1"' in page and "random-4f2a" not in page
    assert export_html(path, "标题", "zh") == page
