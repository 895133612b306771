"""User text in HTML pages, Markdown cells and pandas tables, shown as text and never run.

Every page the project writes puts user text (scenario titles, tier labels, notes, village and
file names, ``--set`` values) through one of these helpers, and carries :data:`CSP_META`, a
Content-Security-Policy that forbids all scripts, so that a ``<script>`` or ``onerror=`` that
slipped past the escaping still does not run (issue 10 item 1).
"""

from __future__ import annotations

import html
import itertools
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

# Reports are static: inline styles (nbconvert, Styler), fonts and images as data: URIs, and
# nothing else: no script, no plugin, no network fetch, no form, no <base> rewriting.
CSP = (
    "default-src 'none'; script-src 'none'; object-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
)
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

# ASCII punctuation that Markdown (CommonMark / mistune) may read as markup; a backslash before
# any of them makes it a literal character. & < > " ' become HTML character references instead.
_MD_PUNCT = set("\\`*_{}[]()#+-.!|~=:$^")
_HTML_CHARS = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}


def escape(value: Any) -> str:
    """``value`` as HTML text: ``& < > " '`` as character references (safe in attributes too)."""
    return html.escape("" if value is None else str(value), quote=True)


def md(value: Any) -> str:
    """``value`` as literal text inside a Markdown cell: markup characters backslash-escaped,
    HTML characters as references, line breaks as spaces (a user's text cannot start a heading,
    list, link, code span or raw HTML block)."""
    text = " ".join(("" if value is None else str(value)).split())
    return "".join(_HTML_CHARS.get(ch) or ("\\" + ch if ch in _MD_PUNCT else ch) for ch in text)


def code(value: Any) -> str:
    """``value`` in a monospace code element inside a Markdown cell (a backtick code span would
    let a backtick in user text end it early; Markdown still applies inside ``<code>``)."""
    return f"<code>{md(value)}</code>"


_ids = itertools.count()


def next_table_id() -> str:
    """A table id unique in this process and the same on every run (Styler's default is random,
    which made two runs of one report differ, issue 10 item 11)."""
    return f"t{next(_ids)}"


def _blank(value: Any) -> bool:
    """None, NaN, pd.NA or NaT: a missing cell, shown as ``na_rep``."""
    import pandas as pd

    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def style(frame, formats: Mapping[Any, Any] | None = None, *, na_rep: str = ""):
    """``frame.style`` with every cell and header escaped and a deterministic table id.

    ``formats`` maps a column to a format string (``"{:,.2f}"``) or a callable; the formatted
    text is escaped after formatting, so a formatter may return user text safely.
    """
    formats = dict(formats or {})

    def wrap(fmt: Any) -> Callable[[Any], str]:
        def cell(value: Any) -> str:
            if _blank(value):
                return escape(na_rep)
            if isinstance(fmt, str):
                text = fmt.format(value)
            elif callable(fmt):
                text = fmt(value)
            else:
                text = value
            return escape(text)

        return cell

    styler = frame.style.set_uuid(next_table_id())
    styler = styler.format({c: wrap(formats.get(c)) for c in frame.columns})
    styler = styler.format_index(escape, axis=0).format_index(escape, axis=1)
    return styler


_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
_CHARSET = re.compile(r"<meta\s+charset=[^>]*>", re.IGNORECASE)


def with_csp(page: str) -> str:
    """``page`` with :data:`CSP_META` as the first element after ``<meta charset>`` (or as the
    first element of ``<head>``), so it governs everything the page loads. Idempotent."""
    if CSP_META in page:
        return page
    charset = _CHARSET.search(page)
    if charset:
        return page[: charset.end()] + "\n" + CSP_META + page[charset.end() :]
    head = _HEAD.search(page)
    if head is None:
        raise ValueError("page has no <head> to hold the Content-Security-Policy")
    return page[: head.end()] + "\n" + CSP_META + page[head.end() :]
