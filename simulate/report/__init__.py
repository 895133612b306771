"""Scenario reports: the document an analyst takes into the budgeting meeting.

``simulate report`` builds ``notebooks/scenario_report.py`` (a jupytext script) into a notebook,
executes it with papermill in a fresh kernel and publishes a folder with the executed notebook,
an HTML page without code, an Excel workbook, the charts as PNG and the results as JSON (see ``render``). ``simulate
sweep`` does the same for each value of one parameter, in parallel processes, plus a sweep
summary and an index page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import SimulateError
from ..labels import text
from ..money import amount
from ..resources import notebook_path

SCENARIO_REPORT = notebook_path("scenario_report.py")
SWEEP_REPORT = notebook_path("sweep_report.py")

_PERCENT_WORDS = ("率", "占比", "比例", "share", "participation", "percent", "target", "目标")
_COUNT_WORDS = (
    "人数",
    "人口数",
    "任务数",
    "persons",
    "enrolled",
    "residents",
    "task",
    "members",
    "late",
    "refused",
    "not enrolled",
    "未参保",
    "期外",
    "期内参保",
)


def T(zh: str, en: str, lang: str) -> str:
    """The label in the report's language; kept only for notebooks/sweep_report.py, whose words
    have not moved to labels.yaml yet (the package itself looks labels up by id)."""
    return zh if lang == "zh" else en


def percent_columns(columns: Iterable[str]) -> list[str]:
    return [c for c in columns if any(w in str(c) for w in _PERCENT_WORDS)]


def count_columns(columns: Iterable[str]) -> list[str]:
    return [c for c in columns if any(w in str(c) for w in _COUNT_WORDS) and c not in percent_columns([c])]


def money_columns(columns: Iterable[str]) -> list[str]:
    skip = set(percent_columns(columns)) | set(count_columns(columns))
    return [c for c in columns if c not in skip]


def show_table(frame, lang: str = "zh") -> None:
    """Display a table for people: money with separators and 2 decimals, shares as percent."""
    from IPython.display import display

    fmt: dict[str, Any] = {}
    pct = set(percent_columns(frame.columns))
    cnt = set(count_columns(frame.columns))
    for c in frame.columns:
        kind = frame[c].dtype.kind
        if c in pct and kind == "f":
            fmt[c] = "{:.2%}"
        elif kind in "iu" or (c in cnt and kind == "f"):
            fmt[c] = partial(amount, decimals=0)
        elif kind == "f":
            fmt[c] = amount
        elif kind == "b" or kind in "OUT" or str(frame[c].dtype) in ("str", "string"):
            fmt[c] = lambda v: (
                text("story", "answer_yes" if v else "answer_no", lang)
                if isinstance(v, bool)
                else ("" if v is None else v)
            )
    from .safehtml import style

    styler = style(frame, fmt).hide(axis="index")  # cells and headers escaped: user text stays text
    # headers and short texts (sections, names) stay on one line; the first column, which
    # holds the long labels, wraps but keeps a readable width
    styler = styler.set_table_styles([{"selector": "th", "props": [("white-space", "nowrap")]}])
    styler = styler.set_properties(**{"white-space": "nowrap"}, subset=list(frame.columns[1:]))
    styler = styler.set_properties(**{"min-width": "11em", "text-align": "left"}, subset=[frame.columns[0]])
    styler = styler.set_properties(
        **{"text-align": "right"}, subset=[c for c in frame.columns if frame[c].dtype.kind in "iuf"]
    )
    display(styler)


def _safe_name(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "_", text).strip("_") or "run"


def _run_folder(i: int, param: str, value: Any) -> str:
    """A sweep run's folder: its 1-based index and an ASCII slug, unique and safe whatever the
    value (``三百`` and ``四百`` would both slug to the bare parameter name)."""
    slug = _safe_name(f"{param}={_value_shown(value)}")[:60].strip("_.-") or "run"
    return f"{i:02d}-{slug}"


def _value_shown(value: Any) -> str:
    from ..analysis import value_text as _value_text

    return _value_text(value)


def _raise_if_money_bug(error: str) -> None:
    """A notebook whose run failed the conservation check is our bug (exit 3), not the user's."""
    if "ConservationError" in error:
        from ..results.outlay import ConservationError

        raise ConservationError(error)


def _check_population(sc, population: str | Path) -> None:
    """Read the person-level CSV as the notebook will, so a bad row or an unknown village is a
    one-line error before any kernel starts (PopulationError names the row and column)."""
    from ..model.population import read_population, read_villages

    villages = None
    if sc.policy.area.villages_file:
        villages = read_villages(sc.data_path(sc.policy.area.villages_file))
    read_population(population, villages, vocab=sc.policy.vocab)


def report(
    scenario: str | Path,
    out: str | Path | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    seed: int = 0,
    size: int | None = None,
    population: str | None = None,
    lang: str = "zh",
    baseline: str | Path | None = None,
    timeout: float = 600.0,
):
    """Render the scenario report into ``out`` (default ``reports/<scenario id>``).

    With overrides, a variant that ``extends`` another scenario, or ``baseline``, the report
    is a comparison with its baseline (``simulate.analysis.whatif``), both over the same people.
    """
    from ..policy import load_scenario
    from .render import ReportError, render_notebook

    sc = load_scenario(scenario, overrides)  # fail fast, one line, before any kernel starts
    if baseline is not None:
        load_scenario(baseline)
    if population:
        _check_population(sc, population)
    else:
        from ..model.synth_spec import size_or_default

        size_or_default(sc, size)  # a scenario with no residents needs --size: one line, now
    out_dir = Path(out) if out else Path("reports") / sc.id
    params = {
        "scenario": str(Path(scenario).resolve()),
        "overrides": dict(overrides or {}),
        "baseline": str(Path(baseline).resolve()) if baseline else None,
        "seed": seed,
        "size": size,
        "population": str(Path(population).resolve()) if population else None,
        "lang": lang,
    }
    try:
        return render_notebook(SCENARIO_REPORT, out_dir, params, timeout=timeout, lang=lang)
    except ReportError as exc:
        _raise_if_money_bug(str(exc))
        raise SimulateError(str(scenario), str(exc)) from None


def sweep(
    scenario: str | Path,
    param: str,
    values: list[Any],
    out: str | Path | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    seed: int = 0,
    size: int | None = None,
    population: str | None = None,
    lang: str = "zh",
    workers: int | None = None,
    timeout: float = 600.0,
    summary: dict[str, Any] | None = None,
):
    """One scenario report per value of ``param`` (parallel processes), a summary and an index;
    ``summary`` sets the summary notebook's Monte Carlo parameters (``draws``, ``mc_size``; None
    keeps the notebook's default)."""
    from ..analysis.naming import param_label
    from ..policy import load_scenario
    from ..policy.overrides import parse_value
    from .render import ReportError, render_folder

    if not values:
        raise SimulateError("--values", "give at least one value")
    parsed = [parse_value(v, f"--values {v}") for v in values]
    base = load_scenario(scenario, overrides)
    for v in parsed:  # every run must be a valid scenario before any kernel starts
        load_scenario(scenario, {**(overrides or {}), param: v})
    out_dir = Path(out) if out else Path("reports") / f"{base.id}-sweep-{_safe_name(param)}"
    name = param_label(param, lang, base)  # e.g. 财政补助县级分担比例（%）, not the path
    jobs = _sweep_jobs(
        scenario, param, parsed, out_dir, overrides=overrides, seed=seed, size=size, population=population, lang=lang
    )
    if summary and jobs[-1][0] == SWEEP_REPORT:
        jobs[-1][2].update({k: v for k, v in summary.items() if v is not None})

    def show_values(runs):  # the index shows each value as written, not its folder slug
        for run, v in zip(runs, parsed):
            run.parameters[param] = _value_shown(v)

    try:  # one folder: every run, the summary and the index appear at once or not at all
        return render_folder(
            out_dir,
            jobs,
            text(
                "story", "sweep_title", lang, title_zh=base.policy.title.zh, title_en=base.policy.title.en, param=name
            ),
            lang,
            workers=workers,
            timeout=timeout,
            parameter_columns=[param],
            before_index=show_values,
        )
    except ReportError as exc:
        for r in exc.runs:
            if not r.ok:
                _raise_if_money_bug(r.error or "")
        raise SimulateError(str(scenario), str(exc)) from None


def _sweep_jobs(
    scenario: str | Path,
    param: str,
    parsed: list[Any],
    out_dir: Path,
    *,
    overrides: dict[str, Any] | None,
    seed: int,
    size: int | None,
    population: str | None,
    lang: str,
) -> list[tuple[Path, Path, dict[str, Any]]]:
    """(notebook, folder, parameters) of each sweep run, then of the sweep summary."""
    jobs = []
    for i, v in enumerate(parsed, start=1):
        params = {
            "scenario": str(Path(scenario).resolve()),
            "overrides": {**(overrides or {}), param: v},
            "seed": seed,
            "size": size,
            "population": str(Path(population).resolve()) if population else None,
            "lang": lang,
        }
        jobs.append((SCENARIO_REPORT, out_dir / _run_folder(i, param, v), params))
    if SWEEP_REPORT.exists():
        jobs.append(
            (
                SWEEP_REPORT,
                out_dir / "summary",
                {
                    "scenario": str(Path(scenario).resolve()),
                    "param": param,
                    "values": parsed,
                    "overrides": dict(overrides or {}),
                    "seed": seed,
                    "size": size,
                    "lang": lang,
                },
            )
        )
    return jobs
