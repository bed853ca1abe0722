"""check_order runs every guard, reports every reason, and never blocks a closing order."""

from __future__ import annotations

from decimal import Decimal as D

from tradeplan.core.enums import Side
from tradeplan.core.instrument import default_instrument
from tradeplan.ports.profiles import get_profile
from tradeplan.risk import (
    OK,
    AccountState,
    GuardLimits,
    ProposedOrder,
    Reason,
    SymbolExposure,
    check_order,
)

USDJPY = default_instrument("USD/JPY")

EVERYTHING_WRONG = AccountState(
    balance=D(100_000),
    equity=D(80_000),
    start_of_day_equity=D(100_000),
    peak_equity=D(100_000),
    positions={"USD/JPY": SymbolExposure(3, D(30000), D(3_270_000))},
    margin_used=D(79_000),
    leverage=D(25),
    kill_switch=True,
)
STRICT = GuardLimits(
    one_position_per_symbol=True,
    max_open_positions=3,
    max_position_per_symbol=D(30000),
    max_notional=D(100),
    daily_loss_limit=D("0.02"),
    max_drawdown=D("0.10"),
)


def test_every_reason_is_reported_in_a_fixed_order() -> None:
    order = ProposedOrder("USD/JPY", Side.BUY, D("1000.5"), D("109.0005"))
    result = check_order(STRICT, EVERYTHING_WRONG, order, USDJPY)
    assert not result.ok
    assert result.reasons == (
        Reason.KILL_SWITCH,
        Reason.DRAWDOWN_HALT,
        Reason.DAILY_LOSS_LIMIT_REACHED,
        Reason.DUPLICATE_POSITION,
        Reason.MAX_OPEN_POSITIONS,
        Reason.MAX_POSITION_PER_SYMBOL,
        Reason.NOTIONAL_ABOVE_MAX,
        Reason.INSUFFICIENT_MARGIN,
        Reason.PRICE_NOT_ON_TICK,
        Reason.QTY_NOT_ON_STEP,
    )


def test_reducing_order_skips_every_entry_cap() -> None:
    close = ProposedOrder("USD/JPY", Side.SELL, D(10000), D("110.000"), is_reducing=True)
    assert check_order(STRICT, EVERYTHING_WRONG, close, USDJPY) == OK


def test_reducing_order_still_needs_tick_and_step() -> None:
    close = ProposedOrder("USD/JPY", Side.SELL, D("10000.5"), D("110.0001"), is_reducing=True)
    result = check_order(STRICT, EVERYTHING_WRONG, close, USDJPY)
    assert result.reasons == (Reason.PRICE_NOT_ON_TICK, Reason.QTY_NOT_ON_STEP)


def test_without_rules_venue_checks_are_skipped() -> None:
    order = ProposedOrder("USD/JPY", Side.BUY, D("1000.5"), D("109.0005"))
    assert check_order(GuardLimits(), AccountState(D(10**9), D(10**9)), order).ok


def test_broker_profile_supplies_the_rules() -> None:
    """The dealer profile trades FX in 1,000-unit lots: 1,500 units is refused."""
    rules = get_profile("triauto").instrument("USD/JPY")
    account = AccountState(D(10**7), D(10**7), leverage=D(25))
    order = ProposedOrder("USD/JPY", Side.BUY, D(1500), D("109.000"))
    assert check_order(GuardLimits(), account, order, rules).reasons == (Reason.QTY_NOT_ON_STEP,)
    lot = ProposedOrder("USD/JPY", Side.BUY, D(2000), D("109.000"))
    assert check_order(GuardLimits(), account, lot, rules).ok
