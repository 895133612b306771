"""Issue 16 item 2 benchmark: a population file streamed by `simulate run --population`, rows
per second and peak memory, for CSV (UTF-8 and GBK) and Parquet files written in a temporary folder.

    python benchmarks/bench_population_files.py                  # 5 M rows (CSV, GBK CSV, Parquet)
    python benchmarks/bench_population_files.py --big            # also 50 M rows (~3 GB of CSV)
    python benchmarks/bench_population_files.py --sizes 5,10,20  # memory flat in the length?
    python benchmarks/bench_population_files.py --keep /tmp/pop  # write once, reuse next time

Rows/s is whole-process (start-up, reading, tally, conservation check); CPU seconds are
printed beside it, since on a shared machine the wall clock also counts other work. Peak
RSS is that one process's (``wait4``). Files go to ``$TMPDIR`` (default /tmp), never git.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SIMULATE, SINAN, report  # noqa: E402

from simulate.model.synth import synthesize  # noqa: E402
from simulate.policy import load_scenario  # noqa: E402
from simulate.vocabulary import identities_of  # noqa: E402

CHUNK = 1_000_000


def _table(sc, first: int, n: int) -> pa.Table:
    """``n`` synthetic persons (seed = chunk index) as text columns, person ids from ``first``."""
    pop = synthesize(sc, n, seed=first // CHUNK + 1).materialize()
    masks, inverse = np.unique(pop.identities, return_inverse=True)
    ids = np.array([";".join(identities_of(int(m))) for m in masks], dtype=object)[inverse]
    numbers = pa.array(np.arange(first, first + n)).cast(pa.string())
    village = np.array([f"村{k:03d}" for k in range(300)], dtype=object)[(np.arange(first, first + n) // 20_000) % 300]
    return pa.table(
        {
            "village": pa.array(village, pa.string()),
            "person_id": pa.compute.binary_join_element_wise("p", numbers, ""),
            "household_id": pa.compute.binary_join_element_wise(
                "h", pa.array(pop.household + first).cast(pa.string()), ""
            ),
            "age": pa.array(pop.age.astype(np.int64)),
            "sex": pa.array(np.where(pop.sex == 0, "F", "M")),
            "disability_grade": pa.array(pop.disability.astype(np.int64)),
            "identities": pa.array(ids, pa.string()),
            "enrolled": pa.array(pop.enrolled.astype(np.int64)),
        }
    )


def write_files(folder: Path, rows: int) -> tuple[Path, Path, Path]:
    """A CSV (UTF-8), the same CSV in GBK and a Parquet file of ``rows`` persons, written one
    million rows at a time (the village names are Chinese: GBK differs from UTF-8)."""
    sc = load_scenario(SINAN)
    csv_path, pq_path = folder / f"people-{rows}.csv", folder / f"people-{rows}.parquet"
    gbk_path = folder / f"people-{rows}-gbk.csv"
    if csv_path.exists() and pq_path.exists() and gbk_path.exists():  # --keep: written by an earlier run
        return csv_path, gbk_path, pq_path
    writer = pw = None
    for first in range(0, rows, CHUNK):
        table = _table(sc, first, min(CHUNK, rows - first))
        if writer is None:
            writer = pacsv.CSVWriter(str(csv_path), table.schema)
            pw = pq.ParquetWriter(str(pq_path), table.schema)
        writer.write_table(table)
        pw.write_table(table)
    writer.close()
    pw.close()
    with open(csv_path, encoding="utf-8", newline="") as src, open(gbk_path, "w", encoding="gbk", newline="") as dst:
        shutil.copyfileobj(src, dst, 16 << 20)
    return csv_path, gbk_path, pq_path


def timed_run(path: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS GiB) of one `simulate run --population PATH` process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [SIMULATE, "run", SINAN, "--population", str(path), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"simulate run --population {path} failed: {proc.stderr.read().decode().strip()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 2**20


def main() -> int:
    big = "--big" in sys.argv
    if "--sizes" in sys.argv:
        sizes = [int(float(x) * 1_000_000) for x in sys.argv[sys.argv.index("--sizes") + 1].split(",")]
    else:
        sizes = [5_000_000, 50_000_000] if big else [5_000_000]
    ok = True
    print(f"issue 16 item 2 — population files streamed (simulate run --population, whole process); {_load()}")
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for rows in sizes:
            t0 = time.perf_counter()
            files = write_files(folder, rows)
            size_gb = files[0].stat().st_size / 1e9
            took = time.perf_counter() - t0
            print(f"  wrote {rows:,} rows as CSV ({size_gb:.2f} GB), GBK CSV and Parquet in {took:.0f} s")
            for path in files:
                wall, cpu, peak = timed_run(path)
                kind = "gbk" if path.stem.endswith("-gbk") else path.suffix[1:]
                print(
                    f"  {kind} {rows:,} rows: {wall:.1f} s wall, {cpu:.1f} CPU s ({rows / cpu / 1e6:.2f} M rows per"
                    f" CPU-second), peak {peak:.2f} GiB; {_load()}"
                )
                ok &= report(
                    f"{kind} {rows / 1e6:g} M rows: rows/s (whole process)", rows / wall / 1e6, "M rows/s", 2.0
                )
                ok &= report(f"{kind} {rows / 1e6:g} M rows: peak RSS", peak, "GiB", 1.0, higher_is_better=False)
                if keep is None:
                    path.unlink()
    print(f"  {_load()}")
    return 0 if ok else 1


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
