"""Messages for an invalid scenario: every problem with its field path (list items by id), the
field's Chinese name (labels.yaml ``fields``) and the reason, worded in zh by lang.yaml."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import ScenarioError
from ..numtext import MAX_DIGITS, shorten
from .fieldref import inner_model, place_zh
from .schema import Policy
from .values import PathError


def _format_loc(loc: tuple[Any, ...], raw: Any) -> str:
    """Field path for messages, naming list items by their id: ``tiers[dibao].subsidy``."""
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            ident = None
            if isinstance(node, list) and 0 <= item < len(node) and isinstance(node[item], dict):
                ident = node[item].get("id")
            parts.append(f"[{shorten(str(ident))}]" if ident else f"[{item}]")
            node = node[item] if isinstance(node, list) and 0 <= item < len(node) else None
        else:
            key = "not" if item == "not_" else str(item)
            if key in ("function-after[identity_id()]", "function-before[identity_id()]"):
                continue
            if "[" in key and "(" in key:
                continue  # pydantic's union-branch labels
            node = node.get(key) if isinstance(node, dict) else None
            parts.append(("." if parts else "") + shorten(key))
    return "".join(parts) or "(top level)"


def _is_union_label(item: Any) -> bool:
    return isinstance(item, str) and "[" in item and ("(" in item or "," in item)


def _logical_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(i for i in loc if not _is_union_label(i))


def _useful_errors(errors: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Drop pydantic's echoes: the union branch that did not apply, and container errors
    that only repeat that an item inside failed."""
    out = []
    for e in errors:
        msg = e["msg"]
        if "expected an identity id, got" in msg and isinstance(e.get("input"), dict):
            continue  # a nested rule was given: the identity-id branch is not the story
        if e["type"] in ("too_short",) and any(len(x["loc"]) > len(e["loc"]) for x in errors):
            continue
        if e["type"] == "model_type" and any(_is_union_label(i) for i in e["loc"]):
            continue
        out.append(e)
    extra_parents = {_logical_loc(tuple(e["loc"]))[:-1] for e in out if e["type"] == "extra_forbidden"}
    # a misspelt key shows as 'unknown key' and as 'required key missing': report the first
    out = [e for e in out if not (e["type"] == "missing" and _logical_loc(tuple(e["loc"]))[:-1] in extra_parents)]
    return out or list(errors)


@dataclass(frozen=True)
class Problem:
    """One problem of a scenario: the field path for messages (``tiers[dibao].subsidy.percent``),
    its Chinese name (``低保对象 资助比例``) and the English reason (zh wording: lang.yaml)."""

    path: str
    name_zh: str
    reason: str


def _rank(e: Mapping[str, Any]) -> tuple[int, int]:
    """An unknown key first (it explains the rest), then the deepest field."""
    return (0 if e["type"] == "extra_forbidden" else 1, -len(_logical_loc(tuple(e["loc"]))))


def problems(exc: ValidationError, raw: Any) -> list[Problem]:
    """Every problem of a scenario, one per field: the one to read first, then the others in
    the order pydantic found them (schema order)."""
    errors = _useful_errors(exc.errors(include_url=False))
    by_loc: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for e in errors:
        loc = _logical_loc(tuple(e["loc"]))
        if loc not in by_loc or _rank(e) < _rank(by_loc[loc]):
            by_loc[loc] = e
    chosen = list(by_loc.values())
    first = min(chosen, key=_rank)
    return [_problem(e, raw) for e in [first] + [e for e in chosen if e is not first]]


def _problem(e: Mapping[str, Any], raw: Any) -> Problem:
    loc = _logical_loc(tuple(e["loc"]))
    ctx_err = (e.get("ctx") or {}).get("error")
    if isinstance(ctx_err, PathError):
        loc = ctx_err.loc
    return Problem(_format_loc(loc, raw), place_zh(_clean_loc(loc), raw), _reason(e, loc))


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple("not" if i == "not_" else i for i in loc if not (isinstance(i, str) and "[" in i and "(" in i))


def _reason(e: Mapping[str, Any], loc: tuple[Any, ...]) -> str:
    """The English reason of one pydantic error, in our words."""
    msg = str(e["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    msg = msg.replace("valid tuple", "list").replace("Tuple should", "The list should")
    msg = msg.replace("after validation, not 0", "(it is empty)")
    kind = e["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        msg = f"unknown key {shorten(key)!r}"
        parent_model = model_at(loc[:-1])
        if parent_model is not None:
            hint = difflib.get_close_matches(key, _field_names(parent_model), n=1)
            if hint:
                msg += f" (did you mean {hint[0]!r}?)"
    elif kind == "missing":
        msg = "required key is missing"
    elif kind == "int_parsing_size":
        msg = f"a whole number has at most {MAX_DIGITS} digits (got {len(str(e.get('input'))):,} characters)"
    elif kind.startswith("date") and isinstance(e.get("input"), str):
        msg += f" (got {shorten(e['input'])!r}; a date is YYYY-MM-DD and must exist)"
    elif kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        msg = "ids are lower-case letters, digits and _ , starting with a letter"
    return msg


def validation_message(exc: ValidationError, raw: Any) -> tuple[str, str]:
    """The field and English reason of the problem to read first, with how many others there are."""
    found = problems(exc, raw)
    n_more = len(found) - 1
    reason = found[0].reason
    if n_more > 0:
        reason += f" (and {n_more} more problem{'s' if n_more > 1 else ''})"
    return found[0].path, reason


def validation_error(where: str, exc: ValidationError, raw: Any) -> ScenarioError:
    """A :class:`ScenarioError` for ``where`` (the file) holding every problem: its text is the
    first, ``more`` the others; in zh each names the field in Chinese beside its path."""

    def one(p: Problem, more: tuple[ScenarioError, ...] = ()) -> ScenarioError:
        name = f"（{p.name_zh}）" if p.name_zh else ""
        return ScenarioError(f"{where}: {p.path}", p.reason, where_zh=f"{where}: {p.path}{name}", more=more)

    found = problems(exc, raw)
    return one(found[0], tuple(one(p) for p in found[1:]))


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: Any = Policy
    for item in loc:
        if isinstance(item, int) or _is_union_label(item):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get("not_" if item == "not" else str(item))
        if field is None:
            return None
        model = inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None
