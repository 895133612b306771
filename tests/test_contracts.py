"""The command contracts of DESIGN.md that other tools rely on, checked end to end."""

import json
from pathlib import Path

import pytest

from simulate.cli import main

ROOT = Path(__file__).resolve().parents[1]

SCENARIOS = ["daligang-2020", "sinan-2021", "langxi-2024", "songming-2018", "shuangpai-2022"]


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_validate_all_scenarios(capsys):
    assert main(["validate", "--lang", "en", *[f"scenarios/{s}.yaml" for s in SCENARIOS]]) == 0
    out = capsys.readouterr().out
    assert out.count(": ok (") == 5


def test_explain_sinan_highest_benefit_registered_poor(capsys):
    # issue 2, done when: 低保 + 建档立卡 under 就高 (七) gets the 建档立卡 tier (七(一))
    got = _json(
        capsys,
        [
            "explain",
            "scenarios/sinan-2021.yaml",
            "--identity",
            "rural_dibao",
            "--identity",
            "registered_poor",
            "--json",
        ],
    )
    assert got == {
        "scenario": "sinan-2021",
        "tier": "registered_poor",
        "pays": {"individual": 140, "unspecified_government": 140},
        "fiscal_subsidy": 550,
    }


def test_explain_text_names_rule_and_tiers(capsys):
    assert (
        main(
            [
                "explain",
                "scenarios/sinan-2021.yaml",
                "--identity",
                "rural_dibao",
                "--identity",
                "registered_poor",
                "--lang",
                "en",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "highest benefit" in text and "七(一)" in text and "registered poor" in text
    assert "minimum living allowance" in text  # the tier that lost is listed too


def test_explain_unknown_identity_is_one_line(capsys):
    assert main(["explain", "scenarios/sinan-2021.yaml", "--identity", "rural_dibo"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "rural_dibo" in err[0] and "rural_dibao" in err[0]


def test_run_json_contract_and_conservation(capsys):
    got = _json(
        capsys, ["run", "scenarios/sinan-2021.yaml", "--size", "20000", "--seed", "3", "--workers", "1", "--json"]
    )
    for key in ("scenario", "persons", "enrolled", "by_source", "fiscal_subsidy"):
        assert key in got
    assert got["persons"] == 20000
    assert all(v != 0 for v in got["by_source"].values())
    # everyone enrolled pays personal + fiscal in all (280 + 550 = 830 yuan)
    total = sum(got["by_source"].values()) + got["fiscal_subsidy"]
    assert round(total * 100) == got["enrolled"] * 83000


def test_run_daligang_villages_as_attachment_1(capsys):
    import simulate

    out = simulate.run("scenarios/daligang-2020.yaml", seed=1, workers=1)
    villages = out.by_village("zh")
    assert len(villages) == 18
    import csv

    with open("data/daligang-2020-villages.csv", encoding="utf-8") as fh:
        printed = {r["zh"]: (int(r["residents"]), int(r["task"])) for r in csv.DictReader(fh)}
    for _, row in villages.iterrows():
        assert (row["人口数"], row["任务数"]) == printed[row["村（社区）"]]
    funds = out.work_funds("zh")
    assert len(funds) == 18 and (funds["合计（元）"] > 0).all()
    out.check_conservation()


def test_run_same_seed_same_result(capsys):
    a = _json(capsys, ["run", "scenarios/langxi-2024.yaml", "--size", "30000", "--seed", "9", "--json"])
    b = _json(capsys, ["run", "scenarios/langxi-2024.yaml", "--size", "30000", "--seed", "9", "--json"])
    c = _json(capsys, ["run", "scenarios/langxi-2024.yaml", "--size", "30000", "--seed", "10", "--json"])
    assert a == b and a != c


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["run", "scenarios/sinan-2021.yaml", "--size", "0"], "--size"),
        (["run", "scenarios/sinan-2021.yaml", "--set", "contribution.personl=400"], "personl"),
        (["run", "scenarios/nope.yaml", "--lang", "en"], "no such file"),
        (["run", "scenarios/sinan-2021.yaml", "--population", "nope.csv"], "nope.csv"),
    ],
)
def test_run_bad_input_one_line(capsys, argv, needle):
    with pytest.raises(SystemExit) if argv[3:4] == ["0"] else _nullcontext():
        code = main(argv)
        assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) >= 1 and needle in err[-1] and "Traceback" not in "\n".join(err)


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_group_targets_by_village_add_up_to_the_totals():
    import simulate

    out = simulate.run("scenarios/daligang-2020.yaml", seed=4, workers=1)
    per_village = out.targets_by_village("en")
    totals = out.targets("en").set_index("group")
    assert len(per_village) == 18 * 4
    for group, rows in per_village.groupby("group"):
        assert rows["members"].sum() == totals.loc[group, "members"]
        assert rows["enrolled"].sum() == totals.loc[group, "enrolled"]
    # the work-fund reward needs every group at 100% in the village (四(四)1)
    funds = out.work_funds("en")
    full = per_village.groupby("village")["target met"].all()
    rewarded = funds.set_index("village")["reward (yuan)"] > 0
    assert not (rewarded & ~full).any()


@pytest.mark.parametrize("command", ["run", "report", "compare"])
def test_a_scenario_without_residents_asks_for_a_size_in_one_line(capsys, tmp_path, command):
    """A notice that states no population (area.residents left out) is refused before any
    work starts, naming the field and the two ways out, in English and by default in Chinese."""
    text = (ROOT / "scenarios" / "zigong-2025.yaml").read_text("utf-8")
    assert "  residents: 2489256\n" in text
    path = tmp_path / "no-residents.yaml"
    path.write_text(text.replace("  residents: 2489256\n", ""), "utf-8")
    argv = {
        "run": ["run", str(path)],
        "report": ["report", str(path), "--out", str(tmp_path / "r")],
        "compare": ["compare", str(path), str(path)],
    }[command]
    assert main([*argv, "--lang", "en"]) == 2
    line = capsys.readouterr().err.strip()
    assert line == (
        f"simulate {command}: area.residents: the scenario gives no number of residents: "
        "write area.residents in it, or give --size N or --population FILE"
    )
    assert main(argv) == 2
    assert "area.residents: 情景未给出常住人数" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
    if command == "run":  # the way out works
        assert main([*argv, "--size", "500", "--lang", "en"]) == 0
