"""A fake OpenD and the real adapter on it, for the Futu tests (the conformance harness has
its own): short timeouts, the real environment with a trading password, and a consumer that
records what the adapter reports."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from time import monotonic, sleep
from typing import Any

from futu_fake_opend import SDK_HOME, FakeOpenD

from tradeplan.brokers.futu.config import config_from_env
from tradeplan.brokers.futu.execution import FutuBroker
from tradeplan.core.instrument import default_instrument
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.ports.live import FeedState, LiveBar

PASSWORD = "correct horse battery staple 42"
PASSWORD_MD5 = hashlib.md5(PASSWORD.encode()).hexdigest()
CODE = "US.NVDA"
FLAT = ("150.00", "150.05", "149.95", "150.00")
UP = ("150.00", "152.00", "150.00", "152.00")
DOWN = ("152.00", "152.00", "149.00", "149.00")


@dataclass
class Consumer:
    updates: list[OrderUpdate] = field(default_factory=list)
    touches: list[PriceTouch] = field(default_factory=list)
    bars: list[LiveBar] = field(default_factory=list)
    states: list[FeedState] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on_order_update(self, update: OrderUpdate) -> None:
        with self.lock:
            self.updates.append(update)

    def on_price_touch(self, touch: PriceTouch) -> None:
        self.touches.append(touch)

    def on_bar(self, bar: LiveBar) -> None:
        self.bars.append(bar)

    def on_feed_state(self, state: FeedState, detail: str) -> None:
        self.states.append(state)

    def kinds(self, cid: str) -> list[str]:
        with self.lock:
            return [u.kind.value for u in self.updates if u.order.id == cid]


def environ(host: str, port: int, **extra: str) -> dict[str, str]:
    return {
        "FUTU_HOST": host,
        "FUTU_PORT": str(port),
        "FUTU_TRD_ENV": "real",
        "FUTU_TRADE_PASSWORD": PASSWORD,
        "HOME": SDK_HOME,
        **extra,
    }


class Rig:
    def __init__(self, venue: FakeOpenD, broker: FutuBroker, first_conn: int) -> None:
        self.venue, self.broker, self.first_conn = venue, broker, first_conn
        self.consumer = Consumer()
        broker.connect(self.consumer)
        broker.subscribe(self.consumer)

    def settle(self) -> None:
        deadline = monotonic() + 5
        while monotonic() < deadline:
            if self.broker.pushes_seen >= self.venue.pushes_since(self.first_conn):
                return
            sleep(0.002)

    def step(self, rows: int = 1) -> None:
        self.venue.step(rows)
        self.settle()


def make_broker(venue: FakeOpenD, host: str, port: int, **kwargs: Any) -> FutuBroker:
    env = environ(host, port, **kwargs.pop("env", {}))
    return FutuBroker(
        config_from_env(env),
        default_instrument(CODE),
        env,
        code=CODE,
        connect_timeout=kwargs.pop("connect_timeout", 5.0),
        answer_timeout=kwargs.pop("answer_timeout", 1.0),
        reconnect=0.05,
        retry_pause=0.05,
        **kwargs,
    )


@contextmanager
def rig(
    bars: tuple[tuple[str, str, str, str], ...] = (FLAT,) * 4,
    *,
    start: datetime = datetime(2025, 1, 6, 9, 30),
    venue_args: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Iterator[Rig]:
    venue = FakeOpenD(bars, code=CODE, password_md5=PASSWORD_MD5, start=start, **(venue_args or {}))
    host, port = venue.start()
    first = venue.next_conn_id
    broker = make_broker(venue, host, port, **kwargs)
    try:
        yield Rig(venue, broker, first)
    finally:
        broker.close()
        venue.close()


D = Decimal
