"""Notebook timings that used to be asserted in tests (issue 10 item 9: no wall clock in tests).

Run: ``.venv/bin/python benchmarks/bench_notebooks.py``. Prints, against their targets, the time
to run ``notebooks/quickstart.py`` with its default parameters from ``notebooks/`` (kernel
start included; target < 20 s) and the time ``simulate report`` takes to refuse a population
file with an unknown village (it must fail before starting a kernel; target < 10 s).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REPO, SIMULATE, report  # noqa: E402

sys.path.insert(0, str(REPO))


def quickstart_seconds() -> float:
    from nbclient import NotebookClient

    from simulate.report.kernel import kernel_env
    from simulate.report.notebook_build import notebook

    nb = notebook("quickstart")  # built from notebooks/quickstart.py
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        startup_timeout=60,
        resources={"metadata": {"path": str(REPO / "notebooks")}},
    )
    t0 = time.perf_counter()
    client.execute(env={**os.environ, **kernel_env()})
    return time.perf_counter() - t0


def refusal_seconds() -> float:
    with tempfile.TemporaryDirectory(prefix="bench-notebooks-") as tmp:
        csv = Path(tmp) / "people.csv"
        csv.write_text(
            "person_id,household_id,village,age,sex,disability_grade,identities,"
            "enrolled,timing\np1,h1,桃花源村,40,F,0,rural_dibao,1,regular\n",
            "utf-8",
        )
        t0 = time.perf_counter()
        proc = subprocess.run(
            [
                SIMULATE,
                "report",
                str(REPO / "scenarios" / "daligang-2020.yaml"),
                "--population",
                str(csv),
                "--out",
                str(Path(tmp) / "out"),
            ],
            capture_output=True,
            text=True,
            cwd=tmp,
        )
        seconds = time.perf_counter() - t0
    if proc.returncode != 2:
        raise SystemExit(f"expected a refusal (exit 2), got {proc.returncode}: {proc.stderr.strip()}")
    return seconds


def main() -> int:
    ok = report("quickstart.ipynb, default parameters (wall)", quickstart_seconds(), "s", 20, False)
    ok &= report("simulate report refusing an unknown village (wall)", refusal_seconds(), "s", 10, False)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
