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


def T(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else en


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
        return lambda v: T("是", "yes", lang) if v else T("否", "no", lang)
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
        "" if v is None else (T("是", "yes", lang) if v is True else T("否", "no", lang) if v is False else v)
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
    text = [c for c in shown.columns if c not in numeric]
    styler = styler.set_properties(subset=numeric, **{"text-align": "right", "white-space": "nowrap"})
    styler = styler.set_properties(subset=text, **{"text-align": "left"})
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
            row[c] = T("合计", "total", lang)
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
        base = T(f"{pol.title.zh} 测算报告", f"{pol.title.en}: budget report", self.lang)
        if self.what_if is not None and self.what_if.kind != "baseline":
            return base + T("（假设情景）", " (what-if)", self.lang)
        return base

    def population_text(self) -> str:
        """Where the people come from: the synthetic population, or the file's name and rows."""
        meta, n = self.result.meta, self.result.persons
        if meta.get("population_file"):
            name = Path(str(meta["population_file"])).name
            read, rej = int(meta.get("rows_read", n)), int(meta.get("rows_rejected", 0))
            return T(
                f"人口文件 {name}：读入 {read:,} 行，使用 {n:,} 行，拒绝 {rej:,} 行",
                f"population file {name}: {read:,} rows read, {n:,} used, {rej:,} rejected",
                self.lang,
            )
        return T(
            f"合成人口 {n:,} 人（随机种子 {self.seed}，按 data/ 中的比例生成，不是真实名册）",
            f"synthetic population of {n:,} persons (seed {self.seed}, drawn from the shares in data/, "
            "not a real roster)",
            self.lang,
        )

    def late_text(self) -> str:
        """The definition of 期外缴费 and, where it applies, why late payers get no fiscal subsidy."""
        late = self.result.scenario.policy.timing.late
        sec = escape(late.section)
        base = T(
            "期外缴费：在征缴期（及文件允许的延长期）结束后才缴费参保的人员。",
            "Paid late (期外缴费): persons who pay after the collection period (and any extension the "
            "document grants).",
            self.lang,
        )
        more = {
            "full_financing": T(
                f"按文件（{sec}），期外缴费人员须自行缴纳全部筹资（个人缴费 + 财政补助），不享受资助档次；"
                "财政补助按期内参保人员安排，因此这部分人没有财政补助，其“财政补助”金额由个人承担。",
                f"Under the document ({sec}) they pay the whole financing themselves (personal "
                "standard + fiscal subsidy) with no subsidy tier: the fiscal subsidy is budgeted for "
                "those enrolled in the period, so late payers carry it themselves.",
                self.lang,
            ),
            "fixed_charge": T(
                f"按文件（{sec}），期外缴费人员按文件规定的金额缴纳（{yuan(late.charge or 0)}元），"
                "不享受资助档次；财政补助按期内参保人员安排，期外缴费人员没有财政补助。",
                f"Under the document ({sec}) they pay the amount it states ({yuan(late.charge or 0)} "
                "yuan) with no subsidy tier: the fiscal subsidy is budgeted for those enrolled in "
                "the period, so late payers get none.",
                self.lang,
            ),
            "personal": T(
                f"按文件（{sec}），期外缴费人员按个人缴费标准缴费，不享受资助档次。",
                f"Under the document ({sec}) they pay the personal standard with no subsidy tier.",
                self.lang,
            ),
            "not_accepted": T(
                f"按文件（{sec}），期外不予参保。", f"Under the document ({sec}) they cannot enroll.", self.lang
            ),
            "same_as_regular": T(
                f"按文件（{sec}），期外缴费与期内同等对待。",
                f"Under the document ({sec}) they are treated as in the period.",
                self.lang,
            ),
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
                    T(
                        f"下表“{cb}”列为比较的起点，“{cw}”列为本报告测算；两者使用同一批人员，差异只来自政策改动。"
                        + ("假设情景的数值不是文件规定。" if wi.kind != "baseline" else ""),
                        f"“{cb}” is the baseline, “{cw}” this report; both run over the same people, so "
                        "every change is the policy's alone."
                        + (" The what-if values are not the document's." if wi.kind != "baseline" else ""),
                        lang,
                    )
                )
                + "</div>"
            )
        doc = self.result.scenario.policy.document
        out.append(
            f'<p class="sim-note">{escape(T("依据", "Document", lang))}：{escape(doc.issuer)}'
            f"《{escape(doc.title)}》（{escape(doc.number)}，{escape(doc.date)}）。"
            f"{escape(T('人口', 'Population', lang))}：{escape(self.population_text())}。</p>"
        )
        out.append(self._cards())
        frame = wi.headline_table(lang) if wi is not None else self.result.budget().frame(lang)
        note = T(
            "县级负担 = 县财政 + 县级部门 + 财政补助县级分担 + 县财政支付的工作经费和奖励；医疗救助基金和文件未指明来源的政府资助单列，"
            "不计入任何层级（除非情景给出有出处的分担比例）。人均 = 金额 ÷ 参保人数。",
            "The county's burden = county finance + county departments + the county's share of the fiscal "
            "subsidy + work funds and awards the county pays; medical assistance and government subsidies "
            "of unnamed source stand on their own lines, attributed to no level unless the scenario cites a "
            "split. Per person = amount ÷ enrolled persons.",
            lang,
        )
        out.append(section(T("预算口径", "Budget headline", lang), table_html(frame, lang), escape(note)))
        return "\n".join(out)

    def _cards(self) -> str:
        lang, wi = self.lang, self.what_if
        h = self.result.budget()
        hb = wi.baseline.budget() if wi is not None else None
        unit = T("万元", "10k yuan", lang)
        cards = []
        for key in ("financing_total", "government_total", "county_burden"):
            now = h.totals()[key]
            name = {
                "financing_total": T("筹资总额", "Total financing", lang),
                "government_total": T("政府支出合计", "Government spending", lang),
                "county_burden": T("县级负担", "County's own burden", lang),
            }[key]
            per = T(f"人均 {amount(h.per_capita(now))} 元", f"{amount(h.per_capita(now))} yuan per enrolled", lang)
            delta = ""
            if hb is not None:
                before = hb.totals()[key]
                cb, cw, _, _ = wi.columns(lang)
                pct = f"{(now - before) / before * 100:+.2f}%" if before else "—"
                delta = (
                    f'<div class="d">{escape(cb)} {wan_yuan(before, unit=None)} → {escape(cw)} {wan_yuan(now, unit=None)} {unit}<br>'
                    f"{escape(T('增减', 'change', lang))} {(now - before) / 1_000_000:+,.2f} {unit}（{pct}）</div>"
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
        persons = r.persons_by_source()
        total = int(fen.sum()) + r.fiscal_fen()
        h = r.budget()
        rows = []
        for j, s in enumerate(SOURCE_IDS):
            if j == 0 or fen[j]:
                rows.append((s, label(s, lang), int(persons[j]), int(fen[j])))
        rows.append(
            ("fiscal_subsidy", label("fiscal_subsidy", lang), r.enrolled - self._late_no_fiscal(), r.fiscal_fen())
        )
        share = T("占筹资总额", "share of total financing", lang)
        frame = pd.DataFrame(
            [
                {
                    "key": k,
                    T("资金来源", "funding source", lang): name,
                    T("人数（人）", "persons", lang): n,
                    T("金额（元）", "amount (yuan)", lang): f / 100,
                    T("人均（元/参保人）", "per enrolled person (yuan)", lang): h.per_capita(f),
                    share: f / total if total else 0.0,
                }
                for k, name, n, f in rows
            ]
        )
        out = with_total(frame, lang, T("资金来源", "funding source", lang), skip=(T("人数（人）", "persons", lang),))
        out.loc[out.index[-1], T("资金来源", "funding source", lang)] = T(
            "合计（筹资总额）", "total (total financing)", lang
        )
        out.loc[out.index[-1], T("人均（元/参保人）", "per enrolled person (yuan)", lang)] = h.per_capita(total)
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
        note = T(
            "人数：该来源为其付款的参保人数。财政补助按参保人数拨入基金，不是个人缴费的一部分。",
            "Persons: the enrolled persons a source pays for. The fiscal subsidy is paid into the fund per "
            "enrolled person, on top of the personal contribution.",
            lang,
        )
        return section(T("按资金来源", "By funding source", lang), body, escape(note))

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
                (T("个人缴费", "Paid by individuals", lang), individual),
                (T("财政补助", "Fiscal subsidy", lang), fiscal),
                (T("各资助来源", "Subsidising sources", lang), subsidies),
            ],
            names,
            T("各资金来源支付金额（万元）", "Payment by funding source (10,000 yuan)", lang),
            T("万元", "10,000 yuan", lang),
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
        return section(T("按资助档次", "By subsidy tier", lang), body, self.late_text())

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
            T("各资助档次的资助金额（按资金来源，万元）", "Subsidy by tier and funding source (10,000 yuan)", lang),
            T("万元", "10,000 yuan", lang),
            path,
        )

    # ------------------------------------------------------------------ the rest

    def split_section(self) -> str:
        lang, r = self.lang, self.result
        frame = r.fiscal_split(lang).rename(columns={"level": "key"})
        body = table_html(with_total(frame, lang, frame.columns[1]), lang)
        note = r.scenario.policy.contribution.fiscal_subsidy_split
        text = escape(T("分担比例来源：", "Split source: ", lang) + note.source_for(lang)) + (
            escape(T("（假设）", " (assumption)", lang)) if note.assumption else ""
        )
        return section(T("财政补助及分担", "Fiscal subsidy by government level", lang), body, text)

    def targets_section(self) -> str:
        lang, r = self.lang, self.result
        frame = r.targets(lang).rename(columns={"group": "key"})
        return section(T("参保目标", "Participation targets", lang), table_html(frame, lang))

    def villages_section(self) -> str:
        lang, r = self.lang, self.result
        frame = r.by_village(lang).rename(columns={"village": "key"})
        return section(
            T("各村（社区）参保情况", "Participation by village", lang),
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
        wide.columns = [f"{c} {T('参保率', 'participation', lang)}" for c in wide.columns]
        frame = wide.reset_index()
        overall = r.targets(lang).iloc[1:]
        total = {village: T("全县（合计）", "whole area (total)", lang)}
        total.update({c: float(v) for c, v in zip(frame.columns[1:], overall.iloc[:, 4])})
        frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
        frame["total"] = [False] * (len(frame) - 1) + [True]
        return section(
            T("各村重点人群参保率", "Group participation by village", lang),
            table_html(frame, lang),
            escape(T("目标见“参保目标”表。", "Targets: see the participation targets table.", lang)),
        )

    def villages_chart(self, path: Path | str | None = None):
        lang = self.lang
        vil = self.result.by_village(lang)
        return village_chart(
            list(vil.iloc[:, 1]),
            list(vil.iloc[:, 4]),
            list(vil.iloc[:, 3]),
            (T("参保人数", "enrolled", lang), T("任务数", "task", lang), T("人", "persons", lang)),
            T("各村参保人数与任务数", "Enrolled persons against each village's task", lang),
            path,
        )

    def work_funds_section(self) -> str:
        lang, r = self.lang, self.result
        wf = r.scenario.policy.work_funds
        frame = r.work_funds(lang).rename(columns={"village": "key"})
        payer = {
            "county": T("县财政支付", "paid by county finance", lang),
            "town": T("乡镇支付", "paid by the towns", lang),
        }.get(wf.payer, T("支付方文件未指明，单列", "payer not named by the document: on its own line", lang))
        body = table_html(with_total(frame, lang, frame.columns[1]), lang)
        awards = r.awards(lang)
        if len(awards):
            awards = awards.rename(columns={"label": T("奖项", "award", lang)})
            body += table_html(
                with_total(awards, lang, awards.columns[0], skip=(T("金额（元）", "amount (yuan)", lang),)),
                lang,
                key=None,
            )
        note = escape(
            T(
                f"征缴工作经费（{wf.section}）：{payer}。",
                f"Collection work funds (section {wf.section}): {payer}.",
                lang,
            )
        )
        return section(T("征缴工作经费与奖励", "Collection work funds and awards", lang), body, note)

    def assumptions_section(self) -> str:
        lang, sc = self.lang, self.result.scenario
        items = sc.assumptions(lang)
        lis = [f"<li><code>{escape(a['path'])}</code>：{escape(a['note'])}</li>" for a in items]
        lis.append(f"<li>{escape(T('人口', 'Population', lang))}：{escape(self.population_text())}</li>")
        lis.append(f"<li>{self.late_text()}</li>")
        notes = "".join(f"<li>{escape(n)}</li>" for n in sc.policy.notes_for(lang))
        body = f"<ul>{''.join(lis)}</ul>" + (
            f"<p><b>{escape(T('说明', 'Notes', lang))}</b></p><ul>{notes}</ul>" if notes else ""
        )
        return section(T("本情景的假设", "Assumptions this scenario makes", lang), body)

    def provenance_rows(self, version: str) -> list[tuple[str, str]]:
        lang, sc, wi = self.lang, self.result.scenario, self.what_if
        prov = sc.provenance()
        rows = [
            (T("情景文件", "Scenario file", lang), f"{f['path']} (sha256 {f['sha256'][:16]}…)") for f in prov["files"]
        ]
        rows.append((T("文号", "Document", lang), sc.policy.document.number))
        rows.append(
            (
                T("参数调整", "Changes", lang),
                wi.changes_text(lang, 50) if wi else T("无（按文件规定）", "none (the document as written)", lang),
            )
        )
        if prov["overrides"]:  # every --set exactly as given, money or not (a title, a note)
            rows.append(
                (
                    T("命令行参数（--set）", "Overrides (--set)", lang),
                    "; ".join(f"{k} = {v}" for k, v in prov["overrides"].items()),
                )
            )
        if wi is not None:
            rows.append((T("基准", "Baseline", lang), wi.baseline_text(lang)))
        rows += [
            (T("人口", "Population", lang), self.population_text()),
            (T("随机种子", "Seed", lang), str(self.seed)),
            (T("软件版本", "Package version", lang), f"simulate {version}"),
        ]
        return rows

    def provenance_section(self, version: str) -> str:
        import pandas as pd

        lang = self.lang
        frame = pd.DataFrame(self.provenance_rows(version), columns=[T("项目", "Item", lang), T("内容", "Value", lang)])
        return section(T("来源与可重复性", "Provenance", lang), table_html(frame, lang, key=None))

    # ------------------------------------------------------------------ files

    def workbook_tables(self) -> dict[str, tuple[Any, bool, tuple[str, ...]]]:
        """Sheet name -> (frame, add a 合计 row, columns not summed) for the 测算表."""
        lang, r, wi = self.lang, self.result, self.what_if
        fr = r.frames(lang)
        drop = lambda f, *c: f.drop(columns=[x for x in ("key", "total", *c) if x in f.columns])
        persons = (T("人数（人）", "persons", lang),)
        sheets: dict[str, tuple[Any, bool, tuple[str, ...]]] = {}
        if wi is not None:
            sheets[T("比较-资金来源", "Compare sources", lang)] = (drop(wi.sources_table(lang)), False, ())
            sheets[T("比较-档次", "Compare tiers", lang)] = (drop(wi.tiers_table(lang)), False, ())
        src = self.sources_frame()
        sheets[T("按资金来源", "By source", lang)] = (drop(src.iloc[:-1]), True, persons)
        sheets[T("按档次", "By tier", lang)] = (drop(fr["by_tier"], "tier"), True, ())
        sheets[T("财政补助分担", "Fiscal split", lang)] = (drop(fr["fiscal_split"], "level"), True, ())
        sheets[T("参保目标", "Targets", lang)] = (drop(fr["targets"], "group"), False, ())
        sheets[T("按村", "By village", lang)] = (drop(fr["by_village"], "village"), True, ())
        if "targets_by_village" in fr:
            sheets[T("各村重点人群", "Group targets by village", lang)] = (
                drop(fr["targets_by_village"], "village", "group"),
                False,
                (),
            )
        if "work_funds" in fr:
            sheets[T("工作经费", "Work funds", lang)] = (drop(fr["work_funds"], "village"), True, ())
            if len(fr["awards"]):
                sheets[T("奖励", "Awards", lang)] = (
                    fr["awards"].rename(columns={"label": T("奖项", "award", lang)}),
                    True,
                    (T("金额（元）", "amount (yuan)", lang),),
                )
        import pandas as pd

        items = self.result.scenario.assumptions(lang)
        sheets[T("假设", "Assumptions", lang)] = (
            pd.DataFrame(
                [{T("参数路径", "path", lang): a["path"], T("说明", "note", lang): a["note"]} for a in items]
                or [{T("参数路径", "path", lang): "", T("说明", "note", lang): ""}]
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
                (T("人口", "Population", lang), self.population_text()),
                (T("随机种子", "Seed", lang), str(self.seed)),
                (T("软件版本", "Version", lang), f"simulate {version}"),
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
            T("人数", "Persons", lang): f"{self.result.persons:,}",
            T("参保人数", "Enrolled", lang): f"{self.result.enrolled:,}",
        }
        hb = self.what_if.baseline.budget() if self.what_if is not None else None
        for key, name in (
            ("financing_total", T("筹资总额（万元）", "Total financing (10k yuan)", lang)),
            ("government_total", T("政府支出合计（万元）", "Government spending (10k yuan)", lang)),
            ("county_burden", T("县级负担（万元）", "County's burden (10k yuan)", lang)),
        ):
            out[name] = wan_yuan(h.totals()[key], unit=None)
            if hb is not None:
                out[name + T("增减", " change", lang)] = f"{(h.totals()[key] - hb.totals()[key]) / 1_000_000:+,.2f}"
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
