"""``simulate`` commands run in the test's own process, for tests that read what a command
writes rather than how it exits (issue 11 item 6: the suite starts no interpreter per report)."""

from __future__ import annotations

import contextlib
import io
import subprocess
from pathlib import Path

import pytest

from simulate.cli import main

ROOT = Path(__file__).resolve().parent.parent


def simulate_main(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``simulate ARGS`` through the console script's own ``main``, in this process, from the
    repository root: what a user's command does, without starting an interpreter and importing
    the report machinery (~2.5 CPU-s) per run. The exit-code contract is checked by the tests
    that run ``simulate`` as a subprocess. Fails the test unless exit 0."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        patch.chdir(ROOT)
        for name, value in (env or {}).items():  # render workers and kernels inherit these
            patch.setenv(name, value)
        code = main(list(args))
    assert code == 0, err.getvalue()
    return subprocess.CompletedProcess(["simulate", *args], code, out.getvalue(), err.getvalue())
