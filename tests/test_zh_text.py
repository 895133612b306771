"""Chinese outputs read as Chinese: every scenario note has a 简体中文 version, and the zh text
of ``simulate explain`` and ``simulate assumptions`` holds no English sentence.

What counts as English here is a run of four or more English words. Identifiers and file
names (``measured_on``, ``data/national-standards.csv``, ``DOMAIN.md``) are not words: a zh
note may cite them, as it cites a document number. The field path at the start of an
``assumptions`` line (``tiers[dibao]``) is the scenario's own key, not prose, and is left out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from simulate.cli import main
from simulate.policy import FiscalSplit, Flagged, load_scenario
from simulate.vocabulary import IDENTITIES

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))

CJK = re.compile(r"[\u4e00-\u9fff]")
#: Identifiers, file names and dotted names: ASCII tokens joined by / _ or . (not prose).
IDENTIFIER = re.compile(r"[A-Za-z0-9-]*(?:[/_.][A-Za-z0-9-]+)+")
#: Four or more English words in a row (separated by spaces or light punctuation).
ENGLISH_RUN = re.compile(r"(?:\b[A-Za-z]{2,}\b[\s,;:'\"()-]+){3,}\b[A-Za-z]{2,}\b")


def english_runs(text: str) -> list[str]:
    return ENGLISH_RUN.findall(IDENTIFIER.sub(" ", text))


def flagged_nodes(node, path=""):
    """(path, node) for every Flagged model in a policy, assumption or not."""
    if isinstance(node, Flagged):
        yield path or "(scenario)", node
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from flagged_nodes(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, tuple):
        for i, item in enumerate(node):
            yield from flagged_nodes(item, f"{path}[{getattr(item, 'id', None) or i}]")


def test_the_check_catches_english_and_spares_identifiers():
    assert english_runs("假设：The document does not say what such a village gets")
    assert not english_runs("按集中征缴期内的缴费计算（measured_on: regular）")
    assert not english_runs("省、市、县比例为假设（data/fiscal-split-defaults.csv）")
    assert not english_runs("以固定金额为准（DOMAIN.md）：差额由个人缴纳")


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_note_has_a_chinese_version(path):
    pol = load_scenario(path).policy
    for where, node in flagged_nodes(pol):
        if node.note:
            assert node.note_zh and CJK.search(node.note_zh), f"{path.name}: {where} has no note_zh"
            assert not english_runs(node.note_zh), (where, node.note_zh)
    for a in pol.assumptions():
        assert CJK.search(a["note_zh"]) and not english_runs(a["note_zh"]), a
    assert len(pol.notes_zh) == len(pol.notes), path.name
    for note in pol.notes_zh:
        assert CJK.search(note) and not english_runs(note), note
    split: FiscalSplit = pol.contribution.fiscal_subsidy_split
    assert split.source_zh and not english_runs(split.source_zh)
    for section in [
        pol.contribution.section,
        pol.multiple_identities.section,
        pol.timing.section,
        pol.timing.late.section,
        pol.targets.section,
    ] + [t.section for t in pol.tiers]:
        assert not english_runs(section), section


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_assumptions_command_is_chinese_by_default(path, capsys):
    pol = load_scenario(path).policy
    assert main(["assumptions", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    header, lines = [x for x in out if not x.startswith("  ")], [x[2:] for x in out if x.startswith("  ")]
    assert header[0].startswith("情景文件：") and header[-1] == f"假设：{len(pol.assumptions())}"
    assert len(lines) == len(pol.assumptions())
    for line, a in zip(lines, pol.assumptions()):
        where, _, note = line.partition("：")
        assert where == a["path"] and note == a["note_zh"], line
        assert CJK.search(note) and not english_runs(note), line
    assert main(["assumptions", str(path), "--lang", "en"]) == 0
    en = [x[2:] for x in capsys.readouterr().out.splitlines() if x.startswith("  ")]
    assert en == [f"{a['path']}: {a['note']}" for a in pol.assumptions()]
    assert main(["validate", "--assumptions", "--quiet", str(path)]) == 0
    for line in capsys.readouterr().out.splitlines():
        assert not english_runs(line.partition("：")[2]), line


def _people(pol):
    """Command-line arguments for people who between them reach every tier of a scenario,
    several tiers at once, the late and newborn rules."""
    people = [[], ["--timing", "late"], ["--timing", "newborn", "--age", "0"]]
    for ident in IDENTITIES:
        for age in ("10", "40", "70"):
            people.append(["--identity", ident, "--age", age])
    people += [["--identity", local.id] for local in pol.vocabulary.identities]  # the scenario's own groups
    for grade in ("1", "2", "3", "4"):
        people.append(["--disability-grade", grade])
    people.append(["--identity", "rural_dibao;registered_poor;only_child", "--age", "10", "--disability-grade", "3"])
    people.append(["--identity", "low_income_family;fp_two_households", "--age", "70"])
    return people


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_explain_in_chinese_has_no_english_sentence(path, capsys):
    pol = load_scenario(path).policy
    reached = set()
    for person in _people(pol):
        assert main(["explain", str(path), *person, "--lang", "zh"]) == 0
        text = capsys.readouterr().out
        assert not english_runs(text), (person, english_runs(text), text)
        for t in pol.tiers:
            if f"适用档次：{t.label.zh}（" in text:
                reached.add(t.id)
                if t.assumption:
                    assert f"假设：{t.note_zh}" in text
    assert reached == {t.id for t in pol.tiers}, sorted({t.id for t in pol.tiers} - reached)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_document_number_is_not_bracketed_twice(path):
    """The report cites 《title》（number，date）: a number already wrapped in brackets would read
    （（…）…）, so the scenario's own text must not carry them."""
    number = load_scenario(path).policy.document.number.strip()
    assert not (number[:1] in "（(" and number[-1:] in "）)"), f"{path.name}: document.number {number!r}"
