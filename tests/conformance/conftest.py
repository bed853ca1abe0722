"""The brokers the conformance suite runs against: one `VenueFactory` per adapter (README.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from binance_harness import BinanceHarness
from conformance_harness import Feed, Harness, VenueFactory
from futu_harness import FutuHarness
from oanda_harness import OandaHarness
from paper_harnesses import InProcessHarness, RemoteHarness

FACTORIES: dict[str, VenueFactory] = {
    "binance": BinanceHarness,
    "paper": InProcessHarness,
    "paper-remote": RemoteHarness,
    "futu": FutuHarness,
    "oanda": OandaHarness,
}


@pytest.fixture(params=sorted(FACTORIES))
def venue(request: pytest.FixtureRequest) -> Iterator[VenueFactory]:
    """A factory of harnesses for one broker; every harness it made is closed afterwards."""
    made: list[Harness] = []
    factory = FACTORIES[request.param]

    def make(feed: Feed) -> Harness:
        harness = factory(feed)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()
