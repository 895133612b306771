#!/usr/bin/env bash
# Debian packages the tests use, installed only if missing: chromium (the headless browser
# tests), poppler-utils (pdftotext, to read report.pdf), python3-venv (to create .venv).
# As root with apt-get they are installed; otherwise each missing one is named.
# --strict (CI): exit 1 if one is still missing afterwards.
set -euo pipefail
can_venv() {   # Debian's python3 creates a venv with pip only once python3-venv is installed
  local tmp; tmp="$(mktemp -d)"
  python3 -m venv "$tmp/v" >/dev/null 2>&1; local rc=$?
  rm -rf "$tmp"; return $rc
}
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
can_venv || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} (Debian packages) for the tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
      || echo "warning: could not install ${missing[*]}; the tests that need them will fail and say why"
  else
    echo "warning: ${missing[*]} not installed and this is not root with apt-get; the tests that need them will fail"
  fi
fi
if [ "${1:-}" = "--strict" ] && [ ${#missing[@]} -gt 0 ]; then
  still=()
  for pkg in "${missing[@]}"; do
    case "$pkg" in
      chromium) command -v chromium >/dev/null 2>&1 || still+=(chromium) ;;
      poppler-utils) command -v pdftotext >/dev/null 2>&1 || still+=(poppler-utils) ;;
      python3-venv) can_venv || still+=(python3-venv) ;;
    esac
  done
  if [ ${#still[@]} -gt 0 ]; then
    echo "error: still missing: ${still[*]}" >&2
    exit 1
  fi
fi
