"""The Binance adapter against the fake Binance (tests/brokers/binance/fake_binance.py).

The fake's matching engine is the paper venue fed the suite's bars, behind Binance's REST and
stream wire formats; the client is the real `BinanceBroker` on python-binance. USD/JPY is
listed as the contract USDJPY (tick 0.001, step 1). `step` returns once the adapter has
handled every frame the fake sent for the bars.
"""

from __future__ import annotations

import sys
from decimal import Decimal as D
from pathlib import Path
from time import monotonic, sleep

from conformance_harness import INSTRUMENT, Feed
from paper_harnesses import paper_venue

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "brokers" / "binance"))

from fake_binance import FakeBinance, SymbolSpec

from tradeplan.brokers.binance.broker import BinanceBroker, Tuning
from tradeplan.brokers.binance.config import config_from_env
from tradeplan.ports.live import FeedState, LiveBrokerPort

USDJPY = SymbolSpec("USDJPY", "USD", "JPY", D("0.001"), D(1), D(1), D(5))
TUNING = Tuning(timeout=1.0, backoff=(0.01, 0.05), max_wait=0.05, connect_timeout=2.0, poll=0.05)


def wait_for(check: object, what: str, timeout: float = 5.0) -> None:
    deadline = monotonic() + timeout
    while not check():  # type: ignore[operator]
        if monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        sleep(0.002)


class BinanceHarness:
    def __init__(self, feed: Feed) -> None:
        self.venue = paper_venue(feed)
        self.fake = FakeBinance(self.venue, USDJPY)
        self.client = self._client()

    def _client(self) -> BinanceBroker:
        return BinanceBroker(config_from_env(self.fake.environ()), INSTRUMENT, tuning=TUNING)

    @property
    def broker(self) -> LiveBrokerPort:
        return self.client

    def step(self, rows: int = 1) -> None:
        self.fake.step(rows)
        self.settle()

    def settle(self) -> None:
        """Wait until the client handled every frame the fake sent on its open streams."""
        for kind in ("user", "market"):

            def caught_up(kind: str = kind) -> bool:
                sent = self.fake.sent(kind)
                return sent is None or self.client.frames_handled(kind) >= sent

            wait_for(caught_up, f"the {kind} stream")

    def timeout_next_submit(self, *, placed: bool) -> None:
        self.fake.faults.next_order.append("placed" if placed else "lost")

    def reject_next_submit(self, reason: str) -> None:
        self.fake.faults.next_order.append("reject:" + reason)

    def duplicate_updates(self, on: bool) -> None:
        self.venue.faults.duplicate_updates = on

    def reorder_updates(self, on: bool) -> None:
        self.venue.faults.reorder_updates = on

    def disconnect(self) -> None:
        self.fake.cut_streams(refuse=True)
        wait_for(lambda: self.client.feed_state is FeedState.RECONNECTING, "RECONNECTING")

    def reconnect(self) -> None:
        self.fake.admit_streams()
        wait_for(lambda: self.client.feed_state is FeedState.LIVE, "LIVE")
        self.settle()

    def restart_client(self) -> LiveBrokerPort:
        self.client.close()
        self.client = self._client()
        return self.client

    def close(self) -> None:
        self.client.close()
        self.fake.close()
        self.venue.close()
