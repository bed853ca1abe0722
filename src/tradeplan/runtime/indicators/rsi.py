"""`rsi(series, n)`: relative strength index with Wilder smoothing, 0 to 100 (TA-Lib RSI).

Gains and losses are smoothed with alpha 1/n, each seeded with the plain mean of its first n
values; the first change needs the value before it, so the first RSI is at index n. RSI is 0
when price did not move at all (TA-Lib's convention).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from tradeplan.runtime.indicators.arrays import F64, as_series, check_length
from tradeplan.runtime.indicators.entry import NAN, Indicator, at_least_zero
from tradeplan.runtime.indicators.smoothing import Smoother, smoothed


def rsi(values: ArrayLike, length: int) -> F64:
    """Relative strength index with Wilder smoothing, 0 to 100 (TA-Lib RSI)."""
    x, n = as_series(values), check_length(length)
    size = x.size
    moves = np.empty((2, size))  # gains, losses
    delta = moves[1]  # the losses are computed in place from the changes
    delta[:1] = np.nan  # the first bar has no change
    np.subtract(x[1:], x[:-1], out=delta[1:])
    np.maximum(delta, 0.0, out=moves[0])
    np.negative(delta, out=delta)
    np.maximum(delta, 0.0, out=delta)
    gain, loss = smoothed(moves, n, 1.0 / n)
    total = np.add(gain, loss, out=loss)
    out: F64 = np.multiply(gain, 100.0, out=gain)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(out, total, out=out)
    out[total == 0.0] = 0.0
    return out


class RsiStep:
    __slots__ = ("gain", "loss", "previous")

    def __init__(self, length: int) -> None:
        n = check_length(length)
        self.gain, self.loss = Smoother(n, 1.0 / n), Smoother(n, 1.0 / n)
        self.previous = NAN

    def update(self, x: float) -> float:
        delta = x - self.previous
        self.previous = x
        gain = self.gain.update(at_least_zero(delta))
        loss = self.loss.update(at_least_zero(-delta))
        total = gain + loss
        return 0.0 if total == 0.0 else 100.0 * gain / total


ENTRY = Indicator(
    "rsi",
    ("series",),
    ("length",),
    rsi,
    RsiStep,
)
