"""Many ID numbers checked at once with numpy (GB 11643-1999, as :func:`idnumber.validate_id`).

A roster of a million rows spends most of its per-row time in ``validate_id``. The common
case — a cell that is already exactly 18 ASCII characters ``[0-9]{17}[0-9X]`` — is checked
here in bulk: check digit (ISO 7064 MOD 11-2), province code, birth date, not born after
``as_of``, age at most ``MAX_AGE``. Whatever fails any of these, or is written any other
way, is left to ``validate_id``, which gives the exact result or one-line reason, so the
answer is the same as row by row (issue 16 item 4).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .idnumber import MAX_AGE, PROVINCE_CODES

_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], np.int16)
_CHECK = np.frombuffer(b"10X98765432", np.uint8)
_PROVINCE = np.zeros(100, bool)
_PROVINCE[[int(c) for c in PROVINCE_CODES]] = True


@dataclass(frozen=True)
class PlainIds:
    """``ok[i]``: value ``i`` is a valid 18-character number as written (its birth date as
    days since 1970-01-01, its age on ``as_of`` and whether the person is a man follow);
    rows not ``ok`` are for ``validate_id``."""

    ok: np.ndarray
    birth_days: np.ndarray
    age: np.ndarray
    male: np.ndarray


def plain_ids(values: Sequence[Any], as_of: datetime.date) -> PlainIds:
    """Check every value that is an 18-character ASCII string at once (see the module docstring)."""
    n = len(values)
    if set(map(type, values)) <= {str}:  # the usual column: lengths and ASCII-ness in C
        cand = (np.fromiter(map(len, values), np.int64, n) == 18) & np.fromiter(map(str.isascii, values), bool, n)
    else:
        cand = np.fromiter((type(v) is str and len(v) == 18 and v.isascii() for v in values), bool, n)
    where = np.flatnonzero(cand)
    ok = np.zeros(n, bool)
    birth = np.zeros(n, np.int64)
    age = np.zeros(n, np.int64)
    male = np.zeros(n, bool)
    if not len(where):
        return PlainIds(ok, birth, age, male)
    text = ("".join(values) if len(where) == n else "".join([values[i] for i in where.tolist()])).encode("ascii")
    raw = np.frombuffer(text, np.uint8).reshape(-1, 18)
    d = raw[:, :17].astype(np.int16) - 48  # 16 bits: a million rows' digits in 34 MB
    good: np.ndarray = np.asarray(((d >= 0) & (d <= 9)).all(axis=1))
    d = np.where(good[:, None], d, 0).astype(np.int16)
    good &= raw[:, 17] == _CHECK[(d * _WEIGHTS).sum(axis=1, dtype=np.int32) % 11]
    foreign = (d[:, 0] == 9) & _PROVINCE[d[:, 1] * 10 + d[:, 2]]
    good &= _PROVINCE[d[:, 0] * 10 + d[:, 1]] | foreign
    year = (d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]).astype(np.int64)
    month = (d[:, 10] * 10 + d[:, 11]).astype(np.int64)
    day = (d[:, 12] * 10 + d[:, 13]).astype(np.int64)
    good &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    first = ((np.where(good, year, 1970) - 1970) * 12 + np.where(good, month, 1) - 1).astype("datetime64[M]")
    length = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)
    good &= day <= length
    days = first.astype("datetime64[D]").astype(np.int64) + day - 1
    as_of_days = (np.datetime64(as_of, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64)
    good &= days <= as_of_days
    years = as_of.year - year - ((as_of.month * 100 + as_of.day) < (month * 100 + day))
    good &= years <= MAX_AGE
    ok[where] = good
    birth[where] = np.where(good, days, 0)
    age[where] = np.where(good, years, 0)
    male[where] = d[:, 16] % 2 == 1
    return PlainIds(ok, birth, age, male)
