"""What a broker adapter gives the conformance suite, and what the suite trades with it.

An adapter plugs in with a `Harness` factory (README.md): given a `Feed` (the bars the suite
wants the market to make), it starts its venue (the paper venue, or the adapter's fake server
on 127.0.0.1 that speaks the broker's wire protocol) and a client of it, the `LiveBrokerPort`
under test. The harness drives the venue (`step`) and injects faults; the suite only ever talks
to the broker through the port, as the live runtime will.

`Recorder` is the consumer: it records every report in arrival order and de-duplicates the way
the port tells a consumer to (by sequence number, per order: a report at or below the last one
seen for an order is stale or a repeat), through the project's own order book.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal as D
from typing import Protocol

from tradeplan.core.enums import OrderType, Side
from tradeplan.core.instrument import Instrument, default_instrument
from tradeplan.orders.book import Anomaly, AnomalyKind, OrderBook
from tradeplan.orders.model import Order, OrderEvent, Trail
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.ports.live import FeedState, LiveBar, LiveBrokerPort

INSTRUMENT: Instrument = default_instrument("USD/JPY")  # tick 0.001, step 1
QTY = D(1000)
SPREAD = "0.010"

# Bid open, high, low, close. On FLAT the Ask stays within 149.960..150.060: the resting orders
# below never act. WIDE runs from 148 to 152 and back: every one of them fills.
FLAT = ("150.000", "150.050", "149.950", "150.000")
WIDE = ("150.000", "152.000", "148.000", "150.000")


@dataclass(frozen=True)
class Feed:
    """The market the suite asks for: one-minute bars of `INSTRUMENT` (Bid prices, the Ask at
    Bid + `SPREAD`), a volume per bar (None: unknown), and the venue's limits: at most
    `max_volume_share` of a bar's volume per order (None: no limit), the account's `balance`
    and `leverage` (None: no margin check)."""

    bars: tuple[tuple[str, str, str, str], ...]
    volumes: tuple[str, ...] | None = None
    max_volume_share: D | None = None
    balance: D = D(100_000_000)
    leverage: D | None = None


class Harness(Protocol):
    """One venue and one client of it; see the module docstring and README.md."""

    @property
    def broker(self) -> LiveBrokerPort:
        """The client under test (after `restart_client`, the new one)."""
        ...

    def step(self, rows: int = 1) -> None:
        """Let the venue process the next `rows` bars. While connected, return only once every
        report and bar the venue sent for them has reached the client's listeners."""
        ...

    def timeout_next_submit(self, *, placed: bool) -> None:
        """The client's next submit gets no answer (it raises OutcomeUnknown); the venue places
        the order all the same when `placed`, else it never receives it."""
        ...

    def reject_next_submit(self, reason: str) -> None:
        """The venue refuses the next order it is sent, for `reason`."""
        ...

    def duplicate_updates(self, on: bool) -> None:
        """The venue sends every order update twice."""
        ...

    def reorder_updates(self, on: bool) -> None:
        """The venue holds updates back and sends them after later ones."""
        ...

    def disconnect(self) -> None:
        """Cut the client off the venue (updates and bars are lost); the venue trades on."""
        ...

    def reconnect(self) -> None:
        """Let the client back in; return once it is connected and has said so (LIVE)."""
        ...

    def restart_client(self) -> LiveBrokerPort:
        """Kill the client as a crash would (no goodbye) and start a new one on the same
        venue, not yet connected to any listener; it becomes `broker`."""
        ...

    def close(self) -> None: ...


VenueFactory = Callable[[Feed], Harness]


# --- the consumer ---------------------------------------------------------------------------------


@dataclass
class Recorder:
    """A broker and market listener that keeps everything, thread-safe."""

    updates: list[OrderUpdate] = field(default_factory=list)
    touches: list[PriceTouch] = field(default_factory=list)
    bars: list[LiveBar] = field(default_factory=list)
    states: list[FeedState] = field(default_factory=list)
    events: list[object] = field(default_factory=list)  # updates and bars in arrival order
    during_call: list[OrderUpdate] = field(default_factory=list)  # arrived inside a command
    book: OrderBook = field(default_factory=OrderBook)
    anomalies: list[Anomaly] = field(default_factory=list)
    _in_call: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on_order_update(self, update: OrderUpdate) -> None:
        with self._lock:
            self.updates.append(update)
            self.events.append(update)
            if self._in_call:
                self.during_call.append(update)
            if update.order.id in self.book:
                anomaly = self.book.apply(update)
                if anomaly is not None:
                    self.anomalies.append(anomaly)

    def on_price_touch(self, touch: PriceTouch) -> None:
        with self._lock:
            self.touches.append(touch)

    def on_bar(self, bar: LiveBar) -> None:
        with self._lock:
            self.bars.append(bar)
            self.events.append(bar)

    def on_feed_state(self, state: FeedState, detail: str) -> None:
        with self._lock:
            self.states.append(state)

    @contextmanager
    def calling(self) -> Iterator[None]:
        """Mark updates that arrive while a command is in progress."""
        self._in_call = True
        try:
            yield
        finally:
            self._in_call = False

    def changes(self) -> list[tuple[str, OrderEvent, D | None]]:
        """Each change once, in the venue's order: de-duplicated and sorted by sequence number."""
        with self._lock:
            unique = {u.seq: u for u in self.updates}
        return [(u.order.id, u.kind, u.fill_qty) for _, u in sorted(unique.items())]

    def kinds(self, client_id: str) -> list[OrderEvent]:
        return [c[1] for c in self.changes() if c[0] == client_id]

    def not_stale(self) -> list[Anomaly]:
        """What the consumer's book refused for another reason than a repeat or a late report."""
        return [a for a in self.anomalies if a.kind is not AnomalyKind.STALE]


def attach(broker: LiveBrokerPort, recorder: Recorder | None = None) -> Recorder:
    recorder = recorder or Recorder()
    broker.connect(recorder)
    broker.subscribe(recorder)
    return recorder


def submit(broker: LiveBrokerPort, recorder: Recorder, order: Order) -> None:
    """Send `order` as the runtime does: into the consumer's book first, then to the broker."""
    recorder.book.place(order)
    with recorder.calling():
        broker.submit(order)


# --- the orders ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeCase:
    """An order of one type that rests on FLAT bars and fills on WIDE, and an amendment."""

    order: Callable[[str], Order]
    amend: dict[str, D]


def _order(kind: OrderType, **fields: object) -> Callable[[str], Order]:
    def make(client_id: str) -> Order:
        return Order(client_id, Side.BUY, kind, QTY, **fields)  # type: ignore[arg-type]

    return make


CASES: dict[OrderType, TypeCase] = {
    OrderType.MARKET: TypeCase(_order(OrderType.MARKET), {"qty": D(2000)}),
    OrderType.LIMIT: TypeCase(_order(OrderType.LIMIT, price=D("149.500")), {"price": D("149.400")}),
    OrderType.STOP: TypeCase(
        _order(OrderType.STOP, trigger=D("150.500")), {"trigger": D("150.600")}
    ),
    OrderType.STOP_LIMIT: TypeCase(
        _order(OrderType.STOP_LIMIT, trigger=D("150.500"), price=D("150.700")),
        {"trigger": D("150.600"), "price": D("150.800")},
    ),
    OrderType.MARKET_IF_TOUCHED: TypeCase(
        _order(OrderType.MARKET_IF_TOUCHED, trigger=D("149.500")), {"trigger": D("149.400")}
    ),
    OrderType.LIMIT_IF_TOUCHED: TypeCase(
        _order(OrderType.LIMIT_IF_TOUCHED, trigger=D("149.500"), price=D("149.600")),
        {"trigger": D("149.400"), "price": D("149.500")},
    ),
    OrderType.TRAILING_STOP: TypeCase(
        _order(OrderType.TRAILING_STOP, trail=Trail.amount(D("1.000"))), {"qty": D(2000)}
    ),
    OrderType.TRAILING_STOP_LIMIT: TypeCase(
        _order(
            OrderType.TRAILING_STOP_LIMIT, trail=Trail.amount(D("1.000")), limit_offset=D("0.100")
        ),
        {"qty": D(2000)},
    ),
}


def resting(client_id: str, price: str = "149.500") -> Order:
    """A buy limit below FLAT's Ask (fills on WIDE when priced above 148.01)."""
    return Order(client_id, Side.BUY, OrderType.LIMIT, QTY, price=D(price))


def market(client_id: str, qty: D = QTY, side: Side = Side.BUY) -> Order:
    return Order(client_id, side, OrderType.MARKET, qty)
