"""``simulate`` commands run in the test's own process, for tests that read what a command
writes rather than how it exits (issue 11 item 6: the suite starts no interpreter per report)."""

from __future__ import annotations

import contextlib
import io
import signal
import subprocess
from pathlib import Path

import pytest

from simulate.cli import main

ROOT = Path(__file__).resolve().parent.parent


def simulate_in_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``simulate ARGS`` through the console script's own ``main``, in this process, from the
    repository root: what a user's command does (exit code, stdout, stderr), without starting an
    interpreter and importing simulate (~0.7 CPU-s) or the report machinery (~2.5 CPU-s) per run.
    The exit-code contract of the script itself is checked by the tests that run ``simulate``
    as a subprocess. Signal handlers the command installs are restored."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    out, err = io.StringIO(), io.StringIO()
    try:
        with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            patch.chdir(ROOT)
            for name, value in (env or {}).items():  # render workers and kernels inherit these
                patch.setenv(name, value)
            code = main(list(args))
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    return subprocess.CompletedProcess(["simulate", *args], code, out.getvalue(), err.getvalue())


def simulate_main(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """:func:`simulate_in_process`, failing the test unless exit 0."""
    proc = simulate_in_process(*args, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc
