"""How much of a stretch of time the market was open, so gaps the calendar explains are quiet.

A data file with no rows over a weekend (FX) or overnight (US stocks) is complete; a gap warning
for each would bury the one hole that matters. The open time between two rows is counted on the
instrument's weekly calendar in New York time, and only open time counts as missing data:

* FX: open from Sunday 17:00 to Friday 17:00 New York (SEMANTICS.md section 3).
* US stocks: weekdays 04:00-20:00 New York (pre-market, regular, post-market). Exchange holidays
  are not in the calendar, so a holiday still shows as a gap.
* Crypto perpetuals: always open.
"""

from __future__ import annotations

from typing import Final

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
US_OPEN, US_CLOSE = 4 * 3600, 20 * 3600


def open_ns_between(asset_class: AssetClass, start_ns: I64, end_ns: I64) -> I64:
    """Nanoseconds the market was open between each pair of times (start before end)."""
    if asset_class is AssetClass.CRYPTO_PERP:
        crypto: I64 = end_ns - start_ns
        return crypto
    opened: I64 = _open_since_epoch(asset_class, end_ns) - _open_since_epoch(asset_class, start_ns)
    return opened * NS


def _open_since_epoch(asset_class: AssetClass, time_ns: I64) -> I64:
    """Open seconds from a Monday 00:00 before the epoch to each time, in New York time."""
    seconds = time_ns // NS
    local = seconds + utc_offsets(seconds, "America/New_York") + MONDAY_SHIFT
    week, in_week = np.divmod(local, WEEK)
    if asset_class is AssetClass.FX:
        per_week = FX_CLOSE + (WEEK - FX_OPEN)
        fx: I64 = week * per_week + np.minimum(in_week, FX_CLOSE) + np.maximum(in_week - FX_OPEN, 0)
        return fx
    day, in_day = np.divmod(in_week, DAY)
    per_day = US_CLOSE - US_OPEN
    today = np.where(day < 5, np.clip(in_day - US_OPEN, 0, per_day), 0)
    us: I64 = week * 5 * per_day + np.minimum(day, 5) * per_day + today
    return us
