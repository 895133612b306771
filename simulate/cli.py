"""The ``simulate`` command line: validate, explain, assumptions, run, report, sweep, ….

Every command exits 2 with one line on stderr (file, field or row, reason) for a user's
mistake; tracebacks are shown only with ``SIMULATE_DEBUG=1``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Callable

from .errors import SimulateError
from .io.idnumber import mask_ids_in_text
from .vocabulary import IDENTITIES

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _command(name: str):
    def register(fn):
        _COMMANDS[name] = fn
        return fn
    return register


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    from .policy.overrides import parse_assignments, read_override_sheet
    out: dict[str, Any] = {}
    for sheet in getattr(args, "set_file", None) or []:
        out.update(read_override_sheet(sheet))
    out.update(parse_assignments(getattr(args, "set", None)))
    return out


def _load(args: argparse.Namespace):
    from .policy import load_scenario
    return load_scenario(args.scenario, _overrides(args))


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", action="append", metavar="PATH=VALUE",
                   help="override one scenario value, e.g. contribution.personal=400 (repeatable)")
    p.add_argument("--set-file", action="append", metavar="XLSX_OR_CSV",
                   help="a sheet of (parameter path, value) rows applied as overrides")


# --------------------------------------------------------------------------- validate


@_command("validate")
def _validate(args: argparse.Namespace) -> int:
    from .policy import ignored_fields, load_scenario
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


@_command("assumptions")
def _assumptions(args: argparse.Namespace) -> int:
    sc = _load(args)
    items = sc.assumptions(args.lang)   # note in --lang; note_zh always there too
    prov = sc.provenance()
    if args.json:
        _print_json({"scenario": sc.id, "files": prov["files"], "overrides": prov["overrides"],
                     "assumptions": items})
        return 0
    zh = args.lang == "zh"
    sep = "：" if zh else ": "
    # where the rules come from: the file, the files it extends, and any overrides
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


@_command("explain")
def _explain(args: argparse.Namespace) -> int:
    from .results.explain import explain_json, explain_text
    from .policy.rules import Person
    sc = _load(args)
    idents = []
    for ident in args.identity or []:
        for part in ident.split(";"):
            part = part.strip()
            if not part:
                continue
            if part not in IDENTITIES:
                import difflib
                hint = difflib.get_close_matches(part, IDENTITIES, n=1)
                raise SimulateError("--identity", f"unknown identity {part!r}"
                                    + (f" (did you mean {hint[0]}?)" if hint else ""))
            idents.append(part)
    timing = args.timing
    if args.paid_on is not None:   # the class from dates, with the scenario's own windows
        from .policy.subsidy import timing_class
        if args.timing != "regular":
            raise SimulateError("--paid-on", "give either --timing or --paid-on, not both")
        if (args.event is None) != (args.event_date is None):
            raise SimulateError("--event-date" if args.event else "--event",
                                "--event and --event-date go together")
        try:
            timing = timing_class(sc.policy, args.paid_on, args.event, args.event_date,
                                  extension_applies=args.in_extension)
        except ValueError as exc:
            raise SimulateError("--paid-on", str(exc)) from None
    elif args.event is not None or args.event_date is not None or args.in_extension:
        raise SimulateError("--event" if args.event else ("--event-date" if args.event_date else "--in-extension"),
                            "only with --paid-on (or give the class with --timing)")
    person = Person(frozenset(idents), args.age, args.sex, args.disability_grade, timing,
                    args.hukou or "")
    _check_person_conservation(sc, person)
    if args.json:
        _print_json(explain_json(sc, person))
    else:
        print(explain_text(sc, person, args.lang))
    return 0


def _check_person_conservation(sc, person) -> None:
    """One enrollment's payers add up to the personal standard plus the fiscal subsidy
    (a bug of ours otherwise: ConservationError, exit 3), before explain prints money."""
    from .results.explain import explain_person
    from .results.outlay import ConservationError
    from .policy.subsidy import enrollment_cost
    outcome = explain_person(sc, person)
    pay = outcome.payment
    tier = next((t for t in sc.policy.tiers if t.id == outcome.tier), None)
    cost = enrollment_cost(sc.policy, tier, person.timing)
    if pay.enrolled and sum(pay.pays.values()) + pay.fiscal_subsidy != cost:
        raise ConservationError(f"this person's payers add up to {sum(pay.pays.values()) + pay.fiscal_subsidy} "
                                f"fen, the enrollment costs {cost} fen")


def _age(text: str) -> int:
    """Whole years in decimal digits (full-width ones too); ① or 5,000 digits get one line."""
    from .numtext import whole_from_text
    try:
        v = whole_from_text(text, "a whole number of years")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"age: {exc}") from None
    if not 0 <= v <= 130:
        raise argparse.ArgumentTypeError(f"age must be between 0 and 130, got {v}")
    return v


def _date(text: str):
    import datetime as dt
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _grade(text: str) -> int:
    if text not in {"0", "1", "2", "3", "4"}:
        from .numtext import shorten
        raise argparse.ArgumentTypeError(f"disability grade must be 0 (none) to 4, got {shorten(text)!r}")
    return int(text)


# --------------------------------------------------------------------------- parser


class _OneLineParser(argparse.ArgumentParser):
    """Argument mistakes get one line on stderr (and ``--help`` for the rest), exit 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: {mask_ids_in_text(' '.join(message.split()))} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    parser = _OneLineParser(
        prog="simulate",
        description="Who pays the resident medical-insurance contribution: county scenarios, "
                    "populations, outlays by funding source, what-ifs and reports.")
    parser.add_argument("--version", action="version", version=f"simulate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check scenario files; exit 0 only if all are valid")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--assumptions", action="store_true", help="also list every assumption")
    p.add_argument("--lang", choices=["zh", "en"], default="zh",
                   help="language of the assumption notes listed with --assumptions (default zh)")
    p.add_argument("--quiet", action="store_true", help="print only errors")

    p = sub.add_parser("assumptions", help="list what a scenario assumes where its document is silent")
    p.add_argument("scenario")
    _add_set(p)
    p.add_argument("--lang", choices=["zh", "en"], default="zh",
                   help="language of the notes (default zh; --json always has note_zh too)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("explain", help="one person's tier and who pays what, with the reasons")
    p.add_argument("scenario")
    p.add_argument("--identity", action="append", metavar="ID",
                   help="a canonical identity id (repeatable): " + ", ".join(IDENTITIES))
    p.add_argument("--age", type=_age, default=40, help="whole years (default 40)")
    p.add_argument("--sex", choices=["F", "M"], default="F")
    p.add_argument("--disability-grade", type=_grade, default=0, help="0 none, 1-4 certificate grade")
    from .policy.subsidy import TIMINGS
    p.add_argument("--timing", choices=TIMINGS, default="regular", metavar="TIMING",
                   help="regular: paid in the collection period; extended: in the document's "
                        "extension; late: after everything; newborn, released_prisoner, "
                        "discharged_soldier, employee_insurance, new_hardship: within that "
                        "event's window (add _after: after it). Default regular")
    p.add_argument("--hukou", choices=["rural", "urban"], default=None,
                   help="户籍 type (农村 rural / 城镇 urban); not given: not recorded")
    from .policy import EVENTS
    p.add_argument("--paid-on", type=_date, metavar="YYYY-MM-DD",
                   help="payment date: the timing class follows from the scenario's dates")
    p.add_argument("--event", choices=EVENTS, help="with --paid-on: the event whose window applies")
    p.add_argument("--event-date", type=_date, metavar="YYYY-MM-DD", help="with --event: when it happened")
    p.add_argument("--in-extension", action="store_true",
                   help="with --paid-on: the person is one the document's extension names")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--json", action="store_true")
    _add_set(p)

    for extra in _EXTRA_PARSERS:
        extra(sub)
    return parser


#: Other modules add their commands here (run, report, sweep, roster, …).
_EXTRA_PARSERS: list[Callable[[Any], None]] = []


def main(argv: list[str] | None = None) -> int:
    from . import commands  # noqa: F401  registers the analysis commands
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    from .lifecycle import Terminated, terminate_like_interrupt
    terminate_like_interrupt()   # SIGTERM/SIGHUP unwind like Ctrl-C: workers ended, no partial folder
    try:
        return _COMMANDS[args.command](args)
    except SimulateError as exc:
        # masked again here: no error line ever shows a full ID number (issue 10 item 2)
        print(f"simulate {args.command}: {mask_ids_in_text(exc.one_line())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        from .report.publish import interruption_note
        how = f"terminated ({exc})" if isinstance(exc, Terminated) else "interrupted"
        print(f"simulate {args.command}: {how}; {interruption_note()}", file=sys.stderr)
        return 128 + exc.signum if isinstance(exc, Terminated) else 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): not an error of ours or the user's
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as exc:  # a bug of ours, not the user's: still one line unless debugging
        if os.environ.get("SIMULATE_DEBUG"):
            raise
        print(f"simulate {args.command}: internal error ({type(exc).__name__}: "
              f"{mask_ids_in_text(' '.join(str(exc).split()))}); "
              f"rerun with SIMULATE_DEBUG=1 for details", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
