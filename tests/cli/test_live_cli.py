"""`tradeplan run --feed` and `tradeplan status` as a new user meets them: what the console says
about each trade, what the run leaves (files, state, a closing summary), and what `status`
shows of it, as text and as JSON for scripts.

The other test_live_cli_*.py files import the helpers here: a short feed cut from the bundled
USD/JPY minutes and a grid narrow enough to trade every few bars, so a run takes a second.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradeplan.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "tradeplan"]

# Buy slots every 5 pips from 109.50 to 110.20, each taking 5 pips and buying back at its own
# price: the first bars of 2025 (109.7-110.1) fill and close some every few minutes. The file
# is shared with the other tests that trade it (tests/fixtures/live/).
SCALP_GRID = (ROOT / "tests" / "fixtures" / "live" / "scalp-grid-109.yaml").read_text("utf-8")


def short_feed(folder: Path, rows: int = 800, name: str = "usdjpy.csv") -> Path:
    """The first `rows` minutes of the bundled USD/JPY data, as a plain CSV."""
    with gzip.open(ROOT / "data" / "usdjpy_1m_2025.csv.gz", "rt", encoding="utf-8") as data:
        lines = [next(data) for _ in range(rows + 1)]
    path = folder / name
    path.write_text("".join(lines), encoding="utf-8")
    return path


def scalp_grid(folder: Path, name: str = "scalp.yaml", text: str = SCALP_GRID) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def captured(*argv: object) -> tuple[int, str, str]:
    """`main(argv)` with its output caught (where no capsys fixture reaches: module fixtures)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main([str(a) for a in argv])
    return code, stdout.getvalue(), stderr.getvalue()


def events(state: Path) -> list[dict[str, Any]]:
    path = state / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def status_json(capsys: pytest.CaptureFixture[str], state: Path) -> dict[str, Any]:
    code, out, err = cli(capsys, "status", "--state", state, "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run of the scalp grid to the end of a short feed, at full speed."""
    folder = tmp_path_factory.mktemp("run")
    strategy, feed = scalp_grid(folder), short_feed(folder)
    state, out = folder / "state", folder / "out"
    code, stdout, stderr = captured(
        *("run", strategy, "--feed", feed, "--speed", "max"),
        *("--state", state, "--out", out, "--no-reload"),
    )
    return {
        "code": code,
        "out": stdout,
        "err": stderr,
        "state": state,
        "files": out,
        "strategy": strategy,
        "feed": feed,
    }


def test_the_run_ends_with_the_feed_and_says_what_it_leaves(finished: dict[str, Any]) -> None:
    assert finished["code"] == 0, finished["err"]
    trades = rows(finished["files"] / "trades.csv")
    assert trades, "the test grid should close trades on the first minutes of 2025"
    pnl = sum(Decimal(t["pnl"]) for t in trades)
    out = finished["out"]
    assert f"scalp: {len(trades)} trades closed in this run, net P&L {pnl:+,f} JPY" in out
    assert re.search(r"\d+ open positions? \(long [\d,]+\), \d+ working orders?", out)
    # The in-process venue does not outlive the run: it says so instead of "stay working".
    assert "the paper venue of this run ended with it" in out
    assert f"tradeplan status --state {finished['state']}" in out


def test_the_console_tells_each_trade_with_its_exit_price_and_currency(
    finished: dict[str, Any],
) -> None:
    err = finished["err"]
    trades = rows(finished["files"] / "trades.csv")
    first = trades[0]
    entry, exit_ = Decimal(first["entry_price"]), Decimal(first["exit_price"])
    line = (
        f"[scalp] {first['slot']}: long 1,000 closed at {exit_.quantize(Decimal('0.01'))} by "
        f"take profit (entry {entry.quantize(Decimal('0.01'))}): +{Decimal(first['pnl']):,f} JPY"
    )
    assert line in err, err[:2000]
    closed = [x for x in err.splitlines() if " closed at " in x]
    assert len(closed) == len(trades)
    # Entries are told as they fill; an exit's fill is told once, by its trade line.
    bought = [x for x in err.splitlines() if ": bought 1,000 at " in x]
    assert bought and not [x for x in err.splitlines() if ": sold " in x]


def test_trade_events_carry_side_currency_and_the_market_times(
    finished: dict[str, Any],
) -> None:
    closed = [e for e in events(finished["state"]) if e["event"] == "trade_closed"]
    trades = rows(finished["files"] / "trades.csv")
    assert len(closed) == len(trades)
    for event, trade in zip(closed, trades, strict=True):
        assert event["strategy"] == "scalp"
        assert event["side"] == "buy" and event["currency"] == "JPY"
        assert Decimal(event["exit_price"]) == Decimal(trade["exit_price"])
        assert Decimal(event["pnl"]) == Decimal(trade["pnl"])
        assert event["exit_time"].replace("Z", "+00:00") == trade["exit_time"]
        assert event["time"].endswith("Z")
        assert event["message"].startswith(f"{trade['slot']}: long 1,000 closed at ")


def test_status_text_shows_the_plan_positions_and_orders_with_their_levels(
    finished: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "status", "--state", finished["state"])
    assert code == 0
    assert out.startswith(f"no run is going on in {finished['state']}/")
    assert "scalp (scalp-grid-109, USD/JPY): plan version 1, stopped" in out
    assert "  feed: ended; last bar 2025-01-01 13:20:00 UTC" in out
    assert "  in sync with the broker (last reconcile " in out
    report = status_json(capsys, finished["state"])["strategies"]["scalp"]
    balance = Decimal(report["balance"])
    assert f"  balance {balance:,f} JPY, {report['trades_closed']} trades closed" in out
    for p in report["positions"]:
        assert f"    {p['owner']}: long 1,000 at {p['price']}" in out
    for o in report["working_orders"]:
        level = o["price"] or o["trigger"]
        assert f"{o['side']} {o['type']} 1,000 at {level} ({o['client_id']}, " in out
    assert "take profit, sell limit 1,000 at " in out


def test_status_json_has_what_scripts_read(
    finished: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    report = status_json(capsys, finished["state"])
    assert report["running"] is False and report["pid"] is None
    s = report["strategies"]["scalp"]
    assert {
        "plan_version",
        "halted",
        "feed",
        "in_sync",
        "positions",
        "working_orders",
        "last_events",
        "alerts",
    } <= set(s)
    assert s["plan_version"] == 1 and s["halted"] is None
    assert s["feed"] == "ended" and s["in_sync"] is True
    assert s["name"] == "scalp-grid-109" and s["instrument"] == "USD/JPY"
    assert s["currency"] == "JPY"
    trades = rows(finished["files"] / "trades.csv")
    orders = rows(finished["files"] / "orders.csv")
    buys = [o for o in orders if o["event"] == "filled" and o["side"] == "buy"]
    # Every buy filled opened a position; every trade closed one; the rest are open.
    assert len(s["positions"]) == len(buys) - len(trades) > 0
    assert s["trades_closed"] == len(trades)
    for p in s["positions"]:
        assert set(p) == {"owner", "side", "qty", "price"} and p["side"] == "long"
        assert p["qty"] == "1000" and p["owner"].startswith("grid@")
    tps = [o for o in s["working_orders"] if o["tag"] == "take_profit"]
    assert len(tps) == len(s["positions"])  # every open position has its take profit
    held = {p["owner"]: Decimal(p["price"]) for p in s["positions"]}
    for o in tps:
        assert o["side"] == "sell" and o["type"] == "limit" and o["status"] == "accepted"
        assert Decimal(o["price"]) == held[o["owner"]] + Decimal("0.05")
    ids = [o["client_id"] for o in s["working_orders"]]
    assert len(set(ids)) == len(ids)
    assert s["last_events"] and s["last_events"][-1]["kind"] == "stopped"
    assert all(set(e) == {"seq", "kind", "payload"} for e in s["last_events"])
    assert s["alerts"] == []
    assert s["reconcile"]["in_sync"] is True


def test_halt_by_the_plan_name_shows_in_status(
    finished: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    state = finished["state"]
    code, out, err = cli(capsys, "halt", "scalp-grid-109", "--state", state, "--reason", "news")
    assert code == 0, err
    assert out.startswith("scalp: halted (news): no new entries are sent")
    assert "no run is going on" in out
    assert status_json(capsys, state)["strategies"]["scalp"]["halted"] == "news"
    code, out, _ = cli(capsys, "status", "--state", state)
    assert "HALTED by `tradeplan halt` (news): no new entries" in out
    code, out, _ = cli(capsys, "resume", "scalp", "--state", state)
    assert code == 0 and out.startswith("scalp: resumed, entries allowed again")
    code, out, _ = cli(capsys, "resume", "scalp", "--state", state)
    assert code == 0 and out.startswith("scalp: was not halted")
    assert status_json(capsys, state)["strategies"]["scalp"]["halted"] is None


def test_a_restart_with_feed_on_a_used_state_is_refused(
    finished: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """The in-process venue died with the first run: a second --feed run would meet a venue
    holding none of the stored orders and positions, and never get in sync."""
    state = finished["state"]
    before = len(events(state))
    code, _, err = cli(
        capsys,
        *("run", finished["strategy"], "--feed", finished["feed"], "--speed", "max"),
        *("--state", state, "--no-reload"),
    )
    assert code == 2
    assert "holds what an earlier run of scalp left" in err
    assert "open positions" in err and "tradeplan paper serve" in err
    assert len(events(state)) == before  # nothing ran


def test_a_restart_on_an_edited_file_is_refused_and_leaves_the_store_as_it_was(
    finished: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    state = finished["state"]
    edited = scalp_grid(
        tmp_path, text=SCALP_GRID.replace("take_profit: 5 pips", "take_profit: 7 pips")
    )
    venue = ("--broker", "paper", "--venue", "127.0.0.1:1", "--state", state, "--no-reload")
    code, _, err = cli(capsys, "run", edited, *venue)
    assert code == 2
    saved = state / "ran" / "scalp.yaml"
    assert "the strategy changed while the bot was stopped" in err
    assert f"tradeplan diff {saved} {edited}" in err
    assert saved.read_text("utf-8") == SCALP_GRID
    assert status_json(capsys, state)["strategies"]["scalp"]["plan_version"] == 1
    # The file it ran with is still accepted: the refusal recorded nothing (here the start then
    # stops at the venue, as none listens on port 1).
    code, _, err = cli(capsys, "run", saved, *venue)
    assert code == 2 and "no paper venue answers at 127.0.0.1:1" in err


def test_the_closing_reconcile_takes_the_runs_own_fills_as_known_not_as_repeats(
    finished: dict[str, Any],
) -> None:
    """The broker's fill history still holds the fills the run took as updates; the last
    reconcile passes over them quietly (they were logged as `duplicate_fill`, one per fill)."""
    logged = events(finished["state"])
    assert any(e["event"] == "order_filled" for e in logged)
    assert not [e for e in logged if e["event"] == "duplicate_fill"]
    last = [e for e in logged if e["event"] == "reconciled"][-1]
    assert last["report"]["fills_applied"] == 0 and last["report"]["in_sync"]
