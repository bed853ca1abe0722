"""Peer check: the same long-only SMA-cross strategy through backtesting.py and tradeplan.

Strategy: long 1,000 units when the close crosses above SMA(20) (both engines read the signal
tradeplan evaluated, so the comparison is about execution), take profit +0.5 % and stop loss
-0.3 % from the entry fill, one position at a time, no spread, no commission.

How the two are lined up, and the exceptions that remain by design (each one tested below):

* Entries. backtesting.py fills a market order placed in `next()` at the next bar's open; so
  does tradeplan (orders placed at a bar close work from the next bar). Same.
* Exit levels. tradeplan prices exits against the entry fill; backtesting.py takes absolute
  SL/TP prices when the order is placed. The peer strategy therefore computes them from the
  next bar's open (the fill price under both engines), with tradeplan's tick rounding (sells
  round down), so both engines hold the same two levels.
* A bar that reaches both the stop and the take profit. backtesting.py always assumes the stop
  came first (its stop orders are processed before limits). tradeplan walks the intrabar path;
  the comparison runs tradeplan with `open-low-high-close`, which for a long position also
  meets the stop first. Remaining difference: a bar that OPENS beyond the take profit and
  also reaches the stop; tradeplan fills the take profit at the open (the open comes first
  on any path), backtesting.py still takes the stop. `test_documented_exception_gap_through_
  both_exits` shows it on a constructed bar.
* The end of the data. tradeplan closes an open position at the last close (end_of_data);
  backtesting.py leaves it open (finalize_trades=False). Such a trade is left out.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
backtesting = pytest.importorskip("backtesting")

from backtest_harness import plan_from  # noqa: E402
from backtesting import Backtest, Strategy  # noqa: E402

from tradeplan.api_backtest import BacktestOptions, rule_inputs, run_backtest  # noqa: E402
from tradeplan.backtest.data import MarketData, parse_market_data  # noqa: E402
from tradeplan.brokers.paper.fills import IntrabarPath  # noqa: E402
from tradeplan.core.enums import FillProfile  # noqa: E402
from tradeplan.core.money import Rounding, round_to_increment  # noqa: E402

STRATEGY = """\
tradeplan: 1
name: sma-cross
instrument: EUR/USD
account: {currency: USD, balance: 1000000}
broker: paper
timeframe: 1m
entries:
  - name: cross
    side: long
    when: close crosses_above sma(close, 20)
    order: market
    units: 1000
exits:
  take_profit: 0.5%
  stop_loss: 0.3%
"""
TICK = Decimal("0.00001")
START = datetime(2025, 1, 6, tzinfo=UTC)
Trade = tuple[datetime, Decimal, datetime, Decimal]


def generated_bars(size: int, seed: int = 42) -> MarketData:
    rng = np.random.default_rng(seed)
    close = np.round(110_000 * np.exp(np.cumsum(rng.normal(0, 0.0009, size)))).astype(np.int64)
    open_ = np.concatenate([[close[0]], close[:-1]])
    gaps = rng.random(size) < 0.01
    open_[gaps] += rng.integers(-200, 200, int(gaps.sum()))
    high = np.maximum(open_, close) + rng.integers(0, 60, size)
    low = np.minimum(open_, close) - rng.integers(0, 60, size)
    lines = ["time,open,high,low,close"]
    for i in range(size):
        when = (START + timedelta(minutes=i)).isoformat()
        lines.append(
            f"{when},{open_[i] / 1e5:.5f},{high[i] / 1e5:.5f},{low[i] / 1e5:.5f},{close[i] / 1e5:.5f}"
        )
    return parse_market_data("\n".join(lines), default_spread="0")


def exit_levels(fill: Decimal) -> tuple[Decimal, Decimal]:
    """tradeplan's take profit and stop loss for a long filled at `fill` (sells round down)."""
    tp = round_to_increment(fill + fill * Decimal("0.5") / 100, TICK, Rounding.DOWN)
    sl = round_to_increment(fill - fill * Decimal("0.3") / 100, TICK, Rounding.DOWN)
    return tp, sl


def tradeplan_trades(data: MarketData) -> list[Trade]:
    plan = plan_from(STRATEGY)
    options = BacktestOptions(path=IntrabarPath.OLHC, fill=FillProfile.EXCHANGE)
    run = run_backtest(plan, data, options)
    return [
        (t.entry_time, t.entry_price, t.exit_time, t.exit_price)
        for t in run.result.trades
        if t.exit_reason.value != "end_of_data"
    ]


def backtesting_py_trades(data: MarketData) -> list[Trade]:
    plan = plan_from(STRATEGY)
    signal = rule_inputs(plan, data)["cross"].entry
    opens = [data.price("open", row) for row in range(len(data))]
    index = pd.DatetimeIndex([data.time_at(row) for row in range(len(data))])
    frame = pd.DataFrame(
        {"Open": data.open, "High": data.high, "Low": data.low, "Close": data.close},
        index=index,
    )

    class SmaCross(Strategy):  # type: ignore[misc]
        def init(self) -> None:
            pass

        def next(self) -> None:
            row = len(self.data) - 1
            if self.position or self.orders or not signal[row] or row + 1 >= len(opens):
                return
            tp, sl = exit_levels(opens[row + 1])  # the next open is the fill price
            self.buy(size=1000, tp=float(tp), sl=float(sl))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = Backtest(frame, SmaCross, cash=1_000_000, commission=0).run()
    trades = stats._trades
    return [
        (
            row.EntryTime.to_pydatetime(),
            Decimal(repr(row.EntryPrice)),
            row.ExitTime.to_pydatetime(),
            Decimal(repr(row.ExitPrice)),
        )
        for row in trades.itertuples()
    ]


def test_entries_and_exits_agree_with_backtesting_py() -> None:
    data = generated_bars(4000)
    ours = tradeplan_trades(data)
    theirs = backtesting_py_trades(data)
    assert len(ours) > 40
    assert ours == theirs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agreement_on_other_seeds(seed: int) -> None:
    data = generated_bars(2500, seed)
    assert tradeplan_trades(data) == backtesting_py_trades(data)


def test_documented_exception_gap_through_both_exits() -> None:
    """A bar opening above the take profit and also reaching the stop: tradeplan takes the
    take profit at the open, backtesting.py the stop."""
    base = generated_bars(60, seed=7)
    plan = plan_from(STRATEGY)
    signal = rule_inputs(plan, base)["cross"].entry
    first = int(np.flatnonzero(signal)[0])
    fill = base.price("open", first + 1)
    tp, sl = exit_levels(fill)
    lines = ["time,open,high,low,close"]
    for row in range(first + 2):
        bar = base.bar(row)
        lines.append(f"{bar.time.isoformat()},{bar.open},{bar.high},{bar.low},{bar.close}")
    gap_open = tp + Decimal("0.00100")
    when = base.time_at(first + 2).isoformat()
    lines.append(f"{when},{gap_open},{gap_open},{sl - Decimal('0.00010')},{sl}")
    lines.append(f"{base.time_at(first + 3).isoformat()},{sl},{sl},{sl},{sl}")
    data = parse_market_data("\n".join(lines), default_spread="0")
    ours = tradeplan_trades(data)
    theirs = backtesting_py_trades(data)
    assert ours[0][3] == gap_open  # take profit gapped over: filled at the better open
    assert theirs[0][3] == sl  # backtesting.py: the stop first, pessimistically
