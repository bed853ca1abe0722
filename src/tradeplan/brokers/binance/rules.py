"""A contract's rules from `exchangeInfo` and `leverageBracket`, and the rounding to them.

Binance refuses a price off the tick (-4014), a quantity off the step (-1111) and an order
below the minimum notional (-4164). Orders are rounded here by explicit rules before they are
sent, and written as exact decimal text, never through a float:

* quantities round down to the step (never more than asked);
* a limit price rounds away from the market's favour of the order: a buy down, a sell up (never
  a worse price than asked); a trigger rounds to the nearest tick (half up).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from tradeplan.core.enums import Side
from tradeplan.ports.adapters import LeverageBracket


class UnknownSymbol(LookupError):
    """The venue lists no such contract."""


@dataclass(frozen=True, slots=True)
class SymbolRules:
    venue_symbol: str
    base: str
    quote: str
    margin_asset: str
    tick: Decimal
    step: Decimal
    market_step: Decimal
    min_qty: Decimal
    min_notional: Decimal | None
    status: str
    order_types: tuple[str, ...]
    brackets: tuple[LeverageBracket, ...] = ()

    @property
    def max_leverage(self) -> Decimal | None:
        return max((b.max_leverage for b in self.brackets), default=None)

    def qty(self, value: Decimal, *, market: bool = False) -> Decimal:
        step = self.market_step if market else self.step
        return _on_grid(value, step, ROUND_DOWN)

    def price(self, value: Decimal, side: Side) -> Decimal:
        return _on_grid(value, self.tick, ROUND_FLOOR if side is Side.BUY else ROUND_CEILING)

    def trigger(self, value: Decimal) -> Decimal:
        return _on_grid(value, self.tick, ROUND_HALF_UP)

    def cap_for(self, leverage: Decimal) -> Decimal | None:
        """The largest position value allowed at `leverage` (the brackets' notional caps)."""
        caps = [b.notional_cap for b in self.brackets if b.max_leverage >= leverage]
        return max(caps) if caps else None


def _on_grid(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    units = (value / step).quantize(Decimal(1), rounding=rounding)
    return (units * step).quantize(step) if step.as_tuple().exponent < 0 else units * step  # type: ignore[operator]


def wire(value: Decimal) -> str:
    """Exact decimal text for the wire: no exponent, no float."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _filters(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["filterType"]: f for f in entry.get("filters", [])}


def parse_rules(info: dict[str, Any], venue_symbol: str) -> SymbolRules:
    for entry in info.get("symbols", []):
        if entry.get("symbol") != venue_symbol:
            continue
        f = _filters(entry)
        price, lot = f.get("PRICE_FILTER", {}), f.get("LOT_SIZE", {})
        market = f.get("MARKET_LOT_SIZE", lot)
        notional = f.get("MIN_NOTIONAL", {}).get("notional")
        return SymbolRules(
            venue_symbol=venue_symbol,
            base=str(entry.get("baseAsset", "")),
            quote=str(entry.get("quoteAsset", "")),
            margin_asset=str(entry.get("marginAsset") or entry.get("quoteAsset", "")),
            tick=Decimal(str(price.get("tickSize", "0.1"))).normalize(),
            step=Decimal(str(lot.get("stepSize", "0.001"))).normalize(),
            market_step=Decimal(
                str(market.get("stepSize", lot.get("stepSize", "0.001")))
            ).normalize(),
            min_qty=Decimal(str(lot.get("minQty", "0"))),
            min_notional=Decimal(str(notional)) if notional is not None else None,
            status=str(entry.get("status", "")),
            order_types=tuple(entry.get("orderTypes", ())),
        )
    raise UnknownSymbol(venue_symbol)


def parse_brackets(answer: Any, venue_symbol: str) -> tuple[LeverageBracket, ...]:
    entries = answer if isinstance(answer, list) else [answer]
    for entry in entries:
        if isinstance(entry, dict) and entry.get("symbol") == venue_symbol:
            return tuple(
                LeverageBracket(Decimal(str(b["notionalCap"])), Decimal(str(b["initialLeverage"])))
                for b in entry.get("brackets", [])
            )
    return ()


__all__ = ["SymbolRules", "UnknownSymbol", "parse_brackets", "parse_rules", "wire"]
