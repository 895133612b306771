"""Vectorised decoding of population rows from Arrow string columns (issue 16, item 2).

The per-row reader in :mod:`simulate.model.population` is the contract; this module decodes
a whole batch at once and only accepts values that reader would accept, giving them the same
value. Anything else (a bad value, an unusual space at a field's edge) is *flagged*, and the
caller sends that batch through the exact per-row path, so errors and rejected rows stay
word for word the same. Low-cardinality columns are decoded once per distinct value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..numtext import ascii_digits, whole_from_text
from ..policy.rules import HUKOU_CODE
from ..vocabulary import ACTIVE
from .poprows import HUKOU_WORDS, TIMING_CODE

_ASCII_SPACE = " \t\n\r\x0b\x0c"


def _age(t: str) -> int | None:
    try:
        age = whole_from_text(t, "")
    except ValueError:
        return None
    return age if 0 <= age <= 130 else None


def _sex(t: str) -> int | None:
    t = t.strip().upper()
    return {"F": 0, "女": 0, "M": 1, "男": 1}.get(t)


def _disability(t: str) -> int | None:
    d = ascii_digits(t) or "0"
    return int(d) if d in ("0", "1", "2", "3", "4") else None


def _identities(t: str) -> int | None:
    """Identity ids (or Chinese names) joined by ``;`` in the vocabulary in use (the
    scenario's, local identities included: ``vocabulary.using``) as a mask."""
    vocab = ACTIVE.get()
    mask = 0
    for ident in t.strip().replace("；", ";").split(";"):
        ident = ident.strip()
        if not ident:
            continue
        found = vocab.identity_of_text(ident)
        if found is None:
            return None
        mask |= 1 << vocab.identity_bit[found]
    return mask


def _enrolled(t: str) -> int | None:
    e = ascii_digits(t) or "1"
    return int(e) if e in ("0", "1") else None


def _timing(t: str) -> int | None:
    return TIMING_CODE.get(t.strip() or "regular")


def _hukou(t: str) -> int | None:
    word = HUKOU_WORDS.get(t.strip().lower())
    return None if word is None else HUKOU_CODE[word]


#: column -> (per-value decoder, value when the column is absent, numpy dtype)
DECODERS: dict[str, tuple[Callable[[str], int | None], int, Any]] = {
    "age": (_age, -1, np.uint8),
    "sex": (_sex, -1, np.uint8),
    "disability_grade": (_disability, 0, np.uint8),
    "identities": (_identities, 0, np.uint32),
    "enrolled": (_enrolled, 1, bool),
    "timing": (_timing, 0, np.uint8),
    "hukou": (_hukou, 0, np.uint8),
}


#: Columns whose values are one character (F, M, 0-4, 1/0) or empty in most files: a CSV's
#: are read as plain text and decoded by their byte (:func:`decode_bytes`), which costs less
#: than Arrow dictionary-encoding them as it parses.
BYTE_COLUMNS = frozenset({"sex", "disability_grade", "enrolled"})


@functools.cache
def _byte_table(fn: Callable[[str], int | None], dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """(value, accepted) of each one-byte text (entries 0-255; only ASCII is one byte of
    UTF-8) and of the empty text (entry 256), each decoded by ``fn``."""
    decoded = [fn(chr(b)) if b < 0x80 else None for b in range(256)] + [fn("")]
    ok = np.array([d is not None for d in decoded], bool)
    return np.array([0 if d is None else d for d in decoded], dtype), ok


def decode_bytes(column: pa.Array, fn: Callable[[str], int | None], dtype: Any) -> tuple[np.ndarray, bool] | None:
    """(values, whether any row's value is refused) of a plain text column whose values are
    all one byte or empty, looked up by that byte; None when a value is longer (or the
    column is dictionary-encoded): :func:`decode_low` reads it then."""
    if pa.types.is_dictionary(column.type) or column.null_count:
        return None
    offsets, data = _buffers(column)
    lengths = np.diff(offsets)
    if not len(lengths) or lengths.max() > 1:
        return None
    if lengths.min() == 1:  # one byte each, back to back
        key = data[offsets[0] : offsets[-1]].astype(np.intp)
    else:
        key = np.where(lengths == 1, data[np.minimum(offsets[:-1], len(data) - 1)].astype(np.intp), 256)
    values, ok = _byte_table(fn, dtype)
    return values[key], not bool(ok[key].all())


def codes(enc: pa.DictionaryArray) -> np.ndarray:
    """The indices of a dictionary column as numpy, without a copy when it has no nulls
    (``to_numpy`` copies them, about 8 ns a row)."""
    idx = enc.indices
    if idx.null_count:
        out: np.ndarray = idx.to_numpy(zero_copy_only=False)
        return out
    return np.frombuffer(idx.buffers()[1], idx.type.to_pandas_dtype())[idx.offset : idx.offset + len(idx)]


def decode_low(column: pa.Array, fn: Callable[[str], int | None], dtype: Any) -> tuple[np.ndarray, bool]:
    """(values, whether any row's value is refused) of a column with few distinct values (or
    dictionary-encoded by the reader already), each value decoded once."""
    enc = column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)
    index = codes(enc)
    decoded = [fn(v) for v in enc.dictionary.to_pylist()]
    ok = np.array([d is not None for d in decoded], bool)
    table = np.array([0 if d is None else d for d in decoded], dtype)  # a uint64 mask may pass 2**63
    # a Parquet dictionary may hold values no row of this batch uses: only used ones count
    bad = not ok.all() and bool((~ok)[index].any())
    return table[index], bad


def _buffers(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets [n + 1], bytes) of a string or binary column, without copying it."""
    bufs = column.buffers()
    wide = pa.types.is_large_string(column.type) or pa.types.is_large_binary(column.type)
    offsets = np.frombuffer(bufs[1], np.int64 if wide else np.int32)[column.offset : column.offset + len(column) + 1]
    data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None and len(bufs[2]) else np.zeros(1, np.uint8)
    return offsets, data


def empty(column: pa.Array) -> np.ndarray:
    """Which values of a string column are empty (bool), from its offsets: no UTF-8 decoding."""
    offsets, _ = _buffers(column)
    out: np.ndarray = offsets[1:] == offsets[:-1]
    if column.null_count:
        out |= column.is_null().to_numpy(zero_copy_only=False)
    return out


def _plain_edges(column: pa.Array) -> bool:
    """Whether every value starts and ends with a printable ASCII character (or is empty):
    then str.strip() changes nothing, which is the common case (ids, codes)."""
    if column.null_count or not len(column):
        return not column.null_count
    offsets, data = _buffers(column)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    first, last = data[starts[filled]], data[ends[filled] - 1]
    return bool(((first > 0x20) & (first < 0x7F) & (last > 0x20) & (last < 0x7F)).all())


def trimmed(column: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """A free-text column stripped of ASCII spaces, and the rows whose edges hold other
    spaces str.strip() would also remove (flagged for the exact path)."""
    if _plain_edges(column):
        return column, np.zeros(len(column), bool)
    out = pc.utf8_trim(column, characters=_ASCII_SPACE)
    odd = np.zeros(len(out), bool)
    for edge in (pc.utf8_slice_codeunits(out, 0, 1), pc.utf8_slice_codeunits(out, -1)):
        enc = pc.dictionary_encode(edge)  # few distinct first and last characters
        spaces = np.array([c.isspace() for c in enc.dictionary.to_pylist()], bool)
        if spaces.any():
            odd |= spaces[enc.indices.to_numpy(zero_copy_only=False)]
    return out, odd


_MULT = np.array(
    [
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
        0xC4CEB9FE1A85EC53,
        0x94D049BB133111EB,
        0xBF58476D1CE4E5B9,
    ],
    np.uint64,
)


def _xorshift(h: np.ndarray, shift: np.uint64, tmp: np.ndarray) -> None:
    """``h ^= h >> shift`` in place (``tmp``: scratch of h's shape: no array allocated)."""
    np.right_shift(h, shift, out=tmp)
    h ^= tmp


def _mix(h: np.ndarray, tmp: np.ndarray) -> None:
    """MurmurHash3's 64-bit finaliser, in place: every input bit moves every output bit."""
    _xorshift(h, _S33, tmp)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    _xorshift(h, _S33, tmp)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    _xorshift(h, _S33, tmp)


_S32, _S33 = np.uint64(32), np.uint64(33)
#: Low-byte masks of an 8-byte word holding the last 0-8 bytes of a string.
_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], np.uint64)


def hash_strings(column: pa.Array) -> np.ndarray:
    """A 64-bit hash (uint64) of every string, vectorised over the Arrow buffers: equal
    strings, equal hashes (used for duplicate person ids and household identity).

    The bytes are read as overlapping 8-byte words (a view with a one-byte stride), so a
    string of ``L`` bytes costs ``ceil(L / 8)`` gathers of one word per row, or none when
    all have the same length (an 18-character ID number): then word ``k`` of every row is a
    strided view. Each word is folded in by multiplying and shifting (a bijection, in place),
    and the MurmurHash3 finaliser mixes the result.
    """
    n = len(column)
    if n == 0:
        return np.zeros(0, np.uint64)
    offsets, data = _buffers(column)
    lo, hi = int(offsets[0]), int(offsets[-1])
    padded = np.zeros(hi - lo + 8, np.uint8)  # 8 zero bytes: the last word never reads past
    padded[: hi - lo] = data[lo:hi]
    words = np.ndarray((hi - lo + 1,), np.uint64, padded, strides=(1,))
    starts, lengths = offsets[:-1] - lo, np.diff(offsets)
    longest = int(lengths.max())
    same = longest == int(lengths.min())
    h = lengths.astype(np.uint64)
    h *= np.uint64(0x2545F4914F6CDD1D)
    tmp = np.empty_like(h)
    for k in range(-(-longest // 8)):
        if same:  # rows at a fixed stride: word k of each is a view, its mask one number
            w = np.ndarray((n,), np.uint64, padded, offset=8 * k, strides=(longest,)) & _MASKS[min(longest - 8 * k, 8)]
        elif k == 0:
            w = words[starts]
            w &= _MASKS[np.minimum(lengths, 8)]
        else:
            w = words[np.minimum(starts + 8 * k, hi - lo)]
            w &= _MASKS[np.clip(lengths - 8 * k, 0, 8)]
        h ^= w
        h *= _MULT[k % len(_MULT)]
        _xorshift(h, _S32, tmp)
    _mix(h, tmp)
    return h
