"""The columns of a large bill sheet coded by value for :mod:`simulate.rosters.bulkxlsx`
(issue 16 item 4): each column as a code per row and the values they stand for (a million
rows hold a few dozen tiers, villages or amounts), or, for a column that cannot be shared
strings (ID numbers, names, row numbers), each cell its own value, in row order. Also which
rows decide the column widths, counted as xlsxwriter counts them, and whether a sheet holds
anything the bulk writer would write differently from xlsxwriter (then it is not coded).
"""

from __future__ import annotations

import ctypes
import re
from typing import Any

import numpy as np
import pandas as pd

from .arrays import objects, only_str

_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # \x00 is counted apart
_NUMBER_TYPES = (int, float, np.integer, np.floating)


def plain(frame: pd.DataFrame) -> bool:
    """No cell the bulk path would write differently from xlsxwriter."""
    return coded(frame) is not None


class Column:
    """One column of a sheet coded by value: ``codes`` (row → value, -1 for a blank: None,
    NaN) and ``values`` the distinct values, or each non-blank cell's value in row order for a
    column written cell by cell (:func:`each_alone`); ``number`` when every one is a number,
    ``texts`` when every one is a str; ``widest`` the first row of the widest value shown."""

    def __init__(self, codes: np.ndarray, values: list[Any], number: bool, texts: bool, widest: int = 0) -> None:
        self.codes, self.values, self.number, self.texts, self.widest = codes, values, number, texts, widest


class Coded:
    """A sheet's columns coded by value (:func:`coded`)."""

    def __init__(self, frame: pd.DataFrame, columns: list[Column]) -> None:
        self.n = len(frame)
        self.columns = columns
        self.numeric = [frame[c].dtype.kind in "iuf" for c in frame.columns]

    def widest(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows that hold each column's widest value (wide characters count two), its
        largest and its smallest number: the column widths xlsxwriter works out from them are
        those of the whole sheet."""
        rows: set[int] = {0}
        for name, column, numeric in zip(frame.columns, self.columns, self.numeric):
            if numeric:
                numbers = frame[name].to_numpy()
                rows.update((int(numbers.argmax()), int(numbers.argmin())))
                continue
            rows.add(column.widest)
        return frame.iloc[sorted(rows)].reset_index(drop=True)


def widths(texts: list[str], joined: str | None = None) -> np.ndarray:
    """Each text's width as xlsxwriter counts it: characters, the wide (non-ASCII) ones twice,
    i.e. 2 × characters − ASCII characters, counted on the texts' UTF-8 in C. ASCII texts are
    as wide as they are long; texts whose other characters all take 3 bytes in UTF-8 (CJK)
    are (characters + bytes) / 2 wide, without a pass over every byte. ``joined``: the texts
    joined by "\\0" when the caller has them so."""
    if not texts:
        return np.zeros(0, np.int64)
    joined = "\0".join(texts) if joined is None else joined  # no text holds a \0 (a control character)
    if joined.isascii():
        return np.fromiter(map(len, texts), np.int64, len(texts))
    data = np.frombuffer(joined.encode("utf-8"), np.uint8)
    ends = np.concatenate((np.flatnonzero(data == 0), [len(data)]))
    starts = np.concatenate(([0], ends[:-1] + 1))
    if not _NOT_THREE_BYTES.search(joined):
        return (np.fromiter(map(len, texts), np.int64, len(texts)) + (ends - starts)) // 2
    lead = np.concatenate(([0], np.cumsum((data & 0xC0) != 0x80)))  # characters so far
    ascii_ = np.concatenate(([0], np.cumsum(data < 0x80)))
    return 2 * (lead[ends] - lead[starts]) - (ascii_[ends] - ascii_[starts])


#: A character that is neither ASCII nor 3 bytes long in UTF-8.
_NOT_THREE_BYTES = re.compile("[\u0080-\u07ff\U00010000-\U0010ffff]")


def coded(frame: pd.DataFrame) -> Coded | None:
    """The sheet's columns coded by value, or None when a cell would be written differently
    from xlsxwriter (control characters, text past 32,767 characters, infinities, true or
    false, anything but text and numbers) or the index is not a plain row count."""
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        return None
    columns = []
    for name in frame.columns:
        values = frame[name]
        kind = values.dtype.kind
        if kind in "iu":
            codes, uniques = pd.factorize(values.to_numpy())
            column: Column | None = Column(codes, uniques.tolist(), True, False)
        elif kind == "f":
            column = _float_column(np.ascontiguousarray(values.to_numpy(), np.float64))
        elif kind == "O":
            column = _object_column(values.to_numpy())
        else:
            column = None
        if column is None:
            return None
        columns.append(column)
    return Coded(frame, columns)


def _float_column(numbers: np.ndarray) -> Column | None:
    if np.isinf(numbers).any():
        return None
    # by bits: 0.0 and -0.0 stay apart; NaN is a blank cell, as excel writes it
    codes, bits = pd.factorize(numbers.view(np.int64))
    floats = bits.view(np.float64)
    codes = np.where(np.isnan(floats)[codes], -1, codes) if np.isnan(floats).any() else codes
    return Column(codes, floats.tolist(), True, False)


def _object_column(array: np.ndarray) -> Column | None:
    """A column of Python objects coded (:func:`_by_value`), or None for a value not written
    as xlsxwriter would."""
    items = array.tolist()
    types = set(map(type, items))
    if not all(t is str or t is type(None) or _number_type(t) for t in types):
        return None
    has_float = any(issubclass(t, (float, np.floating)) for t in types)
    floats = np.array([v for v in items if isinstance(v, (float, np.floating))] if has_float else [], np.float64)
    if len(floats) and np.isnan(floats).all():  # NaN (a blank, as a row added by concat holds it) as None
        items = [None if isinstance(v, (float, np.floating)) else v for v in items]
        array = objects(items)
    elif len(floats):
        # each cell alone: factorizing would take 1 and 1.0, 0.0 and -0.0 for one value
        if np.isinf(floats).any():
            return None
        codes = np.array([-1 if v is None or v != v else k for k, v in enumerate(items)], np.int64)
        return _checked(codes, items)
    return _checked(*_by_value(items, array, str in types), texts=types <= {str, type(None)})


def _checked(codes: np.ndarray, uniques: list[Any], texts: bool = False) -> Column | None:
    """The column with the first row of its widest value, or None when a text is too long or
    holds a control character (the texts joined once for both). ``texts``: the column is known
    to hold nothing but str and None."""
    only = texts or only_str(uniques)
    strs = uniques if only else [u for u in uniques if type(u) is str]
    joined = "\0".join(strs)
    if strs and (max(map(len, strs)) > 32_767 or joined.count("\0") >= len(strs) or _CONTROL.search(joined)):
        return None
    counted = widths(uniques, joined) if only else _int_widths(uniques)
    if counted is None:
        counted = widths([v if type(v) is str else str(v) for v in uniques])
    width = np.zeros(len(uniques) + 1, np.int64)  # a blank (-1) is 0 wide
    width[:-1] = counted
    return Column(codes, uniques, not strs, only, int(width[codes].argmax()) if len(codes) else 0)


#: 1, 10, 100, …: a whole number's digits are how many of them are at most its size.
_TENS = 10 ** np.arange(19, dtype=np.int64)


def _int_widths(values: list[Any]) -> np.ndarray | None:
    """``len(str(v))`` of each value when every one is a Python int within int64 (a column
    of row numbers), counted in C; else None."""
    if not values or set(map(type, values)) != {int}:
        return None
    try:
        numbers = np.array(values, np.int64)
    except OverflowError:
        return None
    if numbers.min() == np.iinfo(np.int64).min:
        return None
    size = np.abs(numbers)
    return np.maximum(np.searchsorted(_TENS, size, side="right"), 1) + (numbers < 0)


def _by_value(items: list[Any], array: np.ndarray, text: bool) -> tuple[np.ndarray, list[Any]]:
    """(code of each item, the distinct values in order of first appearance; None a blank,
    -1), hashed in C. A column that cannot be written as shared strings (no text, or more
    distinct values than half its rows: ID numbers, names, row numbers) is instead given each
    cell as its own value (:func:`each_alone`), without hashing every value twice; its cells are
    the same. A column of a few objects repeated is coded by identity first
    (:func:`_by_identity`). A sample says which way is likely cheaper; the count that decides
    the shared strings is exact either way, and so are the codes."""
    n = len(items)
    sample = items[:: max(1, n // 2_000)]
    if likely_distinct(sample, n) and (not text or _over_half(items, n)):
        return each_alone(items, array)
    if len(set(map(id, sample))) * 8 <= len(sample):
        return _by_identity(array)
    codes, uniques = pd.factorize(array)  # None: -1
    return codes, uniques.tolist()


def likely_distinct(sample: list[Any], n: int) -> bool:
    """Whether more than half of ``n`` items likely differ, from a sample of them (every one
    when ``n`` is small): m items from k equally common values repeat about m² / 2k times."""
    m = len(sample)
    repeats = m - len(set(sample))
    return (m - repeats) * 2 > n if m == n else m * m > repeats * n


def _over_half(items: list[Any], n: int) -> bool:
    """Whether more than half of the ``n`` items are distinct texts or numbers (None aside),
    counted exactly, a slice at a time, and stopping as soon as they are."""
    seen: set[Any] = set()
    for start in range(0, n, 65_536):
        seen.update(items[start : start + 65_536])
        if (len(seen) - (None in seen)) * 2 > n:
            return True
    return False


def _by_identity(array: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """:func:`pd.factorize` of a column of a few objects each repeated (a table built by value
    repeats one object for each value): coded by address, read from the array's pointers
    without touching an object, then the few objects by value. The same codes and values."""
    n = len(array)
    if not n:
        return np.zeros(0, np.intp), []
    pointers = np.ascontiguousarray(array)
    address = np.frombuffer(memoryview((ctypes.c_size_t * n).from_address(pointers.ctypes.data)), np.uintp).copy()
    codes, _ = pd.factorize(address)
    first = np.empty(int(codes.max()) + 1, np.intp)
    first[codes[::-1]] = np.arange(n - 1, -1, -1)  # the last written is each object's first row
    by_value, uniques = pd.factorize(pointers[first])  # None: -1
    return by_value[codes], uniques.tolist()


def each_alone(items: list[Any], array: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Each cell its own value, in row order: (row number among the non-blank cells, or -1
    for a blank (None); the non-blank items)."""
    blank = pd.isna(array)  # None: no float is left in the column
    if not blank.any():
        return np.arange(len(items)), items
    codes = np.cumsum(~blank) - 1
    codes[blank] = -1
    return codes, array[~blank].tolist()


def _number_type(t: type) -> bool:
    return issubclass(t, _NUMBER_TYPES) and not issubclass(t, (bool, np.bool_))
