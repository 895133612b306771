"""Run every benchmark in this folder and print each target: measured, target, PASS/FAIL.

Run: ``python benchmarks/run_all.py [--runs N] [--only WORD] [--write-readme]``. Every
``bench_*.py`` beside this file is found by glob (new ones join by being named so) and run
``--runs`` times (default 3) in a fresh process; each line a benchmark prints through
``_common.report`` (``name  value unit  target ≤|≥ goal unit  PASS|FAIL``) is one target. The
table shows the median of the runs (the machine is shared and noisy) and PASS/FAIL of that
median. ``--write-readme`` puts the table, the command for each benchmark and today's date
into benchmarks/README.md between its FIGURES markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
BEGIN, END = "<!-- FIGURES BEGIN (run_all.py --write-readme) -->", "<!-- FIGURES END -->"
#: The end of a target line (``_common.report``): the target and its unit, which may hold
#: spaces ("M rows/s"), then PASS or FAIL; the unit found there also ends the measured value.
TAIL = re.compile(r"\s+target (?P<sign>[≤≥<]) (?P<target>-?[\d,]+(?:\.\d+)?) (?P<unit>.+?)\s+(?:PASS|FAIL)\s*$")


def targets(output: str) -> list[tuple[str, float, str, str, float]]:
    """(name, value, unit, sign, target) of each target line a benchmark printed."""
    found = []
    for line in output.splitlines():
        tail = TAIL.search(line.strip())
        if not tail:
            continue
        head = re.match(
            rf"^(?P<name>.+)\s+(?P<value>-?[\d,]+(?:\.\d+)?) {re.escape(tail['unit'])}\s*$",
            line.strip()[: tail.start()],
        )
        if head:
            sign = "≤" if tail["sign"] in "≤<" else "≥"
            found.append(
                (
                    head["name"].strip(),
                    float(head["value"].replace(",", "")),
                    tail["unit"],
                    sign,
                    float(tail["target"].replace(",", "")),
                )
            )
    return found


def run_one(bench: Path) -> tuple[str, float, int]:
    """(stdout, wall seconds, exit code) of one benchmark run in a fresh interpreter."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(bench)], capture_output=True, text=True, cwd=HERE.parent)
    if proc.returncode not in (0, 1):  # 1 is a missed target; anything else is a crash
        tail = " ".join(proc.stderr.strip().splitlines()[-1:])[:200]
        print(f"{bench.name}: crashed (exit {proc.returncode}): {tail}", file=sys.stderr)
    return proc.stdout, time.perf_counter() - t0, proc.returncode


def measure(bench: Path, runs: int) -> list[dict]:
    """Each target of ``bench`` with the median over ``runs`` runs."""
    seen: dict[str, dict] = {}
    for _ in range(runs):
        out, _, _ = run_one(bench)
        for name, value, unit, sign, target in targets(out):
            row = seen.setdefault(
                name, {"bench": bench.name, "name": name, "unit": unit, "sign": sign, "target": target, "values": []}
            )
            row["values"].append(value)
    rows = list(seen.values())
    for row in rows:
        row["median"] = statistics.median(row["values"])
        row["ok"] = row["median"] <= row["target"] if row["sign"] == "≤" else row["median"] >= row["target"]
    return rows


def table(rows: list[dict]) -> str:
    """A Markdown table: benchmark, target line, median measured, target, PASS/FAIL, runs."""
    lines = ["| benchmark | figure | measured (median) | target | | runs |", "|---|---|---:|---:|---|---:|"]
    for r in rows:
        lines.append(
            f"| `{r['bench']}` | {r['name']} | {r['median']:,.2f} {r['unit']} | "
            f"{r['sign']} {r['target']:,.2f} {r['unit']} | {'PASS' if r['ok'] else 'FAIL'} | "
            f"{len(r['values'])} |"
        )
    return "\n".join(lines)


def write_readme(rows: list[dict], runs: int) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (
        f"{BEGIN}\nMeasured {stamp} on this 2-core machine (shared), median of {runs} run(s) "
        f"per benchmark, by `python benchmarks/run_all.py --runs {runs} --write-readme`.\n\n"
        f"{table(rows)}\n{END}"
    )
    text = README.read_text(encoding="utf-8") if README.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text = text.rstrip() + f"\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    README.write_text(head + block + rest.split(END, 1)[1], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs of each benchmark; the median is shown")
    ap.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="WORD",
        help="only benchmarks whose file name contains WORD (repeatable)",
    )
    ap.add_argument("--write-readme", action="store_true", help="record the table in benchmarks/README.md")
    args = ap.parse_args(argv)
    benches = sorted(p for p in HERE.glob("bench_*.py") if not args.only or any(w in p.name for w in args.only))
    rows: list[dict] = []
    for bench in benches:
        got = measure(bench, max(args.runs, 1))
        if not got:
            print(f"{bench.name}: printed no target line", file=sys.stderr)
        for r in got:
            print(
                f"{r['bench']:<26} {r['name']:<62} {r['median']:>12,.2f} {r['unit']:<6} "
                f"target {r['sign']} {r['target']:>10,.2f}  {'PASS' if r['ok'] else 'FAIL'}",
                flush=True,
            )
        rows += got
    if args.write_readme:
        write_readme(rows, max(args.runs, 1))
    failed = [r for r in rows if not r["ok"]]
    print(f"{len(rows) - len(failed)} of {len(rows)} targets met")
    return 0 if rows and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
