"""Plain-text tables for the terminal: money with thousands separators, shares as percent.

Two entries, one cell format: :func:`frame_text` for a DataFrame (commands that have frames),
:func:`rows_text` for the rows a frame is built from (``simulate run``, which so never imports
pandas); both print what ``DataFrame.to_string(index=False)`` prints with East Asian widths.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from typing import Any
from unicodedata import east_asian_width

import numpy as np

from .. import labels
from ..money import amount

#: Float columns shown as percent, not money, when their heading holds one of these words.
SHARE_WORDS = ("率", "占比", "比例", "share", "participation", "percent", "target", "目标")
_WIDE = ("W", "F")  # two terminal columns; ambiguous counts as one (pandas' default)
_ESCAPES = {"\t": r"\t", "\n": r"\n", "\r": r"\r"}  # as pandas escapes them in a cell


def cell_text(value: Any, kind: str, heading: str, lang: str = "zh") -> Any:
    """One cell as the terminal shows it; ``kind``: ``f`` float, ``i`` integer, ``O`` other
    (yes/no for a bool, blank for None), anything else (text) unchanged."""
    if kind == "f":
        return f"{value:.2%}" if any(w in heading for w in SHARE_WORDS) else amount(value)
    if kind in "iu":
        return f"{value:,}"
    if kind in "bO":
        if isinstance(value, bool):
            return labels.text("outlay_text", "answer_yes" if value else "answer_no", lang)
        return "" if value is None else value
    return value


def frame_text(frame, lang: str = "zh") -> str:
    """Render a DataFrame for a terminal: floats as money (2 decimals) or percent (share columns)."""
    df = frame.copy()
    for c in df.columns:
        kind = df[c].dtype.kind
        if kind in "fiu" or df[c].dtype == bool or df[c].dtype == object:
            df[c] = df[c].map(lambda x, k=kind, h=str(c): cell_text(x, "O" if k == "b" else k, h, lang))
    import pandas as pd

    # Chinese characters take two columns in a terminal: align the columns for them
    with pd.option_context("display.unicode.east_asian_width", True):
        return df.to_string(index=False)


def column_kind(values: Sequence[Any]) -> str:
    """The dtype kind pandas infers for a column of Python values: ``b``, ``i``, ``f``, ``s``
    (all text) or ``O`` (mixed, or holding None)."""
    if all(isinstance(v, (bool, np.bool_)) for v in values):
        return "b"
    if any(isinstance(v, (bool, np.bool_)) or v is None for v in values):
        return "O"
    if all(isinstance(v, Integral) for v in values):
        return "i"
    if all(isinstance(v, Real) for v in values):
        return "f"
    return "s" if all(isinstance(v, str) for v in values) else "O"


def width(text: str) -> int:
    """Terminal columns of ``text``: two for a wide (CJK) character."""
    return sum(2 if east_asian_width(c) in _WIDE else 1 for c in text)


def rows_text(rows: Sequence[dict[str, Any]], lang: str = "zh", drop: Iterable[str] = ()) -> str:
    """The text :func:`frame_text` prints for ``pandas.DataFrame(rows)``, without pandas: each
    column right-aligned to its widest cell or heading, one space between columns."""
    skip = set(drop)
    headings = [k for k in dict.fromkeys(k for row in rows for k in row) if k not in skip]
    columns = []
    for h in headings:
        values = [row.get(h) for row in rows]
        kind = column_kind(values)
        cells = [_escaped(str(cell_text(v, "O" if kind == "b" else kind, h, lang))) for v in values]
        head = _escaped(str(h))
        w = max(width(x) for x in [head, *cells])
        columns.append([" " * (w - width(x)) + x for x in [head, *cells]])
    return "\n".join(" ".join(line) for line in zip(*columns, strict=True))


def _escaped(text: str) -> str:
    for c, r in _ESCAPES.items():
        text = text.replace(c, r)
    return text
