"""Value types of a scenario file: yuan to integer fen, percent, identity and source ids.

Money is written in yuan in the file and held as integer fen (1 yuan = 100 fen); a number is
read from its decimal text, never through a float (DESIGN.md "Money").
"""

from __future__ import annotations

import difflib
import math
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator

from ..numtext import LIMITS_TEXT, MAX_DIGITS, MAX_YUAN, decimal_from_text, shorten
from ..vocabulary import ACTIVE as ACTIVE_VOCABULARY
from ..vocabulary import IdentityNameError, identity_by_name

# ----------------------------------------------------------------------------- value types


def number_text(value: Any, what: str) -> Decimal:
    """The exact Decimal of a number as written: text from the file or command line (kept by
    ``safeyaml.YamlFloat`` for YAML floats), never through a float's rounding (issue 10, item 3)."""
    if isinstance(value, bool) or value is None or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(
            f"expected {what}, got {value!r}"
            if isinstance(value, (bool, type(None)))
            else f"expected {what}, got {type(value).__name__}"
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite {what.removeprefix('an ').removeprefix('a ')}, got {value!r}")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        if value.bit_length() > 100:  # str() of a 5,000-digit int raises; no amount is this long
            raise ValueError(f"{what} has more than {MAX_DIGITS} digits")
        d = Decimal(value)
    elif isinstance(value, float):
        text = getattr(value, "text", None)
        d = decimal_from_text(text, what) if text is not None else Decimal(repr(value))
    else:
        d = decimal_from_text(value, what)
    if not d.is_finite():
        raise ValueError(f"expected a finite {what.removeprefix('an ').removeprefix('a ')}, got {value!r}")
    return d


def written_text(value: Any) -> str:
    """A value as the user wrote it, for messages."""
    return shorten(getattr(value, "text", None) or str(value))


def fen_from_yuan(value: Any) -> int:
    """Yuan as written in a file (int, float or string, at most 2 decimals) to integer fen.

    Amounts above ``numtext.MAX_YUAN`` are refused so that no total can wrap (issue 10, item 5)."""
    d = number_text(value, "an amount in yuan")
    if d < 0:
        raise ValueError(f"amount must not be negative (got {written_text(value)})")
    fen = d * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"amount has more than 2 decimals (got {written_text(value)})")
    if d > MAX_YUAN:
        raise ValueError(f"amount {written_text(value)} yuan is above the limit of {MAX_YUAN:,} yuan ({LIMITS_TEXT})")
    return int(fen)


def percent_from_text(value: Any) -> Decimal:
    """A percentage 0–100 with at most 2 decimals, held exactly."""
    if isinstance(value, str):
        value = value.strip().removesuffix("%").removesuffix("％")
    d = number_text(value, "a percentage between 0 and 100")
    if d < 0 or d > 100:
        raise ValueError(f"percent must be between 0 and 100 (got {written_text(value)})")
    if d * 100 != (d * 100).to_integral_value():
        raise ValueError(f"percent has more than 2 decimals (got {written_text(value)})")
    return d


def identity_id(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected an identity id, got {value!r}")
    known = ACTIVE_VOCABULARY.get().identities
    if value not in known:
        hint = difflib.get_close_matches(value, known, n=1)
        more = f" (did you mean {hint[0]}?)" if hint else ""
        raise ValueError(f"unknown identity {value!r}{more}")
    return value


def source_id(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a funding source id, got {value!r}")
    known = ACTIVE_VOCABULARY.get().sources
    if value not in known or value == "individual":
        hint = difflib.get_close_matches(value, [s for s in known if s != "individual"], n=1)
        more = f" (did you mean {hint[0]}?)" if hint else ""
        raise ValueError(f"unknown funding source {value!r}{more}")
    return value


def identity_from_name(value: Any) -> Any:
    """An identity written by its Chinese name (``identity: 特困人员``) as its id; runs before
    :func:`identity_id`. A name that is unknown or ambiguous is refused with the nearest names."""
    if not isinstance(value, str) or value.isascii():
        return value  # an id (or a typo identity_id names)
    try:
        return identity_by_name(value)
    except IdentityNameError as exc:
        raise ValueError(str(exc)) from None


Fen = Annotated[int, BeforeValidator(fen_from_yuan)]
Percent = Annotated[Decimal, BeforeValidator(percent_from_text)]
IdentityId = Annotated[str, BeforeValidator(identity_id), BeforeValidator(identity_from_name)]
SourceId = Annotated[str, BeforeValidator(source_id)]


class PathError(ValueError):
    """A cross-field check that knows which field is wrong."""

    def __init__(self, loc: tuple[Any, ...], msg: str) -> None:
        super().__init__(msg)
        self.loc = loc


# ----------------------------------------------------------------------------- loading


def _section_text(value: Any) -> Any:
    """A section written as a bare whole number (notices number their items 1、2、3) is that
    number's text. A decimal such as 1.10 stays refused: YAML would have dropped its last zero."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


#: The section of a document a figure comes from, as written there ("二(一)", "3", "六(一)").
Section = Annotated[str, BeforeValidator(_section_text)]
