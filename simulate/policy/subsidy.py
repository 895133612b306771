"""The one subsidy arithmetic: who pays what for one enrollment of a tier and a timing class.

Each subsidy form (none, full, percent, fixed_subsidy, fixed_personal, shares) turns the
personal standard into fen per funding source, percent rounded once by the money rule
(``money.percent_of``); the timing rules say how a payer outside the collection period is
treated. The compiled tables, the synthesizer, explanations and the CLI use these functions;
the reference engine (``model.reference``) checks them with its own arithmetic.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import TypeVar

from ..money import percent_of
from .models import Subsidy, Tier
from .schema import EVENTS, Policy

#: Timing classes, in the order of the engine's tables (codes 0, 1, 2 are kept stable):
#: ``regular`` paid in the collection period; ``late`` after everything; ``extended`` in the
#: document's extension; ``EVENT`` within an event's window, ``EVENT_after`` after it.
TIMINGS: tuple[str, ...] = ("regular", "late", "newborn", "extended", "newborn_after") + tuple(
    name for e in EVENTS if e != "newborn" for name in (e, f"{e}_after")
)
#: Timing classes that pay after the collection period and outside any event's window:
#: they do not count as "on time" for targets measured on the collection period.
OFF_TIME: tuple[str, ...] = ("extended", "late") + tuple(t for t in TIMINGS if t.endswith("_after"))


@dataclass(frozen=True)
class Payment:
    """What one enrollment costs and who pays it, in fen. ``enrolled`` is False when refused."""

    pays: dict[str, int]
    fiscal_subsidy: int
    enrolled: bool = True
    late_rule: str | None = None  # which late rule applied, if any
    treatment: str = "as_regular"  # how this timing was treated (policy.Treatment or a late mode)
    decided_by: str = ""  # "", "extension", "late", or the event whose window decided it


_V = TypeVar("_V")


def required(value: _V | None, field: str) -> _V:
    """A field the subsidy's form requires; the model's validator has already refused a
    subsidy without it, so None here is a bug of ours."""
    if value is None:
        raise ValueError(f"subsidy field {field} is missing for its form")
    return value


def fixed_amount(subsidy: Subsidy, age: int | None) -> int:
    """The fixed subsidy's amount in fen: ``amount``, or the ``by_age`` band holding ``age``
    (``age`` None: the lowest band's amount, what every age gets at least)."""
    if subsidy.by_age is None:
        return required(subsidy.amount, "amount")
    if age is None:
        return min(b.amount for b in subsidy.by_age)
    for band in subsidy.by_age:
        if band.below is None or age < band.below:
            return band.amount
    raise ValueError(f"no by_age band holds age {age}")  # the validator refuses such bands


def capped_percent(subsidy: Subsidy, standard: int) -> int:
    """``percent`` of the standard rounded half up to the fen once, then held to ``cap`` and
    ``floor`` (yuan in the file), never above the standard itself (docs/subsidy-forms.md)."""
    share = percent_of(standard, required(subsidy.percent, "percent"))
    if subsidy.cap is not None:
        share = min(share, subsidy.cap)
    if subsidy.floor is not None:
        share = max(share, subsidy.floor)
    return min(share, standard)


def subsidy_shares(subsidy: Subsidy, standard: int, age: int | None = None) -> dict[str, int]:
    """Fen each source pays toward a personal standard of ``standard`` fen (person excluded);
    ``age`` (whole years) picks the band of a fixed subsidy ``by_age``."""
    form = subsidy.form
    if form == "none":
        return {}
    if form == "full":
        return {required(subsidy.source, "source"): standard}
    if form == "percent":
        return {required(subsidy.source, "source"): capped_percent(subsidy, standard)}
    if form == "fixed_subsidy":
        return {required(subsidy.source, "source"): min(fixed_amount(subsidy, age), standard)}
    if form == "fixed_personal":
        return {required(subsidy.source, "source"): standard - min(required(subsidy.personal, "personal"), standard)}
    shares: dict[str, int] = {}
    for sh in required(subsidy.shares, "shares"):
        if sh.amount is not None:
            shares[sh.source] = sh.amount
        elif sh.percent is not None:
            shares[sh.source] = percent_of(standard, sh.percent)
    rest = [sh for sh in required(subsidy.shares, "shares") if sh.rest]
    if rest:
        shares[rest[0].source] = standard - sum(shares.values())
    return shares


def treatment(policy: Policy, tier: Tier | None, timing: str = "regular") -> tuple[str, str]:
    """How a payer of this timing class pays under the scenario, and what decided it.

    Returns (``as_regular`` | ``personal`` | ``full_financing`` | ``fixed_charge`` |
    ``not_accepted``, decided by). Year-round tiers (思南 八(三)1) keep their regular
    treatment whatever the timing; an ``extended`` payer in a document without an extension
    is a late payer; an event the document sets no window for is treated as in the period
    within it and as a late payer after it (docs/policies.md, "Timing").
    """
    if timing not in TIMINGS:
        raise ValueError(f"unknown timing {timing!r}")
    t = policy.timing
    if timing == "regular" or (tier is not None and tier.year_round):
        return "as_regular", ""
    how: str
    decided = "late"
    if timing == "extended":
        if t.extension is not None:
            return "as_regular", "extension"
        how = "late"
    elif timing == "late":
        how = "late"
    else:
        event = timing.removesuffix("_after")
        after = timing.endswith("_after")
        w = t.window(event)
        if w is None:
            how = "late" if after else "as_regular"
            decided = "late" if after else ""
        else:
            how = w.after if after and w.days is not None else w.within
            decided = event
    if how == "late":
        mode = t.late.mode
        how = "as_regular" if mode == "same_as_regular" else mode
        decided = "late"
    return how, decided


def enrollment_cost(policy: Policy, tier: Tier | None, timing: str = "regular", standard: int = 0) -> int:
    """What one enrollment of this tier and timing brings into the fund, fen: the personal
    standard (of standard code ``standard``) plus its fiscal subsidy, or the document's
    stated late charge (思南 830)."""
    how, _ = treatment(policy, tier, timing)
    if how == "not_accepted":
        return 0
    if how == "fixed_charge":
        return policy.timing.late.charge or 0
    _, personal, fiscal = policy.contribution.standard_list()[standard]
    return personal + fiscal


def payment(
    policy: Policy, tier: Tier | None, timing: str = "regular", standard: int = 0, age: int | None = None
) -> Payment:
    """Who pays one person's enrollment under ``tier`` (None: no tier) and a timing class;
    ``standard`` is the person's standard code (``Contribution.standard_list``, 0 the base
    one) and ``age`` picks the band of a fixed subsidy ``by_age``."""
    _, std, fiscal = policy.contribution.standard_list()[standard]
    how, decided = treatment(policy, tier, timing)
    rule = how if how != "as_regular" else None
    if how == "full_financing":
        return Payment({"individual": std + fiscal}, 0, True, rule, how, decided)
    if how == "fixed_charge":
        return Payment({"individual": policy.timing.late.charge or 0}, 0, True, rule, how, decided)
    if how == "personal":
        return Payment({"individual": std}, fiscal, True, rule, how, decided)
    if how == "not_accepted":
        return Payment({}, 0, False, rule, how, decided)
    shares = subsidy_shares(tier.subsidy, std, age) if tier is not None else {}
    pays = {"individual": std - sum(shares.values())}
    pays.update(shares)
    return Payment(pays, fiscal, True, None, how, decided)


def timing_class(
    policy: Policy,
    paid_on: _dt.date,
    event: str | None = None,
    event_date: _dt.date | None = None,
    *,
    extension_applies: bool = False,
) -> str:
    """The timing class of a payment made on ``paid_on`` under the scenario's dated rules.

    ``event`` (one of ``policy.EVENTS``) with its ``event_date`` puts the payer in that
    event's window (``EVENT``) when they pay within the window's days of it, else after it
    (``EVENT_after``); otherwise a payment in the collection period (or before it) is
    ``regular``, one up to the extension's end by a payer it names (``extension_applies``)
    is ``extended``, any other ``late``.
    """
    t = policy.timing
    if event is not None:
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}; expected one of {', '.join(EVENTS)}")
        if event_date is None:
            raise ValueError(f"event {event} needs the date it happened")
        if paid_on < event_date:
            raise ValueError(f"paid on {paid_on}, before the {event} event on {event_date}")
        w = t.window(event)
        days = None if w is None else w.days
        within = days is None or (paid_on - event_date).days <= days
        return event if within else f"{event}_after"
    if paid_on <= t.collection_period.end:
        return "regular"
    if extension_applies and t.extension is not None and paid_on <= t.extension.until:
        return "extended"
    return "late"
