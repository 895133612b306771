"""The scenario report's words: its title, where the people come from, what 期外缴费 means
under the document, the provenance lines and the headline figures of the sweep index, in the
report's language (labels.yaml, section ``story``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..analysis.whatif import WhatIf
from ..labels import text
from ..money import wan_yuan, yuan
from ..results.outlay import Outlay
from ..vocabulary import Lang
from .safehtml import escape


@dataclass
class StoryWords:
    """What a report shows: the run (the what-if when there is one) and its comparison."""

    result: Outlay
    what_if: WhatIf | None
    lang: Lang
    seed: int
    population: str | None = None
    title: str | None = None

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

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

    def provenance_rows(self, version: str) -> list[tuple[str, str]]:
        lang, sc, wi = self.lang, self.result.scenario, self.what_if
        prov = sc.provenance()
        rows = [
            (text("story", "scenario_file", lang), f"{f['path']} (sha256 {f['sha256'][:17]}…)") for f in prov["files"]
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
