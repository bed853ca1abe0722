"""What an owner's logic decides, as values: `(state, event, context) -> (state, commands)`.

An owner's handler (`rule_logic.py`) reads the engine only through `OwnerContext` and returns
its new state and a tuple of these commands; its host (`RuleRun`) puts the state in place and
has them carried out in order (`execute`), by the engine, through `OwnerServices`.

`Then` is the one command that is not an order to the engine. The broker may answer a command
at once, from inside it (the paper broker rejects an order as it is submitted and confirms a
cancel as it is asked), and that answer reaches the owner as an event of its own, handled
against the state in place at that moment. Where what the owner does next depends on that
answer (the signal row of an entry rejected at once; the exits after one of them was
rejected; a close after a fill the position outgrew), the handler ends with `Then(step)`:
`step` runs on the state as it is once the commands before it have been carried out, and
returns more state and commands. A live broker that answers later needs no `Then`; the
paper broker's synchronous answers are what a backtest has always seen, and keep doing so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from tradeplan.core.enums import Side
from tradeplan.orders.model import Order
from tradeplan.ports.broker import FillMark, OrderUpdate
from tradeplan.runtime.exits import RefusedExit
from tradeplan.runtime.ledger import Position
from tradeplan.runtime.owner import Owner, Settle
from tradeplan.runtime.records import ExitReason, OrderEventKind
from tradeplan.runtime.services import OwnerContext, OwnerServices

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Submit:
    """Send `order`; `entry_price` marks an entry the guards count as pending."""

    order: Order
    entry_price: Decimal | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SettleAtClose:
    """Fill a closing market order at `row`'s close: the end of the data."""

    order: Order
    row: int


@dataclass(frozen=True, slots=True)
class Cancel:
    order_id: str


@dataclass(frozen=True, slots=True)
class Amend:
    """A working order's new quantity (an exit kept at the size of its position)."""

    order_id: str
    qty: Decimal
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Watch:
    watch_id: str
    side: Side
    level: Decimal


@dataclass(frozen=True, slots=True)
class Unwatch:
    watch_id: str


@dataclass(frozen=True, slots=True)
class Record:
    """An order event the owner decided itself (converted, dropped) for orders.csv."""

    order: Order
    kind: OrderEventKind
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RefuseExit:
    """An exit that cannot be sent, recorded as rejected under its own id."""

    refused: RefusedExit


@dataclass(frozen=True, slots=True)
class Signal:
    """A row of signals.csv at `row`'s close, under the owner's name."""

    row: int
    side: Side
    accepted: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str
    message: str
    order_id: str = ""


@dataclass(frozen=True, slots=True)
class OpenPosition:
    """The owner's position opens in the ledger (an entry's first fill)."""

    position: Position


@dataclass(frozen=True, slots=True)
class AddToPosition:
    """A further entry fill grows the owner's position."""

    qty: Decimal
    price: Decimal
    fee: Decimal
    mark: FillMark


@dataclass(frozen=True, slots=True)
class BookClose:
    """Close the fill's quantity of the owner's position at the fill, as a trade."""

    update: OrderUpdate
    reason: ExitReason


@dataclass(frozen=True, slots=True)
class Then(Generic[S]):
    """Go on with `step` on the state as it is once the commands before it are carried out
    (see the module docstring)."""

    step: Callable[[S, OwnerContext], tuple[S, tuple[Command, ...]]]


Command = (
    Submit
    | SettleAtClose
    | Cancel
    | Amend
    | Watch
    | Unwatch
    | Record
    | RefuseExit
    | Signal
    | Alert
    | OpenPosition
    | AddToPosition
    | BookClose
    | Then[Any]
)
NONE: tuple[Command, ...] = ()


def execute(
    engine: OwnerServices, owner: Owner, command: Command, settle: Settle | None = None
) -> None:
    """Carry out one command (not `Then`, which its owner runs) for `owner`; `settle` is the
    end-of-data callback `SettleAtClose` needs."""
    run = _RUN.get(type(command))
    if run is None:
        raise TypeError(f"{owner.name}: {type(command).__name__} is not a command the engine runs")
    run(engine, owner, command, settle)


def _submit(engine: OwnerServices, owner: Owner, command: Any, _: Settle | None) -> None:
    engine.submit(owner, command.order, entry_price=command.entry_price, reason=command.reason)


def _settle(engine: OwnerServices, owner: Owner, command: Any, settle: Settle | None) -> None:
    if settle is None:
        raise RuntimeError(f"{owner.name}: a close at the end of data outside `finish`")
    engine.settle(owner, command.order, settle, command.row)


def _add(engine: OwnerServices, owner: Owner, command: Any, _: Settle | None) -> None:
    engine.ledger.add(
        owner.name, qty=command.qty, price=command.price, fee=command.fee, mark=command.mark
    )


def _signal(engine: OwnerServices, owner: Owner, command: Any, _: Settle | None) -> None:
    engine.signal(command.row, owner.name, command.side, command.accepted, command.reason)


# One function per command type (a table, not a chain of isinstance: commands run on every
# event). `Any`: each function is looked up by its command's own type.
_RUN: dict[type, Callable[[OwnerServices, Owner, Any, Settle | None], None]] = {
    Submit: _submit,
    SettleAtClose: _settle,
    Cancel: lambda engine, _owner, c, _s: engine.cancel(c.order_id),
    Amend: lambda engine, _owner, c, _s: engine.amend(c.order_id, qty=c.qty, reason=c.reason),
    Watch: lambda engine, owner, c, _s: engine.watch(owner, c.watch_id, c.side, c.level),
    Unwatch: lambda engine, _owner, c, _s: engine.unwatch(c.watch_id),
    Record: lambda engine, owner, c, _s: engine.record(owner, c.order, c.kind, c.reason),
    RefuseExit: lambda engine, owner, c, _s: engine.refuse_exit(owner, c.refused),
    Signal: _signal,
    Alert: lambda engine, owner, c, _s: engine.alert(owner, c.kind, c.message, c.order_id),
    OpenPosition: lambda engine, _owner, c, _s: engine.ledger.open_position(c.position),
    AddToPosition: _add,
    BookClose: lambda engine, owner, c, _s: engine.book_close(owner.name, c.update, c.reason),
}


__all__ = [
    "NONE",
    "AddToPosition",
    "Alert",
    "Amend",
    "BookClose",
    "Cancel",
    "Command",
    "OpenPosition",
    "Record",
    "RefuseExit",
    "SettleAtClose",
    "Signal",
    "Submit",
    "Then",
    "Unwatch",
    "Watch",
    "execute",
]
