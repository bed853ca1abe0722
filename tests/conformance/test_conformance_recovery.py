"""What a client that was away reads back: a dropped connection, a crashed and restarted bot.

Streams do not replay what was missed (LIVE.md sections 1 and 2), so the broker's reports must:
after a disconnect, `fills_since(cursor)` has every fill the stream lost, `open_orders` and
`positions` say where things stand; after a crash, a new client sees the working orders the
old one left, and can command them.
"""

from __future__ import annotations

from decimal import Decimal as D

from conformance_harness import (
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

from tradeplan.orders.model import OrderEvent, OrderStatus
from tradeplan.ports.live import FeedState

E = OrderEvent


def test_fills_missed_while_disconnected_are_recovered(venue: VenueFactory) -> None:
    harness = venue(Feed((FLAT, WIDE, FLAT, FLAT)))
    broker = harness.broker
    recorder = attach(broker)
    submit(broker, recorder, resting("d1"))
    submit(broker, recorder, resting("d2", "147.000"))  # still working afterwards
    harness.step(1)
    cursor = broker.fills_since(None).cursor
    bars_before, states_before = len(recorder.bars), len(recorder.states)

    harness.disconnect()
    harness.step(2)  # d1 fills on WIDE while the client is away
    harness.reconnect()

    assert recorder.kinds("d1") == [E.ACCEPTED]  # the stream lost the fill
    assert len(recorder.bars) == bars_before  # ... and the bars
    states = recorder.states[states_before:]
    assert states[-2:] == [FeedState.RECONNECTING, FeedState.LIVE]
    missed = broker.fills_since(cursor)
    assert [(f.client_id, f.qty) for f in missed.fills] == [("d1", QTY)]
    report = broker.lookup("d1")
    assert report is not None and report.status is OrderStatus.FILLED
    assert [r.client_id for r in broker.open_orders()] == ["d2"]
    assert sum(p.qty for p in broker.positions()) == QTY
    assert broker.fills_since(missed.cursor).fills == ()

    # Connected again: updates and bars flow from here on.
    submit(broker, recorder, market("d3"))
    harness.step(1)
    assert recorder.kinds("d3") == [E.ACCEPTED, E.FILLED]
    assert len(recorder.bars) == bars_before + 1


def test_a_restarted_client_sees_the_working_orders_and_what_filled_meanwhile(
    venue: VenueFactory,
) -> None:
    harness = venue(Feed((FLAT, WIDE, FLAT)))
    old = harness.broker
    old_recorder = attach(old)
    submit(old, old_recorder, resting("w1"))  # fills on WIDE, after the crash
    submit(old, old_recorder, resting("w2", "147.000"))  # works on
    submit(old, old_recorder, market("w3"))  # fills on the first bar
    harness.step(1)
    cursor = old.fills_since(None).cursor
    seen = len(old_recorder.updates)

    new = harness.restart_client()
    harness.step(1)  # w1 fills with no client connected
    recorder = attach(new)

    assert sorted(r.client_id for r in new.open_orders()) == ["w2"]
    w1 = new.lookup("w1")
    assert w1 is not None and w1.status is OrderStatus.FILLED and w1.filled_qty == QTY
    assert [f.client_id for f in new.fills_since(cursor).fills] == ["w1"]
    assert [f.client_id for f in new.fills_since(None).fills] == ["w3", "w1"]
    assert sum(p.qty for p in new.positions()) == 2 * QTY

    new.cancel("w2")  # the new client commands what the old one placed
    harness.step(1)
    w2 = new.lookup("w2")
    assert w2 is not None and w2.status is OrderStatus.CANCELLED
    assert [u.kind for u in recorder.updates if u.order.id == "w2"] == [E.CANCELLED]
    assert len(old_recorder.updates) == seen  # the dead client hears nothing
    assert new.open_orders() == ()
    assert sum(p.qty for p in new.positions()) == D(2000)
