"""Whether a data file's prices can belong to the strategy's instrument, decided before a run.

A USD/JPY grid on EUR/USD data, or a EUR/USD strategy on USD/JPY data, runs and trades and every
number is nonsense. Two rules, each wide enough that no real market trips it:

* **Absolute levels.** A grid's slots are prices. If the data's first price lies more than ten
  times below the lowest slot or above the highest, the data is another instrument's.
* **FX pip magnitude.** A pair of two major currencies (USD EUR JPY GBP CHF AUD NZD CAD) is
  priced at 5,000 to 25,000 pips (NZD/USD 0.58 is 5,800 pips of 0.0001, EUR/USD 1.08 is 10,800,
  GBP/JPY 195 is 19,500 pips of 0.01). Fewer than 1,000 or more than 200,000 pips means the
  data is another pair's. Exotic pairs (USD/TRY, USD/HUF) are not checked.

Relative strategies on other asset classes (a percentage stop on a stock) cannot be checked
this way; their data is taken as given.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from tradeplan.core.enums import AssetClass
from tradeplan.plan.model import Plan

LEVEL_FACTOR: Final = Decimal(10)
MIN_FX_PIPS, MAX_FX_PIPS = Decimal(1_000), Decimal(200_000)
MAJORS: Final = frozenset({"USD", "EUR", "JPY", "GBP", "CHF", "AUD", "NZD", "CAD"})


def wrong_instrument(plan: Plan, first_price: Decimal, source: str) -> str | None:
    """Why `source`'s prices cannot be `plan`'s instrument, or None when they can."""
    symbol = plan.instrument.symbol
    seen = f"{source}: prices start at {first_price}"
    slots = [price for grid in plan.grids for price in grid.slots]
    if slots:
        low, high = min(slots), max(slots)
        if first_price * LEVEL_FACTOR < low or first_price > high * LEVEL_FACTOR:
            return (
                f"{seen}, but the strategy's grid runs {low}-{high}: the data cannot be "
                f"{symbol}; give {symbol} data"
            )
    pip = plan.instrument.pip
    pair = {plan.instrument.base_currency, plan.instrument.quote_currency}
    if plan.instrument.asset_class is AssetClass.FX and pip and pair <= MAJORS:
        pips = first_price / pip
        if not MIN_FX_PIPS <= pips <= MAX_FX_PIPS:
            return (
                f"{seen}, which is {pips:,.0f} pips of {pip}: that cannot be {symbol} (a major "
                f"pair is 1,000 to 200,000 pips); give {symbol} data"
            )
    return None
