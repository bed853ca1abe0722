"""BarArrays and local exchange time: sessions and days must follow New York's clock across DST.

The rules are `tradeplan.core.calendar`'s (tests/core/test_calendar.py checks that the
evaluator, the paper broker and the risk day all use them)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeplan.core.calendar import (
    UsSession,
    day_ids,
    minute_of_day,
    utc_offsets,
)
from tradeplan.core.calendar import us_sessions as us_session_codes
from tradeplan.core.enums import AssetClass
from tradeplan.core.instrument import exchange_timezone
from tradeplan.runtime.bars import BarArrays

SESSION_CLOSED, SESSION_PRE, SESSION_RTH, SESSION_POST = UsSession

NEW_YORK = "America/New_York"


def epoch(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=UTC).timestamp())  # type: ignore[misc]


def test_us_sessions_follow_new_york_time_across_dst() -> None:
    # 13:40 UTC is 08:40 EST (pre-market) on Friday 2024-03-08 and 09:40 EDT (regular hours)
    # on Monday 2024-03-11; 20:30 UTC is 15:30 EST (regular) and 16:30 EDT (post-market).
    times = [
        epoch(2024, 3, 8, 13, 40),
        epoch(2024, 3, 11, 13, 40),
        epoch(2024, 3, 8, 20, 30),
        epoch(2024, 3, 11, 20, 30),
        epoch(2024, 3, 9, 15, 0),  # Saturday
        epoch(2024, 3, 11, 1, 0),  # 21:00 Sunday in New York
    ]
    codes = us_session_codes(times)
    assert codes.tolist() == [
        SESSION_PRE,
        SESSION_RTH,
        SESSION_RTH,
        SESSION_POST,
        SESSION_CLOSED,
        SESSION_CLOSED,
    ]


def test_session_edges() -> None:
    # 2024-07-01 is a Monday in EDT (UTC-4)
    edges = {
        (7, 59): SESSION_CLOSED,
        (8, 0): SESSION_PRE,
        (13, 29): SESSION_PRE,
        (13, 30): SESSION_RTH,
        (19, 59): SESSION_RTH,
        (20, 0): SESSION_POST,
        (23, 59): SESSION_POST,
        (0, 0): SESSION_CLOSED,
    }
    times = [epoch(2024, 7, 1 if h >= 4 else 2, h, m) for h, m in edges]
    assert us_session_codes(times).tolist() == list(edges.values())


def test_offset_changes_on_the_second() -> None:
    # EST -> EDT at 2024-03-10 07:00:00 UTC; EDT -> EST at 2024-11-03 06:00:00 UTC
    times = [
        epoch(2024, 3, 10, 6, 59, 59),
        epoch(2024, 3, 10, 7, 0, 0),
        epoch(2024, 11, 3, 5, 59, 59),
        epoch(2024, 11, 3, 6, 0, 0),
    ]
    assert (utc_offsets(times, NEW_YORK) // 3600).tolist() == [-5, -4, -4, -5]


timestamps = st.lists(st.integers(min_value=0, max_value=2_100_000_000), max_size=40)


@settings(max_examples=100, deadline=None)
@given(timestamps, st.sampled_from([NEW_YORK, "Europe/London", "Australia/Lord_Howe", "UTC"]))
def test_local_time_matches_zoneinfo(times: list[int], tz: str) -> None:
    zone = ZoneInfo(tz)
    local = [datetime.fromtimestamp(t, UTC).astimezone(zone) for t in times]
    assert minute_of_day(times, tz).tolist() == [d.hour * 60 + d.minute for d in local]
    expected_days = [(d.date() - datetime(1970, 1, 1).date()).days for d in local]
    assert day_ids(times, tz).tolist() == expected_days


@settings(max_examples=100, deadline=None)
@given(timestamps)
def test_us_sessions_match_a_per_bar_reading(times: list[int]) -> None:
    def session(t: int) -> int:
        d = datetime.fromtimestamp(t, UTC).astimezone(ZoneInfo(NEW_YORK))
        minute = d.hour * 60 + d.minute
        if d.weekday() >= 5 or d.date() in holidays.financial_holidays("NYSE", years=d.year):
            return SESSION_CLOSED
        if 240 <= minute < 570:
            return SESSION_PRE
        if 570 <= minute < 960:
            return SESSION_RTH
        if 960 <= minute < 1200:
            return SESSION_POST
        return SESSION_CLOSED

    assert us_session_codes(times).tolist() == [session(t) for t in times]


def test_from_arrays_fills_what_is_missing() -> None:
    bars = BarArrays.from_arrays([1.0, 2.0, 3.0], spread=0.5)
    assert len(bars) == 3
    assert bars.time.tolist() == [0, 60, 120]
    assert bars.high.tolist() == [1.0, 2.0, 3.0]
    assert np.isnan(bars.volume).all()
    assert bars.ask.tolist() == [1.5, 2.5, 3.5]
    assert bars.bid is bars.close
    assert bars.session.tolist() == [0, 0, 0]
    assert bars.day.tolist() == [0, 0, 0]
    assert bars.close.dtype == np.float64 and bars.time.dtype == np.int64


def test_from_arrays_derives_us_sessions_and_local_days() -> None:
    # 03:59 UTC is 23:59 Sunday in New York (EDT), 04:00 UTC midnight Monday, 08:00 UTC 04:00
    times = [epoch(2024, 3, 11, h, m) for h, m in ((3, 59), (4, 0), (8, 0), (13, 30))]
    bars = BarArrays.from_arrays([1.0] * 4, time=times, tz=NEW_YORK, us_sessions=True)
    assert bars.session.tolist() == [SESSION_CLOSED, SESSION_CLOSED, SESSION_PRE, SESSION_RTH]
    assert bars.day[0] + 1 == bars.day[1] == bars.day[2] == bars.day[3]


def test_fields_must_have_one_length() -> None:
    with pytest.raises(ValueError, match="every field"):
        BarArrays.from_arrays([1.0, 2.0], high=[1.0])


def test_exchange_time_zone() -> None:
    assert exchange_timezone(AssetClass.US_STOCK) == NEW_YORK
    assert exchange_timezone(AssetClass.FX) == "UTC"
