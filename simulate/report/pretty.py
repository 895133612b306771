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
from ..vocabulary import CANONICAL, Vocabulary
from .safehtml import style

#: Id columns a reader does not need (the readable name stands beside each).
HIDDEN = ("source", "tier", "reform", "key", "total", "village", "group", "level")
_SHARE_WORDS = ("占比", "比例", "率", "share", "participation")
_CHANGE_WORDS = ("变化", "增减", "change")


def money_names(vocab: Vocabulary = CANONICAL) -> frozenset[str]:
    """Headings that are amounts in yuan though they do not say 元: every source's name (the
    scenario's local payers too, issue 15 item 1) and the fiscal subsidy's, zh and en."""
    return frozenset(vocab.label(s, lang) for s in (*vocab.source_ids, "fiscal_subsidy") for lang in ("zh", "en"))


_MONEY_NAMES = money_names()


def _signed(text: str, negative: bool, change: bool) -> str:
    return text if not change or negative or text.lstrip("0.,%") == "" else "+" + text


def formatter(column: Any, kind: str, names: frozenset[str] = _MONEY_NAMES) -> Callable[[Any], str] | None:
    """How one column is shown, from its header and dtype (None: as it is); ``names`` are the
    headings that are money (:func:`money_names`)."""
    name = str(column)
    change = any(w in name for w in _CHANGE_WORDS)
    if kind == "f" and ("元" in name or "yuan" in name or name in names):
        return lambda v: _signed(money.yuan(round(v * 100)), v < 0, change)
    if kind == "f" and "%" in name:  # already in percent units
        return lambda v: "—" if math.isnan(v) else _signed(money.percent(v / 100), v < 0, change)
    if kind == "f" and any(w in name for w in _SHARE_WORDS):
        return lambda v: "—" if math.isnan(v) else money.percent(v)
    if kind in "iu":
        return lambda v: _signed(money.persons(int(v)), v < 0, change)
    return None


def pretty(frame: Any, *, hide: tuple[str, ...] = HIDDEN, vocab: Vocabulary = CANONICAL):
    """A styled, escaped copy of ``frame`` for display: ids hidden, numbers formatted; ``vocab``
    (the scenario's, ``policy.vocab``) names its local payers, whose columns are money too."""
    shown = frame.drop(columns=[c for c in frame.columns if c in hide]).reset_index(drop=True)
    names = _MONEY_NAMES if vocab is CANONICAL else money_names(vocab)
    formats = {}
    for c in shown.columns:
        f = formatter(c, shown[c].dtype.kind, names)
        if f is not None:
            formats[c] = f
    numeric = [c for c in shown.columns if c in formats]
    return (
        style(shown, formats, na_rep="—").hide(axis="index").set_properties(subset=numeric, **{"text-align": "right"})
    )
