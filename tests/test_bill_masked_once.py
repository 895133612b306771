"""The roster bill's tables built from masked values (issue 16 item 4): each person's ID,
name, town and village masked once and every table taking them, its text cells those
masked_frame would make, so that masked_frame leaves them alone (``attrs[MASKED]``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simulate.io.idnumber import mask_id
from simulate.rosters.bill import RosterBill, roster_bill
from simulate.rosters.bill_tables import MASKED, bill_column, id_order, masked_frame, masked_ids

ROOT = Path(__file__).resolve().parents[1]
ROSTERS = ROOT / "tests" / "rosters"
EXPECTED = yaml.safe_load((ROSTERS / "expected.yaml").read_text("utf-8"))
HIDDEN = "520624197705132028"


@pytest.fixture(scope="module")
def bills() -> list[RosterBill]:
    bill = roster_bill(
        ROOT / "scenarios" / "sinan-2021.yaml", [ROSTERS / f for f in EXPECTED["files"]], ROSTERS / EXPECTED["mapping"]
    )
    persons = bill.persons.copy()  # an ID number hidden in a name, a town and a village of each person
    for column in ("name", "town", "village_label"):
        persons[column] = pd.Series([f"{v}{HIDDEN}" for v in persons[column]], index=persons.index, dtype=object)
    return [bill, dataclasses.replace(bill, persons=persons)]


def _looked_at(raw: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """masked_frame of a table, every column looked at (none taken as built masked)."""
    plain = raw.copy()
    plain.attrs = {}
    return masked_frame(plain, keep)


@pytest.mark.parametrize("which", [0, 1])
def test_tables_built_masked_are_what_masking_makes(bills, which) -> None:
    bill = bills[which]
    for method in (RosterBill.persons_frame, RosterBill.multi_identity_frame):
        raw = method.__wrapped__(bill, "zh")  # the table before the _masking decorator
        assert raw.attrs[MASKED]
        shown = method(bill, "zh")
        pd.testing.assert_frame_equal(shown, _looked_at(raw))
        cells = "".join(map(str, shown.to_numpy().ravel()))
        assert HIDDEN not in cells and (which == 0 or "520624********2028" in cells)
    keep = (bill_column("id_full", "zh"),)
    for source in bill.paying_sources():
        raw = bill.payment_list(source)
        pd.testing.assert_frame_equal(masked_frame(raw, keep), _looked_at(raw, keep))
        assert (HIDDEN in "".join(raw[bill_column("name", "zh")])) is False


def test_payment_order_of_plain_numbers_is_the_texts_order() -> None:
    rng = np.random.default_rng(7)
    ids = [f"{rng.integers(10**16, 10**17):017d}{rng.choice(list('0123456789X'))}" for _ in range(500)]
    ids += ids[:50]  # equal numbers keep their order
    village = rng.integers(0, 4, len(ids))
    by_text = np.argsort(np.array(ids, dtype=str), kind="stable")
    expected = by_text[np.argsort(village[by_text], kind="stable")]
    assert (id_order(ids, village) == expected).all()
    odd = ids[:-1] + ["52062419500412031"]  # a 17-digit number: the texts compared
    by_text = np.argsort(np.array(odd, dtype=str), kind="stable")
    assert (id_order(odd, village) == by_text[np.argsort(village[by_text], kind="stable")]).all()


def test_ids_masked_in_bulk_are_mask_id() -> None:
    rng = np.random.default_rng(3)
    plain = [f"{rng.integers(10**16, 10**17):017d}{rng.choice(list('0123456789X'))}" for _ in range(300)]
    assert masked_ids(plain) == [mask_id(v) for v in plain]
    assert all(m[6:14] == "********" and m[:6] == v[:6] and m[14:] == v[14:] for m, v in zip(masked_ids(plain), plain))
    for odd in (
        "52062419500412031x",
        "５２０６２４１９５００４１２０３１X",
        "520624195004120",
        "5206241950041203\n1X",
        "",
    ):
        values = plain[:5] + [odd]
        assert masked_ids(values) == [mask_id(v) for v in values], odd


def test_a_table_changed_leaves_the_next_as_it_was(bills) -> None:
    """The tables take the bill's masked values without a copy into one block: each gets
    arrays of its own, so a cell changed in one is not changed in the bill or the next."""
    bill = bills[0]
    tables = (RosterBill.persons_frame.__wrapped__, RosterBill.multi_identity_frame.__wrapped__)  # before masking
    for make in (*(lambda t=t: t(bill, "zh") for t in tables), lambda: bill.payment_list(bill.paying_sources()[0])):
        before = make().copy(deep=True)
        changed = make()
        for k in range(changed.shape[1]):
            changed.iloc[0, k] = "X" if changed.dtypes.iloc[k].kind == "O" else 9
        pd.testing.assert_frame_equal(make(), before)
