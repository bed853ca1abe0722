"""A fake OANDA trading USD/JPY bars through the paper venue, adapters connected to it, and
waiting for what it sent (the fixture is registered by conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from time import monotonic, sleep

import pytest
from fake_oanda import FakeOanda

from tradeplan.backtest.data import parse_market_data
from tradeplan.brokers.oanda import open_live
from tradeplan.brokers.oanda.broker import OandaBroker
from tradeplan.brokers.paper.broker import PaperAccount
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.core.instrument import default_instrument
from tradeplan.ports.adapters import AdapterRequest

USD_JPY = default_instrument("USD/JPY")
T0 = datetime(2025, 1, 6, tzinfo=UTC)
FLAT = ("150.000", "150.050", "149.950", "150.000")
WIDE = ("150.000", "152.000", "148.000", "150.000")


def venue(bars: tuple[tuple[str, str, str, str], ...], balance: Decimal) -> LivePaperVenue:
    lines = ["time,open,high,low,close"]
    lines += [",".join([(T0 + timedelta(minutes=i)).isoformat(), *b]) for i, b in enumerate(bars)]
    data = parse_market_data("\n".join(lines), default_spread="0.010")
    return LivePaperVenue(data, USD_JPY, FillConfig(), account=PaperAccount("JPY", balance, None))


Connect = Callable[..., tuple[FakeOanda, OandaBroker]]


@pytest.fixture
def oanda() -> Iterator[Connect]:
    """`oanda(bars, timeout=..., stale_after=...)` -> a started fake and an adapter on it."""
    made: list[tuple[FakeOanda, OandaBroker]] = []

    def connect(
        bars: tuple[tuple[str, str, str, str], ...] = (FLAT, WIDE, FLAT, FLAT),
        *,
        timeout: float = 0.5,
        stale_after: float = 5.0,
        balance: Decimal = Decimal(100_000_000),
    ) -> tuple[FakeOanda, OandaBroker]:
        fake = FakeOanda(venue=venue(bars, balance), balance=balance)
        fake.start()
        broker = open_live(
            AdapterRequest(
                USD_JPY, 60, fake.environ(), connect_timeout=timeout, stale_after=stale_after
            )
        )
        made.append((fake, broker))
        return fake, broker

    yield connect
    for fake, broker in made:
        broker.close()
        fake.close()


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = monotonic() + seconds
    while not condition():
        if monotonic() > deadline:
            raise AssertionError("timed out waiting")
        sleep(0.002)


def step(fake: FakeOanda, broker: OandaBroker, rows: int = 1) -> None:
    """Process `rows` bars and wait until the adapter has handled all the fake sent."""
    fake.step(rows)

    def delivered() -> bool:
        clock = broker.market_clock
        tx_done = broker.transaction_clock >= fake.last_written
        return tx_done and (clock is not None and clock >= fake.market_time)

    wait_for(delivered)
