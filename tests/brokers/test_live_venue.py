"""The paper venue in live mode: what it adds to the replay's paper broker, and what it keeps.

The conformance suite (tests/conformance) checks it as a broker; these tests check what is the
paper venue's own: the same fills as the replay, the order of fills and bars, the end of the
feed, the wall clock, and the details of its faults.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from time import monotonic

import pytest

from tradeplan.backtest.data import MarketData, parse_market_data
from tradeplan.brokers.paper.broker import PaperBroker
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.core.enums import OrderType, Side
from tradeplan.core.instrument import default_instrument
from tradeplan.orders.model import Order, OrderEvent, OrderStatus, Trail
from tradeplan.ports.broker import FillMark, OrderUpdate, PriceTouch
from tradeplan.ports.live import FeedState, LiveBar, OrderRejected

USDJPY = default_instrument("USD/JPY")
T0 = datetime(2025, 1, 6, tzinfo=UTC)
FLAT = ("150.000", "150.050", "149.950", "150.000")
WIDE = ("150.000", "152.000", "148.000", "150.000")


@dataclass
class Listener:
    events: list[object] = field(default_factory=list)
    states: list[FeedState] = field(default_factory=list)
    bar_seen: threading.Event = field(default_factory=threading.Event)

    def on_order_update(self, update: OrderUpdate) -> None:
        self.events.append(update)

    def on_price_touch(self, touch: PriceTouch) -> None:
        self.events.append(touch)

    def on_bar(self, bar: LiveBar) -> None:
        self.events.append(bar)
        self.bar_seen.set()

    def on_feed_state(self, state: FeedState, detail: str) -> None:
        self.states.append(state)

    @property
    def updates(self) -> list[OrderUpdate]:
        return [e for e in self.events if isinstance(e, OrderUpdate)]

    @property
    def bars(self) -> list[LiveBar]:
        return [e for e in self.events if isinstance(e, LiveBar)]


def data(
    rows: list[tuple[str, str, str, str]], step: timedelta = timedelta(minutes=1)
) -> MarketData:
    lines = ["time,open,high,low,close"] + [
        f"{(T0 + step * i).isoformat()},{','.join(r)}" for i, r in enumerate(rows)
    ]
    return parse_market_data("\n".join(lines), default_spread="0.010")


def venue(rows: list[tuple[str, str, str, str]]) -> tuple[LivePaperVenue, Listener]:
    live = LivePaperVenue(data(rows), USDJPY, FillConfig())
    listener = Listener()
    live.connect(listener)
    live.subscribe(listener)
    return live, listener


def limit(cid: str, price: str, side: Side = Side.BUY) -> Order:
    return Order(cid, side, OrderType.LIMIT, D(1000), price=D(price))


def test_the_fills_are_the_replay_brokers_exactly() -> None:
    rows = [FLAT, WIDE, FLAT, WIDE, FLAT]
    orders = [
        limit("a", "149.500"),
        Order("s", Side.SELL, OrderType.STOP, D(1000), trigger=D("149.000")),
        Order("t", Side.SELL, OrderType.TRAILING_STOP, D(500), trail=Trail.amount(D("0.5"))),
    ]
    replay = PaperBroker(data(rows), USDJPY, FillConfig())
    seen: list[OrderUpdate] = []

    class Sink:
        def on_order_update(self, update: OrderUpdate) -> None:
            seen.append(update)

        def on_price_touch(self, touch: PriceTouch) -> None:
            pass

    replay.connect(Sink())
    live, listener = venue(rows)
    for order in orders:
        replay.submit(order)
        live.submit(order)
    for row in range(len(rows)):
        replay.process_row(row)
        live.step()

    def plain(updates: list[OrderUpdate]) -> list[OrderUpdate]:
        """Without the numbers only the live venue gives: its report and trade ids."""
        return [replace(u, seq=0, trade_id="") for u in updates]

    assert plain(listener.updates) == plain(seen)
    assert any(u.kind is OrderEvent.FILLED for u in seen)


def test_fills_of_a_row_come_before_its_bar_and_the_bar_is_the_row() -> None:
    live, listener = venue([FLAT, WIDE])
    live.submit(limit("a", "149.500"))
    live.step()
    live.step()
    kinds = [
        type(e).__name__ if not isinstance(e, OrderUpdate) else e.kind.value
        for e in listener.events
    ]
    assert kinds == ["accepted", "LiveBar", "filled", "LiveBar"]
    bar = listener.bars[1]
    assert (bar.open_time, bar.close_time) == (T0 + timedelta(minutes=1), T0 + timedelta(minutes=2))
    assert (bar.open, bar.high, bar.low, bar.close, bar.spread) == (
        D("150.000"), D("152.000"), D("148.000"), D("150.000"), D("0.010"),
    )  # fmt: skip
    assert bar.symbol == "USD/JPY"


def test_the_feed_ends_once_and_the_venue_keeps_answering() -> None:
    live, listener = venue([FLAT, WIDE])
    live.submit(limit("a", "149.500"))
    live.submit(limit("b", "140.000"))
    assert listener.states == [FeedState.LIVE]
    assert live.step() and live.step()
    assert listener.states == [FeedState.LIVE, FeedState.ENDED]
    assert not live.step()
    assert listener.states == [FeedState.LIVE, FeedState.ENDED]
    assert live.ended and live.quote() is None
    assert [r.client_id for r in live.open_orders()] == ["b"]  # live semantics: nothing closed
    assert live.positions()[0].qty == D(1000)
    late = Listener()
    live.subscribe(late)
    assert late.states == [FeedState.ENDED]


def test_run_paces_rows_by_the_wall_clock_and_compresses_gaps() -> None:
    # 1-minute bars at speed 6000: 10 ms each; the day-long gap waits 10 bars (100 ms), not 14 s.
    rows = [FLAT] * 6
    frame = data(rows)
    times = frame.time_ns.copy()
    times[3:] += 86_400 * 10**9
    gapped = replace(frame, time_ns=times)
    live = LivePaperVenue(gapped, USDJPY, FillConfig(), interval_ns=60 * 10**9)
    listener = Listener()
    live.subscribe(listener)
    began = monotonic()
    live.run(speed=6000)
    elapsed = monotonic() - began
    assert len(listener.bars) == 6 and listener.states[-1] is FeedState.ENDED
    assert 0.15 <= elapsed < 2.0  # 6 bars + one compressed gap: about 0.16 s


def test_a_command_taken_while_the_clock_runs_works_from_the_next_row() -> None:
    live, listener = venue([FLAT] * 100)
    live.start(speed=60 * 200)  # 5 ms a bar
    try:
        assert listener.bar_seen.wait(5)
        with live.lock:  # the clock cannot process a row meanwhile
            delivered = len(listener.bars)
            live.submit(Order("m", Side.BUY, OrderType.MARKET, D(1000)))
    finally:
        live.wait_until_ended(10)
        live.stop()
    fill = next(u for u in listener.updates if u.kind is OrderEvent.FILLED)
    assert fill.time == T0 + timedelta(minutes=delivered)  # the row after the last bar seen
    assert listener.states[-1] is FeedState.ENDED


def test_stop_ends_the_clock_promptly() -> None:
    live, _ = venue([FLAT] * 1000)
    live.start(speed=60)  # one bar a second
    began = monotonic()
    live.stop()
    assert monotonic() - began < 1.0
    assert live.cursor < live.rows and not live.ended


def test_the_report_holds_status_fill_and_average_price() -> None:
    live, _ = venue([FLAT, WIDE])
    live.submit(limit("a", "149.500"))
    before = live.lookup("a")
    assert before is not None and before.status is OrderStatus.ACCEPTED and before.seq == 1
    live.step()
    live.step()
    report = live.lookup("a")
    assert report is not None
    assert (report.status, report.filled_qty, report.average_price) == (
        OrderStatus.FILLED, D(1000), D("149.500"),
    )  # fmt: skip
    assert report.venue_id == before.venue_id and report.seq == 2
    assert report.time == T0 + timedelta(minutes=1)
    fill = live.fills_since(None).fills[0]
    assert (fill.trade_id, fill.venue_order_id, fill.seq) == (
        f"{report.venue_id}-1", report.venue_id, 2,
    )  # fmt: skip


def test_commands_for_unknown_orders_raise_and_report_nothing() -> None:
    live, listener = venue([FLAT])
    with pytest.raises(OrderRejected):
        live.cancel("nope")
    with pytest.raises(OrderRejected):
        live.amend("nope", price=D("1"))
    assert listener.updates == []


def test_an_amendment_the_order_cannot_take_is_refused_and_changes_nothing() -> None:
    live, listener = venue([FLAT])
    live.submit(limit("a", "149.500"))
    with pytest.raises(OrderRejected):
        live.amend("a", trigger=D("149.000"))  # a limit order has no trigger
    report = live.lookup("a")
    assert report is not None and report.status is OrderStatus.ACCEPTED
    assert report.order.trigger is None
    live.amend("a", price=D("149.400"))  # and it still takes a good one
    assert [u.kind for u in listener.updates] == [OrderEvent.ACCEPTED, OrderEvent.AMENDED]


def test_a_fills_cursor_the_venue_never_gave_is_an_error() -> None:
    live, _ = venue([FLAT])
    with pytest.raises(ValueError, match="cursor"):
        live.fills_since("abc")


def test_a_held_back_update_is_released_before_the_rows_bar() -> None:
    live, listener = venue([FLAT, FLAT])
    live.faults.reorder_updates = True
    live.submit(limit("a", "149.500"))
    assert listener.updates == []  # held back
    live.step()
    assert [type(e).__name__ for e in listener.events] == ["OrderUpdate", "LiveBar"]


def test_a_silent_disconnect_says_nothing_until_the_reconnect() -> None:
    live, listener = venue([FLAT, WIDE])
    live.submit(limit("a", "149.500"))
    live.disconnect(silent=True)
    live.step()
    live.step()
    assert listener.states == [FeedState.LIVE]
    assert len(listener.updates) == 1 and listener.bars == []
    live.reconnect()
    assert listener.states == [FeedState.LIVE, FeedState.RECONNECTING, FeedState.ENDED]


def test_watches_are_touched_as_in_the_replay() -> None:
    live, listener = venue([FLAT, WIDE])
    live.watch("w", Side.SELL, D("151"))
    live.step()
    live.step()
    touches = [e for e in listener.events if isinstance(e, PriceTouch)]
    assert [t.watch_id for t in touches] == ["w"] and touches[0].price == D("151")


def test_excursions_between_fills_are_the_replay_brokers() -> None:
    rows = [FLAT, WIDE, FLAT, WIDE]
    replay = PaperBroker(data(rows), USDJPY, FillConfig())
    replayed: list[OrderUpdate] = []

    class Sink:
        def on_order_update(self, update: OrderUpdate) -> None:
            replayed.append(update)

        def on_price_touch(self, touch: PriceTouch) -> None:
            pass

    replay.connect(Sink())
    live, listener = venue(rows)
    live.faults.reject_next_submit("injected")  # a report the replay never makes: seqs differ
    live.submit(limit("r", "149.000"))
    for broker in (replay, live):
        broker.submit(Order("m", Side.BUY, OrderType.MARKET, D(1000)))
        broker.submit(limit("x", "151.500", Side.SELL))
    for row in range(len(rows)):
        replay.process_row(row)
        live.step()
    ours = [u for u in listener.updates if u.fill_qty is not None]
    theirs = [u for u in replayed if u.fill_qty is not None]
    assert [u.seq for u in ours] != [u.seq for u in theirs]
    start, end = (FillMark(0, u.seq) for u in ours)
    expected = replay.excursion(Side.SELL, *(FillMark(0, u.seq) for u in theirs))
    assert live.excursion(Side.SELL, start, end) == expected


def test_a_watch_cannot_take_an_orders_client_id() -> None:
    live, _ = venue([FLAT])
    live.submit(limit("a", "149.500"))
    with pytest.raises(OrderRejected):
        live.watch("a", Side.SELL, D("151"))


def test_a_disconnect_says_reconnecting_once_then_live() -> None:
    live, listener = venue([FLAT, FLAT])
    live.disconnect()
    live.step()
    live.reconnect()
    assert listener.states == [FeedState.LIVE, FeedState.RECONNECTING, FeedState.LIVE]
