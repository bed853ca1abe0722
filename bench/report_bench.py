"""report.html: how long it takes to build and how big it is.

Run: .venv/bin/python bench/report_bench.py [--repeat 3] [--trades 9000] [--bars 1000000]

Two cases, each timed as the fastest of `--repeat` calls of `render_report` alone (the CSV and
summary files are not counted):

* demo: `make demo`'s run (usdjpy-grid over a year of USD/JPY minutes, 371,195 rows), the report
  built from the same inputs `tradeplan backtest` gives it;
* workload A: `--trades` trades (default 9,000, the trade count of the sma-cross workload of
  bench/backtest_bench.py) over `--bars` generated 1-minute bars, with an equity point a bar and
  a take-profit and a stop order for each trade. Issue 14's target: under 0.3 s.

Sizes are the page's bytes with and without the inlined plotly.js (~4.8 MB, the same in every
report).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CENT = Decimal("0.01")


def fastest(repeat: int, make: Callable[[], str]) -> tuple[float, str]:
    best, page = float("inf"), ""
    for _ in range(repeat):
        began = time.perf_counter()
        page = make()
        best = min(best, time.perf_counter() - began)
    return best, page


def demo(repeat: int) -> tuple[float, str]:
    import tradeplan.backtest.run as run_module
    from tradeplan.api import compile as compile_file
    from tradeplan.api_backtest import backtest, write_outputs

    strategy = ROOT / "strategies" / "usdjpy-grid.yaml"
    plan = compile_file(str(strategy)).plan
    assert plan is not None
    run = backtest(plan, ROOT / "data" / "usdjpy_1m_2025.csv.gz")
    captured: dict[str, Any] = {}
    original = run_module.render_report

    def capture(*args: Any, **kwargs: Any) -> str:
        captured["args"], captured["kwargs"] = args, kwargs
        return original(*args, **kwargs)

    run_module.render_report = capture  # type: ignore[assignment]
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        write_outputs(run, Path(folder) / "out", inputs=(strategy,))
    run_module.render_report = original
    return fastest(repeat, lambda: original(*captured["args"], **captured["kwargs"]))


def workload_a(repeat: int, count: int, bars: int) -> tuple[float, str]:
    from tradeplan.core.enums import OrderType, Side
    from tradeplan.core.epoch import datetime_from_ns
    from tradeplan.reporting.html_report import ReportExtras, render_report
    from tradeplan.reporting.metrics import summarize
    from tradeplan.reporting.price_series import PriceBars
    from tradeplan.runtime.records import (
        EquityCurve,
        ExitReason,
        OrderEventKind,
        OrderEventRecord,
        TradeRecord,
    )

    rng = np.random.default_rng(1)
    start = 1_735_689_600 * 10**9  # 2025-01-01
    times = start + np.arange(bars, dtype=np.int64) * 60 * 10**9
    close = np.round(1.10 * np.exp(np.cumsum(rng.normal(0, 0.0002, bars))), 5)
    high, low = close + 0.0002, close - 0.0002
    trades, orders = [], []
    gap = bars // count
    for n in range(count):
        entry_row = n * gap
        exit_row = entry_row + rng.integers(1, gap)
        entry_time = datetime_from_ns(int(times[entry_row]))
        exit_time = datetime_from_ns(int(times[exit_row]))
        entry = Decimal(f"{close[entry_row]:.5f}")
        exit_ = Decimal(f"{close[exit_row]:.5f}")
        pnl = ((exit_ - entry) * 1000).quantize(CENT)  # booked, as the engine's trades are
        reason = ExitReason.TAKE_PROFIT if pnl > 0 else ExitReason.STOP_LOSS
        trades.append(
            TradeRecord(
                n + 1, "cross", Side.BUY, Decimal(1000), entry_time, entry, exit_time, exit_,
                reason, pnl, Decimal("0.00"), abs(pnl), (abs(pnl) / 2).quantize(CENT),
            )
        )  # fmt: skip
        for oid, kind, level in (
            (f"{n}t", OrderType.LIMIT, entry * Decimal("1.005")),
            (f"{n}s", OrderType.STOP, entry * Decimal("0.997")),
        ):
            level = level.quantize(Decimal("0.00001"))
            price, trigger = (level, None) if kind is OrderType.LIMIT else (None, level)
            orders.append(
                OrderEventRecord(entry_time, oid, "cross", kind, Side.SELL, Decimal(1000),
                                 price, trigger, OrderEventKind.PLACED)
            )  # fmt: skip
            orders.append(
                OrderEventRecord(exit_time + timedelta(0), oid, "cross", kind, Side.SELL,
                                 Decimal(1000), price, trigger, OrderEventKind.CANCELLED)
            )  # fmt: skip
    equity = 1_000_000 + np.cumsum(rng.normal(0, 5, bars))
    curve = EquityCurve(times, equity, equity.copy(), Decimal(1_000_000))
    summary = summarize(trades, curve, currency="USD")
    prices = PriceBars(times, close, high, low, close, 5)
    extras = ReportExtras(orders=orders, first_close=Decimal("1.10000"), last_close=Decimal(1))

    def make() -> str:
        return render_report("workload A", summary, trades, curve, prices, extras, currency="USD")

    return fastest(repeat, make)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--trades", type=int, default=9_000)
    parser.add_argument("--bars", type=int, default=1_000_000)
    args = parser.parse_args()
    from tradeplan.reporting.plotly_asset import plotly_js

    bundle = len(plotly_js().encode("utf-8"))
    for name, (seconds, page) in (
        ("demo (usdjpy-grid, 371,195 rows, 100 trades)", demo(args.repeat)),
        (
            f"workload A ({args.trades:,} trades, {args.bars:,} bars)",
            workload_a(args.repeat, args.trades, args.bars),
        ),
    ):
        size = len(page.encode("utf-8"))
        print(
            f"{name}: render_report {seconds:.3f} s; page {size / 1e6:.2f} MB, "
            f"{(size - bundle) / 1e6:.2f} MB without plotly.js"
        )


if __name__ == "__main__":
    main()
