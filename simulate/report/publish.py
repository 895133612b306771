"""Publishing output folders: built aside, checked, then swapped into place at once (issue 10 items 6–8).

Every command that writes a folder (``report``, ``sweep``, ``roster``, …) writes it through
:func:`publishing`:

* the folder is built in a hidden sibling ``.<name>.simulate-partial-<pid>-<random>`` that
  holds a marker (pid, process start time, host) until it is published;
* a manifest ``.simulate-manifest.json`` lists every file written (size and sha256), the
  command and the simulate version;
* the checks every published folder must pass run in :func:`pre_publish_check`;
* the folder then replaces ``--out`` in one rename (Linux ``renameat2(RENAME_EXCHANGE)``).

``--out`` is replaced only when it is missing, empty, or holds a manifest of ours and nothing
but the files it lists, unchanged; otherwise one line, exit 2, nothing touched. A second
command writing the same ``--out`` meanwhile is refused at once (an ``flock`` on
``.<name>.simulate-lock`` beside it), not queued: its output would silently replace the
first one's. A partial folder whose owner process is gone (killed) is removed by the next
command publishing beside it. Unwritable places (read-only, full, /proc) are one line naming
the folder and the reason, and leave nothing behind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import SimulateError
from ..io.leakscan import PAYMENT_LISTS, refuse_leaks

MANIFEST_NAME = ".simulate-manifest.json"
MARKER_NAME = ".simulate-partial.json"
GENERATOR = "simulate"
_PARTIAL = "simulate-partial"
_LOCK = "simulate-lock"
_WORK_RE = re.compile(r"^\.(?P<name>.+)\.(?:simulate-partial|simulate-old)-(?P<pid>\d+)-[0-9a-f]{8}$")
_LOCK_RE = re.compile(r"^\..+\.simulate-lock$")
_SYSTEM_DIRS = (Path("/proc"), Path("/sys"), Path("/dev"))
_REASONS = {
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

#: Folders being built by this process (removed again on any failure); read by the CLI to
#: say truthfully whether partial output was kept after an interruption.
IN_PROGRESS: set[Path] = set()


class PublishError(SimulateError):
    """An output folder that cannot be written or may not be replaced; one line, exit 2."""

    def __reduce__(self) -> tuple[Any, ...]:  # crosses process pools (sweep workers)
        return (type(self), (self.where, self.reason))


# --------------------------------------------------------------------------- public API


@contextlib.contextmanager
def publishing(
    out_dir: str | os.PathLike[str], command: str, *, check: Callable[[Path], None] | None = None
) -> Iterator[Path]:
    """Yield an empty hidden folder to build ``out_dir`` in; publish it when the block ends.

    ``command`` (e.g. "report") is recorded in the manifest; arguments are not, as file names
    may hold ID numbers. ``check(folder)`` runs after :func:`pre_publish_check` and may raise
    to refuse publishing. On any exception nothing is published and the folder is removed;
    an OSError of the place (full, read-only, …) becomes a :class:`PublishError`.
    """
    target = output_target(out_dir)

    def finish(work: Path) -> None:
        write_manifest(work, command)
        (work / MARKER_NAME).unlink()  # after: a killed build always holds one of the two
        pre_publish_check(work, command)
        if check is not None:
            check(work)
        check_replaceable(target)  # the user may have added files meanwhile
        _swap(work, target)

    with _building(target, check_replaceable, finish) as work:
        yield work


@contextlib.contextmanager
def _building(target: Path, refuse: Callable[[Path], None], finish: Callable[[Path], None]) -> Iterator[Path]:
    """Parents, lock, stale clean-up and a build folder for ``target``; ``finish(work)``
    publishes it when the block ends. Whatever fails, the build folder and the parents
    created for it are removed, and a failure of the place becomes one PublishError."""
    created = _make_parents(target)
    published = False
    try:
        with _locked(target):
            clean_stale(target.parent)
            refuse(target)
            work = _new_work(target)
            try:
                yield work
                finish(work)
                published = True
            except Exception as exc:
                problem = _diagnose(target, work, exc)  # before the folder is removed
                if problem is None:
                    raise
                raise problem from None
            finally:
                shutil.rmtree(work, ignore_errors=True)  # after a swap: the old folder
                IN_PROGRESS.discard(work)
    except OSError as exc:
        raise _place_error(target, exc) from None
    finally:
        if not published:
            for folder in reversed(created):
                with contextlib.suppress(OSError):
                    folder.rmdir()


def pre_publish_check(folder: Path, command: str) -> None:
    """Checks every output passes before it is published (raise SimulateError to refuse).

    ``folder`` is the finished build folder of ``command`` (report, sweep, roster, …). The
    one place for folder-wide checks, so every command gets them: the leak scan of issue 10
    item 2 belongs here (full ID numbers only in a roster's payment_lists/), as
    ``refuse_leaks(folder, exclude=(PAYMENT_LISTS,) if command == "roster" else ())``.
    """
    refuse_leaks(folder, exclude=(PAYMENT_LISTS,) if command == "roster" else ())


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


def check_replaceable(target: Path) -> None:
    """Raise :class:`PublishError` unless ``target`` is missing, empty, or entirely ours.

    Ours means: a manifest written by simulate, and every file in the folder listed there with
    the size and sha256 it had when written (no other file, folder or link).
    """
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink() or not target.is_dir():
        raise PublishError(str(target), "exists and is not a folder; choose another --out")
    try:
        if not any(target.iterdir()):
            return
    except OSError as exc:
        raise _place_error(target, exc) from None
    problem = _not_ours(target)
    if problem:
        raise PublishError(
            str(target),
            f"exists and {problem}; simulate replaces only a folder it wrote: move them or choose another --out",
        )


def write_manifest(folder: Path, command: str) -> dict[str, Any]:
    """Write ``folder/.simulate-manifest.json`` listing every file below it; return it."""
    files: dict[str, dict[str, Any]] = {}
    dirs: list[str] = []
    for path in sorted(_walk(folder)):
        rel = path.relative_to(folder).as_posix()
        if rel in (MANIFEST_NAME, MARKER_NAME):
            continue
        if path.is_dir():
            dirs.append(rel)
        else:
            files[rel] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    manifest = {"generator": GENERATOR, "version": __version__, "command": command, "files": files, "dirs": dirs}
    _write_atomically(folder / MANIFEST_NAME, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return manifest


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
            if _owner_alive(entry, int(match["pid"])):
                continue
            if (entry / MARKER_NAME).is_file() or read_manifest(entry) is not None or not any(entry.iterdir()):
                shutil.rmtree(entry, ignore_errors=True)
                if not entry.exists():
                    removed.append(entry)
        elif _LOCK_RE.match(entry.name) and entry.is_file() and not entry.is_symlink():
            try:
                fd = _try_lock(entry)
            except OSError:
                continue
            if fd is not None:
                _unlock(entry, fd)
                removed.append(entry)
    return removed


def interruption_note() -> str:
    """What to say after Ctrl-C or SIGTERM: whether any partial output was left, and where."""
    left = sorted(p for p in IN_PROGRESS if p.exists())
    if not left:
        return "no partial output was kept"
    return "partial output may remain in " + ", ".join(str(p) for p in left)


# --------------------------------------------------------------------------- helpers


def _make_parents(target: Path) -> list[Path]:
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
        reason = _REASONS.get(exc.errno or -1)
        if reason is None:
            raise
        raise PublishError(str(target), f"cannot create its folder: {reason}") from None
    if not target.parent.is_dir():
        raise PublishError(str(target), "a part of the path is a file, not a folder")
    return created


def _diagnose(target: Path, work: Path, exc: BaseException) -> PublishError | None:
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
            error = _place_error(target, item)
            if isinstance(error, PublishError):
                return error
        todo += [item.__cause__, item.__context__, *item.args]
    try:
        fs = os.statvfs(work)
    except OSError:
        return None
    if fs.f_flag & os.ST_RDONLY:
        return PublishError(str(target), f"cannot write the output here: {_REASONS[errno.EROFS]}")
    if fs.f_bavail * fs.f_frsize < _NEARLY_FULL:
        return PublishError(str(target), f"cannot write the output here: {_REASONS[errno.ENOSPC]}")
    return None


_NEARLY_FULL = 64 << 10  # bytes free below which a failed build is put down to a full disk


def _place_error(target: Path, exc: OSError) -> BaseException:
    """A one-line PublishError for an OSError of the output place, else the error itself."""
    reason = _REASONS.get(exc.errno or -1)
    where = exc.filename
    if reason is None or (
        isinstance(where, (str, bytes, os.PathLike))
        and not str(Path(os.fsdecode(where)).absolute()).startswith(str(target.parent))
    ):
        return exc
    return PublishError(str(target), f"cannot write the output here: {reason}")


@contextlib.contextmanager
def _locked(target: Path, wait: bool = False) -> Iterator[None]:
    """Hold the lock of ``target`` (a file beside it); if another command holds it, refuse
    (or with ``wait``, wait for it)."""
    lock = target.parent / f".{target.name}.{_LOCK}"
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise _place_error(target, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f" (pid {holder})" if holder else ""
            raise PublishError(
                str(target),
                f"another simulate command{who} is writing this folder; wait for it to finish or choose another --out",
            ) from None
        if _same_file(fd, lock):  # not a lock file its last holder unlinked meanwhile
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        _unlock(lock, fd)


def _try_lock(path: Path) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    if not _same_file(fd, path):
        os.close(fd)
        return None
    return fd


def _unlock(path: Path, fd: int) -> None:
    """Remove the lock file while holding it (waiters re-check the inode), then release."""
    with contextlib.suppress(OSError):
        os.unlink(path)
    os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _process_start(pid: int) -> float | None:
    try:
        import psutil
    except ImportError:
        return None
    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.Error, OSError):  # no such process (any more)
        return None


def _new_work(target: Path) -> Path:
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
            "started": _process_start(pid),
            "host": socket.gethostname(),
            "target": target.name,
        }
        (work / MARKER_NAME).write_text(json.dumps(marker) + "\n", "utf-8")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        IN_PROGRESS.discard(work)
        raise
    return work


def _owner_alive(folder: Path, pid: int) -> bool:
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
    started = _process_start(pid)
    if started is None:
        return not _pid_gone(pid)
    recorded = marker.get("started")
    # a start time other than the recorded one: the pid was reused by a later process
    return not (isinstance(recorded, (int, float)) and abs(recorded - started) > 1.0)


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _not_ours(target: Path) -> str:
    """Why ``target`` is not a folder simulate wrote (empty text if it is)."""
    manifest = read_manifest(target)
    if manifest is None:
        others = _sample(p.relative_to(target).as_posix() for p in _walk(target))
        return f"holds files simulate did not write ({others})"
    listed = manifest["files"]
    dirs = set(manifest.get("dirs", []))
    extra, changed = [], []
    for path in _walk(target):
        rel = path.relative_to(target).as_posix()
        if rel == MANIFEST_NAME:
            continue
        if path.is_symlink():
            extra.append(rel)
        elif path.is_dir():
            if rel not in dirs:
                extra.append(rel + "/")
        elif rel not in listed:
            extra.append(rel)
        else:
            entry = listed[rel]
            if (
                not isinstance(entry, dict)
                or path.stat().st_size != entry.get("bytes")
                or _sha256(path) != entry.get("sha256")
            ):
                changed.append(rel)
    if extra:
        return f"holds files simulate did not write ({_sample(extra)})"
    if changed:
        return f"holds files changed since simulate wrote them ({_sample(changed)})"
    return ""


def _walk(folder: Path) -> Iterator[Path]:
    """Every file, folder and link below ``folder`` (links are not followed)."""
    for root, dirnames, filenames in os.walk(folder, followlinks=False):
        base = Path(root)
        for name in dirnames:
            yield base / name
        for name in filenames:
            yield base / name


def _sample(names: Iterator[str] | list[str], shown: int = 3) -> str:
    names = sorted(names)
    text = ", ".join(names[:shown])
    return text + (f" and {len(names) - shown} more" if len(names) > shown else "")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    try:
        temporary.write_text(text, "utf-8")
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


_RENAME_EXCHANGE = 2


def _swap(work: Path, target: Path) -> None:
    """Put ``work`` at ``target`` in one step; the old target (if any) ends up at ``work``."""
    if target.exists() and sys.platform.startswith("linux") and _exchange(work, target):
        return
    if not target.exists():
        os.rename(work, target)  # replaces at most an empty folder created meanwhile
        return
    old = target.parent / f".{target.name}.simulate-old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    os.rename(target, old)
    try:
        os.rename(work, target)
    except BaseException:
        os.rename(old, target)
        raise
    os.rename(old, work)  # so that the caller removes it with the build folder


def _exchange(a: Path, b: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): swap two folders atomically; False if not supported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


# --------------------------------------------------------------------------- single files


def publish_file(
    path: str | os.PathLike[str], write: Callable[[Path], None], *, is_ours: Callable[[Path], bool], command: str
) -> Path:
    """Write one output file (say ``--chart FILE.png``) aside, then move it into place.

    ``write(tmp)`` writes the file (same name, in a hidden partial folder beside it); an
    existing ``path`` is replaced only if ``is_ours(path)`` says simulate wrote it. Locking,
    unwritable places and stale folders as for :func:`publishing`. Returns ``path``.
    """
    target = output_target(path)
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise PublishError(str(target), "exists and is not a regular file; choose another name")

    def refuse(target: Path) -> None:
        if target.exists() and not is_ours(target):
            raise PublishError(str(target), "exists and was not written by simulate; move it or choose another name")

    def finish(work: Path) -> None:
        pre_publish_check(work, command)
        os.replace(work / target.name, target)

    with _building(target, refuse, finish) as work:
        write(work / target.name)
    return Path(path)


#: The PNG text chunk simulate writes into its charts (matplotlib ``metadata``).
PNG_SOFTWARE = "simulate"


def png_by_simulate(path: Path) -> bool:
    """Whether ``path`` is a PNG whose Software text chunk names simulate (a chart of ours)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return False
    return head.startswith(b"\x89PNG\r\n\x1a\n") and b"tEXtSoftware\x00" + PNG_SOFTWARE.encode() in head


# --------------------------------------------------------------------------- failed notebooks


def keep_aside(source: Path, folder: Path, name: str) -> Path | None:
    """Move ``source`` (a failed run's notebook) to ``folder/name`` without touching user files.

    ``folder`` (say ``reports/failed``) is created with a manifest of ours; a file there is
    replaced only if our manifest lists it. Otherwise the file goes to a new temporary folder.
    Returns where it went, or None if it could not be kept anywhere.
    """
    try:
        with _locked(folder, wait=True):
            if not folder.exists():
                folder.mkdir(parents=True)
                _write_ledger(folder, {})
            ledger = read_manifest(folder)
            dest = folder / name
            if (
                ledger is not None
                and folder.is_dir()
                and not folder.is_symlink()
                and (
                    not (dest.exists() or dest.is_symlink())
                    or (name in ledger["files"] and dest.is_file() and not dest.is_symlink())
                )
            ):
                shutil.move(str(source), dest)
                files = dict(ledger["files"])
                files[name] = {"bytes": dest.stat().st_size, "sha256": _sha256(dest)}
                _write_ledger(folder, files)
                return dest
    except (OSError, SimulateError):
        pass
    try:
        elsewhere = Path(tempfile.mkdtemp(prefix="simulate-failed-")) / name
        shutil.move(str(source), elsewhere)
        return elsewhere
    except OSError:
        return None


def _write_ledger(folder: Path, files: dict[str, Any]) -> None:
    _write_atomically(
        folder / MANIFEST_NAME,
        json.dumps(
            {"generator": GENERATOR, "version": __version__, "command": "failed notebooks", "files": files, "dirs": []},
            ensure_ascii=False,
            indent=1,
            sort_keys=True,
        )
        + "\n",
    )
