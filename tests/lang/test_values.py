from decimal import Decimal

import pytest

from tradeplan.core.units import Distance, DistanceUnit
from tradeplan.lang.values import (
    ValueProblem,
    read_bool,
    read_clock,
    read_distance,
    read_duration,
    read_percent,
)

D = Decimal


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("50 pips", "50", DistanceUnit.PIPS),
        ("-50 pips", "-50", DistanceUnit.PIPS),
        ("+50 pips", "50", DistanceUnit.PIPS),
        ("1 pip", "1", DistanceUnit.PIPS),
        ("0.5%", "0.5", DistanceUnit.PERCENT),
        ("$2.00", "2.00", DistanceUnit.PRICE),
        ("2.00", "2.00", DistanceUnit.PRICE),
        ("-$1.50", "-1.50", DistanceUnit.PRICE),
        ("3 ticks", "3", DistanceUnit.TICKS),
    ],
)
def test_distances_keep_their_unit_and_exact_value(
    text: str, value: str, unit: DistanceUnit
) -> None:
    assert read_distance(text) == Distance(D(value), unit)


@pytest.mark.parametrize("text", ["50 pipz", "fifty pips", "$2 pips", "%", "10 points"])
def test_bad_distances_say_what_to_write(text: str) -> None:
    with pytest.raises(ValueProblem) as info:
        read_distance(text)
    assert info.value.message


def test_distance_to_price() -> None:
    assert Distance(D(100), DistanceUnit.PIPS).to_price(D("109"), D("0.01"), D("0.001")) == D(
        "1.00"
    )
    assert Distance(D("0.5"), DistanceUnit.PERCENT).to_price(D("200"), None, D("0.01")) == D("1")
    assert Distance(D(3), DistanceUnit.TICKS).to_price(D("1"), None, D("0.25")) == D("0.75")


def test_durations() -> None:
    assert read_duration("30s") == 30
    assert read_duration("15m") == 900
    assert read_duration("4h") == 14400
    assert read_duration("2d") == 172800
    assert read_duration("1h30m") == 5400
    with pytest.raises(ValueProblem):
        read_duration("soon")
    with pytest.raises(ValueProblem):
        read_duration("0m")


def test_percent_needs_its_sign() -> None:
    assert read_percent("2%") == D(2)
    with pytest.raises(ValueProblem) as info:
        read_percent("0.02")
    assert "0.02%" in (info.value.hint or "")


def test_clock_and_bool() -> None:
    assert read_clock("15:55 America/New_York") == ("15:55", "America/New_York")
    assert read_clock("9:05") == ("09:05", None)
    with pytest.raises(ValueProblem):
        read_clock("25:00")
    assert read_bool("yes") is True
    assert read_bool("false") is False
