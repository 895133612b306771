"""What every table of a roster bill shares: its column labels (labels.yaml) and the masking
of ID-like numbers in every sheet but a payment list's ID column."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import labels
from ..io.idmask import mask_ids_in_text

README_NAME = "README.txt"


def bill_column(key: str, lang: str) -> str:
    """The label of a bill column ``key`` (``bill`` section of labels.yaml) in ``lang``."""
    return labels.text("bill", key, lang)


def bill_word(key: str, lang: str) -> str:
    """A word or sentence of the bill (``roster`` section of labels.yaml) in ``lang``."""
    return labels.text("roster", key, lang)


def masked_frame(frame: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of a sheet with every ID-like number in its headers and text cells masked
    (and any whole number of 14 or more digits, which can only be an ID read as a number);
    the columns in ``keep`` (a payment list's ID column) are left as they are."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if column in keep or values.dtype.kind not in "iuO":  # floats are money, not IDs
            continue
        if values.dtype.kind == "O" or (values.abs() >= 10**13).any():
            out[column] = _masked_column(values)
    return out.rename(
        columns={c: mask_ids_in_text(str(c)) for c in out.columns if c not in keep and isinstance(c, str)}
    )


#: Fewer digits than this (of any script) cannot hold an ID number, not even a 15-digit one.
_MIN_ID_DIGITS = 15


def _masked_column(values: pd.Series) -> list[Any]:
    """``masked_cell`` of every value; a text cell with fewer than 15 digits is kept as it is
    without the full scan (a million names and villages cost one regex count each)."""
    if values.dtype.kind != "O" or len(values) < 1000:
        return [masked_cell(v) for v in values]
    texts = values.map(lambda v: v if isinstance(v, str) else "")
    few = (texts.str.count(r"\d") < _MIN_ID_DIGITS).to_numpy()
    return [v if short and isinstance(v, str) else masked_cell(v) for v, short in zip(values, few)]


def masked_cell(value: Any) -> Any:
    if isinstance(value, str):
        return mask_ids_in_text(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and abs(int(value)) >= 10**13:
        return mask_ids_in_text(str(value))
    return value


def nonempty(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    if len(frame.columns) == 0:
        return pd.DataFrame({bill_word("note_column", lang): [bill_word("none", lang)]})
    return frame
