"""The fast paths of a large roster give what the row-by-row paths give: persons made column
by column equal persons merged one by one, and the bill's JSON encoded once is the text
json.dumps writes (issue 16 item 4)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from simulate.rosters import merge as merge_module
from simulate.rosters.bill import roster_bill
from simulate.rosters.merge import merge_rosters
from simulate.rosters.roster import read_roster

ROOT = Path(__file__).resolve().parents[1]
ROSTERS = ROOT / "tests" / "rosters"
EXPECTED = yaml.safe_load((ROSTERS / "expected.yaml").read_text("utf-8"))
FILES = [ROSTERS / f for f in EXPECTED["files"]]
MAPPING = ROSTERS / EXPECTED["mapping"]
AS_OF = datetime.date(2021, 1, 1)


def _merged(monkeypatch: pytest.MonkeyPatch, one_by_one: bool):
    reads = [read_roster(f, MAPPING, as_of=AS_OF) for f in FILES]
    if one_by_one:  # every ID as if it were on two rows: the dict path for every row
        monkeypatch.setattr(
            merge_module, "_shared_ids", lambda reads: {i for r in reads for i in r.rows["id_number"].tolist()}
        )
    return merge_rosters(reads)


def test_persons_column_by_column_equal_persons_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _merged(monkeypatch, one_by_one=False)
    slow = _merged(monkeypatch, one_by_one=True)
    assert len(fast.persons) > 10 and (fast.persons["n_lists"] == 1).sum() > 5  # both paths used
    pd.testing.assert_frame_equal(fast.persons, slow.persons)
    for name in ("rejected", "duplicates", "name_conflicts", "multi_list", "by_file"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name))
    assert (fast.rows_read, fast.rows_used, fast.rows_rejected) == (slow.rows_read, slow.rows_used, slow.rows_rejected)


def test_json_encoded_once_is_json_dumps(tmp_path: Path) -> None:
    bill = roster_bill(ROOT / "scenarios" / "sinan-2021.yaml", FILES, MAPPING)
    data = bill.to_json()
    assert bill.json_text() == json.dumps(data, ensure_ascii=False, indent=2)
    first = ("rejected", "persons")
    extra = {"out": "/tmp/账单 1"}
    ordered = {k: data[k] for k in first} | {k: v for k, v in data.items() if k not in first} | extra
    assert bill.json_text(extra, first=first) == json.dumps(ordered, ensure_ascii=False, indent=2)
    out = bill.write(tmp_path / "bill")
    assert (out / "bill.json").read_text("utf-8") == json.dumps(data, ensure_ascii=False, indent=2) + "\n"
