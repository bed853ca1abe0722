"""`sma(series, n)`: simple moving average of the last n bars, the current bar included.

Up to `DIRECT_MAX` bars the window is added oldest bar first, exactly a hand calculation; longer
windows use running sums inside rows of max(512, 4n) bars counted from the first bar (the
rounding error is that of one row's additions, not of the whole history). The step form keeps
the same rows, so it reproduces those sums bit for bit when it is fed from the same first bar.
"""

from __future__ import annotations

from collections import deque
from itertools import repeat

from numpy.typing import ArrayLike

from tradeplan.runtime.indicators.arrays import (
    DIRECT_MAX,
    F64,
    as_series,
    check_length,
    rolling_sum,
    sum_block,
)
from tradeplan.runtime.indicators.entry import NAN, Indicator, Prefix, Step, oldest_first


def sma(values: ArrayLike, length: int) -> F64:
    """Simple moving average of the last `length` bars."""
    x, n = as_series(values), check_length(length)
    out: F64 = rolling_sum(x, n) / n
    return out


class DirectSma:
    """A window of up to DIRECT_MAX bars, added oldest first on every bar."""

    __slots__ = ("n", "window")

    def __init__(self, n: int) -> None:
        self.n = n
        self.window: deque[float] = deque(maxlen=n)

    def update(self, x: float) -> float:
        self.window.append(x)
        if len(self.window) < self.n:
            return NAN
        return oldest_first(self.window) / self.n


class BlockSma:
    """A longer window: the batch form's rows of running sums, one value at a time."""

    __slots__ = ("block", "history", "last_nan", "n", "sums", "t")

    def __init__(self, n: int) -> None:
        self.n, self.block = n, sum_block(n)
        self.history: deque[float] = deque(maxlen=n - 1)  # the row's first n-1 values
        self.sums = Prefix(n)
        self.t, self.last_nan = -1, -n - 1

    def update(self, x: float) -> float:
        self.t += 1
        value = x
        if x != x:
            self.last_nan, value = self.t, 0.0
        if self.t % self.block == 0:  # a new row starts with the n-1 values before it
            self.sums = Prefix(self.n)
            before = repeat(value, self.n - 1) if self.t == 0 else self.history
            for earlier in before:
                self.sums.push(earlier)
        self.sums.push(value)
        self.history.append(value)
        if self.t < self.n - 1 or self.last_nan > self.t - self.n:
            return NAN
        return self.sums.window() / self.n


def sma_step(length: int) -> Step:
    n = check_length(length)
    return DirectSma(n) if n <= DIRECT_MAX else BlockSma(n)


ENTRY = Indicator(
    "sma",
    ("series",),
    ("length",),
    sma,
    sma_step,
    rows=lambda n: sum_block(n) if n > DIRECT_MAX else 0,
)
