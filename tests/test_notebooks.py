"""Every notebook in notebooks/ runs with small parameters, and its figures are the package's.

The report notebooks' numbers must be exactly what ``simulate.run``, ``simulate.analysis.sweep``
and ``expected_value`` give for the same parameters: a notebook only arranges results, it never
computes its own. The CLI tests check what a person opens: HTML without code, Chinese labels,
charts, formatted Excel sheets, an index linking every run.

Each render happens once per session (and on one xdist worker, tests/conftest.py): the analyst
notebooks together, the scenario report as the what-if report of tests/conftest.py, the CLI
sweep once. None of their tests reads a PDF, so these runs skip Chromium's print.
"""

import json
import os
import re
from pathlib import Path

import nbformat
import openpyxl
import papermill
import pytest
from _cli import simulate_in_process

import simulate
from simulate import analysis as an
from simulate.report.notebook_build import NOTEBOOKS as NOTEBOOKS_SHIPPED
from simulate.report.notebook_build import build_notebook, notebook
from simulate.report.render import _kernel_env, render_many, write_index
from simulate.results.explain import yuan_number

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SINAN = str(ROOT / "scenarios" / "sinan-2021.yaml")
LANGXI = str(ROOT / "scenarios" / "langxi-2024.yaml")
DALIGANG = str(ROOT / "scenarios" / "daligang-2020.yaml")

#: Small parameters for each notebook; a new notebook must be added here. The scenario report's
#: are those of tests/conftest.py's what-if report, which is its rendered run.
PARAMS = {
    "scenario_report.py": {
        "scenario": "scenarios/langxi-2024.yaml",
        "overrides": {"contribution.personal": 400},
        "size": 20_000,
        "seed": 2,
    },
    "sweep_report.py": {
        "scenario": LANGXI,
        "param": "contribution.personal",
        "values": [380, 400, 450],
        "size": 20_000,
        "seed": 2,
        "draws": 4,
        "mc_size": 5_000,
    },
    "quickstart.py": {"scenario": SINAN, "size": 20_000, "seed": 1, "new_personal": 320},
    "what_if.py": {
        "scenario": DALIGANG,
        "size": 20_000,
        "seed": 2,
        "settings": {"personal": 300, "rule": "highest_benefit", "tier-rural_dibao-percent": 70},
    },
}
# text of code cells that must never reach a report's HTML
CODE_MARKERS = ("write_workbook(", "use_chinese_font()", "an.sweep(", "import simulate")


#: Notebooks rendered together here; the scenario report is the what-if report (tests/conftest.py).
RENDERED_HERE = [name for name in PARAMS if name != "scenario_report.py"]


#: Runs of tests/fixtures/tiny_report.ipynb rendered beside the notebooks (read by
#: test_render_many_runs_in_parallel_and_index_links_them): the workers' kept kernels run them
#: after the notebooks, instead of a pool of their own starting two interpreters and three kernels.
TINY = ROOT / "tests" / "fixtures" / "tiny_report.ipynb"
TINY_RUNS = {
    "zh": {"title": "中文报告"},
    "en": {"title": "English report", "lang": "en"},
    "bad": {"title": "坏", "fail": True},
}


@pytest.fixture(scope="session")
def notebook_runs(tmp_path_factory):
    """One render_many on two workers: the analyst notebooks (by file name) and the tiny runs
    (``tiny/<name>``, in the folder ``tiny/``)."""
    out = tmp_path_factory.mktemp("notebooks")
    jobs = [(NOTEBOOKS / name, out / name.removesuffix(".py"), PARAMS[name]) for name in RENDERED_HERE]
    jobs += [(TINY, out / "tiny" / name, params) for name, params in TINY_RUNS.items()]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SIMULATE_CHROMIUM", "none")  # no test reads their PDF; render workers inherit it
        results = render_many(jobs, workers=2, timeout=300)
    names = RENDERED_HERE + [f"tiny/{name}" for name in TINY_RUNS]
    runs = dict(zip(names, results))
    failed = [f"{r.name}: {r.error}" for name, r in runs.items() if not r.ok and name != "tiny/bad"]
    assert not failed, failed
    return runs


def test_render_many_runs_in_parallel_and_index_links_them(notebook_runs):
    """render_many's results come back in job order, a failed run stops no other and publishes
    nothing, and the index links each run (tests/test_render.py renders single runs)."""
    runs = [notebook_runs[f"tiny/{name}"] for name in TINY_RUNS]
    assert [r.name for r in runs] == ["zh", "en", "bad"]
    zh, en, bad = runs
    assert zh.ok and en.ok and not bad.ok
    assert zh.results["title"] == "中文报告" and "金额（元）" in zh.headline
    assert "Amount (yuan)" in en.headline
    assert "deliberate failure" in bad.error and bad.failed_notebook.exists()
    folder = zh.out_dir.parent
    assert not (folder / "bad").exists()

    index = write_index(folder, runs, "扫描：个人缴费标准", "zh", parameter_columns=["title"])
    page = index.read_text("utf-8")
    assert 'href="zh/report.html"' in page and 'href="en/report.html"' in page
    assert 'href="failed/bad.ipynb"' in page and "失败" in page
    assert "401,701.67" in page and "English report" in page
    assert "@font-face" in page


# --------------------------------------------------------------------------- the files


def test_every_notebook_is_exercised():
    assert {p.name for p in NOTEBOOKS.glob("*.py")} == set(PARAMS) == {f"{n}.py" for n in NOTEBOOKS_SHIPPED}
    assert not list(NOTEBOOKS.glob("*.ipynb")), "notebooks are percent scripts; .ipynb are built, never kept"


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_built_notebook_is_clean_and_parameterized(name, tmp_path):
    built = build_notebook(NOTEBOOKS / name, tmp_path)
    assert built.read_bytes() == build_notebook(NOTEBOOKS / name, tmp_path / "again").read_bytes()
    assert "jupytext" not in built.read_text("utf-8"), "no jupytext version in a built notebook"
    nb = nbformat.read(built, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "outputs must be empty"
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for line in params[0].source.splitlines():
        if "#" in line and not line.lstrip().startswith("#"):
            comment = line.split("#", 1)[1]
            assert "'" not in comment and ";" not in comment, f"papermill cannot parse: {line}"
    declared = papermill.inspect_notebook(str(built))
    assert "output_dir" in declared
    assert set(PARAMS[name]) <= set(declared)


# --------------------------------------------------------------------------- the numbers


@pytest.mark.slow
def test_scenario_report_figures_are_run_figures(what_if_reports):
    p = PARAMS["scenario_report.py"]
    assert p == what_if_reports.params
    expected = simulate.run(
        simulate.load_scenario(p["scenario"], p["overrides"]), size=p["size"], seed=p["seed"], workers=1, progress=False
    ).to_json()
    got = json.loads((what_if_reports.first / "results.json").read_text("utf-8"))["results"]
    assert got["by_source"] == expected["by_source"]
    assert (got["persons"], got["enrolled"], got["fiscal_subsidy"]) == (
        expected["persons"],
        expected["enrolled"],
        expected["fiscal_subsidy"],
    )


def _rows(frame):
    """A sweep frame as the notebook's results.json holds it (JSON numbers, full precision)."""
    records = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in frame.to_dict(orient="records")
    ]
    return json.loads(json.dumps(records))


@pytest.mark.slow
def test_sweep_report_rows_are_analysis_sweep_rows(notebook_runs):
    p = PARAMS["sweep_report.py"]
    res = notebook_runs["sweep_report.py"].results
    kw = dict(size=p["size"], seed=p["seed"])
    given = an.sweep(p["scenario"], p["param"], p["values"], overrides={}, **kw)
    responding = an.sweep(p["scenario"], p["param"], p["values"], overrides=res["response_overrides"], **kw)
    assert res["sweep"] == _rows(given)
    assert res["sweep_with_response"] == _rows(responding)
    assert [r[p["param"]] for r in res["sweep"]] == p["values"]
    # the response is a thinning: never more enrolled, fewer at 450 yuan
    for g, r in zip(res["sweep"], res["sweep_with_response"]):
        assert r["enrolled"] <= g["enrolled"]
    assert res["sweep_with_response"][-1]["enrolled"] < res["sweep"][-1]["enrolled"]
    assert res["response_overrides"]["behaviour.model"] == "logistic"
    mc = res["monte_carlo"]["rows"]
    assert {r["value"] for r in mc} == set(p["values"])
    assert all(r["p5"] <= r["p50"] <= r["p95"] for r in mc)
    assert any(a["path"] == "behaviour" for a in res["assumptions"])


@pytest.mark.slow
def test_sweep_report_artifacts(notebook_runs):
    run = notebook_runs["sweep_report.py"]
    names = set(run.artifacts)
    assert {
        "sweep_by_source.png",
        "sweep_share.png",
        "sweep_enrollment.png",
        "sweep_delta.png",
        "sweep_uncertainty.png",
        "tables.xlsx",
        "results.json",
        "report.html",
    } <= names
    page = run.html.read_text("utf-8")
    assert "行为响应曲线是假设" in page and "DOMAIN.md" in page
    assert "各资金来源支出" in page and "P5" in page
    _check_excel(run.out_dir / "tables.xlsx")


@pytest.mark.slow
def test_quickstart_figures_are_run_figures(notebook_runs):
    p = PARAMS["quickstart.py"]
    res = notebook_runs["quickstart.py"].results
    sc = simulate.load_scenario(p["scenario"])
    expected = simulate.run(sc, size=p["size"], seed=p["seed"], progress=False).to_json()
    assert res["results"]["by_source"] == expected["by_source"]
    comparison = simulate.compare(
        sc,
        [simulate.load_scenario(p["scenario"], {"contribution.personal": p["new_personal"]})],
        size=p["size"],
        seed=p["seed"],
    )
    assert res["comparison"]["reforms"][0]["delta"] == comparison.to_json()["reforms"][0]["delta"]
    person = simulate.Person(identities=frozenset({"rural_dibao", "registered_poor"}), age=45, sex="F")
    assert res["explain"] == simulate.explain_json(sc, person)


@pytest.mark.slow
def test_what_if_figures_are_run_figures(notebook_runs):
    """The dashboard notebook shows simulate.run of its settings on the same people (issue 13)."""
    p = PARAMS["what_if.py"]
    res = notebook_runs["what_if.py"].results
    # daligang uses the priority rule: the toggle to highest_benefit is a change
    assert res["overrides"] == {
        "contribution.personal": 300,
        "multiple_identities.rule": "highest_benefit",
        "tiers.rural_dibao.subsidy.percent": 70,
    }
    for key, overrides in (("what_if", res["overrides"]), ("baseline", None)):
        out = simulate.run(p["scenario"], size=p["size"], seed=p["seed"], overrides=overrides, progress=False)
        for k, fen in out.budget().totals().items():
            assert res["comparison"]["headline"][k][key] == yuan_number(fen), k
        for s, yuan in out.to_json()["by_source"].items():
            assert res["comparison"]["by_source"][s][key] == yuan, s
    assert res["comparison"]["by_source"]["individual"]["change"] > 0


@pytest.mark.slow
def test_what_if_notebook_names_its_widgets_by_position(notebook_runs):
    """ipywidgets' uuid4 model ids sometimes held 18 digits passing the ID check, and about one
    render in 45 was refused by the leak scan: report.ipynb names them widget-N instead."""
    nb = json.loads((notebook_runs["what_if.py"].out_dir / "report.ipynb").read_text("utf-8"))
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert len(state) > 100 and all(re.fullmatch(r"widget-[0-9]+", model) for model in state)
    refs = re.findall(r"IPY_MODEL_([\w-]+)", json.dumps(state))
    assert refs and set(refs) <= set(state)
    view = "application/vnd.jupyter.widget-view+json"
    shown = [
        o["data"][view]["model_id"] for c in nb["cells"] for o in c.get("outputs", []) if view in o.get("data", {})
    ]
    assert shown == ["widget-1"]


@pytest.mark.slow
def test_quickstart_runs_from_the_notebooks_folder():
    """As an analyst would: default parameters, kernel started in notebooks/ (relative paths).
    Its time (target < 20 s) is measured by benchmarks/bench_notebooks.py."""
    from nbclient import NotebookClient

    nb = notebook("quickstart")
    client = NotebookClient(
        nb, kernel_name="python3", timeout=120, startup_timeout=60, resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute(env={**os.environ, **_kernel_env()})
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "个人缴费标准" in text and "repository: " + str(ROOT) in text


# --------------------------------------------------------------------------- the CLI


def _check_excel(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    money = percent = count = 0
    for ws in wb.worksheets:
        if ws.title in ("汇总", "Summary") or ws.title.startswith(("测算", "Calculation")):
            continue  # the 测算表's summary and formula sheets: tests/test_workbook.py
        assert ws.freeze_panes == "B2", ws.title
        assert all(c.font.bold for c in ws[1] if c.value is not None), ws.title
        formats = {c.number_format for row in ws.iter_rows(min_row=2) for c in row}
        money += "#,##0.00" in formats
        percent += "0.00%" in formats
        count += "#,##0" in formats
    assert money and percent and count


@pytest.mark.slow
def test_cli_sweep_writes_three_reports_a_summary_and_an_index(shared_sweep):
    out, printed = shared_sweep  # tests/conftest.py: the session's one sweep, --json
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    # run folders: position and slug (unique whatever the value); the index shows the values
    assert folders == [
        "01-contribution.personal_280",
        "02-contribution.personal_300",
        "03-contribution.personal_320",
        "summary",
    ]
    index = (out / "index.html").read_text("utf-8")
    for name in folders:
        assert f'href="{name}/report.html"' in index
    assert all(f'<td class="text">{v}</td>' in index for v in ("280", "300", "320"))
    assert printed["index"] == str(out / "index.html")


@pytest.mark.slow
def test_cli_sweep_html_is_for_people(shared_sweep):
    out, _ = shared_sweep
    for folder in ("02-contribution.personal_300", "summary"):
        page = (out / folder / "report.html").read_text("utf-8")
        for marker in CODE_MARKERS:
            assert marker not in page, (folder, marker)
        assert re.search(r'<img[^>]+src="data:image/png;base64,', page)
        assert "资金来源" in page and '<html lang="zh"' in page
    assert "个人缴费标准（元）" in (out / "summary" / "report.html").read_text("utf-8")


@pytest.mark.slow
def test_cli_sweep_excel_sheets_are_formatted(shared_sweep):
    out, _ = shared_sweep
    _check_excel(out / "summary" / "tables.xlsx")
    _check_excel(out / "01-contribution.personal_280" / "tables.xlsx")


@pytest.mark.slow
def test_cli_sweep_summary_agrees_with_each_report(shared_sweep):
    out, _ = shared_sweep
    summary = json.loads((out / "summary" / "results.json").read_text("utf-8"))
    assert [r["contribution.personal"] for r in summary["sweep"]] == [280, 300, 320]
    mc = summary["monte_carlo"]  # --summary-draws 2 --summary-size 1,000, scaled to the 3,000
    assert (mc["draws"], mc["size"], mc["scale"]) == (2, 1000, summary["persons"] / 1000)
    assert sorted({r["value"] for r in mc["rows"]}) == [280, 300, 320]
    for i, row in enumerate(summary["sweep"], start=1):
        report = json.loads(
            (out / f"{i:02d}-contribution.personal_{row['contribution.personal']}" / "results.json").read_text("utf-8")
        )["results"]
        assert report["enrolled"] == row["enrolled"]
        for source, yuan in report["by_source"].items():
            assert row[source] == yuan, (row["contribution.personal"], source)


def test_cli_report_with_unknown_village_fails_in_one_line_before_any_kernel(tmp_path):
    csv = tmp_path / "people.csv"
    csv.write_text(
        "person_id,household_id,village,age,sex,disability_grade,identities,enrolled,timing\n"
        "p1,h1,桃花源村,40,F,0,rural_dibao,1,regular\n",
        encoding="utf-8",
    )
    out = tmp_path / "reports" / "daligang"
    proc = simulate_in_process(
        "report", "scenarios/daligang-2020.yaml", "--population", str(csv), "--out", str(out), "--lang", "en"
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "row 2" in lines[0] and "village" in lines[0] and "桃花源村" in lines[0]
    assert not out.exists() and not (tmp_path / "reports").exists()
