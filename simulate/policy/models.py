"""Scenario models for the county, its documents, contributions and tiers: eligibility rules
and subsidy forms (DOMAIN.md, "Subsidy forms"). Money is integer fen, percent exact.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..vocabulary import CANONICAL, Vocabulary, VocabularyError, using
from .values import Fen, IdentityId, PathError, Percent, SourceId

_T = TypeVar("_T")


class Model(BaseModel):
    """Every scenario model: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class Flagged(Model):
    """Anything a document leaves unstated carries ``assumption: true`` and a note."""

    assumption: bool = False
    note: str | None = None  # English
    note_zh: str | None = None  # 简体中文, shown in zh outputs (falls back to ``note``)

    @model_validator(mode="after")
    def _assumption_needs_note(self) -> Self:
        if self.assumption and not (self.note and self.note.strip()):
            raise ValueError("assumption: true needs a note saying what is assumed and why")
        if self.note_zh is not None and not self.note_zh.strip():
            raise ValueError("note_zh must not be empty (leave it out instead)")
        return self

    def note_for(self, lang: str) -> str:
        """The note in ``lang`` (zh falls back to the English ``note`` when no ``note_zh``)."""
        if lang == "zh" and self.note_zh and self.note_zh.strip():
            return self.note_zh
        return self.note or ""


class Bilingual(Model):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


# ----------------------------------------------------------------------------- header


class County(Bilingual):
    province: str = Field(min_length=1)
    city: str = Field(min_length=1)


class Document(Flagged):
    number: str = Field(min_length=1, description="文号")
    title: str = Field(min_length=1)
    date: _dt.date
    issuer: str = Field(min_length=1)


class FiscalSplit(Flagged):
    """Shares of the per-capita fiscal subsidy by government level, in percent (sum 100)."""

    central: Percent
    provincial: Percent
    city: Percent
    county: Percent
    source: str = Field(min_length=1)
    source_zh: str | None = Field(default=None, min_length=1)

    def source_for(self, lang: str) -> str:
        """Where the split comes from, in ``lang`` (zh falls back to ``source``)."""
        return self.source_zh if lang == "zh" and self.source_zh else self.source

    @model_validator(mode="after")
    def _sums_to_100(self) -> Self:
        check_levels_total(self.central, self.provincial, self.city, self.county)
        return self


def check_levels_total(central: Decimal, provincial: Decimal, city: Decimal, county: Decimal) -> None:
    """A split by government level (percent) must add up to exactly 100."""
    total = central + provincial + city + county
    if total != 100:
        raise ValueError(f"central + provincial + city + county must be 100 (got {total})")


class Contribution(Flagged):
    """Personal standard and fiscal per-capita subsidy, yuan per person per year (held in fen)."""

    personal: Fen
    fiscal_subsidy: Fen
    fiscal_subsidy_split: FiscalSplit
    section: str = Field(min_length=1)


# ----------------------------------------------------------------------------- eligibility


class AgeRange(Model):
    """Whole years, both ends included."""

    min: int = Field(default=0, ge=0, le=150)
    max: int = Field(default=150, ge=0, le=150)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError(f"age min {self.min} is above max {self.max}")
        return self


class Rule(Model):
    """Declarative eligibility: every key given must hold (an implicit *all of*).

    ``identity`` one canonical id; ``any``/``all`` lists of ids or nested rules; ``not`` a
    rule or id; ``age`` an inclusive range; ``sex`` F or M; ``disability_grade`` a list of
    certificate grades 1–4; ``hukou`` rural or urban (户籍 type, for 农村/城镇 groups such as
    嵩明 六(一)); a person whose 户籍 type is not recorded is not excluded by it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    identity: IdentityId | None = None
    any: tuple[IdentityId | Rule, ...] | None = Field(default=None, min_length=1)
    all: tuple[IdentityId | Rule, ...] | None = Field(default=None, min_length=1)
    not_: IdentityId | Rule | None = Field(default=None, alias="not")
    age: AgeRange | None = None
    sex: Literal["F", "M"] | None = None
    disability_grade: tuple[Annotated[int, Field(ge=1, le=4)], ...] | None = Field(default=None, min_length=1)
    hukou: Literal["rural", "urban"] | None = None  # 户籍 type; a person of unknown type matches

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if all(
            getattr(self, k) is None
            for k in ("identity", "any", "all", "not_", "age", "sex", "disability_grade", "hukou")
        ):
            raise ValueError(
                "an eligibility rule needs at least one of identity, any, all, not, age, sex, disability_grade, hukou"
            )
        return self

    def identities(self) -> set[str]:
        """Every identity id the rule mentions (for documentation and checks)."""
        out: set[str] = set()
        if self.identity:
            out.add(self.identity)
        for part in (self.any or ()) + (self.all or ()) + ((self.not_,) if self.not_ else ()):
            out |= {part} if isinstance(part, str) else part.identities()
        return out


# ----------------------------------------------------------------------------- subsidies

SubsidyForm = Literal["full", "percent", "fixed_subsidy", "fixed_personal", "split", "none"]


class Share(Model):
    """One source's part of a split subsidy: a fixed amount, a percent, or the rest."""

    source: SourceId
    amount: Fen | None = None
    percent: Percent | None = None
    rest: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        kinds = [self.amount is not None, self.percent is not None, self.rest]
        if sum(kinds) != 1:
            raise ValueError("a share gives exactly one of amount, percent or rest: true")
        return self


class Subsidy(Model):
    """Who pays what of the personal standard (DOMAIN.md, "Subsidy forms").

    ``full``: ``source`` pays the whole standard. ``percent``: ``source`` pays ``percent`` of
    it, rounded half up to the fen once. ``fixed_subsidy``: ``source`` pays ``amount`` and the
    person the rest (the amount stays fixed when the standard changes). ``fixed_personal``:
    the person pays ``personal`` and ``source`` the rest. ``split``: several ``shares``; the
    person pays what they leave. ``none``: the tier is marked but nobody subsidizes it.
    """

    form: SubsidyForm
    source: SourceId | None = None
    percent: Percent | None = None
    amount: Fen | None = None
    personal: Fen | None = None
    shares: tuple[Share, ...] | None = None

    @model_validator(mode="after")
    def _fields_fit_form(self) -> Self:
        needs = {
            "full": {"source"},
            "percent": {"source", "percent"},
            "fixed_subsidy": {"source", "amount"},
            "fixed_personal": {"source", "personal"},
            "split": {"shares"},
            "none": set(),
        }[self.form]
        given = {k for k in ("source", "percent", "amount", "personal", "shares") if getattr(self, k) is not None}
        missing = sorted(needs - given)
        extra = sorted(given - needs)
        if missing:
            raise ValueError(f"form {self.form} needs {', '.join(missing)}")
        if extra:
            raise ValueError(f"form {self.form} does not take {', '.join(extra)}")
        if self.form == "split":
            shares = self.shares or ()
            if len(shares) < 2:
                raise ValueError("form split needs at least two shares")
            if sum(s.rest for s in shares) > 1:
                raise ValueError("at most one share may take the rest")
            srcs = [s.source for s in shares]
            if len(set(srcs)) != len(srcs):
                raise ValueError("a source appears twice in the shares")
        return self

    def sources(self) -> list[str]:
        if self.form == "split":
            return [s.source for s in self.shares or ()]
        return [self.source] if self.source else []


class Tier(Flagged):
    """One subsidy tier: who qualifies, who pays, and the document section it comes from."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    label: Bilingual
    section: str = Field(min_length=1)
    eligibility: Rule
    subsidy: Subsidy
    year_round: bool = False
    payment: Literal["direct", "refund_after"] = "direct"


# ----------------------------------------------------------------------------- local vocabulary

LocalId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class LocalIdentity(Flagged):
    """An identity the county's notice names and the canonical vocabulary lacks (issue 15
    item 1), e.g. 困境儿童. ``words``: roster category words that mean it. ``share``: percent
    of persons (or, at household level, of households) holding it in a synthetic population,
    with ``age`` the ages a person may hold it at; a share is an assumption unless cited."""

    id: LocalId
    zh: str = Field(min_length=1, max_length=64)
    en: str = Field(min_length=1, max_length=120)
    level: Literal["person", "household"]
    words: tuple[Annotated[str, Field(min_length=1, max_length=64)], ...] = ()
    share: Percent = Decimal(0)
    age: AgeRange | None = None

    @model_validator(mode="after")
    def _age_for_persons(self) -> Self:
        if self.age is not None and self.level == "household":
            raise ValueError("age applies to person-level identities only")
        if self.share and not (self.note and self.note.strip()):
            raise ValueError("a share needs a note saying where it comes from (and assumption: true if estimated)")
        return self


class LocalSource(Flagged):
    """A payer the county's notice names and the canonical vocabulary lacks (民政局, 乡镇财政),
    with the government level whose budget it is (a township's budget counts as county)."""

    id: LocalId
    zh: str = Field(min_length=1, max_length=64)
    en: str = Field(min_length=1, max_length=120)
    level: Literal["central", "provincial", "city", "county"]
    colour: str | None = Field(default=None, pattern=r"^#[0-9A-Fa-f]{6}$")


class LocalVocabulary(Model):
    """The scenario's local identities and funding sources, after the canonical ones (its
    errors name ``vocabulary.…`` paths: it is the scenario's ``vocabulary`` section)."""

    identities: tuple[LocalIdentity, ...] = ()
    sources: tuple[LocalSource, ...] = ()

    @model_validator(mode="after")
    def _fits_canonical(self) -> Self:
        try:
            extended(self)
        except VocabularyError as exc:
            places = [("identities", i) for i, t in enumerate(self.identities) if t.id == exc.term_id]
            places += [("sources", i) for i, t in enumerate(self.sources) if t.id == exc.term_id]
            raise PathError(("vocabulary", *places[-1], exc.field), str(exc)) from None
        return self


@lru_cache(maxsize=64)
def extended(local: LocalVocabulary) -> Vocabulary:
    """The canonical vocabulary with ``local``'s identities and sources after it."""
    if not local.identities and not local.sources:
        return CANONICAL
    return CANONICAL.extend(
        (t.model_dump(include={"id", "zh", "en", "level", "words"}) for t in local.identities),
        (s.model_dump(include={"id", "zh", "en", "level", "colour"}) for s in local.sources),
    )


def with_local_vocabulary(data: Any, handler: Callable[[Any], _T]) -> _T:
    """Validate a whole scenario with its local ids known to the id checks (``values``):
    its ``vocabulary`` section is read first; if it is itself wrong, the canonical ids
    apply and the section's own error is reported."""
    vocab = CANONICAL
    section = data.get("vocabulary") if isinstance(data, dict) else None
    if isinstance(section, dict):
        try:
            vocab = extended(LocalVocabulary.model_validate(section))
        except ValidationError:
            pass
    with using(vocab):
        return handler(data)


# ----------------------------------------------------------------------------- timing & targets
