"""Numbers as people write them: decimal digits only, read from the text, never through float.

Used for scenario amounts and percentages, ``--set`` and ``--set-file`` values, sweep values
and whole-number fields (ages, sizes). The rules (issue 10, item 3):

* decimal always: ``0400`` is 400, never octal 256; ``0x10`` and ``1e3`` are not numbers here;
* ``1:10`` (YAML 1.1 base 60, or a time) is refused, never read as 70;
* full-width digits, point and signs (``４００``, ``３８０．５``) are read as their ASCII forms;
  every other non-ASCII digit (``①``, ``²``, Arabic-Indic ``٤``) is refused;
* thousands separators (``10,000``, ``1_000``, ``１０，０００``) are refused: a comma is also a
  decimal point in some locales and a list separator on the command line, so guessing could
  silently change an amount by a factor of 1,000;
* at most :data:`MAX_DIGITS` digits, so a 5,000-digit value is one line, not a crash.

Money limits live here too (:data:`MAX_YUAN`, :data:`MAX_PERSONS`): with them every product
of a count and an amount in fen, summed over a whole population, fits in a 64-bit integer.
"""

from __future__ import annotations

import re
from decimal import Decimal

#: Most digits a number may have (a fen amount of a whole province has about 13).
MAX_DIGITS = 30
#: Largest amount in yuan any single scenario amount may be (per person, per award, per rate).
MAX_YUAN = 1_000_000
#: Largest population (persons) a run may have; also the ``--size`` limit.
MAX_PERSONS = 2_000_000_000
#: The reason quoted when an amount or a count is above its limit.
LIMITS_TEXT = (
    f"amounts are limited to {MAX_YUAN:,} yuan and populations to {MAX_PERSONS:,} persons, "
    "so that every total stays exact in 64-bit integers"
)

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋，＿", "0123456789.-+,_")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:[,_][0-9]{3})+(?:\.[0-9]+)?|[+-]?[0-9]+(?:_[0-9]+)+(?:\.[0-9]+)?", re.ASCII)
_BASE60 = re.compile(r"[+-]?[0-9]+(?::[0-9]+)+(?:\.[0-9]*)?", re.ASCII)


def shorten(text: str, limit: int = 40) -> str:
    """``text`` for an error message: a 5,000-digit value is shown by its head and length."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:12]}…({len(text):,} characters)"


def ascii_digits(text: str) -> str:
    """``text`` stripped, with full-width digits, point, signs and separators made ASCII."""
    return str(text).strip().translate(_FULL_WIDTH)


def decimal_from_text(text: str, what: str = "a number") -> Decimal:
    """The exact Decimal of a number written in decimal digits; ValueError with a reason otherwise.

    >>> decimal_from_text("0400"), decimal_from_text("３８０．５")
    (Decimal('400'), Decimal('380.5'))
    """
    t = ascii_digits(text)
    digits = sum(c.isdigit() for c in t)
    if digits > MAX_DIGITS:
        raise ValueError(f"{what} has {digits:,} digits (at most {MAX_DIGITS}): {shorten(text)!r}")
    if _DECIMAL.fullmatch(t):
        return Decimal(t)
    if t.lower().lstrip("+-.") in ("nan", "inf", "infinity"):
        raise ValueError(f"expected a finite {what.removeprefix('an ').removeprefix('a ')}, got {t!r}")
    if _GROUPED.fullmatch(t):
        plain = t.replace(",", "").replace("_", "")
        raise ValueError(f"thousands separators are not accepted in {what}: write {plain}, not {text.strip()}")
    if _BASE60.fullmatch(t):
        raise ValueError(
            f"{shorten(text.strip())!r} is not {what}: values with ':' (times, base 60) are not read; "
            "write the number in decimal digits"
        )
    if any(c.isdigit() or c.isnumeric() for c in t if not c.isascii()):
        raise ValueError(f"expected {what} written with the digits 0-9, got {shorten(text.strip())!r}")
    raise ValueError(f"expected {what}, got {shorten(text.strip())!r}")


def whole_from_text(text: str, what: str = "a whole number") -> int:
    """A whole number written in decimal digits (ASCII or full-width), at most MAX_DIGITS long."""
    t = ascii_digits(text)
    digits = sum(c.isdigit() for c in t)
    if digits > MAX_DIGITS:
        raise ValueError(f"{what} has {digits:,} digits (at most {MAX_DIGITS}): {shorten(text)!r}")
    if not _WHOLE.fullmatch(t):
        if any(c.isdigit() or c.isnumeric() for c in t if not c.isascii()):
            raise ValueError(f"expected {what} written with the digits 0-9, got {shorten(text.strip())!r}")
        raise ValueError(f"expected {what}, got {shorten(text.strip())!r}")
    return int(t)
