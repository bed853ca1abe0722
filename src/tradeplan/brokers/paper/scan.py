"""Find the next row in which any working order could act, with whole-array comparisons.

This is what lets a backtest jump: between two such rows nothing can fill, trigger or expire,
so the replay need not look at them one by one. Static levels (limits, stops, touches, watches)
are compared exactly on the scaled int64 prices. The levels of one kind collapse to one
threshold: buy limits fill when the Ask low reaches any of them, i.e. the highest, and so on, so
forty grid slots cost four comparisons per chunk, not forty. Trailing stops move with the market:
their running peak (trough) over the chunk is `np.maximum.accumulate` (`minimum`), and a row is a
candidate when its low reaches the stop that peak implies, computed without rounding and with a
unit of tolerance, so the candidate set always contains every row where the stop really fires.
Candidates are confirmed exactly, with Decimal prices, by processing the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.enums import Side

I64 = NDArray[np.int64]
FIRST_CHUNK: Final = 256
MAX_CHUNK: Final = 1 << 16


def scaled_ceil(price: Decimal, decimals: int) -> int:
    """The smallest grid integer >= price: `arr >= price` is exactly `arr >= scaled_ceil`."""
    return int(price.scaleb(decimals).to_integral_value(ROUND_CEILING))


def scaled_floor(price: Decimal, decimals: int) -> int:
    """The largest grid integer <= price: `arr <= price` is exactly `arr <= scaled_floor`."""
    return int(price.scaleb(decimals).to_integral_value(ROUND_FLOOR))


@dataclass(frozen=True, slots=True)
class TrailScan:
    """One working trailing order as the scan sees it (prices scaled to the data's grid).

    A sell trails the Bid's peak and fires when the Bid falls to the stop; a buy trails the
    Ask's trough and fires when the Ask rises to it. Until `active`, only reaching `activation`
    matters (that row is processed exactly and activates it).
    """

    side: Side
    active: bool
    activation: int | None
    extreme: int | None
    amount: int | None  # scaled trail amount (floored: the scan's stop is never too far)
    ratio: float | None  # trail as a fraction, e.g. 0.004


@dataclass(slots=True)
class ScanSpec:
    """Every working order reduced to thresholds; None means no order of that kind."""

    any_market: bool = False
    buy_low_max: int | None = None  # Ask low <= it: buy limits, buy touches, buy watches
    sell_high_min: int | None = None  # Bid high >= it: sell limits, sell touches, sell watches
    buy_high_min: int | None = None  # Ask high >= it: buy stops
    sell_low_max: int | None = None  # Bid low <= it: sell stops
    expiry_ns: int | None = None  # earliest day-order end
    trails: list[TrailScan] = field(default_factory=list)

    def add_buy_low(self, level: int) -> None:
        self.buy_low_max = level if self.buy_low_max is None else max(self.buy_low_max, level)

    def add_sell_high(self, level: int) -> None:
        self.sell_high_min = level if self.sell_high_min is None else min(self.sell_high_min, level)

    def add_buy_high(self, level: int) -> None:
        self.buy_high_min = level if self.buy_high_min is None else min(self.buy_high_min, level)

    def add_sell_low(self, level: int) -> None:
        self.sell_low_max = level if self.sell_low_max is None else max(self.sell_low_max, level)

    def add_expiry(self, ns: int) -> None:
        self.expiry_ns = ns if self.expiry_ns is None else min(self.expiry_ns, ns)

    @property
    def empty(self) -> bool:
        return (
            not self.any_market
            and self.buy_low_max is None
            and self.sell_high_min is None
            and self.buy_high_min is None
            and self.sell_low_max is None
            and self.expiry_ns is None
            and not self.trails
        )


@dataclass(frozen=True, slots=True, eq=False)
class ScanArrays:
    """The price arrays the scan compares: Bid high/low and Ask high/low, scaled, and float64
    copies of the lows (Bid) and highs (Ask) for ratio trailing stops."""

    time_ns: I64
    high: I64
    low: I64
    ask_high: I64
    ask_low: I64
    low_f: NDArray[np.float64] = field(init=False)
    ask_high_f: NDArray[np.float64] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "low_f", self.low.astype(np.float64))
        object.__setattr__(self, "ask_high_f", self.ask_high.astype(np.float64))


def first_candidate(arrays: ScanArrays, row: int, stop: int, spec: ScanSpec) -> int:
    """The first row in `row..stop-1` at which an order of `spec` might act, else `stop`."""
    if row >= stop or spec.empty:
        return stop
    if spec.any_market:
        return row
    if spec.expiry_ns is not None:
        expiry = int(np.searchsorted(arrays.time_ns, spec.expiry_ns, side="left"))
        stop = min(stop, max(expiry, row))
    size = FIRST_CHUNK
    begin = row
    trails = [_TrailCursor(t) for t in spec.trails]
    while begin < stop:
        end = min(stop, begin + size)
        hit = _first_in_chunk(arrays, begin, end, spec, trails)
        if hit >= 0:
            return begin + hit
        begin = end
        size = min(size * 4, MAX_CHUNK)
    return stop


class _TrailCursor:
    """A trailing order's running extreme carried from chunk to chunk during one scan."""

    __slots__ = ("extreme", "spec")

    def __init__(self, spec: TrailScan) -> None:
        self.spec = spec
        self.extreme = spec.extreme


def _first_in_chunk(
    arrays: ScanArrays, begin: int, end: int, spec: ScanSpec, trails: list[_TrailCursor]
) -> int:
    """Index within [begin, end) of the first candidate row, or -1."""
    mask: NDArray[np.bool_] | None = None

    def union(m: NDArray[np.bool_]) -> None:
        nonlocal mask
        mask = m if mask is None else mask | m

    if spec.buy_low_max is not None:
        union(arrays.ask_low[begin:end] <= spec.buy_low_max)
    if spec.sell_high_min is not None:
        union(arrays.high[begin:end] >= spec.sell_high_min)
    if spec.buy_high_min is not None:
        union(arrays.ask_high[begin:end] >= spec.buy_high_min)
    if spec.sell_low_max is not None:
        union(arrays.low[begin:end] <= spec.sell_low_max)
    for cursor in trails:
        union(_trail_mask(arrays, begin, end, cursor))
    if mask is None:
        return -1
    found = int(np.argmax(mask))
    return found if mask[found] else -1


def _trail_mask(
    arrays: ScanArrays, begin: int, end: int, cursor: _TrailCursor
) -> NDArray[np.bool_]:
    spec = cursor.spec
    sell = spec.side is Side.SELL
    if not spec.active:
        assert spec.activation is not None
        if sell:
            return arrays.high[begin:end] >= spec.activation
        return arrays.ask_low[begin:end] <= spec.activation
    if sell:
        peaks = np.maximum.accumulate(arrays.high[begin:end])
        if cursor.extreme is not None:
            np.maximum(peaks, cursor.extreme, out=peaks)
        cursor.extreme = int(peaks[-1])
        if spec.amount is not None:
            mask: NDArray[np.bool_] = arrays.low[begin:end] <= peaks - spec.amount
            return mask
        assert spec.ratio is not None
        bound = peaks * (1.0 - spec.ratio) + 1.0
        return arrays.low_f[begin:end] <= bound
    troughs = np.minimum.accumulate(arrays.ask_low[begin:end])
    if cursor.extreme is not None:
        np.minimum(troughs, cursor.extreme, out=troughs)
    cursor.extreme = int(troughs[-1])
    if spec.amount is not None:
        buy_mask: NDArray[np.bool_] = arrays.ask_high[begin:end] >= troughs + spec.amount
        return buy_mask
    assert spec.ratio is not None
    buy_bound = troughs * (1.0 + spec.ratio) - 1.0
    return arrays.ask_high_f[begin:end] >= buy_bound
