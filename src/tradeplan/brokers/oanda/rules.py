"""One instrument's rules as AccountInstruments states them, and what they make of an order.

`displayPrecision` is the number of decimals a price may have (OANDA refuses more with
PRICE_PRECISION_EXCEEDED), `tradeUnitsPrecision` the decimals of units (0 for currencies:
whole units), `pipLocation` the pip as a power of ten, `marginRate` the margin per unit of
position value (0.05: 20x). The adapter refuses an order off these grids itself rather than
rounding it silently: the runtime rounds by the profile built from the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradeplan.core.enums import Side


class OffGrid(ValueError):
    """A price or a quantity OANDA's precision cannot carry."""


@dataclass(frozen=True, slots=True)
class InstrumentRules:
    name: str
    pip_location: int
    display_precision: int
    trade_units_precision: int
    margin_rate: Decimal
    minimum_trade_size: Decimal
    maximum_order_units: Decimal | None

    @classmethod
    def from_wire(cls, body: dict[str, Any]) -> InstrumentRules:
        maximum = body.get("maximumOrderUnits")
        return cls(
            name=str(body["name"]),
            pip_location=int(body["pipLocation"]),
            display_precision=int(body["displayPrecision"]),
            trade_units_precision=int(body.get("tradeUnitsPrecision", 0)),
            margin_rate=Decimal(str(body["marginRate"])),
            minimum_trade_size=Decimal(str(body.get("minimumTradeSize", "1"))),
            maximum_order_units=None if maximum in (None, "0") else Decimal(str(maximum)),
        )

    @property
    def tick(self) -> Decimal:
        return Decimal(1).scaleb(-self.display_precision)

    @property
    def step(self) -> Decimal:
        return Decimal(1).scaleb(-self.trade_units_precision)

    @property
    def pip(self) -> Decimal:
        return Decimal(1).scaleb(self.pip_location)

    @property
    def max_leverage(self) -> Decimal:
        return Decimal(1) / self.margin_rate

    def price_text(self, price: Decimal) -> str:
        exact = price.quantize(self.tick)
        if exact != price:
            raise OffGrid(
                f"price {price} has more than {self.display_precision} decimals "
                f"({self.name} displayPrecision): round it to {self.tick}"
            )
        return format(exact, "f")

    def units_text(self, qty: Decimal, side: Side) -> str:
        exact = qty.quantize(self.step)
        if exact != qty:
            raise OffGrid(f"{qty} units is not a multiple of {self.step} ({self.name})")
        if qty < self.minimum_trade_size:
            raise OffGrid(
                f"{qty} units is below {self.name}'s minimum of {self.minimum_trade_size}"
            )
        if self.maximum_order_units is not None and qty > self.maximum_order_units:
            raise OffGrid(
                f"{qty} units is above {self.name}'s maximum of {self.maximum_order_units}"
            )
        signed = exact if side is Side.BUY else -exact
        return format(signed, "f")

    def facts(self) -> tuple[tuple[str, str], ...]:
        return (
            ("pipLocation", str(self.pip_location)),
            ("displayPrecision", str(self.display_precision)),
            ("tradeUnitsPrecision", str(self.trade_units_precision)),
            ("marginRate", format(self.margin_rate, "f")),
            ("minimumTradeSize", format(self.minimum_trade_size, "f")),
        )


__all__ = ["InstrumentRules", "OffGrid"]
