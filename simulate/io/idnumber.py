"""Resident ID numbers (居民身份号码): validation, age and sex, masking one number.

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
Finding and masking numbers inside free text is :mod:`simulate.io.idmask`.
"""

from __future__ import annotations

import datetime
import math
import numbers
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "MAX_AGE",
    "PROVINCE_CODES",
    "SEPARATORS",
    "SEPARATOR_CHARS",
    "IdInfo",
    "IdNumberError",
    "age_on",
    "check_digit",
    "convert_15_to_18",
    "mask_id",
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
PROVINCE_CODES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    }
)

#: A spreadsheet number (an IEEE double) keeps at most 15 significant decimal digits safely.
_MAX_NUMERIC_DIGITS = 15

_SCIENTIFIC = re.compile(r"^[0-9](?:\.[0-9]+)?E[+]?[0-9]+$")
_DECIMAL_ZERO = re.compile(r"^([0-9]+)\.0+$")
_FORMULA_TEXT = re.compile(r'^="(.*)"$')  # ="430922..." : a CSV trick to keep a number as text
_ID18 = re.compile(r"^[0-9]{17}[0-9X]$")
_ID15 = re.compile(r"^[0-9]{15}$")

#: Characters people put between digit groups of an ID number (after no NFKC: raw text).
SEPARATOR_CHARS = (
    " \t\u00a0\u1680\u2000-\u200d\u202f\u205f\u2060\u3000\ufeff\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d_\uff3f"
)
SEPARATORS = re.compile(f"[{SEPARATOR_CHARS}]+")


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
        return (
            f"IdInfo(masked={self.masked!r}, birth_date={self.birth_date!r}, "
            f"sex={self.sex!r}, region={self.region!r}, age={self.age}, "
            f"as_of={self.as_of!r}, converted_from_15={self.converted_from_15})"
        )

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


def mask_plain(number: str) -> str:
    """A well-formed 18-character number (``[0-9]{17}[0-9X]``, already normalised) as
    :func:`mask_id` shows it: first 6, 8 stars, last 4. For callers that checked a million
    numbers in bulk and need no normalising of each."""
    return number[:6] + "********" + number[14:]


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
    text = SEPARATORS.sub("", unicodedata.normalize("NFKC", str(number)).strip())
    if _ID18.match(text.upper()):
        return mask_plain(text.upper())
    if len(text) >= 9:
        return text[:3] + "*" * min(len(text) - 5, 13) + text[-2:]
    return "*" * len(text)


def _normalise_text(text: str) -> str:
    """Full-width digits and letters to ASCII, no whitespace, hyphens or other group
    separators (520624-19500412-031X), no quote markers, uppercase."""
    text = unicodedata.normalize("NFKC", text)
    text = SEPARATORS.sub("", "".join(text.split()))
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
        raise IdNumberError(
            "not an ID number (numeric cell that is not a whole positive number)",
            "不是身份证号（数值单元格不是正整数）",
        )
    if not as_float.is_integer():
        raise IdNumberError("not an ID number (numeric cell with a fraction)", "不是身份证号（数值单元格带小数）")
    if as_float >= 10**_MAX_NUMERIC_DIGITS:
        raise IdNumberError(
            "ID stored as a number: a spreadsheet number keeps only 15 significant digits, "
            "so the last digits of this 18-digit ID are lost and cannot be recovered "
            "(format the ID column as text and re-enter the numbers)",
            "身份证号以数字格式保存：电子表格的数字只保留15位有效数字，这个18位身份证号的末几位"
            "已丢失，无法恢复（请将身份证号列设为文本格式后重新录入）",
        )
    return str(int(as_float))


def _digits_of(text: object) -> tuple[str, bool]:
    """The ID characters of a cell (normalised text, or the digits of a number) and whether
    they came from a spreadsheet number; IdNumberError for an empty or unusable cell."""
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
            "末几位已丢失（请将身份证号列设为文本格式后重新导出）",
        )
    decimal = _DECIMAL_ZERO.match(digits)
    if decimal:
        digits = decimal.group(1)
        from_number = True
    return digits, from_number


def _to_18(digits: str, from_number: bool) -> tuple[str, bool]:
    """The 18-character number (a 15-digit one converted) and whether it was converted;
    IdNumberError for a non-digit, a bad length or a bad check digit."""
    for position, char in enumerate(digits, start=1):
        is_final_x = char == "X" and position == len(digits) == 18
        if not ("0" <= char <= "9" or is_final_x):
            shown = char if char.isprintable() else repr(char)
            raise IdNumberError(
                f"non-digit character {shown!r} at position {position}", f"第{position}位是非数字字符 {shown!r}"
            )
    if len(digits) not in (15, 18):
        raise IdNumberError(
            f"bad length: {len(digits)} characters (an ID number has 18, or 15 for an old number)",
            f"位数错误：{len(digits)}位（身份证号应为18位，旧号码为15位）",
        )

    converted = len(digits) == 15
    if converted:
        number = convert_15_to_18(digits)
    else:
        number = digits
        expected = check_digit(number[:17])
        if number[17] != expected:
            hint = (
                "; the ID was stored as a number, so a spreadsheet may have dropped its last digits"
                if from_number
                else ""
            )
            hint_zh = "；该身份证号以数字格式保存，电子表格可能丢失了末几位" if from_number else ""
            raise IdNumberError(
                f"bad check digit: expected {expected}, found {number[17]} "
                f"(a digit was mistyped or the number is made up){hint}",
                f"校验码错误：应为 {expected}，实为 {number[17]}（有数字录入错误或号码为编造）{hint_zh}",
            )
    return number, converted


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
    digits, from_number = _digits_of(text)
    number, converted = _to_18(digits, from_number)

    foreigner = number[0] == "9" and number[1:3] in PROVINCE_CODES
    if number[:2] not in PROVINCE_CODES and not foreigner:
        raise IdNumberError(
            f"unknown province code {number[:2]} in the first two digits", f"前两位省级代码 {number[:2]} 不存在"
        )
    birth = _birth_date(number[6:14])
    if birth > as_of:
        raise IdNumberError(
            f"birth date after the as-of date {as_of.isoformat()}", f"出生日期晚于年龄计算基准日 {as_of.isoformat()}"
        )
    age = age_on(birth, as_of)
    if age > MAX_AGE:
        raise IdNumberError(
            f"implausible age {age} (over {MAX_AGE}) on {as_of.isoformat()}",
            f"年龄 {age} 岁不合理（超过 {MAX_AGE} 岁，按 {as_of.isoformat()} 计算）",
        )
    sex: Literal["F", "M"] = "M" if int(number[16]) % 2 else "F"
    return IdInfo(
        number=number, birth_date=birth, sex=sex, region=number[:6], age=age, as_of=as_of, converted_from_15=converted
    )


def _birth_date(yyyymmdd: str) -> datetime.date:
    """Birth date from the 8 date digits; the reason names the bad part, not the date."""
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])
    if not 1 <= month <= 12:
        raise IdNumberError(f"impossible birth date: month {month:02d}", f"出生日期不存在：月份为 {month:02d}")
    if year < 1:
        raise IdNumberError("impossible birth date: year 0000", "出生日期不存在：年份为 0000")
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise IdNumberError(
            f"impossible birth date: day {day:02d} does not exist in month {month:02d}"
            + (" of that year" if month == 2 and day == 29 else ""),
            ("出生日期不存在：" + ("该年" if month == 2 and day == 29 else "") + f"{month}月没有{day}日"),
        ) from None
