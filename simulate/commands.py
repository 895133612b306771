"""Commands beyond validate/explain: run (and, registered by their modules, the rest)."""
from __future__ import annotations

import argparse
import sys

from .cli import _COMMANDS, _EXTRA_PARSERS, _add_set, _load, _print_json
from .errors import SimulateError
from .numtext import MAX_PERSONS, shorten, whole_from_text


def _whole_number(lo: int, hi: int, what: str = "a whole number", separators: bool = False):
    """An argparse type: a whole number in [lo, hi], with a one-line reason otherwise.

    Decimal digits only (full-width ones too, ``numtext.whole_from_text``); with
    ``separators`` (person counts) ``1,000,000`` and ``1_000_000`` are accepted."""
    def parse(text: str) -> int:
        raw = text.replace("_", "").replace(",", "").replace("，", "") if separators else text
        try:
            v = whole_from_text(raw, what)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be at least {lo:,}, got {v:,}")
        if v > hi:
            raise argparse.ArgumentTypeError(f"must be at most {hi:,}, got {v:,}")
        return v
    return parse


_size = _whole_number(1, MAX_PERSONS, "a whole number of persons", separators=True)
_seed = _whole_number(0, 2**63 - 1)
_positive = _whole_number(1, 10**6)


def add_population_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--population", metavar="FILE", help="person-level CSV (UTF-8 or GBK), Parquet or xlsx file, columns per DESIGN.md")
    g.add_argument("--size", type=_size, help="synthetic population size (default: the area's residents)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed for the synthetic population (default 0)")
    p.add_argument("--count", action="append", metavar="IDENTITY=N",
                   help="exact persons holding an identity in the synthetic population (repeatable), "
                        "e.g. rural_dibao=15230 from the civil affairs roster")
    add_engine_args(p)


def add_engine_args(p: argparse.ArgumentParser) -> None:
    """Where and how chunks run: local workers or Dask, chunk size, progress bar."""
    p.add_argument("--workers", type=_positive, default=None, help="local worker processes (default: all cores)")
    p.add_argument("--chunk-blocks", type=_positive, default=4,
                   help="blocks of 1,048,576 persons per chunk (results do not depend on it)")
    p.add_argument("--engine", choices=["local", "dask"], default="local")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (default: a local cluster)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar (default: on a terminal, for long runs)")


def _run_parser(sub) -> None:
    p = sub.add_parser("run", help="outlay by funding source for a whole population")
    p.add_argument("scenario")
    add_population_args(p)
    _add_set(p)
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--json", action="store_true")


_EXTRA_PARSERS.append(_run_parser)


def run_from_args(args: argparse.Namespace):
    from .model.runner import run
    sc = _load(args)
    if args.scheduler and args.engine != "dask":
        raise SimulateError("--scheduler", "only used with --engine dask")
    if args.count and args.population:
        raise SimulateError("--count", "only for synthetic populations, not with --population")
    return run(sc, args.population, size=args.size, seed=args.seed, workers=args.workers,
               chunk_blocks=args.chunk_blocks, engine=args.engine, scheduler=args.scheduler,
               progress=args.progress, counts=parse_counts(args.count))


def parse_counts(items: list[str] | None) -> dict[str, int] | None:
    """``IDENTITY=N`` pairs for calibrating a synthetic population to known counts."""
    if not items:
        return None
    from .vocabulary import IDENTITIES
    out: dict[str, int] = {}
    for item in items:
        ident, _, value = item.partition("=")
        ident = ident.strip()
        if ident not in IDENTITIES:
            raise SimulateError(f"--count {shorten(item)}", f"unknown identity {shorten(ident)!r}")
        value = value.strip().replace(",", "").replace("_", "").replace("，", "")
        try:
            n = whole_from_text(value, "a whole number of persons")
        except ValueError as exc:
            raise SimulateError(f"--count {shorten(item)}", f"expected IDENTITY=N: {exc}") from None
        if not 0 <= n <= MAX_PERSONS:
            raise SimulateError(f"--count {shorten(item)}", f"N must be between 0 and {MAX_PERSONS:,}")
        out[ident] = n
    return out


def _run(args: argparse.Namespace) -> int:
    out = run_from_args(args)
    if args.json:
        j = out.to_json()
        _print_json({k: j[k] for k in ("scenario", "persons", "enrolled", "by_source", "fiscal_subsidy")}
                    | {k: v for k, v in j.items() if k not in ("by_tier",)})
        return 0
    print(render_text(out, args.lang))
    return 0


_COMMANDS["run"] = _run


def render_text(out, lang: str = "zh") -> str:
    """A readable summary table of a run (zh or en)."""
    import pandas as pd
    from .results.frame_text import frame_text
    pol = out.scenario.policy
    zh = lang == "zh"
    lines = [f"{pol.title.get(lang)}  ({pol.document.number})",
             (f"人数 {out.persons:,}，参保 {out.enrolled:,}" if zh else
              f"persons {out.persons:,}, enrolled {out.enrolled:,}")]
    from .results.explain import TIMING_LABELS
    kinds = out.enrolled_by_timing()
    names = {"regular": ("征缴期内", "in the period"), "extended": ("延长期内", "in the extension"),
             "late": ("逾期", "late"), "newborn": ("新生儿窗口期内", "newborns in the window")}
    names = {**TIMING_LABELS, **names}
    refused = int(out.tally.refused.sum())
    lines.append(("按缴费时间：" if zh else "by payment time: ") + ("，" if zh else ", ").join(
        [f"{names.get(k, (k, k))[0 if zh else 1]} {n:,}" for k, n in kinds.items()]
        + ([f"{'不予受理' if zh else 'refused'} {refused:,}"] if refused else [])))
    frames = out.frames(lang)
    titles = {"by_source": ("按资金来源", "By funding source"), "by_tier": ("按资助档次", "By tier"),
              "fiscal_split": ("财政补助分担", "Fiscal subsidy by government level"),
              "targets": ("参保目标", "Participation targets"), "by_village": ("按村（社区）", "By village"),
              "targets_by_village": ("各村重点人群参保", "Group targets by village"),
              "work_funds": ("征缴工作经费", "Collection work funds"), "awards": ("表彰经费", "Awards")}
    for key, frame in frames.items():
        if frame is None or len(frame) == 0:
            continue
        lines.append("")
        lines.append(titles[key][0 if zh else 1])
        lines.append(frame_text(frame.drop(columns=[c for c in ("source", "tier", "village", "level", "group")
                                                    if c in frame.columns]), lang))
    assumptions = out.scenario.assumptions()
    if assumptions:
        lines.append("")
        lines.append(f"本情景的假设（{len(assumptions)}项，见 simulate assumptions）" if zh else
                     f"This scenario makes {len(assumptions)} assumptions (see simulate assumptions)")
    return "\n".join(lines)

from .report import register as _register_report  # noqa: E402
_register_report()
from . import roster_cli as _roster_cli  # noqa: E402,F401  registers `simulate roster`
from . import region_cli as _region_cli  # noqa: E402,F401  registers `simulate region`
from . import analysis_cli  # noqa: E402,F401  registers compare, sweep-table, solve, montecarlo, expected, multiyear
from . import dashboard as _dashboard  # noqa: E402,F401  registers `simulate dashboard`
from . import examples as _examples  # noqa: E402,F401  registers `simulate examples`
