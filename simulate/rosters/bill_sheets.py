"""The two long sheets of a roster bill, built from the persons' values masked once
(:mod:`simulate.rosters.bill_tables`): 人员明细 (every person, masked) and each paying
source's 代缴名单 (full ID numbers; issue 7), a million rows in about a second (issue 16 item 4)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .bill_tables import (
    MASKED,
    bill_column,
    bill_word,
    id_order,
    object_frame,
    person_by_value,
    person_id_lines,
    person_masked,
    person_masked_ids,
)


def persons_sheet(bill: Any, lang: str) -> pd.DataFrame:
    """Every person of ``bill`` (a RosterBill) with tier and amounts, its text built from
    masked values (named in ``attrs[MASKED]``); each column an array of its own."""
    tiers = {t.id: t for t in bill.scenario.policy.tiers}
    p = bill.persons
    label = bill.outlay.vocab.label
    frame = object_frame(
        {
            bill_column("id_masked", lang): person_masked_ids(bill).copy(),  # the sheet's own
            bill_column("name", lang): person_masked(bill, "name").copy(),
            bill_column("village", lang): person_masked(bill, "village_label").copy(),
            bill_column("age", lang): p["age"].to_numpy().astype(int),
            bill_column("sex", lang): person_by_value(bill, "sex", lambda s: bill_word(f"sex_{s}", lang)),
            bill_column("identities", lang): person_by_value(
                bill, "identities", lambda ids: "、".join(label(i, lang) for i in ids)
            ),
            bill_column("grade", lang): [g or None for g in p["disability_grade"].astype(int).tolist()],
            bill_column("lists", lang): person_by_value(bill, "lists", "、".join),
            bill_column("tier", lang): person_by_value(
                bill, "tier", lambda t: tiers[t].label.get(lang) if t in tiers else bill_word("general", lang)
            ),
        }
    )
    frame.attrs[MASKED] = [c for c in frame.columns if c != bill_column("age", lang)]
    for s in bill.outlay.sources:
        if (p[f"{s}_fen"] > 0).any() or s == "individual":
            frame[label(s, lang) + bill_word("yuan_suffix", lang)] = p[f"{s}_fen"].astype(int) / 100
    return frame


def payment_sheet(bill: Any, source: str, lang: str) -> pd.DataFrame:
    """代缴名单 of one source: the persons it pays for in :func:`payment_order`, with name,
    FULL ID number, town, village, tier, amounts in yuan and lists; the text but the ID
    built from masked values (named in ``attrs[MASKED]``)."""
    tiers = {t.id: t for t in bill.scenario.policy.tiers}
    order = payment_order(bill)
    rows = order[bill.persons[f"{source}_fen"].to_numpy()[order] > 0]

    def take(column: str) -> Any:
        return bill.persons[column].to_numpy()[rows]

    frame = object_frame(
        {
            bill_column("seq", lang): np.arange(1, len(rows) + 1),
            bill_column("name", lang): person_masked(bill, "name")[rows],
            bill_column("id_full", lang): pd.array(take("id_number"), dtype="str"),  # as bulkxlsx reads best
            bill_column("town", lang): person_masked(bill, "town")[rows],
            bill_column("village", lang): person_masked(bill, "village_label")[rows],
            bill_column("tier", lang): person_by_value(bill, "tier", lambda t: tiers[t].label.get(lang), rows),
            bill_column("amount", lang): take(f"{source}_fen").astype(np.int64) / 100,
            bill_column("individual", lang): take("individual_fen").astype(np.int64) / 100,
            bill_column("lists", lang): person_by_value(bill, "lists", "、".join, rows),
        }
    )
    frame.attrs[MASKED] = [bill_column(k, lang) for k in ("name", "town", "village", "tier", "lists")]
    return frame


def payment_order(bill: Any) -> np.ndarray:
    """Rows of ``bill.persons`` by village (in roster order) then ID number, stably, worked out
    once for every payment list: a list is the rows it pays for, in this order (what
    sorting each list's rows gives; the IDs compared as fixed-width text, in C)."""
    if "_pay_rows" not in bill.__dict__:
        p = bill.persons
        ids = p["id_number"].tolist()
        bill.__dict__["_pay_rows"] = id_order(ids, p["village_index"].to_numpy(), person_id_lines(bill))
    return bill.__dict__["_pay_rows"]  # type: ignore[no-any-return]
