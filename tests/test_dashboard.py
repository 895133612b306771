"""``simulate dashboard`` (issue 13 item 1): the what-if notebook served by Voilà without code.

The served copy of the notebook and the command's refusals. The running server (a taken port,
the page over HTTP without code, SIGINT: one line, exit 0, no process left) is checked by
tests/test_dashboard_browser.py on its one server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat

from simulate.dashboard import served_notebook
from simulate.resources import notebook_path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "songming-2018.yaml"


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


# The served page (port fallback, no code, widgets) and its stop on Ctrl-C are checked on the one
# dashboard server of tests/test_dashboard_browser.py (test_dashboard_in_chromium_equals_the_command_line).


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
