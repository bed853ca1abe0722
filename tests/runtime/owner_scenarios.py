"""Small runs that reach what the bundled strategies never do, for the snapshot tests.

Each scenario runs one plan and returns its `EngineResult` with whatever else a user sees of
it (the summary, the slots' stop reasons). test_owner_snapshots.py runs each with its owners
restored from snapshots at every event; test_owner_state_codec.py takes the states they reach.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from decimal import Decimal as D
from pathlib import Path

from api_harness import strategy, timed_rows
from backtest_harness import FX_HEAD, fx_plan, plan_from, run, ticks
from grid_harness import grid_plan, quotes, run_with_hooks, slot
from owner_swap import swapping
from test_replay_parity import ENTRIES, EXITS, GRIDS, random_bars

from tradeplan.api_backtest import BacktestOptions, run_backtest
from tradeplan.backtest.data import MarketData
from tradeplan.brokers.paper.broker import PaperAccount
from tradeplan.plan.model import Plan
from tradeplan.runtime.engine import Engine, EngineResult
from tradeplan.runtime.slot_run import SlotRun

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "golden"))
import golden_runs  # noqa: E402

NY = 5 * 60  # minutes from 00:00 UTC to 00:00 New York in January
STOCK = {"symbol": "US.AAPL", "account": "{currency: USD, balance: 100000}"}
THREE_SLOTS = "  from: 108.00\n  to: 109.00\n  step: 50 pips\n"
BUY_AT_109 = ("109.49/109.50", "109.20/109.21", "108.99/109.00")
REJECTING = ("109.49/109.50", "109.49/109.50", "108.99/109.00", "108.49/108.50", "109.00/109.01")
Outcome = tuple[EngineResult, object]


def _backtest(plan: Plan, data: MarketData) -> Outcome:
    run_ = run_backtest(plan, data, BacktestOptions())
    return run_.result, run_.summary


def _deferred_close() -> Outcome:
    """A US stock under `session: rth` whose time exit falls after hours: held for the open."""
    body = (
        "entries:\n  - {name: r, side: long, when: close crosses_above 100.5, units: 10}\n"
        "exits:\n  stop_loss: 10%\n  time_exit: '16:45 America/New_York'\n"
    )
    rows: list[tuple[object, ...]] = [
        (NY + 15 * 60 + 50, "100", "100", "100", "100"),
        (NY + 15 * 60 + 51, "100", "101", "100", "101"),
        (NY + 15 * 60 + 52, "101", "101", "101", "101"),  # long 10 at 101
        (NY + 16 * 60 + 44, "100", "100", "100", "100"),  # closes at 16:45: the clock fires
        (NY + 16 * 60 + 45, "100", "100", "100", "100"),
        (NY + 33 * 60 + 30, "100.2", "100.2", "100.2", "100.2"),  # the next open: closed
        (NY + 33 * 60 + 31, "100.3", "100.3", "100.3", "100.3"),
    ]
    return _backtest(strategy("session: rth\n" + body, **STOCK), timed_rows(rows))


def _daily_rows(days: int) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = [(20 * 60, "100", "100", "100", "100")]
    rows.append((24 * 60 + 20 * 60, "100", "101", "100", "101"))
    rows += [(d * 24 * 60 + 20 * 60, "100", "100", "100", "100") for d in range(2, days)]
    return rows


def _expired_rule_stop() -> Outcome:
    """A rule's GTC stop dropped by the broker after 90 days and re-placed."""
    body = (
        "entries:\n  - {name: r, side: long, when: close crosses_above 100.5, units: 10}\n"
        "exits:\n  stop_loss: 4%\n  time_in_force: gtc\n"
    )
    return _backtest(strategy(body, **STOCK), timed_rows(_daily_rows(120)))


def _expired_grid_exits() -> Outcome:
    body = "grid:\n  side: buy\n  at: 100\n  units: 10\n  take_profit: 20%\n  stop_loss: 20%\n"
    return _backtest(strategy(body, **STOCK), timed_rows(_daily_rows(120)))


def _refused_market_entry() -> Outcome:
    """A market entry before the open: the broker rejects it at once."""
    body = (
        "entries:\n  - {name: r, side: long, when: close > 0, units: 10}\nexits:\n  stop_loss: 4%\n"
    )
    rows: list[tuple[object, ...]] = [
        (NY + 8 * 60 + i, "100", "100", "100", "100") for i in range(3)
    ]
    return _backtest(strategy(body, **STOCK), timed_rows(rows))


def _paused_slot() -> Outcome:
    """A daily loss limit refusing a slot's re-entry for the day, four days running."""
    plan = grid_plan(units="100000", stop_loss="50 pips", extra="risk: {daily_loss_limit: 0.3%}\n")
    day = [("109.49", "109.50"), ("108.99", "109.00"), ("108.40", "108.41")]
    day += [("109.49", "109.50")] * 21
    return _backtest(plan, ticks(day * 4, seconds=3600))


def _stopped_slot(action: str) -> Callable[[], Outcome]:
    def scenario() -> Outcome:
        plan = grid_plan(stop_loss="100 pips", counter="-50 pips", slots=THREE_SLOTS)
        data = quotes(*BUY_AT_109, "109.30/109.31", "109.40/109.41", "110.00/110.01")
        hooks = {}
        account = None
        if action == "rejected":  # margin for two entries: the third is refused at once
            plan = grid_plan(units="10000", slots=THREE_SLOTS, counter="-100 pips")
            data = quotes(*REJECTING)
            account = PaperAccount("JPY", D(100_000), D(25))
        else:

            def act(engine: Engine, _row: int) -> None:
                getattr(slot(engine, "g@109.00"), action)()

            hooks = {3: act}
        hooked = run_with_hooks(plan, data, hooks, broker_account=account)
        stopped = [o.stop_reason for o in hooked.engine.owners if isinstance(o, SlotRun)]
        return hooked.result, [r for r in stopped if r]

    return scenario


def _break_even(exits: str) -> Callable[[], Outcome]:
    def scenario() -> Outcome:
        result = run(fx_plan(ENTRIES[0], exits), random_bars(11, 400), range(0, 400, 9)).result
        return result, None

    return scenario


def _grid_reentries() -> Outcome:
    """Counter and follow re-entries priced off each exit's fill."""
    return _backtest(plan_from(FX_HEAD + GRIDS[0]), random_bars(4, 600))


SCENARIOS: dict[str, Callable[[], Outcome]] = {
    # Break-even stops moved on touch (with a time exit), or closed when the deadline passes.
    "break_even": _break_even(EXITS[6]),
    "break_even_deadline": _break_even(EXITS[5]),
    "grid_reentries": _grid_reentries,
    "deferred_close": _deferred_close,
    "expired_rule_stop": _expired_rule_stop,
    "expired_grid_exits": _expired_grid_exits,
    "refused_market_entry": _refused_market_entry,
    "paused_slot": _paused_slot,
    **{
        f"slot_{a}": _stopped_slot(a)
        for a in ("halt", "manual_close", "margin_closeout", "rejected")
    },
}


@functools.cache
def reached_states() -> tuple[object, ...]:
    """Every distinct state the owners of four golden runs and of the scenarios were in
    between two events, in the order first seen."""
    from tradeplan import api

    states: dict[object, None] = {}
    for case in ("breakeven-timeexit", "eurusd-risk", "nvda-protect", "usdjpy-grid"):
        strategy_, data = golden_runs.CASES[case]
        with swapping(through_json=False) as swaps:
            api.backtest(ROOT / strategy_, ROOT / data)
        states.update(swaps.states)
    for scenario in SCENARIOS.values():
        with swapping(through_json=False) as swaps:
            scenario()
        states.update(swaps.states)
    return tuple(states)
