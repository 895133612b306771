"""Resident ID numbers (居民身份号码): validation, age and sex, masking.

The 18-character number is defined by GB 11643-1999 (公民身份号码):

    RRRRRR YYYYMMDD SSS C
    region  birth    seq check

* ``RRRRRR`` the administrative division code (GB/T 2260) where the number was issued;
* ``YYYYMMDD`` the date of birth;
* ``SSS`` a sequence number; its last digit is odd for men and even for women;
* ``C`` the check digit, ISO 7064 MOD 11-2 over the first 17 digits ("X" stands for 10).

The 15-digit numbers of the earlier standard (GB 11643-1989) have a 2-digit birth year
(``RRRRRR YYMMDD SSS``) and no check digit. They were only ever issued to people born in
the 1900s, so they are **converted** (the national conversion rule): insert ``19`` before
the birth year and append the GB 11643-1999 check digit.

Privacy: an ID number identifies a person. Everything in this module that may end up in a
report, a log or an error message shows a *masked* number (:func:`mask_id`): the first 6
digits (the region), 8 stars, the last 4. Error reasons never contain the number at all.
"""
from __future__ import annotations

import datetime
import math
import numbers
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "MAX_AGE",
    "IdInfo",
    "IdNumberError",
    "IdSpan",
    "age_on",
    "check_digit",
    "convert_15_to_18",
    "find_ids",
    "mask_id",
    "mask_ids_deep",
    "mask_ids_in_text",
    "validate_id",
]

#: Oldest plausible age (whole years) of a living person on a roster.
MAX_AGE = 120

#: ISO 7064 MOD 11-2 weights of GB 11643-1999: 2**(17-i) mod 11 for position i = 0..16.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
#: Check character for (weighted sum mod 11) = 0..10.
_CHECK_CHARS = "10X98765432"

#: First two digits (province-level code, GB/T 2260) that a resident ID number can start with.
#: 71/81/82/83 are Taiwan, Hong Kong and Macao (residence permits use 81/82/83).
#: Numbers starting with 9 followed by a province code are the 2023 foreigners' permanent
#: residence cards, which use the same GB 11643 layout and check digit.
_PROVINCES = frozenset({
    "11", "12", "13", "14", "15",
    "21", "22", "23",
    "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46",
    "50", "51", "52", "53", "54",
    "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})

#: A spreadsheet number (an IEEE double) keeps at most 15 significant decimal digits safely.
_MAX_NUMERIC_DIGITS = 15

_SCIENTIFIC = re.compile(r"^[0-9](?:\.[0-9]+)?E[+]?[0-9]+$")
_DECIMAL_ZERO = re.compile(r"^([0-9]+)\.0+$")
_FORMULA_TEXT = re.compile(r'^="(.*)"$')  # ="430922..." : a CSV trick to keep a number as text
_ID18 = re.compile(r"^[0-9]{17}[0-9X]$")
_ID15 = re.compile(r"^[0-9]{15}$")


class IdNumberError(ValueError):
    """An ID number that cannot be used; ``reason`` (English) and ``reason_zh`` (简体中文) are
    one line each and never hold the number."""

    def __init__(self, reason: str, reason_zh: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_zh = reason_zh or reason

    def reason_for(self, lang: str) -> str:
        """The reason in ``lang`` ("zh" or "en")."""
        return self.reason_zh if lang == "zh" else self.reason


def age_on(birth_date: datetime.date, when: datetime.date) -> int:
    """Age in whole years on ``when`` (a person born on 29 February turns a year older on 1 March
    in common years)."""
    before_birthday = (when.month, when.day) < (birth_date.month, birth_date.day)
    return when.year - birth_date.year - int(before_birthday)


@dataclass(frozen=True)
class IdInfo:
    """A valid, normalised ID number and what it says about the person.

    ``repr`` and ``str`` show the masked number only, so an ``IdInfo`` that ends up in a
    log or a traceback does not leak the full number.
    """

    number: str = field(repr=False)  # 18 characters, uppercase X
    birth_date: datetime.date
    sex: Literal["F", "M"]
    region: str  # first 6 digits (division code where the number was issued)
    age: int  # whole years on ``as_of``
    as_of: datetime.date
    converted_from_15: bool = False

    @property
    def masked(self) -> str:
        """The number masked for display (first 6, 8 stars, last 4)."""
        return mask_id(self.number)

    def age_on(self, when: datetime.date) -> int:
        """Age in whole years on another date."""
        return age_on(self.birth_date, when)

    def __repr__(self) -> str:
        return (f"IdInfo(masked={self.masked!r}, birth_date={self.birth_date!r}, "
                f"sex={self.sex!r}, region={self.region!r}, age={self.age}, "
                f"as_of={self.as_of!r}, converted_from_15={self.converted_from_15})")

    __str__ = __repr__


def check_digit(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("check_digit needs exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def convert_15_to_18(number15: str) -> str:
    """Convert a 15-digit GB 11643-1989 number to 18 characters.

    The rule: the 2-digit birth year YY becomes 19YY (15-digit numbers were only issued to
    people born in the 1900s) and the GB 11643-1999 check digit is appended.
    """
    if not _ID15.match(number15):
        raise ValueError("convert_15_to_18 needs exactly 15 ASCII digits")
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_digit(first17)


def mask_id(number: object) -> str:
    """Mask an ID number for display: ``430922********123X`` (first 6, 8 stars, last 4).

    Full-width digits, separators (spaces, hyphens) and a lowercase x are normalised first.
    Anything that is not a well-formed 18-character number (a 15-digit old number, a typo,
    a float read from Excel) keeps only its first 3 and last 2 characters (at most 13
    stars in between); a value shorter than 9 characters is starred completely. The result
    never shows the value whole.
    """
    if number is None or (isinstance(number, float) and math.isnan(number)):
        return ""
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(number)).strip())
    if _ID18.match(text.upper()):
        return text[:6] + "*" * 8 + text[-4:].upper()
    if len(text) >= 9:
        return text[:3] + "*" * min(len(text) - 5, 13) + text[-2:]
    return "*" * len(text)


# --------------------------------------------------------------------------- finding IDs in text
#
# An ID number may hide anywhere a user types text: a name cell, a village, a category,
# a file name. People write it whole, in groups ("5206 2419 5004 1203 1X", "520624-19500412-
# 031X"), with full-width digits or a lowercase x. A *run* is digit groups joined by at most
# three separator characters (spaces of any width, hyphens and dashes, underscores, zero-width
# characters), optionally ending in an X; ID candidates inside a run start and end on group
# boundaries (or are one group).

#: Characters people put between digit groups of an ID number (after no NFKC: raw text).
_SEP_CHARS = (" \t\u00a0\u1680\u2000-\u200d\u202f\u205f\u2060\u3000\ufeff"
              "\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d_\uff3f")
_SEPARATORS = re.compile(f"[{_SEP_CHARS}]+")
_X_CHARS = "Xx\uff38\uff58"  # X x Ｘ ｘ
#: A maximal run of digit groups (any Unicode decimal digit, so ０-９ too) and separators.
_RUN = re.compile(rf"(?<!\d)\d+(?:[{_SEP_CHARS}]{{1,3}}\d+)*(?:[{_SEP_CHARS}]{{0,3}}[{_X_CHARS}])?")
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
        return 1880 <= year <= 2100 and bool(datetime.date(year, int(yyyymmdd[4:6]),
                                                              int(yyyymmdd[6:8])))
    except ValueError:
        return False


def _plausible_region(number: str) -> bool:
    """A province code (or 9 + a province code, the 2023 permanent residence cards)."""
    return number[:2] in _PROVINCES or (number[0] == "9" and number[1:3] in _PROVINCES)


def _passes_check(number: str) -> bool:
    """An 18-character number whose last character is its GB 11643-1999 check character."""
    return len(number) == 18 and number[:17].isdigit() and check_digit(number[:17]) == number[17]


def _looks_like_id(number: str) -> bool:
    """18 characters passing the check digit, or an 18- or 15-digit number with a province
    code and a real birth date (a mistyped or old number is still a person's number)."""
    if len(number) == 18:
        return _passes_check(number) or (
            number[:17].isdigit() and _plausible_region(number) and _plausible_birth(number[6:14]))
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
        return (f"IdSpan(start={self.start}, end={self.end}, masked={mask_id(self.number)!r}, "
                f"checked={self.checked})")


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
    groups = [(m.start() + run.start(), m.end() + run.start(), _ascii_digits(m.group()))
              for m in _GROUP.finditer(run.group())]
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
    for run in _RUN.finditer(text):
        if run.end() - run.start() < 14:   # fewer than 14 digits: most runs (a year, a count)
            continue
        for start, end, number, whole_group in _run_windows(run):
            if not strict:
                # the digits after a decimal point are a fraction, not an ID, unless they look like one
                fraction = bool(_DECIMAL_BEFORE.search(text[max(0, start - 2):start]))
                if (whole_group and len(number) >= 14 and not fraction) or _looks_like_id(number):
                    spans.append((start, end, number))
                continue
            decimal = bool(_DECIMAL_BEFORE.search(text[max(0, start - 2):start])
                           or _DECIMAL_AFTER.match(text[end:end + 2]))
            if len(number) == 18 and _passes_check(number) and (whole_group or (
                    _plausible_region(number) and _plausible_birth(number[6:14]))) and not decimal:
                spans.append((start, end, number))
            elif whole_group and len(number) == 15 and _looks_like_id(number) and not decimal:
                spans.append((start, end, number))   # an old number: no check digit to pass
            elif whole_group and len(number) > 18:
                for k in range(len(number) - 17):
                    window = number[k:k + 18]
                    if _passes_check(window) and _plausible_region(window) \
                            and _plausible_birth(window[6:14]):
                        spans.append((start, end, window))
                        break
    spans.sort()
    merged: list[list[Any]] = []
    for start, end, number in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            if end > last[1]:
                last[1] = end
                last[2] = _ascii_digits(_SEPARATORS.sub("", text[last[0]:end]))
            continue
        merged.append([start, end, number])
    return [IdSpan(s, e, n, _passes_check(n)) for s, e, n in merged]


def mask_ids_in_text(text: str) -> str:
    """Mask every ID-like number in free text (see :func:`find_ids`): a run of 14 or more
    digits, or an ID written in groups, with full-width digits or a lowercase x.

    The one masking function for anything that leaves the program outside the payment
    lists (a cell, a file name, a reason, an error line); an 11-digit phone number and
    ordinary figures are left alone.
    """
    if not isinstance(text, str):
        text = str(text)
    if len(text) < 14:   # too short to hold 14 digits: most cells
        return text
    spans = find_ids(text)
    for span in reversed(spans):
        text = text[:span.start] + mask_id(span.number) + text[span.end:]
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
            while masked in out:   # two keys that differ only in a hidden number: keep both
                n += 1
                masked = f"{mask_ids_deep(key)} ({n})"
            out[masked] = mask_ids_deep(item)
        return out
    if isinstance(value, (list, tuple)):
        return type(value)(mask_ids_deep(v) for v in value) if isinstance(value, list) \
            else tuple(mask_ids_deep(v) for v in value)
    return value


def _normalise_text(text: str) -> str:
    """Full-width digits and letters to ASCII, no whitespace, hyphens or other group
    separators (520624-19500412-031X), no quote markers, uppercase."""
    text = unicodedata.normalize("NFKC", text)
    text = _SEPARATORS.sub("", "".join(text.split()))
    formula = _FORMULA_TEXT.match(text)
    if formula:
        text = formula.group(1)
    text = text.strip("'\"‘’“”")
    return text.upper()


def _from_number(value: numbers.Real) -> str:
    """Digits of a numeric cell, or IdNumberError when a spreadsheet number lost digits."""
    if isinstance(value, numbers.Integral):
        as_int = int(value)
        if as_int < 0:
            raise IdNumberError("negative number in the ID column", "身份证号一栏是负数")
        return str(as_int)
    as_float = float(value)
    if math.isnan(as_float):
        raise IdNumberError("empty ID number", "身份证号为空")
    if math.isinf(as_float) or as_float < 0:
        raise IdNumberError("not an ID number (numeric cell that is not a whole positive number)",
                            "不是身份证号（数值单元格不是正整数）")
    if not as_float.is_integer():
        raise IdNumberError("not an ID number (numeric cell with a fraction)",
                            "不是身份证号（数值单元格带小数）")
    if as_float >= 10 ** _MAX_NUMERIC_DIGITS:
        raise IdNumberError(
            "ID stored as a number: a spreadsheet number keeps only 15 significant digits, "
            "so the last digits of this 18-digit ID are lost and cannot be recovered "
            "(format the ID column as text and re-enter the numbers)",
            "身份证号以数字格式保存：电子表格的数字只保留15位有效数字，这个18位身份证号的末几位"
            "已丢失，无法恢复（请将身份证号列设为文本格式后重新录入）")
    return str(int(as_float))


def validate_id(text: str | int | float, *, as_of: datetime.date) -> IdInfo:
    """Validate a resident ID number (GB 11643-1999) and derive birth date, age and sex.

    ``text`` may be a string (full-width digits, spaces, a lowercase x, a leading
    apostrophe and ``="..."`` are tolerated) or a number read from a spreadsheet:

    * an ``int`` is exact and accepted (openpyxl returns an int when the file holds all
      digits);
    * a ``float`` of 16 or more digits (e.g. ``4.30922199001011e+17``) has lost digits:
      a double keeps only 15 significant digits, so the number is rejected as
      unrecoverable; text in scientific notation (``4.30922E+17``, a CSV saved by Excel)
      likewise;
    * a 15-digit number (an old GB 11643-1989 number fits in a float exactly) is accepted.

    15-digit numbers are converted to 18 characters (see :func:`convert_15_to_18`).

    Raises :class:`IdNumberError` with a one-line reason: bad length, a non-digit,
    a bad check digit (expected vs found), an impossible birth date, a birth after
    ``as_of``, an age over :data:`MAX_AGE`, an unknown province code.
    """
    if isinstance(as_of, datetime.datetime):
        as_of = as_of.date()
    from_number = False
    if text is None:
        raise IdNumberError("empty ID number", "身份证号为空")
    if isinstance(text, bool):
        raise IdNumberError("not an ID number (a true/false cell)", "不是身份证号（单元格为逻辑值“是/否”）")
    if isinstance(text, numbers.Real):
        digits = _from_number(text)
        from_number = True
    elif isinstance(text, str):
        digits = _normalise_text(text)
    else:
        digits = _normalise_text(str(text))
    if not digits:
        raise IdNumberError("empty ID number", "身份证号为空")
    if _SCIENTIFIC.match(digits):
        raise IdNumberError(
            "ID written in scientific notation (like 4.3E+17): the column was numeric in a "
            "spreadsheet, which keeps only 15 significant digits, so the last digits are lost "
            "(format the ID column as text and re-export)",
            "身份证号为科学计数法（如 4.3E+17）：该列在电子表格中为数字格式，只保留15位有效数字，"
            "末几位已丢失（请将身份证号列设为文本格式后重新导出）")
    decimal = _DECIMAL_ZERO.match(digits)
    if decimal:
        digits = decimal.group(1)
        from_number = True

    for position, char in enumerate(digits, start=1):
        is_final_x = char == "X" and position == len(digits) == 18
        if not ("0" <= char <= "9" or is_final_x):
            shown = char if char.isprintable() else repr(char)
            raise IdNumberError(f"non-digit character {shown!r} at position {position}",
                                f"第{position}位是非数字字符 {shown!r}")
    if len(digits) not in (15, 18):
        raise IdNumberError(
            f"bad length: {len(digits)} characters (an ID number has 18, or 15 for an old number)",
            f"位数错误：{len(digits)}位（身份证号应为18位，旧号码为15位）")

    converted = len(digits) == 15
    if converted:
        number = convert_15_to_18(digits)
    else:
        number = digits
        expected = check_digit(number[:17])
        if number[17] != expected:
            hint = ("; the ID was stored as a number, so a spreadsheet may have dropped its last "
                    "digits" if from_number else "")
            hint_zh = "；该身份证号以数字格式保存，电子表格可能丢失了末几位" if from_number else ""
            raise IdNumberError(
                f"bad check digit: expected {expected}, found {number[17]} "
                f"(a digit was mistyped or the number is made up){hint}",
                f"校验码错误：应为 {expected}，实为 {number[17]}（有数字录入错误或号码为编造）{hint_zh}")

    foreigner = number[0] == "9" and number[1:3] in _PROVINCES
    if number[:2] not in _PROVINCES and not foreigner:
        raise IdNumberError(f"unknown province code {number[:2]} in the first two digits",
                            f"前两位省级代码 {number[:2]} 不存在")
    birth = _birth_date(number[6:14])
    if birth > as_of:
        raise IdNumberError(f"birth date after the as-of date {as_of.isoformat()}",
                            f"出生日期晚于年龄计算基准日 {as_of.isoformat()}")
    age = age_on(birth, as_of)
    if age > MAX_AGE:
        raise IdNumberError(f"implausible age {age} (over {MAX_AGE}) on {as_of.isoformat()}",
                            f"年龄 {age} 岁不合理（超过 {MAX_AGE} 岁，按 {as_of.isoformat()} 计算）")
    sex: Literal["F", "M"] = "M" if int(number[16]) % 2 else "F"
    return IdInfo(number=number, birth_date=birth, sex=sex, region=number[:6], age=age,
                  as_of=as_of, converted_from_15=converted)


def _birth_date(yyyymmdd: str) -> datetime.date:
    """Birth date from the 8 date digits; the reason names the bad part, not the date."""
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])
    if not 1 <= month <= 12:
        raise IdNumberError(f"impossible birth date: month {month:02d}",
                            f"出生日期不存在：月份为 {month:02d}")
    if year < 1:
        raise IdNumberError("impossible birth date: year 0000", "出生日期不存在：年份为 0000")
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise IdNumberError(
            f"impossible birth date: day {day:02d} does not exist in month {month:02d}"
            + (" of that year" if month == 2 and day == 29 else ""),
            ("出生日期不存在：" + ("该年" if month == 2 and day == 29 else "")
             + f"{month}月没有{day}日")) from None
