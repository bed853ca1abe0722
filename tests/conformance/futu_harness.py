"""The Futu adapter against the fake FutuOpenD (tests/brokers/futu/futu_fake_opend.py).

The suite's USD/JPY bars become the bars of one US stock (`US.USDJPY` at the venue, the plan's
symbol `USD/JPY` in every report) from 09:30 New York on a Monday, so market orders are in
regular hours. The adapter runs in the real environment with a trading password (every order
goes through unlock). `step` returns once every push the fake wrote has reached the adapter's
handlers (the fake counts what it wrote per connection; the adapter counts what it handled).
"""

from __future__ import annotations

import hashlib
import sys
from decimal import Decimal
from pathlib import Path
from time import monotonic, sleep

from conformance_harness import INSTRUMENT, SPREAD, Feed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "brokers" / "futu"))

from futu_fake_opend import SDK_HOME, FakeOpenD

from tradeplan.brokers.futu.config import config_from_env
from tradeplan.brokers.futu.execution import FutuBroker
from tradeplan.ports.live import LiveBrokerPort

PASSWORD = "fake-trade-password-731"
CODE = "US.USDJPY"


class FutuHarness:
    TIMEOUT = 1.0

    def __init__(self, feed: Feed) -> None:
        self.venue = FakeOpenD(
            feed.bars,
            code=CODE,
            volumes=feed.volumes,
            max_volume_share=feed.max_volume_share,
            balance=feed.balance,
            leverage=feed.leverage,
            spread=Decimal(SPREAD),
            password_md5=hashlib.md5(PASSWORD.encode()).hexdigest(),
        )
        self.host, self.port = self.venue.start()
        self.environ = {
            "FUTU_HOST": self.host,
            "FUTU_PORT": str(self.port),
            "FUTU_TRD_ENV": "real",
            "FUTU_TRADE_PASSWORD": PASSWORD,
            "HOME": SDK_HOME,
        }
        self._cut = False
        self.client = self._client()

    def _client(self) -> FutuBroker:
        self._first_conn = self.venue.next_conn_id
        return FutuBroker(
            config_from_env(self.environ),
            INSTRUMENT,
            self.environ,
            code=CODE,
            connect_timeout=5.0,
            answer_timeout=self.TIMEOUT,
            reconnect=0.05,
            retry_pause=0.05,
        )

    @property
    def broker(self) -> LiveBrokerPort:
        return self.client

    def settle(self) -> None:
        deadline = monotonic() + 5
        while monotonic() < deadline:
            if self.client.pushes_seen >= self.venue.pushes_since(self._first_conn):
                return
            sleep(0.002)

    def step(self, rows: int = 1) -> None:
        self.venue.step(rows)
        if not self._cut:
            self.settle()

    def timeout_next_submit(self, *, placed: bool) -> None:
        self.venue.timeout_next_submit(placed=placed)

    def reject_next_submit(self, reason: str) -> None:
        self.venue.reject_next_submit(reason)

    def duplicate_updates(self, on: bool) -> None:
        self.venue.duplicate = on

    def reorder_updates(self, on: bool) -> None:
        self.venue.reorder = on

    def disconnect(self) -> None:
        self._cut = True
        self.venue.suspend()
        deadline = monotonic() + 5
        while self.client.connected and monotonic() < deadline:
            sleep(0.005)
        assert not self.client.connected, "the adapter did not notice the disconnect"

    def reconnect(self) -> None:
        self.venue.resume()
        assert self.client.wait_connected(10), "the adapter did not reconnect"
        self._cut = False
        self.settle()

    def restart_client(self) -> LiveBrokerPort:
        self.client.close()
        self.client = self._client()
        return self.client

    def close(self) -> None:
        self.client.close()
        self.venue.close()
