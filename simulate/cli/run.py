"""Run commands: ``run`` (one county's outlay by funding source) and ``region`` (many counties)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .. import labels
from ..errors import SimulateError
from ..numtext import MAX_PERSONS, shorten, whole_from_text
from ..results.run import run as run_model
from ..vocabulary import CANONICAL, Vocabulary
from .shared import load, overrides, print_json

if TYPE_CHECKING:  # the modules that read a run's results load while its workers count
    from ..results.outlay import Outlay


def timing_names() -> dict[str, tuple[str, str]]:
    """Timing classes by (zh, en) name in the summary: the short names of ``run_timing`` over
    the ``timing`` section of labels.yaml."""
    return {**labels.pairs("timing"), **labels.pairs("run_timing")}


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
    from ..results.frame_text import rows_text

    pol = out.scenario.policy
    lines = [
        f"{pol.title.get(lang)}  ({pol.document.number})",
        _cli("persons_enrolled", lang).format(persons=out.persons, enrolled=out.enrolled),
        _timing_line(out, lang),
    ]
    for key, rows in out.rows(lang).items():
        if not rows:
            continue
        lines.append("")
        lines.append(labels.text("summary_headings", key, lang))
        lines.append(rows_text(rows, lang, drop=("source", "tier", "village", "level", "group")))
    n = len(out.scenario.assumptions())
    if n:
        lines.append("")
        lines.append(_cli("assumptions_note", lang).format(n=n))
    return "\n".join(lines)


def _cli(key: str, lang: str) -> str:
    return labels.text("cli", key, lang)


def _timing_line(out: Outlay, lang: str) -> str:
    """Enrollments by payment time (and the refused, if any) on one line."""
    side = 0 if lang == "zh" else 1
    refused = int(out.tally.refused.sum())
    names = timing_names()
    parts = [f"{names.get(k, (k, k))[side]} {n:,}" for k, n in out.enrolled_by_timing().items()]
    if refused:
        parts.append(f"{_cli('refused', lang)} {refused:,}")
    return _cli("by_payment_time", lang) + _cli("list_sep", lang).join(parts)


def region(args: argparse.Namespace) -> int:
    """``simulate region FILE.csv``: every county under its own policy, totals by level.

    ``--set`` applies to every county's scenario (a province-wide what-if)."""
    from ..results.region import run_region  # only this command reads a region table

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
