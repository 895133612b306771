"""Scenario field names and the generated reference (issue 15 item 5): every field of the schema
has a zh and an en name in labels.yaml, and docs/scenario-reference.md is what the schema says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from simulate.policy.fieldref import key_of, name, place_zh, schema_fields
from simulate.policy.refdoc import reference_markdown

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "scenario-reference.md"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_schema_field_has_a_zh_and_an_en_name():
    missing = [s.key for s in schema_fields() if not name(s.key, "zh") or not name(s.key, "en")]
    assert not missing, f"add these to simulate/labels.yaml, section fields: {missing}"
    for s in schema_fields():
        assert CJK.search(name(s.key, "zh") or ""), (s.key, name(s.key, "zh"))
        assert not CJK.search(name(s.key, "en") or ""), (s.key, name(s.key, "en"))
    assert len(schema_fields()) > 150  # the walk reaches nested models, not just the top


def test_a_field_added_without_names_is_caught(monkeypatch):
    """The check above is live: a key labels.yaml does not know has no name."""
    assert name("tiers.subsidy.no_such_field", "zh") is None
    assert name("tiers.subsidy.percent", "zh") == "资助比例"
    assert name("timing.windows.section", "en") == "document section"  # a common leaf


def test_nested_rules_share_the_paths_of_their_rule():
    assert key_of(("tiers", 0, "eligibility", "all", 1, "age", "min")) == ("tiers.eligibility.age.min", True)
    assert key_of(("tiers", 0, "eligibility", "any", 2)) == ("tiers.eligibility.any", True)
    assert key_of(("tiers", 0, "eligibilty")) == ("tiers", False)


def test_place_names_use_the_tier_label():
    raw = {"tiers": [{"id": "dibao", "label": {"zh": "低保对象", "en": "dibao"}, "subsidy": {}}]}
    assert place_zh(("tiers", 0, "subsidy", "percent"), raw) == "低保对象 资助比例"
    assert place_zh(("tiers", 0), raw) == "资助档次 低保对象"
    assert place_zh(("tiers", 0, "subsidy", "shares", 1), raw) == "低保对象 分担份额"
    assert place_zh(("contribution", "personal"), raw) == "个人缴费标准"  # unit left to the reference


def test_committed_reference_is_what_the_schema_says():
    text = reference_markdown()
    assert DOC.read_text("utf-8") == text, "run: python scripts/scenario_reference.py"
    for s in schema_fields():
        if s.leaf not in ("assumption", "note", "note_zh"):
            assert f"| `{s.key}` | {name(s.key, 'zh')} | {name(s.key, 'en')} |" in text, s.key
    row = next(line for line in text.splitlines() if line.startswith("| `tiers.subsidy.form`"))
    assert "`full`, `percent`, `fixed_subsidy`" in row and "是 yes" in row


def test_the_script_checks_and_writes(tmp_path):
    proc = subprocess.run(
        [sys.executable, "scripts/scenario_reference.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
