"""Issue 7 item 23: the gap warning counts only time the instrument's market was open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from tradeplan.backtest.data import parse_market_data
from tradeplan.core.calendar import open_ns_between
from tradeplan.core.enums import AssetClass

FRIDAY_CLOSE = datetime(2025, 1, 10, 22, 0, tzinfo=UTC)  # 17:00 New York


def _bars(times: list[datetime]) -> str:
    return "time,open,high,low,close,spread\n" + "".join(
        f"{t.isoformat()},1,1,1,1,0\n" for t in times
    )


def _minutes(start: datetime, count: int) -> list[datetime]:
    return [start + timedelta(minutes=i) for i in range(count)]


FX = partial(open_ns_between, AssetClass.FX)
WEEKEND = _minutes(FRIDAY_CLOSE - timedelta(minutes=60), 60) + _minutes(
    FRIDAY_CLOSE + timedelta(days=2), 60
)


def test_an_fx_weekend_is_not_a_gap() -> None:
    assert parse_market_data(_bars(WEEKEND), open_between=FX).issues == ()
    # Without the calendar the same file warns, as it did for every weekend of the demo data.
    assert parse_market_data(_bars(WEEKEND)).issues


def test_a_hole_in_fx_trading_time_still_warns() -> None:
    times = WEEKEND[:20] + WEEKEND[30:]  # ten minutes missing on Friday afternoon
    (issue,) = parse_market_data(_bars(times), open_between=FX).issues
    assert "1 gap in open market time" in issue.message
    assert "the largest is 11m of open market time" in issue.message


def test_us_stock_nights_are_not_gaps_but_crypto_never_closes() -> None:
    evening = datetime(2025, 1, 7, 0, 0, tzinfo=UTC)  # 19:00 New York, Monday
    times = _minutes(evening, 60) + _minutes(evening + timedelta(hours=9), 60)  # to 04:00
    us = partial(open_ns_between, AssetClass.US_STOCK)
    crypto = partial(open_ns_between, AssetClass.CRYPTO_PERP)
    assert parse_market_data(_bars(times), open_between=us).issues == ()
    assert parse_market_data(_bars(times), open_between=crypto).issues


US = partial(open_ns_between, AssetClass.US_STOCK)


def _session(day: datetime, close_hour: int = 21) -> list[datetime]:
    """A regular session's minutes, 09:30 to the close, New York = UTC-5 (winter)."""
    start = day.replace(hour=14, minute=30)
    return _minutes(start, (close_hour - 14) * 60 - 30)


def test_nyse_holidays_are_not_gaps() -> None:
    # Friday 17 January, then Tuesday 21 January 2025: Monday was Martin Luther King Jr. Day.
    times = _session(datetime(2025, 1, 17, tzinfo=UTC)) + _session(
        datetime(2025, 1, 21, tzinfo=UTC)
    )
    assert parse_market_data(_bars(times), open_between=US).issues == ()
    # Thursday 9 January 2025 closed for the national day of mourning for President Carter.
    times = _session(datetime(2025, 1, 8, tzinfo=UTC)) + _session(datetime(2025, 1, 10, tzinfo=UTC))
    assert parse_market_data(_bars(times), open_between=US).issues == ()


def test_a_missing_trading_day_still_warns() -> None:
    times = _session(datetime(2025, 1, 14, tzinfo=UTC)) + _session(
        datetime(2025, 1, 16, tzinfo=UTC)
    )
    (issue,) = parse_market_data(_bars(times), open_between=US).issues
    assert "the largest is 6h 31m of open market time" in issue.message


def test_an_early_close_and_sparse_extended_hours_are_not_gaps() -> None:
    # 28 November 2025 (the day after Thanksgiving) closes at 13:00 New York; the post-market
    # afterwards has one bar every 20 minutes, as it does when little trades.
    friday = datetime(2025, 11, 28, tzinfo=UTC)
    times = _minutes(friday.replace(hour=14, minute=30), 210)
    times += [friday.replace(hour=18) + timedelta(minutes=20 * i) for i in range(10)]
    times += _session(datetime(2025, 12, 1, tzinfo=UTC))
    assert parse_market_data(_bars(times), open_between=US).issues == ()
