"""Shared helpers for the benchmarks: timing a CLI run and printing a figure beside its target."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SINAN = str(REPO / "scenarios" / "sinan-2021.yaml")
LANGXI = str(REPO / "scenarios" / "langxi-2024.yaml")
SIMULATE = str(Path(sys.executable).parent / "simulate")


def report(name: str, value: float, unit: str, target: float, higher_is_better: bool = True) -> bool:
    ok = value >= target if higher_is_better else value <= target
    sign = "≥" if higher_is_better else "≤"
    print(
        f"{name:<58} {value:>14,.2f} {unit:<12} target {sign} {target:,.2f} {unit:<12} {'PASS' if ok else 'FAIL'}",
        flush=True,
    )
    return ok


def timed_process(argv: list[str], cwd: Path | str | None = None) -> tuple[float, float, str]:
    """Run ``argv`` in a fresh process: (wall seconds, CPU seconds of it and the children it
    waited for, stdout); a failure stops the benchmark with the command and its error."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=cwd)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, argv))} failed: {proc.stderr.strip()[-400:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc.stdout


def cli_cpu(*args: str) -> tuple[float, float, str]:
    """Run ``simulate ARGS`` in a fresh process: (wall seconds, CPU seconds of it and its
    children, stdout). CPU time is what a busy machine cannot take away from the figure."""
    return timed_process([SIMULATE, *args])


def cli_run(*args: str) -> tuple[float, float, str]:
    """Run ``simulate ARGS`` in a fresh process: (wall seconds, peak RSS in GiB, stdout).

    Peak RSS is the largest resident set of any process the run waited for (ru_maxrss of
    the children), i.e. the CLI process or its largest worker, measured by the kernel.
    """
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([SIMULATE, *args], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"simulate {' '.join(args)} failed: {proc.stderr.strip()}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kib <= before:
        peak_kib = before  # ru_maxrss of children is a running maximum
    return wall, peak_kib / 2**20, proc.stdout
