"""Shared fixtures: run from the repository root so scenario paths resolve as in the README."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    yield


os.environ.setdefault("MPLBACKEND", "Agg")
