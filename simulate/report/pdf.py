"""report.pdf beside report.html: printed by headless Chromium, the same bytes on every run.

Chromium is found at run time (``SIMULATE_CHROMIUM``, else ``chromium``, ``chromium-browser``,
``google-chrome`` on the PATH, else ``/usr/bin/chromium``). Without it the report is still
written and :func:`print_pdf` returns the reason the PDF was skipped (issue 12 item 4).
Chromium stamps the print time into ``/CreationDate`` and ``/ModDate``; those digits are
replaced by a fixed date of the same length, and the tagged PDF's element ids (``(node00000058)``,
numbered by the page's DOM, so they grow in a browser that printed before) are renumbered from 1
in order of appearance at the same width, so the cross-reference table stays valid and two runs
give byte-identical files (issue 10 item 11).

:class:`Printer` starts Chromium before the page exists (while the report's kernel runs) and
prints over the DevTools protocol when it does: the same PDF as ``--print-to-pdf``, without the
browser's start-up on the report's critical path (issue 16 item 1); a sweep's worker keeps its
printer for its next report. Anything unexpected falls back to the one-shot ``--print-to-pdf``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from ..lifecycle import dying_with_us

ENV = "SIMULATE_CHROMIUM"
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FIXED_DATE = b"20000101000000"
_DATE = re.compile(rb"(/(?:CreationDate|ModDate)\s*\(D:)(\d{14})")
_NODE = re.compile(rb"\(node(\d+)\)")
#: Chromium's flags for printing: no sandbox, GPU, extensions, first-run or network chatter (a
#: closed machine refuses those connections, many at a time), no header or footer.
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-pdf-header-footer",
    "--disable-extensions",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: What ``--print-to-pdf`` asks of the page (its size from the page's CSS, backgrounds printed).
_PRINT = {"preferCSSPageSize": True, "printBackground": True}


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


def stable_ids(data: bytes) -> bytes:
    """The PDF with its structure element ids renumbered 1, 2, … by first appearance, each at
    its own width (a browser's DOM numbering differs from run to run, the order does not)."""
    seen: dict[bytes, bytes] = {}

    def renumber(m: re.Match[bytes]) -> bytes:
        old = m.group(1)
        new = seen.setdefault(old, str(len(seen) + 1).zfill(len(old)).encode())
        return b"(node" + (new if len(new) == len(old) else old) + b")"

    return _NODE.sub(renumber, data)


def print_pdf(html: Path, pdf: Path, timeout: float = 180.0) -> str | None:
    """Print ``html`` to ``pdf`` (A4 from the page's CSS); None on success, else why it was skipped."""
    chromium, why = find_chromium()
    if chromium is None:
        return why
    with tempfile.TemporaryDirectory(prefix="simpdf-") as profile:
        out = Path(profile) / "out.pdf"
        cmd = [
            chromium,
            *_FLAGS,
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
        Path(pdf).write_bytes(stable_ids(fixed_dates(out.read_bytes())))
    return None


class Printer:
    """A headless Chromium started now, printing pages later over the DevTools protocol."""

    def __init__(self) -> None:
        self.chromium, self.why = find_chromium()
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._page: tuple[str, str] | None = None  # (closing address, WebSocket address)
        if self.chromium is None:
            return
        self._profile = tempfile.TemporaryDirectory(prefix="simpdf-", ignore_cleanup_errors=True)
        cmd = [self.chromium, *_FLAGS, f"--user-data-dir={self._profile.name}", "--remote-debugging-port=0"]
        try:
            devnull = subprocess.DEVNULL
            self._proc = subprocess.Popen(
                [*cmd, "about:blank"], stdin=devnull, stdout=devnull, stderr=devnull, **dying_with_us()
            )
        except OSError:
            self._proc = None  # print() falls back to print_pdf, which says why

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def print(self, html: Path, pdf: Path, timeout: float = 180.0) -> str | None:
        """Print ``html`` to ``pdf`` as :func:`print_pdf` does; None on success, else why skipped."""
        if self.chromium is None:
            return self.why
        if self.alive:
            for _ in range(2):  # a page lost as the browser starts up: once more in a new page
                try:
                    data = self._print_in_page(Path(html), timeout)
                    Path(pdf).write_bytes(stable_ids(fixed_dates(data)))
                    return None
                except Exception:
                    self._drop_page(timeout)
                    if not self.alive:
                        break
            self.close()  # a browser that will not answer: end it, print the one-shot way
        return print_pdf(Path(html), Path(pdf), timeout)

    def _open(self, timeout: float) -> tuple[str, str]:
        """A new blank page of the started browser: (the address that closes it, its WebSocket
        address). Chromium 156's headless mode may list no start page, so the printer opens its own."""
        assert self._profile is not None
        port_file = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            if time.monotonic() > deadline or not self.alive:
                raise TimeoutError("Chromium did not open its DevTools port")
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port_file.read_text().splitlines()[0].strip()}"
        opening = urllib.request.Request(f"{base}/json/new?about:blank", method="PUT")
        with urllib.request.urlopen(opening, timeout=timeout) as answer:
            page = json.load(answer)
        return f"{base}/json/close/{page['id']}", str(page["webSocketDebuggerUrl"])

    def _print_in_page(self, html: Path, timeout: float) -> bytes:
        """The PDF of ``html`` printed in the printer's page, opened at its first print and kept:
        a sweep's next report loads in the same renderer instead of starting one (about 1 s of
        CPU a report; the PDF's element ids are renumbered, so the bytes are those of a new page)."""
        if self._page is None:
            self._page = self._open(timeout)
        return _run(_print_page(self._page[1], html, timeout), timeout)

    def _drop_page(self, timeout: float) -> None:
        """Close the printer's page after a failed print (the next print opens a new one)."""
        if self._page is not None:
            closing, self._page = self._page[0], None
            try:
                urllib.request.urlopen(closing, timeout=timeout).close()
            except OSError:
                pass

    def close(self) -> None:
        """End the browser and remove its profile (safe to call twice, never raises)."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()  # Chromium then ends its renderers itself
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        self._page = None
        if self._profile is not None:
            # a renderer may still be writing into the profile as it ends: a leftover there is
            # a temporary folder's business, never a failed report
            shutil.rmtree(self._profile.name, ignore_errors=True)
            self._profile.cleanup()
            self._profile = None


def _run(coro: Any, timeout: float) -> bytes:
    """Run a coroutine on a private event loop (the caller's thread may own another)."""
    loop = asyncio.new_event_loop()
    try:
        return bytes(loop.run_until_complete(asyncio.wait_for(coro, timeout)))
    finally:
        loop.close()


async def _print_page(endpoint: str, html: Path, timeout: float) -> bytes:
    """Load ``html`` in the page at ``endpoint`` and return ``Page.printToPDF``'s bytes."""
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(endpoint, max_message_size=1 << 30)
    ids = iter(range(1, 1 << 30))
    events: list[dict[str, Any]] = []

    async def call(method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        number = next(ids)
        await ws.write_message(json.dumps({"id": number, "method": method, "params": params or {}}))
        while True:
            reply = await _message(ws)
            if reply.get("id") == number:
                if "error" in reply:
                    raise RuntimeError(str(reply["error"]))
                return dict(reply["result"])
            events.append(reply)

    def loaded(loader: str) -> bool:
        # the report's own load event, not the blank page's, which a new page may still report
        return any(
            e.get("method") == "Page.lifecycleEvent"
            and e.get("params", {}).get("name") == "load"
            and e.get("params", {}).get("loaderId") == loader
            for e in events
        )

    try:
        await call("Page.enable")
        await call("Page.setLifecycleEventsEnabled", {"enabled": True})
        navigated = await call("Page.navigate", {"url": html.resolve().as_uri()})
        if navigated.get("errorText"):
            raise RuntimeError(str(navigated["errorText"]))
        while not loaded(str(navigated.get("loaderId"))):
            events.append(await _message(ws))
        return base64.b64decode((await call("Page.printToPDF", dict(_PRINT)))["data"])
    finally:
        ws.close()


async def _message(ws: Any) -> dict[str, Any]:
    """The next DevTools message as a dict; ConnectionError when Chromium closed the socket."""
    message = await ws.read_message()
    if message is None:
        raise ConnectionError("Chromium closed the DevTools connection")
    return dict(json.loads(message))
