"""The kernel a report notebook runs in: started early, warmed, and reused by one worker's runs.

A report's wait is mostly start-up (issue 16 item 1): the kernel process, IPython, then pandas,
matplotlib and simulate imported by the notebook's first cell. :class:`ReportKernel` starts
the kernel the moment a run begins and sends it the notebook's own import lines, so that work
overlaps the caller's checks and notebook build instead of following them. A sweep's worker
keeps its kernel for the next run: simulate is imported afresh, the namespace cleared and the
execution counter reset between runs, so each run sees what a fresh kernel would (pandas,
matplotlib and IPython stay loaded), and a failed run's kernel is never reused.

The kernel is always ``sys.executable`` (through :mod:`simulate.lifecycle`, so it dies with its
parent) with this ``simulate`` package first on ``PYTHONPATH``, talking over ZMQ ``ipc``
sockets in a private temp folder, so parallel kernels never race for TCP ports.
"""

from __future__ import annotations

import ast
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..startenv import user_environ
from .outcome import KERNEL_NAME

_ENGINE = "simulate-kept-kernel"

#: Run before each reused run: simulate's modules imported afresh (their module-level state,
#: such as table-id counters and caches, starts over as in a new kernel; pandas and matplotlib
#: stay loaded), a fresh namespace and history session (cells count from 1 again), the run's folder.
_RESET = (
    "import sys as _sys\n"
    "for _name in [m for m in _sys.modules if m == 'simulate' or m.startswith('simulate.')]:\n"
    "    del _sys.modules[_name]\n"
    "get_ipython().reset(new_session=True)\n"
    "__import__('os').chdir({cwd!r})\n"
)


def kernel_env() -> dict[str, str]:
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


def kernel_manager_class(socket_dir: Path) -> type:
    """A kernel manager class for ``sys.executable``'s ipykernel over ipc sockets in socket_dir."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    # simulate.lifecycle starts ipykernel after asking Linux to end it with its parent
    spec = KernelSpec(
        argv=[sys.executable, "-m", "simulate.lifecycle", "-f", "{connection_file}"],
        display_name="Python 3 (simulate)",
        language="python",
        env=kernel_env(),
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


def import_lines(notebook: Path) -> str:
    """The top-level import statements of a notebook (a percent script or an ``.ipynb``), one
    per line: what the kernel may load before the first cell asks for it."""
    path = Path(notebook)
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            cells = json.loads(text).get("cells", [])
            sources = [
                "".join(c.get("source", "")) if isinstance(c.get("source"), list) else str(c.get("source", ""))
                for c in cells
                if c.get("cell_type") == "code"
            ]
        else:
            sources = [text]
    except (OSError, ValueError, AttributeError):
        return ""
    lines = []
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:  # a cell with IPython magics: its imports load when it runs
            continue
        lines += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return "\n".join(dict.fromkeys(lines))


class ReportKernel:
    """One started ipykernel: ``km`` is handed to papermill, which runs a notebook in it and
    leaves it running; :meth:`prepare` readies it for the next run, :meth:`close` ends it."""

    def __init__(self, cwd: Path, warm: str = "") -> None:
        from jupyter_core.utils import run_sync

        self._sockets = tempfile.TemporaryDirectory(prefix="simk-")
        self.km: Any = kernel_manager_class(Path(self._sockets.name))(kernel_name=KERNEL_NAME)
        # the user's environment, not the one simulate's command line set for itself
        run_sync(self.km.start_kernel)(cwd=str(cwd), env=user_environ())
        self.runs = 0
        self.broken = False  # a run failed in it: never reuse
        self.closed = False
        self._client: Any = None
        if warm:  # queued before the notebook's cells: the kernel imports while the caller works
            self._send(warm)

    def _send(self, code: str) -> None:
        """Queue ``code`` on the shell channel without waiting: the kernel runs requests in order,
        so it finishes before the notebook's first cell (only the shell channel is opened, so no
        output piles up here)."""
        if self._client is None:
            from jupyter_client.blocking import BlockingKernelClient

            self._client = BlockingKernelClient()
            self._client.load_connection_info(self.km.get_connection_info())
            self._client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        self._client.execute(code, silent=True, store_history=False)

    @property
    def alive(self) -> bool:
        return not self.broken and not self.closed and self.km.has_kernel

    def prepare(self, cwd: Path) -> None:
        """Before a run after the first: clear the namespace, count cells from 1, move to cwd."""
        if self.runs:
            self._send(_RESET.format(cwd=str(cwd)))
        self.runs += 1

    def close(self) -> None:
        """End the kernel now and remove its socket folder (safe to call twice)."""
        from jupyter_core.utils import run_sync

        if self.closed:
            return
        self.closed = True
        try:
            if self._client is not None:
                self._client.stop_channels()
                self._client = None
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
        finally:
            self._sockets.cleanup()


def execute_in(kernel: ReportKernel, notebook: Path, output: Path, values: dict[str, Any], **options: Any) -> None:
    """papermill ``notebook`` into ``output`` in the already started ``kernel`` (left running);
    ``options`` are papermill's (timeouts, cwd, ...). Raises what papermill raises."""
    import papermill

    papermill.execute_notebook(
        str(notebook),
        str(output),
        parameters=values,
        engine_name=_engine_name(),
        kernel_name=KERNEL_NAME,
        language="python",
        progress_bar=False,
        log_output=False,
        km=kernel.km,
        **options,
    )


def _engine_name() -> str:
    """papermill's nbclient engine, but for a kernel it did not start: it closes its client's
    channels when the notebook ends and leaves the kernel to :class:`ReportKernel`."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import remove_args

    class _KeptKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(  # type: ignore[override]
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: float = 60,
            execution_timeout: float | None = None,
            **kwargs: Any,
        ) -> Any:
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = PapermillNotebookClient(
                nb_man,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
                **kwargs,
            )
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(_ENGINE, _KeptKernelEngine)  # the same class each time: idempotent
    return _ENGINE
