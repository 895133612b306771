"""A roster bill as JSON: the ``simulate roster --json`` contract and bill.json (issue 7),
and the people with several tiers behind it; masked details, yuan numbers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson
import pandas as pd

from ..io.idmask import mask_ids_json, orjson_unlike, utf8_holds_fourteen
from ..model.reference import resolve
from ..money import yuan_number
from ..policy.rules import Person
from .arrays import numbered, objects, only_str
from .bill_tables import (
    bill_column,
    bill_word,
    masked_cell,
    person_by_value,
    person_masked,
    person_masked_ids,
)

#: The one long list of the contract: written a block of people at a time (:func:`several_parts`).
SEVERAL = "people_with_several_tiers"
#: People encoded at a time in that list.
SEVERAL_BLOCK = 20_000


def bill_json(bill: Any) -> dict[str, Any]:
    """The ``simulate roster --json`` contract of ``bill`` (a RosterBill): masked details only,
    yuan numbers; ``people_with_several_tiers`` left empty (:meth:`RosterBill.to_json` adds it,
    :func:`several_parts` writes it a block at a time)."""
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
    count = len(multi_people(bill, "zh")[0])
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
            "multi_identity": count,
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
            SEVERAL: [],
        }
    )


def rejected_json(rejected: pd.DataFrame) -> list[dict[str, Any]]:
    """Each rejected row (a roster merge's ``rejected``): file, sheet, row, masked ID, reason
    in English and in 简体中文, made a column at a time (not a dict per row by pandas)."""
    keys = ("file", "sheet", "row", "id_masked", "reason", "reason_zh")
    return [
        {"file": f, "sheet": s, "row": int(r), "id_masked": i, "reason": e, "reason_zh": z}
        for f, s, r, i, e, z in zip(*(_boxed(rejected[k]) for k in keys))
    ]


def _boxed(column: pd.Series) -> list[Any]:
    """The values of a column as ``to_dict("records")`` gives them (NumPy scalars inside an
    object column as Python ones), for the whole column at once."""
    values = column.tolist()
    if column.dtype == object and not set(map(type, values)) <= {str, int, float, bool, type(None)}:
        values = [v.item() if isinstance(v, np.generic) else v for v in values]
    return values


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


def _kinds(p: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(row of the first person of each distinct kind, kind of every row): a kind is what the
    reference rules read (identities, age, sex, grade, 户籍), coded in C, not a dict per row."""
    code = np.zeros(len(p), np.int64)
    for column in ("identities", "age", "sex", "disability_grade", "hukou"):
        codes, uniques = pd.factorize(p[column], use_na_sentinel=False)
        code = code * max(len(uniques), 1) + codes
    codes, first = numbered(code)
    return first, codes


def multi_people(bill: Any, lang: str) -> tuple[np.ndarray, np.ndarray, list[tuple[Any, ...]]]:
    """(rows of ``bill.persons`` on several lists or qualifying for several tiers, their kind,
    per kind the tiers considered, tier label, tier and tie): the reference rules worked out
    once per distinct kind of person, and checked against the engine's tier. Kept per language."""
    cache = bill.__dict__.setdefault("_multi_people", {})
    if lang in cache:
        return cache[lang]  # type: ignore[no-any-return]
    pol = bill.scenario.policy
    tiers = {t.id: t for t in pol.tiers}
    p = bill.persons
    first, kind = _kinds(p)
    people = zip(*(p[c].to_numpy()[first].tolist() for c in ("identities", "age", "sex", "disability_grade", "hukou")))
    outcomes = [
        resolve(pol, Person(frozenset(ids), age, sex, grade, "regular", hukou))
        for ids, age, sex, grade, hukou in people
    ]
    several = np.array([len(o.eligible) >= 2 for o in outcomes], bool)
    rows = np.flatnonzero((p["n_lists"].to_numpy() >= 2) | several[kind]) if len(p) else np.zeros(0, np.int64)
    kinds = kind[rows]
    got = np.array([o.tier for o in outcomes] + [""], dtype=object)[kinds]
    if (got != p["tier"].to_numpy(dtype=object)[rows]).any():
        raise RuntimeError("roster bill: the engine and the reference disagree on a tier")
    told = [  # the tiers considered and got, once per kind
        (
            [{"tier": t, "label": tiers[t].label.get(lang), "individual": yuan_number(ind)} for t, ind in o.considered],
            tiers[o.tier].label.get(lang) if o.tier in tiers else bill_word("general", lang),
            o.tier,
            bool(o.tie_with),
        )
        for o in outcomes
    ]
    cache[lang] = rows, kinds, told
    return rows, kinds, told


def multi_records(bill: Any, lang: str, start: int = 0, stop: int | None = None) -> list[dict[str, Any]]:
    """People on several lists or qualifying for several tiers (unmasked names), from
    :func:`multi_people`: the ``start``-th to the ``stop``-th of them."""
    rows, kinds, told = multi_people(bill, lang)
    rows, kinds = rows[start:stop], kinds[start:stop]
    p = bill.persons
    sources = bill.outlay.sources
    columns = ["name", "village_label", "n_lists", "lists", "identities", "disability_grade"]
    cells = zip(kinds.tolist(), *(p[c].to_numpy()[rows].tolist() for c in columns + [f"{s}_fen" for s in sources]))
    masked = iter(person_masked_ids(bill)[rows].tolist())
    out = []
    for k, name, village, n_lists, lists, identities, grade, *fen in cells:
        considered, tier_label, tier, tie = told[k]
        out.append(
            {
                "id_masked": next(masked),
                "name": name,
                "village": village,
                "n_lists": n_lists,
                "lists": list(lists),
                "identities": list(identities),
                "disability_grade": grade,
                "considered": [dict(c) for c in considered],
                "tier": tier,
                "tier_label": tier_label,
                "pays": {s: yuan_number(f) for s, f in zip(sources, fen) if f},
                "tie": tie,
            }
        )
    return out


def multi_columns(bill: Any, lang: str) -> dict[str, Any]:
    """The 多重身份 sheet's columns, built per column from :func:`multi_people`: the same cells
    as one row per record of :func:`multi_records`, every text masked (:func:`masked_cell`,
    once per distinct value or from the persons' masked names and villages), a yuan amount
    as fen / 100 (which is float(yuan_number(fen)) for any whole fen)."""
    rows, kinds, told = multi_people(bill, lang)
    p = bill.persons
    label = bill.outlay.vocab.label
    unit = bill_word("yuan_suffix", lang)
    yes = masked_cell(bill_word("yes_word", lang))
    per_kind = np.empty(len(told) + 1, dtype=object)  # the tiers considered, once per kind
    per_kind[:-1] = [masked_cell("；".join(f"{c['label']}（{c['individual']}）" for c in t[0])) for t in told]
    tier_label = np.array([masked_cell(t[1]) for t in told] + [""], dtype=object)
    tie = np.array([yes if t[3] else "" for t in told] + [""], dtype=object)
    columns: dict[str, Any] = {
        bill_column("id_masked", lang): person_masked_ids(bill)[rows].tolist(),
        bill_column("name", lang): person_masked(bill, "name")[rows].tolist(),
        bill_column("village", lang): person_masked(bill, "village_label")[rows].tolist(),
        bill_column("n_lists", lang): p["n_lists"].to_numpy()[rows].tolist(),
        bill_column("lists", lang): person_by_value(bill, "lists", "、".join, rows),
        bill_column("identities", lang): person_by_value(
            bill, "identities", lambda ids: "、".join(label(i, lang) for i in ids), rows
        ),
        bill_column("grade", lang): [g or None for g in p["disability_grade"].to_numpy()[rows].tolist()],
        bill_column("considered", lang): per_kind[kinds].tolist(),
        bill_column("tier", lang): tier_label[kinds].tolist(),
        bill_column("individual", lang): p["individual_fen"].to_numpy(np.int64)[rows] / 100,
    }
    for s in bill.outlay.sources[1:]:
        columns[label(s, lang) + unit] = p[f"{s}_fen"].to_numpy(np.int64)[rows] / 100
    columns[bill_column("tie", lang)] = tie[kinds].tolist()
    return columns


def json_pieces(data: dict[str, Any]) -> dict[str, bytes]:
    """Each item of a JSON object as ``json.dumps(data, ensure_ascii=False, indent=2)`` lays
    it out (``  "key": value``, the value indented one level), in UTF-8: a bill's JSON is
    encoded once and the items put together in any order (bill.json, ``--json`` with ``out``
    added); bytes, as written, take half the memory of text (a million-person bill)."""
    # each item alone, as json lays it out inside its object: between "{\n" and "\n}"
    return {key: indented({key: value})[2:-2] for key, value in data.items()}


def indented(value: Any) -> bytes:
    """``json.dumps(value, ensure_ascii=False, indent=2)`` in UTF-8, encoded by orjson (in C:
    a million-person bill.json in a second, not half a minute) when that gives the same text.
    orjson lays out, escapes and writes numbers as json does except NaN and infinities
    (null), floats below 1e-4 (0.00003, 1e-7) and values json refuses; its text is looked
    at for those (:func:`simulate.io.idmask.orjson_unlike`), and json writes them."""
    try:
        out = orjson.dumps(value, option=orjson.OPT_INDENT_2)
    except TypeError:  # an int past 64 bits, a key that is not a string, a lone surrogate, …
        return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")
    if orjson_unlike(out):
        return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")
    return out


def several_parts(bill: Any) -> Iterator[bytes]:
    """``json_pieces({SEVERAL: mask_ids_json(multi_records(bill, "zh"))})[SEVERAL]`` in parts,
    a block of people at a time (:func:`several_block`), the blocks joined as one list."""
    n = len(multi_people(bill, "zh")[0])
    if not n:
        yield indented({SEVERAL: []})[2:-2]
        return
    yield f'  "{SEVERAL}": [\n'.encode()
    for start in range(0, n, SEVERAL_BLOCK):
        yield (b",\n" if start else b"") + several_block(bill, start, start + SEVERAL_BLOCK)
    yield b"\n  ]"


def several_list(bill: Any) -> list[Any]:
    """``mask_ids_json(multi_records(bill, "zh"))``, read back from its text (:func:`several_block`,
    a JSON encoding of that list: decoding it gives the same dicts, lists, texts and numbers)
    rather than made again a person at a time; the records themselves when the text holds
    what orjson does not read (NaN, written by json)."""
    n = len(multi_people(bill, "zh")[0])
    text = b",".join(several_block(bill, start, start + SEVERAL_BLOCK) for start in range(0, n, SEVERAL_BLOCK))
    try:
        return orjson.loads(b"[" + text + b"]")  # type: ignore[no-any-return]
    except orjson.JSONDecodeError:
        return mask_ids_json(multi_records(bill, "zh"))  # type: ignore[no-any-return]


def several_block(bill: Any, start: int, stop: int) -> bytes:
    """The ``start``-th to ``stop``-th people of the long list as bill.json lays them out:
    :func:`indented` of ``mask_ids_json(multi_records(...))``, its items indented one level
    further (every line break followed by two more spaces; no JSON string holds one).

    Put together from each field's text (:func:`_several_fields`), joined in C: the text orjson
    gives the whole block, kept when each piece of it is one masking leaves as it is and
    orjson writes as json does (:func:`_plain`); a block with another is encoded the long way."""
    fields = _several_fields(bill)
    if fields is None or fields[1][start:stop].any():
        block = indented(mask_ids_json(multi_records(bill, "zh", start, stop)))
        return b"  " + block[2:-2].replace(b"\n", b"\n  ")
    parts = fields[0]
    width = len(parts)
    n = len(parts[0][start:stop])
    flat: list[bytes] = [b""] * (n * width)
    for k, column in enumerate(parts):
        flat[k::width] = column[start:stop]
    if n:
        flat[0] = flat[0][2:]  # the first person of a block: no ",\n" before it
    return b"".join(flat)


def _plain(data: bytes) -> bool:
    """Whether JSON text ``data`` (orjson's, UTF-8) is what json writes (:func:`orjson_unlike`)
    and :func:`mask_ids_json` leaves every string of it as it is: a string it masks holds 14
    digits apart by at most three separators, which its JSON text shows as they are, but for
    a tab (escaped ``\\t``). No such run and no null cross from one field's text to the next."""
    return b"\\t" not in data and not orjson_unlike(data) and not utf8_holds_fourteen(data)


def _field(key: str, value: Any) -> bytes:
    """``,\n      "key": value``: a field of a person of the long list, in bill.json's layout."""
    return b",\n    " + orjson.dumps({key: value}, option=orjson.OPT_INDENT_2)[2:-2].replace(b"\n", b"\n    ")


def _by_code(texts: list[bytes], codes: np.ndarray, bad: np.ndarray) -> list[bytes]:
    """``texts[c]`` for each code ``c``; ``bad`` marked where that text is not :func:`_plain`."""
    if not _plain(b"\n".join(texts)):  # a line break: no run, null or escape crosses it
        bad |= ~np.array([_plain(t) for t in texts], bool)[codes]
    return objects(texts)[codes].tolist()  # type: ignore[no-any-return]


def _distinct(values: np.ndarray, key: str, bad: np.ndarray) -> list[bytes]:
    """:func:`_field` of every value (a tuple as a list), once per distinct value."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=False)
    texts = [_field(key, list(u) if isinstance(u, tuple) else u) for u in uniques.tolist()]
    return _by_code(texts, codes, bad)


def _strings(values: list[Any], bad: np.ndarray) -> list[bytes]:
    """The JSON text of each of ``values`` without its quotes, orjson's text of them all split
    at each '","' (inside a string a quote is escaped, so that is always between two); raises
    TypeError unless every value is a str."""
    if not values or not only_str(values):
        raise TypeError("not every value a str")
    data = orjson.dumps(values)
    texts = data[2:-2].split(b'","')
    if len(texts) != len(values):
        raise TypeError("not split as encoded")
    if not _plain(data):
        bad |= ~np.array([_plain(t) for t in texts], bool)
    return texts


def _row_codes(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct row of integer ``columns``, the code of every row)."""
    code = np.zeros(len(columns[0]), np.int64)
    span = 1
    for column in columns:
        codes, uniques = pd.factorize(column)
        span *= max(len(uniques), 1)
        if span >= 1 << 62:  # too many to number in 64 bits: sorted instead
            _, first, inverse = np.unique(np.stack(columns, axis=1), axis=0, return_index=True, return_inverse=True)
            return first, inverse.reshape(-1)
        code = code * max(len(uniques), 1) + codes
    codes, first = numbered(code)
    return first, codes


def _several_fields(bill: Any) -> tuple[list[list[bytes]], np.ndarray] | None:
    """The text of each field of every person of the long list (:func:`multi_records`, in
    its order), one list per field, the constant parts between them as lists too, and which
    persons have a piece that is not :func:`_plain`; None when orjson cannot write a value
    (not a str, a lone surrogate, a NumPy scalar). Worked out once."""
    if "_several_fields" not in bill.__dict__:
        try:
            bill.__dict__["_several_fields"] = _field_texts(bill)
        except TypeError:
            bill.__dict__["_several_fields"] = None
    return bill.__dict__["_several_fields"]  # type: ignore[no-any-return]


def _field_texts(bill: Any) -> tuple[list[list[bytes]], np.ndarray]:
    """:func:`_several_fields` worked out."""
    rows, kinds, told = multi_people(bill, "zh")
    p = bill.persons
    n = len(rows)
    bad = np.zeros(n, bool)

    def cells(column: str) -> np.ndarray:
        return p[column].to_numpy()[rows]

    def key(name: str) -> list[bytes]:
        return [b'",\n      "' + name.encode() + b'": "'] * n

    per_kind = [
        _field("considered", [dict(c) for c in considered]) + _field("tier", tier) + _field("tier_label", label)
        for considered, label, tier, _ in told
    ]
    sources = bill.outlay.sources
    fen = [p[f"{s}_fen"].to_numpy(np.int64)[rows] for s in sources]
    first, pays = _row_codes(fen)
    pay_text = [_field("pays", {s: yuan_number(f[i]) for s, f in zip(sources, fen) if f[i]}) for i in first.tolist()]
    return [
        [b',\n    {\n      "id_masked": "'] * n,
        _strings(person_masked_ids(bill)[rows].tolist(), bad),
        key("name"),
        _strings(cells("name").tolist(), bad),
        [b'"'] * n,
        _distinct(cells("village_label"), "village", bad),
        _distinct(cells("n_lists"), "n_lists", bad),
        _distinct(cells("lists"), "lists", bad),
        _distinct(cells("identities"), "identities", bad),
        _distinct(cells("disability_grade"), "disability_grade", bad),
        _by_code(per_kind, kinds, bad),
        _by_code(pay_text, pays, bad),
        _by_code([_field("tie", t[3]) + b"\n    }" for t in told], kinds, bad),
    ], bad
