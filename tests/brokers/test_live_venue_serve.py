"""`tradeplan paper serve` as its own process: a bot killed with SIGKILL leaves a broker that goes
on trading, and (with --state) the broker itself survives a SIGKILL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from time import monotonic, sleep

import pytest

from tradeplan.brokers.paper.remote import RemotePaperBroker
from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order, OrderStatus
from tradeplan.ports.live import BrokerUnavailable, FeedState

T0 = datetime(2025, 1, 6, tzinfo=UTC)
FILLED = OrderStatus.FILLED
FLAT = "150.000,150.050,149.950,150.000"
WIDE = "150.000,152.000,148.000,150.000"
CLI = [sys.executable, "-m", "tradeplan"]


def feed(folder: Path, rows: list[str]) -> Path:
    lines = ["time,open,high,low,close"] + [
        f"{(T0 + timedelta(minutes=i)).isoformat()},{row}" for i, row in enumerate(rows)
    ]
    path = folder / "feed.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def serve(*args: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """`tradeplan paper serve ARGS --port 0`, and the port it listens on."""
    process = subprocess.Popen(
        [*CLI, "paper", "serve", "--port", "0", "--symbol", "USD/JPY", "--spread", "0.010", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"127\.0\.0\.1:(\d+)", line)
        assert found, line + (process.stderr.read() if process.stderr else "")
        yield process, int(found.group(1))
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def wait_for(condition: object, seconds: float = 10.0) -> None:
    deadline = monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert monotonic() < deadline, "timed out"
        sleep(0.01)


class Listener:
    def __init__(self) -> None:
        self.states: list[FeedState] = []
        self.bars = 0

    def on_order_update(self, update: object) -> None:
        pass

    def on_price_touch(self, touch: object) -> None:
        pass

    def on_bar(self, bar: object) -> None:
        self.bars += 1

    def on_feed_state(self, state: FeedState, detail: str) -> None:
        self.states.append(state)


BOT = textwrap.dedent(
    """
    import os, signal, sys
    from decimal import Decimal as D
    from tradeplan.brokers.paper.remote import RemotePaperBroker
    from tradeplan.core.enums import OrderType, Side
    from tradeplan.orders.model import Order
    broker = RemotePaperBroker("127.0.0.1", int(sys.argv[1]))
    broker.submit(Order("bot-entry", Side.BUY, OrderType.MARKET, D(1000)))
    broker.submit(Order("bot-exit", Side.SELL, OrderType.LIMIT, D(1000), price=D("151.000")))
    broker.submit(Order("bot-far", Side.BUY, OrderType.LIMIT, D(1000), price=D("140.000")))
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_bot_killed_with_sigkill_leaves_its_orders_working(tmp_path: Path) -> None:
    # Bars each 30 ms (speed 2000): the first WIDE bar closes about 0.3 s in.
    path = feed(tmp_path, [FLAT] * 10 + [WIDE] + [FLAT] * 9)
    with serve("--feed", str(path), "--speed", "2000", "--start-on-connect") as (_, port):
        bot = subprocess.run([sys.executable, "-c", BOT, str(port)], timeout=30)
        assert bot.returncode == -signal.SIGKILL
        broker = RemotePaperBroker("127.0.0.1", port, timeout=5)
        try:
            listener = Listener()
            broker.subscribe(listener)
            wait_for(lambda: FeedState.ENDED in listener.states)
            exit_ = broker.lookup("bot-exit")
            assert exit_ is not None and exit_.status is OrderStatus.FILLED  # on WIDE, unwatched
            assert [r.client_id for r in broker.open_orders()] == ["bot-far"]
            fills = broker.fills_since(None).fills
            assert [f.client_id for f in fills] == ["bot-entry", "bot-exit"]
            assert broker.positions() == ()
            assert broker.quote() is None  # ended, and still answering
        finally:
            broker.close()


def test_the_venue_with_state_survives_its_own_sigkill(tmp_path: Path) -> None:
    path = feed(tmp_path, [FLAT] * 10 + [WIDE] * 2)
    state = tmp_path / "state"
    args = ("--feed", str(path), "--speed", "1200", "--state", str(state))  # 50 ms a bar
    with serve(*args) as (process, port):
        broker = RemotePaperBroker("127.0.0.1", port, timeout=5)
        broker.submit(Order("m", Side.BUY, OrderType.MARKET, D(1000)))
        broker.submit(Order("w", Side.BUY, OrderType.LIMIT, D(1000), price=D("149.000")))
        wait_for(lambda: (r := broker.lookup("m")) is not None and r.status is FILLED)
        fills = broker.fills_since(None)
        broker.close()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    with serve(*args) as (process, port):
        broker = RemotePaperBroker("127.0.0.1", port, timeout=5)
        try:
            assert broker.fills_since(None).fills[: len(fills.fills)] == fills.fills
            working = broker.lookup("w")
            assert working is not None and working.status in (
                OrderStatus.ACCEPTED, OrderStatus.FILLED,
            )  # fmt: skip
            wait_for(lambda: (r := broker.lookup("w")) is not None and r.status is FILLED)
        finally:
            broker.close()


def test_no_venue_is_broker_unavailable() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(BrokerUnavailable):
        RemotePaperBroker("127.0.0.1", port, timeout=1)


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    path = feed(tmp_path, [FLAT])
    result = subprocess.run(
        [*CLI, "paper", "serve", "--feed", str(path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "--symbol" in result.stderr
    result = subprocess.run(
        [*CLI, "paper", "serve", "--feed", str(path), "--symbol", "USD/JPY", "--speed", "fast"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "--speed" in result.stderr
