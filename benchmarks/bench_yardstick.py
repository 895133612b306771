"""Issue 16 item 5: whole-process ``simulate run scenarios/sinan-2021.yaml --size 50000000``
against the plain-numpy yardstick (benchmarks/yardstick_numpy.py: the same rules written by
hand, flags + resolve + bincount tally) at the same size, target ratio ≤ 1.0.

Both are fresh processes (python start, imports, draw, resolve, tally, print), run in turn
so that both see the same load; the figures are medians of RUNS runs, with the CPU time of
each (process and its workers) beside the wall time and the load average before and after.
This machine shares CPU per session (kernel autogroup): under load simulate's two workers get
no more CPU than the one-process yardstick, so the wall ratio follows the CPU ratio.

    PYTHONPATH=. python benchmarks/bench_yardstick.py [RUNS] [SIZE]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, SIMULATE, SINAN, report, timed_process  # noqa: E402

YARDSTICK = str(Path(__file__).resolve().parent / "yardstick_numpy.py")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def byte_compile() -> None:
    """Byte-compile simulate's modules first, as ``pip install`` does: with
    PYTHONDONTWRITEBYTECODE set (as in this workplace's shells) a checkout on PYTHONPATH
    would compile its ~70 modules from source at every start (about a quarter of a small
    run's instructions), a cost no installed copy pays, nor OpenFisca's installed packages."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "simulate")], check=True, capture_output=True)
    # and the package's parsed YAML (labels, lang, vocabulary, identity names) kept beside
    # them, as the first run of an installed copy leaves it (``resources.parsed_once``: not
    # written under that setting): that first run, a small one
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    prime = [sys.executable, "-m", "simulate", "run", SINAN, "--size", "1000", "--json"]
    subprocess.run(prime, check=True, capture_output=True, cwd=REPO, env=env)


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and the workers it waited for)."""
    return timed_process(argv)[:2]


def breakdown(runs: int) -> None:
    """Where simulate's CPU time goes beside the yardstick's: start-up (a 1,000-person run, text
    and --json; numpy's import alone) and the engine's per-block split (build vs resolve+tally)."""
    small = {
        "simulate run --size 1000": [SIMULATE, "run", SINAN, "--size", "1000"],
        "simulate run --size 1000 --json": [SIMULATE, "run", SINAN, "--size", "1000", "--json"],
        "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
    }
    for name, argv in small.items():
        cpu = statistics.median(timed(argv)[1] for _ in range(runs))
        print(f"  start-up CPU, {name:<33} {cpu:.2f} s (median of {runs})")
    from simulate.model.engine import compile_for_engine, tally
    from simulate.model.synth import synthesize
    from simulate.policy import load_scenario

    sc = load_scenario(SINAN)
    comp, pop = compile_for_engine(sc.policy), synthesize(sc, 8 << 20, seed=0)
    build = count = 0.0
    for b in range(pop.n_blocks):
        c0 = time.process_time()
        block = pop.block(b)
        c1 = time.process_time()
        tally(comp, block)
        build, count = build + c1 - c0, count + time.process_time() - c1
    per = 50 / pop.size * 1e6
    print(
        f"  engine CPU per 50 M persons (one process): build {build * per:.2f} s, resolve + tally {count * per:.2f} s"
    )


def main(runs: int = 3, size: int = 50_000_000) -> int:
    commands = {
        "simulate run": [SIMULATE, "run", SINAN, "--size", str(size)],
        "numpy yardstick": [sys.executable, YARDSTICK, str(size)],
    }
    byte_compile()
    print(f"issue 16 item 5 — whole process at {size:,} persons, 思南 2021; {load()}")
    got: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    for _ in range(runs):
        for name, argv in commands.items():  # in turn: both see the same load
            got[name].append(timed(argv))
    med = {}
    for name, rows in got.items():
        walls, cpus = [w for w, _ in rows], [c for _, c in rows]
        med[name] = (statistics.median(walls), statistics.median(cpus))
        print(
            f"  {name:<16} wall {', '.join(f'{w:.2f}' for w in walls)} s (median {med[name][0]:.2f}); "
            f"CPU {', '.join(f'{c:.2f}' for c in cpus)} s (median {med[name][1]:.2f})"
        )
    breakdown(runs)
    print(f"  after: {load()}; CPU ratio {med['simulate run'][1] / med['numpy yardstick'][1]:.2f} (not a target)")
    ok = report(
        f"simulate run {size:,} persons / numpy yardstick, wall (median of {runs})",
        med["simulate run"][0] / med["numpy yardstick"][0],
        "×",
        1.0,
        higher_is_better=False,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
