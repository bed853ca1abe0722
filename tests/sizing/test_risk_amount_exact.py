"""The risk amount of a fee-free entry is worked out in Decimal (fast) where a Decimal rate
allows; it must be the Fraction path's value to the digit, exponent included, or the guards
(max_risk_per_trade) and signals.csv would move."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given
from hypothesis import strategies as st

from tradeplan.sizing.exact import frac, to_decimal_approx

amounts = st.decimals(min_value=Decimal("0.00001"), max_value=Decimal(10**9), places=5)


@given(amounts, amounts, amounts)
def test_the_decimal_path_gives_the_fraction_paths_value(
    qty: Decimal, distance: Decimal, rate: Decimal
) -> None:
    slow = to_decimal_approx(frac(qty) * frac(distance) * frac(rate), 8)
    with localcontext() as ctx:
        ctx.prec = 60
        fast = (qty * distance * rate).quantize(Decimal("1e-8"))
    assert str(fast) == str(slow)
