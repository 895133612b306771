"""Issue 4 benchmark: persons per second with 1 and 2 local workers, peak memory for 10^8
persons, and a national-scale run (950 million persons), each through the ``simulate`` CLI.

    python benchmarks/bench_scale.py            # all figures, PASS/FAIL beside each target
    python benchmarks/bench_scale.py --quick    # skip the national run
"""
from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _common import SINAN, cli_run, report  # noqa: E402


def main() -> int:
    quick = "--quick" in sys.argv
    ok = True
    print(f"issue 4 — scale ({os.cpu_count()} cores; 思南 2021 policy)")
    n = 40 * 2**20
    rates = {}
    for w in (1, 2):
        best = min(cli_run("run", SINAN, "--size", str(n), "--workers", str(w), "--json")[0] for _ in range(2))
        rates[w] = n / best
        print(f"  {w} worker{'s' if w > 1 else ''}: {n:,} persons in {best:.2f} s "
              f"= {rates[w] / 1e6:.1f} M persons/s (whole process)")
    ok &= report("2 workers / 1 worker speed-up", rates[2] / rates[1], "×", 1.8)
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
        print(f"  national: {got['persons']:,} persons, {got['enrolled']:,} enrolled, "
              f"{950_000_000 / wall / 1e6:.1f} M persons/s, peak {peak:.2f} GiB")
        ok &= report("national run, 950,000,000 persons, wall time", wall, "s", 60, higher_is_better=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
