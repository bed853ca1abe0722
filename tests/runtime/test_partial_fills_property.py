"""A property of runs with the volume model on: partial fills never lose or invent quantity or
money.

On random bars and volumes, with random signals, longs and shorts and several kinds of exits,
the books must add up exactly: every unit opened is closed again (by an exit or the end-of-data
close), no exit ever closes more than is open, each exit fill is one trade row with its quantity and price, and the
balance is the starting balance plus the trades' gross results minus their fees. The paper
broker keeps its own account from the raw fills; the engine's books may differ from it only by
the rounding of each trade to the yen. The broker never reports anything the order book has to
refuse, and jumping between events gives exactly the step-by-step run (`both_modes`). The
same holds for grid slots, slot by slot, with counter and follow re-entries.
"""

from __future__ import annotations

from decimal import Decimal as D

from backtest_harness import bars, both_modes, fx_plan
from grid_harness import grid_plan
from grid_harness import run as run_grid
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeplan.brokers.paper.fills import FeeSchedule, FillConfig

BALANCE = D(10_000_000)
EXITS = {
    "tp_sl": "  take_profit: 15 pips\n  stop_loss: 15 pips\n",
    "trailing": "  trailing: {trail: 0.10}\n",
    "break_even": (
        "  take_profit: 30 pips\n  stop_loss: 20 pips\n"
        "  break_even: {at: 8 pips, within: 5m, otherwise: close}\n"
    ),
    "signal": "  stop_loss: 40 pips\n  exit_when: close > 0\n",
    "time_exit": "  stop_loss: 40 pips\n  time_exit: 4m\n",
}
ENTRIES = {
    "market": "    order: market\n    units: 10000\n",
    "limit": "    order: {type: limit, price: close - 0.05}\n    units: 10000\n",
}


@st.composite
def markets(draw: st.DrawFn) -> tuple[list[tuple[str, ...]], list[int]]:
    """Random one-minute USD/JPY bars on the 0.001 grid, with volumes from none to plenty."""
    size = draw(st.integers(20, 60))
    price = 110_000
    rows: list[tuple[str, ...]] = []
    volumes: list[int] = []
    for _ in range(size):
        open_ = price + draw(st.integers(-30, 30))
        close = open_ + draw(st.integers(-80, 80))
        high = max(open_, close) + draw(st.integers(0, 60))
        low = min(open_, close) - draw(st.integers(0, 60))
        spread = draw(st.sampled_from([0, 5, 10]))
        rows.append(tuple(f"{v / 1000:.3f}" for v in (open_, high, low, close, spread)))
        volumes.append(draw(st.sampled_from([0, 3_000, 20_000, 30_000, 40_000, 90_000, 10**6])))
        price = close
    return rows, volumes


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    market=markets(),
    share=st.sampled_from(["0.05", "0.1", "0.25", "1"]),
    side=st.sampled_from(["long", "short"]),
    entry=st.sampled_from(sorted(ENTRIES)),
    exits=st.sampled_from(sorted(EXITS)),
    signals=st.sets(st.integers(0, 19), min_size=1, max_size=6),
    exit_signals=st.sets(st.integers(0, 19), min_size=1, max_size=6),
    fee=st.sampled_from(["0", "0.003"]),
)
def test_partial_fills_keep_quantity_and_money_exact(
    market: tuple[list[tuple[str, ...]], list[int]],
    share: str,
    side: str,
    entry: str,
    exits: str,
    signals: set[int],
    exit_signals: set[int],
    fee: str,
) -> None:
    rows, volumes = market
    size = len(rows)
    plan = fx_plan(ENTRIES[entry], EXITS[exits], side=side)
    opens = "buy" if side == "long" else "sell"
    config = FillConfig(max_volume_share=D(share), fees=FeeSchedule(per_unit=D(fee)))
    run = both_modes(
        plan,
        bars(rows, volume=volumes),
        sorted(r for r in signals if r < size),
        exits=sorted(r for r in exit_signals if r < size),
        config=config,
        balance=BALANCE,
        price=(D("109.95") if side == "long" else D("110.05")) if entry == "limit" else None,
    )
    fills = [e for e in run.orders if e.event.value in ("filled", "partially_filled")]
    opened = sum((e.qty for e in fills if e.side.value == opens), D(0))
    closed = [(e.qty, e.fill_price) for e in fills if e.side.value != opens]
    trades = run.trades
    # Everything opened is closed again: by the exits, or by the end-of-data close.
    assert opened == sum((qty for qty, _ in closed), D(0)) == sum((t.qty for t in trades), D(0))
    # Each exit fill is one trade row, in the order they happened.
    assert closed == [(t.qty, t.exit_price) for t in trades]
    # No exit ever closes more than is open: a long never turns short, nor a short long.
    held = D(0)
    for e in fills:
        held += e.qty if e.side.value == opens else -e.qty
        assert held >= 0
    assert held == 0
    # The broker never said anything the order book had to refuse (no overfill, no double fill).
    assert [a for a in run.result.alerts if a.kind == "order_update_rejected"] == []
    # Money: the balance is the start plus the trades' gross results minus their fees, exactly.
    gross = sum((t.gross_pnl for t in trades), D(0))
    fees = sum((t.fees for t in trades), D(0))
    equity = run.result.equity
    assert equity.exact is not None
    assert equity.exact(len(equity) - 1) == BALANCE + gross - fees
    # The broker's own books, from the raw fills, differ only by each trade's rounding to the
    # yen (gross and fees, half a yen each at most).
    assert abs(run.broker.account().balance - (BALANCE + gross - fees)) <= len(trades)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    market=markets(),
    share=st.sampled_from(["0.05", "0.1", "0.25"]),
    side=st.sampled_from(["buy", "sell"]),
    reentry=st.sampled_from(["", "  counter: -5 pips\n", "  follow: +5 pips\n"]),
)
def test_grid_slots_with_partial_fills_keep_quantity_and_money_exact(
    market: tuple[list[tuple[str, ...]], list[int]], share: str, side: str, reentry: str
) -> None:
    rows, volumes = market
    slots = "  from: 109.80\n  to: 110.20\n  step: 10 pips\n"
    plan = grid_plan(
        side, slots=slots + reentry, units="10000", take_profit="10 pips", stop_loss="20 pips"
    )
    backtest = run_grid(plan, bars(rows, volume=volumes), max_volume_share=D(share))
    result = backtest.result
    fills = [e for e in result.orders if e.event.value in ("filled", "partially_filled")]
    held: dict[str, D] = {}
    for e in fills:
        change = e.qty if e.side.value == side else -e.qty
        held[e.slot] = held.get(e.slot, D(0)) + change
        assert held[e.slot] >= 0  # one position per slot, never closed beyond what it holds
    assert set(held.values()) <= {D(0)}
    closed = [(e.slot, e.qty, e.fill_price) for e in fills if e.side.value != side]
    assert closed == [(t.slot, t.qty, t.exit_price) for t in result.trades]
    assert [a for a in result.alerts if a.kind == "order_update_rejected"] == []
    equity = result.equity
    assert equity.exact is not None and equity.initial is not None
    net = sum((t.gross_pnl - t.fees for t in result.trades), D(0))
    assert equity.exact(len(equity) - 1) == equity.initial + net
