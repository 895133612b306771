"""Run parameterized report notebooks into self-contained report folders.

One run = one notebook executed by papermill in a fresh kernel. The notebook takes an
``output_dir`` parameter and writes its own artifacts there (``results.json`` with a
``headline`` dict label -> formatted text, charts as ``*.png``, tables as ``*.xlsx``); the
runner adds the executed notebook (``report.ipynb``) and an HTML report without code
(``report.html``). A run is built and published by :mod:`simulate.report.publish` (a hidden temp
folder beside ``out_dir``, a manifest, one rename), so a folder at ``out_dir`` is always a
complete report and never replaces a folder holding the user's files. A failed run keeps
its executed notebook at ``out_dir.parent/failed/<run>.ipynb`` and raises
:class:`ReportError` naming the cell and the error; a previous report at ``out_dir`` is then
left as it was. A sweep (:func:`render_folder`) is one such folder: all runs and the index
appear at once or not at all.

The kernel (:mod:`simulate.report.kernel`) is the interpreter running simulate, started as a
run begins and warmed with the notebook's imports while the parameters are checked; a worker
of :func:`render_many` keeps its kernel for its next run. papermill changes the process's
working directory, so :func:`render_many` runs reports in worker processes, never in the caller's.
"""

from __future__ import annotations

import ast
import json
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import SimulateError
from ..lifecycle import end_pool, quiet_child, stops_held
from .export import export_html, warm_html_export, write_index
from .kept import give_back_kernel, give_back_printer, take_kernel, take_printer
from .kernel import ReportKernel, execute_in, kernel_env
from .notebook_build import build_notebook
from .notebook_ids import stable_notebook_ids
from .outcome import (
    DEFAULT_START_TIMEOUT,
    DEFAULT_TIMEOUT,
    FAILED_DIR,
    HTML_NAME,
    INDEX_NAME,
    LANG_PARAMETER,
    NOTEBOOK_NAME,
    OUTPUT_DIR_PARAMETER,
    PDF_NAME,
    PDF_SKIPPED_NAME,
    RESULTS_NAME,
    ReportError,
    RunResult,
    one_line,
    skip_slow_validators,
)
from .outcome import write_results as write_results  # notebooks written before the split import it here
from .pdf import Printer
from .publish import keep_aside, publishing
from .timings import Stopwatch, first_line
from .timings import cell_seconds as cell_seconds
from .timings import timings_text as timings_text  # simulate report --timings prints it

_kernel_env = kernel_env  # the name tests written before the split import

# --------------------------------------------------------------------------- parameters


def notebook_parameters(notebook: Path | str) -> dict[str, Any]:
    """The parameters a notebook declares (papermill's inspection: name -> default etc.)."""
    skip_slow_validators()
    import papermill

    path = Path(notebook)
    if not path.is_file():
        raise ReportError(f"report notebook not found: {path}")
    try:
        return dict(papermill.inspect_notebook(str(path)))
    except Exception as exc:
        raise ReportError(f"{path}: cannot read notebook parameters: {one_line(exc)}") from exc


def _checked_parameters(
    notebook: Path, parameters: Mapping[str, Any], output_dir: Path, lang: str | None
) -> tuple[dict[str, Any], str]:
    declared = notebook_parameters(notebook)
    if OUTPUT_DIR_PARAMETER not in declared:
        raise ReportError(
            f"{notebook}: the parameters cell declares no '{OUTPUT_DIR_PARAMETER}'; a report notebook must have one"
        )
    if OUTPUT_DIR_PARAMETER in parameters:
        raise ReportError(f"{notebook}: parameter '{OUTPUT_DIR_PARAMETER}' is set by the report runner, do not pass it")
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        known = ", ".join(sorted(set(declared) - {OUTPUT_DIR_PARAMETER}))
        raise ReportError(
            f"{notebook}: unknown parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(unknown)} (the notebook takes: {known})"
        )
    values = {name: _jsonable(value) for name, value in parameters.items()}
    if lang is not None:
        if lang not in ("zh", "en"):
            raise ReportError(f"unknown report language {lang!r} (use zh or en)")
        if LANG_PARAMETER not in declared:
            raise ReportError(
                f"{notebook}: the notebook has no '{LANG_PARAMETER}' parameter, cannot render it in {lang!r}"
            )
        values[LANG_PARAMETER] = lang
    values[OUTPUT_DIR_PARAMETER] = str(output_dir)
    return values, _report_lang(values, declared)


def _report_lang(values: Mapping[str, Any], declared: Mapping[str, Any]) -> str:
    """The report's language: the lang passed, else the notebook's default, else zh."""
    chosen = values.get(LANG_PARAMETER)
    if chosen is None and LANG_PARAMETER in declared:
        try:
            chosen = ast.literal_eval(str(declared[LANG_PARAMETER].get("default")))
        except (ValueError, SyntaxError):
            chosen = None
    return chosen if chosen in ("zh", "en") else "zh"


# --------------------------------------------------------------------------- one run


def render_notebook(
    notebook: Path | str,
    out_dir: Path | str,
    parameters: Mapping[str, Any] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    start_timeout: float = DEFAULT_START_TIMEOUT,
    lang: str | None = None,
    failed_dir: Path | str | None = None,
    failed_name: str | None = None,
    keep_kernel: bool = False,
) -> RunResult:
    """Execute ``notebook`` with ``parameters`` and publish the report folder ``out_dir``.

    ``timeout`` is per cell (s), ``start_timeout`` for the kernel to start (s). ``lang``
    (zh|en), when given, is passed as the notebook's ``lang`` parameter and sets the HTML
    language. A failed run's notebook is kept as ``failed_dir/failed_name`` (default
    ``out_dir.parent/failed/<out_dir name>.ipynb``). Raises :class:`ReportError` with a
    one-line message on any failure of the run, :class:`simulate.report.publish.PublishError` if
    ``out_dir`` may not be written or replaced. ``keep_kernel`` leaves the kernel running for
    the process's next run (:func:`render_many`'s workers); a failed run's kernel always ends.
    """

    started = time.perf_counter()
    notebook, out_dir = Path(notebook).resolve(), Path(out_dir).resolve()
    params = dict(parameters or {})
    with tempfile.TemporaryDirectory(prefix="simnb-") as built, publishing(out_dir, "report") as work:
        kernel = take_kernel(notebook, work, keep_kernel)  # starts now, while the checks below run
        printer = take_printer()  # so does Chromium: printing later skips its start-up
        try:
            if notebook.suffix == ".py":  # a jupytext percent script: build the .ipynb papermill runs
                notebook = build_notebook(notebook, Path(built))
            values, html_lang = _checked_parameters(notebook, params, work, lang)
            clock = Stopwatch(started)
            warming = warm_html_export()  # the parent waits on the kernel meanwhile
            _execute(kernel, notebook, work, values, timeout=timeout, start_timeout=start_timeout)
            stable_notebook_ids(work / NOTEBOOK_NAME)  # widget uuids can look like ID numbers
            give_back_kernel(kernel, keep_kernel)
            warming.join()
            clock.lap("kernel+execution")
            results = _read_results(work)
            title = str(params.get("title") or results.get("title") or out_dir.name)
            pdf_skipped = _page_and_pdf(work, title, html_lang, printer, clock)
            artifacts = _artifacts(work)
        except ReportError as exc:
            raise _failed_run(exc, work, out_dir, failed_dir, failed_name) from exc
        finally:
            give_back_kernel(kernel, False)  # a no-op once handed back; ends it after a failure
            give_back_printer(printer, keep_kernel)
    seconds = time.perf_counter() - started
    return RunResult(
        name=out_dir.name,
        out_dir=out_dir,
        parameters=params,
        seconds=seconds,
        results=results,
        artifacts=artifacts,
        pdf_skipped=pdf_skipped,
        timings=clock.breakdown(out_dir / NOTEBOOK_NAME, seconds),
    )


def _page_and_pdf(work: Path, title: str, lang: str, printer: Printer, clock: Stopwatch) -> str | None:
    """report.html from the executed notebook, then report.pdf; None, or why the PDF is missing
    (then written beside the report, where the user looks: the report stands without it)."""
    (work / HTML_NAME).write_text(export_html(work / NOTEBOOK_NAME, title, lang), encoding="utf-8")
    clock.lap("html")
    pdf_skipped = printer.print(work / HTML_NAME, work / PDF_NAME)
    clock.lap("pdf")
    if pdf_skipped:
        (work / PDF_SKIPPED_NAME).write_text(f"report.pdf was not written: {pdf_skipped}\n", encoding="utf-8")
    return pdf_skipped


def _artifacts(work: Path) -> tuple[str, ...]:
    """The names of the files a run wrote in its folder, sorted (the publishing marks left out)."""
    return tuple(sorted(p.name for p in work.iterdir() if p.is_file() and not p.name.startswith(".simulate")))


def _failed_run(
    exc: ReportError, work: Path, out_dir: Path, failed_dir: Path | str | None, failed_name: str | None
) -> ReportError:
    """The error a failed run raises: its notebook kept as ``failed_dir/failed_name`` (default
    ``out_dir.parent/failed/<out_dir name>.ipynb``), named in the message."""
    kept = _keep_failed(
        work,
        Path(failed_dir) if failed_dir else out_dir.parent / FAILED_DIR,
        failed_name or f"{out_dir.name}.ipynb",
    )
    return ReportError(_with_kept(str(exc), kept, exc), kept)


def _with_kept(message: str, kept: Path | None, exc: ReportError) -> str:
    """The failure's message, naming where its notebook was kept unless it already does."""
    return f"{message} (notebook kept at {kept})" if kept is not None and exc.failed_notebook is None else message


def _execute(
    kernel: ReportKernel, notebook: Path, work: Path, values: dict[str, Any], *, timeout: float, start_timeout: float
) -> None:
    """papermill into work/report.ipynb; errors become ReportError naming cell and error."""
    skip_slow_validators()
    from papermill.exceptions import PapermillExecutionError

    try:
        execute_in(
            kernel,
            notebook,
            work / NOTEBOOK_NAME,
            values,
            start_timeout=start_timeout,
            execution_timeout=timeout,
            cwd=str(work),
        )
    except PapermillExecutionError as exc:
        kernel.broken = True
        raise ReportError(
            f"{notebook.name} failed in cell {exc.cell_index + 1} "
            f"[{first_line(exc.source)}]: {exc.ename}: "
            f"{first_line(exc.evalue, 200, code=False) or '(no message)'}"
        ) from exc
    except Exception as exc:  # kernel failed to start, died, or a cell timed out
        kernel.broken = True
        where = _running_cell(work / NOTEBOOK_NAME)
        if type(exc).__name__ == "CellTimeoutError":
            reason = f"CellTimeoutError: the cell ran longer than the {timeout:g} s timeout"
        else:
            reason = f"{type(exc).__name__}: {one_line(exc)[:200]}"
        raise ReportError(f"{notebook.name} did not finish{where}: {reason}") from exc


def _running_cell(executed: Path) -> str:
    """' in cell N [first line]' for the last cell papermill started, or '' if unknown."""
    import nbformat

    try:
        nb = nbformat.read(str(executed), as_version=4)
    except Exception:
        return ""
    started = [i for i, cell in enumerate(nb.cells) if cell.get("metadata", {}).get("papermill", {}).get("start_time")]
    if not started:
        return ""
    index = started[-1]
    return f" in cell {index + 1} [{first_line(nb.cells[index].source)}]"


def _read_results(work: Path) -> dict[str, Any]:
    path = work / RESULTS_NAME
    if not path.is_file():
        raise ReportError(f"the notebook wrote no {RESULTS_NAME} into its output_dir")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ReportError(f"{RESULTS_NAME} written by the notebook is not valid JSON: {one_line(exc)}") from exc
    if not isinstance(results, dict):
        raise ReportError(f"{RESULTS_NAME} must hold a JSON object, not {type(results).__name__}")
    return results


def _keep_failed(work: Path, failed_dir: Path, name: str) -> Path | None:
    """Move the executed (failed) notebook to failed_dir/name, never over a user's file."""

    executed = work / NOTEBOOK_NAME
    if not executed.is_file():
        return None
    return keep_aside(executed, failed_dir, name)


def _jsonable(value: Any) -> Any:
    """Parameter values papermill can inject: Paths as text, tuples as lists."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------- many runs


def _render_job(notebook: str, out_dir: str, parameters: dict[str, Any], options: dict[str, Any]) -> RunResult:
    """Worker entry point: one run, failures returned as a RunResult with ``error`` set."""

    started = time.perf_counter()
    options = dict(options)
    prefix = options.pop("failed_prefix", "")
    out = Path(out_dir).resolve()
    try:
        return render_notebook(
            notebook, out_dir, parameters, failed_name=f"{prefix}{out.name}.ipynb", keep_kernel=True, **options
        )
    except (ReportError, SimulateError) as exc:
        return RunResult(
            name=out.name,
            out_dir=out,
            parameters=dict(parameters),
            seconds=time.perf_counter() - started,
            error=" ".join(str(exc).split()),
            failed_notebook=getattr(exc, "failed_notebook", None),
        )


def render_many(
    jobs: Sequence[tuple[Path | str, Path | str, Mapping[str, Any]]],
    workers: int | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    start_timeout: float = DEFAULT_START_TIMEOUT,
    lang: str | None = None,
    failed_dir: Path | str | None = None,
    failed_prefix: str = "",
) -> list[RunResult]:
    """Render (notebook, out_dir, parameters) jobs in worker processes, results in job order.

    A failed run does not stop the others: its RunResult has ``error`` (one line) and
    ``failed_notebook`` set (``failed_dir/<failed_prefix><run>.ipynb``, default beside the
    run); callers exit non-zero if any ``not r.ok``. ``workers`` defaults to the number of
    CPUs (each run also starts a kernel process). The worker processes die with this one;
    on Ctrl-C, SIGTERM or an error they are ended at once.
    """

    outs = [Path(out).resolve() for _, out, _ in jobs]
    if len(set(outs)) != len(outs):
        raise ReportError("two runs would write the same output folder")
    if not jobs:
        return []
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    options = {
        "timeout": timeout,
        "start_timeout": start_timeout,
        "lang": lang,
        "failed_dir": str(failed_dir) if failed_dir else None,
        "failed_prefix": failed_prefix,
    }
    context = multiprocessing.get_context("spawn")
    # workers are reused across runs: each pays for its interpreter and papermill's import
    # once, not once per run (papermill restores the working directory after each notebook)
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=quiet_child, initargs=(os.getpid(),)
    )
    try:
        # the workers are spawned by these submits: born with Ctrl-C held until quiet_child
        with stops_held():
            futures = {
                i: pool.submit(_render_job, str(jobs[i][0]), str(outs[i]), dict(jobs[i][2]), options)
                for i in _start_order(jobs)
            }
        results = [futures[i].result() for i in range(len(jobs))]
    except BaseException:
        end_pool(pool)
        raise
    pool.shutdown(wait=True)
    return results


def _start_order(jobs: Sequence[tuple[Path | str, Path | str, Mapping[str, Any]]]) -> list[int]:
    """Job indices, runs of a notebook used only once first: a sweep's summary (its longest run)
    then starts at once instead of finishing alone after the reports."""
    names = [str(nb) for nb, _, _ in jobs]
    return sorted(range(len(jobs)), key=lambda i: names.count(names[i]) > 1)


def render_folder(
    out_dir: Path | str,
    jobs: Sequence[tuple[Path | str, Path | str, Mapping[str, Any]]],
    title: str,
    lang: str = "zh",
    *,
    workers: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    command: str = "sweep",
    parameter_columns: Sequence[str] = (),
    before_index: Callable[[list[RunResult]], None] | None = None,
) -> tuple[list[RunResult], Path]:
    """Render jobs whose folders lie inside ``out_dir``, with an index, as one folder.

    Everything is built aside and published at once (:mod:`simulate.report.publish`): all runs and
    the index appear, or, if any run fails or the command is interrupted, nothing does and a
    previous folder stays. ``before_index(runs)`` may adjust the runs' parameters shown in
    the index. Failed notebooks are kept in ``out_dir.parent/failed/`` as
    ``<out_dir name>.<run>.ipynb``. Raises :class:`ReportError` naming the failed runs (all
    runs in its ``runs`` attribute).
    """

    target = Path(out_dir).resolve()
    relative = []
    for _, out, _ in jobs:
        path = Path(out).resolve()
        if target not in path.parents:
            raise ReportError(f"run folder {path} is not inside {target}")
        relative.append(path.relative_to(target))
    with publishing(target, command) as work:
        runs = render_many(
            [(nb, work / rel, params) for (nb, _, params), rel in zip(jobs, relative)],
            workers,
            timeout=timeout,
            lang=lang,
            failed_dir=target.parent / FAILED_DIR,
            failed_prefix=f"{target.name}.",
        )
        failed = [r for r in runs if not r.ok]
        if failed:
            kept = [str(r.failed_notebook) for r in failed if r.failed_notebook]
            error = ReportError(
                f"{len(failed)} of {len(runs)} runs failed, so nothing was "
                f"published; first: {failed[0].error}"
                + (f" (failed notebooks kept at {', '.join(kept)})" if kept and len(kept) > 1 else "")
            )
            error.runs = runs
            raise error
        runs = [replace(r, out_dir=target / rel) for r, rel in zip(runs, relative)]
        if before_index is not None:
            before_index(runs)
        write_index(
            work,
            [replace(r, out_dir=work / rel) for r, rel in zip(runs, relative)],
            title,
            lang,
            parameter_columns=parameter_columns,
        )
    return runs, target / INDEX_NAME
