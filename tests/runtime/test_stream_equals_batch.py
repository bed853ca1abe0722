"""Proof 3 of issue 8: the live path (one bar at a time) gives the batch backtest, exactly.

The streaming replay (`backtest/stream.py`) feeds every bar through `SignalFeed` (step
indicators, nothing computed ahead), the paper broker walking each row and reporting through
the broker port, and the engine reading only rows already pushed. Its output files must be
the batch run's, byte for byte: for every bundled strategy on its bundled data (the golden
outputs, which the batch run gives too: tests/golden), for every lint-clean edit of a bundled
strategy the fuzz generator makes, and for generated rules over generated bars.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

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
from test_lint_clean_runs import DATA  # noqa: E402  (the first rows of every bundled file)
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
    assert_stream_equals_batch(result.plan, data)


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


# --- generated timeframe plans: bars of 5m to 1d built from minute bars or ticks ----------------

NEW_YORK = ZoneInfo("America/New_York")
Window = Callable[[datetime], bool]


def _fx_window(moment: datetime) -> bool:
    """A third of every hour on weekdays: gaps inside each 1h and 1d bar."""
    return moment.weekday() < 5 and moment.minute < 20


def _us_extended(moment: datetime) -> bool:
    """08:00-17:00 New York on weekdays: pre-market, the regular session, after hours."""
    local = moment.astimezone(NEW_YORK)
    return local.weekday() < 5 and 8 <= local.hour < 17


def _us_regular(moment: datetime) -> bool:
    local = moment.astimezone(NEW_YORK)
    minutes = local.hour * 60 + local.minute
    return local.weekday() < 5 and 9 * 60 + 30 <= minutes < 16 * 60


# New York springs forward on Sunday 9 March 2025 and falls back on Sunday 2 November.
MARKETS: dict[str, tuple[datetime, Window]] = {
    "fx": (datetime(2025, 3, 3, 0, 0, tzinfo=UTC), _fx_window),
    "us-spring": (datetime(2025, 3, 6, 12, 0, tzinfo=UTC), _us_extended),
    "us-fall": (datetime(2025, 10, 30, 12, 0, tzinfo=UTC), _us_extended),
    "us-spring-rth": (datetime(2025, 3, 6, 12, 0, tzinfo=UTC), _us_regular),
    "us-fall-rth": (datetime(2025, 10, 30, 12, 0, tzinfo=UTC), _us_regular),
}


def market_rows(seed: int, market: str, days: int, *, ticks: bool, cut: float = 1.0) -> MarketData:
    """Minute bars (or ticks at fractional seconds, up to three a minute and now and then three
    in one second) inside the market's window for `days` days, a fractional volume on each
    row; the last `1 - cut` of the rows dropped, so the data may stop inside a bucket."""
    start, window = MARKETS[market]
    rng = np.random.default_rng(seed)
    fx = market == "fx"
    scale, digits, level = (1000, 3, 150_000) if fx else (100, 2, 15_000)
    moments: list[datetime] = []
    moment, end = start, start + timedelta(days=days)
    while moment < end:
        if window(moment):
            if ticks:
                offsets = rng.uniform(0, 59, rng.integers(0, 4))
                if rng.random() < 0.1:  # a burst: three ticks in one second
                    offsets = np.concatenate((offsets, offsets[:1] + 0.3, offsets[:1] + 0.6))
                moments.extend(moment + timedelta(seconds=float(s)) for s in np.sort(offsets))
            else:
                moments.append(moment)
        moment += timedelta(minutes=1)
    moments = moments[: max(int(len(moments) * cut), 2)]
    size = len(moments)
    close = level + np.cumsum(rng.integers(-8, 9, size))
    spread = rng.integers(0, 4, size)
    volume = rng.integers(1, 100_000, size) / 1000
    lines = ["time,bid,ask,volume" if ticks else "time,open,high,low,close,spread,volume"]
    for i, when in enumerate(moments):
        if ticks:
            prices = [close[i], close[i] + spread[i]]
        else:
            before = close[i - 1] if i else close[i]
            top, bottom = max(before, close[i]), min(before, close[i])
            prices = [before, top + rng.integers(0, 6), bottom - rng.integers(0, 6)]
            prices += [close[i], spread[i]]
        cells = [f"{p / scale:.{digits}f}" for p in prices]
        lines.append(",".join([when.isoformat(), *cells, f"{volume[i]:.3f}"]))
    return parse_market_data("\n".join(lines))


TIMEFRAME_CONDITIONS = [
    lambda a, b: f"ema(close, {a}) crosses_above ema(close, {a + b})",
    lambda a, b: f"sma(close, {a}) crosses_below wma(close, {b})",
    lambda a, b: f"rsi(close, {a}) < {30 + b}",
    lambda a, b: f"close crosses_above highest(high, {a})[1]",
    lambda a, b: f"close < lowest(low, {a})[1] + {b} ticks",
    lambda a, b: f"close > vwap() and volume > sma(volume, {a})",
    lambda a, b: f"change(close, {a}) > 0 and not (roc(close, {b}) > 0.05)",
    lambda a, b: f"abs(close - open) > {b} ticks or time between {a % 24:02d}:00 and 1{b % 10}:30",
    lambda a, b: f"close > sma(close, {a}) + 0.01% and close[{b % 4}] < open",
]
US_CONDITIONS = [
    lambda a, b: f"session == rth and close > ema(close, {a})",
    lambda a, b: f"session != rth or close < lowest(low, {a})[1] + {b} ticks",
]
TIMEFRAME_ORDERS = [
    "    order: market\n",
    "    order: {type: limit, price: close - 0.05%}\n    time_in_force: gtc\n",
    '    order: {type: stop, trigger: "highest(high, 3) + 2 ticks"}\n',
]
TIMEFRAME_EXITS = [
    "  take_profit: 0.2%\n  stop_loss: 0.15%\n",
    "  trailing: {trail: 0.1%}\n",
    "  stop_loss: 0.2%\n  time_exit: 3h\n",
]
INSTRUMENTS = {
    "fx": "instrument: {symbol: USD/JPY}\naccount: {currency: JPY, balance: 10000000}\n",
    "us": "instrument: US.AAPL\naccount: {currency: USD, balance: 1000000}\nsession: rth\n",
}


def timeframe_plan(
    market: str, timeframe: str, when: str, exit_when: str | None, order: str, exits: str
) -> Plan:
    us = market.startswith("us")
    text = (
        f"tradeplan: 1\nname: tf\n{INSTRUMENTS['us' if us else 'fx']}broker: paper\n"
        f"timeframe: {timeframe}\nentries:\n  - name: r\n    side: long\n    when: {when}\n"
        f"{order}    units: {10 if us else 10000}\nexits:\n{exits}"
    )
    if exit_when is not None:
        text += f"  exit_when: {exit_when}\n"
    return plan_from(text)


@pytest.mark.parametrize("timeframe", ["5m", "15m", "1h", "1d"])
@pytest.mark.parametrize("market", sorted(MARKETS))
@pytest.mark.parametrize("ticks", [False, True], ids=["minutes", "ticks"])
def test_timeframe_plans_stream_as_they_backtest(timeframe: str, market: str, ticks: bool) -> None:
    data = market_rows(len(market) + len(timeframe), market, 6, ticks=ticks)
    # A day's bar: a signal on most days (and `vwap` reads the day and the summed volume).
    when = "close > vwap() - 1" if timeframe == "1d" else "close > ema(close, 3)"
    if market.startswith("us") and timeframe != "1d":
        when += " and session == rth"
    plan = timeframe_plan(market, timeframe, when, None, TIMEFRAME_ORDERS[1], TIMEFRAME_EXITS[0])
    batch = run_backtest(plan, data)
    assert batch.result.signals, "no signal: the comparison would prove nothing"
    assert_stream_equals_batch(plan, data)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    market=st.sampled_from(sorted(MARKETS)),
    timeframe=st.sampled_from(["5m", "15m", "1h", "1d"]),
    ticks=st.booleans(),
    cut=st.floats(0.3, 1.0),
    when=st.tuples(st.sampled_from(TIMEFRAME_CONDITIONS + US_CONDITIONS), length, length),
    exit_when=st.one_of(
        st.none(), st.tuples(st.sampled_from(TIMEFRAME_CONDITIONS), length, length)
    ),
    order=st.sampled_from(TIMEFRAME_ORDERS),
    exits=st.sampled_from(TIMEFRAME_EXITS),
)
def test_generated_timeframe_rules_stream_as_they_backtest(
    seed: int,
    market: str,
    timeframe: str,
    ticks: bool,
    cut: float,
    when: tuple[Callable[[int, int], str], int, int],
    exit_when: tuple[Callable[[int, int], str], int, int] | None,
    order: str,
    exits: str,
) -> None:
    condition, a, b = when
    if condition in US_CONDITIONS and not market.startswith("us"):
        condition = TIMEFRAME_CONDITIONS[0]
    leave = None if exit_when is None else exit_when[0](exit_when[1], exit_when[2])
    plan = timeframe_plan(market, timeframe, condition(a, b), leave, order, exits)
    data = market_rows(seed, market, 6, ticks=ticks, cut=cut)
    assert_stream_equals_batch(plan, data)
