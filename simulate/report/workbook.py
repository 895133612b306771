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
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..analysis.whatif import WhatIf
from ..model.engine import cell_view
from ..money import amount, yuan_float, yuan_text
from ..policy.subsidy import TIMINGS, subsidy_shares
from ..results.outlay import Outlay
from ..vocabulary import SOURCE_IDS, label
from . import count_columns, percent_columns
from .excel import display_width, sheet_name

_W = {  # workbook words (zh, en)
    "summary": ("汇总", "Summary"),
    "calc": ("测算", "Calculation"),
    "calc_base": ("测算（基准）", "Calculation (baseline)"),
    "params": ("参数", "Parameters"),
    "unit": ("单位", "unit"),
    "value": ("取值", "value"),
    "note": ("说明（文件依据）", "note (section)"),
    "personal": ("个人缴费标准", "personal standard"),
    "fiscal": ("财政补助标准", "fiscal subsidy standard"),
    "per_year": ("元/人·年", "yuan per person-year"),
    "yuan": ("元", "yuan"),
    "pct": ("%", "%"),
    "rule": ("多重身份规则", "multiple-identity rule"),
    "split": ("财政补助分担", "fiscal subsidy share"),
    "changes": ("假设情景改动", "what-if changes"),
    "headline": ("预算口径（县级负担）", "Budget headline (the county's burden)"),
    "item": ("项目", "item"),
    "amount": ("金额（元）", "amount (yuan)"),
    "per_capita": ("人均（元/参保人）", "per enrolled person (yuan)"),
    "tier": ("资助档次", "subsidy tier"),
    "timing": ("缴费时段", "payment time"),
    "persons": ("人数（人）", "persons"),
    "each": ("人均（元）", "per person (yuan)"),
    "sum": ("金额（元）", "amount (yuan)"),
    "total": ("合计", "total"),
    "all": ("合计金额（元）", "total amount (yuan)"),
    "general": ("普通群体", "general population"),
    "population": ("人口", "population"),
    "payer": ("资助来源", "paid by"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "regular": ("期内缴费", "paid in the period"),
    "late": ("期外缴费", "paid late"),
    "newborn": ("新生儿", "newborn"),
    "rest": ("其余部分", "the rest"),
    "formula_note": (
        "测算表：金额 = 人数 × 人均；人均引用“汇总”表的参数单元格，改参数即重算。",
        (
            "金额 = persons × per person; per-person amounts reference the parameters on the "
            "Summary sheet, so changing a parameter recalculates."
        ),
    ),
}
_FORMS = {
    "full": ("全额资助", "full"),
    "percent": ("按比例资助", "percent"),
    "fixed_subsidy": ("定额资助", "fixed subsidy"),
    "fixed_personal": ("个人定额缴费", "fixed personal payment"),
    "split": ("分担资助", "split"),
    "none": ("未规定资助", "no subsidy stated"),
}
_RULES = {"priority": ("按优先顺序", "priority order"), "highest_benefit": ("就高不就低", "highest benefit")}


def w(key: str, lang: str) -> str:
    zh, en = _W[key]
    return zh if lang == "zh" else en


@dataclass
class _Params:
    """Cell addresses of one scenario's parameters on the summary sheet."""

    personal: str = ""
    fiscal: str = ""
    tier: dict[tuple[str, str], str] = field(default_factory=dict)  # (tier id, source) -> cell
    split: dict[str, str] = field(default_factory=dict)  # level -> cell (percent)


def _cell(sheet: str, row: int, col: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell

    return f"'{sheet}'!{xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)}"


class _Book:
    """An xlsxwriter workbook with the report's formats and unique sheet names."""

    def __init__(self, path: Path, lang: str) -> None:
        import xlsxwriter

        self.lang = lang
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "nan_inf_to_errors": True,
            },
        )
        f = self.wb.add_format
        self.fmt = {
            "title": f({"bold": True, "font_size": 14}),
            "bold": f({"bold": True}),
            "head": f({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, "bg_color": "#F2F2F2"}),
            "money": f({"num_format": "#,##0.00"}),
            "count": f({"num_format": "#,##0"}),
            "pct": f({"num_format": "0.00%"}),
            "text": f({"text_wrap": True, "valign": "top"}),
            "input": f({"num_format": "#,##0.00", "bg_color": "#FFF2CC"}),
            "tmoney": f({"num_format": "#,##0.00", "bold": True, "top": 1}),
            "tcount": f({"num_format": "#,##0", "bold": True, "top": 1}),
            "tpct": f({"num_format": "0.00%", "bold": True, "top": 1}),
            "ttext": f({"bold": True, "top": 1}),
            "plain": None,
        }
        self.taken: list[str] = []

    def sheet(self, name: str):
        title = sheet_name(name, self.taken)
        self.taken.append(title)
        return self.wb.add_worksheet(title), title


def _text(v: Any, lang: str) -> Any:
    if isinstance(v, bool):
        return w("yes" if v else "no", lang)
    return v


def _param_rows(sc, lang: str) -> list[tuple[str, str, str, Any, str]]:
    """(key, name, unit, value, note) rows of one scenario's parameter block; value in yuan/%."""
    pol = sc.policy
    c = pol.contribution
    rows: list[tuple[str, str, str, Any, str]] = [
        ("personal", w("personal", lang), w("per_year", lang), yuan_float(c.personal), c.section),
        ("fiscal", w("fiscal", lang), w("per_year", lang), yuan_float(c.fiscal_subsidy), c.section),
    ]
    split = c.fiscal_subsidy_split
    for lv in ("central", "provincial", "city", "county"):
        rows.append(
            (
                f"split.{lv}",
                f"{w('split', lang)}：{label(lv, lang)}",
                "%",
                float(getattr(split, lv)),
                split.source_for(lang),
            )
        )
    rule = _RULES[pol.multiple_identities.rule]
    rows.append(("rule", w("rule", lang), "", rule[0] if lang == "zh" else rule[1], pol.multiple_identities.section))
    for t in pol.tiers:
        s = t.subsidy
        form = _FORMS[s.form][0 if lang == "zh" else 1]
        name = f"{t.label.get(lang)}：{form}" if lang == "zh" else f"{t.label.get(lang)}: {form}"
        if s.form == "split":
            for sh in s.shares:
                payer = label(sh.source, lang)
                if sh.amount is not None:
                    rows.append(
                        (
                            f"tier.{t.id}.{sh.source}",
                            f"{name}（{payer}）",
                            w("yuan", lang),
                            yuan_float(sh.amount),
                            t.section,
                        )
                    )
                elif sh.percent is not None:
                    rows.append((f"tier.{t.id}.{sh.source}", f"{name}（{payer}）", "%", float(sh.percent), t.section))
                else:
                    rows.append((f"tier.{t.id}.{sh.source}.rest", f"{name}（{payer}）", "", w("rest", lang), t.section))
            continue
        payer = label(s.source, lang) if s.source else ""
        value: Any = ""
        unit = ""
        if s.form == "percent":
            value, unit = float(s.percent), "%"
        elif s.form == "fixed_subsidy" and s.by_age is not None:  # amounts by age band, as text
            value = "；".join(f"{b.text()}: {yuan_text(b.amount)}" for b in s.by_age)
        elif s.form == "fixed_subsidy":
            value, unit = yuan_float(s.amount), w("yuan", lang)
        elif s.form == "fixed_personal":
            value, unit = yuan_float(s.personal), w("yuan", lang)
        note = f"{w('payer', lang)}：{payer}；{t.section}" if payer else t.section
        bounds = [f"{k} {yuan_text(v)}" for k, v in (("cap", s.cap), ("floor", s.floor)) if v is not None]
        note = "；".join([*bounds, note]) if bounds else note
        rows.append((f"tier.{t.id}", name, unit, value, note))
    return rows


def _per_capita_formula(sc, tier_id: str, source: str, params: _Params) -> tuple[str, int] | None:
    """The regular-time per-person formula of one tier and source, and its value in fen."""
    pol = sc.policy
    std = pol.contribution.personal
    P = params.personal
    tier = None if tier_id == "general" else pol.tier(tier_id)
    shares = subsidy_shares(tier.subsidy, std) if tier is not None else {}

    def subsidy_formula(src: str) -> str | None:
        s = tier.subsidy
        cell = params.tier.get((tier_id, src))
        if s.form == "full":
            return P
        if s.form == "percent":  # a cap or floor (yuan) holds the rounded share, never above P
            got = f"ROUND({P}*{cell}/100,2)"
            got = got if s.cap is None else f"MIN({got},{yuan_float(s.cap)})"
            got = got if s.floor is None else f"MAX({got},{yuan_float(s.floor)})"
            return got if s.cap is None and s.floor is None else f"MIN({got},{P})"
        if s.form == "fixed_subsidy":
            return f"MIN({cell},{P})" if s.by_age is None else None
        if s.form == "fixed_personal":
            return f"{P}-MIN({cell},{P})"
        if s.form == "split":
            sh = next(x for x in s.shares if x.source == src)
            if sh.amount is not None:
                return cell
            if sh.percent is not None:
                return f"ROUND({P}*{cell}/100,2)"
            others = [subsidy_formula(x.source) for x in s.shares if not x.rest]
            return f"{P}-(" + "+".join(others) + ")" if others else P
        return None

    if source == "individual":
        parts = [subsidy_formula(src) for src in shares] if tier is not None else []
        if any(p is None for p in parts):
            return None
        return (P + "".join(f"-({p})" for p in parts), std - sum(shares.values()))
    if source not in shares:
        return None
    f = subsidy_formula(source)
    return (f, shares[source]) if f else None


def _summary(
    book: _Book, outlay: Outlay, what_if: WhatIf | None, provenance: Sequence[tuple[str, str]]
) -> tuple[str, dict[str, _Params]]:
    lang = book.lang
    ws, title = book.sheet(w("summary", lang))
    f = book.fmt
    sc = outlay.scenario
    ws.write_string(0, 0, sc.policy.title.get(lang), f["title"])
    r = 1
    if what_if is not None:
        ws.write_string(r, 0, what_if.title(lang), f["bold"])
        r += 1
        ws.write_string(r, 0, what_if.baseline_text(lang))
        r += 1
    for k, v in provenance:
        ws.write_string(r, 0, f"{k}：{v}" if lang == "zh" else f"{k}: {v}")
        r += 1
    r += 1
    scen = [("base", what_if.baseline.scenario), ("what_if", sc)] if what_if else [("this", sc)]
    cols = what_if.columns(lang)[:2] if what_if else (w("value", lang),)
    ws.write_string(r, 0, w("params", lang), f["head"])
    ws.write_string(r, 1, w("unit", lang), f["head"])
    for j, name in enumerate(cols):
        ws.write_string(r, 2 + j, name, f["head"])
    note_col = 2 + len(cols)
    ws.write_string(r, note_col, w("note", lang), f["head"])
    r += 1
    rows: dict[str, list] = {}
    order: list[str] = []
    for j, (_, s) in enumerate(scen):
        for key, name, unit, value, note in _param_rows(s, lang):
            if key not in rows:
                rows[key] = [name, unit, [None] * len(scen), note]
                order.append(key)
            rows[key][2][j] = value
    params = {k: _Params() for k, _ in scen}
    for key in order:
        name, unit, values, note = rows[key]
        ws.write_string(r, 0, name)
        ws.write_string(r, 1, unit)
        for j, v in enumerate(values):
            if isinstance(v, (int, float)):
                ws.write_number(r, 2 + j, v, f["input"])
                p = params[scen[j][0]]
                cell = _cell(title, r, 2 + j)
                if key == "personal":
                    p.personal = cell
                elif key == "fiscal":
                    p.fiscal = cell
                elif key.startswith("split."):
                    p.split[key.split(".")[1]] = cell
                elif key.startswith("tier."):
                    parts = key.split(".")
                    tier = scen[j][1].policy.tier(parts[1])
                    src = parts[2] if len(parts) > 2 else tier.subsidy.source
                    p.tier[(parts[1], src)] = cell
            elif v is not None:
                ws.write_string(r, 2 + j, str(v))
        ws.write_string(r, note_col, note or "", f["text"])
        r += 1
    if what_if is not None and what_if.changes:
        ws.write_string(r, 0, w("changes", lang), f["bold"])
        ws.write_string(r, 2, what_if.changes_text(lang, limit=50))
        r += 1
    r += 1
    ws.write_string(r, 0, w("headline", lang), f["title"])
    params["_row"] = r + 1  # type: ignore[assignment]  # the headline follows (after the 测算 sheets)
    params["_sheet"] = ws  # type: ignore[assignment]
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 12)
    ws.set_column(2, note_col - 1, 16)
    ws.set_column(note_col, note_col, 40)
    ws.set_column(note_col + 1, note_col + 3, 14)
    return title, params


def _headline_formulas(
    book: _Book, ws, r: int, runs: Sequence[tuple[Outlay, dict[str, str], _Params]], what_if: WhatIf | None
) -> None:
    """The budget headline on 汇总 as formulas over the 测算 totals and the split parameters.

    Group totals are SUMs of their lines, 政府支出合计 adds the groups, 人均 divides by the
    enrolled persons; work funds and awards (and cited splits) are the engine's figures.
    Every cached value is the engine's, to the fen.
    """
    from xlsxwriter.utility import xl_rowcol_to_cell as rc

    lang, f = book.lang, book.fmt
    heads = [w("item", lang)]
    heads += (
        [f"{n}（元）" if lang == "zh" else f"{n} (yuan)" for n in what_if.columns(lang)[:2]]
        if what_if
        else [w("amount", lang)]
    )
    if what_if:
        cd, cp = what_if.columns(lang)[2:]
        heads += [f"{cd}（元）" if lang == "zh" else f"{cd} (yuan)", cp]
    heads.append(w("per_capita", lang))
    for j, h in enumerate(heads):
        ws.write_string(r, j, h, f["head"])
    budgets = [out.budget() for out, _, _ in runs]
    fens = [{key: v for key, _, v, _ in b.rows(lang)} for b in budgets]
    rows: list[tuple[str, str, bool]] = []
    for b in budgets:
        rows += [(k, text, t) for k, text, _, t in b.rows(lang) if k not in [x[0] for x in rows]]
    groups = {ln.key: ln.group for b in budgets for ln in b.lines}
    at = {k: r + 1 + i for i, (k, _, _) in enumerate(rows)}
    parts = {
        "financing_total": "financing",
        "county_burden": "county",
        "separate": "separate",
        "other_levels": "other_levels",
    }
    n = len(runs)
    for k, text, bold in rows:
        row = at[k]
        ws.write_string(row, 0, text, f["ttext"] if bold else None)
        for j, (out, totals, params) in enumerate(runs):
            fen = fens[j].get(k, 0)
            col = 1 + j
            ws.write_formula(
                row,
                col,
                "=" + _headline_formula(k, fen, col, out, totals, params, groups, at, parts),
                f["tmoney"] if bold else f["money"],
                yuan_float(fen),
            )
        last = rc(row, n)
        if what_if:
            base, now = fens[0].get(k, 0), fens[1].get(k, 0)
            ws.write_formula(
                row, 3, f"={last}-{rc(row, 1)}", f["tmoney"] if bold else f["money"], yuan_float(now - base)
            )
            if base:
                ws.write_formula(
                    row, 4, f"=({last}-{rc(row, 1)})/{rc(row, 1)}", f["tpct"] if bold else f["pct"], (now - base) / base
                )
            else:
                ws.write_blank(row, 4, None)
        out, totals, _ = runs[-1]
        fen = fens[-1].get(k, 0)
        ws.write_formula(
            row,
            len(heads) - 1,
            f"=IF({totals['persons']}=0,0,{last}/{totals['persons']})",
            f["money"],
            fen / out.enrolled / 100 if out.enrolled else 0,
        )


def _headline_formula(
    key: str,
    fen: int,
    col: int,
    out: Outlay,
    totals: dict[str, str],
    params: _Params,
    groups: dict[str, str],
    at: dict[str, int],
    parts: dict[str, str],
) -> str:
    """The formula of one headline cell (as text, without ``=``)."""
    from xlsxwriter.utility import xl_rowcol_to_cell as rc

    def cell(k: str) -> str:
        return rc(at[k], col)

    if key in parts:
        lines = [k for k, g in groups.items() if g == parts[key] and k in at]
        return f"SUM({','.join(cell(k) for k in lines)})" if lines else "0"
    if key == "government_total":
        return "+".join(cell(k) for k in ("county_burden", "separate", "other_levels") if k in at)
    if key == "subsidies":
        subs = [v for s, v in totals.items() if s in SOURCE_IDS and s != "individual"]
        return "+".join(subs) if subs else "0"
    if key in totals and key in (*SOURCE_IDS, "fiscal_subsidy"):
        return totals[key]
    if key in SOURCE_IDS:
        return "0"
    if key.startswith("fiscal_subsidy.") and key.split(".")[1] in params.split:
        pct = Decimal(str(getattr(out.scenario.policy.contribution.fiscal_subsidy_split, key.split(".")[1])))
        exact = Decimal(out.fiscal_fen()) * pct / 100
        if exact == exact.to_integral_value() and int(exact) == fen:  # ROUND would not move it
            return f"ROUND({totals['fiscal_subsidy']}*{params.split[key.split('.')[1]]}/100,2)"
    return repr(yuan_float(fen))


def _calc_sheet(book: _Book, name: str, outlay: Outlay, params: _Params) -> dict[str, str]:
    """金额 = 人数 × 人均 per (tier, payment time) with formulas; returns the 合计 cells by source."""
    from xlsxwriter.utility import xl_rowcol_to_cell as rc

    lang, f = book.lang, book.fmt
    ws, title = book.sheet(name)
    sc, t = outlay.scenario, outlay.tables
    c_counts, c_pays, c_fiscal, _ = cell_view(t, outlay.tally)  # several standards: a row per cell
    counts_c = c_counts.sum(axis=3)  # [C, T, M]
    paying = [j for j, s in enumerate(SOURCE_IDS) if j == 0 or (counts_c[..., None] * c_pays)[..., j].any()]
    cell_names = _cell_names(outlay, lang)
    heads = [w("tier", lang), w("timing", lang), w("persons", lang)]
    for j in paying:
        heads += [f"{label(SOURCE_IDS[j], lang)} {w('each', lang)}", f"{label(SOURCE_IDS[j], lang)} {w('sum', lang)}"]
    heads += [
        f"{label('fiscal_subsidy', lang)} {w('each', lang)}",
        f"{label('fiscal_subsidy', lang)} {w('sum', lang)}",
        w("all", lang),
    ]
    ws.write_string(0, 0, w("formula_note", lang))
    for c, h in enumerate(heads):
        ws.write_string(1, c, h, f["head"])
    names = {tt.id: tt.label.get(lang) for tt in sc.policy.tiers}
    names["general"] = w("general", lang)
    r = 2
    first = r
    amount_cols: list[int] = []
    rows = itertools.product(enumerate(t.tier_ids), enumerate(TIMINGS), range(counts_c.shape[0]))
    for (ti, tid), (mi, timing), ci in rows:
        n = int(counts_c[ci, ti, mi])
        if n == 0:
            continue
        pays, fiscal = c_pays[ci], c_fiscal[ci]
        ws.write_string(r, 0, names.get(tid, tid) + cell_names[ci])
        ws.write_string(r, 1, w(timing, lang) if timing in ("regular", "late", "newborn") else timing)
        ws.write_number(r, 2, n, f["count"])
        c = 3
        row_amounts = []
        for j in paying:
            fen = int(pays[ti, mi, j])
            formula = None
            if not t.several:  # the parameters explain one standard's cells only
                formula = _timing_formula(sc, tid, SOURCE_IDS[j], timing, fen, t.pays[ti, 0, j], params, t, ti)
            if formula:
                ws.write_formula(r, c, "=" + formula, f["money"], yuan_float(fen))
            else:
                ws.write_number(r, c, yuan_float(fen), f["money"])
            ws.write_formula(r, c + 1, f"={rc(r, 2)}*{rc(r, c)}", f["money"], yuan_float(n * fen))
            row_amounts.append(rc(r, c + 1))
            amount_cols.append(c + 1)
            c += 2
        fen = int(fiscal[ti, mi])
        if fen == sc.policy.contribution.fiscal_subsidy and params.fiscal and not t.several:
            ws.write_formula(r, c, "=" + params.fiscal, f["money"], yuan_float(fen))
        else:
            ws.write_number(r, c, yuan_float(fen), f["money"])
        ws.write_formula(r, c + 1, f"={rc(r, 2)}*{rc(r, c)}", f["money"], yuan_float(n * fen))
        row_amounts.append(rc(r, c + 1))
        total = n * (int(pays[ti, mi].sum()) + fen)
        ws.write_formula(r, c + 2, "=" + "+".join(row_amounts), f["money"], yuan_float(total))
        r += 1
    last = r - 1
    ws.write_string(r, 0, w("total", lang), f["ttext"])
    ws.write_string(r, 1, "", f["ttext"])
    totals: dict[str, str] = {"persons": _cell(title, r, 2)}
    sums = {2: outlay.enrolled}
    fen_by_source = outlay.source_fen()
    c = 3
    for j in paying:
        sums[c + 1] = int(fen_by_source[j])
        totals[SOURCE_IDS[j]] = _cell(title, r, c + 1)
        c += 2
    sums[c + 1] = outlay.fiscal_fen()
    totals["fiscal_subsidy"] = _cell(title, r, c + 1)
    sums[c + 2] = int(fen_by_source.sum()) + outlay.fiscal_fen()
    totals["all"] = _cell(title, r, c + 2)
    for col in range(2, len(heads)):
        if col in sums:
            value = sums[col] if col == 2 else yuan_float(sums[col])
            rng = f"{rc(first, col)}:{rc(last, col)}" if last >= first else None
            ws.write_formula(r, col, f"=SUM({rng})" if rng else "=0", f["tcount"] if col == 2 else f["tmoney"], value)
        else:
            ws.write_blank(r, col, None, f["ttext"])
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 12)
    ws.set_column(2, len(heads) - 1, 15)
    ws.freeze_panes(2, 2)
    return totals


def _cell_names(outlay: Outlay, lang: str) -> list[str]:
    """A suffix naming each cell (the standard, and the age band of ``by_age`` amounts) for
    the rows of a scenario with several standards; [""] when it has one."""
    cells = outlay.tables.cells
    if cells is None:
        return [""]
    listed = outlay.scenario.policy.contribution.standard_list()
    names = {s.id: s.label.get(lang) for s in outlay.scenario.policy.contribution.standards}
    out = []
    for ci in range(cells.n):
        sid, personal, _ = listed[cells.standard(ci)]
        part = f"{names.get(sid, '')} {yuan_text(personal)}".strip()
        if cells.n_ages > 1:
            lo = cells.age(ci)
            seg = ci % cells.n_ages
            hi = int(cells.breaks[seg]) if seg < cells.breaks.shape[0] else None
            part += f"，{lo}–{hi - 1}" if hi is not None else f"，{lo}+"
        out.append(f"（{part}）" if lang == "zh" else f" ({part})")
    return out


def _timing_formula(
    sc, tid: str, source: str, timing: str, fen: int, regular_fen, params: _Params, t, ti: int
) -> str | None:
    """A formula for one per-person cell when the parameters explain it, else None (a number)."""
    pol = sc.policy
    if timing == "regular" or (
        int(t.pays[ti, 0].sum()) == int(t.pays[ti, TIMINGS.index(timing)].sum()) and fen == int(regular_fen)
    ):
        got = _per_capita_formula(sc, tid, source, params) if params.personal else None
        if got and got[1] == fen:
            return got[0]
        return None
    std, fs = pol.contribution.personal, pol.contribution.fiscal_subsidy
    late = pol.timing.late
    if late.mode == "fixed_charge" and fen == late.charge:
        return None  # a stated charge (思南 830 元) does not follow the standards: a number, not a formula
    if source == "individual" and params.personal:
        if fen == std + fs and params.fiscal:
            return f"{params.personal}+{params.fiscal}"
        if fen == std:
            return params.personal
    return None


def _table_sheet(book: _Book, name: str, frame, *, total: bool = True, no_sum: Sequence[str] = ()) -> None:
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
        ws.write_string(n + 1, 0, w("total", lang), f["ttext"])
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
    lang: str = "zh",
    what_if: WhatIf | None = None,
    tables: Mapping[str, Any] | None = None,
    provenance: Sequence[tuple[str, str]] = (),
    properties: Mapping[str, str] | None = None,
) -> None:
    """Write the 测算表 to ``path``: 汇总, the 测算 sheet(s), then ``tables`` (name -> frame).

    ``provenance`` lines (label, text) head the summary; ``properties`` become the document's
    custom properties (scenario, changes, seed, version). Returns None (for notebooks).
    """
    book = _Book(Path(path), lang)
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
        _, params = _summary(book, outlay, what_if, provenance)
        ws, row = params.pop("_sheet"), params.pop("_row")
        key = "what_if" if what_if else "this"
        totals = _calc_sheet(book, w("calc", lang), outlay, params[key])
        runs = [(outlay, totals, params[key])]
        if what_if is not None:
            base = _calc_sheet(book, w("calc_base", lang), what_if.baseline, params["base"])
            runs.insert(0, (what_if.baseline, base, params["base"]))
        _headline_formulas(book, ws, row, runs, what_if)
        for name, (frame, total, no_sum) in (tables or {}).items():
            _table_sheet(book, name, frame, total=total, no_sum=no_sum)
    finally:
        book.wb.close()
