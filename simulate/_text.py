"""Decoding users' text files: UTF-8 (with or without BOM), else GBK/GB18030."""
from __future__ import annotations

from .errors import SimulateError


def decode_text(data: bytes, where: str, error: type[SimulateError] = SimulateError) -> str:
    """Text of a CSV a county office may have saved in UTF-8 or in GBK (a superset: GB18030)."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise error(where, "neither UTF-8 nor GBK text")
