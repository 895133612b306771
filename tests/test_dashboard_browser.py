"""The dashboard in a real browser (issue 13 item 6): headless Debian Chromium driven by Playwright.

Starts ``simulate dashboard scenarios/songming-2018.yaml`` on a port that is taken (it must pick
a free one and say so), fetches the page over HTTP (no code, inputs hidden, widgets, no error),
then in Chromium checks that every tier
of 嵩明 has a slider under its full Chinese name and that no code is on the page, moves the
personal standard to 200 and one tier's share with the keyboard, and waits until the figures on
screen equal ``simulate run … --set … --json`` for the same people (the run's default size and
seed) to the fen. Then saves the settings as a variant and checks ``simulate validate`` accepts
it and that the variant runs to the same figures; SIGINT then stops it with one line, exit 0 and
no process left (one server for all of it: Voilà's start-up is ~11 CPU-s). Waits are bounded;
nothing asserts a time.
"""

from __future__ import annotations

import html
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import psutil
import pytest

from simulate.policy import load_scenario
from simulate.report.notebook_build import notebook

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "songming-2018.yaml"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Bounds on waiting (s): a hung server or page fails the test instead of hanging the suite.
WAIT_URL, WAIT_PAGE, WAIT_FIGURES = 180, 300, 120
#: What the page shows (class fig-<key>-what_if) and where the run's JSON has it.
FIGURES = ("financing_total", "government_total", "county_burden")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(*sets: str) -> dict:
    args = [a for s in sets for a in ("--set", s)]
    r = subprocess.run(
        check=False,
        args=[sys.executable, "-m", "simulate", "run", str(SCENARIO), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _expected(run: dict) -> dict[str, Decimal]:
    """Yuan (exact Decimals) by the page's figure keys, from ``simulate run --json``."""
    out = {k: Decimal(str(run["budget"][k])) for k in FIGURES}
    out.update({k: Decimal(str(v)) for k, v in run["by_source"].items()})
    out["fiscal_subsidy"] = Decimal(str(run["fiscal_subsidy"]))
    return out


def _shown(page, keys) -> dict[str, Decimal | None]:
    out: dict[str, Decimal | None] = {}
    for k in keys:
        cell = page.locator(f".fig-{k}-what_if")
        out[k] = Decimal(cell.inner_text().replace(",", "").strip()) if cell.count() else None
    return out


def _wait_for(page, expected: dict[str, Decimal]) -> dict:
    """Poll the figures until they equal ``expected`` (or the bound passes); returns the last seen."""
    deadline = time.monotonic() + WAIT_FIGURES
    seen: dict = {}
    while time.monotonic() < deadline:
        seen = _shown(page, expected)
        if seen == expected:
            break
        page.wait_for_timeout(250)
    return seen


def _move(page, key: str, presses: int) -> None:
    """Move a slider with the keyboard, as a person without a mouse would."""
    handle = page.locator(f".lever-{key} [role=slider]")
    assert handle.count() == 1, key
    handle.focus()
    for _ in range(abs(presses)):
        page.keyboard.press("ArrowRight" if presses > 0 else "ArrowLeft")


def _code_lines(shortest: int = 20) -> list[str]:
    """Distinctive source lines of every code cell (long enough not to occur by chance; in the
    raw HTML, with its scripts and styles, longer)."""
    nb = notebook("what_if")
    return [
        ln.strip()
        for c in nb.cells
        if c.cell_type == "code"
        for ln in c.source.splitlines()
        if len(ln.strip()) >= shortest
    ]


@dataclass
class Served:
    """A running ``simulate dashboard``: its process, URL, the port it was asked for (taken)
    and the lines it printed."""

    proc: subprocess.Popen
    url: str
    busy: int
    printed: list[str]


@pytest.fixture
def dashboard(tmp_path):
    """``simulate dashboard`` asked for a port that is already taken: it must pick a free one."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    busy = taken.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulate", "dashboard", str(SCENARIO), "--port", str(busy)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout], daemon=True).start()
    url, seen = None, []
    deadline = time.monotonic() + WAIT_URL
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        try:
            seen.append(lines.get(timeout=1))
        except queue.Empty:
            continue
        m = re.search(r"http://127\.0\.0\.1:\d+/", seen[-1])
        url = m and m.group(0)
    try:
        assert url, f"no URL printed: {seen}, exit {proc.poll()}"
        yield Served(proc, url, busy, seen)
    finally:
        taken.close()
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _page_over_http(served: Served) -> None:
    """The port fallback is said, and the page fetched over HTTP until it answers 200 holds
    no code, hides every input and shows the notebook's widgets without an error."""
    port = int(re.search(r":(\d+)/", served.url).group(1))
    assert port != served.busy
    assert any(f"port {served.busy}" in s and f"using {port}" in s for s in served.printed), served.printed
    page = None
    deadline = time.monotonic() + WAIT_PAGE
    while page is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(served.url, timeout=WAIT_PAGE) as r:
                if r.status == 200:
                    page = r.read().decode("utf-8")
        except (urllib.error.URLError, ConnectionError):
            time.sleep(1)
    assert page is not None, "the dashboard never answered 200"
    text = html.unescape(page)
    assert not [ln for ln in _code_lines(25) if ln in text], "code on the page"
    cells = re.findall(r'class="jp-Cell jp-CodeCell[^"]*"', page)
    assert cells and all("jp-mod-noInput" in c for c in cells)
    assert "application/vnd.jupyter.widget-view+json" in page
    assert '"output_type": "error"' not in page and "Traceback" not in text


def _stops_on_ctrl_c(served: Served) -> None:
    """SIGINT: one line, exit 0, no process of its family left, the port closed."""
    proc = served.proc
    family = psutil.Process(proc.pid).children(recursive=True)
    assert any("voila" in " ".join(p.cmdline()) for p in family)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert [ln for ln in err.splitlines() if ln.strip()] == ["simulate dashboard: stopped"], err
    _, alive = psutil.wait_procs(family, timeout=60)
    assert not alive, [p.cmdline() for p in alive]
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", int(re.search(r":(\d+)/", served.url).group(1)))) != 0


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_dashboard_in_chromium_equals_the_command_line(dashboard, tmp_path):
    from playwright.sync_api import sync_playwright

    _page_over_http(dashboard)

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install -y chromium", pytrace=False)
    base = load_scenario(SCENARIO)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 2400})
            page.goto(dashboard.url, timeout=WAIT_PAGE * 1000)
            page.wait_for_selector(".fig-county_burden-what_if", timeout=WAIT_PAGE * 1000)

            # no code on the page, and every tier of 嵩明 has a slider under its full name
            text = page.inner_text("body")
            assert not [ln for ln in _code_lines() if ln in text], "code on the page"
            assert "Traceback" not in text and "Error" not in text
            assert (
                page.locator(".jp-CodeCell .jp-InputArea:visible, .jp-InputArea-editor:visible, .cm-editor").count()
                == 0
            )
            for tier in base.policy.tiers:
                assert page.locator(f".lever-tier-{tier.id}-percent [role=slider]").count() == 1, tier.id
                assert tier.label.zh in text, tier.label.zh
            # the people are simulate run's default, and the page says so
            default = _cli()
            assert f"{default['persons']:,}" in text and "与 simulate run 默认的人数和种子相同" in text
            assert _shown(page, _expected(default)) == _expected(default)

            _move(page, "personal", 200 - base.policy.contribution.personal // 100)
            personal = _expected(_cli("contribution.personal=200"))
            seen = _wait_for(page, personal)
            assert seen == personal, (seen, personal)

            _move(page, "tier-dibao-percent", -10)  # 城乡低保对象: 100% → 90% of the standard
            both = _expected(
                _cli("contribution.personal=200", "tiers.dibao.subsidy.form=percent", "tiers.dibao.subsidy.percent=90")
            )
            seen = _wait_for(page, both)
            assert seen == both, (seen, both)
            assert both["unspecified_government"] != personal["unspecified_government"]

            target = tmp_path / "variants" / "meeting" / "songming-what-if.yaml"
            box = page.locator(".dash-variant-path input")
            box.fill(str(target))
            box.press("Tab")
            page.wait_for_timeout(500)
            page.locator(".dash-save button, button.dash-save").first.click()
            page.wait_for_selector(".dash-saved-path", timeout=WAIT_FIGURES * 1000)
            assert page.inner_text(".dash-saved-path").strip() == str(target)

            # the English switch relabels the page; the figures stay the same
            page.locator(".dash-lang button", has_text="English").click()
            page.wait_for_selector("text=County's own burden", timeout=WAIT_FIGURES * 1000)
            assert _shown(page, both) == both
        finally:
            browser.close()
    _stops_on_ctrl_c(dashboard)

    r = subprocess.run(
        check=False,
        args=[sys.executable, "-m", "simulate", "validate", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert r.returncode == 0, r.stderr
    saved = target.read_text("utf-8")
    assert saved.count("assumption: true") >= 2 and "What-if" in saved and "extends:" in saved
    v = subprocess.run(
        check=False,
        args=[sys.executable, "-m", "simulate", "run", str(target), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert v.returncode == 0, v.stderr
    assert _expected(json.loads(v.stdout)) == both
