#!/usr/bin/env bash
# Install everything the tests need on a fresh Linux machine (Python 3.11+), then run them.
# System packages (Debian): chromium, poppler-utils, python3-venv — see scripts/system-deps.sh.
# Tests run on two processes (pytest-xdist); tests/test_habits.py runs ruff and mypy among them.
# Extra arguments go to pytest, e.g. `-m "not slow"` to skip the end-to-end report, wheel and
# dashboard tests (CI runs them all).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { echo "error: Python 3.11 or newer is needed (python3 is $(python3 -V 2>&1))" >&2; exit 1; }
bash scripts/system-deps.sh
python3 -m venv .venv
# uv installs the ~150 packages in ~15 CPU-s where pip takes ~80 (pip's resolver, and compiling
# every module of jupyterlab & co. that no test imports: the modules the tests import are compiled
# as they are first imported). pip installs uv; where no index offers uv, pip installs it all.
pip=(.venv/bin/python -m pip --disable-pip-version-check -q)
{ "${pip[@]}" install uv && .venv/bin/python -m uv pip install -q --python .venv/bin/python -e ".[dev]"; } \
  || { "${pip[@]}" install --upgrade pip && "${pip[@]}" install -e ".[dev]"; }
# Compiled modules are kept (__pycache__/, git-ignored) even where PYTHONDONTWRITEBYTECODE is set:
# otherwise each xdist worker re-rewrites every test module (~7 CPU-s) and each report kernel
# and subprocess recompiles the package.
unset PYTHONDONTWRITEBYTECODE
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n 2 "$@"
