"""A large worksheet parsed in parts while the guard checks it gives what calamine gives for
the whole workbook: the same rows, cell types, first used cell and merged ranges, the same
roster read; where the parts cannot be put together the whole workbook is parsed; a refusal
is the same one line (issue 16 item 4). Shared strings (openpyxl, Excel) and inline strings
(xlsxwriter's constant_memory) both."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine
import xlsxwriter
from _ids import make_id

from simulate.io import safeio, xlsxguard, xlsxparts
from simulate.rosters.mapping import RosterError
from simulate.rosters.roster import read_roster

AS_OF = dt.date(2021, 1, 1)
N = 700  # rows of people


def _people(top: int) -> list[tuple[int, list]]:
    """(0-based row, cells from column B) of a roster: title, header, people with a few
    rejected, a block of empty rows, a long row past the others' last column."""
    rows: list[tuple[int, list]] = [
        (top, ["思南县花名册"]),
        (top + 1, ["序号", "姓名", "身份证号码", "村", "救助类别", "残疾等级"]),
    ]
    r = top + 2
    for i in range(N):
        if 300 <= i < 340:  # empty rows
            r += 1
            continue
        number = make_id("520624", f"19{40 + i % 60:02d}0{1 + i % 9}1{i % 10}", f"{i % 1000:03d}")
        if i % 97 == 0:
            number = number[:-1] + ("0" if number[-1] != "0" else "1")  # a bad check digit
        cells = [
            i + 1,
            f"王{'建国秀英'[i % 4]}{i}",
            number,
            "" if i % 5 else "塘头村",
            ["农村低保", "特困", "孤儿"][i % 3],
        ]
        cells.append(["二级", 3, None, 1.0][i % 4])
        if i == 650:
            cells += [None, None, "备注"]  # the widest row, in the last part only
        rows.append((r, cells))
        r += 4 if i % 7 == 6 else 1  # three empty rows now and then: some fall between two parts
    return rows


def _openpyxl_book(path: Path, top: int, second_sheet: bool) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "低保"
    for r, cells in _people(top):
        for c, value in enumerate(cells, start=2):
            if value is not None:
                ws.cell(r + 1, c, value)
    ws.merge_cells(start_row=top + 1, start_column=2, end_row=top + 1, end_column=7)  # the title
    ws.merge_cells(start_row=top + 3, start_column=5, end_row=top + 400, end_column=5)  # a village down many parts
    ws.cell(top + 3, 5, "大坝村")
    if second_sheet:
        extra = wb.create_sheet("说明")
        extra["A1"] = "各村分表"
        extra.merge_cells("A1:C1")
    wb.save(path)
    return path


def _xlsxwriter_book(path: Path, top: int, second_sheet: bool) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("低保")
    for r, cells in _people(top):
        for c, value in enumerate(cells, start=1):
            if value is not None:
                ws.write(r, c, value)
    ws.merge_range(top, 1, top, 6, "思南县花名册")
    if second_sheet:
        wb.add_worksheet("说明").write(0, 0, "各村分表")
    wb.close()
    return path


def _sheet_bytes(path: Path) -> dict[str, int]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: i.file_size for i in zf.infolist() if i.filename.startswith("xl/worksheets/")}


def _split_everything(monkeypatch: pytest.MonkeyPatch, path: Path, parts: int = 4) -> None:
    """Cut the largest sheet of ``path`` (only it) into ``parts``."""
    sizes = sorted(_sheet_bytes(path).values())
    monkeypatch.setattr(xlsxparts, "SPLIT_BYTES", (sizes[-2] + 1) if len(sizes) > 1 else 1)
    monkeypatch.setattr(xlsxparts, "PARTS", parts)


def _whole(path: Path) -> python_calamine.CalamineWorkbook:
    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))


@pytest.mark.parametrize("writer", [_openpyxl_book, _xlsxwriter_book])
@pytest.mark.parametrize("top, second_sheet", [(0, False), (2, True)])
@pytest.mark.parametrize("parts", [1, 4, 9])
def test_parts_give_the_whole_sheet(monkeypatch, tmp_path: Path, writer, top, second_sheet, parts) -> None:
    path = writer(tmp_path / "roster.xlsx", top, second_sheet)
    whole = _whole(path)
    _split_everything(monkeypatch, path, parts)
    watch = xlsxparts.Parts()
    xlsxguard.inspect_xlsx(path.read_bytes(), safeio.ROSTER_XLSX, "w", RosterError, watch)
    made = len(watch.results)  # the rows' parts (about as many as asked for) and the tail
    assert made == 2 if parts == 1 else parts - 1 <= made - 1 <= parts
    book = watch.book()
    assert book is not None and not watch.results  # handed over, not kept
    assert book.sheet_names == whole.sheet_names
    for name in whole.sheet_names:
        want, got = whole.get_sheet_by_name(name), book.get_sheet_by_name(name)
        assert got.start == want.start
        assert got.merged_cell_ranges == want.merged_cell_ranges
        want_rows, got_rows = list(want.iter_rows()), list(got.iter_rows())
        assert got_rows == want_rows
        assert [list(map(type, r)) for r in got_rows] == [list(map(type, r)) for r in want_rows]


@pytest.mark.parametrize("writer", [_openpyxl_book, _xlsxwriter_book])
def test_roster_read_in_parts_is_the_roster_read_whole(monkeypatch, tmp_path: Path, writer) -> None:
    path = writer(tmp_path / "roster.xlsx", 1, True)
    whole = read_roster(path, None, as_of=AS_OF)
    _split_everything(monkeypatch, path)
    book, _ = xlsxguard.open_calamine(path, safeio.ROSTER_XLSX, "w", RosterError)
    assert not isinstance(book, python_calamine.CalamineWorkbook)  # the parts were used
    parts = read_roster(path, None, as_of=AS_OF)
    assert len(whole.rows) > 600 and len(whole.rejected) > 5
    pd.testing.assert_frame_equal(parts.rows, whole.rows)
    pd.testing.assert_frame_equal(parts.rejected, whole.rejected)
    assert (parts.notes, parts.skipped_blank) == (whole.notes, whole.skipped_blank)


def _rewrite_sheet(path: Path, change) -> Path:
    """``path`` with its largest sheet's XML passed through ``change``."""
    sizes = _sheet_bytes(path)
    target = max(sizes, key=sizes.__getitem__)
    out = path.with_name("changed.xlsx")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, change(data) if info.filename == target else data)
    return out


def test_rows_out_of_order_across_parts_parse_the_whole_workbook(monkeypatch, tmp_path: Path) -> None:
    def late_row(xml: bytes) -> bytes:  # the fifth row written after all the others
        row = re.search(rb'<row r="5".*?</row>', xml, re.S)
        assert row is not None
        xml = xml.replace(row.group(0), b"")
        return xml.replace(b"</sheetData>", row.group(0) + b"</sheetData>")

    path = _rewrite_sheet(_openpyxl_book(tmp_path / "roster.xlsx", 0, False), late_row)
    whole = read_roster(path, None, as_of=AS_OF)
    _split_everything(monkeypatch, path)
    watch = xlsxparts.Parts()
    xlsxguard.inspect_xlsx(path.read_bytes(), safeio.ROSTER_XLSX, "w", RosterError, watch)
    assert watch.book() is None
    book, _ = xlsxguard.open_calamine(path, safeio.ROSTER_XLSX, "w", RosterError)
    assert isinstance(book, python_calamine.CalamineWorkbook)
    got = read_roster(path, None, as_of=AS_OF)
    pd.testing.assert_frame_equal(got.rows, whole.rows)
    pd.testing.assert_frame_equal(got.rejected, whole.rejected)


@pytest.mark.parametrize("odd", [b'<!-- <row r="9"> -->', b"<?pi x?>", b"</sheetData><sheetData>"])
def test_comments_and_instructions_in_the_rows_parse_the_whole_workbook(monkeypatch, tmp_path: Path, odd) -> None:
    path = _rewrite_sheet(
        _openpyxl_book(tmp_path / "roster.xlsx", 0, False),
        lambda xml: xml.replace(b'<row r="400"', odd + b'<row r="400"'),
    )
    _split_everything(monkeypatch, path)
    watch = xlsxparts.Parts()
    xlsxguard.inspect_xlsx(path.read_bytes(), safeio.ROSTER_XLSX, "w", RosterError, watch)
    assert watch.book() is None


def test_a_refusal_late_in_the_sheet_is_the_same_line(monkeypatch, tmp_path: Path) -> None:
    def far_cell(xml: bytes) -> bytes:  # a cell past the roster's 256 columns in the last row
        return xml.replace(b"</row></sheetData>", b'<c r="JZ701"><v>1</v></c></row></sheetData>')

    path = _rewrite_sheet(_openpyxl_book(tmp_path / "roster.xlsx", 0, False), far_cell)
    with pytest.raises(RosterError) as whole:
        read_roster(path, None, as_of=AS_OF)
    _split_everything(monkeypatch, path)
    with pytest.raises(RosterError) as parts:
        read_roster(path, None, as_of=AS_OF)
    assert str(parts.value) == str(whole.value) and "column JZ" in str(whole.value)


# ---------------------------------------------------------------------------------------
# CSV text split by pyarrow where it splits as the csv module does
# ---------------------------------------------------------------------------------------

_CSV_LINES = [
    "思南县花名册,,,,,",
    "序号,姓名,身份证号码,村,救助类别,残疾等级",
    *(
        f"{i + 1},王{'建国秀英'[i % 4]}{i} ,{make_id('520624', f'19{40 + i % 60:02d}0{1 + i % 9}11', f'{i:03d}')}"
        f",{'' if i % 5 else '塘头村'},{['农村低保', '特困', '孤儿', ' '][i % 4]},{['二级', '3', '', '1.0'][i % 4]}"
        for i in range(300)
    ),
]


@pytest.mark.parametrize(
    "text, fast",
    [
        ("\n".join(_CSV_LINES) + "\n", True),
        ("\r\n".join(_CSV_LINES), True),  # CRLF, no newline at the end
        ("\n".join(line.replace(",", "\t") for line in _CSV_LINES) + "\n", True),
        ("\n".join(_CSV_LINES[:100] + ['1,"王,五",x,,,'] + _CSV_LINES[100:]), False),  # a quoted field
        ("\n".join(_CSV_LINES[:100] + ["1,王五"] + _CSV_LINES[100:]), False),  # a short row
        ("\n".join(_CSV_LINES[:100] + [""] + _CSV_LINES[100:]), False),  # an empty line
        ("\n".join(_CSV_LINES[:100] + ["1,王\r五,x,,,"] + _CSV_LINES[100:]), False),  # a lone CR ends a line
        ("\ufeff" + "\n".join(_CSV_LINES), False),
    ],
)
def test_csv_split_by_pyarrow_as_by_the_csv_module(monkeypatch, tmp_path: Path, text: str, fast: bool) -> None:
    from simulate.rosters import sheets

    delimiter = "\t" if "\t" in text else ","
    index = [1, 2, 3, 4, 5, 9]  # column 9 is past every row
    assert (sheets._arrow_columns(text, delimiter, index) is not None) == fast
    got = sheets._CsvText(text, delimiter, "r.csv").columns(2, index)
    monkeypatch.setattr(sheets, "_arrow_columns", lambda *a: None)
    want = sheets._CsvText(text, delimiter, "r.csv").columns(2, index)
    assert got == want
    assert [list(map(type, c)) for c in got[1]] == [list(map(type, c)) for c in want[1]]


def test_roster_csv_read_by_pyarrow_is_the_csv_module_read(monkeypatch, tmp_path: Path) -> None:
    from simulate.rosters import sheets

    path = tmp_path / "r.csv"
    path.write_text("\n".join(_CSV_LINES) + "\n", encoding="gbk")
    fast = read_roster(path, None, as_of=AS_OF)
    monkeypatch.setattr(sheets, "_arrow_columns", lambda *a: None)
    slow = read_roster(path, None, as_of=AS_OF)
    assert len(slow.rows) > 100 and len(slow.rejected) > 10
    pd.testing.assert_frame_equal(fast.rows, slow.rows)
    pd.testing.assert_frame_equal(fast.rejected, slow.rejected)
    assert fast.notes == slow.notes
