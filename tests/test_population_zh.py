"""Population files as counties keep them (issue 15 item 6): Chinese headers and their usual
variants, Chinese cell words, identities by their Chinese names, extra columns ignored and
said so. The same people give the same figures to the fen as the English-header file, in
CSV (UTF-8, GBK), xlsx and Parquet; bad input is one line naming file, row/column and reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from _ids import make_id

from simulate.cli import main
from simulate.errors import PopulationError
from simulate.io import headers
from simulate.model.poprows import CSV_COLUMNS
from simulate.model.population import read_population

REPO = Path(__file__).resolve().parent.parent
SINAN = REPO / "scenarios" / "sinan-2021.yaml"
HAND = REPO / "tests" / "fixtures" / "sinan-hand-count.csv"
HAND_ZH = REPO / "tests" / "fixtures" / "sinan-hand-count-zh.csv"
ZH_HEADER = "人员编号,户编号,村（社区）,年龄,性别,残疾等级,身份类别,是否参保,缴费时段"


def _as(kind: str, tmp_path: Path) -> Path:
    """The Chinese fixture as a county might save it: GBK text, a workbook or Parquet."""
    if kind == "csv":
        return HAND_ZH
    target = tmp_path / f"hand-zh.{'csv' if kind == 'gbk' else kind}"
    if kind == "gbk":
        target.write_bytes(HAND_ZH.read_text("utf-8").encode("gbk"))
        return target
    frame = pd.read_csv(HAND_ZH, dtype=str, keep_default_na=False)
    frame["年龄"] = frame["年龄"].astype("int64")  # as a spreadsheet types it
    if kind == "parquet":
        frame.to_parquet(target, index=False)
    else:
        frame.to_excel(target, index=False, engine="openpyxl")
    return target


def _run_json(capsys, path: Path) -> tuple[dict, str]:
    capsys.readouterr()
    assert main(["run", str(SINAN), "--population", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    got = json.loads(captured.out)
    got.pop("population_file")
    return got, captured.err


def _bad(capsys, argv: list[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_columns_match_the_reader():
    assert headers.COLUMNS == CSV_COLUMNS


@pytest.mark.parametrize("kind", ["csv", "gbk", "xlsx", "parquet"])
def test_chinese_file_gives_the_english_figures(tmp_path, capsys, kind):
    english, _ = _run_json(capsys, HAND)
    chinese, err = _run_json(capsys, _as(kind, tmp_path))
    assert chinese == english
    assert english["rows_read"] == 31 and english["rows_rejected"] == 0
    # the unused columns are named in one line; their ID numbers are never echoed
    assert err.count("\n") == 1 and "姓名" in err and "身份证号" in err and "备注" in err
    assert not re.search(r"\d{6}", err.replace(str(tmp_path), "").replace(str(HAND_ZH), ""))


def test_chinese_file_reads_the_same_people(tmp_path):
    english = read_population(HAND).to_frame()
    for kind in ("csv", "gbk", "xlsx", "parquet"):
        pd.testing.assert_frame_equal(read_population(_as(kind, tmp_path)).to_frame(), english)
    # the streamed per-row path (one row a chunk) agrees with Arrow's columns
    pd.testing.assert_frame_equal(read_population(HAND_ZH, chunk_bytes=64).to_frame(), english)


def test_english_file_has_no_note(capsys):
    _, err = _run_json(capsys, HAND)
    assert err == ""


@pytest.mark.parametrize(
    "header",
    [
        ZH_HEADER,
        ZH_HEADER.replace("村（社区）", "村(社区)"),
        ZH_HEADER.replace("村（社区）", "村/社区"),
        ZH_HEADER.replace("村（社区）", "所属村"),
        ZH_HEADER.replace("年龄", "年龄（周岁）").replace("性别", " 性 别 "),
        ZH_HEADER.replace("人员编号", "*人员编号").replace("户编号", "家庭编号"),
        "person_id,户编号,village,年龄,性别,残疾等级,identities,是否参保,缴费时段",  # names in an identities column too
    ],
)
def test_header_variants(tmp_path, header):
    path = tmp_path / "p.csv"
    path.write_text(header + "\np1,h1,甲村,70,男,二级,特困；低保边缘户,是,延长期\np2,h1,甲村,8,女,,,否,\n", "utf-8")
    frame = read_population(path).to_frame()
    assert list(frame["village"]) == ["甲村", "甲村"]
    assert list(frame["identities"]) == ["destitute;low_income_family", ""]
    assert list(frame["sex"]) == ["M", "F"] and list(frame["disability_grade"]) == [2, 0]
    assert list(frame["enrolled"]) == [1, 0] and list(frame["timing"]) == ["extended", "regular"]


def test_values_by_path_agree(tmp_path):
    """Chinese words give the same values on Arrow's column path and the per-row path."""
    rows = [f"p{i},h{i},甲村,{20 + i},{'男女'[i % 2]},{['无', '一级', '4', '三级残疾'][i % 4]}," for i in range(40)]
    words = ["特困人员", "孤儿、重点优抚对象", "", "农村低保户;返贫致贫"]
    rows = [
        r + f"{words[i % 4]},{['是', '否', '1', '已参保'][i % 4]},{['逾期', '正常', '', 'late'][i % 4]}"
        for i, r in enumerate(rows)
    ]
    path = tmp_path / "p.csv"
    path.write_text(ZH_HEADER + "\n" + "\n".join(rows) + "\n", "utf-8")
    fast = read_population(path).to_frame()
    slow = read_population(path, chunk_bytes=64).to_frame()
    xlsx = tmp_path / "p.xlsx"
    pd.read_csv(path, dtype=str, keep_default_na=False).to_excel(xlsx, index=False)
    pd.testing.assert_frame_equal(fast, slow)
    pd.testing.assert_frame_equal(fast, read_population(xlsx).to_frame())
    assert fast["identities"][3] == "rural_dibao;returned_to_poverty"
    assert list(fast["disability_grade"][:4]) == [0, 1, 4, 3]


def test_id_number_is_the_key_when_there_is_no_person_id(tmp_path, capsys):
    """A county keeps 身份证号, not 人员编号: the number is the person's key, hashed as it is
    read, so it never reaches a result or a message; the same person twice is still found."""
    a, b = make_id("520624", "19500412", "031"), make_id("520624", "19880101", "022")
    path = tmp_path / "p.csv"
    spaced = f"{a[:6]} {a[6:14]} {a[14:].lower()}"  # the same number, written in groups
    path.write_text(f"姓名,身份证号,年龄,性别\n张某,{a},70,男\n李某,{b},35,女\n张某,{spaced},70,男\n", "utf-8")
    pop = read_population(path, strict=False)
    assert pop.rows_read == 3 and len(pop) == 2 and pop.rejected[0]["row"] == 4
    assert "duplicate of row 2" in pop.rejected[0]["reason"] and a[6:14] not in pop.rejected[0]["reason"]
    frame = pop.to_frame()
    assert all(re.fullmatch(r"id-[0-9a-f]{16}", p) for p in frame["person_id"])
    assert a not in frame.to_csv() and b not in frame.to_csv()
    line = _bad(capsys, ["run", str(SINAN), "--population", str(path), "--lang", "en"])
    assert "row 4, column person_id" in line and "duplicate of row 2" in line and "520624" not in line
    # Arrow's column path and the per-row path give the same keys
    pd.testing.assert_frame_equal(frame, read_population(path, strict=False, chunk_bytes=64).to_frame())


def test_missing_columns_say_what_to_give(tmp_path, capsys):
    path = tmp_path / "p.csv"
    path.write_text("姓名,年龄,性别\n张某,70,男\n", "utf-8")
    line = _bad(capsys, ["run", str(SINAN), "--population", str(path), "--lang", "en"])
    assert "row 1 (header), column person_id" in line and "人员编号" in line
    path.write_text("人员编号,出生日期,性别\np1,1950-04-12,男\n", "utf-8")
    line = _bad(capsys, ["run", str(SINAN), "--population", str(path), "--lang", "en"])
    assert "column age" in line and "年龄" in line and "出生日期" in line


@pytest.mark.parametrize(
    "header,row,where,reason",
    [
        (ZH_HEADER + ",村", "p1,h1,甲村,70,男,,,是,,甲村", "column 村", "both mean village"),
        (ZH_HEADER, "p1,h1,甲村,70,男,,,也许,", "row 2, column enrolled", "must be 1 or 0"),
        (
            ZH_HEADER,
            "p1,h1,甲村,70,男,,低保,是,",
            "row 2, column identities",
            "城镇低保对象 (urban_dibao) or 农村低保对象",
        ),
        (ZH_HEADER, "p1,h1,甲村,70,男,,特困人,是,", "", ""),  # 特困人 is 特困人员 without its ending: fine
        (ZH_HEADER, "p1,h1,甲村,70,男,,特因人员,是,", "row 2, column identities", "nearest: 特困人员 (destitute)"),
        (ZH_HEADER, "p1,h1,甲村,70,男,,,是,,多余", "row 2", "has 10 fields"),
    ],
)
def test_bad_input_is_one_line(tmp_path, capsys, header, row, where, reason):
    path = tmp_path / "p.csv"
    path.write_text(f"{header}\n{row}\n", "utf-8")
    argv = ["run", str(SINAN), "--population", str(path), "--json", "--lang", "en"]
    if not where:
        capsys.readouterr()
        assert main(argv) == 0
        return
    line = _bad(capsys, argv)
    assert str(path) in line and where in line and reason in line


def test_rows_in_equal_rows_used_plus_rejected(tmp_path):
    path = tmp_path / "p.csv"
    good = "p1,h1,甲村,70,男,,特困人员,是,"
    path.write_text(
        "\n".join([ZH_HEADER, good, "p2,h1,甲村,70,男,,低保,是,", "p3,h2,乙村,5,女,,,否,逾期", "p4,h2,乙村,x,女,,,,"])
        + "\n",
        "utf-8",
    )
    pop = read_population(path, strict=False)
    assert pop.rows_read == 4 and len(pop) == 2 and [r["row"] for r in pop.rejected] == [3, 5]
    assert "ambiguous" in pop.rejected[0]["reason"]


def test_an_unknown_column_is_ignored_a_misspelt_one_refused(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("person_id,age,sex,income,备注\np1,40,F,100,x\n", "utf-8")
    header = headers.read_header(path.read_text("utf-8").splitlines()[0].split(","), "p.csv", PopulationError)
    assert header.names == ("person_id", "age", "sex") and header.note() == "income, 备注"
    assert len(read_population(path)) == 1
    with pytest.raises(PopulationError, match="did you mean timing"):
        headers.read_header(["person_id", "age", "sex", "timimg"], "p.csv", PopulationError)


def test_note_in_english_and_chinese(capsys):
    for lang, words in (("zh", "以下列未使用"), ("en", "columns not used")):
        capsys.readouterr()
        assert main(["run", str(SINAN), "--population", str(HAND_ZH), "--lang", lang]) == 0
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1


def test_english_columns_keep_their_values(tmp_path, capsys):
    """Cell words are read under a county's headers; an English column keeps its values
    (identities excepted: a name is never an id, so names are read in any column)."""
    path = tmp_path / "p.csv"
    path.write_text("person_id,age,sex,enrolled\np1,40,F,是\n", "utf-8")
    line = _bad(capsys, ["run", str(SINAN), "--population", str(path), "--lang", "en"])
    assert "row 2, column enrolled" in line and "must be 1 or 0" in line
    path.write_text('person_id,age,sex,identities\np1,40,F,"destitute,orphan"\np2,9,M,孤儿、特困\n', "utf-8")
    line = _bad(capsys, ["run", str(SINAN), "--population", str(path), "--lang", "en"])
    assert "row 2, column identities" in line and "unknown identity 'destitute,orphan'" in line
    path.write_text("person_id,age,sex,identities\np2,9,M,孤儿、特困\n", "utf-8")
    assert read_population(path).to_frame()["identities"][0] == "destitute;orphan"


def test_readme_example_is_read(tmp_path, capsys):
    """The README's Chinese-header file (the three rows shown there) reads as written."""
    text = (REPO / "README.md").read_text("utf-8")
    start = text.index("人员编号,姓名,户编号")
    path = tmp_path / "readme.csv"
    path.write_text(text[start : text.index("```", start)], "utf-8")
    frame = read_population(path).to_frame()
    assert list(frame["identities"]) == ["rural_dibao", "destitute;registered_poor", ""]
    assert list(frame["enrolled"]) == [1, 1, 0] and list(frame["timing"]) == ["regular", "late", "regular"]


def test_dictionary_columns_keep_their_indices():
    """Arrow may hand few-valued columns over dictionary-encoded: the words are turned into
    values in the dictionary, the rows keep their indices."""
    import pyarrow as pa

    header = headers.read_header(["人员编号", "年龄", "性别", "是否参保", "身份类别"], "p.csv", PopulationError)
    batch = pa.RecordBatch.from_arrays(
        [
            pa.array(["p1", "p2", "p3"]),
            pa.array(["40", "9", "70"]),
            pa.array(["男", "女", "男"]).dictionary_encode(),
            pa.array(["是", "否", "是"]).dictionary_encode(),
            pa.array(["特困人员", "", "孤儿、重点优抚对象"]).dictionary_encode(),
        ],
        names=["人员编号", "年龄", "性别", "是否参保", "身份类别"],
    )
    (out,) = headers.batches(header, iter([batch]))
    assert out.schema.names == ["person_id", "age", "sex", "enrolled", "identities"]
    assert pa.types.is_dictionary(out.column(2).type)
    assert out.column(2).to_pylist() == ["M", "F", "M"] and out.column(3).to_pylist() == ["1", "0", "1"]
    assert out.column(4).to_pylist() == ["destitute", "", "orphan;priority_entitled"]
