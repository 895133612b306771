"""Report rendering (issue 16 item 1): one what-if report, one plain report, a 10-standard sweep.

Run: ``python benchmarks/bench_report.py [--runs N]``. Times, in fresh processes as a user
would type them, kernel start included: ``simulate report scenarios/langxi-2024.yaml --set
contribution.personal=400`` (a what-if: baseline and what-if over one population; target
≤ 6 s), ``simulate report scenarios/langxi-2024.yaml`` (plain; target ≤ 6 s) and ``simulate
sweep scenarios/langxi-2024.yaml --param contribution.personal --values 380,390,…,470`` (ten
reports, the summary and the index; target ≤ 30 s). Each figure is the median of ``--runs``
runs (default 3), printed with the CPU time it took and the machine's 1-minute load average
before and after (the machine is shared: CPU time is what load cannot take away). The stage
breakdown of the last what-if run (``--timings``: setup, kernel, execution, HTML, PDF and the
slow cells, where the workbook is ``story.write``) is printed under it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import LANGXI, SIMULATE, report  # noqa: E402

RUNS = 3


def _tree_cpu(root: int, seen: dict[int, float]) -> None:
    """Record in ``seen`` the CPU seconds so far of ``root`` and every process below it (/proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    spent: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parent[int(entry)] = int(fields[1])
            spent[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    for pid, cpu in spent.items():
        up = pid
        while up > 1 and up != root:
            up = parent.get(up, 0)
        if up == root:
            seen[pid] = max(seen.get(pid, 0.0), cpu)


def cli_cpu(*args: str) -> tuple[float, float, str]:
    """Run ``simulate ARGS`` in a fresh process: (wall s, CPU s of it and everything it started,
    stderr), where ``--timings`` prints the stage breakdown. The CPU is the larger of the reaped
    children's (rusage) and the process tree's sampled every 50 ms: Chromium's renderers are
    reaped by its zygote, never counted in rusage (about half of Chromium's CPU)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen([SIMULATE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen: dict[int, float] = {}
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read() if proc.stderr else ""))
    reader.start()
    while proc.poll() is None:
        if os.path.isdir("/proc"):
            _tree_cpu(proc.pid, seen)
        time.sleep(0.05)
    reader.join()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"simulate {' '.join(args)} failed: {''.join(errors).strip()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    reaped = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, max(reaped, sum(seen.values())), "".join(errors)


def timed(runs: int, *args: str) -> tuple[float, float, str, str]:
    """(median wall s, median CPU s, stderr of the last run, the load averages seen)."""
    loads = [os.getloadavg()[0]]
    got = []
    for _ in range(runs):
        got.append(cli_cpu(*args))
        loads.append(os.getloadavg()[0])
    load = " → ".join(f"{v:.1f}" for v in loads)
    return statistics.median(g[0] for g in got), statistics.median(g[1] for g in got), got[-1][2], load


def figure(name: str, runs: int, target: float, *args: str) -> tuple[bool, str]:
    """Time ``simulate ARGS`` ``runs`` times; print the median beside ``target`` with CPU and load."""
    wall, cpu, out, load = timed(runs, *args)
    ok = report(f"{name} (wall, median of {runs})", wall, "s", target, False)
    print(f"{'  CPU time of the processes, kernels and Chromium (median)':<58} {cpu:>14,.2f} s")
    print(f"{'  1-minute load average before each run and after the last':<58} {load:>14}")
    return ok, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=RUNS, help="runs of each figure; the median is printed")
    runs = max(1, ap.parse_args(argv).runs)
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        out = Path(tmp)
        whatif = (LANGXI, "--set", "contribution.personal=400", "--timings", "--out", str(out / "whatif"))
        ok, printed = figure("simulate report langxi --set personal=400", runs, 6, "report", *whatif)
        for line in printed.splitlines():
            print(f"    {line}")
        ok &= figure("simulate report langxi, plain", runs, 6, "report", LANGXI, "--out", str(out / "plain"))[0]
        values = ",".join(str(v) for v in range(380, 480, 10))
        sweep = (LANGXI, "--param", "contribution.personal", "--values", values, "--out", str(out / "sweep"))
        ok &= figure("simulate sweep langxi, 10 standards + summary", runs, 30, "sweep", *sweep)[0]
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
