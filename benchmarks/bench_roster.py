"""A 1 M-row department roster read, merged and billed by ``simulate roster`` (issue 16 item 4).

Run: ``python benchmarks/bench_roster.py [--rows N] [--runs N]``. Makes (once, in /tmp, not
in git) a 民政 roster workbook of ``--rows`` people like a department's file — a title row,
序号, 姓名, 性别, 身份证号码 (valid GB 11643 check digit), 乡镇, 村, 救助类别 words, 残疾等级,
户籍性质, with about 0.5 % bad check digits, unknown category words and repeated rows — and
a CSV of the same rows, then times the whole ``simulate roster`` command on each (fresh
process, bill folder written and leak-scanned). Prints wall seconds, CPU seconds and peak
RSS (median of ``--runs``); the target is ≤ 30 s wall for the workbook. The two bills must
agree to the fen, and rows read = rows used + rows rejected. ``--side`` times only what comes
before the bill folder: read, merge and bill computation (wall and CPU seconds each; target
≤ 10 s wall and ≤ 1.4 GiB, so that the whole command fits 30 s and 2 GiB with the writing).
The load average is printed beside: the machine is shared.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SIMULATE, SINAN, report  # noqa: E402

TARGET_S = 30.0
HEADER = ["序号", "姓名", "性别", "身份证号码", "乡镇", "村", "救助类别", "残疾等级", "户籍性质"]
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list("国富金花志强春梅德明秀英建华光荣桂兰小芳文军玉兰红霞永刚海燕丽娟家林世平正清")
TOWNS = ["塘头镇", "许家坝镇", "思唐街道", "大坝场镇", "文家店镇", "鹦鹉溪镇", "合朋溪镇", "张家寨镇"]
CATEGORIES = [
    "农村低保",
    "城市低保",
    "特困供养人员",
    "孤儿",
    "低保边缘户",
    "农村低保、肢体二级",
    "重点优抚对象",
    "计生特扶",
    "",
    "五保户",
]


def _check_digits(first17: np.ndarray) -> np.ndarray:
    """GB 11643 check characters for an (n, 17) array of digits."""
    weights = np.array([pow(2, 17 - i, 11) for i in range(17)])
    return np.frombuffer(b"10X98765432", dtype="S1")[(first17 * weights).sum(axis=1) % 11]


def make_rows(n: int, seed: int = 16) -> list[list[object]]:
    """``n`` roster rows (after the header), deterministic for ``seed``."""
    rng = np.random.default_rng(seed)
    birth = np.datetime64("1930-01-01") + rng.integers(0, 365 * 88, n).astype("timedelta64[D]")
    ymd = np.char.replace(np.datetime_as_string(birth, unit="D"), "-", "")
    seq = rng.permutation(n) % 1000  # sequence numbers: same birth date + seq is rare
    body = np.char.add(np.char.add("520624", ymd), np.char.zfill(seq.astype(str), 3))
    digits = np.frombuffer("".join(body.tolist()).encode(), dtype=np.uint8).reshape(n, 17) - 48
    check = _check_digits(digits.astype(np.int64)).astype(str)
    ids = np.char.add(body, check).tolist()
    bad = rng.random(n) < 0.004  # a mistyped digit: the check digit no longer fits
    for i in np.flatnonzero(bad):
        ids[i] = ids[i][:-1] + ("0" if ids[i][-1] != "0" else "1")
    names = [
        SURNAMES[a] + GIVEN[b] + GIVEN[c]
        for a, b, c in zip(
            rng.integers(0, len(SURNAMES), n), rng.integers(0, len(GIVEN), n), rng.integers(0, len(GIVEN), n)
        )
    ]
    town = rng.integers(0, len(TOWNS), n)
    village = rng.integers(0, 40, n)
    cats = rng.integers(0, len(CATEGORIES), n)
    unknown = rng.random(n) < 0.001
    grade = rng.integers(0, 12, n)
    hukou = rng.integers(0, 3, n)
    rows: list[list[object]] = []
    for i in range(n):
        rows.append(
            [
                i + 1,
                names[i],
                "男" if int(ids[i][16]) % 2 else "女",
                ids[i],
                TOWNS[town[i]],
                f"{TOWNS[town[i]][:2]}{village[i]:02d}村",
                "扶贫对象乙" if unknown[i] else CATEGORIES[cats[i]],
                f"{grade[i]}级" if grade[i] <= 4 and grade[i] else "",
                ("农村", "农业户口", "")[hukou[i]],
            ]
        )
    for i in rng.choice(n, size=max(1, n // 500), replace=False):  # a row entered twice
        rows[i] = list(rows[(i + 7) % n])
        rows[i][0] = i + 1
    return rows


def make_files(n: int, folder: Path) -> tuple[Path, Path]:
    """The workbook and the CSV of ``n`` rows in ``folder`` (kept between runs)."""
    xlsx, text = folder / f"roster_{n}.xlsx", folder / f"roster_{n}.csv"
    if xlsx.exists() and text.exists():
        return xlsx, text
    import xlsxwriter

    rows = make_rows(n)
    title = "思南县2021年度城乡居民医疗保险资助参保花名册"
    with open(f"{text}.part", "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([title] + [""] * (len(HEADER) - 1))
        writer.writerow(HEADER)
        writer.writerows(rows)
    wb = xlsxwriter.Workbook(f"{xlsx}.part", {"constant_memory": True})
    ws = wb.add_worksheet("低保对象")
    ws.merge_range(0, 0, 0, len(HEADER) - 1, title)
    ws.write_row(1, 0, HEADER)
    for r, row in enumerate(rows, start=2):
        ws.write_row(r, 0, row)
    wb.close()
    Path(f"{xlsx}.part").rename(xlsx)
    Path(f"{text}.part").rename(text)
    return xlsx, text


def run_roster(path: Path, out: Path) -> tuple[float, float, float, dict]:
    """(wall s, CPU s, peak RSS GiB, --json) of one ``simulate roster`` in a fresh process,
    CPU and peak RSS of that process alone (os.wait4); a refused run gives
    ``{"error": its message}`` as the JSON."""
    cmd = [SIMULATE, "roster", SINAN, str(path), "--out", str(out), "--json"]
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        text, err = stdout.read().decode(), stderr.read().decode()
    cpu = usage.ru_utime + usage.ru_stime
    got = json.loads(text) if proc.returncode == 0 else {"error": err.strip()[-300:]}
    return wall, cpu, usage.ru_maxrss / 2**20, got


#: Times, in a fresh process, what comes before the bill folder is written: the roster read
#: (guard, parse, rows), merged, and every person's bill computed (``roster_bill``); CPU of
#: the process (the parse threads too) and of the main thread alone (the path waited on).
_SIDE = """
import json, resource, sys, time
import simulate.rosters.bill as b
spent = {}
def timed(name, fn):
    def run(*a, **k):
        t, w, m = time.process_time(), time.perf_counter(), time.thread_time()
        out = fn(*a, **k)
        spent[name] = spent.get(name, 0) + time.process_time() - t
        spent[name + "_wall"] = spent.get(name + "_wall", 0) + time.perf_counter() - w
        spent[name + "_main"] = spent.get(name + "_main", 0) + time.thread_time() - m
        return out
    return run
b.read_roster, b.merge_rosters = timed("read", b.read_roster), timed("merge", b.merge_rosters)
t, w = time.process_time(), time.perf_counter()
b.roster_bill(sys.argv[1], [sys.argv[2]])
spent["bill"] = time.process_time() - t - spent["read"] - spent["merge"]
spent["bill_wall"] = time.perf_counter() - w - spent["read_wall"] - spent["merge_wall"]
spent["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(json.dumps(spent))
"""

SIDE_TARGET_S = 10.0
SIDE_TARGET_GIB = 1.4


def read_side(path: Path) -> dict[str, float]:
    """Wall and CPU seconds of reading, merging and computing the bill of ``path`` (no folder
    written; ``read``, ``read_wall``, ...), and the peak RSS (GiB) of that process."""
    out = subprocess.run([sys.executable, "-c", _SIDE, SINAN, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=1, help="runs of each command; the median is shown")
    ap.add_argument("--side", action="store_true", help="time only the read, merge and bill computation")
    args = ap.parse_args(argv)
    folder = Path(tempfile.gettempdir()) / "simulate-bench-roster"
    folder.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    xlsx, text = make_files(args.rows, folder)
    print(f"# rosters of {args.rows:,} rows in {folder} ({time.perf_counter() - t0:.0f} s to make or find)")
    if args.side:
        for kind, path in (("xlsx", xlsx), ("csv", text)):
            got = read_side(path)
            print(
                f"# {kind}: wall (CPU, main thread) read {got['read_wall']:.1f} ({got['read']:.1f}, "
                f"{got['read_main']:.1f}) s, merge "
                f"{got['merge_wall']:.1f} ({got['merge']:.1f}) s, bill {got['bill_wall']:.1f} ({got['bill']:.1f}) s; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
            wall = got["read_wall"] + got["merge_wall"] + got["bill_wall"]
            cpu = got["read"] + got["merge"] + got["bill"]
            name = f"roster {args.rows / 1e6:g} M rows {kind}, read+merge+bill"
            report(f"{name} wall", wall, "s", SIDE_TARGET_S, False)
            report(f"{name} CPU", cpu, "s", SIDE_TARGET_S, False)
            report(f"{name} peak", got["peak"], "GiB", SIDE_TARGET_GIB, False)
        return 0
    ok = True
    results = {}
    for kind, path in (("xlsx", xlsx), ("csv", text)):
        runs = [run_roster(path, folder / f"bill_{kind}") for _ in range(max(args.runs, 1))]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        peak = max(r[2] for r in runs)
        j = runs[-1][3]
        results[kind] = j
        if "error" in j:
            print(f"# {kind}: refused after {wall:.0f} s wall, {cpu:.0f} s CPU: {j['error']}")
            report(f"roster {args.rows / 1e6:g} M rows {kind}, wall", wall, "s", TARGET_S, higher_is_better=False)
            report(f"roster {args.rows / 1e6:g} M rows {kind}, bill written", 0, "ok", 1)
            ok = False
            continue
        if j["rows_read"] != j["rows_used"] + j["rows_rejected"]:
            print(f"# {kind}: rows read {j['rows_read']} != used {j['rows_used']} + rejected {j['rows_rejected']}")
            ok = False
        print(
            f"# {kind}: {j['rows_read']:,} rows read, {j['rows_used']:,} used, {j['rows_rejected']:,} rejected, "
            f"{j['persons']:,} persons; CPU {cpu:.1f} s; peak RSS {peak:.2f} GiB; load average {os.getloadavg()[0]:.1f}"
        )
        ok &= report(f"roster {args.rows / 1e6:g} M rows {kind}, wall", wall, "s", TARGET_S, higher_is_better=False)
        report(f"roster {args.rows / 1e6:g} M rows {kind}, CPU", cpu, "s", TARGET_S, higher_is_better=False)
        report(f"roster {args.rows / 1e6:g} M rows {kind}, peak RSS", peak, "GiB", 2.0, higher_is_better=False)
    if results["xlsx"].get("by_source") != results["csv"].get("by_source"):
        print("# the workbook and the CSV of the same rows gave different bills")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
