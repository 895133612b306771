"""The scenario report's sections: the budget story a finance bureau puts on the table.

The report notebook only calls these: each section is HTML (every user text through
:mod:`simulate.report.safehtml`) or a chart saved as a 200-dpi PNG. The first screen is the budget
headline (筹资总额, 政府支出合计, 县级负担), and for a what-if the baseline, the what-if and
the change (issue 12 items 1, 2, 7); every table ends with a 合计 row; a share says of what.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis.whatif import WhatIf, what_if
from ..labels import text
from ..model.population import read_population, read_villages
from ..money import amount, wan_yuan, yuan
from ..policy import load_scenario
from ..results.outlay import Outlay
from ..results.run import run
from ..vocabulary import SOURCE_IDS, label
from .charts import Bar, panels_chart, stacked_chart, village_chart
from .outcome import write_results
from .safehtml import escape, style
from .workbook import write_estimate


def _css() -> str:
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


def table_html(frame, lang: str, *, totals: Any = (), key: str | None = "key") -> str:
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


@dataclass
class Story:
    """What a report shows: the run (the what-if when there is one) and its comparison."""

    result: Outlay
    what_if: WhatIf | None
    lang: str
    seed: int
    population: str | None = None
    title: str | None = None

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    # ------------------------------------------------------------------ words

    def report_title(self) -> str:
        pol = self.result.scenario.policy
        if self.title:
            return self.title
        base = text("story", "report_title", self.lang, title_zh=pol.title.zh, title_en=pol.title.en)
        if self.what_if is not None and self.what_if.kind != "baseline":
            return base + text("story", "what_if_suffix", self.lang)
        return base

    def population_text(self) -> str:
        """Where the people come from: the synthetic population, or the file's name and rows."""
        meta, n = self.result.meta, self.result.persons
        if meta.get("population_file"):
            name = Path(str(meta["population_file"])).name
            read, rej = int(meta.get("rows_read", n)), int(meta.get("rows_rejected", 0))
            return text("story", "population_file", self.lang, name=name, read=read, n=n, rej=rej)
        return text("story", "population_synthetic", self.lang, n=n, seed=self.seed)

    def late_text(self) -> str:
        """The definition of 期外缴费 and, where it applies, why late payers get no fiscal subsidy."""
        late = self.result.scenario.policy.timing.late
        sec = escape(late.section)
        base = text("story", "late_definition", self.lang)
        more = {
            "full_financing": text("story", "late_full_financing", self.lang, sec=sec),
            "fixed_charge": text("story", "late_fixed_charge", self.lang, sec=sec, charge=yuan(late.charge or 0)),
            "personal": text("story", "late_personal", self.lang, sec=sec),
            "not_accepted": text("story", "late_not_accepted", self.lang, sec=sec),
            "same_as_regular": text("story", "late_same_as_regular", self.lang, sec=sec),
        }[late.mode]
        return f"{escape(base)}{more}"

    # ------------------------------------------------------------------ first screen

    def first_screen(self) -> str:
        """Title, what-if banner, population, the three headline cards and the headline table."""
        lang, wi = self.lang, self.what_if
        out = [_css(), f"<h1>{escape(self.report_title())}</h1>"]
        if wi is not None:
            cb, cw, _, _ = wi.columns(lang)
            out.append(
                f'<div class="sim-banner"><b>{escape(wi.title(lang))}</b><br>'
                f"{escape(wi.baseline_text(lang))}<br>"
                + escape(
                    text("story", "banner_note", lang, cb=cb, cw=cw)
                    + (text("story", "what_if_not_document", lang) if wi.kind != "baseline" else "")
                )
                + "</div>"
            )
        doc = self.result.scenario.policy.document
        out.append(
            f'<p class="sim-note">{escape(text("story", "document_basis", lang))}：{escape(doc.issuer)}'
            f"《{escape(doc.title)}》（{escape(doc.number)}，{escape(doc.date)}）。"
            f"{escape(text('story', 'population', lang))}：{escape(self.population_text())}。</p>"
        )
        out.append(self._cards())
        frame = wi.headline_table(lang) if wi is not None else self.result.budget().frame(lang)
        note = text("story", "budget_headline_note", lang)
        out.append(section(text("story", "budget_headline", lang), table_html(frame, lang), escape(note)))
        return "\n".join(out)

    def _cards(self) -> str:
        lang, wi = self.lang, self.what_if
        h = self.result.budget()
        hb = wi.baseline.budget() if wi is not None else None
        unit = text("story", "wan_yuan_card", lang)
        cards = []
        for key in ("financing_total", "government_total", "county_burden"):
            now = h.totals()[key]
            name = {
                "financing_total": text("story", "total_financing", lang),
                "government_total": text("story", "government_spending", lang),
                "county_burden": text("story", "county_own_burden", lang),
            }[key]
            per = text("story", "per_enrolled_card", lang, per=amount(h.per_capita(now)))
            delta = ""
            if hb is not None:
                before = hb.totals()[key]
                cb, cw, _, _ = wi.columns(lang)
                pct = f"{(now - before) / before * 100:+.2f}%" if before else "—"
                delta = (
                    f'<div class="d">{escape(cb)} {wan_yuan(before, unit=None)} → {escape(cw)} {wan_yuan(now, unit=None)} {unit}<br>'
                    f"{escape(text('story', 'change', lang))} {(now - before) / 1_000_000:+,.2f} {unit}（{pct}）</div>"
                )
            cls = "sim-card county" if key == "county_burden" else "sim-card"
            cards.append(
                f'<div class="{cls}"><div class="k">{escape(name)}（{unit}）</div>'
                f'<div class="v">{wan_yuan(now, unit=None)}</div><div class="k">{escape(per)}</div>{delta}</div>'
            )
        return '<div class="sim-cards">' + "".join(cards) + "</div>"

    # ------------------------------------------------------------------ sources

    def sources_frame(self):
        """Each paying source, the fiscal subsidy and a 合计 (= 筹资总额), with shares of it."""
        import pandas as pd

        lang, r = self.lang, self.result
        fen = r.source_fen()
        pays_any = r.tables.pays > 0
        persons = np.einsum("tmv,tms->s", r.tally.counts, pays_any.astype(np.int64))
        total = int(fen.sum()) + r.fiscal_fen()
        h = r.budget()
        rows = []
        for j, s in enumerate(SOURCE_IDS):
            if j == 0 or fen[j]:
                rows.append((s, label(s, lang), int(persons[j]), int(fen[j])))
        rows.append(
            ("fiscal_subsidy", label("fiscal_subsidy", lang), r.enrolled - self._late_no_fiscal(), r.fiscal_fen())
        )
        share = text("story", "share_total_financing", lang)
        frame = pd.DataFrame(
            [
                {
                    "key": k,
                    text("story", "funding_source", lang): name,
                    text("story", "persons_column", lang): n,
                    text("story", "amount_yuan", lang): f / 100,
                    text("story", "per_enrolled_yuan", lang): h.per_capita(f),
                    share: f / total if total else 0.0,
                }
                for k, name, n, f in rows
            ]
        )
        out = with_total(
            frame, lang, text("story", "funding_source", lang), skip=(text("story", "persons_column", lang),)
        )
        out.loc[out.index[-1], text("story", "funding_source", lang)] = text("story", "total_total_financing", lang)
        out.loc[out.index[-1], text("story", "per_enrolled_yuan", lang)] = h.per_capita(total)
        return out

    def _late_no_fiscal(self) -> int:
        r = self.result
        no_fiscal = (r.tables.fiscal == 0) & r.tables.accepted
        return int((r.tally.counts.sum(axis=2) * no_fiscal).sum())

    def sources_section(self) -> str:
        lang, wi = self.lang, self.what_if
        if wi is not None:
            body = table_html(wi.sources_table(lang), lang, totals=("total",))
        else:
            body = table_html(self.sources_frame(), lang)
        note = text("story", "sources_note", lang)
        return section(text("story", "by_funding_source", lang), body, escape(note))

    def sources_chart(self, path: Path | str | None = None):
        """Individuals in their own panel; the fiscal subsidy beside the subsidising sources."""
        lang, wi = self.lang, self.what_if
        runs = [wi.baseline, wi.what_if] if wi is not None else [self.result]
        names = list(wi.columns(lang)[:2]) if wi is not None else [""]
        fens = [r.source_fen() for r in runs]
        keys = [s for j, s in enumerate(SOURCE_IDS) if j and any(f[j] for f in fens)]
        individual = [Bar("individual", label("individual", lang), tuple(int(f[0]) for f in fens))]
        fiscal = [Bar("fiscal_subsidy", label("fiscal_subsidy", lang), tuple(r.fiscal_fen() for r in runs))]
        subsidies = [Bar(s, label(s, lang), tuple(int(f[SOURCE_IDS.index(s)]) for f in fens)) for s in keys]
        return panels_chart(
            [
                (text("story", "paid_individuals", lang), individual),
                (text("story", "fiscal_subsidy", lang), fiscal),
                (text("story", "subsidising_sources", lang), subsidies),
            ],
            names,
            text("story", "sources_chart_title", lang),
            text("story", "wan_yuan_axis", lang),
            path,
        )

    # ------------------------------------------------------------------ tiers

    def tiers_section(self) -> str:
        lang, wi = self.lang, self.what_if
        if wi is not None:
            body = table_html(wi.tiers_table(lang, grouped=True), lang, totals=("total",), key=("", "key"))
        else:
            frame = self.result.by_tier(lang).rename(columns={"tier": "key"})
            body = table_html(with_total(frame, lang, frame.columns[1]), lang)
        return section(text("story", "by_subsidy_tier", lang), body, self.late_text())

    def tiers_chart(self, path: Path | str | None = None):
        lang, r = self.lang, self.result
        tsf = r.tier_source_fen()
        names = {t.id: t.label.get(lang) for t in r.scenario.policy.tiers}
        rows = [
            (names[tid], {s: int(tsf[i, j]) for j, s in enumerate(SOURCE_IDS) if j})
            for i, tid in enumerate(r.tables.tier_ids)
            if tid != "general" and tsf[i, 1:].any()
        ]
        sources = [(s, label(s, lang)) for j, s in enumerate(SOURCE_IDS) if j and tsf[:, j].any()]
        if not rows:
            return None
        return stacked_chart(
            rows,
            sources,
            text("story", "tiers_chart_title", lang),
            text("story", "wan_yuan_axis", lang),
            path,
        )

    # ------------------------------------------------------------------ the rest

    def split_section(self) -> str:
        lang, r = self.lang, self.result
        frame = r.fiscal_split(lang).rename(columns={"level": "key"})
        body = table_html(with_total(frame, lang, frame.columns[1]), lang)
        note = r.scenario.policy.contribution.fiscal_subsidy_split
        source_note = escape(text("story", "split_source", lang) + note.source_for(lang)) + (
            escape(text("story", "assumption", lang)) if note.assumption else ""
        )
        return section(text("story", "fiscal_split_title", lang), body, source_note)

    def targets_section(self) -> str:
        lang, r = self.lang, self.result
        frame = r.targets(lang).rename(columns={"group": "key"})
        return section(text("story", "participation_targets", lang), table_html(frame, lang))

    def villages_section(self) -> str:
        lang, r = self.lang, self.result
        frame = r.by_village(lang).rename(columns={"village": "key"})
        return section(
            text("story", "villages_title", lang),
            table_html(with_total(frame, lang, frame.columns[1]), lang),
        )

    def group_targets_section(self) -> str:
        """Each hardship group's participation in each village, the county's figure last."""
        import pandas as pd

        lang, r = self.lang, self.result
        if len(r.villages) < 2 or not r.scenario.policy.targets.groups:
            return ""
        tv = r.targets_by_village(lang)
        village, group, rate = tv.columns[2], tv.columns[3], tv.columns[6]
        wide = tv.pivot_table(index=village, columns=group, values=rate, sort=False)
        wide = wide.reindex(index=list(dict.fromkeys(tv[village])), columns=list(dict.fromkeys(tv[group])))
        wide.columns = [f"{c} {text('story', 'participation', lang)}" for c in wide.columns]
        frame = wide.reset_index()
        overall = r.targets(lang).iloc[1:]
        total = {village: text("story", "whole_area_total", lang)}
        total.update({c: float(v) for c, v in zip(frame.columns[1:], overall.iloc[:, 4])})
        frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
        frame["total"] = [False] * (len(frame) - 1) + [True]
        return section(
            text("story", "group_participation_title", lang),
            table_html(frame, lang),
            escape(text("story", "targets_see_table", lang)),
        )

    def villages_chart(self, path: Path | str | None = None):
        lang = self.lang
        vil = self.result.by_village(lang)
        return village_chart(
            list(vil.iloc[:, 1]),
            list(vil.iloc[:, 4]),
            list(vil.iloc[:, 3]),
            (
                text("story", "axis_enrolled", lang),
                text("story", "axis_task", lang),
                text("story", "axis_persons", lang),
            ),
            text("story", "villages_chart_title", lang),
            path,
        )

    def work_funds_section(self) -> str:
        lang, r = self.lang, self.result
        wf = r.scenario.policy.work_funds
        frame = r.work_funds(lang).rename(columns={"village": "key"})
        payer = {
            "county": text("story", "paid_county_finance", lang),
            "town": text("story", "paid_towns", lang),
        }.get(wf.payer, text("story", "payer_not_named", lang))
        body = table_html(with_total(frame, lang, frame.columns[1]), lang)
        awards = r.awards(lang)
        if len(awards):
            awards = awards.rename(columns={"label": text("story", "award", lang)})
            body += table_html(
                with_total(awards, lang, awards.columns[0], skip=(text("story", "amount_yuan", lang),)),
                lang,
                key=None,
            )
        note = escape(text("story", "work_funds_note", lang, section=wf.section, payer=payer))
        return section(text("story", "work_funds_title", lang), body, note)

    def assumptions_section(self) -> str:
        lang, sc = self.lang, self.result.scenario
        items = sc.assumptions(lang)
        lis = [f"<li><code>{escape(a['path'])}</code>：{escape(a['note'])}</li>" for a in items]
        lis.append(f"<li>{escape(text('story', 'population', lang))}：{escape(self.population_text())}</li>")
        lis.append(f"<li>{self.late_text()}</li>")
        notes = "".join(f"<li>{escape(n)}</li>" for n in sc.policy.notes_for(lang))
        body = f"<ul>{''.join(lis)}</ul>" + (
            f"<p><b>{escape(text('story', 'notes', lang))}</b></p><ul>{notes}</ul>" if notes else ""
        )
        return section(text("story", "assumptions_title", lang), body)

    def provenance_rows(self, version: str) -> list[tuple[str, str]]:
        lang, sc, wi = self.lang, self.result.scenario, self.what_if
        prov = sc.provenance()
        rows = [
            (text("story", "scenario_file", lang), f"{f['path']} (sha256 {f['sha256'][:16]}…)") for f in prov["files"]
        ]
        rows.append((text("story", "provenance_document", lang), sc.policy.document.number))
        rows.append(
            (
                text("story", "changes", lang),
                wi.changes_text(lang, 50) if wi else text("story", "none_document_as_written", lang),
            )
        )
        if prov["overrides"]:  # every --set exactly as given, money or not (a title, a note)
            rows.append(
                (
                    text("story", "overrides_set", lang),
                    "; ".join(f"{k} = {v}" for k, v in prov["overrides"].items()),
                )
            )
        if wi is not None:
            rows.append((text("story", "baseline", lang), wi.baseline_text(lang)))
        rows += [
            (text("story", "population", lang), self.population_text()),
            (text("story", "seed", lang), str(self.seed)),
            (text("story", "package_version", lang), f"simulate {version}"),
        ]
        return rows

    def provenance_section(self, version: str) -> str:
        import pandas as pd

        lang = self.lang
        frame = pd.DataFrame(
            self.provenance_rows(version),
            columns=[text("story", "provenance_item", lang), text("story", "provenance_value", lang)],
        )
        return section(text("story", "provenance", lang), table_html(frame, lang, key=None))

    # ------------------------------------------------------------------ files

    def workbook_tables(self) -> dict[str, tuple[Any, bool, tuple[str, ...]]]:
        """Sheet name -> (frame, add a 合计 row, columns not summed) for the 测算表."""
        lang, r, wi = self.lang, self.result, self.what_if
        fr = r.frames(lang)
        drop = lambda f, *c: f.drop(columns=[x for x in ("key", "total", *c) if x in f.columns])
        persons = (text("story", "persons_column", lang),)
        sheets: dict[str, tuple[Any, bool, tuple[str, ...]]] = {}
        if wi is not None:
            sheets[text("story", "sheet_compare_sources", lang)] = (drop(wi.sources_table(lang)), False, ())
            sheets[text("story", "sheet_compare_tiers", lang)] = (drop(wi.tiers_table(lang)), False, ())
        src = self.sources_frame()
        sheets[text("story", "sheet_by_source", lang)] = (drop(src.iloc[:-1]), True, persons)
        sheets[text("story", "sheet_by_tier", lang)] = (drop(fr["by_tier"], "tier"), True, ())
        sheets[text("story", "sheet_fiscal_split", lang)] = (drop(fr["fiscal_split"], "level"), True, ())
        sheets[text("story", "sheet_targets", lang)] = (drop(fr["targets"], "group"), False, ())
        sheets[text("story", "sheet_by_village", lang)] = (drop(fr["by_village"], "village"), True, ())
        if "targets_by_village" in fr:
            sheets[text("story", "sheet_group_targets", lang)] = (
                drop(fr["targets_by_village"], "village", "group"),
                False,
                (),
            )
        if "work_funds" in fr:
            sheets[text("story", "sheet_work_funds", lang)] = (drop(fr["work_funds"], "village"), True, ())
            if len(fr["awards"]):
                sheets[text("story", "sheet_awards", lang)] = (
                    fr["awards"].rename(columns={"label": text("story", "award", lang)}),
                    True,
                    (text("story", "amount_yuan", lang),),
                )
        import pandas as pd

        items = self.result.scenario.assumptions(lang)
        sheets[text("story", "sheet_assumptions", lang)] = (
            pd.DataFrame(
                [
                    {
                        text("story", "assumption_path", lang): a["path"],
                        text("story", "assumption_note", lang): a["note"],
                    }
                    for a in items
                ]
                or [{text("story", "assumption_path", lang): "", text("story", "assumption_note", lang): ""}]
            ),
            False,
            (),
        )
        return sheets

    def write(self, out_dir: Path | str, version: str) -> dict[str, Any]:
        """Write tables.xlsx (the 测算表) and results.json; returns the results."""
        out_dir = Path(out_dir)
        lang, r, wi = self.lang, self.result, self.what_if
        props = {
            "scenario": r.scenario.id,
            "changes": wi.changes_text("zh", 50) if wi else "",
            "baseline": wi.baseline.scenario.id if wi else "",
            "seed": str(self.seed),
            "population": self.population_text(),
            "version": f"simulate {version}",
        }
        write_estimate(
            out_dir / "tables.xlsx",
            r,
            lang=lang,
            what_if=wi,
            tables=self.workbook_tables(),
            provenance=[
                (text("story", "population", lang), self.population_text()),
                (text("story", "seed", lang), str(self.seed)),
                (text("story", "workbook_version", lang), f"simulate {version}"),
            ],
            properties=props,
        )
        facts = r.to_json()
        results = {
            "title": self.report_title(),
            "headline": self.headline(),
            "results": facts,
            "budget": facts["budget"],
            "comparison": wi.to_json() if wi else None,
            "population": self.population_text(),
            "assumptions": [{"path": a["path"], "note": a["note"]} for a in r.scenario.assumptions(self.lang)],
            "provenance": r.scenario.provenance(),
        }
        write_results(out_dir, results)
        return results

    # ------------------------------------------------------------------ index headline

    def headline(self) -> dict[str, str]:
        """Label -> text for the sweep index and results.json: the three totals (and changes)."""
        lang, h = self.lang, self.result.budget()
        out = {
            text("story", "headline_persons", lang): f"{self.result.persons:,}",
            text("story", "headline_enrolled", lang): f"{self.result.enrolled:,}",
        }
        hb = self.what_if.baseline.budget() if self.what_if is not None else None
        for key, name in (
            ("financing_total", text("story", "total_financing_10k_yuan", lang)),
            ("government_total", text("story", "government_spending_10k_yuan", lang)),
            ("county_burden", text("story", "county_burden_10k_yuan", lang)),
        ):
            out[name] = wan_yuan(h.totals()[key], unit=None)
            if hb is not None:
                out[name + text("story", "headline_change_suffix", lang)] = (
                    f"{(h.totals()[key] - hb.totals()[key]) / 1_000_000:+,.2f}"
                )
        return out


def build(
    scenario: str | Path,
    overrides: dict[str, Any] | None = None,
    *,
    baseline: str | Path | None = None,
    seed: int = 0,
    size: int | None = None,
    population: str | None = None,
    lang: str = "zh",
    title: str | None = None,
) -> Story:
    """Run the report's scenario (and its baseline, for a what-if) and return its :class:`Story`."""
    people: Any = None
    meta: dict[str, Any] = {}
    if population:
        sc = load_scenario(scenario, dict(overrides or {}))
        villages = None
        if sc.policy.area.villages_file:
            villages = read_villages(sc.data_path(sc.policy.area.villages_file))
        people = read_population(population, villages)  # read once: both runs see these people
        meta = {
            "population_file": str(population),
            "rows_read": people.rows_read,
            "rows_rejected": len(people.rejected),
        }
    wi = what_if(scenario, dict(overrides or {}), baseline=baseline, population=people, size=size, seed=seed)
    result = (
        wi.what_if
        if wi is not None
        else run(scenario, people, size=size, seed=seed, overrides=dict(overrides or {}), workers=1, progress=False)
    )
    for out in [wi.baseline, wi.what_if] if wi is not None else [result]:
        out.meta.update(meta)
        out.check_conservation()
    return Story(result, wi, lang, seed, population, title)
