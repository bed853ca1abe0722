"""`tradeplan run strategies/usdjpy-grid.yaml --broker oanda` end to end against the fake OANDA.

The bundled USD/JPY minutes (109.7-110.1 at the start of 2025) stream from the fake while the
real CLI runs in a subprocess with the settings in its environment, as a user runs it: a dry
run sends nothing and lists the 21 slot entries; a run places them over the real SDK, one fills
(the 110.00 buy stop) and its take profit goes in; a restart on the same state picks up where
it was with no order sent twice.
"""

from __future__ import annotations

import csv
import gzip
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal as D
from pathlib import Path

import pytest
from fake_oanda import TOKEN, FakeOanda

from tradeplan.backtest.data import parse_market_data
from tradeplan.brokers.paper.broker import PaperAccount
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.core.instrument import default_instrument

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def hold() -> threading.Event:
    """Set: the market stands still (no bars) until it is cleared."""
    return threading.Event()


@pytest.fixture
def market(hold: threading.Event) -> Iterator[FakeOanda]:
    with gzip.open(ROOT / "data" / "usdjpy_1m_2025.csv.gz", "rt", encoding="utf-8") as data:
        text = "".join(next(data) for _ in range(1201))
    venue = LivePaperVenue(
        parse_market_data(text),
        default_instrument("USD/JPY"),
        FillConfig(),
        account=PaperAccount("JPY", D(3_000_000), D(25)),
    )
    fake = FakeOanda(venue=venue, balance=D(3_000_000))
    fake.start()
    fake.step(500)  # history to warm up on; USD/JPY first reaches 110.00 34 bars later
    stop = threading.Event()

    def pump() -> None:
        # A one-minute bar every 200 ms until the grid's entries are in (a subprocess takes a
        # second or two to start, and places them at a bar close), then one every 15 ms.
        while not stop.wait(0.015 if fake.book.transactions else 0.2):
            if not hold.is_set():
                fake.step(1)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    yield fake
    stop.set()
    thread.join()
    fake.close()


@pytest.fixture
def grid(tmp_path: Path) -> Path:
    """The shipped grid, pointed at OANDA (its `broker:` line is the only change)."""
    text = (ROOT / "strategies" / "usdjpy-grid.yaml").read_text("utf-8")
    assert "broker: paper " in text
    path = tmp_path / "usdjpy-grid.yaml"
    path.write_text(text.replace("broker: paper ", "broker: oanda "), "utf-8")
    return path


def start(fake: FakeOanda, *argv: object) -> subprocess.Popen[str]:
    env = {**os.environ, **fake.environ()}
    command = [sys.executable, "-m", "tradeplan", *map(str, argv)]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + 30
    while not condition() and time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return
        time.sleep(0.02)


def tradeplan(
    fake: FakeOanda, *argv: object, until: Callable[[], bool] | None = None
) -> tuple[int, str, str]:
    """Run the CLI; with `until`, stop it with Ctrl-C once that holds (at most 30 s)."""
    process = start(fake, *argv)
    if until is not None:
        wait_until(until, process)
        # The runner takes Ctrl-C once it trades; a start that already placed an order (a
        # reconcile's take profit) may not be there yet.
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def transactions(fake: FakeOanda, kind: str) -> list[dict[str, object]]:
    with fake.lock:
        return [t for t in fake.book.transactions if str(t["type"]).endswith(kind)]


def test_a_dry_run_lists_the_slots_and_sends_nothing(
    market: FakeOanda, grid: Path, tmp_path: Path
) -> None:
    code, out, err = tradeplan(
        market, "run", grid, "--broker", "oanda", "--dry-run", "--state", tmp_path / "s"
    )
    assert code == 0, err
    assert "it would send 21:" in out
    assert "buy 1000 stop trigger 110.00 (GTC, entry)" in out
    assert [r for r in market.requests if r[0] != "GET"] == []
    assert TOKEN not in out + err


def test_a_run_trades_and_a_restart_sends_nothing_twice(
    market: FakeOanda, grid: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    argv = ("run", grid, "--broker", "oanda", "--state", state, "--no-reload")

    def take_profit_in() -> bool:
        return any(t.get("positionFill") == "REDUCE_ONLY" for t in transactions(market, "_ORDER"))

    code, _, err = tradeplan(market, *argv, until=take_profit_in)
    assert code == 0, err
    created = transactions(market, "_ORDER")
    entries = [t for t in created if t.get("clientExtensions")]
    assert len(entries) >= 21  # every slot's entry went in through OrderCreate
    fills = transactions(market, "ORDER_FILL")
    assert [(f["units"], f["price"]) for f in fills][:1] == [("1000", "110.000")]
    take_profit = [t for t in entries if t.get("positionFill") == "REDUCE_ONLY"]
    assert [(t["type"], t["units"], t["price"]) for t in take_profit][:1] == [
        ("LIMIT_ORDER", "-1000", "111.000")
    ]
    before = len(transactions(market, "_ORDER"))
    code, out, err = tradeplan(  # stopping stood the entries down; a restart puts them back
        market, *argv, until=lambda: len(transactions(market, "_ORDER")) >= before + 20
    )
    assert code == 0, err
    assert "restored" in err
    assert transactions(market, "_REJECT") == []  # nothing re-sent under a used client id
    ids = Counter(
        t["clientExtensions"]["id"]  # type: ignore[index]
        for t in transactions(market, "_ORDER")
        if t.get("clientExtensions") and "replacesOrderID" not in t
    )
    assert [i for i, n in ids.items() if n > 1] == []
    assert TOKEN not in out + err


def test_a_crash_then_a_restart_catches_up_the_fill_made_while_away(
    market: FakeOanda, hold: threading.Event, grid: Path, tmp_path: Path
) -> None:
    """SIGKILL with the grid's entries working; the 110.00 stop fills while the bot is dead;
    the restarted bot reads the fill back (fills_since its cursor), places that slot's take
    profit, and sends no entry twice."""
    argv = ("run", grid, "--broker", "oanda", "--state", tmp_path / "state", "--no-reload")

    def working() -> int:
        with market.lock:
            return sum(o.state == "PENDING" for o in market.book.orders.values())

    bot = start(market, *argv)
    wait_until(lambda: bool(market.book.transactions), bot)
    hold.set()  # the market waits from the first entry until the bot is dead
    wait_until(lambda: working() >= 21, bot)
    bot.kill()
    bot.communicate(timeout=30)
    assert working() == 21
    hold.clear()
    wait_until(lambda: bool(transactions(market, "ORDER_FILL")))
    assert len(transactions(market, "ORDER_FILL")) == 1

    def take_profit_in() -> bool:
        return any(t.get("positionFill") == "REDUCE_ONLY" for t in transactions(market, "_ORDER"))

    code, _, err = tradeplan(market, *argv, until=take_profit_in)
    assert code == 0, err
    assert "1 fills caught up" in err
    take_profit = [
        t for t in transactions(market, "_ORDER") if t.get("positionFill") == "REDUCE_ONLY"
    ]
    assert [(t["units"], t["price"]) for t in take_profit] == [("-1000", "111.000")]
    assert transactions(market, "_REJECT") == []
    ids = Counter(
        t["clientExtensions"]["id"]  # type: ignore[index]
        for t in transactions(market, "_ORDER")
        if t.get("clientExtensions") and "replacesOrderID" not in t
    )
    assert [i for i, n in ids.items() if n > 1] == []


def test_the_live_entries_are_the_backtests_on_the_same_prices(
    market: FakeOanda, hold: threading.Event, grid: Path, tmp_path: Path
) -> None:
    """The same 1,200 minutes through `tradeplan backtest` and through the bot on the fake:
    the same slots fill at the same minutes and prices (no take profit is reached in them)."""
    data = tmp_path / "usdjpy.csv"
    with gzip.open(ROOT / "data" / "usdjpy_1m_2025.csv.gz", "rt", encoding="utf-8") as source:
        data.write_text("".join(next(source) for _ in range(1201)), "utf-8")
    out = tmp_path / "backtest"
    code, _, err = tradeplan(market, "backtest", grid, "--data", data, "--out", out)
    assert code == 0, err
    with (out / "trades.csv").open(encoding="utf-8") as trades:
        expected = sorted((r["entry_time"], r["entry_price"]) for r in csv.DictReader(trades))
    assert len(expected) == 3

    bot = start(market, "run", grid, "--broker", "oanda", "--state", tmp_path / "state")
    wait_until(lambda: bool(market.book.transactions), bot)
    hold.set()  # from here the test drives the market: every bar left, at once
    wait_until(lambda: len(transactions(market, "_ORDER")) >= 21, bot)
    assert market.venue is not None
    while market.venue.cursor < market.venue.rows:
        market.step(1)
    time.sleep(1.0)
    bot.send_signal(signal.SIGINT)
    _, err = bot.communicate(timeout=60)
    assert bot.returncode == 0, err
    fills = sorted((str(f["time"]), str(f["price"])) for f in transactions(market, "ORDER_FILL"))
    assert [(t[:19], p) for t, p in fills] == [(t[:19], p) for t, p in expected]
