"""``simulate dashboard [SCENARIO]``: the what-if notebook as a web page without code (issue 13).

Serves ``notebooks/what_if.py``, built into a notebook, with Voilà on 127.0.0.1 only. The scenario reaches the
notebook the way papermill passes report parameters: a copy of the notebook in a private temporary
folder gets an ``injected-parameters`` cell after its ``parameters`` cell (the repository's
notebook is not changed); the kernel also sees it as ``SIMULATE_SCENARIO``. Voilà runs as a
child process in its own session, so Ctrl-C reaches only this command, which stops Voilà (and
with it the kernels) and prints one line.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .errors import SimulateError
from .resources import DASHBOARD_PORT, DASHBOARD_SCENARIO, example_path
from .startenv import user_environ

NOTEBOOK = "what_if.ipynb"
DEFAULT_PORT = DASHBOARD_PORT
DEFAULT_SCENARIO = DASHBOARD_SCENARIO
HOST = "127.0.0.1"
#: How long Voilà may take to listen (s) and to stop after SIGTERM (s).
START_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0


def free_port(wanted: int, host: str = HOST) -> int:
    """``wanted`` if nothing listens on it at ``host``, else a port the system says is free."""
    for port in (wanted, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError as exc:
                if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                    continue
                raise
            return s.getsockname()[1]
    raise SimulateError("--port", f"no free port on {host}")


def served_notebook(folder: Path, scenario: Path) -> Path:
    """Write the what-if notebook into ``folder`` with ``scenario`` injected as its parameter.

    A ``scenarios`` link in ``folder`` points at the scenario's own folder, so a notebook that
    lists its neighbours (``scenarios/*.yaml`` beside its working folder) shows the user's.
    """
    import nbformat
    from papermill.parameterize import parameterize_notebook

    from .report.notebook_build import notebook  # jupytext loads only when a dashboard starts

    nb = notebook(NOTEBOOK)  # built from notebooks/what_if.py, every cell tagged
    nb.metadata.setdefault("papermill", {})
    nb = parameterize_notebook(nb, {"scenario": str(scenario)}, report_mode=True)
    target = folder / NOTEBOOK
    nbformat.write(nb, target)
    link = folder / "scenarios"
    if not link.exists():
        link.symlink_to(scenario.parent, target_is_directory=True)
    return target


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the dashboard command dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: Ctrl-C and SIGTERM are still handled by the parent


def _voila_command(notebook: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--Voila.ip={HOST}",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--strip_sources=True",
        f"--Voila.root_dir={notebook.parent}",
    ]


def _kernel_environment(scenario: Path) -> dict[str, str]:
    """This process's environment with this simulate package first on the kernel's path."""
    env = user_environ()  # without what simulate's command line set for itself
    root = str(Path(__file__).resolve().parent.parent)
    rest = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != root]
    env["PYTHONPATH"] = os.pathsep.join([root, *rest])
    env["SIMULATE_SCENARIO"] = str(scenario)
    env["SIMULATE_DASHBOARD_CWD"] = os.getcwd()  # saved files go under the folder the user ran this in
    env.pop("MPLBACKEND", None)  # figures must show inline, even if the caller chose Agg
    return env


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def _last_lines(log: Path, n: int = 3) -> str:
    try:
        lines = [ln.strip() for ln in log.read_text("utf-8", "replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return " | ".join(lines[-n:])


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM (Voilà then shuts its kernels down), then SIGKILL to its process group."""
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def serve(scenario: str | Path | None, port: int = DEFAULT_PORT, *, out=sys.stdout) -> int:
    """Serve the dashboard until Ctrl-C or SIGTERM; returns the exit code (0 when stopped)."""
    from .policy import load_scenario

    path = Path(scenario) if scenario else example_path(DEFAULT_SCENARIO)
    load_scenario(path)  # a broken scenario is a one-line error now, not a page error later
    path = path.resolve()
    chosen = free_port(port)
    if chosen != port:
        print(f"port {port} on {HOST} is in use; using {chosen}", file=out, flush=True)

    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    proc = None
    try:
        with tempfile.TemporaryDirectory(prefix="simulate-dashboard-") as tmp:
            folder = Path(tmp)
            notebook = served_notebook(folder, path)
            log_path = folder / "voila.log"
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(
                    _voila_command(notebook, chosen),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=folder,
                    env=_kernel_environment(path),
                    start_new_session=True,
                    preexec_fn=_die_with_parent,
                )
                try:
                    deadline = time.monotonic() + START_TIMEOUT
                    while not _listening(chosen):
                        if proc.poll() is not None or time.monotonic() > deadline:
                            _stop(proc)
                            raise SimulateError(
                                "dashboard", "Voilà did not start: " + (_last_lines(log_path) or "no output")
                            )
                        time.sleep(0.2)
                    print(
                        f"dashboard (看板) for {path.name}: http://{HOST}:{chosen}/  (Ctrl-C to stop)",
                        file=out,
                        flush=True,
                    )
                    code = proc.wait()
                    raise SimulateError(
                        "dashboard", f"Voilà stopped by itself (exit {code}): " + (_last_lines(log_path) or "no output")
                    )
                finally:
                    _stop(proc)
    except KeyboardInterrupt:
        print("simulate dashboard: stopped", file=sys.stderr, flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
