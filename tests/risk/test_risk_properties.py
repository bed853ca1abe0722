"""Over random order flows, guarded entries never break a cap.

An account model takes random actions (propose entries as market or working orders, fill or
cancel working ones, close positions, move prices and equity across days). Only orders that
`check_order` accepts are applied. After every step, every cap in the limits holds and, when
one position per symbol is set, no symbol ever holds two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tradeplan.core.enums import Side
from tradeplan.core.instrument import default_instrument
from tradeplan.risk import (
    AccountState,
    EquityTracker,
    GuardLimits,
    ProposedOrder,
    Reason,
    SymbolExposure,
    check_order,
)

SYMBOLS = ("USD/JPY", "EUR/USD", "GBP/JPY")
START_PRICES = {"USD/JPY": D("109.000"), "EUR/USD": D("1.10000"), "GBP/JPY": D("150.000")}
JPY_PER_QUOTE = {"USD/JPY": D(1), "EUR/USD": D(105), "GBP/JPY": D(1)}
INSTRUMENTS = {symbol: default_instrument(symbol) for symbol in SYMBOLS}
LEVERAGE = D(5)
T0 = datetime(2024, 3, 4, tzinfo=UTC)


@dataclass
class Held:
    symbol: str
    qty: D
    notional: D


@dataclass
class Account:
    equity: D = D(1_000_000)
    prices: dict[str, D] = field(default_factory=lambda: dict(START_PRICES))
    positions: list[Held] = field(default_factory=list)
    pending: list[Held] = field(default_factory=list)
    clock: datetime = T0

    def snapshot(self, tracker: EquityTracker) -> AccountState:
        by_symbol: dict[str, SymbolExposure] = {}
        for symbol in SYMBOLS:
            held = [p for p in self.positions if p.symbol == symbol]
            waiting = [p for p in self.pending if p.symbol == symbol]
            by_symbol[symbol] = SymbolExposure(
                positions=len(held),
                qty=sum((p.qty for p in held), D(0)),
                notional=sum((p.notional for p in held), D(0)),
                pending_entries=len(waiting),
                pending_qty=sum((p.qty for p in waiting), D(0)),
                pending_notional=sum((p.notional for p in waiting), D(0)),
            )
        used = sum((p.notional for p in self.positions), D(0)) / LEVERAGE
        state = AccountState(
            balance=self.equity,
            equity=self.equity,
            positions=by_symbol,
            margin_used=used,
            leverage=LEVERAGE,
        )
        return tracker.apply(state)


enter = st.tuples(
    st.just("enter"),
    st.sampled_from(SYMBOLS),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(1, 40).map(lambda k: D(k * 1000)),
    st.booleans(),
)
fill = st.tuples(st.just("fill"), st.integers(0, 50))
cancel = st.tuples(st.just("cancel"), st.integers(0, 50))
close = st.tuples(st.just("close"), st.integers(0, 50))
move = st.tuples(st.just("move"), st.sampled_from(SYMBOLS), st.integers(-500, 500))
pnl = st.tuples(st.just("pnl"), st.integers(-60_000, 40_000))
wait = st.tuples(st.just("wait"), st.integers(1, 30))
actions = st.lists(
    st.one_of(enter, enter, enter, fill, cancel, close, move, pnl, wait), min_size=10, max_size=80
)

limits_strategy = st.builds(
    GuardLimits,
    one_position_per_symbol=st.booleans(),
    max_open_positions=st.none() | st.integers(0, 6),
    max_position_per_symbol=st.none() | st.sampled_from([D(5000), D(20000), D(60000)]),
    max_notional=st.none() | st.sampled_from([D(1_000_000), D(3_000_000)]),
    max_total_notional=st.none() | st.sampled_from([D(2_000_000), D(8_000_000)]),
    daily_loss_limit=st.none() | st.sampled_from([D("0.02"), D("0.05")]),
    max_drawdown=st.none() | st.sampled_from([D("0.05"), D("0.10")]),
)


def assert_caps_hold(limits: GuardLimits, account: Account) -> None:
    committed = account.positions + account.pending
    if limits.max_open_positions is not None:
        assert len(committed) <= limits.max_open_positions
    for symbol in SYMBOLS:
        mine = [p for p in committed if p.symbol == symbol]
        if limits.one_position_per_symbol:
            assert len(mine) <= 1, f"{symbol} holds {len(mine)} positions"
        if limits.max_position_per_symbol is not None:
            assert sum((p.qty for p in mine), D(0)) <= limits.max_position_per_symbol
    if limits.max_total_notional is not None:
        assert sum((p.notional for p in committed), D(0)) <= limits.max_total_notional
    if limits.max_notional is not None:
        assert all(p.notional <= limits.max_notional for p in committed)


@settings(max_examples=200, deadline=None)
@given(limits_strategy, actions)
def test_guarded_entries_never_break_a_cap(limits: GuardLimits, steps: list[Any]) -> None:
    account = Account()
    tracker = EquityTracker(limits.daily_loss_limit, limits.max_drawdown).update(
        account.clock, account.equity
    )
    for step in steps:
        kind = step[0]
        if kind == "enter":
            _, symbol, side, qty, is_market = step
            order = ProposedOrder(
                symbol,
                side,
                qty,
                account.prices[symbol],
                price_is_reference=is_market,
                quote_home_rate=JPY_PER_QUOTE[symbol],
            )
            state = account.snapshot(tracker)
            result = check_order(limits, state, order, INSTRUMENTS[symbol])
            if result.ok:
                assert tracker.entries_allowed
                assert not state.kill_switch
                committed = sum((p.notional for p in account.positions + account.pending), D(0))
                assert (committed + order.notional) / LEVERAGE <= account.equity
                held = Held(symbol, qty, order.notional)
                (account.positions if is_market else account.pending).append(held)
            else:
                assert all(isinstance(reason, Reason) for reason in result.reasons)
                if not tracker.entries_allowed:
                    assert tracker.reason in result.reasons
        elif kind == "fill" and account.pending:
            account.positions.append(account.pending.pop(step[1] % len(account.pending)))
        elif kind == "cancel" and account.pending:
            account.pending.pop(step[1] % len(account.pending))
        elif kind == "close" and account.positions:
            target = account.positions[step[1] % len(account.positions)]
            order = ProposedOrder(
                target.symbol,
                Side.SELL,
                target.qty,
                account.prices[target.symbol],
                is_reducing=True,
                price_is_reference=True,
            )
            # Closing is never blocked, whatever the caps and the day's losses say.
            assert check_order(limits, account.snapshot(tracker), order).ok
            account.positions.remove(target)
        elif kind == "move":
            _, symbol, ticks = step
            price = account.prices[symbol] + ticks * INSTRUMENTS[symbol].tick
            account.prices[symbol] = max(price, INSTRUMENTS[symbol].tick)
        elif kind == "pnl":
            account.equity = max(D(1), account.equity + step[1])
            tracker = tracker.update(account.clock, account.equity)
        elif kind == "wait":
            account.clock += timedelta(hours=step[1])
            tracker = tracker.update(account.clock, account.equity)
        assert_caps_hold(limits, account)
