from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradeplan.sizing import SizingError, risk_units, size_by_risk


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"balance": 0}, "balance must be greater than 0"),
        ({"balance": "abc"}, "balance must be a number"),
        ({"risk": D("1.5")}, "more than the whole balance"),
        ({"risk": 0}, "risk must be greater than 0"),
        ({"stop_pips": -20}, "stop must be greater than 0"),
        ({"pip_size": 0}, "pip size must be greater than 0"),
        ({"quote_home_rate": 0}, "rate must be greater than 0"),
        ({"step": 0}, "step must be greater than 0"),
        ({"balance": D("NaN")}, "finite"),
    ],
)
def test_bad_inputs_raise_sizing_error(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "balance": 500000,
        "risk": D("0.02"),
        "stop_pips": 20,
        "pip_size": D("0.01"),
        "quote_home_rate": 1,
        "step": 1,
    }
    args.update(kwargs)
    with pytest.raises(SizingError, match=message):
        risk_units(**args)


def test_sizing_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        size_by_risk(500000, D("0.02"), 20, D("0.01"), leverage=-1)


def test_floats_are_taken_by_their_shortest_repr() -> None:
    # 1.1 as a binary float is 1.100000000000000088...; sizing must see 1.1.
    assert risk_units(1100, 0.01, 10, 0.0001, 1.1) == 10_000
