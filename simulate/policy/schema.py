"""The scenario schema: one county's policy for one benefit year, as validated, immutable data.

A scenario is YAML (read safely, see ``io.safeyaml``) validated into :class:`Policy`; the parts for the
county, contributions, rules and tiers are in ``policy.models``. Money is
written in yuan in the file and held as integer fen here (1 yuan = 100 fen). Eligibility is a
small declarative rule over identities, age, sex and disability grade, never code
(DESIGN.md, "Identities are facts about people; tiers are policy").
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any, Literal, Self

from pydantic import BaseModel, Field, ModelWrapValidatorHandler, field_validator, model_validator

from ..money import percent_of, yuan_text
from ..numtext import MAX_PERSONS
from ..vocabulary import Vocabulary
from .models import (
    Bilingual,
    Contribution,
    County,
    Document,
    Flagged,
    LocalVocabulary,
    Model,
    Rule,
    Tier,
    check_levels_total,
    extended,
    with_local_vocabulary,
)
from .values import Fen, PathError, Percent, Section


class Period(Model):
    start: _dt.date
    end: _dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start > self.end:
            raise ValueError(f"period starts {self.start} after it ends {self.end}")
        return self


#: Events that open a dated enrolment window in some document (DOMAIN.md, docs/policies.md).
EVENTS = ("newborn", "released_prisoner", "discharged_soldier", "employee_insurance", "new_hardship")
#: What a payer in a window pays: ``as_regular`` as in the collection period with their tier;
#: ``personal`` the personal standard with no tier; ``full_financing`` personal + fiscal subsidy;
#: ``late`` the scenario's late rule; ``not_accepted`` cannot enroll.
Treatment = Literal["as_regular", "personal", "full_financing", "late", "not_accepted"]


class LateRule(Flagged):
    """What a person pays after the collection period and any extension (timing ``late``).

    ``full_financing``: the personal standard plus the fiscal subsidy (当年筹资总额), no tier;
    ``fixed_charge``: the ``charge`` the document states (思南 三(四): 830 yuan), no tier;
    ``personal``: the personal standard, no tier; ``not_accepted``: cannot enroll;
    ``same_as_regular``: treated as in the period. Tiers marked ``year_round`` keep their
    regular treatment.
    """

    mode: Literal["full_financing", "fixed_charge", "personal", "not_accepted", "same_as_regular"]
    charge: Fen | None = None
    section: Section = Field(min_length=1)

    @model_validator(mode="after")
    def _charge_fits_mode(self) -> Self:
        if self.mode == "fixed_charge" and self.charge is None:
            raise ValueError("mode fixed_charge needs charge (the yuan the document states)")
        if self.mode != "fixed_charge" and self.charge is not None:
            raise ValueError(f"mode {self.mode} does not take charge")
        return self


class Extension(Flagged):
    """A period after the collection period in which the named payers pay as in it, with
    their subsidy tier (timing ``extended``): 郎溪 四 migrant workers, 大栗港 一 approved cases."""

    until: _dt.date
    who: Bilingual
    section: Section = Field(min_length=1)


class Window(Flagged):
    """A dated window after an event (birth, release from prison, discharge from the army,
    leaving employee insurance, a new hardship case): a payer within ``days`` of the event
    (timing ``EVENT``) pays as ``within`` says, one after it (timing ``EVENT_after``) as
    ``after`` says. ``days`` empty: the whole benefit year (思南 八(三)3 军人退出现役当年)."""

    event: Literal[EVENTS]  # type: ignore[valid-type]
    days: int | None = Field(default=None, ge=1, le=366)
    within: Treatment = "as_regular"
    after: Treatment = "late"
    section: Section = Field(min_length=1)


class Timing(Flagged):
    """When people pay, and what each kind of payer pays (docs/policies.md, "Timing").

    The money depends on each person's timing class: ``regular`` (in the collection
    period), ``extended`` (in the document's extension), ``late`` (after everything), or an
    event window (``newborn``, ``newborn_after``, …). :func:`simulate.policy.subsidy.timing_class`
    turns a payment date and an event date into that class with the dates recorded here.
    """

    collection_period: Period
    extension: Extension | None = None
    late: LateRule
    windows: tuple[Window, ...] = ()
    section: Section = Field(min_length=1)

    @model_validator(mode="after")
    def _dates_fit(self) -> Self:
        if self.extension is not None and self.extension.until <= self.collection_period.end:
            raise PathError(
                ("timing", "extension", "until"),
                f"the extension ends {self.extension.until}, not after the collection "
                f"period ({self.collection_period.end})",
            )
        events = [w.event for w in self.windows]
        dup = sorted({e for e in events if events.count(e) > 1})
        if dup:
            raise PathError(("timing", "windows"), f"event {dup[0]} has two windows")
        return self

    def window(self, event: str) -> Window | None:
        """The window the document sets for ``event``, if any."""
        for w in self.windows:
            if w.event == event:
                return w
        return None


class GroupTarget(Flagged):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Bilingual
    rule: Rule
    percent: Percent


class Targets(Flagged):
    """Participation targets: overall, per group (a rule), per village (a CSV in data/)."""

    overall_percent: Percent
    groups: tuple[GroupTarget, ...] = ()
    villages_file: str | None = None
    section: Section = Field(min_length=1)


class WorkFundRate(Flagged):
    """One rate tier of collection work funds; the first tier whose conditions hold applies."""

    label: Bilingual
    min_participation_percent: Percent = Decimal(0)
    groups_full: bool = False
    measured_on: Literal["regular", "all"] = "all"
    per_enrolled: Fen = 0
    reward_per_enrolled: Fen = 0
    deduction_per_missing: Fen = 0


class Award(Flagged):
    label: Bilingual
    count: int = Field(ge=0, le=MAX_PERSONS)
    amount: Fen
    section: Section | None = Field(default=None, min_length=1)


class WorkFunds(Flagged):
    """Collection work funds paid to villages (or towns), by participation (yuan per person).

    ``payer`` says whose budget pays them (``not_stated``: shown on its own line of the
    budget headline, never counted in the county's burden); ``payer_section`` cites it.
    """

    basis: Literal["residents", "task"]
    rates: tuple[WorkFundRate, ...] = Field(min_length=1)
    per_record: Fen = 0
    awards: tuple[Award, ...] = ()
    section: Section = Field(min_length=1)
    payer: Literal["county", "town", "not_stated"] = "not_stated"
    payer_section: Section | None = None


class LevelSplit(Flagged):
    """A cited split of one funding source's outlay by government level (percent, sum 100).

    Only with such a split does the budget headline attribute medical assistance or
    "government, source not named" to a level (DESIGN.md, "Money and accounting rules").
    """

    central: Percent = Decimal(0)
    provincial: Percent = Decimal(0)
    city: Percent = Decimal(0)
    county: Percent = Decimal(0)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _sums_to_100(self) -> Self:
        check_levels_total(self.central, self.provincial, self.city, self.county)
        return self


class Budget(Flagged):
    """Optional, cited attribution of sources the documents do not place at a level."""

    medical_assistance_split: LevelSplit | None = None
    unspecified_government_split: LevelSplit | None = None


class MultipleIdentities(Flagged):
    """How a person with several identities gets one tier, never two (DOMAIN.md)."""

    rule: Literal["priority", "highest_benefit"]
    section: Section = Field(min_length=1)


class Area(Flagged):
    """Where the synthetic population comes from when no roster or file is given.

    The enrolment base (docs/policies.md, "Enrolment base") is ``residents`` (persons, of the
    kind ``basis`` names: 户籍 ``household_register``, 常住 ``census_residents``, or the
    ``document``'s own village table) less ``employee_insured_percent`` of them, who are in
    employee insurance and cannot enroll; ``urban_percent`` is the share of 城镇户籍 people
    (rules with ``hukou``). Each figure is cited in ``data/enrolment-base.csv``.
    """

    villages_file: str | None = None
    residents: int | None = Field(default=None, ge=1, le=MAX_PERSONS)
    basis: Literal["household_register", "census_residents", "document"] = "census_residents"
    employee_insured_percent: Percent = Decimal(0)
    urban_percent: Percent | None = None
    source: str = Field(min_length=1)

    def enrolment_base(self, residents: int | None = None) -> int:
        """Persons the document enrols: ``residents`` (default the area's) less those in
        employee insurance, rounded half up to a whole person."""
        n = self.residents if residents is None else residents
        if not n:
            return 0
        return percent_of(n, Decimal(100) - self.employee_insured_percent)


class Behaviour(Flagged):
    """How participation responds to what a person must pay after subsidy (yuan per year).

    ``none`` (the default): nobody responds. ``logistic``: the share who would enroll at a
    payment of ``x`` yuan is ``P(x) = 1 / (1 + exp(slope_per_yuan * (x - midpoint_yuan)))``;
    the synthetic participation rates are taken as observed at ``reference_yuan``, so an
    enrolled person paying ``x`` stays enrolled with probability ``min(1, P(x) / P(reference))``.
    Only people outside the full-participation (hardship) groups respond (DOMAIN.md,
    "National standards": no measured elasticity; a 2026 simulation study is the cited example).
    """

    model: Literal["none", "logistic"] = "none"
    midpoint_yuan: float | None = Field(default=None, ge=0, le=100000)
    slope_per_yuan: float | None = Field(default=None, gt=0, le=1)
    reference_yuan: float | None = Field(default=None, ge=0, le=100000)
    source: str | None = None

    @model_validator(mode="after")
    def _fields_fit_model(self) -> Self:
        if self.model == "logistic":
            missing = [k for k in ("midpoint_yuan", "slope_per_yuan", "reference_yuan") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"model logistic needs {', '.join(missing)}")
            if not (self.source and self.source.strip()):
                raise ValueError("model logistic needs a source (where the curve comes from)")
        return self


class Policy(Model):
    """A whole scenario: one county's rules for one benefit year, money in integer fen."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)
    title: Bilingual
    county: County
    benefit_year: int = Field(ge=2000, le=2100)
    document: Document
    contribution: Contribution
    multiple_identities: MultipleIdentities
    tiers: tuple[Tier, ...] = Field(min_length=1)
    timing: Timing
    targets: Targets
    work_funds: WorkFunds | None = None
    # defaults made when a scenario leaves the section out, not at import (a default instance
    # built here would build its model's validator at every start, read or not: ~10 ms)
    budget: Budget = Field(default_factory=Budget)
    area: Area
    behaviour: Behaviour = Field(default_factory=Behaviour)
    vocabulary: LocalVocabulary = Field(default_factory=LocalVocabulary)  # local identities and payers (issue 15)
    notes: tuple[str, ...] = ()  # English
    notes_zh: tuple[str, ...] = ()  # 简体中文, one per entry of ``notes``

    @model_validator(mode="wrap")
    @classmethod
    def _local_ids_known(cls, data: Any, handler: ModelWrapValidatorHandler[Policy]) -> Policy:
        return with_local_vocabulary(data, handler)

    @property
    def vocab(self) -> Vocabulary:
        """The scenario's vocabulary: the canonical one, then its local identities and payers."""
        return extended(self.vocabulary)

    @model_validator(mode="after")
    def _notes_zh_match(self) -> Self:
        if self.notes_zh and len(self.notes_zh) != len(self.notes):
            raise PathError(
                ("notes_zh",),
                f"notes_zh has {len(self.notes_zh)} entries but notes "
                f"has {len(self.notes)}: give one translation per note",
            )
        return self

    @field_validator("tiers")
    @classmethod
    def _unique_tier_ids(cls, tiers: tuple[Tier, ...]) -> tuple[Tier, ...]:
        seen: set[str] = set()
        for t in tiers:
            if t.id in seen:
                raise ValueError(f"duplicate tier id {t.id!r}")
            if t.id == "general":
                raise ValueError("tier id 'general' is reserved for people with no subsidy tier")
            seen.add(t.id)
        return tiers

    @model_validator(mode="after")
    def _amounts_fit_standard(self) -> Self:
        """A fixed amount above every personal standard is a slip (the arithmetic would clamp
        it); shares must fit the lowest standard, as the person pays what they leave."""
        standards = [p for _, p, _ in self.contribution.standard_list()]
        std = max(standards)
        for i, t in enumerate(self.tiers):
            s = t.subsidy
            where = f"tiers[{t.id}].subsidy"
            field = "by_age" if s.by_age is not None else "amount"
            if s.form == "fixed_subsidy" and max(s.amounts()) > std:
                raise PathError(
                    ("tiers", i, "subsidy", field),
                    f"fixed subsidy {yuan_text(max(s.amounts()))} yuan is above the personal standard "
                    f"{yuan_text(std)} yuan",
                )
            if s.floor is not None and s.floor > std:
                raise PathError(
                    ("tiers", i, "subsidy", "floor"),
                    f"floor {yuan_text(s.floor)} yuan is above the personal standard {yuan_text(std)} yuan",
                )
            if s.form == "fixed_personal" and s.personal is not None and s.personal > std:
                raise PathError(
                    ("tiers", i, "subsidy", "personal"),
                    f"personal payment {yuan_text(s.personal)} yuan is above the personal "
                    f"standard {yuan_text(std)} yuan",
                )
            for low in sorted(set(standards)) if s.form == "split" else ():
                shares = s.shares or ()
                fixed = sum(sh.amount or 0 for sh in shares) + sum(
                    percent_of(low, sh.percent) for sh in shares if sh.percent is not None
                )
                if fixed > low:
                    raise PathError(
                        ("tiers", i, "subsidy", "shares"),
                        f"shares add up to {yuan_text(fixed)} yuan, above the personal standard {yuan_text(low)} yuan",
                    )
            del where
        return self

    # --- convenience -------------------------------------------------------------------

    def tier(self, tier_id: str) -> Tier:
        for t in self.tiers:
            if t.id == tier_id:
                return t
        raise KeyError(tier_id)

    def notes_for(self, lang: str) -> tuple[str, ...]:
        """The scenario's general notes in ``lang`` (zh falls back to the English ``notes``)."""
        return self.notes_zh if lang == "zh" and self.notes_zh else self.notes

    def assumptions(self, lang: str | None = None) -> list[dict[str, str]]:
        """Every place this scenario assumes what its document leaves unstated.

        Each item has ``path``, ``note`` and ``note_zh`` (``note_zh`` falls back to the
        English note when the scenario gives no translation). Without ``lang``, ``note`` is
        the English note (as before); with ``lang`` ("zh" or "en"), ``note`` is the note in
        that language, so callers can print ``a["note"]`` whatever the language.
        """
        out: list[dict[str, str]] = []

        def walk(node: Any, path: str) -> None:
            if isinstance(node, Flagged) and node.assumption:
                en, zh = node.note or "", node.note_for("zh")
                out.append({"path": path or "(scenario)", "note": zh if lang == "zh" else en, "note_zh": zh})
            if isinstance(node, BaseModel):
                for name in type(node).model_fields:
                    walk(getattr(node, name), f"{path}.{name}" if path else name)
            elif isinstance(node, tuple):
                for i, item in enumerate(node):
                    key = getattr(item, "id", None) or i
                    walk(item, f"{path}[{key}]")

        walk(self, "")
        return out


def ignored_fields(policy: Policy) -> list[tuple[str, str]]:
    """Fields a scenario records that no command reads, as (path, why): ``simulate validate``
    warns about each, so nothing written in a scenario is silently unused."""
    out: list[tuple[str, str]] = []
    t = policy.timing
    for w in t.windows:
        if w.days is None and "after" in w.model_fields_set:
            out.append(
                (
                    f"timing.windows[{w.event}].after",
                    "the window has no days (the whole year), so no payer is ever after it",
                )
            )
    regular_only = t.late.mode == "same_as_regular" and all(
        w.within == "as_regular" and (w.days is None or w.after == "as_regular") for w in t.windows
    )
    if regular_only:
        for tier in policy.tiers:
            if tier.year_round:
                out.append(
                    (
                        f"tiers[{tier.id}].year_round",
                        "every payer is treated as in the period already (late.mode same_as_regular)",
                    )
                )
    c = policy.contribution
    if c.grades():
        out.append(("contribution.personal", "everyone no who group takes chooses a grade (contribution.standards)"))
    if policy.area.villages_file and policy.area.residents is not None:
        out.append(("area.residents", "the villages file's residents are used instead"))
    tv = policy.targets.villages_file
    if tv and tv != policy.area.villages_file:
        out.append(("targets.villages_file", "villages (and their tasks) are read from area.villages_file only"))
    b = policy.behaviour
    if b.model == "none":
        for name in ("midpoint_yuan", "slope_per_yuan", "reference_yuan"):
            if getattr(b, name) is not None:
                out.append((f"behaviour.{name}", "behaviour.model is none: no response is computed"))
    if policy.work_funds is not None:
        for i, rate in enumerate(policy.work_funds.rates[:-1]):
            if rate.min_participation_percent == 0 and not rate.groups_full:
                for later in policy.work_funds.rates[i + 1 :]:
                    out.append(
                        (
                            f"work_funds.rates[{later.label.en}]",
                            f"never reached: the rate before it ({rate.label.en}) always applies",
                        )
                    )
                break
    return out
