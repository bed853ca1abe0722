from __future__ import annotations

import ast
import dataclasses
from decimal import Decimal as D
from pathlib import Path

import pytest

import tradeplan.ports.profiles as profiles_module
from tradeplan.core.enums import AssetClass, FillProfile, OrderType, Side, TimeInForce
from tradeplan.ports.profiles import (
    PROFILES,
    UnknownProfileError,
    get_profile,
    reference_price,
)

ALL = set(OrderType)


def test_every_broker_has_a_profile() -> None:
    assert set(PROFILES) == {"paper", "triauto", "futu", "binance", "oanda"}
    assert get_profile(" OANDA ") is PROFILES["oanda"]


def test_unknown_broker_lists_the_known_ones() -> None:
    with pytest.raises(UnknownProfileError, match="binance, futu, oanda, paper, triauto"):
        get_profile("ib")


def test_paper_and_futu_have_every_order_type_natively() -> None:
    assert set(PROFILES["paper"].native_order_types) == ALL
    futu = PROFILES["futu"]
    for kind in (
        OrderType.TRAILING_STOP,
        OrderType.TRAILING_STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
    ):
        assert futu.is_native(kind)
    assert futu.venue_name(OrderType.LIMIT) == "NORMAL"


def test_binance_has_no_trailing_stop_limit_and_calls_stop_limit_stop() -> None:
    binance = PROFILES["binance"]
    assert ALL - set(binance.native_order_types) == {OrderType.TRAILING_STOP_LIMIT}
    assert binance.needs_emulation(OrderType.TRAILING_STOP_LIMIT)
    assert binance.venue_name(OrderType.STOP_LIMIT) == "STOP"
    assert binance.venue_name(OrderType.STOP) == "STOP_MARKET"
    assert binance.venue_name(OrderType.MARKET_IF_TOUCHED) == "TAKE_PROFIT_MARKET"
    assert binance.venue_name(OrderType.LIMIT_IF_TOUCHED) == "TAKE_PROFIT"
    assert binance.venue_name(OrderType.TRAILING_STOP) == "TRAILING_STOP_MARKET"
    assert binance.venue_name(OrderType.TRAILING_STOP_LIMIT) is None
    assert binance.reduce_only


def test_oanda_has_no_stop_limit_and_trails_only_an_open_trade() -> None:
    oanda = PROFILES["oanda"]
    assert set(oanda.native_order_types) == {
        OrderType.MARKET,
        OrderType.LIMIT,
        OrderType.STOP,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.TRAILING_STOP,
    }
    assert not oanda.is_native(OrderType.STOP_LIMIT)
    assert oanda.trailing_needs_position
    assert oanda.exits_on_fill
    assert oanda.venue_name(OrderType.TRAILING_STOP) == "TRAILING_STOP_LOSS"


def test_extended_hours_only_on_futu_among_live_brokers() -> None:
    live = {name: p.extended_hours for name, p in PROFILES.items() if p.adapter != "paper"}
    assert live == {"futu": True, "binance": False, "oanda": False}
    assert not PROFILES["triauto"].extended_hours


def test_pips_on_fx_brokers() -> None:
    assert {name for name, p in PROFILES.items() if p.supports_pips} == {
        "paper",
        "triauto",
        "oanda",
    }


def test_triauto_is_a_dealer_profile_on_the_paper_broker() -> None:
    triauto = PROFILES["triauto"]
    assert triauto.adapter == "paper"
    assert triauto.fill_profile is FillProfile.DEALER
    assert PROFILES["paper"].fill_profile is FillProfile.EXCHANGE
    assert triauto.time_in_force == frozenset({TimeInForce.GTC})
    assert triauto.trades(AssetClass.FX)
    assert not triauto.trades(AssetClass.US_STOCK)


def test_triauto_width_minimums() -> None:
    rules = PROFILES["triauto"].price_rules
    assert (
        rules.width_problems(
            take_profit_pips=D(1), stop_loss_pips=D(20), counter_pips=D(-5), follow_pips=D(5)
        )
        == ()
    )
    problems = rules.width_problems(
        take_profit_pips=D("0.5"), counter_pips=D(-4), follow_pips=D("4.9")
    )
    assert [p.name for p in problems] == ["take_profit", "counter", "follow"]
    assert problems[0].message == "take_profit must be at least 1 pips"
    assert problems[1].limit == D(5)
    too_wide = rules.width_problems(take_profit_pips=D(100000))
    assert [p.message for p in too_wide] == ["take_profit must be at most 99999.9 pips"]


def test_price_beyond_99_percent_of_reference_is_refused() -> None:
    rules = PROFILES["triauto"].price_rules
    assert rules.within_distance(D("109.50"), D("110.00"))
    assert rules.within_distance(D("1.10"), D("110.00"))  # 108.90 away: exactly 99%
    assert not rules.within_distance(D("1.09"), D("110.00"))
    assert not rules.within_distance(D("218.91"), D("110.00"))
    assert PROFILES["oanda"].price_rules.within_distance(D("1"), D("110"))  # no such rule


def test_reference_price_is_ask_for_buys_and_bid_for_sells() -> None:
    assert reference_price(Side.BUY, D("109.00"), D("109.01")) == D("109.01")
    assert reference_price(Side.SELL, D("109.00"), D("109.01")) == D("109.00")


def test_instrument_defaults_per_broker() -> None:
    triauto = PROFILES["triauto"].instrument("USD/JPY")
    assert (triauto.tick, triauto.step, triauto.pip) == (D("0.001"), D(1000), D("0.01"))
    oanda = PROFILES["oanda"].instrument("EUR/USD")
    assert (oanda.tick, oanda.step, oanda.pip) == (D("0.00001"), D(1), D("0.0001"))
    btc = PROFILES["binance"].instrument("BTCUSDT")
    assert (btc.tick, btc.step, btc.min_notional) == (D("0.1"), D("0.001"), D(5))
    nvda = PROFILES["futu"].instrument("US.NVDA")
    assert nvda.tick_at(D("120")) == D("0.01")
    assert nvda.tick_at(D("0.5")) == D("0.0001")
    assert nvda.step == 1


def test_max_leverage_per_asset_class() -> None:
    assert PROFILES["oanda"].max_leverage(AssetClass.FX) == 20
    assert PROFILES["triauto"].max_leverage(AssetClass.FX) == 25
    assert PROFILES["binance"].max_leverage(AssetClass.CRYPTO_PERP) == 125
    assert PROFILES["paper"].max_leverage(AssetClass.FX) is None


def test_profiles_are_immutable_values() -> None:
    oanda = PROFILES["oanda"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        oanda.extended_hours = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        PROFILES["x"] = oanda  # type: ignore[index]
    assert len({hash(p) for p in PROFILES.values()}) == len(PROFILES)


def test_profiles_module_imports_only_core() -> None:
    tree = ast.parse(Path(profiles_module.__file__).read_text(encoding="utf-8"))
    imported = [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tradeplan")
    ]
    assert imported
    assert all(name.startswith("tradeplan.core") for name in imported)
