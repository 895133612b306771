"""A report worker's kernel and Chromium, kept between its runs (:func:`simulate.report.render.render_many`)
so the next run skips their start-up; ended when the worker exits or a run fails."""

from __future__ import annotations

from multiprocessing.util import Finalize
from pathlib import Path

from .kernel import ReportKernel, import_lines
from .outcome import ReportError, one_line
from .pdf import Printer

#: A worker's kernel between runs (render_many: each worker keeps one, see take_kernel), and
#: the exit hook that ends it (registered once per process).
_KEPT: list[ReportKernel] = []
_AT_EXIT: list[Finalize] = []


def take_kernel(notebook: Path, work: Path, keep: bool) -> ReportKernel:
    """The kernel for one run: the worker's kept one (cleared for this run) when ``keep`` and it
    is healthy, else a new one, started now and warmed with the notebook's imports."""
    while _KEPT:
        kernel = _KEPT.pop()
        if keep and kernel.alive:
            kernel.prepare(work)
            return kernel
        kernel.close()
    try:
        kernel = ReportKernel(work, import_lines(notebook))
    except Exception as exc:  # no interpreter, no ipykernel, sockets refused
        raise ReportError(f"the report kernel did not start: {type(exc).__name__}: {one_line(exc)[:200]}") from exc
    kernel.prepare(work)
    return kernel


def give_back_kernel(kernel: ReportKernel, keep: bool) -> None:
    """After a run: keep the kernel for the worker's next run, or end it (once)."""
    if kernel in _KEPT or kernel.closed:
        return
    if keep and kernel.alive:
        if not _AT_EXIT:  # a pool worker runs this hook when it exits
            _AT_EXIT.append(Finalize(None, _close_kept, exitpriority=10))
        _KEPT.append(kernel)
    else:
        kernel.close()


#: A worker's Chromium between runs, like its kernel.
_PRINTERS: list[Printer] = []


def take_printer() -> Printer:
    """The worker's kept Chromium when it is still running, else a new one (started now)."""
    while _PRINTERS:
        printer = _PRINTERS.pop()
        if printer.alive:
            return printer
        printer.close()
    return Printer()


def give_back_printer(printer: Printer, keep: bool) -> None:
    """After a run: keep Chromium for the worker's next run, or close it."""
    if keep and printer.alive:
        if not _AT_EXIT:
            _AT_EXIT.append(Finalize(None, _close_kept, exitpriority=10))
        _PRINTERS.append(printer)
    else:
        printer.close()


def _close_kept() -> None:
    """End what the worker kept (its exit hook)."""
    while _KEPT:
        _KEPT.pop().close()
    while _PRINTERS:
        _PRINTERS.pop().close()
