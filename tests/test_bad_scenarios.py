"""Malformed scenario files: ``simulate validate`` refuses each with exit code 2 and one line
on stderr naming the file, the field and the reason, never a traceback.

The corpus is tests/bad_scenarios/*.yaml, with the expected field and reason for each in
tests/bad_scenarios/expected.yaml (``reason`` under ``--lang en``, ``reason_zh`` under
``--lang zh``, where the field's Chinese name follows its path: ``FIELD（中文名）: ``).
Files that must not be committed (a 50 MB file, non-UTF-8
bytes, a directory, a missing path) are made in ``tmp_path`` here. The corpus runs in-process
through ``simulate.cli.main`` (the same code path, without ~1 s of start-up per file), and so do
the good files, a non-UTF-8 file, a directory and a missing path; a few corpus files and the
generated files that stress the reader (50 MB, deep nesting, a !!python tag) also run as a real
subprocess, as a user would run them, to keep the exit-code contract (issue 11 item 6).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad_scenarios"
REPO = HERE.parent
GOOD = sorted((REPO / "scenarios").glob("*.yaml"))
EXPECTED: dict[str, dict] = yaml.safe_load((BAD / "expected.yaml").read_text("utf-8"))
PWNED = Path("/tmp/PWNED_simulate_bad")  # what python_tag.yaml would create if it ran


def _command() -> list[str]:
    """The installed ``simulate`` script beside this interpreter, else ``python -m simulate.cli``."""
    script = Path(sys.executable).parent / "simulate"
    if script.exists():
        return [str(script)]
    found = shutil.which("simulate")
    return [found] if found else [sys.executable, "-m", "simulate.cli"]


def run_validate(*paths: str | Path, timeout: float = 60, lang: str = "en") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SIMULATE_DEBUG"}
    return subprocess.run(
        [*_command(), "validate", "--lang", lang, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )


def validate_in_process(*paths: str | Path, lang: str = "en") -> subprocess.CompletedProcess:
    """``simulate validate`` through ``simulate.cli.main`` in this process: exit code, stdout
    and stderr as a subprocess would give them (signal handlers the CLI installs are restored)."""
    from simulate.cli import main

    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["validate", "--lang", lang, *map(str, paths)])
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    return subprocess.CompletedProcess(["validate", *map(str, paths)], code, out.getvalue(), err.getvalue())


@cache
def _validate_one(path: str, lang: str = "en") -> subprocess.CompletedProcess:
    return validate_in_process(path, lang=lang)


#: Corpus files also run as a real subprocess: exit code 2 and one stderr line from the script.
SUBPROCESS_SAMPLE = ("python_tag.yaml", "negative_amount.yaml", "alias_bomb.yaml")


def assert_refused(
    proc: subprocess.CompletedProcess, path: str | Path, field: str | None, reason: str, lang: str = "en"
) -> str:
    """Exit 2, nothing on stdout, exactly one stderr line naming the file, field and reason."""
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    assert proc.returncode == 2, f"exit {proc.returncode}; stderr: {proc.stderr!r}"
    assert proc.stdout == "", proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {proc.stderr!r}"
    line = lines[0]
    assert proc.stderr == line + "\n"
    head = f"{path}: "
    assert line.startswith(head), f"the line does not start with the file name {head!r}: {line!r}"
    if field is not None and lang == "zh":  # the path, then its Chinese name where it has one
        assert re.match(re.escape(f"{head}{field}") + r"(（[^）]*(）[^）]*)?）)?: ", line), (
            f"expected field {field!r}: {line!r}"
        )
    elif field is not None:
        assert line.startswith(f"{head}{field}: "), f"expected field {field!r}: {line!r}"
    assert reason in line, f"expected reason {reason!r}: {line!r}"
    return line


# ----------------------------------------------------------------------------- committed corpus


def test_corpus_and_expectations_match():
    files = {p.name for p in BAD.glob("*.yaml")} - {"expected.yaml", "_valid_base.yaml"}
    assert files == set(EXPECTED), (sorted(files - set(EXPECTED)), sorted(set(EXPECTED) - files))
    assert len(files) >= 30
    for name, exp in EXPECTED.items():
        assert set(exp) <= {"field", "reason", "reason_zh"} and exp.get("reason") and exp.get("reason_zh"), name
        limit = 8192 if name == "amount_5000_digits.yaml" else 4096  # 5,000 digits are the point
        assert (BAD / name).stat().st_size < limit, f"{name} should be small"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_scenario(name, lang):
    if name == "python_tag.yaml" and PWNED.exists():
        PWNED.unlink()
    path = BAD / name
    exp = EXPECTED[name]
    reason = exp["reason_zh"] if lang == "zh" else exp["reason"]
    assert_refused(_validate_one(str(path), lang), path, exp.get("field"), reason, lang)
    if name == "python_tag.yaml":
        assert not PWNED.exists(), "a !!python tag was executed"


@pytest.mark.parametrize("name", SUBPROCESS_SAMPLE)
def test_bad_scenario_as_a_subprocess(name):
    path = BAD / name
    proc = run_validate(path)
    assert_refused(proc, path, EXPECTED[name].get("field"), EXPECTED[name]["reason"])
    assert proc.stderr == _validate_one(str(path)).stderr, "in-process and subprocess runs differ"
    zh = run_validate(path, lang="zh")
    assert_refused(zh, path, EXPECTED[name].get("field"), EXPECTED[name]["reason_zh"], "zh")
    assert zh.stderr == _validate_one(str(path), "zh").stderr
    assert not PWNED.exists(), "a !!python tag was executed"


def test_single_defect_is_reported_as_one_problem():
    """Every corpus file has one defect: no '(and N more problems)' should be claimed."""
    claims = {}
    for name in sorted(EXPECTED):
        proc = _validate_one(str(BAD / name))
        m = re.search(
            r"\(and \d+ more problems?\)|另有\d+处问题", proc.stderr + _validate_one(str(BAD / name), "zh").stderr
        )
        if m:
            claims[name] = m.group(0)
    assert not claims, f"{len(claims)} files with one defect report more: {claims}"


def test_valid_base_is_valid():
    proc = validate_in_process(BAD / "_valid_base.yaml")
    assert proc.returncode == 0, proc.stderr


def test_a_section_written_as_a_whole_number_is_its_text(tmp_path):
    """Notices number their items 1、2、3: ``section: 3`` is the section "3" (1.10 stays refused,
    see section_decimal.yaml)."""
    from simulate.policy.scenario import load_scenario

    path = tmp_path / "numbered.yaml"
    text = (BAD / "_valid_base.yaml").read_text("utf-8").replace("section: 三(二)2", "section: 3", 1)
    path.write_text(text, "utf-8")
    tier = load_scenario(path).policy.tiers[0]
    assert tier.section == "3"


# ----------------------------------------------------------------------------- generated at test time


def test_non_utf8_gbk(tmp_path):
    path = tmp_path / "gbk.yaml"
    text = (BAD / "_valid_base.yaml").read_text("utf-8")
    path.write_bytes(text.encode("gbk"))
    assert_refused(validate_in_process(path), path, None, "not UTF-8")


def test_huge_file(tmp_path):
    path = tmp_path / "huge.yaml"
    line = ("  - " + "x" * 95 + "\n").encode()
    with path.open("wb") as fh:
        fh.write(b"id: huge\nnotes:\n")
        block = line * 10_000
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(block)
    assert path.stat().st_size >= 50 * 1024 * 1024
    assert_refused(run_validate(path, timeout=30), path, None, "limited to 1,000,000")


def test_directory(tmp_path):
    path = tmp_path / "looks_like.yaml"
    path.mkdir()
    assert_refused(validate_in_process(path), path, None, "is a directory")


def test_missing_path(tmp_path):
    path = tmp_path / "no_such_scenario.yaml"
    assert_refused(validate_in_process(path), path, None, "no such file")


def test_python_tag_has_no_side_effect(tmp_path):
    marker = tmp_path / "PWNED"
    path = tmp_path / "tag.yaml"
    path.write_text(f'id: !!python/object/apply:os.system ["touch {marker}"]\n', "utf-8")
    assert_refused(run_validate(path), path, None, "not valid YAML")
    assert not marker.exists()


def test_deeply_nested(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("id: deep\na: " + "[" * 50_000 + "]" * 50_000 + "\n", "utf-8")
    assert_refused(run_validate(path), path, None, "nesting too deep")


def test_deeply_nested_rule(tmp_path):
    path = tmp_path / "deep_rule.yaml"
    path.write_text("id: deep\ntiers:\n- eligibility: " + "{not: " * 3000 + "rural_dibao" + "}" * 3000 + "\n", "utf-8")
    assert_refused(run_validate(path), path, None, "nesting too deep")


def test_unreadable_file(tmp_path, monkeypatch):
    # root reads any file whatever its mode, so the refusal is simulated in-process
    from simulate.errors import ScenarioError
    from simulate.io.safeyaml import read_yaml_file

    path = tmp_path / "locked.yaml"
    path.write_text((BAD / "_valid_base.yaml").read_text("utf-8"), "utf-8")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    import simulate.io.safeio  # every user file is opened there (os.open, O_NONBLOCK)

    monkeypatch.setattr(simulate.io.safeio.os, "open", refuse)
    with pytest.raises(ScenarioError) as exc:
        read_yaml_file(path)
    assert str(path) in str(exc.value) and "cannot read: Permission denied" in str(exc.value)


# ----------------------------------------------------------------------------- good files


def test_good_scenarios_validate():
    names = {p.name for p in GOOD}
    assert {
        "daligang-2020.yaml",
        "sinan-2021.yaml",
        "langxi-2024.yaml",
        "songming-2018.yaml",
        "shuangpai-2022.yaml",
    } <= names, names
    proc = validate_in_process(*GOOD)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "Traceback" not in proc.stdout
    lines = proc.stdout.splitlines()
    assert len(lines) == len(GOOD)
    for path, line in zip(GOOD, lines):
        assert line.startswith(f"{path}: ok ("), line


def test_mixed_good_and_bad():
    """Several files: each good one says ok, each bad one is one line, exit 2."""
    bad = BAD / "negative_amount.yaml"
    proc = validate_in_process(GOOD[0], bad, GOOD[1])
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert len(proc.stdout.splitlines()) == 2
    assert len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith(f"{bad}: ")
