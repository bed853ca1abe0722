"""What the adapter has seen of each order, and the updates it makes of it.

Futu reports an order's state (status, terms, what filled), not what changed, and numbers
nothing: so the adapter derives the change and the sequence number itself, in ways that give a
repeat the same number and keep the venue's order whatever order the pushes arrive in.

* Sequence numbers come from the venue's own clock: an order's `updated_time` (a fill's
  `create_time`), to the millisecond, times 1000, plus the first free number from there when
  two different changes share a millisecond (ties break in arrival order; Futu stamps each
  change separately). A change seen again (a duplicate push, or the push of an update the
  adapter already reported from `place_order`'s answer) gets the number it got first.
* The change an order state is: CANCELLED / REJECTED by status; ACCEPTED for the first working
  state; AMENDED when its terms differ from those of the state just before it *in venue time*
  (or, with none seen, from the terms sent). Fills come from the fill pushes (each with Futu's
  fill id as trade id): FILLED once what filled reaches the order's quantity, else
  PARTIALLY_FILLED.
* A push repeats what it says each time it arrives; a state read by a query is recorded (so
  later pushes compare against it) but reported only when `place_order` returns (an update may
  arrive before or after the call's answer: whichever comes first reports it, the other is
  absorbed once).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tradeplan.brokers.futu.mapping import (
    Terms,
    dec,
    order_of_row,
    qty,
    status_event,
    terms_of_row,
)
from tradeplan.core.enums import Side
from tradeplan.orders.model import Order, OrderEvent, OrderStatus
from tradeplan.ports.broker import OrderUpdate

_EPOCH = datetime(1970, 1, 1)

STATUS: dict[str, OrderStatus] = {
    "SUBMITTED": OrderStatus.ACCEPTED,
    "FILLED_PART": OrderStatus.PARTIALLY_FILLED,
    "FILLED_ALL": OrderStatus.FILLED,
    "CANCELLING_PART": OrderStatus.PENDING_CANCEL,
    "CANCELLING_ALL": OrderStatus.PENDING_CANCEL,
    "CANCELLED_PART": OrderStatus.CANCELLED,
    "CANCELLED_ALL": OrderStatus.CANCELLED,
    "DELETED": OrderStatus.CANCELLED,
    "DISABLED": OrderStatus.CANCELLED,
    "FAILED": OrderStatus.REJECTED,
    "SUBMIT_FAILED": OrderStatus.REJECTED,
    "FILL_CANCELLED": OrderStatus.CANCELLED,
}


def venue_ms(text: str) -> int:
    """Milliseconds of a Futu time text (exchange-local; only its order matters here)."""
    text = text.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            when = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return int((when - _EPOCH).total_seconds() * 1000)
    return 0


def venue_time(text: str) -> datetime:
    ms = venue_ms(text)
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass
class Track:
    order_id: str
    client_id: str
    template: Order | None = None
    sent: Terms | None = None
    states: dict[str, tuple[str, Terms]] = field(default_factory=dict)  # time -> status, terms
    latest: dict[str, Any] | None = None
    fills: dict[str, tuple[str, Decimal]] = field(default_factory=dict)  # fill id -> time, qty

    def order(self) -> Order | None:
        if self.latest is not None:
            built = order_of_row(self.latest, self.client_id, self.template)
            if built is not None:
                return built
        return self.template


class Tracker:
    """Thread-safe; see the module docstring."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.by_order: dict[str, Track] = {}
        self.by_client: dict[str, str] = {}
        self._emitted: dict[tuple[str, ...], OrderUpdate] = {}
        self._synthetic: set[tuple[str, ...]] = set()
        self._absorbed: set[tuple[str, ...]] = set()
        self._seqs: dict[tuple[str, ...], int] = {}
        self._used: set[int] = set()
        self._expected: dict[str, tuple[Order, Terms]] = {}

    # --- bookkeeping ---------------------------------------------------------------------

    def expect(self, client_id: str, template: Order, terms: Terms) -> None:
        """An order about to be sent: its push may come before `place_order` returns, and must
        carry what Futu does not (the tag, reduce_only, oco) all the same."""
        with self._lock:
            self._expected[client_id] = (template, terms)

    def sent(self, client_id: str, order_id: str, template: Order, terms: Terms) -> Track:
        with self._lock:
            track = self.by_order.get(order_id) or Track(order_id, client_id)
            track.template, track.sent = template, terms
            self.by_order[order_id] = track
            self.by_client[client_id] = order_id
            return track

    def track_of_row(self, row: dict[str, Any]) -> Track | None:
        client_id = str(row.get("remark") or "")
        if not client_id:
            return None
        order_id = str(row["order_id"])
        with self._lock:
            track = self.by_order.get(order_id)
            if track is None:
                track = Track(order_id, client_id)
                expected = self._expected.get(client_id)
                if expected is not None:
                    track.template, track.sent = expected
                self.by_order[order_id] = track
                self.by_client.setdefault(client_id, order_id)
            return track

    def client_of(self, order_id: str) -> str | None:
        with self._lock:
            track = self.by_order.get(order_id)
            return track.client_id if track else None

    def seq(self, key: tuple[str, ...], time_text: str) -> int:
        with self._lock:
            known = self._seqs.get(key)
            if known is not None:
                return known
            number = max(venue_ms(time_text), 0) * 1000 + 1
            while number in self._used:
                number += 1
            self._used.add(number)
            self._seqs[key] = number
            return number

    def _deliver(
        self, key: tuple[str, ...], make: Callable[[int], OrderUpdate], *, push: bool
    ) -> list[OrderUpdate]:
        if key in self._emitted:
            if not push:
                return []
            if key in self._synthetic and key not in self._absorbed:
                self._absorbed.add(key)
                return []
            return [self._emitted[key]]
        if not push:
            self._synthetic.add(key)
        update = make(self.seq(key, key[-1]))
        self._emitted[key] = update
        return [update]

    # --- observations --------------------------------------------------------------------

    def order_state(self, row: dict[str, Any], *, push: bool, report: bool) -> list[OrderUpdate]:
        """Record one state of an order; the update it makes when `report` (module docstring)."""
        with self._lock:
            track = self.track_of_row(row)
            if track is None:
                return []
            stamp = str(row.get("updated_time", ""))
            status = str(row.get("order_status", ""))
            terms = terms_of_row(row)
            kind = status_event(status)
            if kind is None and status in ("SUBMITTED", "FILLED_PART"):
                earlier = [t for t in track.states if venue_ms(t) < venue_ms(stamp)]
                if earlier:
                    before = track.states[max(earlier, key=venue_ms)][1]
                    kind = OrderEvent.AMENDED if before != terms else None
                elif status == "SUBMITTED":
                    changed = track.sent is not None and track.sent != terms
                    kind = OrderEvent.AMENDED if changed else OrderEvent.ACCEPTED
            track.states[stamp] = (status, terms)
            if track.latest is None or venue_ms(stamp) >= venue_ms(
                str(track.latest.get("updated_time", ""))
            ):
                track.latest = row
            if kind is None or not report:
                return []
            order = track.order()
            if order is None:
                return []
            reason = str(row.get("last_err_msg") or "") if kind is OrderEvent.REJECTED else ""
            if kind is OrderEvent.REJECTED and not reason:
                reason = f"Futu status {status}"
            key = (track.order_id, kind.value, stamp)
            return self._deliver(
                key,
                lambda seq: OrderUpdate(kind, order, venue_time(stamp), reason=reason, seq=seq),
                push=push,
            )

    def fill(self, deal: dict[str, Any], *, push: bool, report: bool) -> list[OrderUpdate]:
        """Record one fill; its PARTIALLY_FILLED or FILLED update when `report`."""
        with self._lock:
            order_id = str(deal.get("order_id", ""))
            track = self.by_order.get(order_id)
            if track is None:
                return []
            fill_id = str(deal["deal_id"])
            stamp = str(deal.get("create_time", ""))
            amount = qty(deal["qty"])
            track.fills[fill_id] = (stamp, amount)
            if not report:
                return []
            order = track.order()
            if order is None:
                return []
            mark = (venue_ms(stamp), fill_id)
            done = sum(
                (q for fid, (t, q) in track.fills.items() if (venue_ms(t), fid) <= mark),
                Decimal(0),
            )
            kind = OrderEvent.FILLED if done >= order.qty else OrderEvent.PARTIALLY_FILLED
            price = dec(deal["price"])
            key = ("fill", fill_id, stamp)
            return self._deliver(
                key,
                lambda seq: OrderUpdate(
                    kind,
                    order,
                    venue_time(stamp),
                    fill_price=price,
                    fill_qty=amount,
                    seq=seq,
                    trade_id=fill_id,
                ),
                push=push,
            )


def side_of(text: str) -> Side:
    return Side.BUY if text in ("BUY", "BUY_BACK") else Side.SELL


__all__ = ["STATUS", "Track", "Tracker", "side_of", "venue_ms", "venue_time"]
