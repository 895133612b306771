"""Local worker processes for a run's jobs (chunks of blocks, or partition files), with this
process working beside them.

``n`` workers are this process and ``n - 1`` children: forked children inherit the jobs and
start on them at once (spawned ones are sent them, once per child, not once per job), and every
process claims the next job from one shared counter as it becomes free, so a busy core does
less and no worker waits on a fixed share.
Results come back in job order, and a job's error is raised as the first failing job in that
order would raise it (every job before it has run), so the outcome does not depend on which
process ran what.
"""

from __future__ import annotations

import contextlib
import mmap
import multiprocessing as mp
import os
import struct
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

#: A job list: the function, the arguments every job shares (sent once to each process), and
#: each job's own arguments; the function is called ``fn(*shared, *own)``.
Jobs = tuple[Callable[..., Any], tuple[Any, ...], list[tuple[Any, ...]]]

#: The claim counters of the pool this process belongs to: (next job, jobs done).
_COUNTERS: tuple[Any, Any] | None = None

Ran = list[tuple[int, Any, BaseException | None]]  # (job index, result, error) of the jobs one process ran

#: The jobs a forked child inherits (set in the parent just around the fork), and what the
#: child ran of them: it works from its initializer, at once after the fork, and the one task
#: it is sent (:func:`_inherited_ran`) only fetches this. A child sent its jobs waited for two
#: of the parent's threads (the pool's manager and its queue's feeder) to get the interpreter
#: lock and pickle them over, while the parent held the lock with work of its own.
_INHERITED: Jobs | None = None
_RAN: Ran = []


def _child_start(parent_pid: int, counters: tuple[Any, Any], inherited: bool = False) -> None:
    """Pool initializer: quiet (Ctrl-C is the parent's), dies with the parent, knows the
    counters; a forked child (``inherited``) then runs the jobs it inherited."""
    from ..lifecycle import quiet_child

    global _COUNTERS, _RAN
    quiet_child(parent_pid)  # forked with the stops held (lifecycle.stops_held): let through now
    _COUNTERS = counters
    if inherited:
        assert _INHERITED is not None  # set by local_pool before the fork
        _RAN = _work(_INHERITED)


def _inherited_ran() -> Ran:
    """A forked child's part: the jobs it ran from its initializer."""
    return _RAN


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
    from ..lifecycle import end_pool, stops_held

    global _INHERITED
    each = jobs[2]
    ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    inherited = ctx.get_start_method() == "fork"
    n_children = min(n_workers, len(each)) - 1
    # forked: one single-process pool per child, so that each child's one task (fetching
    # what it ran) is its own, not taken by whichever child is free first; spawned: one pool
    pools: list[ProcessPoolExecutor] = []
    try:
        with stops_held():  # the counters' modules load and the children fork with stops held
            counters = _counters(ctx)
            # children ignore Ctrl-C (the parent alone decides to stop, then ends them) and
            # die with the parent even if it is killed outright
            start = (_child_start, (os.getpid(), counters, inherited))
            _INHERITED = jobs if inherited else None
            try:  # each pool forks at its first submit
                futures = _start_children(ctx, start, n_children, inherited, jobs, pools)
            finally:
                _INHERITED = None
        if meanwhile is not None:
            meanwhile()
        if not inherited:
            _let_children_start(counters, n_children, futures)
        ran, shown = _parents_part(jobs, counters, futures, bar)
        for f in futures:
            ran += f.result()
    except BaseException:
        # a pipe the pool's threads already closed must not turn Ctrl-C or SIGTERM into
        # another error (a BrokenPipeError would even read as the reader gone: exit 0)
        for ex in pools:
            with contextlib.suppress(Exception):
                end_pool(ex)
        raise
    for ex in pools:
        ex.shutdown(wait=True)
    bar.update(len(each) - shown)
    return _in_order(ran, len(each))


def _start_children(
    ctx: Any, start: tuple[Callable[..., None], tuple[Any, ...]], n: int, inherited: bool, jobs: Jobs, pools: list[Any]
) -> list[Any]:
    """Start ``n`` children (their pools appended to ``pools``): the futures of their parts."""
    if not n:
        return []
    if not inherited:
        pools.append(ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=start[0], initargs=start[1]))
        return [pools[0].submit(_work, jobs) for _ in range(n)]
    for _ in range(n):
        pools.append(ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=start[0], initargs=start[1]))
    return [ex.submit(_inherited_ran) for ex in pools]


def _parents_part(jobs: Jobs, counters: tuple[Any, Any], futures: list[Any], bar: Any) -> tuple[Ran, int]:
    """This process's part: jobs as it claims them, moving the bar by every process's finished
    jobs, until none is left, one fails here or a child has failed; (what it ran, the jobs the
    bar shows done)."""
    ran: Ran = []
    shown = 0
    while (got := _one(jobs, counters)) is not None:
        ran.append(got)
        done = int(counters[1].value)  # read once: a child may finish a job between two reads
        bar.update(done - shown)
        shown = done
        if got[2] is not None or _a_child_failed(futures):
            break
    return ran, shown


def _let_children_start(counters: tuple[Any, Any], n_children: int, futures: list[Any]) -> None:
    """Wait (20 ms at most) until the children have claimed their first jobs: the pool's threads
    that hand a child its work need the interpreter lock, which a job running here holds most of
    the time, so the first child began 20-40 ms after this process's first job (measured under
    load); asleep here, they run at once."""
    end = time.monotonic() + 0.02
    while int(counters[0].value) < n_children and time.monotonic() < end and not _a_child_failed(futures):
        time.sleep(0.0002)


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


def _counters(ctx: Any) -> tuple[Any, Any]:
    """(next job, jobs done), shared with the children: in an inherited mapping where they are
    forked, else (spawned) as ``multiprocessing.Value``."""
    if ctx.get_start_method() == "fork":
        return _SharedCount(ctx.Lock()), _SharedCount(ctx.Lock())
    return ctx.Value("q", 0), ctx.Value("q", 0)


def _a_child_failed(futures: list[Any]) -> bool:
    """Whether a child already ended in error (killed, out of memory): the parent stops claiming
    jobs then, instead of doing the rest of the run alone and throwing it away."""
    return any(f.done() and (f.cancelled() or f.exception() is not None) for f in futures)


def _in_order(ran: Ran, n_jobs: int) -> list[Any]:
    """The results by job index; the first failing job's error (jobs are claimed in order, so
    every job before it ran) if any failed."""
    results: list[Any] = [None] * n_jobs
    for k, result, error in sorted(ran, key=lambda r: r[0]):
        if error is not None:
            raise error
        results[k] = result
    return results
