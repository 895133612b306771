"""bill.json and ``roster --json`` written piece by piece (issue 16 item 4): the same bytes as
``json.dumps(..., ensure_ascii=False, indent=2)`` of the contract, whatever the block size;
items copied from the written bill.json only while it is unchanged."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from simulate.io.idmask import mask_ids_json
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


def _slow_block(bill, start: int, stop: int) -> bytes:
    """A block of the long list the long way: records made, masked and encoded whole."""
    block = bill_json.indented(mask_ids_json(bill_json.multi_records(bill, "zh", start, stop)))
    return b"  " + block[2:-2].replace(b"\n", b"\n  ")


def test_long_list_put_together_by_field_is_the_records_encoded(bill) -> None:
    fields = bill_json._several_fields(bill)
    assert fields is not None and not fields[1].any()  # every block below takes the fast way
    n = len(bill_json.multi_people(bill, "zh")[0])
    for size in (1, 2, 5, n):
        for start in range(0, n, size):
            assert bill_json.several_block(bill, start, start + size) == _slow_block(bill, start, start + size)


def test_long_list_with_a_hidden_number_is_masked_as_before(bill) -> None:
    """A name holding an ID number, a village with a tab, a name "null": those blocks are
    encoded the long way (masked), the others put together; the whole is json.dumps'."""
    rows = bill_json.multi_people(bill, "zh")[0]
    persons = bill.persons.copy()
    hidden = "520624197705132028"
    names = persons["name"].tolist()
    names[rows[0]] = f"张{hidden}"
    names[rows[-1]] = "null"
    persons["name"] = pd.Series(names, index=persons.index, dtype=object)
    labels = persons["village_label"].tolist()
    labels[rows[1]] = "村\t1"
    persons["village_label"] = pd.Series(labels, index=persons.index, dtype=object)
    other = dataclasses.replace(bill, persons=persons)
    bad = bill_json._several_fields(other)[1]
    assert bad[[0, 1, -1]].all() and not bad[2:-1].any()
    for size in (1, 2, 10_000):
        for start in range(0, len(rows), size):
            assert bill_json.several_block(other, start, start + size) == _slow_block(other, start, start + size)
    data = _written(other, {}, ())
    assert data == _expected(other, {}, ()) and hidden.encode() not in data and b"520624********2028" in data


def test_long_list_read_back_is_the_records_masked(bill) -> None:
    rows = bill_json.multi_people(bill, "zh")[0]
    persons = bill.persons.copy()
    names = persons["name"].tolist()
    names[rows[0]] = "张520624197705132028"
    persons["name"] = pd.Series(names, index=persons.index, dtype=object)
    for one in (bill, dataclasses.replace(bill, persons=persons)):
        expected = mask_ids_json(bill_json.multi_records(one, "zh"))
        got = one.to_json()[bill_json.SEVERAL]
        assert got == expected and [type(v) for r in got for v in r.values()] == [
            type(v) for r in expected for v in r.values()
        ]
