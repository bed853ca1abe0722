"""The paper broker in live mode: a venue a live runtime trades on before any adapter exists.

It is the replay's `PaperBroker` (same fill model, same reports: nothing is copied) with what a
real broker adds around it (ports/live.py):

* **Memory.** Every order it took, by client id, with its status (moved only through the order
  book's state table), filled quantity, average price and venue id; every fill with a unique
  trade id; the net position; one sequence number over all reports. So `lookup`, `open_orders`,
  `positions` and `fills_since(cursor)` answer a client that was away.
* **Market data.** `subscribe(listener)` gets a `LiveBar` for each row once the venue has
  processed it, so the fills of row r are reported before bar r's close is delivered, exactly
  as `backtest/stream.py` orders them; then `FeedState.ENDED` after the last row.
* **Driven by the feed and the clock.** `step()` processes the next row and delivers its bar
  synchronously (deterministic tests; an as-fast-as-possible run). `run(speed)` / `start(speed)`
  pace the rows by the wall clock instead (`speed` 60: a one-minute bar each second). One lock
  covers a row and every command, so a command that arrives while a row is processed takes
  effect from the next row, as between two rows of a replay. The lock is re-entrant: a listener
  called from inside a row may command at once (the replay's "react at the fill"), from that
  point of the row.
* **Reports before the call returns.** The paper broker reports synchronously, so ACCEPTED (or
  REJECTED) reaches the listener before `submit` returns. Real brokers do that too (Futu's push
  can beat `place_order`); the runtime must cope, and here it always has to.
* **Faults** (`faults`, `disconnect`, `reconnect`; off by default): see `live_faults.py`.

Refusals. An order the venue refuses on its merits (insufficient margin, a market order outside
regular hours, an injected reject) is accepted as a record and reported once as REJECTED, never
re-sent. A command that names no order the venue has, or a client id already in use, raises
`OrderRejected` and reports nothing (an update would land on the other order of that id). A
cancel or amend of a finished order does nothing: its final report has been sent.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from time import monotonic
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.brokers.paper.broker import PaperAccount, PaperBroker
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.brokers.paper.live_faults import Faults
from tradeplan.brokers.paper.live_records import VenueRecords
from tradeplan.core.enums import Side
from tradeplan.core.epoch import usual_interval_ns
from tradeplan.core.instrument import Instrument
from tradeplan.orders.model import Order, OrderError, OrderEvent
from tradeplan.ports.broker import (
    AccountSnapshot,
    BarSeries,
    BrokerListener,
    FillMark,
    OrderUpdate,
    PriceTouch,
    Quote,
)
from tradeplan.ports.live import (
    FeedState,
    FillBatch,
    LiveBar,
    MarketListener,
    OrderRejected,
    OrderReport,
    OutcomeUnknown,
    PositionReport,
)
from tradeplan.ports.profiles import PAPER, BrokerProfile

# A gap in the data (a weekend, a halt) is waited out for at most this many usual intervals,
# so a replay at speed 60 does not sit idle for 48 minutes over a Saturday.
GAP_INTERVALS: Final = 10

# What a venue with a journal calls for each command and each processed row (live_journal.py).
CommandHook = Callable[[str, dict[str, object]], None]


class LivePaperVenue:
    """A `LiveBrokerPort` over recorded rows; see the module docstring.

    Built like the replay's broker (`backtest/run.py`): the rows (`BarSeries`, e.g. a
    `MarketData`) and their `volume`, the instrument, the fill settings, the account and the
    broker profile whose rules it stands in for.
    """

    def __init__(
        self,
        series: BarSeries,
        instrument: Instrument,
        config: FillConfig | None = None,
        *,
        account: PaperAccount | None = None,
        profile: BrokerProfile = PAPER,
        volume: NDArray[np.float64] | None = None,
        interval_ns: int | None = None,
    ) -> None:
        config = config or FillConfig()
        self._paper = PaperBroker(
            series,
            instrument,
            config,
            account=account,
            profile=profile,
            interval_ns=interval_ns,
            report_accepted=True,
            volume=volume if config.max_volume_share is not None else None,
        )
        self._paper.connect(_Tap(self))
        self._instrument = instrument
        self._decimals = int(series.decimals)
        self._series = series
        self._volume = volume
        self._rows = len(series)
        self._interval_ns = (
            interval_ns if interval_ns is not None else usual_interval_ns(series.time_ns)
        )
        self._records = VenueRecords(instrument.symbol)
        self._faults = Faults()
        self._lock = threading.RLock()
        self._listener: BrokerListener | None = None
        self._markets: list[MarketListener] = []
        self._connected = True
        self._told = True  # the market listeners heard RECONNECTING when the connection dropped
        self._cursor = 0  # the next row to process
        self._in_row = False
        self._ended = False
        self._hook: CommandHook | None = None
        self._fill_seqs: dict[int, int] = {}  # a fill's report number: the fill model's
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- what a venue is ------------------------------------------------------------------------

    @property
    def profile(self) -> BrokerProfile:
        return self._paper.profile

    @property
    def instrument(self) -> Instrument:
        return self._instrument

    @property
    def faults(self) -> Faults:
        return self._faults

    @property
    def rows(self) -> int:
        return self._rows

    @property
    def cursor(self) -> int:
        """The next row the venue will process (`rows` once the feed has ended)."""
        return self._cursor

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def feed_state(self) -> FeedState:
        return FeedState.ENDED if self._ended else FeedState.LIVE

    @property
    def state_detail(self) -> str:
        """The feed state in words, for a client's log."""
        if self._ended:
            return f"the recorded feed has ended after {self._rows} bars"
        return f"bar {self._cursor + 1} of {self._rows} next"

    @property
    def lock(self) -> threading.RLock:
        """Held while a row or a command is processed (a server takes it to read a consistent
        picture of the venue, e.g. to greet a client)."""
        return self._lock

    def set_hook(self, hook: CommandHook | None) -> None:
        """Call `hook(kind, fields)` for every command taken and row processed, under the
        lock, before it takes effect (a write-ahead journal: `live_journal.py`)."""
        self._hook = hook

    # --- commands -------------------------------------------------------------------------------

    def connect(self, listener: BrokerListener) -> None:
        with self._lock:
            self._listener = listener

    def submit(self, order: Order) -> None:
        with self._lock:
            if order.id in self._records:
                raise OrderRejected(order.id, "the client id is already in use")
            if self._faults.command_delay_rows and not self._in_row:
                self._faults.in_flight.append((self._faults.command_delay_rows, order))
                return
            self._submit(order)

    def _submit(self, order: Order) -> None:
        with self._lock:
            fault = self._faults.next_submit()
            if fault is not None and fault.timeout and not fault.placed:
                raise OutcomeUnknown(order.id, "injected timeout: the request was lost")
            reason = fault.reason if fault is not None and not fault.timeout else ""
            self._journal("submit", {"order": order, "reject": reason})
            self._records.place(order, self._now())
            if reason:
                self._reported(OrderUpdate(OrderEvent.REJECTED, order, self._now(), reason=reason))
            else:
                self._paper.submit(order)
        if fault is not None and fault.timeout:
            raise OutcomeUnknown(order.id, "injected timeout: the reply was lost")

    def cancel(self, order_id: str) -> None:
        with self._lock:
            if not self._is_working(order_id):
                return
            if self._faults.command_delay_rows and not self._in_row:
                self._faults.in_flight.append((self._faults.command_delay_rows, order_id))
                return
            self._apply_cancel(order_id)

    def _apply_cancel(self, order_id: str) -> None:
        if self._is_working(order_id):
            self._journal("cancel", {"id": order_id})
            self._records.note(order_id, OrderEvent.CANCEL_REQUESTED)
            self._paper.cancel(order_id)

    def amend(
        self,
        order_id: str,
        *,
        price: Decimal | None = None,
        trigger: Decimal | None = None,
        qty: Decimal | None = None,
    ) -> None:
        with self._lock:
            if not self._is_working(order_id):
                return
            report = self._records.report(order_id)
            assert report is not None
            self._check_amend(report, price, trigger, qty)
            self._journal("amend", {"id": order_id, "price": price, "trigger": trigger, "qty": qty})
            self._records.note(order_id, OrderEvent.AMEND_REQUESTED)
            self._paper.amend(order_id, price=price, trigger=trigger, qty=qty)

    def watch(self, watch_id: str, side: Side, level: Decimal) -> None:
        with self._lock:
            if watch_id in self._records:
                raise OrderRejected(watch_id, "a watch may not take an order's client id")
            self._journal("watch", {"id": watch_id, "side": side, "level": level})
            self._paper.watch(watch_id, side, level)

    def unwatch(self, watch_id: str) -> None:
        with self._lock:
            self._journal("unwatch", {"id": watch_id})
            self._paper.unwatch(watch_id)

    # --- questions ------------------------------------------------------------------------------

    def account(self) -> AccountSnapshot:
        with self._lock:
            return self._paper.account()

    def quote(self) -> Quote | None:
        with self._lock:
            return self._paper.quote()

    def lookup(self, client_id: str) -> OrderReport | None:
        with self._lock:
            return self._records.report(client_id)

    def open_orders(self) -> tuple[OrderReport, ...]:
        with self._lock:
            return self._records.open_orders()

    def positions(self) -> tuple[PositionReport, ...]:
        with self._lock:
            return self._records.positions()

    def fills_since(self, cursor: str | None) -> FillBatch:
        with self._lock:
            return self._records.fills_since(cursor)

    def excursion(self, side: Side, start: FillMark, end: FillMark) -> tuple[Decimal, Decimal]:
        """Lowest and highest price of `side` between two fills this venue reported, exactly
        as the backtest measures them (the fill model's intrabar path): what lets a live run
        on the paper venue write the backtest's MFE and MAE. A real broker has no such thing;
        a live run measures over its bars there."""
        with self._lock:
            paper = self._fill_seqs
            return self._paper.excursion(
                side, FillMark(start.bar, paper[start.seq]), FillMark(end.bar, paper[end.seq])
            )

    @property
    def bar_seconds(self) -> int:
        """The feed's usual bar interval in seconds (0 for ticks)."""
        return self._interval_ns // 1_000_000_000

    @property
    def last_seq(self) -> int:
        """The sequence number of the last report."""
        return self._records.seq

    # --- market data ----------------------------------------------------------------------------

    def history(self, bars: int) -> tuple[LiveBar, ...]:
        """The last `bars` rows already delivered, as bars (a starting run's warm-up)."""
        with self._lock:
            end = self._cursor
            return tuple(self.bar(row) for row in range(max(end - bars, 0), end))

    def subscribe(self, listener: MarketListener) -> None:
        """Add a market listener; it hears the feed's state at once (live, or ended)."""
        with self._lock:
            self._markets.append(listener)
            if self._connected:
                listener.on_feed_state(self.feed_state, self.state_detail)

    def unsubscribe(self, listener: MarketListener) -> None:
        with self._lock:
            if listener in self._markets:
                self._markets.remove(listener)

    def close(self) -> None:
        """Stop the clock and let the listeners go; orders, fills and positions stay."""
        self.stop()
        with self._lock:
            self._listener = None
            self._markets.clear()

    # --- driving it -----------------------------------------------------------------------------

    def step(self) -> bool:
        """Process the next row and deliver its bar (then ENDED after the last one); False
        when the feed had already ended."""
        with self._lock:
            row = self._cursor
            if row >= self._rows:
                self._end()
                return False
            self._journal("row", {"row": row})
            self._in_row = True
            try:
                self._paper.process_row(row)
            finally:
                self._in_row = False
                self._cursor = row + 1
            for command in self._faults.arriving():  # command_delay_rows
                if isinstance(command, str):
                    self._apply_cancel(command)
                elif command.id not in self._records:
                    self._submit(command)
            self._deliver(self._faults.release())
            if self._connected and self._markets:
                bar = self.bar(row)
                for market in tuple(self._markets):
                    market.on_bar(bar)
            if self._cursor >= self._rows:
                self._end()
            return True

    def run(self, speed: float | None = None) -> None:
        """Process the rows left, pacing them by the wall clock: `speed` rows' worth of data
        time per second of wall time (60: a one-minute bar each second); None, 0 or infinite
        as fast as possible. A row is processed when its bar closes on that clock. Returns at
        the end of the feed or when `stop()` is called."""
        if speed is None or speed <= 0 or math.isinf(speed):
            while not self._stop.is_set() and self.step():
                pass
            return
        times = self._series.time_ns
        gap = GAP_INTERVALS * self._interval_ns if self._interval_ns > 0 else None
        due = monotonic()
        previous: int | None = None
        while not self._stop.is_set():
            row = self._cursor
            if row >= self._rows:
                self.step()  # says ENDED if it has not yet
                return
            closes = self._close_ns(row)
            begin = int(times[row]) if previous is None else previous
            span = max(closes - begin, 0)
            due += (span if gap is None else min(span, gap)) / 1e9 / speed
            previous = closes
            wait = due - monotonic()
            if wait > 0 and self._stop.wait(wait):
                return
            self.step()

    def start(self, speed: float | None = None) -> None:
        """`run(speed)` in a daemon thread; `stop()` ends it."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("the venue's clock is already running")
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.run, args=(speed,), name="paper-venue-clock", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the clock thread, if any, after the row it is in."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._thread = None

    def wait_until_ended(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self._ended

    # --- faults ---------------------------------------------------------------------------------

    def disconnect(self, *, silent: bool = False) -> None:
        """The connection to the client drops: from now on no update, touch or bar is delivered
        (the venue goes on trading; what it does is in its reports). The market listeners hear
        RECONNECTING first, unless `silent` (a stream that dies without a word: LIVE.md 6.4)."""
        with self._lock:
            if not self._connected:
                return
            if not silent:
                for market in tuple(self._markets):
                    market.on_feed_state(FeedState.RECONNECTING, "connection to the venue lost")
            self._connected = False
            self._told = not silent
            self._faults.drop_held()

    def reconnect(self) -> None:
        """Deliver again, from now: market listeners hear LIVE (or ENDED), after a RECONNECTING
        first when the drop was silent. Nothing missed is re-sent: read it back through
        `open_orders`, `positions` and `fills_since`."""
        with self._lock:
            if self._connected:
                return
            self._connected = True
            for market in tuple(self._markets):
                if not self._told:
                    market.on_feed_state(FeedState.RECONNECTING, "reconnecting to the venue")
                market.on_feed_state(self.feed_state, self.state_detail)

    @property
    def connected(self) -> bool:
        return self._connected

    # --- inside -----------------------------------------------------------------------------------

    def bar(self, row: int) -> LiveBar:
        """Row `row` as the closed bar the venue delivers."""
        series, d = self._series, self._decimals

        def price(column: NDArray[np.int64]) -> Decimal:
            return Decimal(int(column[row])).scaleb(-d)

        volume = None
        if self._volume is not None:
            value = float(self._volume[row])
            volume = Decimal(repr(value)) if math.isfinite(value) else None
        return LiveBar(
            self._instrument.symbol,
            self._paper.time_of(row),
            self._paper.close_time_of(row),
            price(series.open_scaled),
            price(series.high_scaled),
            price(series.low_scaled),
            price(series.close_scaled),
            volume,
            price(series.spread_scaled),
        )

    def _close_ns(self, row: int) -> int:
        times = self._series.time_ns
        if row + 1 < self._rows:
            return int(times[row + 1])
        return int(times[row]) + self._interval_ns

    def _end(self) -> None:
        if self._ended:
            return
        self._ended = True
        if self._connected:
            for market in tuple(self._markets):
                market.on_feed_state(FeedState.ENDED, self.state_detail)

    def _is_working(self, order_id: str) -> bool:
        """Whether a cancel or amend of `order_id` has something to act on; an id the venue
        never took raises `OrderRejected` (a broker's "unknown order")."""
        if order_id not in self._records:
            raise OrderRejected(order_id, "the venue has no order with this client id")
        return self._records.is_working(order_id)

    def _check_amend(
        self,
        report: OrderReport,
        price: Decimal | None,
        trigger: Decimal | None,
        qty: Decimal | None,
    ) -> None:
        changes: dict[str, Decimal] = {}
        if price is not None:
            changes["price"] = price
        if trigger is not None:
            changes["trigger"] = trigger
        if qty is not None:
            changes["qty"] = qty
        try:
            replace(report.order, **changes)  # type: ignore[arg-type]
        except OrderError as exc:
            raise OrderRejected(report.client_id, f"amendment refused: {exc}") from None
        if qty is not None and qty <= report.filled_qty:
            raise OrderRejected(
                report.client_id,
                f"amendment refused: quantity {qty} is not above the {report.filled_qty} filled",
            )

    def _journal(self, kind: str, fields: dict[str, object]) -> None:
        if self._hook is None:
            return
        if self._in_row and kind != "row":
            raise RuntimeError(
                "a journaled venue takes commands between rows only (a listener commanded "
                "from inside a row)"
            )
        self._hook(kind, fields)

    def _now(self) -> datetime:
        if self._cursor < self._rows:
            return self._paper.time_of(self._cursor)
        return self._paper.close_time_of(self._rows - 1)

    def _reported(self, update: OrderUpdate) -> None:
        """Every report of the fill model (and the venue's own refusals) comes here."""
        stamped = self._records.record(update)
        if update.fill_qty is not None and update.seq:
            self._fill_seqs[stamped.seq] = update.seq  # the fill model's number for it
        if self._connected:
            self._deliver(self._faults.route(stamped))

    def _deliver(self, updates: list[OrderUpdate]) -> None:
        listener = self._listener
        if listener is None or not self._connected:
            return
        for update in updates:
            listener.on_order_update(update)

    def _touched(self, touch: PriceTouch) -> None:
        listener = self._listener
        if listener is not None and self._connected:
            listener.on_price_touch(touch)


class _Tap:
    """The paper broker's listener: hands its reports to the venue."""

    __slots__ = ("_venue",)

    def __init__(self, venue: LivePaperVenue) -> None:
        self._venue = venue

    def on_order_update(self, update: OrderUpdate) -> None:
        self._venue._reported(update)

    def on_price_touch(self, touch: PriceTouch) -> None:
        self._venue._touched(touch)


__all__ = ["GAP_INTERVALS", "LivePaperVenue"]
