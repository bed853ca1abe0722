"""Where the trading days of a data set end, so the daily loss limit starts each day right.

The daily loss limit compares equity with the day's *starting* equity. The engine reads equity
when it decides an entry, which may be days after the last reading; taking that old reading as
the new day's start would lock a day for losses made before it began. So the engine also reads
equity at the close of the last row of every trading day (one wake-up a day, negligible next to
the rows a backtest skips): that reading is the next day's start.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.epoch import datetime_from_ns, ns_from_datetime
from tradeplan.risk import DayBoundary


def day_ends(
    time_ns: NDArray[np.int64], boundary: DayBoundary
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(rows, boundaries): each row that is the last to start before a day boundary, with that
    boundary in epoch nanoseconds; ascending, one entry per row (a weekend maps several
    boundaries to Friday's last row: the first of them is kept)."""
    if time_ns.size < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    first = boundary.trading_day(datetime_from_ns(int(time_ns[0])))
    last = boundary.trading_day(datetime_from_ns(int(time_ns[-1])))
    zone = ZoneInfo(boundary.timezone)
    starts: list[int] = []
    day = first + timedelta(days=1)
    while day <= last:
        start = datetime.combine(day, boundary.at, tzinfo=zone).astimezone(UTC)
        starts.append(ns_from_datetime(start))
        day += timedelta(days=1)
    instants = np.asarray(starts, dtype=np.int64)
    rows = np.searchsorted(time_ns, instants, side="left").astype(np.int64) - 1
    keep = rows >= 0
    rows, instants = rows[keep], instants[keep]
    unique, first_index = np.unique(rows, return_index=True)
    return unique.astype(np.int64), instants[first_index]


__all__ = ["day_ends"]
