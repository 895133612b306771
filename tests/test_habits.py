"""The habits that keep the house tidy (issue 11 item 7): ruff's lint, ruff's format over the
whole tree, and mypy (strict on policy/, model/, money.py) pass; the test command fails when
they do not. Rules, staged exceptions and strictness live in pyproject.toml.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _tool(name: str) -> list[str]:
    script = BIN / name
    return [str(script)] if script.exists() else [sys.executable, "-m", name]


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_ruff_lint_passes():
    proc = _run([*_tool("ruff"), "check", "--no-cache", "--output-format", "concise", "."])
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_ruff_format_holds_for_the_whole_tree():
    proc = _run([*_tool("ruff"), "format", "--no-cache", "--check", "."])
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def _mypy_cache() -> Path:
    """mypy's incremental cache: outside the repository (nothing written into the checkout),
    one per checkout and interpreter, kept between runs so an unchanged tree is checked in
    about a second instead of ~25 s. mypy re-checks every module whose source changed."""
    key = hashlib.sha256(f"{ROOT}\0{sys.prefix}".encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "simulate-mypy-cache" / key


def test_mypy_passes():
    proc = _run([*_tool("mypy"), "--cache-dir", str(_mypy_cache())])
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


@pytest.mark.parametrize("text, code", [("import os\n", "F401"), ("x = (1)  # fine\ny = undefined\n", "F821")])
def test_ruff_would_fail_the_run(tmp_path, text, code):
    """The lint step is live: a planted violation in a new file fails with its rule code."""
    bad = tmp_path / "planted.py"
    bad.write_text(text, encoding="utf-8")
    proc = _run([*_tool("ruff"), "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(bad)])
    assert proc.returncode == 1 and code in proc.stdout, proc.stdout


#: The house's sizes (DESIGN.md, "Small modules that say what they hold"; issue 11 item 3).
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 500, 60


def test_modules_and_functions_stay_small():
    """No module of the package over 500 lines, no function over 60: past that, split it along
    what it holds (CONTRIBUTING.md) rather than grow it."""
    import ast

    too_big = []
    for path in sorted((ROOT / "simulate").rglob("*.py")):
        source = path.read_text("utf-8")
        rel = path.relative_to(ROOT).as_posix()
        if source.count("\n") > MAX_MODULE_LINES:
            too_big.append(f"{rel}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_big.append(f"{rel}: {node.name}() {length} lines")
    assert not too_big, too_big
