"""Hostile values (issue 10, items 3, 5 and 6): numbers read as people write them, money that
never wraps and always adds up, and every user mistake as exit 2 with one line naming the
file, field or row.

Most checks call ``simulate.cli.main`` in-process; a few run the installed command as a user
would, to see the real exit code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulate.cli import main


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """These tests read the English wording of messages: an English locale (simulate/lang.py)
    picks it for in-process calls and subprocesses alike; the Chinese wording is tested in
    tests/test_lang.py and tests/test_bad_scenarios.py."""
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")


REPO = Path(__file__).resolve().parent.parent.parent
LANGXI = "scenarios/langxi-2024.yaml"
SINAN = "scenarios/sinan-2021.yaml"
BASE = REPO / "tests" / "bad_scenarios" / "_valid_base.yaml"
HUGE = "9" * 5000


# ----------------------------------------------------------------------------- helpers


def ok_json(capsys, *argv) -> dict:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def one_line_error(capsys, *argv, code: int = 2) -> str:
    """Run the CLI in-process; demand ``code``, nothing on stdout, one short line on stderr."""
    try:
        got = main(list(argv))
    except SystemExit as exc:  # argparse's own refusals
        got = exc.code
    out, err = capsys.readouterr()
    assert got == code, (got, out, err)
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert len(lines[0]) < 500, f"the line echoes the whole hostile value: {len(lines[0])} chars"
    return lines[0]


def personal_paid(capsys, *extra) -> Decimal:
    """What a person with no identity pays in Langxi (the personal standard), as a Decimal."""
    j = ok_json(capsys, "explain", LANGXI, "--json", *extra)
    assert j["tier"] == "general"
    return Decimal(str(j["pays"]["individual"]))


def scenario_with(tmp_path: Path, old: str, new: str, name: str = "s.yaml") -> Path:
    text = BASE.read_text("utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


def simulate_cmd() -> list[str]:
    script = Path(sys.executable).parent / "simulate"
    if script.exists():
        return [str(script)]
    found = shutil.which("simulate")
    return [found] if found else [sys.executable, "-m", "simulate.cli"]


def run_cli(*argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SIMULATE_DEBUG"}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [*simulate_cmd(), *argv], check=False, capture_output=True, text=True, cwd=REPO, env=env, timeout=300
    )


# ----------------------------------------------------------------------------- item 3: --set


@pytest.mark.parametrize(
    "text, yuan",
    [
        ("0400", "400"),  # decimal, never octal 256
        ("400", "400"),
        ("+400", "400"),
        ("４００", "400"),  # full-width digits are digits
        ("３８０．５", "380.5"),  # full-width point too
        ("380.5", "380.5"),
        ("380.50", "380.5"),
    ],
)
def test_set_reads_decimal(capsys, text, yuan):
    assert personal_paid(capsys, "--set", f"contribution.personal={text}") == Decimal(yuan)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("1:10", "':' (times, base 60) are not read"),  # never sexagesimal 70
        ("380.001", "more than 2 decimals (got 380.001)"),
        ("380.000000000000001", "more than 2 decimals (got 380.000000000000001)"),  # a float says 380.0
        ("1,000", "thousands separators are not accepted"),
        ("1_000", "thousands separators are not accepted"),
        ("１，０００", "thousands separators are not accepted"),
        ("0x190", "expected an amount in yuan, got '0x190'"),  # YAML 1.1 hex 400
        ("4e2", "expected an amount in yuan, got '4e2'"),
        ("①", "written with the digits 0-9"),
        ("٤٠٠", "written with the digits 0-9"),  # Arabic-Indic digits
        (".nan", "finite"),
        (HUGE, "5,000 digits"),
    ],
)
def test_set_refuses_what_is_not_a_decimal_amount(capsys, text, reason):
    line = one_line_error(capsys, "explain", LANGXI, "--set", f"contribution.personal={text}")
    assert "contribution.personal" in line and reason in line, line


def test_set_percent_is_decimal_too(capsys):
    # 070 is 70 %, not octal 56: the dibao tier of Daligang pays a percent of the standard
    base = ok_json(
        capsys,
        "explain",
        "scenarios/daligang-2020.yaml",
        "--json",
        "--identity",
        "rural_dibao",
        "--set",
        "tiers.rural_dibao.subsidy.percent=70",
    )
    octal = ok_json(
        capsys,
        "explain",
        "scenarios/daligang-2020.yaml",
        "--json",
        "--identity",
        "rural_dibao",
        "--set",
        "tiers.rural_dibao.subsidy.percent=070",
    )
    assert octal == base
    line = one_line_error(
        capsys, "explain", "scenarios/daligang-2020.yaml", "--set", "tiers.rural_dibao.subsidy.percent=70.001"
    )
    assert "percent has more than 2 decimals (got 70.001)" in line


def test_set_text_values_stay_text(capsys):
    # 1:10 is refused for an amount, but it is fine where the schema wants text
    j = ok_json(capsys, "assumptions", LANGXI, "--json", "--set", "contribution.section=1:10")
    assert j["overrides"] == {"contribution.section": "1:10"}


# ----------------------------------------------------------------------------- item 3: --set-file


def test_set_file_csv_cells_use_decimal_rules(capsys, tmp_path):
    sheet = tmp_path / "o.csv"
    sheet.write_text("path,value\ncontribution.personal,0400\n", "utf-8")
    assert personal_paid(capsys, "--set-file", str(sheet)) == 400
    for cell, reason in (
        ("1:10", "base 60"),
        ("380.000000000000001", "more than 2 decimals"),
        ('"10,000"', "thousands separators"),
        ("３８０．５", None),
    ):
        sheet.write_text(f"path,value\ncontribution.personal,{cell}\n", "utf-8")
        if reason is None:
            assert personal_paid(capsys, "--set-file", str(sheet)) == Decimal("380.5")
        else:
            line = one_line_error(capsys, "explain", LANGXI, "--set-file", str(sheet))
            assert "contribution.personal" in line and reason in line, line


def test_set_file_xlsx_text_and_number_cells(capsys, tmp_path):
    import openpyxl

    path = tmp_path / "o.xlsx"

    def write(value):
        wb = openpyxl.Workbook()
        wb.active.append(["参数", "取值"])
        wb.active.append(["contribution.personal", value])
        wb.save(path)

    write("0400")  # a text cell
    assert personal_paid(capsys, "--set-file", str(path)) == 400
    write(380.5)  # a number cell
    assert personal_paid(capsys, "--set-file", str(path)) == Decimal("380.5")
    write(380.0000000000001)  # a float cell with a stray digit is refused, not rounded
    line = one_line_error(capsys, "explain", LANGXI, "--set-file", str(path))
    assert "more than 2 decimals" in line
    write("1:10")
    assert "base 60" in one_line_error(capsys, "explain", LANGXI, "--set-file", str(path))


# ----------------------------------------------------------------------------- item 3: scenario files


def test_scenario_yaml_numbers_are_decimal(capsys, tmp_path):
    from simulate.policy import load_scenario

    path = scenario_with(tmp_path, "personal: 380", "personal: 0400")
    assert load_scenario(path).policy.contribution.personal == 40000  # not 25600
    path = scenario_with(tmp_path, "personal: 380", "personal: 380.5")
    assert load_scenario(path).policy.contribution.personal == 38050  # floats still work
    path = scenario_with(tmp_path, "central: 60, provincial: 20", "central: 060, provincial: 020")
    split = load_scenario(path).policy.contribution.fiscal_subsidy_split
    assert (split.central, split.provincial) == (60, 20)  # octal would be 48 + 16


def test_scenario_float_keeps_its_text_through_extends_and_overrides(tmp_path):
    from simulate.io.safeyaml import parse_yaml_text
    from simulate.policy import load_scenario

    v = parse_yaml_text("380.000000000000001", "x")
    assert v == 380.0 and v.text == "380.000000000000001"
    import copy
    import pickle

    assert copy.deepcopy(v).text == pickle.loads(pickle.dumps(v)).text == v.text
    parent = scenario_with(tmp_path, "amount: 342}", "amount: 342.000000000000001}", "parent.yaml")
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {parent.name}\nid: child\n", "utf-8")
    from simulate.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"more than 2 decimals \(got 342.000000000000001\)"):
        load_scenario(child)


@pytest.mark.parametrize(
    "old, new, field, reason",
    [
        ("personal: 380", "personal: 1:10", "contribution.personal", "base 60"),
        ("personal: 380", "personal: 0x17c", "contribution.personal", "got '0x17c'"),
        ("personal: 380", "personal: 1_000", "contribution.personal", "thousands separators"),
        ("personal: 380", "personal: ３８０", None, None),
        ("date: 2023-09-01", "date: 2020-02-30", "document.date", "must exist"),
        ("start: 2023-10-01", "start: 2023-02-29", "timing.collection_period.start", "must exist"),
        ("benefit_year: 2024", f"benefit_year: {HUGE}", "benefit_year", "at most 30 digits"),
        ("residents: 1000", f"residents: {HUGE}", "area.residents", "at most 30 digits"),
        ("personal: 380", "personal: !!int 0x17c", None, "not a whole number in decimal digits"),
    ],
)
def test_scenario_values(capsys, tmp_path, old, new, field, reason):
    path = scenario_with(tmp_path, old, new)
    if reason is None:
        assert main(["validate", str(path)]) == 0
        return
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"{path}: " + (f"{field}: " if field else "")), err
    assert reason in err and len(err) < 500, err


# ----------------------------------------------------------------------------- item 5: money never wraps


def test_huge_subsidy_is_refused_with_the_limits(capsys):
    line = one_line_error(
        capsys, "run", SINAN, "--size", "10000000", "--set", "contribution.fiscal_subsidy=10000000000"
    )
    assert "contribution.fiscal_subsidy" in line
    assert "1,000,000 yuan" in line and "2,000,000,000 persons" in line


def test_huge_subsidy_exit_code_as_a_user_sees_it():
    proc = run_cli("run", SINAN, "--size", "10000000", "--set", "contribution.fiscal_subsidy=10000000000")
    assert proc.returncode == 2 and proc.stdout == "", proc
    assert len(proc.stderr.splitlines()) == 1 and "1,000,000 yuan" in proc.stderr


def test_amount_at_the_limit_is_exact(capsys):
    j = ok_json(
        capsys,
        "run",
        SINAN,
        "--size",
        "5000",
        "--workers",
        "1",
        "--json",
        "--set",
        "contribution.fiscal_subsidy=1000000",
        "--set",
        "contribution.personal=1000000",
    )
    # every enrollment in time costs 2,000,000 yuan in all; a late one costs 思南's stated
    # late charge (830 yuan, 七), which an override of the standards does not move
    late = j["enrolled_by_timing"]["late"]
    assert late > 0
    assert sum(j["by_source"].values()) + j["fiscal_subsidy"] == (j["enrolled"] - late) * 2_000_000 + late * 830
    assert j["fiscal_subsidy"] > 0 and all(v >= 0 for v in j["by_source"].values())
    one_line_error(capsys, "run", SINAN, "--size", "5000", "--set", "contribution.personal=1000000.01")


def test_size_above_the_person_limit(capsys):
    line = one_line_error(capsys, "run", SINAN, "--size", "2000000001")
    assert "2,000,000,000" in line
    line = one_line_error(capsys, "run", SINAN, "--count", f"rural_dibao={HUGE}")
    assert "--count" in line and "5,000 digits" in line


def test_conservation_catches_a_wrapped_total():
    """With counts far beyond the limits the int64 tables wrap; the exact check says so."""
    from simulate.model.engine import Tally, compile_for_engine
    from simulate.model.population import one_area
    from simulate.policy import load_scenario
    from simulate.results.outlay import ConservationError, Outlay

    sc = load_scenario(SINAN)
    comp = compile_for_engine(sc.policy)
    n_t = len(comp.tables.tier_ids)
    ok = Tally.zeros(n_t, 1, len(sc.policy.targets.groups))
    ok.counts[0, 0, 0] = 1_000
    Outlay(sc, comp, ok, one_area("x", "x")).check_conservation()  # a sane tally passes
    wrapped = Tally.zeros(n_t, 1, len(sc.policy.targets.groups))
    wrapped.counts[0, 0, 0] = 10**17  # × 95,000 fen > 2**63
    with pytest.raises(ConservationError):
        Outlay(sc, comp, wrapped, one_area("x", "x")).check_conservation()


def test_broken_conservation_is_an_internal_error_before_printing(capsys, monkeypatch):
    from simulate.model import runner

    real = runner.compile_for_engine

    def broken(policy):
        comp = real(policy)
        comp.tables.pays[0, 0, 0] += 1  # the general tier's individual pays one fen too much
        return comp

    monkeypatch.setattr(runner, "compile_for_engine", broken)
    line = one_line_error(capsys, "run", SINAN, "--size", "2000", "--workers", "1", code=3)
    assert "internal error" in line and "ConservationError" in line and "general" in line


def test_explain_checks_conservation(capsys, monkeypatch):
    import dataclasses

    from simulate.results import explain

    real = explain.explain_person

    def broken(sc, person):
        o = real(sc, person)
        pays = dict(o.payment.pays)
        pays["individual"] = pays.get("individual", 0) + 1
        return dataclasses.replace(o, payment=dataclasses.replace(o.payment, pays=pays))

    from simulate.cli import explain as explain_cmd  # the handler's own reference to it

    monkeypatch.setattr(explain_cmd, "explain_person", broken)
    line = one_line_error(capsys, "explain", LANGXI, code=3)
    assert "internal error" in line and "ConservationError" in line


def test_expected_checks_conservation(capsys, monkeypatch):
    # break it where the command's handler holds it (patching simulate.analysis would be
    # too late for a handler already imported, and would stick to one imported during the test)
    from simulate.cli import whatif as analysis

    real = analysis.expected_value

    def broken(*a, **k):
        ev = real(*a, **k)
        ev["fiscal_subsidy"] += 1000.0
        return ev

    monkeypatch.setattr(analysis, "expected_value", broken)
    line = one_line_error(capsys, "expected", LANGXI, "--size", "10000", code=3)
    assert "internal error" in line and "ConservationError" in line


@pytest.mark.parametrize("method", ["simulate", "expected"])
def test_multiyear_checks_conservation(capsys, monkeypatch, method):
    from simulate import analysis

    real = analysis.multi_year

    def broken(*a, **k):
        frame = real(*a, **k)
        frame.loc[1, "individual"] += 1.0  # one yuan appears from nowhere in the second year
        return frame

    assert main(["multiyear", LANGXI, "--size", "3000", "--years", "2", "--method", method]) == 0
    capsys.readouterr()
    from simulate.cli import whatif  # the handler's own reference to it

    monkeypatch.setattr(whatif, "multi_year", broken)
    line = one_line_error(capsys, "multiyear", LANGXI, "--size", "3000", "--years", "2", "--method", method, code=3)
    assert "internal error" in line and "ConservationError" in line and "year 2025" in line


def test_report_whose_money_does_not_add_up_is_an_internal_error(capsys, monkeypatch, tmp_path):
    """The check runs inside the report's kernel; the CLI turns its failure into exit 3."""
    from simulate.report import render

    def failing(notebook, out_dir, params, **kw):
        raise render.ReportError(
            "scenario_report.ipynb failed in cell 4 [out = run(...)]: "
            "ConservationError: tier general: 1 enrolled persons cost 1 fen"
        )

    monkeypatch.setattr(render, "render_notebook", failing)
    line = one_line_error(capsys, "report", LANGXI, "--out", str(tmp_path / "r"), code=3)
    assert "internal error" in line and "ConservationError" in line


# ----------------------------------------------------------------------------- item 6: user mistakes


@pytest.mark.parametrize(
    "argv, reason",
    [
        (["run", SINAN, "--size", HUGE], "5,000 digits"),
        (["run", SINAN, "--size", "1000", "--seed", HUGE], "5,000 digits"),
        (["run", SINAN, "--size", "１０００", "--seed", "①"], "digits 0-9"),
        (["explain", LANGXI, "--age", "①"], "digits 0-9"),
        (["explain", LANGXI, "--age", "²"], "digits 0-9"),
        (["explain", LANGXI, "--age", HUGE], "5,000 digits"),
        (["explain", LANGXI, "--age", "131"], "between 0 and 130"),
        (["explain", LANGXI, "--set", f"benefit_year={HUGE}"], "at most 30 digits"),
        (["explain", LANGXI, "--set", "document.date=2020-02-30"], "must exist"),
        (["sweep-table", LANGXI, "--param", "contribution.personal", "--range", "nan:400:10"], "finite"),
        (["sweep-table", LANGXI, "--param", "contribution.personal", "--range", "380:inf:10"], "finite"),
        (["sweep-table", LANGXI, "--param", "contribution.personal", "--range=-inf:400:10"], "finite"),
        (["sweep-table", LANGXI, "--param", "contribution.personal", "--range", "380:400:nan"], "finite"),
        (["sweep-table", LANGXI, "--param", "contribution.personal", "--range", "380:381:0.001"], "finer than a fen"),
        (["sweep-table", LANGXI, "--param", "contribution.personal", "--range", f"380:{HUGE}:1"], "5,000 digits"),
        (["sweep-table", LANGXI, "--param", "contribution.personal", "--values", "380,nan"], "finite"),
        (["sweep-table", LANGXI, "--param", "contribution.personal", "--values", "三百,四百"], "--values"),
        (
            [
                "solve",
                LANGXI,
                "--param",
                "contribution.personal",
                "--source",
                "individual",
                "--budget",
                "1000000",
                "--lo",
                "300",
                "--hi",
                "400",
                "--step",
                "0.001",
            ],
            "finer than a fen",
        ),
        (
            [
                "solve",
                LANGXI,
                "--param",
                "contribution.personal",
                "--source",
                "individual",
                "--budget",
                "inf",
                "--lo",
                "300",
                "--hi",
                "400",
            ],
            "--budget",
        ),
        (
            [
                "solve",
                LANGXI,
                "--param",
                "contribution.personal",
                "--source",
                "individual",
                "--budget",
                "1000",
                "--lo",
                "nan",
                "--hi",
                "400",
            ],
            "--lo",
        ),
        (["montecarlo", LANGXI, "--vary", "rural_dibao=nan:0.5"], "finite"),
        (["multiyear", LANGXI, "--ageing", "inf"], "share"),
    ],
)
def test_cli_mistakes_are_one_line(capsys, argv, reason):
    line = one_line_error(capsys, *argv)
    assert reason in line, line


def test_full_width_age_is_read(capsys):
    assert main(["explain", LANGXI, "--age", "４５", "--lang", "zh"]) == 0
    assert "45岁" in capsys.readouterr().out


def test_as_of_that_does_not_exist(capsys, tmp_path):
    line = one_line_error(
        capsys,
        "roster",
        LANGXI,
        "tests/rosters/minzheng_dibao.csv",
        "--out",
        str(tmp_path / "bill"),
        "--as-of",
        "2020-02-30",
    )
    assert line.startswith("simulate roster: --as-of:") and "2020-02-30" in line
    assert not (tmp_path / "bill").exists()


# ----------------------------------------------------------------------------- item 6: population rows


def _population(tmp_path: Path, *ages: str) -> Path:
    path = tmp_path / "pop.csv"
    path.write_text("person_id,age,sex\n" + "".join(f"p{i},{a},F\n" for i, a in enumerate(ages)), "utf-8")
    return path


@pytest.mark.parametrize(
    "age, reason",
    [
        ("①", "written with the digits 0-9"),
        ("⑫", "written with the digits 0-9"),
        ("²", "digits 0-9"),
        (HUGE, "5,000 digits"),
        ("45.5", "whole number of years"),
        ("-1", "0-130"),
        ("131", "0-130"),
    ],
)
def test_population_age_refused_with_row_and_column(capsys, tmp_path, age, reason):
    path = _population(tmp_path, "45", age)
    line = one_line_error(capsys, "run", SINAN, "--population", str(path))
    assert f"{path}: row 3, column age:" in line and reason in line, line


def test_population_rows_in_equal_rows_used_plus_rejected(tmp_path):
    from simulate.model.population import read_population_csv

    path = _population(tmp_path, "45", "①", "４５", HUGE, "130")
    pop = read_population_csv(path, strict=False)
    assert pop.rows_read == 5 and len(pop) + len(pop.rejected) == 5
    assert [r["row"] for r in pop.rejected] == [3, 5]
    assert all("column age" in r["reason"] and len(r["reason"]) < 300 for r in pop.rejected)
    assert list(pop.age) == [45, 45, 130]  # full-width ４５ is 45


def test_population_age_exit_code_as_a_user_sees_it(tmp_path):
    proc = run_cli("run", SINAN, "--population", str(_population(tmp_path, "①")))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "row 2, column age" in proc.stderr


# ----------------------------------------------------------------------------- item 6: sweep folders


def test_sweep_runs_with_chinese_values_get_unique_safe_folders(monkeypatch, tmp_path):
    """甲 and 乙 used to slug to the same folder; now an index and an ASCII slug, and the index
    page shows the values as written."""
    from simulate import report
    from simulate.report import render
    from simulate.report.render import RunResult

    seen: dict = {}

    def fake_many(jobs, workers=None, **kw):
        seen["jobs"] = jobs
        return [
            RunResult(name=Path(out).name, out_dir=Path(out), parameters=dict(p), seconds=0.0) for _, out, p in jobs
        ]

    def fake_index(out_dir, runs, title, lang="zh", *, parameter_columns=()):
        seen["runs"], seen["columns"] = runs, list(parameter_columns)
        return Path(out_dir) / "index.html"

    monkeypatch.setattr(render, "render_many", fake_many)
    monkeypatch.setattr(render, "write_index", fake_index)
    values = ["甲", "乙", "甲乙", "a/../../b", "<b>"]
    published, _ = report.sweep(LANGXI, "title.zh", values, tmp_path / "sw")
    runs = [r.out_dir for r, (nb, _, _) in zip(published, seen["jobs"]) if nb == report.SCENARIO_REPORT]
    names = [p.name for p in runs]
    assert len(set(names)) == len(values), names
    for p in runs:
        assert p.parent == tmp_path / "sw"
        assert p.name.isascii() and "/" not in p.name and not p.name.startswith(".")
    assert names[0].startswith("01-") and names[4].startswith("05-")
    assert seen["columns"] == ["title.zh"]
    assert [r.parameters["title.zh"] for r in seen["runs"][: len(values)]] == values


# ----------------------------------------------------------------------------- item 6: other count columns


@pytest.mark.parametrize(
    "cell, reason", [("①", "neither a number of persons nor a readable CSV file"), (HUGE, "5,000 digits is too many")]
)
def test_region_population_column(capsys, tmp_path, cell, reason):
    shutil.copy(REPO / SINAN, tmp_path / "sinan-2021.yaml")
    region = tmp_path / "region.csv"
    region.write_text(f"county,scenario,population\n思南县,sinan-2021.yaml,{cell}\n", "utf-8")
    line = one_line_error(capsys, "region", str(region))
    assert f"{region}: row 2, column population" in line and reason in line, line


@pytest.mark.parametrize("cell, reason", [("①", "digits 0-9"), (HUGE, "5,000 digits"), ("3000000000", "2,000,000,000")])
def test_villages_file_counts(capsys, tmp_path, cell, reason):
    villages = tmp_path / "v.csv"
    villages.write_text(f"village_id,zh,en,residents,task\na,甲村,A,{cell},10\n", "utf-8")
    path = scenario_with(
        tmp_path, "area: {residents: 1000, source: example}", "area: {villages_file: v.csv, source: example}"
    )
    line = one_line_error(capsys, "run", str(path), "--size", "100")
    assert f"{villages}: row 2, column residents" in line and reason in line, line


@pytest.mark.parametrize(
    "assignment",
    [
        "a" * 5000 + "=1",
        "contribution." + "a" * 5000 + "=1",
        "tiers." + "a" * 5000 + ".subsidy.amount=1",
        "a" * 5000,
        "contribution.personal=" + "x" * 5000,
        "tiers.dibao.id=" + "x" * 5000,
    ],
)
def test_long_set_paths_and_values_are_shortened_in_the_message(capsys, assignment):
    line = one_line_error(capsys, "explain", LANGXI, "--set", assignment)
    assert "(5,0" in line, line  # the head and the length, not 5,000 characters


# ----------------------------------------------------------------------------- properties of the reader

_FULL = str.maketrans("0123456789.", "０１２３４５６７８９．")


@given(st.integers(0, 10**12), st.integers(0, 99), st.integers(0, 3))
def test_decimal_text_is_exact_in_ascii_and_full_width(whole, cents, zeros):
    from simulate.numtext import decimal_from_text

    text = "0" * zeros + f"{whole}.{cents:02d}"
    want = Decimal(whole) + Decimal(cents) / 100
    assert decimal_from_text(text) == want
    assert decimal_from_text(text.translate(_FULL)) == want


@given(st.characters(categories=["Nd", "No"]).filter(lambda c: not c.isascii() and not "０" <= c <= "９"))
def test_other_digits_are_refused(c):
    from simulate.numtext import decimal_from_text, whole_from_text

    for parse in (decimal_from_text, whole_from_text):
        with pytest.raises(ValueError, match="digits 0-9"):
            parse(f"4{c}0")
