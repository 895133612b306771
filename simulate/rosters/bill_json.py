"""A roster bill as JSON: the ``simulate roster --json`` contract and bill.json (issue 7),
and the people with several tiers behind it; masked details, yuan numbers."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ..io.idmask import mask_ids_json
from ..io.idnumber import mask_id
from ..model.reference import resolve
from ..money import yuan_number
from ..policy.rules import Person
from .bill_tables import bill_word


def bill_json(bill: Any) -> dict[str, Any]:
    """The ``simulate roster --json`` contract of ``bill`` (a RosterBill): masked details only, yuan numbers."""
    out = bill.outlay.to_json()
    pol = bill.scenario.policy
    tier_labels = {t.id: t.label.zh for t in pol.tiers}
    payment_lists = {}
    for s in bill.paying_sources():
        col = bill.persons[f"{s}_fen"]
        payment_lists[s] = {
            "persons": int((col > 0).sum()),
            "amount": yuan_number(int(col.sum())),
            "file": f"payment_lists/{s}.xlsx",
        }
    multi = bill._multi_records("zh")
    return mask_ids_json(
        {
            "scenario": bill.scenario.id,
            "persons": len(bill.persons),
            "by_source": out["by_source"],
            "fiscal_subsidy": out["fiscal_subsidy"],
            "rows_read": bill.rows_read,
            "rejected": bill.rejected_records(),
            "rows_used": bill.rows_used,
            "rows_rejected": bill.rows_rejected,
            "multi_list": int((bill.persons["n_lists"] > 1).sum()),
            "multi_identity": len(multi),
            "ties_broken_by_order": out["ties_broken_by_order"],
            "duplicates": len(bill.merge.duplicates),
            "name_conflicts": int(bill.merge.name_conflicts["group"].nunique())
            if len(bill.merge.name_conflicts)
            else 0,
            "as_of": bill.as_of.isoformat(),
            "files": list(bill.files),
            "mapping": bill.mapping_source,
            "fiscal_subsidy_split": out["fiscal_subsidy_split"],
            "by_tier": {
                tid: {"label": tier_labels.get(tid, "普通群体"), **v}
                for tid, v in out["by_tier"].items()
                if v["enrolled"]
            },
            "by_village": village_json(bill),
            "payment_lists": payment_lists,
            "by_file": [
                {k: (int(v) if isinstance(v, (int, np.integer)) else v) for k, v in r.items()}
                for r in bill.merge.by_file.to_dict("records")
            ],
            "people_with_several_tiers": multi,
        }
    )


def village_json(bill: Any) -> dict[str, Any]:
    """Persons and yuan by source of each village (by its id), from the engine's outlay."""
    v = bill.outlay.villages
    vsf = bill.outlay.village_source_fen()
    counts = bill.outlay.tally.counts.sum(axis=(0, 1))
    out = {}
    for i in range(len(v)):
        out[v.ids[i]] = {
            "zh": v.zh[i],
            "persons": int(counts[i]),
            "pays": {s: yuan_number(int(vsf[i, j])) for j, s in enumerate(bill.outlay.sources) if vsf[i, j]},
        }
    return out


def multi_records(bill: Any, lang: str) -> list[dict[str, Any]]:
    """People on several lists or qualifying for several tiers (unmasked names), the
    reference rules worked out once per distinct kind of person."""
    pol = bill.scenario.policy
    tiers = {t.id: t for t in pol.tiers}
    p = bill.persons
    kinds = zip(p["identities"], p["age"].tolist(), p["sex"], p["disability_grade"].tolist(), p["hukou"])
    outcomes: dict[tuple[Any, ...], Any] = {}
    chosen = []
    for k, (key, n_lists) in enumerate(zip(kinds, p["n_lists"].tolist())):
        o = outcomes.get(key)
        if o is None:
            ids, age, sex, grade, hukou = key
            o = outcomes[key] = resolve(pol, Person(frozenset(ids), age, sex, grade, "regular", hukou))
        if n_lists >= 2 or len(o.eligible) >= 2:
            chosen.append((k, o))
    rows = [k for k, _ in chosen]
    sources = bill.outlay.sources
    columns = ["id_number", "name", "village_label", "n_lists", "lists", "identities", "disability_grade", "tier"]
    cells = zip(*(p[c].to_numpy()[rows].tolist() for c in columns + [f"{s}_fen" for s in sources]))
    told: dict[int, tuple[list[dict[str, Any]], str]] = {}  # the tiers considered and got, once per outcome
    out = []
    for (_, o), (number, name, village, n_lists, lists, identities, grade, tier, *fen) in zip(chosen, cells):
        if o.tier != tier:
            raise RuntimeError("roster bill: the engine and the reference disagree on a tier")
        if id(o) not in told:
            told[id(o)] = (
                [
                    {"tier": t, "label": tiers[t].label.get(lang), "individual": yuan_number(ind)}
                    for t, ind in o.considered
                ],
                tiers[o.tier].label.get(lang) if o.tier in tiers else bill_word("general", lang),
            )
        considered, tier_label = told[id(o)]
        out.append(
            {
                "id_masked": mask_id(number),
                "name": name,
                "village": village,
                "n_lists": int(n_lists),
                "lists": list(lists),
                "identities": list(identities),
                "disability_grade": int(grade),
                "considered": [dict(c) for c in considered],
                "tier": o.tier,
                "tier_label": tier_label,
                "pays": {s: yuan_number(int(f)) for s, f in zip(sources, fen) if f},
                "tie": bool(o.tie_with),
            }
        )
    return out


def json_pieces(data: dict[str, Any]) -> dict[str, str]:
    """Each item of a JSON object as ``json.dumps(data, ensure_ascii=False, indent=2)`` lays
    it out (``  "key": value``, the value indented one level): a bill's JSON is encoded once
    and the items put together in any order (bill.json, ``--json`` with ``out`` added)."""
    # each item alone, as json lays it out inside its object: between "{\n" and "\n}"
    return {key: json.dumps({key: value}, ensure_ascii=False, indent=2)[2:-2] for key, value in data.items()}


def json_text(pieces: dict[str, str]) -> str:
    """The object text of :func:`json_pieces`, byte for byte what ``json.dumps(..., indent=2)``
    writes for an object of those items in that order."""
    return "{\n" + ",\n".join(pieces.values()) + "\n}" if pieces else "{}"
