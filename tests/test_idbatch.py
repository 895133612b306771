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
