"""The order life cycle as data: `{(status, event): next_status}`.

Modelled on NautilusTrader's order FSM, with two differences that matter here:

* Requests do not hide what the order is doing. While a cancel or an amendment is in flight the
  order keeps working on its old terms, so triggers and part fills received meanwhile keep the
  pending status instead of overwriting it (a cancel still applies to the rest of the quantity).
* The three replies that end a request without ending the order (`CANCEL_REJECTED`,
  `AMEND_REJECTED`, `AMENDED` while an amendment is pending) return to the working status the
  order would have had without the request. That status depends on facts the table cannot see
  (acknowledged? triggered? part filled?), so for those pairs the caller passes it as `resume`;
  `resume_status()` derives it from the facts. Every other pair is answered by the table alone.

Anything not in the table is a bug or a broker talking nonsense, and `transition` says which.
"""

from __future__ import annotations

from decimal import Decimal

from tradeplan.orders.model import OrderEvent, OrderStatus

# Short names keep the table readable as a table.
S = OrderStatus
E = OrderEvent

TRANSITIONS: dict[tuple[OrderStatus, OrderEvent], OrderStatus] = {
    # --- built locally -------------------------------------------------------------------------
    # A re-entry priced beyond the market is re-typed before it is sent (SEMANTICS section 1);
    # the order stays unsent, so the status does not move.
    (S.INITIALIZED, E.CONVERTED): S.INITIALIZED,
    (S.INITIALIZED, E.DENIED): S.DENIED,
    (S.INITIALIZED, E.EMULATED): S.EMULATED,
    (S.INITIALIZED, E.PLACED): S.SUBMITTED,
    # --- held by the local emulator (the broker lacks the order type) ---------------------------
    # The emulator moves a trailing stop itself, and applies a user's amendment without a round
    # trip, so an amendment here is immediate.
    (S.EMULATED, E.AMENDED): S.EMULATED,
    (S.EMULATED, E.RELEASED): S.RELEASED,
    (S.EMULATED, E.CANCELLED): S.CANCELLED,
    (S.EMULATED, E.EXPIRED): S.EXPIRED,
    (S.RELEASED, E.PLACED): S.SUBMITTED,
    # The released market order can still be refused locally, e.g. outside regular hours.
    (S.RELEASED, E.DENIED): S.DENIED,
    # --- sent, not yet acknowledged -------------------------------------------------------------
    (S.SUBMITTED, E.ACCEPTED): S.ACCEPTED,
    (S.SUBMITTED, E.REJECTED): S.REJECTED,
    # Brokers push order updates asynchronously (Futu): a trigger or a fill may be reported
    # before the acknowledgement, and a market order is often filled before it is acknowledged.
    (S.SUBMITTED, E.TRIGGERED): S.TRIGGERED,
    (S.SUBMITTED, E.PARTIALLY_FILLED): S.PARTIALLY_FILLED,
    (S.SUBMITTED, E.FILLED): S.FILLED,
    # The venue may cancel at once (an immediate-or-cancel rest, a lost acknowledgement).
    (S.SUBMITTED, E.CANCELLED): S.CANCELLED,
    # A cancel may be sent before the acknowledgement, e.g. after a timeout ("state unknown").
    (S.SUBMITTED, E.CANCEL_REQUESTED): S.PENDING_CANCEL,
    # --- working --------------------------------------------------------------------------------
    (S.ACCEPTED, E.TRIGGERED): S.TRIGGERED,
    # Unsolicited amendment: a broker-side trailing stop moved its trigger.
    (S.ACCEPTED, E.AMENDED): S.ACCEPTED,
    (S.ACCEPTED, E.AMEND_REQUESTED): S.PENDING_UPDATE,
    (S.ACCEPTED, E.CANCEL_REQUESTED): S.PENDING_CANCEL,
    (S.ACCEPTED, E.PARTIALLY_FILLED): S.PARTIALLY_FILLED,
    (S.ACCEPTED, E.FILLED): S.FILLED,
    # Unsolicited cancel: the venue cancelled an OCO sibling, a margin close-out, a day's end.
    (S.ACCEPTED, E.CANCELLED): S.CANCELLED,
    (S.ACCEPTED, E.EXPIRED): S.EXPIRED,
    (S.TRIGGERED, E.AMEND_REQUESTED): S.PENDING_UPDATE,
    (S.TRIGGERED, E.CANCEL_REQUESTED): S.PENDING_CANCEL,
    (S.TRIGGERED, E.PARTIALLY_FILLED): S.PARTIALLY_FILLED,
    (S.TRIGGERED, E.FILLED): S.FILLED,
    (S.TRIGGERED, E.CANCELLED): S.CANCELLED,
    (S.TRIGGERED, E.EXPIRED): S.EXPIRED,
    # What the trigger released can be refused: a market order outside regular hours, a limit
    # beyond the venue's price band.
    (S.TRIGGERED, E.REJECTED): S.REJECTED,
    (S.PARTIALLY_FILLED, E.PARTIALLY_FILLED): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, E.FILLED): S.FILLED,
    (S.PARTIALLY_FILLED, E.AMEND_REQUESTED): S.PENDING_UPDATE,
    (S.PARTIALLY_FILLED, E.CANCEL_REQUESTED): S.PENDING_CANCEL,
    # The rest of the quantity is cancelled or expires; what was filled stays filled.
    (S.PARTIALLY_FILLED, E.CANCELLED): S.CANCELLED,
    (S.PARTIALLY_FILLED, E.EXPIRED): S.EXPIRED,
    # --- an amendment in flight: the old terms still apply --------------------------------------
    (S.PENDING_UPDATE, E.TRIGGERED): S.PENDING_UPDATE,
    (S.PENDING_UPDATE, E.PARTIALLY_FILLED): S.PENDING_UPDATE,
    # Filled on the old terms before the amendment reached the venue.
    (S.PENDING_UPDATE, E.FILLED): S.FILLED,
    # A cancel supersedes the amendment; the amendment's reply may still arrive (see below).
    (S.PENDING_UPDATE, E.CANCEL_REQUESTED): S.PENDING_CANCEL,
    (S.PENDING_UPDATE, E.CANCELLED): S.CANCELLED,
    (S.PENDING_UPDATE, E.EXPIRED): S.EXPIRED,
    # --- a cancel in flight: the order may still fill -------------------------------------------
    (S.PENDING_CANCEL, E.CANCELLED): S.CANCELLED,
    # Fill after the cancel was sent: the venue executed before it processed the cancel. The
    # cancel then fails ("too late to cancel"), and the order is simply filled.
    (S.PENDING_CANCEL, E.FILLED): S.FILLED,
    # Part filled before the cancel landed: the cancel still applies to the rest.
    (S.PENDING_CANCEL, E.PARTIALLY_FILLED): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, E.TRIGGERED): S.PENDING_CANCEL,
    # The session ended before the cancel was processed; the outcome is the same: not working.
    (S.PENDING_CANCEL, E.EXPIRED): S.EXPIRED,
    # The acknowledgement of the placement arrives after the cancel was sent.
    (S.PENDING_CANCEL, E.ACCEPTED): S.PENDING_CANCEL,
    # The placement itself was refused while its cancel was in flight.
    (S.PENDING_CANCEL, E.REJECTED): S.REJECTED,
    # The reply to an amendment sent before the cancel; the cancel is still what counts.
    (S.PENDING_CANCEL, E.AMENDED): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, E.AMEND_REJECTED): S.PENDING_CANCEL,
    # --- after the end ---------------------------------------------------------------------------
    # Late fill report: order pushes and deal pushes travel separately (Futu), so an execution
    # made before the cancel or the expiry can be reported after it. The fill is booked; the
    # order stays finished.
    (S.CANCELLED, E.PARTIALLY_FILLED): S.CANCELLED,
    (S.EXPIRED, E.PARTIALLY_FILLED): S.EXPIRED,
}

# Replies that end a request and leave the order working as it was; see the module docstring.
RESUMING: frozenset[tuple[OrderStatus, OrderEvent]] = frozenset(
    {
        (S.PENDING_UPDATE, E.AMENDED),
        (S.PENDING_UPDATE, E.AMEND_REJECTED),
        (S.PENDING_CANCEL, E.CANCEL_REJECTED),
    }
)

# The statuses a request can return to.
RESUMABLE: frozenset[OrderStatus] = frozenset(
    {S.SUBMITTED, S.ACCEPTED, S.TRIGGERED, S.PARTIALLY_FILLED}
)


class InvalidTransition(ValueError):
    """An event that cannot happen to an order in its current status."""

    def __init__(self, status: OrderStatus, event: OrderEvent, detail: str = "") -> None:
        self.status = status
        self.event = event
        valid = sorted(e.value for (s, e) in (*TRANSITIONS, *RESUMING) if s is status)
        expected = ", ".join(valid) if valid else "none: the order is finished"
        message = f"an order that is {status.value} cannot be {event.value}"
        if detail:
            message += f" ({detail})"
        super().__init__(f"{message}; events valid here: {expected}")


def transition(
    status: OrderStatus, event: OrderEvent, *, resume: OrderStatus | None = None
) -> OrderStatus:
    """The status after `event`; raises `InvalidTransition` for a pair the table does not know.

    `resume` is required for, and only accepted on, the pairs in `RESUMING`.
    """
    following = TRANSITIONS.get((status, event))
    if following is not None:
        if resume is not None:
            raise InvalidTransition(status, event, "resume applies only to a request's reply")
        return following
    if (status, event) in RESUMING:
        if resume is None:
            raise InvalidTransition(status, event, "say which status to resume")
        if resume not in RESUMABLE:
            raise InvalidTransition(status, event, f"cannot resume to {resume.value}")
        return resume
    raise InvalidTransition(status, event)


def resume_status(*, accepted: bool, triggered: bool, filled_qty: Decimal) -> OrderStatus:
    """The working status an order has, from what it has been through, when no request is in
    flight: the `resume` to pass for a request's reply."""
    if filled_qty > 0:
        return S.PARTIALLY_FILLED
    if triggered:
        return S.TRIGGERED
    return S.ACCEPTED if accepted else S.SUBMITTED
