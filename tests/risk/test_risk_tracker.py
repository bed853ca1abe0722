from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal as D

import pytest

from tradeplan.core.enums import Side
from tradeplan.risk import (
    FX_NEW_YORK_5PM,
    AccountState,
    DayBoundary,
    EquityTracker,
    GuardLimits,
    ProposedOrder,
    Reason,
    check_order,
    track,
)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=UTC)


def test_daily_loss_locks_for_the_rest_of_the_day_and_unlocks_next_day() -> None:
    tracker = track(
        [(at(4, 0, 5), D(1_000_000)), (at(4, 10), D(985_000))], daily_loss_limit=D("0.02")
    )
    assert tracker.entries_allowed
    tracker = tracker.update(at(4, 12), D(979_000))  # 2.1% down from 1,000,000
    assert not tracker.entries_allowed
    assert tracker.reason is Reason.DAILY_LOSS_LIMIT_REACHED
    tracker = tracker.update(at(4, 13), D(1_000_000))  # recovered, still locked today
    assert not tracker.entries_allowed
    tracker = tracker.update(at(5, 0, 1), D(1_001_000))
    assert tracker.entries_allowed
    assert tracker.start_of_day_equity == D(1_000_000)  # last reading before the boundary


def test_exactly_at_the_limit_is_reached() -> None:
    tracker = track([(at(4, 1), D(1000)), (at(4, 2), D(980))], daily_loss_limit=D("0.02"))
    assert not tracker.entries_allowed


def test_drawdown_halt_is_sticky_until_resumed() -> None:
    tracker = track(
        [(at(4, 1), D(1_000_000)), (at(4, 2), D(1_200_000)), (at(4, 3), D(1_079_999))],
        max_drawdown=D("0.10"),
    )
    assert tracker.peak_equity == D(1_200_000)
    assert tracker.reason is Reason.DRAWDOWN_HALT
    tracker = tracker.update(at(6, 3), D(1_300_000))  # days later, new high: still halted
    assert tracker.halted
    resumed = tracker.resume()
    assert resumed.entries_allowed
    assert resumed.peak_equity == D(1_300_000)


def test_fx_day_turns_at_5pm_new_york_through_daylight_saving() -> None:
    # 17:00 New York is 21:00 UTC in July (EDT) and 22:00 UTC in January (EST).
    july_before = datetime(2024, 7, 10, 20, 59, tzinfo=UTC)
    july_after = datetime(2024, 7, 10, 21, 0, tzinfo=UTC)
    assert FX_NEW_YORK_5PM.trading_day(july_before) != FX_NEW_YORK_5PM.trading_day(july_after)
    jan_2130 = datetime(2024, 1, 10, 21, 30, tzinfo=UTC)
    jan_2200 = datetime(2024, 1, 10, 22, 0, tzinfo=UTC)
    assert FX_NEW_YORK_5PM.trading_day(jan_2130) != FX_NEW_YORK_5PM.trading_day(jan_2200)
    assert FX_NEW_YORK_5PM.trading_day(jan_2130) == FX_NEW_YORK_5PM.trading_day(
        datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
    )


def test_fx_boundary_resets_the_daily_lock() -> None:
    boundary = DayBoundary("America/New_York", time(17))
    tracker = track(
        [(at(4, 20), D(100)), (at(4, 20, 30), D(97))],  # 15:00 and 15:30 in New York (EST)
        daily_loss_limit=D("0.02"),
        boundary=boundary,
    )
    assert not tracker.entries_allowed
    tracker = tracker.update(at(4, 22, 1), D(97))  # 17:01 New York (EST, before 10 March)
    assert tracker.entries_allowed
    assert tracker.start_of_day_equity == D(97)


def test_updates_need_time_zones_and_order() -> None:
    tracker = EquityTracker(daily_loss_limit=D("0.02")).update(at(4, 5), D(1))
    with pytest.raises(ValueError, match="earlier"):
        tracker.update(at(4, 4), D(1))
    with pytest.raises(ValueError, match="time zone"):
        tracker.update(datetime(2024, 3, 4, 6), D(1))


def test_apply_feeds_the_guards() -> None:
    tracker = track(
        [(at(4, 1), D(1_000_000)), (at(4, 2), D(970_000)), (at(4, 3), D(995_000))],
        daily_loss_limit=D("0.02"),
    )
    state = tracker.apply(AccountState(D(995_000), D(995_000), leverage=D(25)))
    assert state.start_of_day_equity == D(1_000_000)
    assert state.daily_loss_locked
    order = ProposedOrder("USD/JPY", Side.BUY, D(1000), D("109.000"))
    result = check_order(GuardLimits(daily_loss_limit=D("0.02")), state, order)
    assert result.reasons == (Reason.DAILY_LOSS_LIMIT_REACHED,)
    # Equity is back within 2% but the lock holds for the rest of the day.
    assert result.rejections[0].message == (
        "the daily loss limit was reached earlier today: no entries until the next day"
    )
