"""Bars of the strategy's timeframe built from finer data, and where their signals land.

Signals are evaluated on closed bars of the strategy's `timeframe`; orders keep filling on the
finest rows given (TradingView's "bar magnifier"), which is what keeps intrabar fills precise.

Buckets: FX and crypto bars are aligned to UTC (a 1h bar holds 10:00:00-10:59:59 UTC, a 1d bar a
UTC day). US-stock bars shorter than a day are aligned to the regular session's 09:30 New York
open (1h bars start 09:30, 10:30, ...); a day or longer is the New York calendar day. A bar is
stamped with its bucket's start. Its signal is placed on the bucket's last fine row, so an order
it sends works from the next row on: a bar's close is never traded before it is known. A final
bucket the data stops inside is not closed, and its signal is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.calendar import REGULAR_OPEN, SECONDS_PER_DAY, utc_offsets
from tradeplan.runtime.bars import BarArrays

US_SESSION_ANCHOR: Final = REGULAR_OPEN  # intraday US bars start at 09:30 New York

I64 = NDArray[np.int64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Resampled:
    """Timeframe bars plus the map between them and the fine rows."""

    bars: BarArrays
    last_row: I64  # per bar: the fine row on which its close becomes known
    bar_of_row: I64  # per fine row: the bar it belongs to
    closed: Bools  # per bar: False only for a final bucket the data stops inside

    def spread_signal(self, coarse: Bools, rows: int) -> Bools:
        """A condition per timeframe bar, as a condition per fine row (True on last rows only)."""
        fine = np.zeros(rows, dtype=np.bool_)
        fine[self.last_row] = np.asarray(coarse, dtype=np.bool_) & self.closed
        return fine


def resample(
    fine: BarArrays, timeframe: int, *, tz: str, us_sessions: bool, row_interval: int
) -> Resampled:
    """Aggregate `fine` (epoch-second times) into bars of `timeframe` seconds.

    `row_interval` is the fine data's usual spacing in seconds (0 for ticks); it decides whether
    the final bucket was complete.
    """
    times = fine.time
    shift = utc_offsets(times, tz) if us_sessions else np.zeros(times.size, dtype=np.int64)
    anchor = US_SESSION_ANCHOR if us_sessions and timeframe < SECONDS_PER_DAY else 0
    position = times + shift - anchor
    bucket = position // timeframe
    starts = np.flatnonzero(np.concatenate(([True], bucket[1:] != bucket[:-1])))
    ends = np.concatenate((starts[1:] - 1, [times.size - 1]))
    counts = np.diff(np.concatenate((starts, [times.size])))
    bar_start = times[starts] - (position[starts] - bucket[starts] * timeframe)
    bars = BarArrays.from_arrays(
        fine.close[ends],
        time=bar_start,
        open=fine.open[starts],
        high=np.maximum.reduceat(fine.high, starts),
        low=np.minimum.reduceat(fine.low, starts),
        volume=np.add.reduceat(fine.volume, starts),
        spread=fine.spread[ends],
        tz=tz,
        us_sessions=us_sessions,
    )
    closed = np.ones(starts.size, dtype=np.bool_)
    if times[-1] + row_interval < bar_start[-1] + timeframe:
        closed[-1] = False
    bar_of_row = np.repeat(np.arange(starts.size, dtype=np.int64), counts)
    return Resampled(bars, ends.astype(np.int64), bar_of_row, closed)
