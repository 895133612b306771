"""What-if commands: ``compare``, ``sweep-table``, ``solve``, ``montecarlo``, ``expected`` and
``multiyear`` (handlers; their parsers are in :mod:`simulate.cli.parser`).

Every one takes ``--set PATH=VALUE`` / ``--set-file SHEET`` overrides and ``--json``; a user's
mistake is one line on stderr and exit code 2 (``SimulateError``).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path
from typing import Any

from .. import labels
from ..analysis import (
    EXTRAPOLATION_RULE,
    EXTRAPOLATION_RULE_ZH,
    column_label,
    compare,
    expected_value,
    monte_carlo,
    multi_year,
    param_label,
    parse_values,
    rate_label,
    relabel,
    solve,
    sweep,
    value_text,
)
from ..errors import SimulateError
from ..lang import in_lang
from ..money import amount, yuan_text
from ..policy import load_scenario
from ..report import report
from ..report.publish import png_by_simulate, publish_file
from ..report.sweep_chart import sweep_chart
from ..results.frame_text import frame_text
from ..results.outlay import ConservationError
from ..vocabulary import Vocabulary
from .shared import load, overrides, print_json


def _say(key: str, lang: str, **fields: Any) -> str:
    """The line ``key`` of the ``cli`` section of labels.yaml in ``lang``, its fields filled."""
    return labels.text("cli", key, lang).format(**fields)


def _text(frame, lang: str = "zh") -> str:
    """A terminal table; a change in % from zero (NaN) shows as a dash, not ``nan``."""
    return re.sub(r"(?<![A-Za-z])nan(?![A-Za-z])", "  —", frame_text(frame, lang))


def _clean(value: Any) -> Any:
    """JSON-safe numbers: NaN as null, floats to the fen (yuan) or 4 decimals (shares)."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return round(value, 4) if abs(value) < 10 else round(value, 2)
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def _records(frame) -> list[dict]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


# --------------------------------------------------------------------------- compare


def _compare_reports(args: argparse.Namespace) -> int:
    """``compare --out DIR``: each reform's report against BASE, over the same people."""
    changes = overrides(args)
    out = Path(args.out)
    # BASE again with --set is a one-change what-if: its report says so in words
    same = [Path(r).resolve() == Path(args.baseline).resolve() for r in args.reforms]
    if len(args.reforms) == 1:
        run = report(
            args.reforms[0],
            out,
            overrides=changes,
            seed=args.seed,
            size=args.size,
            population=args.population,
            lang=args.lang,
            baseline=None if same[0] and changes else args.baseline,
        )
        made = labels.text("cli", "colon", args.lang) + ", ".join(run.artifacts)
        print(_say("comparison_written", args.lang, out=run.out_dir, artifacts=made))
        if run.pdf_skipped:
            print(_say("pdf_skipped", args.lang, why=in_lang(run.pdf_skipped, args.lang)), file=sys.stderr)
        return 0
    ids = [load_scenario(r, changes).id for r in args.reforms]
    if len(set(ids)) != len(ids):
        raise SimulateError("REFORM", "two reforms have the same scenario id; give one --out per comparison")
    for reform, rid, again in zip(args.reforms, ids, same):
        run = report(
            reform,
            out / rid,
            overrides=changes,
            seed=args.seed,
            size=args.size,
            population=args.population,
            lang=args.lang,
            baseline=None if again and changes else args.baseline,
        )
        print(_say("comparison_written", args.lang, out=run.out_dir, artifacts=""))
    return 0


def compare_cmd(args: argparse.Namespace) -> int:
    if args.out:
        return _compare_reports(args)
    c = compare(
        args.baseline,
        args.reforms,
        population=args.population,
        size=args.size,
        seed=args.seed,
        reform_overrides=overrides(args),
    )
    if args.json:
        print_json(c.to_json())
        return 0
    lang = args.lang
    b = c.baseline
    legend = c.legend(lang)
    print(legend[0] + _say("compare_baseline", lang, persons=b.persons, enrolled=b.enrolled))
    for line, r in zip(legend[1:], c.reforms):
        print(line + _say("compare_reform", lang, enrolled=r.enrolled, change=r.enrolled - b.enrolled))
    short = {name: _say("reform_n", lang, n=i + 1) for i, name in enumerate(c.names)}
    for key, frame in (
        ("by_source", c.by_source(lang)),
        ("by_tier", c.by_tier(lang)),
        ("by_village", c.by_village(lang)),
    ):
        print()
        print(labels.text("summary_headings", key, lang))
        shown = frame.drop(columns=[k for k in ("source", "tier", "village") if k in frame.columns])
        if len(c.reforms) == 1:
            shown = shown.drop(columns=["reform"])
        else:
            shown["reform"] = shown["reform"].map(short)
            shown = shown.rename(columns={"reform": column_label("reform", args.lang)})
        print(_text(shown, args.lang))
    return 0


# --------------------------------------------------------------------------- sweep-table


def sweep_table(args: argparse.Namespace) -> int:
    values = parse_values(args.values, args.range_)
    sc = load(args)
    frame = sweep(sc, args.param, values, population=args.population, size=args.size, seed=args.seed)
    if args.chart:  # written aside and moved in; never over a file simulate did not write
        if not args.chart.lower().endswith(".png"):
            raise SimulateError("--chart", f"the chart is a PNG file: give a name ending in .png, not {args.chart!r}")

        def write_chart(tmp: Path) -> None:
            sweep_chart(frame, tmp, lang=args.lang, vocab=sc.policy.vocab)

        publish_file(args.chart, write_chart, is_ours=png_by_simulate, command="sweep-table")
    if args.json:
        print_json(
            {
                "scenario": sc.id,
                "param": args.param,
                "unit": "yuan",
                "rows": _records(frame),
                **({"chart": args.chart} if args.chart else {}),
            }
        )
        return 0
    keep = [c for c in frame.columns if not (frame[c].dtype.kind == "f" and (frame[c] == 0).all())]
    shown = frame[keep].copy()
    # the parameter column: its readable name, values as written (never shown as a percentage)
    shown[args.param] = [value_text(v) for v in shown[args.param]]
    shown = shown.rename(columns={args.param: param_label(args.param, args.lang, sc)})
    print(_say("sweep_title", args.lang, title=sc.policy.title.get(args.lang)))
    print(_text(relabel(shown, args.lang, sc.policy.vocab), args.lang))
    if args.chart:
        print(_say("chart", args.lang, path=args.chart))
    return 0


# --------------------------------------------------------------------------- solve


def solve_cmd(args: argparse.Namespace) -> int:
    sc = load(args)
    r = solve(
        sc,
        args.param,
        args.source,
        args.budget,
        args.lo,
        args.hi,
        step=args.step,
        population=args.population,
        size=args.size,
        seed=args.seed,
    )
    if args.json:
        print_json(r.to_json())
        return 0
    if r.next_outlay_fen is None:  # solve always returns the step past the budget
        raise RuntimeError("solve: no value past the budget")
    print(
        _say(
            "solve_result",
            args.lang,
            name=param_label(r.param, args.lang, sc),
            value=r.value,
            source=column_label(r.source, args.lang, sc.policy.vocab),
            outlay=yuan_text(r.outlay_fen),
            budget=yuan_text(r.budget_fen),
            next_value=r.next_value,
            next_outlay=yuan_text(r.next_outlay_fen),
        )
    )
    return 0


# --------------------------------------------------------------------------- montecarlo / expected


def _share_text(x: float) -> str:
    return f"{x * 100:.4g}%"


def montecarlo(args: argparse.Namespace) -> int:
    sc = load(args)
    rates: dict | None = None
    if args.vary:
        if any(k == "none" for k, _ in args.vary):
            if len(args.vary) > 1:
                raise SimulateError("--vary", "'none' cannot be combined with KEY=LOW:HIGH ranges")
            rates = {}
        else:
            rates = dict(args.vary)
    frame = monte_carlo(sc, draws=args.draws, size=args.size, rates=rates, seed=args.seed)
    used = frame.attrs["rates"]
    defaults = frame.attrs["rate_defaults"]
    if args.json:
        print_json(
            {
                "scenario": sc.id,
                "draws": args.draws,
                "seed": args.seed,
                "size": frame.attrs["size"],
                "rates": {k: [round(lo, 10), round(hi, 10)] for k, (lo, hi) in used.items()},
                "rate_defaults": {k: None if v is None else round(v, 10) for k, v in defaults.items()},
                "summary": {
                    k: {c: _clean(v) for c, v in row.items()} for k, row in frame.to_dict(orient="index").items()
                },
            }
        )
        return 0
    lang = args.lang
    print(
        _say(
            "montecarlo_title",
            lang,
            title=sc.policy.title.get(lang),
            draws=args.draws,
            size=frame.attrs["size"],
            seed=args.seed,
        )
    )
    _print_rates(used, defaults, lang, sc.policy.vocab)
    shown = frame.reset_index()
    shown["item"] = [column_label(k, lang, sc.policy.vocab) for k in shown["item"]]
    units = {"yuan": _say("unit_yuan", lang), "persons": _say("unit_persons", lang)}
    shown["unit"] = [units.get(u, u) for u in shown["unit"]]
    print(_text(relabel(shown, lang, sc.policy.vocab), lang))
    return 0


def _print_rates(used: dict, defaults: dict, lang: str, vocab: Vocabulary) -> None:
    """The uncertain rates a Monte Carlo run drew from, with their defaults, or "none"."""
    if not used:
        print(_say("montecarlo_no_rates", lang))
        return
    print(_say("montecarlo_rates", lang))
    for k, (lo, hi) in used.items():
        d = defaults.get(k)
        dflt = "" if d is None else _say("montecarlo_default", lang, share=_share_text(d))
        print(
            _say(
                "montecarlo_rate",
                lang,
                rate=rate_label(k, lang, vocab),
                lo=_share_text(lo),
                hi=_share_text(hi),
                default=dflt,
            )
        )


def _check_totals(paid: float, enrolled: float, cost_yuan: float, terms: int, what: str) -> None:
    """Outlays in yuan (floats rounded to the fen) add up to enrollments times the enrollment
    cost, within that rounding; ConservationError (a bug of ours, exit 3) otherwise."""
    want = enrolled * cost_yuan
    if abs(paid - want) > 0.01 * terms + 1e-9 * abs(want):
        raise ConservationError(
            f"{what}: outlays add up to {amount(paid)} yuan, the enrollments cost {amount(want)} yuan"
        )


def _check_expected(sc, ev: dict) -> None:
    """``expected`` checks its totals before it prints them."""
    cost = (sc.policy.contribution.personal + sc.policy.contribution.fiscal_subsidy) / 100
    _check_totals(
        sum(ev["by_source"].values()) + ev["fiscal_subsidy"],
        ev["enrolled"],
        cost,
        len(ev["by_source"]) + 1,
        "expected values",
    )


def expected(args: argparse.Namespace) -> int:
    sc = load(args)
    ev = expected_value(sc, size=args.size)
    _check_expected(sc, ev)
    if args.json:
        print_json(ev)
        return 0
    lang = args.lang
    colon = _say("colon", lang)
    print(_say("expected_title", lang, title=sc.policy.title.get(lang)))
    print(_say("expected_persons", lang, persons=ev["persons"], enrolled=ev["enrolled"]))
    for k, v in ev["by_source"].items():
        print(f"  {column_label(k, lang, sc.policy.vocab)}{colon}{amount(v)}")
    print(f"  {column_label('fiscal_subsidy', lang)}{colon}{amount(ev['fiscal_subsidy'])}")
    print(_say("expected_footer", lang, ms=ev["elapsed_ms"]))
    return 0


# --------------------------------------------------------------------------- multiyear


def multiyear(args: argparse.Namespace) -> int:
    sc = load(args)
    frame = multi_year(
        sc,
        years=args.years,
        drift={"ageing": args.ageing, "out_migration": args.out_migration},
        size=args.size,
        seed=args.seed,
        method=args.method,
    )
    for row in frame.to_dict(orient="records"):  # each year adds up before anything prints
        _check_totals(
            sum(row[s] for s in sc.policy.vocab.source_ids) + row["fiscal_subsidy"],
            row["enrolled"],
            float(row["personal_yuan"]) + float(row["fiscal_subsidy_yuan"]),
            len(sc.policy.vocab.source_ids) + 1,
            f"year {row['year']}",
        )
    if args.json:
        print_json(
            {
                "scenario": sc.id,
                "unit": "yuan",
                "method": args.method,
                "drift": {"ageing": args.ageing, "out_migration": args.out_migration},
                "extrapolation_rule": EXTRAPOLATION_RULE,
                "rows": _records(frame),
            }
        )
        return 0
    lang = args.lang
    keep = [c for c in frame.columns if not (frame[c].dtype.kind == "f" and (frame[c] == 0).all())]
    shown = frame[keep].copy()
    shown["year"] = shown["year"].astype(str)
    how = _say("method_expected" if args.method == "expected" else "method_simulated", lang)
    print(_say("multiyear_title", lang, title=sc.policy.title.get(lang), years=args.years, how=how))
    print(_text(relabel(shown, lang, sc.policy.vocab), lang))
    if frame["extrapolated"].any():
        # the rule's own wording lives with it in simulate.analysis, in both languages
        rule = EXTRAPOLATION_RULE_ZH if lang == "zh" else EXTRAPOLATION_RULE
        print(_say("extrapolated_note", lang, rule=rule))
    return 0
