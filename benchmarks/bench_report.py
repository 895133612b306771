"""Report rendering (issue 16 item 1): one what-if report, one plain report, a 10-standard sweep.

Run: ``python benchmarks/bench_report.py``. Times, in fresh processes as a user would type
them, kernel start included: ``simulate report scenarios/langxi-2024.yaml --set
contribution.personal=400`` (a what-if: baseline and what-if over one population; target
≤ 6 s), ``simulate report scenarios/langxi-2024.yaml`` (plain; target ≤ 6 s) and ``simulate
sweep scenarios/langxi-2024.yaml --param contribution.personal --values 380,390,…,470`` (ten
reports, the summary and the index; target ≤ 30 s). Wall figures are the median of ``RUNS``;
the stage breakdown of the last what-if run (``--timings``: setup, kernel, execution, HTML,
PDF and the slow cells, where the workbook is ``story.write``) is printed under it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import LANGXI, cli_cpu, report  # noqa: E402

RUNS = 3
SWEEP_RUNS = 1  # one sweep is 11 notebooks; its figure is steadier than a single report's


def timed(runs: int, *args: str) -> tuple[float, float, str]:
    """(median wall s, median CPU s, stdout of the last run)."""
    got = [cli_cpu(*args) for _ in range(runs)]
    return statistics.median(g[0] for g in got), statistics.median(g[1] for g in got), got[-1][2]


def main() -> int:
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        wall, cpu, out = timed(
            RUNS,
            "report",
            LANGXI,
            "--set",
            "contribution.personal=400",
            "--timings",
            "--out",
            str(Path(tmp) / "whatif"),
        )
        ok &= report(f"simulate report langxi --set personal=400 (wall, median of {RUNS})", wall, "s", 6, False)
        print(f"{'  CPU time of the process and its kernel':<58} {cpu:>14,.2f} s")
        for line in out.splitlines()[1:]:
            print(f"    {line}")
        wall, cpu, _ = timed(RUNS, "report", LANGXI, "--out", str(Path(tmp) / "plain"))
        ok &= report(f"simulate report langxi, plain (wall, median of {RUNS})", wall, "s", 6, False)
        print(f"{'  CPU time of the process and its kernel':<58} {cpu:>14,.2f} s")
        values = ",".join(str(v) for v in range(380, 480, 10))
        wall, cpu, out = timed(
            SWEEP_RUNS,
            "sweep",
            LANGXI,
            "--param",
            "contribution.personal",
            "--values",
            values,
            "--out",
            str(Path(tmp) / "sweep"),
        )
        ok &= report("simulate sweep langxi, 10 standards + summary (wall)", wall, "s", 30, False)
        print(f"{'  CPU time of the processes and kernels':<58} {cpu:>14,.2f} s")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
