"""Each closed trade is booked on the account currency's minor unit, half-even (issue 7, item 7).

The ledger rounds a trade's result and its fees once, when the trade closes, and the balance
moves by exactly the booked P&L: what trades.csv shows is what the account holds, so sizes and
risk limits read the same balance a user adds up from the file.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from api_harness import backtest, strategy, timed_rows, trades_csv

from tradeplan.api_backtest import BacktestRun

BODY = (
    "entries:\n  - {{name: r, side: long, when: close > 0, units: {units}}}\n"
    "exits:\n  stop_loss: 100 pips\n"
)


def one_trade(units: int, account: str = "{currency: JPY, balance: 1000000}") -> BacktestRun:
    """Buy `units` USD/JPY at 110.000 and hold to the end of the data at 110.010 (+0.01 each)."""
    rows = [(i, "110.000", "110.000", "110.000", "110.000") for i in range(4)]
    rows.append((4, "110.010", "110.010", "110.010", "110.010"))
    return backtest(strategy(BODY.format(units=units), account=account), timed_rows(rows))


@pytest.mark.parametrize(
    ("units", "booked"),
    [(50, "0"), (150, "2"), (250, "2"), (350, "4"), (149, "1"), (151, "2")],
)
def test_a_jpy_trade_is_booked_in_whole_yen_half_even(units: int, booked: str) -> None:
    # 50 x 0.01 = 0.5 JPY -> 0, 1.5 -> 2, 2.5 -> 2, 3.5 -> 4: ties go to the even yen.
    run = one_trade(units)
    assert trades_csv(run, "pnl") == [(booked,)]
    (trade,) = run.result.trades
    assert trade.pnl == Decimal(booked) and trade.gross_pnl == Decimal(booked)
    assert run.summary.net_pnl == Decimal(booked)
    assert run.summary.final_equity == Decimal(1_000_000) + Decimal(booked)


def test_a_usd_account_books_cents() -> None:
    # A USD account trading USD/JPY: +2.5 JPY at 110.010 is 0.02272520... USD -> 0.02.
    run = one_trade(250, account="{currency: USD, balance: 10000}")
    (trade,) = run.result.trades
    assert trade.pnl == Decimal("0.02")
    assert str(run.summary.final_equity) == "10000.02"
