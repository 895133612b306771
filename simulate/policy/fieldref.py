"""Every field of the scenario schema with its zh/en name (labels.yaml ``fields``), type and
allowed values, walked from :class:`~simulate.policy.schema.Policy` itself so that the names
in messages and docs/scenario-reference.md cannot drift from the schema (issue 15 item 5).

A field's key is its schema path without list indices (``tiers.subsidy.percent``); a rule
nested in ``any``/``all``/``not`` has the paths of the rule it is in
(``tiers.eligibility.all[1].age.min`` is ``tiers.eligibility.age.min``).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator
from pydantic.fields import FieldInfo

from .. import labels
from .schema import Policy

#: Fields every flagged part takes; the reference lists them once.
COMMON = ("assumption", "note", "note_zh")


@dataclass(frozen=True)
class Spec:
    """One field of the schema: its key, the model it belongs to and pydantic's FieldInfo."""

    key: str
    model: type[BaseModel]
    info: FieldInfo

    @property
    def leaf(self) -> str:
        return self.key.rsplit(".", 1)[-1]


def inner_model(annotation: Any) -> type[BaseModel] | None:
    """The scenario model inside ``annotation`` (through Optional, tuples and unions), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = inner_model(arg)
        if found is not None:
            return found
    return None


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    info = model.model_fields.get(key)
    if info is None:
        info = next((f for f in model.model_fields.values() if f.alias == key), None)
    return info


@lru_cache(maxsize=1)
def schema_fields() -> tuple[Spec, ...]:
    """Every field of a scenario in schema order; a recursive rule's fields appear once."""
    out: list[Spec] = []

    def walk(model: type[BaseModel], prefix: str, stack: tuple[type[BaseModel], ...]) -> None:
        for name, info in model.model_fields.items():
            key = f"{prefix}{info.alias or name}"
            out.append(Spec(key, model, info))
            sub = inner_model(info.annotation)
            if sub is not None and sub not in stack:
                walk(sub, key + ".", stack + (sub,))

    walk(Policy, "", (Policy,))
    return tuple(out)


def key_of(loc: tuple[Any, ...]) -> tuple[str | None, bool]:
    """The field key of a location (list indices skipped) and whether the whole location is a
    field of the schema (False: it ends in a key the schema does not have; the key is then
    that of the deepest known part, None for an unknown top-level key)."""
    model: type[BaseModel] | None = Policy
    path: list[str] = []
    pending: list[str] | None = None  # a nested rule's own field (any, all, not)
    for item in loc:
        if isinstance(item, int):
            continue
        info = _field(model, str(item)) if model is not None else None
        if info is None:
            return (".".join(pending or path) or None), False
        sub = inner_model(info.annotation)
        if sub is not None and sub is model:
            pending = path + [str(item)]
            continue
        path, pending, model = path + [str(item)], None, sub
    return ".".join(pending or path) or None, True


def name(key: str, lang: str) -> str | None:
    """The zh or en name of a field key (labels.yaml ``fields``; ``*.LEAF`` for common leaves)."""
    fields = labels.pairs("fields")
    pair = fields.get(key) or fields.get("*." + key.rsplit(".", 1)[-1])
    if pair is None:
        return None
    return pair[0] if lang == "zh" else pair[1]


def path_name(path: str, lang: str) -> str | None:
    """The name of a field written as a message path (``timing.windows[newborn].after``)."""
    key, known = key_of(tuple(re.sub(r"\[[^\]]*\]", "", path).split(".")))
    return name(key, lang) if key and known else None


def _item_label(item: Any) -> str | None:
    if isinstance(item, dict):
        label = item.get("label")
        if isinstance(label, dict) and isinstance(label.get("zh"), str) and label["zh"].strip():
            return " ".join(label["zh"].split())[:40]
    return None


def place_zh(loc: tuple[Any, ...], raw: Any) -> str:
    """The Chinese name of a location, e.g. ``低保对象 资助比例`` for
    ``("tiers", 3, "subsidy", "percent")``: the nearest list item's label, then the field's
    name (``资助档次 低保对象`` for the item itself); units are left to the reference."""
    node, label, label_at = raw, None, -1
    for i, item in enumerate(loc):
        if isinstance(item, int) and isinstance(node, list) and 0 <= item < len(node):
            node = node[item]
            if _item_label(node):
                label, label_at = _item_label(node), i
        elif isinstance(node, dict):
            node = node.get(str(item))
        else:
            node = None
    key, known = key_of(loc)
    field = _UNIT.sub("", name(key, "zh") or "") if key else ""
    if not known and label is not None and key is not None and key.count(".") < _depth(loc[:label_at]):
        field = ""  # an unknown key right in a labelled item: the label says where
    parts = [field, label] if label_at == len(loc) - 1 else [label, field]
    return " ".join(p for p in parts if p)


_UNIT = re.compile(r"（(元|%|周岁|元/人·年)）$")


def _depth(loc: tuple[Any, ...]) -> int:
    """How many named fields ``loc`` passes through, less one (the dots of its key)."""
    return sum(1 for i in loc if not isinstance(i, int)) - 1


# ----------------------------------------------------------------------------- types in words


def _validator_name(annotation: Any, metadata: Sequence[Any] = ()) -> str | None:
    metas = list(metadata) + (list(get_args(annotation)[1:]) if get_origin(annotation) is Annotated else [])
    for meta in metas:
        if isinstance(meta, BeforeValidator):
            return getattr(meta.func, "__name__", None)
    return None


_NAMED = {
    "fen_from_yuan": ("金额（元，最多两位小数）", "amount in yuan (at most 2 decimals)"),
    "percent_from_text": ("百分比（0–100，最多两位小数）", "percent (0–100, at most 2 decimals)"),
    "identity_id": ("身份编号", "identity id"),
    "source_id": ("资金来源编号", "funding source id"),
}


def type_words(annotation: Any, lang: str, metadata: Sequence[Any] = ()) -> str:
    """A field's type in words: ``金额（元，最多两位小数）`` / ``amount in yuan (…)`` (``metadata``:
    the field's own, where pydantic keeps the validator of a plain ``Fen`` field)."""
    zh = lang == "zh"
    named = _validator_name(annotation, metadata)
    if named in _NAMED:
        return _NAMED[named][0 if zh else 1]
    origin = get_origin(annotation)
    if origin is Annotated:
        return type_words(get_args(annotation)[0], lang)
    if origin in (Union, UnionType):
        parts = [type_words(a, lang) for a in get_args(annotation) if a is not NoneType]
        return ("或" if zh else " or ").join(parts)
    if origin is tuple:
        item = type_words(get_args(annotation)[0], lang)
        return f"列表，每项为{item}" if zh else f"list of {item}"
    if origin is Literal:
        return "取值之一" if zh else "one of the values"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "映射（下列各项）" if zh else "mapping (the fields below)"
    simple = {
        bool: ("是否（true/false）", "true or false"),
        int: ("整数", "whole number"),
        float: ("数", "number"),
        str: ("文字", "text"),
        Decimal: ("数", "number"),
        _dt.date: ("日期 YYYY-MM-DD", "date YYYY-MM-DD"),
    }
    pair = simple.get(annotation)
    return (pair[0] if zh else pair[1]) if pair else str(annotation)
