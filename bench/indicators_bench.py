"""Indicator and expression speed: milliseconds per call on 1,000,000 one-minute bars.

Run: .venv/bin/python bench/indicators_bench.py [--bars 1000000] [--repeat 5]
Target (issue 3): every indicator well under 100 ms on a million bars, so that precomputing a
strategy's signal arrays is a small part of a backtest. Each figure is the best of `--repeat`
runs (the least disturbed by other processes). The peer is TA-Lib (C) when installed; its
column shows tradeplan's time divided by TA-Lib's.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tradeplan.compiler.lowering import lower  # noqa: E402
from tradeplan.core.calendar import day_ids, us_sessions  # noqa: E402
from tradeplan.core.instrument import default_instrument  # noqa: E402
from tradeplan.lang.expr import (  # noqa: E402
    Call,
    Compare,
    Cross,
    Logic,
    Name,
    Number,
    TimeBetween,
)
from tradeplan.runtime import indicators as ind  # noqa: E402
from tradeplan.runtime.bars import BarArrays  # noqa: E402
from tradeplan.runtime.evaluate import compile_series  # noqa: E402


def best_ms(func: Callable[[], Any], repeat: int) -> float:
    func()  # warm caches and imports
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best * 1000.0


def make_bars(size: int) -> BarArrays:
    rng = np.random.default_rng(20240101)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.0004, size)))
    high = close * (1.0 + rng.random(size) * 0.0005)
    low = close * (1.0 - rng.random(size) * 0.0005)
    start = 1_704_067_200  # 2024-01-01T00:00Z, so the data crosses both DST switches
    return BarArrays.from_arrays(
        close,
        time=start + np.arange(size, dtype=np.int64) * 60,
        open=np.roll(close, 1),
        high=high,
        low=low,
        volume=rng.integers(1, 1000, size).astype(np.float64),
        spread=0.01,
        tz="America/New_York",
        us_sessions=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bars = make_bars(args.bars)
    c, h, lo, v = bars.close, bars.high, bars.low, bars.volume
    typical = ind.typical_price(h, lo, c)
    try:
        import talib  # type: ignore[import-not-found]
    except ImportError:
        talib = None

    cases: list[tuple[str, Callable[[], Any], Callable[[], Any] | None]] = []
    window = [  # (name, ours, TA-Lib's name, the price arrays both take)
        ("sma", ind.sma, "SMA", (c,)),
        ("ema", ind.ema, "EMA", (c,)),
        ("wma", ind.wma, "WMA", (c,)),
        ("rsi", ind.rsi, "RSI", (c,)),
        ("atr", ind.atr, "ATR", (h, lo, c)),
        ("highest", ind.highest, "MAX", (c,)),
        ("lowest", ind.lowest, "MIN", (c,)),
        ("stdev", ind.stdev, "STDDEV", (c,)),
        ("roc", ind.roc, "ROC", (c,)),
        ("change", ind.change, "MOM", (c,)),
    ]
    for n in (20, 200):
        for name, ours, theirs, arrays in window:
            peer = getattr(talib, theirs) if talib else None
            cases.append(
                (
                    f"{name}({n})",
                    lambda f=ours, a=arrays, n=n: f(*a, n),
                    peer and (lambda f=peer, a=arrays, n=n: f(*a, n)),
                )
            )
    cases += [
        ("vwap (daily)", lambda: ind.vwap(typical, v, bars.day), None),
        ("abs", lambda: ind.absolute(c), None),
        ("min", lambda: ind.minimum(c, h), None),
        ("max", lambda: ind.maximum(c, lo), None),
        ("us_sessions", lambda: us_sessions(bars.time), None),
        ("day_ids (New York)", lambda: day_ids(bars.time, "America/New_York"), None),
    ]
    twenty = Number(Decimal(20))
    signal = Logic(
        "and",
        (
            Cross("above", Name("close"), Call("sma", (Name("close"), twenty))),
            Compare("==", Name("session"), Name("rth")),
            TimeBetween("09:35", "15:50"),
            Compare("<", Call("rsi", (Name("close"), Number(Decimal(14)))), Number(Decimal(70))),
        ),
    )
    aapl = default_instrument("US.AAPL")
    # lowered once, as the compiler does; what is timed is the evaluation of the graph
    program, (cross, whole) = lower([signal.operands[0], signal], aapl)
    new_york = "America/New_York"
    cases += [
        (
            "compile_series: close crosses_above sma(close, 20)",
            lambda: compile_series(program, cross, bars, tz=new_york),
            None,
        ),
        (
            "compile_series: ... and session == rth and time between ... and rsi < 70",
            lambda: compile_series(program, whole, bars, tz=new_york),
            None,
        ),
    ]

    print(f"{args.bars:,} bars, best of {args.repeat} runs, numpy {np.__version__}")
    peer_name = "TA-Lib" if talib else "TA-Lib (not installed)"
    print(f"{'what':<74} {'ms':>8} {peer_name:>12} {'ratio':>7}")
    for name, ours, theirs in cases:
        ms = best_ms(ours, args.repeat)
        if theirs is None:
            print(f"{name:<74} {ms:8.2f}")
            continue
        peer_ms = best_ms(theirs, args.repeat)
        print(f"{name:<74} {ms:8.2f} {peer_ms:12.2f} {ms / peer_ms:6.1f}x")


if __name__ == "__main__":
    main()
