"""A what-if report's comparison: baseline and what-if over the same people, with the change.

Issue 12 item 2: a report with ``--set``/``--set-file`` overrides or of a variant that
``extends`` another scenario is a what-if. Its default baseline is the scenario without the
overrides (for a variant: its parent); ``--baseline SCENARIO`` picks any other. Both run over
one population (common random numbers, :func:`simulate.analysis.compare`), so every change is
the policy's alone; a lever that changes the population itself draws the what-if's own
(same seed, same persons), as ``simulate run --set`` does. Tables give baseline, what-if,
change and change % for the budget headline, every funding source and every tier; money is
integer fen until displayed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import labels
from ..money import yuan_number
from ..policy import Scenario, load_scenario
from ..results.budget import Headline
from ..results.outlay import Outlay
from ..vocabulary import label
from . import compare
from .naming import PARAM_LABELS

if TYPE_CHECKING:  # pandas loads only when a table is built (import simulate stays light)
    import pandas as pd

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
    "payer_section",
}
#: Top-level parts that are not policy values (the names also used inside, e.g. a fiscal
#: split's ``county`` share, are values there).
_NOT_VALUES_TOP = {"area", "county"}
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
#: Readable names of policy values by dotted path (a tier's by the path inside the tier).
_NAMES: dict[str, tuple[str, str]] = labels.pairs("whatif_params")
#: This module's words and headings (labels.yaml, section whatif).
_W: dict[str, tuple[str, str]] = labels.pairs("whatif")
#: Multiple-identity rules, named by ``rule_<id>`` in the whatif section.
_RULES = ("priority", "highest_benefit")


def _t(key: str, lang: str, **fields: Any) -> str:
    """The ``whatif`` label ``key`` in ``lang``, its ``{fields}`` filled (str.format)."""
    return labels.text("whatif", key, lang).format(**fields)


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
            if k not in _NOT_VALUES and not (not path and k in _NOT_VALUES_TOP):
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
        return _t(f"rule_{value}", lang) if value in _RULES else label(value, labels.lang_of(lang))
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
        elif path in PARAM_LABELS:  # e.g. a split's county share: 财政补助县级分担比例（%）
            zh, en = (n.removesuffix("（%）").removesuffix(" (%)") for n in PARAM_LABELS[path])
        else:
            zh = en = path
        percent = leaf.endswith("percent") or PARAM_LABELS.get(path, ("",))[0].endswith("（%）")
        unit = _W["unit_yuan"] if fen else (_W["unit_percent"] if percent else ("", ""))
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
        b, w = self.baseline.scenario.policy, self.what_if.scenario.policy
        if self.kind == "baseline" and w.benefit_year - b.benefit_year == 1:
            keys = ("last_year", "this_year")
        elif self.kind == "baseline":
            keys = ("base", "this")
        else:
            keys = ("base", "what_if")
        return (_t(keys[0], lang), _t(keys[1], lang), _t("change", lang), _t("change_pct", lang))

    def changes_text(self, lang: str, limit: int = 4) -> str:
        sep = _t("changes_sep", lang)
        shown = [c.text(lang) for c in self.changes[:limit]]
        more = len(self.changes) - limit
        if more > 0:
            shown.append(_t("more", lang, n=more))
        return sep.join(shown)

    def title(self, lang: str) -> str:
        """``假设情景：个人缴费标准 380→400元`` or, against another scenario, what it is compared with."""
        if self.kind == "baseline":
            return _t("compared_with", lang, base=self.baseline.scenario.policy.title.get(lang))
        return _t("title", lang, changes=self.changes_text(lang))

    def baseline_text(self, lang: str) -> str:
        """What the baseline is, in one sentence."""
        b = self.baseline.scenario
        title = b.policy.title.get(lang)
        why = _t(f"why_{self.kind}", lang)
        return _t("baseline", lang, title=title, why=why, number=b.policy.document.number)

    # ---------------------------------------------------------------- tables

    def _row(self, name: str, b: int, w: int, lang: str, key: str = "") -> dict[str, Any]:
        cb, cw, cd, cp = self.columns(lang)
        unit = _t("yuan", lang)
        return {
            "key": key,
            _t("item", lang): name,
            cb + unit: b / 100,
            cw + unit: w / 100,
            cd + unit: (w - b) / 100,
            cp: _pct(w - b, b),
        }

    def headline_table(self, lang: str = "zh") -> pd.DataFrame:
        """Every line of the budget headline: baseline, what-if, change, change %."""
        import pandas as pd

        hb, hw = self.baseline.budget(), self.what_if.budget()
        rb, rw = _rows(hb, lang), _rows(hw, lang)
        keys = list(rb) + [k for k in rw if k not in rb]
        rows = []
        for k in keys:
            name, fb, total = rb.get(k, ("", 0, False))
            name2, fw, total2 = rw.get(k, ("", 0, False))
            row = self._row(name or name2, fb, fw, lang, k)
            row["total"] = total or total2
            rows.append(row)
        return pd.DataFrame(rows)

    def sources_table(self, lang: str = "zh") -> pd.DataFrame:
        """Every paying source and the fiscal subsidy, with a 合计 row (= 筹资总额)."""
        import pandas as pd

        fb, fw = self.baseline.source_fen(), self.what_if.source_fen()
        rows = []
        for j, s in enumerate(self.baseline.sources):
            if j == 0 or fb[j] or fw[j]:
                rows.append(
                    self._row(self.baseline.vocab.label(s, labels.lang_of(lang)), int(fb[j]), int(fw[j]), lang, s)
                )
        rows.append(
            self._row(
                label("fiscal_subsidy", labels.lang_of(lang)),
                self.baseline.fiscal_fen(),
                self.what_if.fiscal_fen(),
                lang,
                "fiscal_subsidy",
            )
        )
        tb = int(fb.sum()) + self.baseline.fiscal_fen()
        tw = int(fw.sum()) + self.what_if.fiscal_fen()
        rows.append(self._row(_t("total_financing", lang), tb, tw, lang, "total"))
        frame = pd.DataFrame(rows)
        return frame.rename(columns={frame.columns[1]: _t("source", lang)})

    def tiers_table(self, lang: str = "zh", grouped: bool = False) -> pd.DataFrame:
        """Every tier: enrolled and subsidies (all sources but the person) and what persons pay,
        baseline, what-if and change, with a 合计 row. ``grouped``: two header rows (measure,
        then baseline / what-if / change) for pages, instead of one-line names."""
        import pandas as pd

        cb, cw, cd, cp = self.columns(lang)
        t = {key: _t(key, lang) for key in ("tier", "enrolled", "subsidy", "individual", "yuan", "persons")}
        out = []
        for tid, name, be, we, bs, ws, bp, wp in self._tier_figures(lang):
            out.append(
                {
                    "key": tid,
                    t["tier"]: name,
                    f"{t['enrolled']}{t['persons']} {cb}": be,
                    f"{t['enrolled']}{t['persons']} {cw}": we,
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
            frame.columns = pd.MultiIndex.from_tuples(_grouped_heads(list(frame.columns), t))
        return frame

    def _tier_figures(self, lang: str) -> list[tuple[Any, ...]]:
        """Per tier (baseline's order, then the what-if's new ones) and a total row: id, name,
        enrolled, subsidies (fen) and paid by persons (fen), each baseline then what-if."""
        b, w = self.baseline, self.what_if
        b_ids, w_ids = list(b.tables.tier_ids), list(w.tables.tier_ids)
        names = {t.id: t.label.get(lang) for t in list(b.scenario.policy.tiers) + list(w.scenario.policy.tiers)}
        names["general"] = _t("general", lang)
        bt, wt = b.tier_source_fen(), w.tier_source_fen()
        rows: list[tuple[Any, ...]] = []
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
        rows.append(("total", _t("total", lang), *[sum(r[k] for r in rows) for k in range(2, 8)]))
        return rows

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


def _grouped_heads(columns: list[str], t: dict[str, str]) -> list[tuple[str, str]]:
    """Two header rows for the tiers table: (measure, baseline / what-if / change)."""
    heads = [("", c) for c in columns[:2]]
    for c in columns[2:]:
        for measure in (
            f"{t['enrolled']}{t['persons']}",
            f"{t['subsidy']}{t['yuan']}",
            f"{t['individual']}{t['yuan']}",
            t["subsidy"],
        ):
            if c.startswith(measure + " "):
                heads.append(
                    (f"{t['subsidy']}{t['yuan']}" if measure == t["subsidy"] else measure, c[len(measure) + 1 :])
                )
                break
    return heads


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
