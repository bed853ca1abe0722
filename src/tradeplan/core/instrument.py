"""What is traded: symbol, asset class, pip, tick and quantity step.

Defaults come from the symbol's shape so a beginner can write `instrument: {symbol: USD/JPY}`;
a broker profile or the file itself may override tick, step and pip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from tradeplan.core.enums import AssetClass
from tradeplan.core.money import Rounding, round_to_increment

_FX = re.compile(r"^([A-Z]{3})[/_]([A-Z]{3})$")
_US = re.compile(r"^US\.[A-Z][A-Z0-9.\-]*$")
_CRYPTO_QUOTES = ("USDT", "USDC", "BUSD", "USD")

PENNY = Decimal("0.01")
SUB_PENNY = Decimal("0.0001")


def infer_asset_class(symbol: str) -> AssetClass | None:
    if _FX.match(symbol):
        return AssetClass.FX
    if _US.match(symbol):
        return AssetClass.US_STOCK
    if symbol.isalnum() and symbol.isupper() and symbol.endswith(_CRYPTO_QUOTES):
        return AssetClass.CRYPTO_PERP
    return None


def split_fx(symbol: str) -> tuple[str, str] | None:
    match = _FX.match(symbol)
    return (match.group(1), match.group(2)) if match else None


def default_pip(symbol: str) -> Decimal | None:
    """JPY-quoted pairs move in 0.01, the others in 0.0001 (SEMANTICS.md section 4)."""
    pair = split_fx(symbol)
    if pair is None:
        return None
    return Decimal("0.01") if pair[1] == "JPY" else Decimal("0.0001")


def us_stock_tick(price: Decimal) -> Decimal:
    """US equities: $1 and above trade in cents, below $1 in hundredths of a cent."""
    return PENNY if price >= 1 else SUB_PENNY


@dataclass(frozen=True, slots=True)
class Instrument:
    symbol: str
    asset_class: AssetClass
    tick: Decimal
    step: Decimal
    pip: Decimal | None = None
    base_currency: str | None = None
    quote_currency: str | None = None
    min_notional: Decimal | None = None

    def tick_at(self, price: Decimal) -> Decimal:
        if self.asset_class is AssetClass.US_STOCK:
            return us_stock_tick(price) if self.tick == PENNY else self.tick
        return self.tick

    def round_price(self, price: Decimal, rounding: Rounding) -> Decimal:
        return round_to_increment(price, self.tick_at(price), rounding)

    def round_qty(self, qty: Decimal) -> Decimal:
        """Quantities only ever round down: never trade more than was asked for."""
        return round_to_increment(qty, self.step, Rounding.DOWN)

    def is_on_tick(self, price: Decimal) -> bool:
        tick = self.tick_at(price)
        return price % tick == 0


def default_instrument(symbol: str, asset_class: AssetClass | None = None) -> Instrument:
    """The instrument a symbol implies when the file says nothing more."""
    kind = asset_class or infer_asset_class(symbol) or AssetClass.FX
    if kind is AssetClass.FX:
        pip = default_pip(symbol) or Decimal("0.0001")
        pair = split_fx(symbol)
        return Instrument(
            symbol=symbol,
            asset_class=kind,
            tick=pip / 10,
            step=Decimal(1),
            pip=pip,
            base_currency=pair[0] if pair else None,
            quote_currency=pair[1] if pair else None,
        )
    if kind is AssetClass.US_STOCK:
        return Instrument(symbol, kind, tick=PENNY, step=Decimal(1), quote_currency="USD")
    quote = next((q for q in _CRYPTO_QUOTES if symbol.endswith(q)), "USDT")
    return Instrument(
        symbol,
        kind,
        tick=Decimal("0.1"),
        step=Decimal("0.001"),
        base_currency=symbol[: -len(quote)] or None,
        quote_currency=quote,
        min_notional=Decimal(5),
    )


US_EXCHANGE_TZ = "America/New_York"


def exchange_timezone(asset_class: AssetClass) -> str:
    """The zone in which a market's clock times (sessions, `time between`) are read.

    Kept in core, not the engine, because `explain` states it too and must not load the engine
    (and numpy) to do so: that cost every cold `tradeplan lint` 120 ms.
    """
    return US_EXCHANGE_TZ if asset_class is AssetClass.US_STOCK else "UTC"
