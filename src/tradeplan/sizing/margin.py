"""How many units the margin allows, whatever the 2% rule asks for.

A tight stop makes the rule ask for more units than the account can open. The cap is
`balance × leverage / base_home_rate` (base_home_rate: account currency per unit of the base
currency), or the broker's own units-available figure (OANDA's `unitsAvailable`, which is
deprecated upstream, so both are supported); with both, the smaller binds.
"""

from __future__ import annotations

from decimal import Decimal

from tradeplan.core.money import ONE
from tradeplan.sizing import validate
from tradeplan.sizing.exact import floor_to_step, frac


def leverage_cap(
    balance: object, leverage: object, base_home_rate: object = ONE, step: object = ONE
) -> Decimal:
    """Units of the base currency that `balance × leverage` buys, floored to the step."""
    notional = frac(validate.positive(balance, "balance")) * frac(
        validate.positive(leverage, "leverage")
    )
    units = notional / frac(validate.positive_rate(base_home_rate, "base rate"))
    return floor_to_step(units, validate.positive(step, "step"))


def margin_cap(
    balance: object | None = None,
    leverage: object | None = None,
    base_home_rate: object = ONE,
    units_available: object | None = None,
    step: object = ONE,
) -> Decimal | None:
    """The binding cap from leverage and/or a broker figure; None when neither is given."""
    caps: list[Decimal] = []
    if leverage is not None:
        if balance is None:
            raise validate.SizingError("a leverage cap needs the balance")
        caps.append(leverage_cap(balance, leverage, base_home_rate, step))
    if units_available is not None:
        available = validate.non_negative(units_available, "units available")
        caps.append(floor_to_step(frac(available), validate.positive(step, "step")))
    return min(caps) if caps else None
