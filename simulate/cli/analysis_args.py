"""The arguments of the analysis commands (region, compare, sweep-table, solve, montecarlo,
multiyear): one function per command, each adding the command's own arguments to its parser;
:data:`simulate.cli.parser.COMMANDS` names them (the shared flag sets come from its parents)."""

from __future__ import annotations

import argparse

from . import shared


def args_region(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE.csv", help="region CSV: county, scenario, population (or size)")
    p.add_argument(
        "--seed",
        type=shared.seed,
        default=0,
        help="random seed; each county draws from its own seed derived from it (default 0)",
    )


def args_compare(p: argparse.ArgumentParser) -> None:
    p.add_argument("baseline", metavar="BASE", help="the baseline scenario file")
    p.add_argument(
        "reforms",
        nargs="+",
        metavar="REFORM",
        help="reform scenario files (--set applies to these only; give BASE again for a one-change what-if)",
    )
    p.add_argument(
        "--out", metavar="DIR", help="also write the comparison as a report folder (HTML, PDF, XLSX): one per reform"
    )


def args_sweep_table(p: argparse.ArgumentParser) -> None:
    shared.scenario_argument(p)
    p.add_argument("--param", required=True, metavar="PATH", help="parameter path, e.g. contribution.personal")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--values", metavar="A,B,C", help="values separated by commas, e.g. 280,300,320")
    g.add_argument("--range", dest="range_", metavar="LO:HI:STEP", help="inclusive range, e.g. 280:450:10")
    p.add_argument("--chart", metavar="FILE.png", help="also draw the outlay by source (万元) to a PNG")


def args_solve(p: argparse.ArgumentParser) -> None:
    shared.scenario_argument(p)
    p.add_argument("--param", required=True, metavar="PATH", help="parameter path, e.g. tiers.dibao.subsidy.percent")
    p.add_argument("--source", required=True, help="funding source id, fiscal_subsidy or subsidies")
    p.add_argument("--budget", required=True, metavar="YUAN", help="the source's budget in yuan")
    p.add_argument("--lo", required=True, help="lowest parameter value to try")
    p.add_argument("--hi", required=True, help="highest parameter value to try")
    p.add_argument("--step", default=None, help="grid step of the parameter (default 1; 0.01 is the finest)")


def args_montecarlo(p: argparse.ArgumentParser) -> None:
    shared.scenario_argument(p)
    p.add_argument("--draws", type=shared.positive, default=50, help="number of draws (default 50)")
    p.add_argument(
        "--vary",
        action="append",
        type=shared.rate_range,
        metavar="KEY=LOW:HIGH",
        help="an uncertain rate drawn uniformly, e.g. rural_dibao=0.03:0.06 or participation=0.93:0.97 "
        "(repeatable; replaces the defaults). Default: every identity rate the scenario uses "
        "±20%% of its default and participation ±0.02, centred on the defaults. "
        "'--vary none' varies nothing (sampling noise only, around `simulate expected`)",
    )


def args_multiyear(p: argparse.ArgumentParser) -> None:
    shared.scenario_argument(p)
    p.add_argument("--years", type=shared.positive, default=5, help="number of years (default 5)")
    p.add_argument(
        "--ageing", type=shared.share, default=0.0, help="yearly relative growth of the 60+ share (e.g. 0.02)"
    )
    p.add_argument(
        "--out-migration", type=shared.share, default=0.0, help="share of residents lost per year (e.g. 0.01)"
    )
    p.add_argument(
        "--method",
        choices=["simulate", "expected"],
        default="simulate",
        help="simulate each year (default) or compute expected values without sampling",
    )
