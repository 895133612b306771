"""A what-if report's comparison: baseline and what-if over the same people, with the change.

Issue 12 item 2: a report with ``--set``/``--set-file`` overrides or of a variant that
``extends`` another scenario is a what-if. Its default baseline is the scenario without the
overrides (for a variant: its parent); ``--baseline SCENARIO`` picks any other. Both run over
one population (common random numbers, :func:`simulate.analysis.compare`), so every change is
the policy's alone. Tables give baseline, what-if, change and change % for the budget
headline, every funding source and every tier; money is integer fen until displayed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..money import yuan_number
from ..policy import Scenario, load_scenario
from ..results.budget import Headline
from ..results.outlay import Outlay
from ..vocabulary import label
from . import compare

#: Parts of a scenario that are text or citations, not policy values.
_NOT_VALUES = {
    "note",
    "note_zh",
    "label",
    "section",
    "source",
    "source_zh",
    "assumption",
    "title",
    "document",
    "notes",
    "notes_zh",
    "id",
    "area",
    "county",
    "payer_section",
}
#: Fields held in fen (shown in yuan).
_FEN_FIELDS = {
    "personal",
    "fiscal_subsidy",
    "amount",
    "per_enrolled",
    "reward_per_enrolled",
    "deduction_per_missing",
    "per_record",
}
_NAMES: dict[str, tuple[str, str]] = {
    "contribution.personal": ("个人缴费标准", "personal standard"),
    "contribution.fiscal_subsidy": ("财政补助标准", "fiscal subsidy standard"),
    "multiple_identities.rule": ("多重身份规则", "multiple-identity rule"),
    "targets.overall_percent": ("总体参保率目标", "overall participation target"),
    "benefit_year": ("待遇年度", "benefit year"),
    "subsidy.amount": ("定额资助", "fixed subsidy"),
    "subsidy.percent": ("资助比例", "subsidy share"),
    "subsidy.personal": ("个人缴费", "personal payment"),
    "subsidy.form": ("资助方式", "subsidy form"),
    "subsidy.source": ("资助来源", "paid by"),
}
_RULES = {"priority": ("按优先顺序", "priority order"), "highest_benefit": ("就高不就低", "highest benefit")}
_COLUMNS = {
    "base": ("基准", "baseline"),
    "what_if": ("假设情景", "what-if"),
    "last_year": ("上年", "last year"),
    "this_year": ("本年", "this year"),
    "this": ("本情景", "this scenario"),
    "change": ("增减", "change"),
    "change_pct": ("增减（%）", "change (%)"),
}


@dataclass(frozen=True)
class Change:
    """One parameter that differs: its path, readable name, and both values as shown."""

    path: str
    zh: str
    en: str
    before: str
    after: str
    unit_zh: str = ""
    unit_en: str = ""

    def text(self, lang: str) -> str:
        """``个人缴费标准 380→400元`` (zh) or ``personal standard 380→400 yuan`` (en)."""
        if lang == "zh":
            return f"{self.zh} {self.before}→{self.after}{self.unit_zh}"
        return f"{self.en} {self.before}→{self.after}{self.unit_en}"


def _flat(node: Any, path: str = "") -> dict[str, Any]:
    """Scalar policy values by dotted path; list items with an id are keyed by it."""
    out: dict[str, Any] = {}
    if isinstance(node, dict):
        for k, v in node.items():
            if k not in _NOT_VALUES:
                out.update(_flat(v, f"{path}.{k}" if path else str(k)))
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            key = v.get("id") if isinstance(v, dict) and v.get("id") else i
            out.update(_flat(v, f"{path}.{key}"))
    else:
        out[path] = node
    return out


def _shown(value: Any, fen: bool, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        pair = _RULES.get(value)
        return (pair[0] if lang == "zh" else pair[1]) if pair else label(value, lang)
    if fen and isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value) / 100
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        d = Decimal(str(value))
        return f"{d.normalize():f}" if d == d.to_integral_value() else f"{d:f}".rstrip("0")
    return str(value)


def changes(base: Scenario, what_if: Scenario) -> list[Change]:
    """Every policy value that differs between two scenarios, named for people."""
    a, b = _flat(base.policy.model_dump()), _flat(what_if.policy.model_dump())
    tiers = {t.id: t.label for t in list(base.policy.tiers) + list(what_if.policy.tiers)}
    out = []
    for path in list(a) + [p for p in b if p not in a]:
        if a.get(path) == b.get(path):
            continue
        leaf = path.rsplit(".", 1)[-1]
        fen = leaf in _FEN_FIELDS
        parts = path.split(".")
        if parts[0] == "tiers" and len(parts) >= 3 and ".".join(parts[2:]) in _NAMES:
            name = _NAMES[".".join(parts[2:])]
            tier = tiers.get(parts[1])
            zh = f"{tier.zh if tier else parts[1]}{name[0]}"
            en = f"{tier.en if tier else parts[1]}: {name[1]}"
        elif path in _NAMES:
            zh, en = _NAMES[path]
        else:
            zh = en = path
        unit = ("元", " yuan") if fen else (("%", "%") if leaf.endswith("percent") else ("", ""))
        out.append(Change(path, zh, en, _shown(a.get(path), fen, "zh"), _shown(b.get(path), fen, "zh"), *unit))
    return out


def _pct(delta: int, base: int) -> float | None:
    return None if base == 0 else delta / base * 100


@dataclass
class WhatIf:
    """A scenario run against its baseline over one population (fen inside)."""

    baseline: Outlay
    what_if: Outlay
    kind: str  # "override", "variant" or "baseline"
    changes: list[Change] = field(default_factory=list)

    # ---------------------------------------------------------------- words

    def columns(self, lang: str) -> tuple[str, str, str, str]:
        """Names of the baseline, what-if, change and change-% columns (上年/本年 for last year)."""
        i = 0 if lang == "zh" else 1
        b, w = self.baseline.scenario.policy, self.what_if.scenario.policy
        if self.kind == "baseline" and w.benefit_year - b.benefit_year == 1:
            keys = ("last_year", "this_year")
        elif self.kind == "baseline":
            keys = ("base", "this")
        else:
            keys = ("base", "what_if")
        return (_COLUMNS[keys[0]][i], _COLUMNS[keys[1]][i], _COLUMNS["change"][i], _COLUMNS["change_pct"][i])

    def changes_text(self, lang: str, limit: int = 4) -> str:
        sep = "；" if lang == "zh" else "; "
        shown = [c.text(lang) for c in self.changes[:limit]]
        more = len(self.changes) - limit
        if more > 0:
            shown.append(f"等{more}项" if lang == "zh" else f"and {more} more")
        return sep.join(shown)

    def title(self, lang: str) -> str:
        """``假设情景：个人缴费标准 380→400元`` or, against another scenario, what it is compared with."""
        zh = lang == "zh"
        if self.kind == "baseline":
            base = self.baseline.scenario.policy.title.get(lang)
            return f"与{base}比较" if zh else f"compared with {base}"
        return f"假设情景：{self.changes_text(lang)}" if zh else f"What-if: {self.changes_text(lang)}"

    def baseline_text(self, lang: str) -> str:
        """What the baseline is, in one sentence."""
        b = self.baseline.scenario
        title = b.policy.title.get(lang)
        if lang == "zh":
            why = {
                "override": "（即未作调整的原情景）",
                "variant": "（本情景所继承的上级情景）",
                "baseline": "（按 --baseline 指定）",
            }[self.kind]
            return f"基准：{title}{why}，文号 {b.policy.document.number}。"
        why = {
            "override": " (the scenario without the changes)",
            "variant": " (the scenario this variant extends)",
            "baseline": " (chosen with --baseline)",
        }[self.kind]
        return f"Baseline: {title}{why}, document {b.policy.document.number}."

    # ---------------------------------------------------------------- tables

    def _row(self, name: str, b: int, w: int, lang: str, key: str = "") -> dict[str, Any]:
        cb, cw, cd, cp = self.columns(lang)
        unit = "（元）" if lang == "zh" else " (yuan)"
        return {
            "key": key,
            ("项目" if lang == "zh" else "item"): name,
            cb + unit: b / 100,
            cw + unit: w / 100,
            cd + unit: (w - b) / 100,
            cp: _pct(w - b, b),
        }

    def headline_table(self, lang: str = "zh"):
        """Every line of the budget headline: baseline, what-if, change, change %."""
        import pandas as pd

        hb, hw = self.baseline.budget(), self.what_if.budget()
        rb, rw = _rows(hb, lang), _rows(hw, lang)
        keys = list(rb) + [k for k in rw if k not in rb]
        rows = []
        for k in keys:
            name, fb, total = rb.get(k, (None, 0, False))
            name2, fw, total2 = rw.get(k, (None, 0, False))
            row = self._row(name or name2, fb, fw, lang, k)
            row["total"] = total or total2
            rows.append(row)
        return pd.DataFrame(rows)

    def sources_table(self, lang: str = "zh"):
        """Every paying source and the fiscal subsidy, with a 合计 row (= 筹资总额)."""
        import pandas as pd

        fb, fw = self.baseline.source_fen(), self.what_if.source_fen()
        rows = []
        for j, s in enumerate(self.baseline.sources):
            if j == 0 or fb[j] or fw[j]:
                rows.append(self._row(self.baseline.vocab.label(s, lang), int(fb[j]), int(fw[j]), lang, s))
        rows.append(
            self._row(
                label("fiscal_subsidy", lang),
                self.baseline.fiscal_fen(),
                self.what_if.fiscal_fen(),
                lang,
                "fiscal_subsidy",
            )
        )
        tb = int(fb.sum()) + self.baseline.fiscal_fen()
        tw = int(fw.sum()) + self.what_if.fiscal_fen()
        rows.append(self._row("合计（筹资总额）" if lang == "zh" else "total (total financing)", tb, tw, lang, "total"))
        frame = pd.DataFrame(rows)
        return frame.rename(columns={frame.columns[1]: "资金来源" if lang == "zh" else "funding source"})

    def tiers_table(self, lang: str = "zh", grouped: bool = False):
        """Every tier: enrolled and subsidies (all sources but the person) and what persons pay,
        baseline, what-if and change, with a 合计 row. ``grouped``: two header rows (measure,
        then baseline / what-if / change) for pages, instead of one-line names."""
        import pandas as pd

        zh = lang == "zh"
        cb, cw, cd, cp = self.columns(lang)
        b, w = self.baseline, self.what_if
        b_ids, w_ids = list(b.tables.tier_ids), list(w.tables.tier_ids)
        names = {t.id: t.label.get(lang) for t in list(b.scenario.policy.tiers) + list(w.scenario.policy.tiers)}
        names["general"] = "普通群体" if zh else "general population"
        bt, wt = b.tier_source_fen(), w.tier_source_fen()
        rows = []
        for tid in b_ids + [t for t in w_ids if t not in b_ids]:
            bi = b_ids.index(tid) if tid in b_ids else None
            wi = w_ids.index(tid) if tid in w_ids else None
            be = int(b.tally.counts[bi].sum()) if bi is not None else 0
            we = int(w.tally.counts[wi].sum()) if wi is not None else 0
            bs = int(bt[bi, 1:].sum()) if bi is not None else 0
            ws = int(wt[wi, 1:].sum()) if wi is not None else 0
            bp = int(bt[bi, 0]) if bi is not None else 0
            wp = int(wt[wi, 0]) if wi is not None else 0
            rows.append((tid, names.get(tid, tid), be, we, bs, ws, bp, wp))
        total = ("total", "合计" if zh else "total", *[sum(r[k] for r in rows) for k in range(2, 8)])
        rows.append(total)
        t = {
            "tier": "资助档次" if zh else "subsidy tier",
            "enrolled": "参保人数" if zh else "enrolled",
            "subsidy": "资助" if zh else "subsidies",
            "individual": "个人缴费" if zh else "paid by persons",
            "yuan": "（元）" if zh else " (yuan)",
            "pp": "（人）" if zh else " (persons)",
        }
        out = []
        for tid, name, be, we, bs, ws, bp, wp in rows:
            out.append(
                {
                    "key": tid,
                    t["tier"]: name,
                    f"{t['enrolled']}{t['pp']} {cb}": be,
                    f"{t['enrolled']}{t['pp']} {cw}": we,
                    f"{t['subsidy']}{t['yuan']} {cb}": bs / 100,
                    f"{t['subsidy']}{t['yuan']} {cw}": ws / 100,
                    f"{t['subsidy']}{t['yuan']} {cd}": (ws - bs) / 100,
                    f"{t['subsidy']} {cp}": _pct(ws - bs, bs),
                    f"{t['individual']}{t['yuan']} {cb}": bp / 100,
                    f"{t['individual']}{t['yuan']} {cw}": wp / 100,
                    f"{t['individual']}{t['yuan']} {cd}": (wp - bp) / 100,
                }
            )
        frame = pd.DataFrame(out)
        if grouped:
            heads = [("", c) for c in frame.columns[:2]]
            for c in frame.columns[2:]:
                for measure in (
                    f"{t['enrolled']}{t['pp']}",
                    f"{t['subsidy']}{t['yuan']}",
                    f"{t['individual']}{t['yuan']}",
                    t["subsidy"],
                ):
                    if c.startswith(measure + " "):
                        heads.append(
                            (
                                f"{t['subsidy']}{t['yuan']}" if measure == t["subsidy"] else measure,
                                c[len(measure) + 1 :],
                            )
                        )
                        break
            frame.columns = pd.MultiIndex.from_tuples(heads)
        return frame

    # ---------------------------------------------------------------- JSON

    def to_json(self) -> dict[str, Any]:
        """Baseline, what-if and change (yuan numbers) for the headline, sources and tiers."""
        hb, hw = self.baseline.budget(), self.what_if.budget()
        rb, rw = _rows(hb, "en"), _rows(hw, "en")

        def trio(b: int, w: int) -> dict[str, Any]:
            p = _pct(w - b, b)
            return {
                "baseline": yuan_number(b),
                "what_if": yuan_number(w),
                "change": yuan_number(w - b),
                "change_percent": None if p is None or math.isnan(p) else round(p, 4),
            }

        fb, fw = self.baseline.source_fen(), self.what_if.source_fen()
        sources = {
            s: trio(int(fb[j]), int(fw[j])) for j, s in enumerate(self.baseline.sources) if j == 0 or fb[j] or fw[j]
        }
        sources["fiscal_subsidy"] = trio(self.baseline.fiscal_fen(), self.what_if.fiscal_fen())
        tiers = {}
        for row in self.tiers_table("en").to_dict(orient="records"):
            tiers[row["key"]] = {
                k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items() if k not in ("key",)
            }
        return {
            "kind": self.kind,
            "baseline_scenario": self.baseline.scenario.id,
            "what_if_scenario": self.what_if.scenario.id,
            "title_zh": self.title("zh"),
            "title_en": self.title("en"),
            "changes": [{"path": c.path, "before": c.before, "after": c.after} for c in self.changes],
            "headline": {k: trio(hb.totals()[k], hw.totals()[k]) for k in hb.totals()},
            "headline_lines": {
                k: trio(rb.get(k, ("", 0, False))[1], rw.get(k, ("", 0, False))[1])
                for k in list(rb) + [k for k in rw if k not in rb]
            },
            "by_source": sources,
            "by_tier": tiers,
        }


def _rows(h: Headline, lang: str) -> dict[str, tuple[str, int, bool]]:
    return {k: (text, fen, total) for k, text, fen, total in h.rows(lang)}


def default_baseline(
    scenario: Scenario, overrides: dict[str, Any] | None, baseline: str | Path | None = None
) -> tuple[Scenario | None, str]:
    """The baseline a report compares with, and why: ``--baseline``, the scenario without its
    overrides, or a variant's parent; (None, "") when the report is not a what-if."""
    if baseline is not None:
        return load_scenario(baseline), "baseline"
    if overrides:
        return load_scenario(scenario.chain[0]["path"]), "override"
    if len(scenario.chain) > 1:
        return load_scenario(scenario.chain[1]["path"]), "variant"
    return None, ""


def what_if(
    scenario: str | Path | Scenario,
    overrides: dict[str, Any] | None = None,
    *,
    baseline: str | Path | None = None,
    population: Any = None,
    size: int | None = None,
    seed: int = 0,
) -> WhatIf | None:
    """Run a scenario (with ``overrides``) and its baseline over one population; None when the
    report is not a comparison (no overrides, no ``extends``, no ``--baseline``).

    >>> wi = what_if("scenarios/langxi-2024.yaml", {"contribution.personal": 400}, size=5_000)
    >>> wi.title("zh")
    '假设情景：个人缴费标准 380→400元'
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, overrides)
    if isinstance(scenario, Scenario) and overrides:
        sc = scenario.with_overrides(overrides)
    base, kind = default_baseline(sc, overrides or sc.overrides, baseline)
    if base is None:
        return None
    c = compare(base, [sc], population=population, size=size, seed=seed)
    return WhatIf(c.baseline, c.reforms[0], kind, changes(base, sc))
