"""`ema(series, n)`: exponential moving average, alpha 2/(n+1), seeded with the SMA of its first
n values (TA-Lib, and TradingView's `ta.ema`), so its first value is at index n-1."""

from __future__ import annotations

from numpy.typing import ArrayLike

from tradeplan.runtime.indicators.arrays import F64, as_series, check_length
from tradeplan.runtime.indicators.entry import Indicator
from tradeplan.runtime.indicators.smoothing import Smoother, smoothed_series


def alpha(n: int) -> float:
    return 2.0 / (n + 1)


def ema(values: ArrayLike, length: int) -> F64:
    """Exponential moving average, alpha 2/(n+1), seeded with the SMA of the first n values."""
    x, n = as_series(values), check_length(length)
    return smoothed_series(x, n, alpha(n))


def ema_step(length: int) -> Smoother:
    n = check_length(length)
    return Smoother(n, alpha(n))


ENTRY = Indicator(
    "ema",
    ("series",),
    ("length",),
    ema,
    ema_step,
)
