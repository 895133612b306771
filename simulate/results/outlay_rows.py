"""People-table rows of an outlay that need more than one figure a row: participation against
the targets (overall, by group, by village) and the collection work funds and awards.

:class:`~simulate.results.outlay.Outlay` keeps thin ``*_rows`` methods that call these with
its policy, tally and villages; headings come by id from labels.yaml, yuan via money.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import labels
from ..model.engine import Tally
from ..model.population import Villages
from ..money import yuan_float
from ..policy.schema import GroupTarget, Policy, WorkFunds

_T = labels.pairs("outlay")  # column labels (labels.yaml)


def col(key: str, lang: str) -> str:
    """The ``outlay`` column heading ``key`` in ``lang`` (zh, else en)."""
    return _T[key][0 if lang == "zh" else 1]


def targets_rows(pol: Policy, t: Tally, persons: int, enrolled: int, lang: str = "zh") -> list[dict[str, Any]]:
    """Participation against the overall target and each group's target."""
    rows = []
    rows.append(
        {
            "group": "overall",
            col("group", lang): labels.text("outlay_text", "everyone", lang),
            col("members", lang): persons,
            col("enrolled", lang): enrolled,
            col("participation", lang): enrolled / persons if persons else 0.0,
            col("target", lang): float(pol.targets.overall_percent) / 100,
            col("met", lang): bool(persons and enrolled * 100 >= persons * pol.targets.overall_percent),
        }
    )
    for g, grp in enumerate(pol.targets.groups):
        m, e = int(t.group_members[g].sum()), int(t.group_enrolled[g].sum())
        rows.append({"group": grp.id, col("group", lang): grp.label.get(lang), **_against_target(grp, m, e, lang)})
    return rows


def _against_target(grp: GroupTarget, members: int, enrolled: int, lang: str) -> dict[str, Any]:
    """A group's members, enrolled, participation and its target, met or not (a group with no
    members counts as having met it)."""
    return {
        col("members", lang): members,
        col("enrolled", lang): enrolled,
        col("participation", lang): enrolled / members if members else 1.0,
        col("target", lang): float(grp.percent) / 100,
        col("met", lang): bool(enrolled * 100 >= members * grp.percent),
    }


def targets_by_village_rows(pol: Policy, t: Tally, villages: Villages, lang: str = "zh") -> list[dict[str, Any]]:
    """Each group's participation against its target, village by village."""
    rows = []
    for v in range(len(villages)):
        for g, grp in enumerate(pol.targets.groups):
            m, e = int(t.group_members[g, v]), int(t.group_enrolled[g, v])
            rows.append(
                {
                    "village": villages.ids[v],
                    "group": grp.id,
                    col("village", lang): villages.label(v, lang),
                    col("group", lang): grp.label.get(lang),
                    **_against_target(grp, m, e, lang),
                }
            )
    return rows


def work_funds_rows(
    wf: WorkFunds,
    fen: dict[str, np.ndarray],
    base: dict[str, np.ndarray],
    villages: Villages,
    lang: str = "zh",
) -> list[dict[str, Any]]:
    """Work funds per village as a table: ``fen`` the funds owed, ``base`` the village counts."""
    any_groups = any(rate.groups_full for rate in wf.rates)
    rows = []
    for v in range(len(villages)):
        r = int(fen["rate"][v])
        persons = base["persons"][v]
        rows.append(
            {
                "village": villages.ids[v],
                col("village", lang): villages.label(v, lang),
                col("residents", lang): int(persons),
                col("task", lang): int(base["task"][v]),
                col("enrolled", lang): int(base["enrolled"][v]),
                col("regular", lang): int(base["regular"][v]),
                col("participation", lang): base["enrolled"][v] / persons if persons else 0.0,
                col("measured", lang): float(fen["measured"][v]),
                **({col("groups_ok", lang): bool(fen["groups_ok"][v])} if any_groups else {}),
                col("rate", lang): wf.rates[r].label.get(lang) if r >= 0 else "",
                col("work", lang): yuan_float(fen["work"][v]),
                col("reward", lang): yuan_float(fen["reward"][v]),
                col("record", lang): yuan_float(fen["record"][v]),
                col("deduction", lang): yuan_float(fen["deduction"][v]),
                col("total", lang): yuan_float(fen["total"][v]),
            }
        )
    return rows


def awards_rows(wf: WorkFunds | None, lang: str = "zh") -> list[dict[str, Any]]:
    """The scenario's awards (奖励), one row each (empty when it sets no work funds)."""
    if wf is None:
        return []
    rows = [
        {
            "label": a.label.get(lang),
            col("section", lang): a.section or wf.section,
            col("persons", lang): a.count,
            col("amount", lang): yuan_float(a.amount),
            col("total", lang): yuan_float(a.count * a.amount),
        }
        for a in wf.awards
    ]
    return rows
