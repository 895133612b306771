"""A scenario as a workbook and back, for analysts who keep their county's notice in Excel.

Sheet 参数 (parameters) has one row per scenario value (a dotted path such as
``contribution.personal`` and its value as text); sheet 资助档次 (tiers) has one row per
subsidy tier. Every cell is read as text with the project's decimal rules (``numtext``: 0400 is
400, 1:10 and thousands separators refused, at most 2 decimals for yuan) and the workbook
guards of ``io.safeio``; a bad cell is one line naming sheet, row and column (issue 15, item 4).
The round trip gives an identical validated :class:`Policy`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ScenarioError
from ..io import safeio, xlsxguard
from ..numtext import shorten
from ..vocabulary import using
from .messages import validation_message
from .models import LocalVocabulary, extended
from .schema import Policy
from .values import PathError
from .workbook_cells import cell_text, cell_value, flow, letter, payers_zh, rule_zh, shares_text, text_of, where

PARAM_SHEET = "参数"
TIER_SHEET = "资助档次"
STANDARD_SHEET = "缴费标准"
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
    ("cap", "比例资助上限（元）cap", "yuan"),
    ("floor", "比例资助下限（元）floor", "yuan"),
    ("amount", "定额资助（元）amount", "yuan"),
    ("by_age", "按年龄段定额 by_age", "bands"),
    ("personal", "个人缴费（元）personal", "yuan"),
    ("shares", "分担 shares", "shares"),
    ("year_round", "全年可缴 year_round", "bool"),
    ("payment", "支付方式 payment", "text"),
    ("assumption", "假设 assumption", "bool"),
    ("note", "说明（英文）note", "text"),
    ("note_zh", "说明（中文）note_zh", "text"),
)
_COL = {key: i for i, (key, _, _) in enumerate(TIER_COLUMNS)}
#: Columns of sheet 缴费标准 (``contribution.standards``, one row per group or grade).
STANDARD_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "编号 id", "text"),
    ("label_zh", "名称（中文）label zh", "text"),
    ("label_en", "名称（英文）label en", "text"),
    ("who", "人群条件 who", "rule"),
    ("share", "选择该档的比例% share", "percent"),
    ("personal", "个人缴费标准（元）personal", "yuan"),
    ("fiscal_subsidy", "财政补助标准（元）fiscal_subsidy", "yuan"),
    ("section", "文件条款 section", "text"),
    ("assumption", "假设 assumption", "bool"),
    ("note", "说明（英文）note", "text"),
    ("note_zh", "说明（中文）note_zh", "text"),
)
_SCOL = {key: i for i, (key, _, _) in enumerate(STANDARD_COLUMNS)}
#: Subsidy fields held in the tier row's columns.
_SUBSIDY_KEYS = ("form", "source", "percent", "cap", "floor", "amount", "by_age", "personal", "shares")
#: Columns after the tier columns: Chinese readings written for people, never read back.
READING_COLUMNS = ("认定条件（中文，仅供阅读）", "付费方（中文，仅供阅读）")


# ----------------------------------------------------------------------------- writing


def _flatten(node: Any, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _flatten(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _flatten(v, f"{path}.{i}", out)
    elif node is not None:
        out.append((path, text_of(node)))


def tier_row(tier: dict[str, Any]) -> list[str]:
    """One raw tier as the cells of its row in sheet 资助档次."""
    sub = tier.get("subsidy") or {}
    label = tier.get("label") or {}
    cells = {
        "id": tier.get("id"),
        "label_zh": label.get("zh"),
        "label_en": label.get("en"),
        "section": tier.get("section"),
        "eligibility": flow(tier.get("eligibility")),
        "form": sub.get("form"),
        "source": sub.get("source"),
        "percent": sub.get("percent"),
        "cap": sub.get("cap"),
        "floor": sub.get("floor"),
        "amount": sub.get("amount"),
        "by_age": flow(sub["by_age"]) if sub.get("by_age") else None,
        "personal": sub.get("personal"),
        "shares": shares_text(sub["shares"]) if sub.get("shares") else None,
        "year_round": tier.get("year_round"),
        "payment": tier.get("payment"),
        "assumption": tier.get("assumption"),
        "note": tier.get("note"),
        "note_zh": tier.get("note_zh"),
    }
    exact = ["" if cells[k] is None else text_of(cells[k]) for k, _, _ in TIER_COLUMNS]
    return exact + [rule_zh(tier.get("eligibility")), payers_zh(sub)]


def standard_row(standard: dict[str, Any]) -> list[str]:
    """One raw ``contribution.standards`` entry as the cells of its row in sheet 缴费标准."""
    label = standard.get("label") or {}
    cells = {
        **{k: standard.get(k) for k, _, _ in STANDARD_COLUMNS},
        "label_zh": label.get("zh"),
        "label_en": label.get("en"),
        "who": flow(standard["who"]) if standard.get("who") is not None else None,
    }
    return ["" if cells[k] is None else text_of(cells[k]) for k, _, _ in STANDARD_COLUMNS]


def write_policy_workbook(raw: dict[str, Any], out: Path) -> None:
    """Write a validated scenario's data (``Scenario.raw``) as a two-sheet workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ps = wb.active
    ps.title = PARAM_SHEET
    ps.append(["参数路径 path", "取值 value"])
    rows: list[tuple[str, str]] = []
    contribution = {k: v for k, v in (raw.get("contribution") or {}).items() if k != "standards"}
    _flatten({k: (contribution if k == "contribution" else v) for k, v in raw.items() if k != "tiers"}, "", rows)
    for path, value in rows:
        ps.append([path, value])
    ts = wb.create_sheet(TIER_SHEET)
    ts.append([heading for _, heading, _ in TIER_COLUMNS] + list(READING_COLUMNS))
    with using(extended(LocalVocabulary.model_validate(raw.get("vocabulary") or {}))):  # local names
        for tier in raw.get("tiers") or []:
            ts.append(tier_row(tier))
    ss = wb.create_sheet(STANDARD_SHEET)  # always written, so a county can add its groups
    ss.append([heading for _, heading, _ in STANDARD_COLUMNS])
    for standard in (raw.get("contribution") or {}).get("standards") or []:
        ss.append(standard_row(standard))
    for sheet in (ps, ts, ss):
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


def _row_values(
    cells: list[str], columns: Sequence[tuple[str, str, str]], index: dict[str, int], where_of: Callable[[str], str]
) -> Iterator[tuple[str, Any]]:
    """(key, value) of a row's non-empty cells, each read by its kind; an error names the cell."""
    for key, _, kind in columns:
        text = cells[index[key]]
        if text == "":
            continue
        try:
            yield key, cell_value(text, kind)
        except ScenarioError as exc:
            raise ScenarioError(where_of(key), exc.reason) from None
        except ValueError as exc:
            raise ScenarioError(where_of(key), str(exc)) from None


def _standard_from_row(cells: list[str], where_of: Callable[[str], str]) -> dict[str, Any]:
    """A raw ``contribution.standards`` entry from its row in sheet 缴费标准."""
    standard: dict[str, Any] = {}
    for key, value in _row_values(cells, STANDARD_COLUMNS, _SCOL, where_of):
        if key in ("label_zh", "label_en"):
            standard.setdefault("label", {})[key[-2:]] = value
        else:
            standard[key] = value
    return standard


def _tier_from_row(cells: list[str], where_of: Callable[[str], str]) -> dict[str, Any]:
    """A raw tier from its row; each cell checked by its kind, errors naming the cell."""
    tier: dict[str, Any] = {}
    sub: dict[str, Any] = {}
    for key, value in _row_values(cells, TIER_COLUMNS, _COL, where_of):
        if key in ("label_zh", "label_en"):
            tier.setdefault("label", {})[key[-2:]] = value
        elif key in _SUBSIDY_KEYS:
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
    return [[cell_text(v) for v in row] for row in wb[name].iter_rows(values_only=True)]


def _checked_rows(wb: Any, name: str, columns: tuple[tuple[str, str, str], ...], book: str) -> list[list[str]]:
    """A sheet's rows once its headings are this version's: cells are read by position, so a
    workbook with other columns (an older layout, a column inserted by hand) is refused."""
    rows = _sheet_rows(wb, name, book)
    head = (rows[0] if rows else []) + [""] * len(columns)
    for i, (_, heading, _) in enumerate(columns):
        if head[i] != heading:
            raise ScenarioError(
                f"{book}: sheet {name}, row 1, column {letter(i)}",
                f"heading {shorten(head[i])!r}, expected {heading!r}: write the workbook again with "
                "simulate policy-to-excel and copy the values in (columns are read by position)",
            )
    return rows


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
    for n, cells in enumerate(_checked_rows(wb, TIER_SHEET, TIER_COLUMNS, book)[1:], start=2):
        cells = (cells + [""] * len(TIER_COLUMNS))[: len(TIER_COLUMNS)]
        if not any(cells):
            continue

        def where_of(key: str, n: int = n) -> str:
            return where(book, TIER_SHEET, n, _COL[key], TIER_COLUMNS[_COL[key]][1])

        tiers.append(_tier_from_row(cells, where_of))
        tier_rows.append(n)
    raw["tiers"] = tiers
    standard_rows = _read_standards(wb, raw, book)
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as exc:
        place = _error_place(exc, raw, params, tier_rows, book, standard_rows)
        raise ScenarioError(place, validation_message(exc, raw)[1]) from None
    return raw, policy


def _read_standards(wb: Any, raw: dict[str, Any], book: str) -> list[int]:
    """Sheet 缴费标准 (optional: older workbooks lack it) into ``contribution.standards``;
    returns the sheet row of each standard, for messages."""
    if STANDARD_SHEET not in wb.sheetnames:
        return []
    rows: list[int] = []
    standards = []
    for n, cells in enumerate(_checked_rows(wb, STANDARD_SHEET, STANDARD_COLUMNS, book)[1:], start=2):
        cells = (cells + [""] * len(STANDARD_COLUMNS))[: len(STANDARD_COLUMNS)]
        if not any(cells):
            continue

        def where_of(key: str, n: int = n) -> str:
            return where(book, STANDARD_SHEET, n, _SCOL[key], STANDARD_COLUMNS[_SCOL[key]][1])

        standards.append(_standard_from_row(cells, where_of))
        rows.append(n)
    contribution = raw.get("contribution")
    if standards and isinstance(contribution, dict):
        if "standards" in contribution:
            raise ScenarioError(
                f"{book}: sheet {PARAM_SHEET} (contribution.standards)",
                f"standards are written in sheet {STANDARD_SHEET}, one row per standard",
            )
        contribution["standards"] = standards
    return rows


def _error_place(
    exc: ValidationError,
    raw: dict[str, Any],
    params: list[tuple[str, str, int]],
    tier_rows: list[int],
    book: str,
    standard_rows: list[int] | None = None,
) -> str:
    """Sheet, row and column of the first problem pydantic found."""
    first = exc.errors(include_url=False)[0]
    ctx = (first.get("ctx") or {}).get("error")
    loc = tuple(ctx.loc) if isinstance(ctx, PathError) else tuple(first["loc"])
    rows = standard_rows or []
    if loc[:2] == ("contribution", "standards") and len(loc) > 2 and isinstance(loc[2], int) and loc[2] < len(rows):
        parts = [x for x in loc[3:] if isinstance(x, str)]
        column = next((r for r in parts if r in _SCOL), "id")
        if parts[:1] == ["label"]:
            column = "label_" + (parts[1] if len(parts) > 1 and parts[1] in ("zh", "en") else "zh")
        return where(book, STANDARD_SHEET, rows[loc[2]], _SCOL[column], STANDARD_COLUMNS[_SCOL[column]][1])
    if loc and loc[0] == "tiers" and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(tier_rows):
        row = tier_rows[loc[1]]
        rest = [x for x in loc[2:] if isinstance(x, str)]
        key = {"label": "label_" + (rest[1] if len(rest) > 1 and rest[1] in ("zh", "en") else "zh")}.get(
            rest[0] if rest else "", None
        )
        if key is None:
            key = next((r for r in reversed(rest) if r in _COL), "id")
        return where(book, TIER_SHEET, row, _COL[key], TIER_COLUMNS[_COL[key]][1])
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
