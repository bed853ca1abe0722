"""`tradeplan run --broker binance` as its own process, killed with SIGKILL mid-trade and
started again on the same state, against the fake: nothing is sent twice, the restart
reconciles in sync with Binance (fills made while it was dead included), and Ctrl-C ends it
with exit 0."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fake_binance import FakeBinance
from test_binance_live_run import BTCUSDT, STRATEGY, _bars

from tradeplan import api
from tradeplan.live.paper_session import load_feed, paper_venue


def wait_for(condition: Callable[[], object], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def logged(state: Path) -> list[dict[str, Any]]:
    path = state / "events.jsonl"
    found = []
    if path.exists():
        for line in path.read_text("utf-8").splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                found.append(json.loads(line))
    return found


def test_a_bot_killed_mid_trade_restarts_in_sync_and_sends_nothing_twice(tmp_path: Path) -> None:
    loaded = api.load(STRATEGY)
    assert loaded.plan is not None
    venue = paper_venue(loaded.plan, load_feed(loaded.plan, _bars(tmp_path)))
    fake = FakeBinance(venue, BTCUSDT)
    fake.step(25)  # history to warm up on (20 bars and one)
    env = {**os.environ, **fake.environ(), "PYTHONUNBUFFERED": "1"}
    state = tmp_path / "state"
    argv = [
        sys.executable,
        "-m",
        "tradeplan",
        "run",
        str(STRATEGY),
        "--broker",
        "binance",
        "--state",
        str(state),
        "--no-reload",
        "--quiet",
    ]
    running = threading.Event()
    done = threading.Event()

    def clock() -> None:  # a one-minute bar every 10 ms while `running`
        while not done.is_set():
            if running.wait(0.05) and not venue.step():
                return
            time.sleep(0.01)

    ticker = threading.Thread(target=clock, daemon=True)
    ticker.start()
    bot = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: fake.connected("user") and fake.connected("market"))
        running.set()
        # Killed once an entry has filled and its stop is working at Binance.
        wait_for(lambda: any(a.status == "NEW" for a in fake.algos.values()))
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
        killed_at = venue.cursor
        wait_for(lambda: venue.cursor >= killed_at + 30)  # it trades on without the bot
        running.clear()
        bot = subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        wait_for(lambda: fake.connected("user") and fake.connected("market"))
        wait_for(lambda: len([e for e in logged(state) if e["event"] == "reconciled"]) >= 2)
        running.set()
        wait_for(lambda: venue.cursor >= min(killed_at + 100, venue.rows), 60)
        running.clear()
        time.sleep(0.3)
        bot.send_signal(signal.SIGINT)
        _out, err = bot.communicate(timeout=30)
        assert bot.returncode == 0, err
    finally:
        done.set()
        if bot.poll() is None:
            bot.kill()
            bot.wait(10)
        fake.close()
        venue.close()

    posts = [p for m, path, p in fake.received if m == "POST" and "rder" in path]
    ids = [p.get("newClientOrderId") or p.get("clientAlgoId") for p in posts]
    assert ids and len(ids) == len(set(ids)), "a client id was sent twice"
    reconciles = [e for e in logged(state) if e["event"] == "reconciled"]
    restart = reconciles[1]["report"]
    assert restart["in_sync"] is True, restart
    assert all(r["report"]["in_sync"] for r in reconciles), reconciles
    closed = [e for e in logged(state) if e["event"] == "trade_closed"]
    assert closed, "the run closed trades"
