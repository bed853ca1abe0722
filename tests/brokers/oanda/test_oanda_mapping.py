"""Exact decimals on the wire, whatever the price or size: OANDA's precision or a refusal."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from fake_oanda_book import wire_time
from hypothesis import given
from hypothesis import strategies as st

from tradeplan.brokers.oanda.mapping import order_from_wire, order_spec, parse_time
from tradeplan.brokers.oanda.rules import InstrumentRules, OffGrid
from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order

USD_JPY = InstrumentRules("USD_JPY", -2, 3, 0, D("0.04"), D(1), D(100_000_000))


@given(st.integers(1, 10**9), st.integers(0, 6))
def test_a_price_on_the_grid_goes_out_exactly_at_display_precision(ticks: int, places: int) -> None:
    rules = InstrumentRules("X_Y", -4, places, 0, D("0.05"), D(1), None)
    price = D(ticks).scaleb(-places)
    text = rules.price_text(price)
    assert D(text) == price
    assert (len(text.partition(".")[2]) if "." in text else 0) == places


@given(st.integers(1, 10**9), st.integers(1, 5))
def test_a_price_finer_than_the_grid_is_refused_not_rounded(ticks: int, extra: int) -> None:
    price = (D(ticks) * 10**extra + 1).scaleb(-(3 + extra))
    with pytest.raises(OffGrid, match="more than 3 decimals"):
        USD_JPY.price_text(price)


@given(st.integers(1, 10**8), st.sampled_from(list(Side)))
def test_units_are_whole_and_signed_by_side(units: int, side: Side) -> None:
    text = USD_JPY.units_text(D(units), side)
    assert D(text) == (units if side is Side.BUY else -units)
    assert "." not in text


@given(
    st.sampled_from(
        [OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.MARKET_IF_TOUCHED]
    ),
    st.integers(1, 10**6),
    st.integers(100_000, 200_000),
    st.sampled_from(list(Side)),
    st.booleans(),
)
def test_an_order_survives_the_wire_and_back(
    kind: OrderType, qty: int, ticks: int, side: Side, reduce_only: bool
) -> None:
    level = D(ticks).scaleb(-3)
    fields = (
        {}
        if kind is OrderType.MARKET
        else ({"price": level} if kind is OrderType.LIMIT else {"trigger": level})
    )
    order = Order("c1", side, kind, D(qty), reduce_only=reduce_only, **fields)  # type: ignore[arg-type]
    assert order_from_wire(order_spec(order, USD_JPY)) == order


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_oanda_times_read_back_to_the_microsecond(moment: datetime) -> None:
    aware = moment.replace(tzinfo=UTC)
    assert parse_time(wire_time(aware)) == aware
