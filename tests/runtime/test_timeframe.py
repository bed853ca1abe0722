"""Issue 7 item 2: `timeframe` decides the bars signals are evaluated on; fills stay on the
finest rows given (bar magnifier)."""

from __future__ import annotations

import pytest
from api_harness import backtest, timed_rows, trades_csv
from backtest_harness import plan_from

from tradeplan.api_backtest import BacktestError
from tradeplan.plan.model import Plan
from tradeplan.reporting.explain import explain_plan


def hourly_plan(when: str, timeframe: str = "1h") -> Plan:
    text = (
        "tradeplan: 1\nname: tf\ninstrument: USD/JPY\naccount: {currency: JPY, balance: 1000000}\n"
        f"broker: paper\ntimeframe: {timeframe}\n"
        f"entries:\n  - name: up\n    side: long\n    when: {when}\n    order: market\n"
        "    units: 1000\n"
    )
    return plan_from(text)


def minutes(prices: dict[int, str], count: int) -> list[tuple[int, str, str, str, str]]:
    """`count` one-minute rows at 150.00 except where `prices` says otherwise."""
    rows = []
    for minute in range(count):
        price = prices.get(minute, "150.00")
        rows.append((minute, price, price, price, price))
    return rows


STEP_AT_90 = minutes({m: "151.00" for m in range(90, 180)}, 180)


def test_an_hourly_signal_fills_when_the_hour_has_closed_not_at_the_minute() -> None:
    hourly = backtest(hourly_plan("close > 150.50"), timed_rows(STEP_AT_90))
    minutely = backtest(hourly_plan("close > 150.50", "1m"), timed_rows(STEP_AT_90))
    assert trades_csv(minutely, "entry_time", "entry_price") == [
        ("2025-01-06T01:31:00+00:00", "151")
    ]
    # The 01:00 hour closes at 151.00 on its last minute (01:59); the order fills at 02:00.
    assert trades_csv(hourly, "entry_time", "entry_price") == [("2025-01-06T02:00:00+00:00", "151")]


def test_an_hourly_close_below_the_level_sends_nothing_although_minutes_crossed_it() -> None:
    spike = minutes({m: "151.00" for m in range(30, 41)}, 150)
    assert backtest(hourly_plan("close > 150.50", "1m"), timed_rows(spike)).result.trades
    assert backtest(hourly_plan("close > 150.50"), timed_rows(spike)).result.trades == ()


def test_the_hours_high_is_not_traded_before_the_hour_ends() -> None:
    spike = minutes({m: "151.00" for m in range(30, 41)}, 150)
    run = backtest(hourly_plan("high > 150.50"), timed_rows(spike))
    # The 00:00 hour's high is known at 00:59, so the market entry fills at 01:00's 150.00,
    # not at 00:31 while the spike is on.
    assert trades_csv(run, "entry_time", "entry_price") == [("2025-01-06T01:00:00+00:00", "150")]


def test_a_final_hour_the_data_stops_inside_gives_no_signal() -> None:
    rows = minutes({m: "151.00" for m in range(70, 90)}, 90)  # 01:00-01:29 only
    assert backtest(hourly_plan("close > 150.50"), timed_rows(rows)).result.trades == ()


def test_data_coarser_than_the_timeframe_is_refused_naming_both() -> None:
    rows = [(5 * i, "150.00", "150.00", "150.00", "150.00") for i in range(50)]
    with pytest.raises(BacktestError, match=r"5m bars .* timeframe is 1m"):
        backtest(hourly_plan("close > 150.50", "1m"), timed_rows(rows))


def test_a_timeframe_the_bars_do_not_divide_is_refused() -> None:
    rows = [(2 * i, "150.00", "150.00", "150.00", "150.00") for i in range(50)]
    with pytest.raises(BacktestError, match=r"timeframe 5m is not a whole number .* 2m"):
        backtest(hourly_plan("close > 150.50", "5m"), timed_rows(rows))


def test_explain_names_the_bars_the_engine_uses() -> None:
    assert "on a closed 1h bar" in explain_plan(hourly_plan("close > 150.50"))


def test_us_stock_hours_start_at_the_0930_open() -> None:
    text = (
        "tradeplan: 1\nname: tf\ninstrument: US.AAPL\naccount: {currency: USD, balance: 100000}\n"
        "broker: paper\ntimeframe: 1h\nsession: rth\n"
        "entries:\n  - name: up\n    side: long\n    when: close > 150.50\n    order: market\n"
        "    units: 10\n"
    )
    rows = [(m, p, p, p, p) for m in range(870, 990) for p in ["151.00" if m >= 885 else "150.00"]]
    run = backtest(plan_from(text), timed_rows(rows))
    # 14:30 UTC is 09:30 New York in January: the first hour is 09:30-10:29, filled at 10:30.
    assert trades_csv(run, "entry_time") == [("2025-01-06T15:30:00+00:00",)]


def _new_york_minutes(first: str, last: str) -> list[int]:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/New_York")
    begin = int(datetime.fromisoformat(first).replace(tzinfo=zone).timestamp())
    end = int(datetime.fromisoformat(last).replace(tzinfo=zone).timestamp())
    return list(range(begin, end + 1, 60))


@pytest.mark.parametrize(
    ("last", "closed"),
    [
        # 2 November 2025 has 25 hours in New York: at 22:59 EST an hour of it is left.
        ("2025-11-02T22:59:00", False),
        ("2025-11-02T23:59:00", True),
        # 9 March 2025 has 23 hours: its last minute, 23:59 EDT, closes the day.
        ("2025-03-09T22:58:00", False),
        ("2025-03-09T23:59:00", True),
    ],
)
def test_a_final_day_bar_on_a_daylight_saving_change_closes_at_local_midnight(
    last: str, closed: bool
) -> None:
    """The final bucket of 1d US-stock bars is complete when its last minute's close reaches the
    next local day, 25 or 23 hours after it began, not 24 hours after."""
    import numpy as np

    from tradeplan.runtime.bars import BarArrays
    from tradeplan.runtime.resample import Bucketing, resample
    from tradeplan.runtime.step_resample import StepResampler

    times = _new_york_minutes(last[:10] + "T00:00:00", last)
    fine = BarArrays.from_arrays(
        np.full(len(times), 150.0), time=times, tz="America/New_York", us_sessions=True
    )
    batch = resample(fine, 86_400, tz="America/New_York", us_sessions=True, row_interval=60)
    assert batch.closed.tolist() == [closed]
    step = StepResampler(Bucketing(86_400, "America/New_York", True, 60))
    ends = [
        step.push(t, times[i + 1] if i + 1 < len(times) else None, 150.0, 150.0, 150.0, 150.0,
                  1.0, 0.0)
        for i, t in enumerate(times)
    ]  # fmt: skip
    assert (ends[-1] is not None) == closed and all(e is None for e in ends[:-1])
