"""The live broker port: what a bot that runs for weeks needs from a broker beyond `BrokerPort`.

A replay can trust every command to land: the paper broker answers at once and never loses a
message. A live broker cannot promise that. A submit may time out with the order in fact placed;
an update may arrive twice, late, out of order, or before the submit call has returned; a
disconnect may swallow fills. So a live broker says more (../shared/LIVE.md, sections 1 and 2):

* **Two kinds of failure, never confused.** `OrderRejected` means the broker proved the order was
  not accepted: it is final and is never re-sent. `OutcomeUnknown` (a timeout, a dropped
  connection, HTTP 503, Binance -1006/-1007, Futu TIMEOUT) means nobody knows: the order may be
  working. The caller marks its intent UNKNOWN and looks the order up by client id
  (`lookup`) before anything is sent again.
* **Reports for reconciling.** `open_orders`, `positions` and `fills_since(cursor)` describe
  the account as the broker has it, so a bot that was away (a crash, a reconnect) can replay what
  happened through its normal update path and compare positions before it trades again.
* **Client ids.** `Order.id` is the client id the bot chose and persisted before the send
  (deterministic per intent, never per attempt); every report carries it back. A broker that has
  no client id of its own (Futu) carries it in the field it has (`remark`).
* **Market data.** `subscribe(listener)` delivers closed bars of the plan's instrument and says
  when the feed goes stale, comes back, or (a recorded feed) ends.

Updates still arrive through `BrokerListener.on_order_update`, from whichever thread the adapter
uses; the live runtime puts them on its one event queue, so the kernel stays single-threaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from tradeplan.core.enums import Side, Word
from tradeplan.core.money import ZERO
from tradeplan.orders.model import Order, OrderStatus
from tradeplan.ports.broker import BrokerPort, FillMark


class OrderRejected(Exception):
    """The broker proved the order was not accepted (a reject code, a validation error). Final:
    the intent is REJECTED and nothing is re-sent for it."""

    def __init__(self, client_id: str, reason: str) -> None:
        super().__init__(f"order {client_id} rejected: {reason}")
        self.client_id = client_id
        self.reason = reason


class OutcomeUnknown(Exception):
    """Nobody knows whether the command reached the broker (timeout, disconnect, 5xx, Binance
    -1006/-1007). The order may be working: look it up by client id before sending again."""

    def __init__(self, client_id: str, reason: str) -> None:
        super().__init__(f"outcome of order {client_id} unknown: {reason}")
        self.client_id = client_id
        self.reason = reason


class BrokerUnavailable(Exception):
    """The broker cannot be reached for a query (`lookup`, `open_orders`, ...): try later. A query
    that fails this way proves nothing (a network error is never "not found")."""


@dataclass(frozen=True, slots=True)
class OrderReport:
    """An order as the broker has it now. `order` carries the terms (amended ones included) with
    `order.id` the client id; `venue_id` is the broker's own id; `filled_qty` what has filled so
    far, at `average_price`. `seq` is the broker's sequence number of the last change."""

    order: Order
    venue_id: str
    status: OrderStatus
    filled_qty: Decimal
    average_price: Decimal | None
    time: datetime
    seq: int = 0

    @property
    def client_id(self) -> str:
        return self.order.id


@dataclass(frozen=True, slots=True)
class FillReport:
    """One execution. `trade_id` is unique per broker (a fill seen twice is the same fill);
    `client_id` names the order it belongs to (empty when the broker does not know it: an order
    placed by hand, a liquidation)."""

    trade_id: str
    client_id: str
    venue_order_id: str
    symbol: str
    side: Side
    qty: Decimal
    price: Decimal
    time: datetime
    fee: Decimal = ZERO
    seq: int = 0


@dataclass(frozen=True, slots=True)
class FillBatch:
    """Fills after a cursor, oldest first, and the cursor to ask from next time (OANDA's last
    transaction id, a trade id, a time: the broker's business, stored as text)."""

    fills: tuple[FillReport, ...]
    cursor: str


@dataclass(frozen=True, slots=True)
class PositionReport:
    """The broker's net position in one instrument: `qty` signed (long > 0, short < 0)."""

    symbol: str
    qty: Decimal
    average_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LiveBar:
    """One closed bar: Bid prices, the Ask at Bid + `spread`, from `open_time` (inclusive) to
    `close_time` (exclusive), as the broker's market data says. Only closed bars are ever
    delivered (Binance's kline flag `x`), so a signal never reads a bar still forming."""

    symbol: str
    open_time: datetime
    close_time: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal | None = None
    spread: Decimal = ZERO


class FeedState(Word):
    LIVE = "live"  # bars arrive
    STALE = "stale"  # no closed bar for too long: no new entries until data returns
    RECONNECTING = "reconnecting"
    ENDED = "ended"  # a recorded feed has no more bars (the paper venue's replay)


class MarketListener(Protocol):
    def on_bar(self, bar: LiveBar) -> None: ...

    def on_feed_state(self, state: FeedState, detail: str) -> None: ...


@runtime_checkable
class MeasuresExcursions(Protocol):
    """A broker that can say how far the market went between two of its fills (the paper
    venue, from its fill model); a live run measures MFE and MAE with it when it can."""

    def excursion(self, side: Side, start: FillMark, end: FillMark) -> tuple[Decimal, Decimal]: ...


@runtime_checkable
class ConvertsToAccount(Protocol):
    """A broker that says what one unit of the instrument's quote currency is worth in the
    account's currency now (OANDA's `quoteHomeConversionFactors`, their mid): the 2% rule sizes
    with the broker's own rate, and P&L is booked at it, as the broker books it."""

    def home_rate(self, price: Decimal) -> Decimal: ...


class LiveBrokerPort(BrokerPort, Protocol):
    """A `BrokerPort` a live runtime can trust with money; see the module docstring.

    `submit`, `cancel` and `amend` may raise `OrderRejected` (proved refused) or `OutcomeUnknown`
    (maybe done); their results still arrive as updates, possibly before the call returns."""

    def lookup(self, client_id: str) -> OrderReport | None:
        """The order with this client id, or None when the broker proves it has none (never
        because of a network error: that raises `BrokerUnavailable`)."""
        ...

    def open_orders(self) -> tuple[OrderReport, ...]: ...

    def positions(self) -> tuple[PositionReport, ...]: ...

    def fills_since(self, cursor: str | None) -> FillBatch:
        """Every fill after `cursor` (None: as far back as the broker keeps), oldest first."""
        ...

    def history(self, bars: int) -> tuple[LiveBar, ...]:
        """The last `bars` closed bars before now, oldest first (fewer when the broker has
        fewer): what a starting run warms its indicators up on (`Plan.signals.warmup`), so a
        restarted bot signals as an uninterrupted one would."""
        ...

    def subscribe(self, listener: MarketListener) -> None:
        """Deliver closed bars of the instrument and feed-state changes to `listener`."""
        ...

    def close(self) -> None:
        """Let go of connections and threads; the broker keeps every order working."""
        ...


__all__ = [
    "BrokerUnavailable",
    "ConvertsToAccount",
    "FeedState",
    "FillBatch",
    "FillReport",
    "LiveBar",
    "LiveBrokerPort",
    "MarketListener",
    "MeasuresExcursions",
    "OrderRejected",
    "OrderReport",
    "OutcomeUnknown",
    "PositionReport",
]
