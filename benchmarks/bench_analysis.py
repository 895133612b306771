"""Analysis commands an analyst waits for (issue 16 item 6): Monte Carlo and solve.

Run: ``python benchmarks/bench_analysis.py``. Times, in fresh processes as typed,
``simulate montecarlo scenarios/langxi-2024.yaml --draws 100`` (100 draws, each a whole
county — the area's enrolment base, about 280,000 residents — synthesized with its own
drawn rates and seed; target ≤ 5 s) and the README's ``simulate solve`` (the 低保 subsidy
that keeps 医疗救助 within 5,500,000 yuan; target ≤ 2 s). Wall time is the median of
``RUNS``; the CPU time beside it is what other processes on the 2 cores cannot inflate.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import LANGXI, cli_cpu, report  # noqa: E402

RUNS = 3
COMMANDS = {
    "simulate montecarlo langxi-2024 --draws 100 (county size)": (["montecarlo", LANGXI, "--draws", "100"], 5.0),
    "simulate solve langxi-2024 dibao amount for 医疗救助 budget": (
        [
            "solve",
            LANGXI,
            "--param",
            "tiers.dibao.subsidy.amount",
            "--source",
            "medical_assistance",
            "--budget",
            "5500000",
            "--lo",
            "300",
            "--hi",
            "380",
        ],
        2.0,
    ),
}


def main() -> int:
    ok = True
    for name, (args, target) in COMMANDS.items():
        runs = [cli_cpu(*args) for _ in range(RUNS)]
        ok &= report(f"{name} (wall, median of {RUNS})", statistics.median(r[0] for r in runs), "s", target, False)
        print(
            f"{'  CPU time of the process (median)':<58} {statistics.median(r[1] for r in runs):>14,.2f} s", flush=True
        )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
