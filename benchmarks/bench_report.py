"""Report rendering: one scenario report and one five-value sweep, kernel start included.

Run: ``.venv/bin/python benchmarks/bench_report.py``. Times, in fresh processes as a user
would type them, ``simulate report scenarios/sinan-2021.yaml`` (the whole county, 457,700
synthetic residents; target < 30 s) and ``simulate sweep scenarios/sinan-2021.yaml --param
contribution.personal --values 280,300,320,350,380`` (five reports in parallel plus the sweep
summary with its Monte Carlo bands, and the index; target < 90 s). Output goes to a temp folder.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SINAN, cli_run, report  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        wall, peak, _ = cli_run("report", SINAN, "--out", str(Path(tmp) / "sinan-2021"))
        ok = report("simulate report sinan-2021 (whole county, wall)", wall, "s", 30, False)
        print(f"{'  peak RSS of a child process':<58} {peak:>14,.2f} GiB")
        wall, peak, out = cli_run("sweep", SINAN, "--param", "contribution.personal",
                                  "--values", "280,300,320,350,380", "--out", str(Path(tmp) / "sweep"))
        ok &= report("simulate sweep sinan-2021, 5 standards + summary (wall)", wall, "s", 90, False)
        print(f"{'  peak RSS of a child process':<58} {peak:>14,.2f} GiB")
        print(f"  {out.strip()}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
