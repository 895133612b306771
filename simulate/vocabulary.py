"""The canonical vocabulary: identities, funding sources and government levels.

The ids are a contract shared with population files, rosters and scenario files
(DOMAIN.md, "Vocabulary"); the data lives in ``vocabulary.yaml`` beside this module.
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from collections.abc import Mapping
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


class IdentityNameError(ValueError):
    """An identity written by a name that is unknown or names several identities; the
    message is one line with the nearest names (``choices``: the ids it may mean)."""

    def __init__(self, text: str, reason: str, choices: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.text, self.choices = text, choices


#: Endings that do not change which identity a name means (特困 = 特困人员).
_NAME_ENDINGS = ("人员", "对象", "人口", "家庭", "成员", "患者", "户", "人")
_NAME_DROP = dict.fromkeys(map(ord, "\"'“”‘’「」『』《》 \t\u3000\ufeff"))


def _name_key(text: str) -> str:
    """A name compared by meaning: full width as half, no spaces or quote marks."""
    return unicodedata.normalize("NFKC", text).translate(_NAME_DROP).strip()


def _name_stem(key: str) -> str:
    """``key`` without the endings of ``_NAME_ENDINGS`` (at least two characters are kept)."""
    while True:
        ending = next((e for e in _NAME_ENDINGS if key.endswith(e) and len(key) - len(e) >= 2), None)
        if ending is None:
            return key
        key = key[: -len(ending)]


def _names_file() -> dict[str, Any]:
    text = resources.files("simulate").joinpath("identity_names.yaml").read_text("utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    return raw


_NAMES = _names_file()


@functools.lru_cache(maxsize=8)
def _name_index(terms: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], dict[str, str]]:
    """(name key -> id, name stem -> id) of a vocabulary's (id, zh) pairs, built once."""
    by_key = {_name_key(zh): ident for ident, zh in terms} | {ident: ident for ident, _ in terms}
    for ident, names in _NAMES["names"].items():
        if any(ident == i for i, _ in terms):
            by_key.update({_name_key(n): ident for n in names if _name_key(n) not in by_key})
    return by_key, {_name_stem(_name_key(zh)): ident for ident, zh in terms}


def identity_by_name(text: str, identities: Mapping[str, Term] | None = None) -> str:
    """The identity id a person wrote: the id itself, its Chinese name or a common variant
    (``identity_names.yaml``; width, spaces, quotes and endings such as 人员/对象/户 ignored).

    ``identities`` is the vocabulary in use (default: the canonical one). Raises
    :class:`IdentityNameError` with a one-line reason naming the nearest names when the text
    names no identity or several (bare 低保: 城镇低保对象 or 农村低保对象)."""
    known = IDENTITIES if identities is None else identities
    if text in known:
        return text
    key = _name_key(text)
    by_key, stems = _name_index(tuple((t.id, t.zh) for t in known.values()))
    if key in by_key:
        return by_key[key]
    choices = tuple(i for i in _NAMES["ambiguous"].get(key, ()) if i in known)
    if not choices:
        if _name_stem(key) in stems:
            return stems[_name_stem(key)]
        stem = _name_stem(key)
        choices = tuple(i for s, i in stems.items() if len(stem) >= 2 and s.endswith(stem))
    if len(choices) > 1:
        either = " or ".join(f"{known[i].zh} ({i})" for i in choices)
        raise IdentityNameError(text, f"identity {text!r} is ambiguous: {either}; write which one", choices)
    near = list(choices) + [by_key[k] for k in difflib.get_close_matches(key, by_key, n=4, cutoff=0.5)]
    near = list(dict.fromkeys(near))[:3]
    hint = "; ".join(f"{known[i].zh} ({i})" for i in near)
    raise IdentityNameError(
        text, f"unknown identity {text!r}" + (f" (nearest: {hint})" if hint else " (see simulate/vocabulary.yaml)")
    )


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
