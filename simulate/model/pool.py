"""Local worker processes for a run's jobs (chunks of blocks, or partition files), with this
process working beside them.

``n`` workers are this process and ``n - 1`` children. On Linux the children are forked by
hand (:class:`_Forked`): they inherit the jobs and start on them at once, with no pool threads,
queues or semaphores, and send back what they ran through a pipe of their own; elsewhere they
are spawned by a ``ProcessPoolExecutor`` and sent the jobs once each. Every process claims the
next job from one shared counter as it becomes free, so a busy core does less and no worker
waits on a fixed share. Results come back in job order, and a job's error is raised as the
first failing job in that order would raise it (every job before it has run), so the outcome
does not depend on which process ran what.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import signal
import struct
import sys
import time
from collections.abc import Callable
from typing import Any, NoReturn

#: A job list: the function, the arguments every job shares (sent once to each process), and
#: each job's own arguments; the function is called ``fn(*shared, *own)``.
Jobs = tuple[Callable[..., Any], tuple[Any, ...], list[tuple[Any, ...]]]

#: The claim counters of the pool this process belongs to: (next job, jobs done).
_COUNTERS: tuple[Any, Any] | None = None

Ran = list[tuple[int, Any, BaseException | None]]  # (job index, result, error) of the jobs one process ran


def _child_start(parent_pid: int, counters: tuple[Any, Any]) -> None:
    """A child's start: quiet (Ctrl-C is the parent's), dies with the parent, knows the counters."""
    from ..lifecycle import quiet_child

    global _COUNTERS
    quiet_child(parent_pid)  # started with the stops held (lifecycle.stops_held): let through now
    _COUNTERS = counters


def _one(jobs: Jobs, counters: tuple[Any, Any]) -> tuple[int, Any, BaseException | None] | None:
    """Claim the next job and run it here: (index, result, error), None when none is left. A
    failure stops every process claiming more: the run fails."""
    fn, shared, each = jobs
    claim, done = counters
    with claim.get_lock():
        k = int(claim.value)
        if k >= len(each):
            return None
        claim.value = k + 1
    try:
        result = fn(*shared, *each[k])
    except Exception as exc:  # raised by the parent, in job order
        with claim.get_lock():
            claim.value = len(each)
        return k, None, exc
    with done.get_lock():
        done.value += 1
    return k, result, None


def _work(jobs: Jobs) -> Ran:
    """A child's part: jobs as it claims them, until none is left or one fails."""
    assert _COUNTERS is not None  # set by _child_start
    out: Ran = []
    while (got := _one(jobs, _COUNTERS)) is not None:
        out.append(got)
        if got[2] is not None:
            break
    return out


def local_pool(jobs: Jobs, n_workers: int, bar: Any, meanwhile: Callable[[], object] | None = None) -> list[Any]:
    """Jobs over this process and ``n_workers - 1`` children, results in job order; on Ctrl-C
    or an error the children are ended at once (no job is left running, no partial result is
    returned). The bar moves by every process's finished jobs. ``meanwhile`` is called here
    once the children are working, before this process claims its first job: start-up work
    of the caller's own (e.g. loading the modules that read the results) done beside them."""
    n_children = min(n_workers, len(jobs[2])) - 1
    if sys.platform.startswith("linux"):
        return _forked_pool(jobs, n_children, bar, meanwhile)
    return _spawned_pool(jobs, n_children, bar, meanwhile)


def _forked_pool(jobs: Jobs, n_children: int, bar: Any, meanwhile: Callable[[], object] | None) -> list[Any]:
    """:func:`local_pool` with children forked by hand."""
    from ..lifecycle import stops_held

    kids = _Forked()
    locks = (_PipeLock(), _PipeLock())
    try:
        with stops_held():  # the children are forked with the stops held (quiet_child lets them through)
            counters = (_SharedCount(locks[0]), _SharedCount(locks[1]))
            for _ in range(n_children):
                kids.fork(jobs, counters)
        if meanwhile is not None:
            meanwhile()
        ran, shown = _parents_part(jobs, counters, kids.failed, bar)
        kids.raise_if_failed()  # at once: the other children would otherwise go on to the last job
        ran += kids.results()
    except BaseException:
        kids.end()  # Ctrl-C, SIGTERM or an error: no child goes on
        raise
    finally:
        for lock in locks:
            lock.close()
    bar.update(len(jobs[2]) - shown)
    return _in_order(ran, len(jobs[2]))


def _spawned_pool(jobs: Jobs, n_children: int, bar: Any, meanwhile: Callable[[], object] | None) -> list[Any]:
    """:func:`local_pool` with children spawned by a ``ProcessPoolExecutor`` (not Linux)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from ..lifecycle import end_pool, stops_held

    ctx = mp.get_context("spawn")
    ex: ProcessPoolExecutor | None = None
    try:
        with stops_held():  # the counters' modules load and the children start with stops held
            counters = (ctx.Value("q", 0), ctx.Value("q", 0))
            # children ignore Ctrl-C (the parent alone decides to stop, then ends them) and
            # die with the parent even if it is killed outright
            ex = ProcessPoolExecutor(
                max_workers=n_children, mp_context=ctx, initializer=_child_start, initargs=(os.getpid(), counters)
            )
            futures = [ex.submit(_work, jobs) for _ in range(n_children)]
        if meanwhile is not None:
            meanwhile()

        def failed() -> bool:
            return any(f.done() and (f.cancelled() or f.exception() is not None) for f in futures)

        _let_children_start(counters, n_children, failed)
        ran, shown = _parents_part(jobs, counters, failed, bar)
        for f in futures:
            ran += f.result()
    except BaseException:
        # a pipe the pool's threads already closed must not turn Ctrl-C or SIGTERM into
        # another error (a BrokenPipeError would even read as the reader gone: exit 0)
        if ex is not None:
            with contextlib.suppress(Exception):
                end_pool(ex)
        raise
    ex.shutdown(wait=True)
    bar.update(len(jobs[2]) - shown)
    return _in_order(ran, len(jobs[2]))


def _parents_part(jobs: Jobs, counters: tuple[Any, Any], failed: Callable[[], bool], bar: Any) -> tuple[Ran, int]:
    """This process's part: jobs as it claims them, moving the bar by every process's finished
    jobs, until none is left, one fails here or a child has ``failed`` (killed, out of memory:
    then the rest is not done here alone to be thrown away); (what it ran, the jobs the bar
    shows done)."""
    ran: Ran = []
    shown = 0
    while (got := _one(jobs, counters)) is not None:
        ran.append(got)
        done = int(counters[1].value)  # read once: a child may finish a job between two reads
        bar.update(done - shown)
        shown = done
        if got[2] is not None or failed():
            break
    return ran, shown


def _let_children_start(counters: tuple[Any, Any], n_children: int, failed: Callable[[], bool]) -> None:
    """Wait (20 ms at most) until the children have claimed their first jobs: the pool's threads
    that hand a child its work need the interpreter lock, which a job running here holds most of
    the time, so the first child began 20-40 ms after this process's first job (measured under
    load); asleep here, they run at once."""
    end = time.monotonic() + 0.02
    while int(counters[0].value) < n_children and time.monotonic() < end and not failed():
        time.sleep(0.0002)


class _Forked:
    """The children this process forked: each works from its fork on, then sends what it ran
    (:data:`Ran`, pickled) through its own pipe and exits; a child that ends without sending
    it (killed, out of memory) breaks the run."""

    def __init__(self) -> None:
        self.kids: list[tuple[int, int]] = []  # (pid, read end of its pipe)
        self.status: dict[int, int] = {}  # wait status of the children already reaped
        self.open: set[int] = set()  # the pipes not read to the end yet

    def fork(self, jobs: Jobs, counters: tuple[Any, Any]) -> None:
        """Fork one child that starts on the jobs at once and sends what it ran through a new
        pipe whose write end only that child holds, so its death is an end of file here at once."""
        parent = os.getpid()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(r)
            for _, fd in self.kids:
                os.close(fd)
            _child_main(jobs, counters, parent, w)
        os.close(w)
        self.kids.append((pid, r))
        self.open.add(r)

    def _reap(self, pid: int, block: bool) -> None:
        if pid not in self.status:
            got, status = os.waitpid(pid, 0 if block else os.WNOHANG)
            if got == pid:
                self.status[pid] = status

    def failed(self) -> bool:
        """Whether a child already ended without finishing its part."""
        for pid, _ in self.kids:
            self._reap(pid, block=False)
        return any(status != 0 for status in self.status.values())

    def raise_if_failed(self) -> None:
        """Raise ``BrokenProcessPool`` if a child already ended without finishing its part."""
        if self.failed():
            _broken(next(status for status in self.status.values() if status != 0))

    def results(self) -> Ran:
        """What every child ran: the pipes read as data comes (whichever child sends first), each
        child reaped at its pipe's end; a child that ends without sending its part breaks the run
        at once, not after the others have finished theirs."""
        import selectors

        out: Ran = []
        got: dict[int, list[bytes]] = {fd: [] for _, fd in self.kids}
        pids = {fd: pid for pid, fd in self.kids}
        with selectors.DefaultSelector() as waiting:
            for fd in pids:
                waiting.register(fd, selectors.EVENT_READ)
            while waiting.get_map():
                self.raise_if_failed()
                for key, _ in waiting.select():
                    fd = key.fd
                    data = os.read(fd, 1 << 20)
                    if data:
                        got[fd].append(data)
                        continue
                    waiting.unregister(fd)
                    os.close(fd)
                    self.open.discard(fd)
                    pid = pids[fd]
                    self._reap(pid, block=True)
                    if not got[fd] or self.status[pid] != 0:
                        _broken(self.status[pid])
                    out += pickle.loads(b"".join(got[fd]))
        return out

    def end(self) -> None:
        """End every child still running (SIGKILL), reap them and close the pipes."""
        for pid, _ in self.kids:
            if pid not in self.status:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(OSError):
                    self._reap(pid, block=True)
        for fd in self.open:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.open.clear()


def _broken(status: int) -> NoReturn:
    """The error a child that ended abruptly (killed, out of memory) makes of the run, as the
    ``ProcessPoolExecutor`` raised it."""
    from concurrent.futures.process import BrokenProcessPool

    raise BrokenProcessPool(f"a worker process ended abruptly (wait status {status})")


def _child_main(jobs: Jobs, counters: tuple[Any, Any], parent: int, fd: int) -> NoReturn:
    """A forked child's whole life: its part of the jobs, sent back through ``fd``; it exits
    without running the parent's exit handlers or flushing the parent's buffers."""
    code = 1
    try:
        _child_start(parent, counters)
        ran = _work(jobs)
        try:
            data = pickle.dumps(ran, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a result or error that cannot travel: the run fails on it
            why = RuntimeError(f"a worker's result could not be sent back: {type(exc).__name__}: {exc}")
            data = pickle.dumps([(ran[0][0] if ran else 0, None, why)])
        with open(fd, "wb") as pipe:
            pipe.write(data)
        code = 0
    finally:
        os._exit(code)


class _PipeLock:
    """A lock forked children share: one token in a pipe, taken by reading it and given back
    by writing it (no ``multiprocessing`` semaphore to load and make at every run)."""

    def __init__(self) -> None:
        self._r, self._w = os.pipe()
        os.write(self._w, b"x")

    def __enter__(self) -> None:
        while not os.read(self._r, 1):
            pass

    def __exit__(self, *exc: object) -> None:
        os.write(self._w, b"x")

    def close(self) -> None:
        os.close(self._r)
        os.close(self._w)


class _SharedCount:
    """A whole number in an anonymous shared mapping, which forked children inherit, with a
    lock: the part of ``multiprocessing.Value("q")`` the pool uses, without its heap arena (a
    temporary folder and file made at the start of every run and removed at its end: 3-14 ms
    before the first job, measured)."""

    def __init__(self, lock: Any) -> None:
        self._mem = mmap.mmap(-1, 8)  # MAP_SHARED | MAP_ANONYMOUS, zero-filled
        self._lock = lock

    def get_lock(self) -> Any:
        return self._lock

    @property
    def value(self) -> int:
        got: int = struct.unpack_from("q", self._mem)[0]
        return got

    @value.setter
    def value(self, v: int) -> None:
        struct.pack_into("q", self._mem, 0, v)


def _in_order(ran: Ran, n_jobs: int) -> list[Any]:
    """The results by job index; the first failing job's error (jobs are claimed in order, so
    every job before it ran) if any failed."""
    results: list[Any] = [None] * n_jobs
    for k, result, error in sorted(ran, key=lambda r: r[0]):
        if error is not None:
            raise error
        results[k] = result
    return results
