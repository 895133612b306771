"""What every table of a roster bill shares: its column labels (labels.yaml) and the masking
of ID-like numbers in every sheet but a payment list's ID column."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .. import labels
from ..io.idbatch import all_plain_text
from ..io.idmask import mask_ids_in_text, may_hold_fourteen
from ..io.idnumber import SEPARATOR_CHARS, mask_id
from .arrays import only_str

README_NAME = "README.txt"


def bill_column(key: str, lang: str) -> str:
    """The label of a bill column ``key`` (``bill`` section of labels.yaml) in ``lang``."""
    return labels.text("bill", key, lang)


def bill_word(key: str, lang: str) -> str:
    """A word or sentence of the bill (``roster`` section of labels.yaml) in ``lang``."""
    return labels.text("roster", key, lang)


def object_frame(columns: dict[str, Any]) -> pd.DataFrame:
    """A sheet from columns of values, text kept as Python objects: pandas' own text type
    (Arrow) would be built and read back cell by cell on the way to the workbook, seconds
    a column at a million rows (issue 16 item 4). Same cell values. The arrays are taken
    as they are, each its own block, not copied into one 2-D block per type (half a second
    a sheet at a million rows): a change to a cell of the sheet is made in the array, so
    give arrays of its own (never a kept one)."""
    return pd.DataFrame(
        {
            k: pd.Series(v, dtype=object, copy=False)
            if _texts(v)
            else (v.to_numpy() if isinstance(v, pd.Series) else v)
            for k, v in columns.items()
        },
        copy=False,
    )


def _texts(values: Any) -> bool:
    """A list or object array of text (numbers and blanks are left to pandas, as before)."""
    if isinstance(values, pd.Series):
        values = values.to_numpy()
    if isinstance(values, np.ndarray):
        return values.dtype == object and len(values) > 0 and type(values[0]) is str
    return isinstance(values, list) and bool(values) and type(values[0]) is str


#: Key of ``DataFrame.attrs``: the columns of a sheet whose every cell is already what
#: :func:`masked_cell` makes of it (built from masked values), not looked at again.
MASKED = "ids_masked"


def masked_frame(frame: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of a sheet with every ID-like number in its headers and text cells masked
    (and any whole number of 14 or more digits, which can only be an ID read as a number);
    the columns in ``keep`` (a payment list's ID column) are left as they are, and so are
    those ``frame.attrs[MASKED]`` names (masked when the sheet was built)."""
    out = frame.copy(deep=False)  # copy-on-write: a column set below is not set in frame
    done = set(frame.attrs.get(MASKED, ()))
    for column in out.columns:
        values = out[column]
        if column in keep or column in done or values.dtype.kind not in "iuO":  # floats are money, not IDs
            continue
        if values.dtype.kind == "O" or (values.abs() >= 10**13).any():
            masked = _masked_column(values)
            if masked is not None or values.dtype != object:  # None: every text as it is
                masked = values.tolist() if masked is None else masked
                out[column] = pd.Series(masked, index=out.index, dtype=object)
    return out.rename(
        columns={c: mask_ids_in_text(str(c)) for c in out.columns if c not in keep and isinstance(c, str)}
    )


#: 14 digits with at most three separators between neighbours: the least that
#: ``mask_ids_in_text`` masks (any run of 14 or more digits; an ID number in groups).
_DIGIT_RUN = re.compile(rf"\d(?:[{SEPARATOR_CHARS}]{{0,3}}\d){{13}}")


def _masked_column(values: pd.Series) -> list[Any] | None:
    """``masked_cell`` of every value, or None when that leaves every one as it is (a column of
    text without 14 digits, proved on its bytes); only the text cells holding a run of 14
    digits get the full scan, found by one C regex over the column joined."""
    items = values.tolist()
    if values.dtype.kind != "O" or len(items) < 1000:
        return [masked_cell(v) for v in items]
    text = only_str(items)
    texts = items if text else [v if isinstance(v, str) else "" for v in items]
    joined = "\0".join(texts)
    if not may_hold_fourteen(joined):  # no 14 digits anywhere
        return None if text else [v if isinstance(v, str) else masked_cell(v) for v in items]
    ends = np.cumsum([len(t) + 1 for t in texts])  # each text and its "\0" separator
    hits = {int(np.searchsorted(ends, m.start(), side="right")) for m in _DIGIT_RUN.finditer(joined)}
    return [masked_cell(v) if (k in hits or not isinstance(v, str)) else v for k, v in enumerate(items)]


def masked_ids(values: list[Any]) -> list[str]:
    """``[mask_id(v) for v in values]``: when every value is a plain 18-character number
    (checked in bulk) its first 6 and last 4 characters with 8 stars between, as mask_id
    (mask_plain) shows it, starred in one array, without mask_id's normalising of each (a
    million IDs, issue 16 item 4)."""
    lines = _plain_id_lines(values)
    return [mask_id(v) for v in values] if lines is None else _starred(lines)


def _starred(lines: np.ndarray) -> list[str]:
    """The numbers of :func:`_plain_id_lines` with their 7th to 14th characters starred."""
    out = lines.copy()
    out[:, 6:14] = ord("*")
    return out.tobytes().decode("ascii").split("\n")[:-1]


def person_id_lines(bill: Any) -> np.ndarray | None:
    """:func:`_plain_id_lines` of the persons' ID numbers, worked out once for their masked
    form and the payment lists' order."""
    if "_id_lines" not in bill.__dict__:
        bill.__dict__["_id_lines"] = _plain_id_lines(bill.persons["id_number"].tolist())
    return bill.__dict__["_id_lines"]  # type: ignore[no-any-return]


def person_masked_ids(bill: Any) -> np.ndarray:
    """:func:`masked_ids` of every person of ``bill`` (a RosterBill), as an object array in the
    order of ``bill.persons``: worked out once and taken by every table and bill.json."""
    if "_masked_ids" not in bill.__dict__:
        lines = person_id_lines(bill)
        out = np.empty(len(bill.persons), dtype=object)
        out[:] = masked_ids(bill.persons["id_number"].tolist()) if lines is None else _starred(lines)
        bill.__dict__["_masked_ids"] = out
    return bill.__dict__["_masked_ids"]  # type: ignore[no-any-return]


def id_order(ids: list[Any], village: np.ndarray, lines: np.ndarray | None = None) -> np.ndarray:
    """Rows by ``village`` then ID number as text, stably: for plain 18-character numbers
    (checked in bulk, or given as their ``lines``) their 17 digits as a number and the last
    character (what comparing the texts gives), sorted in C; else the texts themselves."""
    lines = _plain_id_lines(ids) if lines is None else lines
    if lines is not None:
        digits = (lines[:, :17] - 48).astype(np.int64) @ (10 ** np.arange(16, -1, -1, dtype=np.int64))
        order = np.argsort(digits * 64 + (lines[:, 17] - 48), kind="stable")  # "X" (40) after "9" (9)
    else:
        order = np.argsort(np.array(ids, dtype=str) if ids else np.zeros(0, str), kind="stable")
    if len(village) and 0 <= village.min() and village.max() < 1 << 16:
        village = village.astype(np.uint16)  # sorted by counting in C, not by comparing
    return order[np.argsort(village[order], kind="stable")]


def _plain_id_lines(ids: list[Any]) -> np.ndarray | None:
    """Plain 18-character IDs (``[0-9]{17}[0-9X]``) as bytes, one row each followed by a
    line break; None unless every one is such a number."""
    data = all_plain_text(ids, len(ids))  # every one 18 ASCII characters and a line break
    if data is None:
        return None
    rows = np.frombuffer(data, np.uint8).reshape(len(ids), 19)
    digits, last = rows[:, :17], rows[:, 17]
    if not ((digits >= 48) & (digits <= 57)).all():
        return None
    if not (((last >= 48) & (last <= 57)) | (last == 88)).all():
        return None
    return rows


def by_value(values: pd.Series, show: Any) -> list[Any]:
    """``[show(v) for v in values]``, ``show`` called once per distinct value (a million rows
    hold a few dozen tiers, sexes and lists): the values hashed and coded in C."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    if len(codes) and codes.min() < 0:  # None or NaN, which pandas takes for one value
        return [show(v) for v in values.tolist()]
    shown = np.empty(len(uniques), dtype=object)
    shown[:] = [show(u) for u in uniques]
    return shown[codes].tolist()


def masked_texts(values: pd.Series) -> np.ndarray:
    """:func:`masked_cell` of every value, as an object array (the values themselves when
    none holds 14 digits: :func:`_masked_column`)."""
    masked = _masked_column(values)
    out = np.empty(len(values), dtype=object)
    out[:] = values.to_numpy(dtype=object) if masked is None else masked
    return out


def person_masked(bill: Any, column: str) -> np.ndarray:
    """:func:`masked_texts` of a text column of ``bill.persons`` (name, town, village),
    worked out once for every table of the bill."""
    cache = bill.__dict__.setdefault("_masked_texts", {})
    if column not in cache:
        cache[column] = masked_texts(bill.persons[column])
    return cache[column]  # type: ignore[no-any-return]


def masked_by_value(values: pd.Series, show: Any) -> list[Any]:
    """:func:`by_value` with each shown value masked (:func:`masked_cell`), once per distinct value."""
    return by_value(values, lambda v: masked_cell(show(v)))


def person_by_value(bill: Any, column: str, show: Any, rows: np.ndarray | None = None) -> np.ndarray | list[Any]:
    """:func:`masked_by_value` of a column of ``bill.persons`` (its ``rows``, or all), the
    column's distinct values worked out once for every table of the bill."""
    cache = bill.__dict__.setdefault("_person_codes", {})
    if column not in cache:
        codes, uniques = pd.factorize(bill.persons[column].to_numpy(dtype=object))
        cache[column] = None if len(codes) and codes.min() < 0 else (codes, list(uniques))
    if cache[column] is None:  # None or NaN, which pandas takes for one value
        values = bill.persons[column] if rows is None else bill.persons[column].iloc[rows]
        return masked_by_value(values, show)
    codes, uniques = cache[column]
    codes = codes if rows is None else codes[rows]
    used = np.flatnonzero(np.bincount(codes, minlength=len(uniques)))  # show only the values there
    shown = np.empty(len(uniques), dtype=object)
    shown[used] = [masked_cell(show(uniques[k])) for k in used.tolist()]
    return shown[codes]  # type: ignore[no-any-return]


def masked_cell(value: Any) -> Any:
    if isinstance(value, str):
        return mask_ids_in_text(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and abs(int(value)) >= 10**13:
        return mask_ids_in_text(str(value))
    return value


def nonempty(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    if len(frame.columns) == 0:
        return pd.DataFrame({bill_word("note_column", lang): [bill_word("none", lang)]})
    return frame
