"""Issue 15 items 2-3: several personal standards (age bands, students, chosen grades) and the
subsidy forms of real notices (a percent with a cap or floor, fixed amounts by age band).

The hand-worked cases are in tests/cases/banded-county-2024.yaml and graded-county-2024.yaml;
the property tests (tests/test_engine_properties.py) draw policies with these forms. Here: the
end-to-end path an analyst takes (``new`` → edit → ``validate`` → ``report``), the workbook
round trip, the one-line errors, and the grade draw's shares and chunk independence.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from simulate.cli import main
from simulate.model.standards import cells_of, grade_by_share
from simulate.model.synth import BLOCK, synthesize
from simulate.policy import load_scenario
from simulate.results.run import run

REPO = Path(__file__).resolve().parent.parent
BANDED = REPO / "tests" / "fixtures" / "banded-county-2024.yaml"
GRADED = REPO / "tests" / "fixtures" / "graded-county-2024.yaml"


def _uncomment(text: str, first: str, last: str) -> str:
    """Remove the ``# `` after the indentation of every line from the one starting ``first``
    (after its indentation) up to the one containing ``last``, as an analyst would."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(first))
    stop = next(i for i in range(start, len(lines)) if last in lines[i])
    for i in range(start, stop + 1):
        lines[i] = re.sub(r"^(\s*)# ", r"\1", lines[i], count=1)
    return "\n".join(lines) + "\n"


def _round_trip(path: Path, tmp_path: Path) -> None:
    book, back = tmp_path / "b.xlsx", tmp_path / "back.yaml"
    assert main(["policy-to-excel", str(path), "--out", str(book)]) == 0
    assert main(["policy-from-excel", str(book), "--out", str(back)]) == 0
    assert load_scenario(back).policy.model_dump() == load_scenario(path).policy.model_dump()


@pytest.mark.slow
def test_new_edit_validate_report_with_age_banded_standards(tmp_path, capsys):
    """Issue 15 "Done when": new → edit (age-banded standards) → validate → report, and the
    Excel round trip of the edited scenario gives an identical policy."""
    out = tmp_path / "mouxian-2024.yaml"
    assert main(["new", "--county", "某某县", "--year", "2024", "--out", str(out)]) == 0
    text = out.read_text("utf-8")
    text = _uncomment(text, "# standards:", "规定该人群标准的文件条款")
    text = _uncomment(text, "# - id: returned_to_poverty", "{from: 60, amount: 180}")
    out.write_text(text, "utf-8")
    assert main(["validate", str(out)]) == 0, capsys.readouterr().err
    policy = load_scenario(out).policy
    assert [s.id for s in policy.contribution.standards] == ["minors", "elderly"]
    assert [b.amount for b in policy.tier("orphans").subsidy.by_age or ()] == [20000, 15000, 18000]
    assert policy.tier("returned_to_poverty").subsidy.cap == 25000
    rep = tmp_path / "rep"
    assert main(["report", str(out), "--size", "3000", "--out", str(rep), "--json"]) == 0
    capsys.readouterr()
    html = (rep / "report.html").read_text("utf-8")
    assert "按缴费标准" in html and "学生和未成年人" in html and "60周岁以上老年人" in html
    saved = json.loads((rep / "results.json").read_text("utf-8"))["results"]
    by_standard = saved["by_standard"]
    assert set(by_standard) == {"base", "minors", "elderly"}
    assert sum(v["enrolled"] for v in by_standard.values()) == saved["enrolled"]
    assert all(v["enrolled"] > 0 for v in by_standard.values())
    for source, yuan in saved["by_source"].items():  # the table by standard adds up to the totals
        assert abs(sum(v["pays"].get(source, 0) for v in by_standard.values()) - yuan) < 1e-6
    _round_trip(out, tmp_path)


@pytest.mark.parametrize("path", [BANDED, GRADED], ids=lambda p: p.stem)
def test_fixture_round_trips_through_the_workbook(path, tmp_path, capsys):
    _round_trip(path, tmp_path)


def _write_scenario(tmp_path: Path, subsidy: str, standards: str = "") -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(
        f"extends: {BANDED.parent.parent.parent / 'scenarios' / 'langxi-2024.yaml'}\n"
        + (f"contribution:\n  standards:\n{standards}" if standards else "")
        + f"tiers:\n  - id: monitored\n    subsidy: {subsidy}\n",
        "utf-8",
    )
    return path


@pytest.mark.parametrize(
    "subsidy, standards, words",
    [
        (
            "{amount: null, by_age: [{below: 18, amount: 1}, {from: 20, amount: 2}]}",
            "",
            ["by_age band 2", "a gap"],
        ),
        (
            "{amount: null, by_age: [{below: 18, amount: 1}, {from: 16, amount: 2}]}",
            "",
            ["by_age band 2", "an overlap"],
        ),
        ("{amount: null, by_age: [{below: 18, amount: 1}]}", "", ["last by_age band must have no below"]),
        ("{amount: null, by_age: [{from: 3, amount: 1}]}", "", ["by_age band 1", "not at 0"]),
        ("{form: percent, amount: null, percent: 70, cap: 100, floor: 200}", "", ["floor 200 yuan is above cap"]),
        ("{amount: 190, cap: 100}", "", ["does not take cap"]),
        ("{form: percent, amount: null, percent: 70, floor: 500}", "", ["floor 500 yuan is above the personal"]),
        (
            "{amount: 190}",
            "    - {id: a, label: {zh: 一档, en: a}, personal: 380, share: 60}\n"
            "    - {id: b, label: {zh: 二档, en: b}, personal: 500, share: 30}\n",
            ["shares of the grades must add up to 100"],
        ),
        (
            "{amount: 190}",
            "    - {id: a, label: {zh: 学生, en: a}, personal: 300, share: 60, who: {age: {max: 17}}}\n",
            ["exactly one of who"],
        ),
    ],
)
def test_bad_forms_are_one_line_errors(tmp_path, capsys, subsidy, standards, words):
    path = _write_scenario(tmp_path, subsidy, standards)
    assert main(["--lang", "en", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err, err
    for word in words:
        assert word in err, err


def test_grades_drawn_by_share_and_the_same_whatever_the_chunks():
    """Synthetic people choose a grade with the given shares (70/30), from a stream of their
    own: the run is identical whatever the chunk size, and other columns are untouched."""
    sc = load_scenario(GRADED)
    pop = synthesize(sc, 60_000, seed=5).materialize()  # one block: the draw's shares
    grades = np.bincount(pop.grade, minlength=3)
    assert grades[0] == 0 and abs(grades[2] / len(pop) - 0.30) < 0.01
    base = synthesize(load_scenario(REPO / "scenarios" / "langxi-2024.yaml"), 60_000, seed=5).materialize()
    assert base.grade is None
    np.testing.assert_array_equal(base.age, pop.age)
    np.testing.assert_array_equal(base.identities, pop.identities)
    size = 2 * BLOCK + 1000  # three blocks, run one block a chunk and all three in one
    a = run(sc, size=size, seed=5, chunk_blocks=1, workers=1, progress=False).to_json()
    b = run(sc, size=size, seed=5, chunk_blocks=3, workers=1, progress=False).to_json()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert {"students", "grade_one", "grade_two"} <= set(a["by_standard"])


def test_explain_grade_and_standard(capsys):
    assert main(["explain", str(GRADED), "--age", "40", "--grade", "grade_two", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["pays"] == {"individual": 500} and got["standard"] == "grade_two"
    assert main(["explain", str(GRADED), "--grade", "grade_three"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "grade_one, grade_two" in err


def _graded_file(tmp_path: Path, grades: list[str]) -> Path:
    path = tmp_path / "people.csv"
    rows = ["person_id,age,sex,identities,grade"]
    for i, g in enumerate(grades):
        rows.append(f"P{i:04d},40,F,{'rural_dibao' if i % 2 else ''},{g}")
    path.write_text("\n".join(rows) + "\n", "utf-8")
    return path


@pytest.mark.parametrize("chunk", [64, 1 << 20])
def test_population_file_grade_column(tmp_path, chunk):
    """A recorded grade (id, zh or en name) is the person's; an empty cell falls to the shares.
    Read in small chunks (Arrow batches) or whole, the money is the same."""
    from simulate.model.population import read_population

    grades = ["二档", "grade_one", "grade two", ""] * 25
    pop = read_population(_graded_file(tmp_path, grades), chunk_bytes=chunk)
    out = run(load_scenario(GRADED), pop, progress=False).to_json()["by_standard"]
    blank = [i for i, g in enumerate(grades) if not g]  # by the shares, on the person id
    drawn = grade_by_share(cells_of(load_scenario(GRADED).policy), np.array([f"P{i:04d}" for i in blank]), 0)
    chosen = {i: "二档" if d else "grade_one" for i, d in zip(blank, drawn)}
    two = [i for i, g in enumerate(grades) if chosen.get(i, g) in ("二档", "grade two")]
    one = [i for i in range(len(grades)) if i not in two]
    assert out["grade_two"]["enrolled"] == len(two) and out["grade_one"]["enrolled"] == len(one)
    for ids, personal in ((two, 500), (one, 380)):  # 低保 (odd rows): 342 fixed, the person the rest
        key = "grade_two" if personal == 500 else "grade_one"
        dibao = sum(1 for i in ids if i % 2)
        want = {"individual": dibao * (personal - 342) + (len(ids) - dibao) * personal}
        if dibao:
            want["medical_assistance"] = dibao * 342
        assert out[key]["pays"] == want


def test_population_file_unknown_grade_is_one_line(tmp_path, capsys):
    path = _graded_file(tmp_path, ["一档", "三档"])
    assert main(["run", str(GRADED), "--population", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "三档" in err and "grade" in err


def test_behavioural_response_by_the_persons_own_standard():
    """With a logistic response, people of the dearer grade (500 yuan) stay enrolled less
    often than those of the cheaper one (380): retention is looked up by each person's cell."""
    response = {
        "behaviour.model": "logistic",
        "behaviour.midpoint_yuan": 420,
        "behaviour.slope_per_yuan": 0.05,
        "behaviour.reference_yuan": 380,
        "behaviour.source": "test: a steep curve so the two grades differ clearly",
    }
    sc = load_scenario(GRADED, response)
    without = run(load_scenario(GRADED), size=100_000, seed=2, progress=False).to_json()["by_standard"]
    with_ = run(sc, size=100_000, seed=2, progress=False).to_json()["by_standard"]
    kept = {k: with_[k]["enrolled"] / without[k]["enrolled"] for k in ("grade_one", "grade_two", "students")}
    assert kept["grade_two"] < 0.5 * kept["grade_one"], kept
    assert kept["students"] > kept["grade_one"] - 0.02, kept  # 300 yuan: below the reference


@pytest.mark.parametrize("path", [BANDED, GRADED], ids=lambda p: p.stem)
def test_expected_value_refuses_several_standards(path, capsys):
    """The expected-value method has no grade or standard per profile: it says so (exit 2)
    rather than print the base standard's figures."""
    assert main(["expected", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "contribution.standards" in err


def test_workbook_with_other_columns_is_refused(tmp_path, capsys):
    """Cells are read by position: a tier sheet whose headings are not this version's (an
    older layout without cap/floor/by_age, a column inserted by hand) is one line, exit 2."""
    import openpyxl

    from simulate.policy.workbook_io import TIER_SHEET

    book = tmp_path / "b.xlsx"
    assert main(["policy-to-excel", str(BANDED), "--out", str(book)]) == 0
    wb = openpyxl.load_workbook(book)
    wb[TIER_SHEET].delete_cols(10)  # as a workbook written before the cap column existed
    wb.save(book)
    capsys.readouterr()
    assert main(["policy-from-excel", str(book), "--out", str(tmp_path / "s.yaml"), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "row 1, column J" in err and "policy-to-excel" in err
