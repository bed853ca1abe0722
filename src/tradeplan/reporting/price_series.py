"""The price, equity and drawdown series the report's charts draw, thinned for the page.

A year of minutes is ~370,000 bars: too many for a page to carry or a chart to draw. So the
page gets (a) one line of the close, thinned to a few thousand points keeping each bucket's
minimum and maximum (a one-bar spike still shows), drawn when zoomed out, and (b) candles at
several bar sizes (the data's own, 5m, 15m, 1h, 4h, 1d...), each size kept only while all sizes
together stay under a budget; the page draws the finest size that fits the visible window.

Times go to the page as "wall-clock milliseconds" of the display zone (the exchange's for US
stocks, UTC otherwise): epoch ms plus the zone's offset at that moment. Plotly's date axis shows
such numbers as they are, so the axis reads in the zone without the browser's own zone
interfering; the page writes the zone beside every time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
NS_PER_MS = 1_000_000
NS_PER_HOUR = 3_600 * 10**9
LINE_POINTS = 4_000
CANDLE_BUDGET = 60_000  # candles over all sizes together
CANDLE_SIZES_S = (60, 300, 900, 3_600, 14_400, 86_400, 604_800)


@dataclass(frozen=True, slots=True, eq=False)
class PriceBars:
    """OHLC columns (float64, analytics only: the page's chart) and their epoch ns times."""

    time_ns: I64
    open: F64
    high: F64
    low: F64
    close: F64
    decimals: int = 5

    @classmethod
    def from_close(cls, time_ns: I64, close: F64, decimals: int = 5) -> PriceBars:
        return cls(time_ns, close, close, close, close, decimals)

    def __len__(self) -> int:
        return int(self.time_ns.size)


@dataclass(frozen=True, slots=True, eq=False)
class CandleLevel:
    """Candles of one size: bucket numbers (wall-clock ms // size) and their OHLC."""

    size_ms: int
    bucket: I64
    open: F64
    high: F64
    low: F64
    close: F64

    def __len__(self) -> int:
        return int(self.bucket.size)


def downsample_minmax(x: I64, y: F64, target: int = LINE_POINTS) -> tuple[I64, F64]:
    """At most ~`target` points: per bucket the min and the max, in time order, ends kept."""
    n = int(x.size)
    if n <= target or target < 4:
        return x, y
    buckets = target // 2
    size = math.ceil(n / buckets)
    padded = np.pad(y, (0, buckets * size - n), mode="edge").reshape(buckets, size)
    base = np.arange(buckets, dtype=np.int64) * size
    low = padded.argmin(axis=1) + base
    high = padded.argmax(axis=1) + base
    pairs = np.stack([np.minimum(low, high), np.maximum(low, high)], axis=1).ravel()
    keep = np.unique(np.concatenate([[0], np.minimum(pairs, n - 1), [n - 1]]))
    return x[keep], y[keep]


def wall_ms(time_ns: I64, zone: str) -> I64:
    """Epoch ns -> the zone's wall-clock ms (see the module docstring). Offsets are looked up
    once per hour the data spans: zone changes (DST) fall on whole hours."""
    if time_ns.size == 0:
        return np.zeros(0, dtype=np.int64)
    ms: I64 = time_ns // NS_PER_MS
    if zone == "UTC":
        return ms
    tz = ZoneInfo(zone)
    hours = time_ns // NS_PER_HOUR
    first, last = int(hours.min()), int(hours.max())
    offsets = np.array(
        [_offset_ms(tz, hour) for hour in range(first, last + 1)],
        dtype=np.int64,
    )
    result: I64 = ms + offsets[hours - first]
    return result


def wall_ms_one(time_ns: int, zone: str) -> int:
    return int(wall_ms(np.array([time_ns], dtype=np.int64), zone)[0])


def _offset_ms(tz: ZoneInfo, hour: int) -> int:
    offset = datetime.fromtimestamp(hour * 3_600, UTC).astimezone(tz).utcoffset()
    return 0 if offset is None else int(offset.total_seconds() * 1_000)


def usual_step_s(time_ns: I64) -> int:
    """The most common spacing of the rows in seconds (0 for ticks or a single row)."""
    if time_ns.size < 2:
        return 0
    steps = np.diff(time_ns[: min(time_ns.size, 5_000)])
    steps = steps[steps > 0]
    if steps.size == 0:
        return 0
    values, counts = np.unique(steps, return_counts=True)
    return int(values[counts.argmax()] // 10**9)


def candle_levels(bars: PriceBars, wall: I64, budget: int = CANDLE_BUDGET) -> list[CandleLevel]:
    """Candles from the coarsest size up, finer sizes added while all fit in `budget`; finest
    first in the result. Sizes below the data's own spacing are skipped; a daily or weekly
    candle starts at the display zone's midnight."""
    if len(bars) == 0:
        return []
    own = usual_step_s(bars.time_ns)
    sizes = [s for s in CANDLE_SIZES_S if s >= own]
    if own and own not in sizes and own < CANDLE_SIZES_S[-1]:
        sizes.insert(0, own)
    levels: list[CandleLevel] = []
    used = 0
    for size in reversed(sizes):
        size_ms = size * 1_000
        bucket = wall // size_ms
        starts = np.flatnonzero(np.concatenate([[True], np.diff(bucket) != 0]))
        if used + starts.size > budget and levels:
            break
        ends = np.append(starts[1:], bucket.size) - 1
        levels.append(
            CandleLevel(
                size_ms,
                bucket[starts],
                bars.open[starts],
                np.maximum.reduceat(bars.high, starts),
                np.minimum.reduceat(bars.low, starts),
                bars.close[ends],
            )
        )
        used += starts.size
        if starts.size == bucket.size:
            break  # the data's own bars: nothing finer exists
    return levels[::-1]


def drawdown_pct(equity: F64) -> F64:
    """Fall from the running peak in percent (0 where the peak is not positive), as a negative
    number so the chart hangs below zero."""
    if equity.size == 0:
        return np.zeros(0)
    peak = np.maximum.accumulate(equity)
    safe = np.where(peak > 0, peak, 1.0)
    result: F64 = np.where(peak > 0, -100.0 * (peak - equity) / safe, 0.0)
    return result


def rounded_list(values: F64, decimals: int) -> list[float]:
    """Floats for the page's JSON, rounded so they print short (109.59, not 109.590000001)."""
    return [float(v) for v in np.round(values, decimals).tolist()]


def encode_level(level: CandleLevel, decimals: int) -> dict[str, object]:
    """A candle size for the page, small: prices as integers of the last decimal, the close as
    steps from the previous close, open/high/low as offsets from the close, buckets as steps.
    A year of 15-minute candles is ~4 characters a number this way instead of ~9."""
    scale = 10**decimals
    close = np.rint(level.close * scale).astype(np.int64)
    return {
        "size": level.size_ms,
        "scale": scale,
        "db": np.diff(level.bucket, prepend=0).tolist(),
        "dc": np.diff(close, prepend=0).tolist(),
        "do": (np.rint(level.open * scale).astype(np.int64) - close).tolist(),
        "dh": (np.rint(level.high * scale).astype(np.int64) - close).tolist(),
        "dl": (np.rint(level.low * scale).astype(np.int64) - close).tolist(),
    }


@dataclass(frozen=True, slots=True, eq=False)
class FineCandles:
    """The data's own bars around trades (when they are too many to carry them all): what a
    click on a short trade zooms onto. `segments` are the (first, last) wall-clock ms of each
    stretch of bars carried; the page draws them only for a window inside one stretch."""

    level: CandleLevel
    segments: list[tuple[int, int]]


FINE_BUDGET = 50_000
FINE_ENOUGH = 80  # candles of the finest full size that make a trade's window readable


def fine_candles(
    bars: PriceBars,
    wall: I64,
    spans_ns: list[tuple[int, int]],
    levels: list[CandleLevel],
    budget: int = FINE_BUDGET,
) -> FineCandles | None:
    """The own bars from a little before each trade to a little after it, shortest trades first,
    while the total stays within `budget`; None when the candle levels already hold every bar."""
    own = usual_step_s(bars.time_ns)
    if not spans_ns or not levels or own == 0 or levels[0].size_ms <= own * 1_000:
        return None
    times = bars.time_ns
    starts = np.searchsorted(times, np.array([s for s, _ in spans_ns], np.int64), "right") - 1
    ends = np.searchsorted(times, np.array([e for _, e in spans_ns], np.int64), "right") - 1
    lengths = ends - starts
    pads = np.maximum(40, lengths // 4 + 2)  # wider than the page pads a clicked trade
    keep = np.zeros(times.size + 1, dtype=np.int64)
    used = 0
    # A trade whose window already shows enough candles of the finest size carried in full
    # needs no own bars (and, longest last, neither does any trade after it).
    enough = FINE_ENOUGH * levels[0].size_ms // (own * 1_000)
    for row in np.argsort(lengths, kind="stable").tolist():
        if lengths[row] + 2 * pads[row] >= enough:
            break
        first = max(0, int(starts[row] - pads[row]))
        last = min(times.size - 1, int(ends[row] + pads[row]))
        if used + last - first + 1 > budget:
            break  # the rest are longer: their own bars would not fit either
        keep[first] += 1
        keep[last + 1] -= 1
        used += last - first + 1  # overlaps counted twice: the budget errs on the small side
    mask = np.cumsum(keep[:-1]) > 0
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return None
    breaks = np.flatnonzero(np.diff(rows) > 1)
    first_rows = np.concatenate([rows[:1], rows[breaks + 1]])
    last_rows = np.concatenate([rows[breaks], rows[-1:]])
    size_ms = own * 1_000
    level = CandleLevel(
        size_ms,
        wall[rows] // size_ms,
        bars.open[rows],
        bars.high[rows],
        bars.low[rows],
        bars.close[rows],
    )
    segments = [
        (int(wall[a]), int(wall[b]) + size_ms)
        for a, b in zip(first_rows.tolist(), last_rows.tolist(), strict=True)
    ]
    return FineCandles(level, segments)
