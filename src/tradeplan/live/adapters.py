"""The live broker adapters by name, imported only when named (`tradeplan.ports.adapters`).

An SDK is heavy and Futu's has import side effects (logs under $HOME, a SIGINT handler, threads),
so nothing here imports an adapter package until a user asks for that broker; a missing SDK is
a message saying what to install, not a traceback.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from types import ModuleType

from tradeplan.ports.adapters import AdapterConfigError, AdapterRequest, VenueInstrument
from tradeplan.ports.live import LiveBrokerPort

# name -> (package, the SDK's distribution name on PyPI, the extra that installs it)
ADAPTERS: Mapping[str, tuple[str, str, str]] = {
    "binance": ("tradeplan.brokers.binance", "python-binance", "binance"),
    "oanda": ("tradeplan.brokers.oanda", "oandapyV20", "oanda"),
    "futu": ("tradeplan.brokers.futu", "futu-api", "futu"),
}


class AdapterMissing(AdapterConfigError):
    """The broker is known but its adapter or SDK cannot be imported here."""


def adapter_module(name: str) -> ModuleType:
    try:
        package, sdk, extra = ADAPTERS[name]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise AdapterConfigError(f"no live adapter named {name!r}; known: {known}") from None
    try:
        return importlib.import_module(package)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == package or package.startswith(exc.name + ".")):
            raise AdapterMissing(f"the {name} adapter is not part of this install") from None
        raise AdapterMissing(
            f"the {name} adapter needs the {sdk} package ({exc.name} is missing): "
            f"pip install 'tradeplan[{extra}]'"
        ) from None


def open_live(name: str, request: AdapterRequest) -> LiveBrokerPort:
    """Connect to broker `name` for `request.instrument`; see `tradeplan.ports.adapters`."""
    broker: LiveBrokerPort = adapter_module(name).open_live(request)
    return broker


def venue_instruments(
    name: str, symbols: Sequence[str], environ: Mapping[str, str], connect_timeout: float = 10.0
) -> tuple[VenueInstrument, ...]:
    found: tuple[VenueInstrument, ...] = adapter_module(name).venue_instruments(
        tuple(symbols), environ, connect_timeout
    )
    return found


__all__ = ["ADAPTERS", "AdapterMissing", "adapter_module", "open_live", "venue_instruments"]
