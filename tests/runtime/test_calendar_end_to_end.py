"""Issue 8, one calendar, seen in a backtest: US-stock rows on a Saturday or an NYSE holiday are
closed for the strategy's signals and for its orders alike, and a day order placed after its
session's end works on the next trading day (docs/backtesting.md, "Sessions and time in force").

US.AAPL, 10 shares; New York is UTC-5 in January and UTC-4 in July.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from api_harness import backtest, orders_csv, signals_csv, strategy, timed_rows, trades_csv

NY = ZoneInfo("America/New_York")
ACCOUNT = "{currency: USD, balance: 100000}"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def row(day: date, hour: int, minute: int, price: str) -> tuple[object, ...]:
    return (at(day, hour, minute), price, price, price, price)


def test_session_rth_is_false_on_an_nyse_holiday() -> None:
    # Thursday 3 July 2025 trades; Friday 4 July is Independence Day; Monday 7 July trades.
    body = (
        "entries:\n  - {name: r, side: long, when: session == rth and close > 100, units: 10}\n"
        "exits:\n  stop_loss: 10%\n"
    )
    thursday, holiday, monday = date(2025, 7, 3), date(2025, 7, 4), date(2025, 7, 7)
    rows = [
        row(thursday, 10, 0, "100"),
        row(holiday, 10, 0, "101"),  # before issue 8 the evaluator called this regular hours
        row(holiday, 10, 1, "101"),
        row(monday, 10, 0, "101"),  # the first signal
        row(monday, 10, 1, "101"),
    ]
    run = backtest(strategy(body, symbol="US.AAPL", account=ACCOUNT), timed_rows(rows))
    assert signals_csv(run, "time", "accepted") == [("2025-07-07T14:01:00+00:00", "true")]


def test_orders_do_not_work_on_a_saturday_row() -> None:
    # A resting limit buy at 99 (session: all, gtc) sees a Saturday row at 98: that row is
    # closed (before issue 8 the paper broker filled it there), Monday's 98.5 fills it.
    body = (
        "session: all\n"
        "entries:\n  - name: r\n    side: long\n    when: close crosses_above 100.5\n"
        "    order: {type: limit, price: 99}\n    time_in_force: gtc\n    units: 10\n"
        "exits:\n  stop_loss: 10%\n"
    )
    friday, saturday, monday = date(2025, 1, 10), date(2025, 1, 11), date(2025, 1, 13)
    rows = [
        row(friday, 10, 0, "100"),
        row(friday, 10, 1, "101"),  # signal: limit buy 99 placed
        row(friday, 10, 2, "100"),
        row(saturday, 10, 0, "98"),
        row(monday, 10, 0, "98.5"),
        row(monday, 10, 1, "98.5"),
    ]
    run = backtest(strategy(body, symbol="US.AAPL", account=ACCOUNT), timed_rows(rows))
    assert trades_csv(run, "entry_time", "entry_price") == [("2025-01-13T15:00:00+00:00", "98.5")]


def test_a_regular_hours_day_order_placed_after_fridays_close_works_on_monday() -> None:
    # The signal holds at the close of Friday's 16:01 post-market row. Before issue 8 the
    # day order ended on Saturday 16:00 and expired unfilled at Monday's first row.
    body = (
        "entries:\n  - name: r\n    side: long\n    when: close crosses_above 100.5\n"
        "    order: {type: limit, price: 99}\n    time_in_force: day\n    units: 10\n"
        "exits:\n  stop_loss: 10%\n"
    )
    friday, monday = date(2025, 1, 10), date(2025, 1, 13)
    rows = [
        row(friday, 16, 0, "100"),
        row(friday, 16, 1, "101"),  # signal: an rth day limit buy at 99 placed at 16:02
        row(friday, 16, 2, "100"),
        row(monday, 9, 30, "98.5"),  # fills at the open, through the limit
        row(monday, 9, 31, "98.5"),
    ]
    run = backtest(strategy(body, symbol="US.AAPL", account=ACCOUNT), timed_rows(rows))
    assert trades_csv(run, "entry_time", "entry_price") == [("2025-01-13T14:30:00+00:00", "98.5")]
    assert "expired" not in [event for (event,) in orders_csv(run, "event")][:2]
