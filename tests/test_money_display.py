"""Finance display formats: exact from integer fen, half-up (四舍五入) where digits drop."""

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from simulate.money import percent, persons, wan_yuan, yuan, yuan_decimal


@pytest.mark.parametrize(
    "fen, text",
    [
        (0, "0.00"),
        (5, "0.05"),
        (100, "1.00"),
        (123456789, "1,234,567.89"),
        (-123450, "-1,234.50"),
        (-5, "-0.05"),
        (10**17 + 1, "1,000,000,000,000,000.01"),
    ],
)
def test_yuan(fen, text):
    assert yuan(fen) == text


def test_yuan_takes_numpy_integers_and_refuses_floats_and_bools():
    assert yuan(np.int64(38000)) == "380.00"
    with pytest.raises(TypeError, match="integer"):
        yuan(380.0)
    with pytest.raises(TypeError):
        yuan(True)


@pytest.mark.parametrize(
    "fen, text",
    [
        (0, "0.00 万元"),
        (1_000_000, "1.00 万元"),
        (1_234_567_890, "1,234.57 万元"),
        (12_345_000, "12.35 万元"),  # exactly half a hundredth rounds up
        (12_344_999, "12.34 万元"),
        (-12_345_000, "-12.35 万元"),
        (4_999, "0.00 万元"),
        (5_000, "0.01 万元"),
    ],
)
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


@pytest.mark.parametrize(
    "args, text",
    [
        ((0.95,), "95.00%"),
        ((0.955,), "95.50%"),
        ((0.00005,), "0.01%"),
        ((1,), "100.00%"),
        ((Decimal("0.12345"),), "12.35%"),
        ((Fraction(1, 8),), "12.50%"),
        ((1, 3), "33.33%"),
        ((2, 3), "66.67%"),
        ((-1, 8), "-12.50%"),
        ((np.float64(0.5),), "50.00%"),
    ],
)
def test_percent(args, text):
    assert percent(*args) == text


def test_percent_decimals_and_exact_ratio_of_fen():
    assert percent(38_000_000, 40_170_167) == "94.60%"
    assert percent(1, 3, decimals=0) == "33%"
    assert percent(1, 6, decimals=1) == "16.7%"


def test_yuan_decimal_is_exact():
    assert yuan_decimal(123456789) == Decimal("1234567.89")
    assert str(yuan_decimal(-5)) == "-0.05"


def test_to_fen_is_exact_and_refuses_part_fen():
    from simulate.money import to_fen

    assert to_fen("1,234.5".replace(",", "")) == 123450
    assert to_fen(Decimal("0.01")) == 1 and to_fen(7) == 700
    with pytest.raises(ValueError):
        to_fen("0.005")


@pytest.mark.parametrize("total", [0, 1, 7, 9999, 123457])
def test_largest_remainder_adds_up_and_stays_close(total):
    import numpy as np

    from simulate.money import largest_remainder

    for weights in (
        np.array([2500, 2500, 3000, 2000]),
        np.array([0.2, 0.3, 0.5]),
        np.array([1, 0, 0]),
        np.array([0.0, 0.0]),
    ):
        out = largest_remainder(total, weights)
        assert int(out.sum()) == total and (out >= 0).all()
        share = weights / weights.sum() * total if weights.sum() else np.full(len(weights), total / len(weights))
        assert (np.abs(out - share) < 1).all()
    # ties go to the earlier position
    assert list(largest_remainder(1, np.array([1, 1]))) == [1, 0]


def test_yuan_text_and_number():
    from simulate.money import yuan_number, yuan_text

    assert yuan_text(123456) == "1,234.56" and yuan_text(150000) == "1,500" and yuan_text(-150) == "-1.50"
    assert yuan_number(150000) == 1500 and yuan_number(12345) == 123.45


def test_labels_every_section_has_both_languages():
    from simulate import labels

    assert {"outlay", "bill", "analysis", "parameters", "timing"} <= set(labels.sections())
    for section in labels.sections():
        for key, (zh, en) in labels.pairs(section).items():
            assert zh.strip() and en.strip(), (section, key)
            assert labels.text(section, key, "zh") == zh and labels.text(section, key, "en") == en
