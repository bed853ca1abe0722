"""End-to-end helpers: a strategy's YAML text and hand-made rows through the backtest API.

Unlike `backtest_harness` (signals given as row numbers), these runs go through
`api_backtest.run_backtest` exactly as `tradeplan backtest` does: expressions are evaluated,
the rate and the broker profile are settled from the plan, and the records are read back as
the exact values of the cells of trades.csv, orders.csv and signals.csv (the files also pad
prices to the tick and money to the minor unit: tests/reporting/test_money_exact.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from backtest_harness import plan_from

from tradeplan.api_backtest import BacktestOptions, BacktestRun, run_backtest
from tradeplan.backtest.data import MarketData, parse_market_data
from tradeplan.plan.model import Plan
from tradeplan.reporting.csv_out import ORDER_COLUMNS, SIGNAL_COLUMNS, TRADE_COLUMNS, cell

MONDAY = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)


def strategy(
    body: str,
    *,
    symbol: str = "USD/JPY",
    account: str = "{currency: JPY, balance: 1000000}",
    broker: str = "paper",
) -> Plan:
    """A compiled plan: the head says instrument, account and broker; `body` the rest.

    No `timeframe`: signals run on the rows given, whatever their spacing.
    """
    head = f"tradeplan: 1\nname: e2e\ninstrument: {symbol}\naccount: {account}\nbroker: {broker}\n"
    return plan_from(head + body)


def timed_rows(rows: Sequence[Sequence[object]]) -> MarketData:
    """Bars `(time, open, high, low, close[, spread])`; an int time is minutes after Monday
    00:00 UTC. Without a spread column the spread is 0."""
    has_spread = len(rows[0]) == 6
    lines = ["time,open,high,low,close" + (",spread" if has_spread else "")]
    for when, *prices in rows:
        moment = MONDAY + timedelta(minutes=when) if isinstance(when, int) else when
        assert isinstance(moment, datetime)
        lines.append(",".join([moment.isoformat(), *map(str, prices)]))
    return parse_market_data("\n".join(lines))


def flat(count: int, price: str, spread: str = "0") -> list[tuple[int, str, str, str, str, str]]:
    """`count` one-minute rows that never move from `price`."""
    return [(i, price, price, price, price, spread) for i in range(count)]


def backtest(plan: Plan, data: MarketData, **options: object) -> BacktestRun:
    """Run jumping and step by step (they must agree exactly); return the jumping run."""
    jumping = run_backtest(plan, data, BacktestOptions(**options))  # type: ignore[arg-type]
    stepping = run_backtest(plan, data, BacktestOptions(step_mode=True, **options))  # type: ignore[arg-type]
    assert jumping.result.trades == stepping.result.trades
    assert jumping.result.orders == stepping.result.orders
    assert jumping.result.signals == stepping.result.signals
    return jumping


def trades_csv(run: BacktestRun, *columns: str) -> list[tuple[str, ...]]:
    """trades.csv cells, the named columns only (all of them when none is named)."""
    names = columns or TRADE_COLUMNS
    return [tuple(cell(getattr(t, c)) for c in names) for t in run.result.trades]


def orders_csv(run: BacktestRun, *columns: str) -> list[tuple[str, ...]]:
    names = columns or ORDER_COLUMNS
    return [tuple(cell(getattr(e, c)) for c in names) for e in run.result.orders]


def signals_csv(run: BacktestRun, *columns: str) -> list[tuple[str, ...]]:
    names = columns or SIGNAL_COLUMNS
    return [tuple(cell(getattr(s, c)) for c in names) for s in run.result.signals]


def qty(run: BacktestRun) -> Decimal:
    """The quantity of the run's only trade."""
    (trade,) = run.result.trades
    return trade.qty
