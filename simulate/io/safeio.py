"""Reading users' files so that no input can hang or exhaust the machine (issue 10 item 4).

Every file a user names goes through here: only regular files are opened (a FIFO, a device,
a directory or a socket is refused before and after ``open``), reads stop one byte past a
stated cap (on bytes actually read, not on ``stat`` sizes, which lie for /proc and growing
files), a workbook's limits are set here for :mod:`simulate.io.xlsxguard`, and text is sniffed so that
UTF-16, Big5 and binary files get their own one-line messages. The limits are the
constants below; docs/limits.md lists them for users.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import SimulateError
from .text import decode_text, sniff_encoding

KiB = 1024
MiB = 1024 * KiB

ErrorType = type[SimulateError]


def cap_text(n: int) -> str:
    """``1,048,576 bytes (1 MiB)``: a cap exactly, and as people read it."""
    human = human_bytes(n)
    return f"{n:,} bytes" + ("" if human.endswith("bytes") else f" ({human})")


def human_bytes(n: int) -> str:
    """``1 MiB``, ``64 KiB`` or ``1,000 bytes``: caps as people read them in messages."""
    for unit, size in (("GiB", 1024 * MiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= size and n % size == 0:
            return f"{n // size:,} {unit}"
    return f"{n:,} bytes"


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class TextLimits:
    """Caps for one kind of text file; ``what`` names the kind in messages.

    ``max_bytes`` is the whole file (None for streams read line by line, such as a
    population CSV that may legitimately be gigabytes); the others hold for every file.
    """

    what: str
    max_bytes: int | None
    max_rows: int | None = None  # data records after the header
    max_columns: int = 1_000
    max_line_bytes: int = 1 * MiB
    max_field_chars: int = 32_767  # Excel's own limit for one cell


@dataclass(frozen=True)
class XlsxLimits:
    """Caps for a workbook: the file, its zip members once decompressed, and its sheets."""

    what: str
    max_file_bytes: int  # the .xlsx as stored (compressed)
    max_member_bytes: int  # one zip member, decompressed
    max_total_bytes: int  # all members together, decompressed
    max_rows: int  # highest row number in any sheet
    max_columns: int  # highest column number in any sheet
    max_cells: int  # cells in one sheet
    max_sheets: int = 64
    max_members: int = 10_000
    max_ratio: int = 100  # decompressed / compressed, for members over 1 MiB


#: Scenario files, the files they extend, and roster mappings (``--mapping``): YAML, a few KiB.
SCENARIO = TextLimits("scenario or mapping YAML file", 1_000_000)
#: ``--set-file`` as CSV: (parameter path, value) rows.
OVERRIDE_CSV = TextLimits("--set-file sheet", 1 * MiB, max_rows=10_000, max_columns=256)
#: A region file: one row per county.
REGION = TextLimits("region file", 1 * MiB, max_rows=10_000, max_columns=64)
#: Villages/towns files named by a scenario (village index is 16-bit: at most 65,535).
VILLAGES = TextLimits("villages file", 16 * MiB, max_rows=65_535, max_columns=64)
#: A person-level population CSV: no total cap (it may be gigabytes: it is read in chunks,
#: in memory that does not grow with it), limits per line and field instead; no row cap.
POPULATION = TextLimits("population CSV", None, max_columns=64)
#: A roster CSV from a bureau's system (a 1 M-row roster is about 90 MB of text).
ROSTER_CSV = TextLimits("roster CSV", 256 * MiB)

#: Most villages one population file may name (the village index is 16-bit).
MAX_VILLAGES = 65_535

#: Rosters as workbooks, read by python-calamine (about 40 bytes per cell in Rust, only the
#: mapped columns kept as Python objects): up to Excel's 1,048,576 rows, 16 M cells a sheet.
ROSTER_XLSX = XlsxLimits(
    "roster workbook",
    max_file_bytes=256 * MiB,
    max_member_bytes=1024 * MiB,
    max_total_bytes=1536 * MiB,
    max_rows=1_048_576,
    max_columns=256,
    max_cells=16_000_000,
)
#: ``--set-file`` as a workbook: a short list of (parameter path, value) rows.
OVERRIDE_XLSX = XlsxLimits(
    "--set-file workbook",
    max_file_bytes=16 * MiB,
    max_member_bytes=32 * MiB,
    max_total_bytes=64 * MiB,
    max_rows=10_000,
    max_columns=256,
    max_cells=1_000_000,
)


# --------------------------------------------------------------------------- regular files

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str | None:
    """Why a file of this mode cannot be read as data, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in _KINDS:
        if test(mode):
            return f"is {kind}, not a regular file"
    return "is not a regular file"


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return "no such file"
    return f"cannot read: {exc.strerror or type(exc).__name__}"


def file_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be read as a user's file (missing, a FIFO, a device, …), or None;
    for checks made before the file is opened for real (``open_regular`` checks again)."""
    try:
        return _not_regular(os.stat(path).st_mode)
    except OSError as exc:
        return _os_reason(exc)
    except ValueError:
        return "not a file name"


def open_regular(path: str | os.PathLike[str], where: str | None = None, error: ErrorType = SimulateError) -> BinaryIO:
    """Open a user's file for binary reading, refusing anything but a regular file.

    Checked with ``stat`` before opening and with ``fstat`` after: the open itself uses
    ``O_NONBLOCK``, so a path swapped for a FIFO in between cannot block in ``open()``.
    """
    where = str(path) if where is None else where
    reason = file_problem(path)
    if reason:
        raise error(where, reason)
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_CLOEXEC", 0)
        | getattr(os, "O_NOCTTY", 0)
        | getattr(os, "O_BINARY", 0)
    )
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise error(where, _os_reason(exc)) from None
    try:
        reason = _not_regular(os.fstat(fd).st_mode)
        if reason:
            raise error(where, reason)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # a regular file: back to ordinary reads
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_upto(fh: BinaryIO, n: int, where: str, error: ErrorType) -> bytes:
    """At most ``n`` bytes, in 1 MiB steps (a /proc file may return short reads)."""
    out = bytearray()
    try:
        while len(out) < n:
            block = fh.read(min(MiB, n - len(out)))
            if not block:
                break
            out += block
    except OSError as exc:
        raise error(where, _os_reason(exc)) from None
    return bytes(out)


def read_capped(
    path: str | os.PathLike[str], cap: int, what: str, where: str | None = None, error: ErrorType = SimulateError
) -> bytes:
    """The bytes of a regular file, refusing it once more than ``cap`` bytes were read."""
    where = str(path) if where is None else where
    with open_regular(path, where, error) as fh:
        data = _read_upto(fh, cap + 1, where, error)
    if len(data) > cap:
        raise error(where, f"too large: a {what} is limited to {cap_text(cap)}")
    return data


def read_text(
    path: str | os.PathLike[str], limits: TextLimits, where: str | None = None, error: ErrorType = SimulateError
) -> str:
    """A small text file (UTF-8 or GBK), capped at ``limits.max_bytes``."""
    where = str(path) if where is None else where
    assert limits.max_bytes is not None
    data = read_capped(path, limits.max_bytes, limits.what, where, error)
    return decode_text(data, where, error)[0]


_BLOCK = 256 * KiB


def iter_text_lines(
    path: str | os.PathLike[str], limits: TextLimits, where: str | None = None, error: ErrorType = SimulateError
) -> Iterator[str]:
    """Lines (with their ends) of a text file of any size, decoded block by block.

    The codec is chosen from the first 256 KiB; a file that is ASCII there and GBK later is
    still read. A line longer than ``limits.max_line_bytes`` (no line end in that many
    bytes), or bytes that change codec midway, stop with a one-line error naming the line.
    """
    where = str(path) if where is None else where
    max_line = limits.max_line_bytes
    too_long = f"longer than {human_bytes(max_line)} (the limit for a line of a {limits.what})"
    with open_regular(path, where, error) as fh:
        buf = _read_upto(fh, _BLOCK, where, error)
        enc = sniff_encoding(buf, final=len(buf) < _BLOCK, where=where, error=error)
        sep = b"\r" if b"\n" not in buf and b"\r" in buf else b"\n"  # old Mac line ends
        sep_text = sep.decode()
        line = 0  # lines yielded so far
        first = True
        eof = False
        while not eof:
            more = _read_upto(fh, _BLOCK, where, error)
            eof = not more
            buf += more
            cut = len(buf) if eof else buf.rfind(sep) + 1
            if cut == 0:  # no line end yet: read on, up to the line limit
                if len(buf) > max_line:
                    raise error(f"{where}: line {line + 1}", too_long)
                continue
            chunk, buf = buf[:cut], buf[cut:]
            if len(chunk) > max_line:
                for k, part in enumerate(chunk.split(sep)):
                    if len(part) > max_line:
                        raise error(f"{where}: line {line + k + 1}", too_long)
            if enc == "ascii" and not chunk.isascii():
                # ASCII so far: decide now, on this block (Big5 and UTF-16 still refused)
                enc = sniff_encoding(chunk, final=eof, where=f"{where}: line {line + 1}", error=error)
            codec = "utf-8" if enc == "utf-8-sig" and not first else enc
            try:
                text = chunk.decode(codec)
            except UnicodeDecodeError as exc:
                bad = line + chunk.count(sep, 0, exc.start) + 1
                raise error(
                    f"{where}: line {bad}",
                    f"not {codec.upper()} text like the lines before it "
                    "(the file mixes encodings): save it again as UTF-8",
                ) from None
            first = False
            # StringIO splits in C and keeps line ends, as csv wants (newline="": untranslated)
            yield from io.StringIO(text, newline="")
            line += text.count(sep_text)


def csv_rows(
    lines: Iterable[str], limits: TextLimits, where: str, error: ErrorType = SimulateError
) -> Iterator[list[str]]:
    """``csv.reader`` over ``lines`` with the limits on records, columns and field length.

    ``limits.max_rows`` counts non-blank records after the first (the header).
    """
    reader = csv.reader(lines)
    records = 0
    max_rows = limits.max_rows + 1 if limits.max_rows is not None else None
    max_columns, max_field = limits.max_columns, limits.max_field_chars
    try:
        for row in reader:
            if row:
                records += 1
                if max_rows is not None and records > max_rows:
                    raise error(where, f"more than {limits.max_rows:,} rows, the limit for a {limits.what}")
                if len(row) > max_columns:
                    raise error(
                        f"{where}: line {reader.line_num}",
                        f"{len(row):,} columns; a {limits.what} may have at most {max_columns:,}",
                    )
                if max(map(len, row)) > max_field:
                    col = next(i for i, c in enumerate(row) if len(c) > max_field)
                    raise error(
                        f"{where}: line {reader.line_num}, column {col + 1}",
                        f"a field of {len(row[col]):,} characters; the limit is {max_field:,}",
                    )
            yield row
    except csv.Error as exc:
        reason = str(exc)
        if "field limit" in reason:
            reason = f"a field is longer than {csv.field_size_limit():,} characters"
        raise error(f"{where}: line {reader.line_num}", f"broken CSV ({reason})") from None


def read_csv_rows(
    path: str | os.PathLike[str], limits: TextLimits, where: str | None = None, error: ErrorType = SimulateError
) -> Iterator[list[str]]:
    """CSV records of a user's file, streamed, with every limit of ``limits`` checked."""
    where = str(path) if where is None else where
    if limits.max_bytes is not None:
        lines: Iterable[str] = io.StringIO(read_text(path, limits, where, error), newline="")
    else:
        lines = iter_text_lines(path, limits, where, error)
    return csv_rows(lines, limits, where, error)
