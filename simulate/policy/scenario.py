"""Loading a scenario: read the YAML safely, merge ``extends`` chains, apply overrides, validate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ScenarioError
from ..resources import folder
from . import scenario_cache
from .messages import validation_error, validation_message
from .models import LocalVocabulary, Model
from .overrides import apply_overrides
from .schema import Policy


class VocabularyOnly(Model):
    """The ``vocabulary`` section alone, checked before the rest of a scenario."""

    vocabulary: LocalVocabulary


class Scenario:
    """A validated policy with its provenance (files, hashes, overrides, ``extends`` chain)."""

    def __init__(
        self,
        policy: Policy,
        raw: dict[str, Any],
        chain: list[dict[str, Any]],
        overrides: dict[str, Any],
        base_dir: Path,
        file_raw: dict[str, Any] | None = None,
    ) -> None:
        self.policy = policy
        self.raw = raw  # what was validated (overrides applied)
        self.file_raw = raw if file_raw is None else file_raw  # the files alone
        self.chain = chain
        self.overrides = dict(overrides)
        self.base_dir = base_dir

    @property
    def id(self) -> str:
        return self.policy.id

    def __repr__(self) -> str:
        return f"<Scenario {self.policy.id}: {self.policy.title.en}>"

    def provenance(self) -> dict[str, Any]:
        return {
            "scenario": self.policy.id,
            "files": self.chain,
            "overrides": self.overrides,
            "document": self.policy.document.number,
        }

    def assumptions(self, lang: str | None = None) -> list[dict[str, str]]:
        return self.policy.assumptions(lang)

    def data_path(self, name: str) -> Path:
        """Resolve a data file named in the scenario: relative to the scenario, else to data/."""
        for base in (self.base_dir, self.base_dir.parent / "data", folder("data")):
            p = base / name
            if p.exists():
                return p
        return self.base_dir / name

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A new scenario with more ``PATH=VALUE`` overrides, validated like a file."""
        merged = {**self.overrides, **overrides}
        where = self.chain[0]["path"] if self.chain else self.policy.id
        return _build(where, self.file_raw, self.chain, merged, self.base_dir)


def _deep_merge(base: Any, patch: Any) -> Any:
    """Child over parent: mappings merge key by key; lists of items with ``id`` merge by id."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            out[k] = _deep_merge(base[k], v) if k in base else v
        return out
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(x, dict) and "id" in x for x in base + patch)
    ):
        items = [dict(x) for x in base]
        index = {x["id"]: i for i, x in enumerate(items)}
        for item in patch:
            if item.get("remove") is True:
                if item["id"] in index:
                    items = [x for x in items if x["id"] != item["id"]]
                    index = {x["id"]: i for i, x in enumerate(items)}
                continue
            if item["id"] in index:
                items[index[item["id"]]] = _deep_merge(items[index[item["id"]]], item)
            else:
                index[item["id"]] = len(items)
                items.append(item)
        return items
    return patch


def _read_chain(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read a scenario and the files it ``extends``, parent first; returns merged raw data."""
    from ..io import safeyaml  # here: a scenario recalled from the cache needs no YAML reader

    raw, sha256 = safeyaml.read_yaml_file_sha256(path)  # one capped read of a regular file
    if not isinstance(raw, dict):
        raise ScenarioError(str(path), f"a scenario must be a mapping of keys, got {type(raw).__name__}")
    entry: dict[str, Any] = {"path": str(path), "sha256": sha256}
    if isinstance(raw.get("vocabulary"), str):  # a vocabulary file beside the scenario
        entry["vocabulary"] = _read_vocabulary(path, raw)
    elif "vocabulary" in raw and not isinstance(raw["vocabulary"], dict):
        raise ScenarioError(f"{path}: vocabulary", _VOCABULARY_IS)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw, [entry]
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends", "must be the path of another scenario file")
    parent_path = path.parent / parent  # as the user would write it, for messages
    if parent_path.resolve() in seen or parent_path.resolve() == path.resolve():
        raise ScenarioError(f"{path}: extends", f"circular chain through {parent}")
    if len(seen) > 10:
        raise ScenarioError(f"{path}: extends", "chain longer than 10 files")
    try:
        base, chain = _read_chain(parent_path, seen + (path.resolve(),))
    except ScenarioError as exc:
        if exc.where.startswith(str(parent_path)):
            raise ScenarioError(f"{path}: extends {parent}", f"{exc.where}: {exc.reason}") from None
        raise
    return _deep_merge(base, raw), [entry] + chain


_VOCABULARY_IS = "the name of a vocabulary file beside the scenario, or a mapping with identities and sources"


def _read_vocabulary(path: Path, raw: dict[str, Any]) -> dict[str, str]:
    """Put the vocabulary file a scenario names in place of its name; its path and SHA-256."""
    from ..io import safeyaml

    vocab_path = path.parent / raw["vocabulary"]
    try:
        section, sha256 = safeyaml.read_yaml_file_sha256(vocab_path)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: vocabulary {raw['vocabulary']}", f"{exc.where}: {exc.reason}") from None
    if not isinstance(section, dict):
        raise ScenarioError(str(vocab_path), "a vocabulary file is a mapping with identities and sources")
    raw["vocabulary"] = section
    return {"path": str(vocab_path), "sha256": sha256}


def _build(
    path: str, raw: dict[str, Any], chain: list[dict[str, Any]], overrides: dict[str, Any], base_dir: Path
) -> Scenario:
    patched = apply_overrides(raw, overrides, where=path) if overrides else raw
    _check_vocabulary(path, patched, chain)
    try:
        policy = Policy.model_validate(patched)
    except ValidationError as exc:
        raise validation_error(path, exc, patched) from None
    except RecursionError:
        raise ScenarioError(path, "rules nested too deeply") from None
    return Scenario(policy, patched, chain, overrides, base_dir, file_raw=raw)


def _check_vocabulary(path: str, raw: dict[str, Any], chain: list[dict[str, Any]]) -> None:
    """Report a wrong ``vocabulary`` section first, naming the file it was read from (the
    scenario, or the vocabulary file it names): ids elsewhere depend on it."""
    section = raw.get("vocabulary")
    if section is None:
        return
    try:
        VocabularyOnly.model_validate({"vocabulary": section})
    except ValidationError as exc:
        field, reason = validation_message(exc, {"vocabulary": section})
        files = [e["vocabulary"]["path"] for e in chain if "vocabulary" in e]
        raise ScenarioError(f"{files[0] if files else path}: {field}", reason) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, merge (``extends``), override and validate a scenario file.

    >>> sc = load_scenario("scenarios/langxi-2024.yaml", {"contribution.personal": 400})
    >>> sc.policy.contribution.personal   # fen
    40000
    """
    p = Path(path)
    if not overrides:  # validated before from the very same bytes, by the same code: as it was
        kept = scenario_cache.recall(p, str(path))
        if isinstance(kept, Scenario):
            return kept
    raw, chain = _read_chain(p)
    scenario = _build(str(path), raw, chain, dict(overrides or {}), p.resolve().parent)
    if not overrides:
        scenario_cache.keep(p, str(path), scenario)
    return scenario
