from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradeplan.sizing import (
    SizingError,
    conversion_rate,
    fixed_units,
    mid_conversion_factor,
    quote_home_rate,
    risk_units,
    size_fixed,
)


def test_mid_of_oanda_conversion_factors() -> None:
    assert mid_conversion_factor("1.38384", "1.38400") == D("1.38392")
    assert mid_conversion_factor("0.009226795", "0.009226795") == D("0.009226795")


def test_mid_factor_sizes_the_eur_gbp_row() -> None:
    rate = mid_conversion_factor("1.38384", "1.38400")
    assert risk_units(D("98891.66"), D("0.02"), 10, D("0.0001"), rate) == 1_429_152


def test_mid_factor_rejects_non_positive() -> None:
    with pytest.raises(SizingError):
        mid_conversion_factor("0", "1")


def test_conversion_direct_inverse_and_same() -> None:
    quotes = {"USD/JPY": 105, "EUR_JPY": "128", "GBP/USD": "1.38392"}
    assert conversion_rate("USD", "JPY", quotes) == 105  # JPY account, EUR/USD: divide by 105
    assert conversion_rate("JPY", "EUR", quotes) == D("0.0078125")  # EUR account, EUR/JPY
    assert conversion_rate("GBP", "USD", quotes) == D("1.38392")  # USD account, EUR/GBP
    assert conversion_rate("usd", "USD", quotes) == 1


def test_quote_home_rate_for_a_usd_account() -> None:
    quotes = {"USD/JPY": D("108.38")}
    rate = quote_home_rate("JPY", "USD", quotes)
    assert rate * D("108.38") == pytest.approx(1)


def test_missing_quote_says_which_pairs_it_needs() -> None:
    with pytest.raises(SizingError, match="CHF/EUR or EUR/CHF"):
        conversion_rate("CHF", "EUR", {"USD/JPY": 105})


def test_fixed_units_floor_to_step() -> None:
    assert fixed_units(12_345, 1000) == 12_000
    assert fixed_units(D("0.0157"), D("0.001")) == D("0.015")


def test_size_fixed_caps_by_margin() -> None:
    result = size_fixed(50_000, step=1000, balance=100_000, leverage=D("0.25"))
    assert result.capped
    assert result.units == 25_000
    assert result.uncapped_units == 50_000
    free = size_fixed(10_000, step=1000, balance=100_000, leverage=1)
    assert not free.capped
    assert free.units == 10_000
    assert "fixed" in free.explain()
