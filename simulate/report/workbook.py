"""The report's workbook as a 测算表: parameters, live formulas and the budget headline.

Issue 12 item 5. The first sheet 汇总 holds the parameter block (standards, the fiscal split,
every tier's amount or percent and payer, the multiple-identity rule, the what-if changes)
and the budget headline. The 测算 sheet computes 金额 = 人数 × 人均 for every tier and payment
time with Excel formulas that reference the parameter cells, and 合计 rows with SUM formulas;
every formula carries the engine's figure as its cached value, equal to the fen. Other
tables follow with a 合计 row each, units in the headers and 是/否 for yes/no. Document
properties carry the scenario, the changes, the seed and the version; timestamps are fixed,
so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..analysis.whatif import WhatIf
from ..labels import text
from ..money import amount, yuan_float, yuan_text
from ..results.outlay import Outlay
from ..vocabulary import Lang, Vocabulary, label
from . import count_columns, percent_columns
from .excel import display_width
from .workbook_calc import Book, ParamCells, calc_sheet, cell_address, headline_formulas


def _text(v: Any, lang: str) -> Any:
    if isinstance(v, bool):
        return text("workbook", "answer_yes" if v else "answer_no", lang)
    return v


def _param_rows(sc, lang: Lang) -> list[tuple[str, str, str, Any, str]]:
    """(key, name, unit, value, note) rows of one scenario's parameter block; value in yuan/%."""
    pol = sc.policy
    c = pol.contribution
    rows: list[tuple[str, str, str, Any, str]] = [
        (
            "personal",
            text("workbook", "personal", lang),
            text("workbook", "per_year", lang),
            yuan_float(c.personal),
            c.section,
        ),
        (
            "fiscal",
            text("workbook", "fiscal", lang),
            text("workbook", "per_year", lang),
            yuan_float(c.fiscal_subsidy),
            c.section,
        ),
    ]
    split = c.fiscal_subsidy_split
    for lv in ("central", "provincial", "city", "county"):
        rows.append(
            (
                f"split.{lv}",
                f"{text('workbook', 'split', lang)}：{label(lv, lang)}",
                "%",
                float(getattr(split, lv)),
                split.source_for(lang),
            )
        )
    rule = text("identity_rule", pol.multiple_identities.rule, lang)
    rows.append(("rule", text("workbook", "rule", lang), "", rule, pol.multiple_identities.section))
    for t in pol.tiers:
        rows += _tier_rows(t, lang, pol.vocab)
    return rows


def _tier_rows(t: Any, lang: Lang, vocab: Vocabulary) -> list[tuple[str, str, str, Any, str]]:
    """One tier's parameter rows: its amount or percent (one row per share of a split) and payer."""
    rows: list[tuple[str, str, str, Any, str]] = []
    s = t.subsidy
    form = text("subsidy_form", s.form, lang)
    name = text("workbook", "tier_form", lang, tier=t.label.get(lang), form=form)
    if s.form == "split":
        for sh in s.shares:
            payer = vocab.label(sh.source, lang)
            if sh.amount is not None:
                rows.append(
                    (
                        f"tier.{t.id}.{sh.source}",
                        f"{name}（{payer}）",
                        text("workbook", "yuan", lang),
                        yuan_float(sh.amount),
                        t.section,
                    )
                )
            elif sh.percent is not None:
                rows.append((f"tier.{t.id}.{sh.source}", f"{name}（{payer}）", "%", float(sh.percent), t.section))
            else:
                rows.append(
                    (
                        f"tier.{t.id}.{sh.source}.rest",
                        f"{name}（{payer}）",
                        "",
                        text("workbook", "rest", lang),
                        t.section,
                    )
                )
        return rows
    payer = vocab.label(s.source, lang) if s.source else ""
    value: Any = ""
    unit = ""
    if s.form == "percent":
        value, unit = float(s.percent), "%"
    elif s.form == "fixed_subsidy" and s.by_age is not None:  # amounts by age band, as text
        value = "；".join(f"{b.text()}: {yuan_text(b.amount)}" for b in s.by_age)
    elif s.form == "fixed_subsidy":
        value, unit = yuan_float(s.amount), text("workbook", "yuan", lang)
    elif s.form == "fixed_personal":
        value, unit = yuan_float(s.personal), text("workbook", "yuan", lang)
    note = f"{text('workbook', 'payer', lang)}：{payer}；{t.section}" if payer else t.section
    bounds = [f"{k} {yuan_text(v)}" for k, v in (("cap", s.cap), ("floor", s.floor)) if v is not None]
    note = "；".join([*bounds, note]) if bounds else note
    rows.append((f"tier.{t.id}", name, unit, value, note))
    return rows


def _summary(
    book: Book, outlay: Outlay, what_if: WhatIf | None, provenance: Sequence[tuple[str, str]]
) -> tuple[Any, int, dict[str, ParamCells]]:
    """The 汇总 sheet down to the headline's title: returns the sheet, the row the headline
    starts on (written after the 测算 sheets, whose totals it uses) and the parameter cells."""
    lang = book.lang
    ws, title = book.sheet(text("workbook", "summary", lang))
    f = book.fmt
    sc = outlay.scenario
    r = _summary_head(book, ws, outlay, what_if, provenance) + 1
    scen = [("base", what_if.baseline.scenario), ("what_if", sc)] if what_if else [("this", sc)]
    cols = what_if.columns(lang)[:2] if what_if else (text("workbook", "value", lang),)
    ws.write_string(r, 0, text("workbook", "params", lang), f["head"])
    ws.write_string(r, 1, text("workbook", "unit", lang), f["head"])
    for j, name in enumerate(cols):
        ws.write_string(r, 2 + j, name, f["head"])
    note_col = 2 + len(cols)
    ws.write_string(r, note_col, text("workbook", "note", lang), f["head"])
    r += 1
    params, r = _param_block(book, ws, title, r, scen, note_col)
    if what_if is not None and what_if.changes:
        ws.write_string(r, 0, text("workbook", "changes", lang), f["bold"])
        ws.write_string(r, 2, what_if.changes_text(lang, limit=50))
        r += 1
    r += 1
    ws.write_string(r, 0, text("workbook", "headline", lang), f["title"])
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 12)
    ws.set_column(2, note_col - 1, 16)
    ws.set_column(note_col, note_col, 40)
    ws.set_column(note_col + 1, note_col + 3, 14)
    return ws, r + 1, params


def _summary_head(
    book: Book, ws: Any, outlay: Outlay, what_if: WhatIf | None, provenance: Sequence[tuple[str, str]]
) -> int:
    """Title, the what-if and its baseline, and the provenance lines; returns the next row."""
    lang, f = book.lang, book.fmt
    ws.write_string(0, 0, outlay.scenario.policy.title.get(lang), f["title"])
    r = 1
    if what_if is not None:
        ws.write_string(r, 0, what_if.title(lang), f["bold"])
        r += 1
        ws.write_string(r, 0, what_if.baseline_text(lang))
        r += 1
    for k, v in provenance:
        ws.write_string(r, 0, text("workbook", "label_value", lang, label=k, value=v))
        r += 1
    return r


def _param_block(
    book: Book, ws: Any, title: str, r: int, scen: list[tuple[str, Any]], note_col: int
) -> tuple[dict[str, ParamCells], int]:
    """Each parameter row (one value column per scenario, inputs highlighted) from row ``r``;
    returns each scenario's parameter cells and the next row."""
    f = book.fmt
    rows: dict[str, list] = {}
    order: list[str] = []
    for j, (_, s) in enumerate(scen):
        for key, name, unit, value, note in _param_rows(s, book.lang):
            if key not in rows:
                rows[key] = [name, unit, [None] * len(scen), note]
                order.append(key)
            rows[key][2][j] = value
    params = {k: ParamCells() for k, _ in scen}
    for key in order:
        name, unit, values, note = rows[key]
        ws.write_string(r, 0, name)
        ws.write_string(r, 1, unit)
        for j, v in enumerate(values):
            if isinstance(v, (int, float)):
                ws.write_number(r, 2 + j, v, f["input"])
                _remember(params[scen[j][0]], key, scen[j][1], cell_address(title, r, 2 + j))
            elif v is not None:
                ws.write_string(r, 2 + j, str(v))
        ws.write_string(r, note_col, note or "", f["text"])
        r += 1
    return params, r


def _remember(p: ParamCells, key: str, scenario: Any, cell: str) -> None:
    """Note where parameter ``key`` (personal, fiscal, split.<level>, tier.<id>[.<source>]) is."""
    if key == "personal":
        p.personal = cell
    elif key == "fiscal":
        p.fiscal = cell
    elif key.startswith("split."):
        p.split[key.split(".")[1]] = cell
    elif key.startswith("tier."):
        parts = key.split(".")
        tier = scenario.policy.tier(parts[1])
        src = parts[2] if len(parts) > 2 else tier.subsidy.source
        p.tier[(parts[1], src)] = cell


def _table_sheet(book: Book, name: str, frame, *, total: bool = True, no_sum: Sequence[str] = ()) -> None:
    """One table with units in its headers, 是/否 for booleans and a 合计 row of SUM formulas."""
    from xlsxwriter.utility import xl_rowcol_to_cell as rc

    lang, f = book.lang, book.fmt
    ws, _ = book.sheet(name)
    cols = [str(c) for c in frame.columns]
    pct = set(percent_columns(cols))
    cnt = set(count_columns(cols))
    numeric = [c for c, s in zip(cols, frame.columns) if frame[s].dtype.kind in "iuf" and frame[s].dtype.kind != "b"]
    widths = []
    for j, (c, s) in enumerate(zip(cols, frame.columns)):
        ws.write_string(0, j, c, f["head"])
        kind = "pct" if c in pct else ("count" if c in cnt or frame[s].dtype.kind in "iu" else "money")
        width = display_width(c) + 2
        for i, v in enumerate(frame[s].tolist(), start=1):
            v = _text(v.item() if hasattr(v, "item") else v, lang)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                ws.write_blank(i, j, None)
            elif isinstance(v, str):
                ws.write_string(i, j, v)
                width = max(width, display_width(v) + 2)
            else:
                ws.write_number(i, j, v, f[kind] if c in numeric else None)
                width = max(width, len(amount(v)) + 2)
        widths.append(min(max(width, 8), 48))
    n = len(frame)
    if total and n:
        ws.write_string(n + 1, 0, text("workbook", "total", lang), f["ttext"])
        for j, (c, s) in enumerate(zip(cols, frame.columns)):
            if j == 0:
                continue
            if c in numeric and c not in no_sum and (c not in pct or any(k in c for k in ("占比", "share"))):
                kind = "tpct" if c in pct else ("tcount" if c in cnt or frame[s].dtype.kind in "iu" else "tmoney")
                value = float(frame[s].sum())
                ws.write_formula(
                    n + 1, j, f"=SUM({rc(1, j)}:{rc(n, j)})", f[kind], round(value, 2) if kind == "tmoney" else value
                )
            else:
                ws.write_blank(n + 1, j, None, f["ttext"])
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    ws.freeze_panes(1, 1)


def write_estimate(
    path: Path | str,
    outlay: Outlay,
    *,
    lang: Lang = "zh",
    what_if: WhatIf | None = None,
    tables: Mapping[str, Any] | None = None,
    provenance: Sequence[tuple[str, str]] = (),
    properties: Mapping[str, str] | None = None,
) -> None:
    """Write the 测算表 to ``path``: 汇总, the 测算 sheet(s), then ``tables`` (name -> frame).

    ``provenance`` lines (label, text) head the summary; ``properties`` become the document's
    custom properties (scenario, changes, seed, version). Returns None (for notebooks).
    """
    book = Book(Path(path), lang)
    try:
        date = outlay.scenario.policy.document.date
        props = dict(properties or {})
        book.wb.set_properties(
            {
                "title": outlay.scenario.policy.title.get(lang),
                "subject": what_if.title(lang) if what_if else outlay.scenario.id,
                "author": "simulate",
                "comments": "; ".join(f"{k}={v}" for k, v in props.items()),
                "created": datetime.datetime(date.year, date.month, date.day),
            }
        )
        for k, v in props.items():
            book.wb.set_custom_property(k, str(v))
        ws, row, params = _summary(book, outlay, what_if, provenance)
        key = "what_if" if what_if else "this"
        totals = calc_sheet(book, text("workbook", "calc", lang), outlay, params[key])
        runs = [(outlay, totals, params[key])]
        if what_if is not None:
            base = calc_sheet(book, text("workbook", "calc_base", lang), what_if.baseline, params["base"])
            runs.insert(0, (what_if.baseline, base, params["base"]))
        headline_formulas(book, ws, row, runs, what_if)
        for name, (frame, total, no_sum) in (tables or {}).items():
            _table_sheet(book, name, frame, total=total, no_sum=no_sum)
    finally:
        book.wb.close()
