#!/usr/bin/env bash
# Install everything the tests need on a fresh Linux machine (Python 3.11+), then run them.
# System package: Debian's chromium, for the test that opens a rendered report headless.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (Debian package) for the browser test..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; the browser test will fail and say why"
  else
    echo "warning: chromium is not installed and this is not root; the browser test will fail"
  fi
fi
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
