"""``simulate roster SCENARIO FILE …``: the exact bill for departments' rosters (issue 7).

Writes DIR/bill.xlsx, DIR/bill.json, DIR/README.txt (masked ID numbers) and
DIR/payment_lists/<source>.xlsx (代缴名单, full ID numbers) — see :mod:`simulate.rosters.bill`.
Prints a summary, or with ``--json`` the JSON contract::

    {"scenario", "persons", "by_source", "fiscal_subsidy", "rows_read", "rejected",
     "rows_used", "rows_rejected", "multi_list", "out", ...}

``by_source`` and ``fiscal_subsidy`` are yuan numbers as in ``run --json``; ``rejected`` is
the list of rejected rows ``{file, sheet, row, id_masked, reason, reason_zh}``.
A bad file, mapping or date is one line on stderr, never a full ID number, exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .. import labels
from ..io.idmask import mask_ids_in_text
from ..results.frame_text import frame_text
from ..rosters.bill import parse_as_of, roster_bill
from ..rosters.grade_note import ungraded_note
from .shared import load

#: Keys of ``--json`` printed first, in this order (the contract); the rest follow.
JSON_KEYS = (
    "scenario",
    "persons",
    "by_source",
    "fiscal_subsidy",
    "rows_read",
    "rejected",
    "rows_used",
    "rows_rejected",
    "multi_list",
)


def roster(args: argparse.Namespace) -> int:
    """Read the rosters, write the bill folder, print its summary or JSON (masked)."""
    as_of = parse_as_of(args.as_of) if args.as_of else None
    sc = load(args)
    bill = roster_bill(sc, args.files, args.mapping, as_of=as_of)
    out = bill.write(args.out, args.lang)
    if args.json:
        # to_json is masked once where it is made (bill_json: mask_ids_json), the same text bill.json
        # holds and the leak scan passed; only the --out path, the user's, is masked here
        extra = {"out": mask_ids_in_text(str(out))}
        binary = getattr(sys.stdout, "buffer", None)  # none when captured as text
        if binary is None:
            print(bill.json_text(extra, first=JSON_KEYS))
            return 0
        sys.stdout.flush()  # the JSON streamed as bytes (hundreds of MB for a million people)
        bill.write_json(binary, extra, first=JSON_KEYS)
        binary.write(b"\n")
        return 0
    print(mask_ids_in_text(summary_text(bill, str(out), args.lang)))
    return 0


def summary_text(bill: Any, out: str, lang: str = "zh") -> str:
    """A short readable summary (masked): persons, accounting, outlay by source, files."""
    pol = bill.scenario.policy
    j = bill.to_json(several=False)
    counts = labels.text("roster", "summary_counts", lang).format(
        files=len(bill.files),
        read=bill.rows_read,
        used=bill.rows_used,
        rejected=bill.rows_rejected,
        persons=j["persons"],
        multi=j["multi_list"],
        as_of=bill.as_of.isoformat(),
    )
    lines = [
        f"{pol.title.get(lang)}  ({pol.document.number})",
        counts,
        "",
        labels.text("summary_headings", "by_source", lang),
        frame_text(bill.by_source_frame(lang), lang),
    ]
    if bill.rows_rejected:
        lines += ["", labels.text("summary_headings", "rejected_rows", lang)]
        for r in j["rejected"][:20]:
            reason = r["reason_zh" if lang == "zh" else "reason"]  # each row carries both
            lines.append(f"  {r['file']}:{r['row']}  {r['id_masked']}  {reason}")
        if len(j["rejected"]) > 20:
            lines.append(labels.text("roster", "more_rejected", lang).format(n=len(j["rejected"]) - 20))
    note = ungraded_note(bill.scenario, int(bill.outlay.meta.get("ungraded", 0)), lang)  # 档次 not recorded
    lines += ["", note] if note else []
    lines += ["", labels.text("roster", "written", lang).format(out=out)]
    return "\n".join(lines)
