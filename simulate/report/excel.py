"""Formatted Excel workbooks for reports: one sheet per table, ready to print or paste.

Column convention (by column name, across all sheets):

- a name ending in ``_fen`` holds integer fen: the cell shows yuan (``#,##0.00``) and the
  header drops the suffix (``individual_fen`` -> ``individual``); the stored value is the
  correctly rounded double of fen / 100, so every cent is exact;
- ``fen_columns``: the same conversion for columns named without the suffix;
- ``money_columns``: already in yuan (int, Decimal or float with two decimals), ``#,##0.00``;
- ``count_columns``: persons or other counts, ``#,##0``;
- ``percent_columns``: fractions (0.95 shows as ``95.00%``), ``0.00%``;
- anything else is written as it is, in Excel's General format.

A DataFrame whose index is not a plain 0..n-1 range has it written as its first column(s).
Every sheet gets a bold wrapped header row, frozen header row and first column, an
autofilter, and column widths fitted to the displayed text (CJK characters count double).
"""

from __future__ import annotations

import datetime
import math
import numbers
import re
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from ..money import amount

FEN_SUFFIX = "_fen"
MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.00%"
_MAX_SHEET_NAME = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_MIN_WIDTH, _MAX_WIDTH = 6, 60
#: The creation date every workbook states: fixed, so reruns are byte-identical.
DOCUMENT_DATE = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name: no ``[]:*?/\\``, at most 31 characters."""
    clean = _BAD_SHEET_CHARS.sub("_", str(name)).strip().strip("'") or "Sheet"
    if clean.lower() == "history":  # reserved by Excel
        clean = "History_"
    lowered = {t.lower() for t in taken}
    candidate = clean[:_MAX_SHEET_NAME]
    counter = 2
    while candidate.lower() in lowered:
        suffix = f"~{counter}"
        candidate = clean[: _MAX_SHEET_NAME - len(suffix)] + suffix
        counter += 1
    return candidate


def display_width(text: str) -> int:
    """Columns a string takes in a spreadsheet: wide (CJK, full-width) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _is_blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _plain(value: object) -> object:
    """A value xlsxwriter writes natively (numpy scalars and Decimals become Python numbers)."""
    if _is_blank(value):
        return None
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, (datetime.date, pd.Timestamp)):
        return value.isoformat()
    return str(value)


def _fen_to_yuan(value: object, column: str) -> float | None:
    if _is_blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"column {column!r} holds fen and needs integers, got {value!r}")
    return int(value) / 100


def _shown(value: object, kind: str) -> str:
    """The text Excel displays for a value in a column of the given kind (for widths)."""
    if value is None:
        return ""
    if kind == "money" and isinstance(value, (int, float)):
        return amount(value)
    if kind == "count" and isinstance(value, (int, float)):
        return amount(value, 0)
    if kind == "percent" and isinstance(value, (int, float)):
        return f"{value:.2%}"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def _kind(column: str, fen: set[str], money: set[str], count: set[str], percent: set[str]) -> str:
    if column in fen or column.endswith(FEN_SUFFIX):
        return "fen"
    if column in money:
        return "money"
    if column in count:
        return "count"
    if column in percent:
        return "percent"
    return "general"


def write_workbook(
    path: Path | str,
    sheets: Mapping[str, pd.DataFrame],
    *,
    money_columns: Iterable[str] = (),
    fen_columns: Iterable[str] = (),
    count_columns: Iterable[str] = (),
    percent_columns: Iterable[str] = (),
) -> None:
    """Write each DataFrame to its own formatted sheet of a new .xlsx file at ``path``.

    See the module docstring for the column convention. Overwrites ``path``. Returns None
    so that a call ending a notebook cell shows nothing in the report.
    """
    import xlsxwriter

    if not sheets:
        raise ValueError("write_workbook needs at least one table")
    path = Path(path)
    fen, money = set(fen_columns), set(money_columns)
    count, percent = set(count_columns), set(percent_columns)
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "nan_inf_to_errors": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    # a fixed document date (core.xml created/modified) instead of the clock, so the same tables
    # give the same bytes (issue 10 item 11); xlsxwriter already dates zip members 1980-01-01
    workbook.set_properties({"created": DOCUMENT_DATE})
    try:
        header = workbook.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, "bg_color": "#F2F2F2"}
        )
        formats = {
            "money": workbook.add_format({"num_format": MONEY_FORMAT}),
            "count": workbook.add_format({"num_format": COUNT_FORMAT}),
            "percent": workbook.add_format({"num_format": PERCENT_FORMAT}),
            "general": None,
        }
        taken: list[str] = []
        for name, frame in sheets.items():
            title = sheet_name(name, taken)
            taken.append(title)
            _write_sheet(workbook.add_worksheet(title), frame, header, formats, fen, money, count, percent)
    finally:
        workbook.close()


def _write_sheet(
    sheet,
    frame: pd.DataFrame,
    header,
    formats: dict,
    fen: set[str],
    money: set[str],
    count: set[str],
    percent: set[str],
) -> None:
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        frame = frame.reset_index()
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        raise ValueError(f"duplicate column names in table: {columns}")
    for col, (column, series) in enumerate(zip(columns, frame.columns)):
        kind = _kind(column, fen, money, count, percent)
        if kind == "fen":
            values: list[Any] = [_fen_to_yuan(v, column) for v in frame[series].tolist()]
            kind = "money"
            label = column[: -len(FEN_SUFFIX)] if column.endswith(FEN_SUFFIX) else column
        else:
            values = [_plain(v) for v in frame[series].tolist()]
            label = column
        cell_format = formats[kind]
        sheet.write_string(0, col, label, header)
        width = max([display_width(label)] + [display_width(_shown(v, kind)) for v in values])
        for row, value in enumerate(values, start=1):
            if value is None:
                sheet.write_blank(row, col, None, cell_format)
            elif isinstance(value, str):
                sheet.write_string(row, col, value, cell_format)
            elif isinstance(value, bool):
                sheet.write_boolean(row, col, value, cell_format)
            else:
                sheet.write_number(row, col, value, cell_format)
        sheet.set_column(col, col, min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH), cell_format)
    sheet.freeze_panes(1, 1)
    if columns:
        sheet.autofilter(0, 0, max(len(frame), 1), len(columns) - 1)
