"""The vocabulary: identities, funding sources and government levels, canonical and local.

The canonical ids are a contract shared with population files, rosters and scenario files
(DOMAIN.md, "Vocabulary"); the data lives in ``vocabulary.yaml`` beside this module. A
scenario may add local identities and payers (issue 15 item 1): :meth:`Vocabulary.extend`
gives the scenario's own vocabulary, the canonical ids first and unchanged.
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .resources import package_yaml

Lang = Literal["zh", "en"]

#: Identities a person's bitmask can hold: a uint32 while the vocabulary has at most 32
#: (the canonical case, unchanged), a uint64 up to 64.
MAX_IDENTITIES = 64


@dataclass(frozen=True)
class Term:
    """One vocabulary entry with its Chinese and English labels."""

    id: str
    zh: str
    en: str
    level: str = ""
    bit: int = -1
    colour: str = ""
    words: tuple[str, ...] = ()  # roster category words (local identities)
    local: bool = False  # declared by a scenario, not in vocabulary.yaml

    def label(self, lang: Lang = "zh") -> str:
        return self.zh if lang == "zh" else self.en


class VocabularyError(ValueError):
    """A local term that cannot be added (shadows a canonical id, repeats one, too many)."""

    def __init__(self, term_id: str, reason: str, field: str = "id") -> None:
        super().__init__(reason)
        self.term_id = term_id
        self.field = field  # the term's field at fault


def _load() -> dict[str, Any]:
    raw: dict[str, Any] = package_yaml(Path(__file__).with_name("vocabulary.yaml"))
    return raw


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    """A vocabulary.yaml row as Term fields: every field is text but the bit number."""
    return {k: int(v) if k == "bit" else str(v) for k, v in row.items()}


class Vocabulary:
    """Identities, sources, government levels and flows of one scenario, in display order.

    Identity ``bit`` is the position in a person's identity mask (:attr:`mask_dtype`); the
    canonical bits never move, local identities take the next free ones in declaration order.
    """

    def __init__(
        self,
        identities: Iterable[Term],
        sources: Iterable[Term],
        levels: Iterable[Term],
        series: Iterable[Term],
        local_colours: tuple[str, ...] = (),
    ) -> None:
        self.identities: dict[str, Term] = {t.id: t for t in identities}
        self.sources: dict[str, Term] = {t.id: t for t in sources}
        self.levels: dict[str, Term] = {t.id: t for t in levels}
        self.series: dict[str, Term] = {t.id: t for t in series}
        self.local_colours = local_colours
        #: Funding sources in display order; ``individual`` is always first.
        self.source_ids: tuple[str, ...] = tuple(self.sources)
        self.identity_ids: tuple[str, ...] = tuple(self.identities)
        self.identity_bit: dict[str, int] = {t.id: t.bit for t in self.identities.values()}
        self.household: frozenset[str] = frozenset(t.id for t in self.identities.values() if t.level == "household")
        width = max((t.bit for t in self.identities.values()), default=0) + 1
        self.mask_dtype: type[np.unsignedinteger[Any]] = np.uint32 if width <= 32 else np.uint64

    def extend(self, identities: Iterable[Mapping[str, Any]], sources: Iterable[Mapping[str, Any]]) -> Vocabulary:
        """This vocabulary with local identities (``id zh en level words``) and local funding
        sources (``id zh en level colour``) after the canonical ones; a local id may not shadow
        a canonical one nor repeat (:class:`VocabularyError` names the id)."""
        taken = set(self.identities) | set(self.sources) | set(self.levels) | set(self.series) | {"general"}
        new_ids: list[Term] = []
        bit = max((t.bit for t in self.identities.values()), default=-1) + 1
        names = {t.zh: t.id for t in self.identities.values()}
        for row in identities:
            _check_new(row["id"], taken, self)
            if row["zh"] in names:  # files and --identity may name an identity by its zh label
                raise VocabularyError(row["id"], f"the name {row['zh']} is already identity {names[row['zh']]}", "zh")
            names[row["zh"]] = row["id"]
            if bit >= MAX_IDENTITIES:
                raise VocabularyError(row["id"], f"at most {MAX_IDENTITIES} identities in all (canonical and local)")
            words = tuple(row.get("words") or ())
            new_ids.append(Term(row["id"], row["zh"], row["en"], row["level"], bit, words=words, local=True))
            taken.add(row["id"])
            bit += 1
        new_src: list[Term] = []
        n_local = sum(t.local for t in self.sources.values())
        for row in sources:
            _check_new(row["id"], taken, self)
            colour = row.get("colour") or self.local_colours[n_local % len(self.local_colours)]
            new_src.append(Term(row["id"], row["zh"], row["en"], row["level"], colour=colour, local=True))
            taken.add(row["id"])
            n_local += 1
        return Vocabulary(
            (*self.identities.values(), *new_ids),
            (*self.sources.values(), *new_src),
            self.levels.values(),
            self.series.values(),
            self.local_colours,
        )

    def label(self, term_id: str, lang: Lang | str = "zh") -> str:
        """The zh or en label of any identity, source, government level or flow id."""
        for table in (self.sources, self.identities, self.levels, self.series):
            if term_id in table:
                return table[term_id].label("zh" if lang == "zh" else "en")
        return term_id

    def colour(self, term_id: str) -> str:
        """The fixed chart colour (``#RRGGBB``) of a source, government level or flow.

        One colour per id in every chart, language and scenario (issue 12 item 3); a level key
        such as ``fiscal_subsidy.county`` takes its level's colour.
        """
        for table in (self.sources, self.series, self.levels):
            if term_id in table and table[term_id].colour:
                return table[term_id].colour
        if "." in term_id:
            return self.colour(term_id.rsplit(".", 1)[1])
        raise KeyError(f"no colour for {term_id!r} (add it to vocabulary.yaml)")

    def identity_mask(self, ids: Iterable[str]) -> int:
        """Bitmask (a Python int, fits :attr:`mask_dtype`) of identity ids; unknown ids raise KeyError."""
        mask = 0
        for ident in ids:
            mask |= 1 << self.identity_bit[ident]
        return mask

    def identities_of(self, mask: int) -> list[str]:
        """Identity ids set in a bitmask, in vocabulary order."""
        return [t.id for t in self.identities.values() if mask >> t.bit & 1]

    def identity_of_text(self, text: str) -> str | None:
        """The identity id written as its id or its Chinese name (None if neither)."""
        try:
            return identity_by_name(text, self.identities)
        except IdentityNameError:
            return None

    def mask_array(self, values: Any) -> np.ndarray:
        """Identity masks as an array of :attr:`mask_dtype`."""
        return np.asarray(values, dtype=self.mask_dtype)

    def local_sources(self) -> tuple[Term, ...]:
        return tuple(t for t in self.sources.values() if t.local)

    def local_identities(self) -> tuple[Term, ...]:
        return tuple(t for t in self.identities.values() if t.local)


def _check_new(term_id: str, taken: set[str], vocab: Vocabulary) -> None:
    if term_id not in taken:
        return
    tables = (vocab.identities, vocab.sources, vocab.levels, vocab.series)
    term = next((table[term_id] for table in tables if term_id in table), None)
    if term is not None and not term.local:
        raise VocabularyError(
            term_id, f"local id {term_id!r} shadows the canonical {term.zh} ({term.en}); choose another id"
        )
    raise VocabularyError(term_id, f"id {term_id!r} is declared twice or is reserved")


_RAW = _load()
CANONICAL = Vocabulary(
    (Term(**_fields(row)) for row in _RAW["identities"]),
    (Term(**_fields(row)) for row in _RAW["sources"]),
    (Term(**_fields(row)) for row in _RAW["government_levels"]),
    (Term(**_fields(row)) for row in _RAW["series"]),
    tuple(str(c) for c in _RAW["local_colours"]),
)
IDENTITIES: dict[str, Term] = CANONICAL.identities
SOURCES: dict[str, Term] = CANONICAL.sources
GOVERNMENT_LEVELS: dict[str, Term] = CANONICAL.levels


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
    raw: dict[str, Any] = package_yaml(Path(__file__).with_name("identity_names.yaml"))
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
    known = ACTIVE.get().identities if identities is None else identities
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
    # an analyst cannot edit the package's vocabulary: point at the list and at declaring a local one
    where = "see simulate explain --help; declare a county's own under vocabulary:, docs/new-county.md"
    raise IdentityNameError(text, f"unknown identity {text!r} ({f'nearest: {hint}' if hint else where})")


#: Flows shown beside the sources in charts (fiscal subsidy, work funds, awards).
SERIES: dict[str, Term] = CANONICAL.series
#: Canonical funding sources in display order; ``individual`` is always first.
SOURCE_IDS: tuple[str, ...] = CANONICAL.source_ids
IDENTITY_IDS: tuple[str, ...] = CANONICAL.identity_ids
IDENTITY_BIT: dict[str, int] = CANONICAL.identity_bit
HOUSEHOLD_IDENTITIES: frozenset[str] = CANONICAL.household


#: The vocabulary in use while a scenario is validated or a population file is decoded for
#: it: the canonical one unless a caller sets the scenario's own (:func:`using`).
ACTIVE: ContextVar[Vocabulary] = ContextVar("vocabulary", default=CANONICAL)


@contextmanager
def using(vocab: Vocabulary) -> Iterator[Vocabulary]:
    """Decode and check identity and source ids with ``vocab`` inside the ``with`` block."""
    token = ACTIVE.set(vocab)
    try:
        yield vocab
    finally:
        ACTIVE.reset(token)


def identity_mask(ids: list[str] | tuple[str, ...] | frozenset[str]) -> int:
    """Bitmask (uint32 value) for a set of canonical identity ids; unknown ids raise KeyError."""
    return CANONICAL.identity_mask(ids)


def identities_of(mask: int) -> list[str]:
    """Canonical identity ids set in a bitmask, in vocabulary order."""
    return CANONICAL.identities_of(mask)


def label(term_id: str, lang: Lang = "zh") -> str:
    """The zh or en label of any canonical identity, source or government level id."""
    return CANONICAL.label(term_id, lang)


def colour(term_id: str) -> str:
    """The fixed chart colour (``#RRGGBB``) of a canonical source, government level or flow."""
    return CANONICAL.colour(term_id)
