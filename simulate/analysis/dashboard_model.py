"""The dashboard's levers and its recompute: one engine, one answer (issue 13 items 2-4).

Levers are generated from a scenario: the personal standard, the fiscal subsidy and its split
by level, every tier's amount or percent (a ``full`` tier gets a share slider at 100%) and its
payer, the multiple-identity rule and the behavioural response. A change is a set of
``--set`` overrides; the what-if is ``simulate run SCENARIO --set …`` over the same population
(the run's default size and seed unless chosen), kept in memory, so the figures equal the
command line's to the fen. Money is integer fen inside; lever values are yuan as in the YAML.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import labels
from ..model.behaviour import STUDY_2026, STUDY_2026_SOURCE
from ..model.population import Population, read_population, read_villages
from ..model.synth import SyntheticPopulation, default_size, synthesize
from ..money import yuan_number
from ..policy import Scenario, load_scenario
from ..policy.models import Share
from ..results.outlay import Outlay
from ..results.run import run
from ..vocabulary import Vocabulary, label
from .common import MemoSynthetic
from .whatif import Change, WhatIf

#: Rules of the multiple-identity lever (value, zh, en).
RULES = tuple((r, *labels.pairs("whatif")[f"rule_{r}"]) for r in ("highest_benefit", "priority"))
#: Government levels of the fiscal subsidy split (value, zh, en).
LEVELS = tuple((lv, label(lv, "zh"), label(lv, "en")) for lv in ("central", "provincial", "city", "county"))
#: At most this many synthetic populations are kept (one per set of fully subsidised tiers).
KEEP_POPULATIONS = 4


@dataclass(frozen=True)
class Lever:
    """One control: its override path, kind, full bilingual label, starting value and bounds.

    ``kind``: ``yuan`` (money, yuan), ``percent``, ``number``, ``choice`` or ``switch``.
    ``key`` is a stable DOM-safe name (the browser test and CSS find controls by it)."""

    key: str
    path: str
    kind: str
    zh: str
    en: str
    value: Any
    low: float = 0
    high: float = 0
    step: float = 1
    options: tuple[tuple[str, str, str], ...] = ()
    group: str = "contribution"
    tier: str | None = None

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _num(value: Any) -> int | float:
    """A slider's value as the YAML scalar ``--set`` would read: whole numbers as int."""
    d = Decimal(str(value)).quantize(Decimal("0.01"))
    return int(d) if d == d.to_integral_value() else float(d)


def _money(
    key: str,
    path: str,
    zh: str,
    en: str,
    fen: int,
    group: str = "contribution",
    tier: str | None = None,
    ceiling: int = 0,
) -> Lever:
    value = yuan_number(fen)
    high = max(1000, 2 * int(value), ceiling)
    return Lever(key, path, "yuan", zh, en, value, 0, high, 1 if fen % 100 == 0 else 0.01, group=group, tier=tier)


def _source_options(vocab: Vocabulary) -> tuple[tuple[str, str, str], ...]:
    """Payers a tier's lever may choose: the canonical sources, then the scenario's local ones."""
    return tuple((s, vocab.label(s, "zh"), vocab.label(s, "en")) for s in vocab.source_ids if s != "individual")


def dashboard_pair(key: str, **fields: tuple[Any, Any]) -> tuple[str, str]:
    """The ``dashboard`` label ``key`` in zh and en, each field given as (zh, en) (str.format)."""
    zh = labels.text("dashboard", key, "zh").format(**{k: v[0] for k, v in fields.items()})
    en = labels.text("dashboard", key, "en").format(**{k: v[1] for k, v in fields.items()})
    return zh, en


def dashboard_text(key: str, lang: str, **fields: Any) -> str:
    """The ``dashboard`` label ``key`` in ``lang``, its ``{fields}`` filled (str.format)."""
    return labels.text("dashboard", key, lang).format(**fields)


def _tier_levers(sc: Scenario) -> list[Lever]:
    """Each tier's subsidy (share, fixed amount, what the person pays, or split shares) and payer."""
    pol = sc.policy
    ceiling = int(yuan_number(pol.contribution.personal)) * 2
    out: list[Lever] = []
    for t in pol.tiers:
        s, name, base = t.subsidy, (t.label.zh, t.label.en), f"tiers.{t.id}.subsidy"
        key = f"tier-{t.id}"
        if s.form in ("full", "percent"):
            value = 100 if s.form == "full" else _num(s.percent)
            step = 1 if value == int(value) else 0.5
            zh, en = dashboard_pair("tier_percent", tier=name)
            out.append(
                Lever(
                    f"{key}-percent",
                    f"{base}.percent",
                    "percent",
                    zh,
                    en,
                    value,
                    0,
                    100,
                    step,
                    group="tiers",
                    tier=t.id,
                )
            )
        elif s.form == "fixed_subsidy" and s.amount is not None:  # the schema requires it for this form
            zh, en = dashboard_pair("tier_amount", tier=name)
            out.append(_money(f"{key}-amount", f"{base}.amount", zh, en, s.amount, "tiers", t.id, ceiling))
        elif s.form == "fixed_personal" and s.personal is not None:  # likewise
            zh, en = dashboard_pair("tier_personal", tier=name)
            out.append(_money(f"{key}-personal", f"{base}.personal", zh, en, s.personal, "tiers", t.id, ceiling))
        elif s.form == "split":
            out += _share_levers(t.id, name, s.shares or (), ceiling)
        if s.source is not None:
            zh, en = dashboard_pair("tier_source", tier=name)
            options = _source_options(pol.vocab)
            out.append(
                Lever(
                    f"{key}-source",
                    f"{base}.source",
                    "choice",
                    zh,
                    en,
                    s.source,
                    options=options,
                    group="tiers",
                    tier=t.id,
                )
            )
    return out


def _share_levers(tid: str, name: tuple[str, str], shares: Sequence[Share], ceiling: int) -> list[Lever]:
    """The levers of a split subsidy: each payer's amount (yuan) or share (%)."""
    key, base = f"tier-{tid}", f"tiers.{tid}.subsidy"
    out: list[Lever] = []
    for i, share in enumerate(shares):
        who = (label(share.source, "zh"), label(share.source, "en"))
        if share.amount is not None:
            zh, en = dashboard_pair("share_amount", tier=name, who=who)
            path = f"{base}.shares.{i}.amount"
            out.append(_money(f"{key}-share{i}-amount", path, zh, en, share.amount, "tiers", tid, ceiling))
        elif share.percent is not None:
            zh, en = dashboard_pair("share_percent", tier=name, who=who)
            path = f"{base}.shares.{i}.percent"
            value = _num(share.percent)
            out.append(
                Lever(f"{key}-share{i}-percent", path, "percent", zh, en, value, 0, 100, 1, group="tiers", tier=tid)
            )
    return out


def levers(sc: Scenario) -> list[Lever]:
    """Every lever of ``sc``, in the order the dashboard shows them."""
    pol = sc.policy
    c = pol.contribution
    out = [
        _money("personal", "contribution.personal", *dashboard_pair("personal"), c.personal),
        _money("fiscal", "contribution.fiscal_subsidy", *dashboard_pair("fiscal"), c.fiscal_subsidy),
    ]
    split = c.fiscal_subsidy_split
    for level, zh, en in LEVELS:
        v = _num(getattr(split, level))
        path = f"contribution.fiscal_subsidy_split.{level}"
        step = 1 if v == int(v) else 0.5
        names = dashboard_pair("split_level", level=(zh, en))
        out.append(Lever(f"split-{level}", path, "percent", *names, v, 0, 100, step, group="split"))
    out += _tier_levers(sc)
    rule = pol.multiple_identities.rule
    out.append(
        Lever("rule", "multiple_identities.rule", "choice", *dashboard_pair("rule"), rule, options=RULES, group="rules")
    )
    return out + _behaviour_levers(sc)


def _behaviour_levers(sc: Scenario) -> list[Lever]:
    """The behavioural response: on or off, and its curve (the 2026 study's where it is off)."""
    b = sc.policy.behaviour
    on = b.model == "logistic"
    params = {k: (getattr(b, k) if on else STUDY_2026[k]) for k in STUDY_2026}
    group = "behaviour"
    return [
        Lever("behaviour", "behaviour.model", "switch", *dashboard_pair("behaviour"), on, group=group),
        Lever(
            "behaviour-midpoint",
            "behaviour.midpoint_yuan",
            "number",
            *dashboard_pair("behaviour_midpoint"),
            params["midpoint_yuan"],
            0,
            5000,
            1,
            group=group,
        ),
        Lever(
            "behaviour-slope",
            "behaviour.slope_per_yuan",
            "number",
            *dashboard_pair("behaviour_slope"),
            params["slope_per_yuan"],
            0.0001,
            1,
            0.0001,
            group=group,
        ),
        Lever(
            "behaviour-reference",
            "behaviour.reference_yuan",
            "number",
            *dashboard_pair("behaviour_reference"),
            params["reference_yuan"],
            0,
            5000,
            1,
            group=group,
        ),
    ]


def overrides_for(sc: Scenario, values: Mapping[str, Any], all_levers: list[Lever] | None = None) -> dict[str, Any]:
    """The ``--set`` overrides (path -> value) that turn ``sc`` into the levers' ``values`` (by key).

    Only changed levers appear. A ``full`` tier moved below 100% becomes ``form: percent``;
    switching the response on writes its curve and the cited source."""
    lv = all_levers if all_levers is not None else levers(sc)
    forms = {t.id: t.subsidy.form for t in sc.policy.tiers}
    out: dict[str, Any] = {}
    for lever in lv:
        if lever.group == "behaviour" or lever.key not in values:
            continue
        v = values[lever.key]
        v = v if lever.kind == "choice" else _num(v)
        if v == lever.value:
            continue
        if lever.tier and lever.key.endswith("-percent") and forms.get(lever.tier) == "full":
            out[f"tiers.{lever.tier}.subsidy.form"] = "percent"
        out[lever.path] = v
    by_key = {lever.key: lever for lever in lv}
    on_before = bool(by_key["behaviour"].value)
    on = bool(values.get("behaviour", on_before))
    if on != on_before:
        out["behaviour.model"] = "logistic" if on else "none"
    if on:
        for k in ("behaviour-midpoint", "behaviour-slope", "behaviour-reference"):
            lever = by_key[k]
            v = float(values.get(k, lever.value))
            if v != float(lever.value) or not on_before:
                out[lever.path] = v
        if not on_before:
            out["behaviour.source"] = STUDY_2026_SOURCE
    return out


def set_arguments(overrides: Mapping[str, Any]) -> list[str]:
    """The overrides as ``--set PATH=VALUE`` arguments for the command line."""
    args: list[str] = []
    for path, value in overrides.items():
        if isinstance(value, str):  # a plain id as is; other text as a quoted YAML scalar
            text = value if value.isidentifier() and value.isascii() else json.dumps(value, ensure_ascii=False)
        else:
            text = repr(value) if isinstance(value, float) else str(value)
        args += ["--set", f"{path}={text}"]
    return args


def _shown(lever: Lever, value: Any, lang: str) -> str:
    if lever.kind == "switch":
        return labels.text("dashboard", "switch_on" if value else "switch_off", lang)
    if lever.kind == "choice":
        names = {v: (zh if lang == "zh" else en) for v, zh, en in lever.options}
        return names.get(value, str(value))
    return f"{_num(value):g}" if isinstance(_num(value), float) else str(_num(value))


def lever_changes(all_levers: list[Lever], overrides: Mapping[str, Any]) -> list[Change]:
    """Each changed lever as a :class:`Change` named by the lever's full label (zh and en)."""
    out = []
    for lever in all_levers:
        if lever.path not in overrides:
            continue
        after = overrides[lever.path]
        if lever.kind == "switch":
            after = after == "logistic"
        # one text for both languages: a choice reads as its Chinese name (the document's word)
        out.append(Change(lever.path, lever.zh, lever.en, _shown(lever, lever.value, "zh"), _shown(lever, after, "zh")))
    return out


class DashboardWhatIf(WhatIf):
    """A :class:`WhatIf` whose title also reads well before anything has been changed."""

    def title(self, lang: str) -> str:
        if not self.changes:
            return labels.text("dashboard", "nothing_changed", lang)
        return super().title(lang)


def _population_key(pop: SyntheticPopulation) -> tuple:
    """What of a scenario shapes its synthetic population (the area is fixed by the base)."""
    return (pop.size, pop.seed, repr(pop.full_rules), pop.full_rules_plain, pop.has_extension, pop.urban_share)


class DashboardModel:
    """A scenario, its population kept in memory and its baseline run; :meth:`recompute` reruns.

    ``size``/``seed`` default to ``simulate run``'s (the area's enrolment base, seed 0);
    ``population`` is a person-level CSV read once instead."""

    def __init__(
        self, scenario: str | Path, *, size: int | None = None, seed: int = 0, population: str | Path | None = None
    ) -> None:
        self.path = Path(scenario).resolve()
        self.base = load_scenario(self.path)
        self.levers = levers(self.base)
        self.set_population(size, seed, population)

    def set_population(self, size: int | None = None, seed: int = 0, population: str | Path | None = None) -> None:
        """Choose the people (synthetic ``size``/``seed``, or a CSV) and rerun the baseline; on a
        bad choice nothing changes (the error says why)."""
        previous = dict(self.__dict__)
        try:
            self.seed = int(seed)
            self.population_file = Path(population) if population else None
            self._kept: dict[tuple, SyntheticPopulation] = {}
            self._people: Population | None = None
            if self.population_file is not None:
                villages = None
                if self.base.policy.area.villages_file:
                    villages = read_villages(self.base.data_path(self.base.policy.area.villages_file))
                self._people = read_population(self.population_file, villages, vocab=self.base.policy.vocab)
                self.size = len(self._people.age)
            else:
                self.size = int(size) if size else default_size(self.base)
            self.baseline = self.run(self.base)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(previous)
            raise

    @property
    def default_population(self) -> bool:
        """True when the people are ``simulate run``'s own default (area size, seed 0)."""
        return self.population_file is None and self.size == default_size(self.base) and self.seed == 0

    def population_for(self, sc: Scenario) -> Population | SyntheticPopulation:
        """The people ``simulate run`` would use for ``sc`` (same size and seed), kept in memory."""
        if self._people is not None:
            return self._people
        fresh = synthesize(sc, self.size, self.seed)
        key = _population_key(fresh)
        if key not in self._kept:
            if len(self._kept) >= KEEP_POPULATIONS:
                self._kept.pop(next(iter(self._kept)))
            fields = {f.name: getattr(fresh, f.name) for f in dataclasses.fields(SyntheticPopulation)}
            self._kept[key] = MemoSynthetic(**fields)  # blocks built once: reruns are tallies
        return self._kept[key]

    def run(self, sc: Scenario) -> Outlay:
        """``simulate run`` of ``sc`` on this model's people, in this process (conservation checked)."""
        return run(sc, self.population_for(sc), seed=self.seed, workers=1, progress=False)

    def scenario(self, overrides: Mapping[str, Any]) -> Scenario:
        return self.base.with_overrides(dict(overrides)) if overrides else self.base

    def recompute(self, overrides: Mapping[str, Any]) -> DashboardWhatIf:
        """Baseline and the what-if of ``overrides`` as one comparison (headline, sources, tiers)."""
        sc = self.scenario(overrides)
        out = self.run(sc) if overrides else self.baseline
        return DashboardWhatIf(self.baseline, out, "override", lever_changes(self.levers, overrides))

    def population_text(self, lang: str = "zh") -> str:
        """Which people, said so that an analyst can reproduce them with ``simulate run``."""
        if self.population_file is not None:
            return dashboard_text("population_file", lang, name=self.population_file.name, size=self.size)
        same = self.default_population
        return dashboard_text("synthetic", lang, size=self.size, seed=self.seed) + (
            dashboard_text("default_size_seed", lang)
            if same
            else dashboard_text("command_line", lang, size=self.size, seed=self.seed)
        )

    def run_command(self, overrides: Mapping[str, Any]) -> list[str]:
        """The ``simulate run`` arguments that give the same figures as the dashboard."""
        args = ["simulate", "run", str(self.path), *set_arguments(overrides)]
        if self.population_file is not None:
            args += ["--population", str(self.population_file)]
        elif not self.default_population:
            args += ["--size", str(self.size), "--seed", str(self.seed)]
        return args

    def report_command(self, overrides: Mapping[str, Any], out_dir: Path, lang: str) -> list[str]:
        """``simulate report`` of the current settings, as a command for a separate process."""
        import sys

        args = [
            sys.executable,
            "-m",
            "simulate",
            "report",
            str(self.path),
            *set_arguments(overrides),
            "--out",
            str(out_dir),
            "--lang",
            lang,
            "--seed",
            str(self.seed),
        ]
        if self.population_file is not None:
            args += ["--population", str(self.population_file)]
        else:
            args += ["--size", str(self.size)]
        return args
