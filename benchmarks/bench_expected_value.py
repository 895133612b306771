"""Expected-value path: milliseconds per call (no sampling), for each scenario.

Run: ``.venv/bin/python benchmarks/bench_expected_value.py``. Prints, per scenario, the time
of one call on a loaded scenario (best of 20, after a first call that compiles the policy)
and of a cold call that also reads and validates the YAML file. Target: under 50 ms.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from simulate.analysis import expected_value  # noqa: E402
from simulate.policy import load_scenario  # noqa: E402


def main() -> int:
    worst = 0.0
    print(f"{'scenario':34} {'warm ms':>8} {'cold ms':>8} {'profiles':>9}")
    for path in sorted((REPO / "scenarios").glob("*.yaml")):
        t0 = time.perf_counter()
        sc = load_scenario(path)
        ev = expected_value(sc)
        cold = (time.perf_counter() - t0) * 1000
        best = float("inf")
        for _ in range(20):
            t = time.perf_counter()
            expected_value(sc)
            best = min(best, (time.perf_counter() - t) * 1000)
        worst = max(worst, best)
        print(f"{sc.id:34} {best:8.1f} {cold:8.1f} {ev['profiles']:9,}")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import report

    report("expected_value, worst warm call over the scenarios", worst, "ms", 50, False)
    print(f"worst warm call: {worst:.1f} ms ({'under' if worst < 50 else 'OVER'} the 50 ms target)")
    return 0 if worst < 50 else 1


if __name__ == "__main__":
    sys.exit(main())
