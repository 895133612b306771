"""A scenario as a workbook and back, for analysts who keep their county's notice in Excel.

Sheet 参数 (parameters) has one row per scenario value (a dotted path such as
``contribution.personal`` and its value as text); sheet 资助档次 (tiers) has one row per
subsidy tier. Every cell is read as text with the project's decimal rules (``numtext``: 0400 is
400, 1:10 and thousands separators refused, at most 2 decimals for yuan) and the workbook
guards of ``io.safeio``; a bad cell is one line naming sheet, row and column (issue 15, item 4).
The round trip gives an identical validated :class:`Policy`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ScenarioError
from ..io import safeio, safeyaml, xlsxguard
from ..numtext import shorten
from ..vocabulary import ACTIVE, using
from .messages import validation_message
from .models import LocalVocabulary, extended
from .schema import Policy
from .values import PathError, fen_from_yuan, percent_from_text

PARAM_SHEET = "参数"
TIER_SHEET = "资助档次"
#: Workbook caps: a scenario is a few hundred cells.
POLICY_XLSX = safeio.XlsxLimits(
    "policy workbook",
    max_file_bytes=4 * safeio.MiB,
    max_member_bytes=16 * safeio.MiB,
    max_total_bytes=32 * safeio.MiB,
    max_rows=5_000,
    max_columns=64,
    max_cells=100_000,
)

#: Tier columns: (key, heading shown in the workbook, kind of value).
TIER_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "编号 id", "text"),
    ("label_zh", "名称（中文）label zh", "text"),
    ("label_en", "名称（英文）label en", "text"),
    ("section", "文件条款 section", "text"),
    ("eligibility", "认定条件 eligibility", "rule"),
    ("form", "资助方式 form", "text"),
    ("source", "资金来源 source", "text"),
    ("percent", "资助比例% percent", "percent"),
    ("amount", "定额资助（元）amount", "yuan"),
    ("personal", "个人缴费（元）personal", "yuan"),
    ("shares", "分担 shares", "shares"),
    ("year_round", "全年可缴 year_round", "bool"),
    ("payment", "支付方式 payment", "text"),
    ("assumption", "假设 assumption", "bool"),
    ("note", "说明（英文）note", "text"),
    ("note_zh", "说明（中文）note_zh", "text"),
)
_COL = {key: i for i, (key, _, _) in enumerate(TIER_COLUMNS)}
#: Columns after the tier columns: Chinese readings written for people, never read back.
READING_COLUMNS = ("认定条件（中文，仅供阅读）", "付费方（中文，仅供阅读）")


def _letter(i: int) -> str:
    """Column letter of 0-based column ``i`` (A … Z, AA …)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


# ----------------------------------------------------------------------------- writing


def _text(value: Any) -> str:
    """A raw scenario value as the text a cell holds (YAML floats keep the text written)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return getattr(value, "text", None) or repr(value)
    if isinstance(value, (_dt.date, Decimal, int)):
        return str(value)
    return str(value)


def _flatten(node: Any, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _flatten(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _flatten(v, f"{path}.{i}", out)
    elif node is not None:
        out.append((path, _text(node)))


def _flow(value: Any) -> str:
    """A rule or a value as one line of flow YAML (the form scenarios already use)."""
    import yaml

    def plain(v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v if isinstance(v, (str, bool, int)) and not isinstance(v, float) else _text(v)

    return str(yaml.safe_dump(plain(value), default_flow_style=True, allow_unicode=True, width=10_000)).strip()


def _shares_text(shares: list[dict[str, Any]]) -> str:
    """Shares as ``source: amount=N; source: percent=P; source: rest``."""
    parts = []
    for sh in shares:
        if sh.get("rest"):
            parts.append(f"{sh['source']}: rest")
        elif sh.get("percent") is not None:
            parts.append(f"{sh['source']}: percent={_text(sh['percent'])}")
        else:
            parts.append(f"{sh['source']}: amount={_text(sh.get('amount'))}")
    return "; ".join(parts)


def rule_zh(rule: Any) -> str:
    """An eligibility rule (raw data) in Chinese words, for reading beside its exact form."""
    if isinstance(rule, str):
        return ACTIVE.get().label(rule)
    if not isinstance(rule, dict):
        return str(rule)
    parts = []
    for key, value in rule.items():
        if key == "identity":
            parts.append(ACTIVE.get().label(str(value)))
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


def _payers_zh(sub: dict[str, Any]) -> str:
    if sub.get("shares"):
        return "；".join(ACTIVE.get().label(str(sh.get("source"))) for sh in sub["shares"]) + "；个人缴纳余额"
    return ACTIVE.get().label(str(sub["source"])) if sub.get("source") else ""


def tier_row(tier: dict[str, Any]) -> list[str]:
    """One raw tier as the cells of its row in sheet 资助档次."""
    sub = tier.get("subsidy") or {}
    label = tier.get("label") or {}
    cells = {
        "id": tier.get("id"),
        "label_zh": label.get("zh"),
        "label_en": label.get("en"),
        "section": tier.get("section"),
        "eligibility": _flow(tier.get("eligibility")),
        "form": sub.get("form"),
        "source": sub.get("source"),
        "percent": sub.get("percent"),
        "amount": sub.get("amount"),
        "personal": sub.get("personal"),
        "shares": _shares_text(sub["shares"]) if sub.get("shares") else None,
        "year_round": tier.get("year_round"),
        "payment": tier.get("payment"),
        "assumption": tier.get("assumption"),
        "note": tier.get("note"),
        "note_zh": tier.get("note_zh"),
    }
    exact = ["" if cells[k] is None else _text(cells[k]) for k, _, _ in TIER_COLUMNS]
    return exact + [rule_zh(tier.get("eligibility")), _payers_zh(sub)]


def write_policy_workbook(raw: dict[str, Any], out: Path) -> None:
    """Write a validated scenario's data (``Scenario.raw``) as a two-sheet workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ps = wb.active
    ps.title = PARAM_SHEET
    ps.append(["参数路径 path", "取值 value"])
    rows: list[tuple[str, str]] = []
    _flatten({k: v for k, v in raw.items() if k != "tiers"}, "", rows)
    for path, value in rows:
        ps.append([path, value])
    ts = wb.create_sheet(TIER_SHEET)
    ts.append([heading for _, heading, _ in TIER_COLUMNS] + list(READING_COLUMNS))
    with using(extended(LocalVocabulary.model_validate(raw.get("vocabulary") or {}))):  # local names
        for tier in raw.get("tiers") or []:
            ts.append(tier_row(tier))
    for sheet in (ps, ts):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.number_format = "@"  # text: Excel must not turn 0400 or 1-2 into numbers
        sheet.freeze_panes = "A2"
    ps.column_dimensions["A"].width = 48
    ps.column_dimensions["B"].width = 60
    wb.save(out)


# ----------------------------------------------------------------------------- reading


def _cell_text(value: Any) -> str:
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


def _where(book: str, sheet: str, row: int, col: int, heading: str) -> str:
    return f"{book}: sheet {sheet}, row {row}, column {_letter(col)} ({heading})"


def _bool(text: str) -> bool:
    t = text.lower()
    if t in ("true", "是", "yes", "1"):
        return True
    if t in ("false", "否", "no", "0"):
        return False
    raise ValueError(f"expected true or false (是/否), got {shorten(text)!r}")


def _shares(text: str) -> list[dict[str, Any]]:
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


def _tier_from_row(cells: list[str], where_of: Callable[[str], str]) -> dict[str, Any]:
    """A raw tier from its row; each cell checked by its kind, errors naming the cell."""
    tier: dict[str, Any] = {}
    sub: dict[str, Any] = {}
    for key, _, kind in TIER_COLUMNS:
        text = cells[_COL[key]]
        if text == "":
            continue
        try:
            if kind == "yuan":
                fen_from_yuan(text)
                value: Any = text
            elif kind == "percent":
                percent_from_text(text)
                value = text
            elif kind == "bool":
                value = _bool(text)
            elif kind == "rule":
                value = safeyaml.parse_yaml_text(text, "eligibility")
                if not isinstance(value, dict):
                    raise ValueError(
                        "write the rule as in a scenario, e.g. {identity: destitute} "
                        "or {any: [urban_dibao, rural_dibao]}"
                    )
            elif kind == "shares":
                value = _shares(text)
            else:
                value = text
        except ScenarioError as exc:
            raise ScenarioError(where_of(key), exc.reason) from None
        except ValueError as exc:
            raise ScenarioError(where_of(key), str(exc)) from None
        if key in ("label_zh", "label_en"):
            tier.setdefault("label", {})[key[-2:]] = value
        elif key in ("form", "source", "percent", "amount", "personal", "shares"):
            sub[key] = value
        else:
            tier[key] = value
    if sub:
        tier["subsidy"] = sub
    return tier


def _unflatten(rows: list[tuple[str, str, int]], book: str) -> dict[str, Any]:
    """Dotted paths back to nested data; numeric segments are list positions."""
    root: dict[str, Any] = {}
    for path, value, row in rows:
        parts = path.split(".")
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt: Any = value if last else ([] if parts[i + 1].isdigit() else {})
            if isinstance(node, list):
                idx = int(part) if part.isdigit() else -1
                if idx < 0 or idx > len(node):
                    raise ScenarioError(
                        f"{book}: sheet {PARAM_SHEET}, row {row}, column A",
                        f"path {shorten(path)!r}: list positions count 0, 1, 2, … in order",
                    )
                if idx == len(node):
                    node.append(nxt)
                elif last:
                    raise ScenarioError(
                        f"{book}: sheet {PARAM_SHEET}, row {row}, column A", f"path {shorten(path)!r} is given twice"
                    )
                node = node[idx]
            else:
                if part in node and last:
                    raise ScenarioError(
                        f"{book}: sheet {PARAM_SHEET}, row {row}, column A", f"path {shorten(path)!r} is given twice"
                    )
                node = node.setdefault(part, nxt)
                if not last and not isinstance(node, (dict, list)):
                    raise ScenarioError(
                        f"{book}: sheet {PARAM_SHEET}, row {row}, column A",
                        f"path {shorten(path)!r} goes inside a plain value",
                    )
    return root


def _sheet_rows(wb: Any, name: str, book: str) -> list[list[str]]:
    if name not in wb.sheetnames:
        raise ScenarioError(book, f"the workbook has no sheet {name} (sheets: {', '.join(wb.sheetnames)})")
    return [[_cell_text(v) for v in row] for row in wb[name].iter_rows(values_only=True)]


def read_policy_workbook(path: str | Path) -> tuple[dict[str, Any], Policy]:
    """The raw scenario and its validated Policy from a workbook written by
    :func:`write_policy_workbook` (and edited by hand); ScenarioError naming sheet, row and column."""
    book = str(path)
    wb = xlsxguard.open_workbook(path, POLICY_XLSX, book, ScenarioError)
    params: list[tuple[str, str, int]] = []
    for n, cells in enumerate(_sheet_rows(wb, PARAM_SHEET, book)[1:], start=2):
        cells = (cells + ["", ""])[:2]
        if not cells[0] and not cells[1]:
            continue
        if not cells[0]:
            raise ScenarioError(f"{book}: sheet {PARAM_SHEET}, row {n}, column A", "the parameter path is empty")
        if cells[0] == "tiers" or cells[0].startswith("tiers."):
            raise ScenarioError(
                f"{book}: sheet {PARAM_SHEET}, row {n}, column A",
                f"tiers are written in sheet {TIER_SHEET}, one row per tier",
            )
        if cells[1] != "":
            params.append((cells[0], cells[1], n))
    raw = _unflatten(params, book)
    tier_rows: list[int] = []
    tiers = []
    for n, cells in enumerate(_sheet_rows(wb, TIER_SHEET, book)[1:], start=2):
        cells = (cells + [""] * len(TIER_COLUMNS))[: len(TIER_COLUMNS)]
        if not any(cells):
            continue

        def where_of(key: str, n: int = n) -> str:
            return _where(book, TIER_SHEET, n, _COL[key], TIER_COLUMNS[_COL[key]][1])

        tiers.append(_tier_from_row(cells, where_of))
        tier_rows.append(n)
    raw["tiers"] = tiers
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_error_place(exc, raw, params, tier_rows, book), validation_message(exc, raw)[1]) from None
    return raw, policy


def _error_place(
    exc: ValidationError, raw: dict[str, Any], params: list[tuple[str, str, int]], tier_rows: list[int], book: str
) -> str:
    """Sheet, row and column of the first problem pydantic found."""
    first = exc.errors(include_url=False)[0]
    ctx = (first.get("ctx") or {}).get("error")
    loc = tuple(ctx.loc) if isinstance(ctx, PathError) else tuple(first["loc"])
    if loc and loc[0] == "tiers" and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(tier_rows):
        row = tier_rows[loc[1]]
        rest = [x for x in loc[2:] if isinstance(x, str)]
        key = {"label": "label_" + (rest[1] if len(rest) > 1 and rest[1] in ("zh", "en") else "zh")}.get(
            rest[0] if rest else "", None
        )
        if key is None:
            key = next((r for r in reversed(rest) if r in _COL), "id")
        return _where(book, TIER_SHEET, row, _COL[key], TIER_COLUMNS[_COL[key]][1])
    dotted = ".".join(str(x) for x in loc)
    for path, _, row in params:
        if path == dotted or path.startswith(dotted + "."):
            return f"{book}: sheet {PARAM_SHEET}, row {row}, column B ({dotted})"
    return f"{book}: sheet {PARAM_SHEET} ({dotted or 'scenario'})"


def scenario_yaml(raw: dict[str, Any]) -> str:
    """The raw scenario as YAML text (values as the workbook gave them; quotes keep them exact)."""
    import yaml

    head = "# 由 simulate policy-from-excel 从工作簿生成；可直接编辑后用 simulate validate 检查。\n"
    return head + str(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=120))
