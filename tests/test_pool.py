"""Local workers (``model.pool``): this process and forked children claim jobs from one counter;
results come back in job order, and a failure is the first failing job's in that order, whichever
process ran what."""

from __future__ import annotations

import os

import pytest

from simulate.model.pool import local_pool


class _Bar:
    def __init__(self) -> None:
        self.n = 0

    def update(self, n: int = 1) -> None:
        self.n += n


def _square(k: int) -> tuple[int, int]:
    import time

    time.sleep(0.002)  # jobs long enough that the children cannot take them all before the parent claims one
    return k * k, os.getpid()


def _fails_at(bad: frozenset[int], k: int) -> int:
    if k in bad:
        raise ValueError(f"job {k} failed")
    return k


@pytest.mark.parametrize("workers", [2, 3])
def test_results_come_back_in_job_order_and_the_bar_reaches_every_job(workers):
    bar = _Bar()
    out = local_pool((_square, (), [(k,) for k in range(400)]), workers, bar)
    assert [r for r, _ in out] == [k * k for k in range(400)]
    assert bar.n == 400
    assert os.getpid() in {pid for _, pid in out}  # this process works beside its children


@pytest.mark.parametrize("bad", [{0}, {7}, {7, 30}, {39}, {3, 4, 5}])
def test_a_failure_is_the_first_failing_job_in_job_order(bad):
    jobs = (_fails_at, (frozenset(bad),), [(k,) for k in range(40)])
    with pytest.raises(ValueError, match=f"job {min(bad)} failed"):
        local_pool(jobs, 2, _Bar())


def _child_dies(parent: int, ran: list[int], k: int) -> int:
    """A child dies outright (as under the kernel's out-of-memory killer); the parent's jobs
    are slow enough that it would otherwise still have most of the run to do alone."""
    import time

    if os.getpid() != parent:
        os._exit(9)
    ran.append(k)
    time.sleep(0.05)
    return k


def test_a_child_killed_stops_the_run_before_the_parent_does_the_rest_alone():
    from concurrent.futures.process import BrokenProcessPool

    ran: list[int] = []  # the parent's own jobs (a child's list is its own copy)
    with pytest.raises(BrokenProcessPool):
        local_pool((_child_dies, (os.getpid(), ran), [(k,) for k in range(400)]), 2, _Bar())
    assert 0 < len(ran) < 200, len(ran)


#: How many children this process had forked (a child sees its own place in the fork order).
_FORKED = [0]


def _one_child_dies(parent: int, which: int, folder: str, k: int) -> int:
    """The ``which``-th child forked dies outright at its first job from 3 on; every finished
    job leaves a mark of its own in ``folder`` (a child's memory is its own copy)."""
    import time

    if os.getpid() != parent and _FORKED[0] == which and k >= 3:
        os._exit(9)
    time.sleep(0.02)
    open(os.path.join(folder, f"done-{k}"), "x").close()
    return k


@pytest.mark.parametrize("which", [1, 2])
def test_a_child_killed_among_three_workers_stops_the_other_children_too(tmp_path, monkeypatch, which):
    # the parent once waited on the children in fork order: when the second died, the first
    # claimed and ran every job left before the dead one was looked at
    from concurrent.futures.process import BrokenProcessPool

    from simulate.model import pool

    fork = pool._Forked.fork

    def counted(self: pool._Forked, *args: object) -> None:
        _FORKED[0] += 1  # before the fork: the child keeps the number
        fork(self, *args)

    monkeypatch.setattr(pool._Forked, "fork", counted)
    _FORKED[0] = 0
    jobs = (_one_child_dies, (os.getpid(), which, str(tmp_path)), [(k,) for k in range(200)])
    with pytest.raises(BrokenProcessPool):
        local_pool(jobs, 3, _Bar())
    assert _FORKED[0] == 2
    done = len(list(tmp_path.glob("done-*")))
    assert done < 100, done  # all 199 others, when the first child's pipe was read to its end first


def _user_mistake(parent: int, k: int) -> int:
    import time

    from simulate.rosters.mapping import RosterError

    if os.getpid() != parent:
        raise RosterError("花名册.xlsx", f"第 {k} 行无法读取")
    time.sleep(0.01)  # the parent's jobs leave the child time to start and claim one
    return k


def test_a_users_mistake_in_a_child_arrives_as_itself_not_as_a_broken_pool():
    from simulate.rosters.mapping import RosterError

    jobs = (_user_mistake, (os.getpid(),), [(k,) for k in range(400)])
    with pytest.raises(RosterError, match="花名册.xlsx: 第 .* 行无法读取") as caught:
        local_pool(jobs, 2, _Bar())
    assert caught.value.file == "花名册.xlsx"


def test_every_kind_of_user_error_survives_pickling_with_its_chinese_and_its_other_problems():
    import pickle

    from simulate.errors import PopulationError, ScenarioError
    from simulate.io.leakscan import LeakError
    from simulate.report.folder_guard import PublishError
    from simulate.rosters.mapping import RosterError

    more = (ScenarioError("tiers[0]", "bad", reason_zh="错"),)
    for err in (
        ScenarioError("a.yaml", "bad value", where_zh="甲.yaml", reason_zh="值有误", more=more),
        PopulationError("p.csv:3", "age"),
        LeakError("out/x.txt", "full ID"),
        PublishError("out", "exists"),
        RosterError("r.xlsx", "no header"),
    ):
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err)
        assert str(back) == str(err)
        assert back.one_line("zh") == err.one_line("zh") and back.lines("en") == err.lines("en")
        assert vars(back).keys() == vars(err).keys()


@pytest.mark.parametrize("workers", [2, 3])
def test_meanwhile_runs_once_here_while_the_children_work_and_leaves_the_results_alone(workers):
    calls: list[tuple[int, int]] = []
    jobs = (_square, (), [(k,) for k in range(200)])
    out = local_pool(jobs, workers, _Bar(), lambda: calls.append((os.getpid(), len(calls))))
    assert calls == [(os.getpid(), 0)]
    assert [r for r, _ in out] == [k * k for k in range(200)]
    assert len({pid for _, pid in out}) == workers  # every child worked, and this process too


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="Linux: counts this process's open files")
def test_the_pool_leaves_no_pipe_open_after_a_run_or_a_failure():
    before = _open_fds()
    local_pool((_square, (), [(k,) for k in range(50)]), 3, _Bar())
    with pytest.raises(ValueError):
        local_pool((_fails_at, (frozenset({20}),), [(k,) for k in range(40)]), 2, _Bar())
    assert _open_fds() == before


def _unpicklable_in_a_child(parent: int, k: int) -> object:
    import time

    time.sleep(0.002)
    return k if os.getpid() == parent else (lambda: k)


def test_a_result_a_child_cannot_send_back_fails_the_run_with_its_reason():
    jobs = (_unpicklable_in_a_child, (os.getpid(),), [(k,) for k in range(200)])
    with pytest.raises(RuntimeError, match="could not be sent back"):
        local_pool(jobs, 2, _Bar())


def test_spawned_children_elsewhere_than_linux_give_the_same_results(monkeypatch):
    # the pool outside Linux: children spawned by a ProcessPoolExecutor and sent the jobs
    import sys

    monkeypatch.setattr(sys, "platform", "darwin")
    bar = _Bar()
    out = local_pool((_square, (), [(k,) for k in range(60)]), 2, bar)
    assert [r for r, _ in out] == [k * k for k in range(60)] and bar.n == 60
    with pytest.raises(ValueError, match="job 7 failed"):
        local_pool((_fails_at, (frozenset({7, 30}),), [(k,) for k in range(40)]), 2, _Bar())
