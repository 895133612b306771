"""The column-by-column paths of a large roster give what the row-by-row rules give: merged
cells filled down by columns as row by row, names cleaned all at once as one by one,
payments once per kind of person as per person (issue 16 item 4)."""

from __future__ import annotations

import datetime
import itertools
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simulate.model.runner import person_results
from simulate.policy import load_scenario
from simulate.rosters.arrays import numbered
from simulate.rosters.bill import roster_bill
from simulate.rosters.bill_people import build_villages, roster_population
from simulate.rosters.cells import clean_name
from simulate.rosters.kinds import kinds, person_results_by_kind
from simulate.rosters.rows import _all_clean, _clean_one
from simulate.rosters.sheets import _filled, _Grid

ROOT = Path(__file__).resolve().parents[1]
ROSTERS = ROOT / "tests" / "rosters"
EXPECTED = yaml.safe_load((ROSTERS / "expected.yaml").read_text("utf-8"))
FILES = [ROSTERS / f for f in EXPECTED["files"]]
AS_OF = datetime.date(2021, 1, 1)


@pytest.mark.parametrize("seed", range(6))
def test_merged_cells_filled_by_columns_as_row_by_row(seed: int) -> None:
    rng = random.Random(seed)
    width, height = 6, 40
    grid = [[f"{r}.{c}" if rng.random() < 0.7 else "" for c in range(width)] for r in range(height)]
    start = (rng.randint(0, 3), rng.randint(0, 2))  # calamine's first used cell
    merged = []
    for _ in range(12):  # overlapping, across and past the sheet's end, some above its start
        r0, c0 = rng.randint(0, height + 2), rng.randint(0, width + start[1] + 1)
        merged.append(((r0, c0), (r0 + rng.randint(0, 9), c0 + rng.randint(0, 1))))
    rows = list(_filled(iter([list(r) for r in grid]), start, merged))
    # python-calamine's iter_rows gives the rows above the first used cell as rows of ""
    source = _Grid(iter([[""] * width for _ in range(start[0])] + [list(r) for r in grid]), start, merged)
    index = list(range(width + start[1]))  # past the sheet's width a header cell is empty: never read
    after = rng.randint(0, 5)
    numbers, cols = source.columns(after, index)
    assert numbers == [n for n, _ in rows][after:]
    for j, col in zip(index, cols):
        assert col == [cells[j] if j < len(cells) else None for _, cells in rows][after:]


@pytest.mark.parametrize(
    "names",
    [
        ["张三", "李四", "阿卜杜·热合曼", ""],
        ["张三", " 张 三 ", "Ｊｏｈｎ", "阿卜杜.热合曼", "e\u0301lise", "名\x1c字", "李\u3000四", "ﬁ名"],
    ],
)
def test_names_cleaned_at_once_as_one_by_one(names: list[str]) -> None:
    assert [_clean_one(n) for n in names] == [clean_name(n) for n in names]
    assert _all_clean(names) == all(clean_name(n) == n for n in names)


@pytest.mark.parametrize("scenario", ["scenarios/sinan-2021.yaml", "tests/fixtures/graded-county-2024.yaml"])
def test_payments_once_per_kind_are_the_engine_per_person(scenario: str) -> None:
    sc = load_scenario(ROOT / scenario)
    bill = roster_bill(sc, FILES, ROSTERS / "mapping.yaml")
    persons = bill.merge.persons
    labels = [v or t for v, t in zip(persons["village"], persons["town"])]
    villages, vindex = build_villages(labels, None)
    pop = roster_population(persons, villages, vindex, bill.rows_read, sc.policy.vocab)
    pop = pop.take(np.repeat(np.arange(len(pop)), 3))  # every kind several times over
    first, kind = kinds(pop)
    assert len(first) < len(pop) and (kind[first] == np.arange(len(first))).all()
    assert all(len(set(g)) == 1 for g in _groups(pop, kind))
    full = person_results(sc, pop)
    got = person_results_by_kind(sc, pop)
    for col in got.columns:
        pd.testing.assert_series_equal(got[col], full[col], check_names=False)
    assert {"tier", "individual_fen", "fiscal_subsidy_fen"} <= set(got.columns)


def _groups(pop, kind: np.ndarray):  # the persons of each kind, as tuples of what the engine reads
    rows = list(zip(pop.identities.tolist(), pop.age.tolist(), pop.sex.tolist(), pop.disability.tolist()))
    order = np.argsort(kind, kind="stable")
    for _, members in itertools.groupby(order.tolist(), key=lambda i: kind[i]):
        yield [rows[i] for i in members]


@pytest.mark.parametrize("seed", range(6))
def test_numbered_keys_part_rows_as_sorting_them_would(seed: int) -> None:
    """``numbered`` (a hash, codes in order of first appearance) groups rows exactly as
    ``np.unique`` does and points at each group's first row: only the numbering differs."""
    rng = np.random.default_rng(seed)
    keys = rng.integers(-(2**62) if seed % 2 else 0, 2**62 if seed > 3 else 40, size=[0, 1, 7, 500, 5000, 20000][seed])
    codes, first = numbered(keys)
    _, first_sorted, inverse = np.unique(keys, return_index=True, return_inverse=True)
    assert len(codes) == len(keys) and codes.dtype == np.int64
    assert np.array_equal(codes[first], np.arange(len(first)))  # numbered by first appearance
    assert np.array_equal(np.sort(first), np.sort(first_sorted))  # the same first rows
    assert np.array_equal(first, np.sort(first))
    # one code per key value: each group's code maps to one sorted group and back
    pairs = set(zip(codes.tolist(), inverse.reshape(-1).tolist()))
    assert len(pairs) == len(first) == len({c for c, _ in pairs}) == len({s for _, s in pairs})
