"""What the state store holds, as values, and how each value becomes a column and back.

An intent is the bot's promise, written before it acts: "this owner, under this plan version,
is about to send this order with this client id". Its state says how far the promise got
(LIVE.md section 3), and only forward moves are allowed (`MOVES`): an order the broker
refused (REJECTED) or that has finished (DONE) is never revived, and an order whose send
ended in doubt (UNKNOWN) is never sent again; it is resolved by looking it up by client id,
which can only say ACKED (it is working), REJECTED or DONE.

The column forms are exact: Decimals as `str()` (exponent kept, never a float), datetimes as
ISO-8601 UTC with microseconds, orders through the owner-state codec's order form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from tradeplan.core.enums import Word
from tradeplan.orders.model import Order
from tradeplan.runtime.state_codec import order_from_data, order_to_data


class IntentState(Word):
    PENDING_SEND = "pending_send"  # committed; the send may or may not have gone out
    SENT = "sent"  # the submit call returned without an error
    ACKED = "acked"  # the broker reported the order (working, or already filled)
    UNKNOWN = "unknown"  # the send ended in doubt: look it up by client id, never resend
    REJECTED = "rejected"  # the broker proved it refused the order: final
    DONE = "done"  # the order finished (filled, cancelled, expired) or was given up unsent

    @property
    def is_final(self) -> bool:
        return not MOVES[self]


S = IntentState
MOVES: Final[dict[IntentState, frozenset[IntentState]]] = {
    S.PENDING_SEND: frozenset({S.SENT, S.ACKED, S.UNKNOWN, S.REJECTED, S.DONE}),
    # An update may arrive before the submit call returns, so ACKED can come before SENT; a
    # SENT order whose acknowledgement never came is UNKNOWN until looked up.
    S.SENT: frozenset({S.ACKED, S.UNKNOWN, S.REJECTED, S.DONE}),
    # A triggered stop's released order can still be refused (orders/state_machine.py).
    S.ACKED: frozenset({S.REJECTED, S.DONE}),
    S.UNKNOWN: frozenset({S.ACKED, S.REJECTED, S.DONE}),
    S.REJECTED: frozenset(),
    S.DONE: frozenset(),
}
# Whatever has not reached the broker for sure: the bot waits for these before a plan swap.
OPEN_STATES: Final = frozenset({S.PENDING_SEND, S.SENT, S.UNKNOWN})


@dataclass(frozen=True, slots=True)
class Intent:
    """One order the bot means to send (or sent), under its client id."""

    client_id: str
    strategy: str
    owner: str
    plan_version: int
    order: Order
    state: IntentState
    reason: str
    created: datetime
    updated: datetime


@dataclass(frozen=True, slots=True)
class PlanVersion:
    version: int
    fingerprint: str
    plan_json: str
    source_text: str
    created: datetime


@dataclass(frozen=True, slots=True)
class JournalEntry:
    seq: int
    strategy: str
    kind: str
    payload: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An owner's state as of journal entry `journal_seq`: replay the entries after it."""

    owner: str
    state: str
    journal_seq: int


@dataclass(frozen=True, slots=True)
class Alert:
    time: datetime
    kind: str
    message: str


# --- column forms -----------------------------------------------------------------------------


def decimal_text(value: Decimal) -> str:
    if not isinstance(value, Decimal):
        raise TypeError(f"money is stored from a Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    return str(value)


def text_decimal(text: str) -> Decimal:
    return Decimal(text)


def optional_decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def optional_text_decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def time_text(moment: datetime) -> str:
    """Aware datetimes only: a naive one could mean any time zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no UTC offset")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def text_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def order_text(order: Order) -> str:
    return json.dumps(order_to_data(order), separators=(",", ":"), ensure_ascii=False)


def text_order(text: str) -> Order:
    return order_from_data(json.loads(text))


__all__ = [
    "MOVES",
    "OPEN_STATES",
    "Alert",
    "Intent",
    "IntentState",
    "JournalEntry",
    "PlanVersion",
    "Snapshot",
    "decimal_text",
    "optional_decimal_text",
    "optional_text_decimal",
    "order_text",
    "text_decimal",
    "text_order",
    "text_time",
    "time_text",
]
