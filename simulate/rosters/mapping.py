"""Which roster column holds which field and what each category word means: the default
mapping (``roster_default.yaml``) and a county's own, layered on it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..errors import SimulateError
from ..io.idmask import mask_ids_in_text
from ..io.safeyaml import read_yaml_file
from ..vocabulary import ACTIVE, Vocabulary
from .cells import DISABILITY_WORD, GRADE_CHARS, loosen, norm

#: The header row is looked for in the first this many rows (spreadsheet or CSV lines).
HEADER_SEARCH_ROWS = 20

#: Column fields a mapping may name; ``name`` and ``id_number`` are required.
FIELDS = ("name", "id_number", "village", "town", "category", "disability_grade", "hukou")

_REQUIRED_FIELDS = ("name", "id_number")

#: Order in which fields claim columns (a column serves one field only).
CLAIM_ORDER = ("name", "id_number", "category", "disability_grade", "hukou", "village", "town")

_MAPPING_KEYS = frozenset(
    {
        "columns",
        "categories",
        "either",
        "default_identity",
        "sheet",
        "allow_no_identity",
        "extends",
        "description",
        "notes",
    }
)


class RosterError(SimulateError):
    """A whole-file (or whole-mapping) problem; the message is one line ``FILE: reason``
    with any ID-like number masked."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(mask_ids_in_text(" ".join(file.split())), mask_ids_in_text(" ".join(reason.split())))
        self.file = file


@dataclass(frozen=True)
class CategoryRule:
    """What one category word means: canonical identities and/or a disability grade."""

    identities: tuple[str, ...] = ()
    disability_grade: int = 0
    either: tuple[str, ...] = ()  # one of these, decided by the scenario's money (.either)


@dataclass(frozen=True, eq=False)
class RosterMapping:
    """Which columns hold which field and what the category words mean.

    ``columns`` maps a field (name, id_number, village, town, category, disability_grade)
    to header aliases in order of preference; ``categories`` maps a normalised category
    word to a :class:`CategoryRule`; ``default_identity`` is given to every row (a roster
    of one department); ``sheet`` picks one worksheet (name or 0-based index; default:
    every sheet that has a header row); ``allow_no_identity`` accepts rows that end up with
    no identity and no disability grade (default: rejected, since a hardship roster row
    without a category cannot be costed).
    """

    columns: Mapping[str, tuple[str, ...]]
    categories: Mapping[str, CategoryRule]
    default_identity: tuple[str, ...] = ()
    sheet: str | int | None = None
    allow_no_identity: bool = False
    source: str = "<mapping>"
    #: Words that mean one of several identities (bare 低保: urban or rural), decided per
    #: person by the scenario (:mod:`.either`); a word in ``categories`` wins over these.
    either: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _exact: Mapping[str, tuple[str, ...]] = field(init=False, repr=False)
    _loose: Mapping[str, tuple[str, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        exact = {f: tuple(norm(a) for a in self.columns.get(f, ())) for f in FIELDS}
        loose = {f: tuple(loosen(a) for a in aliases) for f, aliases in exact.items()}
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_loose", loose)

    @classmethod
    def default(cls) -> RosterMapping:
        """The default mapping (``simulate/rosters/roster_default.yaml``)."""
        return default_mapping()

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> RosterMapping:
        """Load a mapping file as plain data (a safe YAML loader; never evaluates anything)."""
        path = Path(path)
        try:
            raw = read_yaml_file(path)  # a yaml.SafeLoader without aliases, size-capped
        except SimulateError as exc:
            raise RosterError(path.name, f"mapping file: {exc.reason}") from None
        return cls.from_dict(raw, source=path.name)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, source: str = "<mapping>") -> RosterMapping:
        """Build a mapping from parsed YAML; layered on the default unless ``extends: none``."""
        if not isinstance(raw, Mapping):
            raise RosterError(source, "a mapping file must be a YAML dictionary")
        unknown = sorted(str(k) for k in raw if k not in _MAPPING_KEYS)
        if unknown:
            raise RosterError(
                source, f"unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(_MAPPING_KEYS))})"
            )
        extends = raw.get("extends") or "default"
        if extends not in ("default", "none"):
            raise RosterError(source, f"extends must be 'default' or 'none', not {extends!r}")
        base = default_mapping() if extends == "default" else None

        columns: dict[str, tuple[str, ...]] = {}
        raw_columns = raw.get("columns") or {}
        if not isinstance(raw_columns, Mapping):
            raise RosterError(source, "columns must be a dictionary field -> [header aliases]")
        for key in raw_columns:
            if key not in FIELDS:
                raise RosterError(source, f"unknown column field {key!r} (allowed: {', '.join(FIELDS)})")
        for fld in FIELDS:
            own = _string_list(raw_columns.get(fld), source, f"columns.{fld}")
            inherited = base.columns.get(fld, ()) if base else ()
            columns[fld] = tuple(dict.fromkeys(own + inherited))
        for fld in _REQUIRED_FIELDS:
            if not columns[fld]:
                raise RosterError(source, f"columns.{fld} needs at least one header alias")

        categories: dict[str, CategoryRule] = dict(base.categories) if base else {}
        raw_categories = raw.get("categories") or {}
        if not isinstance(raw_categories, Mapping):
            raise RosterError(source, "categories must be a dictionary word -> [identity ids]")
        for word, value in raw_categories.items():
            key = norm(str(word))
            if not key:
                raise RosterError(source, "empty category word")
            categories[key] = _category_rule(value, source, str(word))

        default_identity = _identity_tuple(raw.get("default_identity"), source, "default_identity")
        sheet = raw.get("sheet")
        if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, (str, int))):
            raise RosterError(source, "sheet must be a sheet name or a 0-based index")
        allow = raw.get("allow_no_identity", False)
        if not isinstance(allow, bool):
            raise RosterError(source, "allow_no_identity must be true or false")
        return cls(
            columns=columns,
            categories=categories,
            default_identity=default_identity,
            sheet=sheet,
            allow_no_identity=allow,
            source=source,
            either=_either_words(raw.get("either"), base, source),
        )

    def resolve_word(self, word: str) -> CategoryRule | None:
        """The rule for one category word, or None when the word is unknown."""
        key = norm(word)
        rule = self.categories.get(key)
        if rule is not None:
            return rule
        match = DISABILITY_WORD.match(key)
        if match:
            return CategoryRule((), GRADE_CHARS[match.group(1) or match.group(2)])
        return None

    def with_local(self, vocab: Vocabulary) -> RosterMapping:
        """This mapping with each local identity of ``vocab`` known by its Chinese name and its
        ``words`` (issue 15 item 1); a word the mapping already gives another meaning is refused."""
        extra: dict[str, CategoryRule] = {}
        for t in vocab.local_identities():
            for w in (t.zh, *t.words):
                if extra.get(norm(w), CategoryRule((t.id,), 0)) != CategoryRule((t.id,), 0):
                    raise RosterError(self.source, f"category word {w!r} is given to two local identities")
                extra[norm(w)] = CategoryRule((t.id,), 0)
        for word, rule in extra.items():
            known = self.categories.get(word)
            if known is not None and known != rule:
                raise RosterError(
                    self.source,
                    f"category word {word!r} of the local identity {rule.identities[0]} already means "
                    f"{', '.join(known.identities) or 'a disability grade'} in this mapping; leave it out of words",
                )
        return replace(self, categories={**self.categories, **extra}) if extra else self

    def readings(self, word: str) -> tuple[str, ...]:
        """The identities a word may mean when it is one of the ``either`` words (else ())."""
        key = norm(word)
        rule = self.categories.get(key)
        return rule.either if rule is not None else tuple(self.either.get(key, ()))

    def deciding(self) -> RosterMapping:
        """This mapping with its ``either`` words known (conferring nothing by themselves), for
        a reader that decides them (:func:`.either.settle`)."""
        extra = {w: CategoryRule(either=ids) for w, ids in self.either.items() if w not in self.categories}
        return replace(self, categories={**self.categories, **extra}) if extra else self

    def aliases(self, fld: str) -> tuple[str, ...]:
        """Header aliases of one field, as written in the mapping."""
        return tuple(self.columns.get(fld, ()))


_DEFAULT_CACHE: list[RosterMapping] = []


def as_mapping(mapping: RosterMapping | str | os.PathLike[str] | None) -> RosterMapping:
    """A mapping as given, read from its YAML path, or the default one for None."""
    if mapping is None:
        return default_mapping()
    if not isinstance(mapping, RosterMapping):
        return RosterMapping.from_yaml(mapping)
    return mapping


def default_mapping() -> RosterMapping:
    """The default mapping, loaded once from the package."""
    if not _DEFAULT_CACHE:
        text = resources.files("simulate.rosters").joinpath("roster_default.yaml").read_text("utf-8")
        raw = yaml.safe_load(text)
        raw["extends"] = "none"
        _DEFAULT_CACHE.append(RosterMapping.from_dict(raw, source="roster_default.yaml"))
    return _DEFAULT_CACHE[0]


def _string_list(value: Any, source: str, where: str) -> tuple[str, ...]:
    """A YAML string or list of strings as a tuple of non-empty strings."""
    if value is None:
        return ()
    items = [value] if isinstance(value, (str, int)) else value
    if not isinstance(items, list):
        raise RosterError(source, f"{where} must be a string or a list of strings")
    out = tuple(str(item).strip() for item in items if item is not None and str(item).strip())
    return out


def _identity_tuple(value: Any, source: str, where: str) -> tuple[str, ...]:
    """Canonical identity ids from YAML, each checked against the vocabulary."""
    ids = _string_list(value, source, where)
    for ident in ids:
        if ident not in ACTIVE.get().identity_ids:
            raise RosterError(
                source, f"{where}: unknown identity {ident!r} (canonical ids are in simulate/vocabulary.yaml)"
            )
    return tuple(dict.fromkeys(ids))


def _either_words(raw: Any, base: RosterMapping | None, source: str) -> dict[str, tuple[str, ...]]:
    """``either:`` word -> two or more identity ids (the base mapping's words first)."""
    out: dict[str, tuple[str, ...]] = dict(base.either) if base else {}
    if raw is None:
        return out
    if not isinstance(raw, Mapping):
        raise RosterError(source, "either must be a dictionary word -> [identity ids it may mean]")
    for word, value in raw.items():
        ids = _identity_tuple(value, source, f"either.{word}")
        if len(ids) < 2:
            raise RosterError(source, f"either.{word}: name at least two identities (one is a category)")
        out[norm(str(word))] = ids
    return out


def _category_rule(value: Any, source: str, word: str) -> CategoryRule:
    """A category value: [ids], an id, null, or {identities: [...], disability_grade: N}."""
    where = f"categories.{word}"
    if isinstance(value, Mapping):
        extra = sorted(str(k) for k in value if k not in ("identities", "disability_grade"))
        if extra:
            raise RosterError(source, f"{where}: unknown key(s) {', '.join(extra)}")
        grade = value.get("disability_grade", 0)
        if isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade <= 4:
            raise RosterError(source, f"{where}: disability_grade must be 0..4")
        return CategoryRule(_identity_tuple(value.get("identities"), source, where), grade)
    return CategoryRule(_identity_tuple(value, source, where), 0)
