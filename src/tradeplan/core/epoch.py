"""Epoch nanoseconds <-> aware UTC datetimes, exactly (integer arithmetic, no float).

Data arrays carry time as int64 nanoseconds; records and clocks use aware datetimes. Every
layer converts through these, so a bar's time means the same thing in the loader, the engine
and the paper broker.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

import numpy as np
from numpy.typing import NDArray

NS_PER_SECOND: Final = 1_000_000_000
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def datetime_from_ns(ns: int) -> datetime:
    """Epoch nanoseconds to an aware UTC datetime (microsecond precision)."""
    return EPOCH + timedelta(microseconds=ns // 1000)


def ns_from_datetime(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no UTC offset")
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * NS_PER_SECOND + delta.microseconds * 1000


def usual_interval_ns(time_ns: NDArray[np.int64]) -> int:
    """The typical spacing of rows (median of the first 10,000 steps); 0 for fewer than 2."""
    if time_ns.size < 2:
        return 0
    return int(np.median(np.diff(time_ns[: min(time_ns.size, 10_001)])))


def close_times(time_ns: NDArray[np.int64], interval_ns: int) -> NDArray[np.int64]:
    """When each row closes: the next row's start, the last row's start plus `interval_ns`.

    A file of bars says when each bar opened; it closes when the next one opens (over a weekend
    or a halt, that is when the next bar opens, which is when its close becomes known to a
    replay). Ticks close when the next tick happens. A live feed gives the close with the bar.
    """
    out = np.empty_like(time_ns)
    if time_ns.size:
        out[:-1] = time_ns[1:]
        out[-1] = time_ns[-1] + interval_ns
    return out
