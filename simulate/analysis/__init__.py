"""What-if analysis for budgeting meetings: compare, sweep, solve, Monte Carlo, expected
value and a multi-year path (DESIGN.md, "analysis: sweep · compare · Monte Carlo · solve").

Every function runs scenarios over **one** population (common random numbers: the same
synthetic persons, drawn with the same seed, or the same CSV), so a difference between two
results is the policy's doing, not sampling noise. Money is integer fen inside; frames show
yuan (float, exact to the fen) and JSON uses yuan numbers with at most two decimals.

>>> import simulate.analysis as an
>>> c = an.compare("scenarios/langxi-2024.yaml", ["scenarios/langxi-2025-400.yaml"], size=20_000)
>>> d = c.delta_fen()                    # reform minus baseline, fen, by source
>>> d["individual"] > 0                  # everyone who pays pays more at 400 yuan
True
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .. import labels
from ..errors import ScenarioError, SimulateError
from ..model.expected import age_sex_probs as _age_sex_probs
from ..model.expected import cached_compile as _compiled
from ..model.expected import expected_outlay
from ..model.population import Population, read_population, read_villages
from ..model.runner import run
from ..model.synth import (BLOCK, SynthSpec, SyntheticPopulation, lookup_table as _lookup_table, default_spec,
                          synthesize)
from ..money import yuan_number
from ..results.outlay import Outlay
from ..policy import Scenario, load_scenario
from ..resources import data_path
from ..vocabulary import IDENTITY_BIT, SOURCE_IDS, label

__all__ = ["Comparison", "compare", "sweep", "SolveResult", "solve", "monte_carlo",
           "expected_value", "multi_year", "national_standards", "parse_values", "param_label",
           "default_rate_ranges", "rate_label"]

#: Column labels (zh, en) of the analysis frames; money columns are yuan.
LABELS: dict[str, tuple[str, str]] = labels.pairs("analysis")

#: Readable names of common parameter paths (zh, en); tiers.<id>.… paths are built from the
#: tier's own label (:func:`param_label`).
PARAM_LABELS: dict[str, tuple[str, str]] = labels.pairs("parameters")

_TIER_PARAM: dict[str, tuple[str, str]] = {
    "subsidy.amount": ("定额资助（元）", "fixed subsidy (yuan)"),
    "subsidy.percent": ("资助比例（%）", "subsidy share (%)"),
}


def param_label(path: str, lang: str | None = "zh", scenario: "Scenario | None" = None) -> str:
    """A readable name for a parameter path (``--param``, ``--set``), in zh or en.

    >>> param_label("contribution.personal")
    '个人缴费标准（元/人·年）'
    >>> param_label("tiers.dibao.subsidy.amount", "zh", load_scenario("scenarios/langxi-2024.yaml"))
    '低保对象 定额资助（元）'
    >>> param_label("some.other.path")
    'some.other.path'
    """
    if lang is None:
        return path
    i = 0 if lang == "zh" else 1
    if path in PARAM_LABELS:
        return PARAM_LABELS[path][i]
    parts = path.split(".")
    if len(parts) >= 3 and parts[0] == "tiers" and ".".join(parts[2:]) in _TIER_PARAM:
        name = parts[1]
        if scenario is not None:
            for t in scenario.policy.tiers:
                if t.id == parts[1]:
                    name = t.label.get(lang)
                    break
        return f"{name} {_TIER_PARAM['.'.join(parts[2:])][i]}"
    return path


def _value_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def overrides_text(overrides: Mapping[str, Any], lang: str | None = None,
                   scenario: "Scenario | None" = None, sep: str = " + ") -> str:
    """``path=value`` pairs (lang None) or readable ``名称 = 取值`` pairs joined by ``sep``."""
    if lang is None:
        return sep.join(f"{k}={_value_text(v)}" for k, v in overrides.items())
    return sep.join(f"{param_label(k, lang, scenario)} = {_value_text(v)}" for k, v in overrides.items())


def _lab(key: str, lang: str | None) -> str:
    if lang is None:
        return key
    if key in LABELS:
        return LABELS[key][0 if lang == "zh" else 1]
    return label(key, lang)


def relabel(frame, lang: str | None):
    """A copy of an analysis frame with zh or en column labels (None: keep the ids)."""
    if lang is None:
        return frame.copy()
    return frame.rename(columns={c: _lab(c, lang) for c in frame.columns if isinstance(c, str)})


# --------------------------------------------------------------------------- shared helpers


def _scenario(scenario: Scenario | str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario.with_overrides(dict(overrides)) if overrides else scenario
    return load_scenario(scenario, dict(overrides or {}))


@dataclass(frozen=True)
class _MemoSynthetic(SyntheticPopulation):
    """A synthetic population whose blocks are built once and kept (for repeated runs)."""

    cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def block(self, b: int) -> Population:
        if b not in self.cache:
            self.cache[b] = SyntheticPopulation.block(self, b)
        return self.cache[b]


def _memo(pop: SyntheticPopulation) -> SyntheticPopulation:
    if pop.n_blocks > 4 or isinstance(pop, _MemoSynthetic):
        return pop
    return _MemoSynthetic(**{f.name: getattr(pop, f.name) for f in dataclasses.fields(SyntheticPopulation)})


def _common_population(base: Scenario, population: Population | SyntheticPopulation | str | Path | None,
                       size: int | None, seed: int) -> Population | SyntheticPopulation:
    """The one population every scenario of an analysis runs over (common random numbers)."""
    if isinstance(population, (str, Path)):
        villages = None
        if base.policy.area.villages_file:
            villages = read_villages(base.data_path(base.policy.area.villages_file))
        return read_population(population, villages)
    if population is None:
        population = synthesize(base, size, seed)
    if isinstance(population, SyntheticPopulation):
        return _memo(population)
    return population


def _run(sc: Scenario, pop, seed: int) -> Outlay:
    return run(sc, pop, seed=seed, workers=1, progress=False)


def _government(fen: np.ndarray) -> int:
    """Fen paid by every source but the individual (index 0 of ``SOURCE_IDS``)."""
    return int(fen[1:].sum())


def _pct(delta: int, base: int) -> float:
    return (delta / base * 100.0) if base else (0.0 if delta == 0 else math.nan)


def _number(value: Any, where: str = "value") -> int | Decimal:
    """A parameter value as the scenario would hold it: int if whole, else an exact Decimal.

    Text is read with decimal rules (``numtext.decimal_from_text``): no nan or inf, no
    base 60, no separators, at most 30 digits; full-width digits are fine."""
    from ..numtext import decimal_from_text
    if isinstance(value, bool):
        raise SimulateError(where, f"expected a number, got {value!r}")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    else:
        text = getattr(value, "text", None) or (repr(value) if isinstance(value, float) else str(value))
        if isinstance(value, float) and not math.isfinite(value):
            raise SimulateError(where, f"expected a finite number, got {value!r}")
        try:
            d = decimal_from_text(text, "a number")
        except ValueError as exc:
            raise SimulateError(where, str(exc)) from None
    if not d.is_finite():
        raise SimulateError(where, f"expected a finite number, got {value!r}")
    return int(d) if d == d.to_integral_value() else d


def _fen_grid(d: Decimal, where: str, what: str) -> None:
    """Parameters are amounts (yuan) or percentages: no grid finer than 0.01 (a fen)."""
    if d * 100 != (d * 100).to_integral_value():
        raise SimulateError(where, f"{what} {d} is finer than a fen: amounts and percentages have at "
                                   f"most 2 decimals, so use a multiple of 0.01")


def parse_values(values: str | None = None, range_: str | None = None) -> list[int | Decimal]:
    """Sweep values from ``"280,300,320"`` or an inclusive ``"280:450:10"`` range.

    >>> parse_values("280, 300,320")
    [280, 300, 320]
    >>> parse_values(range_="280:300:10")
    [280, 290, 300]
    >>> parse_values(range_="50:51:0.5")
    [50, Decimal('50.5'), 51]
    """
    if (values is None) == (range_ is None):
        raise SimulateError("--values/--range", "give exactly one of --values A,B,C or --range LO:HI:STEP")
    if values is not None:
        parts = [p for p in values.replace("，", ",").split(",") if p.strip()]
        if not parts:
            raise SimulateError("--values", "no values given")
        return [_number(p, "--values") for p in parts]
    parts = range_.replace("：", ":").split(":")
    if len(parts) != 3:
        raise SimulateError("--range", f"expected LO:HI:STEP, e.g. 280:450:10, got {range_[:60]!r}")
    lo, hi, step = (Decimal(_number(p, "--range")) for p in parts)
    if step <= 0:
        raise SimulateError("--range", f"STEP must be positive, got {step}")
    _fen_grid(step, "--range", "STEP")
    _fen_grid(lo, "--range", "LO")
    if hi < lo:
        raise SimulateError("--range", f"HI {hi} is below LO {lo}")
    n = int((hi - lo) / step) + 1
    if n > 1000:
        raise SimulateError("--range", f"{n:,} values is too many for one table (at most 1,000)")
    return [_number(lo + k * step) for k in range(n)]


# --------------------------------------------------------------------------- compare


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
        return [s for j, s in enumerate(SOURCE_IDS) if j == 0 or b[j] != 0 or r[j] != 0]

    def legend(self, lang: str = "zh") -> list[str]:
        """One line per scenario: ``基准：title`` and ``方案1：title；改动：…`` (zh) or en."""
        zh = lang == "zh"
        b = self.baseline.scenario
        lines = [(f"基准：{b.policy.title.get('zh')}" if zh else
                  f"baseline: {b.policy.title.get('en')} ({b.id})")]
        for i, r in enumerate(self.reforms):
            sc = r.scenario
            if zh:
                line = f"方案{i + 1}：{sc.policy.title.get('zh')}"
                if self.overrides:
                    line += "；改动：" + overrides_text(self.overrides, "zh", sc, "，")
            else:
                line = f"reform {i + 1}: {sc.policy.title.get('en')} ({self.names[i]})"
            lines.append(line)
        return lines

    def delta_fen(self, i: int = 0) -> dict[str, int]:
        """Reform ``i`` minus the baseline, fen by source, plus ``fiscal_subsidy``."""
        r = self.reforms[i]
        d = r.source_fen() - self.baseline.source_fen()
        out = {s: int(v) for s, v in zip(SOURCE_IDS, d)}
        out["fiscal_subsidy"] = r.fiscal_fen() - self.baseline.fiscal_fen()
        return out

    def by_source(self, lang: str | None = "zh"):
        """Outlay by source (and the fiscal subsidy): baseline, reform, change in yuan and %."""
        import pandas as pd
        b = self.baseline
        b_fen = list(b.source_fen()) + [b.fiscal_fen()]
        keys = list(SOURCE_IDS) + ["fiscal_subsidy"]
        rows = []
        for name, r in zip(self.names, self.reforms):
            r_fen = list(r.source_fen()) + [r.fiscal_fen()]
            for k, bf, rf in zip(keys, b_fen, r_fen):
                if bf == 0 and rf == 0 and k != "individual":
                    continue
                rows.append({"reform": name, "source": k,
                             "source_label": _lab(k, lang or "en"),
                             "baseline_yuan": int(bf) / 100, "reform_yuan": int(rf) / 100,
                             "delta_yuan": (int(rf) - int(bf)) / 100,
                             "delta_percent": _pct(int(rf) - int(bf), int(bf))})
        frame = pd.DataFrame(rows)
        return _finish(frame, lang, {"source_label": "source"})

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
                b_row = bt[bi] if bi is not None else np.zeros(len(SOURCE_IDS), np.int64)
                r_row = rt[ri] if ri is not None else np.zeros(len(SOURCE_IDS), np.int64)
                be = int(b.tally.counts[bi].sum()) if bi is not None else 0
                re_ = int(r.tally.counts[ri].sum()) if ri is not None else 0
                bs, rs = _government(b_row), _government(r_row)
                tier_name = names[tid].get(lang or "en") if tid in names else (
                    "普通群体" if lang == "zh" else "general population")
                rows.append({"reform": name, "tier": tid, "tier_label": tier_name,
                             "enrolled_baseline": be, "enrolled_reform": re_,
                             "enrolled_delta": re_ - be,
                             "subsidy_baseline_yuan": bs / 100, "subsidy_reform_yuan": rs / 100,
                             "subsidy_delta_yuan": (rs - bs) / 100,
                             "subsidy_delta_percent": _pct(rs - bs, bs),
                             "individual_delta_yuan": (int(r_row[0]) - int(b_row[0])) / 100})
        return _finish(pd.DataFrame(rows), lang, {"tier_label": "tier"})

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
                bs, rs = _government(bv[v]), _government(rv[v])
                rows.append({"reform": name, "village": b.villages.ids[v],
                             "village_label": b.villages.label(v, lang or "en"),
                             "enrolled_baseline": int(b_enr[v]), "enrolled_reform": int(r_enr[v]),
                             "enrolled_delta": int(r_enr[v]) - int(b_enr[v]),
                             "subsidy_baseline_yuan": bs / 100, "subsidy_reform_yuan": rs / 100,
                             "subsidy_delta_yuan": (rs - bs) / 100,
                             "subsidy_delta_percent": _pct(rs - bs, bs),
                             "individual_delta_yuan": (int(rv[v, 0]) - int(bv[v, 0])) / 100})
        return _finish(pd.DataFrame(rows), lang, {"village_label": "village"})

    def to_json(self) -> dict[str, Any]:
        """Baseline and reform figures (yuan numbers) and the change by source."""
        b = self.baseline
        out: dict[str, Any] = {"baseline": _summary(b), "population": dict(b.meta), "reforms": []}
        tiers, villages = self.by_tier(None), self.by_village(None)
        for i, r in enumerate(self.reforms):
            d = self.delta_fen(i)
            paying = self.paying_sources(i)
            out["reforms"].append({
                **_summary(r),
                "name": self.names[i],
                "overrides": {k: _json_value(v) for k, v in self.overrides.items()},
                "delta": {"by_source": {k: yuan_number(d[k]) for k in paying},
                          "fiscal_subsidy": yuan_number(d["fiscal_subsidy"]),
                          "enrolled": r.enrolled - b.enrolled},
                "delta_percent": {k: _round(_pct(d[k], _fen_of(b, k))) for k in paying + ["fiscal_subsidy"]},
                "by_tier": _records(tiers, i, self.names[i]),
                "by_village": _records(villages, i, self.names[i]),
            })
        return out


def _json_value(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def _fen_of(out: Outlay, key: str) -> int:
    if key == "fiscal_subsidy":
        return out.fiscal_fen()
    return int(out.source_fen()[SOURCE_IDS.index(key)])


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


def _finish(frame, lang: str | None, label_cols: dict[str, str]):
    """Drop or name the label columns and translate the others' names."""
    if lang is None:
        return frame.drop(columns=[c for c in label_cols if c in frame.columns])
    frame = frame.rename(columns={c: _lab(k, lang) for c, k in label_cols.items()})
    return frame.rename(columns={c: _lab(c, lang) for c in frame.columns
                                 if c in LABELS and c not in ("reform", "source", "tier", "village")})


def compare(baseline: Scenario | str | Path, reforms: Sequence[Scenario | str | Path],
            population: Population | SyntheticPopulation | str | Path | None = None,
            size: int | None = None, seed: int = 0,
            reform_overrides: Mapping[str, Any] | None = None) -> Comparison:
    """Run a baseline and reforms over one population and return the :class:`Comparison`.

    ``population`` is a person-level CSV, a population, or None for a synthetic one of
    ``size`` persons (default: the baseline's area) drawn with ``seed`` from the baseline's
    area; every scenario sees exactly those people. ``reform_overrides`` (``PATH=VALUE``
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
    base = _scenario(baseline)
    refs = [_scenario(r, reform_overrides) for r in reforms]
    pop = _common_population(base, population, size, seed)
    return Comparison(_run(base, pop, seed), [_run(r, pop, seed) for r in refs],
                      overrides=dict(reform_overrides or {}))


# --------------------------------------------------------------------------- sweep


def _outlay_row(out: Outlay) -> dict[str, Any]:
    fen = out.source_fen()
    total = int(fen.sum())
    row: dict[str, Any] = {s: int(f) / 100 for s, f in zip(SOURCE_IDS, fen)}
    row["subsidy_total"] = _government(fen) / 100
    row["fiscal_subsidy"] = out.fiscal_fen() / 100
    row["individual_share"] = int(fen[0]) / total if total else 0.0
    row["persons"] = out.persons
    row["enrolled"] = out.enrolled
    row["participation"] = out.enrolled / out.persons if out.persons else 0.0
    return row


def sweep(scenario: Scenario | str | Path, param_path: str, values: Iterable[Any],
          population: Population | SyntheticPopulation | str | Path | None = None,
          size: int | None = None, seed: int = 0, lang: str | None = None,
          overrides: Mapping[str, Any] | None = None):
    """One row per value of ``param_path``: each source's outlay (yuan), subsidies, the fiscal
    subsidy (yuan), the individuals' share of personal contributions, persons and enrolled.

    All rows use the same people (common random numbers). Columns are ids (``individual``,
    ``medical_assistance``, …) unless ``lang`` is ``"zh"`` or ``"en"``; every source column is
    present, zero or not.

    >>> t = sweep("scenarios/langxi-2024.yaml", "contribution.personal", [380, 400], size=10_000)
    >>> list(t["contribution.personal"])
    [380, 400]
    >>> bool(t["individual"].is_monotonic_increasing)
    True
    """
    import pandas as pd
    sc = _scenario(scenario, overrides)
    vals = [_number(v) for v in values]
    if not vals:
        raise SimulateError("values", "give at least one value")
    pop = _common_population(sc, population, size, seed)
    rows = []
    for v in vals:
        out = _run(sc.with_overrides({param_path: v}), pop, seed)
        rows.append({param_path: v if isinstance(v, int) else float(v), **_outlay_row(out)})
    frame = pd.DataFrame(rows)
    frame.attrs.update({"scenario": sc.id, "param": param_path, "unit": "yuan",
                        "title": {"zh": sc.policy.title.zh, "en": sc.policy.title.en},
                        "param_label": {"zh": param_label(param_path, "zh", sc),
                                        "en": param_label(param_path, "en", sc)}})
    return relabel(frame, lang) if lang else frame


#: Line styles of the chart: one (colour, marker) per source, so no two lines look alike.
_STYLE = {"individual": ("#1f77b4", "o"), "medical_assistance": ("#d62728", "s"),
          "county_finance": ("#2ca02c", "^"), "veterans_affairs": ("#9467bd", "D"),
          "disabled_federation": ("#ff7f0e", "v"), "health_commission": ("#17becf", "P"),
          "rural_revitalization": ("#8c564b", "X"), "unspecified_government": ("#e377c2", "*"),
          "fiscal_subsidy": ("#7f7f7f", None)}


def sweep_chart(frame, path: str | Path, title: str | None = None, lang: str = "zh") -> Path:
    """Chart of a :func:`sweep` frame (ids as columns) written to a PNG: see :func:`sweep_figure`."""
    import matplotlib.pyplot as plt
    fig = sweep_figure(frame, title, lang)
    p = Path(path)
    try:
        fig.savefig(p, metadata={"Software": "simulate"})   # lets a rerun replace it
    except OSError as exc:
        raise SimulateError(str(p), f"cannot write chart: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
    return p


def sweep_figure(frame, title: str | None = None, lang: str = "zh"):
    """The matplotlib figure of a :func:`sweep` frame, amounts in 万元 (10,000 yuan).

    Two panels sharing the x axis (the parameter, by its readable name): the individuals'
    contributions with the fiscal subsidy, and the subsidising sources, each line with its own
    colour and marker and a label at its right end, so lines near zero stay apart. The title
    is the scenario's own (``policy.title``). Uses the bundled Chinese font
    (``simulate.report.fonts``); raises :class:`SimulateError` with the reason when it is missing.
    """
    import matplotlib
    matplotlib.use("Agg")
    try:
        from ..report.fonts import use_chinese_font
        use_chinese_font()
    except ImportError:
        raise SimulateError("--chart", "Chinese font support (simulate.report.fonts) is not installed") from None
    except Exception as exc:   # fonts.FontError: the bundled font is missing
        raise SimulateError("--chart", str(exc)) from None
    import matplotlib.pyplot as plt
    zh = lang == "zh"
    key = "zh" if zh else "en"
    param = frame.attrs.get("param") or frame.columns[0]
    x = frame[param].astype(float)
    x_label = (frame.attrs.get("param_label") or {}).get(key) or param_label(param, lang)
    sc_title = (frame.attrs.get("title") or {}).get(key) or frame.attrs.get("scenario", "")
    wan = "（万元）" if zh else " (10,000 yuan)"
    subsidising = [s for s in SOURCE_IDS[1:] if s in frame and (frame[s] != 0).any()]
    panels = [("个人缴费与财政补助" if zh else "Individuals' contributions and the fiscal subsidy",
               ["individual"] + (["fiscal_subsidy"] if "fiscal_subsidy" in frame else []))]
    if subsidising:
        panels.append(("各部门资助" if zh else "Subsidising sources", subsidising))
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 3.6 * len(panels) + 0.8), dpi=120,
                             sharex=True, squeeze=False)
    span = float(x.max() - x.min()) or 1.0
    for ax, (panel_title, keys) in zip(axes[:, 0], panels):
        ends = []
        for n, k in enumerate(keys):
            colour, marker = _STYLE.get(k, (None, "o"))
            y = frame[k].astype(float) / 10_000
            name = label(k, lang) if k in SOURCE_IDS else _lab(k, lang)
            # every other line has hollow markers: lines on top of each other stay visible
            ax.plot(x, y, color=colour, marker=marker, ms=6 if n % 2 else 4, lw=1.6,
                    mfc="none" if n % 2 else colour, ls="--" if k == "fiscal_subsidy" else "-",
                    label=name)
            ends.append((float(y.iloc[-1]), name, colour))
        # direct labels at the right end, nudged apart when lines end close together
        lo, hi = ax.get_ylim()
        gap = (hi - lo) * 0.07
        placed: list[float] = []
        for yv, name, colour in sorted(ends):
            yl = yv if not placed or yv - placed[-1] >= gap else placed[-1] + gap
            placed.append(yl)
            ax.annotate(name, (float(x.iloc[-1]), yv), xytext=(float(x.iloc[-1]) + span * 0.02, yl),
                        textcoords="data", va="center", fontsize=8, color=colour)
        ax.set_xlim(float(x.min()) - span * 0.02, float(x.max()) + span * (0.22 if zh else 0.34))
        ax.set_ylim(min(lo, min(placed) - gap), max(hi, max(placed) + gap))
        ax.set_title(panel_title + wan, fontsize=10)
        ax.set_ylabel(("金额" if zh else "amount") + wan)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel(x_label)
    fig.suptitle(title or (f"{sc_title}：各资金来源支出随{x_label}变化" if zh else
                           f"{sc_title}: outlay by funding source as the {x_label} varies"), fontsize=11)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- solve


@dataclass(frozen=True)
class SolveResult:
    """The parameter value that keeps ``source``'s outlay within the budget.

    ``value`` is on the grid ``lo + k * step``; ``outlay_fen`` is the outlay there (≤ the
    budget) and ``next_outlay_fen`` the outlay one step further toward the costly end (> the
    budget), or None when ``value`` is at the end of the range.
    """

    scenario: str
    param: str
    source: str
    budget_fen: int
    value: int | Decimal
    outlay_fen: int
    next_value: int | Decimal | None
    next_outlay_fen: int | None
    direction: str            # "increasing": larger values cost more; "decreasing": the reverse
    evaluations: int

    def to_json(self) -> dict[str, Any]:
        num = (lambda v: v if v is None or isinstance(v, int) else float(v))
        return {"scenario": self.scenario, "param": self.param, "source": self.source,
                "budget": yuan_number(self.budget_fen), "value": num(self.value),
                "outlay": yuan_number(self.outlay_fen), "next_value": num(self.next_value),
                "next_outlay": None if self.next_outlay_fen is None else yuan_number(self.next_outlay_fen),
                "direction": self.direction, "evaluations": self.evaluations}


def _source_fen(out: Outlay, source: str) -> int:
    if source == "fiscal_subsidy":
        return out.fiscal_fen()
    if source in ("subsidies", "government"):
        return _government(out.source_fen())
    return int(out.source_fen()[SOURCE_IDS.index(source)])


def solve(scenario: Scenario | str | Path, param_path: str, source: str, budget_yuan: Any,
          lo: Any, hi: Any, step: Any = None,
          population: Population | SyntheticPopulation | str | Path | None = None,
          size: int | None = None, seed: int = 0,
          overrides: Mapping[str, Any] | None = None) -> SolveResult:
    """The most generous value of ``param_path`` in [lo, hi] whose ``source`` outlay stays within
    ``budget_yuan`` (yuan per year), found by exact bisection on the grid ``lo + k * step``.

    Money is integer fen and outlays are step functions of the parameter, so the search is on
    integers, not floats: the answer ``v`` satisfies outlay(v) ≤ budget < outlay(v + step)
    (for a parameter whose outlay rises with it; the mirror image when it falls). ``source``
    is a funding-source id, ``fiscal_subsidy`` or ``subsidies`` (all sources but the person).
    ``step`` defaults to 1 (yuan or percentage point); use 0.01 for the finest grid.
    Infeasible budgets raise :class:`SimulateError` saying which end fails.

    >>> r = solve("scenarios/daligang-2020.yaml", "tiers.rural_dibao.subsidy.percent",
    ...           "medical_assistance", 200_000, 0, 100, size=20_000)
    >>> r.outlay_fen <= r.budget_fen < r.next_outlay_fen
    True
    """
    if source not in SOURCE_IDS and source not in ("fiscal_subsidy", "subsidies"):
        import difflib
        options = list(SOURCE_IDS) + ["fiscal_subsidy", "subsidies"]
        hint = difflib.get_close_matches(source, options, n=1)
        raise SimulateError("--source", f"unknown source {source!r}"
                            + (f" (did you mean {hint[0]}?)" if hint else f" (one of {', '.join(options)})"))
    sc = _scenario(scenario, overrides)
    budget = Decimal(_number(budget_yuan, "--budget")) * 100
    if not budget.is_finite() or budget < 0:
        raise SimulateError("--budget", f"must be a non-negative amount in yuan, got {budget_yuan!r}")
    budget_fen = int(budget.to_integral_value(rounding="ROUND_FLOOR"))
    d_lo, d_hi = Decimal(_number(lo, "--lo")), Decimal(_number(hi, "--hi"))
    d_step = Decimal(_number(step if step is not None else 1, "--step"))
    if d_step <= 0:
        raise SimulateError("--step", f"must be positive, got {step}")
    _fen_grid(d_step, "--step", "step")
    _fen_grid(d_lo, "--lo", "--lo")
    if d_hi <= d_lo:
        raise SimulateError("--hi", f"must be above --lo ({lo}), got {hi}")
    n_steps = int((d_hi - d_lo) / d_step)
    if n_steps < 1:
        raise SimulateError("--step", f"step {d_step} is larger than the range {d_lo}..{d_hi}")
    pop = _common_population(sc, population, size, seed)
    cache: dict[int, int] = {}

    def value(k: int) -> int | Decimal:
        return _number(d_lo + k * d_step)

    def cost(k: int) -> int:
        if k not in cache:
            cache[k] = _source_fen(_run(sc.with_overrides({param_path: value(k)}), pop, seed), source)
        return cache[k]

    c_lo, c_hi = cost(0), cost(n_steps)
    increasing = c_hi >= c_lo
    cheap, dear = (0, n_steps) if increasing else (n_steps, 0)
    c_cheap, c_dear = cost(cheap), cost(dear)
    where = f"solve {param_path} for {source}"
    if c_cheap > budget_fen:
        raise SimulateError(where, f"infeasible: the budget {yuan_number(budget_fen):,} yuan is below the "
                                   f"outlay {yuan_number(c_cheap):,} yuan already at {param_path}={value(cheap)} "
                                   f"(the cheapest end of the range); widen the range or raise the budget")
    if c_dear <= budget_fen:
        raise SimulateError(where, f"not binding: the budget {yuan_number(budget_fen):,} yuan is above the "
                                   f"outlay {yuan_number(c_dear):,} yuan even at {param_path}={value(dear)} "
                                   f"(the costliest end of the range); widen the range")
    # invariant: cost(good) <= budget < cost(bad); good at the cheap side, bad at the dear side
    good, bad = cheap, dear
    while abs(bad - good) > 1:
        mid = (good + bad) // 2
        if cost(mid) <= budget_fen:
            good = mid
        else:
            bad = mid
    return SolveResult(sc.id, param_path, source, budget_fen, value(good), cost(good), value(bad),
                       cost(bad), "increasing" if increasing else "decreasing", len(cache))


# --------------------------------------------------------------------------- expected value


def expected_value(scenario: Scenario | str | Path, size: int | None = None, spec: SynthSpec | None = None,
                   overrides: Mapping[str, Any] | None = None, eps: float = 1e-12) -> dict[str, Any]:
    """Expected outlay of a synthetic population, computed without drawing anyone.

    The synthetic builder draws identities independently of one another (household ones at
    their person rate, person ones within their age window), age and sex from the age table,
    disability from base rates raised for groups at risk, enrollment from participation with
    the hardship groups at 100%, and timing (late share, newborns at age 0). This function
    takes the same distributions as probabilities: it lists every combination of the
    identities the scenario (or the builder) looks at, with its probability per age class,
    sex, disability grade and timing, resolves each combination's tier with the engine's own
    :func:`~simulate.model.engine.resolve_tiers`, and multiplies the expected counts by the tables.
    Combinations less likely than ``eps`` are left out (``mass_left_out`` reports their total
    share of persons). A behavioural response (``behaviour``) is applied as its expectation.

    Returns yuan as floats (expected values are not whole fen), expected enrolled persons as
    a float and ``persons`` (the population size) as an int.

    >>> ev = expected_value("scenarios/langxi-2024.yaml", size=100_000)
    >>> round(ev["enrolled"] / ev["persons"], 2)
    0.96
    >>> ev["elapsed_ms"] < 1000
    True
    """
    t0 = time.perf_counter()
    return expected_outlay(_scenario(scenario, overrides), size, spec, eps, started=t0)


# --------------------------------------------------------------------------- Monte Carlo


def _spec_with(spec: SynthSpec, changes: Mapping[str, float]) -> SynthSpec:
    """A copy of ``spec`` with some rates replaced: ``participation``, ``late_share`` or an identity id."""
    person = list(spec.person_rates)
    household = list(spec.household_rates)
    other: dict[str, Any] = {}
    for key, value in changes.items():
        v = float(value)
        if key in ("participation", "late_share"):
            if not 0 <= v <= 1:
                raise SimulateError(f"rates.{key}", f"must be a share between 0 and 1, got {value}")
            other[key] = v
            continue
        if key not in IDENTITY_BIT:
            import difflib
            options = ["participation", "late_share", *IDENTITY_BIT]
            hint = difflib.get_close_matches(key, options, n=1)
            raise SimulateError(f"rates.{key}", "unknown rate" + (f" (did you mean {hint[0]}?)" if hint else ""))
        if not 0 <= v < 1:
            raise SimulateError(f"rates.{key}", f"must be a share between 0 and 1, got {value}")
        bit = IDENTITY_BIT[key]
        person = [(b, v if b == bit else r, lo, hi) for b, r, lo, hi in person]
        household = [(b, v if b == bit else r) for b, r in household]
        if not any(b == bit for b, *_ in spec.person_rates) and not any(b == bit for b, _ in spec.household_rates):
            raise SimulateError(f"rates.{key}", "the synthetic population does not draw this identity")
    return dataclasses.replace(spec, person_rates=tuple(person), household_rates=tuple(household), **other)


#: Default uncertainty of the Monte Carlo study, centred on the builder's own rates: each
#: identity rate the scenario's rules use ±20% of its default, participation ±0.02.
RATE_RELATIVE_SPREAD = 0.2
PARTICIPATION_SPREAD = 0.02


def _default_rates(spec: SynthSpec) -> dict[str, float]:
    """Every rate ``monte_carlo`` can vary, at its default: participation, late share, identities."""
    out = {"participation": float(spec.participation), "late_share": float(spec.late_share)}
    by_bit = {bit: float(r) for bit, r, *_ in spec.person_rates}
    by_bit.update({bit: float(r) for bit, r in spec.household_rates})
    for ident, bit in IDENTITY_BIT.items():
        if bit in by_bit:
            out[ident] = by_bit[bit]
    return out


def default_rate_ranges(scenario: Scenario | str | Path, spec: SynthSpec | None = None,
                        overrides: Mapping[str, Any] | None = None) -> dict[str, tuple[float, float]]:
    """The uncertain rates ``monte_carlo`` varies when given none, centred on their defaults.

    Participation ±0.02 and, for every identity the scenario's tiers or targets look at and
    the synthetic builder draws, its rate ±20% (``SynthSpec``). Centred ranges keep the Monte
    Carlo mean on the plain run's expectation (:func:`expected_value`).

    >>> r = default_rate_ranges("scenarios/langxi-2024.yaml")
    >>> [round(x, 5) for x in r["rural_dibao"]], [round(x, 2) for x in r["participation"]]
    ([0.0284, 0.0426], [0.93, 0.97])
    """
    sc = _scenario(scenario, overrides)
    sp = spec or default_spec()
    defaults = _default_rates(sp)
    p = defaults["participation"]
    half = min(PARTICIPATION_SPREAD, p, 1.0 - p)
    out = {"participation": (p - half, p + half)}
    relevant = _compiled(sc).relevant_bits
    for ident, bit in IDENTITY_BIT.items():
        rate = defaults.get(ident, 0.0)
        if relevant >> bit & 1 and rate > 0:
            half = min(rate * RATE_RELATIVE_SPREAD, 0.99 - rate)
            out[ident] = (rate - half, rate + half)
    return out


def rate_label(key: str, lang: str = "zh") -> str:
    """The name of an uncertain rate: an identity's share of persons, participation, late share."""
    zh = lang == "zh"
    if key == "participation":
        return "参保率（一般人群）" if zh else "participation (general population)"
    if key == "late_share":
        return "逾期缴费比例" if zh else "share paying late"
    return (f"{label(key, 'zh')}占人口比例" if zh else f"{label(key, 'en')}: share of persons")


def monte_carlo(scenario: Scenario | str | Path, draws: int = 50, size: int | None = None,
                rates: Mapping[str, tuple[float, float]] | None = None, seed: int = 0,
                overrides: Mapping[str, Any] | None = None, spec: SynthSpec | None = None):
    """P5/P50/P95 (and mean, standard deviation) of each source's outlay over ``draws`` populations.

    Each draw takes every uncertain rate in ``rates`` uniformly from its (low, high) range —
    ``participation``, ``late_share`` or an identity id such as ``rural_dibao`` (share of
    persons) — and then synthesizes a population with its own seed. ``rates=None`` (the
    default) varies the centred :func:`default_rate_ranges`; ``rates={}`` varies nothing (only
    sampling noise around :func:`expected_value`). All seeds are spawned from one
    ``SeedSequence(seed)``, so the whole study is reproducible. Rows: each source paying
    anything, ``fiscal_subsidy`` (yuan) and ``enrolled`` (persons); the per-draw figures are in
    ``frame.attrs["draws"]``, the ranges used in ``frame.attrs["rates"]`` and the builder's
    defaults of those rates in ``frame.attrs["rate_defaults"]``.

    >>> mc = monte_carlo("scenarios/langxi-2024.yaml", draws=5, size=10_000,
    ...                  rates={"rural_dibao": (0.03, 0.06)}, seed=1)
    >>> bool((mc["p5"] <= mc["p95"]).all())
    True
    """
    import pandas as pd
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise SimulateError("--draws", f"must be a whole number, at least 1 (got {draws!r})")
    sc = _scenario(scenario, overrides)
    base_spec = spec or default_spec()
    ranges = dict(default_rate_ranges(sc, base_spec) if rates is None else rates)
    for key, rng_ in ranges.items():
        try:
            low, high = (float(x) for x in rng_)
        except (TypeError, ValueError):
            raise SimulateError(f"rates.{key}", f"expected (low, high), got {rng_!r}") from None
        if low > high:
            raise SimulateError(f"rates.{key}", f"low {low} is above high {high}")
        _spec_with(base_spec, {key: low})   # checks the key and the range
        _spec_with(base_spec, {key: high})
        ranges[key] = (low, high)
    children = np.random.SeedSequence(seed).spawn(draws)
    rows = []
    for i, child in enumerate(children):
        pop_ss, par_ss = child.spawn(2)
        par = np.random.Generator(np.random.PCG64(par_ss))
        drawn = {k: float(par.uniform(lo, hi)) for k, (lo, hi) in sorted(ranges.items())}
        pop_seed = int(pop_ss.generate_state(1, np.uint64)[0] >> np.uint64(1))
        pop = synthesize(sc, size, pop_seed, spec=_spec_with(base_spec, drawn) if drawn else base_spec)
        out = run(sc, pop, seed=pop_seed, workers=1, progress=False)
        fen = out.source_fen()
        row = {"draw": i, "seed": pop_seed, **{f"rate.{k}": v for k, v in drawn.items()}}
        row.update({s: int(f) / 100 for s, f in zip(SOURCE_IDS, fen)})
        row["fiscal_subsidy"] = out.fiscal_fen() / 100
        row["enrolled"] = out.enrolled
        rows.append(row)
    per_draw = pd.DataFrame(rows)
    keys = [s for s in SOURCE_IDS if (per_draw[s] != 0).any()] + ["fiscal_subsidy", "enrolled"]
    summary = []
    for k in keys:
        col = per_draw[k].astype(float)
        summary.append({"item": k, "unit": "persons" if k == "enrolled" else "yuan",
                        "mean": col.mean(), "std": col.std(ddof=1) if draws > 1 else 0.0,
                        "p5": col.quantile(0.05), "p50": col.quantile(0.5), "p95": col.quantile(0.95)})
    frame = pd.DataFrame(summary).set_index("item")
    defaults = _default_rates(base_spec)
    frame.attrs.update({"scenario": sc.id, "draws": per_draw, "seed": seed,
                        "size": int(per_draw.shape[0] and pop.size), "rates": ranges,
                        "rate_defaults": {k: defaults.get(k) for k in ranges}})
    return frame


# --------------------------------------------------------------------------- multi-year


def national_standards(path: str | Path | None = None):
    """National minimum standards by benefit year (yuan): ``data/national-standards.csv``."""
    import pandas as pd
    p = Path(path) if path else data_path("national-standards.csv")
    frame = pd.read_csv(p)
    return frame.sort_values("benefit_year").reset_index(drop=True)


#: How standards continue past the last known year (stated in every multi-year table).
EXTRAPOLATION_RULE = ("after the last benefit year in data/national-standards.csv, the personal "
                      "standard and the fiscal subsidy each rise by the mean yearly increase of the "
                      "last five known years, rounded to the yuan (an assumption)")
#: The same rule in Chinese (the zh text output).
EXTRAPOLATION_RULE_ZH = ("data/national-standards.csv 最后一个待遇年度之后，个人缴费标准和财政补助标准"
                         "每年各按最近五个已知年度的年均增幅上调，取整到元（此为假设）")


def _standards_path(first_year: int, years: int, standards=None) -> list[tuple[int, int, int, bool]]:
    """(benefit year, national personal, national fiscal, extrapolated) for each year (yuan)."""
    nat = national_standards(standards)
    known = {int(r.benefit_year): (int(r.personal_yuan), int(r.fiscal_subsidy_yuan)) for r in nat.itertuples()}
    last = max(known)
    tail = [y for y in sorted(known) if y > last - 6]
    dp = round((known[tail[-1]][0] - known[tail[0]][0]) / (len(tail) - 1))
    df = round((known[tail[-1]][1] - known[tail[0]][1]) / (len(tail) - 1))
    out = []
    for y in range(first_year, first_year + years):
        if y in known:
            out.append((y, *known[y], False))
        elif y > last:
            k = y - last
            out.append((y, known[last][0] + k * dp, known[last][1] + k * df, True))
        else:
            first = min(known)
            out.append((y, known[first][0], known[first][1], True))
    return out


def _aged_spec(spec: SynthSpec, ageing: float, years: int) -> SynthSpec:
    """The age-sex table with the 60+ share grown by ``ageing`` per year (relative), taken
    from the under-60s in proportion."""
    if ageing == 0 or years == 0:
        return spec
    p = _age_sex_probs(spec)
    old = p[60:].sum()
    new_old = min(0.95, old * (1 + ageing) ** years)
    q = p.copy()
    q[60:] *= new_old / old
    q[:60] *= (1 - new_old) / (1 - old)
    codes = np.arange(302, dtype=np.uint8)
    return dataclasses.replace(spec, age_sex=_lookup_table(codes, q.ravel()))


def multi_year(scenario: Scenario | str | Path, years: int = 5, drift: Mapping[str, float] | None = None,
               size: int | None = None, seed: int = 0, method: str = "simulate",
               standards: str | Path | None = None, overrides: Mapping[str, Any] | None = None,
               spec: SynthSpec | None = None):
    """Outlay by source for ``years`` benefit years from the scenario's own, under the national
    standards path and a population drift.

    Year 0 is the scenario as written. Each later year moves the personal standard and the
    fiscal subsidy by the change in the national minimum (``data/national-standards.csv``;
    past its last year by :data:`EXTRAPOLATION_RULE`, flagged in column ``extrapolated``);
    fixed subsidies stay fixed (DOMAIN.md). ``drift``: ``out_migration`` (share of residents
    lost per year: the population is ``size × (1 − rate)^k``) and ``ageing`` (relative growth
    per year of the share aged 60+). Every year uses the same seed. ``method="expected"``
    uses :func:`expected_value` instead of drawing people.

    >>> t = multi_year("scenarios/langxi-2024.yaml", years=3, size=10_000,
    ...                drift={"out_migration": 0.01})
    >>> list(t["year"]), list(t["personal_yuan"]), list(t["persons"])
    ([2024, 2025, 2026], [380, 400, 400], [10000, 9900, 9801])
    """
    import pandas as pd
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 50:
        raise SimulateError("--years", f"must be a whole number from 1 to 50 (got {years!r})")
    drift = dict(drift or {})
    unknown = set(drift) - {"ageing", "out_migration"}
    if unknown:
        raise SimulateError("drift", f"unknown drift {sorted(unknown)[0]!r} (ageing, out_migration)")
    ageing = float(drift.get("ageing", 0.0))
    out_mig = float(drift.get("out_migration", 0.0))
    if not 0 <= out_mig < 1:
        raise SimulateError("--out-migration", f"must be a share from 0 to below 1, got {out_mig}")
    if not -0.5 < ageing < 1:
        raise SimulateError("--ageing", f"must be a yearly relative change between -0.5 and 1, got {ageing}")
    if method not in ("simulate", "expected"):
        raise SimulateError("--method", f"unknown method {method!r} (simulate or expected)")
    sc = _scenario(scenario, overrides)
    pol = sc.policy
    base_spec = spec or default_spec()
    if size is None:
        size = synthesize(sc, None, seed).size
    path = _standards_path(pol.benefit_year, years, standards)
    nat0_p, nat0_f = path[0][1], path[0][2]
    rows = []
    for k, (year, nat_p, nat_f, extra) in enumerate(path):
        personal = pol.contribution.personal + (nat_p - nat0_p) * 100
        fiscal = pol.contribution.fiscal_subsidy + (nat_f - nat0_f) * 100
        sc_y = sc if k == 0 else sc.with_overrides({
            "benefit_year": year, "contribution.personal": Decimal(personal) / 100,
            "contribution.fiscal_subsidy": Decimal(fiscal) / 100})
        n = max(1, round(size * (1 - out_mig) ** k))
        sp = _aged_spec(base_spec, ageing, k)
        row: dict[str, Any] = {"year": year, "personal_yuan": _number(Decimal(personal) / 100),
                               "fiscal_subsidy_yuan": _number(Decimal(fiscal) / 100),
                               "extrapolated": extra and k > 0}
        if method == "expected":
            ev = expected_value(sc_y, size=n, spec=sp)
            row.update({"persons": n, "enrolled": ev["enrolled"]})
            row.update({s: ev["by_source"].get(s, 0.0) for s in SOURCE_IDS})
            row["fiscal_subsidy"] = ev["fiscal_subsidy"]
        else:
            out = run(sc_y, synthesize(sc_y, n, seed, spec=sp), seed=seed, workers=1, progress=False)
            r = _outlay_row(out)
            row.update({"persons": r["persons"], "enrolled": r["enrolled"]})
            row.update({s: r[s] for s in SOURCE_IDS})
            row["fiscal_subsidy"] = r["fiscal_subsidy"]
        row["subsidy_total"] = round(sum(row[s] for s in SOURCE_IDS[1:]), 2)
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs.update({"scenario": sc.id, "rule": EXTRAPOLATION_RULE, "drift": drift,
                        "method": method, "unit": "yuan"})
    return frame
