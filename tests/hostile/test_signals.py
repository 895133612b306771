"""Processes end with their parent (issue 10 item 7).

A ``simulate run`` with two workers, a ``sweep`` (report processes and their kernels) or a
``report`` (its kernel) that is killed (SIGKILL), terminated (SIGTERM) or interrupted
(Ctrl-C) leaves no process behind and publishes no folder afterwards. Every process the
command starts carries a tag in its environment, so a survivor is found wherever it was
re-parented. Waits are bounded by pytest-timeout, never asserted on the clock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
SIMULATE = str(Path(sys.executable).with_name("simulate"))
BIG_RUN = ["run", "scenarios/sinan-2021.yaml", "--workers", "2", "--size", "300000000"]
SWEEP = [
    "sweep",
    "scenarios/langxi-2024.yaml",
    "--param",
    "contribution.personal",
    "--values",
    "380,400,420",
    "--size",
    "20000",
    "--workers",
    "2",
]
REPORT = ["report", "scenarios/langxi-2024.yaml", "--size", "20000"]


class Command:
    """A simulate command in its own process group, every descendant tagged."""

    def __init__(self, args: list[str], tmp_path: Path) -> None:
        self.tag = uuid.uuid4().hex
        self.stderr_path = tmp_path / "stderr.txt"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", "SIMULATE_TEST_TAG": self.tag}
        env.pop("SIMULATE_DEBUG", None)
        with open(self.stderr_path, "w", encoding="utf-8") as err:  # a file: orphans cannot block us
            self.proc = subprocess.Popen(
                [SIMULATE, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
            )

    def tagged(self) -> list[psutil.Process]:
        return _tagged(self.tag)

    def wait_for_children(self, count: int, kernel: bool = False) -> None:
        """Wait until the command has ``count`` descendants (one an ipykernel if asked)."""
        parent = psutil.Process(self.proc.pid)
        while True:
            assert self.proc.poll() is None, self.stderr()
            kids = parent.children(recursive=True)
            kernels = [k for k in kids if _is_kernel(k)]
            if len(kids) >= count and (kernels or not kernel):
                return
            time.sleep(0.2)

    def wait_until_nothing_is_left(self, grace: float = 120.0) -> None:
        """Wait until no tagged process is left; after ``grace`` seconds fail naming the survivors
        (a bound for diagnosis, not a timing assertion: everything ends within a second or two)."""
        deadline = time.monotonic() + grace
        while left := self.tagged():
            if time.monotonic() > deadline:
                pytest.fail("still running: " + "; ".join(_describe(p) for p in left))
            time.sleep(0.2)

    def stderr(self) -> str:
        return self.stderr_path.read_text("utf-8", "replace")

    def cleanup(self) -> None:
        for proc in self.tagged():
            try:
                proc.kill()
            except psutil.Error:
                pass


def _tagged(tag: str) -> list[psutil.Process]:
    """Every live process (but zombies) carrying ``tag`` in its environment."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and proc.environ().get("SIMULATE_TEST_TAG") == tag:
                found.append(proc)
        except (psutil.Error, OSError):
            continue
    return found


def _describe(proc: psutil.Process) -> str:
    try:
        return f"{proc.pid} (parent {proc.ppid()}, {proc.status()}): {' '.join(proc.cmdline())[:160]}"
    except psutil.Error:
        return f"{proc.pid} (gone)"


def _is_kernel(proc: psutil.Process) -> bool:
    try:
        return "simulate.lifecycle" in " ".join(proc.cmdline())
    except psutil.Error:
        return False


@pytest.fixture
def command(tmp_path):
    started: list[Command] = []

    def start(args: list[str]) -> Command:
        cmd = Command(args, tmp_path)
        started.append(cmd)
        return cmd

    yield start
    for cmd in started:
        cmd.cleanup()


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in text and "Warning" not in text, text
    return lines[0]


# --------------------------------------------------------------------------- run


@pytest.mark.timeout(180)
def test_killed_run_leaves_no_worker(command):
    cmd = command(BIG_RUN)
    cmd.wait_for_children(1)  # two workers: the run's own process and one forked child
    cmd.proc.send_signal(signal.SIGKILL)
    cmd.proc.wait()
    cmd.wait_until_nothing_is_left()


@pytest.mark.timeout(180)
def test_terminated_run_ends_its_workers_and_says_one_line(command):
    cmd = command(BIG_RUN)
    cmd.wait_for_children(1)  # two workers: the run's own process and one forked child
    cmd.proc.send_signal(signal.SIGTERM)
    assert cmd.proc.wait() == 128 + signal.SIGTERM
    cmd.wait_until_nothing_is_left()
    line = _one_line(cmd.stderr())
    assert line.startswith("simulate run: 已终止（SIGTERM）")  # the locale (C.UTF-8) gives zh


@pytest.mark.timeout(240)
def test_ctrl_c_on_the_dask_engine_is_one_line(command):
    cmd = command([*BIG_RUN, "--engine", "dask"])
    cmd.wait_for_children(3)
    os.killpg(cmd.proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
    assert cmd.proc.wait() == 130
    cmd.wait_until_nothing_is_left()
    assert _one_line(cmd.stderr()) == "simulate run: 已中断；未留下不完整的输出"


# --------------------------------------------------------------------------- sweep and report


@pytest.mark.timeout(300)
def test_killed_sweep_leaves_no_process_and_publishes_nothing(command, tmp_path):
    out = tmp_path / "sweep"
    cmd = command([*SWEEP, "--out", str(out)])
    cmd.wait_for_children(3, kernel=True)  # two report processes, at least one kernel
    cmd.proc.send_signal(signal.SIGKILL)
    cmd.proc.wait()
    cmd.wait_until_nothing_is_left()
    # nothing that could publish is alive any more, so this is final
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith((".sweep.", "stderr"))]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_stopped_sweep_keeps_nothing_and_says_so(command, tmp_path, how):
    out = tmp_path / "sweep"
    cmd = command([*SWEEP, "--out", str(out)])
    cmd.wait_for_children(3, kernel=True)
    if how == "SIGINT":
        os.killpg(cmd.proc.pid, signal.SIGINT)
    else:
        cmd.proc.send_signal(signal.SIGTERM)
    code = cmd.proc.wait()
    cmd.wait_until_nothing_is_left()
    line = _one_line(cmd.stderr())
    if how == "SIGINT":
        assert code == 130 and line == "simulate sweep: 已中断；未留下不完整的输出"
    else:
        assert code == 143 and line == "simulate sweep: 已终止（SIGTERM）；未留下不完整的输出"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stderr.txt"]  # true: nothing kept


@pytest.mark.timeout(300)
def test_killed_report_leaves_no_kernel(command, tmp_path):
    out = tmp_path / "report"
    cmd = command([*REPORT, "--out", str(out)])
    cmd.wait_for_children(1, kernel=True)
    cmd.proc.send_signal(signal.SIGKILL)
    cmd.proc.wait()
    cmd.wait_until_nothing_is_left()
    assert not out.exists()


@pytest.mark.timeout(300)
def test_a_killed_sweeps_leftovers_are_cleaned_by_the_next_command(command, tmp_path):
    out = tmp_path / "sweep"
    cmd = command([*SWEEP, "--out", str(out)])
    cmd.wait_for_children(2)
    cmd.proc.send_signal(signal.SIGKILL)
    cmd.proc.wait()
    cmd.wait_until_nothing_is_left()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".sweep.simulate-partial-")]
    from simulate.report.publish import clean_stale

    clean_stale(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stderr.txt"]


@pytest.mark.timeout(60)
def test_a_helper_program_started_with_dying_with_us_ends_with_its_parent():
    """The helper for other subprocesses (chromium printing a PDF, voila): killed parent,
    no helper left."""
    code = (
        "import subprocess, sys, time\n"
        "from simulate.lifecycle import dying_with_us\n"
        "subprocess.Popen(['sleep', '600'], **dying_with_us())\n"
        "time.sleep(600)\n"
    )
    tag = uuid.uuid4().hex
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SIMULATE_TEST_TAG": tag}
    parent = subprocess.Popen([sys.executable, "-c", code], env=env)
    try:
        while not [p for p in psutil.Process(parent.pid).children() if p.name() == "sleep"]:
            time.sleep(0.1)
        parent.kill()
        parent.wait()
        while _tagged(tag):
            time.sleep(0.2)
    finally:
        for proc in _tagged(tag):
            proc.kill()


@pytest.mark.timeout(60)
def test_an_interrupted_command_ends_what_left_its_parent_and_nothing_else():
    """After Ctrl-C the command ends every process it started, even one re-parented to init
    (as Chromium's crash handler does), and never one started before the command."""
    code = (
        "import subprocess\n"
        "from simulate.lifecycle import end_marked_descendants, marked_descendants\n"
        "subprocess.run(['sh', '-c', 'setsid sleep 602 >/dev/null 2>&1 &'], check=True)\n"
        "with marked_descendants():\n"
        "    subprocess.run(['sh', '-c', 'setsid sleep 601 >/dev/null 2>&1 &'], check=True)\n"
        "    print(end_marked_descendants())\n"
    )
    tag = uuid.uuid4().hex
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SIMULATE_TEST_TAG": tag}
    try:
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert int(out.stdout) >= 1
        while [p for p in _tagged(tag) if "601" in " ".join(p.cmdline())]:
            time.sleep(0.2)
        # started before the command, re-parented alike, but unmarked: still running
        assert [p for p in _tagged(tag) if "602" in " ".join(p.cmdline())]
    finally:
        for proc in _tagged(tag):
            proc.kill()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("quiet", [True, False])
def test_the_resource_tracker_cleans_up_without_a_word_under_the_one_line(quiet):
    """What Ctrl-C on a pool or a Dask cluster leaves (a semaphore its killed workers held) is
    unlinked by multiprocessing's resource tracker, which warned about it on our stderr; the
    unquiet run shows the check can fail."""
    code = (
        "from simulate.lifecycle import quiet_resource_tracker\n"
        + ("quiet_resource_tracker()\n" if quiet else "")
        + "from multiprocessing import resource_tracker\n"
        "resource_tracker.register('/simulate-test-left-behind', 'semaphore')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONWARNINGS", None)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=50)
    assert proc.returncode == 0
    if quiet:
        assert proc.stderr == ""
    else:
        assert "leaked semaphore" in proc.stderr
