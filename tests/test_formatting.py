"""Finance display formats: exact from integer fen, half-up (四舍五入) where digits drop."""
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from simulate.formatting import percent, persons, wan_yuan, yuan, yuan_decimal


@pytest.mark.parametrize("fen, text", [
    (0, "0.00"), (5, "0.05"), (100, "1.00"), (123456789, "1,234,567.89"),
    (-123450, "-1,234.50"), (-5, "-0.05"), (10**17 + 1, "1,000,000,000,000,000.01"),
])
def test_yuan(fen, text):
    assert yuan(fen) == text


def test_yuan_takes_numpy_integers_and_refuses_floats_and_bools():
    assert yuan(np.int64(38000)) == "380.00"
    with pytest.raises(TypeError, match="integer"):
        yuan(380.0)
    with pytest.raises(TypeError):
        yuan(True)


@pytest.mark.parametrize("fen, text", [
    (0, "0.00 万元"), (1_000_000, "1.00 万元"), (1_234_567_890, "1,234.57 万元"),
    (12_345_000, "12.35 万元"),       # exactly half a hundredth rounds up
    (12_344_999, "12.34 万元"), (-12_345_000, "-12.35 万元"), (4_999, "0.00 万元"),
    (5_000, "0.01 万元"),
])
def test_wan_yuan_rounds_half_up(fen, text):
    assert wan_yuan(fen) == text


def test_wan_yuan_units():
    assert wan_yuan(123_456_789, unit=None) == "123.46"
    assert wan_yuan(123_456_789, unit="10k yuan") == "123.46 10k yuan"


def test_persons():
    assert persons(12345) == "12,345"
    assert persons(np.int32(7)) == "7"
    with pytest.raises(TypeError):
        persons(1.5)


@pytest.mark.parametrize("args, text", [
    ((0.95,), "95.00%"), ((0.955,), "95.50%"), ((0.00005,), "0.01%"), ((1,), "100.00%"),
    ((Decimal("0.12345"),), "12.35%"), ((Fraction(1, 8),), "12.50%"), ((1, 3), "33.33%"),
    ((2, 3), "66.67%"), ((-1, 8), "-12.50%"), ((np.float64(0.5),), "50.00%"),
])
def test_percent(args, text):
    assert percent(*args) == text


def test_percent_decimals_and_exact_ratio_of_fen():
    assert percent(38_000_000, 40_170_167) == "94.60%"
    assert percent(1, 3, decimals=0) == "33%"
    assert percent(1, 6, decimals=1) == "16.7%"


def test_yuan_decimal_is_exact():
    assert yuan_decimal(123456789) == Decimal("1234567.89")
    assert str(yuan_decimal(-5)) == "-0.05"
