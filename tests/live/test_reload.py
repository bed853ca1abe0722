"""Hot reload: a saved edit becomes the running plan by plan diff, and no position is lost.

Each test runs a live session on the paper venue (at full speed), saves an edit of the strategy
part way through, and checks what a trader would check: the working orders at the venue, the
positions, the plan version in the store, what the log and `status` say.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from decimal import Decimal
from pathlib import Path

from live_harness import ROOT, live_session, source

from tradeplan.backtest.run import BacktestOptions
from tradeplan.live.paper_session import load_feed
from tradeplan.live.status import read_status
from tradeplan.orders.model import OrderTag

GRID = ROOT / "strategies" / "usdjpy-grid.yaml"
FEED = ROOT / "data" / "usdjpy_1m_2025.csv.gz"
WINDOW = BacktestOptions(end="2025-01-20")


def _copy(tmp_path: Path, original: Path = GRID) -> Path:
    path = tmp_path / original.name
    shutil.copy(original, path)
    return path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), "utf-8")


def _session(tmp_path: Path, path: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    plan = source(path, "usdjpy-grid")
    data = load_feed(plan.plan, FEED, WINDOW)
    return live_session([plan], tmp_path / "state", tmp_path / "out", data=data, **kwargs)


def _events(tmp_path: Path, kind: str) -> list[dict[str, object]]:
    lines = (tmp_path / "state" / "events.jsonl").read_text("utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["event"] == kind]


def _take_profits(session) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    return {
        o.order.slot or "": o.order.price
        for o in session.venue.open_orders()
        if o.order.tag is OrderTag.TAKE_PROFIT and o.order.price is not None
    }


def test_a_valid_edit_amends_the_open_positions_take_profits_and_keeps_every_position(
    tmp_path: Path,
) -> None:
    path = _copy(tmp_path)
    session = _session(tmp_path, path)
    runner, venue = session.runner, session.venue
    seen: dict[str, object] = {}

    def edit_part_way() -> bool:
        if "before" not in seen and venue.cursor >= 6000 and _take_profits(session):
            seen["before"] = _take_profits(session)
            seen["positions"] = dict(runner.strategies[0].engine.ledger.open)
            _edit(path, "take_profit: 100 pips", "take_profit: 120 pips")
            runner.request_reload("usdjpy-grid")
            seen["after"] = _take_profits(session)
            seen["kept"] = dict(runner.strategies[0].engine.ledger.open)
        return False

    assert runner.run(until=edit_part_way) == 0
    before, after = seen["before"], seen["after"]
    assert isinstance(before, dict) and isinstance(after, dict) and before
    assert set(after) == set(before), "every open position keeps its take profit"
    for slot, price in before.items():
        assert after[slot] == price + Decimal("0.20"), f"{slot}: moved 20 pips further"
    assert seen["kept"].keys() == seen["positions"].keys()  # type: ignore[union-attr]
    reloaded = _events(tmp_path, "reloaded")
    assert len(reloaded) == 1 and reloaded[0]["plan_version"] == 2
    assert reloaded[0]["amended"] == len(before)
    status = read_status(tmp_path / "state")["strategies"]["usdjpy-grid"]
    assert status["plan_version"] == 2
    assert session.store.current_plan("usdjpy-grid").source_text == path.read_text("utf-8")  # type: ignore[union-attr]
    session.close()


def test_an_edit_with_errors_keeps_the_old_plan_running_and_says_where(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    session = _session(tmp_path, path)
    runner, venue = session.runner, session.venue
    seen: dict[str, object] = {}

    def break_it() -> bool:
        if not seen and venue.cursor >= 3000:
            seen["orders"] = len(runner.strategies[0].engine.records[1])
            _edit(path, "take_profit: 100 pips", "take_profit: 100 bananas")
            runner.request_reload("usdjpy-grid")
            seen["plan"] = runner.strategies[0].plan
        return False

    assert runner.run(until=break_it) == 0
    assert runner.strategies[0].plan is seen["plan"]
    refused = _events(tmp_path, "reload_refused")
    assert refused and "the running plan is unchanged" in str(refused[0]["client_id"] or "") + str(
        session.store.alerts("usdjpy-grid")[-1].message
    )
    diagnostics = _events(tmp_path, "reload_diagnostics")
    assert diagnostics and f"{path}:" in diagnostics[0]["diagnostics"][0]  # type: ignore[index]
    status = read_status(tmp_path / "state")["strategies"]["usdjpy-grid"]
    assert status["plan_version"] == 1
    assert str(status["reload"]).startswith("refused: the edit has errors")
    assert len(runner.strategies[0].engine.records[1]) > seen["orders"], "it kept trading"  # type: ignore[operator]
    session.close()


def test_an_edit_that_changes_the_instrument_is_refused(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    session = _session(tmp_path, path)
    runner = session.runner
    done: list[bool] = []

    def edit() -> bool:
        if not done and session.venue.cursor >= 2000:
            _edit(path, "symbol: USD/JPY", "symbol: EUR/JPY")
            runner.request_reload("usdjpy-grid")
            done.append(True)
        return False

    runner.run(until=edit)
    status = read_status(tmp_path / "state")["strategies"]["usdjpy-grid"]
    assert status["plan_version"] == 1
    assert "instrument" in str(status["reload"])
    session.close()


def test_slots_removed_while_they_hold_positions_run_to_their_exits_and_take_no_entry(
    tmp_path: Path,
) -> None:
    path = _copy(tmp_path)
    session = _session(tmp_path, path)
    runner, venue = session.runner, session.venue
    seen: dict[str, object] = {}

    def narrow() -> bool:
        engine = runner.strategies[0].engine
        if "held" not in seen and venue.cursor >= 4000 and engine.ledger.open:
            held = sorted(engine.ledger.open)
            seen["held"] = held
            top = max(Decimal(name.split("@")[1]) for name in held)
            # Keep the range below the highest held slot: that one is removed.
            _edit(path, "to: 115.00", f"to: {top - Decimal('0.50'):.2f}")
            runner.request_reload("usdjpy-grid")
            seen["removed"] = f"grid@{top:.2f}"
            seen["retired_at"] = len(engine.records[1])
        return False

    runner.run(until=narrow)
    removed = str(seen["removed"])
    engine = runner.strategies[0].engine
    reloaded = _events(tmp_path, "reloaded")
    assert reloaded and removed in reloaded[0]["retired"]  # type: ignore[operator]
    after = [
        e
        for e in engine.records[1]
        if e.slot == removed and e.event.value == "placed" and e.order_id
    ]
    entries = [e for e in after if e.type.value in ("limit", "stop") and e.side.value == "buy"]
    assert not entries, f"{removed} placed an entry after it was removed: {entries}"
    trades = [t for t in engine.records[0] if t.slot == removed]
    still_open = removed in engine.ledger.open
    assert trades or still_open, "its position ran to its exit, or is still open with it"
    if still_open:
        assert any(o.order.slot == removed and o.order.reduce_only for o in venue.open_orders()), (
            "an open position of a removed slot keeps its take profit"
        )
    session.close()


def test_a_saved_file_is_running_within_300_ms(tmp_path: Path) -> None:
    """watchfiles notices the save; the swap is timed from then to the new plan running."""
    path = _copy(tmp_path)
    session = _session(tmp_path, path, paced=True, watch=True)
    runner, venue = session.runner, session.venue
    saved: list[float] = []

    def edit_later() -> None:
        time.sleep(1.0)
        _edit(path, "take_profit: 100 pips", "take_profit: 110 pips")
        saved.append(time.monotonic())

    editor = threading.Thread(target=edit_later)
    editor.start()
    deadline = time.monotonic() + 10

    def until() -> bool:
        return bool(runner.reload_latencies) or time.monotonic() > deadline

    runner.run(until=until, ready=lambda: venue.start(600.0))
    venue.stop()
    editor.join()
    assert runner.reload_latencies, "the save was noticed and applied"
    assert runner.reload_latencies[0] < 0.3
    session.close()
