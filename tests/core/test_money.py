from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeplan.core.enums import AssetClass, Side
from tradeplan.core.instrument import default_instrument, infer_asset_class
from tradeplan.core.money import Rounding, fmt_decimal, round_to_increment, to_decimal

D = Decimal


def test_float_input_goes_through_its_shortest_repr() -> None:
    assert to_decimal(0.1) == D("0.1")
    assert to_decimal("1,000.50") == D("1000.50")


@pytest.mark.parametrize(
    ("value", "inc", "mode", "expected"),
    [
        ("107.994", "0.01", Rounding.DOWN, "107.99"),
        ("107.994", "0.01", Rounding.UP, "108.00"),
        ("107.995", "0.01", Rounding.NEAREST, "108.00"),
        ("0.12345", "0.0001", Rounding.DOWN, "0.1234"),
        ("1953847.9", "1", Rounding.DOWN, "1953847"),
    ],
)
def test_round_to_increment(value: str, inc: str, mode: Rounding, expected: str) -> None:
    assert round_to_increment(D(value), D(inc), mode) == D(expected)


@given(
    st.decimals(min_value=D("0.0001"), max_value=D("100000"), places=6),
    st.sampled_from([D("0.01"), D("0.001"), D("0.5"), D("1"), D("0.0001")]),
    st.sampled_from(list(Rounding)),
)
def test_rounded_values_are_on_the_grid_and_move_the_stated_way(
    value: Decimal, inc: Decimal, mode: Rounding
) -> None:
    rounded = round_to_increment(value, inc, mode)
    assert rounded % inc == 0
    assert abs(rounded - value) <= inc
    if mode is Rounding.DOWN:
        assert rounded <= value
    if mode is Rounding.UP:
        assert rounded >= value


def test_us_stock_tick_is_sub_penny_below_one_dollar() -> None:
    nvda = default_instrument("US.NVDA")
    assert nvda.round_price(D("0.123456"), Rounding.DOWN) == D("0.1234")
    assert nvda.round_price(D("150.126"), Rounding.DOWN) == D("150.12")
    assert not nvda.is_on_tick(D("1.005"))
    assert nvda.is_on_tick(D("0.9995"))


def test_instrument_defaults_follow_the_symbol() -> None:
    assert infer_asset_class("USD/JPY") is AssetClass.FX
    assert infer_asset_class("US.NVDA") is AssetClass.US_STOCK
    assert infer_asset_class("BTCUSDT") is AssetClass.CRYPTO_PERP
    assert default_instrument("USD/JPY").pip == D("0.01")
    assert default_instrument("EUR/USD").pip == D("0.0001")
    assert default_instrument("EUR_USD").quote_currency == "USD"


def test_sides() -> None:
    assert Side.parse("long") is Side.BUY
    assert Side.parse("SHORT") is Side.SELL
    assert Side.BUY.opposite is Side.SELL


def test_fmt_decimal() -> None:
    assert fmt_decimal(D("1E+2")) == "100"
    assert fmt_decimal(D("0.500")) == "0.5"
    assert fmt_decimal(D("-0")) == "0"
