"""Who may write an output folder: the lock beside it, the hidden build folder with its owner
marker, and the removal of build folders whose owner died (issue 10 items 6-8).

:mod:`simulate.report.publish` builds and swaps folders with these; a second command writing
the same ``--out`` meanwhile is refused at once (an ``flock`` on ``.<name>.simulate-lock``), and
a partial folder whose owner process is gone is removed by the next command publishing beside it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import SimulateError

MANIFEST_NAME = ".simulate-manifest.json"
MARKER_NAME = ".simulate-partial.json"
GENERATOR = "simulate"
_PARTIAL = "simulate-partial"
_LOCK = "simulate-lock"
_WORK_RE = re.compile(r"^\.(?P<name>.+)\.(?:simulate-partial|simulate-old)-(?P<pid>\d+)-[0-9a-f]{8}$")
_LOCK_RE = re.compile(r"^\..+\.simulate-lock$")
REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for the file system",
    errno.ENAMETOOLONG: "name too long",
    errno.ENOTDIR: "a part of the path is a file",
    errno.EIO: "input/output error",
    errno.EMLINK: "too many entries in the folder",
    errno.ENOENT: "a folder of the path is missing or cannot be created",
}
_SYSTEM_DIRS = (Path("/proc"), Path("/sys"), Path("/dev"))

_NEARLY_FULL = 64 << 10  # bytes free below which a failed build is put down to a full disk


#: Folders being built by this process (removed again on any failure); read by the CLI to
#: say truthfully whether partial output was kept after an interruption.
IN_PROGRESS: set[Path] = set()


class PublishError(SimulateError):
    """An output folder that cannot be written or may not be replaced; one line, exit 2."""


def place_error(target: Path, exc: OSError) -> BaseException:
    """A one-line PublishError for an OSError of the output place, else the error itself."""
    reason = REASONS.get(exc.errno or -1)
    where = exc.filename
    if reason is None or (
        isinstance(where, (str, bytes, os.PathLike))
        and not str(Path(os.fsdecode(where)).absolute()).startswith(str(target.parent))
    ):
        return exc
    return PublishError(str(target), f"cannot write the output here: {reason}")


@contextlib.contextmanager
def locked(target: Path, wait: bool = False) -> Iterator[None]:
    """Hold the lock of ``target`` (a file beside it); if another command holds it, refuse
    (or with ``wait``, wait for it)."""
    lock = target.parent / f".{target.name}.{_LOCK}"
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise place_error(target, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = read_pid(fd)
            os.close(fd)
            who = f" (pid {holder})" if holder else ""
            raise PublishError(
                str(target),
                f"another simulate command{who} is writing this folder; wait for it to finish or choose another --out",
            ) from None
        if same_file(fd, lock):  # not a lock file its last holder unlinked meanwhile
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        unlock(lock, fd)


def try_lock(path: Path) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    if not same_file(fd, path):
        os.close(fd)
        return None
    return fd


def unlock(path: Path, fd: int) -> None:
    """Remove the lock file while holding it (waiters re-check the inode), then release."""
    with contextlib.suppress(OSError):
        os.unlink(path)
    os.close(fd)


def same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def new_work(target: Path) -> Path:
    """Create the hidden build folder beside ``target`` with its owner marker."""
    pid = os.getpid()
    work = target.parent / f".{target.name}.{_PARTIAL}-{pid}-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    IN_PROGRESS.add(work)
    try:
        os.chmod(work, 0o755)
        marker = {
            "generator": GENERATOR,
            "pid": pid,
            "started": process_start(pid),
            "host": socket.gethostname(),
            "target": target.name,
        }
        (work / MARKER_NAME).write_text(json.dumps(marker) + "\n", "utf-8")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        IN_PROGRESS.discard(work)
        raise
    return work


def process_start(pid: int) -> float | None:
    try:
        import psutil
    except ImportError:
        return None
    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.Error, OSError):  # no such process (any more)
        return None


def owner_alive(folder: Path, pid: int) -> bool:
    """Whether the process that built ``folder`` may still be running (then leave it)."""
    try:
        marker = json.loads((folder / MARKER_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        marker = {}
    if not isinstance(marker, dict):
        marker = {}
    if marker.get("host") not in (None, socket.gethostname()):
        return True  # built on another machine (shared folder): its pid means nothing here
    if pid == os.getpid() and folder in IN_PROGRESS:
        return True
    started = process_start(pid)
    if started is None:
        return not pid_gone(pid)
    recorded = marker.get("started")
    # a start time other than the recorded one: the pid was reused by a later process
    return not (isinstance(recorded, (int, float)) and abs(recorded - started) > 1.0)


def pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest simulate wrote in ``folder``, or None if there is none of ours."""
    path = folder / MANIFEST_NAME
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 64 << 20:
            return None
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not (
        isinstance(data, dict)
        and data.get("generator") == GENERATOR
        and isinstance(data.get("files"), dict)
        and isinstance(data.get("dirs", []), list)
    ):
        return None
    return data


def clean_stale(parent: Path) -> list[Path]:
    """Remove partial folders and lock files in ``parent`` left by simulate runs that died.

    A folder is removed only if its name is ours (``.<name>.simulate-partial-<pid>-<hex>``),
    its owner pid is not running (or is another process by start time), and it holds our
    marker or manifest or nothing. Returns what was removed.
    """
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _WORK_RE.match(entry.name)
        if match and entry.is_dir() and not entry.is_symlink():
            if owner_alive(entry, int(match["pid"])):
                continue
            if (entry / MARKER_NAME).is_file() or read_manifest(entry) is not None or not any(entry.iterdir()):
                shutil.rmtree(entry, ignore_errors=True)
                if not entry.exists():
                    removed.append(entry)
        elif _LOCK_RE.match(entry.name) and entry.is_file() and not entry.is_symlink():
            try:
                fd = try_lock(entry)
            except OSError:
                continue
            if fd is not None:
                unlock(entry, fd)
                removed.append(entry)
    return removed


def output_target(out_dir: str | os.PathLike[str]) -> Path:
    """The absolute output folder, refusing system folders (/proc, /sys, /dev) up front."""
    if not str(out_dir).strip():
        raise PublishError("--out", "an empty name is not a folder for output")
    target = Path(out_dir).resolve()
    if target == target.parent:
        raise PublishError(str(target), "the root folder is not a place for output")
    for system in _SYSTEM_DIRS:
        if target == system or system in target.parents:
            raise PublishError(
                str(target), f"{system} is a system folder, not a place for output; choose another --out"
            )
    return target


def make_parents(target: Path) -> list[Path]:
    """Create the missing folders above ``target``; return them (outermost first)."""
    missing = []
    for folder in [target.parent, *target.parent.parents]:
        if folder.exists():
            break
        missing.append(folder)
    missing.reverse()
    created = []
    try:
        for folder in missing:
            folder.mkdir()
            created.append(folder)
    except FileExistsError:
        if not target.parent.is_dir():
            raise PublishError(str(target), "a part of the path is a file, not a folder") from None
    except OSError as exc:
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                folder.rmdir()
        reason = REASONS.get(exc.errno or -1)
        if reason is None:
            raise
        raise PublishError(str(target), f"cannot create its folder: {reason}") from None
    if not target.parent.is_dir():
        raise PublishError(str(target), "a part of the path is a file, not a folder")
    return created


def diagnose(target: Path, work: Path, exc: BaseException) -> PublishError | None:
    """A PublishError if building failed because of the place (full, read-only, …): an
    OSError of the place anywhere in the exception's chain (say inside xlsxwriter's or a
    kernel's error), or a file system that is now read-only or (almost) full."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, OSError):
            error = place_error(target, item)
            if isinstance(error, PublishError):
                return error
        todo += [item.__cause__, item.__context__, *item.args]
    try:
        fs = os.statvfs(work)
    except OSError:
        return None
    if fs.f_flag & os.ST_RDONLY:
        return PublishError(str(target), f"cannot write the output here: {REASONS[errno.EROFS]}")
    if fs.f_bavail * fs.f_frsize < _NEARLY_FULL:
        return PublishError(str(target), f"cannot write the output here: {REASONS[errno.ENOSPC]}")
    return None
