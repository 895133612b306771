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

The kernel is always ``sys.executable -m ipykernel_launcher`` (the interpreter running
simulate, e.g. the project's venv), whatever kernelspecs the user has installed, with the
directory holding this ``simulate`` package first on ``PYTHONPATH``: notebooks import the
same code as the caller. It talks over ZMQ ``ipc`` sockets in a private temp folder, so
parallel kernels never race for TCP ports. papermill changes the process's working
directory, so :func:`render_many` runs reports in worker processes, never in the caller's.
"""

from __future__ import annotations

import ast
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import SimulateError
from ..lifecycle import end_pool, quiet_child
from .export import export_html, warm_html_export, write_index
from .notebook_build import build_notebook
from .notebook_ids import stable_notebook_ids
from .outcome import (
    DEFAULT_START_TIMEOUT,
    DEFAULT_TIMEOUT,
    FAILED_DIR,
    HTML_NAME,
    INDEX_NAME,
    KERNEL_NAME,
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
from .pdf import print_pdf
from .publish import keep_aside, publishing

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


# --------------------------------------------------------------------------- kernel


def _kernel_env() -> dict[str, str]:
    """Environment additions for the kernel: this simulate package first on the path, and the
    inline matplotlib backend even if the caller set MPLBACKEND=Agg (figures must show)."""
    package_root = str(Path(__file__).resolve().parent.parent.parent)
    existing = os.environ.get("PYTHONPATH", "")
    parts = [package_root] + [p for p in existing.split(os.pathsep) if p and p != package_root]
    return {
        "PYTHONPATH": os.pathsep.join(parts),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }


def _kernel_manager_class(socket_dir: Path) -> type:
    """A kernel manager class for ``sys.executable``'s ipykernel over ipc sockets in socket_dir.

    Passed to nbclient as ``kernel_manager_class`` (not as an instance) so that nbclient
    owns the kernel and shuts it down when the notebook ends.
    """
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    # simulate.lifecycle starts ipykernel after asking Linux to end it with its parent
    spec = KernelSpec(
        argv=[sys.executable, "-m", "simulate.lifecycle", "-f", "{connection_file}"],
        display_name="Python 3 (simulate)",
        language="python",
        env=_kernel_env(),
        resource_dir=str(socket_dir),
        metadata={},
        interrupt_mode="signal",
    )

    class _FixedSpecManager(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return spec

    class _SimulateKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.update(kernel_spec_manager=_FixedSpecManager(), transport="ipc", ip=str(socket_dir / "k"))
            super().__init__(**kwargs)

    return _SimulateKernelManager


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
) -> RunResult:
    """Execute ``notebook`` with ``parameters`` and publish the report folder ``out_dir``.

    ``timeout`` is per cell (s), ``start_timeout`` for the kernel to start (s). ``lang``
    (zh|en), when given, is passed as the notebook's ``lang`` parameter and sets the HTML
    language. A failed run's notebook is kept as ``failed_dir/failed_name`` (default
    ``out_dir.parent/failed/<out_dir name>.ipynb``). Raises :class:`ReportError` with a
    one-line message on any failure of the run, :class:`simulate.report.publish.PublishError` if
    ``out_dir`` may not be written or replaced.
    """

    started = time.perf_counter()
    notebook, out_dir = Path(notebook).resolve(), Path(out_dir).resolve()
    params = dict(parameters or {})
    with tempfile.TemporaryDirectory(prefix="simnb-") as built, publishing(out_dir, "report") as work:
        if notebook.suffix == ".py":  # a jupytext percent script: build the .ipynb papermill runs
            notebook = build_notebook(notebook, Path(built))
        try:
            values, html_lang = _checked_parameters(notebook, params, work, lang)
            clock = _Stopwatch(started)
            warming = warm_html_export()  # the parent waits on the kernel meanwhile
            _execute(notebook, work, values, timeout=timeout, start_timeout=start_timeout)
            stable_notebook_ids(work / NOTEBOOK_NAME)  # widget uuids can look like ID numbers
            warming.join()
            clock.lap("kernel+execution")
            results = _read_results(work)
            title = str(params.get("title") or results.get("title") or out_dir.name)
            (work / HTML_NAME).write_text(export_html(work / NOTEBOOK_NAME, title, html_lang), encoding="utf-8")
            clock.lap("html")
            pdf_skipped = print_pdf(work / HTML_NAME, work / PDF_NAME)  # None when printed
            clock.lap("pdf")
            if pdf_skipped:  # the report stands without it; say so where the user looks
                (work / PDF_SKIPPED_NAME).write_text(f"report.pdf was not written: {pdf_skipped}\n", encoding="utf-8")
            artifacts = tuple(
                sorted(p.name for p in work.iterdir() if p.is_file() and not p.name.startswith(".simulate"))
            )
        except ReportError as exc:
            failed = _keep_failed(
                work,
                Path(failed_dir) if failed_dir else out_dir.parent / FAILED_DIR,
                failed_name or f"{out_dir.name}.ipynb",
            )
            message = str(exc)
            if failed is not None and exc.failed_notebook is None:
                message = f"{message} (notebook kept at {failed})"
            raise ReportError(message, failed) from exc
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


class _Stopwatch:
    """Seconds per stage of one run (issue 16 item 1: where the report's wait goes)."""

    def __init__(self, started: float) -> None:
        self.stages: dict[str, float] = {"setup": time.perf_counter() - started}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = now - self._last
        self._last = now

    def breakdown(self, executed: Path, total: float) -> dict[str, float]:
        """The stages, with kernel+execution split by the notebook's own cell times
        (papermill records each cell's duration): kernel start/stop is the remainder."""
        stages = dict(self.stages)
        cells = cell_seconds(executed)
        both = stages.pop("kernel+execution", 0.0)
        execution = sum(cells.values())
        stages = {
            "setup": stages.get("setup", 0.0),
            "kernel": max(both - execution, 0.0),
            "execution": execution,
            **{k: v for k, v in stages.items() if k != "setup"},
        }
        stages.update({f"  cell {k}": v for k, v in cells.items() if v >= 0.05})
        stages["total"] = total
        return stages


def cell_seconds(executed: Path) -> dict[str, float]:
    """Seconds per executed cell, keyed 'N [first line]' (papermill's metadata), {} if unreadable."""
    try:
        nb = json.loads(Path(executed).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, float] = {}
    for index, cell in enumerate(nb.get("cells", [])):
        duration = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if isinstance(duration, (int, float)):
            source = cell.get("source", "")
            out[f"{index + 1} [{_first_line(''.join(source) if isinstance(source, list) else source, 40)}]"] = float(
                duration
            )
    return out


def timings_text(timings: Mapping[str, float]) -> str:
    """The breakdown as lines 'stage  seconds' for --timings and the benchmarks."""
    return "\n".join(f"{stage:<48} {seconds:6.2f} s" for stage, seconds in timings.items())


def _execute(notebook: Path, work: Path, values: dict[str, Any], *, timeout: float, start_timeout: float) -> None:
    """papermill into work/report.ipynb; errors become ReportError naming cell and error."""
    skip_slow_validators()
    import papermill
    from papermill.exceptions import PapermillExecutionError

    with tempfile.TemporaryDirectory(prefix="simk-") as sockets:
        try:
            papermill.execute_notebook(
                str(notebook),
                str(work / NOTEBOOK_NAME),
                parameters=values,
                kernel_name=KERNEL_NAME,
                language="python",
                progress_bar=False,
                log_output=False,
                start_timeout=start_timeout,
                execution_timeout=timeout,
                cwd=str(work),
                kernel_manager_class=_kernel_manager_class(Path(sockets)),
                shutdown_kernel="immediate",
            )
        except PapermillExecutionError as exc:
            raise ReportError(
                f"{notebook.name} failed in cell {exc.cell_index + 1} "
                f"[{_first_line(exc.source)}]: {exc.ename}: "
                f"{_first_line(exc.evalue, 200, code=False) or '(no message)'}"
            ) from exc
        except Exception as exc:  # kernel failed to start, died, or a cell timed out
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
    return f" in cell {index + 1} [{_first_line(nb.cells[index].source)}]"


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


def _first_line(text: str | None, limit: int = 80, *, code: bool = True) -> str:
    """The first non-blank line (for code: not a comment either), shortened to ``limit``."""
    for line in (text or "").splitlines():
        if line.strip() and not (code and line.strip().startswith("#")):
            line = line.strip()
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


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
        return render_notebook(notebook, out_dir, parameters, failed_name=f"{prefix}{out.name}.ipynb", **options)
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
        futures = [
            pool.submit(_render_job, str(nb), str(out), dict(params), options)
            for (nb, _, params), out in zip(jobs, outs)
        ]
        results = [future.result() for future in futures]
    except BaseException:
        end_pool(pool)
        raise
    pool.shutdown(wait=True)
    return results


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
