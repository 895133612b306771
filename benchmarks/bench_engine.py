"""Issue 3 benchmark: persons per second for build + resolve + tally (思南 2021 policy), the
fast engine against the per-person reference, and one whole ``simulate run`` process.

    python benchmarks/bench_engine.py          # all figures, PASS/FAIL beside each target
"""

from __future__ import annotations

import sys
import time

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _common import SINAN, cli_run, report  # noqa: E402

from simulate.model.engine import compile_for_engine, tally  # noqa: E402
from simulate.model.runner import tally_population  # noqa: E402
from simulate.model.synth import synthesize  # noqa: E402
from simulate.model.tally_reference import tally_reference  # noqa: E402
from simulate.policy import load_scenario  # noqa: E402


def persons_per_second(comp, sc, n: int, repeats: int = 3) -> float:
    """Best wall-clock rate; the CPU-time rate is printed too (it is what a busy machine
    cannot take away: other processes on the same cores lower the wall-clock figure)."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeats):
        pop = synthesize(sc, n, seed=1)
        t0, c0 = time.perf_counter(), time.process_time()
        t = tally_population(comp, pop, workers=1, progress=False)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
        assert t.persons == n
    print(f"  {n:,} persons: {n / best / 1e6:.1f} M persons/s wall, {n / best_cpu / 1e6:.1f} M persons per CPU-second")
    return n / best


def main() -> int:
    sc = load_scenario(SINAN)
    comp = compile_for_engine(sc.policy)
    ok = True
    print("issue 3 — engine throughput (one process, 思南 2021, build + resolve + tally)")
    for n, reps in ((10**6, 5), (10**7, 3)):
        ok &= report(
            f"persons/s at {n:,} persons (1 process)", persons_per_second(comp, sc, n, reps) / 1e6, "M persons/s", 20
        )
    pop = synthesize(sc, 20_000, seed=1).materialize()
    t0 = time.perf_counter()
    tally_reference(sc.policy, pop)
    ref = time.perf_counter() - t0
    reps = 200
    t0 = time.perf_counter()
    for _ in range(reps):
        tally(comp, pop)
    fast = (time.perf_counter() - t0) / reps
    print(
        f"  reference {pop.__len__() / ref:,.0f} persons/s, fast {len(pop) / fast:,.0f} persons/s "
        f"on {len(pop):,} persons (tally only)"
    )
    ok &= report("fast / reference speed ratio (20,000 persons)", ref / fast, "×", 100)
    walls = []
    for _ in range(3):
        wall, _, _ = cli_run("run", SINAN, "--size", "50000000", "--json")
        walls.append(wall)
    print(f"  runs: {', '.join(f'{w:.2f}' for w in walls)} s")
    ok &= report(
        "`simulate run sinan --size 50000000 --json` wall (best of 3)", min(walls), "s", 2.5, higher_is_better=False
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
