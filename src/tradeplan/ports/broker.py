"""The ports the engine talks through: a broker, a clock, and (for replays) a simulated venue.

One engine runs backtests, paper trading and live trading (ARCHITECTURE.md, convention 6); only
what sits behind these protocols changes. The engine never asks whether an order succeeded: it
sends commands (`submit`, `cancel`, `amend`, `watch`) and reacts to what the broker reports back
through its `BrokerListener`, the way Futu's order-update pushes work (SEMANTICS.md section 3).
A broker may report synchronously from inside a command (the paper broker rejects at once) or
later from another task (a live gateway); the engine handles both.

`ReplayVenue` is the extra surface a simulated broker offers a replay driver: process one row of
data exactly, and say (conservatively) which later row is the first where anything can happen, so
a backtest can jump over rows in which no order can trade. A live runtime never calls it.

An update names no row: a live fill has none. The engine marks each fill itself
(`FillMark`: the bar in progress when it arrived, and the broker's sequence number), which is
all the ledger needs; a replay venue keeps, per sequence number, where on its data the report
happened (the paper broker's `Moment`, its own business) and answers excursions between two
marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.enums import Side
from tradeplan.core.money import ZERO
from tradeplan.orders.model import Order, OrderEvent
from tradeplan.ports.profiles import BrokerProfile


@dataclass(frozen=True, slots=True, order=True)
class FillMark:
    """When a fill happened as the engine saw it: during `bar` (the index of the bar whose close
    comes next, counted from the first bar of the run) and the broker's report number `seq`.
    A position is open at the close of bar k when its entry's bar <= k < its exit's bar."""

    bar: int
    seq: int = 0


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """What the broker says happened to an order.

    `kind` is one of ACCEPTED, REJECTED, TRIGGERED, AMENDED, PARTIALLY_FILLED, FILLED,
    CANCELLED, EXPIRED (and CONVERTED when a venue re-types an order itself). `order` carries the
    order's terms as they are now (after an amendment). For fills, `fill_price` and `fill_qty`
    are set and `fee` is the cost in the quote currency; `reason` says why (the fill model's
    reason, a rejection's cause, the session that ended). `bid` and `ask` are the market when it
    happened, when the broker knows it (the paper broker does for fills): what a grid slot
    checks its re-entries against, and what a stop placed at that moment sees as the spread.
    `time` is the broker's timestamp of the event and `seq` its sequence number.
    """

    kind: OrderEvent
    order: Order
    time: datetime
    fill_price: Decimal | None = None
    fill_qty: Decimal | None = None
    fee: Decimal = ZERO
    reason: str = ""
    bid: Decimal | None = None
    ask: Decimal | None = None
    trigger: Decimal | None = None  # a trailing order's current trigger (stop) level
    limit: Decimal | None = None  # ... and its current limit, once known
    # The broker's sequence number for this report, increasing across all its reports (Binance's
    # update id, OANDA's transaction id, Futu's push order); 0 when the broker gives none. A
    # report at or below the last one seen for the order is stale or a repeat (a replay after
    # a reconnect) and is not applied twice.
    seq: int = 0
    # The broker's id of the execution a fill report is about (unique per broker: a live run
    # stores each fill once by it); empty for other reports and where the broker gives none.
    trade_id: str = ""


@dataclass(frozen=True, slots=True)
class PriceTouch:
    """A watched level was reached (`BrokerPort.watch`); `price` is where it was met, `bid` and
    `ask` the market at that moment when known."""

    watch_id: str
    time: datetime
    price: Decimal
    bid: Decimal | None = None
    ask: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    """The market as the broker sees it now: Bid and Ask, and when it was quoted."""

    time: datetime
    bid: Decimal
    ask: Decimal


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """The broker's view of the account, in the account currency."""

    currency: str
    balance: Decimal
    equity: Decimal
    margin_used: Decimal = ZERO
    margin_available: Decimal | None = None


class BrokerListener(Protocol):
    """The engine side of the broker port."""

    def on_order_update(self, update: OrderUpdate) -> None: ...

    def on_price_touch(self, touch: PriceTouch) -> None: ...


class BrokerPort(Protocol):
    """Commands to a broker. None of them returns an outcome: outcomes arrive as updates."""

    @property
    def profile(self) -> BrokerProfile: ...

    def connect(self, listener: BrokerListener) -> None: ...

    def submit(self, order: Order) -> None: ...

    def cancel(self, order_id: str) -> None: ...

    def amend(
        self,
        order_id: str,
        *,
        price: Decimal | None = None,
        trigger: Decimal | None = None,
        qty: Decimal | None = None,
    ) -> None: ...

    def watch(self, watch_id: str, side: Side, level: Decimal) -> None:
        """Report a `PriceTouch` once `side`'s reference price reaches `level` from the
        favourable side (a sell side: Bid >= level; a buy side: Ask <= level), the way a
        market_if_touched order would fire. Break-even triggers use it. A broker that cannot
        watch prices gets one from the runtime's tick emulator."""
        ...

    def unwatch(self, watch_id: str) -> None: ...

    def account(self) -> AccountSnapshot: ...

    def quote(self) -> Quote | None:
        """The market an order sent now would meet first; None when there is none (a closed
        market with no quote yet, or, in a replay, the end of the data). Grid slots price
        their re-entries against it (limit or stop: SEMANTICS.md section 1)."""
        ...


class ClockPort(Protocol):
    """Time as the engine sees it: the replayed data's time in a backtest, the wall clock live."""

    def now(self) -> datetime: ...


class ReplayVenue(BrokerPort, Protocol):
    """A simulated broker a replay driver can step or jump through the data with.

    Invariant the driver relies on: for `k = next_activity(row, stop)`, processing each row in
    `row..k-1` one by one would report nothing, so `skip_to(k)` followed by `process_row(k)`
    leaves the venue exactly as processing every row would. `next_activity` may return a row at
    which nothing happens after all (it scans conservatively); it must never skip a row at which
    something does.
    """

    @property
    def rows(self) -> int: ...

    def process_row(self, row: int) -> None:
        """Walk every working order and watch through `row`, reporting as things happen; the
        listener may submit, cancel and amend while this runs, with effect from that moment."""
        ...

    def next_activity(self, row: int, stop: int) -> int:
        """The first row in `row..stop-1` at which a working order or watch might act; `stop`
        when there is none."""
        ...

    def skip_to(self, row: int) -> None:
        """Rows before `row` not yet processed are quiet: carry trailing peaks over them."""
        ...

    def settle_at_close(self, order: Order, row: int) -> None:
        """Fill a market order at `row`'s closing price: the end-of-data close-out."""
        ...

    def excursion(self, side: Side, start: FillMark, end: FillMark) -> tuple[Decimal, Decimal]:
        """Lowest and highest reference price of `side` between two reported fills (inclusive),
        found by their sequence numbers."""
        ...

    def time_of(self, row: int) -> datetime: ...

    def close_time_of(self, row: int) -> datetime:
        """When `row` closes: the start of the next row, or the row's time plus the usual
        interval for the last row (ticks close when they happen)."""
        ...


class BarSeries(Protocol):
    """Columnar market data a replay walks: int64 prices scaled by 10**decimals (exact), Bid
    prices with the Ask at Bid + spread, and int64 epoch-nanosecond times. Tick data fits too:
    open = high = low = close = bid. `tradeplan.backtest.data.MarketData` is one."""

    @property
    def decimals(self) -> int: ...

    @property
    def time_ns(self) -> NDArray[np.int64]: ...

    @property
    def close_time_ns(self) -> NDArray[np.int64]:
        """When each bar closes, as the bar says (a replay: when the next one opens)."""
        ...

    @property
    def open_scaled(self) -> NDArray[np.int64]: ...

    @property
    def high_scaled(self) -> NDArray[np.int64]: ...

    @property
    def low_scaled(self) -> NDArray[np.int64]: ...

    @property
    def close_scaled(self) -> NDArray[np.int64]: ...

    @property
    def spread_scaled(self) -> NDArray[np.int64]: ...

    def __len__(self) -> int: ...


class DataPort(Protocol):
    """Closed bars as they become known: all of them in a replay, a growing window live."""

    def series(self) -> BarSeries: ...
