"""`atr(n)`: average true range with Wilder smoothing (TA-Lib ATR), first value at index n.

The true range of the first bar is undefined (it needs the close before it), so the seed is the
mean of the true ranges of bars 1..n.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from tradeplan.runtime.indicators.arrays import F64, as_series, check_length
from tradeplan.runtime.indicators.entry import NAN, Indicator, nan_max
from tradeplan.runtime.indicators.smoothing import Smoother, smoothed_series


def true_range(high: ArrayLike, low: ArrayLike, close: ArrayLike) -> F64:
    """TA-Lib TRANGE: the largest of high-low and the gaps to the previous close; NaN at bar 0."""
    h, lo, c = as_series(high), as_series(low), as_series(close)
    out: F64 = np.subtract(h, lo)
    if out.size:
        gap = np.subtract(h[1:], c[:-1])
        np.abs(gap, out=gap)
        np.maximum(out[1:], gap, out=out[1:])
        np.subtract(lo[1:], c[:-1], out=gap)
        np.abs(gap, out=gap)
        np.maximum(out[1:], gap, out=out[1:])
        out[0] = np.nan  # no close before the first bar
    return out


def atr(high: ArrayLike, low: ArrayLike, close: ArrayLike, length: int) -> F64:
    """Average true range with Wilder smoothing (TA-Lib ATR): first value at index `length`."""
    n = check_length(length)
    return smoothed_series(true_range(high, low, close), n, 1.0 / n)


class AtrStep:
    __slots__ = ("previous", "smoother")

    def __init__(self, length: int) -> None:
        n = check_length(length)
        self.smoother = Smoother(n, 1.0 / n)
        self.previous = NAN

    def update(self, high: float, low: float, close: float) -> float:
        previous, self.previous = self.previous, close
        span = nan_max(nan_max(high - low, abs(high - previous)), abs(low - previous))
        return self.smoother.update(span)


ENTRY = Indicator(
    "atr",
    ("high", "low", "close"),
    ("length",),
    atr,
    AtrStep,
)
