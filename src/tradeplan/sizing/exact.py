"""Exact rational arithmetic for sizing.

Sizing floors a quotient to whole steps; a Decimal division rounded at 28 digits can land on the
integer just above the true value and risk a unit more than allowed. Going through `Fraction`
makes every floor and ceiling exact, whatever the inputs' digits.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

Rate = Decimal | Fraction
"""A conversion rate. Usually a Decimal; a Fraction when it is the inverse of a price (a USD
account holding USD/JPY converts yen at 1/price, which no Decimal holds exactly)."""


def frac(value: Rate) -> Fraction:
    return Fraction(value)


def floor_to_step(quantity: Fraction, step: Decimal) -> Decimal:
    """Largest multiple of `step` not above `quantity`."""
    return times(math.floor(quantity / frac(step)), step)


def ceil_int(quantity: Fraction) -> Decimal:
    return Decimal(math.ceil(quantity))


def times(count: int, step: Decimal) -> Decimal:
    """`count * step` without the default 28-digit context rounding a large product."""
    with localcontext() as ctx:
        ctx.prec = max(28, len(str(abs(count))) + len(step.as_tuple().digits) + 2)
        return Decimal(count) * step


def to_decimal_approx(quantity: Fraction, places: int = 12) -> Decimal:
    """A display value for an inexact quotient (explanations only, never orders)."""
    with localcontext() as ctx:
        ctx.prec = 60
        value = Decimal(quantity.numerator) / Decimal(quantity.denominator)
        return value.quantize(Decimal(1).scaleb(-places))
