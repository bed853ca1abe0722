"""The Binance USD-M futures adapter (python-binance 1.0.37); docs/brokers/binance.md.

Importing this package is cheap: the SDK is imported only when `open_live` or
`venue_instruments` is called (rest.py). Settings come from the environment (config.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tradeplan.ports.adapters import AdapterRequest, VenueInstrument

if TYPE_CHECKING:
    from tradeplan.ports.live import LiveBrokerPort


def open_live(request: AdapterRequest) -> LiveBrokerPort:
    """Connect for `request.instrument`; see `tradeplan.ports.adapters`."""
    from tradeplan.brokers.binance.broker import BinanceBroker, Tuning
    from tradeplan.brokers.binance.config import config_from_env

    config = config_from_env(request.environ)
    tuning = Tuning(timeout=request.connect_timeout, connect_timeout=request.connect_timeout)
    return BinanceBroker(
        config,
        request.instrument,
        bar_seconds=request.bar_seconds,
        stale_after=request.stale_after,
        tuning=tuning,
    )


def venue_instruments(
    symbols: Sequence[str], environ: Mapping[str, str], connect_timeout: float = 10.0
) -> tuple[VenueInstrument, ...]:
    """The live rules of each symbol (public data: no keys needed)."""
    from tradeplan.brokers.binance.instruments import load_instruments

    return load_instruments(symbols, environ, connect_timeout)


__all__ = ["open_live", "venue_instruments"]
