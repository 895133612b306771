"""Finance display formats for reports: yuan, 万元, persons and percentages.

Money arrives as integer fen (1 yuan = 100 fen) and is formatted with integer arithmetic,
so no float ever rounds a figure. Rounding, where a format drops digits, is half away from
zero (四舍五入), the convention of Chinese finance statements.
"""
from __future__ import annotations

import math
import numbers
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

FEN_PER_YUAN = 100
FEN_PER_WAN_YUAN = 1_000_000


def _as_int(value: object, what: str) -> int:
    """An exact Python int from an int-like value; floats and bools are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be an integer, got {type(value).__name__} {value!r}")
    return int(value)


def _grouped(units: int, decimals: int) -> str:
    """Format ``units`` of 10**-decimals with thousands separators: 123456, 2 -> '1,234.56'."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10 ** decimals)
    text = f"{whole:,}"
    if decimals:
        text += f".{frac:0{decimals}d}"
    return sign + text


def _round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, exactly (denominator > 0)."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return -quotient if numerator < 0 else quotient


def yuan(fen: int) -> str:
    """Yuan with two decimals and thousands separators: ``yuan(123456789) == '1,234,567.89'``."""
    return _grouped(_as_int(fen, "fen"), 2)


def wan_yuan(fen: int, *, unit: str | None = "万元") -> str:
    """万元 (10,000 yuan) with two decimals: ``wan_yuan(1234567890) == '1,234.57 万元'``.

    Pass ``unit=None`` for the bare number, or an English unit such as ``"10k yuan"``.
    """
    hundredths = _round_div(_as_int(fen, "fen"), FEN_PER_WAN_YUAN // 100)
    text = _grouped(hundredths, 2)
    return f"{text} {unit}" if unit else text


def persons(n: int) -> str:
    """A head count with thousands separators: ``persons(12345) == '12,345'``."""
    return _grouped(_as_int(n, "persons"), 0)


def percent(part: int | float | Decimal | Fraction, whole: int | None = None, *,
            decimals: int = 2) -> str:
    """A percentage with ``decimals`` places: ``percent(0.95) == '95.00%'``.

    With ``whole`` the share is the exact ratio ``part / whole`` of two integers (say fen of
    fen, or persons of persons): ``percent(1, 3) == '33.33%'``. A float is read by its
    shortest decimal repr, so ``percent(0.955) == '95.50%'``, not binary-rounded '95.49%'.
    """
    if whole is not None:
        ratio = Fraction(_as_int(part, "part"), _as_int(whole, "whole"))
    elif isinstance(part, bool):
        raise TypeError(f"percent needs a number, got bool {part!r}")
    elif isinstance(part, (numbers.Rational, Decimal)):
        ratio = Fraction(part)
    elif isinstance(part, numbers.Real):  # float and numpy floats
        number = float(part)
        if not math.isfinite(number):
            raise ValueError(f"percent needs a finite number, got {number}")
        ratio = Fraction(Decimal(repr(number)))
    else:
        raise TypeError(f"percent needs a number, got {type(part).__name__} {part!r}")
    scaled = ratio * 100 * 10 ** decimals
    units = _round_div(scaled.numerator, scaled.denominator)
    return _grouped(units, decimals) + "%"


def yuan_decimal(fen: int) -> Decimal:
    """Exact yuan as a Decimal with two places (for JSON and tables): 12345 -> Decimal('123.45')."""
    return (Decimal(_as_int(fen, "fen")) / FEN_PER_YUAN).quantize(Decimal("0.01"),
                                                                   rounding=ROUND_HALF_UP)
