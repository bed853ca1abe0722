"""Orders as immutable values, and the words of their life cycle.

An `Order` says what was asked for; it never changes. What happens to it afterwards (acknowledged,
triggered, partly filled, ...) is an `OrderStatus` driven by `OrderEvent`s through the table in
`tradeplan.orders.state_machine`, and what an emulator or the paper broker tracks while it works
(running peak of a trailing stop, whether a stop has fired) is a `TriggerState` in
`tradeplan.orders.triggers`. Keeping the three apart lets the engine replay, persist and compare
each one on its own.

Field names follow SEMANTICS.md section 3: `price` is the limit price, `trigger` the stop or touch
price, `trail` the trailing distance, `limit_offset` the distance from a trailing stop's trigger to
its limit (Futu calls it the "spread"), `activation` the price the market must reach before a
trailing order starts to trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeplan.core.enums import OrderType, Session, Side, TimeInForce, Word
from tradeplan.core.money import HUNDRED


class OrderError(ValueError):
    """An order whose fields contradict its type; raised at construction so it is never sent."""


class TrailKind(Word):
    AMOUNT = "amount"  # a price distance, e.g. 0.50
    RATIO = "ratio"  # a percentage of the running peak/trough, e.g. 0.4 means 0.4 %


@dataclass(frozen=True, slots=True)
class Trail:
    """How far a trailing stop follows the market."""

    kind: TrailKind
    value: Decimal

    def __post_init__(self) -> None:
        _require_decimal("trail", self.value)
        if self.value <= 0:
            raise OrderError(f"a trail must be positive, got {self.value}")
        if self.kind is TrailKind.RATIO and self.value >= HUNDRED:
            raise OrderError(f"a trail ratio is a percentage below 100, got {self.value}")

    @classmethod
    def ratio(cls, percent: Decimal) -> Trail:
        """Trail by `percent` of the running extreme: 0.4 means 0.4 %."""
        return cls(TrailKind.RATIO, percent)

    @classmethod
    def amount(cls, distance: Decimal) -> Trail:
        """Trail by a fixed price distance."""
        return cls(TrailKind.AMOUNT, distance)


class OrderTag(Word):
    """Why an order exists; the engine reports an exit's tag as the trade's exit reason."""

    ENTRY = "entry"
    COUNTER = "counter"  # re-entry limit of a slot after its take profit (SEMANTICS section 1)
    FOLLOW = "follow"  # re-entry stop of a slot after its take profit
    TAKE_PROFIT = "take_profit"
    STOP_LOSS = "stop_loss"
    TRAILING_STOP = "trailing_stop"
    BREAK_EVEN = "break_even"
    BREAK_EVEN_TIMEOUT = "break_even_timeout"  # the break-even clock ran out: closed
    TIME_EXIT = "time_exit"
    SIGNAL = "signal"
    MANUAL = "manual"
    END_OF_DATA = "end_of_data"
    MARGIN_CLOSEOUT = "margin_closeout"  # closed by the broker for lack of margin

    @property
    def opens(self) -> bool:
        """Entries and re-entries open a position; every other tag closes one."""
        return self in _OPENING_TAGS


_OPENING_TAGS = frozenset({OrderTag.ENTRY, OrderTag.COUNTER, OrderTag.FOLLOW})


class OrderStatus(Word):
    """Where an order is in its life; see `state_machine.TRANSITIONS` for the moves."""

    INITIALIZED = "initialized"  # built locally, not sent
    DENIED = "denied"  # refused locally (guard, session rule) before it was sent
    EMULATED = "emulated"  # held by the local emulator because the broker lacks the type
    RELEASED = "released"  # the emulator's trigger fired; about to be sent as a plain order
    SUBMITTED = "submitted"  # sent; the broker has not acknowledged it yet
    ACCEPTED = "accepted"  # working at the broker
    REJECTED = "rejected"  # refused by the broker
    TRIGGERED = "triggered"  # trigger touched; a stop_limit-like order now works as a limit
    PENDING_UPDATE = "pending_update"  # an amendment was sent; the old terms still apply
    PENDING_CANCEL = "pending_cancel"  # a cancel was sent; the order may still fill
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        """No later event can make the order work again (a late fill report may still arrive)."""
        return self in TERMINAL

    @property
    def is_open(self) -> bool:
        """The order can still fill: it is working at the broker or in the emulator."""
        return self in _OPEN


TERMINAL = frozenset(
    {
        OrderStatus.DENIED,
        OrderStatus.REJECTED,
        OrderStatus.FILLED,
        OrderStatus.CANCELLED,
        OrderStatus.EXPIRED,
    }
)
_OPEN = frozenset(
    {
        OrderStatus.EMULATED,
        OrderStatus.RELEASED,
        OrderStatus.SUBMITTED,
        OrderStatus.ACCEPTED,
        OrderStatus.TRIGGERED,
        OrderStatus.PENDING_UPDATE,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.PARTIALLY_FILLED,
    }
)


class OrderEvent(Word):
    """What can happen to an order; the values are the `event` column of orders.csv."""

    CONVERTED = "converted"  # its type was changed before sending (re-entry beyond the market)
    DENIED = "denied"
    EMULATED = "emulated"
    RELEASED = "released"
    PLACED = "placed"  # sent to the broker
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TRIGGERED = "triggered"
    AMEND_REQUESTED = "amend_requested"
    AMENDED = "amended"  # requested or unsolicited (a broker-side trailing stop moved)
    AMEND_REJECTED = "amend_rejected"
    CANCEL_REQUESTED = "cancel_requested"
    CANCEL_REJECTED = "cancel_rejected"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


_NEEDS: dict[OrderType, frozenset[str]] = {
    OrderType.MARKET: frozenset(),
    OrderType.LIMIT: frozenset({"price"}),
    OrderType.STOP: frozenset({"trigger"}),
    OrderType.STOP_LIMIT: frozenset({"trigger", "price"}),
    OrderType.TRAILING_STOP: frozenset({"trail"}),
    OrderType.TRAILING_STOP_LIMIT: frozenset({"trail", "limit_offset"}),
    OrderType.MARKET_IF_TOUCHED: frozenset({"trigger"}),
    OrderType.LIMIT_IF_TOUCHED: frozenset({"trigger", "price"}),
}
_TRAILING = frozenset({OrderType.TRAILING_STOP, OrderType.TRAILING_STOP_LIMIT})
_PRICE_FIELDS = ("price", "trigger", "trail", "limit_offset", "activation")


@dataclass(frozen=True, slots=True)
class Order:
    """One order as asked for. Prices are Decimals already rounded to the instrument's tick.

    `reduce_only` marks a closing order (take profit, stop loss, ...): it may only shrink a
    position. `oco` names a one-cancels-other group: when one member fills, the engine cancels the
    others. `slot` names the grid slot that owns the order, if any. `session` says in which US
    sessions the order works (it means nothing for FX and crypto, which trade around the clock).
    """

    id: str
    side: Side
    type: OrderType
    qty: Decimal
    price: Decimal | None = None
    trigger: Decimal | None = None
    trail: Trail | None = None
    limit_offset: Decimal | None = None
    activation: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    session: Session = Session.RTH
    oco: str | None = None
    tag: OrderTag | None = None
    slot: str | None = None

    def __post_init__(self) -> None:
        _require_decimal("qty", self.qty)
        if self.qty <= 0:
            raise OrderError(f"order {self.id}: quantity must be positive, got {self.qty}")
        given = {name for name in _PRICE_FIELDS if getattr(self, name) is not None}
        for name in ("price", "trigger", "limit_offset", "activation"):
            value = getattr(self, name)
            if value is not None:
                _require_decimal(name, value)
        needs = _NEEDS[self.type]
        allowed = needs | ({"activation"} if self.type in _TRAILING else frozenset())
        missing = sorted(needs - given)
        if missing:
            raise OrderError(
                f"order {self.id}: a {self.type.value} order needs {', '.join(missing)}"
            )
        extra = sorted(given - allowed)
        if extra:
            raise OrderError(
                f"order {self.id}: a {self.type.value} order takes no {', '.join(extra)}"
            )
        for name in ("price", "trigger", "activation"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise OrderError(f"order {self.id}: {name} must be positive, got {value}")
        if self.limit_offset is not None and self.limit_offset < 0:
            raise OrderError(f"order {self.id}: limit_offset may not be negative")

    @property
    def is_trailing(self) -> bool:
        return self.type in _TRAILING

    @property
    def has_trigger(self) -> bool:
        """The order waits for a trigger before it becomes a market or limit order."""
        return self.type not in (OrderType.MARKET, OrderType.LIMIT)


def _require_decimal(name: str, value: object) -> None:
    # A float here would carry its binary expansion into prices; make the caller convert on purpose.
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, got {type(value).__name__}")
