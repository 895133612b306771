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
from typing import Any

from ..io.idmask import mask_ids_deep, mask_ids_in_text
from ..results.frame_text import frame_text
from ..rosters.bill import parse_as_of, roster_bill
from .shared import load, print_json

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
        j = bill.to_json()
        j["out"] = str(out)
        # to_json is masked; the --out path is the user's and is masked here
        print_json(mask_ids_deep({k: j[k] for k in JSON_KEYS} | {k: v for k, v in j.items() if k not in JSON_KEYS}))
        return 0
    print(mask_ids_in_text(summary_text(bill, str(out), args.lang)))
    return 0


def summary_text(bill: Any, out: str, lang: str = "zh") -> str:
    """A short readable summary (masked): persons, accounting, outlay by source, files."""
    pol = bill.scenario.policy
    zh = lang == "zh"
    j = bill.to_json()
    lines = [
        f"{pol.title.get(lang)}  ({pol.document.number})",
        (
            f"名册 {len(bill.files)} 份；读取 {bill.rows_read} 行 = 采用 {bill.rows_used} + 剔除 "
            f"{bill.rows_rejected}；人数 {j['persons']}，多名册 {j['multi_list']} 人；年龄按 "
            f"{bill.as_of.isoformat()} 计算"
            if zh
            else f"{len(bill.files)} rosters; rows read {bill.rows_read} = used {bill.rows_used} + rejected "
            f"{bill.rows_rejected}; persons {j['persons']}, on several rosters {j['multi_list']}; "
            f"ages on {bill.as_of.isoformat()}"
        ),
        "",
        "按资金来源" if zh else "By funding source",
        frame_text(bill.by_source_frame(lang), lang),
    ]
    if bill.rows_rejected:
        lines += ["", "剔除记录" if zh else "Rejected rows"]
        for r in j["rejected"][:20]:
            reason = r["reason_zh"] if zh else r["reason"]
            lines.append(f"  {r['file']}:{r['row']}  {r['id_masked']}  {reason}")
        if len(j["rejected"]) > 20:
            lines.append(
                f"  … {len(j['rejected']) - 20} 条更多，见 bill.xlsx"
                if zh
                else f"  … {len(j['rejected']) - 20} more in bill.xlsx"
            )
    lines += [
        "",
        (
            f"输出：{out}（完整身份证号码仅在 payment_lists/ 中）"
            if zh
            else f"Written to {out} (full ID numbers only in payment_lists/)"
        ),
    ]
    return "\n".join(lines)
