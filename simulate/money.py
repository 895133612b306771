"""The one home for money: integer fen, the percent rounding rule, largest remainder, display.

Money is integer fen (1 yuan = 100 fen) until it is displayed, and is formatted with integer
arithmetic, so no float ever rounds a figure. Rounding, where a format drops digits, is half
away from zero (四舍五入), the convention of Chinese finance statements (DESIGN.md "Money").
"""

from __future__ import annotations

import math
import numbers
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np

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
    whole, frac = divmod(abs(units), 10**decimals)
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


def percent(part: int | float | Decimal | Fraction, whole: int | None = None, *, decimals: int = 2) -> str:
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
    scaled = ratio * 100 * 10**decimals
    units = _round_div(scaled.numerator, scaled.denominator)
    return _grouped(units, decimals) + "%"


def yuan_decimal(fen: int) -> Decimal:
    """Exact yuan as a Decimal with two places (for JSON and tables): 12345 -> Decimal('123.45')."""
    return (Decimal(_as_int(fen, "fen")) / FEN_PER_YUAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def to_fen(value: Decimal | int | str) -> int:
    """Integer fen of a yuan amount given as Decimal, int or decimal text (exact, max 2 places)."""
    amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"{value!r} yuan is not a whole number of fen")
    return int(fen)


def percent_of(fen: int, percent: Decimal) -> int:
    """``percent`` of ``fen``, rounded half up to the fen, once (the one rounding rule we use).

    ``percent`` has at most two decimal places (hundredths of a percent), as the schema allows.
    """
    num = fen * int(percent * 100)
    return (num + 5000) // 10000


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Non-negative integers proportional to ``weights`` that add up exactly to ``total``.

    Each share is floored, then the leftover units go to the largest remainders, ties to the
    earlier position. Integer weights are divided exactly; float weights (population shares)
    in float64. All-zero weights share evenly.
    """
    w = np.asarray(weights)
    if w.dtype.kind in "iub":
        w = w.astype(object)
        whole = int(w.sum())
        if whole <= 0:
            w, whole = np.ones(len(w), dtype=object), len(w)
        basis = [total * int(x) for x in w]
        base = np.array([b // whole for b in basis], dtype=np.int64)
        order = sorted(range(len(basis)), key=lambda i: (-(basis[i] % whole), i))
    else:
        w = w.astype(np.float64)
        if w.sum() <= 0:
            w = np.ones_like(w)
        raw = w / w.sum() * total
        base = np.floor(raw).astype(np.int64)
        order = list(np.argsort(-(raw - base), kind="stable"))
    short = total - int(base.sum())
    base[order[:short]] += 1
    return base


def yuan_text(fen: int) -> str:
    """Yuan with thousands separators, fen shown only when not whole: 150000 -> '1,500'."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(int(fen)), FEN_PER_YUAN)
    return f"{sign}{whole:,}" + (f".{part:02d}" if part else "")


def yuan_number(fen: int) -> int | float:
    """Fen as a JSON number of yuan with at most two decimals (exact for any int fen)."""
    fen = int(fen)
    return fen // 100 if fen % 100 == 0 else round(fen / 100, 2)


def yuan_float(fen: int | np.integer) -> float:
    """Fen as a float of yuan, for data frames people read (display only, never summed back)."""
    return int(fen) / FEN_PER_YUAN


def amount(value: float | int, decimals: int = 2, *, sign: bool = False) -> str:
    """A yuan figure already in a table (float yuan), with thousands separators.

    ``amount(1234567.891) == '1,234,567.89'``, ``amount(1234.5, 0) == '1,234'``,
    ``amount(-3.0, sign=True) == '-3.00'``. For display only: tables and charts hold float
    yuan (``yuan_float``); exact fen go through :func:`yuan` instead.
    """
    return f"{value:{'+' if sign else ''},.{decimals}f}"
