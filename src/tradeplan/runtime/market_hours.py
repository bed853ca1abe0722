"""How much of a stretch of time the market was open, so gaps the calendar explains are quiet.

A data file with no rows over a weekend (FX) or overnight (US stocks) is complete; a gap warning
for each would bury the one hole that matters. The open time between two rows is counted on the
instrument's weekly calendar in New York time, and only open time counts as missing data:

* FX: open from Sunday 17:00 to Friday 17:00 New York (SEMANTICS.md section 3).
* US stocks: regular hours, 09:30-16:00 New York, on NYSE trading days: weekends and exchange
  holidays (the `holidays` package's NYSE calendar, which has the closures for mourning days
  too) are closed, and the three usual early closes end at 13:00 (3 July, the day after
  Thanksgiving, 24 December, when they are trading days). Pre- and post-market minutes are not
  counted: bars there come only when something trades, so their absence is not missing data.
* Crypto perpetuals: always open.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, timedelta
from functools import lru_cache
from typing import Final

import holidays
import numpy as np
from numpy.typing import NDArray

from tradeplan.core.enums import AssetClass
from tradeplan.runtime.bars import utc_offsets

I64 = NDArray[np.int64]
NS: Final = 1_000_000_000
DAY: Final = 86_400
WEEK: Final = 7 * DAY
MONDAY_SHIFT: Final = 3 * DAY  # 1970-01-01 was a Thursday
FX_CLOSE: Final = 4 * DAY + 17 * 3600  # Friday 17:00, from Monday 00:00
FX_OPEN: Final = 6 * DAY + 17 * 3600  # Sunday 17:00
US_RTH_OPEN, US_RTH_CLOSE = 9 * 3600 + 30 * 60, 16 * 3600
EARLY_CLOSE: Final = 13 * 3600
EPOCH_DATE: Final = date(1970, 1, 1)


def open_ns_between(asset_class: AssetClass, start_ns: I64, end_ns: I64) -> I64:
    """Nanoseconds the market was open between each pair of times (start before end)."""
    if asset_class is AssetClass.CRYPTO_PERP:
        crypto: I64 = end_ns - start_ns
        return crypto
    if asset_class is AssetClass.US_STOCK:
        start, end = _new_york(start_ns), _new_york(end_ns)
        first = int(min(start.min(), end.min())) // DAY if start.size else 0
        us: I64 = (_us_open_since(end, first) - _us_open_since(start, first)) * NS
        return us
    opened: I64 = _open_since_epoch(asset_class, end_ns) - _open_since_epoch(asset_class, start_ns)
    return opened * NS


def _new_york(time_ns: I64) -> I64:
    seconds = time_ns // NS
    local: I64 = seconds + utc_offsets(seconds, "America/New_York")
    return local


def _open_since_epoch(asset_class: AssetClass, time_ns: I64) -> I64:
    """FX: open seconds from a Monday 00:00 before the epoch to each time, in New York time."""
    seconds = time_ns // NS
    local = seconds + utc_offsets(seconds, "America/New_York") + MONDAY_SHIFT
    week, in_week = np.divmod(local, WEEK)
    per_week = FX_CLOSE + (WEEK - FX_OPEN)
    fx: I64 = week * per_week + np.minimum(in_week, FX_CLOSE) + np.maximum(in_week - FX_OPEN, 0)
    return fx


def _us_open_since(local: I64, first: int) -> I64:
    """Open regular-hours seconds from New York day `first` to each New York time `local`."""
    day, in_day = np.divmod(local, DAY)
    if day.size == 0:
        return np.zeros(0, dtype=np.int64)
    lengths = _us_day_lengths(first, int(day.max()))
    before = np.concatenate(([0], np.cumsum(lengths)))
    index = day - first
    us: I64 = before[index] + np.clip(in_day - US_RTH_OPEN, 0, lengths[index])
    return us


@lru_cache(maxsize=64)
def _us_day_lengths(first: int, last: int) -> I64:
    """Regular-hours seconds of each New York calendar day `first`..`last` (days since the
    epoch): 6.5 hours on a trading day, 3.5 on an early close, 0 on weekends and holidays."""
    start = EPOCH_DATE + timedelta(days=first)
    years = range(start.year, (EPOCH_DATE + timedelta(days=last)).year + 1)
    closed = holidays.financial_holidays("NYSE", years=years)
    lengths = np.zeros(last - first + 1, dtype=np.int64)
    for k in range(lengths.size):
        day = start + timedelta(days=k)
        if day.weekday() >= 5 or day in closed:
            continue
        lengths[k] = (EARLY_CLOSE if _early_close(day, closed) else US_RTH_CLOSE) - US_RTH_OPEN
    return lengths


def _early_close(day: date, closed: Container[date]) -> bool:
    """NYSE's usual 13:00 closes: 3 July, the Friday after Thanksgiving, Christmas Eve."""
    if (day.month, day.day) in ((7, 3), (12, 24)):
        return True
    thanksgiving = day - timedelta(days=1)
    return (
        day.month == 11
        and day.weekday() == 4
        and thanksgiving in closed
        and 22 <= thanksgiving.day <= 28
    )
