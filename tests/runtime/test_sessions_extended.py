"""Exits work in the strategy's session (seed 000): `session: all` covers pre, regular and post.

US stock US.AAPL, 10 shares, one-minute bars on Monday 2025-01-06 (New York = UTC-5). The signal
holds at the close of the 15:57 New York row; the market entry fills at the 15:58 open, 100.
"""

from __future__ import annotations

from api_harness import backtest, orders_csv, strategy, timed_rows, trades_csv

BODY = (
    "session: all\n"
    "entries:\n  - {name: r, side: long, when: close crosses_above 100.5, units: 10}\n"
    "exits:\n  take_profit: 3%\n  stop_loss: 4%\n"
)


def test_a_post_market_bar_reaching_the_take_profit_fills_it() -> None:
    ny = 5 * 60  # minutes from 00:00 UTC to 00:00 New York
    rows = [
        (ny + 15 * 60 + 56, "100", "100", "100", "100"),
        (ny + 15 * 60 + 57, "100", "101", "100", "101"),  # signal at the close
        (ny + 15 * 60 + 58, "100", "100", "100", "100"),  # long 10 at 100: TP 103, SL 96
        (ny + 16 * 60 + 30, "100", "104", "100", "100"),  # post-market: reaches 103
        (ny + 24 * 60 + 9 * 60 + 30, "96", "96", "96", "96"),  # the next open is at the stop
        (ny + 24 * 60 + 9 * 60 + 31, "96", "96", "96", "96"),
    ]
    plan = strategy(BODY, symbol="US.AAPL", account="{currency: USD, balance: 100000}")
    run = backtest(plan, timed_rows(rows))
    # Before the fix the take profit slept in the post-market and the stop filled at the 09:30
    # open: a +30 trade booked as -40.
    assert trades_csv(run, "exit_time", "exit_price", "exit_reason", "pnl") == [
        ("2025-01-06T21:30:00+00:00", "103", "take_profit", "30")
    ]


def test_an_expired_gtc_stop_is_re_placed_at_once_with_an_alert() -> None:
    # One row a day at 15:00 New York (20:00 UTC) for 120 days; the long fills on day 2 at
    # 100 and never reaches its 4% stop, which US brokers drop after 90 days.
    rows: list[tuple[object, ...]] = [(20 * 60, "100", "100", "100", "100")]
    rows.append((24 * 60 + 20 * 60, "100", "101", "100", "101"))
    rows += [(d * 24 * 60 + 20 * 60, "100", "100", "100", "100") for d in range(2, 120)]
    body = (
        "entries:\n  - {name: r, side: long, when: close crosses_above 100.5, units: 10}\n"
        "exits:\n  stop_loss: 4%\n  time_in_force: gtc\n"
    )
    plan = strategy(body, symbol="US.AAPL", account="{currency: USD, balance: 100000}")
    run = backtest(plan, timed_rows(rows))
    stops = [r for r in orders_csv(run, "order_id", "trigger", "event") if r[1] == "96"]
    assert [event for _, _, event in stops][:3] == ["placed", "expired", "placed"]
    assert stops[0][0] != stops[2][0]  # a new order, same level
    (alert,) = run.result.alerts
    assert alert.kind == "gtc_expired" and "re-placed" in alert.message


def test_explain_says_expired_gtc_exits_are_re_placed() -> None:
    from tradeplan.reporting.explain import explain_plan

    body = "entries:\n  - {name: r, side: long, when: close > 1, units: 10}\n"
    plan = strategy(body, symbol="US.AAPL", account="{currency: USD, balance: 100000}")
    assert "re-placed at once with the same levels" in explain_plan(plan)  # type: ignore[arg-type]


NY = 5 * 60  # minutes from 00:00 UTC to 00:00 New York (January)


def _minute(hour: int, minute: int, day: int = 0) -> int:
    return NY + day * 24 * 60 + hour * 60 + minute


def test_eth_orders_work_in_pre_and_post_market_only() -> None:
    # `session: eth` is extended hours ONLY (seed 000's table): a limit buy at 99 placed in
    # the post-market is not filled by a regular-hours dip to 98, only by the next post-market.
    body = (
        "session: eth\n"
        "entries:\n  - name: r\n    side: long\n    when: close crosses_above 100.5\n"
        "    order: {type: limit, price: 99}\n    time_in_force: gtc\n    units: 10\n"
        "exits:\n  stop_loss: 10%\n"
    )
    rows = [
        (_minute(16, 1), "100", "100", "100", "100"),
        (_minute(16, 2), "100", "101", "100", "101"),  # signal: limit buy 99 placed
        (_minute(16, 3), "100", "100", "100", "100"),
        (_minute(10, 0, day=1), "98", "98", "98", "98"),  # regular hours: not for an eth order
        (_minute(16, 5, day=1), "98.5", "98.5", "98.5", "98.5"),  # post-market: fills at 99
        (_minute(16, 6, day=1), "98.5", "98.5", "98.5", "98.5"),
    ]
    plan = strategy(body, symbol="US.AAPL", account="{currency: USD, balance: 100000}")
    run = backtest(plan, timed_rows(rows))
    # The post-market row opens at 98.5, through the limit: an exchange fills at the open.
    assert trades_csv(run, "entry_time", "entry_price") == [("2025-01-07T21:05:00+00:00", "98.5")]


def test_a_time_exit_in_the_post_market_closes_with_a_marketable_limit() -> None:
    # Market orders are refused after 16:00 New York, so the 16:45 time exit sends a limit 1%
    # through the last bid (docs/exits.md): 100 x 0.99 = 99.00, filled at the market, 100.
    body = (
        "session: all\n"
        "entries:\n  - name: r\n    side: long\n    when: close crosses_above 100.5\n"
        "    order: {type: limit, price: close}\n    units: 10\n"
        "exits:\n  stop_loss: 10%\n  time_exit: '16:45 America/New_York'\n"
    )
    rows = [
        (_minute(16, 1), "100", "100", "100", "100"),
        (_minute(16, 2), "100", "101", "100", "101"),
        (_minute(16, 3), "101", "101", "101", "101"),  # long 10 at 101
        (_minute(16, 44), "100", "100", "100", "100"),  # closes at 16:45: the clock fires
        (_minute(16, 45), "100", "100", "100", "100"),
        (_minute(16, 46), "100", "100", "100", "100"),
    ]
    plan = strategy(body, symbol="US.AAPL", account="{currency: USD, balance: 100000}")
    run = backtest(plan, timed_rows(rows))
    assert trades_csv(run, "exit_time", "exit_price", "exit_reason") == [
        ("2025-01-06T21:45:00+00:00", "100", "time_exit")
    ]
    closing = [r for r in orders_csv(run, "type", "price", "event", "reason") if r[1] == "99"]
    assert [r[:3] for r in closing] == [("limit", "99", "placed"), ("limit", "99", "filled")]
    assert "market orders are refused" in closing[0][3]


def test_a_time_exit_after_hours_under_rth_waits_for_the_next_open() -> None:
    # Under `session: rth` nothing can trade after 16:00: the close is sent as a market order
    # when regular hours open again, never refused (which would leave the position unmanaged).
    body = (
        "entries:\n  - {name: r, side: long, when: close crosses_above 100.5, units: 10}\n"
        "exits:\n  stop_loss: 10%\n  time_exit: '16:45 America/New_York'\n"
    )
    rows = [
        (_minute(15, 50), "100", "100", "100", "100"),
        (_minute(15, 51), "100", "101", "100", "101"),
        (_minute(15, 52), "101", "101", "101", "101"),  # long 10 at 101
        (_minute(16, 44), "100", "100", "100", "100"),  # closes at 16:45: the clock fires
        (_minute(16, 45), "100", "100", "100", "100"),  # closes at the next open, 09:30
        (_minute(9, 30, day=1), "100.2", "100.2", "100.2", "100.2"),
        (_minute(9, 31, day=1), "100.3", "100.3", "100.3", "100.3"),
    ]
    plan = strategy(body, symbol="US.AAPL", account="{currency: USD, balance: 100000}")
    run = backtest(plan, timed_rows(rows))
    assert trades_csv(run, "exit_time", "exit_price", "exit_reason") == [
        ("2025-01-07T14:30:00+00:00", "100.2", "time_exit")
    ]
    assert "rejected" not in [e for (e,) in orders_csv(run, "event")]


def _daily_rows(days: int) -> list[tuple[object, ...]]:
    """One row a day at 15:00 New York; day 1 crosses 100.5, then the price sits at 100."""
    rows: list[tuple[object, ...]] = [(20 * 60, "100", "100", "100", "100")]
    rows.append((24 * 60 + 20 * 60, "100", "101", "100", "101"))
    rows += [(d * 24 * 60 + 20 * 60, "100", "100", "100", "100") for d in range(2, days)]
    return rows


def test_an_expired_grid_exit_is_re_placed_with_an_alert() -> None:
    body = "grid:\n  side: buy\n  at: 100\n  units: 10\n  take_profit: 20%\n  stop_loss: 20%\n"
    plan = strategy(body, symbol="US.AAPL", account="{currency: USD, balance: 100000}")
    run = backtest(plan, timed_rows(_daily_rows(120)))
    take_profits = [r for r in orders_csv(run, "order_id", "price", "event") if r[1] == "120"]
    assert [event for _, _, event in take_profits][:3] == ["placed", "expired", "placed"]
    assert take_profits[0][0] != take_profits[2][0]
    kinds = [alert.kind for alert in run.result.alerts]
    assert kinds.count("gtc_expired") == 2  # the take profit and the stop loss


def test_an_expired_trailing_stop_is_re_placed_trailing_from_the_market() -> None:
    body = (
        "entries:\n  - {name: r, side: long, when: close crosses_above 100.5, units: 10}\n"
        "exits:\n  trailing: 5%\n  time_in_force: gtc\n"
    )
    plan = strategy(body, symbol="US.AAPL", account="{currency: USD, balance: 100000}")
    run = backtest(plan, timed_rows(_daily_rows(120)))
    events = [e for (e,) in orders_csv(run, "event")]
    assert events[2:5] == ["placed", "expired", "placed"]
    (alert,) = run.result.alerts
    assert "trailing again from the market" in alert.message
