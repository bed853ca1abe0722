"""The paper broker as a broker port: what it reports, when, and what it refuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeplan.backtest.data import MarketData, parse_market_data
from tradeplan.brokers.paper.broker import PaperAccount, PaperBroker
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.brokers.paper.moments import Moment
from tradeplan.brokers.paper.sessions import SessionCalendar
from tradeplan.core.calendar import UsSession
from tradeplan.core.enums import AssetClass, OrderType, Session, Side, TimeInForce
from tradeplan.core.instrument import default_instrument
from tradeplan.orders.model import Order, OrderEvent, Trail
from tradeplan.ports.broker import OrderUpdate, PriceTouch

USDJPY = default_instrument("USD/JPY")
T0 = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)


@dataclass
class Listener:
    updates: list[OrderUpdate] = field(default_factory=list)
    touches: list[PriceTouch] = field(default_factory=list)

    def on_order_update(self, update: OrderUpdate) -> None:
        self.updates.append(update)

    def on_price_touch(self, touch: PriceTouch) -> None:
        self.touches.append(touch)

    def kinds(self) -> list[tuple[str, str]]:
        return [(u.order.id, u.kind.value) for u in self.updates]


def data(rows: list[tuple[str, str, str, str]], spread: str = "0.01") -> MarketData:
    lines = ["time,open,high,low,close"] + [
        f"{(T0 + timedelta(minutes=i)).isoformat()},{','.join(r)}" for i, r in enumerate(rows)
    ]
    return parse_market_data("\n".join(lines), default_spread=spread)


def broker(
    rows: list[tuple[str, str, str, str]], account: PaperAccount | None = None
) -> tuple[PaperBroker, Listener]:
    venue = PaperBroker(data(rows), USDJPY, FillConfig(), account=account)
    listener = Listener()
    venue.connect(listener)
    return venue, listener


FLAT = ("110.00", "110.10", "109.90", "110.00")


def test_an_order_is_accepted_then_filled_with_price_quantity_and_time() -> None:
    venue, listener = broker([FLAT, ("110.00", "110.50", "109.50", "110.20")])
    venue.submit(Order("a", Side.BUY, OrderType.LIMIT, D(1000), price=D("109.80")))
    assert listener.kinds() == [("a", "accepted")]
    venue.process_row(0)  # the Ask stays above 109.80
    venue.process_row(1)
    fill = listener.updates[-1]
    assert (fill.kind, fill.fill_price, fill.fill_qty) == (OrderEvent.FILLED, D("109.80"), D(1000))
    assert fill.time == T0 + timedelta(minutes=1)
    assert venue.moment_of(fill.seq).row == 1  # the venue knows where: the update names no row


def test_orders_submitted_between_rows_work_from_the_next_row() -> None:
    venue, listener = broker([FLAT, FLAT, FLAT])
    venue.process_row(0)
    venue.submit(Order("m", Side.BUY, OrderType.MARKET, D(1000)))
    venue.process_row(1)
    fill = listener.updates[-1]
    assert (fill.fill_price, fill.time) == (D("110.01"), T0 + timedelta(minutes=1))


def test_insufficient_margin_is_rejected_once_and_never_resent() -> None:
    account = PaperAccount("JPY", D(10_000), D(25))
    venue, listener = broker([FLAT, ("105.00", "115.00", "105.00", "110.00")], account)
    venue.submit(Order("big", Side.BUY, OrderType.LIMIT, D(10_000), price=D("109.00")))
    venue.process_row(0)
    venue.process_row(1)
    assert listener.kinds() == [("big", "rejected")]
    assert listener.updates[0].reason.startswith("insufficient margin")
    assert venue.next_activity(0, 2) == 2  # nothing is working


def test_reduce_only_orders_need_no_margin() -> None:
    account = PaperAccount("JPY", D(10_000), D(25))
    venue, listener = broker([FLAT, FLAT], account)
    venue.submit(
        Order("tp", Side.SELL, OrderType.LIMIT, D(10_000), price=D("111"), reduce_only=True)
    )
    assert listener.kinds() == [("tp", "accepted")]


def test_cancel_reports_once_and_ignores_unknown_orders() -> None:
    venue, listener = broker([FLAT, FLAT])
    venue.submit(Order("a", Side.BUY, OrderType.LIMIT, D(1000), price=D("100")))
    venue.cancel("a")
    venue.cancel("a")
    venue.cancel("nope")
    assert listener.kinds() == [("a", "accepted"), ("a", "cancelled")]


def test_amend_moves_a_stop_from_that_moment() -> None:
    venue, listener = broker([FLAT, ("110.00", "110.10", "109.40", "109.50")])
    venue.submit(Order("s", Side.SELL, OrderType.STOP, D(1000), trigger=D("109.00")))
    venue.process_row(0)
    venue.amend("s", trigger=D("109.60"))
    venue.process_row(1)
    assert listener.kinds()[-2:] == [("s", "amended"), ("s", "filled")]
    assert listener.updates[-1].fill_price == D("109.60")


def test_a_watch_reports_the_touch_on_the_closing_side() -> None:
    venue, listener = broker([FLAT, ("110.00", "110.25", "109.90", "110.10")])
    venue.watch("w", Side.SELL, D("110.20"))
    venue.process_row(0)
    assert listener.touches == []
    venue.process_row(1)
    (touch,) = listener.touches
    assert (touch.watch_id, touch.price) == ("w", D("110.20"))
    assert listener.updates == []  # a watch is not an order


def test_one_cancels_other_inside_a_row_stops_the_later_fill() -> None:
    class Oco(Listener):
        def on_order_update(self, update: OrderUpdate) -> None:
            super().on_order_update(update)
            if update.kind is OrderEvent.FILLED:
                venue.cancel("sl" if update.order.id == "tp" else "tp")

    venue = PaperBroker(data([FLAT, ("110.00", "110.60", "109.40", "109.50")]), USDJPY)
    listener = Oco()
    venue.connect(listener)
    venue.submit(Order("tp", Side.SELL, OrderType.LIMIT, D(1000), price=D("110.50")))
    venue.submit(Order("sl", Side.SELL, OrderType.STOP, D(1000), trigger=D("109.50")))
    venue.process_row(0)
    venue.process_row(1)  # nearest extreme first: high 110.60 (0.60) before low 109.40 (0.60,
    # tie -> farther from the close 109.50 is the high)
    assert listener.kinds()[-2:] == [("tp", "filled"), ("sl", "cancelled")]


def test_day_orders_expire_at_the_session_end_gtc_orders_do_not() -> None:
    rows = [FLAT] * 3
    lines = ["time,open,high,low,close"]
    for i, minute in enumerate((58, 59)):
        lines.append(f"2025-01-06T21:{minute}:00+00:00,{','.join(rows[i])}")
    lines.append("2025-01-06T22:00:00+00:00,110.00,110.10,109.90,110.00")
    venue = PaperBroker(parse_market_data("\n".join(lines)), USDJPY)
    listener = Listener()
    venue.connect(listener)
    venue.submit(
        Order("d", Side.BUY, OrderType.LIMIT, D(1), price=D("100"), time_in_force=TimeInForce.DAY)
    )
    venue.submit(Order("g", Side.BUY, OrderType.LIMIT, D(1), price=D("100")))
    assert venue.next_activity(0, 3) == 2  # the expiry row is an event
    for row in range(3):
        venue.process_row(row)
    assert listener.kinds()[-1] == ("d", "expired")
    assert listener.updates[-1].time == datetime(2025, 1, 6, 22, 0, tzinfo=UTC)


def test_account_snapshot_follows_fills() -> None:
    venue, _ = broker([FLAT, ("110.00", "110.60", "109.90", "110.50")])
    venue.submit(Order("b", Side.BUY, OrderType.MARKET, D(1000)))
    venue.process_row(0)  # bought at 110.01
    venue.submit(Order("s", Side.SELL, OrderType.LIMIT, D(1000), price=D("110.51")))
    venue.process_row(1)
    snapshot = venue.account()
    assert snapshot.balance == D(100_000) + D("500")
    assert snapshot.equity == snapshot.balance


def test_settle_at_close_fills_a_market_order_at_the_last_close() -> None:
    venue, listener = broker([FLAT, ("110.00", "110.60", "109.90", "110.50")])
    venue.process_row(0)
    venue.process_row(1)
    venue.settle_at_close(Order("x", Side.SELL, OrderType.MARKET, D(1000)), 1)
    fill = listener.updates[-1]
    assert (fill.fill_price, venue.moment_of(fill.seq)) == (D("110.50"), Moment.close_of(1))


def test_excursion_between_two_moments() -> None:
    rows = [
        ("110.00", "110.30", "109.80", "110.20"),  # nearest first: low 109.80 then high 110.30
        ("110.20", "111.00", "109.00", "110.00"),
        ("110.00", "110.40", "109.60", "110.10"),
    ]
    venue, _ = broker(rows)
    # From the open of row 0 to the close of row 2: the whole range.
    assert venue.excursion_between(Side.SELL, Moment(0), Moment.close_of(2)) == (
        D("109.00"),
        D("111.00"),
    )
    # Ask side: the spread (0.01) added.
    assert venue.excursion_between(Side.BUY, Moment(0), Moment.close_of(0)) == (
        D("109.81"),
        D("110.31"),
    )
    # Only the path after the low of row 0 (segment 2 starts at the low) up to row 0's close.
    assert venue.excursion_between(Side.SELL, Moment(0, 2, D("0.10")), Moment.close_of(0)) == (
        D("109.90"),
        D("110.30"),
    )


def test_session_calendar() -> None:
    stocks = SessionCalendar(AssetClass.US_STOCK)
    winter = int(datetime(2025, 1, 6, 15, 0, tzinfo=UTC).timestamp()) * 10**9  # 10:00 NY
    summer = int(datetime(2025, 7, 7, 15, 0, tzinfo=UTC).timestamp()) * 10**9  # 11:00 NY
    assert (
        stocks.day_end_ns(winter, Session.RTH)
        == int(datetime(2025, 1, 6, 21, tzinfo=UTC).timestamp()) * 10**9
    )
    assert (
        stocks.day_end_ns(summer, Session.RTH)
        == int(datetime(2025, 7, 7, 20, tzinfo=UTC).timestamp()) * 10**9
    )
    assert (
        stocks.day_end_ns(winter, Session.ALL)
        == int(datetime(2025, 1, 7, 1, tzinfo=UTC).timestamp()) * 10**9
    )
    codes = stocks.session_codes(np.array([winter, summer, winter + 7 * 3600 * 10**9]))
    assert codes is not None and codes.tolist() == [
        UsSession.REGULAR,
        UsSession.REGULAR,
        UsSession.POST,
    ]
    fx = SessionCalendar(AssetClass.FX)
    assert (
        fx.day_end_ns(winter, Session.RTH)
        == int(datetime(2025, 1, 6, 22, tzinfo=UTC).timestamp()) * 10**9
    )
    assert fx.session_codes(np.array([winter])) is None
    crypto = SessionCalendar(AssetClass.CRYPTO_PERP)
    assert (
        crypto.day_end_ns(winter, Session.RTH)
        == int(datetime(2025, 1, 7, tzinfo=UTC).timestamp()) * 10**9
    )
    assert stocks.gtc_end_ns(winter) == winter + 90 * 86_400 * 10**9
    assert fx.gtc_end_ns(winter) is None


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 5000),
    kind=st.sampled_from(["limit", "stop", "mit", "trail_amount", "trail_ratio", "trail_act"]),
    side=st.sampled_from([Side.BUY, Side.SELL]),
    offset=st.integers(-80, 80),
)
def test_next_activity_never_skips_a_row_where_something_happens(
    seed: int, kind: str, side: Side, offset: int
) -> None:
    rng = np.random.default_rng(seed)
    size = 120
    close = 110_000 + np.cumsum(rng.integers(-8, 9, size))
    rows = []
    for i in range(size):
        o = close[i - 1] if i else close[0]
        high = max(o, close[i]) + int(rng.integers(0, 10))
        low = min(o, close[i]) - int(rng.integers(0, 10))
        rows.append(tuple(f"{v / 1000:.3f}" for v in (o, high, low, close[i])))
    level = D(int(close[0]) + offset) / 1000
    fields: dict[str, object] = {}
    if kind == "limit":
        order_type, fields["price"] = OrderType.LIMIT, level
    elif kind == "stop":
        order_type, fields["trigger"] = OrderType.STOP, level
    elif kind == "mit":
        order_type, fields["trigger"] = OrderType.MARKET_IF_TOUCHED, level
    else:
        order_type = OrderType.TRAILING_STOP
        fields["trail"] = (
            Trail.ratio(D("0.03")) if kind == "trail_ratio" else Trail.amount(D("0.030"))
        )
        if kind == "trail_act":
            fields["activation"] = level
    order = Order("o", side, order_type, D(1), **fields)  # type: ignore[arg-type]

    stepping, seen = broker(rows)
    stepping.submit(order)
    first_event = size
    for row in range(size):
        before = len(seen.updates)
        stepping.process_row(row)
        if len(seen.updates) > before:
            first_event = row
            break

    jumping, _ = broker(rows)
    jumping.submit(order)
    assert jumping.next_activity(0, size) <= first_event


def test_fills_carry_the_market_at_that_moment() -> None:
    venue, listener = broker([FLAT, ("110.00", "110.50", "109.50", "110.20")])
    venue.submit(Order("s", Side.SELL, OrderType.STOP, D(1000), trigger=D("109.70")))
    venue.process_row(0)
    venue.process_row(1)
    fill = listener.updates[-1]
    assert (fill.fill_price, fill.bid, fill.ask) == (D("109.70"), D("109.70"), D("109.71"))


def test_fill_on_bar_walked_in_two_parts_equals_one_walk() -> None:
    """`end` (added for the engine) stops a walk at a point; walking on from there with `start`
    gives the same result as one walk, which is what lets several orders share one bar."""
    from tradeplan.brokers.paper.fills import Bar, PathPoint, fill_on_bar
    from tradeplan.orders.triggers import initial_state

    bar = Bar(T0, D("100.00"), D("101.00"), D("99.00"), D("99.50"), D("0.01"))
    order = Order("t", Side.SELL, OrderType.TRAILING_STOP, D(1), trail=Trail.amount(D("0.80")))
    config = FillConfig()
    whole = fill_on_bar(order, initial_state(order), bar, USDJPY, config)
    # High and low are equally far from the open; the high, farther from the close, comes
    # first: open 100.00 -> high 101.00 -> low 99.00 -> close 99.50.
    middle = PathPoint(2, D("0.50"), D("100.50"))  # on the way down from the high
    first = fill_on_bar(order, initial_state(order), bar, USDJPY, config, end=middle)
    assert first.fills == ()
    assert first.state.extreme == D("101.00")
    rest = fill_on_bar(order, first.state, bar, USDJPY, config, start=middle)
    assert rest.fills == whole.fills
    assert whole.fills[0].price == D("100.200")


def test_an_order_priced_beyond_99_percent_of_the_reference_is_refused_with_its_reason() -> None:
    # Seed 002: a limit or stop more than 99% of the reference price away is an error. A USD/JPY
    # level (110) on EUR/USD-like prices (1.08) is 100x away: refused, not left working.
    rows = [("1.0800", "1.0810", "1.0790", "1.0800")] * 2
    venue = PaperBroker(data(rows, spread="0.0001"), default_instrument("EUR/USD"), FillConfig())
    listener = Listener()
    venue.connect(listener)
    venue.submit(Order("far", Side.SELL, OrderType.STOP, D(1000), trigger=D("105.0")))
    venue.submit(Order("near", Side.SELL, OrderType.STOP, D(1000), trigger=D("1.0700")))
    venue.process_row(0)
    assert listener.kinds()[:2] == [("far", "rejected"), ("near", "accepted")]
    assert "105.0" in listener.updates[0].reason
    assert "99" in listener.updates[0].reason and "reference price" in listener.updates[0].reason


def test_a_stop_limit_life_is_reported_only_as_the_state_table_allows() -> None:
    # Triggered without reaching its limit, amended (its trigger state starts again), triggered
    # once more, then filled: every report is a move of the order state table.
    from tradeplan.orders.book import OrderBook

    rows = [
        FLAT,
        ("110.25", "110.30", "110.20", "110.25"),  # Ask 110.26 >= 110.20: triggered, > 110.15
        ("110.55", "110.60", "110.50", "110.55"),  # Ask 110.56: the amended trigger, > 110.45
        ("110.40", "110.45", "110.30", "110.35"),  # Ask back to 110.31: the limit fills
    ]
    venue, listener = broker(rows)
    order = Order(
        "sl", Side.BUY, OrderType.STOP_LIMIT, D(1000), trigger=D("110.20"), price=D("110.15")
    )
    book = OrderBook()
    book.place(order)
    venue.submit(order)
    venue.process_row(0)
    venue.process_row(1)
    venue.amend("sl", trigger=D("110.50"), price=D("110.45"))
    venue.process_row(2)
    venue.process_row(3)
    assert [kind for _, kind in listener.kinds()] == [
        "accepted", "triggered", "amended", "triggered", "filled",
    ]  # fmt: skip
    assert [book.apply(update) for update in listener.updates[:2]] == [None, None]
    # The amendment is a request and its reply at once on the paper venue.
    assert book.note("sl", OrderEvent.AMEND_REQUESTED) is None
    assert [book.apply(update) for update in listener.updates[2:]] == [None, None, None]
    assert book.is_final("sl") and book.filled("sl") == D(1000)
