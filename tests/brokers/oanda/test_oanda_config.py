"""Settings, the SDK environment they register, the instruments printout, and a cheap import."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal as D

from fake_oanda import TOKEN, FakeOanda

from tradeplan.brokers.oanda import venue_instruments
from tradeplan.brokers.oanda.config import HOSTS, config_from_env, register_environment
from tradeplan.brokers.oanda.mapping import domain_symbol, venue_symbol
from tradeplan.core.enums import OrderType

ENV = {"OANDA_TOKEN": "tok-1234567890abcdef", "OANDA_ACCOUNT_ID": "101-001-1234567-001"}


def test_practice_and_live_hosts_by_oanda_env() -> None:
    assert config_from_env(ENV).api_url == HOSTS["practice"][0]
    live = config_from_env({**ENV, "OANDA_ENV": "live"})
    assert (live.api_url, live.stream_url) == HOSTS["live"]


def test_urls_override_the_hosts_and_register_one_sdk_environment_each() -> None:
    from oandapyV20 import oandapyV20 as sdk

    one = config_from_env(
        {**ENV, "OANDA_API_URL": "http://127.0.0.1:1/", "OANDA_STREAM_URL": "http://127.0.0.1:2"}
    )
    two = config_from_env(
        {**ENV, "OANDA_API_URL": "http://127.0.0.1:3", "OANDA_STREAM_URL": "http://127.0.0.1:4"}
    )
    assert one.environment != two.environment
    assert one.environment == register_environment("http://127.0.0.1:1", "http://127.0.0.1:2")
    assert sdk.TRADING_ENVIRONMENTS[one.environment] == {
        "api": "http://127.0.0.1:1",
        "stream": "http://127.0.0.1:2",
    }
    assert config_from_env(ENV).environment == "practice"  # the SDK's own entry


def test_the_token_is_not_in_the_config_repr() -> None:
    assert "tok-1234567890abcdef" not in repr(config_from_env(ENV))


def test_symbols_map_both_ways() -> None:
    assert venue_symbol("EUR/USD") == "EUR_USD" and venue_symbol("EUR_USD") == "EUR_USD"
    assert domain_symbol("EUR_USD") == "EUR/USD"


def test_venue_instruments_carry_oanda_figures() -> None:
    fake = FakeOanda()
    fake.start()
    try:
        (jpy, eur) = venue_instruments(("USD/JPY", "EUR/USD"), fake.environ(), 2.0)
    finally:
        fake.close()
    assert (jpy.symbol, jpy.venue_symbol, jpy.tick, jpy.step) == (
        "USD/JPY",
        "USD_JPY",
        D("0.001"),
        D(1),
    )
    assert eur.tick == D("0.00001") and eur.max_leverage == 20 and eur.min_qty == 1
    assert dict(eur.facts)["pipLocation"] == "-4" and dict(eur.facts)["marginRate"] == "0.05"
    assert OrderType.TRAILING_STOP not in eur.native_order_types  # emulated (docs)
    assert OrderType.MARKET_IF_TOUCHED in eur.native_order_types


def test_importing_the_package_does_not_import_the_sdk() -> None:
    code = "import sys, tradeplan.brokers.oanda; print('oandapyV20' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_fake_token_is_long_enough_to_be_found_in_logs() -> None:
    assert len(TOKEN) > 20
