"""The Futu adapter's own costs, on the real SDK against the fake OpenD on 127.0.0.1.

`.venv/bin/python bench/futu_bench.py [--orders N]` prints:

1. open: `FutuBroker` connected and ready (two SDK contexts, account check, unlock, today's
   orders and fills, K-line subscription, static info), and close;
2. submit -> ACCEPTED at the listener, p50 / p99 over N limit orders (`place_order` sends
   Trd_GetAccList, Trd_PlaceOrder, then Trd_GetOrderList: three round trips);
3. cancel -> CANCELLED at the listener, p50 / p99;
4. a bar pushed -> LiveBar at the listener, p50 / p99.

The fake answers on loopback at once, so these are the adapter's and the SDK's own time, not
OpenD's or the network's: a floor, and what the adapter adds on top of a real gateway.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import threading
from decimal import Decimal
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "brokers" / "futu"))

from futu_fake_opend import SDK_HOME, FakeOpenD  # noqa: E402

from tradeplan.brokers.futu.config import config_from_env  # noqa: E402
from tradeplan.brokers.futu.execution import FutuBroker  # noqa: E402
from tradeplan.core.enums import OrderType, Side  # noqa: E402
from tradeplan.core.instrument import default_instrument  # noqa: E402
from tradeplan.orders.model import Order  # noqa: E402

PASSWORD = "bench-password"
FLAT = ("150.00", "150.05", "149.95", "150.00")


class Listener:
    def __init__(self) -> None:
        self.events: dict[tuple[str, str], float] = {}
        self.bars: list[float] = []
        self.changed = threading.Condition()

    def on_order_update(self, update: object) -> None:
        with self.changed:
            self.events[(update.order.id, update.kind.value)] = perf_counter()  # type: ignore[attr-defined]
            self.changed.notify_all()

    def on_price_touch(self, touch: object) -> None:
        pass

    def on_bar(self, bar: object) -> None:
        with self.changed:
            self.bars.append(perf_counter())
            self.changed.notify_all()

    def on_feed_state(self, state: object, detail: str) -> None:
        pass

    def wait(self, key: tuple[str, str]) -> float:
        with self.changed:
            self.changed.wait_for(lambda: key in self.events, timeout=10)
            return self.events[key]


def quantiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return f"p50 {statistics.median(ms):7.2f} ms  p99 {p99:7.2f} ms  (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args()
    bars = (FLAT,) * (args.orders + 1)
    venue = FakeOpenD(bars, password_md5=hashlib.md5(PASSWORD.encode()).hexdigest())
    host, port = venue.start()
    env = {
        "FUTU_HOST": host,
        "FUTU_PORT": str(port),
        "FUTU_TRD_ENV": "real",
        "FUTU_TRADE_PASSWORD": PASSWORD,
        "HOME": SDK_HOME,
    }
    began = perf_counter()
    broker = FutuBroker(
        config_from_env(env),
        default_instrument("US.NVDA"),
        env,
        code="US.NVDA",
        answer_timeout=2.0,
    )
    opened = perf_counter() - began
    listener = Listener()
    broker.connect(listener)
    broker.subscribe(listener)
    accepted, cancelled, bar_lag = [], [], []
    for i in range(args.orders):
        cid = f"bench-{i}"
        sent = perf_counter()
        broker.submit(Order(cid, Side.BUY, OrderType.LIMIT, Decimal(1), price=Decimal("140")))
        accepted.append(listener.wait((cid, "accepted")) - sent)
        sent = perf_counter()
        broker.cancel(cid)
        cancelled.append(listener.wait((cid, "cancelled")) - sent)
        seen = len(listener.bars)
        pushed = perf_counter()
        venue.step(1)
        with listener.changed:
            listener.changed.wait_for(lambda seen=seen: len(listener.bars) > seen, timeout=10)
        bar_lag.append(listener.bars[-1] - pushed)
    began = perf_counter()
    broker.close()
    closed = perf_counter() - began
    venue.close()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"futu adapter on the fake OpenD (Python {sys.version.split()[0]}, load {load})")
    print(f"1. open {opened * 1000:8.1f} ms   close {closed * 1000:7.1f} ms")
    print(f"2. submit -> accepted   {quantiles(accepted)}")
    print(f"3. cancel -> cancelled  {quantiles(cancelled)}")
    print(f"4. bar push -> LiveBar  {quantiles(bar_lag)}")


if __name__ == "__main__":
    main()
