"""Report commands: ``report`` (one scenario's report folder) and ``sweep`` (one report per value).

With ``--json`` they print what the folders hold instead of a sentence: ``report`` the
``results.json`` headline and budget figures, ``sweep`` each run's parameter values and folder.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .. import labels
from ..lang import in_lang
from ..report import report as render_report
from ..report import sweep as render_sweep
from ..report.render import timings_text
from .shared import overrides, print_json


def report_json(run: Any) -> dict[str, Any]:
    """The ``report --json`` contract: folder, files written, and results.json's headline,
    budget and title (yuan figures as the report shows them)."""
    res = run.results or {}
    return {
        "out": str(run.out_dir),
        "artifacts": list(run.artifacts),
        "title": res.get("title"),
        "headline": res.get("headline", {}),
        "budget": res.get("budget"),
        "pdf_skipped": run.pdf_skipped,
    }


def report(args: argparse.Namespace) -> int:
    """``simulate report SCENARIO``: render the scenario report folder."""
    run = render_report(
        args.scenario,
        args.out,
        overrides=overrides(args),
        seed=args.seed,
        size=args.size,
        population=args.population,
        lang=args.lang,
        baseline=args.baseline,
    )
    if args.json:
        print_json(report_json(run))
    else:
        print(
            labels.text(
                "cli",
                "report_written",
                args.lang,
                out=run.out_dir,
                seconds=run.seconds,
                artifacts=", ".join(run.artifacts),
            )
        )
    if run.pdf_skipped:
        print(labels.text("cli", "pdf_skipped", args.lang, why=in_lang(run.pdf_skipped, args.lang)), file=sys.stderr)
    if args.timings:  # on stderr, so --json stays one JSON document
        print(timings_text(run.timings), file=sys.stderr)
    return 0


def sweep(args: argparse.Namespace) -> int:
    """``simulate sweep SCENARIO --param P --values A,B``: one report per value, summary, index."""
    values = [v.strip() for v in args.values.split(",") if v.strip()]
    runs, index = render_sweep(
        args.scenario,
        args.param,
        values,
        args.out,
        overrides=overrides(args),
        seed=args.seed,
        size=args.size,
        population=args.population,
        lang=args.lang,
        workers=args.workers,
        summary={"draws": args.summary_draws, "mc_size": args.summary_size},
    )
    if args.json:
        # each run's value as written (the index shows the same), its folder and headline
        print_json(
            {
                "param": args.param,
                "index": str(index),
                "runs": [
                    {
                        "name": r.name,
                        "out": str(r.out_dir),
                        "value": None if args.param not in r.parameters else str(r.parameters[args.param]),
                        "headline": r.headline,
                    }
                    for r in runs
                ],
            }
        )
        return 0
    print(labels.text("cli", "reports_written", args.lang, n=len(runs), index=index))
    return 0
