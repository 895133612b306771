"""Finding and masking resident ID numbers (GB 11643-1999) in free text.

Anything that leaves the program outside the payment lists (a cell, a file name, a reason,
an error line) goes through :func:`mask_ids_in_text`; the leak scan uses :func:`find_ids`
with ``strict=True``. Validation of one number lives in :mod:`simulate.io.idnumber`.
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .idnumber import PROVINCE_CODES, SEPARATOR_CHARS, SEPARATORS, check_digit, mask_id

__all__ = ["IdSpan", "find_ids", "mask_ids_deep", "mask_ids_in_text", "mask_ids_json"]

# An ID number may hide anywhere a user types text: a name cell, a village, a category,
# a file name. People write it whole, in groups ("5206 2419 5004 1203 1X", "520624-19500412-
# 031X"), with full-width digits or a lowercase x. A *run* is digit groups joined by at most
# three separator characters (spaces of any width, hyphens and dashes, underscores, zero-width
# characters), optionally ending in an X; ID candidates inside a run start and end on group
# boundaries (or are one group).

_X_CHARS = "Xx\uff38\uff58"  # X x Ｘ ｘ
#: A maximal run of digit groups (any Unicode decimal digit, so ０-９ too) and separators.
_RUN = re.compile(rf"(?<!\d)\d+(?:[{SEPARATOR_CHARS}]{{1,3}}\d+)*(?:[{SEPARATOR_CHARS}]{{0,3}}[{_X_CHARS}])?")
_GROUP = re.compile(r"\d+")
#: A decimal point next to a digit: the run is part of a decimal number (0.012345679012345678).
_DECIMAL_BEFORE = re.compile(r"\d[.\uff0e]$")
_DECIMAL_AFTER = re.compile(r"^[.\uff0e]\d")


def _ascii_digits(text: str) -> str:
    """Digits of any script as ASCII ("５" -> "5"); an X of any width as "X"."""
    return "".join("X" if ch in "Xx\uff38\uff58" else str(unicodedata.decimal(ch)) for ch in text)


def _plausible_birth(yyyymmdd: str) -> bool:
    """A real calendar date between 1880 and 2100 (the birth date of a living person's ID)."""
    try:
        year = int(yyyymmdd[:4])
        return 1880 <= year <= 2100 and bool(datetime.date(year, int(yyyymmdd[4:6]), int(yyyymmdd[6:8])))
    except ValueError:
        return False


def _plausible_region(number: str) -> bool:
    """A province code (or 9 + a province code, the 2023 permanent residence cards)."""
    return number[:2] in PROVINCE_CODES or (number[0] == "9" and number[1:3] in PROVINCE_CODES)


def _passes_check(number: str) -> bool:
    """An 18-character number whose last character is its GB 11643-1999 check character."""
    return len(number) == 18 and number[:17].isdigit() and check_digit(number[:17]) == number[17]


def _looks_like_id(number: str) -> bool:
    """18 characters passing the check digit, or an 18- or 15-digit number with a province
    code and a real birth date (a mistyped or old number is still a person's number)."""
    if len(number) == 18:
        return _passes_check(number) or (
            number[:17].isdigit() and _plausible_region(number) and _plausible_birth(number[6:14])
        )
    if len(number) == 15 and number.isdigit():
        return _plausible_region(number) and _plausible_birth("19" + number[6:12])
    return False


@dataclass(frozen=True)
class IdSpan:
    """Where an ID-like number sits in a text: ``text[start:end]``; ``number`` its ASCII
    characters (digits, final X) without separators; ``checked`` is True when it has 18
    characters and passes the GB 11643 check digit."""

    start: int
    end: int
    number: str = field(repr=False)
    checked: bool

    def __repr__(self) -> str:
        return f"IdSpan(start={self.start}, end={self.end}, masked={mask_id(self.number)!r}, checked={self.checked})"


def _written_as_id(lengths: list[int]) -> bool:
    """Group lengths of a number written as people write an ID: groups of 2 or more
    characters (the last may be the check character alone), at most 9 of them, or one
    character per box (18 groups of 1). Excludes a list of small numbers ("1 2 3 … 17")."""
    if all(n == 1 for n in lengths):
        return len(lengths) in (15, 18)
    return len(lengths) <= 9 and all(n >= 2 for n in lengths[:-1])


def _run_windows(run: re.Match[str]) -> list[tuple[int, int, str, bool]]:
    """(start, end, ASCII number, one group) for every group-aligned window of 15 or 18
    characters of a run that is written as an ID (:func:`_written_as_id`), and every single
    group of 14 or more digits (with an X right after it)."""
    groups = [
        (m.start() + run.start(), m.end() + run.start(), _ascii_digits(m.group())) for m in _GROUP.finditer(run.group())
    ]
    x_end = run.end() if run.group()[-1] in _X_CHARS else None
    out: list[tuple[int, int, str, bool]] = []
    for i, (start, _, _) in enumerate(groups):
        digits = ""
        lengths: list[int] = []
        for j in range(i, len(groups)):
            end = groups[j][1]
            digits += groups[j][2]
            lengths.append(len(groups[j][2]))
            if len(digits) > 18:
                break
            if len(digits) == 17 and j == len(groups) - 1 and x_end is not None:
                attached = x_end == end + 1
                shape = lengths[:-1] + [lengths[-1] + 1] if attached else lengths + [1]
                if len(shape) > 1 and _written_as_id(shape):
                    out.append((start, x_end, digits + "X", False))
            if len(digits) in (15, 18) and j > i and _written_as_id(lengths):
                out.append((start, end, digits, False))
        if len(groups[i][2]) >= 14:
            one_end, single = groups[i][1], groups[i][2]
            if x_end is not None and i == len(groups) - 1 and x_end == one_end + 1:
                one_end, single = x_end, single + "X"
            out.append((start, one_end, single, True))
    return out


def find_ids(text: str, *, strict: bool = False) -> list[IdSpan]:
    """ID numbers in free text, in order, overlapping spans merged.

    With ``strict`` False (masking) it finds every run of 14 or more digits, and every
    number written in groups (spaces, hyphens, full-width digits) that passes the GB 11643
    check digit or has a province code and a real birth date (18 or 15 digits). With
    ``strict`` True (the leak scan) it finds only 18-character numbers that pass the check
    digit and are not part of a decimal number; written in groups, or inside a longer digit
    run, they must also have a province code and a real birth date (so that a list of
    small numbers or a long integer is not taken for an ID). A whole 15-digit old number
    (GB 11643-1989, no check digit) is found when its province code and birth date are real.
    """
    spans: list[tuple[int, int, str]] = []
    for lo, hi in _stretches(text):
        spans.extend(_run_spans(text, lo, hi, strict))
    return _merged(text, spans)


def _merged(text: str, spans: list[tuple[int, int, str]]) -> list[IdSpan]:
    """Spans in order, overlapping ones merged into one (its number re-read from ``text``)."""
    spans.sort()
    merged: list[list[Any]] = []
    for start, end, number in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            if end > last[1]:
                last[1] = end
                last[2] = _ascii_digits(SEPARATORS.sub("", text[last[0] : end]))
            continue
        merged.append([start, end, number])
    return [IdSpan(s, e, n, _passes_check(n)) for s, e, n in merged]


#: 14 digits, each pair apart by at most three separators: the least digits any number
#: :func:`find_ids` finds holds (a run's groups are joined by 1-3 separators; 14 digits in
#: one group when masking, 15 or 17 and an X or 18 otherwise). Searched in C.
_FOURTEEN = re.compile(rf"\d(?:[{SEPARATOR_CHARS}]{{0,3}}\d){{13}}")
#: A stretch of characters a run may hold (digits, separators, an X): no run crosses its ends.
_RUN_CHARS = re.compile(rf"[\d{SEPARATOR_CHARS}{_X_CHARS}]+")


def _stretches(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each maximal stretch of digits, separators and X's that holds 14
    digits (:data:`_FOURTEEN`): every run that can hold an ID number lies wholly in one, so
    the runs of a long text (a 100 MB sheet of short numbers) are looked at in C, not Python."""
    pos = 0
    while True:
        hit = _FOURTEEN.search(text, pos)
        if hit is None:
            return
        lo = hit.start()
        while lo > 0 and _RUN_CHARS.match(text, lo - 1, lo):
            lo -= 1
        end = _RUN_CHARS.match(text, hit.start())
        hi = end.end() if end else hit.end()
        yield lo, hi
        pos = hi


#: Each byte of UTF-8 text as b"1" when it may belong to a character of a run (an ASCII digit,
#: separator or X; any byte of a non-ASCII character but the lead byte of a CJK ideograph,
#: U+4000–U+9FFF, never a digit, separator or X), else b"0". Every :data:`_FOURTEEN` match
#: is then 14 or more b"1" in a row: a test for its absence at memory speed, not per character.
MAY_RUN = bytes(
    49 if (b >= 0x80 and not 0xE4 <= b <= 0xE9) or chr(b) in "0123456789" + _X_CHARS[:2] + " \t-_" else 48
    for b in range(256)
)
_FOURTEEN_BYTES = b"1" * 14
_CONTINUATION = bytes(range(0x80, 0xC0))  # the bytes after the first of a UTF-8 character


def utf8_stretches(data: bytes) -> Iterator[bytes]:
    """Pieces of valid UTF-8 ``data`` (whole characters) that together hold every
    :data:`_FOURTEEN` match of the decoded text, each a stretch of 14 or more bytes that may
    belong to a run and at least 8 bytes either side (two characters: the context
    :func:`find_ids` reads). Most texts, a sheet of short numbers and names, have none."""
    if data.translate(MAY_RUN, _CONTINUATION).find(_FOURTEEN_BYTES) < 0:
        return  # 14 characters that may be digits or separators nowhere (one byte a character)
    marks = data.translate(MAY_RUN)
    pos = marks.find(_FOURTEEN_BYTES)
    while pos >= 0:
        lo = marks.rfind(b"0", 0, pos)  # a blocked byte starts a character (ASCII or a CJK lead)
        hi = marks.find(b"0", pos)
        hi = len(data) if hi < 0 else hi
        if len(data[lo + 1 : hi].translate(None, _CONTINUATION)) < 14:  # fewer than 14 characters
            pos = marks.find(_FOURTEEN_BYTES, hi) if hi < len(data) else -1
            continue
        a, b = max(0, lo - 8), min(len(data), hi + 9)
        while 0 < a and 0x80 <= data[a] < 0xC0:  # back to the start of a character
            a -= 1
        while b < len(data) and 0x80 <= data[b] < 0xC0:
            b += 1
        yield data[a:b]
        pos = marks.find(_FOURTEEN_BYTES, hi) if hi < len(data) else -1


def may_hold_ids(data: bytes, *, strict: bool = True) -> bool:
    """False when :func:`find_ids` finds nothing in ``data`` decoded as UTF-8 (which it must
    be); True when it may (then look with find_ids). Only the few stretches of 14 bytes
    that may be digits and separators are decoded and looked at."""
    return any(find_ids(piece.decode("utf-8"), strict=strict) for piece in utf8_stretches(data))


def may_hold_fourteen(text: str) -> bool:
    """Whether ``text`` holds a :data:`_FOURTEEN` match (14 digits, each pair apart by at most
    three separators), looked for in its UTF-8 bytes (:func:`utf8_stretches`)."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the regex on the text itself
        return _FOURTEEN.search(text) is not None
    return utf8_holds_fourteen(data)


def utf8_holds_fourteen(data: bytes) -> bool:
    """Whether valid UTF-8 ``data`` holds a :data:`_FOURTEEN` match, looked for only in its
    :func:`utf8_stretches`."""
    return any(_FOURTEEN.search(piece.decode("utf-8")) for piece in utf8_stretches(data))


def _run_spans(text: str, lo: int, hi: int, strict: bool) -> list[tuple[int, int, str]]:
    """(start, end, number) of the ID-like numbers of the runs in ``text[lo:hi]`` (a stretch
    from :func:`_stretches`, or the whole text), by the rules of :func:`find_ids`."""
    spans: list[tuple[int, int, str]] = []
    for run in _RUN.finditer(text, lo, hi):
        if run.end() - run.start() < 14:  # fewer than 14 digits: most runs (a year, a count)
            continue
        for start, end, number, whole_group in _run_windows(run):
            if not strict:
                # the digits after a decimal point are a fraction, not an ID, unless they look like one
                fraction = bool(_DECIMAL_BEFORE.search(text[max(0, start - 2) : start]))
                if (whole_group and len(number) >= 14 and not fraction) or _looks_like_id(number):
                    spans.append((start, end, number))
                continue
            decimal = bool(
                _DECIMAL_BEFORE.search(text[max(0, start - 2) : start]) or _DECIMAL_AFTER.match(text[end : end + 2])
            )
            if (
                len(number) == 18
                and _passes_check(number)
                and (whole_group or (_plausible_region(number) and _plausible_birth(number[6:14])))
                and not decimal
            ):
                spans.append((start, end, number))
            elif whole_group and len(number) == 15 and _looks_like_id(number) and not decimal:
                spans.append((start, end, number))  # an old number: no check digit to pass
            elif whole_group and len(number) > 18:
                for k in range(len(number) - 17):
                    window = number[k : k + 18]
                    if _passes_check(window) and _plausible_region(window) and _plausible_birth(window[6:14]):
                        spans.append((start, end, window))
                        break
    return spans


def mask_ids_in_text(text: str) -> str:
    """Mask every ID-like number in free text (see :func:`find_ids`): a run of 14 or more
    digits, or an ID written in groups, with full-width digits or a lowercase x.

    The one masking function for anything that leaves the program outside the payment
    lists (a cell, a file name, a reason, an error line); an 11-digit phone number and
    ordinary figures are left alone.
    """
    if not isinstance(text, str):
        text = str(text)
    if len(text) < 14:  # too short to hold 14 digits: most cells
        return text
    spans = find_ids(text)
    for span in reversed(spans):
        text = text[: span.start] + mask_id(span.number) + text[span.end :]
    return text


def mask_ids_deep(value: Any) -> Any:
    """A copy of JSON-like data (dicts, lists, tuples, strings) with every string and key
    passed through :func:`mask_ids_in_text`; numbers and other values are kept. Keys that
    mask alike are kept apart with a " (2)" suffix, so nothing is lost."""
    if isinstance(value, str):
        return mask_ids_in_text(value)
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            masked = mask_ids_deep(key)
            n = 1
            while masked in out:  # two keys that differ only in a hidden number: keep both
                n += 1
                masked = f"{mask_ids_deep(key)} ({n})"
            out[masked] = mask_ids_deep(item)
        return out
    if isinstance(value, (list, tuple)):
        return (
            type(value)(mask_ids_deep(v) for v in value)
            if isinstance(value, list)
            else tuple(mask_ids_deep(v) for v in value)
        )
    return value


#: An exponent of one digit (orjson 1e-7, json 1e-07), found from its literal "e-".
_SHORT_EXPONENT = re.compile(rb"(?<=[0-9])e-[0-9](?![0-9])")


def orjson_unlike(data: bytes) -> bool:
    """Whether orjson's text ``data`` may differ from json's for the same value: it writes
    NaN and infinities as null and floats below 1e-4 as 0.00003 or 1e-7 (json: NaN, 3e-05,
    1e-07); otherwise (escapes, separators, indent, other numbers) it writes what json does
    with ``ensure_ascii=False``. Looked for with memory-speed searches (a null or such a
    text inside a string only sends the caller to json)."""
    return b"null" in data or b"0.0000" in data or (b"e-" in data and _SHORT_EXPONENT.search(data) is not None)


def _clean_json(value: Any) -> bool | None:
    """True when the compact JSON text of ``value`` (``json.dumps(value, ensure_ascii=False,
    separators=(",", ":"))``) holds no tab escape and no :data:`_FOURTEEN`; None when json
    cannot write it. The text is orjson's (in C, a second for a million-person bill) unless
    it holds what orjson writes unlike json; its bytes are looked at as they are."""
    import orjson

    try:
        data: bytes | None = orjson.dumps(value)
    except TypeError:  # a key that is not a string, an int past 64 bits, a lone surrogate, …
        data = None
    if data is not None and not orjson_unlike(data):
        return b"\\t" not in data and not utf8_holds_fourteen(data)
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None
    return "\\t" not in text and not may_hold_fourteen(text)


def mask_ids_json(value: Any) -> Any:
    """:func:`mask_ids_deep` for large JSON-like data: a part whose compact JSON text holds no
    14 digits (:data:`_FOURTEEN`, one C pass; a tab, escaped in JSON, sends it the long way)
    cannot hold an ID number in any string or key and is returned as it is, not copied;
    a dict or list that may is looked at item by item, the rest masked as mask_ids_deep does."""
    clean = _clean_json(value)
    if clean is None:  # not plain JSON: the long way
        return mask_ids_deep(value)
    if clean:
        return value
    if isinstance(value, list) and len(value) > 1:
        return [mask_ids_json(v) for v in value]
    if isinstance(value, dict) and len(value) > 1:
        out: dict[Any, Any] = {}
        for key, item in value.items():
            masked = mask_ids_deep(key)
            n = 1
            while masked in out:  # as mask_ids_deep: keys that mask alike are kept apart
                n += 1
                masked = f"{mask_ids_deep(key)} ({n})"
            out[masked] = mask_ids_json(item)
        return out
    return mask_ids_deep(value)
