"""``simulate dashboard`` (issue 13 item 1): the what-if notebook served by Voilà without code.

Starts the command on a port that is already taken (it must pick a free one and say so),
fetches the page over HTTP from 127.0.0.1 until it answers 200 (bounded wait, not a timing
assertion), checks that no code cell's source is on the page, then sends SIGINT and checks one
line, exit 0 and no process left behind.
"""

from __future__ import annotations

import html
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
from pathlib import Path

import nbformat
import psutil
import pytest

from simulate.dashboard import NOTEBOOK, served_notebook
from simulate.report.notebook_build import notebook
from simulate.resources import notebook_path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "songming-2018.yaml"
#: Bounds on waiting (s): a hung server fails the test instead of hanging the suite.
WAIT_URL, WAIT_PAGE, WAIT_EXIT = 180, 300, 60


def test_served_copy_carries_the_scenario_and_leaves_the_notebook_alone(tmp_path):
    before = notebook_path("what_if.py").read_bytes()
    served = served_notebook(tmp_path, SCENARIO)
    assert notebook_path("what_if.py").read_bytes() == before
    nb = nbformat.read(served, as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    at = next(i for i, t in enumerate(tags) if "injected-parameters" in t)
    assert "parameters" in tags[at - 1]
    assert f"scenario = {str(SCENARIO)!r}" in nb.cells[at].source.replace('"', "'")
    assert (tmp_path / "scenarios").resolve() == SCENARIO.parent


def test_notebook_names_its_kernel(tmp_path):
    nb = nbformat.read(served_notebook(tmp_path, SCENARIO), as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["kernelspec"]["language"] == "python"


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)


def _code_lines() -> list[str]:
    """Distinctive source lines of every code cell (long enough not to occur by chance)."""
    nb = notebook(NOTEBOOK)
    return [
        ln.strip() for c in nb.cells if c.cell_type == "code" for ln in c.source.splitlines() if len(ln.strip()) >= 25
    ]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_dashboard_serves_without_code_and_stops_on_ctrl_c():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    busy = taken.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulate", "dashboard", str(SCENARIO), "--port", str(busy)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    out: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, out), daemon=True).start()
    try:
        seen = []
        deadline = time.monotonic() + WAIT_URL
        url = None
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                seen.append(out.get(timeout=1))
            except queue.Empty:
                continue
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", seen[-1])
            url = m and m.group(0)
        assert url, f"no URL printed; stdout {seen}, exit {proc.poll()}"
        port = int(re.search(r":(\d+)/", url).group(1))
        assert port != busy
        assert any(f"port {busy}" in s and f"using {port}" in s for s in seen), seen

        page = None
        deadline = time.monotonic() + WAIT_PAGE
        while page is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=WAIT_PAGE) as r:
                    if r.status == 200:
                        page = r.read().decode("utf-8")
            except (urllib.error.URLError, ConnectionError):
                time.sleep(1)
        assert page is not None, "the dashboard never answered 200"

        text = html.unescape(page)
        shown = [ln for ln in _code_lines() if ln in text]
        assert not shown, f"code on the page: {shown[:3]}"
        cells = re.findall(r'class="jp-Cell jp-CodeCell[^"]*"', page)
        assert cells and all("jp-mod-noInput" in c for c in cells)
        # the notebook ran: its widgets are on the page, and no cell failed
        assert "application/vnd.jupyter.widget-view+json" in page
        assert '"output_type": "error"' not in page and "Traceback" not in text

        family = psutil.Process(proc.pid).children(recursive=True)
        assert any("voila" in " ".join(p.cmdline()) for p in family)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=WAIT_EXIT)
    finally:
        taken.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines == ["simulate dashboard: stopped"], err
    gone, alive = psutil.wait_procs(family, timeout=WAIT_EXIT)
    assert not alive, [p.cmdline() for p in alive]
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_bad_scenario_is_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [\n", "utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "simulate", "dashboard", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "bad.yaml" in r.stderr
    assert "Traceback" not in r.stderr


def test_port_must_be_a_port():
    r = subprocess.run(
        [sys.executable, "-m", "simulate", "dashboard", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert r.returncode == 2 and "70000" in r.stderr and len(r.stderr.strip().splitlines()) == 1
