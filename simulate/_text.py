"""Decoding users' text files: UTF-8 (with or without BOM), else GBK/GB18030.

UTF-16, Big5 and binary files get their own one-line messages (see ``safeio``).
"""
from __future__ import annotations

from .errors import SimulateError
from .safeio import decode_user_text


def decode_text(data: bytes, where: str, error: type[SimulateError] = SimulateError) -> str:
    """Text of a CSV a county office may have saved in UTF-8 or in GBK (a superset: GB18030)."""
    return decode_user_text(data, where, error)[0]
