"""The paper venue's harnesses: in process, and (remote) a client over TCP to a server thread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conformance_harness import INSTRUMENT, SPREAD, Feed

from tradeplan.backtest.data import MarketData, parse_market_data
from tradeplan.brokers.paper.broker import PaperAccount
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.brokers.paper.live_venue import LivePaperVenue
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
