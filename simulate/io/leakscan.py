"""The last check before an output folder is published: no full ID number outside
``payment_lists/`` (issue 10 item 2; DESIGN.md privacy rule).

Every output is built from masked text (:func:`simulate.io.idmask.mask_ids_in_text`); this
scan does not trust that. It walks the folder and looks for anything that passes the
GB 11643-1999 check digit (:func:`simulate.io.idmask.find_ids` with ``strict=True``: whole,
in groups with spaces or hyphens, full-width digits, a lowercase x):

* in file and folder names;
* in text files (UTF-8, UTF-16 with a BOM, GB18030), with HTML/XML character references
  (``&#53;``) resolved and, for JSON (``.json``, ``.ipynb``), ``\\uXXXX`` escapes decoded;
* inside zip containers (``.xlsx``: every member's name and text, shared strings and sheet
  XML included; nested zips one level down);
* in PNG text chunks (``tEXt``, ``zTXt``, ``iTXt``);
* in any other file, its bytes read as text.

:func:`refuse_leaks` raises :class:`LeakError` (a :class:`~simulate.errors.SimulateError`:
one line, exit 2 through the CLI) naming the file and the masked number, so a leaking
folder is never moved into place.
"""

from __future__ import annotations

import codecs
import html
import io
import json
import os
import re
import struct
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SimulateError
from .digest import keep_newest, note_sha256, noted_file_sha256
from .idmask import MAY_RUN as _MAY_RUN_MARKS
from .idmask import find_ids, mask_ids_in_text, may_hold_ids
from .idnumber import mask_id

__all__ = ["PAYMENT_LISTS", "Leak", "LeakError", "ProvedFile", "refuse_leaks", "scan_folder"]

#: The one top-level folder allowed to hold full ID numbers.
PAYMENT_LISTS = "payment_lists"
#: A zip member or a compressed PNG chunk larger than this (bytes, decompressed) cannot be
#: checked, so the folder is refused rather than published unchecked.
MAX_MEMBER_BYTES = 256 * 1024 * 1024
_ZIP_DEPTH = 2
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class LeakError(SimulateError):
    """An output folder holds a full ID number outside ``payment_lists/`` (or cannot be
    checked); the message names the file and shows the number masked."""


@dataclass(frozen=True)
class Leak:
    """One ID number found: ``path`` relative to the folder (masked), ``part`` where in
    the file (a zip member, a PNG chunk, "file name"), ``masked`` the number masked."""

    path: str
    part: str
    masked: str

    def describe(self) -> str:
        """``bill.xlsx [xl/sharedStrings.xml]: 520624********0316``."""
        part = f" [{self.part}]" if self.part else ""
        return f"{self.path}{part}: {self.masked}"


def scan_folder(
    folder: str | os.PathLike[str],
    *,
    exclude: tuple[str, ...] = (PAYMENT_LISTS,),
    digests: dict[str, str] | None = None,
) -> list[Leak]:
    """Every ID number (passing the check digit) in ``folder``: names and contents of all
    files and folders, except the top-level folders named in ``exclude``. Symbolic links
    are reported by name only and never followed. ``digests`` (path relative to ``folder``
    → sha256, as the manifest has just recorded them): a file whose digest is one
    :class:`ProvedFile` proved clean while writing it is not read again (its name is)."""
    root = Path(folder)
    leaks: list[Leak] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        if here == root:
            dirnames[:] = [d for d in dirnames if d not in exclude]
        dirnames.sort()
        for name in sorted(dirnames) + sorted(filenames):
            path = here / name
            rel = path.relative_to(root).as_posix()
            shown = mask_ids_in_text(rel)
            leaks.extend(Leak(shown, "file name", mask_id(s.number)) for s in find_ids(name, strict=True))
            if name in filenames and path.is_file() and not path.is_symlink():
                if digests is not None and digests.get(rel) in _PROVED:
                    continue  # these very bytes were scanned as they were written
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise LeakError(
                        shown,
                        f"cannot be read to check for ID numbers "
                        f"({exc.strerror or type(exc).__name__}); the output folder "
                        "was not published",
                    ) from None
                leaks.extend(Leak(shown, part, masked) for part, masked in _scan_bytes(data, path.name, 0))
    return leaks


def refuse_leaks(
    folder: str | os.PathLike[str],
    *,
    exclude: tuple[str, ...] = (PAYMENT_LISTS,),
    digests: dict[str, str] | None = None,
) -> None:
    """Raise :class:`LeakError` when :func:`scan_folder` finds an ID number in ``folder``
    (outside ``payment_lists/``): one line naming the first file, the masked number and
    how many were found."""
    leaks = scan_folder(folder, exclude=exclude, digests=digests)
    if leaks:
        first = leaks[0]
        more = f" (and {len(leaks) - 1} more)" if len(leaks) > 1 else ""
        part = f" [{first.part}]" if first.part else ""
        raise LeakError(
            first.path,
            f"holds a full ID number {first.masked}{part}{more}; full "
            f"numbers belong only in a roster bill's {PAYMENT_LISTS}/, so the output "
            "folder was not published",
        )


# --------------------------------------------------------------------------- contents


def _scan_bytes(data: bytes, name: str, depth: int) -> Iterator[tuple[str, str]]:
    """(part, masked number) for every ID number in a file's bytes."""
    if data.startswith(b"PK\x03\x04") and depth < _ZIP_DEPTH and zipfile.is_zipfile(io.BytesIO(data)):
        yield from _scan_zip(data, name, depth)
        return
    if data.startswith(_PNG_MAGIC):
        yield from _scan_png(data)
    elif _clean(data, name):
        return
    for text in _texts(data, name):
        for span in find_ids(text, strict=True):
            yield "", mask_id(span.number)


#: One shared or inline string of an xlsx, possibly in rich-text runs (<r><t>5206</t></r>…).
_XLSX_STRING = re.compile(r"<(si|is)\b[^>]*>(.*?)</\1>", re.DOTALL)
_XML_TAG = re.compile(r"<[^>]*>")
#: A string in one piece (``<is><t xml:space="preserve">…</t></is>``): no run of its own.
_PLAIN_STRING = re.compile(r"<(si|is)><t(?:\s[^>]*)?>[^<]*</t></\1>")
_ITEM_OPEN = re.compile(r"<(?:si|is)\b")


#: An xlsx string that is not in one piece (rich text runs): the ones _texts joins again. On the
#: bytes, which find more than the text would (ASCII ``\\b`` and ``\\s``), never fewer.
_RICH_BYTES = (
    re.compile(rb"<si\b(?!><t(?:\s[^>]*)?>[^<]*</t></si>)"),
    re.compile(rb"<is\b(?!><t(?:\s[^>]*)?>[^<]*</t></is>)"),
)


def _clean(data: bytes, name: str) -> bool:
    """True when no text :func:`_texts` makes of ``data`` holds an ID number, proved on the
    bytes (issue 16 item 4: a million-row sheet in a second, not a minute of regex): UTF-8,
    no character reference (``&``), no rich-text string to join, and in JSON no escape that
    makes a digit or a separator (``\\u``, ``\\t``), so that every JSON string is in the text
    as it is; then :func:`simulate.io.idmask.may_hold_ids` on the bytes. False: look the long
    way, which alone says what and where."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"&" in data:
        return False
    try:
        text = data.decode("utf-8")  # else also read as GB18030, the long way
    except UnicodeDecodeError:
        return False
    items = [r for r, tag in zip(_RICH_BYTES, (b"<si", b"<is")) if tag in data] if name.endswith(".xml") else []
    if items and (_holds_pair(data, b"<<") or any(r.search(data) for r in items)):
        # the long way joins rich-text runs only when some string is not in one piece, as
        # found in the text with plain strings cut out ("<<" might make a new item there)
        return False
    json_like = name.lower().endswith((".json", ".ipynb", ".geojson")) or text.lstrip()[:1] in ("{", "[")
    if json_like and _json_escape(data):  # an escape the raw text does not show as it is
        return False
    del text
    return not may_hold_ids(data, strict=True)


# --------------------------------------------------------------------------- proved as written

#: sha256 digests (as :func:`simulate.io.digest.file_sha256` writes them) of files every byte
#: of which a :class:`ProvedFile` checked as it was written and found clean. The verdict
#: depends on the bytes alone (the checks are those of any name), so a digest is enough. The
#: newest _PROVED_KEPT only (a file is proved just before its folder is published).
_PROVED: OrderedDict[str, None] = OrderedDict()
_PROVED_KEPT = 256
#: The longest stretch carried from one piece to the next (bytes after the last byte no run
#: can hold): a longer one, never written by simulate, leaves the file to the long way.
_CARRY_MAX = 1 << 16
#: Pieces are checked at most this long (each decoded once to prove it is UTF-8): 1 MiB, as
#: the text of an 8 MiB piece decoded, its copies and searches (16-32 MiB of fresh pages each
#: time) cost a third more in page faults and cache misses.
_PIECE = 1 << 20
#: Where a piece may end in XML (not inside a string, whose rich-text test needs it whole).
_ENDS = (b"</c>", b"</row>", b"</si>")
#: The end of a piece is looked for in this many last bytes of the window first.
_TAIL = 1 << 16


class ProvedFile:
    """The leak scan done on a file's bytes as they are produced (issue 16 item 4: reading a
    1 GB workbook back and inflating it again was a third of a million-row bill's time).

    Each piece written is checked as :func:`_clean` checks a whole file, with the checks of
    every kind of file at once (JSON escapes and xlsx rich strings alike), and with the bytes
    after the last one no ID can hold carried into the next piece, so every run of digits
    is looked at whole with its context: a piece is clean only if the whole would be.
    :meth:`member` does the same for each member of a zip as it is written (names checked,
    sizes capped as :func:`_scan_zip` caps them). Anything else — a piece that is not proved
    clean, a nested zip, a PNG — leaves the file unproved, and the publisher scans it the long
    way. :meth:`proved` records the digest of the finished file when everything was proved:
    hashed as it was written, or read back from disk (a zip, whose headers are written twice).
    """

    def __init__(self) -> None:
        self.clean = True
        self._carry = b""
        self._size = 0
        self._member = False
        self.digest: str | None = None  # the finished file's sha256, once proved

    # one stream (a plain file, or the member being written)
    def feed(self, data: bytes) -> None:
        """Check the next piece of the stream (pieces of whole UTF-8 characters)."""
        if not self.clean:
            return
        if self._size == 0 and data[:8].startswith((b"PK\x03\x04", _PNG_MAGIC)):
            self.clean = False  # a nested zip or a PNG: the long way
            return
        self._size += len(data)
        if self._member and self._size > MAX_MEMBER_BYTES:  # as _scan_zip refuses to look (files: no cap)
            self.clean = False
            return
        start = 0
        while start < len(data):
            stop = start + _PIECE
            if stop < len(data):  # after a line or an element, so no xlsx string is cut in two
                stop = _piece_end(data, start, stop)
            while start < stop < len(data) and 0x80 <= data[stop] < 0xC0:  # else before a character
                stop -= 1
            if stop == start:  # no character starts in a whole piece: not UTF-8
                self.clean = False
                return
            piece, start = self._carry + data[start:stop], stop
            if not _clean_piece(piece):
                self.clean = False
                return
            marks = piece[-_CARRY_MAX:].translate(_MAY_RUN_MARKS)
            cut = marks.rfind(b"0")
            if cut < 0 and len(piece) > _CARRY_MAX:
                self.clean = False  # a stretch too long to carry
                return
            cut = max(0, len(piece) - len(marks) + cut - 16) if cut >= 0 else 0
            while cut < len(piece) and 0x80 <= piece[cut] < 0xC0:  # from the start of a character
                cut += 1
            self._carry = piece[cut:]

    def member(self, name: str) -> None:
        """A new zip member named ``name`` starts (its bytes follow through :meth:`feed`)."""
        if find_ids(name, strict=True):
            self.clean = False
        self._carry, self._size, self._member = b"", 0, True

    def proved(self, path: str | os.PathLike[str], *, sha256: str | None = None, size: int = -1) -> bool:
        """Record the finished file at ``path`` as clean when every byte was proved so. Its
        digest is ``sha256`` when the writer hashed the ``size`` bytes it wrote (and the file
        is that long), else the file is read back and hashed; either way it is noted
        (:func:`simulate.io.digest.note_sha256`) for the manifest to use, not hash again."""
        if self.clean:
            if sha256 is None or not note_sha256(path, sha256, size):
                sha256 = noted_file_sha256(path)
            self.digest = sha256
            keep_newest(_PROVED, sha256, None, _PROVED_KEPT)
        return self.clean


def _piece_end(data: bytes, start: int, stop: int) -> int:
    """Where a piece of ``data[start:stop]`` ends: after its last line or element (:data:`_ENDS`),
    else at ``stop``. Looked for in the last :data:`_TAIL` bytes first, and in the whole only
    when none ends there (an end found there is the last one: one begun before the tail ends
    fewer than 8 bytes into it), as JSON holds no ``</row>`` (a whole-window ``rfind`` each
    time was a second for a million-person bill.json). The same end as the whole-window search."""
    lo = max(start, stop - _TAIL)
    end = _last_end(data, lo, stop)
    if end < lo + 8:
        end = _last_end(data, start, stop)
    return end if end > start else stop


def _last_end(data: bytes, lo: int, hi: int) -> int:
    return max([data.rfind(b"\n", lo, hi) + 1] + [data.rfind(e, lo, hi) + len(e) for e in _ENDS])


def _clean_piece(data: bytes) -> bool:
    """:func:`_clean` of a piece of a file, as for any file name: UTF-8, no ``&``, no xlsx rich
    string, no JSON escape, no UTF-16 BOM; then no stretch that may hold an ID. Each test is a
    search at memory speed (:func:`_json_escape`, :func:`_holds_pair`): a ``bytes.find`` of two
    or three bytes whose last is frequent (``<`` in XML) cost 5 ns a byte, half the scan."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"&" in data:
        return False
    if _json_escape(data) or _holds_pair(data, b"<<"):
        return False
    # no "<s" (or "<i") at all: no "<si" ("<is") for the rich-string test to look at
    if (_holds_pair(data, b"<s") and _RICH_BYTES[0].search(data)) or (
        _holds_pair(data, b"<i") and _RICH_BYTES[1].search(data)
    ):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return (len(data) >= _WIDE and _no_fourteen(data)) or not may_hold_ids(data, strict=True)


#: Each byte as 1 when :data:`simulate.io.idmask.MAY_RUN` marks it (it may be part of a run), else 0.
_RUN_BITS = bytes(int(mark == ord("1")) for mark in _MAY_RUN_MARKS)


def _no_fourteen(data: bytes) -> bool:
    """True when no 14 bytes in a row may belong to a run, so that no 14 characters in a row
    can (every byte of a digit, separator or X is marked) and ``may_hold_ids`` is False: a bit
    a byte, and-ed with itself shifted by 1, 2, 4 and 6 (14 in a row), in C at memory speed."""
    import numpy as np

    marks = np.frombuffer(data.translate(_RUN_BITS), np.uint8)
    bits = int.from_bytes(np.packbits(marks, bitorder="little").tobytes(), "little")
    for shift in (1, 2, 4, 6):
        bits &= bits >> shift
    return bits == 0


#: Pieces at least this long are searched for a pair of bytes with numpy; shorter ones with ``in``.
_WIDE = 1 << 16
#: Backslashes looked at one by one before :func:`_json_escape` searches the pairs instead.
_FEW_BACKSLASHES = 256


def _holds_pair(data: bytes, pair: bytes) -> bool:
    """``pair in data`` for two bytes, at memory speed: ``data`` seen as 16-bit words from its
    first byte and from its second, so every two adjacent bytes are one word of one view."""
    if len(data) < _WIDE:
        return pair in data
    import numpy as np

    value = int.from_bytes(pair, "little")
    return any(
        bool((np.frombuffer(data, dtype="<u2", count=(len(data) - offset) // 2, offset=offset) == value).any())
        for offset in (0, 1)
    )


def _json_escape(data: bytes) -> bool:
    """``b"\\u" in data or b"\\t" in data``, found from the backslashes (rare, found with a
    one-byte search): an escape that makes a digit, a separator or a tab."""
    at = data.find(b"\\")
    for _ in range(_FEW_BACKSLASHES):
        if at < 0:
            return False
        if data[at + 1 : at + 2] in (b"u", b"t"):
            return True
        at = data.find(b"\\", at + 1)
    return at >= 0 and (_holds_pair(data, b"\\u") or _holds_pair(data, b"\\t"))


def _texts(data: bytes, name: str) -> Iterator[str]:
    """The ways a file's bytes can show text: decoded, entities resolved, JSON decoded."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            yield data.decode("gb18030", errors="replace")
    yield text
    if "&" in text:
        yield html.unescape(text)
    if name.endswith(".xml") and ("<si" in text or "<is" in text) and _ITEM_OPEN.search(_PLAIN_STRING.sub("", text)):
        # an xlsx string split into formatting runs, joined again (when every string is in one
        # piece, each is already in the text above as it is, between ">" and "<")
        for match in _XLSX_STRING.finditer(text):
            yield html.unescape(_XML_TAG.sub("", match.group(2)))
    if name.lower().endswith((".json", ".ipynb", ".geojson")) or text.lstrip()[:1] in ("{", "["):
        try:
            yield from _json_strings(json.loads(text))
        except (ValueError, RecursionError):
            pass


def _json_strings(value: Any) -> Iterator[str]:
    """Every string and key of parsed JSON (escapes such as \\uff15 decoded)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _scan_zip(data: bytes, name: str, depth: int) -> Iterator[tuple[str, str]]:
    """Member names and contents of a zip (an .xlsx is one)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            for span in find_ids(info.filename, strict=True):
                yield f"{info.filename} (member name)", mask_id(span.number)
            if info.is_dir():
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                raise LeakError(
                    name,
                    f"member {mask_ids_in_text(info.filename)} is too large "
                    "to check for ID numbers; the output folder was not published",
                )
            with archive.open(info) as fh:
                member = fh.read(MAX_MEMBER_BYTES + 1)
            if len(member) > MAX_MEMBER_BYTES:
                raise LeakError(
                    name,
                    f"member {mask_ids_in_text(info.filename)} is too large "
                    "to check for ID numbers; the output folder was not published",
                )
            for part, masked in _scan_bytes(member, info.filename, depth + 1):
                yield mask_ids_in_text(info.filename) + (f" {part}" if part else ""), masked


def _scan_png(data: bytes) -> Iterator[tuple[str, str]]:
    """Text chunks of a PNG: tEXt (Latin-1), zTXt (compressed), iTXt (UTF-8, maybe compressed)."""
    pos = len(_PNG_MAGIC)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        texts: list[str] = []
        try:
            if kind == b"tEXt":
                texts = [t.decode("latin-1") for t in body.split(b"\0", 1)]
            elif kind == b"zTXt":
                key, _, rest = body.partition(b"\0")
                texts = [key.decode("latin-1"), _inflate(rest[1:]).decode("latin-1")]
            elif kind == b"iTXt":
                key, _, rest = body.partition(b"\0")
                compressed, rest = rest[:1] == b"\x01", rest[2:]
                lang, _, rest = rest.partition(b"\0")
                translated, _, raw = rest.partition(b"\0")
                raw = _inflate(raw) if compressed else raw
                texts = [
                    key.decode("latin-1"),
                    lang.decode("latin-1", "replace"),
                    translated.decode("utf-8", "replace"),
                    raw.decode("utf-8", "replace"),
                ]
        except zlib.error:
            texts = [body.decode("latin-1")]
        for chunk_text in texts:
            for span in find_ids(chunk_text, strict=True):
                yield f"PNG {kind.decode('latin-1')} chunk", mask_id(span.number)
        if kind == b"IEND":
            break


def _inflate(data: bytes) -> bytes:
    """zlib data, refused past :data:`MAX_MEMBER_BYTES`."""
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, MAX_MEMBER_BYTES + 1)
    if len(out) > MAX_MEMBER_BYTES:
        raise LeakError(
            "PNG", "a compressed text chunk is too large to check for ID numbers; the output folder was not published"
        )
    return out
