"""`on_restart`: what a strategy does when `tradeplan run` starts it again on its stored state.

Each test runs a grid on the paper venue, stops the bot part way (the venue lives on, as a
broker does), saves the file with a policy, starts the bot again on the same store, and checks
what the venue and the store say afterwards.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from live_harness import ROOT, live_session, source

from tradeplan.backtest.run import BacktestOptions
from tradeplan.core.enums import Side
from tradeplan.live.paper_session import load_feed
from tradeplan.live.runner import RestartRefused
from tradeplan.orders.model import Order, OrderType

GRID = ROOT / "strategies" / "usdjpy-grid.yaml"
FEED = ROOT / "data" / "usdjpy_1m_2025.csv.gz"
WINDOW = BacktestOptions(end="2025-01-24")


def _first_run(tmp_path: Path, policy: str | None = None):  # type: ignore[no-untyped-def]
    path = tmp_path / "usdjpy-grid.yaml"
    shutil.copy(GRID, path)
    plan = source(path)
    data = load_feed(plan.plan, FEED, WINDOW)
    first = live_session([plan], tmp_path / "state", tmp_path / "out", data=data)
    engine = first.runner.strategies[0].engine
    first.runner.run(until=lambda: first.venue.cursor >= 4000 and bool(engine.ledger.open))
    held = dict(engine.ledger.open)
    first.close()
    assert held, "the grid holds positions when the bot stops"
    if policy is not None:
        text = path.read_text("utf-8")
        path.write_text(text + f"on_restart: {policy}\n", "utf-8")
    return path, data, first.venue, held


def _again(tmp_path: Path, path: Path, data, venue, stop_at: int, before=None):  # type: ignore[no-untyped-def]
    started = datetime.now(UTC)
    again = live_session(
        [source(path)], tmp_path / "state", tmp_path / "out", data=data, venue=venue
    )
    again.started = started  # type: ignore[attr-defined]
    if before is not None:
        before()
    again.runner.run(until=lambda: venue.cursor >= stop_at)
    return again


def _entries_sent(session) -> list[str]:  # type: ignore[no-untyped-def]
    """Entries (buys of the grid) the restarted bot sent to the venue."""
    return [
        i.client_id
        for i in session.store.intents("usdjpy-grid")
        if i.order.side is Side.BUY
        and i.state.value in ("sent", "acked", "done")
        and i.created > session.started
    ]


def test_halt_restores_and_takes_no_entry_until_resumed(tmp_path: Path) -> None:
    path, data, venue, held = _first_run(tmp_path, "halt")
    again = _again(tmp_path, path, data, venue, 9000)
    assert again.store.halted("usdjpy-grid") is not None
    assert not _entries_sent(again), "no new entry sent while halted"
    engine = again.runner.strategies[0].engine
    assert set(held) <= set(engine.ledger.open) | {t.slot for t in engine.records[0]}
    again.close()


def test_flatten_closes_every_position_at_market_then_trades_on(tmp_path: Path) -> None:
    path, data, venue, held = _first_run(tmp_path, "flatten")
    again = _again(tmp_path, path, data, venue, 4200)
    engine = again.runner.strategies[0].engine
    manual = [t for t in engine.records[0] if t.exit_reason.value == "manual"]
    assert {t.slot for t in manual} == set(held), "each position it held closed at market"
    assert sum((p.qty for p in venue.positions()), Decimal(0)) == sum(
        (p.qty for p in engine.ledger.open.values()), Decimal(0)
    )
    again.close()


def test_resume_halts_on_a_position_it_does_not_know_and_adopt_trades_on(tmp_path: Path) -> None:
    results = {}
    for policy in ("resume", "adopt"):
        work = tmp_path / policy
        work.mkdir()
        path, data, venue, _ = _first_run(work, policy)

        def by_hand(venue=venue) -> None:  # type: ignore[no-untyped-def]  # bought by hand
            venue.submit(Order("by-hand-1", Side.BUY, OrderType.MARKET, Decimal(5000)))
            venue.step()

        again = _again(work, path, data, venue, 9000, before=by_hand)
        status = again.store.status("usdjpy-grid")
        results[policy] = (status["in_sync"], _entries_sent(again))
        again.close()
    assert results["resume"][0] == "false" and not results["resume"][1]
    assert results["adopt"][0] == "false" and results["adopt"][1], "adopt trades on"


def test_a_change_of_what_it_trades_while_stopped_is_refused(tmp_path: Path) -> None:
    path, data, venue, _ = _first_run(tmp_path)
    text = path.read_text("utf-8")
    path.write_text(text.replace("take_profit: 100 pips", "take_profit: 150 pips"), "utf-8")
    with pytest.raises(RestartRefused, match="changed while the bot was stopped"):
        live_session([source(path)], tmp_path / "state", tmp_path / "out", data=data, venue=venue)
