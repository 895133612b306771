"""docs/scenario-reference.md, written from the schema (:mod:`simulate.policy.fieldref`): every
field with its zh and en name, type, allowed values or range, whether it is required, and an
example taken from the shipped scenarios (else made from its type). ``scripts/scenario_reference.py``
writes it; tests/test_scenario_reference.py fails when the committed file differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, get_args, get_origin

import yaml
from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic.fields import FieldInfo

from ..numtext import MAX_YUAN
from ..resources import folder
from ..vocabulary import IDENTITIES, SOURCES, label
from .fieldref import COMMON, Spec, inner_model, key_of, name, schema_fields, type_words
from .models import Flagged

#: The shipped scenarios examples are taken from, in this order (first one with the field wins).
EXAMPLE_FILES = (
    "langxi-2024.yaml",
    "sinan-2021.yaml",
    "daligang-2020.yaml",
    "songming-2018.yaml",
    "shuangpai-2022.yaml",
)


def _walk(node: Any, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield loc + (str(k),), v
            yield from _walk(v, loc + (str(k),))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, loc + (i,))


def shipped_examples() -> dict[str, Any]:
    """The first value each field key has in :data:`EXAMPLE_FILES`."""
    out: dict[str, Any] = {}
    for file in EXAMPLE_FILES:
        path = folder("scenarios") / file
        if not path.exists():
            continue
        raw = yaml.safe_load(path.read_text("utf-8"))
        for loc, value in _walk(raw, ()):
            key, known = key_of(loc)
            if known and key is not None:
                out.setdefault(key, value)
    return out


def _literals(annotation: Any) -> list[str]:
    if get_origin(annotation) is Literal:
        return [str(a) for a in get_args(annotation)]
    return [v for a in get_args(annotation) for v in _literals(a)]


def _bounds(metadata: list[Any], zh: bool, text: bool = False) -> list[str]:
    words = []
    for m in metadata:
        if isinstance(m, FieldInfo):
            words += _bounds(list(m.metadata), zh, text)
        elif isinstance(m, Ge):
            words.append(f"≥ {m.ge}")
        elif isinstance(m, Gt):
            words.append(f"> {m.gt}")
        elif isinstance(m, Le):
            words.append(f"≤ {m.le}")
        elif isinstance(m, Lt):
            words.append(f"< {m.lt}")
        elif isinstance(m, MaxLen):
            words.append(f"最多{m.max_length}个字符" if zh else f"at most {m.max_length} characters")
        elif isinstance(m, MinLen) and m.min_length and text:
            words.append("不能为空" if zh else "not empty")
        elif isinstance(m, MinLen) and m.min_length:
            words.append(
                f"至少{m.min_length}项" if zh else f"at least {m.min_length} item{'s' if m.min_length > 1 else ''}"
            )
        elif getattr(m, "pattern", None):
            words.append(f"格式 `{m.pattern}`" if zh else f"pattern `{m.pattern}`")
    return words


def _inner_metadata(annotation: Any) -> list[Any]:
    out: list[Any] = []
    for arg in get_args(annotation):
        out += [m for m in get_args(arg)[1:] if isinstance(m, FieldInfo)] + _inner_metadata(arg)
    return out


def allowed(spec: Spec, lang: str) -> str:
    """Allowed values or range of a field in words (empty when any text will do)."""
    zh = lang == "zh"
    ann = spec.info.annotation
    words = [", ".join(f"`{v}`" for v in _literals(ann))] if _literals(ann) else []
    kind = type_words(ann, "en", spec.info.metadata)
    if "identity id" in kind:
        words.append("身份编号见文末" if zh else "identity ids: see the end")
    if "funding source id" in kind:
        words.append("资金来源编号见文末" if zh else "source ids: see the end")
    if "amount in yuan" in kind:
        words.append(f"0–{MAX_YUAN:,}")
    words += _bounds(list(spec.info.metadata) + _inner_metadata(ann), zh, text=kind == "text")
    return "; ".join(w for w in words if w)


def _made_example(spec: Spec) -> Any:
    ann = spec.info.annotation
    lits = _literals(ann)
    kind = type_words(ann, "en", spec.info.metadata)
    for test, value in (
        (bool(lits), lits[0] if lits else None),
        ("identity id" in kind, next(iter(IDENTITIES))),
        ("funding source id" in kind, next(s for s in SOURCES if s != "individual")),
        ("amount in yuan" in kind, 100),
        ("percent" in kind, 50),
        ("true or false" in kind, True),
        ("date" in kind, "2024-01-01"),
    ):
        if test:
            return value
    ge = next((m.ge for m in spec.info.metadata if isinstance(m, Ge)), None)
    if "whole number" in kind or "number" in kind:
        return ge if ge is not None else 1
    return "…"


def example_text(spec: Spec, shipped: dict[str, Any]) -> str:
    """A short YAML example of the field's value (``—`` for a mapping no scenario shows short)."""
    value = shipped.get(spec.key)
    if value is None and inner_model(spec.info.annotation) is not None:
        return "—"
    if value is None:
        value = _made_example(spec)
    text: str = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6, sort_keys=False)
    text = text.strip().removesuffix("...").strip()
    if len(text) > 70:
        return "—" if inner_model(spec.info.annotation) is not None else text[:67] + "…"
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


_HEAD = """# 情景文件字段参考 · Scenario file reference

<!-- generated by scripts/scenario_reference.py from simulate/policy (schema) and
simulate/labels.yaml (fields); do not edit: tests/test_scenario_reference.py fails when it differs -->

Every field a scenario YAML file may hold, by its path (list items have no index here:
`tiers.subsidy.percent` is the `percent` of the `subsidy` of every tier). A rule nested in
`any`, `all` or `not` takes the same fields as the rule it is in. Money is written in yuan and
held in fen; a percent is 0–100. Examples come from the shipped scenarios where one has the field.

情景文件中可以填写的每一个字段。路径中的列表项不带序号；`any`、`all`、`not` 中嵌套的条件与外层条件字段相同。
金额以元填写，百分比为0到100。示例取自随附的情景文件，没有时按类型给出。

## 通用字段 · Common fields

A part whose type says “+ assumption” also takes these, to record what its document leaves
unstated. 类型中注明“+ assumption”的部分还可以填写下列字段，用于记录文件未明确、由情景假设的内容。
"""

_COLUMNS = (
    "| 路径 path | 中文名 | English | 类型 type | 取值 allowed | 必填 required | 示例 example |\n"
    "|---|---|---|---|---|---|---|\n"
)


def _row(spec: Spec, shipped: dict[str, Any]) -> str:
    required = "是 yes" if spec.info.is_required() else "否 no"
    meta = spec.info.metadata
    kind = f"{type_words(spec.info.annotation, 'zh', meta)} / {type_words(spec.info.annotation, 'en', meta)}"
    sub = inner_model(spec.info.annotation)
    if sub is not None and issubclass(sub, Flagged):
        kind += " + assumption"
    zh_words, en_words = allowed(spec, "zh"), allowed(spec, "en")
    allowed_words = en_words if zh_words == en_words else f"{zh_words} / {en_words}"
    cells = [
        f"`{spec.key}`",
        name(spec.key, "zh") or "",
        name(spec.key, "en") or "",
        kind,
        allowed_words,
        required,
        example_text(spec, shipped),
    ]
    return "| " + " | ".join(c.replace("|", "\\|") if i != 6 else c for i, c in enumerate(cells)) + " |\n"


def reference_markdown() -> str:
    """The whole reference as Markdown (deterministic: same schema and labels, same bytes)."""
    shipped = shipped_examples()
    specs = schema_fields()
    common = [s for s in specs if s.leaf in COMMON]
    out = [_HEAD, "\n", _COLUMNS]
    seen: set[str] = set()
    for s in common:
        if s.leaf not in seen:
            seen.add(s.leaf)
            out.append(_row(Spec(f"*.{s.leaf}", s.model, s.info), shipped))
    top = [s for s in specs if "." not in s.key]
    for t in top:
        zh, en = name(t.key, "zh"), name(t.key, "en")
        out.append(f"\n## `{t.key}` — {zh} · {en}\n\n")
        out.append(_COLUMNS)
        for s in specs:
            if (s.key == t.key or s.key.startswith(t.key + ".")) and s.leaf not in COMMON:
                out.append(_row(s, shipped))
    out.append(_ids_section())
    return "".join(out)


def _ids_section() -> str:
    """The canonical identity and funding source ids with their zh and en names."""
    out = ["\n## 身份编号与资金来源编号 · Identity and funding source ids\n"]
    for title, ids in (
        ("身份 · identities", list(IDENTITIES)),
        ("资金来源 · funding sources", [s for s in SOURCES if s != "individual"]),
    ):
        out.append(f"\n### {title}\n\n| 编号 id | 中文名 | English |\n|---|---|---|\n")
        out += [f"| `{i}` | {label(i, 'zh')} | {label(i, 'en')} |\n" for i in ids]
    return "".join(out)
