"""`highest(series, n)` and `lowest(series, n)`: the extreme of the last n bars, the current one
included; NaN while the window holds a missing value.

Short windows compare term by term; long ones use the van Herk/Gil-Werman algorithm (three
passes whatever the length). Both give the window's extreme exactly; the one value two orders of
comparison can disagree on is the sign of a zero (numpy keeps whichever operand came second), so
the result is normalised to +0.0 and the step form, a monotonic queue, gives the same bits.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from tradeplan.runtime.indicators.arrays import DIRECT_MAX, F64, as_series, check_length, nans
from tradeplan.runtime.indicators.entry import NAN, Indicator


def _rolling_extreme(x: F64, n: int, pick: np.ufunc) -> F64:
    size = x.size
    out = nans(size)
    if size < n:
        return out
    if n <= DIRECT_MAX:
        count = size - n + 1
        acc = x[:count].copy()
        for k in range(1, n):
            pick(acc, x[k : k + count], out=acc)
        np.add(acc, 0.0, out=out[n - 1 :])  # -0.0 becomes +0.0
        return out
    rows = -(-size // n)
    padded = np.full(rows * n, np.nan)
    padded[:size] = x
    blocks = padded.reshape(rows, n)
    ahead = pick.accumulate(blocks, axis=1).reshape(-1)  # block start .. i
    behind = pick.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].reshape(-1)  # i .. block end
    pick(behind[: size - n + 1], ahead[n - 1 : size], out=out[n - 1 :])
    np.add(out, 0.0, out=out)
    return out


def highest(values: ArrayLike, length: int) -> F64:
    """Highest value of the last `length` bars, the current bar included."""
    return _rolling_extreme(as_series(values), check_length(length), np.maximum)


def lowest(values: ArrayLike, length: int) -> F64:
    """Lowest value of the last `length` bars, the current bar included."""
    return _rolling_extreme(as_series(values), check_length(length), np.minimum)


class Extreme:
    """A monotonic queue of (bar, value): the front is the window's extreme."""

    __slots__ = ("beats", "last_nan", "n", "queue", "t")

    def __init__(self, length: int, beats: Callable[[float, float], bool]) -> None:
        self.n = check_length(length)
        self.beats = beats  # beats(new, old): `old` can never be the extreme again
        self.queue: deque[tuple[int, float]] = deque()
        self.t, self.last_nan = -1, -self.n - 1

    def update(self, x: float) -> float:
        self.t += 1
        queue = self.queue
        if x != x:
            self.last_nan = self.t
            queue.clear()
        else:
            while queue and self.beats(x, queue[-1][1]):
                queue.pop()
            queue.append((self.t, x))
            if queue[0][0] <= self.t - self.n:
                queue.popleft()
        if self.t < self.n - 1 or self.last_nan > self.t - self.n:
            return NAN
        return queue[0][1] + 0.0


def highest_step(length: int) -> Extreme:
    return Extreme(length, lambda new, old: new >= old)


def lowest_step(length: int) -> Extreme:
    return Extreme(length, lambda new, old: new <= old)


HIGHEST = Indicator("highest", ("series",), ("length",), highest, highest_step)
LOWEST = Indicator("lowest", ("series",), ("length",), lowest, lowest_step)
