"""Bars of the strategy's timeframe built from finer data, and where their signals land.

Signals are evaluated on closed bars of the strategy's `timeframe`; orders keep filling on the
finest rows given (TradingView's "bar magnifier"), which is what keeps intrabar fills precise.

Buckets: FX and crypto bars are aligned to UTC (a 1h bar holds 10:00:00-10:59:59 UTC, a 1d bar a
UTC day). US-stock bars shorter than a day are aligned to the regular session's 09:30 New York
open (1h bars start 09:30, 10:30, ...); a day or longer is the New York calendar day. A bar is
stamped with its bucket's start. Its signal is placed on the bucket's last fine row, so an order
it sends works from the next row on: a bar's close is never traded before it is known. A final
bucket the data stops inside is not closed, and its signal is dropped.

`Bucketing` is the one definition of the buckets: `resample` applies it to a whole file, and
`step_resample.StepResampler` to one row at a time (the live path), bar for bar and bit for bit
the same (tests/runtime/test_step_resample.py). That is why the volume is summed left to right
here rather than by `np.add.reduceat`, whose pairwise summation a running sum cannot repeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.calendar import REGULAR_OPEN, SECONDS_PER_DAY, local_second, utc_offsets
from tradeplan.runtime.bars import BarArrays

US_SESSION_ANCHOR: Final = REGULAR_OPEN  # intraday US bars start at 09:30 New York

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Bucketing:
    """How fine rows group into bars of `timeframe` seconds.

    `us_sessions` aligns bars to the US session (New York offsets, the 09:30 anchor below a
    day); `row_interval` is the fine data's usual spacing in seconds (0 for ticks), which says
    whether the final bucket was complete."""

    timeframe: int
    tz: str
    us_sessions: bool
    row_interval: int

    @property
    def anchor(self) -> int:
        return US_SESSION_ANCHOR if self.us_sessions and self.timeframe < SECONDS_PER_DAY else 0

    def resample(self, fine: BarArrays) -> Resampled:
        """`resample` of `fine` with these buckets."""
        return resample(
            fine,
            self.timeframe,
            tz=self.tz,
            us_sessions=self.us_sessions,
            row_interval=self.row_interval,
        )

    def position(self, second: int) -> int:
        """Seconds from the anchored local epoch: `position // timeframe` is the bucket."""
        local = local_second(second, self.tz) if self.us_sessions else second
        return local - self.anchor


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
    bucketing = Bucketing(timeframe, tz, us_sessions, row_interval)
    times = fine.time
    shift = utc_offsets(times, tz) if us_sessions else np.zeros(times.size, dtype=np.int64)
    position = times + shift - bucketing.anchor
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
        volume=sequential_sums(fine.volume, starts, counts),
        spread=fine.spread[ends],
        tz=tz,
        us_sessions=us_sessions,
    )
    # The final bucket closed if the last row's close (its time plus the usual spacing; ticks
    # have none) falls in a later bucket, judged like every other row's close: in local time,
    # so a 25-hour or 23-hour day on a daylight-saving change ends at its local midnight.
    closed = np.ones(starts.size, dtype=np.bool_)
    last_close = bucketing.position(int(times[-1]) + row_interval)
    if row_interval == 0 or last_close // timeframe == int(bucket[-1]):
        closed[-1] = False
    bar_of_row = np.repeat(np.arange(starts.size, dtype=np.int64), counts)
    return Resampled(bars, ends.astype(np.int64), bar_of_row, closed)


def sequential_sums(values: F64, starts: I64, counts: I64) -> F64:
    """The sum of each run `values[starts[i] : starts[i] + counts[i]]`, added left to right.

    A live bar adds each row's volume as it comes; summing a whole bucket at once in any other
    order (numpy's pairwise reductions) can differ in the last bit, and a `vwap` or a volume
    condition would then differ between the backtest and the live run. Vectorised across the
    buckets, longest first, one row position at a time while many buckets are still going;
    once fewer buckets remain than rows to add, each of them on its own (`accumulate` adds in
    order too).
    """
    order = np.argsort(-counts, kind="stable")
    lengths, firsts = counts[order], starts[order]
    total = np.array(values[firsts], dtype=np.float64)
    longest = int(lengths[0]) if lengths.size else 0
    shorter_first = -lengths  # ascending, for searchsorted
    offset, going = 1, 0
    while offset < longest:
        going = int(np.searchsorted(shorter_first, -offset))  # buckets longer than `offset`
        if going < longest - offset:
            break
        total[:going] += values[firsts[:going] + offset]
        offset += 1
    else:
        going = 0
    for index in range(going):
        begin = int(firsts[index])
        rest = values[begin + offset : begin + int(lengths[index])]
        total[index] = np.add.accumulate(np.concatenate(([total[index]], rest)))[-1]
    sums = np.empty_like(total)
    sums[order] = total
    return sums
