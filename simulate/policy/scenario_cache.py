"""A scenario file validated once per content, not at every run (issue 16 item 5: reading the
YAML and validating it, the schema built first, were ~20 ms of every ``simulate run``).

After a scenario loads without overrides, the validated :class:`~simulate.policy.scenario.Scenario`
is kept, pickled, in the user's cache folder (``$XDG_CACHE_HOME/simulate/scenarios``, else
``~/.cache/simulate/scenarios``). It is used again only when every file it was read from (the
scenario, the files it ``extends``, a vocabulary file) still has the very bytes it had, by
SHA-256 (the digests its provenance records), read through the same capped reader; and only by
the same code of simulate (the size and time of each of its modules and data files). Anything
else, or a cache that cannot be read or written, costs nothing but the full load. Nothing is
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
import sys
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..io import safeio
from ..io.digest import sha256_text

_PACKAGE = Path(__file__).resolve().parent.parent
#: Entries kept at most; the oldest go when a new one would pass this (tests make many).
MAX_ENTRIES = 200


def folder() -> Path:
    """Where the validated scenarios are kept."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "simulate" / "scenarios"


def _usable() -> bool:
    return os.environ.get("PYDANTIC_DISABLE_PLUGINS") in ("__all__", "1", "true")


@functools.lru_cache(maxsize=1)
def code_stamp() -> str:
    """The size and modification time of every module and data file of the package: a
    scenario validated by other code (another version, an edited schema) is not reused."""
    parts = [sys.version, str(_PACKAGE)]
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


def _entry(path: Path, given: str) -> Path:
    """The cache file of the scenario named ``given`` (as the user wrote it: the provenance
    keeps that name) and found at ``path``."""
    key = f"{given}\0{path.resolve()}".encode("utf-8", "surrogateescape")
    return folder() / f"{hashlib.sha256(key).hexdigest()}.pickle"


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
    if not _usable():
        return None
    try:
        with open(_entry(path, given), "rb") as fh:
            stamp, scenario = pickle.load(fh)  # noqa: S301 - written by keep() below, in the user's own cache
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
    if not _usable():
        return
    target = _entry(path, given)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _prune(target.parent)
        tmp.write_bytes(pickle.dumps((code_stamp(), scenario), pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, target)  # whole or not at all, whoever else writes it at once
    except Exception:  # noqa: BLE001 - a cache that cannot be written costs only the next full load
        with contextlib.suppress(OSError):
            tmp.unlink()


def _prune(where: Path) -> None:
    """Remove the least recently written entries once there are ``MAX_ENTRIES``."""
    entries = sorted(where.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for old in entries[: max(0, len(entries) - MAX_ENTRIES + 1)]:
        with contextlib.suppress(OSError):
            old.unlink()
