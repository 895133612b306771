"""sha256 digests as simulate writes them into output folders (manifests, provenance).

A plain hex digest holds 18 decimal digits in a row that pass the GB 11643-1999 check digit
about once in 5,000 digests, so the ID-number leak scan (:mod:`simulate.io.leakscan`) refused
an output folder for a digest that only looked like an ID number. Digests are written in
groups of eight hex digits joined by ':' (as key fingerprints are), so no digit run is longer
than eight; the scan itself is unchanged: every text is still checked.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections import OrderedDict
from typing import TypeVar

__all__ = [
    "digest_text",
    "file_sha256",
    "keep_newest",
    "note_sha256",
    "noted_file_sha256",
    "same_digest",
    "sha256_text",
    "written_sha256",
]


def digest_text(hexdigest: str) -> str:
    """``hexdigest`` in groups of eight joined by ':' (``3fdba35f:04dc8c46:…``)."""
    return ":".join(hexdigest[i : i + 8] for i in range(0, len(hexdigest), 8))


def sha256_text(data: bytes) -> str:
    """The sha256 of ``data``, grouped (:func:`digest_text`)."""
    return digest_text(hashlib.sha256(data).hexdigest())


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The sha256 of a file's bytes, read in 1 MiB blocks, grouped (:func:`digest_text`)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest_text(digest.hexdigest())


def same_digest(written: object, digest: str) -> bool:
    """Whether a digest read back (grouped, or plain hex from an older manifest) is ``digest``."""
    return isinstance(written, str) and written.replace(":", "") == digest.replace(":", "")


_K = TypeVar("_K")
_V = TypeVar("_V")


def keep_newest(store: OrderedDict[_K, _V], key: _K, value: _V, kept: int) -> None:
    """Put ``key: value`` in ``store`` as its newest entry and drop the oldest beyond ``kept``:
    what this process noted of the files it wrote (sha256 digests), bounded in memory."""
    store[key] = value
    store.move_to_end(key)
    while len(store) > kept:
        store.popitem(last=False)


#: The sha256 of files this process hashed as it wrote them (issue 16 item 4: a million-person
#: bill.json was read back and hashed three times), by file identity (device, inode) with its
#: stat when noted (size, mtime and ctime in ns); the newest _NOTED_KEPT only.
_NOTED: OrderedDict[tuple[int, int], tuple[tuple[int, int, int], str]] = OrderedDict()
_NOTED_KEPT = 64
#: Longer than the tick of the clock file times are taken from (Linux: one jiffy, <= 10 ms).
_TICK_NS = 20_000_000


def _stamp(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def note_sha256(path: str | os.PathLike[str], digest: str, size: int) -> bool:
    """Remember ``digest`` (grouped) as the sha256 of the regular file just closed at ``path``,
    which the caller wrote itself, ``size`` bytes; False (nothing noted) when the file is not
    that long, so that bytes written around the hash are never vouched for, or when its ctime is
    ahead of this machine's clock (a network file system's skewed clock: no tick to wait out)."""
    st = os.stat(path, follow_symlinks=False)
    if not stat.S_ISREG(st.st_mode) or st.st_size != size or st.st_ctime_ns % 1_000_000 == 0:
        return False  # not the bytes hashed, or a file system keeping whole ms or seconds only
    # wait out the clock tick of the last write, so that a later change of the same size (say
    # by this very process) cannot keep the ctime noted: at most _TICK_NS, a few ms in practice
    wait = _TICK_NS - (time.time_ns() - st.st_ctime_ns)
    if wait > _TICK_NS:
        return False  # a ctime ahead of our clock (a file server's skewed one): no tick to wait out
    if wait > 0:
        time.sleep(wait / 1e9)
    key = (st.st_dev, st.st_ino)
    keep_newest(_NOTED, key, (_stamp(st), digest), _NOTED_KEPT)
    return True


def noted_file_sha256(path: str | os.PathLike[str]) -> str:
    """:func:`file_sha256` of a file the caller has just written, noted (:func:`note_sha256`)
    when its stat is the same before and after it was read."""
    before = _stamp(os.stat(path, follow_symlinks=False))
    digest = file_sha256(path)
    if _stamp(os.stat(path, follow_symlinks=False)) == before:
        note_sha256(path, digest, before[0])
    return digest


def written_sha256(path: str | os.PathLike[str]) -> str:
    """The sha256 of the file at ``path`` (grouped): the one noted (:func:`note_sha256`) when
    this process wrote it, while the file is that very one unchanged, else read and hashed.

    Unchanged means the same inode with the same size, mtime and ctime to the nanosecond: any
    write, truncation or copy over it moves ctime (which no program can set back) or the inode;
    moving the folder it is in does not. :func:`note_sha256` waits out the clock tick of the
    last write, so only another process changing the file within that tick (a few ms, in our
    hidden build folder) could keep its stat; such a process could as well change it after any
    check, just before the folder is published.
    """
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        st = None
    if st is not None and stat.S_ISREG(st.st_mode):
        noted = _NOTED.get((st.st_dev, st.st_ino))
        if noted is not None and noted[0] == _stamp(st):
            return noted[1]
    return file_sha256(path)
