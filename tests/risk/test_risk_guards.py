"""One test per reason code: what a user sees in signals.csv when an entry is refused."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from tradeplan.core.enums import Side
from tradeplan.core.instrument import default_instrument
from tradeplan.risk import (
    AccountState,
    GuardLimits,
    ProposedOrder,
    Reason,
    SymbolExposure,
    check_order,
)

USDJPY = default_instrument("USD/JPY")  # tick 0.001, step 1
BTC = default_instrument("BTCUSDT")  # tick 0.1, step 0.001, min notional 5
FLAT = AccountState(balance=D(1_000_000), equity=D(1_000_000), leverage=D(25))


def buy(qty: str = "10000", price: str = "109.000", **kw: object) -> ProposedOrder:
    return ProposedOrder("USD/JPY", Side.BUY, D(qty), D(price), **kw)  # type: ignore[arg-type]


def reasons(limits: GuardLimits, state: AccountState, order: ProposedOrder) -> list[str]:
    return [str(r) for r in check_order(limits, state, order, USDJPY).reasons]


def test_clean_order_passes() -> None:
    result = check_order(GuardLimits(), FLAT, buy(), USDJPY)
    assert result.ok
    assert result.reasons == ()
    assert result.message == ""


def test_duplicate_position() -> None:
    held = replace(FLAT, positions={"USD/JPY": SymbolExposure(1, D(10000), D(1_090_000))})
    limits = GuardLimits(one_position_per_symbol=True)
    result = check_order(limits, held, buy(), USDJPY)
    assert result.reasons == (Reason.DUPLICATE_POSITION,)
    assert result.rejections[0].message == (
        "USD/JPY already has a position (one position per symbol)"
    )
    # Another symbol is free.
    eur = ProposedOrder("EUR/USD", Side.BUY, D(1000), D("1.1"))
    assert check_order(limits, held, eur).ok


def test_duplicate_counts_a_working_entry() -> None:
    pending = replace(
        FLAT,
        positions={"USD/JPY": SymbolExposure(pending_entries=1, pending_qty=D(10000))},
    )
    result = check_order(GuardLimits(one_position_per_symbol=True), pending, buy(), USDJPY)
    assert result.reasons == (Reason.DUPLICATE_POSITION,)
    assert "an entry order working" in result.message


def test_grid_may_hold_many_positions_without_the_flag() -> None:
    held = replace(FLAT, positions={"USD/JPY": SymbolExposure(5, D(5000), D(545_000))})
    assert check_order(GuardLimits(), held, buy("1000"), USDJPY).ok


def test_max_open_positions() -> None:
    state = replace(
        FLAT,
        positions={
            "USD/JPY": SymbolExposure(19, D(19000), D(2_071_000)),
            "EUR/USD": SymbolExposure(pending_entries=1, pending_qty=D(1000)),
        },
    )
    result = check_order(GuardLimits(max_open_positions=20), state, buy("1000"), USDJPY)
    assert reasons(GuardLimits(max_open_positions=20), state, buy("1000")) == ["max_open_positions"]
    assert result.rejections[0].message == "20 positions open or pending, the limit is 20"
    assert check_order(GuardLimits(max_open_positions=21), state, buy("1000"), USDJPY).ok


def test_max_position_per_symbol() -> None:
    state = replace(FLAT, positions={"USD/JPY": SymbolExposure(1, D(8000), D(872_000))})
    limits = GuardLimits(max_position_per_symbol=D(10000))
    assert check_order(limits, state, buy("2000"), USDJPY).ok
    result = check_order(limits, state, buy("3000"), USDJPY)
    assert result.reasons == (Reason.MAX_POSITION_PER_SYMBOL,)
    assert "would hold 11000 units, above the limit 10000" in result.message


def test_notional_above_max_per_order_and_in_total() -> None:
    # 10,000 x 109 = 1,090,000 JPY
    assert reasons(GuardLimits(max_notional=D(1_000_000)), FLAT, buy()) == ["notional_above_max"]
    assert reasons(GuardLimits(max_notional=D(1_090_000)), FLAT, buy()) == []
    state = replace(FLAT, positions={"USD/JPY": SymbolExposure(1, D(10000), D(1_090_000))})
    rich = replace(state, equity=D(10_000_000), balance=D(10_000_000))
    result = check_order(GuardLimits(max_total_notional=D(2_000_000)), rich, buy(), USDJPY)
    assert result.reasons == (Reason.NOTIONAL_ABOVE_MAX,)
    assert "total notional would be 2180000, above the maximum 2000000" in result.message


def test_notional_uses_the_quote_home_rate() -> None:
    # EUR/USD 10,000 at 1.1 in a JPY account at 105 JPY per USD = 1,155,000 JPY.
    order = ProposedOrder("EUR/USD", Side.BUY, D(10000), D("1.1"), quote_home_rate=D(105))
    assert order.notional == D("1155000.0")
    result = check_order(GuardLimits(max_notional=D(1_000_000)), FLAT, order)
    assert result.reasons == (Reason.NOTIONAL_ABOVE_MAX,)


def test_notional_below_venue_min_and_own_min() -> None:
    order = ProposedOrder("BTCUSDT", Side.BUY, D("0.001"), D("4000.0"))  # 4 USDT
    result = check_order(GuardLimits(), FLAT, order, BTC)
    assert result.reasons == (Reason.NOTIONAL_BELOW_MIN,)
    assert "below the broker's minimum 5" in result.message
    ok = ProposedOrder("BTCUSDT", Side.BUY, D("0.002"), D("4000.0"))
    assert check_order(GuardLimits(), FLAT, ok, BTC).ok
    own = check_order(GuardLimits(min_notional=D(10)), FLAT, ok, BTC)
    assert own.reasons == (Reason.NOTIONAL_BELOW_MIN,)
    assert "below the minimum 10" in own.message


def test_insufficient_margin() -> None:
    account = AccountState(balance=D(100_000), equity=D(100_000), leverage=D(25))
    # 25x on 100,000 JPY allows 2,500,000 JPY of notional.
    assert check_order(GuardLimits(), account, buy("22900"), USDJPY).ok  # 2,496,100
    result = check_order(GuardLimits(), account, buy("23000"), USDJPY)  # 2,507,000
    assert result.reasons == (Reason.INSUFFICIENT_MARGIN,)
    assert result.rejections[0].message == (
        "the order needs 100280 of margin at 25x, only 100000 is free"
    )


def test_margin_counts_used_margin_and_pending_entries() -> None:
    account = AccountState(
        balance=D(100_000),
        equity=D(100_000),
        leverage=D(25),
        margin_used=D(50_000),
        positions={"EUR/USD": SymbolExposure(pending_entries=1, pending_notional=D(1_000_000))},
    )
    # free: 100,000 - 50,000 - 1,000,000 / 25 = 10,000
    assert account.free_margin == D(10_000)
    assert check_order(GuardLimits(), account, buy("2000", "100.000"), USDJPY).ok  # needs 8,000
    result = check_order(GuardLimits(), account, buy("3000", "100.000"), USDJPY)
    assert result.reasons == (Reason.INSUFFICIENT_MARGIN,)


def test_broker_margin_available_wins() -> None:
    account = AccountState(
        balance=D(100_000), equity=D(100_000), leverage=D(25), margin_available=D(1000)
    )
    result = check_order(GuardLimits(), account, buy("1000"), USDJPY)  # needs 4,360
    assert result.reasons == (Reason.INSUFFICIENT_MARGIN,)


def test_price_not_on_tick() -> None:
    result = check_order(GuardLimits(), FLAT, buy(price="109.0005"), USDJPY)
    assert result.reasons == (Reason.PRICE_NOT_ON_TICK,)
    assert result.message == "price_not_on_tick: price 109.0005 is not on the tick 0.001"


def test_trigger_not_on_tick() -> None:
    order = buy(trigger=D("109.0105"))
    assert check_order(GuardLimits(), FLAT, order, USDJPY).reasons == (Reason.PRICE_NOT_ON_TICK,)


def test_market_order_reference_price_is_not_tick_checked() -> None:
    order = buy(price="109.0005", price_is_reference=True)
    assert check_order(GuardLimits(), FLAT, order, USDJPY).ok


def test_us_stock_sub_penny_tick_below_one_dollar() -> None:
    penny = default_instrument("US.ABCD")
    cheap = ProposedOrder("US.ABCD", Side.BUY, D(100), D("0.5123"))
    dear = ProposedOrder("US.ABCD", Side.BUY, D(100), D("1.5123"))
    assert check_order(GuardLimits(), FLAT, cheap, penny).ok
    assert check_order(GuardLimits(), FLAT, dear, penny).reasons == (Reason.PRICE_NOT_ON_TICK,)


def test_qty_not_on_step() -> None:
    result = check_order(GuardLimits(), FLAT, buy("10000.5"), USDJPY)
    assert result.reasons == (Reason.QTY_NOT_ON_STEP,)
    assert "quantity 10000.5 is not a multiple of the step 1" in result.message


def test_daily_loss_limit_of_start_of_day_equity() -> None:
    limits = GuardLimits(daily_loss_limit=D("0.02"))
    down = replace(FLAT, start_of_day_equity=D(1_000_000), equity=D(980_000))
    result = check_order(limits, down, buy(), USDJPY)
    assert result.reasons == (Reason.DAILY_LOSS_LIMIT_REACHED,)
    assert result.rejections[0].message == (
        "equity 980000 is 2% below the start of day 1000000 (limit 2%): no entries today"
    )
    almost = replace(down, equity=D(980_001))
    assert check_order(limits, almost, buy(), USDJPY).ok


def test_daily_lock_is_sticky_even_after_recovery() -> None:
    locked = replace(FLAT, daily_loss_locked=True)
    assert check_order(GuardLimits(), locked, buy(), USDJPY).reasons == (
        Reason.DAILY_LOSS_LIMIT_REACHED,
    )


def test_drawdown_halt_from_peak() -> None:
    limits = GuardLimits(max_drawdown=D("0.10"))
    state = replace(FLAT, peak_equity=D(1_200_000), equity=D(1_070_000))
    result = check_order(limits, state, buy(), USDJPY)
    assert result.reasons == (Reason.DRAWDOWN_HALT,)
    assert "10.83% below its peak 1200000 (limit 10%): trading halted" in result.message
    assert check_order(limits, replace(state, equity=D(1_080_001)), buy(), USDJPY).ok
    halted = replace(FLAT, drawdown_halted=True)
    assert check_order(GuardLimits(), halted, buy(), USDJPY).reasons == (Reason.DRAWDOWN_HALT,)


def test_kill_switch() -> None:
    result = check_order(GuardLimits(), replace(FLAT, kill_switch=True), buy(), USDJPY)
    assert result.reasons == (Reason.KILL_SWITCH,)
    assert result.message == "kill_switch: the kill switch is on: no new entries"


def test_reason_codes_are_the_documented_words() -> None:
    assert {r.value for r in Reason} == {
        "duplicate_position",
        "max_open_positions",
        "insufficient_margin",
        "notional_above_max",
        "notional_below_min",
        "price_not_on_tick",
        "qty_not_on_step",
        "max_position_per_symbol",
        "max_risk_per_trade",
        "daily_loss_limit_reached",
        "drawdown_halt",
        "kill_switch",
    }


def test_bad_limits_and_orders_are_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="fraction"):
        GuardLimits(daily_loss_limit=D(2))
    with pytest.raises(ValueError):
        GuardLimits(max_open_positions=-1)
    with pytest.raises(ValueError, match="quantity"):
        buy("0")
    with pytest.raises(ValueError, match="price"):
        buy(price="0")
    with pytest.raises(ValueError, match="leverage"):
        AccountState(balance=D(1), equity=D(1), leverage=D(0))
