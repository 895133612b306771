"""Cells of the policy workbook as text and back (``policy.workbook_io``): values written as
the scenario holds them, read with the project's decimal rules (``numtext``: 0400 is 400, at most
2 decimals for yuan), rules and age bands as one line of flow YAML, shares as short text."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any

from ..io import safeyaml
from ..numtext import shorten
from ..vocabulary import label
from .values import fen_from_yuan, percent_from_text


def letter(i: int) -> str:
    """Column letter of 0-based column ``i`` (A … Z, AA …)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def text_of(value: Any) -> str:
    """A raw scenario value as the text a cell holds (YAML floats keep the text written)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return getattr(value, "text", None) or repr(value)
    if isinstance(value, (_dt.date, Decimal, int)):
        return str(value)
    return str(value)


def flow(value: Any) -> str:
    """A rule or a value as one line of flow YAML (the form scenarios already use)."""
    import yaml

    def plain(v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v if isinstance(v, (str, bool, int)) and not isinstance(v, float) else text_of(v)

    return str(yaml.safe_dump(plain(value), default_flow_style=True, allow_unicode=True, width=10_000)).strip()


def shares_text(shares: list[dict[str, Any]]) -> str:
    """Shares as ``source: amount=N; source: percent=P; source: rest``."""
    parts = []
    for sh in shares:
        if sh.get("rest"):
            parts.append(f"{sh['source']}: rest")
        elif sh.get("percent") is not None:
            parts.append(f"{sh['source']}: percent={text_of(sh['percent'])}")
        else:
            parts.append(f"{sh['source']}: amount={text_of(sh.get('amount'))}")
    return "; ".join(parts)


def rule_zh(rule: Any) -> str:
    """An eligibility rule (raw data) in Chinese words, for reading beside its exact form."""
    if isinstance(rule, str):
        return label(rule)
    if not isinstance(rule, dict):
        return str(rule)
    parts = []
    for key, value in rule.items():
        if key == "identity":
            parts.append(label(str(value)))
        elif key in ("any", "all"):
            joiner = " 或 " if key == "any" else " 且 "
            parts.append("（" + joiner.join(rule_zh(v) for v in value) + "）")
        elif key == "not":
            parts.append("非" + rule_zh(value))
        elif key == "age" and isinstance(value, dict):
            parts.append(f"年龄{value.get('min', 0)}–{value.get('max', 150)}岁（含）")
        elif key == "sex":
            parts.append({"F": "女性", "M": "男性"}.get(str(value), str(value)))
        elif key == "disability_grade":
            parts.append("残疾等级" + "、".join(str(v) for v in value) + "级")
        elif key == "hukou":
            parts.append({"rural": "农村户籍", "urban": "城镇户籍"}.get(str(value), str(value)))
        else:
            parts.append(f"{key}={value}")
    return " 且 ".join(parts)


def payers_zh(sub: dict[str, Any]) -> str:
    if sub.get("shares"):
        return "；".join(label(str(sh.get("source"))) for sh in sub["shares"]) + "；个人缴纳余额"
    return label(str(sub["source"])) if sub.get("source") else ""


def cell_text(value: Any) -> str:
    """A cell as text: numbers by their shortest decimal form (never through rounding)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat()
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value).strip()


def where(book: str, sheet: str, row: int, col: int, heading: str) -> str:
    return f"{book}: sheet {sheet}, row {row}, column {letter(col)} ({heading})"


def boolean(text: str) -> bool:
    t = text.lower()
    if t in ("true", "是", "yes", "1"):
        return True
    if t in ("false", "否", "no", "0"):
        return False
    raise ValueError(f"expected true or false (是/否), got {shorten(text)!r}")


def shares_of(text: str) -> list[dict[str, Any]]:
    out = []
    for part in text.replace("；", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        source, sep, what = part.replace("：", ":").partition(":")
        what = what.strip()
        if not sep or not source.strip():
            raise ValueError(
                f"a share is 'source: amount=N', 'source: percent=P' or 'source: rest', got {shorten(part)!r}"
            )
        share: dict[str, Any] = {"source": source.strip()}
        if what == "rest":
            share["rest"] = True
        elif what.startswith("amount="):
            fen_from_yuan(what[7:])
            share["amount"] = what[7:].strip()
        elif what.startswith("percent="):
            percent_from_text(what[8:])
            share["percent"] = what[8:].strip()
        else:
            raise ValueError(
                f"a share is 'source: amount=N', 'source: percent=P' or 'source: rest', got {shorten(part)!r}"
            )
        out.append(share)
    return out


def cell_value(text: str, kind: str) -> Any:
    """One cell's value by its column's kind (ValueError or ScenarioError when it is not one)."""
    if kind == "yuan":
        fen_from_yuan(text)
        return text
    if kind == "percent":
        percent_from_text(text)
        return text
    if kind == "bool":
        return boolean(text)
    if kind == "rule":
        value = safeyaml.parse_yaml_text(text, "eligibility")
        if not isinstance(value, dict):
            raise ValueError(
                "write the rule as in a scenario, e.g. {identity: destitute} or {any: [urban_dibao, rural_dibao]}"
            )
        return value
    if kind == "bands":
        value = safeyaml.parse_yaml_text(text, "by_age")
        if not isinstance(value, list):
            raise ValueError(
                "write the bands as in a scenario, e.g. [{below: 18, amount: 200}, {from: 18, amount: 150}]"
            )
        return value
    return shares_of(text) if kind == "shares" else text
