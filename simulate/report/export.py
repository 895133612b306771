"""HTML pages of reports: a run's executed notebook as a page without code or script
(nbconvert), and a sweep's index page linking its runs; both carry their fonts inline."""

from __future__ import annotations

import html
import json
import os
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..resources import write_whole
from .fonts import CSS_FAMILY, css_font_face, is_cjk
from .outcome import INDEX_NAME, ReportError, RunResult, one_line, skip_slow_validators
from .safehtml import CSP_META, escape, with_csp

_FONT_MARKER = "/*SIMULATE-FONT-FACE*/"
_FONT_STACK = (
    "'{family}', system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', "
    "Arial, 'PingFang SC', 'Microsoft YaHei', sans-serif"
)
_MONO_STACK = "'{family}', 'DejaVu Sans Mono', Menlo, Consolas, monospace"


# --------------------------------------------------------------------------- HTML

_TEMPLATE = (
    """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block data_javascript -%}{%- endblock data_javascript -%}
{%- block data_widget_view -%}{%- endblock data_widget_view -%}
{%- block html_head_css -%}
<style type="text/css">
"""
    + _FONT_MARKER
    + """
:root { --jp-ui-font-family: %(sans)s; --jp-content-font-family: %(sans)s;
        --jp-code-font-family: %(mono)s; }
body { font-family: %(sans)s; max-width: 1100px; margin: 0 auto; }
.jp-RenderedHTMLCommon table { font-variant-numeric: tabular-nums; }
</style>
{%- endblock html_head_css -%}
"""
)


def import_html_export() -> None:
    """Import what :func:`export_html` needs (nbconvert, its templates' Jinja, fontTools)."""
    skip_slow_validators()
    import nbconvert  # noqa: F401
    from fontTools import subset  # noqa: F401
    from fontTools.ttLib import TTFont  # noqa: F401
    from nbconvert import HTMLExporter  # noqa: F401


def warm_html_export() -> threading.Thread:
    """Start importing the HTML export's modules in a thread while the kernel runs (the parent
    only waits on its sockets then): 0.3-1 s less between the last cell and report.html."""
    thread = threading.Thread(target=import_html_export, name="simulate-warm-html", daemon=True)
    thread.start()
    return thread


def export_html(executed: Path, title: str, lang: str) -> str:
    """HTML of the executed notebook without code, prompts or any script, fonts inline, under
    a Content-Security-Policy forbidding scripts; the same notebook gives the same bytes."""
    skip_slow_validators()
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    nb.metadata["title"] = title
    nb.metadata.pop("widgets", None)  # widget state comes with a script; reports are static
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index}"  # papermill's injected cell has a random id (issue 10 item 11)
    exporter = _exporter(lang if lang in ("zh", "en") else "en")
    try:
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title, "path": str(executed.parent)}})
    except Exception as exc:
        raise ReportError(f"HTML export of the report failed: {one_line(exc)}") from exc
    return with_csp(with_fonts(body))


#: An HTML exporter per page language: a sweep's worker exports one report after another, and
#: a new exporter compiles nbconvert's Jinja templates again (about 0.15 s of CPU each time).
_EXPORTERS: dict[str, Any] = {}


def _exporter(lang: str) -> Any:
    """The HTML exporter for pages in ``lang`` (zh|en): no code, prompts or scripts, images inline."""
    if lang in _EXPORTERS:
        return _EXPORTERS[lang]
    import jinja2
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    stacks = {"sans": _FONT_STACK.format(family=CSS_FAMILY), "mono": _MONO_STACK.format(family=CSS_FAMILY)}
    template = _TEMPLATE.replace("%(sans)s", stacks["sans"]).replace("%(mono)s", stacks["mono"])
    exporter = HTMLExporter(
        template_name="lab",
        template_file="simulate_report.html.j2",
        extra_loaders=[jinja2.DictLoader({"simulate_report.html.j2": template})],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code=lang,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_cell_tags={"remove_cell", "remove-cell"},
            remove_all_outputs_tags={"remove_output", "remove-output"},
            enabled=True,
        ),
        enabled=True,
    )
    _EXPORTERS[lang] = exporter
    return exporter


def with_fonts(page: str) -> str:
    """Fill the font marker with an @font-face subset covering the page's non-Latin text."""

    return page.replace(_FONT_MARKER, _font_face(visible_text(page)), 1)


#: @font-face rules by the CJK characters they cover: a sweep's reports use the same characters,
#: and subsetting the 16 MB font costs ~0.7 s of CPU each time (the rule depends on nothing else).
_FACES: dict[str, str] = {}


def _font_face(text: str) -> str:
    chars = "".join(sorted({ch for ch in text if is_cjk(ch)}))
    if chars not in _FACES:
        if len(_FACES) >= 16:
            _FACES.clear()
        _FACES[chars] = css_font_face(chars)
    return _FACES[chars]


def visible_text(page: str) -> str:
    """The characters of a page that may be shown (base64 and style blocks stripped)."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", " ", page)
    return html.unescape(page)


# --------------------------------------------------------------------------- index

_INDEX_LABELS = {
    "zh": {
        "run": "运行",
        "status": "状态",
        "ok": "完成",
        "failed": "失败",
        "report": "报告",
        "notebook": "失败的笔记本",
        "seconds": "用时（秒）",
    },
    "en": {
        "run": "Run",
        "status": "Status",
        "ok": "done",
        "failed": "failed",
        "report": "report",
        "notebook": "failed notebook",
        "seconds": "Time (s)",
    },
}


def write_index(
    out_dir: Path | str,
    runs: Iterable[RunResult],
    title: str,
    lang: str = "zh",
    *,
    parameter_columns: Sequence[str] = (),
) -> Path:
    """Write ``out_dir/index.html`` linking each run's report, with its headline figures.

    Columns: the run, the chosen parameters, then the union of the runs' ``headline``
    labels in first-seen order. Failed runs are listed as failed, linking their kept
    notebook. Written atomically; returns the index path.
    """

    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = list(runs)
    words = _INDEX_LABELS.get(lang, _INDEX_LABELS["en"])
    labels: list[str] = []
    for run in runs:
        labels += [label for label in run.headline if label not in labels]
    esc = escape  # every user text (run names, headline labels and figures, errors) as text
    head = [words["run"], *parameter_columns, *labels, words["status"]]
    rows = [_index_row(run, out_dir, words, parameter_columns, labels) for run in runs]
    body = (
        f"<h1>{esc(title)}</h1>\n<table>\n<thead><tr>"
        + "".join(f"<th>{esc(h)}</th>" for h in head)
        + "</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n"
    )
    page = with_fonts(_index_page(title, lang, body))
    target = out_dir / INDEX_NAME
    write_whole(target, page.encode("utf-8"))  # whole or not at all
    return target


def _index_row(
    run: RunResult, out_dir: Path, words: dict[str, str], parameter_columns: Sequence[str], labels: list[str]
) -> str:
    """One run's ``<tr>``: its link (or name and failure), its parameters, its headline figures."""
    esc = escape
    if run.ok:
        link = f'<a href="{esc(_relative(run.html, out_dir))}">{esc(run.name)}</a>'
        status = esc(words["ok"])
    else:
        link = esc(run.name)
        status = f'<span class="failed" title="{esc(run.error or "")}">{esc(words["failed"])}</span>'
        if run.failed_notebook is not None:
            status += f' (<a href="{esc(_relative(run.failed_notebook, out_dir))}">{esc(words["notebook"])}</a>)'
    cells = [link]
    cells += [esc(_cell_text(run.parameters.get(name))) for name in parameter_columns]
    cells += [esc(run.headline.get(label, "")) for label in labels]
    cells.append(status)
    left = 1 + len(parameter_columns)
    return (
        "<tr>"
        + "".join(f'<td class="text">{c}</td>' if i < left else f"<td>{c}</td>" for i, c in enumerate(cells))
        + "</tr>"
    )


def _index_page(title: str, lang: str, body: str) -> str:
    """The index's whole HTML page around ``body``, with the font marker :func:`with_fonts` fills."""
    esc = escape
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n{CSP_META}\n'
        f"<title>{esc(title)}</title>\n<style>\n{_FONT_MARKER}\n"
        f"body {{ font-family: {_FONT_STACK.format(family=CSS_FAMILY)}; "
        "margin: 2em auto; padding: 0 1.5em; max-width: 1100px; color: #222; }\n"
        "table { border-collapse: collapse; font-variant-numeric: tabular-nums; }\n"
        "th, td { border: 1px solid #ccc; padding: 4px 10px; }\n"
        "th { background: #f2f2f2; text-align: left; }\n"
        "td { text-align: right; } td.text { text-align: left; }\n"
        ".failed { color: #b00020; font-weight: bold; }\n"
        f"</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
