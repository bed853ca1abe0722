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
