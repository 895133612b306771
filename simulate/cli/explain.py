"""``simulate explain``: one person's tier and who pays what, with the reasons (scenario family;
its own module so that ``validate`` does not load the engine and the results layer)."""

from __future__ import annotations

import argparse

from ..errors import SimulateError
from ..model.reference import own_standard
from ..policy import Scenario
from ..policy.rules import Person
from ..policy.subsidy import enrollment_cost, timing_class
from ..results.explain import explain_json, explain_person, explain_text
from ..results.outlay import ConservationError
from ..vocabulary import IdentityNameError, Vocabulary, identity_by_name
from .shared import load, print_json


def _identities(given: list[str] | None, vocab: Vocabulary) -> list[str]:
    """``--identity`` values (each may hold several ids joined by ``;``), checked against the
    scenario's vocabulary (its local identities too); an id or its Chinese name."""
    idents = []
    for ident in given or []:
        for part in (p.strip() for p in ident.replace("；", ";").split(";")):
            if not part:
                continue
            try:
                idents.append(identity_by_name(part, vocab.identities))
            except IdentityNameError as exc:
                raise SimulateError("--identity", str(exc)) from None
    return idents


def _timing(sc: Scenario, args: argparse.Namespace) -> str:
    """The timing class: ``--timing`` as given, or from ``--paid-on`` and the scenario's dates."""
    if args.paid_on is not None:
        if args.timing != "regular":
            raise SimulateError("--paid-on", "give either --timing or --paid-on, not both")
        if (args.event is None) != (args.event_date is None):
            raise SimulateError("--event-date" if args.event else "--event", "--event and --event-date go together")
        try:
            return timing_class(
                sc.policy, args.paid_on, args.event, args.event_date, extension_applies=args.in_extension
            )
        except ValueError as exc:
            raise SimulateError("--paid-on", str(exc)) from None
    if args.event is not None or args.event_date is not None or args.in_extension:
        raise SimulateError(
            "--event" if args.event else ("--event-date" if args.event_date else "--in-extension"),
            "only with --paid-on (or give the class with --timing)",
        )
    return args.timing


def _grade(sc: Scenario, given: str | None) -> str:
    """``--grade``: one of the scenario's grades (contribution.standards with share), checked."""
    if given is None:
        return ""
    grades = [g.id for g in sc.policy.contribution.grades()]
    if given not in grades:
        choices = ", ".join(grades) if grades else "none: the scenario has no grades"
        raise SimulateError("--grade", f"unknown grade {given!r} (grades: {choices})")
    return given


def check_person_conservation(sc: Scenario, person: Person) -> None:
    """One enrollment's payers add up to the personal standard plus the fiscal subsidy
    (a bug of ours otherwise: ConservationError, exit 3), before explain prints money."""
    outcome = explain_person(sc, person)
    pay = outcome.payment
    tier = next((t for t in sc.policy.tiers if t.id == outcome.tier), None)
    codes = [sid for sid, _, _ in sc.policy.contribution.standard_list()]
    cost = enrollment_cost(sc.policy, tier, person.timing, codes.index(own_standard(sc.policy, person)[0]))
    if pay.enrolled and sum(pay.pays.values()) + pay.fiscal_subsidy != cost:
        raise ConservationError(
            f"this person's payers add up to {sum(pay.pays.values()) + pay.fiscal_subsidy} "
            f"fen, the enrollment costs {cost} fen"
        )


def explain(args: argparse.Namespace) -> int:
    """One person's tier and who pays what, with the reasons."""
    sc = load(args)
    person = Person(
        frozenset(_identities(args.identity, sc.policy.vocab)),
        args.age,
        args.sex,
        args.disability_grade,
        _timing(sc, args),
        args.hukou or "",
        _grade(sc, args.grade),
    )
    check_person_conservation(sc, person)
    if args.json:
        print_json(explain_json(sc, person))
    else:
        print(explain_text(sc, person, args.lang))
    return 0
