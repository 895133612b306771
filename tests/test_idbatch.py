"""The bulk ID check (simulate.io.idbatch) agrees with validate_id row by row: every value it
accepts validate_id accepts with the same birth date, age and sex; none it refuses is lost
(validate_id decides those)."""

from __future__ import annotations

import datetime
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.io.idbatch import plain_ids
from simulate.io.idnumber import IdNumberError, check_digit, validate_id

AS_OF = datetime.date(2021, 1, 1)


def _id(body17: str) -> str:
    return body17 + check_digit(body17)


CASES = [
    _id("52062419500412031"),  # valid
    _id("52062419500412031")[:-1] + "0",  # bad check digit (the right one is 6)
    _id("52062420000229002"),  # 29 February of a leap year
    _id("52062419000229002"),  # 1900 is not a leap year
    _id("52062419501312031"),  # month 13
    _id("52062420210102031"),  # born after the as-of date
    _id("52062418990101031"),  # 122 years old
    _id("00062419500412031"),  # no such province
    _id("95262419500412031"),  # a foreigner's permanent residence card
    _id("52062400000101031"),  # year 0000
    "52062419500412031x",
    "520624500412031",  # 15 digits
    " " + _id("52062419500412031")[1:],
    "５２０６２４１９５００４１２０３１６",  # full-width digits
    520624195004120316,
    None,
    "",
]


def _agrees(values: list) -> None:
    got = plain_ids(values, AS_OF)
    for i, value in enumerate(values):
        try:
            info = validate_id(value, as_of=AS_OF)
        except IdNumberError:
            info = None
        if got.ok[i]:
            assert info is not None and info.number == value, value
            birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=int(got.birth_days[i]))
            assert (birth, int(got.age[i]), "M" if got.male[i] else "F") == (info.birth_date, info.age, info.sex)
        else:  # left to validate_id: only values not written as a plain valid number
            assert info is None or info.number != value or not isinstance(value, str), value


def test_cases_agree_with_validate_id() -> None:
    _agrees(CASES)
    assert plain_ids(CASES, AS_OF).ok.sum() == 3  # the valid one, 29 February 2000, the foreigner


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="0123456789X", min_size=17, max_size=19), max_size=40))
def test_random_numbers_agree(values: list[str]) -> None:
    # about one in eleven random bodies gets a valid check digit: give half of them one
    fixed = [v[:17] + check_digit(v[:17]) if i % 2 and v[:17].isdigit() else v for i, v in enumerate(values)]
    _agrees(fixed)
    assert len(plain_ids(fixed, AS_OF).ok) == len(fixed) and plain_ids([], AS_OF).ok.dtype == np.bool_


def test_text_column_of_ids_checked_in_bulk_as_one_by_one() -> None:
    rng = random.Random(1)
    bodies = [
        f"5206{rng.randint(0, 99):02d}{rng.randint(1930, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 31):02d}"
        f"{rng.randint(0, 999):03d}"
        for _ in range(300)
    ]
    values = [b + check_digit(b) if rng.random() < 0.8 else b + "0" for b in bodies]
    values += ["", "52062419500412031x", "５２０６２４１９５００４１２０３１６", "身份证号码", "520624500412031"]
    assert plain_ids(values, AS_OF).ok.sum() > 200
    _agrees(values)
    _agrees([v for v in values if len(v) == 18 and v.isascii()])  # every value a candidate (issue 16 item 4)


def _same(a, b, n: int) -> None:
    for field in ("ok", "birth_days", "age", "male"):
        assert getattr(a, field)[:n].tolist() == getattr(b, field)[:n].tolist(), field


def test_column_of_plain_text_checked_as_value_by_value() -> None:
    """A column of strings only is told 18-character ASCII from one join; the same values with
    one other value beside them (checked value by value) give the same answers, also for
    texts that would fool the join (a newline inside, non-ASCII, one too short)."""
    rng = random.Random(7)
    good = [
        _id(
            f"5206{rng.randint(0, 99):02d}{rng.randint(1895, 2025)}{rng.randint(1, 12):02d}{rng.randint(1, 31):02d}"
            f"{rng.randint(0, 999):03d}"
        )
        for _ in range(400)
    ] + [_id("52062419040229002"), _id("52062421000229002"), _id("52062419000229002")]
    tricky = [good[0][:17], "\n" + good[1][:17], good[2][:17] + "\n", "５" + good[3][1:], good[4] + "\n"]
    # 17 + 19 characters: joined, a newline stands where the join's would and a valid number
    # follows it; only the count of newlines tells that the second value is not that number
    shifted = [good[0][:17], "\n" + good[1]]
    cases = (good, good[:1], [good[0][:17] + "\n"], tricky, shifted, good[:5] + shifted + good[5:9])
    for values in cases:
        n = len(values)
        _same(plain_ids(values, AS_OF), plain_ids(values + [None], AS_OF), n)
        _agrees(values)
    assert plain_ids(good, AS_OF).ok.sum() > 300  # most are valid: the join path was used on real numbers


def test_days_since_epoch_agree_with_numpy_dates() -> None:
    days = np.arange(np.datetime64("0001-01-01"), np.datetime64("9999-12-31"), 7)
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    m = (months - years).astype(np.int64) + 1
    d = (days - months).astype(np.int64) + 1
    from simulate.io.idbatch import _days_since_epoch

    assert (_days_since_epoch(y, m, d) == days.astype(np.int64)).all()
