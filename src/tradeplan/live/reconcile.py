"""Reconcile on start and after a reconnect: what happened at the broker while the bot was away.

../shared/LIVE.md section 1 is the design: read the broker's open orders, fills since the stored
cursor and positions; match by client id; feed what happened through the normal update path (so
an exit placed when an entry filled is placed now, as it would have been); never touch an order
that is not ours; compare positions, and refuse to trade while they disagree.

The steps, for each strategy:
1. Fills after the cursor that belong to our orders and were not booked yet become fill updates
   (PARTIALLY_FILLED, or FILLED for the one that completes the order). A fill seen before is
   known by its trade id and skipped.
2. Every order the book holds as working that the broker no longer lists as open is looked up:
   cancelled or expired there becomes that update; filled, its fills came in step 1.
3. Intents whose outcome is unknown (UNKNOWN, or PENDING_SEND after a crash between the commit
   and the send) are looked up by client id (`SendGate.resolve_unknown`): never sent twice.
   This comes after the fills, so an exit stored but not sent is not sent for a position the
   broker closed while the bot was away.
4. Net positions per instrument (ours summed over strategies) are compared with the broker's. A
   difference halts new entries with the reason written (`tradeplan status` shows it) until a
   later reconcile agrees.

The result is a `ReconcileReport`, logged and stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from tradeplan.core.enums import Side
from tradeplan.core.money import ZERO
from tradeplan.live.client_ids import parse_client_id
from tradeplan.orders.model import OrderEvent, OrderStatus
from tradeplan.ports.broker import OrderUpdate
from tradeplan.ports.live import BrokerUnavailable, FillReport, LiveBrokerPort
from tradeplan.runtime.engine import Engine

_ENDED = {
    OrderStatus.CANCELLED: OrderEvent.CANCELLED,
    OrderStatus.EXPIRED: OrderEvent.EXPIRED,
    OrderStatus.REJECTED: OrderEvent.REJECTED,
}


@dataclass(slots=True)
class ReconcileReport:
    """What one pass found. `in_sync` is True when positions agree with the broker."""

    time: datetime
    resolved: int = 0
    fills_applied: int = 0
    orders_ended: int = 0
    external_orders: list[str] = field(default_factory=list)
    positions: dict[str, tuple[str, str]] = field(default_factory=dict)  # ours, broker's
    in_sync: bool = True
    problems: list[str] = field(default_factory=list)
    unavailable: bool = False

    def to_json(self) -> str:
        return json.dumps(
            {
                "time": self.time.isoformat(),
                "resolved": self.resolved,
                "fills_applied": self.fills_applied,
                "orders_ended": self.orders_ended,
                "external_orders": self.external_orders,
                "positions": {k: {"ours": a, "broker": b} for k, (a, b) in self.positions.items()},
                "in_sync": self.in_sync,
                "problems": self.problems,
                "unavailable": self.unavailable,
            },
            sort_keys=True,
        )

    def sentence(self) -> str:
        parts = [
            f"{self.resolved} unknown orders looked up",
            f"{self.fills_applied} fills caught up",
            f"{self.orders_ended} orders ended while away",
        ]
        if self.external_orders:
            parts.append(f"{len(self.external_orders)} orders not ours left alone")
        state = "in sync" if self.in_sync else "NOT in sync: " + "; ".join(self.problems)
        return "reconciled: " + ", ".join(parts) + f"; positions {state}"


@dataclass(frozen=True, slots=True)
class Held:
    """One strategy as reconcile sees it."""

    name: str
    tag: str
    engine: Engine
    apply: Callable[[OrderUpdate], None]  # the normal update path (dedupe, store, engine)
    resolve: Callable[[], int]  # SendGate.resolve_unknown
    # Whether a fill of this trade id is booked already: the fills a live run took as
    # updates come back in `fills_since` until the cursor passes them, and are skipped here
    # quietly (a repeat the update path would log as a duplicate).
    known: Callable[[str], bool] = lambda trade_id: False


def reconcile(
    broker: LiveBrokerPort,
    held: Sequence[Held],
    cursor: str | None,
    now: datetime,
) -> tuple[ReconcileReport, str | None]:
    """One pass (module docstring); returns the report and the cursor to store."""
    report = ReconcileReport(now)
    by_tag = {h.tag: h for h in held}
    try:
        # What happened first: fills while away (a stop that closed a position) come in before
        # anything stored but not sent is settled, so an exit is never sent for a position
        # the broker has already closed.
        batch = broker.fills_since(cursor)
        for fill in batch.fills:
            parsed = parse_client_id(fill.client_id)
            owner = by_tag.get(parsed[0]) if parsed else None
            if owner is None or (fill.trade_id and owner.known(fill.trade_id)):
                continue
            if _apply_fill(owner, fill):
                report.fills_applied += 1
        cursor = batch.cursor
        open_ids = set()
        for order in broker.open_orders():
            parsed = parse_client_id(order.client_id)
            if parsed is None or parsed[0] not in by_tag:
                report.external_orders.append(order.client_id)
            open_ids.add(order.client_id)
        for h in held:
            for working in h.engine.book.working():
                order_id = working.order.id
                if order_id in open_ids:
                    continue
                found = broker.lookup(order_id)
                if found is None or found.status not in _ENDED:
                    continue
                h.apply(OrderUpdate(_ENDED[found.status], found.order, found.time, seq=found.seq))
                report.orders_ended += 1
        for h in held:
            report.resolved += h.resolve()
        _compare_positions(broker, held, report)
    except BrokerUnavailable as exc:
        report.unavailable = True
        report.in_sync = False
        report.problems.append(f"the broker could not be asked: {exc}")
    return report, cursor


def _apply_fill(h: Held, fill: FillReport) -> bool:
    book = h.engine.book
    order = book.order(fill.client_id)
    if order is None:
        return False  # ours by its tag but not in the book: an order of a run before this one
    done = book.filled(fill.client_id) + fill.qty >= order.qty
    update = OrderUpdate(
        OrderEvent.FILLED if done else OrderEvent.PARTIALLY_FILLED,
        order,
        fill.time,
        fill_price=fill.price,
        fill_qty=fill.qty,
        fee=fill.fee,
        reason="caught up after a restart or reconnect",
        seq=fill.seq,
        trade_id=fill.trade_id,
    )
    before = book.filled(fill.client_id)
    h.apply(update)
    return book.filled(fill.client_id) != before


def _compare_positions(
    broker: LiveBrokerPort, held: Sequence[Held], report: ReconcileReport
) -> None:
    ours: dict[str, Decimal] = {}
    for h in held:
        symbol = h.engine.instrument.symbol
        total = ours.get(symbol, ZERO)
        for position in h.engine.ledger.open.values():
            total += position.qty if position.side is Side.BUY else -position.qty
        ours[symbol] = total
    theirs = {p.symbol: p.qty for p in broker.positions()}
    for symbol in sorted(set(ours) | set(theirs)):
        mine, broker_qty = ours.get(symbol, ZERO), theirs.get(symbol, ZERO)
        report.positions[symbol] = (format(mine, "f"), format(broker_qty, "f"))
        if mine != broker_qty:
            report.in_sync = False
            report.problems.append(
                f"{symbol}: the strategies hold {mine:f}, the broker {broker_qty:f}"
            )


__all__ = ["Held", "ReconcileReport", "reconcile"]
