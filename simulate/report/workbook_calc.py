"""The 测算表's formulas: 金额 = 人数 × 人均 for every tier and payment time, and the budget
headline on 汇总, as Excel formulas over the parameter cells (issue 12 item 5).

Every formula carries the engine's figure as its cached value, equal to the fen; a cell the
parameters do not explain (a stated late charge, a cited split that rounds) is a number.
:mod:`simulate.report.workbook` lays out the sheets and calls these.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import numpy as np

from ..analysis.whatif import WhatIf
from ..labels import text
from ..model.engine import cell_view
from ..money import yuan_float, yuan_text
from ..policy.subsidy import TIMINGS, subsidy_shares
from ..results.outlay import Outlay
from ..vocabulary import Lang, label
from .excel import sheet_name


@dataclass
class ParamCells:
    """Cell addresses of one scenario's parameters on the summary sheet."""

    personal: str = ""
    fiscal: str = ""
    tier: dict[tuple[str, str], str] = field(default_factory=dict)  # (tier id, source) -> cell
    split: dict[str, str] = field(default_factory=dict)  # level -> cell (percent)


def cell_address(sheet: str, row: int, col: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell

    return f"'{sheet}'!{xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)}"


class Book:
    """An xlsxwriter workbook with the report's formats and unique sheet names."""

    def __init__(self, path: Path, lang: Lang) -> None:
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


def per_capita_formula(sc, tier_id: str, source: str, params: ParamCells) -> tuple[str, int] | None:
    """The regular-time per-person formula of one tier and source, and its value in fen."""
    pol = sc.policy
    std = pol.contribution.personal
    P = params.personal
    tier = None if tier_id == "general" else pol.tier(tier_id)
    shares = subsidy_shares(tier.subsidy, std) if tier is not None else {}

    def subsidy_formula(src: str) -> str | None:
        assert tier is not None  # called only for a tier's own sources (shares is empty otherwise)
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
            return f"{P}-(" + "+".join(cast(list[str], others)) + ")" if others else P
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


def timing_formula(
    sc, tid: str, source: str, timing: str, fen: int, regular_fen, params: ParamCells, t, ti: int
) -> str | None:
    """A formula for one per-person cell when the parameters explain it, else None (a number)."""
    pol = sc.policy
    if timing == "regular" or (
        int(t.pays[ti, 0].sum()) == int(t.pays[ti, TIMINGS.index(timing)].sum()) and fen == int(regular_fen)
    ):
        got = per_capita_formula(sc, tid, source, params) if params.personal else None
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


def calc_sheet(book: Book, name: str, outlay: Outlay, params: ParamCells) -> dict[str, str]:
    """金额 = 人数 × 人均 per (tier, payment time) with formulas; returns the 合计 cells by source."""
    lang, f = book.lang, book.fmt
    ws, title = book.sheet(name)
    sc, t = outlay.scenario, outlay.tables
    c_counts, c_pays, c_fiscal, _ = cell_view(t, outlay.tally)  # several standards: a row per cell
    counts = c_counts.sum(axis=3)  # [C, T, M]
    paying = [j for j, s in enumerate(outlay.sources) if j == 0 or (counts[..., None] * c_pays)[..., j].any()]
    heads = _calc_heads(outlay, paying, lang)
    ws.write_string(0, 0, text("workbook", "formula_note", lang))
    for c, h in enumerate(heads):
        ws.write_string(1, c, h, f["head"])
    names = {tt.id: tt.label.get(lang) for tt in sc.policy.tiers}
    names["general"] = text("workbook", "general", lang)
    cell_names = _cell_names(outlay, lang)
    r = first = 2
    rows = itertools.product(enumerate(t.tier_ids), enumerate(TIMINGS), range(counts.shape[0]))
    for (ti, tid), (mi, timing), ci in rows:
        n = int(counts[ci, ti, mi])
        if n == 0:
            continue
        ws.write_string(r, 0, names.get(tid, tid) + cell_names[ci])
        ws.write_string(r, 1, text("workbook", timing, lang) if timing in ("regular", "late", "newborn") else timing)
        ws.write_number(r, 2, n, f["count"])
        _calc_row(book, ws, r, outlay, params, paying, (ti, tid), (mi, timing), n, (c_pays[ci], c_fiscal[ci]))
        r += 1
    totals = _calc_totals(book, ws, title, (first, r), outlay, paying, len(heads))
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 12)
    ws.set_column(2, len(heads) - 1, 15)
    ws.freeze_panes(2, 2)
    return totals


def _calc_heads(outlay: Outlay, paying: list[int], lang: Lang) -> list[str]:
    """The 测算 sheet's headings: tier, payment time, persons, then 人均 and 金额 per source."""
    heads = [text("workbook", "tier", lang), text("workbook", "timing", lang), text("workbook", "persons", lang)]
    for j in paying:
        heads += [
            f"{outlay.vocab.label(outlay.sources[j], lang)} {text('workbook', 'each', lang)}",
            f"{outlay.vocab.label(outlay.sources[j], lang)} {text('workbook', 'sum', lang)}",
        ]
    heads += [
        f"{label('fiscal_subsidy', lang)} {text('workbook', 'each', lang)}",
        f"{label('fiscal_subsidy', lang)} {text('workbook', 'sum', lang)}",
        text("workbook", "all", lang),
    ]
    return heads


def _calc_row(
    book: Book,
    ws: Any,
    r: int,
    outlay: Outlay,
    params: ParamCells,
    paying: list[int],
    tier: tuple[int, str],
    timing: tuple[int, str],
    n: int,
    cell: tuple[np.ndarray, np.ndarray],
) -> None:
    """One (tier, payment time) row: 人均 (a formula where the parameters explain it) and
    金额 = 人数 × 人均 per paying source and the fiscal subsidy, then the row's 合计金额."""
    from xlsxwriter.utility import xl_rowcol_to_cell as rc

    f, sc, t = book.fmt, outlay.scenario, outlay.tables
    (ti, tid), (mi, when) = tier, timing
    c = 3
    row_amounts = []
    pays, fiscal = cell
    for j in paying:
        fen = int(pays[ti, mi, j])
        formula = None
        if not t.several:  # the parameters explain one standard's cells only
            formula = timing_formula(sc, tid, outlay.sources[j], when, fen, t.pays[ti, 0, j], params, t, ti)
        if formula:
            ws.write_formula(r, c, "=" + formula, f["money"], yuan_float(fen))
        else:
            ws.write_number(r, c, yuan_float(fen), f["money"])
        ws.write_formula(r, c + 1, f"={rc(r, 2)}*{rc(r, c)}", f["money"], yuan_float(n * fen))
        row_amounts.append(rc(r, c + 1))
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


def _calc_totals(
    book: Book, ws: Any, title: str, rows: tuple[int, int], outlay: Outlay, paying: list[int], width: int
) -> dict[str, str]:
    """The 合计 row of SUM formulas (rows ``first`` to ``r - 1``, written at ``r``); returns
    its cells by source (and ``persons``, ``fiscal_subsidy``, ``all``)."""
    from xlsxwriter.utility import xl_rowcol_to_cell as rc

    f = book.fmt
    first, r = rows
    last = r - 1
    ws.write_string(r, 0, text("workbook", "total", book.lang), f["ttext"])
    ws.write_string(r, 1, "", f["ttext"])
    totals: dict[str, str] = {"persons": cell_address(title, r, 2)}
    sums = {2: outlay.enrolled}
    fen_by_source = outlay.source_fen()
    c = 3
    for j in paying:
        sums[c + 1] = int(fen_by_source[j])
        totals[outlay.sources[j]] = cell_address(title, r, c + 1)
        c += 2
    sums[c + 1] = outlay.fiscal_fen()
    totals["fiscal_subsidy"] = cell_address(title, r, c + 1)
    sums[c + 2] = int(fen_by_source.sum()) + outlay.fiscal_fen()
    totals["all"] = cell_address(title, r, c + 2)
    for col in range(2, width):
        if col in sums:
            value = sums[col] if col == 2 else yuan_float(sums[col])
            rng = f"{rc(first, col)}:{rc(last, col)}" if last >= first else None
            ws.write_formula(r, col, f"=SUM({rng})" if rng else "=0", f["tcount"] if col == 2 else f["tmoney"], value)
        else:
            ws.write_blank(r, col, None, f["ttext"])
    return totals


def headline_formulas(
    book: Book, ws, r: int, runs: Sequence[tuple[Outlay, dict[str, str], ParamCells]], what_if: WhatIf | None
) -> None:
    """The budget headline on 汇总 as formulas over the 测算 totals and the split parameters.

    Group totals are SUMs of their lines, 政府支出合计 adds the groups, 人均 divides by the
    enrolled persons; work funds and awards (and cited splits) are the engine's figures.
    Every cached value is the engine's, to the fen.
    """
    from xlsxwriter.utility import xl_rowcol_to_cell as rc

    lang, f = book.lang, book.fmt
    heads = _headline_heads(lang, what_if)
    for j, h in enumerate(heads):
        ws.write_string(r, j, h, f["head"])
    budgets = [out.budget() for out, _, _ in runs]
    fens = [{key: v for key, _, v, _ in b.rows(lang)} for b in budgets]
    rows: list[tuple[str, str, bool]] = []
    for b in budgets:
        rows += [(k, line_name, t) for k, line_name, _, t in b.rows(lang) if k not in [x[0] for x in rows]]
    groups = {ln.key: ln.group for b in budgets for ln in b.lines}
    at = {k: r + 1 + i for i, (k, _, _) in enumerate(rows)}
    parts = {
        "financing_total": "financing",
        "county_burden": "county",
        "separate": "separate",
        "other_levels": "other_levels",
    }
    n = len(runs)
    for k, line_name, bold in rows:
        row = at[k]
        ws.write_string(row, 0, line_name, f["ttext"] if bold else None)
        for j, (out, totals, params) in enumerate(runs):
            fen = fens[j].get(k, 0)
            col = 1 + j
            ws.write_formula(
                row,
                col,
                "=" + headline_formula(k, fen, col, out, totals, params, groups, at, parts),
                f["tmoney"] if bold else f["money"],
                yuan_float(fen),
            )
        last = rc(row, n)
        if what_if:
            _headline_change(book, ws, row, last, (fens[0].get(k, 0), fens[1].get(k, 0)), bold)
        out, totals, _ = runs[-1]
        fen = fens[-1].get(k, 0)
        ws.write_formula(
            row,
            len(heads) - 1,
            f"=IF({totals['persons']}=0,0,{last}/{totals['persons']})",
            f["money"],
            fen / out.enrolled / 100 if out.enrolled else 0,
        )


def _headline_heads(lang: str, what_if: WhatIf | None) -> list[str]:
    """The headline's headings: item, the amount (baseline and what-if, change, %), 人均."""
    heads = [text("workbook", "item", lang)]
    heads += (
        [text("workbook", "yuan_column", lang, name=n) for n in what_if.columns(lang)[:2]]
        if what_if
        else [text("workbook", "amount", lang)]
    )
    if what_if:
        cd, cp = what_if.columns(lang)[2:]
        heads += [text("workbook", "yuan_column", lang, name=cd), cp]
    heads.append(text("workbook", "per_capita", lang))
    return heads


def _headline_change(book: Book, ws: Any, row: int, last: str, fens: tuple[int, int], bold: bool) -> None:
    """A what-if headline row's change (column 3) and change in percent (column 4, blank
    when the baseline is 0), as formulas over its baseline and what-if cells."""
    from xlsxwriter.utility import xl_rowcol_to_cell as rc

    f = book.fmt
    base, now = fens
    ws.write_formula(row, 3, f"={last}-{rc(row, 1)}", f["tmoney"] if bold else f["money"], yuan_float(now - base))
    if base:
        ws.write_formula(
            row, 4, f"=({last}-{rc(row, 1)})/{rc(row, 1)}", f["tpct"] if bold else f["pct"], (now - base) / base
        )
    else:
        ws.write_blank(row, 4, None)


def headline_formula(
    key: str,
    fen: int,
    col: int,
    out: Outlay,
    totals: dict[str, str],
    params: ParamCells,
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
        subs = [v for s, v in totals.items() if s in out.sources and s != "individual"]
        return "+".join(subs) if subs else "0"
    if key in totals and key in (*out.sources, "fiscal_subsidy"):
        return totals[key]
    if key in out.sources:
        return "0"
    if key.startswith("fiscal_subsidy.") and key.split(".")[1] in params.split:
        pct = Decimal(str(getattr(out.scenario.policy.contribution.fiscal_subsidy_split, key.split(".")[1])))
        exact = Decimal(out.fiscal_fen()) * pct / 100
        if exact == exact.to_integral_value() and int(exact) == fen:  # ROUND would not move it
            return f"ROUND({totals['fiscal_subsidy']}*{params.split[key.split('.')[1]]}/100,2)"
    return repr(yuan_float(fen))
