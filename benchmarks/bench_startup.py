"""Start-up of the light commands (issue 11 item 6): ``simulate validate`` and ``simulate
explain`` in a fresh process, target under 0.5 s wall; and what ``import simulate`` loads.

Prints, per command, the best and median wall time of several runs (the best is the figure
least disturbed by other work on a shared machine), the CPU time of the best run's process,
and ``python -X importtime``'s total for ``simulate.cli`` with the heavy modules it pulled in.
Run: ``PYTHONPATH=. python benchmarks/bench_startup.py [RUNS]``.
"""

from __future__ import annotations

import ast
import os
import re
import statistics
import subprocess
import sys
import time

from _common import REPO, SIMULATE, SINAN, report

TARGET_S = 0.5
HEAVY = ("pandas", "matplotlib", "papermill", "scipy", "dask", "pyarrow", "openpyxl", "nbformat")
COMMANDS = {
    "simulate validate sinan-2021": ["validate", SINAN],
    "simulate explain sinan-2021 (dibao)": ["explain", SINAN, "--identity", "rural_dibao"],
}


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one fresh ``simulate`` process."""
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.run([SIMULATE, *argv], capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - t0
    after = os.times()
    if proc.returncode != 0:
        raise SystemExit(f"simulate {' '.join(argv)} failed: {proc.stderr.strip()}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def import_profile() -> tuple[float, list[str]]:
    """Seconds ``import simulate.cli`` plus a validate run takes by -X importtime, and the
    heavy modules present afterwards."""
    code = (
        f"import sys; from simulate.cli import main; main(['validate', {SINAN!r}]); "
        f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules])"
    )
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, cwd=REPO)
    total = 0
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if m and not m.group(2).startswith(" "):
            total += int(m.group(1))
    heavy = re.search(r"HEAVY (\[.*\])", proc.stdout)
    return total / 1e6, (ast.literal_eval(heavy.group(1)) if heavy else ["?"])


def main(runs: int = 7) -> int:
    ok = True
    for name, argv in COMMANDS.items():
        results = [timed(argv) for _ in range(runs)]
        walls = sorted(w for w, _ in results)
        best_cpu = min(results)[1]
        ok &= report(f"{name}: best wall of {runs}", walls[0], "s", TARGET_S, higher_is_better=False)
        print(f"{'':<58} median {statistics.median(walls):.2f} s, CPU of the best run {best_cpu:.2f} s")
    seconds, heavy = import_profile()
    print(
        f"-X importtime, all top-level imports for validate: {seconds:.2f} s; heavy modules "
        f"loaded: {', '.join(heavy) or 'none'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 7))
