"""`vwap()`: the volume-weighted average of the typical price since the start of the bar's day.

It restarts at each change of the day id (the session anchor). A NaN price or volume makes it
NaN for the rest of that day; a day that has traded no volume yet is NaN. The day's running sums
are added bar by bar in order (`recurrence.segment_sums`), as the step form adds them, so a live
run that has the day's bars gives the backtest's value to the last digit.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from tradeplan.runtime.indicators.arrays import F64, as_series, nans
from tradeplan.runtime.indicators.entry import NAN, Indicator
from tradeplan.runtime.indicators.recurrence import segment_sums


def typical_price(high: ArrayLike, low: ArrayLike, close: ArrayLike) -> F64:
    """(high + low + close) / 3, the price `vwap` weighs (TradingView's default source)."""
    out: F64 = (as_series(high) + as_series(low) + as_series(close)) / 3.0
    return out


def vwap(price: ArrayLike, volume: ArrayLike, day: ArrayLike) -> F64:
    """Volume-weighted average of `price` since the start of the bar's day (session anchor)."""
    p, v = as_series(price), as_series(volume)
    days = np.ascontiguousarray(day, dtype=np.int64)
    if not p.size == v.size == days.size:
        raise ValueError("vwap needs price, volume and day arrays of one length")
    size = p.size
    if size == 0:
        return nans(0)
    weighted = p * v
    missing = np.isnan(weighted)
    starts = np.ones(size, dtype=np.bool_)
    starts[1:] = days[1:] != days[:-1]
    first = np.flatnonzero(starts)
    if missing.any():
        weighted = np.where(missing, 0.0, weighted)
        v = np.where(missing, 0.0, v)
    sum_pv = segment_sums(weighted, first)
    sum_v = segment_sums(v, first)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: F64 = np.where(sum_v == 0.0, np.nan, sum_pv / sum_v)
    if missing.any():
        counts = np.cumsum(missing, dtype=np.int64)
        before = counts[first] - missing[first]
        segment = np.cumsum(starts) - 1
        out[(counts - before[segment]) > 0] = np.nan
    return out


class VwapStep:
    __slots__ = ("broken", "day", "volume", "weighted")

    def __init__(self) -> None:
        self.day: int | None = None
        self.weighted = self.volume = 0.0
        self.broken = False

    def update(self, price: float, volume: float, day: int) -> float:
        weighted = price * volume
        missing = weighted != weighted
        if missing:
            weighted = volume = 0.0
        if day != self.day:
            self.day, self.weighted, self.volume, self.broken = day, weighted, volume, missing
        else:
            self.weighted += weighted
            self.volume += volume
            self.broken = self.broken or missing
        if self.broken or self.volume == 0.0:
            return NAN
        return self.weighted / self.volume


ENTRY = Indicator("vwap", ("hlc3", "volume", "day"), (), vwap, VwapStep)
