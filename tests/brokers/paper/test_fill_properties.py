"""Properties of the fill model over open-ended bars and orders."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from tradeplan.brokers.paper.fills import (
    Bar,
    FeeSchedule,
    FillConfig,
    FillReason,
    IntrabarPath,
    Tick,
    fill_on_bar,
    fill_on_tick,
    intrabar_path,
)
from tradeplan.core.enums import FillProfile, OrderType, Side
from tradeplan.core.instrument import default_instrument
from tradeplan.orders.model import Order, Trail
from tradeplan.orders.triggers import initial_state

USDJPY = default_instrument("USD/JPY")
TICK = USDJPY.tick  # 0.001
T0 = datetime(2024, 1, 2, tzinfo=UTC)


@st.composite
def bars(draw: st.DrawFn) -> Bar:
    o, c = draw(st.integers(100_000, 101_000)), draw(st.integers(100_000, 101_000))
    up, down = draw(st.integers(0, 600)), draw(st.integers(0, 600))
    spread = draw(st.integers(0, 20))
    return Bar(
        T0,
        o * TICK,
        (max(o, c) + up) * TICK,
        (min(o, c) - down) * TICK,
        c * TICK,
        spread * TICK,
    )


@st.composite
def orders(draw: st.DrawFn) -> Order:
    side = draw(st.sampled_from(Side))
    kind = draw(st.sampled_from(OrderType))

    def level() -> D:
        return draw(st.integers(99_300, 101_700)) * TICK

    fields: dict[str, object] = {}
    if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED):
        fields["price"] = level()
    if kind in (
        OrderType.STOP,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
    ):
        fields["trigger"] = level()
    if kind in (OrderType.TRAILING_STOP, OrderType.TRAILING_STOP_LIMIT):
        fields["trail"] = draw(
            st.one_of(
                st.integers(1, 500).map(lambda n: Trail.amount(n * TICK)),
                st.integers(1, 200).map(lambda n: Trail.ratio(D(n) / 100)),
            )
        )
        if draw(st.booleans()):
            fields["activation"] = level()
    if kind is OrderType.TRAILING_STOP_LIMIT:
        fields["limit_offset"] = draw(st.integers(0, 200)) * TICK
    return Order("p", side, kind, D(1000), **fields)  # type: ignore[arg-type]


configs = st.builds(
    FillConfig,
    profile=st.sampled_from(FillProfile),
    path=st.sampled_from(IntrabarPath),
    fees=st.just(FeeSchedule(per_unit=D("0.01"))),
    slippage_ticks=st.integers(0, 3),
)


@settings(max_examples=400, deadline=None)
@given(order=orders(), bar=bars(), config=configs)
def test_fills_are_on_tick_and_on_the_right_side_of_the_bar(
    order: Order, bar: Bar, config: FillConfig
) -> None:
    result = fill_on_bar(order, initial_state(order), bar, USDJPY, config)
    assert len(result.fills) <= 1
    for fill in result.fills:
        assert USDJPY.is_on_tick(fill.price)
        assert fill.qty == order.qty and fill.fee == order.qty * D("0.01")
        ask_low, ask_high = bar.low + bar.spread, bar.high + bar.spread
        if order.side is Side.BUY:
            assert fill.price >= ask_low  # a buy never fills below the Ask's low
        else:
            assert fill.price <= bar.high  # a sell never fills above the Bid's high
        exact = config.profile is FillProfile.EXCHANGE and config.slippage_ticks == 0
        if exact:
            low, high = (ask_low, ask_high) if order.side is Side.BUY else (bar.low, bar.high)
            assert low <= fill.price <= high
        is_limit = fill.reason in (FillReason.LIMIT, FillReason.LIMIT_BEYOND_MARKET)
        if is_limit:
            limit = result.state.limit if order.has_trigger else order.price
            assert limit is not None
            if config.profile is FillProfile.DEALER:
                assert fill.price == limit
            else:  # a limit fills at its price or better
                assert fill.price <= limit if order.side is Side.BUY else fill.price >= limit
        assert fill.point is not None
        path = intrabar_path(bar, config.path)
        assert 0 <= fill.point.segment <= 3
        if fill.point.segment > 0:
            start, end = path[fill.point.segment - 1], path[fill.point.segment]
            assert fill.point.travelled <= abs(end - start)
            assert min(start, end) <= fill.point.bid <= max(start, end)


@settings(max_examples=300, deadline=None)
@given(order=orders(), price=st.integers(99_500, 101_500), spread=st.integers(0, 20))
def test_a_flat_bar_fills_exactly_like_a_tick(order: Order, price: int, spread: int) -> None:
    bid, ask = price * TICK, (price + spread) * TICK
    config = FillConfig(profile=FillProfile.DEALER, slippage_ticks=1)
    state = initial_state(order)
    by_tick = fill_on_tick(order, state, Tick(T0, bid, ask), USDJPY, config)
    by_bar = fill_on_bar(order, state, Bar(T0, bid, bid, bid, bid, ask - bid), USDJPY, config)
    assert by_bar.state == by_tick.state and by_bar.triggered == by_tick.triggered
    assert [(f.price, f.qty, f.reason, f.fee) for f in by_bar.fills] == [
        (f.price, f.qty, f.reason, f.fee) for f in by_tick.fills
    ]


@settings(max_examples=200, deadline=None)
@given(order=orders(), bars_=st.lists(bars(), min_size=1, max_size=8), config=configs)
def test_a_working_order_fills_once_and_its_trail_only_tightens(
    order: Order, bars_: list[Bar], config: FillConfig
) -> None:
    state = initial_state(order)
    previous_stop = None
    for bar in bars_:
        result = fill_on_bar(order, state, bar, USDJPY, config)
        state = result.state
        if state.stop is not None and previous_stop is not None and not state.triggered:
            if order.side is Side.SELL:
                assert state.stop >= previous_stop
            else:
                assert state.stop <= previous_stop
        previous_stop = state.stop if state.stop is not None else previous_stop
        if result.fills:
            break
