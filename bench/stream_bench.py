"""Streaming (live-path) cost per closed bar, against the batch backtest on the same bars.

Run: .venv/bin/python bench/stream_bench.py [--bars 200000] [--repeat 3]

Issue 8 target: the streaming path's cost per closed bar for a four-indicator rule under
200 microseconds. The rule (EUR/USD, 1-minute bars, 10,000 units, take profit 20 pips, stop
loss 15 pips) enters long when `ema(close, 20) crosses_above ema(close, 50) and
rsi(close, 14) < 70 and atr(14) > 1 pips` (four indicators: two ema, rsi, atr).

Figures, each the best of `--repeat` runs:

* signals per bar: `SignalFeed.push` alone (step indicators and the expression steps), the
  part a live run adds per bar over the batch evaluator;
* stream per bar: the whole streaming replay (`backtest/stream.py`: the paper broker walks
  the row, the feed pushes the bar, the engine sees the close), which is what a live run's
  bar costs besides the network;
* batch per bar: the batch backtest's signal and run phases on the same bars (it jumps over
  quiet rows), and the ratio stream / batch.

The two runs must give the same trades and orders; the bench says so, or stops.
Data: a geometric random walk around 1.10 with 5 decimals, 24 hours a day, seed 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tradeplan.api_backtest import BacktestOptions, run_backtest  # noqa: E402
from tradeplan.backtest.data import MarketData, parse_market_data  # noqa: E402
from tradeplan.compiler.pipeline import compile_source  # noqa: E402
from tradeplan.lang.source import Form  # noqa: E402
from tradeplan.plan.model import Plan  # noqa: E402
from tradeplan.runtime.signal_feed import SignalFeed  # noqa: E402

STRATEGY = """\
tradeplan: 1
name: four-indicators
instrument: {symbol: EUR/USD}
account: {currency: USD, balance: 100000}
broker: paper
entries:
  - name: cross
    side: long
    when: ema(close, 20) crosses_above ema(close, 50) and rsi(close, 14) < 70 and atr(14) > 1 pips
    order: market
    units: 10000
exits:
  take_profit: 20 pips
  stop_loss: 15 pips
"""


def generate(bars: int, seed: int = 1) -> MarketData:
    rng = np.random.default_rng(seed)
    sigma = 0.08 / np.sqrt(365 * 1440)
    close = 1.10 * np.exp(np.cumsum(rng.normal(0.0, sigma, bars)))
    opens = np.concatenate(([1.10], close[:-1]))
    high = np.maximum(opens, close) + np.abs(rng.normal(0.0, sigma * 0.5, bars))
    low = np.minimum(opens, close) - np.abs(rng.normal(0.0, sigma * 0.5, bars))
    start = datetime(2025, 1, 6, tzinfo=UTC)
    lines = ["time,open,high,low,close,spread"]
    for i in range(bars):
        stamp = int((start + timedelta(minutes=i)).timestamp())
        lines.append(f"{stamp},{opens[i]:.5f},{high[i]:.5f},{low[i]:.5f},{close[i]:.5f},0.00002")
    return parse_market_data("\n".join(lines), source="generated")


def compiled() -> Plan:
    result = compile_source(STRATEGY, "four.yaml", Form.YAML)
    assert result.plan is not None, result.diagnostics
    return result.plan


def best(repeat: int, run: object) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data, plan = generate(args.bars), compiled()
    rows = len(data)
    seconds = (data.time_ns // 1_000_000_000).tolist()
    columns = [np.asarray(c).tolist() for c in (data.open, data.high, data.low, data.close)]
    volume, spread = data.volume.tolist(), data.spread.tolist()

    def signals_only() -> None:
        feed = SignalFeed(plan, rows)
        o, h, lo, c = columns
        for row in range(rows):
            bar = feed.bar(seconds[row], o[row], h[row], lo[row], c[row], volume[row], spread[row])
            feed.push(row, bar)

    signal_s = best(args.repeat, signals_only)
    batch_runs, stream_runs = [], []
    for _ in range(args.repeat):
        batch_runs.append(run_backtest(plan, data))
        stream_runs.append(run_backtest(plan, data, BacktestOptions(stream=True)))
    batch, stream = batch_runs[0], stream_runs[0]
    if batch.result.trades != stream.result.trades or batch.result.orders != stream.result.orders:
        sys.exit("stream and batch runs differ: the bench stops (see test_stream_equals_batch)")
    stream_s = min(r.timings["run"] + r.timings["signals"] for r in stream_runs)
    batch_s = min(r.timings["run"] + r.timings["signals"] for r in batch_runs)
    per = 1e6 / rows
    print(f"bars {rows:,}; trades {len(batch.result.trades):,} (stream and batch identical)")
    print(f"signals per bar (SignalFeed.push, 4 indicators): {signal_s * per:8.1f} us")
    verdict = "under" if stream_s * per < 200 else "OVER"
    print(
        f"stream per bar (broker + feed + engine):     {stream_s * per:8.1f} us  ({verdict} 200 us)"
    )
    print(f"batch per bar (signals + run phase):         {batch_s * per:8.2f} us")
    print(f"ratio stream / batch:                        {stream_s / batch_s:8.1f}x")


if __name__ == "__main__":
    main()
