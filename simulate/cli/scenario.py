"""Scenario commands: ``validate``, ``assumptions``, ``explain`` and ``examples``.

Handlers only (their parsers are in :mod:`simulate.cli.parser`); none of them needs pandas,
so these commands start fast (issue 11 item 6).
"""
from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from ..errors import SimulateError
from ..examples import copy_examples, example_files
from ..io.idnumber import mask_ids_in_text
from ..policy import Scenario, ignored_fields, load_scenario
from ..policy.rules import Person
from ..policy.subsidy import enrollment_cost, timing_class
from ..resources import folder
from ..results.explain import explain_json, explain_person, explain_text
from ..results.outlay import ConservationError
from ..vocabulary import IDENTITIES
from .shared import load, print_json


def validate(args: argparse.Namespace) -> int:
    """Check every file; one line per bad file, exit 2 if any is bad."""
    bad = 0
    for path in args.files:
        try:
            sc = load_scenario(path)
        except SimulateError as exc:
            print(mask_ids_in_text(exc.one_line()), file=sys.stderr)
            bad += 1
            continue
        n = len(sc.assumptions())
        if not args.quiet:
            print(f"{path}: ok ({sc.id}, {len(sc.policy.tiers)} tiers, {n} assumption{'s' if n != 1 else ''})")
            for field, why in ignored_fields(sc.policy):   # recorded but read by no command
                print(f"{path}: {field}: warning: not used: {why}", file=sys.stderr)
        if args.assumptions:
            for a in sc.assumptions(args.lang):
                print(f"  假设 {a['path']}：{a['note']}" if args.lang == "zh" else
                      f"  assumption {a['path']}: {a['note']}")
    return 2 if bad else 0


def assumptions(args: argparse.Namespace) -> int:
    """Where the rules come from and what the scenario assumes where its document is silent."""
    sc = load(args)
    items = sc.assumptions(args.lang)   # note in --lang; note_zh always there too
    prov = sc.provenance()
    if args.json:
        print_json({"scenario": sc.id, "files": prov["files"], "overrides": prov["overrides"],
                    "assumptions": items})
        return 0
    zh = args.lang == "zh"
    sep = "：" if zh else ": "
    for i, f in enumerate(prov["files"]):
        role = ("情景文件" if i == 0 else "继承自") if zh else ("scenario file" if i == 0 else "extends")
        print(f"{role}{sep}{f['path']} (sha256 {f['sha256'][:16]}…)")
    for path, value in prov["overrides"].items():
        print(f"{'参数调整' if zh else 'override'}{sep}{path} = {value}")
    print(f"{'假设' if zh else 'assumptions'}{sep}{len(items)}")
    for a in items:
        print(f"  {a['path']}{sep}{a['note']}")
    return 0


# --------------------------------------------------------------------------- explain


def _identities(given: list[str] | None) -> list[str]:
    """``--identity`` values (each may hold several ids joined by ``;``), checked."""
    idents = []
    for ident in given or []:
        for part in (p.strip() for p in ident.split(";")):
            if not part:
                continue
            if part not in IDENTITIES:
                hint = difflib.get_close_matches(part, IDENTITIES, n=1)
                raise SimulateError("--identity", f"unknown identity {part!r}"
                                    + (f" (did you mean {hint[0]}?)" if hint else ""))
            idents.append(part)
    return idents


def _timing(sc: Scenario, args: argparse.Namespace) -> str:
    """The timing class: ``--timing`` as given, or from ``--paid-on`` and the scenario's dates."""
    if args.paid_on is not None:
        if args.timing != "regular":
            raise SimulateError("--paid-on", "give either --timing or --paid-on, not both")
        if (args.event is None) != (args.event_date is None):
            raise SimulateError("--event-date" if args.event else "--event",
                                "--event and --event-date go together")
        try:
            return timing_class(sc.policy, args.paid_on, args.event, args.event_date,
                                extension_applies=args.in_extension)
        except ValueError as exc:
            raise SimulateError("--paid-on", str(exc)) from None
    if args.event is not None or args.event_date is not None or args.in_extension:
        raise SimulateError("--event" if args.event else ("--event-date" if args.event_date else "--in-extension"),
                            "only with --paid-on (or give the class with --timing)")
    return args.timing


def check_person_conservation(sc: Scenario, person: Person) -> None:
    """One enrollment's payers add up to the personal standard plus the fiscal subsidy
    (a bug of ours otherwise: ConservationError, exit 3), before explain prints money."""
    outcome = explain_person(sc, person)
    pay = outcome.payment
    tier = next((t for t in sc.policy.tiers if t.id == outcome.tier), None)
    cost = enrollment_cost(sc.policy, tier, person.timing)
    if pay.enrolled and sum(pay.pays.values()) + pay.fiscal_subsidy != cost:
        raise ConservationError(f"this person's payers add up to {sum(pay.pays.values()) + pay.fiscal_subsidy} "
                                f"fen, the enrollment costs {cost} fen")


def explain(args: argparse.Namespace) -> int:
    """One person's tier and who pays what, with the reasons."""
    sc = load(args)
    person = Person(frozenset(_identities(args.identity)), args.age, args.sex, args.disability_grade,
                    _timing(sc, args), args.hukou or "")
    check_person_conservation(sc, person)
    if args.json:
        print_json(explain_json(sc, person))
    else:
        print(explain_text(sc, person, args.lang))
    return 0


# --------------------------------------------------------------------------- examples


def examples(args: argparse.Namespace) -> int:
    """List the shipped examples, or copy them into ``--out``."""
    if args.out:
        copied = copy_examples(args.out)
        print(f"copied {len(copied)} example files to {Path(args.out)}")
        for p in copied:
            print(f"  {p}")
        return 0
    for p in example_files():
        print(p.name)
    print(f"(in {folder('scenarios')}; copy them with: simulate examples --out DIR)")
    return 0
