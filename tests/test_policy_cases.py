"""Policy cases (tests/cases/*.yaml): each person's tier and payments, computed by hand from
the county documents, checked against the reference calculation and ``simulate explain --json``.

The case format is described in tests/cases/README.md.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
import yaml

from simulate.cli import main
from simulate.model.reference import own_standard, resolve
from simulate.policy import load_scenario
from simulate.policy.models import extended
from simulate.policy.rules import Person
from simulate.policy.subsidy import TIMINGS
from simulate.vocabulary import IDENTITIES, Vocabulary

REPO = Path(__file__).resolve().parent.parent
CASE_DIR = Path(__file__).resolve().parent / "cases"

PERSON_KEYS = {"identities", "age", "sex", "disability_grade", "timing", "hukou", "grade"}
EXPECT_KEYS = {"tier", "pays", "fiscal_subsidy", "tie_with", "enrolled"}
CASE_KEYS = {"name", "section", "person", "expect", "note"}


def _fen(yuan) -> int:
    """Yuan as written in a case (int, float or string with at most 2 decimals) to fen."""
    assert not isinstance(yuan, bool), f"amount {yuan!r} is not a number"
    d = Decimal(str(yuan)) * 100
    assert d == d.to_integral_value(), f"amount {yuan!r} has more than 2 decimals"
    return int(d)


def _load_cases() -> list:
    params = []
    for path in sorted(CASE_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text("utf-8"))
        assert set(doc) == {"scenario", "cases"}, f"{path.name}: top-level keys are scenario and cases"
        names = [c["name"] for c in doc["cases"]]
        dupes = {n for n in names if names.count(n) > 1}
        assert not dupes, f"{path.name}: duplicate case names {dupes}"
        for case in doc["cases"]:
            params.append(pytest.param(path.name, doc["scenario"], case, id=f"{path.stem}: {case['name']}"))
    return params


CASES = _load_cases()


@cache
def _scenario(rel: str):
    return load_scenario(REPO / rel)


def _person(spec: dict, vocab: Vocabulary | None = None) -> Person:
    unknown = set(spec) - PERSON_KEYS
    assert not unknown, f"unknown person keys {unknown}"
    idents = spec.get("identities") or []
    known = IDENTITIES if vocab is None else vocab.identities  # the scenario's local ids too
    for i in idents:
        assert i in known, f"unknown identity {i!r} in a case"
    timing = spec.get("timing", "regular")
    assert timing in TIMINGS
    hukou = spec.get("hukou", "")
    assert hukou in ("", "rural", "urban")
    return Person(
        frozenset(idents),
        int(spec.get("age", 40)),
        spec.get("sex", "F"),
        int(spec.get("disability_grade", 0)),
        timing,
        hukou,
        spec.get("grade", ""),
    )


def _check_case_shape(case: dict, vocab: Vocabulary) -> None:
    assert set(case) <= CASE_KEYS, f"unknown case keys {set(case) - CASE_KEYS}"
    assert {"name", "section", "person", "expect"} <= set(case), "a case needs name, section, person, expect"
    assert str(case["section"]).strip(), "every case cites its section"
    exp = case["expect"]
    assert set(exp) <= EXPECT_KEYS, f"unknown expect keys {set(exp) - EXPECT_KEYS}"
    assert {"tier", "pays", "fiscal_subsidy"} <= set(exp)
    for src, amount in (exp["pays"] or {}).items():
        assert src in vocab.sources, f"unknown source {src!r} in a case"  # canonical or the scenario's local
        assert _fen(amount) != 0, f"list only sources paying a non-zero amount ({src})"


@pytest.mark.parametrize("case_file, scenario, case", CASES)
def test_reference(case_file, scenario, case):
    sc = _scenario(scenario)
    pol = sc.policy
    vocab = extended(pol.vocabulary)
    _check_case_shape(case, vocab)
    exp = case["expect"]
    out = resolve(pol, _person(case["person"], vocab))
    pay = out.payment

    assert out.tier == exp["tier"]
    got_pays = {src: fen for src, fen in pay.pays.items() if fen != 0}
    assert got_pays == {src: _fen(v) for src, v in (exp["pays"] or {}).items()}
    assert all(fen >= 0 for fen in pay.pays.values()), pay.pays
    assert pay.fiscal_subsidy == _fen(exp["fiscal_subsidy"])
    assert pay.enrolled is exp.get("enrolled", True)
    assert sorted(out.tie_with) == sorted(exp.get("tie_with", []))
    if out.tier != "general":
        assert out.tier in out.eligible

    # conservation: the sources and the person together pay the whole enrollment, to the fen
    # (personal + fiscal subsidy, or the late charge a document states: 思南 三(四) 830)
    paid = sum(pay.pays.values()) + pay.fiscal_subsidy
    if pay.enrolled and pay.treatment == "fixed_charge":
        assert paid == pol.timing.late.charge
    elif pay.enrolled:  # the person's own standard (contribution.standards), else the one
        _, personal, fiscal = own_standard(pol, _person(case["person"], vocab))
        assert paid == personal + fiscal
    else:
        assert paid == 0


@pytest.mark.parametrize("case_file, scenario, case", CASES)
def test_explain_json(case_file, scenario, case, capsys):
    person = case["person"]
    argv = ["explain", str(REPO / scenario), "--json"]
    for ident in person.get("identities") or []:
        argv += ["--identity", ident]
    for key, flag in (
        ("age", "--age"),
        ("sex", "--sex"),
        ("disability_grade", "--disability-grade"),
        ("timing", "--timing"),
        ("hukou", "--hukou"),
        ("grade", "--grade"),
    ):
        if key in person:
            argv += [flag, str(person[key])]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    got = json.loads(captured.out)
    exp = case["expect"]

    assert got["scenario"] == _scenario(scenario).id
    assert got["tier"] == exp["tier"]
    assert {k: _fen(v) for k, v in got["pays"].items()} == {k: _fen(v) for k, v in (exp["pays"] or {}).items()}
    assert _fen(got["fiscal_subsidy"]) == _fen(exp["fiscal_subsidy"])
    assert got.get("enrolled", True) is exp.get("enrolled", True)


def test_every_tier_has_a_case():
    """Each tier of every document's scenario is reached by at least one case (what-if
    variants, which ``extends`` a document's scenario, carry only the cases they change)."""
    by_scenario: dict[str, set[str]] = {}
    for p in CASES:
        _, scenario, case = p.values
        by_scenario.setdefault(scenario, set()).add(case["expect"]["tier"])
    documents = {s for s in by_scenario if len(_scenario(s).chain) == 1}
    shipped = {f"scenarios/{p.name}" for p in (REPO / "scenarios").glob("*.yaml")}
    shipped_documents = {s for s in shipped if len(_scenario(s).chain) == 1}
    no_cases = sorted(shipped_documents - documents)
    assert not no_cases, f"document scenarios with no cases file: {no_cases}"
    for scenario, tiers in by_scenario.items():
        if scenario not in documents:
            continue
        pol = _scenario(scenario).policy
        missing = [t.id for t in pol.tiers if t.id not in tiers]
        assert not missing, f"{scenario}: no case reaches tiers {missing}"
        assert "general" in tiers, f"{scenario}: no case for a person with no tier"


# ----------------------------------------------------------------------------- issue 14: dates, warnings, counts


@pytest.mark.parametrize(
    "paid, event, when, ext, expected",
    [
        ("2023-12-31", None, None, False, "regular"),  # 郎溪 四: the last day of the period
        ("2024-01-01", None, None, True, "extended"),  # a migrant worker in the extension
        ("2024-02-29", None, None, True, "extended"),  # its last day (2024 is a leap year)
        ("2024-03-01", None, None, True, "late"),
        ("2024-01-01", None, None, False, "late"),  # not a migrant worker: late
        ("2024-06-01", "newborn", "2024-03-01", False, "newborn"),  # 92 days: within 3 months
        ("2024-06-02", "newborn", "2024-03-01", False, "newborn_after"),  # 93 days
        ("2024-11-30", "discharged_soldier", "2024-01-15", False, "discharged_soldier"),  # no limit
    ],
)
def test_timing_class_from_dates(paid, event, when, ext, expected):
    import datetime as dt

    from simulate.policy.subsidy import timing_class

    pol = _scenario("scenarios/langxi-2024.yaml").policy
    got = timing_class(
        pol, dt.date.fromisoformat(paid), event, dt.date.fromisoformat(when) if when else None, extension_applies=ext
    )
    assert got == expected


def test_explain_from_dates_sinan_newborn(capsys):
    """思南 八(三)4: 90 days inclusive; on day 91 the newborn pays 830."""
    base = [
        "explain",
        str(REPO / "scenarios/sinan-2021.yaml"),
        "--age",
        "0",
        "--event",
        "newborn",
        "--event-date",
        "2021-05-01",
        "--json",
        "--paid-on",
    ]
    assert main(base + ["2021-07-30"]) == 0  # 90 days after
    assert json.loads(capsys.readouterr().out)["pays"] == {"individual": 280}
    assert main(base + ["2021-07-31"]) == 0  # 91 days after
    assert json.loads(capsys.readouterr().out)["pays"] == {"individual": 830}


def test_explain_date_mistakes_are_one_line(capsys):
    sc = str(REPO / "scenarios/langxi-2024.yaml")
    for argv in (
        ["--event", "newborn"],
        ["--paid-on", "2024-01-05", "--event", "newborn"],
        ["--paid-on", "2024-01-05", "--timing", "late"],
        ["--paid-on", "2024-01-05", "--event", "newborn", "--event-date", "2024-02-01"],
    ):
        assert main(["explain", sc] + argv) == 2, argv
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_done_when_commands(capsys):
    """Issue 14's own checks, read literally."""
    assert main(["explain", str(REPO / "scenarios/langxi-2024.yaml"), "--timing", "extended", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["pays"] == {"individual": 380} and got["fiscal_subsidy"] == 640
    song = str(REPO / "scenarios/songming-2018.yaml")
    assert main(["explain", song, "--identity", "fp_two_households", "--age", "70", "--hukou", "rural", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tier"] == "general"
    assert main(["explain", song, "--identity", "fp_two_households", "--age", "40", "--hukou", "rural", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tier"] == "rural_family_planning"
    assert main(["run", str(REPO / "scenarios/shuangpai-2022.yaml"), "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    assert run["fiscal_subsidy"] == run["enrolled"] * 610  # 610 per enrolled person
    kinds = run["enrolled_by_timing"]
    assert sum(kinds.values()) == run["enrolled"] and kinds["extended"] > 0 and kinds["late"] > 0
    assert main(["assumptions", str(REPO / "scenarios/shuangpai-2022.yaml")]) == 0
    out = capsys.readouterr().out
    assert "area" in out and "enrolment-base.csv" in out and "141,426" in out


def test_validate_warns_about_unused_fields(tmp_path, capsys):
    bad = tmp_path / "unused.yaml"
    bad.write_text(
        f"extends: {REPO / 'scenarios/shuangpai-2022.yaml'}\n"
        "id: unused\n"
        "area: {villages_file: daligang-2020-villages.csv}\n"
        "timing:\n"
        "  windows:\n"
        "    - {event: discharged_soldier, within: as_regular, after: full_financing, section: x}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(bad), "--lang", "en"]) == 0  # warnings do not make a file invalid
    err = capsys.readouterr().err
    assert "timing.windows[discharged_soldier].after: warning" in err
    assert "area.residents: warning" in err
    assert "tiers[" not in err  # 双牌 has no year-round tiers
    assert main(["validate"] + [str(p) for p in sorted((REPO / "scenarios").glob("*.yaml"))]) == 0
    assert "warning" not in capsys.readouterr().err  # the shipped scenarios use every field


def test_sinan_late_charge_is_its_own_parameter():
    """三(四) states 830; a what-if moving the subsidy does not silently move the charge."""
    sc = load_scenario(REPO / "scenarios/sinan-2021.yaml", {"contribution.fiscal_subsidy": 580})
    late = resolve(sc.policy, Person(timing="late")).payment
    assert late.pays == {"individual": 83000} and late.fiscal_subsidy == 0
    assert resolve(sc.policy, Person()).payment.fiscal_subsidy == 58000
