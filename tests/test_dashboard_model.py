"""The dashboard's levers and recompute (issue 13 items 2-4), without a browser.

Levers are generated for every shipped scenario and each one changes the figures it should; a
recompute equals ``simulate.run`` of the same overrides on the same people to the fen; the
saved variant holds only the changes, marked as what-ifs, and loads to the same scenario.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from simulate.analysis.dashboard_model import (
    DashboardModel,
    levers,
    overrides_for,
    set_arguments,
)
from simulate.analysis.dashboard_variant import save_variant
from simulate.model.synth import default_size
from simulate.policy import load_scenario
from simulate.policy.overrides import parse_assignments
from simulate.results.run import run

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml"))
SIZE = 20_000


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_tier_gets_a_lever_under_its_full_name(path):
    sc = load_scenario(path)
    lv = levers(sc)
    keys = {x.key for x in lv}
    assert {"personal", "fiscal", "split-central", "split-county", "rule", "behaviour"} <= keys
    assert len(keys) == len(lv)
    for tier in sc.policy.tiers:
        mine = [x for x in lv if x.tier == tier.id and x.kind != "choice"]
        if tier.subsidy.form != "none":
            assert mine, tier.id
        assert all(x.zh.startswith(tier.label.zh) and x.en.startswith(tier.label.en) for x in mine)


@pytest.fixture(scope="module")
def songming():
    return DashboardModel(ROOT / "scenarios" / "songming-2018.yaml", size=SIZE, seed=4)


def _same(a, b) -> None:
    assert a.to_json()["by_source"] == b.to_json()["by_source"]
    assert a.to_json()["budget"] == b.to_json()["budget"]
    assert a.fiscal_fen() == b.fiscal_fen()


@pytest.mark.parametrize(
    "values",
    [
        {"personal": 200},
        {"personal": 200, "tier-dibao-percent": 90},
        {"tier-destitute-source": "county_finance", "rule": "priority"},
        {"split-central": 70, "split-county": 15},
        {"behaviour": True, "behaviour-midpoint": 500},
    ],
)
def test_recompute_is_simulate_run_with_the_same_overrides(songming, values):
    overrides = overrides_for(songming.base, values, songming.levers)
    assert overrides
    wi = songming.recompute(overrides)
    # the command line's reading of the same --set arguments, run on its own population
    parsed = parse_assignments([a for a in set_arguments(overrides) if a != "--set"])
    assert parsed == overrides
    _same(
        wi.what_if,
        run(ROOT / "scenarios" / "songming-2018.yaml", size=SIZE, seed=4, overrides=parsed, workers=1, progress=False),
    )
    _same(wi.baseline, run(ROOT / "scenarios" / "songming-2018.yaml", size=SIZE, seed=4, workers=1, progress=False))


def test_changes_move_the_figures_they_should(songming):
    wi = songming.recompute(overrides_for(songming.base, {"personal": 200}, songming.levers))
    enrolled = wi.what_if.enrolled
    assert wi.what_if.enrolled == wi.baseline.enrolled
    # every enrolled person's standard rose by 20 yuan: the fund gets 2,000 fen more per person
    assert int(wi.what_if.source_fen().sum()) - int(wi.baseline.source_fen().sum()) == 2000 * enrolled
    split = songming.recompute(overrides_for(songming.base, {"split-central": 70, "split-county": 15}, songming.levers))
    assert split.what_if.budget().county_burden > split.baseline.budget().county_burden


def test_nothing_changed_is_the_baseline(songming):
    assert overrides_for(songming.base, {x.key: x.value for x in songming.levers}, songming.levers) == {}
    wi = songming.recompute({})
    assert wi.what_if is wi.baseline and "尚未调整" in wi.title("zh")


def test_default_population_is_simulate_runs():
    m = DashboardModel(ROOT / "scenarios" / "daligang-2020.yaml")
    assert m.size == default_size(m.base) and m.seed == 0 and m.default_population
    assert "simulate run" in m.population_text("zh")
    assert m.run_command({}) == ["simulate", "run", str(m.path)]


def test_bad_value_is_a_one_line_error(songming):
    from simulate.errors import SimulateError

    with pytest.raises(SimulateError) as err:
        songming.recompute(overrides_for(songming.base, {"split-central": 90}, songming.levers))
    assert "100" in str(err.value) and "\n" not in str(err.value)


def test_saved_variant_holds_only_the_changes_and_validates(songming, tmp_path):
    values = {"personal": 200, "tier-dibao-percent": 90, "split-central": 70, "split-county": 15, "behaviour": True}
    overrides = overrides_for(songming.base, values, songming.levers)
    target = tmp_path / "new" / "folder" / "v.yaml"
    save_variant(songming, overrides, target)
    doc = yaml.safe_load(target.read_text("utf-8"))
    assert set(doc) == {"extends", "id", "title", "contribution", "tiers", "behaviour"}
    assert [t["id"] for t in doc["tiers"]] == ["dibao"]
    for part in (doc["contribution"], doc["contribution"]["fiscal_subsidy_split"], doc["tiers"][0], doc["behaviour"]):
        assert part["assumption"] is True and "What-if" in part["note"] and "假设情景" in part["note_zh"]
    r = subprocess.run(
        check=False,
        args=[sys.executable, "-m", "simulate", "validate", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    variant = load_scenario(target)
    assert variant.policy.model_dump(
        exclude={"id", "title", "contribution", "tiers", "behaviour"}
    ) == songming.scenario(overrides).policy.model_dump(exclude={"id", "title", "contribution", "tiers", "behaviour"})
    _same(run(variant, size=SIZE, seed=4, workers=1, progress=False), songming.recompute(overrides).what_if)


def test_a_variant_needs_a_change(songming, tmp_path):
    from simulate.errors import SimulateError

    with pytest.raises(SimulateError):
        save_variant(songming, {}, tmp_path / "v.yaml")
    assert not (tmp_path / "v.yaml").exists()


def test_report_command_carries_the_same_overrides(songming, tmp_path):
    overrides = overrides_for(songming.base, {"personal": 200, "behaviour": True}, songming.levers)
    cmd = songming.report_command(overrides, tmp_path / "r", "en")
    assert cmd[3:5] == ["report", str(songming.path)]
    sets = [cmd[i + 1] for i, a in enumerate(cmd) if a == "--set"]
    assert parse_assignments(sets) == overrides
    assert cmd[cmd.index("--size") + 1] == str(SIZE) and cmd[cmd.index("--seed") + 1] == "4"


def test_a_bad_population_changes_nothing(tmp_path):
    from simulate.errors import SimulateError

    m = DashboardModel(ROOT / "scenarios" / "songming-2018.yaml", size=SIZE, seed=4)
    before = m.baseline.to_json()
    bad = tmp_path / "people.csv"
    bad.write_text("not,a,population\n1,2,3\n", "utf-8")
    with pytest.raises(SimulateError):
        m.set_population(population=bad)
    assert (m.size, m.seed, m.population_file) == (SIZE, 4, None)
    assert m.recompute({}).baseline.to_json() == before
    with pytest.raises(SimulateError):
        m.set_population(size=0 - 5)
    assert m.size == SIZE
