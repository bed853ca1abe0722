"""The paper broker: a simulated venue over bars or ticks that implements the broker port.

It fills orders with the fill model in `fills.py` (docs/fill-model.md) and reports everything as
order updates, exactly as a live broker would push them: accepted, triggered, filled, cancelled,
expired, rejected. Nothing is assumed to succeed and nothing is silently re-sent: a refused order
(insufficient margin, a market order outside regular hours) is reported once as REJECTED.

Timing. `process_row(r)` walks every working order along row r's intrabar path in the order
events happen: the earliest fill (by `PathPoint`) is reported first and the listener reacts at
once, so exits placed when an entry fills, one-cancels-other cancels and moved stops take effect
from that point of the same row. Orders submitted between rows (at a row's close) work from the
next row. Day orders end at the session end (`sessions.py`) and are reported EXPIRED at the
first row at or after it, before that row trades; US-stock GTC orders end after 90 days the same
way; a market order has no end (it fills at the next row it may trade in).

Jumping. `next_activity` finds, with whole-array scans (`scan.py`), the first row at which any
working order or watch could act; `skip_to` carries trailing peaks over the rows in between.
Processing each of those rows one by one would change nothing else, which is what makes a
jumping backtest equal to a step-by-step one.

Rows. Bars are Bid prices with Ask = Bid + spread; a tick row has open = high = low = close =
Bid, which the fill model treats exactly like a tick (no volume, so a fill takes the whole
quantity).

Volume. With `FillConfig.max_volume_share` set and the rows' `volume` given, an order takes at
most that share of each row's volume (rounded down to the quantity step): each part is reported
PARTIALLY_FILLED with its own quantity and fee, the last one FILLED, and the rest of the order
keeps working on its terms from the next row (docs/fill-model.md). A row's share is the order's
own: it fills once per row at most, however often the row is walked after other events.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.brokers.paper.fills import (
    Bar,
    Fill,
    FillConfig,
    FillResult,
    PathPoint,
    fill_on_bar,
    intrabar_path,
)
from tradeplan.brokers.paper.moments import Moment
from tradeplan.brokers.paper.price_rules import distance_refusal
from tradeplan.brokers.paper.scan import (
    ScanArrays,
    ScanSpec,
    TrailScan,
    first_candidate,
    scaled_ceil,
    scaled_floor,
)
from tradeplan.brokers.paper.sessions import SessionCalendar, tradable, tradable_rows
from tradeplan.core.calendar import UsSession
from tradeplan.core.enums import OrderType, Side, TimeInForce
from tradeplan.core.epoch import datetime_from_ns, usual_interval_ns
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import HUNDRED, ONE, ZERO
from tradeplan.orders.model import Order, OrderEvent, OrderStatus, TrailKind
from tradeplan.orders.state_machine import TRANSITIONS, resume_status, transition
from tradeplan.orders.triggers import (
    TriggerState,
    initial_state,
    placed_state,
    shown_levels,
    trail_stop,
)
from tradeplan.ports.broker import (
    AccountSnapshot,
    BarSeries,
    BrokerListener,
    FillMark,
    OrderUpdate,
    PriceTouch,
    Quote,
)
from tradeplan.ports.profiles import PAPER, BrokerProfile

_MAX_EVENTS_PER_ROW: Final = 100_000
_LIMIT_STAGE = frozenset(
    {OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED, OrderType.TRAILING_STOP_LIMIT}
)
_STOPS = frozenset(
    {
        OrderType.STOP,
        OrderType.STOP_LIMIT,
        OrderType.TRAILING_STOP,
        OrderType.TRAILING_STOP_LIMIT,
    }
)
_WATCH_CONFIG: Final = FillConfig()
# A paper order works the moment it is submitted (unless it is refused at once).
_WORKING: Final = transition(
    transition(OrderStatus.INITIALIZED, OrderEvent.PLACED), OrderEvent.ACCEPTED
)
# How a row is tested for an order's level (`PaperBroker._may_act`).
_WALK, _ASK_LOW_AT_MOST, _BID_HIGH_AT_LEAST, _ASK_HIGH_AT_LEAST, _BID_LOW_AT_MOST = range(5)


def _one(_: Decimal) -> Decimal:
    return ONE


@dataclass(frozen=True, slots=True)
class PaperAccount:
    """The simulated account. `quote_rate(price)` is the account currency per unit of the
    instrument's quote currency when the instrument trades at `price` (1 when they are the same,
    1/price when the account holds the base currency). `leverage` None turns the margin check
    off."""

    currency: str = "USD"
    balance: Decimal = Decimal(100_000)
    leverage: Decimal | None = None
    quote_rate: Callable[[Decimal], Decimal] = _one


@dataclass(slots=True, eq=False)
class _Working:
    order: Order
    seq: int
    state: TriggerState
    live_from: int  # first row in which it works
    start: PathPoint | None  # where in the current row it starts (None: at the open)
    expires_ns: int | None
    filled: Decimal = ZERO
    watch: bool = False
    # Where the order is in its life, moved only by the state table as the venue reports it
    # (a limit stage's trigger is reported once: while the table still takes TRIGGERED).
    status: OrderStatus = _WORKING
    trailing: bool = False
    carried: int | None = None  # a trailing extreme carried over quiet rows, scaled
    scan: TrailScan | None = None  # `_trail_scan`'s cache, valid for `scan_state`
    scan_state: TriggerState | None = None
    check: int = 0  # how `_may_act` tests a row, for `check_state`
    level: int = 0
    check_state: TriggerState | None = None
    taken_row: int = -1  # the row `taken` was filled in (the volume model's share is per row)
    taken: Decimal = ZERO

    def taken_in(self, row: int) -> Decimal:
        """What the order already filled in `row`."""
        return self.taken if self.taken_row == row else ZERO

    @property
    def history_dependent(self) -> bool:
        """Whether its trigger state depends on the path it has seen (not just on the price)."""
        if self.state.triggered:
            return False
        return self.trailing or self.order.type in _LIMIT_STAGE


class PaperBroker:
    """A `ReplayVenue` over one instrument's rows; see the module docstring for the rules.

    `report_accepted=False` leaves out the ACCEPTED update (a paper order is accepted the
    moment it is submitted, unless a REJECTED says otherwise): the engine acts on fills and
    refusals only, and a backtest need not pay for a message per order that nobody reads.

    `volume` is each row's traded volume (NaN: unknown), read only when the config's
    `max_volume_share` is set.
    """

    def __init__(
        self,
        series: BarSeries,
        instrument: Instrument,
        config: FillConfig | None = None,
        *,
        account: PaperAccount | None = None,
        profile: BrokerProfile = PAPER,
        interval_ns: int | None = None,
        report_accepted: bool = True,
        volume: NDArray[np.float64] | None = None,
    ) -> None:
        self._series = series
        self._instrument = instrument
        self._config = config or FillConfig()
        self._account = account or PaperAccount()
        self._profile = profile
        self._decimals = int(series.decimals)
        self._time = series.time_ns
        self._open = series.open_scaled
        self._high = series.high_scaled
        self._low = series.low_scaled
        self._close = series.close_scaled
        self._spread = series.spread_scaled
        self._rows = len(series)
        if volume is not None and len(volume) != self._rows:
            raise ValueError(f"{len(volume)} volumes for {self._rows} rows")
        self._volume = volume if self._config.max_volume_share is not None else None
        self._arrays = ScanArrays(
            self._time,
            self._high,
            self._low,
            self._high + self._spread,
            self._low + self._spread,
        )
        self._calendar = SessionCalendar(instrument.asset_class)
        self._codes = self._calendar.session_codes(self._time)
        self._interval_ns = (
            interval_ns if interval_ns is not None else usual_interval_ns(self._time)
        )
        self._listener: BrokerListener | None = None
        self._report_accepted = report_accepted
        self._bars: dict[int, Bar] = {}  # the last rows walked, for excursions
        self._expiring = 0
        self._working: dict[str, _Working] = {}
        # A trailing order's last trigger state, kept after it stops working for its final row.
        self._trail_states: dict[str, TriggerState] = {}
        self._seq = 0
        self._report_seq = 0  # the sequence number of the last OrderUpdate reported
        self._fill_moments: dict[int, Moment] = {}  # a fill report's seq: where it happened
        self._cursor = 0  # next row not yet processed or skipped
        self._row_bar: Bar | None = None  # the row being processed
        self._row_index = -1
        self._point: PathPoint | None = None  # where in the row being processed we are
        self._balance = self._account.balance
        self._position = ZERO  # signed units
        self._position_price = ZERO  # average entry price of the position

    # --- the broker port ------------------------------------------------------------------

    @property
    def profile(self) -> BrokerProfile:
        return self._profile

    @property
    def rows(self) -> int:
        return self._rows

    def connect(self, listener: BrokerListener) -> None:
        self._listener = listener

    def submit(self, order: Order) -> None:
        if order.id in self._working:
            raise ValueError(f"order {order.id} is already working")
        refusal = self._refusal(order)
        if refusal:
            self._emit(OrderEvent.REJECTED, order, self._now(), self._moment(), reason=refusal)
            return
        self._add(order, watch=False)
        if self._report_accepted:
            self._emit(OrderEvent.ACCEPTED, order, self._now(), self._moment())

    def cancel(self, order_id: str) -> None:
        working = self._working.get(order_id)
        if working is None or working.watch:
            return  # already filled, cancelled or expired: nothing to do, nothing to report
        if working.trailing:
            self._materialize(working)
        working.status = transition(working.status, OrderEvent.CANCELLED)
        self._forget(working)
        self._emit(OrderEvent.CANCELLED, working.order, self._now(), self._moment())

    def amend(
        self,
        order_id: str,
        *,
        price: Decimal | None = None,
        trigger: Decimal | None = None,
        qty: Decimal | None = None,
    ) -> None:
        working = self._working.get(order_id)
        if working is None or working.watch:
            return
        changes: dict[str, Decimal] = {}
        if price is not None:
            changes["price"] = price
        if trigger is not None:
            changes["trigger"] = trigger
        if qty is not None:
            changes["qty"] = qty
        order = replace(working.order, **changes)  # type: ignore[arg-type]
        working.order = order
        rearmed = price is not None or trigger is not None
        if rearmed:
            working.state = initial_state(order)
            working.carried = None
        # Amended at once: the request and its reply in one go, back to working on the new
        # terms. New levels start the trigger state again; a new quantity alone keeps it (a
        # trailing stop keeps its peak, a fired stop-limit its limit).
        before = working.status
        pending = transition(before, OrderEvent.AMEND_REQUESTED)
        resume = (
            resume_status(accepted=True, triggered=False, filled_qty=working.filled)
            if rearmed
            else before
        )
        working.status = transition(pending, OrderEvent.AMENDED, resume=resume)
        self._restart(working)
        self._emit(OrderEvent.AMENDED, order, self._now(), self._moment())

    def watch(self, watch_id: str, side: Side, level: Decimal) -> None:
        probe = Order(watch_id, side, OrderType.MARKET_IF_TOUCHED, ONE, trigger=level)
        self._add(probe, watch=True)

    def unwatch(self, watch_id: str) -> None:
        working = self._working.get(watch_id)
        if working is not None and working.watch:
            self._forget(working)

    def quote(self) -> Quote | None:
        """Between rows, the first quote after the last row walked: the next row's opening Bid
        and Ask, as an order sent at a bar's close first meets it; None once the data has
        ended. Inside a row, the Bid where the walk has reached, with the row's spread."""
        if self._row_bar is not None:
            row = self._row_index
            bid = self._row_bar.open if self._point is None else self._point.bid
            return Quote(self._now(), bid, bid + self._row_spread(row))
        row = self._cursor
        if row >= self._rows:
            return None
        bid = self._to_decimal(int(self._open[row]))
        return Quote(self.time_of(row), bid, bid + self._row_spread(row))

    def account(self) -> AccountSnapshot:
        equity = self._balance + self._unrealised()
        margin = self._margin_of(abs(self._position), self._mark(Side.SELL))
        free = None if self._account.leverage is None else equity - margin
        return AccountSnapshot(self._account.currency, self._balance, equity, margin, free)

    # --- replay ---------------------------------------------------------------------------

    def time_of(self, row: int) -> datetime:
        return datetime_from_ns(int(self._time[row]))

    def close_time_of(self, row: int) -> datetime:
        if row + 1 < self._rows:
            return datetime_from_ns(int(self._time[row + 1]))
        return datetime_from_ns(int(self._time[row]) + self._interval_ns)

    def process_row(self, row: int) -> None:
        if row < self._cursor:
            raise ValueError(f"row {row} was already processed (next is {self._cursor})")
        self.skip_to(row)
        if not self._working:
            self._cursor = row + 1  # nothing works: the row cannot change anything
            return
        bar = self._bar(row)
        self._row_bar, self._row_index, self._point = bar, row, None
        try:
            self._expire_day_orders(row, bar.time)
            self._walk(row, bar)
        finally:
            self._row_bar, self._point = None, None
            self._cursor = row + 1
            for working in self._working.values():
                working.start = None  # the next row meets every order at its open

    def next_activity(self, row: int, stop: int) -> int:
        stop = min(stop, self._rows)
        row = max(row, self._cursor)
        if row >= stop or not self._working:
            return stop
        return first_candidate(self._arrays, row, stop, self._scan_spec())

    def skip_to(self, row: int) -> None:
        if row <= self._cursor:
            return
        begin, end = self._cursor, min(row, self._rows)
        for working in self._working.values():
            if working.trailing and working.state.active and not working.state.triggered:
                self._carry_trail(working, begin, end)
        self._cursor = end

    def settle_at_close(self, order: Order, row: int) -> None:
        price = self._to_decimal(int(self._close[row]))
        # Stamped at the row's close, when the order is placed: orders.csv never runs backwards.
        flat = Bar(self.close_time_of(row), price, price, price, price, self._row_spread(row))
        working = self._add(order, watch=False)
        result = fill_on_bar(order, working.state, flat, self._instrument, self._config)
        moment = Moment.close_of(row)
        self._apply(working, result, moment)

    def moment_of(self, seq: int) -> Moment:
        """Where on the data the fill reported under `seq` happened."""
        return self._fill_moments[seq]

    def excursion(self, side: Side, start: FillMark, end: FillMark) -> tuple[Decimal, Decimal]:
        """Lowest and highest reference price of `side` from one reported fill to another."""
        return self.excursion_between(side, self.moment_of(start.seq), self.moment_of(end.seq))

    def excursion_between(self, side: Side, start: Moment, end: Moment) -> tuple[Decimal, Decimal]:
        """`excursion` between two places on the data (inclusive)."""
        if end < start:
            raise ValueError("an excursion ends after it starts")
        prices = self._path_prices(side, start.row, start, end if end.row == start.row else None)
        if end.row > start.row:
            prices += self._path_prices(side, end.row, None, end)
        low, high = min(prices), max(prices)
        if end.row > start.row + 1:
            inner = slice(start.row + 1, end.row)
            lows, highs = self._low[inner], self._high[inner]
            if side is Side.BUY:
                lows, highs = lows + self._spread[inner], highs + self._spread[inner]
            low = min(low, self._to_decimal(int(lows.min())))
            high = max(high, self._to_decimal(int(highs.max())))
        return low, high

    # --- walking one row -------------------------------------------------------------------

    def _walk(self, row: int, bar: Bar) -> None:
        for _ in range(_MAX_EVENTS_PER_ROW):
            if self._codes is None:
                live = [w for w in self._working.values() if w.live_from <= row]
            else:
                live = [
                    w for w in self._working.values() if w.live_from <= row and self._may(w, row)
                ]
            if not live:
                return
            if self._only_quiet_trails(live, row):
                return
            results: list[tuple[_Working, Order, FillResult]] = []
            best: PathPoint | None = None
            for working in live:
                if not self._may_act(working, row):
                    continue  # its level is out of the row's range: no fill, no new state
                if working.carried is not None:
                    self._materialize(working)
                result = fill_on_bar(
                    working.order,
                    working.state,
                    bar,
                    self._instrument,
                    _WATCH_CONFIG if working.watch else self._config,
                    filled_qty=working.filled,
                    start=working.start,
                    taken=working.taken_in(row),
                )
                results.append((working, working.order, result))
                if result.fills:
                    point = result.fills[0].point
                    assert point is not None
                    if best is None or point < best:
                        best = point
            if best is None:
                for working, _, result in results:
                    self._settle_state(working, result, bar)
                return
            ties: list[tuple[_Working, Order, FillResult]] = []
            starts = {id(working): working.start for working, _, _ in results}
            for working in live:
                working.start = best  # whatever did not fill meets the rest of the row from here
            for working, order, result in results:
                if result.fills and result.fills[0].point == best:
                    ties.append((working, order, result))
                    continue
                if working.history_dependent:
                    start = starts[id(working)]
                    upto = fill_on_bar(
                        working.order,
                        working.state,
                        bar,
                        self._instrument,
                        self._config,
                        filled_qty=working.filled,
                        start=start,
                        end=best,
                    )
                    self._settle_state(working, upto, bar)
            self._point = best
            moment = Moment(row, best.segment, best.travelled)
            # Orders reaching the same point fill in the order they were placed, each after the
            # listener reacted to the one before (it may have cancelled or amended the next).
            for working, order, result in ties:
                if self._working.get(order.id) is not working or working.order is not order:
                    continue
                self._apply(working, result, moment)
        raise RuntimeError(f"row {row}: more than {_MAX_EVENTS_PER_ROW} order events")

    def _only_quiet_trails(self, live: list[_Working], row: int) -> bool:
        """If nothing in `live` can act in `row` except trailing orders that cannot fire in it
        either, carry those trailing peaks over the row (exactly what walking it would do) and
        say so. Only for orders meeting the row at its open: their peak over the rest of the
        row is then the row's whole extreme."""
        quiet: list[_Working] = []
        for working in live:
            if working.trailing and not working.state.triggered:
                start = working.start
                if (start is None or start.segment == 0) and self._trail_quiet(working, row):
                    quiet.append(working)
                    continue
                return False
            if self._may_act(working, row):
                return False
        for working in quiet:
            if working.state.active:
                self._carry_trail(working, row, row + 1)
        return True

    def _trail_quiet(self, working: _Working, row: int) -> bool:
        """Whether a trailing order surely neither activates nor fires in `row`: its stop, even
        from a peak (trough) that already includes the row's extreme, is out of the row's range;
        the same test as the scan's (`scan.py`), on one row."""
        spec = self._trail_scan(working)
        sell = spec.side is Side.SELL
        if not spec.active:
            assert spec.activation is not None
            if sell:
                return int(self._high[row]) < spec.activation
            return int(self._arrays.ask_low[row]) > spec.activation
        if sell:
            peak = int(self._high[row])
            if spec.extreme is not None:
                peak = max(peak, spec.extreme)
            if spec.amount is not None:
                return int(self._low[row]) > peak - spec.amount
            assert spec.ratio is not None
            return float(self._low[row]) > peak * (1.0 - spec.ratio) + 1.0
        trough = int(self._arrays.ask_low[row])
        if spec.extreme is not None:
            trough = min(trough, spec.extreme)
        if spec.amount is not None:
            return int(self._arrays.ask_high[row]) < trough + spec.amount
        assert spec.ratio is not None
        return float(self._arrays.ask_high[row]) < trough * (1.0 + spec.ratio) - 1.0

    def _may_act(self, working: _Working, row: int) -> bool:
        """Whether the order could fill or trigger anywhere in `row` (the whole row's range, a
        superset of what is left of it). False only for orders whose state cannot change
        without reaching their level: market orders, trailing orders and untriggered limit
        stages (their peaks and triggers depend on the path) are always walked."""
        if working.check_state is not working.state:
            working.check, working.level = self._threshold(working)
            working.check_state = working.state
        check = working.check
        if check == _WALK:
            return True
        level = working.level
        if check == _ASK_LOW_AT_MOST:
            return bool(self._arrays.ask_low[row] <= level)
        if check == _BID_HIGH_AT_LEAST:
            return bool(self._high[row] >= level)
        if check == _ASK_HIGH_AT_LEAST:
            return bool(self._arrays.ask_high[row] >= level)
        return bool(self._low[row] <= level)

    def _threshold(self, working: _Working) -> tuple[int, int]:
        order, state, d = working.order, working.state, self._decimals
        buy = order.side is Side.BUY
        if state.triggered:
            if state.limit is None:
                return _WALK, 0
            if buy:
                return _ASK_LOW_AT_MOST, scaled_floor(state.limit, d)
            return _BID_HIGH_AT_LEAST, scaled_ceil(state.limit, d)
        if order.is_trailing or order.type in _LIMIT_STAGE or order.trigger is None:
            return _WALK, 0
        if order.type in _STOPS:
            if buy:
                return _ASK_HIGH_AT_LEAST, scaled_ceil(order.trigger, d)
            return _BID_LOW_AT_MOST, scaled_floor(order.trigger, d)
        if buy:
            return _ASK_LOW_AT_MOST, scaled_floor(order.trigger, d)
        return _BID_HIGH_AT_LEAST, scaled_ceil(order.trigger, d)

    def _settle_state(self, working: _Working, result: FillResult, bar: Bar) -> None:
        working.state = result.state
        if result.triggered and working.order.type in _LIMIT_STAGE:
            self._report_trigger(working, bar.time, self._moment())

    def _report_trigger(self, working: _Working, when: datetime, moment: Moment) -> None:
        """Report a limit stage's trigger the first time it is reached."""
        if TRANSITIONS.get((working.status, OrderEvent.TRIGGERED)) is not OrderStatus.TRIGGERED:
            return  # already reported (or part filled, which only a triggered order can be)
        working.status = OrderStatus.TRIGGERED
        self._emit(OrderEvent.TRIGGERED, working.order, when, moment)

    def _apply(self, working: _Working, result: FillResult, moment: Moment) -> None:
        """Report a fill (or a watch's touch); the listener's reaction happens inside."""
        fill = result.fills[0]
        order = working.order
        if working.watch:
            self._forget(working)
            if self._listener is not None:
                price = fill.price
                quote = self._quote(fill.point) or (None, None)
                touch = PriceTouch(order.id, fill.time, price, quote[0], quote[1])
                self._listener.on_price_touch(touch)
            return
        working.state = result.state
        if result.triggered and order.type in _LIMIT_STAGE:
            self._report_trigger(working, fill.time, moment)
        working.filled += fill.qty
        if working.taken_row != moment.row:
            working.taken_row, working.taken = moment.row, ZERO
        working.taken += fill.qty
        done = working.filled >= order.qty
        kind = OrderEvent.FILLED if done else OrderEvent.PARTIALLY_FILLED
        working.status = transition(working.status, kind)
        if done:
            self._forget(working)
        self._book(fill)
        self._emit(
            kind,
            order,
            fill.time,
            moment,
            fill_price=fill.price,
            fill_qty=fill.qty,
            fee=fill.fee,
            reason=fill.reason.value,
            quote=self._quote(fill.point),
        )

    def _expire_day_orders(self, row: int, when: datetime) -> None:
        if not self._expiring:
            return
        now = int(self._time[row])
        for working in list(self._working.values()):
            if working.expires_ns is not None and now >= working.expires_ns:
                working.status = transition(working.status, OrderEvent.EXPIRED)
                self._forget(working)
                self._emit(
                    OrderEvent.EXPIRED, working.order, when, Moment(row), reason="session end"
                )

    # --- bookkeeping -----------------------------------------------------------------------

    def _add(self, order: Order, *, watch: bool) -> _Working:
        self._seq += 1
        expires: int | None = None
        if not watch and order.type is not OrderType.MARKET:
            if order.time_in_force is TimeInForce.DAY:
                expires = self._calendar.day_end_ns(self._now_ns(), order.session)
            else:
                expires = self._calendar.gtc_end_ns(self._now_ns())
        state = initial_state(order)
        if order.is_trailing and not watch:
            state = placed_state(order, self._mark(order.side), self._instrument)
        working = _Working(
            order,
            self._seq,
            state,
            0,
            None,
            expires,
            watch=watch,
            trailing=order.is_trailing,
        )
        if expires is not None:
            self._expiring += 1
        self._restart(working)
        self._working[order.id] = working
        return working

    def _forget(self, working: _Working) -> None:
        del self._working[working.order.id]
        if working.trailing:
            self._trail_states[working.order.id] = working.state
        if working.expires_ns is not None:
            self._expiring -= 1

    def _restart(self, working: _Working) -> None:
        """An order placed or amended now works from this point of the row, or from the next
        row when it arrives between rows."""
        if self._row_bar is not None:
            working.live_from = self._row_index
            working.start = self._point  # None before anything happened: from the open
        else:
            working.live_from = self._cursor
            working.start = None

    def _refusal(self, order: Order) -> str:
        distance = distance_refusal(order, self._profile.price_rules, self._mark(order.side))
        if distance:
            return distance
        if self._codes is None and (self._account.leverage is None or order.reduce_only):
            return ""
        if order.type is OrderType.MARKET and self._codes is not None:
            # The session at the moment the order arrives: between rows that is the next row's
            # start (a bar has closed when the next one opens), as the engine sees it.
            row = (
                self._row_index if self._row_bar is not None else min(self._cursor, self._rows - 1)
            )
            if row >= 0 and int(self._codes[row]) != UsSession.REGULAR:
                return "market orders are refused outside regular trading hours"
        if self._account.leverage is None or order.reduce_only:
            return ""
        reference = order.price or order.trigger or self._mark(order.side)
        needed = self._margin_of(order.qty, reference)
        equity = self._balance + self._unrealised()
        reserved = sum(
            (
                self._margin_of(w.order.qty - w.filled, w.order.price or self._mark(w.order.side))
                for w in self._working.values()
                if not w.watch and not w.order.reduce_only
            ),
            ZERO,
        )
        free = equity - self._margin_of(abs(self._position), self._mark(Side.SELL)) - reserved
        if needed > free:
            return f"insufficient margin: the order needs {needed:.2f}, {free:.2f} is free"
        return ""

    def _margin_of(self, qty: Decimal, price: Decimal) -> Decimal:
        leverage = self._account.leverage
        if leverage is None or qty == 0:
            return ZERO
        return qty * price * self._account.quote_rate(price) / leverage

    def _book(self, fill: Fill) -> None:
        rate = self._account.quote_rate(fill.price)
        signed = fill.qty if fill.side is Side.BUY else -fill.qty
        position = self._position
        if position == 0 or (position > 0) == (signed > 0):
            total = abs(position) + fill.qty
            self._position_price = (
                self._position_price * abs(position) + fill.price * fill.qty
            ) / total
            self._position = position + signed
        else:
            closed = min(abs(position), fill.qty)
            direction = ONE if position > 0 else -ONE
            self._balance += (fill.price - self._position_price) * closed * direction * rate
            self._position = position + signed
            if self._position == 0:
                self._position_price = ZERO
            elif (self._position > 0) != (position > 0):
                self._position_price = fill.price  # flipped: the rest opened at this fill
        self._balance -= fill.fee * rate

    def _unrealised(self) -> Decimal:
        if self._position == 0:
            return ZERO
        mark = self._mark(Side.SELL if self._position > 0 else Side.BUY)
        return (mark - self._position_price) * self._position * self._account.quote_rate(mark)

    def _mark(self, side: Side) -> Decimal:
        """The price a position would close at now: Bid for a sell, Ask for a buy."""
        if self._row_bar is not None:
            row = self._row_index
            bid = self._row_bar.open if self._point is None else self._point.bid
        else:
            row = max(0, min(self._cursor - 1, self._rows - 1))
            bid = self._to_decimal(int(self._close[row]))
        return bid + self._row_spread(row) if side is Side.BUY else bid

    # --- scanning ----------------------------------------------------------------------------

    def _scan_spec(self) -> ScanSpec:
        spec = ScanSpec()
        d = self._decimals
        for working in self._working.values():
            order, state = working.order, working.state
            if working.expires_ns is not None:
                spec.add_expiry(working.expires_ns)
            buy = order.side is Side.BUY
            if state.triggered:
                if state.limit is None:
                    spec.any_market = True
                elif buy:
                    spec.add_buy_low(scaled_floor(state.limit, d))
                else:
                    spec.add_sell_high(scaled_ceil(state.limit, d))
                continue
            if order.is_trailing:
                spec.trails.append(self._trail_scan(working))
                continue
            trigger = order.trigger
            assert trigger is not None
            if order.type in _STOPS:
                if buy:
                    spec.add_buy_high(scaled_ceil(trigger, d))
                else:
                    spec.add_sell_low(scaled_floor(trigger, d))
            elif buy:
                spec.add_buy_low(scaled_floor(trigger, d))
            else:
                spec.add_sell_high(scaled_ceil(trigger, d))
        return spec

    def _trail_scan(self, working: _Working) -> TrailScan:
        """The scan's view of a trailing order, cached until its state changes, with any
        carried (not yet materialised) extreme folded in."""
        if working.scan_state is not working.state or working.scan is None:
            working.scan = self._make_trail_scan(working)
            working.scan_state = working.state
        spec = working.scan
        carried = working.carried
        if carried is None:
            return spec
        extreme = spec.extreme
        if spec.side is Side.SELL:
            extreme = carried if extreme is None else max(extreme, carried)
        else:
            extreme = carried if extreme is None else min(extreme, carried)
        return TrailScan(spec.side, spec.active, spec.activation, extreme, spec.amount, spec.ratio)

    def _make_trail_scan(self, working: _Working) -> TrailScan:
        order, state, d = working.order, working.state, self._decimals
        assert order.trail is not None
        sell = order.side is Side.SELL
        activation = None
        if order.activation is not None:
            activation = (
                scaled_ceil(order.activation, d) if sell else scaled_floor(order.activation, d)
            )
        extreme = None
        if state.extreme is not None:  # rounded outward: a farther extreme only adds candidates
            extreme = scaled_ceil(state.extreme, d) if sell else scaled_floor(state.extreme, d)
        if order.trail.kind is TrailKind.AMOUNT:
            amount = scaled_floor(order.trail.value, d)
            return TrailScan(order.side, state.active, activation, extreme, amount, None)
        ratio = float(order.trail.value / HUNDRED)
        return TrailScan(order.side, state.active, activation, extreme, None, ratio)

    def _carry_trail(self, working: _Working, begin: int, end: int) -> None:
        """Bring a trailing order's peak (sell) or trough (buy) over quiet rows begin..end-1."""
        order = working.order
        sell = order.side is Side.SELL
        if end - begin == 1 and self._codes is None:  # one row: no arrays to build
            scaled = int(self._high[begin]) if sell else int(self._arrays.ask_low[begin])
        else:
            rows = slice(begin, end)
            values = self._high[rows] if sell else self._arrays.ask_low[rows]
            if self._codes is not None:
                values = values[tradable_rows(self._codes[rows], order.session)]
            if values.size == 0:
                return
            scaled = int(values.max()) if sell else int(values.min())
        carried = working.carried
        if carried is None or (scaled > carried if sell else scaled < carried):
            working.carried = scaled

    def _materialize(self, working: _Working) -> None:
        """Fold the carried extreme into the order's trigger state, exactly as tracking every
        price would have (the stop is a monotonic function of the extreme), before the fill
        model sees the order. Deferred so quiet stretches cost an integer compare, not a
        Decimal stop computation per row."""
        scaled = working.carried
        if scaled is None:
            return
        working.carried = None
        order, state = working.order, working.state
        sell = order.side is Side.SELL
        best = self._to_decimal(scaled)
        if state.extreme is not None and (best <= state.extreme if sell else best >= state.extreme):
            return
        assert order.trail is not None
        stop = trail_stop(order.side, best, order.trail, self._instrument)
        if state.stop is not None:
            stop = max(stop, state.stop) if sell else min(stop, state.stop)
        working.state = TriggerState(state.triggered, state.active, best, stop, state.limit)

    # --- small helpers -----------------------------------------------------------------------

    def _may(self, working: _Working, row: int) -> bool:
        if self._codes is None or working.watch:
            return True
        return tradable(int(self._codes[row]), working.order.session)

    def _bar(self, row: int) -> Bar:
        cached = self._bars.get(row)
        if cached is not None:
            return cached
        if len(self._bars) >= 64:
            self._bars.clear()
        conv = self._to_decimal
        bar = self._bars[row] = Bar(
            self.time_of(row),
            conv(int(self._open[row])),
            conv(int(self._high[row])),
            conv(int(self._low[row])),
            conv(int(self._close[row])),
            conv(int(self._spread[row])),
            self._volume_at(row),
        )
        return bar

    def _volume_at(self, row: int) -> Decimal | None:
        """The row's volume as the decimal its file wrote (the shortest text of the float the
        reader parsed it into), None when unknown or the volume model is off."""
        if self._volume is None:
            return None
        value = float(self._volume[row])
        if not math.isfinite(value):
            return None
        return Decimal(repr(value))

    def _row_spread(self, row: int) -> Decimal:
        return self._to_decimal(int(self._spread[row]))

    def _path_prices(
        self, side: Side, row: int, start: Moment | None, end: Moment | None
    ) -> list[Decimal]:
        """`side`'s reference price at each turn of `row`'s path between two moments of that
        row (None: the open / the close); the extremes of a path lie on its turns."""
        bar = self._bar(row)
        path = intrabar_path(bar, self._config.path)
        first = 0 if start is None else start.segment
        last = 4 if end is None else end.segment
        prices = [_bid_at(path, start) if start is not None else path[0]]
        prices.extend(path[max(first, 1) : min(last, 4)])
        prices.append(_bid_at(path, end) if end is not None else path[3])
        if side is Side.BUY:
            return [price + bar.spread for price in prices]
        return prices

    def _to_decimal(self, scaled: int) -> Decimal:
        return Decimal(scaled).scaleb(-self._decimals)

    def _now_ns(self) -> int:
        if self._row_bar is not None:
            return int(self._time[self._row_index])
        if self._cursor == 0:
            return int(self._time[0]) if self._rows else 0
        row = self._cursor - 1
        if row + 1 < self._rows:
            return int(self._time[row + 1])
        return int(self._time[row]) + self._interval_ns

    def _now(self) -> datetime:
        if self._row_bar is not None:
            return self._row_bar.time
        return datetime_from_ns(self._now_ns())

    def _moment(self) -> Moment:
        if self._row_bar is not None:
            point = self._point
            if point is None:
                return Moment(self._row_index)
            return Moment(self._row_index, point.segment, point.travelled)
        return Moment.close_of(self._cursor - 1)

    def _emit(
        self,
        kind: OrderEvent,
        order: Order,
        when: datetime,
        moment: Moment,
        *,
        fill_price: Decimal | None = None,
        fill_qty: Decimal | None = None,
        fee: Decimal = ZERO,
        reason: str = "",
        quote: tuple[Decimal, Decimal] | None = None,
    ) -> None:
        if self._listener is not None:
            bid, ask = quote if quote is not None else (None, None)
            trigger = limit = None
            if order.is_trailing:  # orders.csv shows a trailing order's current levels
                working = self._working.get(order.id)
                state = working.state if working else self._trail_states.pop(order.id, None)
                if state is not None:
                    trigger, limit = shown_levels(order, state, self._instrument)
            self._report_seq += 1
            if fill_qty is not None:  # where on the data each fill happened, for excursions
                self._fill_moments[self._report_seq] = moment
            update = OrderUpdate(
                kind, order, when, fill_price, fill_qty, fee, reason, bid, ask,
                trigger, limit, self._report_seq,
            )  # fmt: skip
            self._listener.on_order_update(update)

    def _quote(self, point: PathPoint | None) -> tuple[Decimal, Decimal] | None:
        """Bid and Ask at a point of the row being walked (None between rows)."""
        bar = self._row_bar
        if bar is None or point is None:
            return None
        return point.bid, point.bid + bar.spread


def _bid_at(path: tuple[Decimal, Decimal, Decimal, Decimal], moment: Moment) -> Decimal:
    """The Bid at a moment of a row, from the distance it travelled along its leg."""
    if moment.segment <= 0:
        return path[0]
    if moment.segment >= 4:
        return path[3]
    origin, target = path[moment.segment - 1], path[moment.segment]
    return origin + moment.travelled if target >= origin else origin - moment.travelled
