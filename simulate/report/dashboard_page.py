"""What the dashboard's page shows besides its widgets: the figures table (baseline / what-if
/ change to the fen), its CSS, and the Chinese glyphs the page embeds (issue 13 item 2).

Every text from the scenario is escaped before it reaches the page.
"""

from __future__ import annotations

from html import escape
from importlib import resources
from pathlib import Path

from ..analysis.dashboard_model import DashboardModel, DashboardWhatIf
from ..labels import text
from ..money import yuan
from ..resources import notebook_path
from ..vocabulary import Lang, label
from .fonts import CSS_FAMILY, css_font_face

#: The budget keys of the three headline cards, as in the report (names in labels.yaml).
TOTALS = ("financing_total", "government_total", "county_burden")


def figures_html(wi: DashboardWhatIf, lang: Lang) -> str:
    """The budget totals and every source as baseline / what-if / change in yuan to the fen;
    each cell has a stable class (``fig-<key>-<column>``) for the browser test."""
    hb, hw = wi.baseline.budget().totals(), wi.what_if.budget().totals()
    rows = [(k, text("dashboard_page", k, lang), hb[k], hw[k]) for k in TOTALS]
    fb, fw = wi.baseline.source_fen(), wi.what_if.source_fen()
    for j, s in enumerate(wi.baseline.sources):
        if j == 0 or fb[j] or fw[j]:
            rows.append((s, wi.baseline.vocab.label(s, lang), int(fb[j]), int(fw[j])))
    rows.append(("fiscal_subsidy", label("fiscal_subsidy", lang), wi.baseline.fiscal_fen(), wi.what_if.fiscal_fen()))
    head = "".join(f"<th>{escape(text('dashboard_page', c, lang))}</th>" for c in ("base", "what_if", "change"))
    body = []
    for key, name, b, w in rows:
        delta = w - b
        sign = "+" if delta > 0 else ""
        cls = ' class="dash-total"' if key in TOTALS else ""
        body.append(
            f'<tr{cls}><th class="fig-name">{escape(name)}</th>'
            f'<td class="fig-{key}-base">{yuan(b)}</td><td class="fig-{key}-what_if">{yuan(w)}</td>'
            f'<td class="fig-{key}-change">{sign}{yuan(delta)}</td></tr>'
        )
    title = escape(text("dashboard_page", "figures", lang))
    return (
        f'<table class="dash-figures"><thead><tr><th>{title}</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


CSS = """<style>
.dash-figures {border-collapse: collapse; font-size: 15px; margin: 6px 0 12px 0}
.dash-figures th, .dash-figures td {padding: 4px 12px; border-bottom: 1px solid #ddd; text-align: right;
  font-variant-numeric: tabular-nums; white-space: nowrap}
.dash-figures th.fig-name {text-align: left}
.dash-figures tr.dash-total {font-weight: bold; background: #f3f6fa}
.dash-lever-label {white-space: normal; line-height: 1.3; padding-top: 4px}
.dash-group {font-weight: bold; margin-top: 10px; border-bottom: 1px solid #ccc}
.dash-error {color: #b00020; font-weight: bold}
</style>"""


def page_font(model: DashboardModel) -> str:
    """A ``<style>`` embedding the Chinese glyphs the page can show (this machine's browser may
    have no CJK font): every character of the scenario files, the notebook and the modules whose
    words reach the screen, subset once when the dashboard starts."""

    texts = [Path(f["path"]).read_text("utf-8") for f in model.base.chain]
    texts.append(notebook_path("what_if.py").read_text("utf-8"))
    here = resources.files("simulate")
    for name in (
        "report/dashboard_app.py",
        "report/dashboard_page.py",
        "analysis/dashboard_model.py",
        "analysis/dashboard_variant.py",
        "report/story.py",
        "report/story_words.py",
        "report/html_tables.py",
        "analysis/whatif.py",
        "results/budget.py",
        "results/outlay.py",
        "vocabulary.yaml",
        "report/charts.py",
        "formatting.py",
        "labels.yaml",
    ):
        if here.joinpath(name).is_file():
            texts.append(here.joinpath(name).read_text("utf-8"))
    face = css_font_face("".join(texts))
    stack = f"'{CSS_FAMILY}', 'DejaVu Sans', sans-serif"
    return (
        f"<style>{face}\nbody, .jp-RenderedHTMLCommon, .widget-label, .widget-html-content, .widget-button, "
        f".widget-toggle-button, select, input, button, h1, h2, h3, table {{font-family: {stack} !important}}\n"
        f"code {{font-family: '{CSS_FAMILY}', 'DejaVu Sans Mono', monospace !important}}</style>"
    )
