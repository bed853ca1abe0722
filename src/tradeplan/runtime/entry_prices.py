"""An entry's `price:` or `trigger:` expression as an exact price on the tick grid.

Expressions are evaluated in float64 (indicators are analytics); the value is taken through its
shortest repr and rounded to the NEAREST tick, which undoes a float's last-digit noise
(`close - 0.05` stays exactly on the grid). The rule then rounds it its own way (a no-op on the
grid), so what reaches the order is an exact Decimal on the tick. Live and backtest share it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.instrument import Instrument
from tradeplan.core.money import Rounding, round_to_increment
from tradeplan.runtime.owner import EntryRefused


def price_on_tick(value: float, instrument: Instrument) -> Decimal | None:
    """The price `value` stands for, on the tick; None when it is not a positive number."""
    if not math.isfinite(value) or value <= 0:
        return None
    raw = Decimal(repr(value))
    return round_to_increment(raw, instrument.tick_at(raw), Rounding.NEAREST)


def price_source(
    values: NDArray[np.float64], rule: str, instrument: Instrument
) -> Callable[[int], Decimal]:
    """An entry price expression's values at each bar's close, as a price at a row: on the
    tick, or `EntryRefused` (recorded, not sent) where the value is not a positive number."""

    def price(row: int) -> Decimal:
        found = price_on_tick(float(values[row]), instrument)
        if found is None:
            raise EntryRefused(f"the entry price of {rule} is not a positive number here")
        return found

    return price
