"""Jumping between events gives exactly the run that processes every row.

The replay skips rows in which no order can act and at whose close the engine has nothing to
do (`runtime.replay`). These tests run random plans over random bars and ticks both ways and
compare every trade, order event, signal and equity point.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from backtest_harness import DEALER, EXCHANGE, fx_plan, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeplan.backtest.data import MarketData, parse_market_data
from tradeplan.brokers.paper.fills import FillConfig, IntrabarPath
from tradeplan.core.enums import FillProfile

EXITS = [
    "  take_profit: 30 pips\n  stop_loss: 20 pips\n",
    "  trailing: {trail: 0.2%}\n",
    "  trailing: {trail: 0.25}\n  take_profit: 60 pips\n",
    "  trailing: {trail: 0.15, activate: 0.10}\n",
    "  trailing: {trail: 0.20, spread: 0.05}\n  stop_loss: 40 pips\n",
    "  stop_loss: 25 pips\n  break_even: {at: 10 pips, within: 20m, otherwise: close}\n",
    "  stop_loss: 25 pips\n  break_even: {at: 10 pips, offset: 2 pips}\n  time_exit: 45m\n",
    "  take_profit: 40 pips\n  exit_when: close < 0\n",
    "  time_exit: 7m\n",
]
ENTRIES = [
    "    order: market\n    units: 10000\n",
    "    order: {type: limit, price: close - 0.05}\n    units: 10000\n    time_in_force: gtc\n",
    "    order: {type: stop, trigger: close + 0.05}\n    units: 10000\n",
    "    order: {type: stop_limit, trigger: close + 0.05, price: close + 0.08}\n"
    "    units: 10000\n    time_in_force: gtc\n",
]


def random_bars(seed: int, size: int, *, as_ticks: bool = False) -> MarketData:
    rng = np.random.default_rng(seed)
    steps = rng.integers(-40, 41, size)
    steps[rng.random(size) < 0.02] *= 8  # a few gaps
    close = 110_000 + np.cumsum(steps)
    start = datetime(2025, 1, 6, 20, 0, tzinfo=UTC)  # crosses 17:00 New York (FX day end)
    if as_ticks:
        spread = rng.integers(0, 4, size)
        lines = ["time,bid,ask"]
        for i in range(size):
            when = (start + timedelta(seconds=7 * i)).isoformat()
            lines.append(f"{when},{close[i] / 1000:.3f},{(close[i] + spread[i]) / 1000:.3f}")
        return parse_market_data("\n".join(lines))
    open_ = np.concatenate([[close[0]], close[:-1]]) + rng.integers(-3, 4, size) * (
        rng.random(size) < 0.1
    )
    high = np.maximum(open_, close) + rng.integers(0, 60, size)
    low = np.minimum(open_, close) - rng.integers(0, 60, size)
    spread = rng.integers(0, 5, size)
    lines = ["time,open,high,low,close,spread"]
    for i in range(size):
        when = (start + timedelta(minutes=i)).isoformat()
        values = (open_[i], high[i], low[i], close[i], spread[i])
        lines.append(when + "," + ",".join(f"{v / 1000:.3f}" for v in values))
    return parse_market_data("\n".join(lines))


def assert_same(plan_entry: str, exits: str, side: str, data: MarketData, **kw: object) -> int:
    plan = fx_plan(plan_entry, exits, side=side)
    size = len(data)
    rng = np.random.default_rng(size)
    entries = sorted(set(rng.integers(0, size, max(size // 12, 1)).tolist()))
    exit_rows = sorted(set(rng.integers(0, size, max(size // 15, 1)).tolist()))
    price = kw.pop("price", None)
    jumping = run(plan, data, entries, exits=exit_rows, price=price, trigger=price, **kw)  # type: ignore[arg-type]
    stepping = run(
        plan,
        data,
        entries,
        exits=exit_rows,
        price=price,
        trigger=price,
        step_mode=True,
        **kw,  # type: ignore[arg-type]
    )
    assert jumping.result.orders == stepping.result.orders
    assert jumping.result.trades == stepping.result.trades
    assert jumping.result.signals == stepping.result.signals
    assert np.array_equal(jumping.result.equity.equity, stepping.result.equity.equity)
    assert jumping.stats.visited <= stepping.stats.visited
    return len(jumping.result.trades)


@pytest.mark.parametrize("exits", EXITS)
@pytest.mark.parametrize("side", ["long", "short"])
def test_fixed_cases_on_bars(exits: str, side: str) -> None:
    data = random_bars(11, 400)
    trades = assert_same(ENTRIES[0], exits, side, data)
    assert trades >= 2


@pytest.mark.parametrize("entry", ENTRIES[1:])
def test_fixed_cases_with_resting_entries(entry: str) -> None:
    from decimal import Decimal

    data = random_bars(5, 300)
    assert_same(entry, EXITS[0], "long", data, price=Decimal("110.000"))


@pytest.mark.parametrize("exits", EXITS[:5])
def test_fixed_cases_on_ticks(exits: str) -> None:
    data = random_bars(3, 400, as_ticks=True)
    assert_same(ENTRIES[0], exits, "long", data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    size=st.integers(20, 250),
    exits=st.sampled_from(EXITS),
    side=st.sampled_from(["long", "short"]),
    profile=st.sampled_from([FillProfile.DEALER, FillProfile.EXCHANGE]),
    path=st.sampled_from(list(IntrabarPath)),
    as_ticks=st.booleans(),
)
def test_jumping_equals_stepping_on_random_data(
    seed: int,
    size: int,
    exits: str,
    side: str,
    profile: FillProfile,
    path: IntrabarPath,
    as_ticks: bool,
) -> None:
    data = random_bars(seed, size, as_ticks=as_ticks)
    config = FillConfig(profile=profile, path=path)
    assert_same(ENTRIES[0], exits, side, data, config=config)


def test_the_jumping_run_visits_few_rows() -> None:
    data = random_bars(1, 2000)
    plan = fx_plan(ENTRIES[0], EXITS[0])
    result = run(plan, data, [100, 900])
    assert result.stats.visited < 60
    assert DEALER != EXCHANGE


@pytest.mark.parametrize("session", ["rth", "eth"])
def test_us_sessions_and_day_orders_agree(session: str) -> None:
    from backtest_harness import plan_from

    plan = plan_from(
        "tradeplan: 1\nname: t\ninstrument: {symbol: US.ABC}\n"
        "account: {currency: USD, balance: 1000000}\nbroker: paper\n"
        f"session: {session}\n"
        "entries:\n  - name: r\n    side: long\n    when: close > 0\n"
        "    order: {type: limit, price: close - 0.05}\n    qty: 100\n"
        "exits:\n  trailing: {trail: 0.3%}\n  take_profit: 1%\n"
    )
    rng = np.random.default_rng(9)
    size = 900  # 14:00 to 05:00 New York: regular, post-market, closed, pre-market rows
    close = 10_000 + np.cumsum(rng.integers(-9, 10, size))
    lines = ["time,open,high,low,close"]
    start = datetime(2025, 1, 6, 19, 0, tzinfo=UTC)
    for i in range(size):
        o, c = close[i - 1] if i else close[0], close[i]
        h, lo = max(o, c) + rng.integers(0, 6), min(o, c) - rng.integers(0, 6)
        when = (start + timedelta(minutes=i)).isoformat()
        lines.append(f"{when},{o / 100:.2f},{h / 100:.2f},{lo / 100:.2f},{c / 100:.2f}")
    data = parse_market_data("\n".join(lines), default_spread="0.01")
    from decimal import Decimal

    entries = list(range(0, size, 37))
    jumping = run(plan, data, entries, price=Decimal("100.00"))
    stepping = run(plan, data, entries, price=Decimal("100.00"), step_mode=True)
    assert jumping.result.orders == stepping.result.orders
    assert jumping.result.trades == stepping.result.trades
    assert any(e.event.value == "expired" for e in jumping.result.orders)


GRIDS = [
    "grid: {side: buy, from: 109.40, to: 110.60, step: 20 pips, units: 1000,"
    " take_profit: 30 pips, stop_loss: none, counter: -20 pips, follow: +10 pips}\n",
    "grid: {side: sell, from: 109.50, to: 110.50, step: 25 pips, units: 2000,"
    " take_profit: 20 pips, stop_loss: 40 pips, counter: +15 pips}\n"
    "risk: {max_open_positions: 3}\n",
    "grid: {side: buy, at: 110.00, units: 1000, take_profit: 15 pips, stop_loss: 25 pips,"
    " follow: +5 pips}\nfees: {per_unit: 0.001}\n",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    size=st.integers(20, 300),
    grid=st.sampled_from(GRIDS),
    profile=st.sampled_from([FillProfile.DEALER, FillProfile.EXCHANGE]),
    path=st.sampled_from(list(IntrabarPath)),
    as_ticks=st.booleans(),
)
def test_grid_slots_jumping_equals_stepping(
    seed: int, size: int, grid: str, profile: FillProfile, path: IntrabarPath, as_ticks: bool
) -> None:
    from backtest_harness import FX_HEAD, plan_from

    from tradeplan.api_backtest import BacktestOptions, run_backtest

    plan = plan_from(FX_HEAD + grid)
    data = random_bars(seed, size, as_ticks=as_ticks)
    jumping = run_backtest(plan, data, BacktestOptions(fill=profile, path=path))
    stepping = run_backtest(plan, data, BacktestOptions(fill=profile, path=path, step_mode=True))
    assert jumping.result.orders == stepping.result.orders
    assert jumping.result.trades == stepping.result.trades
    assert jumping.result.signals == stepping.result.signals
    assert np.array_equal(jumping.result.equity.equity, stepping.result.equity.equity)
    assert jumping.stats.visited <= stepping.stats.visited


def test_a_grid_jumps_over_quiet_rows() -> None:
    from backtest_harness import FX_HEAD, plan_from

    from tradeplan.api_backtest import BacktestOptions, run_backtest

    plan = plan_from(FX_HEAD + GRIDS[0])
    data = random_bars(4, 3000)
    jumping = run_backtest(plan, data, BacktestOptions())
    stepping = run_backtest(plan, data, BacktestOptions(step_mode=True))
    assert jumping.result.orders == stepping.result.orders
    assert len(jumping.result.trades) > 5
    assert jumping.stats.visited < stepping.stats.visited // 2
