"""The ``simulate`` command line as data: ONE static table of commands and the parser built from it.

Each :class:`Command` row holds the command's name, its one-line help, an example (shown in
``simulate COMMAND --help`` and parsed by the tests), the function that adds its own
arguments, the shared parent parsers it takes (population/size/seed, engine/workers/scheduler,
``--set``/``--set-file``, ``--lang``, ``--json``) and its handler as a ``"module:function"``
string.

Lazy handlers — the pattern: building the parser imports only this module and
:mod:`simulate.cli.shared` and :mod:`simulate.cli.argtext` (argparse, the policy layer; no
numpy/pandas). The handler's module
(``simulate.cli.run``, ``simulate.cli.whatif``, …) is imported with :func:`importlib.import_module`
only when its command runs, so ``simulate validate`` and ``simulate explain`` never pay for
pandas, matplotlib or papermill (issue 11 item 6). This is the one sanctioned deferred import:
handler modules import what they use at their top, and nothing registers itself on import.

To add a command: write its handler in the family module, an ``_args_<name>`` function here
(the analysis commands' in :mod:`simulate.cli.analysis_args`), and one row in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import __version__
from .. import lang as language
from ..policy import EVENTS
from ..policy.subsidy import TIMINGS
from ..resources import DASHBOARD_PORT as DEFAULT_PORT
from ..resources import DASHBOARD_SCENARIO as DEFAULT_SCENARIO
from ..vocabulary import IDENTITIES
from . import shared
from .analysis_args import (
    args_compare,
    args_montecarlo,
    args_multiyear,
    args_region,
    args_solve,
    args_sweep_table,
)
from .argtext import (
    HelpFormatter,
    OneLineParser,
    RawDescriptionHelpFormatter,
    ZhHelpFormatter,
    command_help,
    help_words,
    to_zh,
)

Handler = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Command:
    """One row of the command table."""

    name: str
    help: str
    example: str  #: a full command line, starting with ``simulate``
    arguments: Callable[[argparse.ArgumentParser], None]
    handler: str  #: ``"module:function"``, imported only when the command runs
    parents: tuple[Callable[[], argparse.ArgumentParser], ...] = field(default=())

    def resolve(self) -> Handler:
        """The handler function (imports its module now)."""
        module, _, name = self.handler.partition(":")
        fn: Handler = getattr(importlib.import_module(module), name)
        return fn


_scenario = shared.scenario_argument


# --------------------------------------------------------------------------- per-command arguments


def _args_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="SCENARIO", help="scenario files (.yaml) to check")
    p.add_argument("--assumptions", action="store_true", help="also list every assumption")
    p.add_argument("--quiet", action="store_true", help="print only errors")


def _args_scenario(p: argparse.ArgumentParser) -> None:
    _scenario(p)


def _args_explain(p: argparse.ArgumentParser) -> None:
    _scenario(p)
    p.add_argument(
        "--identity",
        action="append",
        metavar="ID",
        help="an identity id or Chinese name (repeatable; several joined by ;): "
        + ", ".join(IDENTITIES)
        + "; the local identities a scenario declares under vocabulary: are accepted too",
    )
    p.add_argument("--age", type=shared.age, default=40, help="whole years (default 40)")
    p.add_argument("--sex", choices=["F", "M"], default="F", help="F or M (default F)")
    p.add_argument("--disability-grade", type=shared.grade, default=0, help="0 none, 1-4 certificate grade")
    p.add_argument(
        "--timing",
        choices=TIMINGS,
        default="regular",
        metavar="TIMING",
        help="regular: paid in the collection period; extended: in the document's "
        "extension; late: after everything; newborn, released_prisoner, "
        "discharged_soldier, employee_insurance, new_hardship: within that "
        "event's window (add _after: after it). Default regular",
    )
    p.add_argument(
        "--hukou",
        choices=["rural", "urban"],
        default=None,
        help="户籍 type (农村 rural / 城镇 urban); not given: not recorded",
    )
    p.add_argument(
        "--grade",
        default=None,
        metavar="GRADE",
        help="the contribution grade the person chose (an id of contribution.standards with share); "
        "not given: the first grade",
    )
    p.add_argument(
        "--paid-on",
        type=shared.date,
        metavar="YYYY-MM-DD",
        help="payment date: the timing class follows from the scenario's dates",
    )
    p.add_argument("--event", choices=EVENTS, help="with --paid-on: the event whose window applies")
    p.add_argument("--event-date", type=shared.date, metavar="YYYY-MM-DD", help="with --event: when it happened")
    p.add_argument(
        "--in-extension", action="store_true", help="with --paid-on: the person is one the document's extension names"
    )


def _args_run(p: argparse.ArgumentParser) -> None:
    _scenario(p)


def _args_examples(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", help="copy the examples into DIR (created)")


def _args_report(p: argparse.ArgumentParser) -> None:
    _scenario(p)
    p.add_argument("--out", metavar="DIR", help="output folder (default reports/<scenario id>)")
    p.add_argument(
        "--baseline",
        metavar="SCENARIO",
        help="compare with this scenario (default: the scenario without --set, or a variant's parent)",
    )
    p.add_argument(
        "--timings",
        action="store_true",
        help="print where the time went (setup, kernel, execution, HTML, PDF, slow cells) on stderr",
    )


def _args_sweep(p: argparse.ArgumentParser) -> None:
    _scenario(p)
    p.add_argument("--param", required=True, metavar="PATH", help="parameter path, e.g. contribution.personal")
    p.add_argument("--values", required=True, metavar="A,B,C", help="values separated by commas, e.g. 380,400,420")
    p.add_argument("--out", metavar="DIR", help="output folder (default reports/<scenario id>-sweep-<param>)")
    p.add_argument(
        "--workers", type=shared.positive, default=None, help="reports rendered at once (default: all cores)"
    )
    p.add_argument(
        "--summary-draws",
        type=shared.positive,
        default=None,
        metavar="N",
        help="populations the summary's Monte Carlo bands draw per value (default 20)",
    )
    p.add_argument(
        "--summary-size",
        type=shared.size,
        default=None,
        metavar="N",
        help="persons in each of those populations, scaled to the sweep's (default 50000)",
    )


def _args_roster(p: argparse.ArgumentParser) -> None:
    _scenario(p)
    p.add_argument("files", nargs="+", metavar="FILE", help="roster files (.xlsx or .csv)")
    p.add_argument(
        "--mapping", metavar="FILE", help="a roster mapping YAML (headers and category words; see docs/rosters.md)"
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="output directory (created; replaced only if it holds a previous bill)",
    )
    p.add_argument(
        "--as-of", metavar="YYYY-MM-DD", help="the day ages are read on (default: 1 January of the benefit year)"
    )


def _args_dashboard(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "scenario",
        nargs="?",
        metavar="SCENARIO",
        help=f"scenario file (default: the shipped example {DEFAULT_SCENARIO})",
    )
    p.add_argument(
        "--port",
        type=shared.port,
        default=DEFAULT_PORT,
        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; a free one is chosen, and printed, if it is taken)",
    )


def _year(text: str) -> int:
    if not text.strip().isascii() or not text.strip().isdigit() or len(text.strip()) != 4:
        raise argparse.ArgumentTypeError(f"a year is four digits, got {text!r}")
    return int(text)


def _args_new(p: argparse.ArgumentParser) -> None:
    p.add_argument("--county", help="the county's name, e.g. 某某县")
    p.add_argument("--year", type=_year, help="benefit year (national figures from data/national-standards.csv)")
    p.add_argument("--out", metavar="FILE.yaml", help="the template scenario to write (never overwritten)")
    p.add_argument("--villages", metavar="FILE.csv", help="also (or only) write a villages/towns task list")


def _args_policy_to_excel(p: argparse.ArgumentParser) -> None:
    _scenario(p)
    p.add_argument("--out", required=True, metavar="BOOK.xlsx", help="the workbook to write (never overwritten)")


def _args_policy_from_excel(p: argparse.ArgumentParser) -> None:
    p.add_argument("book", metavar="BOOK.xlsx", help="a workbook written by policy-to-excel and edited")
    p.add_argument("--out", required=True, metavar="SCENARIO.yaml", help="the scenario file to write")


# --------------------------------------------------------------------------- shared flag sets


def _population() -> argparse.ArgumentParser:
    return shared.population_parent()


def _population_counts() -> argparse.ArgumentParser:
    return shared.population_parent(counts=True)


def _size_seed() -> argparse.ArgumentParser:
    return shared.size_seed_parent()


def _size_only() -> argparse.ArgumentParser:
    return shared.size_seed_parent(with_seed=False)


_SET = shared.overrides_parent
_LANG = shared.lang_parent
_JSON = shared.json_parent
_ENGINE = shared.engine_parent


#: Every command, in the order ``simulate --help`` lists them.
COMMANDS: tuple[Command, ...] = (
    Command(
        "validate",
        "check scenario files; exit 0 only if all are valid",
        "simulate validate scenarios/sinan-2021.yaml scenarios/langxi-2024.yaml",
        _args_validate,
        "simulate.cli.scenario:validate",
        (_LANG,),
    ),
    Command(
        "assumptions",
        "list what a scenario assumes where its document is silent",
        "simulate assumptions scenarios/langxi-2025-400.yaml --lang en",
        _args_scenario,
        "simulate.cli.scenario:assumptions",
        (_SET, _LANG, _JSON),
    ),
    Command(
        "explain",
        "one person's tier and who pays what, with the reasons",
        "simulate explain scenarios/sinan-2021.yaml --identity rural_dibao --age 70",
        _args_explain,
        "simulate.cli.explain:explain",
        (_SET, _LANG, _JSON),
    ),
    Command(
        "examples",
        "list the example scenarios shipped with simulate, or copy them into a folder (--out)",
        "simulate examples --out my-scenarios",
        _args_examples,
        "simulate.cli.scenario:examples",
        (_LANG,),
    ),
    Command(
        "run",
        "outlay by funding source for a whole population",
        "simulate run scenarios/sinan-2021.yaml --size 1000000 --seed 7 --json",
        _args_run,
        "simulate.cli.run:run",
        (_population_counts, _ENGINE, _SET, _LANG, _JSON),
    ),
    Command(
        "region",
        "run many counties (a CSV: county, scenario, population) and total by county, city and province",
        "simulate region scenarios/region-example.csv --set contribution.personal=400",
        args_region,
        "simulate.cli.run:region",
        (_ENGINE, _SET, _LANG, _JSON),
    ),
    Command(
        "compare",
        "a baseline and reforms over the same people: changes by source, tier, village",
        "simulate compare scenarios/langxi-2024.yaml scenarios/langxi-2025-400.yaml --size 100000",
        args_compare,
        "simulate.cli.whatif:compare_cmd",
        (_population, _SET, _LANG, _JSON),
    ),
    Command(
        "sweep-table",
        "one row per value of a parameter: outlay by source, enrollment",
        "simulate sweep-table scenarios/langxi-2024.yaml --param contribution.personal "
        "--range 380:480:10 --size 100000",
        args_sweep_table,
        "simulate.cli.whatif:sweep_table",
        (_population, _SET, _LANG, _JSON),
    ),
    Command(
        "solve",
        "the parameter value that keeps one source's outlay within a budget",
        "simulate solve scenarios/langxi-2024.yaml --param tiers.dibao.subsidy.amount "
        "--source medical_assistance --budget 5500000 --lo 300 --hi 380",
        args_solve,
        "simulate.cli.whatif:solve_cmd",
        (_population, _SET, _LANG, _JSON),
    ),
    Command(
        "montecarlo",
        "P5/P50/P95 of each source's outlay over uncertain rates",
        "simulate montecarlo scenarios/langxi-2024.yaml --draws 30 --size 100000",
        args_montecarlo,
        "simulate.cli.whatif:montecarlo",
        (_size_seed, _SET, _LANG, _JSON),
    ),
    Command(
        "expected",
        "expected outlay by source, computed without sampling (fast)",
        "simulate expected scenarios/langxi-2024.yaml --set contribution.personal=400 --json",
        _args_scenario,
        "simulate.cli.whatif:expected",
        (_size_only, _SET, _LANG, _JSON),
    ),
    Command(
        "multiyear",
        "outlay by source over several years: national standards and population drift",
        "simulate multiyear scenarios/langxi-2024.yaml --years 5 --out-migration 0.01 --ageing 0.02",
        args_multiyear,
        "simulate.cli.whatif:multiyear",
        (_size_seed, _SET, _LANG, _JSON),
    ),
    Command(
        "report",
        "render the scenario report (HTML, PDF, Excel, PNG, JSON)",
        "simulate report scenarios/langxi-2024.yaml --set contribution.personal=400 --out reports/langxi-400",
        _args_report,
        "simulate.cli.report:report",
        (_population, _SET, _LANG, _JSON),
    ),
    Command(
        "sweep",
        "one report per value of a parameter, with a summary and an index",
        "simulate sweep scenarios/langxi-2024.yaml --param contribution.personal --values 380,400,420",
        _args_sweep,
        "simulate.cli.report:sweep",
        (_population, _SET, _LANG, _JSON),
    ),
    Command(
        "roster",
        "the exact bill for departments' rosters (花名册), with payment lists per paying department",
        "simulate roster scenarios/sinan-2021.yaml tests/rosters/minzheng_dibao.csv --out bills/sinan",
        _args_roster,
        "simulate.cli.roster:roster",
        (_SET, _LANG, _JSON),
    ),
    Command(
        "new",
        "write a commented Chinese template scenario for a county and year (or a villages task list)",
        "simulate new --county 某某县 --year 2025 --out scenarios/mouxian-2025.yaml",
        _args_new,
        "simulate.cli.policy:main_new",
        (_LANG,),
    ),
    Command(
        "policy-to-excel",
        "write a scenario as a workbook: parameters, one row per tier",
        "simulate policy-to-excel scenarios/langxi-2024.yaml --out langxi-2024.xlsx",
        _args_policy_to_excel,
        "simulate.cli.policy:main_policy_to_excel",
        (_LANG,),
    ),
    Command(
        "policy-from-excel",
        "read a policy workbook back into a scenario YAML file",
        "simulate policy-from-excel langxi-2024.xlsx --out scenarios/langxi-2024-edited.yaml",
        _args_policy_from_excel,
        "simulate.cli.policy:main_policy_from_excel",
        (_LANG,),
    ),
    Command(
        "dashboard",
        "the what-if notebook as a web page without code (Voilà) on 127.0.0.1; Ctrl-C stops it",
        "simulate dashboard scenarios/songming-2018.yaml --port 8870",
        _args_dashboard,
        "simulate.cli.dashboard:dashboard",
        (_LANG,),
    ),
)

BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}


def build_parser(lang: str | None = None, only: str | None = None) -> tuple[OneLineParser, dict[str, OneLineParser]]:
    """The top-level parser and each command's subparser, from :data:`COMMANDS`, with help in
    ``lang`` (default: the locale's, :func:`simulate.lang.decide`); a command's ``args.lang`` is
    ``--lang`` if given, else ``lang``. With ``only`` (the command about to run) the other
    commands are listed by name and help but get no arguments: start-up builds one parser."""
    lang = language.decide(lang)
    zh = lang == "zh"
    words = help_words() if zh else {}
    fmt = ZhHelpFormatter if zh else RawDescriptionHelpFormatter
    parser = OneLineParser(
        prog="simulate",
        description=words.get("description")
        or "Who pays the resident medical-insurance contribution: county scenarios, "
        "populations, outlays by funding source, what-ifs and reports.",
        epilog=words.get("epilog") or "every command: simulate COMMAND --help (with an example)",
        formatter_class=ZhHelpFormatter if zh else HelpFormatter,
    )
    parser.lang = lang
    parser.add_argument(
        "--version", action="version", version=f"simulate {__version__}", help="print the version and exit"
    )
    parser.add_argument(
        "--lang",
        choices=["zh", "en"],
        default=lang,
        help="language of help, messages and output: zh 简体中文 or en (default: the locale's; zh unless "
        "it names another language); also accepted after the command",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    subparsers: dict[str, OneLineParser] = {}
    for c in COMMANDS:
        about = command_help(c.name) if zh else c.help
        if only in BY_NAME and c.name != only:
            # listed in the top-level help only: never parsed with, so no -h of its own
            sub.add_parser(c.name, help=about, add_help=False)
            continue
        p = sub.add_parser(
            c.name,
            help=about,
            description=about,
            parents=[make() for make in c.parents],  # type: ignore[misc]  # typeshed: parents of the subparser class
            epilog=f"{words.get('example', 'example')}{'：' if zh else ':'}\n  {c.example}",
            formatter_class=fmt,
        )
        p.lang = lang
        c.arguments(p)
        p.set_defaults(lang=lang)  # --lang, when the command takes it, overrides this
        if zh:
            to_zh(p, c.name)
        subparsers[c.name] = p
    if zh:
        to_zh(parser, None)
    return parser, subparsers
