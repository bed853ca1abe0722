"""The paper venue's harnesses: in process, and (remote) a client over TCP to a server thread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from time import monotonic, sleep

from conformance_harness import INSTRUMENT, SPREAD, Feed

from tradeplan.backtest.data import MarketData, parse_market_data
from tradeplan.brokers.paper.broker import PaperAccount
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.brokers.paper.remote import RemotePaperBroker
from tradeplan.live.paper_server import PaperServer
from tradeplan.ports.live import LiveBrokerPort

T0 = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)  # a Monday: FX trades all day


def feed_data(feed: Feed) -> MarketData:
    header = "time,open,high,low,close" + (",volume" if feed.volumes is not None else "")
    lines = [header]
    for i, bar in enumerate(feed.bars):
        cells = [(T0 + timedelta(minutes=i)).isoformat(), *bar]
        if feed.volumes is not None:
            cells.append(feed.volumes[i])
        lines.append(",".join(cells))
    return parse_market_data("\n".join(lines), default_spread=SPREAD)


def paper_venue(feed: Feed) -> LivePaperVenue:
    data = feed_data(feed)
    account = PaperAccount("JPY", feed.balance, feed.leverage)
    config = FillConfig(max_volume_share=feed.max_volume_share)
    return LivePaperVenue(data, INSTRUMENT, config, account=account, volume=data.volume)


class InProcessHarness:
    """The venue is the broker: a client restart is the same object with new listeners."""

    def __init__(self, feed: Feed) -> None:
        self.venue = paper_venue(feed)

    @property
    def broker(self) -> LiveBrokerPort:
        return self.venue

    def step(self, rows: int = 1) -> None:
        for _ in range(rows):
            self.venue.step()

    def timeout_next_submit(self, *, placed: bool) -> None:
        self.venue.faults.timeout_next_submit(placed=placed)

    def reject_next_submit(self, reason: str) -> None:
        self.venue.faults.reject_next_submit(reason)

    def duplicate_updates(self, on: bool) -> None:
        self.venue.faults.duplicate_updates = on

    def reorder_updates(self, on: bool) -> None:
        self.venue.faults.reorder_updates = on

    def disconnect(self) -> None:
        self.venue.disconnect()

    def reconnect(self) -> None:
        self.venue.reconnect()

    def restart_client(self) -> LiveBrokerPort:
        self.venue.close()
        return self.venue

    def close(self) -> None:
        self.venue.close()


class RemoteHarness:
    """`paper serve`'s server in a thread on 127.0.0.1, and `RemotePaperBroker` over TCP."""

    TIMEOUT = 1.0  # the client's answer timeout: short, so the timeout tests are quick

    def __init__(self, feed: Feed) -> None:
        self.venue = paper_venue(feed)
        self.server = PaperServer(self.venue)
        self.host, self.port = self.server.start()
        self.client = self._client()
        self._cut = False

    def _client(self) -> RemotePaperBroker:
        return RemotePaperBroker(self.host, self.port, timeout=self.TIMEOUT, backoff=(0.01, 0.05))

    @property
    def broker(self) -> LiveBrokerPort:
        return self.client

    def step(self, rows: int = 1) -> None:
        for _ in range(rows):
            self.venue.step()
        if not self._cut:
            self.client.ping()  # every push before the answer has been delivered

    def timeout_next_submit(self, *, placed: bool) -> None:
        self.venue.faults.timeout_next_submit(placed=placed)

    def reject_next_submit(self, reason: str) -> None:
        self.venue.faults.reject_next_submit(reason)

    def duplicate_updates(self, on: bool) -> None:
        self.venue.faults.duplicate_updates = on

    def reorder_updates(self, on: bool) -> None:
        self.venue.faults.reorder_updates = on

    def disconnect(self) -> None:
        self._cut = True
        self.server.suspend()
        deadline = monotonic() + 5
        while self.client.connected and monotonic() < deadline:
            sleep(0.005)
        assert not self.client.connected, "the client did not notice the disconnect"

    def reconnect(self) -> None:
        self.server.resume()
        assert self.client.wait_connected(5), "the client did not reconnect"
        self._cut = False
        self.client.ping()  # and it has told its listeners

    def restart_client(self) -> LiveBrokerPort:
        self.client.close()
        self.client = self._client()
        return self.client

    def close(self) -> None:
        self.client.close()
        self.server.close()
        self.venue.close()
