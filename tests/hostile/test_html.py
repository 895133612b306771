"""User text never runs as HTML (issue 10 item 1): a hostile corpus through every text field.

Each field of a scenario (title, document, tier label, tier and split notes, general notes), a
village name and the file name of a population CSV, and a ``--set`` value carry markup that
would run script if written raw. The pages are parsed with ``html.parser``: no ``<script>``,
no ``on…=`` attribute, no image but embedded ones, every payload present as text, and the
Content-Security-Policy meta first in ``<head>``. One page is opened in headless Chromium.
"""

import csv
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from simulate.report import safehtml

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
from _browser import dump_dom  # noqa: E402
from _cli import simulate_main  # noqa: E402
from _hostile import hostile_scenario as _hostile_scenario  # noqa: E402
from _hostile import payload  # noqa: E402

ROOT = TESTS.parent
SINAN = ROOT / "scenarios" / "sinan-2021.yaml"
POPULATION = TESTS / "fixtures" / "sinan-hand-count.csv"


FIELDS = ("title", "issuer", "doctitle", "number", "tierlabel", "tiernote", "splitsource", "note", "village")
FILE_NAME = "pop<img src=x onerror=alert(1)>.csv"


# --------------------------------------------------------------------------- parsing


class _Page(HTMLParser):
    """Elements, attributes and text of a page as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag in ("style", "script")

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if not self._in_style:
            self.text.append(data)


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def assert_inert(page: str, where: str) -> str:
    """No script element, no event-handler attribute, no non-embedded image; the CSP meta is
    the first thing after the charset. Returns the page's text (entities decoded)."""
    parsed = parse(page)
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    assert not scripts, f"{where}: <script> element {scripts[:1]}"
    handlers = [(tag, name) for tag, attrs in parsed.tags for name in attrs if name.lower().startswith("on")]
    assert not handlers, f"{where}: event-handler attribute {handlers[:3]}"
    images = [attrs.get("src") for tag, attrs in parsed.tags if tag == "img"]
    assert all((src or "").startswith("data:image/") for src in images), f"{where}: {images}"
    metas = [attrs for tag, attrs in parsed.tags if tag == "meta"]
    csp = [m for m in metas if (m.get("http-equiv") or "").lower() == "content-security-policy"]
    assert len(csp) == 1, f"{where}: {len(csp)} CSP metas"
    policy = csp[0]["content"]
    assert "script-src 'none'" in policy and "default-src 'none'" in policy
    head = [tag for tag, _ in parsed.tags[:4]]
    assert head[:3] == ["html", "head", "meta"] and metas[0].get("charset"), head
    assert metas[1] is csp[0], f"{where}: the CSP meta must follow the charset"
    return "".join(parsed.text)


# --------------------------------------------------------------------------- helpers


def test_md_keeps_markup_as_text_through_the_markdown_renderer():
    text = payload("md") + "\n\n# not a heading\n1. not a list | a&amp;b \\ $x$ ![i](x) <!-- c"
    rendered = markdown2html_mistune(f"# {safehtml.md(text)}\n\n- **k**: {safehtml.md(text)} {safehtml.code(text)}")
    parsed = parse(rendered)
    assert [tag for tag, _ in parsed.tags if tag not in ("h1", "a", "ul", "li", "strong", "code")] == []
    shown = " ".join(text.split())
    assert "".join(parsed.text).count(shown) == 3


def test_markdown_without_md_would_run_the_payload():
    """The check above can fail: the same text put in raw gives live elements."""
    parsed = parse(markdown2html_mistune(f"- **k**: {payload('raw')}"))
    assert {"script", "img"} <= {tag for tag, _ in parsed.tags}


def test_style_escapes_cells_headers_and_formatted_text_with_stable_ids():
    frame = pd.DataFrame({payload("head"): [payload("cell"), None], "n": [1234.5, float("nan")], "flag": [True, False]})
    styler = safehtml.style(frame, {"n": "{:,.2f}", "flag": lambda v: payload("fmt") if v else "no"})
    page = styler.hide(axis="index").to_html()
    parsed = parse(page)
    assert {tag for tag, _ in parsed.tags} <= {"style", "table", "thead", "tbody", "tr", "th", "td"}
    text = "".join(parsed.text)
    for tag in ("head", "cell", "fmt"):
        assert payload(tag) in text
    assert "1,234.50" in text
    ids = re.findall(r'<table id="([^"]+)"', page)
    assert re.fullmatch(r"T_t\d+", ids[0])
    again = safehtml.style(frame).to_html()
    assert re.findall(r'<table id="([^"]+)"', again) != ids  # unique within a page


def test_with_csp_goes_first_and_once():
    page = '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8"/>\n<title>x</title></head></html>'
    once = safehtml.with_csp(page)
    assert safehtml.with_csp(once) == once
    assert once.index(safehtml.CSP_META) < once.index("<title>")
    assert safehtml.with_csp("<html><head><title>x</title></head></html>").startswith(
        "<html><head>\n" + safehtml.CSP_META
    )
    with pytest.raises(ValueError):
        safehtml.with_csp("<p>no head</p>")


# --------------------------------------------------------------------------- a hostile report


def _hostile_population(folder: Path) -> Path:
    rows = list(csv.reader(POPULATION.open(encoding="utf-8")))
    villages = rows[0].index("village")
    first = rows[1][villages]
    for row in rows[1:]:
        if row[villages] == first:
            row[villages] = payload("village")
    path = folder / FILE_NAME
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _simulate(*args: str) -> subprocess.CompletedProcess:
    # no assertion here reads report.pdf: these runs skip Chromium's print (simulate/report/pdf.py)
    return simulate_main(*args, env={"SIMULATE_CHROMIUM": "none"})


@pytest.fixture(scope="session")  # rendered once per session (tests/conftest.py SHARED)
def hostile_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    scenario = _hostile_scenario(folder)
    population = _hostile_population(folder)
    out = folder / "report"
    _simulate(
        "report",
        str(scenario),
        "--population",
        str(population),
        "--set",
        f"title.zh={payload('title')}",
        "--out",
        str(out),
    )
    return out


def test_report_html_shows_every_payload_as_text_and_runs_none(hostile_report):
    text = assert_inert((hostile_report / "report.html").read_text("utf-8"), "report.html")
    for field in FIELDS:
        assert payload(field) in text, field
    assert FILE_NAME in text
    assert f"title.zh = {payload('title')}" in text  # the --set value, in the provenance table


def test_report_notebook_outputs_hold_the_payload_escaped(hostile_report):
    """The executed notebook's HTML outputs (what Jupyter would show) are inert too."""
    import nbformat

    nb = nbformat.read(str(hostile_report / "report.ipynb"), as_version=4)
    html_outputs = [
        o["data"]["text/html"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]
    assert html_outputs
    parsed = parse("".join(html_outputs))
    assert not [t for t, _ in parsed.tags if t in ("script", "img")]
    assert payload("village") in "".join(parsed.text)


def test_report_in_chromium_shows_the_title_and_nothing_ran(hostile_report):
    dom = dump_dom(hostile_report / "report.html")
    assert "data-pwned" not in dom
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", dom, re.DOTALL).group(1)
    assert "&lt;script&gt;document.documentElement.dataset.pwned=" in h1


def test_chromium_check_can_fail(tmp_path):
    """The browser check detects a payload that runs; the CSP alone stops it."""
    raw = tmp_path / "raw.html"
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{payload("x")}</body></html>'
    raw.write_text(page, "utf-8")
    assert 'data-pwned="x"' in dump_dom(raw)
    guarded = tmp_path / "guarded.html"
    guarded.write_text(safehtml.with_csp(page), "utf-8")
    assert "data-pwned" not in dump_dom(guarded)


def test_work_funds_section_is_text(tmp_path):
    """The work-funds paragraph (daligang) quotes the scenario's section: text, not markup."""
    out = tmp_path / "daligang"
    _simulate(
        "report",
        "scenarios/daligang-2020.yaml",
        "--size",
        "3000",
        "--set",
        f"work_funds.section={payload('worksection')}",
        "--out",
        str(out),
    )
    text = assert_inert((out / "report.html").read_text("utf-8"), "daligang report.html")
    assert payload("worksection") in text


# --------------------------------------------------------------------------- a hostile sweep


@pytest.mark.slow
def test_sweep_json_prints_each_run(shared_sweep):
    """The ``sweep --json`` contract (issue 11 item 1) on the session's one sweep (tests/conftest.py)."""
    out, printed = shared_sweep
    values = [r["value"] for r in printed["runs"] if r["value"] is not None]
    assert values == ["280", "300", "320"]
    assert printed["param"] == "contribution.personal" and printed["index"] == str(out / "index.html")
    for r in printed["runs"]:
        assert Path(r["out"]).is_dir()


def test_sweep_index_and_every_page_are_inert(shared_sweep):
    out, _ = shared_sweep
    index = assert_inert((out / "index.html").read_text("utf-8"), "index.html")
    assert payload("title") in index
    pages = sorted(out.glob("*/report.html"))
    assert len(pages) == 4  # three runs and the summary
    for page in pages:
        text = assert_inert(page.read_text("utf-8"), str(page))
        assert payload("title") in text, page
        for field in ("issuer", "doctitle", "number"):
            assert payload(field) in text, (page, field)
