"""``simulate report --set X=Y`` and ``simulate run --set X=Y`` count the same people for the
same seed, so the what-if's totals are the run's (session 5 note): a lever that changes the
population itself (here the extension period, which some people pay in) is drawn from the
what-if's own scenario with the same seed, the same persons with only that column changed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simulate.analysis.common import common_population, own_population
from simulate.analysis.whatif import what_if
from simulate.cli import main
from simulate.policy import load_scenario

REPO = Path(__file__).resolve().parent.parent
LANGXI = REPO / "scenarios" / "langxi-2024.yaml"
SIZE, SEED = 6_000, 3
#: a money lever, and one that changes who is drawn paying when (no extension period)
LEVERS = [("contribution.personal", "400", 400), ("timing.extension", "null", None)]


def _run_json(capsys, setting: str) -> dict:
    argv = ["run", str(LANGXI), "--set", setting, "--size", str(SIZE), "--seed", str(SEED), "--json"]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("path,text,value", LEVERS)
def test_the_what_if_is_what_run_counts_with_the_same_seed(capsys, path, text, value):
    ran = _run_json(capsys, f"{path}={text}")
    wi = what_if(LANGXI, {path: value}, size=SIZE, seed=SEED)
    assert wi is not None
    got = wi.to_json()["by_source"]
    assert {s: v["what_if"] for s, v in got.items() if s != "fiscal_subsidy"} == {
        s: v for s, v in ran["by_source"].items() if v or s == "individual"
    }
    assert got["fiscal_subsidy"]["what_if"] == ran["fiscal_subsidy"]
    assert wi.what_if.persons == ran["persons"] and wi.what_if.enrolled == ran["enrolled"]


def test_a_population_lever_draws_the_same_persons_with_its_column_changed():
    base = load_scenario(LANGXI)
    common = common_population(base, None, SIZE, SEED)
    money = load_scenario(LANGXI, {"contribution.personal": 400})
    assert own_population(money, common, None, SIZE, SEED) is common  # nothing to draw again
    no_ext = load_scenario(LANGXI, {"timing.extension": None})
    own = own_population(no_ext, common, None, SIZE, SEED)
    a, b = common.materialize(), own.materialize()
    for column in ("identities", "age", "sex", "disability", "village", "household", "enrolled"):
        np.testing.assert_array_equal(getattr(a, column), getattr(b, column), err_msg=column)
    assert (a.timing == 3).any() and not (b.timing == 3).any()  # nobody pays in an extension there is not
    # a population given by the caller is everyone's, whatever the lever
    assert own_population(no_ext, common, common, SIZE, SEED) is common


@pytest.mark.slow
def test_report_and_run_agree_on_the_command_line(tmp_path, capsys):
    ran = _run_json(capsys, "timing.extension=null")
    argv = ["report", str(LANGXI), "--set", "timing.extension=null", "--size", str(SIZE), "--seed", str(SEED)]
    assert main([*argv, "--out", str(tmp_path / "r"), "--json"]) == 0
    capsys.readouterr()
    results = json.loads((tmp_path / "r" / "results.json").read_text("utf-8"))
    by_source = results["comparison"]["by_source"]
    assert by_source["individual"]["what_if"] == ran["by_source"]["individual"]
    assert by_source["fiscal_subsidy"]["what_if"] == ran["fiscal_subsidy"]
