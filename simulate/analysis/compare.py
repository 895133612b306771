"""A baseline and reforms run over the same people, and their differences by source, tier
and village (``simulate compare``). pandas is imported inside the frame methods, for
start-up time (issue 11 item 6)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import labels
from ..errors import SimulateError
from ..model.population import Population
from ..model.synth import SyntheticPopulation
from ..money import yuan_number
from ..policy import Scenario
from ..results.outlay import Outlay
from .common import (
    common_population,
    government_fen,
    own_population,
    percent_change,
    run_quiet,
    scenario_of,
)
from .naming import column_label, finish_frame, overrides_text
from .values import json_value


def _t(key: str, lang: str | None, **fields: Any) -> str:
    """The ``compare`` label ``key`` in ``lang`` (None: English), its ``{fields}`` filled."""
    return labels.text("compare", key, lang or "en").format(**fields)


@dataclass
class Comparison:
    """A baseline and one or more reforms run over the same people; deltas are reform − baseline.

    ``delta_fen(i)`` is exact (integer fen); the frames show yuan and percent with zh or en
    labels beside the id columns (``reform``, ``source``, ``tier``, ``village``).
    """

    baseline: Outlay
    reforms: list[Outlay]
    #: What each reform changes on top of its file (``reform_overrides``), the same for all.
    overrides: dict[str, Any] = field(default_factory=dict)
    #: One name per reform: its id, plus ``+ path=value`` for each override (unique).
    names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.names:
            extra = overrides_text(self.overrides)
            names: list[str] = []
            for r in self.reforms:
                name = r.scenario.id + (f" + {extra}" if extra else "")
                if name in names:
                    k = 2
                    while f"{name} #{k}" in names:
                        k += 1
                    name = f"{name} #{k}"
                names.append(name)
            self.names = names

    def paying_sources(self, i: int = 0) -> list[str]:
        """Sources that pay anything in the baseline or reform ``i`` (``individual`` always)."""
        b, r = self.baseline.source_fen(), self.reforms[i].source_fen()
        return [s for j, s in enumerate(self.baseline.sources) if j == 0 or b[j] != 0 or r[j] != 0]

    def legend(self, lang: str = "zh") -> list[str]:
        """One line per scenario: ``基准：title`` and ``方案1：title；改动：…`` (zh) or en."""
        b = self.baseline.scenario
        lines = [_t("baseline", lang, title=b.policy.title.get(lang), id=b.id)]
        for i, r in enumerate(self.reforms):
            sc = r.scenario
            title, name = sc.policy.title.get(lang), self.names[i]
            if self.overrides:  # the zh legend names the changes; the en one names the reform
                changes = overrides_text(self.overrides, labels.lang_of(lang), sc, _t("changes_sep", lang))
                lines.append(_t("reform_changed", lang, n=i + 1, title=title, name=name, changes=changes))
            else:
                lines.append(_t("reform", lang, n=i + 1, title=title, name=name))
        return lines

    def delta_fen(self, i: int = 0) -> dict[str, int]:
        """Reform ``i`` minus the baseline, fen by source, plus ``fiscal_subsidy``."""
        r = self.reforms[i]
        d = r.source_fen() - self.baseline.source_fen()
        out = {s: int(v) for s, v in zip(self.baseline.sources, d)}
        out["fiscal_subsidy"] = r.fiscal_fen() - self.baseline.fiscal_fen()
        return out

    def by_source(self, lang: str | None = "zh"):
        """Outlay by source (and the fiscal subsidy): baseline, reform, change in yuan and %."""
        import pandas as pd

        b = self.baseline
        b_fen = list(b.source_fen()) + [b.fiscal_fen()]
        keys = list(b.sources) + ["fiscal_subsidy"]
        rows = []
        for name, r in zip(self.names, self.reforms):
            r_fen = list(r.source_fen()) + [r.fiscal_fen()]
            for k, bf, rf in zip(keys, b_fen, r_fen):
                if bf == 0 and rf == 0 and k != "individual":
                    continue
                rows.append(
                    {
                        "reform": name,
                        "source": k,
                        "source_label": column_label(k, lang or "en", b.scenario.policy.vocab),
                        "baseline_yuan": int(bf) / 100,
                        "reform_yuan": int(rf) / 100,
                        "delta_yuan": (int(rf) - int(bf)) / 100,
                        "delta_percent": percent_change(int(rf) - int(bf), int(bf)),
                    }
                )
        frame = pd.DataFrame(rows)
        return finish_frame(frame, lang, {"source_label": "source"})

    def by_tier(self, lang: str | None = "zh"):
        """Per tier (matched by id): enrolled and subsidies (all sources but the person)."""
        import pandas as pd

        rows = []
        b = self.baseline
        b_ids = list(b.tables.tier_ids)
        for name, r in zip(self.names, self.reforms):
            r_ids = list(r.tables.tier_ids)
            tiers = b_ids + [t for t in r_ids if t not in b_ids]
            names = {t.id: t.label for t in list(b.scenario.policy.tiers) + list(r.scenario.policy.tiers)}
            bt, rt = b.tier_source_fen(), r.tier_source_fen()
            for tid in tiers:
                bi = b_ids.index(tid) if tid in b_ids else None
                ri = r_ids.index(tid) if tid in r_ids else None
                b_row = bt[bi] if bi is not None else np.zeros(len(b.sources), np.int64)
                r_row = rt[ri] if ri is not None else np.zeros(len(b.sources), np.int64)
                be = int(b.tally.counts[bi].sum()) if bi is not None else 0
                re_ = int(r.tally.counts[ri].sum()) if ri is not None else 0
                bs, rs = government_fen(b_row), government_fen(r_row)
                tier_name = (
                    names[tid].get(lang or "en")
                    if tid in names
                    else labels.text("outlay_text", "general", lang or "en")
                )
                rows.append(
                    {
                        "reform": name,
                        "tier": tid,
                        "tier_label": tier_name,
                        "enrolled_baseline": be,
                        "enrolled_reform": re_,
                        "enrolled_delta": re_ - be,
                        "subsidy_baseline_yuan": bs / 100,
                        "subsidy_reform_yuan": rs / 100,
                        "subsidy_delta_yuan": (rs - bs) / 100,
                        "subsidy_delta_percent": percent_change(rs - bs, bs),
                        "individual_delta_yuan": (int(r_row[0]) - int(b_row[0])) / 100,
                    }
                )
        return finish_frame(pd.DataFrame(rows), lang, {"tier_label": "tier"})

    def by_village(self, lang: str | None = "zh"):
        """Per village: enrolled and subsidies (all sources but the person), with changes."""
        import pandas as pd

        rows = []
        b = self.baseline
        bv = b.village_source_fen()
        b_enr = b.tally.counts.sum(axis=(0, 1))
        for name, r in zip(self.names, self.reforms):
            rv = r.village_source_fen()
            r_enr = r.tally.counts.sum(axis=(0, 1))
            for v in range(len(b.villages)):
                bs, rs = government_fen(bv[v]), government_fen(rv[v])
                rows.append(
                    {
                        "reform": name,
                        "village": b.villages.ids[v],
                        "village_label": b.villages.label(v, lang or "en"),
                        "enrolled_baseline": int(b_enr[v]),
                        "enrolled_reform": int(r_enr[v]),
                        "enrolled_delta": int(r_enr[v]) - int(b_enr[v]),
                        "subsidy_baseline_yuan": bs / 100,
                        "subsidy_reform_yuan": rs / 100,
                        "subsidy_delta_yuan": (rs - bs) / 100,
                        "subsidy_delta_percent": percent_change(rs - bs, bs),
                        "individual_delta_yuan": (int(rv[v, 0]) - int(bv[v, 0])) / 100,
                    }
                )
        return finish_frame(pd.DataFrame(rows), lang, {"village_label": "village"})

    def to_json(self) -> dict[str, Any]:
        """Baseline and reform figures (yuan numbers) and the change by source."""
        b = self.baseline
        out: dict[str, Any] = {"baseline": _summary(b), "population": dict(b.meta), "reforms": []}
        tiers, villages = self.by_tier(None), self.by_village(None)
        for i, r in enumerate(self.reforms):
            d = self.delta_fen(i)
            paying = self.paying_sources(i)
            out["reforms"].append(
                {
                    **_summary(r),
                    "name": self.names[i],
                    "overrides": {k: json_value(v) for k, v in self.overrides.items()},
                    "delta": {
                        "by_source": {k: yuan_number(d[k]) for k in paying},
                        "fiscal_subsidy": yuan_number(d["fiscal_subsidy"]),
                        "enrolled": r.enrolled - b.enrolled,
                    },
                    "delta_percent": {
                        k: _round(percent_change(d[k], _fen_of(b, k))) for k in paying + ["fiscal_subsidy"]
                    },
                    "by_tier": _records(tiers, i, self.names[i]),
                    "by_village": _records(villages, i, self.names[i]),
                }
            )
        return out


def _fen_of(out: Outlay, key: str) -> int:
    if key == "fiscal_subsidy":
        return out.fiscal_fen()
    return int(out.source_fen()[out.sources.index(key)])


def _round(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 4)


def _records(frame, i: int, reform_id: str) -> list[dict]:
    sub = frame[frame["reform"] == reform_id].drop(columns=["reform"])
    recs = sub.to_dict(orient="records")
    for rec in recs:
        for k, v in list(rec.items()):
            if isinstance(v, float):
                rec[k] = None if math.isnan(v) else (round(v, 4) if k.endswith("percent") else round(v, 2))
    return recs


def _summary(out: Outlay) -> dict[str, Any]:
    j = out.to_json()
    return {k: j[k] for k in ("scenario", "persons", "enrolled", "by_source", "fiscal_subsidy")}


def compare(
    baseline: Scenario | str | Path,
    reforms: Sequence[Scenario | str | Path],
    population: Population | SyntheticPopulation | str | Path | None = None,
    size: int | None = None,
    seed: int = 0,
    reform_overrides: Mapping[str, Any] | None = None,
) -> Comparison:
    """Run a baseline and reforms over one population and return the :class:`Comparison`.

    ``population`` is a person-level CSV, a population, or None for a synthetic one of
    ``size`` persons (default: the baseline's area) drawn with ``seed`` from the baseline's
    area; every scenario sees those people (a reform whose lever changes the population
    itself, e.g. who a department enrolls, is drawn with the same seed from its own scenario,
    as ``simulate run --set`` draws it: :func:`.common.own_population`). ``reform_overrides`` (``PATH=VALUE``
    pairs) apply to the reforms only, so ``compare(sc, [sc], reform_overrides={...})`` is a
    one-change what-if.

    >>> c = compare("scenarios/daligang-2020.yaml", ["scenarios/daligang-2020-highest-benefit.yaml"],
    ...             size=30_000, seed=2)
    >>> c.baseline.persons == c.reforms[0].persons == 30_000
    True
    >>> c.delta_fen()["individual"] <= 0     # 就高 never makes anyone pay more
    True
    """
    if not reforms:
        raise SimulateError("reforms", "give at least one reform scenario")
    base = scenario_of(baseline)
    refs = [scenario_of(r, reform_overrides) for r in reforms]
    pop = common_population(base, population, size, seed)
    return Comparison(
        run_quiet(base, pop, seed),
        [run_quiet(r, own_population(r, pop, population, size, seed), seed) for r in refs],
        overrides=dict(reform_overrides or {}),
    )
