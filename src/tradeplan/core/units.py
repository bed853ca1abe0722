"""Distances and durations as the language states them, kept with their unit.

A distance is resolved to a price amount only where the reference price is known (at entry
fill for exits, at the market for re-entries), so the plan keeps the unit the trader wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from tradeplan.core.money import HUNDRED, fmt_decimal


class DistanceUnit(Enum):
    PIPS = "pips"
    PERCENT = "percent"  # of the reference price
    PRICE = "price"  # an absolute price amount, e.g. $2.00
    TICKS = "ticks"


@dataclass(frozen=True, slots=True)
class Distance:
    value: Decimal  # signed where direction matters (counter/follow)
    unit: DistanceUnit

    def to_price(self, reference: Decimal, pip: Decimal | None, tick: Decimal) -> Decimal:
        """The price amount this distance stands for at `reference` (sign kept)."""
        if self.unit is DistanceUnit.PRICE:
            return self.value
        if self.unit is DistanceUnit.PERCENT:
            return reference * self.value / HUNDRED
        if self.unit is DistanceUnit.TICKS:
            return self.value * tick
        if pip is None:
            raise ValueError("a distance in pips needs an instrument with a pip size")
        return self.value * pip

    def __str__(self) -> str:
        number = fmt_decimal(self.value)
        if self.unit is DistanceUnit.PERCENT:
            return f"{number}%"
        if self.unit is DistanceUnit.PRICE:
            return number
        return f"{number} {self.unit.value}"

    @property
    def magnitude(self) -> Distance:
        return Distance(abs(self.value), self.unit)


def format_duration(seconds: int) -> str:
    """Largest exact unit: 5400 -> '90m', 7200 -> '2h', 45 -> '45s'."""
    for size, suffix in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{suffix}"
    return f"{seconds}s"
