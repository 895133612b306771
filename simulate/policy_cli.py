"""Commands for analysts who do not write YAML (issue 15, item 4): ``simulate new`` (a
commented Chinese template scenario, or a villages task list), ``policy-to-excel`` and
``policy-from-excel`` (a scenario as a workbook and back, identical policy after the trip).

Handlers take the parsed arguments and return the exit code; ``add_arguments`` adds the
three sub-commands to a sub-parser set. Errors are ScenarioError (one line, exit 2).
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ScenarioError
from .policy import load_scenario
from .policy.template import (
    VILLAGES_GUIDE,
    scenario_template,
    villages_template,
    write_text_new,
)
from .policy.workbook_io import (
    read_policy_workbook,
    scenario_yaml,
    write_policy_workbook,
)


def main_new(args: argparse.Namespace) -> int:
    """Write a template scenario (``--county``, ``--year``, ``--out``) or a villages task list."""
    if args.villages:
        write_text_new(Path(args.villages), villages_template())
        print(f"已写出村（社区）任务表模板 {args.villages}\n{VILLAGES_GUIDE}", end="")
        if not args.out:
            return 0
    if not args.out:
        raise ScenarioError("simulate new", "give --out FILE.yaml (and --county, --year) or --villages FILE.csv")
    if not args.county or args.year is None:
        raise ScenarioError("simulate new", "--out needs --county (e.g. 某某县) and --year (e.g. 2025)")
    write_text_new(Path(args.out), scenario_template(args.county, args.year))
    print(f"已写出模板 {args.out}：请对照本县文件修改，然后运行 simulate validate {args.out}")
    return 0


def main_policy_to_excel(args: argparse.Namespace) -> int:
    """Write SCENARIO (validated, ``extends`` merged) as a workbook: parameters and tiers."""
    sc = load_scenario(args.scenario)
    out = Path(args.out)
    if out.exists():
        raise ScenarioError(str(out), "already exists; choose another --out (nothing is overwritten)")
    write_policy_workbook(sc.raw, out)
    print(f"已写出 {out}（{len(sc.policy.tiers)} 个资助档次）")
    return 0


def main_policy_from_excel(args: argparse.Namespace) -> int:
    """Read a policy workbook, validate it as a scenario and write the YAML."""
    raw, policy = read_policy_workbook(args.book)
    write_text_new(Path(args.out), scenario_yaml(raw))
    print(f"已写出 {args.out}（{policy.id}，{len(policy.tiers)} 个资助档次）；可运行 simulate validate {args.out}")
    return 0


def _year(text: str) -> int:
    if not text.strip().isascii() or not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"a year is four digits, got {text!r}")
    return int(text)


#: Command name → handler, for the CLI's command table.
HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "new": main_new, "policy-to-excel": main_policy_to_excel, "policy-from-excel": main_policy_from_excel}


def add_arguments(sub: Any) -> None:
    """Add ``new``, ``policy-to-excel`` and ``policy-from-excel`` to a sub-parser set."""
    p = sub.add_parser("new", help="write a commented Chinese template scenario (or a villages task list)")
    p.add_argument("--county", help="the county's name, e.g. 某某县")
    p.add_argument("--year", type=_year, help="benefit year (national figures from data/national-standards.csv)")
    p.add_argument("--out", metavar="FILE.yaml", help="the template scenario to write (never overwritten)")
    p.add_argument("--villages", metavar="FILE.csv", help="also (or only) write a villages/towns task list")
    p = sub.add_parser("policy-to-excel", help="write a scenario as a workbook (parameters, one row per tier)")
    p.add_argument("scenario")
    p.add_argument("--out", required=True, metavar="BOOK.xlsx")
    p = sub.add_parser("policy-from-excel", help="read a policy workbook back into a scenario YAML file")
    p.add_argument("book", metavar="BOOK.xlsx")
    p.add_argument("--out", required=True, metavar="SCENARIO.yaml")


