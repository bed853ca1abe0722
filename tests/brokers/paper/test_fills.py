"""The paper broker's fill model, with the exact numbers of SEMANTICS.md sections 1 and 3."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from tradeplan.brokers.paper.fills import (
    Bar,
    FeeSchedule,
    FillConfig,
    FillReason,
    FillResult,
    IntrabarPath,
    PathPoint,
    Tick,
    fill_on_bar,
    fill_on_tick,
    intrabar_path,
)
from tradeplan.core.enums import FillProfile, OrderType, Side
from tradeplan.core.instrument import Instrument, default_instrument
from tradeplan.orders.model import Order, OrderTag, Trail
from tradeplan.orders.triggers import TriggerState, initial_state, track

T0 = datetime(2024, 1, 2, 9, 30, tzinfo=UTC)
USDJPY = default_instrument("USD/JPY")  # tick 0.001
STOCK = default_instrument("US.AAPL")  # tick 0.01, 0.0001 below $1
DEALER = FillConfig(profile=FillProfile.DEALER)
EXCHANGE = FillConfig(profile=FillProfile.EXCHANGE)


def order(side: Side, kind: OrderType, **fields: object) -> Order:
    qty = fields.pop("qty", D(10000))
    return Order("o1", side, kind, qty, **fields)  # type: ignore[arg-type]


def tick(bid: str, ask: str, **sizes: D) -> Tick:
    return Tick(T0, D(bid), D(ask), **sizes)


def bar(o: str, h: str, lo: str, c: str, spread: str = "0") -> Bar:
    return Bar(T0, D(o), D(h), D(lo), D(c), D(spread))


def on_tick(
    o: Order,
    t: Tick,
    config: FillConfig = EXCHANGE,
    state: TriggerState | None = None,
    instrument: Instrument = USDJPY,
    filled_qty: D = D(0),
) -> FillResult:
    state = initial_state(o) if state is None else state
    return fill_on_tick(o, state, t, instrument, config, filled_qty=filled_qty)


def on_bar(
    o: Order,
    b: Bar,
    config: FillConfig = EXCHANGE,
    state: TriggerState | None = None,
    instrument: Instrument = USDJPY,
    start: PathPoint | None = None,
) -> FillResult:
    state = initial_state(o) if state is None else state
    return fill_on_bar(o, state, b, instrument, config, start=start)


def price_of(result: FillResult) -> D:
    (fill,) = result.fills
    return fill.price


# --- SEMANTICS section 1: exits placed when the market has already passed them ----------------

TP_SELL = order(Side.SELL, OrderType.LIMIT, price=D("110.00"), reduce_only=True)
SL_SELL = order(Side.SELL, OrderType.STOP, trigger=D("107.99"), reduce_only=True)
TP_BUY = order(Side.BUY, OrderType.LIMIT, price=D("109.00"), reduce_only=True)
SL_BUY = order(Side.BUY, OrderType.STOP, trigger=D("111.01"), reduce_only=True)


def test_closing_sell_limit_beyond_the_market_fills_at_the_limit_under_dealer() -> None:
    # 109 buy, market jumps to 111: TP 110 fills at 110.00 (dealer), at 111 (exchange).
    assert price_of(on_tick(TP_SELL, tick("111.00", "111.01"), DEALER)) == D("110.00")
    assert price_of(on_tick(TP_SELL, tick("111.00", "111.01"), EXCHANGE)) == D("111.00")
    gap = bar("111.00", "111.20", "110.90", "111.10", spread="0.01")
    dealer = on_bar(TP_SELL, gap, DEALER)
    assert price_of(dealer) == D("110.00")
    assert dealer.fills[0].reason is FillReason.LIMIT_BEYOND_MARKET
    assert dealer.fills[0].point == PathPoint(0, D(0), D("111.00"))
    assert price_of(on_bar(TP_SELL, gap, EXCHANGE)) == D("111.00")


def test_closing_sell_stop_beyond_the_market_fills_at_the_market() -> None:
    # stop 107.99, market 107.50: fills at 107.50, whatever the profile
    for config in (DEALER, EXCHANGE):
        result = on_tick(SL_SELL, tick("107.50", "107.51"), config)
        assert price_of(result) == D("107.50")
        assert result.fills[0].reason is FillReason.STOP_GAP and result.triggered
        assert price_of(on_bar(SL_SELL, bar("107.50", "107.70", "107.40", "107.60"), config)) == (
            D("107.50")
        )


def test_closing_buy_limit_beyond_the_market_fills_at_the_limit_under_dealer() -> None:
    # TP 109, market 108: fills 109.00 (dealer); the exchange gives the better Ask, 108.00.
    assert price_of(on_tick(TP_BUY, tick("107.99", "108.00"), DEALER)) == D("109.00")
    assert price_of(on_tick(TP_BUY, tick("107.99", "108.00"), EXCHANGE)) == D("108.00")


def test_closing_buy_stop_beyond_the_market_fills_at_the_market() -> None:
    # stop 111.01, market 111.50: fills at 111.50 (the Ask)
    for config in (DEALER, EXCHANGE):
        assert price_of(on_tick(SL_BUY, tick("111.49", "111.50"), config)) == D("111.50")
        gap = bar("111.49", "111.60", "111.40", "111.45", spread="0.01")
        assert price_of(on_bar(SL_BUY, gap, config)) == D("111.50")


def test_levels_reached_on_the_way_fill_at_the_level_under_both_profiles() -> None:
    for config in (DEALER, EXCHANGE):
        up = on_bar(TP_SELL, bar("109.50", "110.20", "109.40", "110.10"), config)
        assert price_of(up) == D("110.00") and up.fills[0].reason is FillReason.LIMIT
        down = on_bar(SL_SELL, bar("108.50", "108.60", "107.80", "107.90"), config)
        assert price_of(down) == D("107.99") and down.fills[0].reason is FillReason.STOP


def test_a_stop_touched_at_the_open_fills_at_the_worse_of_trigger_and_open() -> None:
    at_trigger = on_bar(SL_SELL, bar("107.99", "108.20", "107.90", "108.00"))
    assert price_of(at_trigger) == D("107.99") and at_trigger.fills[0].reason is FillReason.STOP
    beyond = on_bar(SL_SELL, bar("107.95", "108.20", "107.90", "108.00"))
    assert price_of(beyond) == D("107.95") and beyond.fills[0].reason is FillReason.STOP_GAP


# --- spread on the correct side ---------------------------------------------------------------


def test_buys_trigger_and_fill_on_the_ask_sells_on_the_bid() -> None:
    # Bid high 111.00 + spread 0.01 = Ask 111.01: the buy stop fills at 111.01 exactly.
    assert price_of(on_bar(SL_BUY, bar("110.90", "111.00", "110.80", "110.95", "0.01"))) == (
        D("111.01")
    )
    assert on_bar(SL_BUY, bar("110.90", "110.99", "110.80", "110.95", "0.01")).fills == ()
    # The buy limit needs the Ask (Bid low + spread) at 109.00.
    assert on_bar(TP_BUY, bar("109.20", "109.30", "108.99", "109.10", "0.02")).fills == ()
    assert price_of(on_bar(TP_BUY, bar("109.20", "109.30", "108.98", "109.10", "0.02"))) == (
        D("109.00")
    )
    # The sell stop only looks at the Bid, however wide the spread.
    assert price_of(on_bar(SL_SELL, bar("108.10", "108.20", "107.99", "108.00", "0.50"))) == (
        D("107.99")
    )


def test_market_orders_fill_at_the_open_on_their_side() -> None:
    b = bar("109.000", "109.500", "108.500", "109.200", spread="0.010")
    assert price_of(on_bar(order(Side.BUY, OrderType.MARKET), b)) == D("109.010")
    assert price_of(on_bar(order(Side.SELL, OrderType.MARKET), b)) == D("109.000")
    market = on_tick(order(Side.BUY, OrderType.MARKET), tick("109.000", "109.010"), DEALER)
    assert price_of(market) == D("109.010") and market.fills[0].reason is FillReason.MARKET


# --- the intrabar path ------------------------------------------------------------------------


def test_intrabar_paths() -> None:
    b = bar("109.00", "110.10", "107.50", "108.00")
    assert intrabar_path(b, IntrabarPath.NEAREST_FIRST) == (D(109), D("110.10"), D("107.5"), D(108))
    assert intrabar_path(b, IntrabarPath.OHLC) == (D(109), D("110.10"), D("107.5"), D(108))
    assert intrabar_path(b, IntrabarPath.OLHC) == (D(109), D("107.5"), D("110.10"), D(108))
    nearer_low = bar("109.00", "110.50", "107.90", "110.00")
    assert intrabar_path(nearer_low, IntrabarPath.NEAREST_FIRST)[1] == D("107.90")
    # equidistant extremes: the one farther from the close first, then the high
    assert intrabar_path(bar("100", "101", "99", "100.5"), IntrabarPath.NEAREST_FIRST)[1] == D(99)
    assert intrabar_path(bar("100", "101", "99", "99.5"), IntrabarPath.NEAREST_FIRST)[1] == D(101)
    assert intrabar_path(bar("100", "101", "99", "100"), IntrabarPath.NEAREST_FIRST)[1] == D(101)


def _first_exit(b: Bar, path: IntrabarPath) -> str:
    """Long from 109.00 with TP 110.00 and SL 107.99; which exit the bar reaches first."""
    config = FillConfig(path=path)
    tp = on_bar(TP_SELL, b, config).fills[0]
    sl = on_bar(SL_SELL, b, config).fills[0]
    assert {tp.price, sl.price} == {D("110.00"), D("107.99")}
    return "take_profit" if tp.point < sl.point else "stop_loss"  # type: ignore[operator]


@pytest.mark.parametrize(
    ("b", "path", "first"),
    [
        (bar("109.00", "110.10", "107.50", "108.00"), IntrabarPath.NEAREST_FIRST, "take_profit"),
        (bar("109.00", "110.10", "107.50", "108.00"), IntrabarPath.OHLC, "take_profit"),
        (bar("109.00", "110.10", "107.50", "108.00"), IntrabarPath.OLHC, "stop_loss"),
        (bar("109.00", "110.50", "107.90", "110.00"), IntrabarPath.NEAREST_FIRST, "stop_loss"),
        (bar("109.00", "110.50", "107.90", "110.00"), IntrabarPath.OHLC, "take_profit"),
        (bar("109.00", "110.50", "107.90", "110.00"), IntrabarPath.OLHC, "stop_loss"),
    ],
)
def test_a_bar_touching_both_take_profit_and_stop_loss(
    b: Bar, path: IntrabarPath, first: str
) -> None:
    assert _first_exit(b, path) == first


def test_fills_in_one_segment_order_by_distance_travelled() -> None:
    b = bar("109.00", "110.50", "108.95", "110.40")
    near = on_bar(order(Side.SELL, OrderType.LIMIT, price=D("109.50")), b).fills[0]
    far = on_bar(order(Side.SELL, OrderType.LIMIT, price=D("110.00")), b).fills[0]
    assert near.point is not None and far.point is not None
    assert near.point.segment == far.point.segment == 2 and near.point < far.point


def test_exits_placed_during_the_bar_start_where_the_entry_filled() -> None:
    b = bar("109.00", "110.10", "108.90", "110.00", spread="0.01")
    entry = on_bar(order(Side.BUY, OrderType.MARKET), b).fills[0]
    assert entry.price == D("109.01") and entry.point == PathPoint(0, D(0), D("109.00"))
    tp = order(Side.SELL, OrderType.LIMIT, price=D("110.01"), tag=OrderTag.TAKE_PROFIT)
    sl = order(Side.SELL, OrderType.STOP, trigger=D("108.00"), tag=OrderTag.STOP_LOSS)
    exit_fill = on_bar(tp, b, start=entry.point).fills[0]
    assert exit_fill.price == D("110.01") and exit_fill.point == PathPoint(
        2, D("1.11"), D("110.01")
    )
    assert on_bar(sl, b, start=entry.point).fills == ()


def test_an_order_placed_mid_bar_beyond_the_market_follows_the_gap_rules() -> None:
    b = bar("109.00", "110.10", "108.90", "110.00")
    start = PathPoint(2, D("1.15"), D("110.05"))  # rising from 108.90 to 110.10
    assert price_of(on_bar(TP_SELL, b, DEALER, start=start)) == D("110.00")
    assert price_of(on_bar(TP_SELL, b, EXCHANGE, start=start)) == D("110.05")
    with pytest.raises(ValueError, match="segment"):
        on_bar(TP_SELL, b, start=PathPoint(4, D(0), D(110)))


# --- other order types ------------------------------------------------------------------------


def test_market_if_touched_fills_at_the_trigger_or_the_better_gap_price() -> None:
    mit = order(Side.SELL, OrderType.MARKET_IF_TOUCHED, trigger=D("110.00"))
    on_the_way = on_bar(mit, bar("109.50", "110.20", "109.40", "110.10"))
    assert price_of(on_the_way) == D("110.00") and on_the_way.fills[0].reason is FillReason.TOUCHED
    gap = on_bar(mit, bar("111.00", "111.20", "110.90", "111.10"), DEALER)
    assert price_of(gap) == D("111.00") and gap.fills[0].reason is FillReason.TOUCHED_GAP


def test_limit_if_touched_works_as_a_limit_after_the_touch() -> None:
    lit = order(Side.SELL, OrderType.LIMIT_IF_TOUCHED, trigger=D("110.00"), price=D("110.10"))
    result = on_bar(lit, bar("109.50", "110.20", "109.40", "110.15"))
    assert price_of(result) == D("110.10") and result.fills[0].reason is FillReason.LIMIT
    assert result.triggered and result.state.limit == D("110.10")


def test_a_stop_limit_rests_after_its_trigger_and_fills_later_in_the_bar() -> None:
    sl = order(Side.BUY, OrderType.STOP_LIMIT, trigger=D("100.00"), price=D("99.80"))
    # path O 99.50 -> L 99.40 -> H 100.20 (trigger at 100.00) -> C 99.70 (limit at 99.80)
    result = on_bar(sl, bar("99.50", "100.20", "99.40", "99.70"), instrument=STOCK)
    (fill,) = result.fills
    assert fill.price == D("99.80") and fill.reason is FillReason.LIMIT
    assert fill.point == PathPoint(3, D("0.40"), D("99.80"))


def test_a_triggered_stop_limit_that_did_not_fill_keeps_its_limit_to_the_next_bar() -> None:
    sl = order(Side.BUY, OrderType.STOP_LIMIT, trigger=D("100.00"), price=D("99.80"))
    first = on_bar(sl, bar("99.50", "100.20", "99.40", "100.10"), instrument=STOCK)
    assert first.fills == () and first.triggered and first.state.limit == D("99.80")
    second = on_bar(
        sl, bar("99.90", "100.00", "99.60", "99.70"), state=first.state, instrument=STOCK
    )
    assert price_of(second) == D("99.80") and not second.triggered


# --- SEMANTICS section 3: trailing_stop_limit, trigger 150.00 and spread 0.50 -> 149.50 --------

TSL = order(
    Side.SELL,
    OrderType.TRAILING_STOP_LIMIT,
    qty=D(100),
    trail=Trail.amount(D("1.00")),
    limit_offset=D("0.50"),
)
AT_PEAK_151 = track(TSL, initial_state(TSL), D("151.00"), STOCK)  # stop 150.00


def test_trailing_stop_limit_reached_on_the_way() -> None:
    falling = bar("150.80", "150.90", "149.00", "149.20")
    exchange = on_bar(TSL, falling, EXCHANGE, AT_PEAK_151, STOCK)
    assert exchange.state.limit == D("149.50")
    assert price_of(exchange) == D("150.00")  # the limit starts working with the Bid at 150.00
    assert price_of(on_bar(TSL, falling, DEALER, AT_PEAK_151, STOCK)) == D("149.50")


def test_trailing_stop_limit_on_ticks() -> None:
    assert price_of(on_tick(TSL, tick("149.80", "149.82"), EXCHANGE, AT_PEAK_151, STOCK)) == (
        D("149.80")
    )
    assert price_of(on_tick(TSL, tick("149.80", "149.82"), DEALER, AT_PEAK_151, STOCK)) == (
        D("149.50")
    )
    # Gapped below its limit: triggered, rests as a limit at 149.50.
    below = on_tick(TSL, tick("149.40", "149.42"), EXCHANGE, AT_PEAK_151, STOCK)
    assert below.fills == () and below.triggered and below.state.limit == D("149.50")
    assert on_tick(TSL, tick("149.45", "149.47"), EXCHANGE, below.state, STOCK).fills == ()
    back = on_tick(TSL, tick("149.60", "149.62"), EXCHANGE, below.state, STOCK)
    assert price_of(back) == D("149.60") and not back.triggered


def test_a_trailing_stop_follows_the_bar_path_and_fires_at_its_stop() -> None:
    ts = order(Side.SELL, OrderType.TRAILING_STOP, trail=Trail.amount(D("1.00")))
    # O 100.50 -> L 100.40 -> H 102.00 (stop 101.00) -> C 101.00
    result = on_bar(ts, bar("100.50", "102.00", "100.40", "101.00"), instrument=STOCK)
    (fill,) = result.fills
    assert fill.price == D("101.00") and fill.reason is FillReason.TRAILING_STOP
    assert result.state.extreme == D("102.00")


def test_a_trailing_stop_carries_its_peak_to_the_next_bar_and_gaps() -> None:
    ts = order(Side.SELL, OrderType.TRAILING_STOP, trail=Trail.ratio(D("0.4")))
    first = on_bar(ts, bar("100.00", "101.37", "99.90", "101.20"), instrument=STOCK)
    assert first.fills == () and first.state.stop == D("100.96")
    gap = on_bar(
        ts, bar("100.50", "100.70", "100.10", "100.20"), state=first.state, instrument=STOCK
    )
    assert price_of(gap) == D("100.50") and gap.fills[0].reason is FillReason.TRAILING_STOP_GAP


def test_a_trailing_stop_with_activation_does_nothing_before_it() -> None:
    ts = order(
        Side.SELL,
        OrderType.TRAILING_STOP,
        trail=Trail.amount(D("0.50")),
        activation=D("105.00"),
    )
    quiet = on_bar(ts, bar("100.00", "104.90", "98.00", "99.00"), instrument=STOCK)
    assert quiet.fills == () and quiet.state.stop is None
    # O 104.00 -> L 103.90 -> H 105.60 (activates, stop 105.10) -> C 104.80
    b = bar("104.00", "105.60", "103.90", "104.80")
    fired = on_bar(ts, b, state=quiet.state, instrument=STOCK)
    assert price_of(fired) == D("105.10")


# --- fees, slippage, partial fills ------------------------------------------------------------

FEES = FeeSchedule(per_unit=D("0.001"), per_notional=D("0.0001"), per_order=D(50))


def test_fees_per_unit_notional_and_order() -> None:
    config = FillConfig(fees=FEES)
    first = on_tick(TP_SELL, tick("110.00", "110.01"), config).fills[0]
    # 10000 × 0.001 + 110.00 × 10000 × 0.0001 + 50 = 10 + 110 + 50
    assert first.fee == D(170) and first.notional == D(1100000)
    later = on_tick(TP_SELL, tick("110.00", "110.01"), config, filled_qty=D(4000)).fills[0]
    assert later.qty == D(6000) and later.fee == D("6") + D("66")


def test_slippage_moves_market_type_fills_against_the_trader_only() -> None:
    slip = FillConfig(slippage_ticks=2)
    assert price_of(on_tick(SL_SELL, tick("107.50", "107.51"), slip)) == D("107.498")
    assert price_of(on_bar(SL_BUY, bar("110.90", "111.05", "110.80", "111.00"), slip)) == (
        D("111.012")
    )
    assert price_of(on_tick(order(Side.BUY, OrderType.MARKET), tick("1", "1.001"), slip)) == (
        D("1.003")
    )
    # a limit never fills beyond its price
    assert price_of(on_tick(TP_SELL, tick("110.00", "110.01"), slip)) == D("110.00")
    assert price_of(
        on_tick(TP_SELL, tick("111.00", "111.01"), FillConfig(FillProfile.DEALER, slippage_ticks=5))
    ) == D("110.00")


def test_slippage_steps_across_the_one_dollar_tick_boundary() -> None:
    slip1 = FillConfig(slippage_ticks=1)
    sell = order(Side.SELL, OrderType.MARKET, qty=D(100))
    buy = order(Side.BUY, OrderType.MARKET, qty=D(100))
    assert price_of(on_tick(sell, tick("1.00", "1.01"), slip1, instrument=STOCK)) == D("0.9999")
    slip2 = FillConfig(slippage_ticks=2)
    assert price_of(on_tick(buy, tick("0.9998", "0.9999"), slip2, instrument=STOCK)) == D("1.01")


def test_quote_sizes_give_partial_fills_and_the_rest_trades_at_the_next_tick() -> None:
    config = FillConfig(fees=FeeSchedule(per_order=D(50)))
    first = on_tick(SL_SELL, tick("107.50", "107.51", bid_size=D(4000)), config)
    (part,) = first.fills
    assert part.qty == D(4000) and part.price == D("107.50") and part.fee == D(50)
    assert first.filled_qty == D(4000)
    rest = on_tick(SL_SELL, tick("107.40", "107.41"), config, first.state, filled_qty=D(4000))
    (fill,) = rest.fills
    assert fill.qty == D(6000) and fill.price == D("107.40") and fill.reason is FillReason.MARKET
    assert fill.fee == D(0) and not rest.triggered
    empty = on_tick(TP_SELL, tick("110.00", "110.01", bid_size=D(0)))
    assert empty.fills == ()


# --- validation -------------------------------------------------------------------------------


def test_bad_market_data_and_overfills_are_refused() -> None:
    with pytest.raises(ValueError, match=r"within low\.\.high"):
        bar("109", "108", "107", "108.5")
    with pytest.raises(ValueError, match="spread"):
        bar("109", "110", "108", "109", spread="-0.01")
    with pytest.raises(ValueError, match="ask 108 is below bid 109"):
        tick("109", "108")
    with pytest.raises(TypeError, match="Decimals"):
        Tick(T0, 109.0, D(109))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="already filled"):
        on_tick(TP_SELL, tick("110", "110"), filled_qty=D(10000))
    with pytest.raises(ValueError, match="slippage"):
        FillConfig(slippage_ticks=-1)


def test_a_limit_order_works_at_its_own_price_whatever_state_it_is_given() -> None:
    stale = TriggerState(triggered=True)  # e.g. kept from before an amendment
    assert price_of(on_tick(TP_SELL, tick("110.00", "110.01"), state=stale)) == D("110.00")
    assert on_tick(TP_SELL, tick("109.99", "110.00"), state=stale).fills == ()
