"""The paper broker's fill model: when and at what price one working order fills.

Pure functions of (order, its `TriggerState`, one piece of market data, instrument, config); the
engine calls them for each working order and applies the results (OCO cancels, new exits, ...).
User documentation: docs/fill-model.md.

Prices. Bars are Bid prices; the Ask is Bid + the bar's spread. A buy trades at the Ask and a
sell at the Bid, and every trigger compares against that same side (SEMANTICS.md section 1).

Ticks replay exactly: each tick is a jump to (bid, ask). An order that can trade at a tick trades
at that tick's price (subject to the profile rule for limits below), so a stop passed between two
ticks fills at the later tick, never at a price nobody quoted.

Bars are walked along an intrabar path of four Bid prices, open -> first extreme -> second extreme
-> close (`IntrabarPath`): by default the extreme nearer the open comes first (on a tie the one
farther from the close, then the high); fixed open-high-low-close and open-low-high-close paths
can be chosen. The open is a jump from the previous bar (a gap); between path points the price
moves continuously, so a level touched on the way fills exactly at that level.

Where a level is passed by a jump (a gap at the open, a tick, or an order placed when the market is
already beyond it):

* stop, trailing stop, and the market order a touched trigger releases fill at the market: for a
  stop that is the worse of trigger and market, for a market_if_touched the better;
* a limit, or the limit a stop_limit / limit_if_touched / trailing_stop_limit releases, fills by
  the `FillProfile`: EXCHANGE at the market (the better price), DEALER at its own limit price
  (Triauto's rule: a limit never fills better than its price). Reached continuously, both give
  the limit price, so the profiles differ only when the market is already past the limit.

Slippage (`FillConfig.slippage_ticks`) moves market-type fills (market, stop, touched, trailing)
that many ticks against the trader; limit fills never slip past their price. Fees (`FeeSchedule`) are
per unit, per notional and per order (charged on an order's first fill). Quantities: a bar fills
the whole remaining quantity; a tick with a size on its side fills at most that size, which gives
partial fills, and the remainder keeps working (a triggered stop's remainder as a market order).

Volume-limited fills (`FillConfig.max_volume_share`, off by default): an order takes at most that
share of a bar's volume, rounded down to the instrument's quantity step, per bar. What it cannot
take keeps working at the same terms on later bars, so a large order fills in parts over as many
bars as it takes (a fill model like backtrader's `FixedBarPerc`). A bar without a volume (`Bar.volume`
None: the file has no volume column, or an empty cell) does not limit anything: a missing figure
is not read as "nothing traded".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum

from tradeplan.core.enums import FillProfile, OrderType, Side
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import ZERO
from tradeplan.orders.model import Order
from tradeplan.orders.triggers import (
    TriggerState,
    fire,
    initial_state,
    limit_reached,
    rounding_for,
    track,
    trigger_level,
    trigger_reached,
)


class IntrabarPath(Enum):
    """The order in which a bar's extremes are assumed to have traded."""

    NEAREST_FIRST = "nearest"
    OHLC = "open-high-low-close"
    OLHC = "open-low-high-close"


class FillReason(Enum):
    """Why a fill happened at its price; the orders.csv log shows it next to the fill."""

    MARKET = "market"  # a market order (or a triggered stop's remainder) at the market
    LIMIT = "limit"  # the market reached the limit; filled at the limit
    LIMIT_BEYOND_MARKET = "limit_beyond_market"  # already past the limit: profile rule applied
    STOP = "stop"  # stop touched on the way; filled at the trigger
    STOP_GAP = "stop_gap"  # market jumped past the stop; filled at the (worse) market
    TOUCHED = "touched"  # market_if_touched reached on the way; filled at the trigger
    TOUCHED_GAP = "touched_gap"  # market jumped past it; filled at the (better) market
    TRAILING_STOP = "trailing_stop"
    TRAILING_STOP_GAP = "trailing_stop_gap"

    @property
    def slips(self) -> bool:
        """Market-type fills can slip; a limit never fills beyond its price."""
        return self not in (FillReason.LIMIT, FillReason.LIMIT_BEYOND_MARKET)


_REASONS: dict[OrderType, tuple[FillReason, FillReason]] = {
    OrderType.STOP: (FillReason.STOP, FillReason.STOP_GAP),
    OrderType.TRAILING_STOP: (FillReason.TRAILING_STOP, FillReason.TRAILING_STOP_GAP),
    OrderType.MARKET_IF_TOUCHED: (FillReason.TOUCHED, FillReason.TOUCHED_GAP),
}


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Costs of a fill in the quote currency; all default to nothing."""

    per_unit: Decimal = ZERO
    per_notional: Decimal = ZERO  # a fraction of price × qty: 0.0004 is 4 basis points
    per_order: Decimal = ZERO  # charged once, on the order's first fill

    def on(self, price: Decimal, qty: Decimal, *, first_fill: bool) -> Decimal:
        fee = self.per_unit * qty + self.per_notional * price * qty
        return fee + self.per_order if first_fill else fee


@dataclass(frozen=True, slots=True)
class FillConfig:
    """How the paper venue fills. `max_volume_share` (a fraction, 0 < share <= 1) caps what one
    order may take of each bar's volume; None (the default) fills a bar's whole quantity."""

    profile: FillProfile = FillProfile.EXCHANGE
    path: IntrabarPath = IntrabarPath.NEAREST_FIRST
    fees: FeeSchedule = FeeSchedule()
    slippage_ticks: int = 0
    max_volume_share: Decimal | None = None

    def __post_init__(self) -> None:
        if self.slippage_ticks < 0:
            raise ValueError("slippage is counted in ticks against the trader; use 0 or more")
        share = self.max_volume_share
        if share is not None and not (isinstance(share, Decimal) and 0 < share <= 1):
            raise ValueError(
                f"max_volume_share is a Decimal fraction of a bar's volume, above 0 and at "
                f"most 1; got {share!r}"
            )

    def volume_cap(self, bar: Bar, instrument: Instrument) -> Decimal | None:
        """What one order may take of `bar`: the share of its volume, rounded down to the
        quantity step; None when nothing limits it (the model is off, or the bar has no
        volume)."""
        if self.max_volume_share is None or bar.volume is None:
            return None
        return instrument.round_qty(self.max_volume_share * bar.volume)


@dataclass(frozen=True, slots=True)
class Tick:
    """A quote. Sizes, when known, cap what a fill at this tick can take."""

    time: datetime
    bid: Decimal
    ask: Decimal
    bid_size: Decimal | None = None
    ask_size: Decimal | None = None

    def __post_init__(self) -> None:
        _decimals(self.bid, self.ask)
        if self.ask < self.bid:
            raise ValueError(f"tick at {self.time}: ask {self.ask} is below bid {self.bid}")


@dataclass(frozen=True, slots=True)
class Bar:
    """A bar of Bid prices; the Ask is Bid + `spread` throughout the bar. `volume` is what
    traded in it, when known (None: unknown, which limits no fill)."""

    time: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    spread: Decimal = ZERO
    volume: Decimal | None = None

    def __post_init__(self) -> None:
        _decimals(self.open, self.high, self.low, self.close, self.spread)
        if not self.low <= min(self.open, self.close) <= max(self.open, self.close) <= self.high:
            raise ValueError(f"bar at {self.time}: open and close must lie within low..high")
        if self.spread < 0:
            raise ValueError(f"bar at {self.time}: spread may not be negative")
        if self.volume is not None:
            _decimals(self.volume)
            if self.volume < 0:
                raise ValueError(f"bar at {self.time}: volume may not be negative")


@dataclass(frozen=True, slots=True, order=True)
class PathPoint:
    """Where on a bar's intrabar path something happened; compares in path order.

    `segment` 0 is the open, 1..3 the moves to the first extreme, the second extreme and the
    close; `travelled` is the Bid distance covered within that segment; `bid` the Bid there.
    Sorting fills of one bar by their points gives the order in which they happened, and a point
    passed as `start` to `fill_on_bar` evaluates an order placed at that moment.
    """

    segment: int
    travelled: Decimal
    bid: Decimal


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution. `time` is the tick's or the bar's time (a bar does not say when inside it
    something happened; `point` says where on its path). `fee` is not in `price`: the engine
    charges it separately, so reports can show both."""

    order_id: str
    side: Side
    price: Decimal
    qty: Decimal
    time: datetime
    reason: FillReason
    fee: Decimal = ZERO
    point: PathPoint | None = None  # None for a tick

    @property
    def notional(self) -> Decimal:
        return self.price * self.qty


@dataclass(frozen=True, slots=True)
class FillResult:
    """The order's state after the data, its fills, and whether its trigger fired just now."""

    state: TriggerState
    fills: tuple[Fill, ...] = ()
    triggered: bool = False

    @property
    def filled_qty(self) -> Decimal:
        return sum((f.qty for f in self.fills), ZERO)


def intrabar_path(bar: Bar, path: IntrabarPath) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """The four Bid prices a bar is walked through."""
    high_first = (bar.open, bar.high, bar.low, bar.close)
    low_first = (bar.open, bar.low, bar.high, bar.close)
    if path is IntrabarPath.OHLC:
        return high_first
    if path is IntrabarPath.OLHC:
        return low_first
    up, down = bar.high - bar.open, bar.open - bar.low
    if up != down:
        return high_first if up < down else low_first
    # Equidistant: go first to the extreme farther from the close, so the path ends moving
    # toward the close; if that ties too, the high first.
    return low_first if bar.high - bar.close < bar.close - bar.low else high_first


def fill_on_tick(
    order: Order,
    state: TriggerState,
    tick: Tick,
    instrument: Instrument,
    config: FillConfig,
    *,
    filled_qty: Decimal = ZERO,
) -> FillResult:
    """Evaluate a working order at one quote. `filled_qty` is what earlier fills already took."""
    remaining = _remaining(order, filled_qty)
    walker = _Walker(order, state, instrument, config.profile)
    hit = walker.jump(tick.ask if order.side is Side.BUY else tick.bid)
    if hit is None:
        return FillResult(walker.state, (), walker.fired)
    available = tick.ask_size if order.side is Side.BUY else tick.bid_size
    qty = remaining if available is None else min(remaining, available)
    if qty <= 0:
        return FillResult(walker.state, (), walker.fired)
    fill = _fill(order, hit, qty, tick.time, instrument, config, filled_qty == 0, None)
    return FillResult(walker.state, (fill,), walker.fired)


def fill_on_bar(
    order: Order,
    state: TriggerState,
    bar: Bar,
    instrument: Instrument,
    config: FillConfig,
    *,
    filled_qty: Decimal = ZERO,
    start: PathPoint | None = None,
    end: PathPoint | None = None,
    taken: Decimal = ZERO,
) -> FillResult:
    """Walk a working order along one bar's path; it fills at most once, for all it has left
    (or, with the volume model on, for what is left of its share of the bar's volume: `taken`
    is what it already took from this bar; with nothing left it does not fill, though its
    trigger state still follows the bar).

    `start` evaluates an order placed during the bar (e.g. exits after an entry filled at
    `fill.point`): it first meets the market at that point, as if placed there, then follows the
    rest of the path. Without it the order meets the bar at the open.

    `end` stops the walk at that point (inclusive). The engine uses it to bring an order's
    trigger state (a trailing peak, a fired stop_limit) up to the moment another order filled,
    so that walking start..end and then end..close is the same as walking start..close.
    """
    remaining = _remaining(order, filled_qty)
    path = intrabar_path(bar, config.path)
    offset = bar.spread if order.side is Side.BUY else ZERO  # reference = Bid + offset
    segment = 0 if start is None else start.segment
    if not 0 <= segment <= 3:
        raise ValueError(f"a path segment is 0..3, got {segment}")
    last = 3 if end is None else end.segment
    if end is not None and ((start is not None and end < start) or not 0 <= last <= 3):
        raise ValueError("the end of a walk must be a point on the path after its start")
    here = path[0] if start is None else start.bid
    walker = _Walker(order, state, instrument, config.profile)
    hit = walker.jump(here + offset)
    if hit is None:
        for k in range(max(segment, 1), last + 1):
            target = path[k] if end is None or k < last else end.bid
            hit = walker.move(here + offset, target + offset)
            if hit is not None:
                segment = k
                break
            here = target
    if hit is None:
        return FillResult(walker.state, (), walker.fired)
    qty = remaining
    cap = config.volume_cap(bar, instrument)
    if cap is not None:
        qty = min(remaining, cap - taken)
        if qty <= 0:
            return FillResult(walker.state, (), walker.fired)  # its share is spent: later bars
    bid = hit.ref - offset
    origin = path[segment - 1] if segment > 0 else path[0]
    point = PathPoint(segment, abs(bid - origin), bid)
    fill = _fill(order, hit, qty, bar.time, instrument, config, filled_qty == 0, point)
    return FillResult(walker.state, (fill,), walker.fired)


# --- internals --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hit:
    price: Decimal  # before slippage
    ref: Decimal  # the reference price (Ask for buys, Bid for sells) where it happened
    reason: FillReason


class _Walker:
    """One order meeting the market: `jump` to a price, or `move` continuously between two.

    Prices here are the order's reference prices. A `move` assumes its start was already met.
    """

    __slots__ = ("dealer", "fired", "instrument", "order", "state")

    def __init__(
        self, order: Order, state: TriggerState, instrument: Instrument, profile: FillProfile
    ) -> None:
        if not order.has_trigger and (not state.triggered or state.limit != order.price):
            state = initial_state(order)  # a market or limit order works as it is, from the start
        self.order = order
        self.state = state
        self.instrument = instrument
        self.dealer = profile is FillProfile.DEALER
        self.fired = False

    def jump(self, ref: Decimal) -> _Hit | None:
        if not self.state.triggered:
            self.state = track(self.order, self.state, ref, self.instrument)
            level = trigger_level(self.order, self.state)
            if level is None or not trigger_reached(self.order, level, ref):
                return None
            self._fire(level)
            if self.state.limit is None:
                exact, gap = _REASONS[self.order.type]
                return _Hit(ref, ref, exact if ref == level else gap)
        if self.state.limit is None:
            return _Hit(ref, ref, FillReason.MARKET)
        return self._limit_at(self.state.limit, ref)

    def move(self, start: Decimal, end: Decimal) -> _Hit | None:
        if start == end:
            return None
        order = self.order
        if not self.state.triggered:
            if order.is_trailing and (end > start) is (order.side is Side.SELL):
                # Toward the position's favour: the extreme follows to `end`; a stop can only be
                # hit moving the other way.
                self.state = track(order, self.state, end, self.instrument)
                return None
            level = trigger_level(order, self.state)
            if level is None:
                return None
            if trigger_reached(order, level, start):
                return self.jump(start)
            if not trigger_reached(order, level, end):
                return None
            self._fire(level)
            if self.state.limit is None:
                return _Hit(level, level, _REASONS[order.type][0])
            hit = self._limit_at(self.state.limit, level)
            if hit is not None:
                return hit
            start = level  # the released limit rests; follow the rest of the move
        limit = self.state.limit
        if limit is None:
            return _Hit(start, start, FillReason.MARKET)
        if limit_reached(order.side, limit, start):
            return self._limit_at(limit, start)
        if limit_reached(order.side, limit, end):
            return _Hit(limit, limit, FillReason.LIMIT)
        return None

    def _fire(self, level: Decimal) -> None:
        self.state = fire(self.order, self.state, level, self.instrument)
        self.fired = True

    def _limit_at(self, limit: Decimal, ref: Decimal) -> _Hit | None:
        """A limit meeting the market at `ref` at once (placed, released, or gapped over)."""
        if not limit_reached(self.order.side, limit, ref):
            return None
        if ref == limit:
            return _Hit(limit, ref, FillReason.LIMIT)
        return _Hit(limit if self.dealer else ref, ref, FillReason.LIMIT_BEYOND_MARKET)


def _fill(
    order: Order,
    hit: _Hit,
    qty: Decimal,
    time: datetime,
    instrument: Instrument,
    config: FillConfig,
    first_fill: bool,
    point: PathPoint | None,
) -> Fill:
    price = hit.price
    if hit.reason.slips:
        price = _slip(price, order.side, config.slippage_ticks, instrument)
    fee = config.fees.on(price, qty, first_fill=first_fill)
    return Fill(order.id, order.side, price, qty, time, hit.reason, fee, point)


def _slip(price: Decimal, side: Side, ticks: int, instrument: Instrument) -> Decimal:
    """Move `price` `ticks` grid steps against the trader, across a tick-size boundary if need be
    (US stocks change from 0.01 to 0.0001 steps at $1)."""
    for _ in range(ticks):
        if side is Side.BUY:
            price += instrument.tick_at(price)
        else:
            step = instrument.tick_at(price)
            lower = price - min(step, instrument.tick_at(price - step))
            if lower <= 0:
                break  # slippage never pushes a sell to a price of zero or below
            price = lower
        price = instrument.round_price(price, rounding_for(side))
    return price


def _remaining(order: Order, filled_qty: Decimal) -> Decimal:
    remaining = order.qty - filled_qty
    if remaining <= 0:
        raise ValueError(f"order {order.id} is already filled ({filled_qty} of {order.qty})")
    return remaining


def _decimals(*values: Decimal) -> None:
    for value in values:
        if not isinstance(value, Decimal):
            raise TypeError(f"market data prices must be Decimals, got {type(value).__name__}")
