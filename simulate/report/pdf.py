"""report.pdf beside report.html: printed by headless Chromium, the same bytes on every run.

Chromium is found at run time (``SIMULATE_CHROMIUM``, else ``chromium``, ``chromium-browser``,
``google-chrome`` on the PATH, else ``/usr/bin/chromium``). Without it the report is still
written and :func:`print_pdf` returns the reason the PDF was skipped (issue 12 item 4).
Chromium stamps the print time into ``/CreationDate`` and ``/ModDate``; those digits are
replaced by a fixed date of the same length, so the cross-reference table stays valid and
two runs give byte-identical files (issue 10 item 11).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..lifecycle import dying_with_us

ENV = "SIMULATE_CHROMIUM"
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FIXED_DATE = b"20000101000000"
_DATE = re.compile(rb"(/(?:CreationDate|ModDate)\s*\(D:)(\d{14})")


def find_chromium() -> tuple[str | None, str]:
    """(path, "") of a Chromium to print with, or (None, why none was found)."""
    wanted = os.environ.get(ENV)
    if wanted is not None:
        if wanted.strip().lower() in ("", "none", "off"):
            return None, f"{ENV} is set to {wanted!r} (PDF printing turned off)"
        found = shutil.which(wanted)
        return (found, "") if found else (None, f"{ENV}={wanted} is not an executable")
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found, ""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium", ""
    return None, "no Chromium found (looked for " + ", ".join(_NAMES) + f" on PATH; set {ENV})"


def fixed_dates(data: bytes) -> bytes:
    """The PDF with its creation and modification dates set to a fixed date of equal length."""
    return _DATE.sub(lambda m: m.group(1) + _FIXED_DATE, data)


def print_pdf(html: Path, pdf: Path, timeout: float = 180.0) -> str | None:
    """Print ``html`` to ``pdf`` (A4 from the page's CSS); None on success, else why it was skipped."""
    chromium, why = find_chromium()
    if chromium is None:
        return why
    with tempfile.TemporaryDirectory(prefix="simpdf-") as profile:
        out = Path(profile) / "out.pdf"
        cmd = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            "--disable-extensions",
            "--no-first-run",
            "--disable-dev-shm-usage",
            # no network: a closed machine refuses these connections, many at a time
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={out}",
            Path(html).resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
                **dying_with_us(),
            )
        except subprocess.TimeoutExpired:
            return f"{chromium} did not finish printing within {timeout:g} s"
        except OSError as exc:
            return f"{chromium} could not start: {exc}"
        if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            tail = " ".join((proc.stderr or "").strip().splitlines()[-1:])[:200]
            return f"{chromium} failed to print (exit {proc.returncode}): {tail or 'no output'}"
        Path(pdf).write_bytes(fixed_dates(out.read_bytes()))
    return None
