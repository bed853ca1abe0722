"""Every order type the broker offers: submit, amend, cancel, fill; and fills in parts.

What the runtime relies on: each command's result arrives as an update carrying the client id;
the broker's reports (`lookup`, `open_orders`, `fills_since`, `positions`) agree with the
updates; the consumer's book, fed the updates, ends where the broker says each order is.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal as D

import pytest
from conformance_harness import (
    CASES,
    FLAT,
    QTY,
    WIDE,
    Feed,
    VenueFactory,
    attach,
    market,
    resting,
    submit,
)

from tradeplan.core.enums import OrderType
from tradeplan.orders.model import OrderEvent, OrderStatus
from tradeplan.ports.live import LiveBrokerPort, OrderRejected

E = OrderEvent


def net_position(broker: LiveBrokerPort, symbol: str = "USD/JPY") -> D:
    return sum((p.qty for p in broker.positions() if p.symbol == symbol), D(0))


@pytest.mark.parametrize("kind", list(CASES), ids=lambda k: k.value)
def test_submit_amend_cancel(venue: VenueFactory, kind: OrderType) -> None:
    harness = venue(Feed((FLAT,) * 4))
    broker = harness.broker
    if not broker.profile.is_native(kind):
        pytest.skip(
            f"{broker.profile.name} has no native {kind.value} order (the runtime emulates)"
        )
    case = CASES[kind]
    recorder = attach(broker)
    order = case.order("c1")
    submit(broker, recorder, order)
    resting_rows = 0 if kind is OrderType.MARKET else 1  # a market order fills at the next bar
    harness.step(resting_rows)
    report = broker.lookup("c1")
    assert report is not None and report.status is OrderStatus.ACCEPTED
    assert report.client_id == "c1" and report.venue_id and report.filled_qty == 0
    assert [r.client_id for r in broker.open_orders()] == ["c1"]

    broker.amend("c1", **case.amend)
    harness.step(resting_rows)
    report = broker.lookup("c1")
    assert report is not None and report.status is OrderStatus.ACCEPTED
    for name, value in case.amend.items():
        assert getattr(report.order, name) == value, name

    broker.cancel("c1")
    harness.step(1)
    report = broker.lookup("c1")
    assert report is not None and report.status is OrderStatus.CANCELLED
    assert broker.open_orders() == ()
    assert recorder.kinds("c1") == [E.ACCEPTED, E.AMENDED, E.CANCELLED]
    assert recorder.book.status("c1") is OrderStatus.CANCELLED
    assert recorder.not_stale() == []
    assert broker.fills_since(None).fills == () and net_position(broker) == 0


@pytest.mark.parametrize("kind", list(CASES), ids=lambda k: k.value)
def test_fill(venue: VenueFactory, kind: OrderType) -> None:
    harness = venue(Feed((FLAT, WIDE, FLAT)))
    broker = harness.broker
    if not broker.profile.is_native(kind):
        pytest.skip(
            f"{broker.profile.name} has no native {kind.value} order (the runtime emulates)"
        )
    recorder = attach(broker)
    submit(broker, recorder, CASES[kind].order("f1"))
    harness.step(2)
    report = broker.lookup("f1")
    assert report is not None and report.status is OrderStatus.FILLED
    assert report.filled_qty == QTY and report.average_price is not None
    assert recorder.kinds("f1")[-1] is E.FILLED
    assert recorder.book.status("f1") is OrderStatus.FILLED
    batch = broker.fills_since(None)
    assert [(f.client_id, f.qty, f.price) for f in batch.fills] == [
        ("f1", QTY, report.average_price)
    ]
    assert batch.fills[0].trade_id and batch.fills[0].venue_order_id == report.venue_id
    assert net_position(broker) == QTY
    assert broker.open_orders() == ()
    assert broker.fills_since(batch.cursor).fills == ()  # the cursor is after the fill


def test_cancel_or_amend_of_a_filled_order_changes_nothing(venue: VenueFactory) -> None:
    harness = venue(Feed((FLAT, FLAT)))
    broker = harness.broker
    recorder = attach(broker)
    submit(broker, recorder, market("m1"))
    harness.step(1)
    seen = len(recorder.changes())
    for command in (lambda: broker.cancel("m1"), lambda: broker.amend("m1", qty=D(5))):
        with contextlib.suppress(OrderRejected):  # "unknown order": a broker's right
            command()
    harness.step(1)
    assert len(recorder.changes()) == seen
    report = broker.lookup("m1")
    assert report is not None and report.status is OrderStatus.FILLED
    assert report.order.qty == QTY


def test_a_client_id_in_use_is_never_a_second_order(venue: VenueFactory) -> None:
    harness = venue(Feed((FLAT, WIDE)))
    broker = harness.broker
    recorder = attach(broker)
    submit(broker, recorder, resting("dup"))
    with pytest.raises(OrderRejected):
        broker.submit(resting("dup", "149.000"))
    harness.step(2)
    assert [r.client_id for r in (broker.lookup("dup"),) if r] == ["dup"]
    assert [f.client_id for f in broker.fills_since(None).fills] == ["dup"]
    assert net_position(broker) == QTY
    assert recorder.kinds("dup") == [E.ACCEPTED, E.FILLED]


def test_an_order_fills_in_parts_over_bars(venue: VenueFactory) -> None:
    # 10% of 5,000 a bar: 1,200 fills 500, 500, then 200.
    feed = Feed((FLAT,) * 4, volumes=("5000",) * 4, max_volume_share=D("0.1"))
    harness = venue(feed)
    broker = harness.broker
    recorder = attach(broker)
    submit(broker, recorder, market("p1", D(1200)))
    harness.step(1)
    report = broker.lookup("p1")
    assert report is not None and report.status is OrderStatus.PARTIALLY_FILLED
    assert report.filled_qty == D(500)
    assert [r.client_id for r in broker.open_orders()] == ["p1"]
    harness.step(2)
    report = broker.lookup("p1")
    assert report is not None and report.status is OrderStatus.FILLED
    fills = broker.fills_since(None).fills
    assert [f.qty for f in fills] == [D(500), D(500), D(200)]
    assert len({f.trade_id for f in fills}) == 3
    assert [c[1:] for c in recorder.changes() if c[0] == "p1"] == [
        (E.ACCEPTED, None),
        (E.PARTIALLY_FILLED, D(500)),
        (E.PARTIALLY_FILLED, D(500)),
        (E.FILLED, D(200)),
    ]
    assert recorder.book.filled("p1") == D(1200)
    assert net_position(broker) == D(1200)


def test_cancel_after_a_part_fill_keeps_what_filled(venue: VenueFactory) -> None:
    feed = Feed((FLAT,) * 3, volumes=("5000",) * 3, max_volume_share=D("0.1"))
    harness = venue(feed)
    broker = harness.broker
    recorder = attach(broker)
    submit(broker, recorder, market("p2", D(1200)))
    harness.step(1)
    broker.cancel("p2")
    harness.step(2)
    report = broker.lookup("p2")
    assert report is not None and report.status is OrderStatus.CANCELLED
    assert report.filled_qty == D(500)
    assert recorder.kinds("p2") == [E.ACCEPTED, E.PARTIALLY_FILLED, E.CANCELLED]
    assert net_position(broker) == D(500)
