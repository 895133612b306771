"""Run commands: ``run`` (one county's outlay by funding source) and ``region`` (many counties)."""

from __future__ import annotations

import argparse

from ..errors import SimulateError
from ..numtext import MAX_PERSONS, shorten, whole_from_text
from ..results.explain import TIMING_LABELS
from ..results.frame_text import frame_text
from ..results.outlay import Outlay
from ..results.region import run_region
from ..results.run import run as run_model
from ..vocabulary import CANONICAL, Vocabulary
from .shared import load, overrides, print_json

#: Section titles of the text summary (zh, en), by frame key.
TITLES = {
    "by_source": ("按资金来源", "By funding source"),
    "by_tier": ("按资助档次", "By tier"),
    "fiscal_split": ("财政补助分担", "Fiscal subsidy by government level"),
    "targets": ("参保目标", "Participation targets"),
    "by_village": ("按村（社区）", "By village"),
    "targets_by_village": ("各村重点人群参保", "Group targets by village"),
    "work_funds": ("征缴工作经费", "Collection work funds"),
    "awards": ("表彰经费", "Awards"),
}
TIMING_NAMES = {
    **TIMING_LABELS,
    "regular": ("征缴期内", "in the period"),
    "extended": ("延长期内", "in the extension"),
    "late": ("逾期", "late"),
    "newborn": ("新生儿窗口期内", "newborns in the window"),
}


def check_engine(args: argparse.Namespace) -> None:
    """``--scheduler`` only makes sense with ``--engine dask``."""
    if args.scheduler and args.engine != "dask":
        raise SimulateError("--scheduler", "only used with --engine dask")


def parse_counts(items: list[str] | None, vocab: Vocabulary = CANONICAL) -> dict[str, int] | None:
    """``IDENTITY=N`` pairs for calibrating a synthetic population to known counts (``vocab``:
    the scenario's, so its local identities may be counted too)."""
    if not items:
        return None
    out: dict[str, int] = {}
    for item in items:
        ident, _, value = item.partition("=")
        ident = ident.strip()
        if ident not in vocab.identities:
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


def run_from_args(args: argparse.Namespace) -> Outlay:
    """The outlay the ``run`` command line asks for."""
    sc = load(args)
    check_engine(args)
    if args.count and args.population:
        raise SimulateError("--count", "only for synthetic populations, not with --population")
    return run_model(
        sc,
        args.population,
        size=args.size,
        seed=args.seed,
        workers=args.workers,
        chunk_blocks=args.chunk_blocks,
        engine=args.engine,
        scheduler=args.scheduler,
        progress=args.progress,
        counts=parse_counts(args.count, sc.policy.vocab),
    )


def run(args: argparse.Namespace) -> int:
    """``simulate run``: the summary table, or the JSON contract."""
    out = run_from_args(args)
    if args.json:
        j = out.to_json()
        print_json(
            {k: j[k] for k in ("scenario", "persons", "enrolled", "by_source", "fiscal_subsidy")}
            | {k: v for k, v in j.items() if k not in ("by_tier",)}
        )
        return 0
    print(render_text(out, args.lang))
    return 0


def render_text(out: Outlay, lang: str = "zh") -> str:
    """A readable summary table of a run (zh or en)."""
    pol = out.scenario.policy
    zh = lang == "zh"
    lines = [
        f"{pol.title.get(lang)}  ({pol.document.number})",
        (
            f"人数 {out.persons:,}，参保 {out.enrolled:,}"
            if zh
            else f"persons {out.persons:,}, enrolled {out.enrolled:,}"
        ),
    ]
    kinds = out.enrolled_by_timing()
    refused = int(out.tally.refused.sum())
    lines.append(
        ("按缴费时间：" if zh else "by payment time: ")
        + ("，" if zh else ", ").join(
            [f"{TIMING_NAMES.get(k, (k, k))[0 if zh else 1]} {n:,}" for k, n in kinds.items()]
            + ([f"{'不予受理' if zh else 'refused'} {refused:,}"] if refused else [])
        )
    )
    for key, frame in out.frames(lang).items():
        if frame is None or len(frame) == 0:
            continue
        lines.append("")
        lines.append(TITLES[key][0 if zh else 1])
        lines.append(
            frame_text(
                frame.drop(columns=[c for c in ("source", "tier", "village", "level", "group") if c in frame.columns]),
                lang,
            )
        )
    n = len(out.scenario.assumptions())
    if n:
        lines.append("")
        lines.append(
            f"本情景的假设（{n}项，见 simulate assumptions）"
            if zh
            else f"This scenario makes {n} assumptions (see simulate assumptions)"
        )
    return "\n".join(lines)


def region(args: argparse.Namespace) -> int:
    """``simulate region FILE.csv``: every county under its own policy, totals by level.

    ``--set`` applies to every county's scenario (a province-wide what-if)."""
    check_engine(args)
    result = run_region(
        args.file,
        seed=args.seed,
        workers=args.workers,
        chunk_blocks=args.chunk_blocks,
        engine=args.engine,
        scheduler=args.scheduler,
        progress=args.progress,
        overrides=overrides(args) or None,
    )
    if args.json:
        print_json(result.to_json())
    else:
        print(result.text(args.lang))
    return 0
