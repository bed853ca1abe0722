"""Every (status, event) pair of the order state machine, walked one by one.

`EXPECTED` restates the table independently, edge by edge, so a change to the table has to be
made twice on purpose. `*` marks a reply that resumes the order's working status.
"""

from __future__ import annotations

from decimal import Decimal as D
from itertools import product

import pytest

from tradeplan.orders.model import OrderEvent, OrderStatus
from tradeplan.orders.state_machine import (
    RESUMABLE,
    RESUMING,
    TRANSITIONS,
    InvalidTransition,
    resume_status,
    transition,
)

EXPECTED = """
initialized: converted>initialized denied>denied emulated>emulated placed>submitted
emulated: amended>emulated released>released cancelled>cancelled expired>expired
released: placed>submitted denied>denied
submitted: accepted>accepted rejected>rejected triggered>triggered
    partially_filled>partially_filled filled>filled cancelled>cancelled
    cancel_requested>pending_cancel
accepted: triggered>triggered amended>accepted amend_requested>pending_update
    cancel_requested>pending_cancel partially_filled>partially_filled filled>filled
    cancelled>cancelled expired>expired
triggered: amend_requested>pending_update cancel_requested>pending_cancel
    partially_filled>partially_filled filled>filled cancelled>cancelled expired>expired
    rejected>rejected
partially_filled: partially_filled>partially_filled filled>filled
    amend_requested>pending_update cancel_requested>pending_cancel cancelled>cancelled
    expired>expired
pending_update: amended>* amend_rejected>* triggered>pending_update
    partially_filled>pending_update filled>filled cancel_requested>pending_cancel
    cancelled>cancelled expired>expired
pending_cancel: cancel_rejected>* cancelled>cancelled filled>filled
    partially_filled>pending_cancel triggered>pending_cancel expired>expired
    accepted>pending_cancel rejected>rejected amended>pending_cancel
    amend_rejected>pending_cancel
cancelled: partially_filled>cancelled
expired: partially_filled>expired
denied:
rejected:
filled:
"""


def _expected() -> dict[tuple[OrderStatus, OrderEvent], OrderStatus | None]:
    table: dict[tuple[OrderStatus, OrderEvent], OrderStatus | None] = {}
    status = OrderStatus.INITIALIZED
    for word in EXPECTED.split():
        if word.endswith(":"):
            status = OrderStatus(word[:-1])
            continue
        event, target = word.split(">")
        table[(status, OrderEvent(event))] = None if target == "*" else OrderStatus(target)
    return table


EXPECTED_TABLE = _expected()
ALL_PAIRS = list(product(OrderStatus, OrderEvent))


def test_the_table_is_exactly_the_expected_one() -> None:
    assert {k: v for k, v in EXPECTED_TABLE.items() if v is not None} == TRANSITIONS
    assert {k for k, v in EXPECTED_TABLE.items() if v is None} == RESUMING


@pytest.mark.parametrize(
    ("status", "event"), ALL_PAIRS, ids=[f"{s.value}-{e.value}" for s, e in ALL_PAIRS]
)
def test_every_pair(status: OrderStatus, event: OrderEvent) -> None:
    if (status, event) not in EXPECTED_TABLE:
        with pytest.raises(InvalidTransition) as caught:
            transition(status, event)
        assert caught.value.status is status and caught.value.event is event
        assert f"that is {status.value} cannot be {event.value}" in str(caught.value)
        return
    target = EXPECTED_TABLE[(status, event)]
    if target is not None:
        assert transition(status, event) is target
        with pytest.raises(InvalidTransition, match="resume applies only"):
            transition(status, event, resume=OrderStatus.ACCEPTED)
        return
    for working in RESUMABLE:
        assert transition(status, event, resume=working) is working
    with pytest.raises(InvalidTransition, match="say which status"):
        transition(status, event)
    with pytest.raises(InvalidTransition, match="cannot resume to filled"):
        transition(status, event, resume=OrderStatus.FILLED)


def test_finished_orders_take_nothing_but_a_late_fill_report() -> None:
    for status in OrderStatus:
        if not status.is_terminal:
            continue
        outgoing = {e: t for (s, e), t in TRANSITIONS.items() if s is status}
        assert set(outgoing) <= {OrderEvent.PARTIALLY_FILLED}
        assert all(t is status for t in outgoing.values())


def test_every_status_is_reachable_from_initialized() -> None:
    seen = {OrderStatus.INITIALIZED}
    frontier = [OrderStatus.INITIALIZED]
    while frontier:
        here = frontier.pop()
        for (s, _), t in TRANSITIONS.items():
            if s is here and t not in seen:
                seen.add(t)
                frontier.append(t)
    assert seen == set(OrderStatus)


def _walk(*events: OrderEvent) -> OrderStatus:
    status = OrderStatus.INITIALIZED
    for event in events:
        status = transition(status, event)
    return status


def test_a_fill_after_the_cancel_was_sent_fills_the_order() -> None:
    E = OrderEvent
    assert (
        _walk(E.PLACED, E.ACCEPTED, E.CANCEL_REQUESTED, E.PARTIALLY_FILLED, E.FILLED)
        is OrderStatus.FILLED
    )
    assert _walk(E.PLACED, E.ACCEPTED, E.CANCEL_REQUESTED, E.PARTIALLY_FILLED) is (
        OrderStatus.PENDING_CANCEL
    )


def test_a_stop_limit_life() -> None:
    E = OrderEvent
    status = _walk(E.CONVERTED, E.PLACED, E.ACCEPTED, E.TRIGGERED, E.AMEND_REQUESTED)
    assert status is OrderStatus.PENDING_UPDATE
    resume = resume_status(accepted=True, triggered=True, filled_qty=D(0))
    assert transition(status, E.AMENDED, resume=resume) is OrderStatus.TRIGGERED


def test_an_emulated_trailing_stop_life() -> None:
    E = OrderEvent
    assert _walk(E.EMULATED, E.AMENDED, E.AMENDED, E.RELEASED, E.PLACED, E.FILLED) is (
        OrderStatus.FILLED
    )


def test_a_rejected_cancel_returns_to_what_the_order_had_become() -> None:
    E = OrderEvent
    status = _walk(E.PLACED, E.CANCEL_REQUESTED, E.ACCEPTED, E.PARTIALLY_FILLED)
    resume = resume_status(accepted=True, triggered=False, filled_qty=D(300))
    assert transition(status, E.CANCEL_REJECTED, resume=resume) is OrderStatus.PARTIALLY_FILLED


@pytest.mark.parametrize(
    ("accepted", "triggered", "filled", "expected"),
    [
        (False, False, D(0), OrderStatus.SUBMITTED),
        (True, False, D(0), OrderStatus.ACCEPTED),
        (True, True, D(0), OrderStatus.TRIGGERED),
        (True, True, D(1), OrderStatus.PARTIALLY_FILLED),
        (False, False, D("0.5"), OrderStatus.PARTIALLY_FILLED),
    ],
)
def test_resume_status(accepted: bool, triggered: bool, filled: D, expected: OrderStatus) -> None:
    assert resume_status(accepted=accepted, triggered=triggered, filled_qty=filled) is expected


def test_the_error_lists_what_would_have_been_valid() -> None:
    with pytest.raises(InvalidTransition, match="events valid here: none"):
        transition(OrderStatus.FILLED, OrderEvent.CANCELLED)
    with pytest.raises(InvalidTransition, match="accepted, cancel_requested, cancelled"):
        transition(OrderStatus.SUBMITTED, OrderEvent.EXPIRED)
