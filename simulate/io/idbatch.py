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


#: Days in each month of a common year (February 29 added for a leap year).
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)


def all_plain_text(values: Sequence[Any], n: int) -> bytes | None:
    """Every one of the ``n`` values an 18-character ASCII string (an ID number's length): their
    bytes, each followed by a newline, told from one join (the newlines are exactly the n joins,
    every 19th character), else None; no pass per value over a million IDs (issue 16 item 4)."""
    if not n or not set(map(type, values)) <= {str}:
        return None
    joined = "\n".join(values)
    if len(joined) != 19 * n - 1 or not joined.isascii():
        return None
    data = (joined + "\n").encode("ascii")
    newline = np.frombuffer(data, np.uint8) == 10  # counted in numpy: half of str.count's time
    if not newline[18::19].all() or np.count_nonzero(newline) != n:
        return None
    return data


def _candidates(values: Sequence[Any], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Which values are 18 ASCII characters, and those values' bytes as an (m, 18) array."""
    data = all_plain_text(values, n)
    if data is not None:  # the usual column: one join, no pass per value
        return np.ones(n, bool), np.frombuffer(data, np.uint8).reshape(n, 19)[:, :18]
    if set(map(type, values)) <= {str}:  # lengths and ASCII-ness in C
        cand = (np.fromiter(map(len, values), np.int64, n) == 18) & np.fromiter(map(str.isascii, values), bool, n)
    else:
        cand = np.fromiter((type(v) is str and len(v) == 18 and v.isascii() for v in values), bool, n)
    where = np.flatnonzero(cand)
    text = ("".join(values) if len(where) == n else "".join([values[i] for i in where.tolist()])).encode("ascii")
    return cand, np.frombuffer(text, np.uint8).reshape(-1, 18)


def _days_since_epoch(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days from 1970-01-01 to each (proleptic Gregorian) date, in integers (the civil-date
    count of H. Hinnant's ``days_from_civil``); years 1 to 9999."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def plain_ids(values: Sequence[Any], as_of: datetime.date) -> PlainIds:
    """Check every value that is an 18-character ASCII string at once (see the module docstring)."""
    n = len(values)
    cand, raw = _candidates(values, n)
    where = np.flatnonzero(cand)
    ok = np.zeros(n, bool)
    birth = np.zeros(n, np.int64)
    age = np.zeros(n, np.int64)
    male = np.zeros(n, bool)
    if not len(where):
        return PlainIds(ok, birth, age, male)
    d = raw[:, :17] - np.uint8(48)  # a byte that is not a digit wraps past 9
    good: np.ndarray = np.asarray(~(d > 9).any(axis=1))
    d = np.where(good[:, None], d, np.uint8(0)).astype(np.int16)  # 16 bits: a million rows' digits in 34 MB
    good &= raw[:, 17] == _CHECK[(d * _WEIGHTS).sum(axis=1, dtype=np.int32) % 11]
    foreign = (d[:, 0] == 9) & _PROVINCE[d[:, 1] * 10 + d[:, 2]]
    good &= _PROVINCE[d[:, 0] * 10 + d[:, 1]] | foreign
    year = (d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]).astype(np.int64)
    month = (d[:, 10] * 10 + d[:, 11]).astype(np.int64)
    day = (d[:, 12] * 10 + d[:, 13]).astype(np.int64)
    good &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    year, month = np.where(good, year, 1970), np.where(good, month, 1)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    good &= day <= _MONTH_DAYS[month] + ((month == 2) & leap)
    days = _days_since_epoch(year, month, day)
    as_of_days = (np.datetime64(as_of, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64)
    good &= days <= as_of_days
    years = as_of.year - year - ((as_of.month * 100 + as_of.day) < (month * 100 + day))
    good &= years <= MAX_AGE
    ok[where] = good
    birth[where] = np.where(good, days, 0)
    age[where] = np.where(good, years, 0)
    male[where] = d[:, 16] % 2 == 1
    return PlainIds(ok, birth, age, male)
