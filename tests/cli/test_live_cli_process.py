"""`tradeplan run` as its own process, driven as a trader drives it from other terminals.

* The kill switch: `tradeplan halt` from another process while a paced run goes; from then on
  no entry is sent (each is refused, in the log and in orders.csv), and `status` sees the run
  going on and the halt. A second bot on the same state folder is refused meanwhile.
* Ctrl-C on a bot trading on `tradeplan paper serve` (its own process): exit 0, the working
  entries cancelled, the protective exits left working at the venue, the state flushed; then
  the bot started again on the same --state restores, reconciles in sync and trades on to the
  end of the venue's feed, exiting 0 by itself.

Each run is a few seconds of a short feed at a high --speed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_live_cli import CLI, captured, cli, rows, scalp_grid, short_feed, status_json

from tradeplan.brokers.paper.remote import RemotePaperBroker
from tradeplan.orders.model import OrderStatus

ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def wait_for(condition: Callable[[], object], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def logged(state: Path) -> list[dict[str, Any]]:
    """The events written so far (a line being written is left for the next look)."""
    path = state / "events.jsonl"
    found = []
    if path.exists():
        for line in path.read_text("utf-8").splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                found.append(json.loads(line))
    return found


def status_json_now(state: Path) -> dict[str, Any]:
    if not (state / "state.sqlite").exists():
        return {"strategies": {}}
    code, out, err = captured("status", "--state", state, "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def at(event: dict[str, Any]) -> float:
    return datetime.fromisoformat(event["time"].replace("Z", "+00:00")).timestamp()


def start(*argv: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, *(str(a) for a in argv)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )


def finish(process: subprocess.Popen[str], seconds: float = 60) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=seconds)
    return process.returncode, out, err


# --- the kill switch ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def halted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("halt")
    strategy, feed = scalp_grid(folder), short_feed(folder, 3000)
    state, out = folder / "state", folder / "out"
    bot = start(
        *("run", strategy, "--feed", feed, "--speed", "60000"),
        *("--state", state, "--out", out, "--no-reload"),
    )
    try:
        wait_for(lambda: any(e["event"] == "trade_closed" for e in logged(state)))
        seen: dict[str, Any] = {"state": state, "out": out, "pid": bot.pid}
        seen["asked_at"] = time.time()
        seen["halt"], seen["halt_out"], _ = captured(
            "halt", "scalp", "--state", state, "--reason", "test"
        )
        seen["halted_at"] = time.time()
        seen["status"], text, _ = captured("status", "--state", state, "--json")
        seen["status_json"] = json.loads(text)
        seen["second"], _, seen["second_err"] = captured(
            *("run", strategy, "--feed", feed, "--speed", "max"),
            *("--state", state, "--no-reload"),
        )
        seen["code"], seen["stdout"], seen["stderr"] = finish(bot)
        yield seen
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(10)


def test_status_sees_the_run_going_on(halted: dict[str, Any]) -> None:
    report = halted["status_json"]
    assert halted["status"] == 0
    assert report["running"] is True and report["pid"] == halted["pid"]
    assert report["strategies"]["scalp"]["feed"] == "live"


def test_a_second_bot_on_the_same_state_is_refused(halted: dict[str, Any]) -> None:
    assert halted["second"] == 2
    assert "another `tradeplan run` is using" in halted["second_err"]
    assert f"(process {halted['pid']})" in halted["second_err"]


def test_halt_from_another_process_stops_new_entries_at_once(halted: dict[str, Any]) -> None:
    assert halted["halt"] == 0
    assert halted["halt_out"].startswith("scalp: halted (test): no new entries are sent")
    assert halted["code"] == 0, halted["stderr"][-2000:]
    events = logged(halted["state"])
    # The grid re-enters after each exit: from the halt on, each resting re-entry is held back
    # unsent (it goes out on `tradeplan resume`, so the slot is not stopped by the halt).
    held = [
        e
        for e in events
        if e["event"] == "entry_held" and "strategy is halted (test)" in str(e.get("message"))
    ]
    assert held and all(at(e) >= halted["asked_at"] for e in held)
    kept_back = {e["client_id"] for e in held}
    # What the bot sent up to the halt is its business; from the halt on (give an entry already
    # past the switch a moment to be logged) no entry goes out.
    after = [e for e in events if at(e) > halted["halted_at"] + 0.05]
    sent = [e for e in after if e["event"] == "order_sent" and e["side"] == "buy"]
    assert not sent, f"entries sent while halted: {sent[:3]}"
    filled = {e["client_id"] for e in events if e["event"] == "order_filled"}
    assert not filled & kept_back


def test_status_after_the_halted_run(
    halted: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    report = status_json(capsys, halted["state"])
    assert report["running"] is False
    assert report["strategies"]["scalp"]["halted"] == "test"
    code, out, _ = cli(capsys, "status", "--state", halted["state"])
    assert code == 0
    assert "HALTED by `tradeplan halt` (test)" in out


# --- Ctrl-C while the venue trades on ------------------------------------------------------------


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Ctrl-C in the middle of a fast paced run: the venue (a thread of the bot here) goes on
    filling while the bot cancels its entries and waits for the answers."""
    folder = tmp_path_factory.mktemp("interrupt")
    strategy, feed = scalp_grid(folder), short_feed(folder, 12000)
    state, out = folder / "state", folder / "out"
    bot = start(
        *("run", strategy, "--feed", feed, "--speed", "120000"),
        *("--state", state, "--out", out, "--no-reload"),
    )
    try:
        wait_for(lambda: any(e["event"] == "trade_closed" for e in logged(state)))
        bot.send_signal(signal.SIGINT)
        code, stdout, stderr = finish(bot)
        yield {"code": code, "out": stdout, "err": stderr, "state": state, "files": out}
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(10)


def test_after_ctrl_c_no_entry_goes_out(
    interrupted: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert interrupted["code"] == 0, interrupted["err"][-2000:]
    assert re.search(r"scalp: \d+ trades? closed in this run", interrupted["out"])
    events = logged(interrupted["state"])
    stop = next(i for i, e in enumerate(events) if e["event"] == "entry_cancelled_on_stop")
    # Exits fill while the cancels are answered, and a grid re-enters after each exit: none of
    # those entries is sent.
    placed = {
        e["client_id"] for e in events[stop:] if e["event"] == "order_placed" and e["side"] == "buy"
    }
    refused = {
        e["client_id"]
        for e in events[stop:]
        if e["event"] == "order_rejected" and "the bot is stopping" in e["reason"]
    }
    assert placed <= refused
    s = status_json(capsys, interrupted["state"])["strategies"]["scalp"]
    assert {o["tag"] for o in s["working_orders"]} <= {"take_profit"}
    assert s["last_events"][-1]["kind"] == "stopped"


# --- Ctrl-C on a bot trading on `paper serve`, and its restart --------------------------------------


def flat_tail_feed(folder: Path, real: int = 1200, flat: int = 5000) -> tuple[Path, datetime]:
    """`real` minutes of USD/JPY, then `flat` minutes (of open FX hours) at the last close: the
    grid trades, then sits still with positions open, so what a stop leaves at the venue stays
    as it was left while the test looks. Also the time the flat part starts."""
    path = short_feed(folder, real, "trading-then-flat.csv")
    lines = path.read_text("utf-8").splitlines()
    last = lines[-1].split(",")
    moment = datetime.fromisoformat(last[0])
    close = last[4]
    flat_from = moment + timedelta(minutes=1)
    added = 0
    while added < flat:
        moment += timedelta(minutes=1)
        day, hour = moment.weekday(), moment.hour
        if (day == 4 and hour >= 22) or day == 5 or (day == 6 and hour < 22):
            continue  # the FX weekend
        lines.append(f"{moment.isoformat()},{close},{close},{close},{close},50,0.003")
        added += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, flat_from


@pytest.fixture(scope="module")
def venue_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("venue")
    strategy = scalp_grid(folder)
    feed, flat_from = flat_tail_feed(folder)
    state, out = folder / "state", folder / "out"
    serve = start(
        *("paper", "serve", "--feed", feed, "--strategy", strategy),
        *("--speed", "60000", "--port", "0", "--start-on-connect"),
    )
    bots: list[subprocess.Popen[str]] = []
    try:
        assert serve.stdout is not None
        found = re.search(r"127\.0\.0\.1:(\d+)", serve.stdout.readline())
        assert found
        port = int(found.group(1))
        venue = f"127.0.0.1:{port}"
        run = ("run", strategy, "--broker", "paper", "--venue", venue)
        files = ("--state", state, "--out", out, "--no-reload")
        first = start(*run, *files)
        bots.append(first)

        def still() -> bool:
            """The venue is well into the flat part, and the bot trades there."""
            bar = status_json_now(state)["strategies"].get("scalp", {}).get("last_bar")
            return bool(bar) and datetime.fromisoformat(bar) > flat_from + timedelta(minutes=30)

        wait_for(still)
        assert any(e["event"] == "trade_closed" for e in logged(state))
        first.send_signal(signal.SIGINT)
        seen: dict[str, Any] = {"state": state, "out": out, "venue": venue, "port": port}
        seen["first"] = finish(first)
        seen["orders_at_stop"] = rows(out / "orders.csv")
        broker = RemotePaperBroker("127.0.0.1", port)
        try:
            seen["venue_open"] = broker.open_orders()
            seen["venue_positions"] = broker.positions()
            seen["status"] = json.loads(captured("status", "--state", state, "--json")[1])
            seen["lookups"] = {
                o["client_id"]: broker.lookup(o["client_id"])
                for o in seen["status"]["strategies"]["scalp"]["working_orders"]
            }
        finally:
            broker.close()
        before = len(logged(state))
        second = start(*run, *files)
        bots.append(second)
        seen["second"] = finish(second)
        seen["second_events"] = logged(state)[before:]
        seen["status_after"] = status_json_now(state)
        yield seen
    finally:
        for process in [*bots, serve]:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)


def test_ctrl_c_stops_cleanly_with_exit_0(venue_run: dict[str, Any]) -> None:
    code, out, err = venue_run["first"]
    assert code == 0, err[-2000:]
    assert "stopping: entry " in err and "cancelled" in err
    assert f"the venue at {venue_run['venue']} keeps them working" in out
    assert "Traceback" not in err


def test_ctrl_c_cancels_the_entries_and_leaves_the_exits_at_the_venue(
    venue_run: dict[str, Any],
) -> None:
    cancelled = [
        r for r in venue_run["orders_at_stop"] if r["event"] == "cancelled" and r["side"] == "buy"
    ]
    assert cancelled
    open_at_venue = venue_run["venue_open"]
    assert open_at_venue, "open positions keep their take profits at the venue"
    assert {o.order.side.value for o in open_at_venue} == {"sell"}  # no entry left working
    held = sum(p.qty for p in venue_run["venue_positions"])
    assert held > 0
    # Each open position has its take profit working (the venue fills on: some may have
    # filled since the bot stopped, never more than it had).
    assert sum(o.order.qty for o in open_at_venue) <= held


def test_the_state_is_flushed_as_the_bot_leaves_it(venue_run: dict[str, Any]) -> None:
    report = venue_run["status"]
    s = report["strategies"]["scalp"]
    assert report["running"] is False
    assert s["last_events"][-1]["kind"] == "stopped"
    assert s["in_sync"] is True
    assert s["working_orders"] and {o["tag"] for o in s["working_orders"]} == {"take_profit"}
    assert len(s["working_orders"]) == len(s["positions"])
    venue_ids = {o.client_id for o in venue_run["venue_open"]}
    assert venue_ids <= {o["client_id"] for o in s["working_orders"]}
    for client_id, found in venue_run["lookups"].items():
        assert found is not None, client_id
        assert found.status in (OrderStatus.ACCEPTED, OrderStatus.FILLED), found


def test_a_restart_on_the_same_state_restores_reconciles_and_runs_to_the_feeds_end(
    venue_run: dict[str, Any],
) -> None:
    code, out, err = venue_run["second"]
    assert code == 0, err[-2000:]
    assert re.search(r"\[scalp\] restored 15 owners' states and \d+ working orders", err)
    reconciled = [e for e in venue_run["second_events"] if e["event"] == "reconciled"]
    assert reconciled and reconciled[0]["report"]["in_sync"] is True
    assert any(e["event"] == "feed_ended" for e in venue_run["second_events"])
    # It went on with bars of its own: the last one is later than the first run's last.
    last = venue_run["status"]["strategies"]["scalp"]["last_bar"]
    assert venue_run["status_after"]["strategies"]["scalp"]["last_bar"] > last
    assert re.search(r"scalp: \d+ trades? closed in this run, net P&L", out)


def test_a_grid_stopped_with_ctrl_c_places_its_entries_again_on_restart(
    venue_run: dict[str, Any],
) -> None:
    cancelled = {
        r["slot"]
        for r in venue_run["orders_at_stop"]
        if r["event"] == "cancelled" and r["side"] == "buy"
    }
    placed = {
        e["owner"]
        for e in venue_run["second_events"]
        if e["event"] == "order_placed" and e["side"] == "buy"
    }
    assert cancelled & placed


# --- hot reload from the command line ---------------------------------------------------------------


def test_saving_the_file_while_it_runs_reloads_it_or_keeps_the_old_plan(tmp_path: Path) -> None:
    """A valid edit becomes plan version 2; an invalid one is refused with its diagnostics in
    status while version 2 runs on; saving it fixed (the same plan again) says so."""
    strategy, feed = scalp_grid(tmp_path), short_feed(tmp_path, 6000)
    state = tmp_path / "state"
    bot = start(*("run", strategy, "--feed", feed, "--speed", "3000", "--state", state))
    text = strategy.read_text("utf-8")

    def reload_says(words: str) -> bool:
        report = status_json_now(state)["strategies"].get("scalp")
        return bool(report and report["reload"] and words in report["reload"])

    def save_until(content: str, words: str) -> None:
        """Save `content`, again each second until status says `words` (a save in the moment
        before the bot watches its file is not seen: a trader saves again too)."""
        deadline = time.monotonic() + 30
        while True:
            strategy.write_text(content, encoding="utf-8")
            until = time.monotonic() + 1
            while time.monotonic() < until:
                if reload_says(words):
                    return
                time.sleep(0.02)
            assert time.monotonic() < deadline, f"timed out waiting for {words!r}"

    try:
        wait_for(lambda: status_json_now(state)["strategies"].get("scalp", {}).get("last_bar"))
        edited = text.replace("take_profit: 5 pips", "take_profit: 6 pips")
        save_until(edited, "version 2 applied")
        save_until(edited.replace("6 pips", "6 pipz"), "refused: the edit has errors")
        report = status_json_now(state)["strategies"]["scalp"]
        assert report["plan_version"] == 2
        assert f"{strategy}:12:16: TP203" in report["reload"]
        assert any(a["kind"] == "reload_refused" for a in report["alerts"])
        save_until(edited, "version 2 kept")
        bot.send_signal(signal.SIGINT)
        code, _, err = finish(bot)
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(10)
    assert code == 0, err[-2000:]
    assert "[scalp] plan version 2 is running (" in err
    assert "take_profit: 5 pips -> 6 pips" in err
    assert "[scalp] the edit has errors: " in err and "the running plan is unchanged" in err
    diagnostics = [e for e in logged(state) if e["event"] == "reload_diagnostics"]
    assert diagnostics and "TP203" in diagnostics[0]["diagnostics"][0]
    # The log holds what the console said: the alert's text as `message`.
    refused = [e for e in logged(state) if e["event"] == "reload_refused"]
    assert refused and "TP203" in refused[0]["message"]


def test_status_after_a_kill_9_says_the_bot_did_not_stop_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy, feed = scalp_grid(tmp_path), short_feed(tmp_path, 3000)
    state = tmp_path / "state"
    bot = start(*("run", strategy, "--feed", feed, "--speed", "6000", "--state", state))
    try:
        wait_for(lambda: status_json_now(state)["strategies"].get("scalp"))
        assert status_json_now(state)["running"] is True
        bot.kill()
        bot.wait(10)
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(10)
    report = status_json(capsys, state)
    assert report["running"] is False  # the lock died with the process
    assert report["strategies"]["scalp"]["stopped_cleanly"] is False
    code, out, _ = cli(capsys, "status", "--state", state)
    assert code == 0
    assert "scalp (scalp-grid-109, USD/JPY): plan version 1, not running: it did not stop " in out
