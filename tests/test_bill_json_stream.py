"""bill.json and ``roster --json`` written piece by piece (issue 16 item 4): the same bytes as
``json.dumps(..., ensure_ascii=False, indent=2)`` of the contract, whatever the block size;
items copied from the written bill.json only while it is unchanged."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from simulate.rosters import bill_json
from simulate.rosters.bill import roster_bill

ROOT = Path(__file__).resolve().parents[1]
ROSTERS = ROOT / "tests" / "rosters"
FILES = [ROSTERS / "minzheng_dibao.csv", ROSTERS / "canlian.xlsx", ROSTERS / "fupin_jdlk.csv"]
FIRST = ("scenario", "persons", "by_source", "rows_read", "rejected")


@pytest.fixture(scope="module")
def bill():
    return roster_bill(ROOT / "scenarios" / "sinan-2021.yaml", FILES, ROSTERS / "mapping.yaml")


def _expected(bill, extra: dict, first: tuple[str, ...]) -> bytes:
    j = bill.to_json()
    ordered = {k: j[k] for k in first} | {k: v for k, v in j.items() if k not in first} | extra
    return json.dumps(ordered, ensure_ascii=False, indent=2).encode("utf-8")


def _written(bill, extra: dict, first: tuple[str, ...]) -> bytes:
    out = io.BytesIO()
    bill.write_json(out, extra, first)
    return out.getvalue()


def test_streamed_json_is_json_dumps_whatever_the_block(bill, monkeypatch) -> None:
    assert len(bill.to_json()[bill_json.SEVERAL]) >= 2  # several blocks below
    expected = _expected(bill, {"out": "x"}, FIRST)
    for block in (1, 2, 3, 10_000):
        monkeypatch.setattr(bill_json, "SEVERAL_BLOCK", block)
        assert _written(bill, {"out": "x"}, FIRST) == expected
    assert bill.to_json(several=False)[bill_json.SEVERAL] == []


def test_json_is_copied_from_bill_json_only_while_unchanged(bill, tmp_path, monkeypatch) -> None:
    bill.write(tmp_path / "out")
    path = tmp_path / "out" / "bill.json"
    assert path.read_bytes() == _expected(bill, {}, ()) + b"\n"
    calls = []
    real = bill_json.several_parts
    monkeypatch.setattr("simulate.rosters.bill.several_parts", lambda b: calls.append(1) or real(b))
    expected = _expected(bill, {"out": "y"}, FIRST)
    assert _written(bill, {"out": "y"}, FIRST) == expected and calls == []  # copied, not encoded
    # the file changed (same length): encoded again, the changed bytes never printed
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"persons"', b'"PERSONS"', 1))
    assert _written(bill, {"out": "y"}, FIRST) == expected and calls == [1]
    path.unlink()
    assert _written(bill, {"out": "y"}, FIRST) == expected and calls == [1, 1]
