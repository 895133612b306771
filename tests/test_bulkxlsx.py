"""Large bill sheets written in bulk (simulate.rosters.bulkxlsx) hold the same cell values as
the ordinary xlsxwriter path, with the filter and dimension over every row."""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest

from simulate.report import excel
from simulate.rosters import bulkcolumns, bulkxlsx


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "序号": np.arange(1, n + 1),
            "姓名": [f"张{i}" if i % 7 else "A&B <c> 'd'" for i in range(n)],
            "村": ["" if i % 5 == 0 else "青杠坝村" * (1 + i % 3) for i in range(n)],
            "残疾等级": [None if i % 4 else i % 4 + 1 for i in range(n)],
            "代缴金额（元）": rng.integers(0, 50000, n) / 100,
            "比例": [math.nan if i % 9 == 0 else i / 3 for i in range(n)],
        }
    )


def _values(path) -> dict[str, list[list[object]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_bulk_sheets_hold_the_same_values(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulkxlsx, "BULK_ROWS", 50)
    monkeypatch.setattr(bulkxlsx, "BLOCK_ROWS", 7)  # several blocks, the last one short
    sheets = {"小": _frame(20), "大": _frame(400), "说明": pd.DataFrame({"项目": ["a"], "内容": ["b"]})}
    kinds = {"money_columns": {"代缴金额（元）"}, "count_columns": {"序号"}}
    excel.write_workbook(tmp_path / "plain.xlsx", sheets, **kinds)
    bulkxlsx.write_workbook(tmp_path / "bulk.xlsx", sheets, **kinds)
    assert _values(tmp_path / "bulk.xlsx") == _values(tmp_path / "plain.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "bulk.xlsx")["大"]
    assert ws.auto_filter.ref == "A1:F401" and ws.freeze_panes == "B2"
    assert ws.cell(3, 5).number_format == openpyxl.load_workbook(tmp_path / "plain.xlsx")["大"].cell(3, 5).number_format
    assert not (tmp_path / "bulk.xlsx.shell").exists()


def test_a_column_with_no_value_at_all_is_written_blank(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a 残疾等级 column where nobody has a grade: every cell None (min() of no values raised)
    monkeypatch.setattr(bulkxlsx, "BULK_ROWS", 50)
    frame = _frame(120)
    frame["残疾等级"] = [None] * len(frame)
    excel.write_workbook(tmp_path / "plain.xlsx", {"大": frame})
    bulkxlsx.write_workbook(tmp_path / "bulk.xlsx", {"大": frame})
    got = _values(tmp_path / "bulk.xlsx")
    assert got == _values(tmp_path / "plain.xlsx")
    assert all(row[3] is None for row in got["大"][1:]) and len(got["大"]) == 121


def test_unusual_cells_take_the_ordinary_path(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulkxlsx, "BULK_ROWS", 5)
    frame = pd.DataFrame({"a": ["x\x01y"] * 10, "b": [True] * 10})
    assert not bulkcolumns.plain(frame) and not bulkcolumns.plain(frame[["b"]]) and bulkcolumns.plain(_frame(10))
    bulkxlsx.write_workbook(tmp_path / "odd.xlsx", {"s": frame})
    excel.write_workbook(tmp_path / "plain.xlsx", {"s": frame})
    assert (tmp_path / "odd.xlsx").read_bytes() == (tmp_path / "plain.xlsx").read_bytes()


def test_long_bill_sheets_go_on_in_numbered_sheets(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from simulate.rosters import bill, bill_folder

    monkeypatch.setattr(bill_folder, "SHEET_ROWS", 7)
    root = Path(__file__).resolve().parent.parent
    rosters = root / "tests" / "rosters"
    files = [rosters / "minzheng_dibao.csv", rosters / "canlian.xlsx", rosters / "fupin_jdlk.csv"]
    b = bill.roster_bill(root / "scenarios" / "sinan-2021.yaml", files, rosters / "mapping.yaml")
    b.write(tmp_path / "out")
    wb = openpyxl.load_workbook(tmp_path / "out" / "bill.xlsx")
    name = "人员明细"
    parts = [n for n in wb.sheetnames if n == name or n.startswith(name + "（")]
    rows = [list(r) for r in wb[parts[0]].iter_rows(values_only=True)]
    for part in parts[1:]:
        got = [list(r) for r in wb[part].iter_rows(values_only=True)]
        assert got[0] == rows[0] and 1 < len(got) <= 8
        rows += got[1:]
    assert len(parts) > 1 and len(rows) - 1 == len(b.persons)


_TIERS = ["优抚对象", "持证重度残疾人", None]


def _mostly_distinct(n: int) -> pd.DataFrame:
    """Columns on either side of the shared-string threshold (distinct values vs half the rows),
    with blanks, numbers among texts and texts needing escapes or xml:space."""
    rng = np.random.default_rng(7)
    half = n // 2
    return pd.DataFrame(
        {
            "序号": [None if i == n - 1 else i + 1 for i in range(n)],
            "身份证号码": [f"5206241990{i:08d}" for i in range(n)],
            "姓名": [None if i % 11 == 0 else f"张{i % (n - 3)}" for i in range(n)],
            "刚好共享": [f"v{i % half}" for i in range(n)],  # distinct × 2 == rows: shared
            "刚好不共享": [f"w{i % (half + 1)}" for i in range(n)],  # one more: inline
            # every other row: 同 and otherwise distinct, so that a sample of every other row looks all distinct
            # although the column holds as many values as half its rows (shared strings)
            "样本里各不相同": ["同" if i % 2 or i == 0 else f"s{i}" for i in range(n)],
            "混合": [i if i % 3 == 0 else f" 李&<{i}> " for i in range(n)],
            "村": [f"青杠坝{k}村" for k in rng.integers(0, 9, n)],
            "备注": [f"备注 {i} " if i == 5 else f"备注 {i}" for i in range(n)],  # one needs xml:space
            "资助档次": pd.Series([_TIERS[k] for k in rng.integers(0, 3, n)], dtype=object),  # 3 objects
            "共享带空格": [" 同 " if i % 2 else "异" for i in range(n)],  # shared, one with xml:space
        }
    )


def test_cells_coded_each_alone_give_the_same_bytes(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A column that cannot be shared strings is written cell by cell without hashing its
    values (bulkcolumns.each_alone); coding every column by value instead gives the very same workbook."""
    monkeypatch.setattr(bulkxlsx, "BULK_ROWS", 50)
    monkeypatch.setattr(bulkxlsx, "BLOCK_ROWS", 37)
    sheets = {"大": _mostly_distinct(4000), "小": _frame(30), "中": _frame(300)}
    each = bulkcolumns.each_alone
    calls: list[int] = []
    monkeypatch.setattr(bulkcolumns, "each_alone", lambda items, array: calls.append(len(items)) or each(items, array))
    bulkxlsx.write_workbook(tmp_path / "each.xlsx", sheets, count_columns={"序号"})
    assert len(calls) >= 4  # 序号, 身份证号码, 姓名, 刚好不共享 at least

    def by_value(items, array):
        codes, uniques = pd.factorize(array)
        return codes, uniques.tolist()

    monkeypatch.setattr(bulkcolumns, "each_alone", by_value)
    bulkxlsx.write_workbook(tmp_path / "coded.xlsx", sheets, count_columns={"序号"})
    assert (tmp_path / "each.xlsx").read_bytes() == (tmp_path / "coded.xlsx").read_bytes()
    excel.write_workbook(tmp_path / "plain.xlsx", sheets, count_columns={"序号"})
    assert _values(tmp_path / "each.xlsx") == _values(tmp_path / "plain.xlsx")


@pytest.mark.parametrize(
    "alphabet",
    ["abc XYZ-09", "张李青杠坝村（）、", "abc张李（）", "abcé张ñ", "ab𠀀张😀", ""],
)
def test_widths_match_the_count_of_characters(alphabet: str) -> None:
    """The shortcuts for ASCII and for 3-byte characters count as the general rule does:
    2 × characters − ASCII characters."""
    rng = np.random.default_rng(len(alphabet))
    chars = list(alphabet) or ["a"]
    texts = ["".join(rng.choice(chars, size=k)) for k in rng.integers(0, 12, 300)]
    expected = [2 * len(t) - sum(ord(c) < 128 for c in t) for t in texts]
    assert bulkcolumns.widths(texts).tolist() == expected


def test_runs_join_neighbouring_columns_into_the_same_rows() -> None:
    """Columns joined into runs (pairs tallied, hashed, or refused at once for a column of as
    many values as rows) give each row the same bytes as its cells one by one."""
    n = 2_000
    rng = np.random.default_rng(11)
    a, b = rng.integers(0, 3, n), rng.integers(0, 40, n)
    codes = [a, b, (a * 40 + b) % 400, rng.permutation(n), rng.integers(0, 2, n), rng.integers(-1, 5, n)]
    keys, pools = [], []
    for j, c in enumerate(codes):
        keys.append(c + 1)
        pools.append(bulkcolumns.objects([b"<c/>"] + [f"<{j}:{v}>".encode() for v in range(int(c.max()) + 1)]))
    groups = bulkxlsx._runs(keys, [len(p) for p in pools], n)
    assert [members for _, members in groups] == [[0, 1, 2], [3], [4, 5]]  # [a b ab] [row numbers] [two, five]
    runs = [bulkxlsx._joined(key, [(keys[j], pools[j]) for j in members], n) for key, members in groups]
    for i in rng.integers(0, n, 200).tolist() + [0, n - 1]:
        assert b"".join(p[k[i]] for k, p in runs) == b"".join(p[k[i]] for k, p in zip(keys, pools))


def test_cells_made_a_block_at_a_time_are_those_made_at_once(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A column of as many values as rows has its cells made block by block (blocks with
    blanks, with values in row order or not); made all at once they give the same workbook."""
    monkeypatch.setattr(bulkxlsx, "BULK_ROWS", 50)
    monkeypatch.setattr(bulkxlsx, "BLOCK_ROWS", 37)
    sheets = {"大": _mostly_distinct(4000), "中": _frame(300)}
    made: list[int] = []
    rows = bulkxlsx._Rows

    class Counted(rows):  # type: ignore[misc,valid-type]
        def block(self, start: int, stop: int) -> list[bytes]:
            made.append(stop - start)
            return super().block(start, stop)

    monkeypatch.setattr(bulkxlsx, "_Rows", Counted)
    bulkxlsx.write_workbook(tmp_path / "blocks.xlsx", sheets, count_columns={"序号"})
    assert len(made) > 4 * 4000 // 37

    class AtOnce:
        def __init__(self, column, style: str) -> None:
            cells = bulkxlsx._cells(column, style, None, 0)
            self.pool, self.key = bulkcolumns.objects([f"<c{style}/>".encode(), *cells]), column.codes + 1

        def block(self, start: int, stop: int) -> list[bytes]:
            return self.pool[self.key[start:stop]].tolist()

    monkeypatch.setattr(bulkxlsx, "_Rows", AtOnce)
    bulkxlsx.write_workbook(tmp_path / "once.xlsx", sheets, count_columns={"序号"})
    assert (tmp_path / "blocks.xlsx").read_bytes() == (tmp_path / "once.xlsx").read_bytes()


def test_whole_numbers_are_as_wide_as_their_digits() -> None:
    """Row numbers' widths counted in C are len(str(v)), sign included; past int64, or with
    another type among them, there is no count (the texts are counted instead)."""
    edges = [0, 1, 9, 10, 99, 100, -1, -9, -10, -100, 10**18 - 1, 10**18, 2**63 - 1, -(2**63) + 1]
    values = edges + np.random.default_rng(5).integers(-(10**12), 10**12, 500).tolist()
    assert bulkcolumns._int_widths(values).tolist() == [len(str(v)) for v in values]
    assert bulkcolumns._int_widths([1, 2**63]) is None and bulkcolumns._int_widths([1, np.int64(2)]) is None
    assert bulkcolumns._int_widths([-(2**63)]) is None and bulkcolumns._int_widths([]) is None


def test_the_widest_row_is_the_first_of_the_widest_values() -> None:
    """Each object column's widest row, found while it is coded, is the first row whose value
    shown (a number as str) is widest, wide characters counted twice and a blank as 0."""
    frame = _mostly_distinct(600)
    frame["序号"] = pd.Series([None if i % 50 == 0 else (i * 37) % 1000 - 300 for i in range(600)], dtype=object)
    sheet = bulkcolumns.coded(frame)
    assert sheet is not None
    for name, column in zip(frame.columns, sheet.columns):
        assert frame[name].dtype.kind == "O"
        shown = ["" if v is None else v if isinstance(v, str) else str(v) for v in frame[name].tolist()]
        width = [2 * len(t) - sum(ord(c) < 128 for c in t) for t in shown]
        assert column.widest == width.index(max(width)), name


def test_coding_by_identity_is_coding_by_value() -> None:
    """A column of a few objects repeated, coded by their addresses first, gets the codes and
    values pd.factorize gives, with equal values held by different objects, blanks, and ints
    of two types."""
    rng = np.random.default_rng(13)
    words = ["青杠坝村", "大坝场镇", "优抚对象", "x"]
    pool = [None, 1, np.int64(1), 7, *words, *("".join(list(w)) for w in words)]  # equal texts, new objects
    for size in (0, 1, 5, 3000):
        array = bulkcolumns.objects([pool[k] for k in rng.integers(0, len(pool), size)])
        codes, values = bulkcolumns._by_identity(array)
        expected_codes, expected_values = pd.factorize(array)
        assert codes.tolist() == expected_codes.tolist() and values == expected_values.tolist()


def test_a_column_of_few_objects_is_coded_by_identity(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbook whose column of a few repeated objects is coded by identity is the one coded
    by value."""
    monkeypatch.setattr(bulkxlsx, "BULK_ROWS", 50)
    sheets = {"大": _mostly_distinct(3000), "中": _frame(400)}
    by_identity = bulkcolumns._by_identity
    calls: list[int] = []
    monkeypatch.setattr(bulkcolumns, "_by_identity", lambda array: calls.append(len(array)) or by_identity(array))
    bulkxlsx.write_workbook(tmp_path / "identity.xlsx", sheets)
    assert len(calls) >= 1  # 资助档次

    def factorized(array):
        codes, uniques = pd.factorize(array)
        return codes, uniques.tolist()

    monkeypatch.setattr(bulkcolumns, "_by_identity", factorized)
    bulkxlsx.write_workbook(tmp_path / "value.xlsx", sheets)
    assert (tmp_path / "identity.xlsx").read_bytes() == (tmp_path / "value.xlsx").read_bytes()


@pytest.mark.parametrize("texts", [["a&b", "青杠坝<村>", "c"], ["a", " b", "青杠坝 村"], []])
def test_added_shared_strings_are_written_one_by_one_or_at_once_alike(texts: list[str]) -> None:
    """sharedStrings.xml with the bulk sheets' texts added: written at once when no text needs
    xml:space, one by one otherwise, each as xlsxwriter writes it."""
    xml = '<sst xmlns="x" count="3" uniqueCount="2"><si><t>表头</t></si><si><t>z</t></si></sst>'
    strings = bulkxlsx._Strings(xml)
    assert strings.add_all(texts + texts[:1]) == [2 + k for k in range(len(texts))] + [2] * bool(texts)
    strings.used = 5
    one_by_one = "".join(
        f'<si><t xml:space="preserve">{bulkxlsx._escaped(t)}</t></si>'
        if t != t.strip()
        else f"<si><t>{bulkxlsx._escaped(t)}</t></si>"
        for t in texts
    )
    head = f'<sst xmlns="x" count="8" uniqueCount="{2 + len(texts)}"><si><t>表头</t></si><si><t>z</t></si>'
    assert strings.final() == (head + one_by_one + "</sst>").encode("utf-8")
