"""No look-ahead: what a run does up to a bar depends on the bars up to it only.

A live run cannot see the future, so a backtest that did would promise what live trading cannot
give. Cutting the data after bar k must leave every order event, signal and trade from before
bar k exactly as the full run has them: for the streaming path (one bar at a time) and for the
batch backtest (whole arrays, jumps), on generated rules, exits and grids over generated bars.
Records at bar k's own start and later are left out: the cut run ends there (its last bar closes
after the usual interval, and everything still open is closed at that close).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from backtest_harness import plan_from
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_replay_parity import EXITS, random_bars

from tradeplan.api_backtest import BacktestOptions, run_backtest
from tradeplan.backtest.data import MarketData
from tradeplan.core.epoch import datetime_from_ns

RULES = [
    "ema(close, 8) crosses_above ema(close, 21)",
    "close crosses_below lowest(low, 12)[1]",
    "rsi(close, 9) < 35 and atr(5) > 2 pips",
    "close > vwap() and change(close, 3) > 0",
]
GRID = (
    "grid: {side: buy, from: 109.40, to: 110.60, step: 20 pips, units: 1000,"
    " take_profit: 30 pips, stop_loss: none, counter: -20 pips, follow: +10 pips}\n"
)


def plan_text(rule: str, exits: str, grid: bool) -> str:
    head = (
        "tradeplan: 1\nname: causal\ninstrument: {symbol: USD/JPY}\n"
        "account: {currency: JPY, balance: 10000000}\nbroker: paper\n"
    )
    if grid:
        return head + GRID
    return head + (
        f"entries:\n  - name: r\n    side: long\n    when: {rule}\n    order: market\n"
        f"    units: 10000\nexits:\n{exits}"
    )


def before(records: tuple[Any, ...], cut: datetime, field: str) -> list[Any]:
    return [r for r in records if getattr(r, field) < cut]


def closed_before(trades: tuple[Any, ...], cut: datetime) -> list[Any]:
    return [t for t in trades if t.exit_time < cut]


def assert_causal(plan_source: str, data: MarketData, cut: int, *, stream: bool) -> None:
    plan = plan_from(plan_source)
    options = BacktestOptions(stream=stream)
    full = run_backtest(plan, data, options)
    part = run_backtest(plan, data.slice_rows(0, cut + 1), options)
    moment = datetime_from_ns(int(data.time_ns[cut]))
    assert before(part.result.orders, moment, "time") == before(full.result.orders, moment, "time")
    assert before(part.result.signals, moment, "time") == before(
        full.result.signals, moment, "time"
    )
    assert closed_before(part.result.trades, moment) == closed_before(full.result.trades, moment)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    size=st.integers(40, 300),
    cut=st.floats(0.2, 0.9),
    rule=st.sampled_from(RULES),
    exits=st.sampled_from(EXITS[:7]),
    grid=st.booleans(),
    as_ticks=st.booleans(),
    stream=st.booleans(),
)
def test_nothing_before_a_bar_depends_on_the_bars_after_it(
    seed: int,
    size: int,
    cut: float,
    rule: str,
    exits: str,
    grid: bool,
    as_ticks: bool,
    stream: bool,
) -> None:
    data = random_bars(seed, size, as_ticks=as_ticks)
    assert_causal(plan_text(rule, exits, grid), data, int(size * cut), stream=stream)


@pytest.mark.parametrize("stream", [False, True])
def test_a_busy_fixed_case_is_causal_at_every_cut(stream: bool) -> None:
    data = random_bars(11, 240)
    source = plan_text(RULES[0], EXITS[5], grid=False)
    full = run_backtest(plan_from(source), data)
    assert len(full.result.trades) >= 3
    for cut in range(20, 240, 23):
        assert_causal(source, data, cut, stream=stream)
