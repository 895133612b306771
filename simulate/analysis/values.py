"""Typed parameter values of the analyses: numbers read with decimal rules, the fen grid,
sweep value lists and how a value is shown (DESIGN.md "analysis")."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from ..errors import SimulateError
from ..numtext import decimal_from_text


def number(value: Any, where: str = "value") -> int | Decimal:
    """A parameter value as the scenario would hold it: int if whole, else an exact Decimal.

    Text is read with decimal rules (``numtext.decimal_from_text``): no nan or inf, no
    base 60, no separators, at most 30 digits; full-width digits are fine."""
    if isinstance(value, bool):
        raise SimulateError(where, f"expected a number, got {value!r}")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    else:
        text = getattr(value, "text", None) or (repr(value) if isinstance(value, float) else str(value))
        if isinstance(value, float) and not math.isfinite(value):
            raise SimulateError(where, f"expected a finite number, got {value!r}")
        try:
            d = decimal_from_text(text, "a number")
        except ValueError as exc:
            raise SimulateError(where, str(exc)) from None
    if not d.is_finite():
        raise SimulateError(where, f"expected a finite number, got {value!r}")
    return int(d) if d == d.to_integral_value() else d


def check_fen_grid(d: Decimal, where: str, what: str) -> None:
    """Parameters are amounts (yuan) or percentages: no grid finer than 0.01 (a fen)."""
    if d * 100 != (d * 100).to_integral_value():
        raise SimulateError(
            where,
            f"{what} {d} is finer than a fen: amounts and percentages have at "
            f"most 2 decimals, so use a multiple of 0.01",
        )


def parse_values(values: str | None = None, range_: str | None = None) -> list[int | Decimal]:
    """Sweep values from ``"280,300,320"`` or an inclusive ``"280:450:10"`` range.

    >>> parse_values("280, 300,320")
    [280, 300, 320]
    >>> parse_values(range_="280:300:10")
    [280, 290, 300]
    >>> parse_values(range_="50:51:0.5")
    [50, Decimal('50.5'), 51]
    """
    if (values is None) == (range_ is None):
        raise SimulateError("--values/--range", "give exactly one of --values A,B,C or --range LO:HI:STEP")
    if values is not None:
        parts = [p for p in values.replace("，", ",").split(",") if p.strip()]
        if not parts:
            raise SimulateError("--values", "no values given")
        return [number(p, "--values") for p in parts]
    assert range_ is not None  # exactly one of the two is given (checked above)
    parts = range_.replace("：", ":").split(":")
    if len(parts) != 3:
        raise SimulateError("--range", f"expected LO:HI:STEP, e.g. 280:450:10, got {range_[:60]!r}")
    lo, hi, step = (Decimal(number(p, "--range")) for p in parts)
    if step <= 0:
        raise SimulateError("--range", f"STEP must be positive, got {step}")
    check_fen_grid(step, "--range", "STEP")
    check_fen_grid(lo, "--range", "LO")
    if hi < lo:
        raise SimulateError("--range", f"HI {hi} is below LO {lo}")
    n = int((hi - lo) / step) + 1
    if n > 1000:
        raise SimulateError("--range", f"{n:,} values is too many for one table (at most 1,000)")
    return [number(lo + k * step) for k in range(n)]


def value_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def json_value(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v
