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
import json
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import SimulateError
from ..io.digest import file_sha256, same_digest, written_sha256
from ..io.idmask import find_ids, mask_ids_in_text
from ..io.leakscan import PAYMENT_LISTS, LeakError, refuse_leaks
from ..resources import write_whole
from .folder_guard import (
    GENERATOR,
    IN_PROGRESS,
    MANIFEST_NAME,
    MARKER_NAME,
    PublishError,
    clean_stale,
    diagnose,
    locked,
    make_parents,
    new_work,
    output_target,
    place_error,
    read_manifest,
)

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
        manifest = write_manifest(work, command)
        (work / MARKER_NAME).unlink()  # after: a killed build always holds one of the two
        pre_publish_check(work, command, {k: v["sha256"] for k, v in manifest["files"].items()})
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
    created = make_parents(target)
    published = False
    try:
        with locked(target):
            clean_stale(target.parent)
            refuse(target)
            work = new_work(target)
            try:
                yield work
                finish(work)
                published = True
            except Exception as exc:
                problem = diagnose(target, work, exc)  # before the folder is removed
                if problem is None:
                    raise
                raise problem from None
            finally:
                shutil.rmtree(work, ignore_errors=True)  # after a swap: the old folder
                IN_PROGRESS.discard(work)
    except OSError as exc:
        raise place_error(target, exc) from None
    finally:
        if not published:
            for folder in reversed(created):
                with contextlib.suppress(OSError):
                    folder.rmdir()


def pre_publish_check(folder: Path, command: str, digests: dict[str, str] | None = None) -> None:
    """Checks every output passes before it is published (raise SimulateError to refuse).

    ``folder`` is the finished build folder of ``command`` (report, sweep, roster, …). The
    one place for folder-wide checks, so every command gets them: the leak scan of issue 10
    item 2 belongs here (full ID numbers only in a roster's payment_lists/), as
    ``refuse_leaks(folder, exclude=(PAYMENT_LISTS,) if command == "roster" else ())``.
    ``digests`` (the manifest's sha256 of each file, just computed) lets the scan skip a file
    proved clean as it was written (:class:`simulate.io.leakscan.ProvedFile`).
    """
    scanned = _checked_inside(folder)
    refuse_leaks(folder, exclude=((PAYMENT_LISTS,) if command == "roster" else ()) + scanned, digests=digests)
    for name in scanned:  # their contents were scanned as they were published; their names were not
        if find_ids(name, strict=True):
            raise LeakError(
                mask_ids_in_text(name), "holds a full ID number in its name; the output folder was not published"
            )


def _checked_inside(folder: Path) -> tuple[str, ...]:
    """The top-level folders of ``folder`` published into it by :func:`publishing` (a sweep's
    runs), so already scanned: a manifest of ours listing every file with its sha256 unchanged
    (a manifest is written only to be checked at once, and a folder that fails is removed).
    Scanning them again cost a 10-report sweep about 3 s of CPU, alone at its end."""
    found = []
    for sub in sorted(folder.iterdir()):
        if sub.is_dir() and not sub.is_symlink():
            manifest = read_manifest(sub)
            # a roster's scan leaves its payment lists out: scanned again wherever it is nested
            if manifest is not None and manifest.get("command") != "roster" and not _not_ours(sub):
                found.append(sub.name)
    return tuple(found)


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
        raise place_error(target, exc) from None
    problem = _not_ours(target)
    if problem:
        raise PublishError(
            str(target),
            f"exists and {problem}; simulate replaces only a folder it wrote: move them or choose another --out",
        )


def write_manifest(folder: Path, command: str) -> dict[str, Any]:
    """Write ``folder/.simulate-manifest.json`` listing every file below it; return it. A file
    hashed as it was written is not read again (:func:`simulate.io.digest.written_sha256`)."""
    files: dict[str, dict[str, Any]] = {}
    dirs: list[str] = []
    for path in sorted(_walk(folder)):
        rel = path.relative_to(folder).as_posix()
        if rel in (MANIFEST_NAME, MARKER_NAME):
            continue
        if path.is_dir():
            dirs.append(rel)
        else:
            files[rel] = {"bytes": path.stat().st_size, "sha256": written_sha256(path)}
    manifest = {"generator": GENERATOR, "version": __version__, "command": command, "files": files, "dirs": dirs}
    _write_atomically(folder / MANIFEST_NAME, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return manifest


def interruption_note() -> str:
    """What to say after Ctrl-C or SIGTERM: whether any partial output was left, and where."""
    left = sorted(p for p in IN_PROGRESS if p.exists())
    if not left:
        return "no partial output was kept"
    return "partial output may remain in " + ", ".join(str(p) for p in left)


# --------------------------------------------------------------------------- helpers


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
                or not same_digest(entry.get("sha256"), file_sha256(path))
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


def _write_atomically(path: Path, text: str) -> None:
    write_whole(path, text.encode("utf-8"))


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
        with locked(folder, wait=True):
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
                files[name] = {"bytes": dest.stat().st_size, "sha256": file_sha256(dest)}
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
