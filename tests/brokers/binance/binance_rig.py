"""A fake Binance listing BTCUSDT over bars a test writes, and a real adapter client of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from time import monotonic, sleep
from typing import Any

from fake_binance import FakeBinance, SymbolSpec

from tradeplan.backtest.data import parse_market_data
from tradeplan.brokers.binance.broker import BinanceBroker, Tuning
from tradeplan.brokers.binance.config import config_from_env
from tradeplan.brokers.paper.broker import PaperAccount
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.core.instrument import default_instrument
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.ports.live import FeedState, LiveBar

BTC = default_instrument("BTCUSDT")
SPEC = SymbolSpec("BTCUSDT", "BTC", "USDT", D("0.1"), D("0.001"), D("0.001"), D(5))
ETH = SymbolSpec("ETHUSDT", "ETH", "USDT", D("0.01"), D("0.001"), D("0.001"), D(20))
T0 = datetime(2025, 1, 6, tzinfo=UTC)
KEY = "fk-9c1Q2w3E4r5T6y7U8i9O0pKEYKEYKEY"
SECRET = "fs-Zz9Yy8Xx7Ww6Vv5Uu4SECRETSECRET"
FLAT = ("50000.0", "50010.0", "49990.0", "50000.0")
UP = ("50000.0", "50500.0", "49990.0", "50400.0")
DOWN = ("50000.0", "50010.0", "49500.0", "49600.0")
FAST = Tuning(
    timeout=1.0,
    backoff=(0.01, 0.05),
    max_wait=0.05,
    connect_timeout=2.0,
    poll=0.02,
    keepalive_every=0.1,
)


def wait_for(check: Any, what: str, timeout: float = 5.0) -> None:
    deadline = monotonic() + timeout
    while not check():
        if monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        sleep(0.002)


class Listener:
    def __init__(self) -> None:
        self.updates: list[OrderUpdate] = []
        self.touches: list[PriceTouch] = []
        self.bars: list[LiveBar] = []
        self.states: list[FeedState] = []

    def on_order_update(self, update: OrderUpdate) -> None:
        self.updates.append(update)

    def on_price_touch(self, touch: PriceTouch) -> None:
        self.touches.append(touch)

    def on_bar(self, bar: LiveBar) -> None:
        self.bars.append(bar)

    def on_feed_state(self, state: FeedState, detail: str) -> None:
        self.states.append(state)

    def kinds(self, cid: str) -> list[str]:
        return [u.kind.value for u in self.updates if u.order.id == cid]


class Rig:
    """The fake over `bars` (one-minute, spread 0) and a connected client."""

    def __init__(
        self,
        bars: Sequence[tuple[str, str, str, str]],
        *,
        volumes: Sequence[str] | None = None,
        share: D | None = None,
        balance: D = D(1_000_000),
        leverage: D | None = None,
        tuning: Tuning = FAST,
        stale_after: float | None = None,
        connect: bool = True,
    ) -> None:
        header = "time,open,high,low,close" + (",volume" if volumes else "")
        lines = [header]
        for i, bar in enumerate(bars):
            cells = [(T0 + timedelta(minutes=i)).isoformat(), *bar]
            if volumes:
                cells.append(volumes[i])
            lines.append(",".join(cells))
        data = parse_market_data("\n".join(lines), default_spread="0")
        self.venue = LivePaperVenue(
            data,
            BTC,
            FillConfig(max_volume_share=share),
            account=PaperAccount("USDT", balance, leverage),
            volume=data.volume,
        )
        self.fake = FakeBinance(self.venue, SPEC, api_key=KEY, api_secret=SECRET, extra=(ETH,))
        self.tuning, self.stale_after = tuning, stale_after
        self.listener = Listener()
        self.client = self.new_client()
        if connect:
            self.client.connect(self.listener)
            self.client.subscribe(self.listener)

    def environ(self, **extra: str) -> dict[str, str]:
        return self.fake.environ(**extra)

    def new_client(self, **env: str) -> BinanceBroker:
        return BinanceBroker(
            config_from_env(self.environ(**env)),
            BTC,
            tuning=self.tuning,
            stale_after=self.stale_after,
        )

    def step(self, rows: int = 1) -> None:
        self.fake.step(rows)
        self.settle()

    def settle(self) -> None:
        for kind in ("user", "market"):

            def caught_up(kind: str = kind) -> bool:
                sent = self.fake.sent(kind)
                return sent is None or self.client.frames_handled(kind) >= sent

            wait_for(caught_up, f"the {kind} stream")

    def close(self) -> None:
        self.client.close()
        self.fake.close()
        self.venue.close()
