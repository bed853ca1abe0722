"""Trigger checks and trailing-stop arithmetic with exact Decimals (SEMANTICS.md section 3)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeplan.core.enums import OrderType, Side
from tradeplan.core.instrument import default_instrument
from tradeplan.core.money import Rounding
from tradeplan.orders.model import Order, Trail
from tradeplan.orders.triggers import (
    TriggerState,
    beyond_market,
    fire,
    fired,
    initial_state,
    limit_reached,
    marketable,
    reference_price,
    stop_reached,
    touch_reached,
    track,
    trail_limit,
    trail_stop,
)

STOCK = default_instrument("US.AAPL")  # 0.01 from $1 up, 0.0001 below
USDJPY = default_instrument("USD/JPY")


def test_buys_watch_the_ask_and_sells_the_bid() -> None:
    assert reference_price(Side.BUY, D("109.00"), D("109.01")) == D("109.01")
    assert reference_price(Side.SELL, D("109.00"), D("109.01")) == D("109.00")


def test_which_side_of_a_level_fires() -> None:
    assert limit_reached(Side.BUY, D(100), D(100)) and not limit_reached(Side.BUY, D(100), D(101))
    assert limit_reached(Side.SELL, D(100), D(101)) and not limit_reached(Side.SELL, D(100), D(99))
    assert stop_reached(Side.BUY, D(100), D(101)) and not stop_reached(Side.BUY, D(100), D(99))
    assert stop_reached(Side.SELL, D(100), D(99)) and not stop_reached(Side.SELL, D(100), D(101))
    assert touch_reached(Side.BUY, D(100), D(99)) and not touch_reached(Side.BUY, D(100), D(101))
    assert touch_reached(Side.SELL, D(100), D(101)) and not touch_reached(Side.SELL, D(100), D(99))


# --- trail arithmetic: every number exact ---------------------------------------------------


@pytest.mark.parametrize(
    ("side", "extreme", "trail", "stop"),
    [
        # sell: stop = peak - amount; ratio: peak × (1 - r/100), rounded DOWN (away from market)
        (Side.SELL, D("25.37"), Trail.amount(D("0.25")), D("25.12")),
        (Side.SELL, D("101.37"), Trail.ratio(D("0.4")), D("100.96")),  # raw 100.96452
        (Side.SELL, D("0.8500"), Trail.ratio(D("1.5")), D("0.8372")),  # raw 0.83725, sub-penny
        (Side.SELL, D("0.8512"), Trail.amount(D("0.0125")), D("0.8387")),
        (Side.SELL, D("1.01"), Trail.ratio(D("1.5")), D("0.9948")),  # raw 0.99485: below $1
        # buy: stop = trough + amount; ratio: trough × (1 + r/100), rounded UP
        (Side.BUY, D("50.00"), Trail.ratio(D("0.33")), D("50.17")),  # raw 50.165
        (Side.BUY, D("0.7000"), Trail.ratio(D("2")), D("0.7140")),
        (Side.BUY, D("0.5123"), Trail.amount(D("0.0125")), D("0.5248")),
        (Side.BUY, D("0.9950"), Trail.ratio(D("1")), D("1.01")),  # raw 1.00495: penny grid
    ],
)
def test_trail_stop_examples(side: Side, extreme: D, trail: Trail, stop: D) -> None:
    result = trail_stop(side, extreme, trail, STOCK)
    assert result == stop
    assert STOCK.is_on_tick(result)


def test_trailing_stop_limit_example_from_semantics() -> None:
    # Sell with trigger 150.00 and spread 0.50 -> limit 149.50; the buy mirrors it.
    assert trail_limit(Side.SELL, D("150.00"), D("0.50"), STOCK) == D("149.50")
    assert trail_limit(Side.BUY, D("150.00"), D("0.50"), STOCK) == D("150.50")
    order = Order(
        "t",
        Side.SELL,
        OrderType.TRAILING_STOP_LIMIT,
        D(100),
        trail=Trail.amount(D("1.00")),
        limit_offset=D("0.50"),
    )
    state = track(order, initial_state(order), D("151.00"), STOCK)
    assert state.stop == D("150.00")
    assert fired(order, state, D("150.00"))
    after = fire(order, state, D("150.00"), STOCK)
    assert after.triggered and after.limit == D("149.50")


def _sell_trailing(trail: Trail, activation: D | None = None) -> Order:
    return Order("t", Side.SELL, OrderType.TRAILING_STOP, D(1), trail=trail, activation=activation)


def test_a_sell_trailing_stop_follows_the_peak_and_fires_on_the_retrace() -> None:
    order = _sell_trailing(Trail.amount(D("1.00")))
    state = initial_state(order)
    stops = []
    for bid in ["150.00", "151.00", "150.50", "152.25", "151.40"]:
        state = track(order, state, D(bid), STOCK)
        stops.append(state.stop)
        assert not fired(order, state, D(bid))
    assert stops == [D("149.00"), D("150.00"), D("150.00"), D("151.25"), D("151.25")]
    assert state.extreme == D("152.25")
    assert fired(order, state, D("151.25")) and fired(order, state, D("151.00"))
    assert not fired(order, state, D("151.26"))


def test_a_buy_trailing_stop_follows_the_trough() -> None:
    order = Order("t", Side.BUY, OrderType.TRAILING_STOP, D(1), trail=Trail.ratio(D("2")))
    state = initial_state(order)
    for ask in ["0.7500", "0.7000", "0.7100"]:
        state = track(order, state, D(ask), STOCK)
    assert state.extreme == D("0.7000") and state.stop == D("0.7140")
    assert fired(order, state, D("0.7140")) and not fired(order, state, D("0.7139"))


def test_activation_price_holds_the_trail_until_reached() -> None:
    order = _sell_trailing(Trail.amount(D("0.50")), activation=D("105.00"))
    state = initial_state(order)
    assert not state.active
    for bid in ["100.00", "104.99", "99.00"]:
        state = track(order, state, D(bid), STOCK)
        assert state.stop is None and not fired(order, state, D(bid))
    state = track(order, state, D("105.20"), STOCK)
    assert state.active and state.extreme == D("105.20") and state.stop == D("104.70")


def test_track_returns_the_same_state_when_nothing_moves() -> None:
    order = _sell_trailing(Trail.amount(D("1")))
    state = track(order, initial_state(order), D(10), STOCK)
    assert track(order, state, D("9.5"), STOCK) is state


def test_non_trailing_orders_keep_their_state() -> None:
    order = Order("s", Side.SELL, OrderType.STOP, D(1), trigger=D("107.99"))
    state = initial_state(order)
    assert track(order, state, D(108), USDJPY) is state
    assert fired(order, state, D("107.99")) and not fired(order, state, D("108.00"))
    assert not fired(order, TriggerState(triggered=True), D(100))


@given(
    side=st.sampled_from(Side),
    ratio=st.booleans(),
    trail_ticks=st.integers(1, 500),
    moves=st.lists(st.integers(-300, 300), min_size=1, max_size=60),
)
def test_a_trailing_stop_never_moves_against_the_position(
    side: Side, ratio: bool, trail_ticks: int, moves: list[int]
) -> None:
    trail = Trail.ratio(D(trail_ticks) / 100) if ratio else Trail.amount(D(trail_ticks) / 10000)
    order = Order("t", side, OrderType.TRAILING_STOP, D(1), trail=trail)
    state = initial_state(order)
    price = D("1.2000")
    previous: D | None = None
    for move in moves:
        price = max(D("0.0100"), price + D(move) / 10000)
        price = STOCK.round_price(price, Rounding.DOWN)
        state = track(order, state, price, STOCK)
        assert state.stop is not None and STOCK.is_on_tick(state.stop)
        if previous is not None:
            assert state.stop >= previous if side is Side.SELL else state.stop <= previous
        # the market always has to retrace at least the whole trail before the stop fires
        assert state.extreme is not None
        assert (state.stop < state.extreme) if side is Side.SELL else (state.stop > state.extreme)
        previous = state.stop


def test_marketable_is_inclusive_and_beyond_market_strict() -> None:
    buy_limit = Order("c", Side.BUY, OrderType.LIMIT, D(1), price=D("109.50"))
    assert marketable(buy_limit, D("109.49"), D("109.50"))
    assert not beyond_market(buy_limit, D("109.49"), D("109.50"))
    assert beyond_market(buy_limit, D("108.99"), D("109.00"))
    buy_stop = Order("f", Side.BUY, OrderType.STOP, D(1), trigger=D("110.51"))
    assert marketable(buy_stop, D("110.50"), D("110.51"))
    assert not beyond_market(buy_stop, D("110.50"), D("110.51"))
    assert beyond_market(buy_stop, D("110.99"), D("111.00"))
    sell_mit = Order("m", Side.SELL, OrderType.MARKET_IF_TOUCHED, D(1), trigger=D(110))
    assert marketable(sell_mit, D(111), D("111.01")) and beyond_market(sell_mit, D(111), D(112))
    assert marketable(Order("m", Side.BUY, OrderType.MARKET, D(1)), D(1), D(1))
    assert not marketable(_sell_trailing(Trail.amount(D(1))), D(1), D(1))
