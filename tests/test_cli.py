"""The command line as one static table (issue 11 items 1 and 6): every command listed once,
an example in each --help that parses, shared flags where the docs promise them, did-you-mean,
and `validate` starting without pandas or matplotlib."""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from simulate.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parent.parent
SINAN = ROOT / "scenarios" / "sinan-2021.yaml"
REGION = ROOT / "scenarios" / "region-example.csv"

#: The shared flags each family of commands promises (README, docs/*.md).
SCENARIO_FLAGS = {"--set", "--set-file", "--lang", "--json"}
POPULATION_FLAGS = {"--population", "--size", "--seed"}
ENGINE_FLAGS = {"--workers", "--engine", "--scheduler", "--chunk-blocks"}
PROMISES = {
    "assumptions": SCENARIO_FLAGS,
    "explain": SCENARIO_FLAGS,
    "roster": SCENARIO_FLAGS,
    "run": SCENARIO_FLAGS | POPULATION_FLAGS | ENGINE_FLAGS,
    "region": SCENARIO_FLAGS | ENGINE_FLAGS | {"--seed"},
    "compare": SCENARIO_FLAGS | POPULATION_FLAGS,
    "sweep-table": SCENARIO_FLAGS | POPULATION_FLAGS,
    "solve": SCENARIO_FLAGS | POPULATION_FLAGS,
    "report": SCENARIO_FLAGS | POPULATION_FLAGS,
    "sweep": SCENARIO_FLAGS | POPULATION_FLAGS | {"--workers"},
    "montecarlo": SCENARIO_FLAGS | {"--size", "--seed"},
    "multiyear": SCENARIO_FLAGS | {"--size", "--seed"},
    "expected": SCENARIO_FLAGS | {"--size"},
}


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    return build_parser()[1]


def test_the_table_lists_every_command_once_and_help_shows_them(capsys):
    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))
    assert set(_subparsers()) == set(names)
    assert main([]) == 0
    out = capsys.readouterr().out
    for name in names:
        assert f"\n    {name} " in out or f"\n    {name}\n" in out, name


def test_handlers_name_real_functions():
    for c in COMMANDS:
        assert callable(c.resolve()), c.handler


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
def test_help_has_an_example_that_parses(command, lang, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help", "--lang", lang])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    example = text.split("example:\n" if lang == "en" else "示例：\n", 1)[1].strip().splitlines()[0].strip()
    argv = shlex.split(example)
    assert argv[:2] == ["simulate", command]
    args = build_parser()[0].parse_args(argv[1:])
    assert args.command == command


@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
def test_every_option_and_argument_has_help(command):
    for action in _subparsers()[command]._actions:
        assert action.help and action.help != argparse.SUPPRESS, (command, action.dest)


def test_scenario_argument_has_one_name():
    for name, sub in _subparsers().items():
        for a in sub._actions:
            if a.dest == "scenario" or (name == "validate" and a.dest == "files"):
                assert a.metavar == "SCENARIO", (name, a.dest, a.metavar)


@pytest.mark.parametrize("command", sorted(PROMISES))
def test_shared_flags_accepted(command):
    flags = {s for a in _subparsers()[command]._actions for s in a.option_strings}
    assert PROMISES[command] <= flags, PROMISES[command] - flags


def test_misspelt_flag_gets_did_you_mean(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(SINAN), "--sedd", "3", "--lang", "en"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "did you mean --seed?" in err and "simulate run --help" in err


def test_misspelt_command_gets_did_you_mean(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["vaildate", str(SINAN), "--lang", "en"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean validate?" in err


def test_region_takes_set(capsys):
    assert main(["region", str(REGION), "--json"]) == 0
    base = json.loads(capsys.readouterr().out)
    assert main(["region", str(REGION), "--json", "--set", "contribution.personal=400"]) == 0
    changed = json.loads(capsys.readouterr().out)
    assert changed != base  # the personal contribution changes who pays what


def test_region_set_error_names_the_row(capsys):
    assert main(["region", str(REGION), "--set", "contribution.personal=-5", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "row" in err


@pytest.mark.slow
def test_report_json_prints_the_headline(sinan_report):
    """``report --json`` (tests/conftest.py renders it once, also for the browser test); the
    ``sweep --json`` contract is checked on the sweep tests/hostile/test_html.py renders."""
    out, j = sinan_report
    saved = json.loads((out / "results.json").read_text("utf-8"))
    assert j["out"] == str(out.resolve()) or Path(j["out"]).resolve() == out.resolve()
    assert j["headline"] == saved["headline"] and j["budget"] == saved["budget"] and j["headline"]


def test_validate_does_not_import_pandas_or_matplotlib():
    code = (
        f"import sys; from simulate.cli import main; rc = main(['validate', '--quiet', {str(SINAN)!r}]); "
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'matplotlib', 'papermill')); "
        "print(rc, heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.strip() == "0 []", proc.stdout + proc.stderr


@pytest.mark.parametrize("flag", ["--summary-draws", "--summary-size"])
@pytest.mark.parametrize("value, reason", [("0", "at least 1"), ("-3", "at least 1"), ("abc", "abc")])
def test_sweep_summary_options_refuse_a_bad_value_in_one_line(capsys, tmp_path, flag, value, reason):
    argv = ["sweep", "scenarios/langxi-2024.yaml", "--param", "contribution.personal", "--values", "380"]
    with pytest.raises(SystemExit) as exit_:
        main([*argv, flag, value, "--out", str(tmp_path / "s"), "--lang", "en"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and flag in err[0] and reason in err[0], err
    assert not (tmp_path / "s").exists()
