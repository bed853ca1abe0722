"""Settings a user gets wrong: each one a message naming what to set, never a secret."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal as D

import pytest
from binance_rig import BTC, FLAT, KEY, SECRET, Rig

from tradeplan.brokers.binance import open_live, venue_instruments
from tradeplan.brokers.binance.config import config_from_env
from tradeplan.core.instrument import default_instrument
from tradeplan.ports.adapters import AdapterConfigError, AdapterRequest
from tradeplan.ports.live import BrokerUnavailable


@pytest.mark.parametrize("missing", ["BINANCE_API_KEY", "BINANCE_API_SECRET"])
def test_a_missing_key_names_the_variable(missing: str) -> None:
    env = {"BINANCE_API_KEY": KEY, "BINANCE_API_SECRET": SECRET}
    del env[missing]
    with pytest.raises(AdapterConfigError) as raised:
        config_from_env(env)
    assert missing in str(raised.value)
    assert KEY not in str(raised.value) and SECRET not in str(raised.value)


def test_bad_urls_and_flags_are_named() -> None:
    env = {"BINANCE_API_KEY": KEY, "BINANCE_API_SECRET": SECRET}
    with pytest.raises(AdapterConfigError, match="BINANCE_FUTURES_URL"):
        config_from_env({**env, "BINANCE_FUTURES_URL": "fapi.binance.com"})
    with pytest.raises(AdapterConfigError, match="BINANCE_STREAM_URL"):
        config_from_env({**env, "BINANCE_STREAM_URL": "http://x"})
    with pytest.raises(AdapterConfigError, match="BINANCE_TESTNET"):
        config_from_env({**env, "BINANCE_TESTNET": "maybe"})


def test_testnet_is_chosen_by_the_environment() -> None:
    env = {"BINANCE_API_KEY": KEY, "BINANCE_API_SECRET": SECRET}
    assert "testnet" in config_from_env({**env, "BINANCE_TESTNET": "1"}).rest_url
    assert config_from_env(env).rest_url == "https://fapi.binance.com"
    assert KEY not in repr(config_from_env(env)) and SECRET not in repr(config_from_env(env))


def test_importing_the_package_does_not_import_the_sdk() -> None:
    code = "import sys, tradeplan.brokers.binance; print('binance' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_open_live_on_the_fake_and_a_wrong_secret() -> None:
    rig = Rig((FLAT, FLAT), connect=False)
    try:
        broker = open_live(AdapterRequest(BTC, 60, rig.environ(), connect_timeout=2.0))
        assert broker.profile.name == "binance"
        defaults = broker.profile.defaults_for(BTC.asset_class)
        assert (defaults.tick, defaults.step, defaults.min_notional) == (D("0.1"), D("0.001"), D(5))
        assert defaults.max_leverage == D(125)
        broker.close()
        env = rig.environ(BINANCE_API_SECRET="not-the-secret")
        with pytest.raises(AdapterConfigError) as raised:
            open_live(AdapterRequest(BTC, 60, env, connect_timeout=2.0))
        message = str(raised.value)
        assert "-1022" in message and "BINANCE_API_SECRET" in message
        assert "not-the-secret" not in message and SECRET not in message
        env = rig.environ(BINANCE_API_KEY="someone-else")
        with pytest.raises(AdapterConfigError, match="BINANCE_API_KEY"):
            open_live(AdapterRequest(BTC, 60, env, connect_timeout=2.0))
    finally:
        rig.close()


def test_an_unknown_symbol_and_an_unknown_interval_say_what_to_do() -> None:
    rig = Rig((FLAT,), connect=False)
    try:
        with pytest.raises(AdapterConfigError, match="lists no contract XRPUSDT"):
            open_live(AdapterRequest(default_instrument("XRPUSDT"), 60, rig.environ()))
        with pytest.raises(AdapterConfigError, match="no 7-second klines"):
            open_live(AdapterRequest(BTC, 7, rig.environ()))
        with pytest.raises(AdapterConfigError, match="lists no contract"):
            venue_instruments(("DOGEUSDT",), rig.environ(), 2.0)
    finally:
        rig.close()


def test_nobody_listening_is_unavailable_not_a_crash() -> None:
    env = {
        "BINANCE_API_KEY": KEY,
        "BINANCE_API_SECRET": SECRET,
        "BINANCE_FUTURES_URL": "http://127.0.0.1:9",
        "BINANCE_STREAM_URL": "ws://127.0.0.1:9",
    }
    with pytest.raises(BrokerUnavailable, match="did not answer"):
        open_live(AdapterRequest(BTC, 60, env, connect_timeout=1.0))


def test_venue_instruments_without_keys_and_with_them() -> None:
    rig = Rig((FLAT,), connect=False)
    try:
        env = rig.environ()
        public = {k: v for k, v in env.items() if "URL" in k}
        (btc, eth) = venue_instruments(("BTCUSDT", "ETH/USDT"), public, 2.0)
        assert (btc.tick, btc.step, btc.min_notional) == (D("0.1"), D("0.001"), D(5))
        assert (eth.venue_symbol, eth.tick, eth.min_notional) == ("ETHUSDT", D("0.01"), D(20))
        assert btc.leverage_brackets == ()  # signed: needs keys
        (btc,) = venue_instruments(("BTCUSDT",), env, 2.0)
        assert btc.max_leverage == D(125)
        assert [b.notional_cap for b in btc.leverage_brackets] == [D(50_000), D(10**9)]
    finally:
        rig.close()
