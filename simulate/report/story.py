"""The scenario report's sections: the budget story a finance bureau puts on the table.

The report notebook only calls these: each section is HTML (every user text through
:mod:`simulate.report.safehtml`) or a chart saved as a 200-dpi PNG. The first screen is the budget
headline (筹资总额, 政府支出合计, 县级负担), and for a what-if the baseline, the what-if and
the change (issue 12 items 1, 2, 7); every table ends with a 合计 row; a share says of what.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..analysis.whatif import what_if
from ..labels import text
from ..model.population import read_population, read_villages
from ..money import amount, wan_yuan
from ..policy import load_scenario
from ..results.run import run
from ..vocabulary import Lang, label
from .charts import Bar, panels_chart, stacked_chart, village_chart
from .html_tables import report_css, section, table_html, with_total
from .outcome import write_results
from .safehtml import escape
from .story_words import StoryWords
from .workbook import write_estimate


class Story(StoryWords):
    """What a report shows: its words (:class:`StoryWords`), its sections as HTML, its charts
    and its files, for the run (the what-if when there is one) and its comparison."""

    # ------------------------------------------------------------------ first screen

    def first_screen(self) -> str:
        """Title, what-if banner, population, the three headline cards and the headline table."""
        lang, wi = self.lang, self.what_if
        out = [report_css(), f"<h1>{escape(self.report_title())}</h1>"]
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
            if wi is not None and hb is not None:
                before = hb.totals()[key]
                cb, cw, _, _ = wi.columns(lang)
                pct = f"{(now - before) / before * 100:+.2f}%" if before else "—"
                delta = (
                    f'<div class="d">{escape(cb)} {wan_yuan(before, unit=None)} → '
                    f"{escape(cw)} {wan_yuan(now, unit=None)} {unit}<br>"
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
        persons = r.persons_by_source()
        total = int(fen.sum()) + r.fiscal_fen()
        h = r.budget()
        rows = []
        for j, s in enumerate(r.sources):
            if j == 0 or fen[j]:
                rows.append((s, r.vocab.label(s, lang), int(persons[j]), int(fen[j])))
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
        sources, vocab = runs[0].sources, runs[0].vocab
        keys = [s for j, s in enumerate(sources) if j and any(f[j] for f in fens)]
        individual = [Bar("individual", label("individual", lang), tuple(int(f[0]) for f in fens))]
        fiscal = [Bar("fiscal_subsidy", label("fiscal_subsidy", lang), tuple(r.fiscal_fen() for r in runs))]
        subsidies = [Bar(s, vocab.label(s, lang), tuple(int(f[sources.index(s)]) for f in fens)) for s in keys]
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
            vocab=vocab,
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
            (names[tid], {s: int(tsf[i, j]) for j, s in enumerate(r.sources) if j})
            for i, tid in enumerate(r.tables.tier_ids)
            if tid != "general" and tsf[i, 1:].any()
        ]
        sources = [(s, r.vocab.label(s, lang)) for j, s in enumerate(r.sources) if j and tsf[:, j].any()]
        if not rows:
            return None
        return stacked_chart(
            rows,
            sources,
            text("story", "tiers_chart_title", lang),
            text("story", "wan_yuan_axis", lang),
            path,
            vocab=r.vocab,
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
        assert wf is not None, "the report shows this section only for a scenario with work funds"
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
        persons = (text("story", "persons_column", lang),)
        sheets: dict[str, tuple[Any, bool, tuple[str, ...]]] = {}
        if wi is not None:
            sheets[text("story", "sheet_compare_sources", lang)] = (_drop_keys(wi.sources_table(lang)), False, ())
            sheets[text("story", "sheet_compare_tiers", lang)] = (_drop_keys(wi.tiers_table(lang)), False, ())
        src = self.sources_frame()
        sheets[text("story", "sheet_by_source", lang)] = (_drop_keys(src.iloc[:-1]), True, persons)
        sheets[text("story", "sheet_by_tier", lang)] = (_drop_keys(fr["by_tier"], "tier"), True, ())
        sheets[text("story", "sheet_fiscal_split", lang)] = (_drop_keys(fr["fiscal_split"], "level"), True, ())
        sheets[text("story", "sheet_targets", lang)] = (_drop_keys(fr["targets"], "group"), False, ())
        sheets[text("story", "sheet_by_village", lang)] = (_drop_keys(fr["by_village"], "village"), True, ())
        if "targets_by_village" in fr:
            sheets[text("story", "sheet_group_targets", lang)] = (
                _drop_keys(fr["targets_by_village"], "village", "group"),
                False,
                (),
            )
        if "work_funds" in fr:
            sheets[text("story", "sheet_work_funds", lang)] = (_drop_keys(fr["work_funds"], "village"), True, ())
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


def _drop_keys(frame: Any, *columns: str) -> Any:
    """``frame`` without its ``key`` and ``total`` columns (and ``columns``), for the workbook."""
    return frame.drop(columns=[x for x in ("key", "total", *columns) if x in frame.columns])


def build(
    scenario: str | Path,
    overrides: dict[str, Any] | None = None,
    *,
    baseline: str | Path | None = None,
    seed: int = 0,
    size: int | None = None,
    population: str | None = None,
    lang: Lang = "zh",
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
        people = read_population(population, villages, vocab=sc.policy.vocab)  # read once: both runs see these people
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
