"""One pure function per guard; each returns a Rejection or None.

All share one signature so `check_order` can run them from a table. Entry guards protect the
account from new exposure; the venue guards (tick, step) apply to every order, because the
venue refuses an off-grid price or quantity whatever the order is for.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tradeplan.core.money import HUNDRED, fmt_decimal
from tradeplan.risk.limits import GuardLimits
from tradeplan.risk.reasons import Reason, Rejection
from tradeplan.risk.rules import SymbolRules
from tradeplan.risk.state import AccountState, ProposedOrder
from tradeplan.risk.thresholds import loss_fraction, loss_reached

Guard = Callable[[GuardLimits, AccountState, ProposedOrder, SymbolRules | None], Rejection | None]


def _n(value: Decimal) -> str:
    return fmt_decimal(value)


def _pct(fraction: Decimal) -> str:
    return fmt_decimal((fraction * HUNDRED).quantize(Decimal("0.01"))) + "%"


def kill_switch(
    limits: GuardLimits, state: AccountState, order: ProposedOrder, rules: SymbolRules | None
) -> Rejection | None:
    if not state.kill_switch:
        return None
    return Rejection(Reason.KILL_SWITCH, "the kill switch is on: no new entries")


def drawdown_halt(
    limits: GuardLimits, state: AccountState, order: ProposedOrder, rules: SymbolRules | None
) -> Rejection | None:
    peak, limit = state.peak_equity, limits.max_drawdown
    if peak is not None and limit is not None and loss_reached(peak, state.equity, limit):
        return Rejection(
            Reason.DRAWDOWN_HALT,
            f"equity {_n(state.equity)} is {_pct(loss_fraction(peak, state.equity))} below its "
            f"peak {_n(peak)} (limit {_pct(limit)}): trading halted",
        )
    if state.drawdown_halted:
        return Rejection(
            Reason.DRAWDOWN_HALT,
            "trading was halted at the maximum drawdown and has not been resumed",
        )
    return None


def daily_loss_limit(
    limits: GuardLimits, state: AccountState, order: ProposedOrder, rules: SymbolRules | None
) -> Rejection | None:
    start, limit = state.start_of_day_equity, limits.daily_loss_limit
    if start is not None and limit is not None and loss_reached(start, state.equity, limit):
        return Rejection(
            Reason.DAILY_LOSS_LIMIT_REACHED,
            f"equity {_n(state.equity)} is {_pct(loss_fraction(start, state.equity))} below the "
            f"start of day {_n(start)} (limit {_pct(limit)}): no entries today",
        )
    if state.daily_loss_locked:
        return Rejection(
            Reason.DAILY_LOSS_LIMIT_REACHED,
            "the daily loss limit was reached earlier today: no entries until the next day",
        )
    return None


def duplicate_position(
    limits: GuardLimits, state: AccountState, order: ProposedOrder, rules: SymbolRules | None
) -> Rejection | None:
    if not limits.one_position_per_symbol:
        return None
    held = state.exposure(order.symbol)
    if held.slots_taken == 0:
        return None
    what = "a position" if held.positions else "an entry order working"
    return Rejection(
        Reason.DUPLICATE_POSITION,
        f"{order.symbol} already has {what} (one position per symbol)",
    )


def max_open_positions(
    limits: GuardLimits, state: AccountState, order: ProposedOrder, rules: SymbolRules | None
) -> Rejection | None:
    cap = limits.max_open_positions
    taken = state.slots_taken
    if cap is None or taken + 1 <= cap:
        return None
    return Rejection(
        Reason.MAX_OPEN_POSITIONS,
        f"{taken} positions open or pending, the limit is {cap}",
    )


def max_position_per_symbol(
    limits: GuardLimits, state: AccountState, order: ProposedOrder, rules: SymbolRules | None
) -> Rejection | None:
    cap = limits.max_position_per_symbol
    after = state.exposure(order.symbol).committed_qty + order.qty
    if cap is None or after <= cap:
        return None
    return Rejection(
        Reason.MAX_POSITION_PER_SYMBOL,
        f"{order.symbol} would hold {_n(after)} units, above the limit {_n(cap)}",
    )


def max_risk_per_trade(
    limits: GuardLimits, state: AccountState, order: ProposedOrder, rules: SymbolRules | None
) -> Rejection | None:
    limit = limits.max_risk_per_trade
    if limit is None:
        return None
    if order.risk_amount is None:
        return Rejection(
            Reason.MAX_RISK_PER_TRADE,
            f"no stop loss bounds this entry's loss (the limit is {_pct(limit)} of the balance)",
        )
    budget = state.balance * limit
    if order.risk_amount <= budget:
        return None
    return Rejection(
        Reason.MAX_RISK_PER_TRADE,
        f"the stop would lose {_n(order.risk_amount)}, above {_pct(limit)} of the balance "
        f"({_n(budget)})",
    )


def notional_above_max(
    limits: GuardLimits, state: AccountState, order: ProposedOrder, rules: SymbolRules | None
) -> Rejection | None:
    notional = order.notional
    if limits.max_notional is not None and notional > limits.max_notional:
        return Rejection(
            Reason.NOTIONAL_ABOVE_MAX,
            f"order notional {_n(notional)} is above the maximum {_n(limits.max_notional)}",
        )
    total = state.committed_notional + notional
    if limits.max_total_notional is not None and total > limits.max_total_notional:
        return Rejection(
            Reason.NOTIONAL_ABOVE_MAX,
            f"total notional would be {_n(total)}, above the maximum "
            f"{_n(limits.max_total_notional)}",
        )
    units = state.committed_qty + order.qty
    if limits.max_total_units is not None and units > limits.max_total_units:
        return Rejection(
            Reason.NOTIONAL_ABOVE_MAX,
            f"total notional would be {_n(units)} units of the base currency, above the maximum "
            f"{_n(limits.max_total_units)}",
        )
    return None


def notional_below_min(
    limits: GuardLimits, state: AccountState, order: ProposedOrder, rules: SymbolRules | None
) -> Rejection | None:
    venue_min = rules.min_notional if rules is not None else None
    if venue_min is not None and order.quote_notional < venue_min:
        return Rejection(
            Reason.NOTIONAL_BELOW_MIN,
            f"order notional {_n(order.quote_notional)} is below the broker's minimum "
            f"{_n(venue_min)}",
        )
    if limits.min_notional is not None and order.notional < limits.min_notional:
        return Rejection(
            Reason.NOTIONAL_BELOW_MIN,
            f"order notional {_n(order.notional)} is below the minimum {_n(limits.min_notional)}",
        )
    return None


def insufficient_margin(
    limits: GuardLimits, state: AccountState, order: ProposedOrder, rules: SymbolRules | None
) -> Rejection | None:
    if not state.margin_checked:
        return None
    needed = order.notional / state.leverage
    free = state.free_margin
    if needed <= free:
        return None
    return Rejection(
        Reason.INSUFFICIENT_MARGIN,
        f"the order needs {_n(needed)} of margin at {_n(state.leverage)}x, only "
        f"{_n(max(free, Decimal(0)))} is free",
    )


def price_not_on_tick(
    limits: GuardLimits, state: AccountState, order: ProposedOrder, rules: SymbolRules | None
) -> Rejection | None:
    if rules is None:
        return None
    prices = [] if order.price_is_reference else [("price", order.price)]
    if order.trigger is not None:
        prices.append(("trigger", order.trigger))
    for label, price in prices:
        tick = rules.tick_at(price)
        if price % tick != 0:
            return Rejection(
                Reason.PRICE_NOT_ON_TICK, f"{label} {_n(price)} is not on the tick {_n(tick)}"
            )
    return None


def qty_not_on_step(
    limits: GuardLimits, state: AccountState, order: ProposedOrder, rules: SymbolRules | None
) -> Rejection | None:
    if rules is None or order.qty % rules.step == 0:
        return None
    return Rejection(
        Reason.QTY_NOT_ON_STEP,
        f"quantity {_n(order.qty)} is not a multiple of the step {_n(rules.step)}",
    )


ENTRY_GUARDS: tuple[Guard, ...] = (
    kill_switch,
    drawdown_halt,
    daily_loss_limit,
    duplicate_position,
    max_open_positions,
    max_position_per_symbol,
    max_risk_per_trade,
    notional_above_max,
    notional_below_min,
    insufficient_margin,
)
"""Guards that refuse new exposure; closing orders skip them."""

VENUE_GUARDS: tuple[Guard, ...] = (price_not_on_tick, qty_not_on_step)
"""Guards every order passes, because the venue itself would refuse it."""
