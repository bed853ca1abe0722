"""Timeframe bars built one fine row at a time: the live form of `resample.resample`.

A live run gets fine rows (minute bars, ticks) as they close and must hand the evaluator each
bar of the strategy's timeframe on the row where that bar's close becomes known, which is
where the batch places its signal (the bucket's last fine row). A row is the last of its
bucket when its close falls in another bucket: its close is when the next row opened, which
is how a replay learns it too (`MarketData.close_time_ns`), and the bucket is the batch's
(`Bucketing`: the US-session anchor, the New York offset at each second). When no row
follows (the data ends), the bucket counts as closed if the row's close, its time plus the
usual spacing (ticks: none), falls in a later bucket: the batch's test of a final bucket.

The coarse bar is the batch's to the bit: the first row's open, the highest high and lowest
low (NaN wins, as in `np.maximum`), the last row's close and spread, the volume added left to
right, stamped with the bucket's start.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradeplan.runtime.resample import Bucketing


@dataclass(frozen=True, slots=True)
class TimeframeBar:
    """One closed bar of the timeframe: `time` is its bucket's start (epoch seconds)."""

    time: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    spread: float


class StepResampler:
    """Feed fine rows in order with `push`; it returns each timeframe bar as it closes."""

    __slots__ = (
        "_bucket",
        "_bucketing",
        "_high",
        "_known",
        "_low",
        "_open",
        "_start",
        "_volume",
    )

    def __init__(self, bucketing: Bucketing) -> None:
        self._bucketing = bucketing
        self._bucket: int | None = None  # the open bucket, None between bars
        self._known: tuple[int, int] | None = None  # the last close: (second, position)
        self._start = 0
        self._open = self._high = self._low = self._volume = 0.0

    def _position(self, second: int) -> int:
        known = self._known
        if known is not None and known[0] == second:
            return known[1]
        return self._bucketing.position(second)

    def push(
        self,
        second: int,
        closes_at: int | None,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        spread: float,
    ) -> TimeframeBar | None:
        """Add the fine row opened at `second` and closed at `closes_at` (None: the data ends
        with it); the timeframe bar it completes, or None while its bucket goes on."""
        timeframe = self._bucketing.timeframe
        position = self._position(second)
        bucket = position // timeframe
        if self._bucket is None:
            self._bucket = bucket
            self._start = second - (position - bucket * timeframe)
            self._open, self._high, self._low = open, high, low
            self._volume = volume
        elif bucket != self._bucket:
            raise ValueError(
                f"the row at {second} opens another bucket, but the row before it said it "
                "closed inside its own: give each row the time it closed"
            )
        else:
            if high > self._high or high != high:
                self._high = high
            if low < self._low or low != low:
                self._low = low
            self._volume += volume
        if closes_at is None:  # the data ends: the row closes after the usual spacing
            interval = self._bucketing.row_interval
            ended = interval > 0 and self._position(second + interval) // timeframe != bucket
        else:
            following = self._position(closes_at)
            self._known = (closes_at, following)
            ended = following // timeframe != bucket
        if not ended:
            return None
        self._bucket = None
        return TimeframeBar(
            self._start, self._open, self._high, self._low, close, self._volume, spread
        )
