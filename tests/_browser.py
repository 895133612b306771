"""Headless Chromium for tests that look at reports as a person would (Debian's chromium)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--hide-scrollbars")


def chromium() -> str:
    """The chromium binary; fails the test (never skips) when it is not installed."""
    found = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if found is None:
        pytest.fail("chromium is not installed: run `apt-get install -y chromium`", pytrace=False)
    return found


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        result = subprocess.run([chromium(), *_FLAGS, f"--user-data-dir={profile}", *args],
                                capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        pytest.fail(f"chromium exited {result.returncode}: {result.stderr[-2000:]}")
    return result


def screenshot(html: Path, out: Path, *, width: int = 1280, height: int = 2000,
               timeout: float = 120) -> Path:
    """Save a PNG screenshot of a local HTML file as rendered by headless Chromium."""
    out.unlink(missing_ok=True)
    _run([f"--screenshot={out}", f"--window-size={width},{height}",
          Path(html).resolve().as_uri()], timeout)
    if not out.is_file():
        pytest.fail(f"chromium wrote no screenshot for {html}")
    return out


def dump_dom(html: Path, *, timeout: float = 120) -> str:
    """The DOM of a local HTML file after Chromium loaded it, serialized as HTML."""
    return _run(["--dump-dom", Path(html).resolve().as_uri()], timeout).stdout
