"""Updates that arrive twice, late, out of order, or before the command returns.

What the port promises (ports/broker.py, `OrderUpdate.seq`): every report has a sequence number
that increases across all the broker's reports; a repeat carries the same number, and a report
at or below the last one seen for its order is stale. So a consumer that drops those sees each
change exactly once and ends where the broker says each order is, whatever the delivery did.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal as D

from conformance_harness import (
    FLAT,
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

from tradeplan.orders.model import OrderEvent

E = OrderEvent
FEED = Feed((FLAT, WIDE, FLAT, FLAT))


def scenario(harness: Harness) -> Recorder:
    """Orders that are accepted, filled, amended and cancelled over four bars."""
    broker = harness.broker
    recorder = attach(broker)
    submit(broker, recorder, resting("a"))  # fills on WIDE
    submit(broker, recorder, resting("b", "147.000"))  # rests throughout
    submit(broker, recorder, market("m"))  # fills on the first bar
    harness.step(1)
    broker.amend("b", price=D("147.500"))
    harness.step(1)
    broker.cancel("b")
    submit(broker, recorder, market("n"))
    harness.step(2)
    return recorder


def clean_run(venue: VenueFactory) -> Recorder:
    return scenario(venue(FEED))


def final_statuses(harness: Harness, recorder: Recorder) -> None:
    for client_id in ("a", "b", "m", "n"):
        report = harness.broker.lookup(client_id)
        assert report is not None
        assert recorder.book.status(client_id) is report.status, client_id
        assert recorder.book.filled(client_id) == report.filled_qty, client_id
    assert recorder.not_stale() == []


def test_a_clean_run_sees_each_change_once_in_sequence(venue: VenueFactory) -> None:
    harness = venue(FEED)
    recorder = scenario(harness)
    seqs = [u.seq for u in recorder.updates]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and seqs[0] > 0
    assert recorder.kinds("a") == [E.ACCEPTED, E.FILLED]
    assert recorder.kinds("b") == [E.ACCEPTED, E.AMENDED, E.CANCELLED]
    final_statuses(harness, recorder)


def test_duplicated_updates_are_the_same_changes_once_deduplicated(venue: VenueFactory) -> None:
    expected = clean_run(venue).changes()
    harness = venue(FEED)
    harness.duplicate_updates(True)
    recorder = scenario(harness)
    copies = Counter(u.seq for u in recorder.updates)
    assert set(copies.values()) == {2}  # the fault happened: every update came twice
    assert recorder.changes() == expected
    final_statuses(harness, recorder)
    assert recorder.anomalies  # the consumer's book refused the repeats as stale


def test_out_of_order_updates_sort_back_by_sequence(venue: VenueFactory) -> None:
    expected = clean_run(venue).changes()
    harness = venue(FEED)
    harness.reorder_updates(True)
    recorder = scenario(harness)
    seqs = [u.seq for u in recorder.updates]
    assert seqs != sorted(seqs)  # the fault happened: some update came after a later one
    assert recorder.changes() == expected
    final_statuses(harness, recorder)


def test_duplicated_and_reordered_together(venue: VenueFactory) -> None:
    expected = clean_run(venue).changes()
    harness = venue(FEED)
    harness.duplicate_updates(True)
    harness.reorder_updates(True)
    recorder = scenario(harness)
    assert recorder.changes() == expected
    final_statuses(harness, recorder)


def test_an_update_may_arrive_before_submit_returns(venue: VenueFactory) -> None:
    harness = venue(FEED)
    broker = harness.broker
    recorder = attach(broker)
    submit(broker, recorder, resting("early"))
    early = [u for u in recorder.during_call if u.order.id == "early"]
    assert [u.kind for u in early] == [E.ACCEPTED]
    assert early[0].seq > 0
    # The consumer had the order in its book before sending, so the early report applied.
    assert recorder.anomalies == []
    harness.step(2)
    assert recorder.kinds("early") == [E.ACCEPTED, E.FILLED]
