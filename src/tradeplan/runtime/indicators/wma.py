"""`wma(series, n)`: linearly weighted moving average, the newest bar weighing n, the oldest 1.

Windows up to `DIRECT_MAX` bars are added term by term, oldest first; longer ones from running
sums of the values and of the values times their position, in rows of 4n bars counted from the
first bar, which the step form keeps too.
"""

from __future__ import annotations

from collections import deque
from itertools import repeat

import numpy as np
from numpy.typing import ArrayLike

from tradeplan.runtime.indicators.arrays import (
    DIRECT_MAX,
    F64,
    as_series,
    check_length,
    finish,
    flatten,
    nans,
    row_sums,
    rows,
)
from tradeplan.runtime.indicators.entry import NAN, Indicator, Prefix, Step


def wma(values: ArrayLike, length: int) -> F64:
    """Linearly weighted moving average: the newest bar weighs n, the oldest 1."""
    x, n = as_series(values), check_length(length)
    size = x.size
    if size < n:
        return nans(size)
    divisor = n * (n + 1) / 2
    if n <= DIRECT_MAX:
        out = nans(size)
        count = size - n + 1
        acc = x[:count].copy()
        for k in range(1, n):
            acc += (k + 1) * x[k : k + count]
        out[n - 1 :] = acc / divisor
        return out
    table = rows(np.where(np.isnan(x), 0.0, x), n, 4 * n)
    position = np.arange(table.shape[1], dtype=np.float64)
    plain = row_sums(table, n)
    weighted = row_sums(table * position, n)
    ends = position[n - 1 :]  # row position of each window's newest bar
    result = (weighted - (ends - n) * plain) / divisor
    return finish(flatten(result, size).copy(), x, n)


class DirectWma:
    __slots__ = ("divisor", "n", "window")

    def __init__(self, n: int) -> None:
        self.n, self.divisor = n, n * (n + 1) / 2
        self.window: deque[float] = deque(maxlen=n)

    def update(self, x: float) -> float:
        window = self.window
        window.append(x)
        if len(window) < self.n:
            return NAN
        acc = window[0]
        for k in range(1, self.n):
            acc += (k + 1) * window[k]
        return acc / self.divisor


class BlockWma:
    """A longer window: the batch form's two rows of running sums, one value at a time."""

    __slots__ = (
        "block",
        "divisor",
        "history",
        "last_nan",
        "n",
        "plain",
        "position",
        "t",
        "weighted",
    )

    def __init__(self, n: int) -> None:
        self.n, self.block, self.divisor = n, 4 * n, n * (n + 1) / 2
        self.history: deque[float] = deque(maxlen=n - 1)
        self.plain, self.weighted = Prefix(n), Prefix(n)
        self.t, self.last_nan, self.position = -1, -n - 1, 0

    def _push(self, value: float) -> None:
        self.plain.push(value)
        self.weighted.push(value * float(self.position))
        self.position += 1

    def update(self, x: float) -> float:
        self.t += 1
        value = x
        if x != x:
            self.last_nan, value = self.t, 0.0
        if self.t % self.block == 0:
            self.plain, self.weighted, self.position = Prefix(self.n), Prefix(self.n), 0
            before = repeat(value, self.n - 1) if self.t == 0 else self.history
            for earlier in before:
                self._push(earlier)
        self._push(value)
        self.history.append(value)
        if self.t < self.n - 1 or self.last_nan > self.t - self.n:
            return NAN
        end = float(self.position - 1)  # the row position of the newest bar
        weighted, plain = self.weighted.window(), self.plain.window()
        return (weighted - (end - self.n) * plain) / self.divisor


def wma_step(length: int) -> Step:
    n = check_length(length)
    return DirectWma(n) if n <= DIRECT_MAX else BlockWma(n)


ENTRY = Indicator(
    "wma",
    ("series",),
    ("length",),
    wma,
    wma_step,
    rows=lambda n: 4 * n if n > DIRECT_MAX else 0,
)
