"""OANDA v20 (FX) through `oandapyV20`: the adapter's two entry points (ports/adapters.py).

The SDK is imported only when one of these is called, so importing the package is cheap.
Settings come from the environment (`config.py`): OANDA_TOKEN, OANDA_ACCOUNT_ID,
OANDA_ENV=practice|live, and OANDA_API_URL / OANDA_STREAM_URL to point elsewhere.
See docs/brokers/oanda.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tradeplan.ports.adapters import AdapterConfigError, AdapterRequest, VenueInstrument
from tradeplan.ports.live import BrokerUnavailable

if TYPE_CHECKING:
    from tradeplan.brokers.oanda.broker import OandaBroker
    from tradeplan.brokers.oanda.config import OandaConfig
    from tradeplan.brokers.oanda.rules import InstrumentRules
    from tradeplan.brokers.oanda.sizing import LiveFigures

DEFAULT_STALE_AFTER = 15.0  # three of OANDA's 5-second heartbeats


def open_live(request: AdapterRequest) -> OandaBroker:
    from tradeplan.brokers.oanda.bars import GRANULARITIES
    from tradeplan.brokers.oanda.broker import OandaBroker
    from tradeplan.brokers.oanda.config import config_from_env

    config = config_from_env(request.environ)
    if request.bar_seconds not in GRANULARITIES:
        known = ", ".join(f"{s}s" for s in GRANULARITIES)
        raise AdapterConfigError(
            f"OANDA has no {request.bar_seconds}-second bars; use a timeframe of {known}"
        )
    symbol = request.instrument.symbol
    rules = _rules(config, [symbol], request.connect_timeout)[_venue(symbol)]
    return OandaBroker(
        config,
        request.instrument,
        rules,
        request.bar_seconds,
        timeout=request.connect_timeout,
        stale_after=request.stale_after or DEFAULT_STALE_AFTER,
        echo_timeout=min(0.5, request.connect_timeout / 2),
    )


def venue_instruments(
    symbols: Sequence[str], environ: Mapping[str, str], connect_timeout: float = 10.0
) -> tuple[VenueInstrument, ...]:
    from tradeplan.brokers.oanda.config import config_from_env
    from tradeplan.brokers.oanda.instruments import venue_instrument

    config = config_from_env(environ)
    rules = _rules(config, symbols, connect_timeout)
    return tuple(venue_instrument(rules[_venue(s)]) for s in symbols)


def _venue(symbol: str) -> str:
    from tradeplan.brokers.oanda.mapping import venue_symbol

    try:
        return venue_symbol(symbol)
    except ValueError as exc:
        raise AdapterConfigError(str(exc)) from None


def _rules(
    config: OandaConfig, symbols: Sequence[str], timeout: float
) -> dict[str, InstrumentRules]:
    from tradeplan.brokers.oanda.client import NoAnswer, Refused, Rest
    from tradeplan.brokers.oanda.instruments import load_rules

    for symbol in symbols:
        _venue(symbol)
    rest = Rest(config, timeout)
    try:
        return dict(load_rules(rest, symbols))
    except Refused as exc:
        if exc.status in (401, 403):
            raise AdapterConfigError(
                "OANDA refused OANDA_TOKEN (HTTP 401): check the token, and that OANDA_ENV "
                "(practice or live) is the one the token was made for"
            ) from None
        if "accountID" in str(exc.body.get("errorMessage", "")) or exc.status == 403:
            raise AdapterConfigError(
                "OANDA does not know OANDA_ACCOUNT_ID for this token: check the account id"
            ) from None
        raise AdapterConfigError(f"OANDA refused the instrument query: {exc.reason}") from None
    except NoAnswer as exc:
        raise BrokerUnavailable(f"OANDA did not answer within {timeout} s: {exc}") from None
    finally:
        rest.close()


def live_sizing(
    symbol: str, environ: Mapping[str, str], connect_timeout: float = 10.0
) -> LiveFigures:
    """The figures the 2% rule needs, read from the account (`tradeplan size --broker oanda`)."""
    from tradeplan.brokers.oanda.client import Rest
    from tradeplan.brokers.oanda.config import config_from_env
    from tradeplan.brokers.oanda.sizing import read_figures

    config = config_from_env(environ)
    _rules(config, [symbol], connect_timeout)  # the same clear errors as open_live
    rest = Rest(config, connect_timeout)
    try:
        return read_figures(rest, symbol)
    finally:
        rest.close()


__all__ = ["live_sizing", "open_live", "venue_instruments"]
