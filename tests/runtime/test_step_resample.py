"""The live resampler builds the batch resampler's timeframe bars, bit for bit, on the same rows.

`StepResampler` gets one fine row at a time with the time it closed (the next row's open; at
the end of the data, nothing) and hands over each timeframe bar on the row where it closes.
Over generated rows (minute bars with gaps, ticks several to a second) and every kind of
bucket (UTC for FX, the 09:30-anchored New York session for US stocks, across both daylight
saving changes, days and weeks), it must give `resample()`'s closed bars, stamped alike, with
every float equal to the bit, on `resample()`'s last rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import reduce
from operator import add

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from tradeplan.core.calendar import NEW_YORK
from tradeplan.runtime.bars import BarArrays
from tradeplan.runtime.resample import Bucketing, resample, sequential_sums
from tradeplan.runtime.step_resample import StepResampler

STARTS = [
    datetime(2025, 1, 6, 20, 0, tzinfo=UTC),
    datetime(2025, 3, 8, 22, 0, tzinfo=UTC),  # New York springs forward on 9 March, 07:00 UTC
    datetime(2025, 11, 1, 23, 0, tzinfo=UTC),  # and falls back on 2 November, 06:00 UTC
]
TIMEFRAMES = [300, 900, 3600, 4 * 3600, 86_400, 7 * 86_400]


def fine_bars(seed: int, size: int, start: datetime, *, ticks: bool) -> BarArrays:
    rng = np.random.default_rng(seed)
    if ticks:
        steps = rng.choice([0, 0, 1, 2, 5, 30, 300], size)  # several ticks in one second
    else:
        steps = 60 * np.where(rng.random(size) < 0.03, rng.integers(2, 400, size), 1)
    steps[0] = 0
    times = int(start.timestamp()) + np.cumsum(steps)
    close = 150.0 + np.cumsum(rng.normal(0, 0.05, size))
    open_ = close + rng.normal(0, 0.02, size)
    volume = rng.random(size) * 1000.0
    if rng.random() < 0.2:
        volume[rng.random(size) < 0.1] = np.nan  # unknown volume stays unknown
    return BarArrays.from_arrays(
        close,
        time=times,
        open=open_,
        high=np.maximum(open_, close) + rng.random(size) * 0.05,
        low=np.minimum(open_, close) - rng.random(size) * 0.05,
        volume=volume,
        spread=rng.integers(0, 4, size) * 0.001,
    )


def stepped(fine: BarArrays, bucketing: Bucketing) -> tuple[list[int], list[tuple[float, ...]]]:
    """Every bar the step form hands over, and the row it came on."""
    step = StepResampler(bucketing)
    times = fine.time.tolist()
    rows, bars = [], []
    columns = [c.tolist() for c in (fine.open, fine.high, fine.low, fine.close, fine.volume)]
    spreads = fine.spread.tolist()
    for row, second in enumerate(times):
        closes_at = times[row + 1] if row + 1 < len(times) else None
        o, h, lo, c, v = (column[row] for column in columns)
        bar = step.push(second, closes_at, o, h, lo, c, v, spreads[row])
        if bar is not None:
            rows.append(row)
            bars.append((bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.spread))
    return rows, bars


def bits(values: NDArray[np.float64]) -> list[int]:
    return np.ascontiguousarray(values, dtype=np.float64).view(np.int64).tolist()


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 100_000),
    size=st.integers(1, 3000),
    start=st.sampled_from(STARTS),
    timeframe=st.sampled_from(TIMEFRAMES),
    ticks=st.booleans(),
    us_sessions=st.booleans(),
)
def test_the_step_resampler_builds_the_batch_bars_on_the_batch_rows(
    seed: int, size: int, start: datetime, timeframe: int, ticks: bool, us_sessions: bool
) -> None:
    fine = fine_bars(seed, size, start, ticks=ticks)
    bucketing = Bucketing(
        timeframe, NEW_YORK if us_sessions else "UTC", us_sessions, 0 if ticks else 60
    )
    batch = resample(
        fine,
        timeframe,
        tz=bucketing.tz,
        us_sessions=us_sessions,
        row_interval=bucketing.row_interval,
    )
    rows, bars = stepped(fine, bucketing)
    closed = batch.closed
    assert rows == batch.last_row[closed].tolist()
    want = batch.bars
    assert [bar[0] for bar in bars] == want.time[closed].tolist()
    for index, column in enumerate((want.open, want.high, want.low, want.close), start=1):
        assert [bits(np.array([bar[index]]))[0] for bar in bars] == bits(column[closed])
    assert bits(np.array([bar[5] for bar in bars])) == bits(want.volume[closed])
    assert bits(np.array([bar[6] for bar in bars])) == bits(want.spread[closed])


def test_an_hours_volume_is_added_left_to_right_as_a_live_bar_adds_it() -> None:
    rng = np.random.default_rng(7)
    volume = rng.random(120) * 1e6 + rng.random(120)
    fine = BarArrays.from_arrays(np.full(120, 150.0), time=np.arange(120) * 60, volume=volume)
    bars = resample(fine, 3600, tz="UTC", us_sessions=False, row_interval=60).bars
    running = [reduce(add, volume[i * 60 : (i + 1) * 60].tolist()) for i in range(2)]
    assert bars.volume.tolist() == running


@given(st.lists(st.integers(1, 300), min_size=1, max_size=60), st.integers(0, 1000))
def test_bucket_sums_add_left_to_right_whatever_the_bucket_lengths(
    lengths: list[int], seed: int
) -> None:
    counts = np.array(lengths, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    values = np.random.default_rng(seed).random(int(counts.sum())) * 1e6
    want = [reduce(add, values[s : s + c].tolist()) for s, c in zip(starts, counts, strict=True)]
    assert sequential_sums(values, starts, counts).tolist() == want


def test_a_final_bucket_is_closed_only_when_the_last_rows_close_reaches_its_end() -> None:
    hour = Bucketing(3600, "UTC", False, 60)
    step = StepResampler(hour)
    assert step.push(0, 60, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0) is None
    assert step.push(60, None, 1.0, 2.0, 1.0, 1.5, 1.0, 0.0) is None  # 00:01: the hour goes on
    step = StepResampler(hour)
    assert step.push(3540, None, 1.0, 2.0, 1.0, 1.5, 1.0, 0.0) is not None  # 00:59 + 1m
    ticks = StepResampler(Bucketing(3600, "UTC", False, 0))
    assert ticks.push(3599, None, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0) is None  # a tick closes at once


def test_us_stock_bars_start_at_the_open_in_both_offsets() -> None:
    winter = int(datetime(2025, 1, 6, 14, 30, tzinfo=UTC).timestamp())  # 09:30 New York
    summer = int(datetime(2025, 7, 7, 13, 30, tzinfo=UTC).timestamp())  # 09:30 New York
    for opened in (winter, summer):
        step = StepResampler(Bucketing(3600, NEW_YORK, True, 60))
        bar = step.push(opened + 600, opened + 3600, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0)  # 09:40
        assert bar is not None and bar.time == opened
        bar = step.push(opened - 60, opened, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0)  # 09:29
        assert bar is not None and bar.time == opened - 3600


def test_a_row_that_opens_another_bucket_after_a_close_inside_the_last_is_refused() -> None:
    step = StepResampler(Bucketing(3600, "UTC", False, 60))
    assert step.push(0, 60, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0) is None
    with pytest.raises(ValueError, match="opens another bucket"):
        step.push(7200, 7260, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0)
