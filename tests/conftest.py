"""Shared fixtures: run from the repository root so scenario paths resolve as in the README.

Rendered reports are the suite's long poles (a papermill kernel, an HTML export and a Chromium
PDF each), so each distinct report is rendered once per test session here and read by every
test that only looks at it. Every test using one of the fixtures in ``SHARED`` is put in that
fixture's xdist group (``--dist loadgroup``, set in pyproject.toml): one worker renders it and
runs all its readers. Groups are collected first, most expensive first, then the other slow
tests, so the long poles start at once instead of meeting on one worker at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _cli import simulate_main
from _hostile import hostile_scenario, payload

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny_report.ipynb"
#: For runs whose tests never read report.pdf: the package's switch that skips Chromium's print
#: (simulate/report/pdf.py). The PDF itself is checked on the what-if report and the tiny report.
NO_PDF = {"SIMULATE_CHROMIUM": "none"}

# The language of messages follows the locale when --lang is not given (simulate/lang.py); the
# tests read the default (Chinese) wording, so they run under a locale that names no language,
# whatever the machine's, and pass --lang en where they read English.
os.environ["LC_ALL"] = "C.UTF-8"
os.environ.pop("LC_MESSAGES", None)

#: Fixture -> xdist group of every test that uses it (directly or through another fixture),
#: most expensive first: groups start in this order. Fixtures named here but defined in a test
#: module are session-scoped there for the same reason.
SHARED = {
    "installed": "install",  # tests/test_install.py: a wheel, a venv, five commands
    "shared_sweep": "sweep",  # below: three reports and a summary, read by the CLI and hostile tests
    "what_if_reports": "what-if-report",  # below: the same report twice, with its PDF
    "notebook_runs": "notebooks",  # tests/test_notebooks.py: three analyst notebooks
    "hostile_report": "hostile-report",  # tests/hostile/test_html.py
    "sinan_report": "sinan-report",  # below
    "tiny_report": "tiny-report",  # below
}


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    yield


# The scenario cache (simulate/policy/scenario_cache.py) is used in this process once simulate.cli
# has turned pydantic's plugins off: the tests must never read or write the user's own
# ~/.cache (a stale entry, a test's monkeypatched validation, a HOME that cannot be written on
# a fresh machine). The session's own folder (session fixtures, every subprocess and kernel
# inherits it), then one per test (below).
_SESSION_CACHE = tempfile.mkdtemp(prefix="simulate-test-cache-")
os.environ["XDG_CACHE_HOME"] = _SESSION_CACHE


def pytest_unconfigure(config):
    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory, monkeypatch):
    """A cache folder of the test's own (``XDG_CACHE_HOME``): nothing kept by one test is
    read by another, and the user's cache is never touched."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def no_pdf(monkeypatch):
    """For a test that never reads report.pdf: renders skip Chromium's print (NO_PDF); report
    worker processes and ``simulate`` subprocesses inherit the setting."""
    for name, value in NO_PDF.items():
        monkeypatch.setenv(name, value)


# --------------------------------------------------------------------------- order and groups


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Group each test with the shared artefact it reads, then order: groups (costliest
    first), other ``slow`` tests, the rest; each part keeps the collected order. Runs before
    xdist's own hook, which names the groups."""
    rank = {group: i for i, group in enumerate(SHARED.values())}

    def group_of(item) -> str | None:
        used = [SHARED[name] for name in item.fixturenames if name in SHARED]
        return min(used, key=rank.__getitem__) if used else None  # one group, never a mixed name

    def key(pair):
        position, item = pair
        group = group_of(item)
        if group is not None:
            return (0, rank[group], position)
        return (1 if item.get_closest_marker("slow") else 2, 0, position)

    for item in items:
        group = group_of(item)
        if group is not None and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(group))
    items[:] = [item for _, item in sorted(enumerate(items), key=key)]


# --------------------------------------------------------------------------- shared reports


@dataclass(frozen=True)
class WhatIf:
    """Two identical ``simulate report`` runs of one what-if (issue 12), PDF included."""

    params: dict[str, Any]
    first: Path
    second: Path


@pytest.fixture(scope="session")
def what_if_reports(tmp_path_factory) -> WhatIf:
    """Langxi 2024 with the personal contribution at 400 yuan, rendered twice by the CLI's main."""
    params = {
        "scenario": "scenarios/langxi-2024.yaml",
        "overrides": {"contribution.personal": 400},
        "size": 20_000,
        "seed": 2,
    }
    base = tmp_path_factory.mktemp("what-if")
    args = [
        "report",
        params["scenario"],
        "--set",
        "contribution.personal=400",
        "--size",
        str(params["size"]),
        "--seed",
        str(params["seed"]),
    ]
    for name in ("first", "second"):
        proc = simulate_main(*args, "--out", str(base / name))
        assert "report.pdf" not in proc.stderr  # the test machine has Chromium: no silent skip (either language)
    return WhatIf(params, base / "first", base / "second")


@pytest.fixture(scope="session")
def sinan_report(tmp_path_factory) -> tuple[Path, dict[str, Any]]:
    """The plain (no what-if) Sinan 2021 report by ``simulate report --json``: (folder, printed JSON)."""
    out = tmp_path_factory.mktemp("sinan") / "sinan"
    proc = simulate_main(
        "report", "scenarios/sinan-2021.yaml", "--size", "30000", "--seed", "2", "--out", str(out), "--json", env=NO_PDF
    )
    return out, json.loads(proc.stdout)


@pytest.fixture(scope="session")
def tiny_report(tmp_path_factory):
    """tests/fixtures/tiny_report.ipynb rendered with its PDF: the runner's folder, HTML and PDF."""
    from simulate.report.render import render_notebook

    return render_notebook(TINY, tmp_path_factory.mktemp("reports") / "tiny", {"title": "城乡居民医保资助测算（测试）"})


@pytest.fixture(scope="session")
def shared_sweep(tmp_path_factory) -> tuple[Path, dict[str, Any]]:
    """The session's one ``simulate sweep --json`` (its folder, what it printed), read by the CLI
    sweep tests (tests/test_notebooks.py) and the hostile ones (tests/hostile/test_html.py): the
    hostile Sinan scenario with markup in every text field and in the title, three values. The
    summary's Monte Carlo is small (its bands are checked on tests/test_notebooks.py's
    notebook_runs); no test reads the PDFs."""
    folder = tmp_path_factory.mktemp("sweep")
    proc = simulate_main(
        "sweep",
        str(hostile_scenario(folder)),
        "--param",
        "contribution.personal",
        "--values",
        "280,300,320",
        "--size",
        "3000",
        "--summary-draws",
        "2",
        "--summary-size",
        "1,000",
        "--set",
        f"title.zh={payload('title')}",
        "--out",
        str(folder / "sweep"),
        "--json",
        env=NO_PDF,
    )
    return folder / "sweep", json.loads(proc.stdout)
