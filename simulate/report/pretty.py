"""Tables for people reading a notebook: 元 with thousands separators, shares as percentages,
head counts grouped, changes signed (issue 13 item 5), all through :mod:`simulate.money`.

A frame from ``Outlay.by_source``/``by_tier`` or ``Comparison.by_source`` holds yuan as float
(exact to the fen); each is turned back into integer fen once, then formatted exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import money
from ..vocabulary import SOURCE_IDS, label
from .safehtml import style

#: Id columns a reader does not need (the readable name stands beside each).
HIDDEN = ("source", "tier", "reform", "key", "total", "village", "group", "level")
_SHARE_WORDS = ("占比", "比例", "率", "share", "participation")
_CHANGE_WORDS = ("变化", "增减", "change")
_MONEY_NAMES = {label(s, lang) for s in (*SOURCE_IDS, "fiscal_subsidy") for lang in ("zh", "en")}


def _signed(text: str, negative: bool, change: bool) -> str:
    return text if not change or negative or text.lstrip("0.,%") == "" else "+" + text


def formatter(column: Any, kind: str) -> Callable[[Any], str] | None:
    """How one column is shown, from its header and dtype (None: as it is)."""
    name = str(column)
    change = any(w in name for w in _CHANGE_WORDS)
    if kind == "f" and ("元" in name or "yuan" in name or name in _MONEY_NAMES):
        return lambda v: _signed(money.yuan(round(v * 100)), v < 0, change)
    if kind == "f" and "%" in name:  # already in percent units
        return lambda v: "—" if math.isnan(v) else _signed(money.percent(v / 100), v < 0, change)
    if kind == "f" and any(w in name for w in _SHARE_WORDS):
        return lambda v: "—" if math.isnan(v) else money.percent(v)
    if kind in "iu":
        return lambda v: _signed(money.persons(int(v)), v < 0, change)
    return None


def pretty(frame: Any, *, hide: tuple[str, ...] = HIDDEN):
    """A styled, escaped copy of ``frame`` for display: ids hidden, numbers formatted."""
    shown = frame.drop(columns=[c for c in frame.columns if c in hide]).reset_index(drop=True)
    formats = {}
    for c in shown.columns:
        f = formatter(c, shown[c].dtype.kind)
        if f is not None:
            formats[c] = f
    numeric = [c for c in shown.columns if c in formats]
    return (
        style(shown, formats, na_rep="—").hide(axis="index").set_properties(subset=numeric, **{"text-align": "right"})
    )
