"""A worker process hit by Ctrl-C while it is still starting (a spawned render worker imports
papermill for a second or more) stays quiet: started under ``lifecycle.stops_held`` it is born
with the stops held, and ``quiet_child`` drops a held Ctrl-C. Without it the child printed a
KeyboardInterrupt traceback under the command's one line (a sweep interrupted early)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A spawned worker whose start-up (standing in for imports) lasts 1.5 s; Ctrl-C is sent to it
# half-way through, then a job is asked of it.
_PROBE = """
import multiprocessing, os, signal, sys, time
from concurrent.futures import ProcessPoolExecutor
from simulate import lifecycle

def slow_start(parent, ready):
    ready.set()
    time.sleep(1.5)
    lifecycle.quiet_child(parent)

def job():
    return "ran", signal.getsignal(signal.SIGINT) is signal.SIG_IGN, bool(
        lifecycle.STOPPING & signal.pthread_sigmask(signal.SIG_BLOCK, []))

if __name__ == "__main__":
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    pool = ProcessPoolExecutor(1, mp_context=ctx, initializer=slow_start, initargs=(os.getpid(), ready))
    if sys.argv[1] == "held":
        with lifecycle.stops_held():
            future = pool.submit(job)
    else:
        future = pool.submit(job)
    ready.wait(60)
    time.sleep(0.3)
    for pid in list(pool._processes):
        os.kill(pid, signal.SIGINT)
    try:
        print(future.result(timeout=60))
    except Exception as exc:
        print("failed", type(exc).__name__)
    pool.shutdown()
"""


def _probe(how: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "probe.py"
    script.write_text(_PROBE, "utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(script), how], env=env, capture_output=True, text=True, timeout=120)


def test_ctrl_c_while_a_worker_starts_is_dropped_quietly(tmp_path):
    out = _probe("held", tmp_path)
    assert out.returncode == 0, out.stderr
    # the job ran, in a worker that ignores Ctrl-C and holds nothing any more
    assert out.stdout.strip() == "('ran', True, False)"
    assert "Traceback" not in out.stderr and "KeyboardInterrupt" not in out.stderr


def test_without_the_stops_held_the_same_ctrl_c_breaks_the_worker_loudly(tmp_path):
    """The control: the probe can see the failure it guards against."""
    out = _probe("plain", tmp_path)
    assert "KeyboardInterrupt" in out.stderr and "failed BrokenProcessPool" in out.stdout
