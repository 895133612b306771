"""Output folders never delete or mix a user's files (issue 10 items 6 and 8).

Every command that writes a folder (report, sweep, roster) replaces ``--out`` only when it
holds simulate's manifest and nothing else; a full, read-only or system place, or a second
writer, is one line naming the folder, exit 2, and nothing left behind.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulate.cli import main
from simulate.errors import SimulateError
from simulate.report import publish


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """These tests read the English wording of messages (an English locale picks it, in process
    and in subprocesses); the Chinese wording is tested in tests/test_lang_everywhere.py."""
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")


ROOT = Path(__file__).resolve().parents[2]
SIMULATE = str(Path(sys.executable).with_name("simulate"))
TINY = ROOT / "tests" / "fixtures" / "tiny_report.ipynb"
ROSTER = ["scenarios/sinan-2021.yaml", "tests/rosters/minzheng_dibao.csv", "--mapping", "tests/rosters/mapping.yaml"]


def _tree(folder: Path) -> dict[str, str]:
    """Every entry below folder (hidden ones too) with its content hash: a fingerprint."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return out


def _users_folder(path: Path, *, with_report_ipynb: bool = True) -> dict[str, str]:
    """A folder a user made: a thesis, data, and (the trap) a file named report.ipynb."""
    (path / "data").mkdir(parents=True)
    (path / "thesis.docx").write_bytes(b"PK\x03\x04 my thesis, three years of work")
    (path / "data" / "survey.csv").write_text("village,persons\n德茂园村,120\n", "utf-8")
    if with_report_ipynb:
        (path / "report.ipynb").write_text('{"cells": []}', "utf-8")
    return _tree(path)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SIMULATE, *args],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"},
        timeout=900,
    )


def _one_line_exit_2(proc: subprocess.CompletedProcess, *words: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _roster(capsys, out: Path, *extra: str) -> tuple[int, str]:
    code = main(["roster", *ROSTER, "--out", str(out), *extra])
    err = capsys.readouterr().err
    return code, err


# --------------------------------------------------------------------------- user files


@pytest.mark.timeout(300)
@pytest.mark.parametrize("command", ["report", "sweep", "roster"])
def test_a_users_folder_is_neither_replaced_nor_mixed(tmp_path, command):
    out = tmp_path / "thesis"
    before = _users_folder(out)
    args = {
        "report": ["report", "scenarios/langxi-2024.yaml", "--size", "20000"],
        "sweep": [
            "sweep",
            "scenarios/langxi-2024.yaml",
            "--param",
            "contribution.personal",
            "--values",
            "380,400",
            "--size",
            "20000",
        ],
        "roster": ["roster", *ROSTER],
    }[command]
    proc = _cli(*args, "--out", str(out))
    line = _one_line_exit_2(proc, str(out), "did not write")
    assert "thesis.docx" in line or "data/" in line
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # nothing beside it


def test_a_file_at_out_is_not_replaced(tmp_path, capsys):
    out = tmp_path / "notes.txt"
    out.write_text("mine", "utf-8")
    code, err = _roster(capsys, out)
    assert code == 2 and "not a folder" in err and str(out) in err
    assert out.read_text("utf-8") == "mine"


def test_roster_rerun_replaces_its_own_folder_but_not_a_users_addition(tmp_path, capsys):
    out = tmp_path / "bill"
    assert _roster(capsys, out)[0] == 0
    manifest = json.loads((out / publish.MANIFEST_NAME).read_text("utf-8"))
    assert manifest["generator"] == "simulate" and manifest["command"] == "roster"
    listed = set(manifest["files"])
    assert {"bill.json", "bill.xlsx", "README.txt"} <= listed
    assert listed == {
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != publish.MANIFEST_NAME
    }
    assert _roster(capsys, out)[0] == 0  # our own folder: replaced
    (out / "my-notes.txt").write_text("call the civil affairs bureau", "utf-8")
    before = _tree(out)
    code, err = _roster(capsys, out)
    assert code == 2 and "my-notes.txt" in err and len(err.strip().splitlines()) == 1
    assert _tree(out) == before
    (out / "my-notes.txt").unlink()
    with open(out / "bill.json", "a", encoding="utf-8") as fh:  # the user edited our file
        fh.write("\n")
    before = _tree(out)
    code, err = _roster(capsys, out)
    assert code == 2 and "changed" in err and "bill.json" in err
    assert _tree(out) == before


def test_a_forged_or_foreign_manifest_is_not_ours(tmp_path):
    out = tmp_path / "x"
    out.mkdir()
    (out / "thesis.docx").write_text("mine", "utf-8")
    (out / publish.MANIFEST_NAME).write_text(json.dumps({"generator": "other", "files": {}}), "utf-8")
    with pytest.raises(SimulateError, match="did not write"):
        publish.check_replaceable(out)
    # a manifest of ours that does not list the file still protects it
    (out / publish.MANIFEST_NAME).write_text(json.dumps({"generator": "simulate", "files": {}, "dirs": []}), "utf-8")
    with pytest.raises(SimulateError, match="thesis.docx"):
        publish.check_replaceable(out)
    assert (out / "thesis.docx").read_text("utf-8") == "mine"


def test_a_link_inside_our_folder_is_not_ours(tmp_path, capsys):
    out = tmp_path / "bill"
    assert _roster(capsys, out)[0] == 0
    (out / "elsewhere").symlink_to(tmp_path)
    code, err = _roster(capsys, out)
    assert code == 2 and "elsewhere" in err
    assert (out / "elsewhere").is_symlink()


# A report rerun into its own folder replaces it: tests/test_render.py's
# test_reruns_replace_the_own_folder_and_a_failed_one_leaves_it_untouched.


@pytest.mark.timeout(300)
def test_sweep_folder_is_one_folder_and_a_failed_run_publishes_nothing(tmp_path, no_pdf):
    from simulate.report.render import ReportError, render_folder

    out = tmp_path / "sweep"

    def shown(runs):
        for run in runs:
            run.parameters["标题"] = f"《{run.parameters['title']}》"

    runs, index = render_folder(
        out,
        [(TINY, out / "a", {"title": "A"}), (TINY, out / "b", {"title": "B"})],
        "扫描",
        workers=1,  # one worker, its kernel kept for run b; two at once: the session's CLI sweep (conftest.py)
        parameter_columns=["标题"],
        before_index=shown,
    )
    assert [r.out_dir for r in runs] == [out / "a", out / "b"] and index == out / "index.html"
    assert "《A》" in index.read_text("utf-8") and 'href="b/report.html"' in index.read_text("utf-8")
    first = _tree(out)
    manifest = json.loads((out / publish.MANIFEST_NAME).read_text("utf-8"))
    assert {"index.html", "a/report.html", "b/report.html"} <= set(manifest["files"])
    with pytest.raises(ReportError, match="1 of 2 runs failed, so nothing was published") as info:
        render_folder(
            out,
            [(TINY, out / "a", {"title": "A2"}), (TINY, out / "b", {"title": "B2", "fail": True})],
            "扫描",
            workers=1,
        )
    assert [r.ok for r in info.value.runs] == [True, False]
    assert _tree(out) == first  # the previous sweep stays whole
    kept = tmp_path / "failed" / "sweep.b.ipynb"
    assert "deliberate failure" in kept.read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["failed", "sweep"]


@pytest.mark.timeout(300)
def test_a_failed_notebook_never_overwrites_a_users_file(tmp_path):
    from simulate.report.render import ReportError, render_notebook

    (tmp_path / "failed").mkdir()
    (tmp_path / "failed" / "broken.ipynb").write_text("the user's own notebook", "utf-8")
    with pytest.raises(ReportError) as info:
        render_notebook(TINY, tmp_path / "broken", {"fail": True})
    kept = info.value.failed_notebook
    assert kept is not None and kept.parent != tmp_path / "failed"
    try:
        assert "deliberate failure" in kept.read_text("utf-8") and str(kept) in str(info.value)
        assert (tmp_path / "failed" / "broken.ipynb").read_text("utf-8") == "the user's own notebook"
    finally:
        if kept.parent.name.startswith("simulate-failed-"):  # the temporary folder it went to
            shutil.rmtree(kept.parent)


# --------------------------------------------------------------------------- stale partial folders


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _partial(parent: Path, pid: int, *, marker: bool = True) -> Path:
    folder = parent / f".bill.simulate-partial-{pid}-0123abcd"
    folder.mkdir()
    (folder / "bill.json").write_text("{}", "utf-8")
    if marker:
        (folder / publish.MARKER_NAME).write_text(json.dumps({"generator": "simulate", "pid": pid}))
    return folder


def test_stale_partial_folders_of_dead_runs_are_removed_and_nothing_else(tmp_path, capsys):
    dead = _partial(tmp_path, _dead_pid())
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        running = _partial(tmp_path, sleeper.pid)
        users = _partial(tmp_path, _dead_pid(), marker=False)  # our name, not our content
        lock = tmp_path / ".old.simulate-lock"
        lock.write_text("12345\n")
        assert _roster(capsys, tmp_path / "bill")[0] == 0
        assert not dead.exists() and not lock.exists()
        assert running.is_dir() and (running / "bill.json").exists()  # its owner still runs
        assert users.is_dir() and (users / "bill.json").exists()  # not recognisably ours
    finally:
        sleeper.kill()
        sleeper.wait()


# --------------------------------------------------------------------------- unwritable places


def _mount_tmpfs(where: Path, options: str) -> bool:
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], check=False, capture_output=True
    )
    return done.returncode == 0


@pytest.fixture
def mounts():
    mounted: list[Path] = []
    yield mounted
    import gc

    gc.collect()  # a writer that failed (xlsxwriter) may hold its file open until collected
    for where in mounted:
        if subprocess.run(["umount", str(where)], check=False, capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch, mounts):
    place = tmp_path / "full"
    if _mount_tmpfs(place, "size=16k"):  # as root: a real file system that is full
        mounts.append(place)
    else:  # otherwise: the workbook writer meets ENOSPC
        place.mkdir(exist_ok=True)
        from simulate.report import excel

        def full(path, *args, **kwargs):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

        monkeypatch.setattr(excel, "write_workbook", full)
    code, err = _roster(capsys, place / "bill")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert str(place / "bill") in err and "no space left" in err
    assert list(place.iterdir()) == []


def test_a_read_only_place_is_one_line(tmp_path, capsys, monkeypatch, mounts):
    place = tmp_path / "ro"
    if _mount_tmpfs(place, "ro"):
        mounts.append(place)
    else:
        place.mkdir(exist_ok=True)
        real = os.open

        def read_only(path, flags, *args, **kwargs):
            if str(path).startswith(str(place)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
            return real(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", read_only)
        real_mkdir = os.mkdir

        def no_mkdir(path, *args, **kwargs):
            if str(path).startswith(str(place)):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
            return real_mkdir(path, *args, **kwargs)

        monkeypatch.setattr(os, "mkdir", no_mkdir)
    for out in (place / "bill", place / "a" / "b" / "bill"):
        code, err = _roster(capsys, out)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert str(out) in err and "read-only file system" in err


@pytest.mark.parametrize("out", ["/proc/simulate-out", "/proc", "/sys/kernel/simulate", "/dev/shm/../simulate-out"])
def test_system_folders_are_refused(capsys, out):
    code, err = _roster(capsys, Path(out))
    assert code == 2 and "system folder" in err and len(err.strip().splitlines()) == 1
    assert Path(out).resolve() == Path("/proc") or not Path(out).exists()


# --------------------------------------------------------------------------- concurrent writers


def test_a_second_writer_is_refused_while_the_first_holds_the_folder(tmp_path, capsys):
    out = tmp_path / "bill"
    with publish.publishing(out, "roster") as work:  # the first writer, still building
        (work / "half.txt").write_text("…", "utf-8")
        code, err = _roster(capsys, out)
        assert code == 2 and "another simulate command" in err and f"pid {os.getpid()}" in err
        assert str(out) in err and len(err.strip().splitlines()) == 1
    assert (out / "half.txt").exists()  # the first one published whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bill"]  # lock file gone too


@pytest.mark.timeout(300)
def test_two_commands_at_once_leave_one_complete_folder(tmp_path):
    out = tmp_path / "bill"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    procs = [
        subprocess.Popen(
            [SIMULATE, "roster", *ROSTER, "--out", str(out)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    assert any(code == 0 for code, _ in results)
    for code, err in results:
        assert code == 0 or (code == 2 and "another simulate command" in err), err
    manifest = json.loads((out / publish.MANIFEST_NAME).read_text("utf-8"))
    publish.check_replaceable(out)  # exactly what the manifest lists, unchanged
    assert "bill.json" in manifest["files"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bill"]


# --------------------------------------------------------------------------- interruption


def test_interrupted_roster_keeps_nothing_and_says_so_truthfully(tmp_path, capsys, monkeypatch):
    from simulate.report import excel

    real = excel.write_workbook
    calls = []

    def interrupted(path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path, *args, **kwargs)

    monkeypatch.setattr(excel, "write_workbook", interrupted)
    code, err = _roster(capsys, tmp_path / "bill")
    assert code == 130 and "no partial output was kept" in err
    assert list(tmp_path.iterdir()) == []


def test_the_interruption_note_names_a_folder_left_behind(tmp_path):
    left = tmp_path / ".x.simulate-partial-1-0123abcd"
    left.mkdir()
    publish.IN_PROGRESS.add(left)
    try:
        note = publish.interruption_note()
        assert "no partial output" not in note and str(left) in note
    finally:
        publish.IN_PROGRESS.discard(left)
    assert publish.interruption_note() == "no partial output was kept"


# --------------------------------------------------------------------------- single files


def test_chart_never_overwrites_a_users_file(tmp_path, capsys):
    args = [
        "sweep-table",
        "scenarios/sinan-2021.yaml",
        "--param",
        "contribution.personal",
        "--values",
        "280,300",
        "--size",
        "2000",
        "--chart",
    ]
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n the user's own picture")
    assert main([*args, str(photo)]) == 2
    err = capsys.readouterr().err
    assert "not written by simulate" in err and str(photo) in err
    assert photo.read_bytes().endswith(b"the user's own picture")
    thesis = tmp_path / "thesis.docx"
    thesis.write_text("mine", "utf-8")
    assert main([*args, str(thesis)]) == 2 and "--chart" in capsys.readouterr().err
    assert thesis.read_text("utf-8") == "mine"
    chart = tmp_path / "chart.png"
    assert main([*args, str(chart)]) == 0 and publish.png_by_simulate(chart)
    assert main([*args, str(chart)]) == 0  # our own chart: replaced
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.png", "photo.png", "thesis.docx"]
