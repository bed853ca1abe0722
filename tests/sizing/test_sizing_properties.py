"""The 2% rule's promises, over open-ended inputs, checked in exact rational arithmetic."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tradeplan.sizing import min_stop_pips, risk_units, size_by_risk

money = st.decimals(min_value="100", max_value="100000000", places=2)
risk = st.decimals(min_value="0.001", max_value="0.1", places=4)
stops = st.decimals(min_value="0.5", max_value="500", places=1)
pips = st.sampled_from([Decimal("0.01"), Decimal("0.0001"), Decimal("0.001"), Decimal(1)])
rates = st.decimals(min_value="0.0001", max_value="500", places=6)
steps = st.sampled_from([Decimal(1), Decimal(1000), Decimal("0.001"), Decimal(100)])
leverages = st.one_of(st.none(), st.sampled_from([Decimal(1), Decimal(5), Decimal(20)]))


@settings(max_examples=300, deadline=None)
@given(money, risk, stops, pips, rates, steps, leverages, rates)
def test_risk_never_exceeds_budget_cap_or_step(
    balance: Decimal,
    risk_share: Decimal,
    stop: Decimal,
    pip: Decimal,
    rate: Decimal,
    step: Decimal,
    leverage: Decimal | None,
    base_rate: Decimal,
) -> None:
    result = size_by_risk(
        balance,
        risk_share,
        stop,
        pip,
        quote_home_rate=rate,
        step=step,
        leverage=leverage,
        base_home_rate=base_rate,
    )
    risked = Fraction(result.units) * Fraction(stop) * Fraction(pip) * Fraction(rate)
    assert risked <= Fraction(balance) * Fraction(risk_share)
    assert result.units % step == 0
    assert result.units >= 0
    if result.cap is not None:
        assert result.units <= result.cap
    # One more step would break the budget, unless the cap stopped it first.
    more = (Fraction(result.uncapped_units) + Fraction(step)) * Fraction(stop) * Fraction(pip)
    assert more * Fraction(rate) > Fraction(balance) * Fraction(risk_share)
    if result.capped and result.min_stop_pips is not None:
        assert result.units_at_min_stop is not None
        assert result.cap is not None
        assert result.units_at_min_stop <= result.cap
        assert result.min_stop_pips == int(result.min_stop_pips)


@settings(max_examples=200, deadline=None)
@given(money, risk, pips, rates, st.integers(min_value=1, max_value=10_000_000))
def test_min_stop_is_the_narrowest_whole_pip_stop_under_the_cap(
    balance: Decimal, risk_share: Decimal, pip: Decimal, rate: Decimal, cap: int
) -> None:
    stop = min_stop_pips(balance, risk_share, rate, cap, pip)
    assert risk_units(balance, risk_share, stop, pip, rate) <= cap
    if stop > 1:
        exact = Fraction(balance) * Fraction(risk_share) / Fraction(rate)
        assert exact / (Fraction(stop - 1) * Fraction(pip)) > cap
