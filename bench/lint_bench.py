"""Lint speed: files per second in one process, and the cold start of one `tradeplan lint`.

Run: .venv/bin/python bench/lint_bench.py [--files 1000]
Targets (issue 2): >= 1,000 files/s in one process on a 2-core machine; a cold lint of one file
(process start to exit) < 400 ms. The peer is `yamllint` on the same YAML files when installed,
which only checks YAML syntax and style, so the ratio is a floor for what a full check costs.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tradeplan import api  # noqa: E402

SYMBOLS = ["USD/JPY", "EUR/USD", "GBP/JPY", "BTCUSDT", "ETHUSDT", "US.NVDA", "US.AAPL"]
BROKERS = {
    "USD/JPY": "oanda",
    "EUR/USD": "oanda",
    "GBP/JPY": "paper",
    "BTCUSDT": "binance",
    "ETHUSDT": "binance",
    "US.NVDA": "futu",
    "US.AAPL": "futu",
}
CONDITIONS = [
    "close crosses_above sma(close, {n})",
    "ema(close, {n}) crosses_below ema(close, {m}) and rsi(close, 14) > 30",
    "close > highest(high, {n})[1] or close < lowest(low, {m})[1]",
    "rsi(close, {n}) < 30 and atr({m}) > 0",
]


def make_file(i: int, rng: random.Random) -> tuple[str, str]:
    symbol = rng.choice(SYMBOLS)
    fx = "/" in symbol
    unit = "pips" if fx else "%"
    n, m = rng.randint(5, 50), rng.randint(51, 200)
    if fx and rng.random() < 0.4:
        body = f"""grid:
  side: {rng.choice(["buy", "sell"])}
  from: {100 + rng.randint(0, 5)}.00
  to: {110 + rng.randint(0, 5)}.00
  step: {rng.choice([25, 50, 100])} pips
  units: {rng.choice([1000, 2000, 5000])}
  take_profit: {rng.choice([50, 100])} pips
  stop_loss: {rng.choice(["none", "200 pips"])}
  counter: -{rng.choice([25, 50])} pips
  follow: +{rng.choice([25, 50])} pips
risk: {{max_open_positions: {rng.randint(5, 40)}, max_notional: 2000000}}
"""
    else:
        stop = f"{rng.randint(10, 40)} pips" if fx else f"{rng.choice([0.5, 1, 2])}%"
        body = f"""sizing: {{risk: {rng.choice([0.5, 1, 2, 3])}%}}
entries:
  - name: rule-{i}
    side: {rng.choice(["long", "short"])}
    when: {rng.choice(CONDITIONS).format(n=n, m=m)}
    order: {rng.choice(["market", "{type: limit, price: close}"])}
exits:
  stop_loss: {stop}
  take_profit: {rng.randint(2, 8) * (10 if fx else 1)} {unit if fx else ""}{"" if fx else "%"}
  break_even: {{at: {"5 pips" if fx else "0.3%"}, within: 30m, otherwise: close}}
  time_exit: {rng.randint(1, 12)}h
"""
    if rng.random() < 0.15:  # some files carry mistakes, as real ones do
        body = body.replace("take_profit", rng.choice(["take_prfit", "takeprofit", "take_profit"]))
    return (
        f"s{i}.yaml",
        f"tradeplan: 1\nname: s{i}\ninstrument: {symbol}\nbroker: {BROKERS[symbol]}\n{body}",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(args.files):
            name, text = make_file(i, rng)
            (folder / name).write_text(text)
        api.lint([folder])  # warm the grammar and imports once, as a long CI job would
        start = time.perf_counter()
        report = api.lint([folder])
        elapsed = time.perf_counter() - start
        rate = len(report.files) / elapsed
        print(
            f"lint in one process: {len(report.files)} files in {elapsed:.3f} s = "
            f"{rate:,.0f} files/s (target >= 1,000), {report.errors} errors, "
            f"{report.warnings} warnings found"
        )
        exe = ROOT / ".venv" / "bin" / "tradeplan"
        one = ROOT / "strategies" / "btc-breakout.yaml"
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            subprocess.run([str(exe), "lint", str(one)], capture_output=True, check=False)
            times.append(time.perf_counter() - t0)
        cold = statistics.median(times)
        print(
            f"cold `tradeplan lint` of one file: median {cold * 1000:.0f} ms over 7 runs "
            f"(target < 400 ms)"
        )
        yamllint = shutil.which("yamllint") or str(ROOT / ".venv" / "bin" / "yamllint")
        if Path(yamllint).exists():
            t0 = time.perf_counter()
            subprocess.run(
                [yamllint, "-d", "relaxed", str(folder)], capture_output=True, check=False
            )
            peer = time.perf_counter() - t0
            peer_rate = len(report.files) / peer
            print(
                f"peer yamllint (syntax and style only): {peer_rate:,.0f} files/s; "
                f"tradeplan/yamllint = {rate / peer_rate:.2f}x"
            )
        else:
            print("peer yamllint not installed: `.venv/bin/pip install yamllint` to compare")


if __name__ == "__main__":
    main()
