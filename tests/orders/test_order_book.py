"""The order book applies every update through the state table and refuses the rest.

Every move of the table is applied from a status reached by legal moves; every pair the table
lacks comes back as an anomaly with the order untouched; unknown ids, fills beyond the
quantity and anything after the end are anomalies too; and random streams of updates never
raise and leave the book where folding the table over the legal updates leaves it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace as with_
from datetime import UTC, datetime
from decimal import Decimal as D
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.book import AnomalyKind, OrderBook
from tradeplan.orders.model import Order, OrderEvent, OrderStatus
from tradeplan.orders.state_machine import RESUMING, TRANSITIONS, resume_status
from tradeplan.ports.broker import OrderUpdate

S, E = OrderStatus, OrderEvent
NOW = datetime(2025, 1, 6, tzinfo=UTC)
FILLS = (E.PARTIALLY_FILLED, E.FILLED)


def order(order_id: str = "1", qty: str = "10") -> Order:
    return Order(order_id, Side.BUY, OrderType.LIMIT, D(qty), price=D("100"))


def update(kind: OrderEvent, terms: Order, qty: str | None = None) -> OrderUpdate:
    fill_qty = None if qty is None else D(qty)
    price = D("100") if kind in FILLS else None
    return OrderUpdate(kind, terms, NOW, fill_price=price, fill_qty=fill_qty)


def _paths() -> dict[OrderStatus, list[OrderEvent]]:
    """The shortest run of events from INITIALIZED to each status, by the table alone."""
    paths: dict[OrderStatus, list[OrderEvent]] = {S.INITIALIZED: []}
    queue = deque([S.INITIALIZED])
    while queue:
        here = queue.popleft()
        for (status, event), target in TRANSITIONS.items():
            if status is here and target not in paths:
                paths[target] = [*paths[here], event]
                queue.append(target)
    return paths


PATHS = _paths()


def book_at(status: OrderStatus, terms: Order | None = None) -> tuple[OrderBook, Order]:
    """A book holding one order of 10 brought to `status` by legal updates (a fill is 1)."""
    terms = terms or order()
    book = OrderBook()
    book.add(terms)
    for event in PATHS[status]:
        assert book.apply(update(event, terms, "1" if event in FILLS else None)) is None
    assert book.status(terms.id) is status
    return book, terms


LEGAL = sorted({*TRANSITIONS, *RESUMING}, key=lambda p: (p[0].value, p[1].value))
# A report only a working order can get, for an order still SUBMITTED: taken to include the
# acknowledgement the broker left out (see the module docstring of orders/book.py).
IMPLIED = {(S.SUBMITTED, E.EXPIRED), (S.SUBMITTED, E.AMENDED)}
ILLEGAL = [
    (s, e)
    for s, e in product(S, E)
    if (s, e) not in TRANSITIONS and (s, e) not in RESUMING and (s, e) not in IMPLIED
]


@pytest.mark.parametrize(("status", "event"), LEGAL, ids=[f"{s.value}-{e.value}" for s, e in LEGAL])
def test_every_move_of_the_table_is_applied(status: OrderStatus, event: OrderEvent) -> None:
    book, terms = book_at(status)
    filled = book.filled(terms.id)
    assert book.apply(update(event, terms, "1" if event in FILLS else None)) is None
    if (status, event) in TRANSITIONS:
        expected = TRANSITIONS[(status, event)]
    else:  # a request's reply: back to what the order was doing (what the path went through)
        path = PATHS[status]
        expected = resume_status(
            accepted=E.ACCEPTED in path, triggered=E.TRIGGERED in path, filled_qty=filled
        )
    assert book.status(terms.id) is expected
    assert book.filled(terms.id) == filled + (1 if event in FILLS else 0)


@pytest.mark.parametrize(
    ("status", "event"), ILLEGAL, ids=[f"{s.value}-{e.value}" for s, e in ILLEGAL]
)
def test_every_pair_the_table_lacks_is_an_anomaly_and_changes_nothing(
    status: OrderStatus, event: OrderEvent
) -> None:
    book, terms = book_at(status)
    filled = book.filled(terms.id)
    anomaly = book.apply(update(event, terms, "1" if event in FILLS else None))
    assert anomaly is not None
    assert anomaly.kind is AnomalyKind.NOT_ALLOWED
    assert (anomaly.order_id, anomaly.event, anomaly.status) == ("1", event, status)
    assert book.status(terms.id) is status and book.filled(terms.id) == filled
    said = status.value.replace("_", " ")
    assert f"order 1 as {event.value.replace('_', ' ')}, but it is {said}" in anomaly.message


def test_a_report_only_a_working_order_gets_implies_acceptance() -> None:
    book, terms = book_at(S.SUBMITTED)
    assert book.apply(update(E.EXPIRED, terms)) is None
    assert book.status("1") is S.EXPIRED
    book, terms = book_at(S.SUBMITTED)
    amended = Order("1", Side.BUY, OrderType.LIMIT, D("4"), price=D("99"))
    assert book.apply(update(E.AMENDED, amended)) is None
    assert book.status("1") is S.ACCEPTED
    assert book.order("1") == amended


def test_a_fill_after_a_cancel_is_refused() -> None:
    book, terms = book_at(S.CANCELLED)
    anomaly = book.apply(update(E.FILLED, terms, "10"))
    assert anomaly is not None and anomaly.kind is AnomalyKind.NOT_ALLOWED
    assert anomaly.message == (
        "the broker reported order 1 as filled, but it is cancelled, and an order that is "
        "cancelled cannot be filled"
    )
    assert book.status("1") is S.CANCELLED and book.filled("1") == 0


def test_a_second_fill_report_is_refused() -> None:
    book = OrderBook()
    terms = order()
    book.place(terms)
    assert book.apply(update(E.FILLED, terms, "10")) is None
    anomaly = book.apply(update(E.FILLED, terms, "10"))
    assert anomaly is not None and anomaly.status is S.FILLED
    assert book.status("1") is S.FILLED and book.filled("1") == D(10)


def test_an_update_for_an_order_never_sent_is_refused() -> None:
    book = OrderBook()
    book.place(order())
    anomaly = book.apply(update(E.FILLED, order("99"), "10"))
    assert anomaly is not None
    assert (anomaly.kind, anomaly.order_id, anomaly.status) == (
        AnomalyKind.UNKNOWN_ORDER,
        "99",
        None,
    )
    assert anomaly.message == (
        "the broker reported order 99 as filled, but this run never sent an order 99"
    )
    assert "99" not in book and book.status("1") is S.SUBMITTED


def test_a_fill_beyond_the_quantity_is_refused() -> None:
    book = OrderBook()
    terms = order()
    book.place(terms)
    assert book.apply(update(E.PARTIALLY_FILLED, terms, "6")) is None
    anomaly = book.apply(update(E.FILLED, terms, "5"))
    assert anomaly is not None and anomaly.kind is AnomalyKind.OVERFILL
    assert anomaly.message == (
        "the broker reported order 1 as filled, but a fill of 5 is more than the 4 left "
        "unfilled of the 10 ordered (the order is partially filled)"
    )
    assert book.status("1") is S.PARTIALLY_FILLED and book.filled("1") == D(6)
    assert book.apply(update(E.FILLED, terms, "4")) is None
    assert book.status("1") is S.FILLED and book.filled("1") == D(10)


def test_a_fill_without_a_quantity() -> None:
    book = OrderBook()
    terms = order()
    book.place(terms)
    anomaly = book.apply(update(E.PARTIALLY_FILLED, terms))
    assert anomaly is not None and anomaly.kind is AnomalyKind.NO_QUANTITY
    assert book.apply(update(E.PARTIALLY_FILLED, terms, "0")) is not None
    assert book.status("1") is S.SUBMITTED
    assert book.apply(update(E.FILLED, terms)) is None  # FILLED alone fills the rest
    assert book.filled("1") == D(10)


@pytest.mark.parametrize("status", [s for s in S if s.is_terminal], ids=lambda s: s.value)
def test_a_finished_order_takes_nothing_but_a_late_part_fill_report(status: OrderStatus) -> None:
    for event in E:
        book, terms = book_at(status)
        anomaly = book.apply(update(event, terms, "1" if event in FILLS else None))
        late_fill = (status, event) in TRANSITIONS  # the table's late report of a part fill
        assert (anomaly is None) is late_fill, event
        assert book.status("1") is status
        assert book.is_final("1") and not book.is_working("1")


def test_a_part_fill_is_a_legal_working_state() -> None:
    book = OrderBook()
    terms = order()
    book.place(terms)
    assert book.apply(update(E.ACCEPTED, terms)) is None
    assert book.apply(update(E.PARTIALLY_FILLED, terms, "3")) is None
    assert book.status("1") is S.PARTIALLY_FILLED and book.is_working("1")
    assert book.request_cancel("1")
    assert book.apply(update(E.CANCEL_REJECTED, terms)) is None
    assert book.status("1") is S.PARTIALLY_FILLED  # resumed: what it was doing


def test_an_amendment_arms_the_trigger_again() -> None:
    book = OrderBook()
    terms = order()
    book.place(terms)
    for event in (E.ACCEPTED, E.TRIGGERED, E.AMEND_REQUESTED, E.AMENDED):
        assert book.apply(update(event, terms)) is None
    assert book.status("1") is S.ACCEPTED
    assert book.apply(update(E.TRIGGERED, terms)) is None  # the new trigger is reached
    assert book.status("1") is S.TRIGGERED
    for event in (E.AMEND_REQUESTED, E.AMEND_REJECTED):  # refused: the old terms stay
        assert book.apply(update(event, terms)) is None
    assert book.status("1") is S.TRIGGERED


def test_a_cancel_is_sent_only_for_a_working_order() -> None:
    book = OrderBook()
    terms = order()
    book.place(terms)
    assert not book.request_cancel("99")
    assert book.request_cancel("1")
    assert book.status("1") is S.PENDING_CANCEL
    assert not book.request_cancel("1")  # already in flight
    assert book.apply(update(E.FILLED, terms, "10")) is None  # filled before the cancel landed
    assert book.status("1") is S.FILLED
    assert not book.request_cancel("1")


def test_an_id_placed_twice_is_a_bug_of_the_caller() -> None:
    book = OrderBook()
    book.place(order())
    with pytest.raises(ValueError, match="already in the order book"):
        book.place(order())


# --- the property: random streams never raise and equal the table's fold ---------------------

IDS = ("a", "b", "z")  # "z" is never placed
QTYS = (None, "0", "1", "2", "3", "5", "10", "11")
STEPS = st.lists(
    st.tuples(st.sampled_from(IDS), st.sampled_from(list(E)), st.sampled_from(QTYS)),
    max_size=40,
)
Facts = tuple[OrderStatus, D, bool, bool]  # status, filled, accepted, triggered


def fold(facts: Facts, event: OrderEvent, qty: D | None, ordered: D) -> tuple[Facts, bool]:
    """One step of the state table over an order of `ordered` units; False: not legal."""
    status, filled, accepted, triggered = facts

    def move(here: OrderStatus) -> OrderStatus | None:
        if (here, event) in RESUMING:
            armed = triggered and event is not E.AMENDED  # new terms: not yet triggered
            return resume_status(accepted=accepted, triggered=armed, filled_qty=filled)
        return TRANSITIONS.get((here, event))

    target, implied = move(status), False
    if target is None and (status, event) in IMPLIED:
        target, implied = move(S.ACCEPTED), True
    if target is None:
        return facts, False
    got = D(0)
    if event in FILLS:
        got = ordered - filled if qty is None and event is E.FILLED else (qty or D(0))
        if got <= 0 or got > ordered - filled:
            return facts, False
    return (
        target,
        filled + got,
        accepted or implied or event is E.ACCEPTED,
        (triggered or event is E.TRIGGERED) and event is not E.AMENDED,
    ), True


@settings(max_examples=400, deadline=None)
@given(STEPS)
def test_random_updates_never_raise_and_equal_the_fold_of_the_legal_ones(
    steps: list[tuple[str, OrderEvent, str | None]],
) -> None:
    book = OrderBook()
    terms = {name: order(name) for name in ("a", "b")}
    expected: dict[str, Facts] = {}
    for name, placed in terms.items():
        book.place(placed)
        expected[name] = (S.SUBMITTED, D(0), False, False)
    for name, event, qty in steps:
        sent = terms.get(name, order(name))
        anomaly = book.apply(update(event, sent, qty))
        if name not in expected:
            assert anomaly is not None and anomaly.kind is AnomalyKind.UNKNOWN_ORDER
            continue
        expected[name], legal = fold(expected[name], event, None if qty is None else D(qty), D(10))
        assert (anomaly is None) is legal
        if anomaly is not None:
            assert anomaly.status is expected[name][0]
    for name, (status, filled, _, _) in expected.items():
        assert book.status(name) is status
        assert book.filled(name) == filled
    assert "z" not in book


def test_a_report_whose_sequence_number_is_not_newer_is_stale() -> None:
    # A live broker replays reports after a reconnect: one already applied must not be
    # applied again, and an older one must not undo a newer state.
    book = OrderBook()
    terms = order()
    book.place(terms)
    accepted = with_(update(OrderEvent.ACCEPTED, terms), seq=5)
    filled = with_(update(OrderEvent.FILLED, terms, "10"), seq=7)
    assert book.apply(accepted) is None
    assert book.apply(filled) is None
    for late in (filled, with_(accepted, seq=6)):
        anomaly = book.apply(late)
        assert anomaly is not None and anomaly.kind is AnomalyKind.STALE
        assert "stale or repeated" in anomaly.message
    assert book.status("1") is OrderStatus.FILLED and book.filled("1") == D(10)


def test_reports_without_sequence_numbers_go_by_the_table_alone() -> None:
    book = OrderBook()
    terms = order()
    book.place(terms)
    assert book.apply(update(OrderEvent.ACCEPTED, terms)) is None  # seq 0: no number given
    assert book.apply(update(OrderEvent.FILLED, terms, "10")) is None
    anomaly = book.apply(update(OrderEvent.FILLED, terms, "10"))
    assert anomaly is not None and anomaly.kind is AnomalyKind.NOT_ALLOWED
