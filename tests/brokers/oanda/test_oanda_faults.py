"""What OANDA does to a bot besides the conformance suite's faults, through the real SDK.

A bad token, a 503 after the order was created, a reply lost after the order was placed, the
price stream going quiet (no heartbeats), a trade closed by hand, a margin closeout, a duplicate
client id, and orders OANDA would refuse for their form (never sent).
"""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from fake_oanda import FakeOanda
from oanda_support import FLAT, USD_JPY, WIDE, Connect, step, wait_for

from tradeplan.brokers.oanda import open_live
from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order, OrderEvent, OrderStatus
from tradeplan.ports.adapters import AdapterConfigError, AdapterRequest
from tradeplan.ports.live import FeedState, OrderRejected, OutcomeUnknown

E = OrderEvent


class Listener:
    def __init__(self) -> None:
        self.updates: list[object] = []
        self.touches: list[object] = []
        self.bars: list[object] = []
        self.states: list[FeedState] = []

    def on_order_update(self, update: object) -> None:
        self.updates.append(update)

    def on_price_touch(self, touch: object) -> None:
        self.touches.append(touch)

    def on_bar(self, bar: object) -> None:
        self.bars.append(bar)

    def on_feed_state(self, state: FeedState, detail: str) -> None:
        self.states.append(state)

    def kinds(self, client_id: str) -> list[OrderEvent]:
        seen = {u.seq: u for u in self.updates if u.order.id == client_id}  # type: ignore[attr-defined]
        return [u.kind for _, u in sorted(seen.items())]


def attach(broker: object) -> Listener:
    listener = Listener()
    broker.connect(listener)  # type: ignore[attr-defined]
    broker.subscribe(listener)  # type: ignore[attr-defined]
    return listener


def limit(cid: str, price: str = "149.500", qty: int = 1000) -> Order:
    return Order(cid, Side.BUY, OrderType.LIMIT, D(qty), price=D(price))


def market(cid: str, qty: int = 1000, side: Side = Side.BUY) -> Order:
    return Order(cid, side, OrderType.MARKET, D(qty))


def test_a_bad_token_is_a_setting_error_that_names_the_variable() -> None:
    fake = FakeOanda()
    fake.start()
    try:
        env = fake.environ(OANDA_TOKEN="not-the-right-token-0123456789abcdef")
        with pytest.raises(AdapterConfigError) as raised:
            open_live(AdapterRequest(USD_JPY, 60, env, connect_timeout=1.0))
        assert "OANDA_TOKEN" in str(raised.value) and "401" in str(raised.value)
        assert "not-the-right-token" not in str(raised.value)
    finally:
        fake.close()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"OANDA_TOKEN": ""}, "OANDA_TOKEN"),
        ({"OANDA_ACCOUNT_ID": ""}, "OANDA_ACCOUNT_ID"),
        ({"OANDA_ACCOUNT_ID": "my-account"}, "OANDA_ACCOUNT_ID"),
        ({"OANDA_ENV": "demo"}, "OANDA_ENV"),
        ({"OANDA_API_URL": "localhost:1234"}, "OANDA_API_URL"),
    ],
)
def test_missing_or_malformed_settings_say_what_to_set(change: dict[str, str], named: str) -> None:
    env = {
        "OANDA_TOKEN": "secret-token-value-42",
        "OANDA_ACCOUNT_ID": "101-001-1234567-001",
        **change,
    }
    with pytest.raises(AdapterConfigError) as raised:
        open_live(AdapterRequest(USD_JPY, 60, env, connect_timeout=0.5))
    assert named in str(raised.value)
    assert "secret-token-value-42" not in str(raised.value)


def test_an_account_the_token_does_not_know_is_a_setting_error(oanda: Connect) -> None:
    fake, _ = oanda()
    env = fake.environ(OANDA_ACCOUNT_ID="101-001-7654321-001")
    with pytest.raises(AdapterConfigError, match="OANDA_ACCOUNT_ID"):
        open_live(AdapterRequest(USD_JPY, 60, env, connect_timeout=1.0))


def test_a_bar_interval_oanda_has_no_candles_for_is_refused(oanda: Connect) -> None:
    fake, _ = oanda()
    with pytest.raises(AdapterConfigError, match="no 7-second bars"):
        open_live(AdapterRequest(USD_JPY, 7, fake.environ(), connect_timeout=1.0))


def test_a_503_after_the_order_was_created_is_unknown_and_lookup_finds_it(
    oanda: Connect,
) -> None:
    fake, broker = oanda()
    listener = attach(broker)
    fake.faults.fail_after_create = 503
    with pytest.raises(OutcomeUnknown, match="503"):
        broker.submit(limit("u1"))
    report = broker.lookup("u1")
    assert report is not None and report.status is OrderStatus.ACCEPTED
    wait_for(lambda: listener.kinds("u1") == [E.ACCEPTED])  # the stream still says so
    step(fake, broker, 2)
    assert listener.kinds("u1") == [E.ACCEPTED, E.FILLED]


def test_a_reply_lost_after_placement_times_out_as_unknown(oanda: Connect) -> None:
    fake, broker = oanda(timeout=0.3)
    attach(broker)
    fake.faults.timeout_submit = True
    fake.faults.timeout_delay = 0.5  # longer than the client waits
    with pytest.raises(OutcomeUnknown) as raised:
        broker.submit(limit("u2"))
    assert raised.value.client_id == "u2"
    posts = [r for r in fake.requests if r[0] == "POST"]
    assert len(posts) == 1  # never re-sent by the adapter
    report = broker.lookup("u2")
    assert report is not None and report.status is OrderStatus.ACCEPTED


def test_a_request_lost_before_placement_is_proved_absent(oanda: Connect) -> None:
    fake, broker = oanda(timeout=0.3)
    attach(broker)
    fake.faults.timeout_submit = False
    fake.faults.timeout_delay = 0.5
    with pytest.raises(OutcomeUnknown):
        broker.submit(limit("u3"))
    assert broker.lookup("u3") is None
    broker.submit(limit("u3"))  # proved absent: the same client id may go again
    assert broker.lookup("u3") is not None


def test_silent_price_stream_goes_stale_then_live(oanda: Connect) -> None:
    fake, broker = oanda(stale_after=0.2)
    listener = attach(broker)
    assert listener.states[-1] is FeedState.LIVE
    fake.stop_heartbeats()
    wait_for(lambda: FeedState.STALE in listener.states)
    fake.resume_heartbeats()
    wait_for(lambda: listener.states[-1] is FeedState.LIVE)
    step(fake, broker, 1)
    assert len(listener.bars) == 1


def test_a_trade_closed_by_hand_shows_in_fills_and_positions_only(oanda: Connect) -> None:
    fake, broker = oanda()
    listener = attach(broker)
    broker.submit(market("h1"))
    step(fake, broker, 1)
    batch = broker.fills_since(None)
    assert [f.client_id for f in batch.fills] == ["h1"]
    assert [p.qty for p in broker.positions()] == [D(1000)]
    seen = len(listener.updates)
    fake.close_trade_by_hand(batch.fills[0].trade_id)
    wait_for(lambda: broker.transaction_clock >= fake.last_written)
    later = broker.fills_since(batch.cursor).fills
    assert [(f.client_id, f.side, f.qty) for f in later] == [("", Side.SELL, D(1000))]
    assert broker.positions() == ()
    assert len(listener.updates) == seen  # no order of ours changed
    report = broker.lookup("h1")
    assert report is not None and report.status is OrderStatus.FILLED


def test_a_margin_closeout_closes_every_trade(oanda: Connect) -> None:
    fake, broker = oanda()
    attach(broker)
    broker.submit(market("c1"))
    broker.submit(market("c2", 2000))
    step(fake, broker, 1)
    cursor = broker.fills_since(None).cursor
    fake.margin_closeout()
    closing = broker.fills_since(cursor).fills
    assert sorted(f.qty for f in closing) == [D(1000), D(2000)]
    assert all(f.client_id == "" and f.side is Side.SELL for f in closing)
    assert broker.positions() == ()


def test_a_duplicate_client_id_is_refused_with_oanda_reason(oanda: Connect) -> None:
    fake, broker = oanda()
    listener = attach(broker)
    broker.submit(limit("d1"))
    with pytest.raises(OrderRejected, match="CLIENT_ORDER_ID_ALREADY_EXISTS"):
        broker.submit(limit("d1", "149.000"))
    step(fake, broker, 2)
    assert listener.kinds("d1") == [E.ACCEPTED, E.FILLED]


@pytest.mark.parametrize(
    ("order", "says"),
    [
        (limit("p1", "149.5005"), "more than 3 decimals"),
        (Order("p2", Side.BUY, OrderType.MARKET, D("10.5")), "not a multiple of 1"),
        (
            Order("p3", Side.BUY, OrderType.STOP_LIMIT, D(1), trigger=D(150), price=D(151)),
            "no native",
        ),
    ],
)
def test_orders_oanda_would_refuse_for_their_form_are_never_sent(
    oanda: Connect, order: Order, says: str
) -> None:
    fake, broker = oanda()
    attach(broker)
    with pytest.raises(OrderRejected, match=says):
        broker.submit(order)
    assert [r for r in fake.requests if r[0] == "POST"] == []


def test_the_wire_carries_exact_decimal_strings_and_the_client_id(oanda: Connect) -> None:
    fake, broker = oanda()
    attach(broker)
    broker.submit(Order("w1", Side.SELL, OrderType.STOP, D(2500), trigger=D("149.25")))
    broker.submit(
        Order("w2", Side.SELL, OrderType.LIMIT, D(1000), price=D("151.125"), reduce_only=True)
    )
    bodies = [json.loads(r[3])["order"] for r in fake.requests if r[0] == "POST"]
    assert bodies[0] == {
        "type": "STOP",
        "instrument": "USD_JPY",
        "units": "-2500",
        "price": "149.250",  # to displayPrecision, exactly
        "timeInForce": "GTC",
        "positionFill": "DEFAULT",
        "clientExtensions": {"id": "w1", "tag": "tradeplan"},
    }
    assert bodies[1]["price"] == "151.125" and bodies[1]["positionFill"] == "REDUCE_ONLY"


def test_an_amendment_is_a_replacement_with_a_new_order_id(oanda: Connect) -> None:
    fake, broker = oanda()
    listener = attach(broker)
    broker.submit(limit("a1"))
    before = broker.lookup("a1")
    broker.amend("a1", price=D("149.400"))
    after = broker.lookup("a1")
    assert before is not None and after is not None
    assert after.venue_id != before.venue_id  # OANDA's replacement order
    assert after.order.price == D("149.400") and after.client_id == "a1"
    assert listener.kinds("a1") == [E.ACCEPTED, E.AMENDED]
    assert [r.venue_id for r in broker.open_orders()] == [after.venue_id]
    old = fake.book.orders[before.venue_id]
    assert old.state == "CANCELLED" and old.replaced_by == after.venue_id


def test_stream_bars_and_candle_history_agree(oanda: Connect) -> None:
    fake, broker = oanda((FLAT, WIDE, FLAT))
    listener = attach(broker)
    step(fake, broker, 3)
    bars = listener.bars
    assert [(b.open, b.high, b.low, b.close, b.spread) for b in bars] == [  # type: ignore[attr-defined]
        (D(o), D(h), D(lo), D(c), D("0.010")) for o, h, lo, c in (FLAT, WIDE, FLAT)
    ]
    history = broker.history(2)
    assert [(b.open_time, b.close, b.spread) for b in history] == [
        (b.open_time, b.close, b.spread)
        for b in bars[1:]  # type: ignore[attr-defined]
    ]


def test_a_watch_is_emulated_from_the_price_stream_once(oanda: Connect) -> None:
    fake, broker = oanda((FLAT, WIDE, WIDE))
    listener = attach(broker)
    broker.watch("be", Side.SELL, D("151.000"))
    step(fake, broker, 3)
    assert [t.watch_id for t in listener.touches] == ["be"]  # type: ignore[attr-defined]
    assert listener.touches[0].price >= D("151.000")  # type: ignore[attr-defined]


def test_account_and_quote(oanda: Connect) -> None:
    fake, broker = oanda()
    attach(broker)
    step(fake, broker, 1)
    snapshot = broker.account()
    assert snapshot.currency == "JPY" and snapshot.balance == D(100_000_000)
    assert snapshot.margin_available == D(100_000_000)
    quote = broker.quote()
    assert quote is not None and quote.ask - quote.bid == D("0.010")


def test_a_market_order_oanda_creates_and_cancels_at_once_is_one_rejected(
    oanda: Connect,
) -> None:
    """OANDA's FOK refusal (created, then cancelled for INSUFFICIENT_MARGIN in the same batch)
    is a refusal: one REJECTED with OANDA's reason, never ACCEPTED then CANCELLED."""
    fake, broker = oanda()
    listener = attach(broker)
    fake.faults.refuse_market = "INSUFFICIENT_MARGIN"
    broker.submit(market("f1"))
    step(fake, broker, 1)
    updates = [u for u in listener.updates if u.order.id == "f1"]  # type: ignore[attr-defined]
    assert [(u.kind, u.reason) for u in updates] == [(E.REJECTED, "INSUFFICIENT_MARGIN")]
    report = broker.lookup("f1")
    assert report is not None and report.status is OrderStatus.REJECTED
    broker.submit(market("f2"))  # the next one fills as usual
    step(fake, broker, 1)
    assert listener.kinds("f2") == [E.ACCEPTED, E.FILLED]


def test_a_market_order_filled_in_its_own_batch_is_accepted_then_filled(
    oanda: Connect,
) -> None:
    """OANDA fills a market order in the OrderCreate answer itself (one batch): ACCEPTED then
    FILLED, both before submit returns, each once."""
    fake, broker = oanda()
    listener = attach(broker)
    step(fake, broker, 1)
    fake.faults.fill_market_now = True
    broker.submit(market("n1", side=Side.SELL))
    updates = [u for u in listener.updates if u.order.id == "n1"]  # type: ignore[attr-defined]
    assert [u.kind for u in updates] == [E.ACCEPTED, E.FILLED]
    assert updates[1].fill_price == D("150.000") and updates[1].bid == D("150.000")  # type: ignore[attr-defined]
    report = broker.lookup("n1")
    assert report is not None and report.status is OrderStatus.FILLED
    assert [p.qty for p in broker.positions()] == [D(-1000)]


def test_a_connected_adapter_reads_the_sizing_figures_live(oanda: Connect) -> None:
    fake, broker = oanda()
    attach(broker)
    step(fake, broker, 1)
    figures = broker.live_figures()
    assert (figures.currency, figures.balance, figures.quote_home_rate) == (
        "JPY",
        D(100_000_000),
        1,
    )
    assert figures.rules.pip == D("0.01") and figures.base_home_rate == D("150.005")
    assert figures.size(D("0.02"), D(20)).uncapped_units == 10_000_000
