"""The zip guard's sheet scan: plain blocks (every tag ``<c r="A1"`` within the limits) are
only counted, anything else is read with the full patterns, so a reference past the limits
is refused however it is spelled (issue 16 item 4)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from simulate.errors import SimulateError
from simulate.io import safeio, xlsxguard

_LIMITS = dataclasses.replace(safeio.ROSTER_XLSX, max_rows=1_048_576, max_columns=256, max_cells=1_000)


def _sheet(cells: list[str], rows: list[str] | None = None) -> bytes:
    rows = rows or ['<row r="1">']
    body = "".join(rows) + "".join(cells) + "</row>"
    return f'<worksheet xmlns="x"><sheetData>{body}</sheetData></worksheet>'.encode()


def _scan(xml: bytes, limits: safeio.XlsxLimits = _LIMITS) -> tuple[int, int]:
    return xlsxguard._scan_sheet(xml, "sheet1.xml", 0, 0, limits, "w.xlsx", SimulateError)


@pytest.mark.parametrize(
    "ref, reason",
    [
        ("IW1", "column IW"),  # one past IV
        ("AAA1", "column AAA"),
        ("A1048577", "row 1,048,577"),
        ("A10485760", "row 10,485,760"),
        ("$IW$1", "column IW"),
        ("iw1", "column IW"),
    ],
)
def test_reference_past_the_limits_is_refused_in_any_spelling(ref: str, reason: str) -> None:
    plain = [f'<c r="A{i}"><v>1</v></c>' for i in range(1, 50)]
    for cell in (f'<c r="{ref}"><v>1</v></c>', f'<c\tr="{ref}"><v>1</v></c>', f'<x:c r="{ref}"><x:v>1</x:v></x:c>'):
        with pytest.raises(SimulateError, match=re.escape(reason)):
            _scan(_sheet(plain + [cell]))


@pytest.mark.parametrize("ref", ["IV1048576", "A1", "Z999999", "HZ2", "A01048576"])
def test_references_within_the_limits_pass_and_are_counted(ref: str) -> None:
    cells = [f'<c r="A{i}"><v>1</v></c>' for i in range(1, 30)] + [f'<c r="{ref}"/>']
    assert _scan(_sheet(cells)) == (30, 1)


def test_cells_counted_alike_whatever_the_spelling() -> None:
    plain = [f'<c r="B{i}" t="n"><v>{i}</v></c>' for i in range(1, 11)]
    odd = plain[:5] + ['<c\nr="B6"><v>6</v></c>', "<c><v>7</v></c>", '<c r="B8"/>', "<c/>", '<c r="$B$10"/>']
    assert _scan(_sheet(plain)) == (10, 1)
    assert _scan(_sheet(odd)) == (10, 1)
    with pytest.raises(SimulateError, match="more than 9 cells"):
        _scan(_sheet(odd), dataclasses.replace(_LIMITS, max_cells=9))


def test_row_past_the_limits_is_refused() -> None:
    with pytest.raises(SimulateError, match=re.escape("row 1,048,577")):
        _scan(_sheet(['<c r="A1"/>'], ['<row r="1048577" spans="1:1">']))
    assert _scan(_sheet(['<c r="A1"/>'], ['<row r="1048576" spans="1:1">'])) == (1, 1)


def test_not_above_matches_exactly_the_strings_at_or_below_the_limit() -> None:
    letters = re.compile(f"(?:{xlsxguard._not_above('IV', 'A-Z')})$")
    cols = [xlsxguard.col_letters(n) for n in range(1, 800)]
    assert [c for c in cols if letters.match(c)] == cols[:256]
    digits = re.compile(f"(?:{xlsxguard._not_above('1048', '0-9')})$")
    assert [n for n in range(1, 20_000) if digits.match(str(n))] == list(range(1, 1049))
