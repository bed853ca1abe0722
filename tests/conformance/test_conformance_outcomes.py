"""Timeouts and refusals: "outcome unknown" is never "failed", "rejected" is final.

A submit that gets no answer raises `OutcomeUnknown`; the order may be working. `lookup` by the
client id tells which: it finds the order when it was placed, and returns None (never raises
"not found" for a network error) when it was not, and only then is sending it again safe.
A refusal is reported exactly once (an `OrderRejected` from the call, or one REJECTED update)
and the broker never acts on the order afterwards.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from conformance_harness import (
    FLAT,
    QTY,
    WIDE,
    Feed,
    Harness,
    Recorder,
    VenueFactory,
    attach,
    market,
    resting,
    submit,
)

from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order, OrderEvent, OrderStatus
from tradeplan.ports.live import LiveBrokerPort, OrderRejected, OutcomeUnknown

E = OrderEvent


def test_a_timeout_with_the_order_placed_is_found_by_lookup(venue: VenueFactory) -> None:
    harness = venue(Feed((FLAT, WIDE)))
    broker = harness.broker
    recorder = attach(broker)
    harness.timeout_next_submit(placed=True)
    with pytest.raises(OutcomeUnknown) as raised:
        submit(broker, recorder, resting("t1"))
    assert raised.value.client_id == "t1"
    report = broker.lookup("t1")
    assert report is not None and report.status is OrderStatus.ACCEPTED
    assert [r.client_id for r in broker.open_orders()] == ["t1"]
    harness.step(2)  # it works like any other order
    report = broker.lookup("t1")
    assert report is not None and report.status is OrderStatus.FILLED
    assert recorder.book.status("t1") is OrderStatus.FILLED


def test_a_timeout_with_the_order_not_placed_is_proved_absent(venue: VenueFactory) -> None:
    harness = venue(Feed((FLAT, WIDE, FLAT)))
    broker = harness.broker
    recorder = attach(broker)
    harness.timeout_next_submit(placed=False)
    with pytest.raises(OutcomeUnknown):
        submit(broker, recorder, resting("t2"))
    assert broker.lookup("t2") is None
    assert broker.open_orders() == ()
    harness.step(2)
    assert recorder.kinds("t2") == []
    assert broker.fills_since(None).fills == ()
    # Proved absent, so the same intent may be sent again under the same client id.
    broker.submit(resting("t2", "150.500"))
    harness.step(1)
    report = broker.lookup("t2")
    assert report is not None and report.status is OrderStatus.FILLED


def rejected_once(broker: LiveBrokerPort, recorder: Recorder, order: Order) -> None:
    """Send `order`, which the broker refuses; check the refusal is reported exactly once."""
    try:
        submit(broker, recorder, order)
    except OrderRejected as exc:
        assert exc.client_id == order.id
        assert recorder.kinds(order.id) == []  # raised: no REJECTED update as well
    else:
        assert recorder.kinds(order.id) == [E.REJECTED]
        reasons = {u.reason for u in recorder.updates if u.order.id == order.id}
        assert all(reasons)
    report = broker.lookup(order.id)
    assert report is None or report.status is OrderStatus.REJECTED


def never_acted_on(harness: Harness, recorder: Recorder, cid: str) -> None:
    """Three more bars, in which the broker says and does nothing more about `cid`."""
    broker = harness.broker
    before = recorder.kinds(cid)
    harness.step(3)
    assert recorder.kinds(cid) == before
    assert cid not in [r.client_id for r in broker.open_orders()]
    assert [f for f in broker.fills_since(None).fills if f.client_id == cid] == []


def test_an_injected_reject_is_reported_once_and_never_resent(venue: VenueFactory) -> None:
    harness = venue(Feed((FLAT, WIDE, FLAT, FLAT)))
    broker = harness.broker
    recorder = attach(broker)
    harness.reject_next_submit("injected: no trading permission")
    rejected_once(broker, recorder, market("r1"))
    never_acted_on(harness, recorder, "r1")
    assert sum(p.qty for p in broker.positions()) == 0
    submit(broker, recorder, market("r2"))  # the next order goes through
    harness.step(1)
    assert recorder.kinds("r2") == [E.ACCEPTED, E.FILLED]


def test_insufficient_margin_is_reported_once_and_never_resent(venue: VenueFactory) -> None:
    # 100,000 units at 150 need 600,000 at 25x; the account has 10,000.
    harness = venue(Feed((FLAT, WIDE, FLAT, FLAT), balance=D(10_000), leverage=D(25)))
    broker = harness.broker
    recorder = attach(broker)
    big = Order("r3", Side.BUY, OrderType.LIMIT, QTY * 100, price=D("149.500"))
    rejected_once(broker, recorder, big)
    never_acted_on(harness, recorder, "r3")
