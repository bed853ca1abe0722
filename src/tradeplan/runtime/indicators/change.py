"""`change(series, n)` and `roc(series, n)`: the difference, and the rate of change in percent,
to the value n bars ago.

`roc` is TA-Lib's `((x / x[n]) - 1) * 100`, NaN (not TA-Lib's 0) where `x[n]` is zero: a
division by zero is a missing value everywhere in the language.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from numpy.typing import ArrayLike

from tradeplan.runtime.indicators.arrays import F64, as_series, check_length, shift
from tradeplan.runtime.indicators.entry import NAN, Indicator


def change(values: ArrayLike, length: int) -> F64:
    """Difference to the value `length` bars ago."""
    x, n = as_series(values), check_length(length)
    out: F64 = x - shift(x, n)
    return out


def roc(values: ArrayLike, length: int) -> F64:
    """Rate of change in percent, TA-Lib's ((x / x[n]) - 1) * 100; NaN where x[n] is 0."""
    x, n = as_series(values), check_length(length)
    before = shift(x, n)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out: F64 = np.where(before == 0.0, np.nan, ((x / before) - 1.0) * 100.0)
    return out


class Lookback:
    """The last n+1 values: the current one and the one n bars ago."""

    __slots__ = ("window",)

    def __init__(self, length: int) -> None:
        self.window: deque[float] = deque(maxlen=check_length(length) + 1)

    def before(self, x: float) -> float:
        self.window.append(x)
        return self.window[0] if len(self.window) == self.window.maxlen else NAN


class ChangeStep(Lookback):
    __slots__ = ()

    def update(self, x: float) -> float:
        return x - self.before(x)


class RocStep(Lookback):
    __slots__ = ()

    def update(self, x: float) -> float:
        before = self.before(x)
        return NAN if before == 0.0 else ((x / before) - 1.0) * 100.0


CHANGE = Indicator("change", ("series",), ("length",), change, ChangeStep)
ROC = Indicator("roc", ("series",), ("length",), roc, RocStep)
