"""Tests for simulate.io.idnumber: GB 11643-1999 validation, 15->18 conversion, masking.

Every ID number here is made up: built from a region code and a birthday with the test's
own implementation of the check digit (``_make_id``), independent of the module's.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from _ids import check_char, make_id  # noqa: E402
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.io.idmask import find_ids, mask_ids_in_text
from simulate.io.idnumber import (
    IdNumberError,
    check_digit,
    convert_15_to_18,
    mask_id,
    validate_id,
)

AS_OF = dt.date(2024, 1, 1)


_check = check_char
_make_id = make_id


def _with_check(check: str) -> str:
    """A made-up valid ID whose check character is ``check``."""
    for seq in range(1000):
        number = _make_id("430922", "19900101", f"{seq:03d}")
        if number[-1] == check:
            return number
    raise AssertionError(check)


def test_published_example_of_the_standard() -> None:
    # the example number printed in GB 11643-1999 itself
    info = validate_id("11010519491231002X", as_of=AS_OF)
    assert info.number == "11010519491231002X"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "F"  # 002: even
    assert info.region == "110105"
    assert info.age == 74
    assert not info.converted_from_15


@pytest.mark.parametrize(
    "region,birth,seq,sex",
    [
        ("430922", "19900101", "123", "M"),
        ("520624", "20150228", "046", "F"),
        ("520624", "19581231", "017", "M"),
        ("341821", "20231231", "002", "F"),
        ("530127", "19040101", "999", "M"),
    ],
)
def test_constructed_numbers_are_valid(region: str, birth: str, seq: str, sex: str) -> None:
    number = _make_id(region, birth, seq)
    assert check_digit(number[:17]) == number[-1]
    info = validate_id(number, as_of=AS_OF)
    assert info.number == number
    assert info.birth_date == dt.datetime.strptime(birth, "%Y%m%d").date()
    assert info.sex == sex
    assert info.region == region


def test_every_check_character_including_x_and_zero() -> None:
    for check in "0123456789X":
        number = _with_check(check)
        assert validate_id(number, as_of=AS_OF).number == number


def test_text_normalisation() -> None:
    number = _with_check("X")
    full_width = number[:-1].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + "ｘ"
    for text in (
        number.lower(),
        f"  {number}\t",
        f"'{number}",
        f'="{number}"',
        full_width,
        f"{number[:6]} {number[6:14]} {number[14:]}",
        f"{number[:6]}-{number[6:14]}-{number[14:]}",
        f"{number[:6]}－{number[6:]}",
    ):
        assert validate_id(text, as_of=AS_OF).number == number


def test_bad_check_digit_says_expected_and_found() -> None:
    number = _with_check("7")
    wrong = number[:-1] + "3"
    with pytest.raises(IdNumberError) as err:
        validate_id(wrong, as_of=AS_OF)
    assert "expected 7, found 3" in err.value.reason
    assert wrong not in str(err.value)


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("43092219900101123", "bad length: 17"),
        ("4309221990010112345", "bad length: 19"),
        ("43092219900101A23X", "non-digit character 'A' at position 15"),
        ("430922X99001011234", "non-digit character 'X' at position 7"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_malformed(text: str, fragment: str) -> None:
    with pytest.raises(IdNumberError) as err:
        validate_id(text, as_of=AS_OF)
    assert fragment in err.value.reason


@pytest.mark.parametrize(
    "birth,fragment",
    [
        ("19900230", "day 30 does not exist in month 02"),
        ("19901301", "month 13"),
        ("19900001", "month 00"),
        ("19900431", "day 31"),
        ("20230229", "day 29 does not exist in month 02"),
    ],
)
def test_impossible_birth_dates(birth: str, fragment: str) -> None:
    with pytest.raises(IdNumberError) as err:
        validate_id(_make_id("430922", birth, "123"), as_of=AS_OF)
    assert "impossible birth date" in err.value.reason
    assert fragment in err.value.reason
    assert birth not in err.value.reason  # the birth date is personal data too


def test_leap_day_birth_is_fine_and_ages_on_1_march() -> None:
    info = validate_id(_make_id("430922", "20000229", "124"), as_of=AS_OF)
    assert info.birth_date == dt.date(2000, 2, 29)
    assert info.age_on(dt.date(2021, 2, 28)) == 20
    assert info.age_on(dt.date(2021, 3, 1)) == 21
    assert info.age_on(dt.date(2024, 2, 29)) == 24


def test_birth_in_the_future_and_too_old() -> None:
    with pytest.raises(IdNumberError, match="after the as-of date 2024-01-01"):
        validate_id(_make_id("430922", "20240102", "123"), as_of=AS_OF)
    born_today = validate_id(_make_id("430922", "20240101", "123"), as_of=AS_OF)
    assert born_today.age == 0
    with pytest.raises(IdNumberError, match="implausible age 121"):
        validate_id(_make_id("430922", "19021231", "123"), as_of=AS_OF)
    assert validate_id(_make_id("430922", "19040101", "123"), as_of=AS_OF).age == 120
    # the second example of GB 11643-1999 (born 1880) has a valid check digit
    with pytest.raises(IdNumberError, match="over 120"):
        validate_id("440524188001010014", as_of=AS_OF)


def test_age_on_birthday_boundary() -> None:
    info = validate_id(_make_id("520624", "19900615", "123"), as_of=dt.date(2024, 6, 14))
    assert info.age == 33
    assert info.age_on(dt.date(2024, 6, 15)) == 34
    assert validate_id(info.number, as_of=dt.datetime(2024, 6, 15, 8, 0)).age == 34


def test_unknown_province_code() -> None:
    with pytest.raises(IdNumberError, match="unknown province code 99"):
        validate_id(_make_id("990101", "19900101", "123"), as_of=AS_OF)
    with pytest.raises(IdNumberError, match="unknown province code 00"):
        validate_id(_make_id("001234", "19900101", "123"), as_of=AS_OF)


def test_15_digit_numbers_are_converted() -> None:
    old = "430922900101123"  # region 430922, born (19)90-01-01, sequence 123
    expected = _make_id("430922", "19900101", "123")
    assert convert_15_to_18(old) == expected
    info = validate_id(old, as_of=AS_OF)
    assert info.number == expected
    assert info.converted_from_15
    assert info.birth_date == dt.date(1990, 1, 1)
    assert info.sex == "M"
    # an old number read from Excel as a number fits a double exactly: accepted too
    assert validate_id(430922900101123, as_of=AS_OF).number == expected
    assert validate_id(430922900101123.0, as_of=AS_OF).number == expected
    with pytest.raises(IdNumberError, match="impossible birth date"):
        validate_id("430922901301123", as_of=AS_OF)


def test_float_from_excel_lost_precision_is_rejected() -> None:
    number = _make_id("430922", "19900101", "123")
    for value in (float(number[:-1] + "0"), 4.30922199001011e17, float(int(number[:-1] + "0"))):
        with pytest.raises(IdNumberError) as err:
            validate_id(value, as_of=AS_OF)
        assert "15 significant digits" in err.value.reason
        assert "cannot be recovered" in err.value.reason
    for text in ("4.30922E+17", "4.30922199001011E+17", "4.3092219900101e17"):
        with pytest.raises(IdNumberError, match="scientific notation"):
            validate_id(text, as_of=AS_OF)


def test_int_with_18_digits_is_exact_and_accepted() -> None:
    number = _make_id("520624", "19800704", "131")
    assert number[-1] != "X"
    assert validate_id(int(number), as_of=AS_OF).number == number
    assert validate_id(number + ".0", as_of=AS_OF).number == number


def test_numeric_id_with_wrong_check_digit_hints_at_lost_digits() -> None:
    number = _make_id("520624", "19800704", "131")
    wrong = int(number[:-1] + str((int(number[-1]) + 1) % 10))
    with pytest.raises(IdNumberError, match="stored as a number"):
        validate_id(wrong, as_of=AS_OF)


@pytest.mark.parametrize(
    "value,fragment",
    [
        (True, "true/false"),
        (1.5, "fraction"),
        (-430922900101123, "negative"),
        (float("nan"), "empty"),
        (None, "empty"),
    ],
)
def test_odd_cells(value: object, fragment: str) -> None:
    with pytest.raises(IdNumberError, match=fragment):
        validate_id(value, as_of=AS_OF)  # type: ignore[arg-type]


def test_mask_id() -> None:
    number = _make_id("430922", "19900101", "123")
    assert mask_id(number) == "430922********" + number[-4:]
    x_number = _with_check("X")
    assert mask_id(x_number.lower()) == "430922********" + x_number[-4:]
    assert mask_id("430922900101123") == "430**********23"
    assert mask_id("43092219900101A23X") == "430*************3X"
    assert mask_id("12345678") == "********"
    assert mask_id("") == ""
    assert mask_id(None) == ""
    masked_float = mask_id(4.30922199001011e17)
    assert "4309221990" not in masked_float.replace(".", "")


def test_idinfo_repr_does_not_leak() -> None:
    number = _make_id("430922", "19900101", "123")
    info = validate_id(number, as_of=AS_OF)
    assert number not in repr(info)
    assert number not in str(info)
    assert info.masked in repr(info)


def test_mask_ids_in_text() -> None:
    a = _make_id("430922", "19900101", "123")
    b = _with_check("X")
    text = f"row 4: {a} and {b.lower()}; old 430922900101123; phone 13812345678; year 2024"
    masked = mask_ids_in_text(text)
    assert a not in masked and b.lower() not in masked and "430922900101123" not in masked
    assert mask_id(a) in masked
    assert "13812345678" in masked and "2024" in masked
    assert not re.search(r"\d{14,}", masked)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_digit_matches_the_standard_formula(first17: str) -> None:
    assert check_digit(first17) == _check(first17)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=16),
    st.integers(min_value=1, max_value=9),
    st.dates(min_value=dt.date(1910, 1, 1), max_value=dt.date(2023, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_any_single_digit_typo_is_caught(pos: int, delta: int, birth: dt.date, seq: int) -> None:
    number = _make_id("520624", birth.strftime("%Y%m%d"), f"{seq:03d}")
    assert validate_id(number, as_of=AS_OF).birth_date == birth
    typo = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    with pytest.raises(IdNumberError) as err:
        validate_id(typo, as_of=AS_OF)
    assert typo not in str(err.value) and number not in str(err.value)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=30))
def test_reasons_never_repeat_the_input(text: str) -> None:
    try:
        validate_id(text, as_of=AS_OF)
    except IdNumberError as err:
        assert "\n" not in err.reason
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 14:
            assert digits not in err.reason


_CJK = re.compile(r"[\u4e00-\u9fff]")
_ENGLISH_RUN = re.compile(r"(?:\b[A-Za-z]{2,}\b[\s,;:()]+){3,}\b[A-Za-z]{2,}\b")


def _unknown_province_id() -> str:
    first17 = "00092219900101123"
    return first17 + _check(first17)


@pytest.mark.parametrize(
    "value",
    [
        -5,  # negative number
        float("nan"),
        None,
        "",
        "  ",  # empty
        float("inf"),  # numeric cell, not a whole positive number
        1.5,  # numeric cell with a fraction
        4.30922199001011e17,  # lost digits
        True,  # a true/false cell
        "4.30922E+17",  # scientific notation
        "43092219900101A23X",  # non-digit
        "43092219900101123",  # bad length
        _with_check("7")[:-1] + "3",  # bad check digit
        _unknown_province_id(),  # unknown province code
        make_id("430922", "20240301", "123"),  # born after as_of
        make_id("430922", "19000101", "123"),  # implausible age
        make_id("430922", "19901301", "123"),  # month 13
        make_id("430922", "00000101", "123"),  # year 0000
        make_id("430922", "19900431", "123"),  # day 31 in April
        make_id("430922", "20230229", "123"),  # 29 February of a common year
    ],
)
def test_every_rejection_has_a_chinese_reason(value) -> None:
    with pytest.raises(IdNumberError) as err:
        validate_id(value, as_of=AS_OF)
    zh = err.value.reason_zh
    assert _CJK.search(zh), zh
    assert not _ENGLISH_RUN.search(zh), zh
    assert "\n" not in zh
    assert err.value.reason_for("zh") == zh and err.value.reason_for("en") == err.value.reason
    if isinstance(value, str) and len(value) >= 14:
        assert value not in zh and value[6:14] not in zh  # neither the number nor the birth date


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=30))
def test_chinese_reasons_never_repeat_the_input(text: str) -> None:
    try:
        validate_id(text, as_of=AS_OF)
    except IdNumberError as err:
        assert "\n" not in err.reason_zh and _CJK.search(err.reason_zh)
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 14:
            assert digits not in err.reason_zh


# --------------------------------------------------------------------------- IDs hidden in text

_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
_FORMS = {
    "plain": lambda n: n,
    "lower": lambda n: n.lower(),
    "4-4-4-4-2 spaces": lambda n: " ".join([n[:4], n[4:8], n[8:12], n[12:16], n[16:]]),
    "6-8-4 hyphens": lambda n: f"{n[:6]}-{n[6:14]}-{n[14:]}",
    "3-3-4-4-4 two spaces": lambda n: "  ".join([n[:3], n[3:6], n[6:10], n[10:14], n[14:]]),
    "full width": lambda n: n.translate(_FULL_WIDTH),
    "full width, ideographic spaces": lambda n: "\u3000".join([n[:6], n[6:14], n[14:]]).translate(_FULL_WIDTH),
    "one digit per box": lambda n: " ".join(n),
}


@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2023, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(sorted(_FORMS)),
    st.text(alphabet="张三村低保、，。 abc-()：", max_size=8),
    st.text(alphabet="张三村低保、，。 abc-()：", max_size=8),
)
def test_an_id_hidden_in_text_is_masked_in_every_form(
    birth: dt.date, seq: int, form: str, before: str, after: str
) -> None:
    number = _make_id("520624", birth.strftime("%Y%m%d"), f"{seq:03d}")
    text = before + _FORMS[form](number) + after
    masked = mask_ids_in_text(text)
    flat = re.sub(r"[\s\-]", "", __import__("unicodedata").normalize("NFKC", masked)).upper()
    assert number[:17] not in flat, (form, masked)
    assert mask_id(number) in masked
    assert [s.number for s in find_ids(text, strict=True)] == [number]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789０１２３４５６７８９Xx -_.\u3000村", max_size=60))
def test_masked_text_never_fails_the_leak_scan(text: str) -> None:
    """Whatever the masker leaves, the strict scan of the published folder finds nothing."""
    assert find_ids(mask_ids_in_text(text), strict=True) == []


def test_find_ids_leaves_ordinary_figures() -> None:
    for text in (
        "13812345678",
        "2021-01-01 10:00:00",
        "0.012345679012345678",
        "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
        "rows read 1204 = used 1190 + rejected 14",
        "1,234,567,890,123.45",
    ):
        assert find_ids(text, strict=True) == [], text
    assert mask_ids_in_text("电话 13812345678，合计 1,234,567.89 元") == "电话 13812345678，合计 1,234,567.89 元"


def test_mask_id_normalises_the_written_form() -> None:
    number = _with_check("X")
    for written in (number.lower(), f"{number[:6]}-{number[6:14]}-{number[14:]}", number.translate(_FULL_WIDTH)):
        assert mask_id(written) == number[:6] + "*" * 8 + number[-4:]
    assert mask_id("1" * 40) == "111" + "*" * 13 + "11"  # a long number: not a line of stars
