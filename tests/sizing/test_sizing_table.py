"""Every row of SEMANTICS.md section 4, with the exact numbers of seed 003."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradeplan.sizing import (
    conversion_rate,
    leverage_cap,
    margin_cap,
    min_stop_pips,
    risk_units,
    size_by_risk,
)

# account, instrument, balance, risk, stop pips, pip, rate (account per quote), units
TABLE = [
    ("JPY", "USD/JPY", "500000", "0.02", "20", "0.01", D(1), D(50_000)),
    ("JPY", "EUR/USD", "500000", "0.02", "20", "0.0001", D(105), D(47_619)),
    ("EUR", "EUR/JPY", "500000", "0.02", "20", "0.01", D(1) / D(128), D(6_400_000)),
    ("USD", "USD/JPY", "98891.66", "0.02", "10", "0.01", D("0.009226795"), D(2_143_575)),
    ("USD", "EUR/USD", "98891.66", "0.02", "10", "0.0001", D("1.0"), D(1_977_833)),
    ("USD", "EUR/GBP", "98891.66", "0.02", "10", "0.0001", D("1.38392"), D(1_429_152)),
]


@pytest.mark.parametrize(
    ("account", "symbol", "balance", "risk", "stop", "pip", "rate", "units"),
    TABLE,
    ids=[f"{row[0]}-{row[1]}" for row in TABLE],
)
def test_semantics_table_row(
    account: str,
    symbol: str,
    balance: str,
    risk: str,
    stop: str,
    pip: str,
    rate: D,
    units: D,
) -> None:
    assert risk_units(D(balance), D(risk), D(stop), D(pip), rate) == units
    result = size_by_risk(D(balance), D(risk), D(stop), D(pip), quote_home_rate=rate)
    assert result.units == units
    assert result.uncapped_units == units
    assert not result.capped
    assert result.min_stop_pips is None


def test_any_jpy_cross_in_a_jpy_account_gives_50000() -> None:
    for _symbol in ("USD/JPY", "EUR/JPY", "GBP/JPY", "AUD/JPY"):
        assert risk_units(500000, D("0.02"), 20, D("0.01")) == 50_000


def test_eur_account_eur_jpy_divides_by_jpy_per_eur_not_128() -> None:
    """The naive formula divides by 128 and gets 390.63; the right rate is 1/128 EUR per JPY."""
    naive = D(500000) * D("0.02") / D(128) / (D(20) * D("0.01"))
    assert naive == D("390.625")  # 390.63 as the seed prints it
    rate = conversion_rate("JPY", "EUR", {"EUR/JPY": 128})
    assert rate == D("0.0078125")
    units = risk_units(500000, D("0.02"), 20, D("0.01"), rate)
    assert units == 6_400_000
    assert units != naive.to_integral_value()
    # Dividing by the JPY-per-EUR price is exactly what the naive formula does: 390 units.
    assert risk_units(500000, D("0.02"), 20, D("0.01"), D(128)) == 390


def test_usd_jpy_capped_at_20x_leverage() -> None:
    result = size_by_risk(
        D("98891.66"), D("0.02"), 10, D("0.01"), quote_home_rate=D("0.009226795"), leverage=20
    )
    assert result.uncapped_units == 2_143_575
    assert result.cap == 1_977_833
    assert result.capped
    assert result.units == 1_977_833


def test_cap_from_broker_units_available() -> None:
    result = size_by_risk(
        D("98891.66"),
        D("0.02"),
        10,
        D("0.01"),
        quote_home_rate=D("0.009226795"),
        units_available=1_977_833,
    )
    assert result.units == 1_977_833
    assert result.capped


def test_smaller_of_leverage_cap_and_units_available_binds() -> None:
    assert margin_cap(D("98891.66"), 20, units_available=1_000_000) == 1_000_000
    assert margin_cap(D("98891.66"), 20, units_available=5_000_000) == 1_977_833
    assert margin_cap() is None


def test_leverage_cap_divides_by_base_rate() -> None:
    # EUR/USD in a JPY account: one EUR costs 128 JPY of notional.
    assert leverage_cap(500000, 25, D(128)) == 97_656
    assert leverage_cap(D("98891.66"), 20, 1) == 1_977_833


def test_minimum_stop_11_pips_gives_1953847_units() -> None:
    assert min_stop_pips(D("98891.66"), D("0.02"), D("0.00920251"), 1_977_833, D("0.01")) == 11
    assert risk_units(D("98891.66"), D("0.02"), 11, D("0.01"), D("0.00920251")) == 1_953_847


def test_capped_result_reports_the_minimum_stop() -> None:
    result = size_by_risk(
        D("98891.66"), D("0.02"), 10, D("0.01"), quote_home_rate=D("0.00920251"), leverage=20
    )
    assert result.uncapped_units == 2_149_232  # seed 003's second run
    assert result.units == 1_977_833
    assert result.min_stop_pips == 11
    assert result.units_at_min_stop == 1_953_847
    assert result.units_at_min_stop <= result.units


def test_step_floors_units() -> None:
    assert risk_units(500000, D("0.02"), 20, D("0.0001"), 105, step=1000) == 47_000
    result = size_by_risk(500000, D("0.02"), 20, D("0.0001"), quote_home_rate=105, step=1000)
    assert result.units == 47_000


def test_uncapped_result_when_cap_is_loose() -> None:
    result = size_by_risk(500000, D("0.02"), 20, D("0.01"), leverage=25)
    assert result.cap == 12_500_000
    assert not result.capped
    assert result.units == 50_000
    assert result.min_stop_pips is None


def test_zero_cap_means_no_units_and_no_minimum_stop() -> None:
    result = size_by_risk(500000, D("0.02"), 20, D("0.01"), units_available=0)
    assert result.units == 0
    assert result.capped
    assert result.min_stop_pips is None
