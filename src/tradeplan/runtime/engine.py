"""The engine: runs a Plan's entry rules and grid slots against a broker port.

One engine for backtests, paper and live trading (ARCHITECTURE.md, convention 6). It only ever
talks to a `BrokerPort` (commands out, `OrderUpdate`s and `PriceTouch`es in) and is driven by
two calls: `on_bar_close(row)` when a row of data has closed, and the broker's updates in
between. What a replay adds (jumping over quiet rows) lives in `runtime.replay` and the venue.

Ownership. Every order belongs to one *owner*: a `RuleRun` (one entry rule's life cycle, see
`rule_run.py`) or a `SlotRun` (one grid slot, see `slot_run.py`). An owner holds at most one
position and reacts to the updates of its own orders; the engine routes updates by order id,
once the order book (`orders/book.py`) has applied them through the order state table (what the
table does not allow never reaches an owner: it becomes an alert and a reconcile request), and
offers owners its services: ids, submitting and cancelling, the ledger, sizing, risk guards, the
records, alerts. Owners see those services only as `services.OwnerServices` and never import
this module (an import-linter contract): the engine builds its owners, not the other way round.
A new kind of owner implements the `Owner` protocol (`owner.py`) and plugs into the same engine
(the `owners=` hook). An owner's run state is one frozen value (`snapshot()`); an owner built
afresh and `restore()`d from it takes the old one's place through `replace_owner`, between two
events (what a restarted live run does with its stored snapshots).

Timing (documented in docs/backtesting.md):

* Signals are evaluated on closed rows: `on_bar_close(r)` reads the precomputed `when` and
  `exit_when` arrays at r. Orders placed then work from row r + 1 (a market order fills at the
  open of the next row its session allows).
* Orders placed in reaction to a fill (exits on an entry fill, a moved stop on a break-even
  touch) work from that moment of the same row.
* Clocks (time exit, break-even deadline) are checked at row closes: a deadline D fires at the
  close of the first row whose close time is at or after D, and the position is closed by a
  market order at the next row.

Determinism: no wall clock, no randomness, no iteration over unordered sets; owners run in plan
order; the broker reports same-moment events in placement order. Equal inputs give equal runs,
byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.calendar import (
    UsSession,
    day_end_of,
    day_ends,
    risk_day_boundary,
    us_session,
)
from tradeplan.core.enums import AssetClass, OrderType, Session, Side
from tradeplan.core.epoch import EPOCH, datetime_from_ns
from tradeplan.core.money import HUNDRED, ONE, ZERO, Rounding, round_money
from tradeplan.orders.book import Anomaly, OrderBook
from tradeplan.orders.model import Order, OrderEvent, OrderStatus, OrderTag
from tradeplan.orders.triggers import placed_state, shown_levels
from tradeplan.plan.model import EntryRule, Plan
from tradeplan.ports.broker import BarSeries, BrokerPort, FillMark, OrderUpdate, PriceTouch
from tradeplan.ports.live import BrokerUnavailable
from tradeplan.risk import (
    AccountState,
    DayBoundary,
    EquityTracker,
    GuardLimits,
    ProposedOrder,
    SymbolExposure,
    check_order,
)
from tradeplan.runtime.engine_state import EngineState, HeldPosition, TrackerState
from tradeplan.runtime.entry_sizing import EntrySize, MarginRefusal, SizingAccount, size_entry
from tradeplan.runtime.exits import RefusedExit
from tradeplan.runtime.ledger import Ledger, Position, QuoteRate, same_currency
from tradeplan.runtime.owner import EntryDecision, EntryRefused, Owner, RuleInputs, Settle
from tradeplan.runtime.records import (
    AlertRecord,
    EquityCurve,
    ExitReason,
    OrderEventKind,
    OrderEventRecord,
    ReconcileRequest,
    SignalRecord,
    TradeRecord,
)
from tradeplan.runtime.rule_run import RuleRun
from tradeplan.runtime.slot_run import slot_runs
from tradeplan.sizing import SizingError

Excursion = Callable[[Side, FillMark, FillMark], tuple[Decimal, Decimal]]


def _percent(fraction: Decimal | None) -> str:
    return "" if fraction is None else f"{(fraction * HUNDRED).normalize():f}%"


MARKETABLE_SELL: Final = Decimal("0.99")  # a closing sell limit 1% under the Bid
MARKETABLE_BUY: Final = Decimal("1.01")  # a closing buy limit 1% over the Ask
_RECORDED: Final = {
    OrderEvent.CONVERTED: OrderEventKind.CONVERTED,
    OrderEvent.TRIGGERED: OrderEventKind.TRIGGERED,
    OrderEvent.FILLED: OrderEventKind.FILLED,
    OrderEvent.PARTIALLY_FILLED: OrderEventKind.PARTIALLY_FILLED,
    OrderEvent.CANCELLED: OrderEventKind.CANCELLED,
    OrderEvent.EXPIRED: OrderEventKind.EXPIRED,
    OrderEvent.REJECTED: OrderEventKind.REJECTED,
    OrderEvent.AMENDED: OrderEventKind.AMENDED,
}
_FILLS: Final = frozenset({OrderEvent.PARTIALLY_FILLED, OrderEvent.FILLED})


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Account facts the plan may leave open, settled by the caller (CLI flags, defaults)."""

    balance: Decimal = Decimal(100_000)
    currency: str = "USD"
    leverage: Decimal | None = None
    quote_rate: QuoteRate = same_currency
    day_boundary: DayBoundary | None = None
    # A real account: sizing is capped by the margin the broker says is available now, as
    # well as by the engine's own reckoning (a backtest's paper broker has no other money).
    broker_margin: bool = False


@dataclass(frozen=True, slots=True)
class EngineResult:
    trades: tuple[TradeRecord, ...]
    orders: tuple[OrderEventRecord, ...]
    signals: tuple[SignalRecord, ...]
    equity: EquityCurve
    alerts: tuple[AlertRecord, ...] = ()


class Engine:
    """See the module docstring. Build it, let a driver feed it rows, read `result()`."""

    def __init__(
        self,
        plan: Plan,
        broker: BrokerPort,
        series: BarSeries,
        inputs: Mapping[str, RuleInputs],
        config: EngineConfig | None = None,
        *,
        excursion: Excursion | None = None,
        owners: Sequence[Callable[[Engine], Owner]] = (),
        order_ids: Callable[[], str] | None = None,
    ) -> None:
        """`owners` builds further owners after the plan's rules and grid slots. `order_ids`
        names each new order (a live run: client ids it has stored); by default 1, 2, 3..."""
        self.plan = plan
        self.instrument = plan.instrument
        us_stock = plan.instrument.asset_class is AssetClass.US_STOCK
        # The session every order of the plan works in (US stocks; FX and crypto never close).
        self.order_session = plan.session if us_stock else Session.RTH
        self._us_stock = us_stock
        self.broker = broker
        self.series = series
        self.config = config or EngineConfig()
        self.ledger = Ledger(self.config.balance, self.config.quote_rate, self.config.currency)
        self.excursion = excursion
        self.rows = len(series)
        self._time = series.time_ns
        self._decimals = int(series.decimals)
        self._close_ns = series.close_time_ns  # a bar says when it closes; no row is peeked
        self._first_close: dict[int, int] = {}  # first_close_at's searches, by instant
        self._orders: list[OrderEventRecord] = []
        self._signals: list[SignalRecord] = []
        self._alerts: list[AlertRecord] = []
        # Every order sent, with its status: changed only through the state table (`book.py`).
        self.book = OrderBook()
        self._reconcile: list[ReconcileRequest] = []
        self._owner_of: dict[str, Owner] = {}  # who handles a working order's updates
        self._watch_of: dict[str, Owner] = {}
        self._entries: dict[str, tuple[Decimal, Decimal]] = {}  # working entry: qty, price
        self._amend_reasons: dict[str, str] = {}  # why an amendment in flight was sent
        self._ids = 0
        self._order_ids = order_ids
        self._bar = 0  # the bar in progress: fills reported now happened during it
        self._now_time: datetime | None = self.time_of(0) if self.rows else EPOCH
        self._now_row = -1  # when _now_time is None: the close of this row
        self._quote: tuple[Decimal, Decimal] | None = None  # inside a row: the update's Bid, Ask
        self._close = series.close_scaled
        self._spreads = series.spread_scaled
        # Guards judge orders against the venue's grid (a broker profile may trade coarser
        # lots than the strategy says); `guard()` callers measure no per-trade risk.
        self._venue = broker.profile.venue_instrument(plan.instrument)
        self._limits = _risk_limits(plan)
        self._guard_limits = replace(self._limits, max_risk_per_trade=None)
        boundary = self.config.day_boundary or risk_day_boundary(plan.instrument.asset_class)
        self._day_boundary = boundary
        self._tracker = EquityTracker(
            self._limits.daily_loss_limit, self._limits.max_drawdown, boundary
        )
        self._tracking = self._limits.daily_loss_limit is not None or (
            self._limits.max_drawdown is not None
        )
        # The rows that end a trading day, where a replay wakes for the risk guards: found at
        # its first wake-up (a live run never asks, and its buffers are mostly empty rows).
        self._day_rows: NDArray[np.int64] | None = None
        # No day boundary lies before this one since the last close read: closes before it
        # end no day, and need no calendar lookup.
        self._next_day_ns = 0
        if self._tracking and self.rows:
            self._tracker = self._tracker.update(self.time_of(0), self.config.balance)
        self.owners: list[Owner] = [RuleRun(self, rule, inputs[rule.name]) for rule in plan.rules]
        self.owners.extend(slot_runs(self))
        self.owners.extend(make(self) for make in owners)
        broker.connect(self)

    # --- the driver's calls -------------------------------------------------------------------

    def begin_bar(self, row: int) -> None:
        """Bar `row` is forming: what the broker reports from now until its close happened
        during it (`mark`). A replay says so before it walks the row; a live runner when the
        previous bar has closed."""
        self._bar = row

    def on_bar_close(self, row: int) -> None:
        self._bar = row
        self._now_time, self._now_row = None, row  # made a datetime only if someone asks
        self._quote = None
        if self._tracking and self.close_ns(row) >= self._next_day_ns:
            self._read_day_end(row)
        for owner in self.owners:
            owner.on_bar_close(row)

    def next_wakeup(self, row: int) -> int:
        wake = self.rows
        if self._day_rows is None:
            self._day_rows = (
                day_ends(self._time, self._close_ns, self._day_boundary)[0]
                if self._tracking
                else np.empty(0, dtype=np.int64)
            )
        if self._day_rows.size:
            at = int(np.searchsorted(self._day_rows, row, side="left"))
            if at < self._day_rows.size:
                wake = int(self._day_rows[at])
        for owner in self.owners:
            wake = min(wake, owner.next_wakeup(row))
        return wake

    def finish(self, row: int, settle: Settle, tag: OrderTag = OrderTag.END_OF_DATA) -> None:
        """End of data: every owner cancels its orders and closes its position at `row`'s
        close (a live run flattening on restart: by market orders `settle` sends)."""
        self._bar = row
        self._now_time = self.close_time_of(row)
        for owner in self.owners:
            owner.finish(row, settle, tag)

    def result(self, last_row: int | None = None) -> EngineResult:
        last = self.rows - 1 if last_row is None else last_row
        return EngineResult(
            tuple(self.ledger.trades),
            tuple(self._orders),
            tuple(self._signals),
            self.ledger.equity_curve(self.series, last),
            tuple(self._alerts),
        )

    def grow(self, series: BarSeries, inputs: Mapping[str, RuleInputs]) -> None:
        """Take `series` and `inputs`, the same bars and signals in larger buffers: a live
        run's buffers fill up as bars arrive and are replaced by ones twice the size (or its
        price scale is settled by the first bar). Call it between two events; every row
        already seen must hold what it held."""
        self.series = series
        self.rows = len(series)
        self._decimals = int(series.decimals)
        self._time = series.time_ns
        self._close_ns = series.close_time_ns
        self._close = series.close_scaled
        self._spreads = series.spread_scaled
        self._first_close.clear()
        for owner in self.owners:
            if isinstance(owner, RuleRun) and owner.name in inputs and not owner.retired:
                owner.take_inputs(inputs[owner.name])

    def export_state(self) -> EngineState:
        """The engine's own run state (`engine_state.py`), taken between two events."""
        ledger = self.ledger
        t = self._tracker
        return EngineState(
            ledger.balance,
            ledger.trade_base + len(ledger.trades),
            tuple(
                HeldPosition(
                    p.owner,
                    p.side,
                    p.qty,
                    p.price,
                    p.cost,
                    p.fee,
                    p.time,
                    p.order_id,
                    p.mark.bar,
                    p.since,
                    p.mark.seq,
                )
                for p in ledger.open.values()
            ),
            self.book.working(),
            tuple((i, q, p) for i, (q, p) in self._entries.items()),
            tuple((w, o.name) for w, o in self._watch_of.items()),
            tuple(self._amend_reasons.items()),
            self._ids,
            TrackerState(
                t.last_time,
                t.day,
                t.equity,
                t.start_of_day_equity,
                t.peak_equity,
                t.daily_locked,
                t.halted,
                self._next_day_ns,
            )
            if self._tracking
            else None,
        )

    def import_state(self, state: EngineState, *, keep_marks: bool = False) -> None:
        """Go on from `state`, exported by an engine of the same plan (a restarted live run),
        with the owners already restored from their own snapshots. Open positions are marked
        from the bar in progress, this run's first (`engine_state.py`), unless `keep_marks`: a
        reload's engine counts bars as the old one did."""
        owners = {owner.name: owner for owner in self.owners}
        ledger = self.ledger
        ledger.balance = state.balance
        ledger.trade_base = state.trades - len(ledger.trades)
        ledger.open.clear()
        for p in state.positions:
            if keep_marks:
                mark, since = FillMark(p.mark, p.mark_seq), p.since
            else:  # measured from the bar in progress, this run's first (same broker number)
                mark, since = FillMark(self._bar, p.mark_seq), self._bar
            ledger.open_position(
                Position(
                    p.owner,
                    p.side,
                    p.qty,
                    p.price,
                    p.time,
                    mark,
                    p.fee,
                    p.order_id,
                    p.cost,
                    since,
                )
            )
        for held in state.orders:
            self.book.restore(held)
            owner = owners.get(held.owner)
            if owner is not None:
                self._owner_of[held.order.id] = owner
        self._entries = {i: (q, p) for i, q, p in state.entries}
        self._watch_of = {w: owners[o] for w, o in state.watches if o in owners}
        self._amend_reasons = dict(state.amend_reasons)
        self._ids = state.ids
        tracker = state.tracker
        if tracker is not None and self._tracking:
            self._tracker = replace(
                self._tracker,
                last_time=tracker.last_time,
                day=tracker.day,
                equity=tracker.equity,
                start_of_day_equity=tracker.start_of_day_equity,
                peak_equity=tracker.peak_equity,
                daily_locked=tracker.daily_locked,
                halted=tracker.halted,
            )
            self._next_day_ns = tracker.next_day_ns

    def add_owner(self, owner: Owner) -> None:
        """Run `owner` after the others from now on (a live reload's retired owner, or an
        owner that waited for its predecessor to close). Its working orders and watches, if
        the book already holds them, are routed to it."""
        if any(o.name == owner.name for o in self.owners):
            raise ValueError(f"an owner named {owner.name} already runs")
        self.owners.append(owner)
        for held in self.book.working():
            if held.owner == owner.name:
                self._owner_of[held.order.id] = owner

    def remove_owner(self, owner: Owner) -> None:
        """Stop running `owner` (flat, with nothing working: a retired owner whose position
        has closed). Its finished orders stay in the book."""
        self.owners = [o for o in self.owners if o is not owner]
        for table in (self._owner_of, self._watch_of):
            for key in [k for k, o in table.items() if o is owner]:
                del table[key]

    def stand_down(self) -> None:
        """Every owner cancels its working entries and stays ready to place them again
        (`Owner.stand_down`): what a live run does when it stops or is halted."""
        for owner in self.owners:
            owner.stand_down()

    def holds(self, name: str) -> bool:
        """Whether the owner called `name` has an open position or a working order."""
        return name in self.ledger.open or any(h.owner == name for h in self.book.working())

    def amend_levels(
        self,
        order_id: str,
        *,
        price: Decimal | None = None,
        trigger: Decimal | None = None,
        reason: str = "",
    ) -> bool:
        """Move a working order's limit or stop level (a live reload applying new exit
        distances); False when the order is not working or not free to amend."""
        status = self.book.status(order_id)
        if status is None or status.is_terminal or status is OrderStatus.PENDING_CANCEL:
            return False
        if status is not OrderStatus.SUBMITTED:
            self.book.note(order_id, OrderEvent.AMEND_REQUESTED)
        self._amend_reasons[order_id] = reason
        self.broker.amend(order_id, price=price, trigger=trigger)
        return True

    def replace_owner(self, old: Owner, new: Owner) -> None:
        """Put `new` in `old`'s place: in the run order, and as the owner of `old`'s working
        orders and watches. The hook for restoring owners from snapshots (`Owner.restore`):
        call it between two events, never from inside an owner's handler. The engine keeps
        nothing else of an owner's (the ledger and the order book know owners by name)."""
        index = next(i for i, owner in enumerate(self.owners) if owner is old)
        self.owners[index] = new
        for table in (self._owner_of, self._watch_of):
            for key, owner in table.items():
                if owner is old:
                    table[key] = new

    # --- the broker's calls (BrokerListener) -----------------------------------------------------

    def on_order_update(self, update: OrderUpdate) -> None:
        """Apply the update to the order book first; only an update the state table allows
        reaches orders.csv and the order's owner. Anything else is an alert and a reconcile
        request, and the run goes on as if it had not arrived."""
        anomaly = self.book.apply(update)
        if anomaly is not None:
            self._reject_update(update, anomaly)
            return
        if update.kind is OrderEvent.ACCEPTED:
            return  # the engine acts on fills and refusals; acceptance changes nothing here
        self._now_time = update.time
        self._quote = (
            (update.bid, update.ask) if update.bid is not None and update.ask is not None else None
        )
        order = update.order
        kind = _RECORDED.get(update.kind)
        owner = self._owner_of.get(order.id)
        if kind is not None:
            reason = ""
            if update.kind is OrderEvent.AMENDED:
                reason = self._amend_reasons.pop(order.id, "")
            self._record(update, kind, owner.name if owner else order.slot or "", reason)
        if self.book.is_final(order.id):
            self._owner_of.pop(order.id, None)
            self._entries.pop(order.id, None)
        elif update.kind in _FILLS and order.id in self._entries:
            # What a working entry has filled is a position now, not a pending entry.
            _, price = self._entries[order.id]
            self._entries[order.id] = (order.qty - self.book.filled(order.id), price)
        if owner is not None:
            owner.on_update(update)

    @property
    def records(
        self,
    ) -> tuple[
        Sequence[TradeRecord],
        Sequence[OrderEventRecord],
        Sequence[SignalRecord],
        Sequence[AlertRecord],
    ]:
        """The trades, order events, signals and alerts so far, as they grow (no copy): a
        live run appends what is new to its files after each event."""
        return self.ledger.trades, self._orders, self._signals, self._alerts

    @property
    def reconcile_requests(self) -> tuple[ReconcileRequest, ...]:
        """Orders on which the broker said something the state table does not allow, in the
        order it happened. This is what the live runtime (issue 9) acts on: ask the broker
        for each order's true state and settle the book and the position with it. A replay
        only records them (each is also an `order_update_rejected` alert)."""
        return tuple(self._reconcile)

    def _reject_update(self, update: OrderUpdate, anomaly: Anomaly) -> None:
        message = (
            f"{anomaly.message}; the update was not applied, the run went on without it, and "
            "the order needs to be reconciled with the broker"
        )
        order_id = anomaly.order_id
        self._alerts.append(
            AlertRecord(
                update.time, self.book.owner(order_id), "order_update_rejected", message, order_id
            )
        )
        self._reconcile.append(
            ReconcileRequest(update.time, order_id, update.kind, anomaly.status, message)
        )

    def on_price_touch(self, touch: PriceTouch) -> None:
        self._now_time = touch.time
        owner = self._watch_of.pop(touch.watch_id, None)
        if owner is not None:
            owner.on_touch(touch)

    # --- services for owners (`services.OwnerServices`) ---------------------------------------

    def mark(self, update: OrderUpdate) -> FillMark:
        """Where a fill falls in the run: the bar in progress and the broker's report number."""
        return FillMark(self._bar, update.seq)

    def new_order_id(self) -> str:
        if self._order_ids is not None:
            return self._order_ids()
        self._ids += 1
        return str(self._ids)

    def submit(
        self,
        owner: Owner,
        order: Order,
        *,
        entry_price: Decimal | None = None,
        reason: str = "",
    ) -> None:
        """Record the placement (with `reason`, e.g. an alert) and send; the outcome comes back
        as updates (maybe at once)."""
        self.book.place(order, owner.name)
        self._owner_of[order.id] = owner
        if entry_price is not None:
            self._entries[order.id] = (order.qty, entry_price)
        self._record_placed(owner, order, reason)
        self.broker.submit(order)

    def _record_placed(self, owner: Owner, order: Order, reason: str = "") -> None:
        if order.is_trailing:  # the stop (and limit) it starts with, trailing from the market
            state = placed_state(order, self._mark_now(order.side), self.instrument)
            trigger, limit = shown_levels(order, state, self.instrument)
            self.record(owner, order, OrderEventKind.PLACED, reason, levels=(limit, trigger))
            return
        self.record(owner, order, OrderEventKind.PLACED, reason)

    def _mark_now(self, side: Side) -> Decimal:
        """The price `side` trades at now, as the broker sees it: the quote of the update being
        handled inside a row, else the last closed row's close."""
        if self._quote is not None:
            bid, ask = self._quote
            return ask if side is Side.BUY else bid
        return self.reference(side, max(self._now_row, 0))

    def record(
        self,
        owner: Owner,
        order: Order,
        kind: OrderEventKind,
        reason: str = "",
        *,
        levels: tuple[Decimal | None, Decimal | None] | None = None,
    ) -> None:
        """Add an order event the engine itself decided, e.g. a re-entry CONVERTED from a limit
        to a stop before it is sent (SEMANTICS.md section 1), with the reason."""
        self._orders.append(
            OrderEventRecord(
                self.now,
                order.id,
                owner.name,
                order.type,
                order.side,
                order.qty,
                order.price if levels is None else levels[0],
                order.trigger if levels is None else levels[1],
                kind,
                reason=reason,
            )
        )

    def refuse_exit(self, owner: Owner, refused: RefusedExit) -> None:
        """Record an exit that could not be sent (a level at or below zero) as rejected, with
        its own order id, so orders.csv shows it and it is never silently lost or re-sent."""
        self._orders.append(
            OrderEventRecord(
                self.now,
                self.new_order_id(),
                owner.name,
                refused.type,
                refused.side,
                refused.qty,
                refused.level if refused.type is OrderType.LIMIT else None,
                refused.level if refused.type is not OrderType.LIMIT else None,
                OrderEventKind.REJECTED,
                reason=refused.reason,
            )
        )

    def book_close(self, position_name: str, update: OrderUpdate, reason: ExitReason) -> None:
        """Close the update's fill quantity of `position_name` (all of it when the update says
        none) in the ledger at the fill price, as one trade with MFE/MAE since entry.

        Shared by signal rules and grid slots: a trade is booked the same way whoever owns it."""
        assert update.fill_price is not None
        mark = self.mark(update)
        position = self.ledger.open[position_name]
        excursion = None
        if self.excursion is not None:
            excursion = self.excursion(position.side.opposite, position.mark, mark)
        self.ledger.close_position(
            position_name,
            price=update.fill_price,
            time=update.time,
            mark=mark,
            fee=update.fee,
            reason=reason,
            excursion=excursion,
            qty=update.fill_qty,
        )

    def settle(self, owner: Owner, order: Order, settle: Settle, row: int) -> None:
        """Record a closing market order and have the replay fill it at `row`'s close."""
        self.book.place(order, owner.name)
        self._owner_of[order.id] = owner
        self._record_placed(owner, order)
        settle(order, row)

    def amend(self, order_id: str, *, qty: Decimal, reason: str = "") -> None:
        """Send a new quantity for a working order (an exit resized to its position); `reason`
        goes on the `amended` row in orders.csv. Nothing for an order that is finished or
        being cancelled. An order the broker has not acknowledged is amended all the same:
        the reply implies the acceptance (`orders/book.py`)."""
        status = self.book.status(order_id)
        if status is None or status.is_terminal or status is OrderStatus.PENDING_CANCEL:
            return
        if status is not OrderStatus.SUBMITTED:
            self.book.note(order_id, OrderEvent.AMEND_REQUESTED)
        self._amend_reasons[order_id] = reason
        self.broker.amend(order_id, qty=qty)

    def cancel(self, order_id: str) -> None:
        """Send a cancel for a working order (the book notes it as requested); nothing for an
        order that is finished, unknown, or already being cancelled."""
        if self.book.request_cancel(order_id):
            self.broker.cancel(order_id)

    def new_watch_id(self) -> str:
        return f"w{self.new_order_id()}"

    def watch(self, owner: Owner, watch_id: str, side: Side, level: Decimal) -> None:
        self._watch_of[watch_id] = owner
        self.broker.watch(watch_id, side, level)

    def unwatch(self, watch_id: str) -> None:
        if self._watch_of.pop(watch_id, None) is not None:
            self.broker.unwatch(watch_id)

    def alert(self, owner: Owner, kind: str, message: str, order_id: str = "") -> None:
        """Raise an alert (`EngineResult.alerts`): something to look at, not a refusal."""
        self._alerts.append(AlertRecord(self.now, owner.name, kind, message, order_id))

    def signal(self, row: int, rule: str, side: Side, accepted: bool, reason: str = "") -> None:
        self._signals.append(SignalRecord(self.close_time_of(row), rule, side, accepted, reason))

    @property
    def now(self) -> datetime:
        if self._now_time is None:
            self._now_time = self.close_time_of(self._now_row)
        return self._now_time

    def time_of(self, row: int) -> datetime:
        return datetime_from_ns(int(self._time[row]))

    def close_ns(self, row: int) -> int:
        return int(self._close_ns[row])

    def close_time_of(self, row: int) -> datetime:
        return datetime_from_ns(self.close_ns(row))

    def next_trading_day_ns(self, row: int) -> int:
        """When the trading day after the one `row` closes in begins (epoch ns): a slot refused
        for the day arms again at the first close at or after it."""
        boundary = self._day_boundary
        day = boundary.trading_day(self.close_time_of(row))
        return boundary.start_ns(day + timedelta(days=1))

    def first_close_at(self, at_ns: int, row: int) -> int:
        """The first row >= `row` whose close is at or after `at_ns`; `rows` if none is: where
        a replay wakes for a clock an owner keeps in time. Owners ask again for the same
        instant at every wake-up (40 grid slots each visited row), so the search is kept."""
        at = self._first_close.get(at_ns)
        if at is None:
            if len(self._first_close) > 4096:
                self._first_close.clear()
            at = self._first_close[at_ns] = int(np.searchsorted(self._close_ns, at_ns, side="left"))
        return at if at >= self.rows else max(at, row)

    def quote(self) -> tuple[Decimal, Decimal] | None:
        """Bid and Ask an order sent now meets first, as the broker quotes them; None when it
        has none (in a replay: the data has ended)."""
        quote = self.broker.quote()
        return None if quote is None else (quote.bid, quote.ask)

    def price(self, scaled: int) -> Decimal:
        return Decimal(scaled).scaleb(-self._decimals)

    def bid_close(self, row: int) -> Decimal:
        return self.price(int(self._close[row]))

    def spread_at(self, row: int) -> Decimal:
        return self.price(int(self._spreads[row]))

    def fill_spread(self, update: OrderUpdate) -> Decimal:
        """The spread when `update` happened: its own Bid and Ask when the broker sent them,
        else the spread at the last bar close (a broker that quotes no market with fills)."""
        if update.bid is not None and update.ask is not None:
            return update.ask - update.bid
        return self.spread_at(max(self._now_row, 0))

    def regular_hours_after(self, row: int) -> bool:
        """Whether an order placed at `row`'s close is in US regular hours (where market orders
        are accepted); always true off US stocks."""
        if not self._us_stock:
            return True
        return us_session(self.close_ns(row) // 1_000_000_000) is UsSession.REGULAR

    def marketable_limit(self, side: Side, row: int) -> Decimal:
        """The price of a close sent as a limit where market orders are refused: 1% through
        the row's closing Bid (sell) or Ask (buy), rounded to the tick away from the market.
        It fills at once at the market as long as the price stays within 1% (docs/exits.md)."""
        reference = self.reference(side, row)
        if side is Side.SELL:
            return self.instrument.round_price(reference * MARKETABLE_SELL, Rounding.DOWN)
        return self.instrument.round_price(reference * MARKETABLE_BUY, Rounding.UP)

    def reference(self, side: Side, row: int) -> Decimal:
        """The price `side` trades at, at `row`'s close: the Ask for buys, the Bid for sells."""
        bid = self.bid_close(row)
        return bid + self.spread_at(row) if side is Side.BUY else bid

    def size(self, rule: EntryRule, price: Decimal, row: int) -> Decimal:
        """The quantity of an entry at `price`; raises SizingError with the reason to refuse.
        See `entry_sizing.size_entry` (no sizing: the venue's smallest step; `units`/`qty` as
        written; `notional`; `risk`: the 2% rule over the stop as placed, capped by margin)."""
        marks = self._marks(row)
        state = self._account_state(self.ledger.equity(marks), marks)
        return self._size(rule, price, row, state).qty

    def decide_entry(
        self, rule: EntryRule, price: Decimal, row: int, *, market: bool
    ) -> EntryDecision:
        """Size a signal entry at `price` and run every guard on it, against one snapshot of
        the account at `row`'s close. A refusal reads `code: message; code: message`."""
        marks = self._marks(row)
        state = self._judged_state(row, marks)
        try:
            size = self._size(rule, price, row, state)
        except MarginRefusal as exc:
            return EntryDecision(ZERO, f"insufficient_margin: {exc}")
        except SizingError as exc:
            return EntryDecision(ZERO, f"sizing: {exc}")
        if size.qty <= 0:
            return EntryDecision(ZERO, "sizing: the size rounds down to zero units")
        proposed = self._proposed(rule.side, size.qty, price, market, size.risk_amount)
        verdict = check_order(self._limits, state, proposed, self._venue)
        if not verdict.ok:
            return EntryDecision(size.qty, verdict.message)
        return EntryDecision(size.qty, note=size.note)

    def guard(self, side: Side, qty: Decimal, price: Decimal, row: int, *, market: bool) -> str:
        """Every risk guard's reasons to refuse an entry, as one line; empty when it may go."""
        state = self._judged_state(row, self._marks(row))
        proposed = self._proposed(side, qty, price, market, None)
        verdict = check_order(self._guard_limits, state, proposed, self._venue)
        return "" if verdict.ok else verdict.message

    def _size(self, rule: EntryRule, price: Decimal, row: int, state: AccountState) -> EntrySize:
        busy = state.slots_taken > 0 and self.config.leverage is not None
        free = state.free_margin if busy else None
        reported = self._broker_margin() if self.config.broker_margin else None
        if reported is not None and self.config.leverage is not None:
            free = reported if free is None else min(free, reported)
        account = SizingAccount(
            self.config.currency,
            self.ledger.balance,
            self.config.quote_rate,
            self.config.leverage,
            free,
        )
        return size_entry(
            rule,
            price=price,
            spread=self.spread_at(row),
            instrument=self.instrument,
            venue_step=self._venue.step,
            account=account,
            fees=self.plan.fees,
        )

    def _broker_margin(self) -> Decimal | None:
        """The margin the broker says is free (OANDA's `marginAvailable`; None: it does not
        say, and the engine's own reckoning caps alone). An entry that cannot ask is not
        sized on a guess."""
        try:
            return self.broker.account().margin_available
        except BrokerUnavailable as exc:
            raise SizingError(f"the broker did not say what margin is free ({exc})") from None

    def _judged_state(self, row: int, marks: Callable[[Side], Decimal]) -> AccountState:
        """The account at `row`'s close, with the daily-loss and drawdown trackers read."""
        equity = self.ledger.equity(marks)
        state = self._account_state(equity, marks)
        if self._tracking:
            when = self.now
            if self._tracker.last_time is None or when >= self._tracker.last_time:
                self._update_tracker(when, equity)
            state = self._tracker.apply(state)
        return state

    def _proposed(
        self, side: Side, qty: Decimal, price: Decimal, market: bool, risk: Decimal | None
    ) -> ProposedOrder:
        return ProposedOrder(
            self.instrument.symbol,
            side,
            qty,
            price,
            price_is_reference=market,
            quote_home_rate=self.config.quote_rate(price),
            risk_amount=risk,
        )

    def _read_day_end(self, row: int) -> None:
        """At the last row of a trading day, equity at its close becomes the next day's start;
        read just before the boundary so it counts for the day it ends.

        The daily loss limit compares equity with the day's *starting* equity. Entry decisions
        may be days apart; taking the last one's reading as the new day's start would lock a day
        for losses made before it began. One wake-up a day (`core.calendar.day_ends`) is
        negligible next to the rows a backtest skips. The bar says it ends a day by itself
        (its close is in a later trading day than its start), so a live run asks the same."""
        close = self.close_ns(row)
        boundary = day_end_of(int(self._time[row]), close, self._day_boundary)
        self._next_day_ns = self.next_trading_day_ns(row)  # the first boundary after `close`
        if boundary is None:
            return
        when = datetime_from_ns(boundary - 1000)
        if self._tracker.last_time is not None and when < self._tracker.last_time:
            return
        self._update_tracker(when, self.ledger.equity(self._marks(row)))

    # --- internals ------------------------------------------------------------------------------

    def _update_tracker(self, when: datetime, equity: Decimal) -> None:
        """Take an equity reading; the moment the daily loss limit or the drawdown halt is
        first seen becomes an alert, so the summary can say when trading stopped and why."""
        before = self._tracker
        after = before.update(when, equity)
        self._tracker = after
        currency = self.plan.account.currency
        if after.halted and not before.halted and after.peak_equity is not None:
            fall = (after.peak_equity - equity) / after.peak_equity * HUNDRED
            self._alerts.append(
                AlertRecord(
                    when, "", "drawdown_halt",
                    f"trading halted: equity {round_money(equity, currency)} {currency} is "
                    f"{fall.quantize(Decimal('0.01'))}% below its peak of "
                    f"{round_money(after.peak_equity, currency)} (max_drawdown "
                    f"{_percent(after.max_drawdown)}); no new entries for the rest of the run",
                )
            )  # fmt: skip
        elif after.daily_locked and not before.daily_locked and not after.halted:
            start = after.start_of_day_equity or equity
            self._alerts.append(
                AlertRecord(
                    when, "", "daily_loss_limit",
                    f"daily loss limit reached: equity {round_money(equity, currency)} "
                    f"{currency} against {round_money(start, currency)} at the start of the day "
                    f"(daily_loss_limit {_percent(after.daily_loss_limit)}); no new entries "
                    "until the next trading day",
                )
            )  # fmt: skip

    def _marks(self, row: int) -> Callable[[Side], Decimal]:
        bid = self.bid_close(row)
        ask = bid + self.spread_at(row)

        def mark(side: Side) -> Decimal:
            return ask if side is Side.BUY else bid

        return mark

    def _account_state(self, equity: Decimal, marks: Callable[[Side], Decimal]) -> AccountState:
        leverage = self.config.leverage or ONE
        qty = notional = pending_qty = pending_notional = ZERO
        for position in self.ledger.open.values():
            mark = marks(position.side.opposite)
            qty += position.qty
            notional += position.qty * mark * self.config.quote_rate(mark)
        for entry_qty, entry_price in self._entries.values():
            pending_qty += entry_qty
            pending_notional += entry_qty * entry_price * self.config.quote_rate(entry_price)
        exposure = SymbolExposure(
            positions=len(self.ledger.open),
            qty=qty,
            notional=notional,
            pending_entries=len(self._entries),
            pending_qty=pending_qty,
            pending_notional=pending_notional,
        )
        return AccountState(
            balance=self.ledger.balance,
            equity=equity,
            positions={self.instrument.symbol: exposure},
            margin_used=notional / leverage,
            leverage=leverage,
            margin_checked=self.config.leverage is not None,
        )

    def _record(
        self, update: OrderUpdate, kind: OrderEventKind, owner: str, reason: str = ""
    ) -> None:
        order = update.order
        self._orders.append(
            OrderEventRecord(
                update.time,
                order.id,
                owner,
                order.type,
                order.side,
                update.fill_qty if update.fill_qty is not None else order.qty,
                update.limit if update.limit is not None else order.price,
                update.trigger if update.trigger is not None else order.trigger,
                kind,
                update.fill_price,
                update.reason or reason,
            )
        )


def _risk_limits(plan: Plan) -> GuardLimits:
    """The plan's caps (percents) as the guards' caps (fractions).

    `max_notional` is the most total position value at once (docs/language.md): on an FX pair
    in units of the base currency, as FX brokers state position limits; elsewhere price x
    quantity. The venue's minimum notional travels with the venue's rules, not here."""
    limits = plan.risk
    fx = plan.instrument.asset_class is AssetClass.FX
    return GuardLimits(
        one_position_per_symbol=limits.one_position_per_symbol,
        max_open_positions=limits.max_open_positions,
        max_position_per_symbol=limits.max_position,
        max_total_notional=None if fx else limits.max_notional,
        max_total_units=limits.max_notional if fx else None,
        daily_loss_limit=_fraction(limits.daily_loss_limit),
        max_drawdown=_fraction(limits.max_drawdown),
        max_risk_per_trade=_fraction(limits.max_risk_per_trade),
    )


def _fraction(percent: Decimal | None) -> Decimal | None:
    return None if percent is None else percent / HUNDRED


__all__ = [
    "Engine",
    "EngineConfig",
    "EngineResult",
    "EntryDecision",
    "EntryRefused",
    "Excursion",
    "Owner",
    "RuleInputs",
    "Settle",
]
