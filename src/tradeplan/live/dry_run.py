"""`tradeplan run --dry-run`: everything a live start does, except that nothing is sent.

The bot connects, loads the instrument's rules, restores and reconciles its state, warms up on
the broker's history and takes the next closed bar, so what it *would* send is what it would
really send now. Queries (account, quote, open orders, positions, fills, history) and market
data go to the broker; orders, cancels and amendments stop here and are listed instead. The run
works on a copy of the state folder (`cli/run_cmd.py`), so a dry run changes nothing a later real
run reads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal

from tradeplan.core.enums import Side
from tradeplan.core.money import plain
from tradeplan.orders.model import Order
from tradeplan.ports.broker import AccountSnapshot, BrokerListener, Quote
from tradeplan.ports.live import (
    FillBatch,
    LiveBar,
    LiveBrokerPort,
    MarketListener,
    OrderReport,
    PositionReport,
)
from tradeplan.ports.profiles import BrokerProfile


def describe_order(order: Order) -> str:
    """One line a trader reads: `buy 0.010 stop at 61,250.0 (reduce only, GTC) [tp…]`."""
    parts = [order.side.value, plain(order.qty), order.type.value.replace("_", " ")]
    if order.price is not None:
        parts.append(f"at {plain(order.price)}")
    if order.trigger is not None:
        parts.append(f"trigger {plain(order.trigger)}")
    if order.trail is not None:
        unit = "%" if order.trail.kind.value == "ratio" else ""
        parts.append(f"trail {plain(order.trail.value)}{unit}")
    if order.limit_offset is not None:
        parts.append(f"limit offset {plain(order.limit_offset)}")
    if order.activation is not None:
        parts.append(f"from {plain(order.activation)}")
    notes = [order.time_in_force.value.upper()]
    if order.reduce_only:
        notes.insert(0, "reduce only")
    if order.tag is not None:
        notes.append(order.tag.value.replace("_", " "))
    return f"{' '.join(parts)} ({', '.join(notes)}) [{order.id}]"


@dataclass(frozen=True, slots=True)
class WouldSend:
    """One command the dry run held back, in the order the bot issued them."""

    action: str  # submit, cancel, amend
    order_id: str
    text: str


class DryRunBroker:
    """A `LiveBrokerPort` that passes queries and market data through and keeps commands."""

    def __init__(self, inner: LiveBrokerPort) -> None:
        self.inner = inner  # what it wraps (the runtime asks it for its conversion rate)
        self._lock = threading.Lock()
        self.held: list[WouldSend] = []

    def _hold(self, action: str, order_id: str, text: str) -> None:
        with self._lock:
            self.held.append(WouldSend(action, order_id, text))

    @property
    def profile(self) -> BrokerProfile:
        return self.inner.profile

    def connect(self, listener: BrokerListener) -> None:
        self.inner.connect(listener)

    def subscribe(self, listener: MarketListener) -> None:
        self.inner.subscribe(listener)

    def unsubscribe(self, listener: MarketListener) -> None:
        unsubscribe = getattr(self.inner, "unsubscribe", None)
        if unsubscribe is not None:
            unsubscribe(listener)

    def submit(self, order: Order) -> None:
        self._hold("submit", order.id, describe_order(order))

    def cancel(self, order_id: str) -> None:
        self._hold("cancel", order_id, f"cancel {order_id}")

    def amend(
        self,
        order_id: str,
        *,
        price: Decimal | None = None,
        trigger: Decimal | None = None,
        qty: Decimal | None = None,
    ) -> None:
        changes = [
            f"{name} {plain(value)}"
            for name, value in (("price", price), ("trigger", trigger), ("qty", qty))
            if value is not None
        ]
        self._hold("amend", order_id, f"amend {order_id}: {', '.join(changes) or 'no change'}")

    def watch(self, watch_id: str, side: Side, level: Decimal) -> None:
        self.inner.watch(watch_id, side, level)  # a watch trades nothing

    def unwatch(self, watch_id: str) -> None:
        self.inner.unwatch(watch_id)

    def account(self) -> AccountSnapshot:
        return self.inner.account()

    def quote(self) -> Quote | None:
        return self.inner.quote()

    def lookup(self, client_id: str) -> OrderReport | None:
        return self.inner.lookup(client_id)

    def open_orders(self) -> tuple[OrderReport, ...]:
        return self.inner.open_orders()

    def positions(self) -> tuple[PositionReport, ...]:
        return self.inner.positions()

    def fills_since(self, cursor: str | None) -> FillBatch:
        return self.inner.fills_since(cursor)

    def history(self, bars: int) -> tuple[LiveBar, ...]:
        return self.inner.history(bars)

    def close(self) -> None:
        self.inner.close()


__all__ = ["DryRunBroker", "WouldSend", "describe_order"]
