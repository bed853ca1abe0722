"""Exits work in the strategy's session (seed 000): `session: all` covers pre, regular and post.

US stock US.AAPL, 10 shares, one-minute bars on Monday 2025-01-06 (New York = UTC-5). The signal
holds at the close of the 15:57 New York row; the market entry fills at the 15:58 open, 100.
"""

from __future__ import annotations

from api_harness import backtest, strategy, timed_rows, trades_csv

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
