"""The reference calculation: one person at a time, in plain Python, written to be read.

This is the oracle the fast engine is tested against and what ``simulate explain`` uses.
It follows the scenario's semantics directly from the :class:`~simulate.policy.Policy`
object, never from the compiled tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .policy import Policy, Subsidy, Tier, _percent_of
from .rules import Person, matches

TIMINGS = ("regular", "late", "newborn")


@dataclass(frozen=True)
class Payment:
    """What one enrollment costs and who pays it, in fen. ``enrolled`` is False when refused."""

    pays: dict[str, int]
    fiscal_subsidy: int
    enrolled: bool = True
    late_rule: str | None = None   # which late rule applied, if any


@dataclass(frozen=True)
class Outcome:
    """The tier a person gets, what each source pays, and how the tier was chosen."""

    tier: str
    payment: Payment
    eligible: tuple[str, ...]
    considered: tuple[tuple[str, int], ...] = ()   # (tier id, individual pays in fen)
    tie_with: tuple[str, ...] = ()
    rule: str = ""
    notes: tuple[str, ...] = field(default=())


def subsidy_shares(subsidy: Subsidy, standard: int) -> dict[str, int]:
    """Fen each source pays toward a personal standard of ``standard`` fen (person excluded)."""
    form = subsidy.form
    if form == "none":
        return {}
    if form == "full":
        return {subsidy.source: standard}
    if form == "percent":
        return {subsidy.source: _percent_of(standard, subsidy.percent)}
    if form == "fixed_subsidy":
        return {subsidy.source: min(subsidy.amount, standard)}
    if form == "fixed_personal":
        return {subsidy.source: standard - min(subsidy.personal, standard)}
    shares: dict[str, int] = {}
    for sh in subsidy.shares:
        if sh.amount is not None:
            shares[sh.source] = sh.amount
        elif sh.percent is not None:
            shares[sh.source] = _percent_of(standard, sh.percent)
    rest = [sh for sh in subsidy.shares if sh.rest]
    if rest:
        shares[rest[0].source] = standard - sum(shares.values())
    return shares


def payment(policy: Policy, tier: Tier | None, timing: str = "regular") -> Payment:
    """Who pays one person's enrollment under ``tier`` (None: no tier) and a timing."""
    std = policy.contribution.personal
    fiscal = policy.contribution.fiscal_subsidy
    mode = policy.timing.late.mode
    if timing == "late" and mode != "same_as_regular" and not (tier is not None and tier.year_round):
        if mode == "full_financing":
            return Payment({"individual": std + fiscal}, 0, True, mode)
        if mode == "personal":
            return Payment({"individual": std}, fiscal, True, mode)
        return Payment({}, 0, False, mode)
    shares = subsidy_shares(tier.subsidy, std) if tier is not None else {}
    pays = {"individual": std - sum(shares.values())}
    pays.update(shares)
    return Payment(pays, fiscal, True, None)


def resolve(policy: Policy, person: Person) -> Outcome:
    """The one tier a person gets under the scenario's multiple-identity rule."""
    eligible = [t for t in policy.tiers if matches(t.eligibility, person)]
    rule = policy.multiple_identities.rule
    if not eligible:
        return Outcome("general", payment(policy, None, person.timing), (), (), (), rule)
    payments = [payment(policy, t, person.timing) for t in eligible]
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
    return Outcome(chosen.id, payment(policy, chosen, person.timing),
                   tuple(t.id for t in eligible), considered, ties, rule)
