"""Bars as columns of numpy arrays, the form the evaluator and the backtest loop read.

Prices here are float64 copies for analytics (indicators, signals); exact prices for orders
live in the loaded market data as scaled integers and never pass through these arrays.

Local time: exchanges keep local hours across daylight saving, so sessions, `time between` and
day boundaries are computed in the exchange's zone (America/New_York for US stocks, UTC
otherwise). Converting a million timestamps one datetime at a time would take seconds, so the
zone's UTC offset is looked up once per calendar day (at its first and last second); only the
few days in which the offset changes are searched for the exact second it changes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradeplan.core.instrument import US_EXCHANGE_TZ

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
I8 = NDArray[np.int8]

SECONDS_PER_DAY: Final = 86_400
SESSION_CLOSED: Final = 0
SESSION_PRE: Final = 1
SESSION_RTH: Final = 2
SESSION_POST: Final = 3
SESSION_CODES: Final = {"pre": SESSION_PRE, "rth": SESSION_RTH, "post": SESSION_POST}
"""The session words of the language and their codes in `BarArrays.session`."""

US_PRE_OPEN: Final = 4 * 3600  # 04:00 New York
US_RTH_OPEN: Final = 9 * 3600 + 30 * 60  # 09:30
US_RTH_CLOSE: Final = 16 * 3600  # 16:00
US_POST_CLOSE: Final = 20 * 3600  # 20:00
_UTC_NAMES: Final = frozenset({"UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z"})
_DENSE_DAYS: Final = 100_000  # wider ranges sample only the days that hold bars


def _offset_at(zone: ZoneInfo, second: int) -> int:
    offset = datetime.fromtimestamp(second, tz=UTC).astimezone(zone).utcoffset()
    return 0 if offset is None else int(offset.total_seconds())


def utc_offsets(time: ArrayLike, tz: str) -> I64:
    """Seconds east of UTC of zone `tz` at each epoch second in `time`.

    The offset is sampled at every local-day-sized step across the data's range (real zones
    change offset at most a few times a year, never twice in a day); between two samples that
    differ, bisection finds the second of the change. Each bar then takes the offset in force
    via one searchsorted over that short list of changes.
    """
    seconds = np.ascontiguousarray(time, dtype=np.int64)
    if tz in _UTC_NAMES or seconds.size == 0:
        return np.zeros(seconds.size, dtype=np.int64)
    zone = ZoneInfo(tz)
    days = seconds // SECONDS_PER_DAY
    first_day, last_day = int(days.min()), int(days.max())
    if last_day - first_day > _DENSE_DAYS:  # sparse timestamps: sample only the days present
        samples = (np.unique(days) * SECONDS_PER_DAY).tolist()
    else:
        samples = list(
            range(first_day * SECONDS_PER_DAY, (last_day + 1) * SECONDS_PER_DAY, SECONDS_PER_DAY)
        )
    samples.append((last_day + 1) * SECONDS_PER_DAY)
    changes: list[int] = []
    after: list[int] = [_offset_at(zone, samples[0])]
    for previous, second in itertools.pairwise(samples):
        offset = _offset_at(zone, second)
        if offset == after[-1]:
            continue
        low, high = previous, second
        while high - low > 1:  # the offset is after[-1] at low and `offset` at high
            middle = (low + high) // 2
            if _offset_at(zone, middle) == after[-1]:
                low = middle
            else:
                high = middle
        changes.append(high)
        after.append(offset)
    in_force = np.searchsorted(np.array(changes, dtype=np.int64), seconds, side="right")
    offsets: I64 = np.array(after, dtype=np.int64)[in_force]
    return offsets


def local_seconds(time: ArrayLike, tz: str) -> I64:
    """Epoch seconds shifted to wall-clock time in `tz` (for day and time-of-day arithmetic)."""
    seconds = np.ascontiguousarray(time, dtype=np.int64)
    local: I64 = seconds + utc_offsets(seconds, tz)
    return local


def day_ids(time: ArrayLike, tz: str) -> I64:
    """The local calendar day of each timestamp, as days since 1970-01-01."""
    ids: I64 = local_seconds(time, tz) // SECONDS_PER_DAY
    return ids


def minute_of_day(time: ArrayLike, tz: str) -> I64:
    """Local wall-clock minute (0 to 1439) of each timestamp."""
    minutes: I64 = (local_seconds(time, tz) % SECONDS_PER_DAY) // 60
    return minutes


def us_session_codes(time: ArrayLike, tz: str = US_EXCHANGE_TZ) -> I8:
    """US equity session of each bar's timestamp: pre 04:00-09:30, rth 09:30-16:00, post
    16:00-20:00 New York time on weekdays, closed otherwise (exchange holidays are not known
    here: a data file has no bars on them)."""
    local = local_seconds(time, tz)
    second = local % SECONDS_PER_DAY
    weekday = (local // SECONDS_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    codes = np.zeros(local.size, dtype=np.int8)
    weekdays = weekday < 5
    codes[weekdays & (second >= US_PRE_OPEN) & (second < US_RTH_OPEN)] = SESSION_PRE
    codes[weekdays & (second >= US_RTH_OPEN) & (second < US_RTH_CLOSE)] = SESSION_RTH
    codes[weekdays & (second >= US_RTH_CLOSE) & (second < US_POST_CLOSE)] = SESSION_POST
    return codes


@dataclass(frozen=True, slots=True, eq=False)
class BarArrays:
    """One array per field, all of one length, bar i at index i, sorted by time.

    Prices are bids; the ask is bid + spread. `time` is the bar's timestamp in epoch seconds
    (the data file's time column, usually the bar's opening time); signals are evaluated when
    the bar has closed. `session` holds SESSION_* codes (US stocks; all closed elsewhere) and
    `day` the local calendar day that anchors `vwap`. Build one with `BarArrays.from_arrays`.
    """

    time: I64
    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64
    spread: F64
    session: I8
    day: I64

    def __post_init__(self) -> None:
        size = self.close.size
        for name in ("time", "open", "high", "low", "volume", "spread", "session", "day"):
            array = getattr(self, name)
            if array.ndim != 1 or array.size != size:
                raise ValueError(f"`{name}` has shape {array.shape}; every field needs ({size},)")

    def __len__(self) -> int:
        return int(self.close.size)

    @property
    def bid(self) -> F64:
        return self.close

    @property
    def ask(self) -> F64:
        ask: F64 = self.close + self.spread
        return ask

    @classmethod
    def from_arrays(
        cls,
        close: ArrayLike,
        *,
        time: ArrayLike | None = None,
        open: ArrayLike | None = None,
        high: ArrayLike | None = None,
        low: ArrayLike | None = None,
        volume: ArrayLike | None = None,
        spread: ArrayLike | float = 0.0,
        session: ArrayLike | None = None,
        day: ArrayLike | None = None,
        tz: str = "UTC",
        us_sessions: bool = False,
    ) -> BarArrays:
        """Bars from plain arrays or lists; everything but `close` is optional.

        Missing prices default to the close (a line of closes), `volume` to NaN (unknown: `vwap`
        is then NaN), `time` to one bar a minute from the epoch. `day` defaults to the local
        calendar day in `tz`; `session` to the US session codes when `us_sessions` is set, else
        all closed.
        """
        closes = _floats(close)
        size = closes.size
        times = (
            np.arange(size, dtype=np.int64) * 60
            if time is None
            else np.ascontiguousarray(time, dtype=np.int64)
        )
        if session is not None:
            sessions = np.ascontiguousarray(session, dtype=np.int8)
        elif us_sessions:
            sessions = us_session_codes(times, tz)
        else:
            sessions = np.zeros(size, dtype=np.int8)
        return cls(
            time=times,
            open=closes if open is None else _floats(open),
            high=closes if high is None else _floats(high),
            low=closes if low is None else _floats(low),
            close=closes,
            volume=np.full(size, np.nan) if volume is None else _floats(volume),
            spread=_floats(np.broadcast_to(np.asarray(spread, dtype=np.float64), (size,))),
            session=sessions,
            day=day_ids(times, tz) if day is None else np.ascontiguousarray(day, dtype=np.int64),
        )


def _floats(values: ArrayLike) -> F64:
    return np.ascontiguousarray(values, dtype=np.float64)
