"""The canonical vocabulary: identities, funding sources and government levels.

The ids are a contract shared with population files, rosters and scenario files
(DOMAIN.md, "Vocabulary"); the data lives in ``vocabulary.yaml`` beside this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import yaml

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class Term:
    """One vocabulary entry with its Chinese and English labels."""

    id: str
    zh: str
    en: str
    level: str = ""
    bit: int = -1
    colour: str = ""

    def label(self, lang: Lang = "zh") -> str:
        return self.zh if lang == "zh" else self.en


def _load() -> dict[str, tuple[Term, ...]]:
    text = resources.files("simulate").joinpath("vocabulary.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    return {key: tuple(Term(**_fields(row)) for row in rows) for key, rows in raw.items()}


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    """A vocabulary.yaml row as Term fields: every field is text but the bit number."""
    return {k: int(v) if k == "bit" else str(v) for k, v in row.items()}


_VOCAB = _load()
IDENTITIES: dict[str, Term] = {t.id: t for t in _VOCAB["identities"]}
SOURCES: dict[str, Term] = {t.id: t for t in _VOCAB["sources"]}
GOVERNMENT_LEVELS: dict[str, Term] = {t.id: t for t in _VOCAB["government_levels"]}
#: Flows shown beside the sources in charts (fiscal subsidy, work funds, awards).
SERIES: dict[str, Term] = {t.id: t for t in _VOCAB["series"]}
#: Funding sources in display order; ``individual`` is always first.
SOURCE_IDS: tuple[str, ...] = tuple(SOURCES)
IDENTITY_IDS: tuple[str, ...] = tuple(IDENTITIES)
IDENTITY_BIT: dict[str, int] = {t.id: t.bit for t in IDENTITIES.values()}
HOUSEHOLD_IDENTITIES: frozenset[str] = frozenset(t.id for t in IDENTITIES.values() if t.level == "household")


def identity_mask(ids: list[str] | tuple[str, ...] | frozenset[str]) -> int:
    """Bitmask (uint32 value) for a set of canonical identity ids; unknown ids raise KeyError."""
    mask = 0
    for ident in ids:
        mask |= 1 << IDENTITY_BIT[ident]
    return mask


def identities_of(mask: int) -> list[str]:
    """Canonical identity ids set in a bitmask, in vocabulary order."""
    return [t.id for t in IDENTITIES.values() if mask >> t.bit & 1]


def label(term_id: str, lang: Lang = "zh") -> str:
    """The zh or en label of any identity, source or government level id."""
    for table in (SOURCES, IDENTITIES, GOVERNMENT_LEVELS, SERIES):
        if term_id in table:
            return table[term_id].label(lang)
    return term_id


def colour(term_id: str) -> str:
    """The fixed chart colour (``#RRGGBB``) of a source, government level or flow.

    One colour per id in every chart, language and scenario (issue 12 item 3); a level key
    such as ``fiscal_subsidy.county`` takes its level's colour.
    """
    for table in (SOURCES, SERIES, GOVERNMENT_LEVELS):
        if term_id in table and table[term_id].colour:
            return table[term_id].colour
    if "." in term_id:
        return colour(term_id.rsplit(".", 1)[1])
    raise KeyError(f"no colour for {term_id!r} (add it to vocabulary.yaml)")
