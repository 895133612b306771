"""The habits that keep the house tidy (issue 11 item 7): ruff's lint, ruff's format on the files
already formatted, and mypy (strict on policy/, model/, money.py) pass; the test command fails
when they do not. Rules, staged exceptions and strictness live in pyproject.toml.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

#: Files kept in ``ruff format`` style; the lead's clean-up pass formats the rest, then this
#: list becomes the whole tree (``ruff format --check .``).
FORMATTED = [
    "simulate/report/notebook_build.py",
    "simulate/errors.py",
    "simulate/labels.py",
    "simulate/resources.py",
    "tests/test_habits.py",
    "simulate/analysis/sweep_study.py",
    "tests/test_sweep_study.py",
]


def _tool(name: str) -> list[str]:
    script = BIN / name
    return [str(script)] if script.exists() else [sys.executable, "-m", name]


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_ruff_lint_passes():
    proc = _run([*_tool("ruff"), "check", "--no-cache", "--output-format", "concise", "."])
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_ruff_format_holds_for_formatted_files():
    proc = _run([*_tool("ruff"), "format", "--no-cache", "--check", *FORMATTED])
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_mypy_passes():
    # the cache lives in a temporary folder: two xdist workers never share it
    proc = _run([*_tool("mypy"), "--no-incremental", "--cache-dir", "/dev/null"])
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


@pytest.mark.parametrize("text, code", [("import os\n", "F401"), ("x = (1)  # fine\ny = undefined\n", "F821")])
def test_ruff_would_fail_the_run(tmp_path, text, code):
    """The lint step is live: a planted violation in a new file fails with its rule code."""
    bad = tmp_path / "planted.py"
    bad.write_text(text, encoding="utf-8")
    proc = _run([*_tool("ruff"), "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(bad)])
    assert proc.returncode == 1 and code in proc.stdout, proc.stdout
