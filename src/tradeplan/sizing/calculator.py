"""One call from the inputs a trader knows to a size, its cap and, when capped, the minimum stop."""

from __future__ import annotations

from decimal import Decimal

from tradeplan.core.money import ONE
from tradeplan.sizing import validate
from tradeplan.sizing.exact import floor_to_step, frac
from tradeplan.sizing.margin import margin_cap
from tradeplan.sizing.result import RiskInputs, SizeResult
from tradeplan.sizing.risk_percent import min_stop_pips, risk_units


def fixed_units(units: object, step: object = ONE) -> Decimal:
    """A fixed size, floored to the step: never trade more than was written."""
    return floor_to_step(frac(validate.positive(units, "units")), validate.positive(step, "step"))


def size_by_risk(
    balance: object,
    risk: object,
    stop_pips: object,
    pip_size: object,
    *,
    quote_home_rate: object = ONE,
    step: object = ONE,
    leverage: object | None = None,
    base_home_rate: object = ONE,
    units_available: object | None = None,
    currency: str | None = None,
) -> SizeResult:
    """The 2% rule with conversion, step flooring, margin cap and minimum stop (SEMANTICS §4)."""
    inputs = RiskInputs(
        balance=validate.positive(balance, "balance"),
        risk=validate.risk_fraction(risk),
        stop_pips=validate.positive(stop_pips, "stop"),
        pip_size=validate.positive(pip_size, "pip size"),
        quote_home_rate=validate.positive_rate(quote_home_rate, "rate"),
        step=validate.positive(step, "step"),
        leverage=None if leverage is None else validate.positive(leverage, "leverage"),
        base_home_rate=validate.positive_rate(base_home_rate, "base rate"),
        units_available=(
            None
            if units_available is None
            else validate.non_negative(units_available, "units available")
        ),
        currency=currency,
    )
    wanted = risk_units(
        inputs.balance,
        inputs.risk,
        inputs.stop_pips,
        inputs.pip_size,
        inputs.quote_home_rate,
        inputs.step,
    )
    cap = margin_cap(
        inputs.balance, inputs.leverage, inputs.base_home_rate, inputs.units_available, inputs.step
    )
    if cap is None or wanted <= cap:
        return SizeResult(wanted, wanted, False, cap, inputs=inputs, step=inputs.step)
    if cap == 0:
        return SizeResult(cap, wanted, True, cap, inputs=inputs, step=inputs.step)
    stop = min_stop_pips(inputs.balance, inputs.risk, inputs.quote_home_rate, cap, inputs.pip_size)
    at_stop = risk_units(
        inputs.balance, inputs.risk, stop, inputs.pip_size, inputs.quote_home_rate, inputs.step
    )
    return SizeResult(cap, wanted, True, cap, stop, at_stop, inputs=inputs, step=inputs.step)


def size_fixed(
    units: object,
    *,
    step: object = ONE,
    balance: object | None = None,
    leverage: object | None = None,
    base_home_rate: object = ONE,
    units_available: object | None = None,
) -> SizeResult:
    """A fixed size floored to the step and, when a cap is given, cut to it."""
    step_size = validate.positive(step, "step")
    wanted = fixed_units(units, step_size)
    cap = margin_cap(balance, leverage, base_home_rate, units_available, step_size)
    if cap is not None and wanted > cap:
        return SizeResult(cap, wanted, True, cap, step=step_size)
    return SizeResult(wanted, wanted, False, cap, step=step_size)
