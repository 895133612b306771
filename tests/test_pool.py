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
    return k * k, os.getpid()


def _fails_at(bad: frozenset[int], k: int) -> int:
    if k in bad:
        raise ValueError(f"job {k} failed")
    return k


@pytest.mark.parametrize("workers", [2, 3])
def test_results_come_back_in_job_order_and_the_bar_reaches_every_job(workers):
    bar = _Bar()
    out = local_pool((_square, (), [(k,) for k in range(40)]), workers, bar)
    assert [r for r, _ in out] == [k * k for k in range(40)]
    assert bar.n == 40
    assert os.getpid() in {pid for _, pid in out}  # this process works beside its children


@pytest.mark.parametrize("bad", [{0}, {7}, {7, 30}, {39}, {3, 4, 5}])
def test_a_failure_is_the_first_failing_job_in_job_order(bad):
    jobs = (_fails_at, (frozenset(bad),), [(k,) for k in range(40)])
    with pytest.raises(ValueError, match=f"job {min(bad)} failed"):
        local_pool(jobs, 2, _Bar())
