"""What every live broker adapter package (`tradeplan.brokers.<name>`) offers the runtime and the CLI.

An adapter package is imported only when a user names its broker (its SDK is heavy, and Futu's
has import side effects), so the runtime finds it by name (`tradeplan.live.adapters`) and calls
two functions every adapter package defines at its top level:

* `open_live(request: AdapterRequest) -> LiveBrokerPort`: connect for one instrument, load its
  rules from the venue (tick, step, minimum notional, leverage), and return the port the live
  runtime trades through. Settings and secrets come from `request.environ` only, never from a
  strategy file. Raises `AdapterConfigError` when a setting is missing or wrong (the message
  says which variable to set, never its value) and `BrokerUnavailable` when the venue does not
  answer within `request.connect_timeout`.
* `venue_instruments(symbols, environ, connect_timeout) -> tuple[VenueInstrument, ...]`: the
  live rules of each symbol, for `tradeplan instruments` (printed, or saved as a profile file
  that `tradeplan lint --profile FILE` checks strategies against in CI, with no keys).

Every report an adapter makes names instruments by the domain symbol, the plan's
`Instrument.symbol` (`EUR/USD`, `US.NVDA`, `BTCUSDT`), never a venue spelling that differs
(OANDA's `EUR_USD`): the mapping is the adapter's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from tradeplan.core.enums import AssetClass, OrderType
from tradeplan.core.instrument import Instrument


class AdapterConfigError(Exception):
    """A setting the adapter needs is missing or malformed. The message names the environment
    variable and what to put in it; it never quotes a secret."""


@dataclass(frozen=True, slots=True)
class AdapterRequest:
    """What the runtime asks an adapter to connect for.

    `instrument` is the plan's (domain symbol, currencies, the strategy's idea of tick and
    step; the venue's own rules win and come back in the port's `profile`). `bar_seconds` is the
    bar interval the plan trades on (60: one-minute bars; the adapter subscribes to closed bars
    of that interval). `environ` is where settings and secrets are read from (the process
    environment, or a test's dict). `stale_after` is how long without a closed bar (or, where
    the venue has them, a heartbeat) before the feed is reported STALE.
    """

    instrument: Instrument
    bar_seconds: int
    environ: Mapping[str, str]
    connect_timeout: float = 10.0
    stale_after: float | None = None


@dataclass(frozen=True, slots=True)
class LeverageBracket:
    """Up to `notional_cap` of position value, at most `max_leverage` (Binance's brackets)."""

    notional_cap: Decimal
    max_leverage: Decimal


@dataclass(frozen=True, slots=True)
class VenueInstrument:
    """One instrument's rules as the venue states them now.

    `facts` keeps what a broker has beyond the common fields, as text (OANDA's `pipLocation`,
    `displayPrecision`, `marginRate`; Futu's lot size), for the printout and the profile file.
    """

    broker: str
    symbol: str
    venue_symbol: str
    asset_class: AssetClass
    tick: Decimal
    step: Decimal
    min_qty: Decimal | None = None
    min_notional: Decimal | None = None
    max_leverage: Decimal | None = None
    leverage_brackets: tuple[LeverageBracket, ...] = ()
    native_order_types: frozenset[OrderType] = frozenset()
    facts: tuple[tuple[str, str], ...] = field(default=())


__all__ = [
    "AdapterConfigError",
    "AdapterRequest",
    "LeverageBracket",
    "VenueInstrument",
]
