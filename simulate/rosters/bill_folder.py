"""Writing a roster bill's folder: bill.xlsx, bill.json, one payment list per paying
department (the only files with full ID numbers) and README.txt, published at once."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pandas as pd

from .. import labels
from ..io.digest import digest_text
from ..io.idmask import mask_ids_in_text
from ..io.leakscan import ProvedFile
from ..money import yuan_text
from ..report.publish import publishing
from ..results.outlay import col
from ..vocabulary import Lang
from . import bulkxlsx
from .bill_tables import README_NAME, bill_column, bill_word, masked_frame, nonempty


def write_bill(bill: Any, out_dir: str | os.PathLike[str], lang: Lang = "zh") -> Path:
    """Write bill.xlsx, bill.json, payment_lists/<source>.xlsx and README.txt.

    Published through :mod:`simulate.report.publish`: built beside ``out_dir`` and moved into
    place at once, so a failure or Ctrl-C leaves no partial output; an existing
    ``out_dir`` is replaced only when it is empty or holds a previous output of simulate
    and nothing else.
    """
    bill.__dict__.pop("_json_file", None)
    with publishing(out_dir, "roster") as work:
        layout, digest = _write_into(bill, work, lang)
    bill.__dict__["_json_file"] = (Path(out_dir) / "bill.json", digest, layout)  # --json copies it
    return Path(out_dir)


def _write_into(bill: Any, folder: Path, lang: Lang) -> tuple[dict[str, tuple[int, int]], str | None]:
    """The bill's files in ``folder``; returns bill.json's layout and its sha256 (as written)."""
    names = [labels.text("bill_sheets", key, lang) for key in labels.pairs("bill_sheets")]
    frames = (  # the tables after the first two come masked (RosterBill's _masking): not masked twice
        masked_frame(bill.by_source_frame(lang)),
        masked_frame(bill.by_tier_frame(lang)),
        bill.by_village_frame(lang),
        bill.multi_identity_frame(lang),
        bill.rejected_frame(lang),
        bill.duplicates_frame(lang),
        bill.name_conflicts_frame(lang),
        bill.by_file_frame(lang),
        bill.persons_frame(lang),
    )
    sheets = _split_long({n: nonempty(f, lang) for n, f in zip(names, frames)})
    money = {c for f in sheets.values() for c in f.columns if "元" in str(c) or "yuan" in str(c)}
    proof = ProvedFile()  # bill.xlsx checked for ID numbers as it is written, not read back
    bulkxlsx.write_workbook(
        folder / "bill.xlsx",
        sheets,
        proof=proof,
        money_columns=money,
        count_columns={bill_column("persons", lang), col("persons", lang)},
        percent_columns={col("share", lang)},
    )
    proof.proved(folder / "bill.xlsx")
    del frames, sheets  # a million-person 人员明细 is hundreds of MB: gone before the lists and JSON
    written = _write_payment_lists(bill, folder / "payment_lists", lang)
    layout: dict[str, tuple[int, int]] = {}
    with _Proving(folder / "bill.json") as proving:  # the text in UTF-8, as write_text wrote it
        bill.write_json(proving, layout=layout)
        proving.write(b"\n")
    (folder / README_NAME).write_text(mask_ids_in_text(_readme(bill, written)), "utf-8")
    return layout, proving.proof.digest


def _write_payment_lists(bill: Any, pay_dir: Path, lang: Lang) -> list[tuple[str, int, int]]:
    """payment_lists/<source>.xlsx, one per paying department, the only files with full ID
    numbers (owner-only permissions); returns (source, persons, fen) of each list written."""
    pay_dir.mkdir()
    os.chmod(pay_dir, 0o700)
    written = []
    for s in bill.paying_sources():
        # the ID column is the one place a full number belongs; a number hidden in a
        # name, village or roster file name is masked here like everywhere else
        frame = masked_frame(bill.payment_list(s, lang), keep=(bill_column("id_full", lang),))
        total = pd.DataFrame(  # None in every other column, not the NaN concat would put in
            [
                dict.fromkeys(c for c in frame.columns if frame[c].dtype.kind == "O")
                | {
                    bill_column("seq", lang): None,
                    bill_column("name", lang): bill_word("total", lang),
                    bill_column("amount", lang): frame[bill_column("amount", lang)].sum(),
                }
            ]
        )
        title = bill_word("payment_list_title", lang).format(source=bill.scenario.policy.vocab.label(s, lang))
        path = pay_dir / f"{s}.xlsx"
        bulkxlsx.write_workbook(
            path,
            {
                title[:31]: pd.concat([frame, total], ignore_index=True),
                bill_word("about_sheet", lang): masked_frame(_about_frame(bill, s, frame, lang)),
            },
            money_columns={bill_column("amount", lang), bill_column("individual", lang)},
            count_columns={bill_column("seq", lang)},
        )
        os.chmod(path, 0o600)
        written.append((s, len(frame), int(bill.persons[f"{s}_fen"].sum())))
    return written


class _Proving:
    """A binary file at ``path`` whose every byte written is checked for ID numbers (``proof``)
    and hashed on its way to disk, so that it is never read back (issue 16 item 4: a
    million-person bill.json is 300 MB); proved, with that digest, when the block ends."""

    def __init__(self, path: Path) -> None:
        self.path, self.proof = path, ProvedFile()
        self._sha, self._size = hashlib.sha256(), 0

    def __enter__(self) -> _Proving:
        self._fh = open(self.path, "wb")  # noqa: SIM115 - closed in __exit__, then proved
        return self

    def write(self, data: bytes) -> None:
        self.proof.feed(data)
        self._sha.update(data)
        self._fh.write(data)
        self._size += len(data)

    def __exit__(self, kind: object, *_: object) -> None:
        self._fh.close()
        if kind is None:
            self.proof.proved(self.path, sha256=digest_text(self._sha.hexdigest()), size=self._size)


#: Rows of one bill.xlsx sheet: a longer table goes on in 人员明细（2）, …, so that no sheet's
#: XML passes the leak scan's cap for one zip part (simulate.io.leakscan, 256 MiB).
SHEET_ROWS = 100_000


def _split_long(sheets: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each sheet of more than SHEET_ROWS rows as several sheets of at most SHEET_ROWS."""
    out: dict[str, pd.DataFrame] = {}
    for name, frame in sheets.items():
        for k, start in enumerate(range(0, max(len(frame), 1), SHEET_ROWS)):
            part = frame if len(frame) <= SHEET_ROWS else frame.iloc[start : start + SHEET_ROWS]
            out[name if k == 0 else f"{name}（{k + 1}）"] = part.reset_index(drop=True)
    return out


def _about_frame(bill: Any, source: str, frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    pol = bill.scenario.policy
    items = [
        ("about_scenario", f"{pol.title.get(lang)}（{pol.document.number}）"),
        ("about_source", bill.scenario.policy.vocab.label(source, lang)),
        ("about_persons", str(len(frame))),
        ("about_total", yuan_text(int(bill.persons[f"{source}_fen"].sum()))),
        ("about_as_of", bill.as_of.isoformat()),
        ("about_rosters", "、".join(bill.files)),
        ("about_note", bill_word("about_full_ids", lang)),
    ]
    return pd.DataFrame(
        [(bill_word(key, lang), value) for key, value in items],
        columns=[bill_word("about_item", lang), bill_word("about_value", lang)],
    )


def _readme(bill: Any, written: list[tuple[str, int, int]]) -> str:
    vocab = bill.scenario.policy.vocab  # local payers have payment lists too
    pol = bill.scenario.policy
    lines = [
        f"花名册资助参保核算 / Roster bill — {pol.title.zh}（{pol.document.number}）",
        f"scenario: {bill.scenario.id}; ages on {bill.as_of.isoformat()}; rosters: {', '.join(bill.files)}",
        f"persons {len(bill.persons)}; rows read {bill.rows_read} = used {bill.rows_used} "
        f"+ rejected {bill.rows_rejected}",
        "",
        "完整身份证号码只出现在 payment_lists/ 目录下的代缴名单中，请妥善保管、勿外传。",
        "FULL ID NUMBERS are in payment_lists/*.xlsx ONLY (one file per paying department).",
        "Every other file (bill.xlsx, bill.json, this README) shows masked numbers",
        "(first 6 digits, 8 stars, last 4).",
        "",
        "Files:",
        "  bill.xlsx    汇总 (by source), 按档次 (by tier), 按村 (by village), 多重身份 (people",
        "               qualifying for several tiers: one subsidy, the tiers considered),",
        "               剔除记录 (rejected rows with reasons), 重复记录 (duplicates),",
        "               姓名不一致 (same ID, different names), 名册统计 (per roster), 人员明细 — masked",
        "  bill.json    the same figures as JSON — masked",
        "  payment_lists/<source>.xlsx  代缴名单 — FULL ID NUMBERS:",
    ]
    for s, n, fen in written:
        lines.append(
            f"    payment_lists/{s}.xlsx  {vocab.label(s, 'zh')} / {vocab.label(s, 'en')}: "
            f"{n} persons, {yuan_text(fen)} yuan"
        )
    if not written:
        lines.append("    (none: no department pays for anyone on these rosters)")
    return "\n".join(lines) + "\n"
