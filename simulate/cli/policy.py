"""Commands for analysts who do not write YAML (issue 15, item 4): ``simulate new`` (a
commented Chinese template scenario, or a villages task list), ``policy-to-excel`` and
``policy-from-excel`` (a scenario as a workbook and back, identical policy after the trip).

Handlers take the parsed arguments and return the exit code; their arguments are in
:mod:`simulate.cli.parser`. Errors are ScenarioError (one line, exit 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path

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
        print(f"已写出村（社区）任务表模板 {args.villages}\n{VILLAGES_GUIDE}", end="")
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
        print(
            f"注意：data/national-standards.csv 尚未收录{args.year}年度全国标准，模板暂按{last}年度标准填写"
            "（已标为假设），国家文件公布后请改写。"
        )
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
