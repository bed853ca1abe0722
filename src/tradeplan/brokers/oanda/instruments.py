"""AccountInstruments: the live rules of the instruments, as a profile and as printable facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tradeplan.brokers.oanda.client import Rest
from tradeplan.brokers.oanda.mapping import domain_symbol, venue_symbol
from tradeplan.brokers.oanda.rules import InstrumentRules
from tradeplan.core.enums import AssetClass, OrderType
from tradeplan.ports.adapters import AdapterConfigError, VenueInstrument
from tradeplan.ports.profiles import OANDA, AssetDefaults, BrokerProfile

# OANDA's trailing stop loss is a dependent order of one open trade (trailingStopLossOnFill, or
# TRAILING_STOP_LOSS with a tradeID) that closes that whole trade and trails by a distance only.
# The port's trailing stop is a standalone order with its own quantity that may open a
# position, so the adapter does not claim it: the runtime emulates trailing stops on its
# price stream (docs/brokers/oanda.md).
NATIVE = OANDA.native_order_types - {OrderType.TRAILING_STOP}


def load_rules(rest: Rest, symbols: Sequence[str]) -> dict[str, InstrumentRules]:
    """The rules of `symbols` (domain spellings) by venue name; a symbol the account cannot
    trade is a configuration error naming it."""
    import oandapyV20.endpoints.accounts as accounts

    names = [venue_symbol(s) for s in symbols]
    answer = rest.send(
        accounts.AccountInstruments(rest.account_id, params={"instruments": ",".join(names)})
    )
    found = {
        str(body["name"]): InstrumentRules.from_wire(body) for body in answer.get("instruments", [])
    }
    missing = [domain_symbol(n) for n in names if n not in found]
    if missing:
        raise AdapterConfigError(
            f"this OANDA account cannot trade {', '.join(missing)} "
            "(not in its AccountInstruments): check the symbol and OANDA_ACCOUNT_ID"
        )
    return found


def profile_for(rules: InstrumentRules) -> BrokerProfile:
    return replace(
        OANDA,
        native_order_types=NATIVE,
        defaults=(
            (
                AssetClass.FX,
                AssetDefaults(tick=rules.tick, step=rules.step, max_leverage=rules.max_leverage),
            ),
        ),
    )


def venue_instrument(rules: InstrumentRules) -> VenueInstrument:
    return VenueInstrument(
        broker="oanda",
        symbol=domain_symbol(rules.name),
        venue_symbol=rules.name,
        asset_class=AssetClass.FX,
        tick=rules.tick,
        step=rules.step,
        min_qty=rules.minimum_trade_size,
        max_leverage=rules.max_leverage,
        native_order_types=NATIVE,
        facts=rules.facts(),
    )


__all__ = ["NATIVE", "load_rules", "profile_for", "venue_instrument"]
