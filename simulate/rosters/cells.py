"""Roster cells as text: normalised headers and words, names, places, disability grades, and
the column sets of the frames a roster bill shows (DESIGN.md "rosters")."""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .. import labels

#: Separators between several words in one category cell (after NFKC normalisation,
#: so full-width ，；／ are covered too).
WORD_SPLIT = re.compile(r"[、,，;；/|\s]+")

_PARENS = re.compile(r"\([^()]*\)")

_QUOTES = "\"'“”‘’「」『』《》"

_NAME_DOTS = str.maketrans({c: "·" for c in "•‧・∙⋅･．."})

GRADE_CHARS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

_DISABILITY_TYPES = "(?:肢体|视力|听力|言语|语言|智力|精神|多重)"

#: Disability words recognised without a mapping entry: 肢体二级, 视力三级残疾, 残疾一级,
#: 二级肢体残疾, 持证三级残疾人, ... -> that grade, no identity.
DISABILITY_WORD = re.compile(
    rf"^(?:持证)?(?:{_DISABILITY_TYPES}(?:残疾)?)?(?:残疾)?([一二三四1-4])级(?:残疾)?(?:人|人员)?$"
    rf"|^([一二三四1-4])级{_DISABILITY_TYPES}(?:残疾)?(?:人|人员)?$"
)

_GRADE_IN_TEXT = re.compile(r"([一二三四1-4])\s*级")

_NO_GRADE = frozenset({"", "无", "否", "/", "-", "—", "0", "0级", "未定级"})

ROW_COLUMNS = (
    "file",
    "sheet",
    "row",
    "name",
    "id_number",
    "village",
    "town",
    "category_text",
    "identities",
    "disability_grade",
    "birth_date",
    "age",
    "sex",
    "id_converted",
    "hukou",
)

REJECTED_COLUMNS = ("file", "sheet", "row", "id_masked", "name", "reason", "reason_zh")

PERSON_COLUMNS = (
    "id_number",
    "name",
    "village",
    "town",
    "identities",
    "identity_mask",
    "disability_grade",
    "age",
    "sex",
    "birth_date",
    "id_converted",
    "sources",
    "lists",
    "n_lists",
    "hukou",
)

DUPLICATE_COLUMNS = ("file", "sheet", "row", "id_masked", "name", "first_row", "reason", "reason_zh")

NAME_CONFLICT_COLUMNS = ("group", "id_masked", "name", "kept", "used", "file", "sheet", "row")

MULTI_LIST_COLUMNS = ("id_masked", "name", "village", "n_lists", "lists", "identities", "disability_grade", "sources")

BY_FILE_COLUMNS = ("file", "rows_read", "rows_used", "rows_rejected", "duplicates", "skipped_blank")

_INT_COLUMNS = frozenset(
    {
        "row",
        "disability_grade",
        "age",
        "n_lists",
        "identity_mask",
        "first_row",
        "group",
        "rows_read",
        "rows_used",
        "rows_rejected",
        "duplicates",
        "skipped_blank",
    }
)

_BOOL_COLUMNS = frozenset({"id_converted", "kept", "used"})


def norm(text: str) -> str:
    """Normalise a header or a category word: NFKC, no whitespace, quotes or '*' markers."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(text.split())
    text = text.translate({ord(c): None for c in _QUOTES + "*"})
    return text.rstrip(":")


def loosen(normalised: str) -> str:
    """A normalised header without any "(...)" part: 身份证号码(18位) -> 身份证号码."""
    return _PARENS.sub("", normalised)


def cell_text(value: Any) -> str:
    """A cell as stripped text (a whole float prints without '.0')."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def clean_name(value: Any) -> str:
    """A person's name: NFKC, no whitespace ("张  三" -> "张三"), one kind of middle dot."""
    text = unicodedata.normalize("NFKC", cell_text(value))
    return "".join(text.split()).translate(_NAME_DOTS)


def clean_place(value: Any) -> str:
    """A village or town name with whitespace collapsed."""
    return " ".join(cell_text(value).split())


#: 户籍 type words in a roster cell (after ``norm`` and lower-casing) -> rules.HUKOU_CODE key;
#: "" (empty cell) means not recorded, which a ``hukou:`` rule does not exclude.
HUKOU_WORDS = {
    "": "",
    "rural": "rural",
    "urban": "urban",
    "农村": "rural",
    "农业": "rural",
    "农业户口": "rural",
    "农村户口": "rural",
    "城镇": "urban",
    "非农业": "urban",
    "非农业户口": "urban",
    "城镇户口": "urban",
}


def parse_hukou(value: Any) -> str:
    """户籍 type of a cell: "rural", "urban" or "" (empty); ValueError for any other word."""
    text = norm(cell_text(value)).lower()
    if text not in HUKOU_WORDS:
        raise ValueError(text)
    return HUKOU_WORDS[text]


def most_severe(*grades: int) -> int:
    """The most severe disability grade (1 is the most severe; 0 means none)."""
    present = [g for g in grades if g]
    return min(present) if present else 0


def parse_grade(value: Any) -> int:
    """Disability grade from a cell: 一级, 2, 2.0, 肢体三级, 视力二级、听力四级 (most severe wins)."""
    if isinstance(value, bool):
        raise ValueError("true/false")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return 0
        if float(value).is_integer() and 0 <= value <= 4:
            return int(value)
        raise ValueError(str(value))
    text = norm(cell_text(value))
    if text in _NO_GRADE:
        return 0
    found = [GRADE_CHARS[g] for g in _GRADE_IN_TEXT.findall(text)]
    if found:
        return most_severe(*found)
    if text in GRADE_CHARS:
        return GRADE_CHARS[text]
    raise ValueError(text)


def frame(records: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame with exactly ``columns`` and stable dtypes, also when empty."""
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    for col in frame.columns:
        if col in _INT_COLUMNS:
            frame[col] = frame[col].astype("int64")
        elif col in _BOOL_COLUMNS:
            frame[col] = frame[col].astype(bool)
        elif col == "birth_date":
            frame[col] = pd.to_datetime(frame[col])
        else:
            frame[col] = frame[col].astype(object)
    return frame


def reason_text(key: str, lang: str, **fields: Any) -> str:
    """A rejection reason ``key`` (labels.yaml ``roster_reasons``) in ``lang``, its fields filled."""
    return labels.text("roster_reasons", key, lang).format(**fields)


def reason(key: str, **fields: Any) -> tuple[str, str]:
    """A rejection reason as (English, 简体中文), both filled with the same ``fields``."""
    return reason_text(key, "en", **fields), reason_text(key, "zh", **fields)
