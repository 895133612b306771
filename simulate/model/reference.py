"""The reference calculation: one person at a time, in plain Python, written to be read.

This is the oracle the fast engine is tested against and what ``simulate explain`` uses.
It follows the scenario's semantics directly from the :class:`~simulate.policy.Policy`
object with its own arithmetic (:func:`oracle_payment`), never from the compiled tables nor
from ``policy.subsidy``'s arithmetic, so the property tests compare two independent
calculations fen by fen (issue 11 item 4). Only the timing treatment (which rule applies to
a late or event payer) is shared: it decides a case, it does no arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..policy import Policy, Tier
from ..policy.models import Subsidy
from ..policy.rules import Person, matches
from ..policy.subsidy import Payment, required, treatment


@dataclass(frozen=True)
class Outcome:
    """The tier a person gets, what each source pays, and how the tier was chosen."""

    tier: str
    payment: Payment
    eligible: tuple[str, ...]
    considered: tuple[tuple[str, int], ...] = ()  # (tier id, individual pays in fen)
    tie_with: tuple[str, ...] = ()
    rule: str = ""
    notes: tuple[str, ...] = field(default=())


def _fen_share(standard: int, percent: Decimal) -> int:
    """``percent`` % of ``standard`` fen, to the nearest fen, halves up (Decimal, written out)."""
    exact = Decimal(standard) * percent / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def own_standard(policy: Policy, person: Person) -> tuple[str, int, int]:
    """The person's own standard as (id, personal fen, fiscal fen), read plainly: the first
    listed group whose rule they match, else the grade they chose (the first grade when none
    is recorded), else the contribution's own figures."""
    c = policy.contribution
    for s in c.standards:
        if s.who is not None and matches(s.who, person):
            return s.id, s.personal, c.fiscal_subsidy if s.fiscal_subsidy is None else s.fiscal_subsidy
    grades = [s for s in c.standards if s.share is not None]
    for s in grades:
        if s.id == person.grade or not person.grade:
            return s.id, s.personal, c.fiscal_subsidy if s.fiscal_subsidy is None else s.fiscal_subsidy
    if grades:
        raise ValueError(f"unknown grade {person.grade!r}")
    return "base", c.personal, c.fiscal_subsidy


def oracle_payment(policy: Policy, tier: Tier | None, timing: str = "regular", person: Person | None = None) -> Payment:
    """Who pays one enrollment, computed plainly from the policy, form by form, for the
    person's own standard (``person`` None: someone of the contribution's own standard)."""
    if person is None:
        who, personal, fiscal = Person(), policy.contribution.personal, policy.contribution.fiscal_subsidy
    else:
        who = person
        _, personal, fiscal = own_standard(policy, person)
    how, decided = treatment(policy, tier, timing)
    late_rule = None if how == "as_regular" else how
    if how == "not_accepted":
        return Payment({}, 0, False, late_rule, how, decided)
    if how == "full_financing":  # the person pays the whole cost, no fiscal subsidy
        return Payment({"individual": personal + fiscal}, 0, True, late_rule, how, decided)
    if how == "fixed_charge":  # the document's own late charge
        return Payment({"individual": policy.timing.late.charge or 0}, 0, True, late_rule, how, decided)
    subsidy = tier.subsidy if tier is not None and how == "as_regular" else None
    others = _subsidised(subsidy, personal, who.age) if subsidy is not None else {}
    pays = {"individual": personal - sum(others.values()), **others}
    return Payment(pays, fiscal, True, None if how == "as_regular" else late_rule, how, decided)


def resolve(policy: Policy, person: Person) -> Outcome:
    """The one tier a person gets under the scenario's multiple-identity rule."""
    eligible = [t for t in policy.tiers if matches(t.eligibility, person)]
    rule = policy.multiple_identities.rule
    if not eligible:
        return Outcome("general", oracle_payment(policy, None, person.timing, person), (), (), (), rule)
    payments = [oracle_payment(policy, t, person.timing, person) for t in eligible]
    considered = tuple((t.id, p.pays.get("individual", 0)) for t, p in zip(eligible, payments))
    if rule == "priority":
        chosen = eligible[0]
        ties: tuple[str, ...] = ()
    else:
        # the most to the person: an accepted enrollment first, then the least paid
        keys = [(not p.enrolled, p.pays.get("individual", 0)) for p in payments]
        best = min(keys)
        winners = [i for i, k in enumerate(keys) if k == best]
        chosen = eligible[winners[0]]

        def paid(p: Payment) -> dict[str, int]:
            return {k: v for k, v in p.pays.items() if v}

        mine = paid(payments[winners[0]])
        ties = tuple(eligible[i].id for i in winners[1:] if paid(payments[i]) != mine)
    return Outcome(
        chosen.id,
        oracle_payment(policy, chosen, person.timing, person),
        tuple(t.id for t in eligible),
        considered,
        ties,
        rule,
    )


def _band_amount(subsidy: Subsidy, age: int) -> int:
    """The amount of the ``by_age`` band whose ages hold ``age`` (from ≤ age < below)."""
    for band in subsidy.by_age or ():
        if band.from_ <= age and (band.below is None or age < band.below):
            return band.amount
    raise ValueError(f"no band for age {age}")


def _subsidised(subsidy: Subsidy, personal: int, age: int = 40) -> dict[str, int]:
    """Fen each subsidising source pays of the ``personal`` standard under ``subsidy``, by the
    oracle's own arithmetic (DOMAIN.md, "Subsidy forms"; docs/subsidy-forms.md)."""
    others: dict[str, int] = {}
    form = subsidy.form
    if form == "full":
        others[required(subsidy.source, "source")] = personal
    elif form == "percent":
        part = _fen_share(personal, required(subsidy.percent, "percent"))
        if subsidy.cap is not None and part > subsidy.cap:
            part = subsidy.cap
        if subsidy.floor is not None and part < subsidy.floor:
            part = subsidy.floor
        others[required(subsidy.source, "source")] = personal if part > personal else part
    elif form == "fixed_subsidy":
        amount = required(subsidy.amount, "amount") if subsidy.by_age is None else _band_amount(subsidy, age)
        others[required(subsidy.source, "source")] = personal if amount > personal else amount
    elif form == "fixed_personal":
        own = required(subsidy.personal, "personal")
        others[required(subsidy.source, "source")] = personal - own if own < personal else 0
    elif form == "split":
        rest_source = None
        for share in required(subsidy.shares, "shares"):
            if share.rest and rest_source is None:
                rest_source = share.source
            elif share.amount is not None:
                others[share.source] = share.amount
            elif share.percent is not None:
                others[share.source] = _fen_share(personal, share.percent)
        if rest_source is not None:
            others[rest_source] = personal - sum(others.values())
    return others
