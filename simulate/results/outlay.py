"""The result of a run: who pays what, in integer fen, with tables for people to read.

Every figure derives from one :class:`~simulate.model.engine.Tally` times the compiled tables,
so outlays are conserved to the fen: for each enrolled person the sources (the person
included) and the fiscal subsidy add up to the personal standard plus the fiscal subsidy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import labels
from ..model.engine import Compiled, Tally, cell_view
from ..model.population import Villages
from ..money import yuan_float, yuan_number
from ..policy import Scenario
from ..policy.subsidy import OFF_TIME, TIMINGS
from ..vocabulary import GOVERNMENT_LEVELS, label
from . import outlay_rows
from .budget import LEVELS, Headline, headline, split_fen
from .outlay_rows import col


def _frame(rows: list[dict[str, Any]]) -> Any:
    """A DataFrame of ``rows``; pandas is imported only by callers that want frames."""
    import pandas as pd

    return pd.DataFrame(rows)


def _framed(rows_method: Callable[..., list[dict[str, Any]]]) -> Callable[..., Any]:
    """The frame method of a ``*_rows`` method: same arguments, a DataFrame of its rows."""

    def frame(self: Outlay, lang: str | None = "zh") -> Any:
        return _frame(rows_method(self, lang))

    frame.__doc__ = rows_method.__doc__
    return frame


class ConservationError(RuntimeError):
    """Money that does not add up: a bug in the engine, never a user's mistake (exit 3)."""


@dataclass
class Outlay:
    """Outlay by funding source for one scenario and population (integer fen inside)."""

    scenario: Scenario
    compiled: Compiled
    tally: Tally
    villages: Villages
    meta: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ exact figures (fen)

    @property
    def tables(self):
        return self.compiled.tables

    @property
    def sources(self) -> tuple[str, ...]:
        """Funding source ids of every [S] axis: canonical, then the scenario's local payers."""
        return tuple(self.compiled.tables.sources)

    @property
    def vocab(self):
        """The scenario's vocabulary (labels and colours of its local identities and payers)."""
        return self.scenario.policy.vocab

    def source_fen(self) -> np.ndarray:
        """Fen by source [S] over all enrolled people."""
        counts, pays, _, _ = cell_view(self.tables, self.tally)
        return np.einsum("ctmv,ctms->s", counts, pays)

    def fiscal_fen(self) -> int:
        counts, _, fiscal, _ = cell_view(self.tables, self.tally)
        return int(np.einsum("ctmv,ctm->", counts, fiscal))

    def tier_source_fen(self) -> np.ndarray:
        """Fen [T, S]."""
        counts, pays, _, _ = cell_view(self.tables, self.tally)
        return np.einsum("ctmv,ctms->ts", counts, pays)

    def village_source_fen(self) -> np.ndarray:
        """Fen [V, S]."""
        counts, pays, _, _ = cell_view(self.tables, self.tally)
        return np.einsum("ctmv,ctms->vs", counts, pays)

    def standard_source_fen(self) -> tuple[np.ndarray, np.ndarray]:
        """Enrolled persons [K] and fen [K, S] by contribution standard (code 0 the base one,
        ``Contribution.standard_list``): one row when the scenario has one standard."""
        counts, pays, _, _ = cell_view(self.tables, self.tally)
        cells = self.tables.cells
        k = len(self.scenario.policy.contribution.standard_list())
        std = np.zeros(counts.shape[0], np.int64) if cells is None else np.arange(counts.shape[0]) // cells.n_ages
        persons = np.zeros(k, np.int64)
        np.add.at(persons, std, counts.sum(axis=(1, 2, 3)))
        fen = np.zeros((k, pays.shape[3]), np.int64)
        np.add.at(fen, std, np.einsum("ctmv,ctms->cs", counts, pays))
        return persons, fen

    @property
    def persons(self) -> int:
        return self.tally.persons

    @property
    def enrolled(self) -> int:
        return int(self.tally.counts.sum())

    def fiscal_split_fen(self) -> dict[str, int]:
        """The fiscal subsidy by government level in fen, adding up exactly (largest remainder)."""
        split = self.scenario.policy.contribution.fiscal_subsidy_split
        return split_fen(self.fiscal_fen(), {lvl: getattr(split, lvl) for lvl in LEVELS})

    def budget(self) -> Headline:
        """The budget headline (筹资总额, 政府支出合计, 县级负担 and its parts), in fen."""
        return headline(self)

    def enrolled_by_timing(self) -> dict[str, int]:
        """Enrolled persons by timing class (``reference.TIMINGS``), every class present:
        regular, extended (the document's extension), late, and each event window."""
        counts = self.tally.counts.sum(axis=(0, 2))
        return {
            tm: int(counts[i]) for i, tm in enumerate(TIMINGS) if counts[i] or tm in ("regular", "extended", "late")
        }

    def check_conservation(self) -> None:
        """Raise :class:`ConservationError` unless the money adds up, exactly, tier by tier.

        For each (tier, timing) a person is accepted in, the sources (the individual included)
        and the fiscal subsidy pay what one enrollment must bring in (``tables.due``: personal
        plus fiscal, or a document's stated late charge); for each tier, the total paid equals
        its enrolled persons times that amount; and the int64
        figures every table shows equal the same sums in Python integers (no wrap-around).
        The CLI runs this before it prints money (``runner.run``); a failure is a bug of ours
        (exit 3, "internal error"), never the user's mistake."""
        t = self.tables
        counts, c_pays, c_fiscal, c_due = cell_view(t, self.tally)  # one cell per standard (C, …)
        due = c_due.astype(object)  # personal + fiscal, or a document's stated late charge
        pays, fiscal = c_pays.astype(object), c_fiscal.astype(object)
        cell = pays.sum(axis=3) + fiscal
        for ti, tid in enumerate(t.tier_ids):
            for mi, timing in enumerate(t.timings):
                bad = [c for c in range(cell.shape[0]) if t.accepted[ti, mi] and cell[c, ti, mi] != due[c, ti, mi]]
                if bad:
                    raise ConservationError(
                        f"tier {tid} ({timing}): sources pay {cell[bad[0], ti, mi]} fen "
                        f"per person, the enrollment costs {due[bad[0], ti, mi]} fen"
                    )
        per_ctm = counts.astype(object).sum(axis=3)  # [C, T, M] Python ints
        exact_ts = (per_ctm[:, :, :, None] * pays).sum(axis=(0, 2))  # [T, S]
        exact_fiscal = (per_ctm * fiscal).sum(axis=(0, 2))  # [T]
        per_tm = per_ctm.sum(axis=0)
        shown_ts = self.tier_source_fen()
        for ti, tid in enumerate(t.tier_ids):
            enrolled = int(per_tm[ti].sum())
            owed_t = int((per_ctm[:, ti] * due[:, ti]).sum())
            paid = int(sum(exact_ts[ti])) + int(exact_fiscal[ti])
            if paid != owed_t:
                raise ConservationError(
                    f"tier {tid}: {enrolled} enrolled persons cost {owed_t} fen but the sources pay {paid} fen"
                )
            if any(int(shown_ts[ti, j]) != int(exact_ts[ti, j]) for j in range(len(t.sources))):
                raise ConservationError(f"tier {tid}: a 64-bit total differs from the exact sum (overflow)")
        total = int(self.source_fen().sum()) + self.fiscal_fen()
        owed = int((per_ctm * due).sum())
        if total != owed or self.fiscal_fen() != int(sum(exact_fiscal)):
            raise ConservationError(f"outlays add up to {total} fen, the {self.enrolled} enrollments cost {owed} fen")
        if sum(self.fiscal_split_fen().values()) != self.fiscal_fen():
            raise ConservationError("the fiscal subsidy split by government level does not add up")

    # ------------------------------------------------------------------ JSON contract

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md's ``run --json`` contract, plus the details a report needs."""
        fen = self.source_fen()
        by_source = {s: yuan_number(int(f)) for s, f in zip(self.sources, fen) if f != 0}
        t = self.tally
        late_idx = TIMINGS.index("late")
        out: dict[str, Any] = {
            "scenario": self.scenario.id,
            "persons": self.persons,
            "enrolled": self.enrolled,
            "by_source": by_source,
            "fiscal_subsidy": yuan_number(self.fiscal_fen()),
            "fiscal_subsidy_split": {k: yuan_number(v) for k, v in self.fiscal_split_fen().items()},
            "not_enrolled": int(t.not_enrolled.sum()),
            "late_enrolled": int(t.counts[:, late_idx].sum()),
            # each kind of payer outside the collection period (docs/policies.md, "Timing")
            "enrolled_by_timing": self.enrolled_by_timing(),
            "late_refused": int(t.refused.sum()),
            "ties_broken_by_order": int(t.ties),
            **self._standards_json(),
            "by_tier": {
                tid: {
                    "enrolled": int(t.counts[i].sum()),
                    "pays": {s: yuan_number(int(f)) for s, f in zip(self.sources, self.tier_source_fen()[i]) if f},
                }
                for i, tid in enumerate(self.tables.tier_ids)
            },
        }
        wf = self.work_funds_fen()
        if wf is not None:
            out["work_funds"] = {
                "villages_total": yuan_number(int(wf["total"].sum())),
                "awards_total": yuan_number(self.awards_fen()),
            }
        out["budget"] = self.budget().to_json()
        out.update({k: v for k, v in self.meta.items() if k not in out})
        return out

    def _standards_json(self) -> dict[str, Any]:
        """``by_standard`` for ``run --json`` when the scenario has several standards (else
        nothing, so single-standard output keeps its bytes)."""
        listed = self.scenario.policy.contribution.standard_list()
        if len(listed) == 1:
            return {}
        persons, fen = self.standard_source_fen()
        return {
            "by_standard": {
                sid: {
                    "enrolled": int(persons[k]),
                    "pays": {s: yuan_number(int(f)) for s, f in zip(self.sources, fen[k]) if f},
                }
                for k, (sid, _, _) in enumerate(listed)
            }
        }

    # ------------------------------------------------------------------ tables for people

    def persons_by_source(self) -> np.ndarray:
        """Enrolled persons each source pays something for [S]."""
        counts, pays, _, _ = cell_view(self.tables, self.tally)
        return np.einsum("ctmv,ctms->s", counts, (pays > 0).astype(np.int64))

    def by_source_rows(self, lang: str = "zh") -> list[dict[str, Any]]:
        """Outlay by funding source, the individual first, with persons each source pays for."""
        fen = self.source_fen()
        persons = self.persons_by_source()
        total = int(fen.sum())
        rows = []
        for i, s in enumerate(self.sources):
            if fen[i] == 0 and s != "individual":
                continue
            rows.append(
                {
                    "source": s,
                    col("source", lang): self.vocab.label(s, labels.lang_of(lang)),
                    col("persons", lang): int(persons[i]),
                    col("amount", lang): yuan_float(fen[i]),
                    col("share", lang): (int(fen[i]) / total) if total else 0.0,
                }
            )
        return rows

    def by_tier_rows(self, lang: str = "zh") -> list[dict[str, Any]]:
        """Enrolled, late and refused persons and outlay by source for each tier."""
        pol = self.scenario.policy
        tiers = {t.id: t for t in pol.tiers}
        tsf = self.tier_source_fen()
        t = self.tally
        refunds = any(tier.payment == "refund_after" for tier in pol.tiers)
        rows = []
        for i, tid in enumerate(self.tables.tier_ids):
            tier = tiers.get(tid)
            row = {
                "tier": tid,
                col("tier", lang): tier.label.get(lang) if tier else labels.text("outlay_text", "general", lang),
                col("section", lang): tier.section if tier else "",
                col("enrolled", lang): int(t.counts[i].sum()),
                col("late", lang): int(t.counts[i, TIMINGS.index("late")].sum()),
                col("refused", lang): int(t.refused[i].sum()),
                col("not_enrolled", lang): int(t.not_enrolled[i].sum()),
            }
            for j, s in enumerate(self.sources):
                if tsf[:, j].any():
                    row[self.vocab.label(s, labels.lang_of(lang))] = yuan_float(tsf[i, j])
            if refunds:
                refunded = tier is not None and tier.payment == "refund_after"
                row[col("payment", lang)] = labels.text("outlay_text", "refunded", lang) if refunded else ""
            rows.append(row)
        return rows

    def by_village_rows(self, lang: str = "zh") -> list[dict[str, Any]]:
        """Persons, enrollment against the task, and outlay by source for each village."""
        vsf = self.village_source_fen()
        base = self._village_base()
        rows = []
        for v in range(len(self.villages)):
            persons, enrolled, task = base["persons"][v], base["enrolled"][v], base["task"][v]
            row = {
                "village": self.villages.ids[v],
                col("village", lang): self.villages.label(v, lang),
                col("residents", lang): int(persons),
                col("task", lang): int(task),
                col("enrolled", lang): int(enrolled),
                col("participation", lang): enrolled / persons if persons else 0.0,
                col("met", lang): bool(enrolled >= base["needed"][v]) if task else None,
            }
            for j, s in enumerate(self.sources):
                if vsf[:, j].any():
                    row[self.vocab.label(s, labels.lang_of(lang))] = yuan_float(vsf[v, j])
            rows.append(row)
        return rows

    def fiscal_split_rows(self, lang: str = "zh") -> list[dict[str, Any]]:
        split = self.scenario.policy.contribution.fiscal_subsidy_split
        fen = self.fiscal_split_fen()
        return [
            {
                "level": k,
                col("level", lang): label(k, labels.lang_of(lang)),
                col("percent", lang): float(getattr(split, k)) / 100,
                col("amount", lang): yuan_float(v),
            }
            for k, v in fen.items()
        ]

    def targets_rows(self, lang: str = "zh") -> list[dict[str, Any]]:
        """Participation against the overall target and each group's target."""
        return outlay_rows.targets_rows(self.scenario.policy, self.tally, self.persons, self.enrolled, lang)

    def targets_by_village_rows(self, lang: str = "zh") -> list[dict[str, Any]]:
        """Each group's participation against its target, village by village."""
        return outlay_rows.targets_by_village_rows(self.scenario.policy, self.tally, self.villages, lang)

    # ------------------------------------------------------------------ work funds

    def _village_base(self) -> dict[str, np.ndarray]:
        t = self.tally
        persons = t.counts.sum(axis=(0, 1)) + t.refused.sum(axis=0) + t.not_enrolled.sum(axis=0)
        enrolled = t.counts.sum(axis=(0, 1))
        # paid outside the collection period (extension, late, after an event's window)
        late = t.counts[:, [TIMINGS.index(k) for k in OFF_TIME]].sum(axis=(0, 1))
        v = self.villages
        if v.residents.sum() > 0 and v.task.sum() > 0:
            # tasks as printed, scaled when the population is not the printed size
            scale_num, scale_den = int(persons.sum()), int(v.residents.sum())
            task = (v.task * scale_num + scale_den // 2) // scale_den if scale_num != scale_den else v.task.copy()
            needed = task.copy()  # the printed task is the number to reach
        else:
            task = persons.copy()  # no task list: every resident is the task (应保尽保)
        if not (v.residents.sum() > 0 and v.task.sum() > 0):
            pct = int(self.scenario.policy.targets.overall_percent * 100)
            needed = (task * pct + 9999) // 10000  # the overall target's share of the task
        return {"persons": persons, "enrolled": enrolled, "regular": enrolled - late, "task": task, "needed": needed}

    def work_funds_fen(self) -> dict[str, np.ndarray] | None:
        """Collection work funds owed per village under the scenario's rate tiers (fen)."""
        wf = self.scenario.policy.work_funds
        if wf is None:
            return None
        base = self._village_base()
        n_v = len(self.villages)
        denom = base["persons"] if wf.basis == "residents" else base["task"]
        # "hardship groups at 100%" is judged on the same payments as participation
        groups_ok = {"all": np.ones(n_v, bool), "regular": np.ones(n_v, bool)}
        for g, grp in enumerate(self.scenario.policy.targets.groups):
            need = self.tally.group_members[g] * grp.percent
            groups_ok["all"] &= self.tally.group_enrolled[g] * 100 >= need
            groups_ok["regular"] &= self.tally.group_on_time[g] * 100 >= need
        out = {k: np.zeros(n_v, np.int64) for k in ("work", "reward", "record", "deduction", "total")}
        out["rate"] = np.full(n_v, -1, np.int64)
        out["measured"] = np.zeros(n_v, np.float64)  # the participation that chose the band
        out["groups_ok"] = np.zeros(n_v, bool)
        target_pct = self.scenario.policy.targets.overall_percent
        for v in range(n_v):
            for r, rate in enumerate(wf.rates):
                count = base["regular"][v] if rate.measured_on == "regular" else base["enrolled"][v]
                if denom[v] <= 0:
                    continue
                if count * 100 < denom[v] * rate.min_participation_percent:
                    continue
                if rate.groups_full and not groups_ok[rate.measured_on][v]:
                    continue
                out["rate"][v] = r
                out["measured"][v] = count / denom[v]
                out["groups_ok"][v] = groups_ok[rate.measured_on][v]
                out["work"][v] = rate.per_enrolled * count
                out["reward"][v] = rate.reward_per_enrolled * count
                if rate.deduction_per_missing:
                    need = (int(denom[v]) * int(target_pct * 100) + 9999) // 10000
                    out["deduction"][v] = rate.deduction_per_missing * max(0, need - int(base["enrolled"][v]))
                break
            out["record"][v] = wf.per_record * base["enrolled"][v]
        out["total"] = out["work"] + out["reward"] + out["record"] - out["deduction"]
        return out

    def awards_fen(self) -> int:
        wf = self.scenario.policy.work_funds
        return sum(a.count * a.amount for a in wf.awards) if wf else 0

    def work_funds_rows(self, lang: str = "zh") -> list[dict[str, Any]]:
        """Work funds per village as a table (empty when the scenario sets none)."""
        wf = self.scenario.policy.work_funds
        fen = self.work_funds_fen()
        if fen is None or wf is None:  # one is None exactly when the other is
            return []
        return outlay_rows.work_funds_rows(wf, fen, self._village_base(), self.villages, lang)

    def awards_rows(self, lang: str = "zh") -> list[dict[str, Any]]:
        """The scenario's awards (奖励), one row each (empty when it sets no work funds)."""
        return outlay_rows.awards_rows(self.scenario.policy.work_funds, lang)

    def rows(self, lang: str = "zh") -> dict[str, list[dict[str, Any]]]:
        """Every table's rows by name: the frames are built from them, the terminal prints them."""
        out = {
            "by_source": self.by_source_rows(lang),
            "by_tier": self.by_tier_rows(lang),
            "by_village": self.by_village_rows(lang),
            "fiscal_split": self.fiscal_split_rows(lang),
            "targets": self.targets_rows(lang),
        }
        if len(self.villages) > 1 and self.scenario.policy.targets.groups:
            out["targets_by_village"] = self.targets_by_village_rows(lang)
        if self.scenario.policy.work_funds is not None:
            out["work_funds"] = self.work_funds_rows(lang)
            out["awards"] = self.awards_rows(lang)
        return out

    def frames(self, lang: str = "zh") -> dict[str, Any]:
        """Every table by name as a DataFrame (for notebooks, Excel and JSON)."""
        return {k: _frame(v) for k, v in self.rows(lang).items()}

    # the same tables as DataFrames, one per rows method
    by_source = _framed(by_source_rows)
    by_tier = _framed(by_tier_rows)
    by_village = _framed(by_village_rows)
    fiscal_split = _framed(fiscal_split_rows)
    targets = _framed(targets_rows)
    targets_by_village = _framed(targets_by_village_rows)
    work_funds = _framed(work_funds_rows)
    awards = _framed(awards_rows)


def government_levels() -> tuple[str, ...]:
    return tuple(GOVERNMENT_LEVELS)
