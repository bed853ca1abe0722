"""The 2% rule from a live OANDA account (SEMANTICS section 4, seed 003).

Every figure comes from OANDA, read as exact decimals (the seed's own program used floats and
warns about it): the balance and `marginAvailable` from AccountSummary, `pipLocation` and
`marginRate` from AccountInstruments, and from PricingInfo the Bid/Ask and
`quoteHomeConversionFactors` (account currency per unit of quote currency; their mid, as the
seed does, because the side is not known yet). The arithmetic is `tradeplan.sizing`'s.

The margin cap is computed, not read (`unitsAvailable` is deprecated upstream and may be
absent): `marginAvailable / marginRate` of account currency buys that many units of the base
currency at `base_home_rate` (1 when the base is the account currency, else the mid price x
the quote-to-home rate). When OANDA still sends `unitsAvailable`, the smaller figure binds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeplan.brokers.oanda.client import NoAnswer, Refused, Rest
from tradeplan.brokers.oanda.instruments import load_rules
from tradeplan.brokers.oanda.mapping import decimal, domain_symbol
from tradeplan.brokers.oanda.rules import InstrumentRules
from tradeplan.ports.live import BrokerUnavailable
from tradeplan.sizing import SizeResult, leverage_cap, mid_conversion_factor, size_by_risk


@dataclass(frozen=True, slots=True)
class LiveFigures:
    """What OANDA said, as used."""

    symbol: str
    currency: str
    balance: Decimal
    margin_available: Decimal
    rules: InstrumentRules
    bid: Decimal
    ask: Decimal
    positive_units: Decimal
    negative_units: Decimal
    units_available: Decimal | None

    @property
    def quote_home_rate(self) -> Decimal:
        return mid_conversion_factor(self.positive_units, self.negative_units)

    @property
    def base_home_rate(self) -> Decimal:
        base = self.symbol.partition("/")[0]
        if base == self.currency:
            return Decimal(1)
        return (self.bid + self.ask) / 2 * self.quote_home_rate

    @property
    def margin_cap(self) -> Decimal:
        cap = leverage_cap(
            self.margin_available, self.rules.max_leverage, self.base_home_rate, self.rules.step
        )
        if self.units_available is not None:
            return min(cap, self.units_available)
        return cap

    def size(self, risk: Decimal, stop_pips: Decimal) -> SizeResult:
        return size_live(self, risk, stop_pips)

    def as_json(self) -> dict[str, str | int | None]:
        r = self.rules
        return {
            "instrument": r.name,
            "currency": self.currency,
            "balance": format(self.balance, "f"),
            "marginAvailable": format(self.margin_available, "f"),
            "pipLocation": r.pip_location,
            "displayPrecision": r.display_precision,
            "marginRate": format(r.margin_rate, "f"),
            "positiveUnits": format(self.positive_units, "f"),
            "negativeUnits": format(self.negative_units, "f"),
            "quote_home_rate": format(self.quote_home_rate.normalize(), "f"),
            "base_home_rate": format(self.base_home_rate.normalize(), "f"),
            "unitsAvailable": None
            if self.units_available is None
            else format(self.units_available, "f"),
            "margin_cap": format(self.margin_cap, "f"),
        }

    def lines(self) -> list[str]:
        """Each figure, as the size command prints it."""
        r = self.rules
        lines = [
            f"balance: {self.balance} {self.currency} (AccountSummary)",
            f"marginAvailable: {self.margin_available} {self.currency}",
            f"pipLocation: {r.pip_location} (pip {r.pip})",
            f"displayPrecision: {r.display_precision}",
            f"marginRate: {r.margin_rate} ({r.max_leverage.normalize():f}x)",
            f"quoteHomeConversionFactors: positiveUnits {self.positive_units}, "
            f"negativeUnits {self.negative_units}, mid {self.quote_home_rate.normalize():f}",
            f"base currency in {self.currency}: {self.base_home_rate.normalize():f}",
        ]
        if self.units_available is not None:
            lines.append(f"unitsAvailable (deprecated): {self.units_available}")
        lines.append(
            f"margin cap: {self.margin_cap} units (marginAvailable / marginRate / base rate)"
        )
        return lines


def read_figures(rest: Rest, symbol: str) -> LiveFigures:
    import oandapyV20.endpoints.accounts as accounts
    import oandapyV20.endpoints.pricing as pricing

    rules = next(iter(load_rules(rest, [symbol]).values()))
    try:
        account = rest.send(accounts.AccountSummary(rest.account_id))["account"]
        prices = rest.send(
            pricing.PricingInfo(rest.account_id, params={"instruments": rules.name})
        ).get("prices", [])
    except (Refused, NoAnswer) as exc:
        reason = exc.reason if isinstance(exc, Refused) else str(exc)
        raise BrokerUnavailable(f"OANDA did not answer: {reason}") from None
    price = next((p for p in prices if p.get("instrument") == rules.name), None)
    if price is None or "quoteHomeConversionFactors" not in price:
        raise BrokerUnavailable(f"OANDA sent no price for {rules.name} (market closed?)")
    factors = price["quoteHomeConversionFactors"]
    available = ((price.get("unitsAvailable") or {}).get("default") or {}).get("long")
    return LiveFigures(
        symbol=domain_symbol(rules.name),
        currency=str(account["currency"]),
        balance=decimal(account["balance"], "balance"),
        margin_available=decimal(account["marginAvailable"], "marginAvailable"),
        rules=rules,
        bid=decimal(price["bids"][0]["price"], "bid"),
        ask=decimal(price["asks"][0]["price"], "ask"),
        positive_units=decimal(factors["positiveUnits"], "positiveUnits"),
        negative_units=decimal(factors["negativeUnits"], "negativeUnits"),
        units_available=None if available is None else decimal(available, "unitsAvailable"),
    )


def size_live(figures: LiveFigures, risk: Decimal, stop_pips: Decimal) -> SizeResult:
    return size_by_risk(
        figures.balance,
        risk,
        stop_pips,
        figures.rules.pip,
        quote_home_rate=figures.quote_home_rate,
        step=figures.rules.step,
        units_available=figures.margin_cap,
        currency=figures.currency,
    )


__all__ = ["LiveFigures", "read_figures", "size_live"]
