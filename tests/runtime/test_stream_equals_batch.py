"""Proof 3 of issue 8: the live path (one bar at a time) gives the batch backtest, exactly.

The streaming replay (`backtest/stream.py`) feeds every bar through `SignalFeed` (step
indicators, nothing computed ahead), the paper broker walking each row and reporting through
the broker port, and the engine reading only rows already pushed. Its output files must be
the batch run's, byte for byte: for every bundled strategy on its bundled data (the golden
outputs, which the batch run gives too: tests/golden), for every lint-clean edit of a bundled
strategy the fuzz generator makes, and for generated rules over generated bars.
"""

from __future__ import annotations

import gzip
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from backtest_harness import plan_from
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_replay_parity import EXITS, random_bars

from tradeplan.api_backtest import BacktestError, BacktestOptions, run_backtest, write_outputs
from tradeplan.backtest.data import MarketData, parse_market_data
from tradeplan.compiler.pipeline import compile_source
from tradeplan.diagnostics.model import Severity
from tradeplan.lang.source import form_of
from tradeplan.plan.model import Plan

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "golden"))
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))
import golden_runs  # noqa: E402
from fuzz_budget import examples  # noqa: E402
from test_lint_never_crashes import mutated  # noqa: E402

STREAM = BacktestOptions(stream=True)


def assert_stream_equals_batch(plan: Plan, data: MarketData) -> None:
    try:
        batch = run_backtest(plan, data)
    except BacktestError:
        return  # refused before the run (a missing --rate, say): nothing to compare
    stream = run_backtest(plan, data, STREAM)
    assert stream.stats.visited == len(data)
    assert stream.result.orders == batch.result.orders
    assert stream.result.trades == batch.result.trades
    assert stream.result.signals == batch.result.signals
    assert stream.result.alerts == batch.result.alerts
    assert np.array_equal(stream.result.equity.equity, batch.result.equity.equity)
    assert stream.summary == batch.summary


@pytest.mark.parametrize("case", sorted(golden_runs.CASES))
def test_every_bundled_strategy_streams_to_its_golden_files(case: str, tmp_path: Path) -> None:
    from tradeplan import api

    strategy, data = golden_runs.CASES[case]
    run = api.backtest(ROOT / strategy, ROOT / data, STREAM)
    write_outputs(run, tmp_path / "out")  # type: ignore[arg-type]
    want = golden_runs.stored(case)
    for name, content in want.items():
        assert (tmp_path / "out" / name).read_bytes() == content, f"{case}: {name} differs"


ROWS = 1500
DATA: list[MarketData] = [
    parse_market_data(
        b"\n".join(gzip.decompress(path.read_bytes()).split(b"\n")[: ROWS + 1]), source=path.name
    )
    for path in sorted((ROOT / "data").glob("*.csv.gz"))
]


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from(DATA))
def test_edited_bundled_strategies_stream_as_they_backtest(
    case: tuple[str, str], data: MarketData
) -> None:
    name, text = case
    form = form_of(name, text)
    if form is None:
        return
    result = compile_source(text, name, form)
    if result.plan is None or any(d.severity is Severity.ERROR for d in result.diagnostics):
        return
    plan = result.plan
    if plan.timeframe is not None:
        return  # timeframe bars are built by the batch resampler only (signal_feed.py)
    assert_stream_equals_batch(plan, data)


# --- generated rules over generated bars -------------------------------------------------------

length = st.integers(1, 40)
CONDITIONS = [
    lambda a, b: f"ema(close, {a}) crosses_above ema(close, {a + b})",
    lambda a, b: f"sma(close, {a}) crosses_below wma(close, {b})",
    lambda a, b: f"rsi(close, {a}) < {20 + b}",
    lambda a, b: f"close crosses_above highest(high, {a})[1]",
    lambda a, b: f"close < lowest(low, {a})[1] + {b} pips",
    lambda a, b: f"close > vwap() and atr({a}) > stdev(close, {b})",
    lambda a, b: f"change(close, {a}) > 0 and not (roc(close, {b}) > 0.05)",
    lambda a, b: f"abs(close - open) > {b} pips or time between 0{a % 10}:00 and 1{b % 10}:30",
    lambda a, b: f"close > sma(close, {a}) + 0.1% and close[{b % 4}] < open",
]
ENTRY_ORDERS = [
    "    order: market\n",
    "    order: {type: limit, price: close - 5 pips}\n    time_in_force: gtc\n",
    '    order: {type: stop, trigger: "highest(high, 5) + 2 pips"}\n',
]


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    size=st.integers(30, 400),
    when=st.tuples(st.sampled_from(CONDITIONS), length, length),
    exit_when=st.one_of(st.none(), st.tuples(st.sampled_from(CONDITIONS), length, length)),
    exits=st.sampled_from(EXITS[:7]),
    order=st.sampled_from(ENTRY_ORDERS),
    side=st.sampled_from(["long", "short"]),
    as_ticks=st.booleans(),
)
def test_generated_rules_stream_as_they_backtest(
    seed: int,
    size: int,
    when: tuple[object, int, int],
    exit_when: tuple[object, int, int] | None,
    exits: str,
    order: str,
    side: str,
    as_ticks: bool,
) -> None:
    condition, a, b = when
    text = (
        "tradeplan: 1\nname: gen\ninstrument: {symbol: USD/JPY}\n"
        "account: {currency: JPY, balance: 10000000}\nbroker: paper\n"
        f"entries:\n  - name: r\n    side: {side}\n    when: {condition(a, b)}\n"  # type: ignore[operator]
        f"{order}    units: 10000\nexits:\n{exits}"
    )
    if exit_when is not None:
        rule, c, d = exit_when
        text += f"  exit_when: {rule(c, d)}\n"  # type: ignore[operator]
    plan = plan_from(text)
    data = random_bars(seed, size, as_ticks=as_ticks)
    assert_stream_equals_batch(plan, data)


def test_a_peeking_engine_would_be_caught() -> None:
    """The feed's buffers hold no signal past the row pushed: reading ahead sees nothing."""
    from tradeplan.runtime.signal_feed import SignalFeed
    from tradeplan.runtime.step_eval import ClosedBar

    plan = plan_from(
        "tradeplan: 1\nname: p\ninstrument: {symbol: USD/JPY}\nbroker: paper\n"
        "entries:\n  - name: r\n    side: long\n    when: close > 100\n"
        "    order: {type: limit, price: close - 1}\n    units: 1000\n"
        "exits:\n  take_profit: 10 pips\n"
    )
    feed = SignalFeed(plan, 3)
    feed.push(0, ClosedBar(0, 150.0, 150.0, 150.0, 150.0, 1.0, 0.0))
    inputs = feed.inputs["r"]
    assert inputs.entry.tolist() == [True, False, False]
    assert inputs.price is not None and inputs.price(0) == Decimal("149.000")
    with pytest.raises(ValueError, match="bar 2 pushed where bar 1"):
        feed.push(2, ClosedBar(120, 150.0, 150.0, 150.0, 150.0, 1.0, 0.0))
