"""Identities written by their Chinese names (issue 15 item 6b): one lookup in the vocabulary
(simulate.vocabulary.identity_by_name) for population files, ``explain --identity`` and
scenario rules; an unknown or ambiguous name is one line with the nearest names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulate.cli import main
from simulate.vocabulary import IDENTITIES, IdentityNameError, identity_by_name

REPO = Path(__file__).resolve().parent.parent
LANGXI = REPO / "scenarios" / "langxi-2024.yaml"


@pytest.mark.parametrize("ident", sorted(IDENTITIES))
def test_every_id_and_its_chinese_name(ident):
    assert identity_by_name(ident) == ident
    assert identity_by_name(IDENTITIES[ident].zh) == ident
    assert identity_by_name(f" {IDENTITIES[ident].zh} ") == ident


@pytest.mark.parametrize(
    "name,ident",
    [
        ("特困", "destitute"),
        ("五保户", "destitute"),
        ("重点优抚", "priority_entitled"),
        ("农村低保户", "rural_dibao"),
        ("城市低保", "urban_dibao"),
        ("低保边缘户", "low_income_family"),
        ("农村计生“两户”", "fp_two_households"),
        ("独生子女户", "fp_two_households"),  # a household, not the only child
        ("独生子女", "only_child"),
        ("建档立卡户", "registered_poor"),
        ("重病", "seriously_ill"),
        ("监测户", "monitored"),
    ],
)
def test_variants(name, ident):
    assert identity_by_name(name) == ident


@pytest.mark.parametrize("name", ["低保", "低保对象", "低保户", "最低生活保障对象"])
def test_bare_dibao_is_ambiguous(name):
    with pytest.raises(IdentityNameError) as info:
        identity_by_name(name)
    assert set(info.value.choices) == {"urban_dibao", "rural_dibao"}
    assert "城镇低保对象 (urban_dibao) or 农村低保对象 (rural_dibao)" in str(info.value)


def test_unknown_names_the_nearest():
    with pytest.raises(IdentityNameError, match=r"nearest: 特困人员 \(destitute\)"):
        identity_by_name("特因人员")
    with pytest.raises(IdentityNameError, match="unknown identity"):
        identity_by_name("见义勇为人员")


def test_a_given_vocabulary():
    """The lookup takes the vocabulary in use (a scenario's own, once local identities exist)."""
    only = {k: IDENTITIES[k] for k in ("urban_dibao", "destitute")}
    assert identity_by_name("城镇低保", only) == "urban_dibao"
    with pytest.raises(IdentityNameError, match=r"nearest: 城镇低保对象 \(urban_dibao\)"):
        identity_by_name("低保", only)  # a part of a name is never taken for the whole
    with pytest.raises(IdentityNameError):
        identity_by_name("孤儿", only)


def _json(capsys, argv: list[str]) -> dict:
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_explain_by_chinese_name(capsys):
    by_id = _json(capsys, ["explain", str(LANGXI), "--identity", "destitute", "--identity", "rural_dibao", "--json"])
    by_name = _json(capsys, ["explain", str(LANGXI), "--identity", "特困人员；农村低保户", "--json"])
    assert by_name == by_id and by_id["tier"] == "destitute"


@pytest.mark.parametrize("given,words", [("低保", "ambiguous"), ("特因人员", "nearest: 特困人员")])
def test_explain_refuses_in_one_line(capsys, given, words):
    capsys.readouterr()
    assert main(["--lang", "en", "explain", str(LANGXI), "--identity", given]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--identity" in err and words in err


def test_explain_refuses_an_ambiguous_name_in_chinese_by_default(capsys):
    capsys.readouterr()
    assert main(["explain", str(LANGXI), "--identity", "低保"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "有两种理解" in err and "农村低保对象" in err


def test_scenario_rules_by_chinese_name(tmp_path, capsys):
    text = LANGXI.read_text("utf-8")
    named = text.replace("eligibility: {identity: destitute}", "eligibility: {identity: 特困人员}").replace(
        "eligibility: {any: [urban_dibao, rural_dibao]}", "eligibility: {any: [城镇低保对象, 农村低保]}"
    )
    assert named.count("特困人员}") == 1 and "农村低保]" in named
    path = tmp_path / "langxi-named.yaml"
    path.write_text(named, "utf-8")
    run = ["run", "--size", "3000", "--seed", "4", "--json"]
    got = _json(capsys, [run[0], str(path), *run[1:]])
    want = _json(capsys, [run[0], str(LANGXI), *run[1:]])
    assert got == want
    path.write_text(text.replace("eligibility: {identity: destitute}", "eligibility: {identity: 低保}"), "utf-8")
    capsys.readouterr()
    assert main(["validate", str(path), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "tiers[destitute].eligibility.identity" in err and "ambiguous" in err
