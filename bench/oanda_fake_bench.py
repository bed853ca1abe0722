"""Round trips of the OANDA adapter against the fake OANDA on 127.0.0.1 (the real SDK).

What it measures is the adapter's overhead plus loopback HTTP: a submit (OrderCreate, then
waiting for the transaction stream to bring the order's creation, so the ACCEPTED update is
delivered before submit returns) and a lookup (`GET orders/@clientId`). It says nothing of
OANDA's own latency. Run: `.venv/bin/python bench/oanda_fake_bench.py [N]`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from decimal import Decimal as D
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "brokers" / "oanda"))

from fake_oanda import FakeOanda
from oanda_support import FLAT, USD_JPY, venue

from tradeplan.brokers.oanda import open_live
from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order
from tradeplan.ports.adapters import AdapterRequest


class Quiet:
    def on_order_update(self, update: object) -> None: ...
    def on_price_touch(self, touch: object) -> None: ...
    def on_bar(self, bar: object) -> None: ...
    def on_feed_state(self, state: object, detail: str) -> None: ...


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * share) - 1, 0)]


def main(count: int) -> None:
    fake = FakeOanda(venue=venue((FLAT,) * 3, D(10**9)), balance=D(10**9))
    fake.start()
    broker = open_live(AdapterRequest(USD_JPY, 60, fake.environ(), connect_timeout=2.0))
    broker.connect(Quiet())
    broker.subscribe(Quiet())
    submits, lookups = [], []
    for i in range(count):
        order = Order(f"b{i}", Side.BUY, OrderType.LIMIT, D(1000), price=D("140.000"))
        start = time.perf_counter()
        broker.submit(order)
        submits.append(time.perf_counter() - start)
    for i in range(count):
        start = time.perf_counter()
        broker.lookup(f"b{i}")
        lookups.append(time.perf_counter() - start)
    broker.close()
    fake.close()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{count} each, load average {load}")
    for name, values in (("submit + stream echo", submits), ("lookup @clientId", lookups)):
        print(
            f"{name:22} p50 {statistics.median(values) * 1e3:6.2f} ms"
            f"  p99 {percentile(values, 0.99) * 1e3:6.2f} ms"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
