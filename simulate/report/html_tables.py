"""Tables and sections of the scenario report as HTML for people: every cell formatted by its
column (money 2 decimals, counts whole, shares %, changes signed), every user text escaped
(:mod:`simulate.report.safehtml`), 合计 rows bold, and the report's CSS."""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

from ..labels import text
from ..money import amount
from ..vocabulary import SOURCE_IDS, label
from .safehtml import escape, style


def report_css() -> str:
    """The report's screen and print rules (``report.css``, data beside this module)."""
    return "<style>\n" + resources.files("simulate.report").joinpath("report.css").read_text("utf-8") + "</style>\n"


#: Source and flow names as column headers hold yuan ("disabled persons' federation" is money).
_MONEY_NAMES = {label(k, lang) for k in (*SOURCE_IDS, "fiscal_subsidy") for lang in ("zh", "en")}
_PCT_WORDS = ("占比", "占", "率", "比例", "目标", "share", "participation", "target", "percent")
_COUNT_WORDS = (
    "人数",
    "人口数",
    "任务数",
    "（人）",
    "persons",
    "enrolled",
    "residents",
    "task",
    "members",
    "late",
    "refused",
    "not enrolled",
)


def _format(column: str, kind: str, lang: str):
    """A formatter for one column: money 2 decimals, counts whole, shares %, changes signed."""
    name = str(column)
    change = "增减" in name or "change" in name
    if kind == "b":
        return lambda v: text("story", "answer_yes", lang) if v else text("story", "answer_no", lang)
    money = "元" in name or "yuan" in name or name in _MONEY_NAMES
    if kind in "iu" or (kind == "f" and any(w in name for w in _COUNT_WORDS) and not money):
        return (lambda v: amount(v, 0, sign=True)) if change else (lambda v: amount(v, 0))
    if kind == "f" and "%" in name:
        return lambda v: "—" if v is None or math.isnan(v) else (f"{v:+.2f}%" if change else f"{v:.2f}%")
    if kind == "f" and any(w in name for w in _PCT_WORDS):
        return lambda v: "—" if v is None or math.isnan(v) else f"{v:.2%}"
    if kind == "f":
        return (lambda v: amount(v, sign=True)) if change else amount
    return lambda v: (
        ""
        if v is None
        else (text("story", "answer_yes", lang) if v is True else text("story", "answer_no", lang) if v is False else v)
    )


def table_html(frame, lang: str, *, totals: Any = (), key: str | tuple[str, str] | None = "key") -> str:
    """A table for people: formatted, escaped, its 合计/total rows bold, headers that wrap."""
    keys = list(frame[key]) if key and key in frame.columns else [None] * len(frame)
    flags = list(frame["total"]) if "total" in frame.columns else [False] * len(frame)
    shown = frame.drop(columns=[c for c in (key, "total") if c and c in frame.columns])
    shown = shown.reset_index(drop=True)
    formats = {c: _format(c, shown[c].dtype.kind, lang) for c in shown.columns}
    bold = [bool(f) or (k in totals) for k, f in zip(keys, flags)]
    styler = style(shown, formats, na_rep="—").hide(axis="index")
    styler = styler.apply(
        lambda row: ["font-weight:bold; border-top:1px solid #333" if bold[row.name] else "" for _ in row], axis=1
    )
    numeric = [c for c in shown.columns if shown[c].dtype.kind in "iuf"]
    text_cols = [c for c in shown.columns if c not in numeric]
    styler = styler.set_properties(subset=numeric, **{"text-align": "right", "white-space": "nowrap"})
    styler = styler.set_properties(subset=text_cols, **{"text-align": "left"})
    dense = " dense" if len(shown.columns) > 8 else ""
    return f'<div class="sim-tbl{dense}">{styler.to_html()}</div>'


def with_total(frame, lang: str, label_col: Any, *, skip: tuple[str, ...] = ()):
    """``frame`` plus a 合计 row: money and counts summed, shares summed, rates left blank."""
    import pandas as pd

    row: dict[Any, Any] = {}
    for c in frame.columns:
        kind = frame[c].dtype.kind
        name = str(c)
        if c == label_col:
            row[c] = text("story", "total_row", lang)
        elif (
            kind in "iuf"
            and c not in skip
            and not ("率" in name or "participation" in name or "目标" in name or "target" == name)
        ):
            row[c] = frame[c].sum()
        elif kind in "iuf":
            row[c] = math.nan  # a rate has no total; NaN keeps the column numeric (shown as —)
        else:
            row[c] = None
    out = pd.concat([frame, pd.DataFrame([row])], ignore_index=True)
    out["total"] = [False] * len(frame) + [True]
    return out


def section(title: str, body: str = "", note: str = "") -> str:
    """A heading kept with what follows it (no heading alone at a page bottom)."""
    extra = f'<p class="sim-note">{note}</p>' if note else ""
    return f'<section class="sim-section"><h2>{escape(title)}</h2>{extra}{body}</section>'
