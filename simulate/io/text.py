"""The one text decoder for users' files: UTF-8 (with or without BOM), else GBK/GB18030.

UTF-16/32, Big5, workbooks and binary files get their own one-line messages naming what to
save the file as (issue 10 item 4). YAML files are UTF-8 only (:func:`decode_utf8`).
"""

from __future__ import annotations

import codecs

from ..errors import SimulateError

ErrorType = type[SimulateError]
KiB = 1024

BIG5_MSG = (
    "looks like Big5 (traditional Chinese) text: save it as UTF-8 or GBK "
    "(this toolkit reads UTF-8 and GBK/GB18030 only)"
)
_SAVE_CSV = "UTF-8 or GBK (Excel: 另存为 “CSV UTF-8”)"


def nul_problem(head: bytes, save_as: str = _SAVE_CSV, kind: str = "CSV") -> str | None:
    """UTF-16/32 (by BOM or NUL pattern), a workbook, or other binary bytes, judged from
    the first 4 KiB; the message says what to save the file as."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return f"file is UTF-32 text: save it as {save_as}"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return f"file is UTF-16 text: save it as {save_as}"
    if head.startswith(b"PK\x03\x04"):
        return f"is a zip file (an .xlsx workbook?), not {kind} text"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return f"is an old Excel (.xls) or other Office file, not {kind} text"
    sample = head[:4096]
    if 0 not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    # ASCII-range text in UTF-16 puts a NUL in every other byte, always on the same side
    if len(sample) >= 4 and max(even, odd) >= len(sample) // 8 and min(even, odd) <= max(even, odd) // 10:
        return f"file is UTF-16 text (no byte-order mark): save it as {save_as}"
    return f"contains NUL bytes (offset {sample.index(0)}): not {save_as.split(' (')[0]} text"


def _common_gb_share(data: bytes) -> tuple[int, float]:
    """Double-byte pairs read the GBK way, and the share of them that are GB2312 hanzi or
    its punctuation rows: near 1 for GBK Chinese, far lower for Big5 bytes read as GBK."""
    pairs = common = i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            i += 1
            continue
        if i + 1 >= n:
            break
        t = data[i + 1]
        if 0x30 <= t <= 0x39:  # a GB18030 four-byte sequence
            pairs += 1
            i += 4
            continue
        pairs += 1
        if (0xA1 <= b <= 0xA3 or 0xB0 <= b <= 0xF7) and 0xA1 <= t <= 0xFE:
            common += 1
        i += 2
    return pairs, (common / pairs if pairs else 1.0)


def looks_big5(data: bytes) -> bool:
    """Heuristic: valid Big5 whose GBK reading falls mostly outside GB2312's common rows.

    Simplified-Chinese GBK text has nearly all its double-byte characters in GB2312 rows
    A1-A3 (punctuation) and B0-F7 (hanzi); Big5's frequent characters (lead bytes A4-AF,
    trail bytes 40-7E) land outside them. Fewer than 4 such characters: not judged.
    """
    try:
        codecs.getincrementaldecoder("big5")().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    pairs, share = _common_gb_share(data[: 256 * KiB])
    return pairs >= 4 and share < 0.6


def sniff_encoding(head: bytes, *, final: bool, where: str, error: ErrorType = SimulateError) -> str:
    """The codec for a user's text from its first bytes: ``utf-8-sig``, ``utf-8``,
    ``gb18030`` or ``ascii`` (undecided yet). UTF-16/32, Big5 and binary data raise
    with their own message; ``final`` says ``head`` is the whole file."""
    problem = nul_problem(head)
    if problem:
        raise error(where, problem)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.isascii():
        return "ascii"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=final)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if looks_big5(head):
        raise error(where, BIG5_MSG)
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=final)
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise error(
            where,
            f"cannot decode the text as UTF-8, GBK or GB18030 (bad byte at offset {exc.start}): save the file as UTF-8",
        ) from None


def decode_text(
    data: bytes, where: str, error: ErrorType = SimulateError, *, utf16_bom_ok: bool = False
) -> tuple[str, str]:
    """Text and codec of a whole small file: UTF-8 with or without BOM, else GBK (named
    ``gbk``), else GB18030; with ``utf16_bom_ok`` (rosters) UTF-16 marked by a BOM too."""
    if (
        utf16_bom_ok
        and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        and not data.startswith(codecs.BOM_UTF32_LE)
    ):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise error(where, "broken UTF-16 text") from None
    enc = sniff_encoding(data, final=True, where=where, error=error)
    if enc == "ascii":
        return data.decode("ascii"), "utf-8"
    if enc == "gb18030":
        try:
            return data.decode("gbk"), "gbk"
        except UnicodeDecodeError:
            pass
    return data.decode(enc), enc


def refuse_unreadable_text(
    data: bytes, where: str, error: ErrorType = SimulateError, *, utf16_bom_ok: bool = False
) -> None:
    """Raise the own message of UTF-16 (unless marked by a BOM and ``utf16_bom_ok``),
    UTF-32, NUL-laden binary, a workbook or Big5 bytes; return for anything else."""
    if (
        utf16_bom_ok
        and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        and not data.startswith(codecs.BOM_UTF32_LE)
    ):
        return
    problem = nul_problem(data[:4096])
    if problem:
        raise error(where, problem)
    if not data.isascii():
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            if looks_big5(data):
                raise error(where, BIG5_MSG) from None


def decode_utf8(data: bytes, where: str, error: ErrorType = SimulateError) -> str:
    """UTF-8 text (a YAML file); UTF-16 and binary data get their own message."""
    problem = nul_problem(data[:4096], save_as="UTF-8", kind="YAML")
    if problem:
        raise error(where, problem)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = ", it looks like Big5" if looks_big5(data) else ""
        raise error(where, f"not UTF-8 text (bad byte at offset {exc.start}{hint}); save the file as UTF-8") from None


# --------------------------------------------------------------------------- CSV streams
