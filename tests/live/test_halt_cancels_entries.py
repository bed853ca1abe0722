"""`tradeplan halt` is a kill switch: the working entries go at once, not only new ones, and the
exits of open positions stay. `tradeplan resume` puts the grid back as it was: each slot whose
entry the halt cancelled places it again (held back by the gate until then)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from live_harness import ROOT, live_session, source

from tradeplan.backtest.run import BacktestOptions
from tradeplan.core.enums import Side
from tradeplan.live.paper_session import load_feed

GRID = ROOT / "strategies" / "usdjpy-grid.yaml"
FEED = ROOT / "data" / "usdjpy_1m_2025.csv.gz"
NAME = "usdjpy-grid"


def _entries(venue) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.client_id for r in venue.open_orders() if r.order.side is Side.BUY}


def _exits(venue) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.client_id for r in venue.open_orders() if r.order.side is Side.SELL}


def test_halt_cancels_working_entries_keeps_exits_and_resume_places_them_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / f"{NAME}.yaml"
    shutil.copy(GRID, path)
    plan = source(path)
    data = load_feed(plan.plan, FEED, BacktestOptions(end="2025-01-24"))
    session = live_session([plan], tmp_path / "state", None, data=data)
    venue, runner = session.venue, session.runner
    engine = runner.strategies[0].engine
    runner.run(until=lambda: venue.cursor >= 4000 and bool(engine.ledger.open))
    working, protecting = _entries(venue), _exits(venue)
    assert working and protecting, "the grid has entries working and positions protected"

    session.store.halt(NAME, "by hand")
    halted_at = venue.cursor
    runner.run(until=lambda: venue.cursor >= halted_at + 30)
    assert not _entries(venue), "no entry works at the broker while halted"
    assert _exits(venue) >= protecting - _closed_since(engine, protecting)
    logged = [json.loads(line) for line in (tmp_path / "state" / "events.jsonl").open()]
    cancelled = [e for e in logged if e["event"] == "entry_cancelled_on_halt"]
    assert {e["client_id"] for e in cancelled} == working
    assert all("placed again when trading resumes" in e["message"] for e in cancelled)
    held = [e for e in logged if e["event"] == "entry_held"]
    assert held, "the slots armed again, and the gate held their entries back"

    session.store.resume(NAME)
    resumed_at = venue.cursor
    runner.run(until=lambda: venue.cursor >= resumed_at + 30)
    slots = {o.slot for o in (r.order for r in venue.open_orders()) if o.side is Side.BUY}
    was = {engine.book.order(i).slot for i in working}
    assert was <= slots | set(engine.ledger.open), "every slot works an entry again, or filled"
    session.close()


def _closed_since(engine, exits: set[str]) -> set[str]:  # type: ignore[no-untyped-def]
    """Exits that filled meanwhile (their positions closed): no longer working, rightly."""
    return {i for i in exits if engine.book.status(i).value == "filled"}
