"""Child processes end with their parent; SIGTERM ends a command like Ctrl-C (issue 10 item 7).

Pool workers (``simulate run``'s chunk workers, ``sweep``'s report processes) and report
kernels call :func:`die_with_parent` first thing: on Linux the kernel then sends them SIGKILL
when their parent dies, even by SIGKILL, so no orphan keeps memory or goes on publishing.
The command-line process calls :func:`terminate_like_interrupt`, so SIGTERM and SIGHUP unwind
through the same clean-up as Ctrl-C (workers ended, temporary folders removed), and runs inside
:func:`marked_descendants`, so after Ctrl-C or SIGTERM it ends whatever it started that is still
alive, even a process that left its parent (Chromium's helpers re-parent themselves to init).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any

_PR_SET_PDEATHSIG = 1
#: The environment variable that marks every process one command started (see marked_descendants).
_MARK = "SIMULATE_COMMAND_MARK"


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C (a KeyboardInterrupt, so every clean-up
    written for Ctrl-C runs), but report it as terminated, not interrupted."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def die_with_parent(parent_pid: int | None = None) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG).

    ``parent_pid`` is the pid the parent had when it started us: if the parent is already
    gone (it died before this call), exit at once. Elsewhere than Linux this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent died before prctl took effect


def dying_with_us() -> dict[str, Any]:
    """Keyword arguments for ``subprocess.Popen`` so the child (chromium, voila, …) is killed
    when this process dies: ``Popen(cmd, **dying_with_us())``. Empty elsewhere than Linux."""
    if not sys.platform.startswith("linux"):
        return {}
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork
    except (OSError, AttributeError):
        return {}

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return {"preexec_fn": preexec}


#: The signals that stop a command, held while worker processes are started.
STOPPING = {signal.SIGINT, signal.SIGTERM} | ({signal.SIGHUP} if hasattr(signal, "SIGHUP") else set())


@contextlib.contextmanager
def stops_held() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP wait while worker processes are started, and the workers are
    born with them held (a signal mask survives fork and exec) until :func:`quiet_child` has
    set them up. Without it a forked child could swallow one in the fork's own hooks, and a
    spawned one, hit by Ctrl-C while still importing, printed a KeyboardInterrupt traceback
    under the command's one line; held, a stop reaches this process just after, and stops it."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def quiet_child(parent_pid: int) -> None:
    """Pool initializer: die with the parent, and leave Ctrl-C to the parent (it ends us); the
    stops held at the start (:func:`stops_held`) are let through once so set: a held Ctrl-C is
    dropped, a held SIGTERM or SIGHUP ends the worker quietly."""
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)


def end_pool(pool: Any) -> None:
    """End a ProcessPoolExecutor's workers now (SIGKILL; what they started dies with them),
    cancelling queued jobs: after Ctrl-C, SIGTERM or an error no chunk or run goes on."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        if proc.is_alive():
            proc.kill()
    for proc in procs:
        proc.join(timeout=5)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


def terminate_like_interrupt() -> None:
    """In the command's main thread: SIGTERM and SIGHUP raise :class:`Terminated`."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(sig, _raise_terminated)
        except (ValueError, OSError):  # not the main thread, or no such signal here
            pass


#: A -W option for every Python process multiprocessing starts (its resource tracker among them).
_TRACKER_QUIET = "ignore::UserWarning:multiprocessing.resource_tracker"


def quiet_resource_tracker() -> None:
    """After Ctrl-C ends a pool or a Dask cluster, multiprocessing's resource tracker unlinks the
    semaphores the killed workers left, and would print "leaked semaphore objects" warnings under
    the command's one line: the tracker starts with that warning ignored (it still cleans up)."""
    if _TRACKER_QUIET not in sys.warnoptions:
        sys.warnoptions.append(_TRACKER_QUIET)  # passed on to the processes multiprocessing starts


@contextlib.contextmanager
def marked_descendants() -> Iterator[None]:
    """Mark every process started inside the block (a fresh value of ``SIMULATE_COMMAND_MARK`` in
    the environment they inherit); the previous value is restored when the block ends."""
    previous = os.environ.get(_MARK)
    os.environ[_MARK] = os.urandom(12).hex()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(_MARK, None)
        else:
            os.environ[_MARK] = previous


def end_marked_descendants() -> int:
    """SIGKILL every other live process carrying this block's mark, wherever it was re-parented
    (Linux ``/proc``; elsewhere nothing); returns how many were signalled. After Ctrl-C or SIGTERM
    nothing the command started may go on running or publishing (issue 10 item 7)."""
    mark = os.environ.get(_MARK)
    if not mark or not os.path.isdir("/proc"):
        return 0
    needle = f"{_MARK}={mark}".encode()
    ended = 0
    for _ in range(5):  # again while some were found: one may have been forking as we looked
        found = _kill_marked(needle)
        ended += found
        if not found:
            break
    return ended


def _kill_marked(needle: bytes) -> int:
    """SIGKILL every process whose environment holds ``needle``, but this one and its own children
    (multiprocessing's resource tracker and fork server are still needed until this one exits,
    and its workers were ended by their pools); how many."""
    me = os.getpid()
    ended = 0
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                parent = int(f.read().rsplit(b")", 1)[1].split()[1])
            if parent == me:
                continue
            with open(f"/proc/{name}/environ", "rb") as f:
                marked = needle in f.read().split(b"\0")
            if marked:
                os.kill(int(name), signal.SIGKILL)
                ended += 1
        except (OSError, ValueError, IndexError):  # gone meanwhile, or not ours to read
            continue
    return ended


def _kernel_main() -> None:
    """``python -m simulate.lifecycle -f CONNECTION_FILE``: an ipykernel that dies with the
    process that started it (jupyter_client puts that pid in JPY_PARENT_PID)."""
    parent = os.environ.get("JPY_PARENT_PID", "")
    die_with_parent(int(parent) if parent.isdigit() else None)
    try:
        here = os.getcwd()
    except OSError:  # the report folder is already gone: the parent is ending
        here = ""
    if sys.path and sys.path[0] in ("", here):
        del sys.path[0]  # as ipykernel_launcher: the notebook's folder is not a package root
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    _kernel_main()
