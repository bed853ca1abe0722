"""`stdev(series, n)`: population standard deviation of the last n bars (TA-Lib STDDEV, nbdev 1).

Up to 16 bars: the mean added oldest first, then the squared deviations from it, as a hand
calculation. Longer windows: running sums of the values and their squares inside rows of 2n
windows, each row centred on its first value that is not missing (a value from the row's past,
so a step knows it when it needs it), which keeps the sums close to the windows' own spread:
within about 1e-8 of the local price range (worst for a window far calmer than its
neighbourhood), and exactly 0 for a window of equal values.
"""

from __future__ import annotations

import math
from collections import deque
from itertools import repeat
from typing import Final

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from tradeplan.runtime.indicators.arrays import (
    F64,
    as_series,
    check_length,
    direct_sum,
    finish,
    flat_windows,
    flatten,
    nans,
    row_sums,
)
from tradeplan.runtime.indicators.entry import NAN, Indicator, Prefix, Step, oldest_first

DIRECT_STDEV_MAX: Final = 16  # two passes per term: longer windows are faster as running sums
STDEV_ROWS: Final = 2  # windows per row of running sums of squares


def stdev(values: ArrayLike, length: int) -> F64:
    """Population standard deviation over the last `length` bars (TA-Lib STDDEV, nbdev 1)."""
    x, n = as_series(values), check_length(length)
    size = x.size
    if size < n:
        return nans(size)
    if n <= DIRECT_STDEV_MAX:
        with np.errstate(over="ignore", invalid="ignore"):
            return _direct(x, n)
    with np.errstate(over="ignore", invalid="ignore"):  # values near 1e308 give inf and NaN
        centred = _centred_rows(x, n, STDEV_ROWS * n)
        mean = row_sums(centred, n) / n
        variance = row_sums(centred * centred, n) / n - mean * mean
    result = flatten(np.sqrt(np.maximum(variance, 0.0)), size).copy()
    result[flat_windows(x, n)] = 0.0
    return finish(result, x, n)


def _direct(x: F64, n: int) -> F64:
    size = x.size
    mean = direct_sum(x, n)[n - 1 :] / n
    count = size - n + 1
    acc = np.zeros(count)
    deviation = np.empty(count)
    for k in range(n):
        np.subtract(x[k : k + count], mean, out=deviation)
        np.multiply(deviation, deviation, out=deviation)
        acc += deviation
    out = nans(size)
    out[n - 1 :] = np.sqrt(acc / n)
    return out


def _centred_rows(x: F64, n: int, block: int) -> F64:
    """Rows of `block` windows (row b: x[b*block - n + 1 : (b + 1) * block]), each value minus
    the row's first valid value, 0 for a missing value or a place before the first bar."""
    size = x.size
    count = -(-size // block)
    padded = np.empty(n - 1 + count * block)
    padded[n - 1 : n - 1 + size] = x
    missing = np.isnan(x)
    lead = int(np.argmin(missing)) if missing[0] else 0
    if not missing[lead:].any() and math.isfinite(x[lead]):
        # The usual case: what leads (the padding, a warm-up's NaNs) becomes the first valid
        # value, so each row's first value is its first valid one and centres what leads at 0.
        padded[: n - 1 + lead] = x[lead]
        padded[n - 1 + size :] = x[-1]
        table = sliding_window_view(padded, block + n - 1)[::block]
        centred: F64 = table - table[:, :1]
        return centred
    padded[: n - 1] = np.nan
    padded[n - 1 + size :] = np.nan
    table = sliding_window_view(padded, block + n - 1)[::block]
    gaps = np.isnan(table)
    first = np.argmin(gaps, axis=1)  # a row's first valid value (any value if it has none)
    reference = table[np.arange(table.shape[0]), first]
    with np.errstate(invalid="ignore"):
        centred = np.where(gaps, 0.0, table - reference[:, None])
    return centred


class DirectStdev:
    __slots__ = ("n", "window")

    def __init__(self, n: int) -> None:
        self.n = n
        self.window: deque[float] = deque(maxlen=n)

    def update(self, x: float) -> float:
        window = self.window
        window.append(x)
        if len(window) < self.n:
            return NAN
        mean = oldest_first(window) / self.n
        acc = 0.0
        for value in window:
            deviation = value - mean
            acc += deviation * deviation
        return math.sqrt(acc / self.n)


class BlockStdev:
    """A longer window: the batch form's centred rows of running sums, one value at a time."""

    __slots__ = (
        "block",
        "equal",
        "history",
        "last_nan",
        "n",
        "previous",
        "reference",
        "squares",
        "sums",
        "t",
    )

    def __init__(self, n: int) -> None:
        self.n, self.block = n, STDEV_ROWS * n
        self.history: deque[float] = deque(maxlen=n - 1)
        self.sums, self.squares = Prefix(n), Prefix(n)
        self.reference: float | None = None
        self.t, self.last_nan, self.equal, self.previous = -1, -n - 1, 0, NAN

    def _push(self, value: float) -> None:
        if value != value:
            centred = 0.0
        else:
            if self.reference is None:
                self.reference = value
            centred = value - self.reference
        self.sums.push(centred)
        self.squares.push(centred * centred)

    def update(self, x: float) -> float:
        self.t += 1
        if x != x:
            self.last_nan = self.t
        self.equal = self.equal + 1 if x == self.previous else 1
        self.previous = x
        if self.t % self.block == 0:
            self.sums, self.squares, self.reference = Prefix(self.n), Prefix(self.n), None
            before = repeat(NAN, self.n - 1) if self.t == 0 else self.history
            for earlier in before:
                self._push(earlier)
        self._push(x)
        self.history.append(x)
        if self.t < self.n - 1 or self.last_nan > self.t - self.n:
            return NAN
        if self.equal >= self.n:
            return 0.0
        mean = self.sums.window() / self.n
        variance = self.squares.window() / self.n - mean * mean
        if variance > 0.0:
            return math.sqrt(variance)
        return 0.0 if variance <= 0.0 else NAN


def stdev_step(length: int) -> Step:
    n = check_length(length)
    return DirectStdev(n) if n <= DIRECT_STDEV_MAX else BlockStdev(n)


ENTRY = Indicator(
    "stdev",
    ("series",),
    ("length",),
    stdev,
    stdev_step,
    rows=lambda n: STDEV_ROWS * n if n > DIRECT_STDEV_MAX else 0,
)
