"""Column helpers the roster's reading and its bill share: object arrays built without numpy
guessing a shape, a str-only check, and integer keys numbered by first appearance (each done
in C over a million rows, issue 16 item 4)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def only_str(items: list[Any]) -> bool:
    """Every item a str (not a subclass), checked in C: ``set(map(type, items))``."""
    return set(map(type, items)) <= {str}


def objects(items: list[Any]) -> np.ndarray:
    """``items`` as a one-dimensional object array, one element per item (a tuple or bytes
    stays whole, where ``np.array`` would make rows or a bytes dtype): to gather by codes in C."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def numbered(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (int64) of integer ``keys`` numbered in order of first appearance, and the row of
    the first key of each code: a hash in C (pandas) where ``np.unique`` would sort a million
    keys; the numbering is only ever used to look things up by code."""
    codes = pd.factorize(keys)[0].astype(np.int64)
    if not len(codes):
        return codes, np.zeros(0, np.int64)
    seen = np.maximum.accumulate(codes)
    return codes, np.flatnonzero(np.r_[True, seen[1:] > seen[:-1]])
