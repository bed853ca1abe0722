"""The brokers the conformance suite runs against: one `VenueFactory` per adapter (README.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conformance_harness import Feed, Harness, VenueFactory
from paper_harnesses import InProcessHarness, RemoteHarness

FACTORIES: dict[str, VenueFactory] = {
    "paper": InProcessHarness,
    "paper-remote": RemoteHarness,
    "oanda": __import__("oanda_harness").OandaHarness,
    "futu": __import__("futu_harness").FutuHarness,
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
