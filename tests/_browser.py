"""Headless Chromium for tests that look at reports as a person would (Debian's chromium).

Chromium runs with the system's fonts hidden: its fontconfig file names one folder holding
only DejaVu Sans, so Chinese text shows only through the font a page embeds, whatever is
installed (fonts-noto-cjk or none). A test of the embedded font thus gives the same answer on
every machine (issue 10 item 9).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
#: The one font Chromium sees in tests (shipped with matplotlib): Latin only, no CJK glyph.
LATIN_FONT = "DejaVuSans.ttf"
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str:
    """The chromium binary; fails the test (never skips) when it is not installed."""
    found = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if found is None:
        pytest.fail("chromium is not installed: run `apt-get install -y chromium`", pytrace=False)
    return found


def no_system_fonts(folder: Path) -> dict[str, str]:
    """Environment for a process that sees none of the machine's fonts: FONTCONFIG_FILE names a
    config in ``folder`` whose only font directory holds matplotlib's DejaVu Sans (Latin, no CJK
    glyph). Not an empty directory: with no font at all Chromium aborts (Skia FATAL)."""
    import matplotlib

    fonts, cache = folder / "fonts", folder / "fontcache"
    fonts.mkdir(exist_ok=True)
    cache.mkdir(exist_ok=True)
    shutil.copy(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / LATIN_FONT, fonts)
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig>\n  <dir>{fonts}</dir>\n  <cachedir>{cache}</cachedir>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(config), "FONTCONFIG_PATH": str(folder)}


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="chromium-") as temporary:
        profile = Path(temporary) / "profile"
        result = subprocess.run(
            [chromium(), *_FLAGS, f"--user-data-dir={profile}", *args],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=no_system_fonts(Path(temporary)),
        )
    if result.returncode != 0:
        pytest.fail(f"chromium exited {result.returncode}: {result.stderr[-2000:]}")
    return result


def screenshot(html: Path, out: Path, *, width: int = 1280, height: int = 2000, timeout: float = 120) -> Path:
    """Save a PNG screenshot of a local HTML file as rendered by headless Chromium."""
    out.unlink(missing_ok=True)
    _run([f"--screenshot={out}", f"--window-size={width},{height}", Path(html).resolve().as_uri()], timeout)
    if not out.is_file():
        pytest.fail(f"chromium wrote no screenshot for {html}")
    return out


def dump_dom(html: Path, *, timeout: float = 120) -> str:
    """The DOM of a local HTML file after Chromium loaded it, serialized as HTML."""
    return _run(["--dump-dom", Path(html).resolve().as_uri()], timeout).stdout
