"""The OANDA adapter on the conformance suite: the real `oandapyV20` against the fake OANDA.

The fake (tests/brokers/oanda/fake_oanda.py) serves REST and both streams on 127.0.0.1 and
matches orders with the paper venue fed the suite's bars; `OandaBroker` is the adapter as
`open_live` builds it, with short timeouts so the timeout cases take a fraction of a second.
`step` waits until the adapter has handled the heartbeats the fake sends after each bar (the
transaction stream's carries `lastTransactionID`), so every report and bar is in.
"""

from __future__ import annotations

import sys
from pathlib import Path
from time import monotonic, sleep

from conformance_harness import INSTRUMENT, Feed
from paper_harnesses import paper_venue

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "brokers" / "oanda"))

from fake_oanda import FakeOanda

from tradeplan.brokers.oanda import open_live
from tradeplan.brokers.oanda.broker import OandaBroker
from tradeplan.ports.adapters import AdapterRequest
from tradeplan.ports.live import LiveBrokerPort

TIMEOUT = 0.5  # the client's answer timeout
WAIT = 5.0


class OandaHarness:
    def __init__(self, feed: Feed) -> None:
        self.fake = FakeOanda(venue=paper_venue(feed), balance=feed.balance)
        self.fake.start()
        self.fake.faults.timeout_delay = TIMEOUT + 0.2
        self._cut = False
        self.client = self._client()

    def _client(self) -> OandaBroker:
        request = AdapterRequest(
            INSTRUMENT, 60, self.fake.environ(), connect_timeout=TIMEOUT, stale_after=5.0
        )
        broker = open_live(request)
        assert isinstance(broker, OandaBroker)
        return broker

    @property
    def broker(self) -> LiveBrokerPort:
        return self.client

    def step(self, rows: int = 1) -> None:
        self.fake.step(rows)
        if not self._cut:
            self._wait_delivered()

    def _wait_delivered(self) -> None:
        deadline = monotonic() + WAIT
        client, fake = self.client, self.fake
        while monotonic() < deadline:
            tx_done = client._tx_stream is None or client.transaction_clock >= fake.last_written
            clock = client.market_clock
            prices_done = client._price_stream is None or (
                clock is not None and clock >= fake.market_time
            )
            if tx_done and prices_done:
                return
            sleep(0.002)
        raise AssertionError("the adapter did not receive what the fake sent")

    def timeout_next_submit(self, *, placed: bool) -> None:
        self.fake.faults.timeout_submit = placed

    def reject_next_submit(self, reason: str) -> None:
        self.fake.faults.reject_reason = reason

    def duplicate_updates(self, on: bool) -> None:
        self.fake.faults.duplicate = on

    def reorder_updates(self, on: bool) -> None:
        self.fake.faults.reorder = on

    def disconnect(self) -> None:
        self._cut = True
        self.fake.disconnect()
        deadline = monotonic() + WAIT
        while self.client.connected and monotonic() < deadline:
            sleep(0.002)
        assert not self.client.connected, "the adapter did not notice the disconnect"

    def reconnect(self) -> None:
        self.fake.reconnect()
        deadline = monotonic() + WAIT
        while not self.client.connected and monotonic() < deadline:
            sleep(0.002)
        assert self.client.connected, "the adapter did not reconnect"
        self._cut = False
        self._wait_delivered()

    def restart_client(self) -> LiveBrokerPort:
        self.client.close()
        self.client = self._client()
        return self.client

    def close(self) -> None:
        self.client.close()
        self.fake.close()
        self.fake.venue.close() if self.fake.venue else None
