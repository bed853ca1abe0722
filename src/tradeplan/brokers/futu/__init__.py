"""Futu OpenD adapter (US stocks) on futu-api: `open_live` and `venue_instruments`.

Importing this package is cheap and has no side effects: the SDK (whose import writes log
files, prints, and replaces the SIGINT handler) is imported only when a connection is opened,
through `tradeplan.brokers.futu.sdk`. docs/brokers/futu.md says how to set it up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tradeplan.ports.adapters import AdapterConfigError, AdapterRequest, VenueInstrument

if TYPE_CHECKING:
    from tradeplan.ports.live import LiveBrokerPort


def futu_code(symbol: str) -> str:
    """The domain symbol of a US stock (`US.NVDA`) is also Futu's code."""
    if not symbol.startswith("US.") or len(symbol) < 4:
        raise AdapterConfigError(
            f"the futu adapter trades US stocks named like US.NVDA; {symbol!r} is not one "
            "(set instrument.symbol in the strategy)"
        )
    return symbol


def open_live(request: AdapterRequest) -> LiveBrokerPort:
    from tradeplan.brokers.futu.config import config_from_env
    from tradeplan.brokers.futu.execution import FutuBroker

    config = config_from_env(request.environ)
    code = futu_code(request.instrument.symbol)
    return FutuBroker(
        config,
        request.instrument,
        request.environ,
        code=code,
        connect_timeout=request.connect_timeout,
        answer_timeout=min(request.connect_timeout, 10.0),
        stale_after=request.stale_after,
        bar_seconds=request.bar_seconds,
    )


def venue_instruments(
    symbols: Sequence[str], environ: Mapping[str, str], connect_timeout: float
) -> tuple[VenueInstrument, ...]:
    from tradeplan.brokers.futu.instruments import read_instruments

    return read_instruments([futu_code(s) for s in symbols], environ, connect_timeout)


__all__ = ["futu_code", "open_live", "venue_instruments"]
