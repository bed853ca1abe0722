"""The Binance adapter's own costs, measured against the fake Binance on 127.0.0.1.

Run: .venv/bin/python bench/binance_fake_bench.py [--orders 200]

What it times (python-binance REST over HTTP/1.1 keep-alive, our WebSocket threads, the fake's
paper matching engine behind them; so these are the adapter's and the SDK's overheads, not
Binance's network):

* start: `BinanceBroker(...)` (clock, exchangeInfo, leverage brackets) plus `connect` and
  `subscribe` (listenKey, both streams open);
* submit -> ACCEPTED: a resting LIMIT order, from the call to its update at the listener (the
  REST answer reports it);
* lookup: `GET /fapi/v1/order?origClientOrderId=`;
* cancel -> CANCELLED;
* a bar: the fake steps one row, until the closed kline reached the listener;
* close(): threads stopped.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from decimal import Decimal as D
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "brokers" / "binance"))

from binance_rig import FLAT, Rig  # noqa: E402

from tradeplan.core.enums import OrderType, Side  # noqa: E402
from tradeplan.orders.model import Order  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"  {name:<22} p50 {statistics.median(ms):8.2f} ms  p99 {pct(ms, 0.99):8.2f} ms"
        f"  ({len(ms)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args()
    t = time.perf_counter()
    rig = Rig((FLAT,) * (args.orders + 10))
    started = time.perf_counter() - t
    submit, lookup, cancel, bars = [], [], [], []
    try:
        client, listener = rig.client, rig.listener
        for i in range(args.orders):
            cid = f"b{i}"
            seen = len(listener.updates)
            t = time.perf_counter()
            client.submit(Order(cid, Side.BUY, OrderType.LIMIT, D("0.01"), price=D("40000")))
            while len(listener.updates) == seen:
                time.sleep(0.00005)
            submit.append(time.perf_counter() - t)
            t = time.perf_counter()
            client.lookup(cid)
            lookup.append(time.perf_counter() - t)
            seen = len(listener.updates)
            t = time.perf_counter()
            client.cancel(cid)
            while len(listener.updates) == seen:
                time.sleep(0.00005)
            cancel.append(time.perf_counter() - t)
            n = len(listener.bars)
            t = time.perf_counter()
            rig.fake.step()
            while len(listener.bars) == n:
                time.sleep(0.00005)
            bars.append(time.perf_counter() - t)
    finally:
        t = time.perf_counter()
        rig.client.close()
        closed = time.perf_counter() - t
        rig.fake.close()
        rig.venue.close()
    print(f"Binance adapter on the fake, {args.orders} orders")
    print(f"  start + connect + subscribe {started * 1000:8.1f} ms (first: SDK import included)")
    for name, values in (
        ("submit -> ACCEPTED", submit),
        ("lookup", lookup),
        ("cancel -> CANCELLED", cancel),
        ("bar -> listener", bars),
    ):
        print(line(name, values))
    print(f"  close()                {closed * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
