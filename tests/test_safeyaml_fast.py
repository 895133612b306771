"""The libyaml fast path of ``parse_yaml_text`` reads every text as the careful loader does:
the same data, or a refusal where the careful loader refuses (then its message is the one shown).

The cases are where libyaml is more lenient than PyYAML (found by a review's fuzzing): tabs as
separators, a BOM after the start, a comment right after a block scalar's header, an empty ``!``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulate.errors import ScenarioError
from simulate.io import safeyaml
from simulate.io.safeyaml import parse_yaml_text

ROOT = Path(__file__).resolve().parents[1]

LENIENT = [
    "a: b\t\n",
    "a:\tb\n",
    "a: [b,\tc]\n",
    "- a\t\n",
    "a: |#x\n  y\n",
    "a: >#x\n  y\n",
    "a: |2#x\n   y\n",
    "a:\n\ufeff  b: 1\n",
    "# c\n\ufeffa: 1\n",
    "a:\n\ufeff- 1\n",
    "a: !\n",
    "- !\n",
    "! : x\n",
]


def _careful(text: str):
    try:
        return "data", yaml.load(text, Loader=safeyaml._NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError:
        return "refused", None


def _ours(text: str):
    try:
        return "data", parse_yaml_text(text, "x.yaml")
    except ScenarioError:
        return "refused", None


@pytest.mark.parametrize("text", LENIENT)
def test_where_libyaml_is_lenient_the_careful_reading_wins(text):
    assert _ours(text) == _careful(text)


@pytest.mark.parametrize("text", LENIENT)
def test_the_lenient_texts_never_reach_libyaml(text):
    with pytest.raises(safeyaml._Unsure):
        safeyaml._fast(text)


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scenarios_take_the_fast_path_and_read_the_same(path):
    text = path.read_text(encoding="utf-8")
    assert safeyaml._fast(text) == _careful(text)[1]
