"""Issue 4 benchmark: persons per second with 1 and 2 local workers, peak memory for 10^8
persons, and a national-scale run (950 million persons), each through the ``simulate`` CLI.

    python benchmarks/bench_scale.py            # all figures, PASS/FAIL beside each target
    python benchmarks/bench_scale.py --quick    # skip the national run
    python benchmarks/bench_scale.py --partitions 10x1   # issue 16 item 3: a folder of 10
        # Parquet partitions of 1 M rows, local (1 and 2 workers) against Dask (LocalCluster)
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _common import SINAN, cli_run, report  # noqa: E402


def partitions(spec: str) -> int:
    """A folder of Parquet partitions run locally and on Dask: same JSON, and the times."""
    import subprocess
    import tempfile
    import time
    from pathlib import Path

    import pyarrow.parquet as pq
    from bench_population_files import _table

    from simulate.policy import load_scenario

    count, millions = spec.split("x")
    n_parts, rows = int(count), int(float(millions) * 1_000_000)
    sc = load_scenario(SINAN)
    print(f"issue 16 item 3 — {n_parts} Parquet partitions of {rows:,} rows; load {os.getloadavg()[0]:.2f}")
    simulate = str(Path(sys.executable).parent / "simulate")
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(n_parts):
            pq.write_table(_table(sc, k * rows, rows), Path(tmp) / f"town-{k:03d}.parquet")
        outs = {}
        for name, extra in (
            ("local, 1 worker", ["--workers", "1"]),
            ("local, 2 workers", ["--workers", "2"]),
            ("dask LocalCluster, 2 workers", ["--engine", "dask", "--workers", "2"]),
        ):
            t0 = time.perf_counter()
            proc = subprocess.run(
                [simulate, "run", SINAN, "--population", tmp, "--json", *extra], capture_output=True, text=True
            )
            wall = time.perf_counter() - t0
            if proc.returncode:
                raise SystemExit(proc.stderr)
            outs[name] = json.loads(proc.stdout)
            total = n_parts * rows
            print(f"  {name:<30} {wall:6.1f} s  {total / wall / 1e6:5.2f} M rows/s (whole process)")
        same = all(o == outs["local, 1 worker"] for o in outs.values())
        print(f"  same JSON on every engine: {same}; load {os.getloadavg()[0]:.2f}")
    return 0 if same else 1


def main() -> int:
    if "--partitions" in sys.argv:
        return partitions(sys.argv[sys.argv.index("--partitions") + 1])
    quick = "--quick" in sys.argv
    ok = True
    print(f"issue 4 — scale ({os.cpu_count()} cores; 思南 2021 policy)")
    # throughput of the chunk stream itself (the interpreter start-up, ~0.5 s, is serial and
    # the same for any worker count, so it is measured apart in the whole-process figure)
    import time

    from simulate.model.engine import compile_for_engine
    from simulate.model.runner import tally_population
    from simulate.model.synth import synthesize
    from simulate.policy import load_scenario

    sc = load_scenario(SINAN)
    comp = compile_for_engine(sc.policy)
    n = 96 * 2**20
    rates = {}
    for w in (1, 2):
        best = float("inf")
        for _ in range(2):
            pop = synthesize(sc, n, seed=1)
            t0 = time.perf_counter()
            tally_population(comp, pop, workers=w, chunk_blocks=4, progress=False)
            best = min(best, time.perf_counter() - t0)
        rates[w] = n / best
        print(
            f"  {w} worker{'s' if w > 1 else ''}: {n:,} persons in {best:.2f} s "
            f"= {rates[w] / 1e6:.1f} M persons/s (chunk stream, pool start included)"
        )
    ok &= report("2 workers / 1 worker speed-up", rates[2] / rates[1], "×", 1.8)
    for w in (1, 2):
        wall = min(cli_run("run", SINAN, "--size", str(n), "--workers", str(w), "--json")[0] for _ in range(2))
        print(
            f"  whole process, {w} worker{'s' if w > 1 else ''}: {n / wall / 1e6:.1f} M persons/s "
            f"({wall:.2f} s including start-up)"
        )
    wall, peak, out = cli_run("run", SINAN, "--size", str(10**8), "--json")
    assert json.loads(out)["persons"] == 10**8
    print(f"  10^8 persons in {wall:.1f} s")
    ok &= report("peak RSS, `simulate run --size 100000000`", peak, "GiB", 1.5, higher_is_better=False)
    if not quick:
        wall, peak, out = cli_run("run", SINAN, "--size", str(2 * 10**8), "--json")
        print(f"  2×10^8 persons in {wall:.1f} s")
        ok &= report("peak RSS, `simulate run --size 200000000`", peak, "GiB", 1.5, higher_is_better=False)
        wall, peak, out = cli_run("run", SINAN, "--size", str(950_000_000), "--json")
        got = json.loads(out)
        assert got["persons"] == 950_000_000
        print(
            f"  national: {got['persons']:,} persons, {got['enrolled']:,} enrolled, "
            f"{950_000_000 / wall / 1e6:.1f} M persons/s, peak {peak:.2f} GiB"
        )
        ok &= report("national run, 950,000,000 persons, wall time", wall, "s", 60, higher_is_better=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
