"""What a run leaves behind: closed trades, order events, signals and the equity curve.

These are the engine's output and the reports' input, so their meaning is fixed here:

* money fields (prices, quantities, P&L, fees, MFE/MAE) are Decimal; a float raises TypeError,
  because a binary float in a trade log would make exact reconciliation impossible;
* times are timezone-aware datetimes (UTC from the engine);
* `TradeRecord.pnl` is NET of fees (what the account gained or lost); `fees` is what was paid,
  so the gross result is `pnl + fees`; a trade with pnl > 0 is a winner;
* `mfe` / `mae` are the maximum favourable / adverse excursion while the position was open, in
  account money for the whole quantity, before fees, both >= 0 (mae 12.5 = at worst the trade
  was 12.5 under water);
* the equity curve is columnar (`EquityCurve`, float64 arrays for analytics): one point per bar
  would be a million objects; `EquityPoint` is the exact row for whoever wants one, and
  `EquityCurve.exact(i)` gives point i's exact Decimal equity when a figure must be exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.enums import OrderType, Side, Word
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.orders import model as orders


class ExitReason(Word):
    TAKE_PROFIT = "take_profit"
    STOP_LOSS = "stop_loss"
    TRAILING_STOP = "trailing_stop"
    BREAK_EVEN = "break_even"  # the moved stop filled
    BREAK_EVEN_TIMEOUT = "break_even_timeout"  # not reached in time: closed (`otherwise: close`)
    TIME_EXIT = "time_exit"
    SIGNAL = "signal"
    MANUAL = "manual"
    END_OF_DATA = "end_of_data"
    MARGIN_CLOSEOUT = "margin_closeout"  # the broker closed it for lack of margin


class OrderEventKind(Word):
    PLACED = "placed"
    CONVERTED = "converted"  # a re-entry placed beyond the market changed type (limit <-> stop)
    TRIGGERED = "triggered"  # a stop / if-touched order's trigger was reached
    FILLED = "filled"
    PARTIALLY_FILLED = "partially_filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # time in force ran out (day orders at the session end)
    REJECTED = "rejected"
    DROPPED = "dropped"  # a re-entry leg withheld because the other one was converted
    AMENDED = "amended"  # new terms: an exit resized to a position that grew or shrank


def _require_decimal(record: object, *names: str) -> None:
    for name in names:
        value = getattr(record, name)
        if value is not None and not isinstance(value, Decimal):
            kind = type(record).__name__
            raise TypeError(f"{kind}.{name} must be a Decimal, not {type(value).__name__}")


def _require_aware(record: object, *names: str) -> None:
    for name in names:
        value = getattr(record, name)
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise TypeError(f"{type(record).__name__}.{name} must be a timezone-aware datetime")


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """One closed position (a slot's entry and its exit)."""

    trade_id: int
    slot: str
    side: Side
    qty: Decimal
    entry_time: datetime
    entry_price: Decimal
    exit_time: datetime
    exit_price: Decimal
    exit_reason: ExitReason
    pnl: Decimal
    fees: Decimal
    mfe: Decimal
    mae: Decimal

    def __post_init__(self) -> None:
        _require_decimal(self, "qty", "entry_price", "exit_price", "pnl", "fees", "mfe", "mae")
        _require_aware(self, "entry_time", "exit_time")

    @property
    def gross_pnl(self) -> Decimal:
        return self.pnl + self.fees

    @property
    def is_win(self) -> bool:
        return self.pnl > 0

    @property
    def duration(self) -> timedelta:
        return self.exit_time - self.entry_time


@dataclass(frozen=True, slots=True)
class OrderEventRecord:
    """Something that happened to an order; `reason` says why (conversion, rejection, expiry)."""

    time: datetime
    order_id: str
    slot: str
    type: OrderType
    side: Side
    qty: Decimal
    price: Decimal | None  # limit price, if the order has one
    trigger: Decimal | None  # stop / touch trigger, if the order has one
    event: OrderEventKind
    fill_price: Decimal | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        _require_decimal(self, "qty", "price", "trigger", "fill_price")
        _require_aware(self, "time")


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """A strategy signal and whether the guards let it through (rejected signals are data)."""

    time: datetime
    rule: str
    side: Side
    accepted: bool
    reason: str = ""

    def __post_init__(self) -> None:
        _require_aware(self, "time")


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """Something a trader should look at, raised while the run went on (not a refusal).

    `kind` is a stable word to filter on (`stop_widened_by_spread`: the spread at placement
    pushed a stop 15 pips or more beyond its setting, SEMANTICS.md section 1;
    `order_update_rejected`: the broker reported something the order state table does not
    allow, and the engine did not act on it); `order_id` names the order it concerns, if any;
    `message` says it in plain words."""

    time: datetime
    slot: str
    kind: str
    message: str
    order_id: str = ""

    def __post_init__(self) -> None:
        _require_aware(self, "time")


@dataclass(frozen=True, slots=True)
class ReconcileRequest:
    """An order whose state the engine and the broker disagree on, to be settled by asking the
    broker (the live runtime does; a replay only records it).

    Raised with an `order_update_rejected` alert: the broker reported `reported` for order
    `order_id` while the order book had it as `status` (None: the book holds no such order),
    and the state table does not allow that. `reason` is the alert's message."""

    time: datetime
    order_id: str
    reported: orders.OrderEvent
    status: orders.OrderStatus | None
    reason: str

    def __post_init__(self) -> None:
        _require_aware(self, "time")


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """Exact account value at one moment: balance (realised) and equity (with open P&L)."""

    time: datetime
    equity: Decimal
    balance: Decimal

    def __post_init__(self) -> None:
        _require_decimal(self, "equity", "balance")
        _require_aware(self, "time")


@dataclass(frozen=True, slots=True, eq=False)
class EquityCurve:
    """Equity over time as arrays (analytics only): int64 epoch ns and float64 money.

    `initial` is the exact starting balance and `exact(i)` the exact equity at point i, when
    the producer knows them (the engine's ledger does): the float arrays find where a figure
    such as the maximum drawdown is, the exact values say how much it is, so no binary rounding
    reaches a money figure."""

    time_ns: NDArray[np.int64]
    equity: NDArray[np.float64]
    balance: NDArray[np.float64]
    initial: Decimal | None = None
    exact: Callable[[int], Decimal] | None = None

    def __post_init__(self) -> None:
        if not (self.time_ns.shape == self.equity.shape == self.balance.shape):
            raise ValueError("time, equity and balance must have the same length")
        if self.time_ns.size > 1 and np.any(np.diff(self.time_ns) < 0):
            raise ValueError("equity times must not go backwards")

    def __len__(self) -> int:
        return int(self.time_ns.size)

    @classmethod
    def from_points(
        cls, points: Sequence[EquityPoint], initial: Decimal | None = None
    ) -> EquityCurve:
        exact = tuple(p.equity for p in points)
        return cls(
            np.array([ns_from_datetime(p.time) for p in points], dtype=np.int64),
            np.array([float(p.equity) for p in points], dtype=np.float64),
            np.array([float(p.balance) for p in points], dtype=np.float64),
            initial,
            exact.__getitem__,
        )
