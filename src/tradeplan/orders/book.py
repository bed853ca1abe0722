"""The order book: every order a run has sent, with its status, changed in one place.

Why it exists. A broker talks nonsense now and then: a fill reported twice, a fill after the
order was cancelled, an update for an order nobody sent, a fill for more than the order's
quantity. Acting on such an update books a position twice or loses one. The book applies every
event through the order state table (`state_machine.transition`) and refuses, without raising,
whatever the table does not allow; the refusal comes back as an `Anomaly` for the caller to
report (the engine raises an alert and asks for a reconciliation with the broker).

What it checks, for each update of an order it holds:

* the pair (current status, event) is in the table, or is a request's reply that resumes the
  order's working status (`RESUMING`; the status to resume to comes from what the order has been
  through, `resume_status`);
* a fill has a positive quantity and keeps the total filled within the order's quantity (a
  FILLED without a quantity fills the rest).

A refused update changes nothing. Note that the table lets a finished order take one thing: a
late report of a part fill made before it was cancelled or expired (order and deal pushes travel
separately, Futu); the fill is counted and the order stays finished.

Amendments. An order amended to new levels (price, trigger) has its trigger armed again: the
paper venue restarts a stop-limit's trigger on its new level and reports TRIGGERED anew, so a
request's reply resumes to a triggered status only if the order was triggered since its last
amendment. (A venue that keeps the old trigger simply reports no second one.) An amendment of the
quantity alone (an exit resized to a position that grew or shrank) keeps the trigger as it was.

Implied acceptance. Some brokers leave out the acknowledgement (the paper broker in a backtest
does, to save a message per order nobody reads). A report that only a working order can get
(EXPIRED, AMENDED) for an order still SUBMITTED is therefore taken to include it: the book
applies ACCEPTED, then the report, both through the table.

Pure logic, no I/O: the book holds values and answers questions about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Protocol

from tradeplan.core.money import ZERO
from tradeplan.orders.model import TERMINAL, Order, OrderEvent, OrderStatus
from tradeplan.orders.state_machine import RESUMING, TRANSITIONS, resume_status

_FILLS = frozenset({OrderEvent.PARTIALLY_FILLED, OrderEvent.FILLED})
_PLACED = TRANSITIONS[(OrderStatus.INITIALIZED, OrderEvent.PLACED)]
_LEVELS = ("price", "trigger", "trail", "limit_offset", "activation")
# Reports a broker sends only about an order it has accepted (see "Implied acceptance").
_IMPLY_ACCEPTED = frozenset({OrderEvent.EXPIRED, OrderEvent.AMENDED})


def words(value: OrderStatus | OrderEvent) -> str:
    """A status or an event as plain words: `partially_filled` reads "partially filled"."""
    return str(value.value).replace("_", " ")


class Report(Protocol):
    """What the book reads of a broker's report: `ports.broker.OrderUpdate` is one (the port
    sits above this layer, so the book names only the fields it needs)."""

    @property
    def kind(self) -> OrderEvent: ...

    @property
    def order(self) -> Order: ...

    @property
    def fill_qty(self) -> Decimal | None: ...

    @property
    def seq(self) -> int: ...


class AnomalyKind(Enum):
    """Why an update was refused."""

    UNKNOWN_ORDER = "unknown_order"  # no order with that id was sent
    NOT_ALLOWED = "not_allowed"  # the state table has no such move
    OVERFILL = "overfill"  # the fill takes the total beyond the order's quantity
    NO_QUANTITY = "no_quantity"  # a part fill without a positive quantity
    STALE = "stale"  # a sequence number at or below the last one applied to the order


@dataclass(frozen=True, slots=True)
class Anomaly:
    """An update the book did not apply. `status` is the order's status, which the update left
    unchanged (None: the book holds no such order); `event` what the update reported."""

    kind: AnomalyKind
    order_id: str
    event: OrderEvent
    status: OrderStatus | None
    detail: str = ""

    @property
    def message(self) -> str:
        """What happened, in plain words, naming the order and both states."""
        said = f"the broker reported order {self.order_id} as {words(self.event)}"
        if self.status is None:
            return f"{said}, but this run never sent an order {self.order_id}"
        status = words(self.status)
        if self.kind is AnomalyKind.NOT_ALLOWED:
            event = words(self.event)
            return f"{said}, but it is {status}, and an order that is {status} cannot be {event}"
        return f"{said}, but {self.detail} (the order is {status})"


@dataclass(frozen=True, slots=True)
class WorkingOrder:
    """A working order as the book holds it, for a live run's state store."""

    order: Order
    owner: str
    status: OrderStatus
    filled: Decimal = ZERO
    accepted: bool = False
    triggered: bool = False
    seq: int = 0


@dataclass(slots=True)
class _Entry:
    """What the book knows about one order; mutable, private, changed only by `_step`."""

    order: Order
    owner: str
    status: OrderStatus
    filled: Decimal = ZERO
    accepted: bool = False
    triggered: bool = False
    seq: int = 0  # the broker's sequence number of the last report applied


class OrderBook:
    """Every order the engine has sent, by id, with its status from the state table.

    Local events (the order was placed, a cancel was sent) and the broker's reports go through
    the same `_step`, so the status of an order changes in this one place.
    """

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._working: dict[str, _Entry] = {}  # the entries not finished, in placement order

    # --- what the engine does -------------------------------------------------------------------

    def add(self, order: Order, owner: str = "") -> None:
        """Hold a new order, not yet sent (INITIALIZED). `owner` names who placed it, for
        messages. An id used twice is a bug in the caller, not the broker: it raises."""
        if order.id in self._entries:
            raise ValueError(f"order {order.id} is already in the order book")
        self._entries[order.id] = self._working[order.id] = _Entry(
            order, owner, OrderStatus.INITIALIZED
        )

    def place(self, order: Order, owner: str = "") -> None:
        """Hold a new order that is being sent now: INITIALIZED moved by PLACED, which the
        table always allows (`_PLACED`, checked at import), without a lookup per order."""
        if order.id in self._entries:
            raise ValueError(f"order {order.id} is already in the order book")
        self._entries[order.id] = self._working[order.id] = _Entry(order, owner, _PLACED)

    def note(self, order_id: str, event: OrderEvent) -> Anomaly | None:
        """Apply a local event (placed, cancel requested, ...) the way `apply` applies a
        broker's report; a FILLED noted here fills the rest of the order."""
        return self._step(self._entries.get(order_id), order_id, event, None, None)

    def request_cancel(self, order_id: str) -> bool:
        """Note that a cancel is being sent; False when there is nothing to cancel (an
        unknown or finished order, or a cancel already in flight): then send nothing."""
        return self.note(order_id, OrderEvent.CANCEL_REQUESTED) is None

    # --- what the broker says -------------------------------------------------------------------

    def apply(self, update: Report) -> Anomaly | None:
        """Apply one broker report (an `OrderUpdate`); None when applied, else the `Anomaly`,
        and nothing changed."""
        entry = self._entries.get(update.order.id)
        if entry is not None and update.seq and update.seq <= entry.seq:
            detail = (
                f"its sequence number {update.seq} is not after the last one applied, "
                f"{entry.seq}: a stale or repeated report"
            )
            return Anomaly(AnomalyKind.STALE, update.order.id, update.kind, entry.status, detail)
        anomaly = self._step(entry, update.order.id, update.kind, update.fill_qty, update.order)
        if anomaly is None and entry is not None and update.seq:
            entry.seq = update.seq
        return anomaly

    # --- questions ------------------------------------------------------------------------------

    def __contains__(self, order_id: object) -> bool:
        return order_id in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def status(self, order_id: str) -> OrderStatus | None:
        """The order's status; None for an order the book does not hold."""
        entry = self._entries.get(order_id)
        return None if entry is None else entry.status

    def filled(self, order_id: str) -> Decimal:
        """How much of the order has been filled (zero for an unknown one)."""
        entry = self._entries.get(order_id)
        return ZERO if entry is None else entry.filled

    def order(self, order_id: str) -> Order | None:
        """The order's terms as last reported (an amendment changes them)."""
        entry = self._entries.get(order_id)
        return None if entry is None else entry.order

    def owner(self, order_id: str) -> str:
        entry = self._entries.get(order_id)
        return "" if entry is None else entry.owner

    def is_final(self, order_id: str) -> bool:
        """The book holds the order and it is finished: filled, cancelled, expired, rejected
        or denied. Nothing more is sent for it."""
        entry = self._entries.get(order_id)
        return entry is not None and entry.status in TERMINAL

    def is_working(self, order_id: str) -> bool:
        """The book holds the order and it is not finished."""
        entry = self._entries.get(order_id)
        return entry is not None and not entry.status.is_terminal

    # --- a live run's restart ------------------------------------------------------------------

    def working(self) -> tuple[WorkingOrder, ...]:
        """Every order not finished, as values a restarted run can store and `restore`."""
        return tuple(
            WorkingOrder(e.order, e.owner, e.status, e.filled, e.accepted, e.triggered, e.seq)
            for e in self._working.values()
        )

    def restore(self, held: WorkingOrder) -> None:
        """Hold `held` as it was when it was stored (a restarted live run): its status is
        taken as it stands, not replayed through the table, which moved it there before."""
        if held.order.id in self._entries:
            raise ValueError(f"order {held.order.id} is already in the order book")
        entry = _Entry(
            held.order,
            held.owner,
            held.status,
            held.filled,
            held.accepted,
            held.triggered,
            held.seq,
        )
        self._entries[held.order.id] = entry
        if not held.status.is_terminal:
            self._working[held.order.id] = entry

    # --- the one place where a status changes ---------------------------------------------------

    def _step(
        self,
        entry: _Entry | None,
        order_id: str,
        event: OrderEvent,
        fill_qty: Decimal | None,
        order: Order | None,
    ) -> Anomaly | None:
        if entry is None:
            return Anomaly(AnomalyKind.UNKNOWN_ORDER, order_id, event, None)
        status = entry.status
        implied = False
        rearmed = event is OrderEvent.AMENDED and not _resized_only(entry.order, order)
        following = TRANSITIONS.get((status, event))
        if following is None:
            following = _next(entry, status, event, rearmed)
        if following is None and status is OrderStatus.SUBMITTED and event in _IMPLY_ACCEPTED:
            accepted = TRANSITIONS[(status, OrderEvent.ACCEPTED)]
            following = _next(entry, accepted, event, rearmed)
            implied = following is not None
        if following is None:
            return Anomaly(AnomalyKind.NOT_ALLOWED, order_id, event, status)
        qty = ZERO
        if event in _FILLS:
            terms = entry.order if order is None else order
            rest = terms.qty - entry.filled
            qty = rest if fill_qty is None and event is OrderEvent.FILLED else fill_qty or ZERO
            if qty <= 0:
                detail = "the report gives no quantity filled"
                return Anomaly(AnomalyKind.NO_QUANTITY, order_id, event, status, detail)
            if qty > rest:
                detail = (
                    f"a fill of {qty} is more than the {rest} left unfilled of the "
                    f"{terms.qty} ordered"
                )
                return Anomaly(AnomalyKind.OVERFILL, order_id, event, status, detail)
        entry.status = following
        if following in TERMINAL:
            self._working.pop(order_id, None)
        if qty:
            entry.filled += qty
        if order is not None:
            entry.order = order
        if implied or event is OrderEvent.ACCEPTED:
            entry.accepted = True
        if event is OrderEvent.TRIGGERED:
            entry.triggered = True
        elif rearmed:
            entry.triggered = False  # new levels arm the trigger again (see the docstring)
        return None


def _resized_only(before: Order, after: Order | None) -> bool:
    """Whether an amendment changed the quantity and none of the levels a trigger hangs on."""
    if after is None or after.qty == before.qty:
        return False
    return all(getattr(after, name) == getattr(before, name) for name in _LEVELS)


def _next(
    entry: _Entry, status: OrderStatus, event: OrderEvent, rearmed: bool
) -> OrderStatus | None:
    """The status the table gives for `event` in `status`, or None where it has no move."""
    following = TRANSITIONS.get((status, event))
    if following is not None or (status, event) not in RESUMING:
        return following
    # An amendment to new levels resumes on terms whose trigger has not been reached.
    triggered = entry.triggered and not rearmed
    return resume_status(accepted=entry.accepted, triggered=triggered, filled_qty=entry.filled)


__all__ = ["Anomaly", "AnomalyKind", "OrderBook", "Report", "words"]
