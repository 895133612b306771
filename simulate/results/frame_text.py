"""Plain-text tables for the terminal: money with thousands separators, shares as percent."""

from __future__ import annotations

from .. import labels
from ..money import amount


def frame_text(frame, lang: str = "zh") -> str:
    """Render a DataFrame for a terminal: floats as money (2 decimals) or percent (share columns)."""
    df = frame.copy()
    for c in df.columns:
        name = str(c)
        if df[c].dtype.kind == "f":
            if any(w in name for w in ("率", "占比", "比例", "share", "participation", "percent", "target", "目标")):
                df[c] = df[c].map(lambda x: f"{x:.2%}")
            else:
                df[c] = df[c].map(amount)
        elif df[c].dtype.kind in "iu":
            df[c] = df[c].map(lambda x: f"{x:,}")
        elif df[c].dtype == bool or df[c].dtype == object:
            df[c] = df[c].map(
                lambda x: (
                    labels.text("outlay_text", "answer_yes" if x else "answer_no", lang)
                    if isinstance(x, bool)
                    else ("" if x is None else x)
                )
            )
    import pandas as pd

    # Chinese characters take two columns in a terminal: align the columns for them
    with pd.option_context("display.unicode.east_asian_width", True):
        return df.to_string(index=False)
