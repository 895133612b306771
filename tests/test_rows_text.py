"""The terminal table without pandas (results.frame_text.rows_text) prints exactly what the
DataFrame path prints: ``simulate run`` uses the first, roster and what-if the second."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulate import load_scenario
from simulate.results.frame_text import column_kind, frame_text, rows_text, width
from simulate.results.run import run

ROOT = Path(__file__).resolve().parents[1]
DROP = ("source", "tier", "village", "level", "group")


def _via_pandas(rows: list[dict], lang: str) -> str:
    frame = pd.DataFrame(rows)
    return frame_text(frame.drop(columns=[c for c in DROP if c in frame.columns]), lang)


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml")))
def test_every_table_of_every_scenario_prints_as_the_frame_does(name: str) -> None:
    out = run(load_scenario(ROOT / "scenarios" / name), size=3000, seed=7)
    for lang in ("zh", "en"):
        tables = out.rows(lang)
        assert tables.keys() == out.frames(lang).keys()
        for key, rows in tables.items():
            if rows:
                assert rows_text(rows, lang, drop=DROP) == _via_pandas(rows, lang), (name, lang, key)


def test_awkward_cells_print_as_the_frame_does() -> None:
    """Wide, ambiguous-width and control characters, long text, bools with blanks, numpy
    numbers, integers mixed with floats, a share column and a money column."""
    rows = [
        {
            "村（社区）": "大栗港\t镇\n第一村" * 4,
            "参保率": np.float64(0.9561),
            "金额（元）": 1234567.891,
            "人数": np.int64(12),
            "mixed": 3,
            "是否达标": True,
            "±°§": "αβ—…",
            "share": 1,
        },
        {
            "村（社区）": "x",
            "参保率": 1.0,
            "金额（元）": -0.5,
            "人数": 7,
            "mixed": 2.5,
            "是否达标": None,
            "±°§": "",
            "share": 0.25,
        },
    ]
    for lang in ("zh", "en"):
        assert rows_text(rows, lang) == frame_text(pd.DataFrame(rows), lang)


def test_column_kinds_follow_pandas_inference() -> None:
    cases = [[1, 2], [1, 2.5], [True, False], [True, None], ["a", "b"], [np.int64(1)], [None, None]]
    for values in cases:
        kind = column_kind(values)
        dtype = pd.DataFrame({"c": values})["c"].dtype
        expected = "s" if dtype.kind == "O" and dtype != np.dtype(object) else dtype.kind
        assert kind == expected, (values, kind, dtype)
    assert width("思南ab") == 6


def test_run_prints_its_summary_without_loading_pandas() -> None:
    code = (
        "import runpy, sys; sys.argv = ['simulate', 'run', 'scenarios/sinan-2021.yaml', '--size', '2000'];"
        "import simulate.cli as c\ntry:\n    c.main()\nexcept SystemExit:\n    pass\n"
        "print('pandas' in sys.modules, 'pyarrow' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "资金来源" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "False False"
