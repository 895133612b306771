"""Commands for analysts who do not write YAML (issue 15, item 4): ``simulate new`` (a
commented Chinese template scenario, or a villages task list), ``policy-to-excel`` and
``policy-from-excel`` (a scenario as a workbook and back, identical policy after the trip).

Handlers take the parsed arguments and return the exit code; their arguments are in
:mod:`simulate.cli.parser`. Errors are ScenarioError (one line, exit 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import labels
from ..errors import ScenarioError
from ..policy import load_scenario
from ..policy.template import (
    VILLAGES_GUIDE,
    carried_over,
    scenario_template,
    villages_template,
    write_text_new,
)
from ..policy.workbook_io import (
    read_policy_workbook,
    scenario_yaml,
    write_policy_workbook,
)


def main_new(args: argparse.Namespace) -> int:
    """Write a template scenario (``--county``, ``--year``, ``--out``) or a villages task list."""
    if args.villages:
        write_text_new(Path(args.villages), villages_template())
        print(labels.text("cli", "villages_written", args.lang, path=args.villages) + f"\n{VILLAGES_GUIDE}", end="")
        if not args.out:
            return 0
    if not args.out:
        raise ScenarioError(
            "simulate new",
            "give --out FILE.yaml (and --county, --year) or --villages FILE.csv",
            reason_zh="请给出 --out 文件.yaml（及 --county、--year）或 --villages 文件.csv",
        )
    if not args.county or args.year is None:
        raise ScenarioError(
            "simulate new",
            "--out needs --county (e.g. 某某县) and --year (e.g. 2025)",
            reason_zh="--out 需要同时给出 --county（如 某某县）和 --year（如 2025）",
        )
    write_text_new(Path(args.out), scenario_template(args.county, args.year))
    if (last := carried_over(args.year)) is not None:
        print(labels.text("cli", "template_carried", args.lang, year=args.year, last=last))
    print(labels.text("cli", "template_written", args.lang, out=args.out))
    return 0


def main_policy_to_excel(args: argparse.Namespace) -> int:
    """Write SCENARIO (validated, ``extends`` merged) as a workbook: parameters and tiers."""
    sc = load_scenario(args.scenario)
    out = Path(args.out)
    if out.exists():
        raise ScenarioError(str(out), "already exists; choose another --out (nothing is overwritten)")
    write_policy_workbook(sc.raw, out)
    print(labels.text("cli", "workbook_written", args.lang, out=out, tiers=len(sc.policy.tiers)))
    return 0


def main_policy_from_excel(args: argparse.Namespace) -> int:
    """Read a policy workbook, validate it as a scenario and write the YAML."""
    raw, policy = read_policy_workbook(args.book)
    write_text_new(Path(args.out), scenario_yaml(raw))
    print(labels.text("cli", "scenario_written", args.lang, out=args.out, id=policy.id, tiers=len(policy.tiers)))
    return 0
