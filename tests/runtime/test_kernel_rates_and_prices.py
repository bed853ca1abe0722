"""The valuation and price rules the live runtime will share with the backtest (issue 8): they
live in the kernel (runtime/currency.py, runtime/entry_prices.py, ports/profiles.py), not in
the backtest wiring."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradeplan.core.instrument import default_instrument
from tradeplan.ports.profiles import PAPER, get_profile, profile_or_paper
from tradeplan.runtime.currency import RateError, inverse_price, quote_rate
from tradeplan.runtime.entry_prices import price_on_tick
from tradeplan.runtime.ledger import same_currency

USDJPY = default_instrument("USD/JPY")
EURUSD = default_instrument("EUR/USD")


def test_an_account_in_the_quote_currency_values_at_one() -> None:
    assert quote_rate(USDJPY, "JPY", None) is same_currency


def test_an_account_in_the_base_currency_values_at_one_over_the_price() -> None:
    rate = quote_rate(USDJPY, "USD", None)
    assert rate is inverse_price
    assert rate(D("150")) * D("150") <= 1


def test_a_third_currency_needs_a_rate_and_an_unneeded_rate_is_refused() -> None:
    with pytest.raises(RateError, match="give --rate"):
        quote_rate(EURUSD, "JPY", None)
    assert quote_rate(EURUSD, "JPY", D("150"))(D("1.08")) == D("150")
    with pytest.raises(RateError, match="not needed"):
        quote_rate(USDJPY, "JPY", D("2"))


def test_an_expression_value_lands_exactly_on_the_tick() -> None:
    assert price_on_tick(105.10000000000001, USDJPY) == D("105.100")
    assert price_on_tick(0.1 + 0.2, EURUSD) == D("0.30000")
    assert price_on_tick(float("nan"), USDJPY) is None
    assert price_on_tick(-1.0, USDJPY) is None


def test_an_unknown_broker_name_falls_back_to_paper_rules() -> None:
    assert profile_or_paper("oanda") is get_profile("oanda")
    assert profile_or_paper("no-such-broker") is PAPER
