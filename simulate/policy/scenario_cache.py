"""A scenario file validated once per content, not at every run (issue 16 item 5: reading the
YAML and validating it, the schema built first, were ~20 ms of every ``simulate run``).

After a scenario loads without overrides, the validated :class:`~simulate.policy.scenario.Scenario`
is kept, pickled, in the user's cache folder (``$XDG_CACHE_HOME/simulate/scenarios``, else
``~/.cache/simulate/scenarios``). It is used again only when every file it was read from (the
scenario, the files it ``extends``, a vocabulary file) still has the very bytes it had, by
SHA-256 (the digests its provenance records), read through the same capped reader; and only by
the same code (simulate's version and the size and time of each of its modules and data files,
pydantic's, pydantic-core's and Python's versions). Anything else, or a cache that cannot be
read or written, costs nothing but the full load.

Unpickling runs code, so an entry is used only from a folder no one else can write: the cache
base must be an absolute path (a relative ``XDG_CACHE_HOME`` is ignored, as the XDG spec says;
no absolute home folder: no cache); the folders are made with mode 0700 and the entries 0600;
an entry is read only when it is a regular file (opened without following a link) and it and
its folder are owned by this user with no group or other write permission.
``SIMULATE_NO_CACHE=1`` turns the cache off. Nothing is
kept for a file that was refused, so its errors are always those of a full load. Only while
pydantic's plugins are off (as the command line sets them): a user's plugin sees every
validation.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import stat
import sys
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..io import safeio
from ..io.digest import sha256_text
from ..resources import write_whole
from ..startenv import plugins_off

_PACKAGE = Path(__file__).resolve().parent.parent
#: Entries kept at most; the oldest go when a new one would pass this (tests make many).
MAX_ENTRIES = 200


def folder() -> Path | None:
    """Where the validated scenarios are kept; None (no cache) without an absolute cache base:
    a relative ``XDG_CACHE_HOME`` is ignored (XDG spec), and a home folder ``expanduser`` cannot
    find comes back as a bare "~" (which would be a folder in the working folder)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    return Path(base) / "simulate" / "scenarios"


def _usable() -> bool:
    """Whether the cache may be used at all: pydantic's plugins off (a user's plugin must see
    every validation), not turned off by ``SIMULATE_NO_CACHE=1``, and a system with user ids
    and links not followed on open (the checks of :func:`_open_entry`)."""
    return (
        plugins_off()
        and os.environ.get("SIMULATE_NO_CACHE", "") in ("", "0")
        and hasattr(os, "geteuid")
        and hasattr(os, "O_NOFOLLOW")
    )


def _private(st: os.stat_result) -> bool:
    """Whether a file or folder is this user's own, with no group or other write permission."""
    return st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


@functools.lru_cache(maxsize=1)
def code_stamp() -> str:
    """The size and modification time of every module and data file of the package: a
    scenario validated by other code (another version, an edited schema) is not reused."""
    import pydantic
    import pydantic_core

    from .. import __version__

    parts = [sys.version, pydantic.VERSION, pydantic_core.__version__, __version__, str(_PACKAGE)]
    stack = [_PACKAGE]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for e in sorted(entries, key=lambda e: e.name):
                if e.is_dir(follow_symlinks=False):
                    if e.name != "__pycache__":
                        stack.append(Path(e.path))
                elif e.name.endswith((".py", ".yaml", ".csv")):
                    st = e.stat()
                    parts.append(f"{e.path}:{st.st_mtime_ns}:{st.st_size}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _entry(where: Path, path: Path, given: str) -> Path:
    """The cache file in ``where`` of the scenario named ``given`` (as the user wrote it: the
    provenance keeps that name) and found at ``path``."""
    key = f"{given}\0{path.resolve()}".encode("utf-8", "surrogateescape")
    return where / f"{hashlib.sha256(key).hexdigest()}.pickle"


def _open_entry(entry: Path) -> Any:
    """The entry ``entry`` opened for reading (a binary file object), or None when it or its
    folder is not private (:func:`_private`) or it is not a regular file: the folder is opened
    first and the entry within it, without following a link, and both checked by ``fstat`` on
    what was opened, so a name swapped in between changes nothing."""
    dfd = os.open(entry.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if not _private(os.fstat(dfd)):
            return None
        fd = os.open(entry.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dfd)
    finally:
        os.close(dfd)
    st = os.fstat(fd)
    if not (stat.S_ISREG(st.st_mode) and _private(st)):
        os.close(fd)
        return None
    return open(fd, "rb")


def _same_bytes(path: str, sha256: str) -> bool:
    """Whether the file at ``path`` still holds the bytes of digest ``sha256``, read as the
    scenario reader reads it (regular file, capped); any problem: no."""
    try:
        data = safeio.read_capped(
            path, safeio.SCENARIO.max_bytes or 1_000_000, safeio.SCENARIO.what, path, ScenarioError
        )
    except Exception:  # noqa: BLE001 - any refusal of the reader: the full load says why
        return False
    return sha256_text(data) == sha256


def _files(chain: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(path, sha256) of every file a scenario was read from."""
    out = []
    for e in chain:
        out.append((e["path"], e["sha256"]))
        if "vocabulary" in e:
            out.append((e["vocabulary"]["path"], e["vocabulary"]["sha256"]))
    return out


def recall(path: Path, given: str) -> Any:
    """The scenario (a :class:`~simulate.policy.scenario.Scenario`) validated before from the
    same files and code, or None."""
    where = folder()
    if where is None or not _usable():
        return None
    try:
        fh = _open_entry(_entry(where, path, given))
        if fh is None:
            return None
        with fh:
            stamp, scenario = pickle.load(fh)  # noqa: S301 - written by keep() below, in this user's private folder
    except Exception:  # noqa: BLE001 - none, unreadable, or of classes that changed: a full load
        return None
    if stamp != code_stamp():
        return None
    if not all(_same_bytes(p, sha) for p, sha in _files(scenario.chain)):
        return None
    return scenario


def keep(path: Path, given: str, scenario: Any) -> None:
    """Keep a scenario just validated (no overrides) for the next run; quietly nothing if the
    cache folder cannot be written."""
    where = folder()
    if where is None or not _usable():
        return
    with contextlib.suppress(Exception):  # a cache that cannot be written costs only the next full load
        where.parent.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        where.parent.mkdir(mode=0o700, exist_ok=True)
        where.mkdir(mode=0o700, exist_ok=True)
        _prune(where)
        data = pickle.dumps((code_stamp(), scenario), pickle.HIGHEST_PROTOCOL)
        write_whole(_entry(where, path, given), data, mode=0o600)


def _prune(where: Path) -> None:
    """Remove the least recently written entries once there are ``MAX_ENTRIES``."""
    entries = sorted(where.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for old in entries[: max(0, len(entries) - MAX_ENTRIES + 1)]:
        with contextlib.suppress(OSError):
            old.unlink()
