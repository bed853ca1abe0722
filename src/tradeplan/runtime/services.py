"""`OwnerServices`: everything an owner may ask of the engine, and nothing more.

Owners (`RuleRun`, `SlotRun`, the shared `expiry` helper) are handed the engine typed as this
protocol and never import `engine.py` (an import-linter contract in pyproject.toml keeps it so,
indirect imports included). That breaks the engine <-> owner import cycle and writes down the
contract the live runtime (issue 9) and owners as frozen values (issue 8) build on: a second
implementation of these members is all a new host for the owners needs.
`tests/runtime/test_owner_services.py` checks that the owners use exactly these members and
that `Engine` has each of them with the same signature; mypy checks the rest where the engine
hands itself to its owners.

Two halves. `OwnerContext` is what an owner's logic may read while it decides: the run's
facts, times, prices, the books, sizing and the guards' verdicts, and fresh ids. The pure
handlers of `rule_logic.py` get only this, so mypy keeps them from sending anything; what they
decide comes back as command values (`commands.py`), and `OwnerServices`, the whole engine as
owners see it, adds the members that carry those out (submit, cancel, records, ...).

Rows are the data's row numbers; "at `row`'s close" is the moment that row has closed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from tradeplan.core.enums import Session, Side
from tradeplan.core.instrument import Instrument
from tradeplan.orders.model import Order
from tradeplan.plan.model import EntryRule, Plan
from tradeplan.ports.broker import FillMark, OrderUpdate
from tradeplan.runtime.exits import RefusedExit
from tradeplan.runtime.ledger import Ledger
from tradeplan.runtime.owner import EntryDecision, Owner, Settle
from tradeplan.runtime.records import ExitReason, OrderEventKind


class OwnerContext(Protocol):
    """What an owner's logic reads while it decides; see the module docstring."""

    # --- what the run is ------------------------------------------------------------------------

    @property
    def plan(self) -> Plan:
        """The plan being run (rules, grids, machines, fees); it never changes during a run."""
        ...

    @property
    def instrument(self) -> Instrument:
        """The plan's instrument: ticks, pips and rounding for every price an owner builds."""
        ...

    @property
    def order_session(self) -> Session:
        """The session every order of the plan works in (RTH off US stocks)."""
        ...

    @property
    def rows(self) -> int:
        """How many rows the data has; a row number equal to it means "never"."""
        ...

    @property
    def ledger(self) -> Ledger:
        """The engine's books: an owner opens its position here and reads it by its name."""
        ...

    # --- ids ------------------------------------------------------------------------------------

    def new_order_id(self) -> str:
        """A fresh id, unique in the run, increasing in the order asked (orders and watches)."""
        ...

    def new_watch_id(self) -> str:
        """A fresh id for a price watch (`watch`), from the same sequence as order ids."""
        ...

    # --- time -----------------------------------------------------------------------------------

    def next_trading_day_ns(self, row: int) -> int:
        """When the trading day after the one `row` closes in begins, in epoch ns."""
        ...

    def first_close_at(self, at_ns: int, row: int) -> int:
        """The first row >= `row` whose close is at or after `at_ns` (replay wake-ups)."""
        ...

    def mark(self, update: OrderUpdate) -> FillMark:
        """Where a fill falls in the run (the bar in progress, the report's number): what the
        ledger keeps of when a position opened and closed."""
        ...

    def close_ns(self, row: int) -> int:
        """When `row` closes, as the bar says, in epoch ns."""
        ...

    def quote(self) -> tuple[Decimal, Decimal] | None:
        """Bid and Ask an order sent now meets first; None when the broker has no quote."""
        ...

    def regular_hours_after(self, row: int) -> bool:
        """Whether an order placed at `row`'s close is in US regular hours (true off stocks)."""
        ...

    # --- prices ---------------------------------------------------------------------------------

    def fill_spread(self, update: OrderUpdate) -> Decimal:
        """The spread when `update` happened (its own quote, else the last close's)."""
        ...

    def reference(self, side: Side, row: int) -> Decimal:
        """The price `side` trades at, at `row`'s close: the Ask for buys, the Bid for sells."""
        ...

    def marketable_limit(self, side: Side, row: int) -> Decimal:
        """A closing limit 1% through `row`'s close, for when market orders are refused."""
        ...

    # --- sizing and risk ------------------------------------------------------------------------

    def decide_entry(
        self, rule: EntryRule, price: Decimal, row: int, *, market: bool
    ) -> EntryDecision:
        """Size a signal entry at `price` and run every risk guard on it, at `row`'s close."""
        ...

    def guard(self, side: Side, qty: Decimal, price: Decimal, row: int, *, market: bool) -> str:
        """Every risk guard's reasons to refuse an entry of `qty`, as one line; empty: go."""
        ...


class OwnerServices(OwnerContext, Protocol):
    """The engine as its owners see it: the context, and the members that act."""

    # --- orders ---------------------------------------------------------------------------------

    def submit(
        self,
        owner: Owner,
        order: Order,
        *,
        entry_price: Decimal | None = None,
        reason: str = "",
    ) -> None:
        """Record `order` as placed by `owner` and send it; its updates come back to `owner`."""
        ...

    def settle(self, owner: Owner, order: Order, settle: Settle, row: int) -> None:
        """Record a closing market order and have it filled at `row`'s close (end of data)."""
        ...

    def amend(self, order_id: str, *, qty: Decimal, reason: str = "") -> None:
        """Give a working order a new quantity (an exit resized to its position); `reason` goes
        on its `amended` row in orders.csv. Harmless for one finished or being cancelled."""
        ...

    def cancel(self, order_id: str) -> None:
        """Ask the broker to cancel a working order; harmless for one finished or unknown."""
        ...

    def watch(self, owner: Owner, watch_id: str, side: Side, level: Decimal) -> None:
        """Have `owner` told (`on_touch`) when `side`'s price reaches `level`, under
        `watch_id` (from `new_watch_id`)."""
        ...

    def unwatch(self, watch_id: str) -> None:
        """Stop a watch; harmless for one that already fired or was stopped."""
        ...

    # --- records --------------------------------------------------------------------------------

    def record(
        self,
        owner: Owner,
        order: Order,
        kind: OrderEventKind,
        reason: str = "",
        *,
        levels: tuple[Decimal | None, Decimal | None] | None = None,
    ) -> None:
        """Add an order event the owner decided itself (converted, dropped) to orders.csv."""
        ...

    def refuse_exit(self, owner: Owner, refused: RefusedExit) -> None:
        """Record an exit that cannot be sent as rejected, under its own id; never sent."""
        ...

    def book_close(self, position_name: str, update: OrderUpdate, reason: ExitReason) -> None:
        """Close the named position in the ledger at the update's fill, as a trade."""
        ...

    def alert(self, owner: Owner, kind: str, message: str, order_id: str = "") -> None:
        """Raise an alert (alerts.csv) now: something to look at, not a refusal."""
        ...

    def signal(self, row: int, rule: str, side: Side, accepted: bool, reason: str = "") -> None:
        """Add a row to signals.csv at `row`'s close: an entry taken or refused, and why."""
        ...


__all__ = ["OwnerContext", "OwnerServices"]
