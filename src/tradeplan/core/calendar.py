"""The one market calendar: sessions, trading days, the risk day, day-order ends, open time.

Every rule about *when* a market trades lives here, and the evaluator (`session == rth`,
`time between`), the paper broker (which rows an order may use, when a day order ends), the
engine (market orders only in regular hours, the last row of each trading day) and the risk
guards (the daily loss limit's day) all ask this module. Two copies of a rule drift apart: a
Saturday 10:00 New York was once closed for `session == rth` and regular hours for the paper
broker.

* US stocks (SEMANTICS.md section 3): pre-market 04:00-09:30, regular hours 09:30-16:00,
  post-market 16:00-20:00 New York, on NYSE trading days only. Weekends and NYSE holidays (the
  `holidays` package's NYSE calendar, with the one-off closures such as mourning days) are
  closed all day, for signals and for orders alike. Early closes (13:00 on 3 July, the day
  after Thanksgiving, 24 December) shorten regular hours only in the open-time count of the
  gap warning (`open_ns_between`); sessions and day orders keep 16:00 on those days.
* FX trades from Sunday 17:00 to Friday 17:00 New York; its trading day rolls at 17:00 New
  York (so the Sunday evening belongs to Monday's day), whatever daylight saving does.
* Crypto perpetuals never close; their day is the UTC day.

A time belongs to a session by its start: a 1-minute bar stamped 15:59 is regular hours, one
stamped 16:00 is post-market. Vectorised forms take epoch seconds (int64 arrays); the broker's
nanosecond times are floored to the second, which keeps every boundary (whole minutes) exact.

Local time: exchanges keep local hours across daylight saving. Converting a million timestamps
one datetime at a time would take seconds, so a zone's UTC offset is looked up once per
calendar day (at its first and last second); only the few days in which the offset changes are
searched for the exact second it changes.
"""

from __future__ import annotations

import itertools
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from functools import cache, lru_cache
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradeplan.core.enums import AssetClass, Session
from tradeplan.core.epoch import NS_PER_SECOND, datetime_from_ns, ns_from_datetime
from tradeplan.core.instrument import US_EXCHANGE_TZ

I64 = NDArray[np.int64]
I8 = NDArray[np.int8]
Bools = NDArray[np.bool_]

NEW_YORK: Final = US_EXCHANGE_TZ
SECONDS_PER_DAY: Final = 86_400
WEEK: Final = 7 * SECONDS_PER_DAY
EPOCH_DATE: Final = date(1970, 1, 1)
MONDAY_SHIFT: Final = 3 * SECONDS_PER_DAY  # 1970-01-01 was a Thursday

PRE_OPEN: Final = 4 * 3600  # 04:00 New York, seconds into the local day
REGULAR_OPEN: Final = 9 * 3600 + 30 * 60  # 09:30
REGULAR_CLOSE: Final = 16 * 3600  # 16:00
POST_CLOSE: Final = 20 * 3600  # 20:00
EARLY_CLOSE: Final = 13 * 3600  # 13:00, the NYSE's usual half days
FX_ROLL: Final = time(17, 0)  # New York
FX_WEEK_CLOSE: Final = 4 * SECONDS_PER_DAY + 17 * 3600  # Friday 17:00, from Monday 00:00
FX_WEEK_OPEN: Final = 6 * SECONDS_PER_DAY + 17 * 3600  # Sunday 17:00
GTC_DAYS: Final = 90

_UTC_NAMES: Final = frozenset({"UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z"})
_DENSE_DAYS: Final = 100_000  # wider ranges sample only the days that hold times


class UsSession(IntEnum):
    """The US session of a moment; the codes are what `BarArrays.session` holds."""

    CLOSED = 0
    PRE = 1
    REGULAR = 2
    POST = 3


# --- local time ------------------------------------------------------------------------------


def _offset_at(zone: ZoneInfo, second: int) -> int:
    offset = datetime.fromtimestamp(second, tz=UTC).astimezone(zone).utcoffset()
    return 0 if offset is None else int(offset.total_seconds())


def utc_offsets(time: ArrayLike, tz: str) -> I64:
    """Seconds east of UTC of zone `tz` at each epoch second in `time`.

    The offset is sampled at every day-sized step across the range (real zones change offset
    at most a few times a year, never twice in a day); between two samples that differ,
    bisection finds the second of the change. Each time then takes the offset in force via one
    searchsorted over that short list of changes.
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


# --- NYSE trading days -----------------------------------------------------------------------


@cache
def _nyse_holidays_of(year: int) -> frozenset[date]:
    """The package's NYSE calendar for one year (it holds dates of that year only)."""
    import holidays  # loaded only when a US-stock calendar is asked (about 80 ms)

    return frozenset(holidays.financial_holidays("NYSE", years=year).keys())


def nyse_holidays(years: Iterable[int]) -> frozenset[date]:
    """The NYSE's full-day closures in `years` (weekends aside)."""
    closed: set[date] = set()
    for year in years:
        closed |= _nyse_holidays_of(year)
    return frozenset(closed)


def is_nyse_trading_day(day: date) -> bool:
    """A weekday on which the NYSE opens."""
    return day.weekday() < 5 and day not in _nyse_holidays_of(day.year)


def nyse_trading_days(days: ArrayLike) -> Bools:
    """`is_nyse_trading_day` for each New York day (days since 1970-01-01) at once."""
    ids = np.ascontiguousarray(days, dtype=np.int64)
    weekday = (ids + 3) % 7  # Monday is 0
    open_days: Bools = weekday < 5
    if ids.size == 0:
        return open_days
    years = np.unique(ids.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64))
    closed = nyse_holidays(int(y) + 1970 for y in years.tolist())
    holiday_ids = np.array([(d - EPOCH_DATE).days for d in closed], dtype=np.int64)
    open_days &= ~np.isin(ids, holiday_ids)
    return open_days


# --- US sessions ---------------------------------------------------------------------------------


def us_sessions(time: ArrayLike) -> I8:
    """The `UsSession` of each epoch second: pre 04:00-09:30, regular 09:30-16:00, post
    16:00-20:00 New York on NYSE trading days; closed at night, on weekends and on holidays."""
    local = local_seconds(time, NEW_YORK)
    day, second = np.divmod(local, SECONDS_PER_DAY)
    trading = nyse_trading_days(day)
    codes = np.zeros(local.size, dtype=np.int8)
    codes[trading & (second >= PRE_OPEN) & (second < REGULAR_OPEN)] = UsSession.PRE
    codes[trading & (second >= REGULAR_OPEN) & (second < REGULAR_CLOSE)] = UsSession.REGULAR
    codes[trading & (second >= REGULAR_CLOSE) & (second < POST_CLOSE)] = UsSession.POST
    return codes


def us_session(second: int) -> UsSession:
    """`us_sessions` of one epoch second."""
    return UsSession(int(us_sessions(np.array([second], dtype=np.int64))[0]))


def local_second(second: int, tz: str) -> int:
    """`local_seconds` of one epoch second: what a live run asks as each bar closes."""
    if tz in _UTC_NAMES:
        return second
    return second + _offset_at(_zone(tz), second)


def us_session_at_local(local: int) -> UsSession:
    """The `UsSession` of a New York wall-clock second (`local_second(t, NEW_YORK)`)."""
    day, second = divmod(local, SECONDS_PER_DAY)
    if not _is_trading_day_id(day):
        return UsSession.CLOSED
    if PRE_OPEN <= second < REGULAR_OPEN:
        return UsSession.PRE
    if REGULAR_OPEN <= second < REGULAR_CLOSE:
        return UsSession.REGULAR
    if REGULAR_CLOSE <= second < POST_CLOSE:
        return UsSession.POST
    return UsSession.CLOSED


@cache
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


@cache
def _is_trading_day_id(day: int) -> bool:
    return is_nyse_trading_day(EPOCH_DATE + timedelta(days=day))


def order_may_work(code: int, session: Session) -> bool:
    """Whether an order of `session` (seed 000's table) may work at a time of session `code`:
    RTH in regular hours only, ETH in the pre- and post-market only, ALL in all three."""
    if session is Session.ALL:
        return code != UsSession.CLOSED
    if session is Session.ETH:
        return code in (UsSession.PRE, UsSession.POST)
    return code == UsSession.REGULAR


def order_may_work_rows(codes: I8, session: Session) -> Bools:
    """`order_may_work` for each code of `codes` at once."""
    allowed = np.array([order_may_work(code, session) for code in UsSession], dtype=np.bool_)
    result: Bools = allowed[codes]
    return result


# --- trading days and the risk day ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayBoundary:
    """When one trading day ends and the next begins, in a named time zone."""

    timezone: str = "UTC"
    at: time = time(0, 0)

    def trading_day(self, when: datetime) -> date:
        """The day `when` counts for, named by the local date on which that day began."""
        if when.tzinfo is None:
            raise ValueError("equity updates need a time zone: got a naive datetime")
        local = when.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=None)
        return (local - self._since_midnight).date()

    def trading_day_ids(self, time: ArrayLike) -> I64:
        """`trading_day` of each epoch second, as days since 1970-01-01."""
        shift = int(self._since_midnight.total_seconds())
        ids: I64 = (local_seconds(time, self.timezone) - shift) // SECONDS_PER_DAY
        return ids

    def start_ns(self, day: date) -> int:
        """The moment trading day `day` begins, in epoch nanoseconds."""
        start = datetime.combine(day, self.at, tzinfo=ZoneInfo(self.timezone))
        return ns_from_datetime(start)

    @property
    def _since_midnight(self) -> timedelta:
        return timedelta(hours=self.at.hour, minutes=self.at.minute, seconds=self.at.second)


UTC_MIDNIGHT: Final = DayBoundary()
FX_NEW_YORK_5PM: Final = DayBoundary(NEW_YORK, FX_ROLL)
NEW_YORK_MIDNIGHT: Final = DayBoundary(NEW_YORK)


def risk_day_boundary(asset_class: AssetClass) -> DayBoundary:
    """The day of the daily loss limit: FX days roll at 17:00 New York, US stocks at New York
    midnight, crypto at UTC midnight."""
    if asset_class is AssetClass.FX:
        return FX_NEW_YORK_5PM
    if asset_class is AssetClass.US_STOCK:
        return NEW_YORK_MIDNIGHT
    return UTC_MIDNIGHT


def day_ends(time_ns: I64, close_ns: I64, boundary: DayBoundary) -> tuple[I64, I64]:
    """(rows, boundaries): each row whose close is in a later trading day than its start
    (`day_end_of` says so of one bar), with the first day boundary after its start, in epoch
    nanoseconds; ascending. A weekend's several boundaries fall in Friday's last row: the
    first of them is kept."""
    if time_ns.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    opened = boundary.trading_day_ids(time_ns // NS_PER_SECOND)
    closed = boundary.trading_day_ids(close_ns // NS_PER_SECOND)
    rows = np.flatnonzero(closed > opened).astype(np.int64)
    instants = [
        boundary.start_ns(EPOCH_DATE + timedelta(days=int(day) + 1)) for day in opened[rows]
    ]
    return rows, np.asarray(instants, dtype=np.int64).reshape(rows.size)


def day_end_of(open_ns: int, close_ns: int, boundary: DayBoundary) -> int | None:
    """The first day boundary after a bar's start when the bar closes at or after it (the
    bar ends a trading day), else None: what a live run asks as each bar closes."""
    start = boundary.trading_day(datetime_from_ns(open_ns))
    if boundary.trading_day(datetime_from_ns(close_ns)) <= start:
        return None
    return boundary.start_ns(start + timedelta(days=1))


# --- order expiry ------------------------------------------------------------------------------


def day_order_end_ns(asset_class: AssetClass, now_ns: int, session: Session) -> int:
    """When a day order placed at `now_ns` ends: the end of its session on the first trading
    day whose session end is after `now_ns`. US stocks: 16:00 New York for RTH, 20:00 for ETH
    and ALL, on NYSE trading days (an RTH order placed after Friday's close works on Monday);
    FX: 17:00 New York, Monday to Friday; crypto: the next 00:00 UTC."""
    if asset_class is AssetClass.US_STOCK:
        zone = ZoneInfo(NEW_YORK)
        end = time(16) if session is Session.RTH else time(20)
        opens = is_nyse_trading_day
    elif asset_class is AssetClass.FX:
        zone, end = ZoneInfo(NEW_YORK), FX_ROLL
        opens = _weekday
    else:
        zone, end, opens = ZoneInfo("UTC"), time(0), _every_day
    local = datetime_from_ns(now_ns).astimezone(zone)
    day = local.date()
    while True:
        candidate = datetime.combine(day, end, tzinfo=zone)
        if candidate > local and opens(day):
            return ns_from_datetime(candidate)
        day += timedelta(days=1)


def gtc_end_ns(asset_class: AssetClass, now_ns: int) -> int | None:
    """US-stock brokers keep a good-till-cancelled order up to 90 days (SEMANTICS.md §3);
    elsewhere it works until cancelled."""
    if asset_class is not AssetClass.US_STOCK:
        return None
    return now_ns + GTC_DAYS * SECONDS_PER_DAY * NS_PER_SECOND


def _weekday(day: date) -> bool:
    return day.weekday() < 5


def _every_day(day: date) -> bool:
    return True


# --- open time -----------------------------------------------------------------------------------


def open_ns_between(asset_class: AssetClass, start_ns: I64, end_ns: I64) -> I64:
    """Nanoseconds the market was open between each pair of times (start before end): FX
    Sunday 17:00 to Friday 17:00 New York; US stocks regular hours on NYSE trading days, 13:00
    closes counted (pre- and post-market bars come only when something trades, so their
    absence is not missing data); crypto always."""
    if asset_class is AssetClass.CRYPTO_PERP:
        crypto: I64 = end_ns - start_ns
        return crypto
    start = local_seconds(start_ns // NS_PER_SECOND, NEW_YORK)
    end = local_seconds(end_ns // NS_PER_SECOND, NEW_YORK)
    if asset_class is AssetClass.US_STOCK:
        first = int(min(start.min(), end.min())) // SECONDS_PER_DAY if start.size else 0
        us: I64 = (_us_open_since(end, first) - _us_open_since(start, first)) * NS_PER_SECOND
        return us
    fx: I64 = (_fx_open_since_epoch(end) - _fx_open_since_epoch(start)) * NS_PER_SECOND
    return fx


def _fx_open_since_epoch(local: I64) -> I64:
    """FX: open seconds from a Monday 00:00 before the epoch to each New York time."""
    week, in_week = np.divmod(local + MONDAY_SHIFT, WEEK)
    per_week = FX_WEEK_CLOSE + (WEEK - FX_WEEK_OPEN)
    fx: I64 = (
        week * per_week + np.minimum(in_week, FX_WEEK_CLOSE) + np.maximum(in_week - FX_WEEK_OPEN, 0)
    )
    return fx


def _us_open_since(local: I64, first: int) -> I64:
    """Open regular-hours seconds from New York day `first` to each New York time `local`."""
    day, in_day = np.divmod(local, SECONDS_PER_DAY)
    if day.size == 0:
        return np.zeros(0, dtype=np.int64)
    lengths = _us_day_lengths(first, int(day.max()))
    before = np.concatenate(([0], np.cumsum(lengths)))
    index = day - first
    us: I64 = before[index] + np.clip(in_day - REGULAR_OPEN, 0, lengths[index])
    return us


@lru_cache(maxsize=64)
def _us_day_lengths(first: int, last: int) -> I64:
    """Regular-hours seconds of each New York calendar day `first`..`last` (days since the
    epoch): 6.5 hours on a trading day, 3.5 on an early close, 0 on weekends and holidays."""
    start = EPOCH_DATE + timedelta(days=first)
    closed = nyse_holidays(range(start.year, (EPOCH_DATE + timedelta(days=last)).year + 1))
    lengths = np.zeros(last - first + 1, dtype=np.int64)
    for k in range(lengths.size):
        day = start + timedelta(days=k)
        if day.weekday() >= 5 or day in closed:
            continue
        lengths[k] = (EARLY_CLOSE if _early_close(day, closed) else REGULAR_CLOSE) - REGULAR_OPEN
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


__all__ = [
    "FX_NEW_YORK_5PM",
    "NEW_YORK",
    "NEW_YORK_MIDNIGHT",
    "UTC_MIDNIGHT",
    "DayBoundary",
    "UsSession",
    "day_end_of",
    "day_ends",
    "day_ids",
    "day_order_end_ns",
    "gtc_end_ns",
    "is_nyse_trading_day",
    "local_seconds",
    "minute_of_day",
    "nyse_holidays",
    "nyse_trading_days",
    "open_ns_between",
    "order_may_work",
    "order_may_work_rows",
    "risk_day_boundary",
    "us_session",
    "us_sessions",
    "utc_offsets",
]
