"""The 2% rule: size a position so that hitting the stop loses a fixed share of the balance.

`units = floor(balance × risk / quote_home_rate / (stop_pips × pip_size))`, floored to the
broker's quantity step (SEMANTICS.md section 4). The division by the rate converts the budget from
the account currency into the quote currency, the currency a stop distance is priced in.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from tradeplan.core.money import ONE
from tradeplan.sizing import validate
from tradeplan.sizing.exact import Rate, ceil_int, floor_to_step, frac


def risk_quotient(
    balance: Decimal, risk: Decimal, stop_pips: Decimal, pip_size: Decimal, quote_home_rate: Rate
) -> Fraction:
    """The exact, unrounded units the rule asks for."""
    budget = frac(balance) * frac(risk)
    return budget / (frac(quote_home_rate) * frac(stop_pips) * frac(pip_size))


def risk_units(
    balance: object,
    risk: object,
    stop_pips: object,
    pip_size: object,
    quote_home_rate: object = ONE,
    step: object = ONE,
) -> Decimal:
    """Units that lose at most `balance × risk` (account currency) when the stop is hit."""
    exact = risk_quotient(
        validate.positive(balance, "balance"),
        validate.risk_fraction(risk),
        validate.positive(stop_pips, "stop"),
        validate.positive(pip_size, "pip size"),
        validate.positive_rate(quote_home_rate, "rate"),
    )
    return floor_to_step(exact, validate.positive(step, "step"))


def min_stop_pips(
    balance: object,
    risk: object,
    quote_home_rate: object,
    units_cap: object,
    pip_size: object,
) -> Decimal:
    """Whole pips of stop below which the full risk would need more units than the cap allows.

    `ceil(balance × risk / rate / units_cap / pip_size)`: with a stop this wide or wider, the 2%
    rule's size fits under the margin cap (seed 003: 11 pips for the USD/JPY example).
    """
    budget = frac(validate.positive(balance, "balance")) * frac(validate.risk_fraction(risk))
    rate = frac(validate.positive_rate(quote_home_rate, "rate"))
    cap = frac(validate.positive(units_cap, "units cap"))
    pip = frac(validate.positive(pip_size, "pip size"))
    return ceil_int(budget / rate / cap / pip)
