"""Exponential smoothing seeded with a plain mean: the engine of `ema`, `rsi` and `atr`.

Each valid run of values (between NaNs) starts afresh: no output for its first n-1 values, then
the mean of its first n as the seed, then `y = (1 - alpha) * y + alpha * x` per value. The batch
form runs that recursion with `recurrence.recurrence`, which rounds exactly as the loop in
`Smoother.update` does, so a backtest and a live run agree to the last digit.

A step started later than the backtest (a live run loading some history) seeds from other bars
and so starts off by however much its seed differs; the recursion forgets that difference by a
factor (1 - alpha) a bar, and once it is below the last digit the two runs give the very same
floats from then on. `plan.vocabulary.settling` is how many bars that takes: `SETTLE / alpha`, a
fifth more than the most we measured (docs/indicators.md); it covers a seed off by 100%.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from tradeplan.runtime.indicators.arrays import F64, nans, run_lengths, window_means_at
from tradeplan.runtime.indicators.entry import NAN, oldest_first
from tradeplan.runtime.indicators.recurrence import recurrence


def smoothed(table: F64, n: int, alpha: float) -> F64:
    """Each row of `table` (k, size) smoothed; the rows must hold NaN at the same places."""
    series, size = table.shape
    if size < n:
        return np.full((series, size), np.nan)
    missing = np.isnan(table[0])
    lead = int(np.argmin(missing)) if missing[0] else 0
    if missing[lead]:  # all NaN
        return np.full((series, size), np.nan)
    warming = None
    if not missing[lead:].any():  # the usual case: NaNs (a warm-up) lead, none follow
        seeds = np.array([lead + n - 1] if lead + n <= size else [], dtype=np.int64)
        zero = missing if lead else None
    else:
        runs = run_lengths(~missing)
        seeds = np.flatnonzero(runs == n)
        warming = runs < n
        zero = missing
    starts = np.stack([window_means_at(row, n, seeds) for row in table])
    out = recurrence(table, 1.0 - alpha, seeds, starts, scale=alpha, zero=zero)
    if warming is None:
        out[:, : lead + n - 1] = np.nan
    else:
        out[:, warming] = np.nan
    return out


def smoothed_series(values: F64, n: int, alpha: float) -> F64:
    if values.size < n:
        return nans(values.size)
    out: F64 = smoothed(values[None, :], n, alpha)[0]
    return out


class Smoother:
    """The step form of `smoothed`: one value in, the smoothed value (or NaN) out."""

    __slots__ = ("alpha", "n", "run", "w", "window", "y")

    def __init__(self, n: int, alpha: float) -> None:
        self.n, self.alpha, self.w = n, alpha, 1.0 - alpha
        self.window: deque[float] = deque(maxlen=n)
        self.run = 0
        self.y = NAN

    def update(self, x: float) -> float:
        if x != x:
            self.run = 0
            return NAN
        self.window.append(x)
        self.run += 1
        if self.run < self.n:
            return NAN
        if self.run == self.n:
            self.y = oldest_first(self.window) / self.n
        else:
            self.y = self.w * self.y + self.alpha * x
        return self.y
