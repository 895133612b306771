"""What ``simulate run`` loads at start-up (issue 16 item 5: nothing the command does not
need): pydantic's plugin search, which reads every installed package's metadata, is left out
while plugins are off, and pydantic's plugin loader still answers for anything else."""

import contextlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str, **env: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in __import__("os").environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"} | env,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def test_a_synthetic_run_does_not_read_package_metadata():
    code = (
        "import sys\n"
        "from simulate.cli import main\n"
        "assert main(['run', 'scenarios/sinan-2021.yaml', '--size', '2000', '--json']) == 0\n"
        "print('importlib.metadata' in sys.modules, 'email' in sys.modules)\n"
    )
    assert _python(code) == "False False"


def test_the_stand_in_plugin_loader_answers_no_plugins_and_steps_aside_for_other_names():
    code = (
        "import sys\n"
        "import simulate.cli\n"
        "loader = sys.modules['pydantic.plugin._loader']\n"
        "assert tuple(loader.get_plugins()) == ()\n"
        "group = loader.PYDANTIC_ENTRY_POINT_GROUP  # not the stand-in's: the real loader is loaded\n"
        "real = sys.modules['pydantic.plugin._loader']\n"
        "print(group, real is not loader, tuple(real.get_plugins()))\n"
    )
    assert _python(code) == "pydantic True ()"


def test_plugins_switched_on_by_the_user_are_searched_as_pydantic_does():
    # PYDANTIC_DISABLE_PLUGINS set to something else by the user: no stand-in, the real search
    code = (
        "import sys\nimport simulate.cli\nfrom simulate.policy import load_scenario\n"
        "load_scenario('scenarios/sinan-2021.yaml')\nprint('importlib.metadata' in sys.modules)\n"
    )
    assert _python(code, PYDANTIC_DISABLE_PLUGINS="some_other_plugin") == "True"


def test_a_run_with_workers_loads_the_results_modules_beside_them_not_before():
    # the Outlay's modules (labels, budget, the people-table rows) are not needed to start the
    # count: they load while the workers count (issue 16 item 5), and the run's figures are
    # those of a run in one process
    code = (
        "import sys, json, io, contextlib\n"
        "from simulate.cli import main\n"
        "import simulate.model.runner as runner\n"
        "seen = []\n"
        "real = runner.local_pool\n"
        "def spy(*a):\n"
        "    seen.append('simulate.results.outlay' in sys.modules)\n"
        "    return real(*a)\n"
        "runner.local_pool = spy\n"
        "outs = []\n"
        "for w in ('2', '1'):\n"
        "    buf = io.StringIO()\n"
        "    argv = ['run', 'scenarios/sinan-2021.yaml', '--size', '3000000', '--workers', w, '--json']\n"
        "    with contextlib.redirect_stdout(buf):\n"
        "        assert main(argv) == 0\n"
        "    outs.append(buf.getvalue())\n"
        "print(seen, outs[0] == outs[1], json.loads(outs[0])['persons'])\n"
    )
    assert _python(code) == "[False] True 3000000"


def test_a_run_leaves_shutil_unloaded_and_help_keeps_argparse_s_width(monkeypatch):
    # argparse imports shutil (zlib, bz2, lzma) for the terminal's width at every formatter it
    # makes; help_width reads the same width without it
    code = (
        "import sys\n"
        "from simulate.cli import main\n"
        "assert main(['run', 'scenarios/sinan-2021.yaml', '--size', '2000', '--json']) == 0\n"
        "print('shutil' in sys.modules)\n"
    )
    assert _python(code) == "False"
    import shutil

    from simulate.cli.argtext import help_width

    for columns in ("37", "200", "", "x", "-5"):
        monkeypatch.setenv("COLUMNS", columns)
        assert help_width() == shutil.get_terminal_size().columns - 2
    monkeypatch.delenv("COLUMNS")
    assert help_width() == shutil.get_terminal_size().columns - 2


def _program(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)


_ARGV = "import sys, runpy\nsys.argv = ['simulate', 'run', 'scenarios/sinan-2021.yaml', '--size', '2000', '--json']\n"
#: ``python -m simulate`` (the command itself), from a program that goes on if it returns
_AS_THE_COMMAND = "runpy.run_module('simulate', run_name='__main__', alter_sys=True)\n"


def test_run_as_the_command_ends_at_once_after_its_output_when_nothing_waits_for_the_exit():
    proc = _program(_ARGV + "try:\n    " + _AS_THE_COMMAND + "except SystemExit:\n    print('went on')\n")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["persons"] == 2000  # the whole output, flushed before the end
    assert "went on" not in proc.stdout
    # main() called by a program of the user's returns to it, even with sys.argv's arguments
    proc = _program(_ARGV + "from simulate.cli import main\ncode = main()\nprint('went on', code)\n")
    assert proc.returncode == 0 and proc.stdout.strip().endswith("went on 0")


def test_an_exit_handler_or_another_thread_gets_the_ordinary_exit():
    handler = "import atexit\natexit.register(lambda: print('handler ran', flush=True))\n"
    proc = _program(_ARGV + handler + _AS_THE_COMMAND)
    assert proc.returncode == 0 and json.loads(proc.stdout.split("handler ran")[0])["persons"] == 2000
    assert proc.stdout.strip().endswith("handler ran")
    thread = "import threading\nbusy = threading.Event()\nthreading.Thread(target=busy.wait).start()\n"
    went_on = (
        "try:\n    " + _AS_THE_COMMAND + "except SystemExit as stop:\n    print('went on', stop.code)\nbusy.set()\n"
    )
    proc = _program(_ARGV + thread + went_on)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("went on 0")


_RUN = ["run", "scenarios/sinan-2021.yaml", "--size", "1000", "--json"]


def _command(args: list[str]) -> str:
    """``python -m simulate ARGS`` for the shell: the command itself (it may end at once)."""
    return f"exec {shlex.quote(sys.executable)} -m simulate " + " ".join(args)


def _ordinary(args: list[str]) -> str:
    """The same command called from a program that then exits: always the interpreter's own exit."""
    code = f"import sys\nfrom simulate.cli import main\nsys.exit(main({args!r}))"
    return f"exec {shlex.quote(sys.executable)} -c {shlex.quote(code)}"


@pytest.mark.parametrize("args", [_RUN[:-1], _RUN], ids=["table", "json"])
@pytest.mark.parametrize("closed", [">&-", "2>&-", ">&- 2>&-"])
def test_run_with_its_output_descriptor_closed_exits_as_the_ordinary_path_does(closed: str, args: list[str]) -> None:
    # a descriptor closed at the start leaves sys.stdout / sys.stderr None: nothing to flush,
    # nothing to write (the JSON as the table: an internal error, exit 3, before)
    got = [
        subprocess.run(f"{shell(args)} {closed}", shell=True, capture_output=True, text=True, cwd=ROOT)
        for shell in (_command, _ordinary)
    ]
    assert [proc.returncode for proc in got] == [0, 0], got[0].stderr
    assert "Traceback" not in got[0].stderr and got[0].stderr == got[1].stderr


def test_without_cpythons_exit_handler_count_the_command_takes_the_ordinary_exit() -> None:
    gone = "import atexit\ndel atexit._ncallbacks\n"  # as on an interpreter that does not have it
    went_on = "try:\n    " + _AS_THE_COMMAND + "except SystemExit as stop:\n    print('went on', stop.code)\n"
    proc = _program(_ARGV + gone + went_on)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.split("went on")[0])["persons"] == 2000
    assert proc.stdout.strip().endswith("went on 0")


def test_the_quick_end_loses_nothing_to_a_full_pipe_or_a_file(tmp_path: Path) -> None:
    expected = subprocess.run(_ordinary(_RUN), shell=True, capture_output=True, cwd=ROOT).stdout
    assert json.loads(expected)["persons"] == 1000
    r, w = os.pipe()
    os.set_blocking(w, False)
    filled = 0
    with contextlib.suppress(BlockingIOError):  # the pipe full before the command writes
        while True:
            filled += os.write(w, b"x" * 4096)
    os.set_blocking(w, True)
    proc = subprocess.Popen(_command(_RUN), shell=True, stdout=w, cwd=ROOT)
    os.close(w)
    with open(r, "rb") as pipe:
        got = pipe.read()  # drained only now: the command's flush waited on a full pipe
    assert proc.wait() == 0
    assert got == b"x" * filled + expected
    out = tmp_path / "out.json"
    with out.open("wb") as f:
        assert subprocess.run(_command(_RUN), shell=True, stdout=f, cwd=ROOT).returncode == 0
    assert out.read_bytes() == expected
