"""`tradeplan instruments --broker binance`: each contract's live rules, from public data.

exchangeInfo is public; leverage brackets need a signed call, so they are read only when
BINANCE_API_KEY and BINANCE_API_SECRET are set (a CI job without keys still gets tick, step
and minimum notional).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tradeplan.brokers.binance.config import config_from_env
from tradeplan.brokers.binance.rest import Refused, Rest, Unknown, VenueError
from tradeplan.brokers.binance.rules import UnknownSymbol, parse_brackets, parse_rules
from tradeplan.brokers.binance.symbols import venue_symbol
from tradeplan.brokers.binance.wire import DOMAIN_TYPES
from tradeplan.core.enums import AssetClass, OrderType
from tradeplan.ports.adapters import AdapterConfigError, LeverageBracket, VenueInstrument
from tradeplan.ports.live import BrokerUnavailable


def load_instruments(
    symbols: Sequence[str], environ: Mapping[str, str], connect_timeout: float = 10.0
) -> tuple[VenueInstrument, ...]:
    config = config_from_env(environ, need_keys=False)
    rest = Rest(config, timeout=connect_timeout)
    try:
        info = rest.call(rest.client.futures_exchange_info)
    except Unknown as exc:
        raise BrokerUnavailable(f"Binance did not answer at {config.rest_url}: {exc}") from None
    except VenueError as exc:
        raise BrokerUnavailable(f"Binance refused to list its contracts: {exc}") from None
    signed = bool(config.api_key and config.api_secret)
    if signed:
        try:
            rest.sync_clock()
        except VenueError:
            signed = False
    out = []
    for symbol in symbols:
        name = venue_symbol(symbol)
        try:
            rules = parse_rules(info, name)
        except UnknownSymbol:
            raise AdapterConfigError(
                f"Binance USD-M futures lists no contract {name} (asked for {symbol})"
            ) from None
        brackets: tuple[LeverageBracket, ...] = ()
        if signed:
            try:
                brackets = parse_brackets(
                    rest.call(rest.client.futures_leverage_bracket, symbol=name), name
                )
            except Refused as exc:
                if exc.auth:
                    raise AdapterConfigError(f"Binance refused the API key: {exc}") from None
            except VenueError:
                pass
        native = frozenset(DOMAIN_TYPES[t] for t in rules.order_types if t in DOMAIN_TYPES) - {
            OrderType.TRAILING_STOP
        }
        out.append(
            VenueInstrument(
                broker="binance",
                symbol=symbol,
                venue_symbol=name,
                asset_class=AssetClass.CRYPTO_PERP,
                tick=rules.tick,
                step=rules.step,
                min_qty=rules.min_qty,
                min_notional=rules.min_notional,
                max_leverage=max((b.max_leverage for b in brackets), default=None),
                leverage_brackets=brackets,
                native_order_types=native,
                facts=(
                    ("status", rules.status),
                    ("margin_asset", rules.margin_asset),
                    ("market_step", str(rules.market_step)),
                ),
            )
        )
    return tuple(out)


__all__ = ["load_instruments"]
