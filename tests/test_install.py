"""Works as installed (issue 10 item 10): the wheel carries everything the commands read.

Builds the wheel from a copy of the sources, installs it with ``--no-deps`` into a fresh venv
and runs ``run``, ``report``, ``roster`` and ``dashboard --help`` from a folder outside the
repository. The venv reuses the already-installed dependencies through a ``.pth`` file naming
this interpreter's site-packages: a plain path line adds the folder to ``sys.path`` but does not
process the ``.pth`` files inside it, so the editable install of the repository (its
``__editable__`` finder) stays invisible. (``venv --system-site-packages`` would not help: it
exposes the base Python's site-packages, not this venv's.) ``PYTHONPATH`` is dropped from every
step, pip's included, so a ``PYTHONPATH`` naming a checkout (as CONTRIBUTING.md runs tests) cannot
put the checkout in place of the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parent.parent
ROSTERS = [
    "minzheng_dibao.csv",
    "minzheng_tekun.xlsx",
    "canlian.xlsx",
    "fupin_jdlk.csv",
    "tuiyi_youfu.xlsx",
    "weijian_jisheng.csv",
]


#: Variables that would point a Python at another tree than the one the step means.
PYTHON_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")


def _without_python_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in PYTHON_ENV}


def _check(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    kw.setdefault("env", _without_python_env())
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert r.returncode == 0, f"{cmd} exited {r.returncode}\nstdout: {r.stdout[-2000:]}\nstderr: {r.stderr[-2000:]}"
    return r


@pytest.fixture(scope="session")  # built once, on one xdist worker (tests/conftest.py SHARED)
def installed(tmp_path_factory):
    """(venv python, environment without the repository, a working folder outside it)."""
    base = tmp_path_factory.mktemp("install")
    assert ROOT not in base.parents
    # build from a copy, so the test writes nothing (build/, *.egg-info) into the repository
    src = base / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "build",
            "dist",
            "*.egg-info",
            "reports",
            "tests",
            "__pycache__",
            ".pytest_cache",
            ".hypothesis",
            "benchmarks",
            "docs",
        ),
    )
    wheels = base / "wheels"
    _check([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(src)])
    (wheel,) = wheels.glob("simulate-*.whl")

    venv = base / "venv"
    _check([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    py = venv / "bin" / "python"
    _check([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index", str(wheel)])
    site = Path(
        _check(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            env={"PATH": os.environ["PATH"]},
        ).stdout.strip()
    )
    # only now, after pip is done with the venv: a pip that saw this environment's simulate
    # through the .pth would uninstall it from here
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_reuse_test_env.pth").write_text("".join(f"{p}\n" for p in sorted(ours)), "utf-8")

    env = _without_python_env()
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    # the dependencies' data files (nbconvert and Voila templates) live under this prefix;
    # a real install with dependencies puts them under the venv's own prefix
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    work = base / "analyst"
    work.mkdir()
    return py, env, work


def _simulate(installed, *args: str, **kw) -> subprocess.CompletedProcess:
    py, env, work = installed
    return _check([str(py.parent / "simulate"), *args], env=env, cwd=work, **kw)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    py, env, work = installed
    where = Path(_check([str(py), "-c", "import simulate; print(simulate.__file__)"], env=env, cwd=work).stdout.strip())
    assert py.parent.parent in where.parents, where
    assert ROOT not in where.parents
    shipped = _check(
        [
            str(py),
            "-c",
            "from simulate.resources import folder\nfor k in ('data', 'notebooks', 'scenarios'): print(folder(k))",
        ],
        env=env,
        cwd=work,
    ).stdout.split()
    for folder in map(Path, shipped):
        assert folder.is_dir() and where.parent in folder.parents, folder
    names = {p.name for p in Path(shipped[0]).iterdir()}
    assert {p.name for p in (ROOT / "data").glob("*.csv")} <= names


def test_run_outside_the_repository_matches_the_checkout(installed):
    py, env, work = installed
    shutil.copy(ROOT / "scenarios" / "langxi-2024.yaml", work / "langxi-2024.yaml")
    out = _simulate(installed, "run", "langxi-2024.yaml", "--size", "2000", "--json").stdout
    got = json.loads(out)
    assert got["by_source"], got
    # the same inputs and seed through the checkout give the same bytes: the data tables the
    # wheel carries are the repository's
    checkout_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ref = _check(
        [sys.executable, "-m", "simulate", "run", str(work / "langxi-2024.yaml"), "--size", "2000", "--json"],
        env=checkout_env,
        cwd=work,
    ).stdout
    assert out == ref


def test_villages_file_resolves_from_the_wheel(installed):
    py, env, work = installed
    shutil.copy(ROOT / "scenarios" / "daligang-2020.yaml", work / "daligang-2020.yaml")
    got = json.loads(_simulate(installed, "run", "daligang-2020.yaml", "--size", "2000", "--json").stdout)
    assert got["by_source"], got


def test_report_outside_the_repository(installed):
    py, env, work = installed
    shutil.copy(ROOT / "scenarios" / "sinan-2021.yaml", work / "sinan-2021.yaml")
    no_pdf = {**env, "SIMULATE_CHROMIUM": "none"}  # nothing here reads report.pdf (tests/conftest.py NO_PDF)
    _simulate((py, no_pdf, work), "report", "sinan-2021.yaml", "--size", "2000", "--out", "rep")
    html = work / "rep" / "report.html"
    assert html.is_file() and html.stat().st_size > 10_000
    assert "思南" in html.read_text("utf-8")


def test_roster_outside_the_repository(installed):
    py, env, work = installed
    folder = work / "rosters"
    folder.mkdir()
    for name in [*ROSTERS, "mapping.yaml"]:
        shutil.copy(ROOT / "tests" / "rosters" / name, folder / name)
    shutil.copy(ROOT / "scenarios" / "sinan-2021.yaml", work / "sinan-2021.yaml")
    r = _simulate(
        installed,
        "roster",
        "sinan-2021.yaml",
        *[f"rosters/{n}" for n in ROSTERS],
        "--mapping",
        "rosters/mapping.yaml",
        "--out",
        "bill",
        "--json",
    )
    bill = json.loads(r.stdout)
    assert bill["rows_read"] == bill["rows_used"] + bill["rows_rejected"] > 0
    assert bill["by_source"]
    assert (work / "bill").is_dir()


def test_dashboard_help_outside_the_repository(installed):
    r = _simulate(installed, "dashboard", "--help")
    assert "--port" in r.stdout


def test_examples_are_shipped(installed):
    py, env, work = installed
    _simulate(installed, "examples", "--out", "ex")
    copied = {p.name for p in (work / "ex").iterdir()}
    assert {p.name for p in (ROOT / "scenarios").iterdir() if p.is_file()} <= copied
    got = json.loads(_simulate(installed, "run", "ex/songming-2018.yaml", "--size", "2000", "--json").stdout)
    assert got["by_source"]
