"""One-minute K-lines of the plan's stock: history, pushes, closed bars only, feed state.

Futu stamps a minute K-line with the END of its minute (exchange-local, New York for US
stocks) and pushes the forming bar again on every trade. A bar counts as closed, and is
delivered once, when a push for a later minute arrives or when its end has passed by
`GRACE` seconds on the wall clock (a watchdog checks twice a second), whichever is first. So a
signal never reads a bar still forming, and a quiet minute still closes. K-lines are trades,
not quotes: bars carry spread 0. `quote()` is the best Bid and Ask of the order book
(Qot_UpdateOrderBook pushes), or the last close on both sides for an account without the
order-book quote right.

No closed bar for `stale_after` seconds -> STALE, and the subscription is made again (a gateway
that lost it to a reconnect of its own does not resume it: futuquant #104); the next bar ->
LIVE. The SDK re-subscribes after its own reconnects.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time as _time
from collections import deque
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tradeplan.brokers.futu.mapping import dec
from tradeplan.ports.adapters import AdapterConfigError
from tradeplan.ports.broker import Quote
from tradeplan.ports.live import BrokerUnavailable, FeedState, LiveBar, MarketListener

if TYPE_CHECKING:
    from tradeplan.brokers.futu.execution import FutuBroker

log = logging.getLogger(__name__)
NEW_YORK = ZoneInfo("America/New_York")
KLINES = {60: "K_1M", 180: "K_3M", 300: "K_5M", 900: "K_15M", 1800: "K_30M", 3600: "K_60M"}
GRACE = 2.0


def kline_end(text: str) -> datetime:
    local = datetime.strptime(text.strip()[:19], "%Y-%m-%d %H:%M:%S")
    return local.replace(tzinfo=NEW_YORK).astimezone(UTC)


class BarFeed:
    def __init__(self, broker: FutuBroker, bar_seconds: int, stale_after: float | None) -> None:
        self.broker = broker
        if bar_seconds not in KLINES:
            raise AdapterConfigError(
                f"Futu's K-lines are {', '.join(str(k // 60) for k in KLINES)} minutes long: a "
                f"{bar_seconds} s bar has none (trade on one-minute bars)"
            )
        self.seconds = bar_seconds
        self.kind = KLINES[bar_seconds]  # the SDK's word, the same for KLType and SubType
        self.stale_after = stale_after
        self._listeners: list[MarketListener] = []
        self._lock = threading.RLock()
        self._forming: LiveBar | None = None
        self._last_end: datetime | None = None
        self._last: LiveBar | None = None
        self._last_bar_wall = _time.monotonic()
        self._stale = False
        self._stop = threading.Event()
        self._recent: deque[LiveBar] = deque(maxlen=240)
        self._history_end: datetime | None = None
        self._book: Quote | None = None
        self.ctx: Any = None

    def attach(self, ctx: Any) -> None:
        futu = self.broker._futu
        feed = self

        class Klines(futu.CurKlineHandlerBase):  # type: ignore[misc,name-defined]
            def on_recv_rsp(self, rsp_pb: Any) -> tuple[int, Any]:
                ret, _msg, rows = futu.quote.quote_query.CurKlinePush.unpack_rsp(rsp_pb)
                try:
                    if ret == futu.RET_OK:
                        for row in rows:
                            feed.on_kline(row)
                finally:
                    feed.broker._counted()
                return ret, None

        class Book(futu.OrderBookHandlerBase):  # type: ignore[misc,name-defined]
            def on_recv_rsp(self, rsp_pb: Any) -> tuple[int, Any]:
                ret, _msg, book = futu.quote.quote_query.OrderBookQuery.unpack_rsp(rsp_pb)
                try:
                    if ret == futu.RET_OK:
                        feed.on_book(book)
                finally:
                    feed.broker._counted()
                return ret, None

        self.ctx = ctx
        ctx.set_handler(Klines())
        ctx.set_handler(Book())
        self._subscribe()
        self._subscribe_book()
        threading.Thread(target=self._watchdog, daemon=True, name="futu-bars").start()

    def _subscribe(self) -> None:
        futu = self.broker._futu
        ret, msg = self.ctx.subscribe(
            [self.broker.code], [self.kind], is_first_push=False, extended_time=True
        )
        if ret != futu.RET_OK:
            raise BrokerUnavailable(f"FutuOpenD K-line subscription failed: {msg}")

    def _subscribe_book(self) -> None:
        """Best Bid and Ask for `quote()`; without the account's order-book right, quotes
        fall back to the last K-line's close (said once in the log)."""
        futu = self.broker._futu
        ret, msg = self.ctx.subscribe([self.broker.code], [futu.SubType.ORDER_BOOK])
        if ret != futu.RET_OK:
            log.warning(
                "Futu: no order book for %s (%s): quotes are last closes", self.broker.code, msg
            )

    def on_book(self, book: dict[str, Any]) -> None:
        if str(book.get("code", self.broker.code)) != self.broker.code:
            return
        bids, asks = book.get("Bid") or [], book.get("Ask") or []
        if not bids or not asks:
            return
        quote = Quote(datetime.now(UTC), dec(bids[0][0]), dec(asks[0][0]))
        with self._lock:
            self._book = quote

    def close(self) -> None:
        self._stop.set()

    def listen(self, listener: MarketListener) -> None:
        """Bars that closed after the last `history()` answer and before this call are
        delivered first: a run warms up, then subscribes, and misses no bar in between."""
        with self._lock:
            self._listeners.append(listener)
            since = self._history_end
            missed = [b for b in self._recent if since is not None and b.close_time > since]
        for bar in missed:
            listener.on_bar(bar)

    def unlisten(self, listener: MarketListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def state(self, state: FeedState, detail: str) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener.on_feed_state(state, detail)

    def _bar(self, row: dict[str, Any]) -> LiveBar:
        end = kline_end(str(row["time_key"]))
        return LiveBar(
            symbol=self.broker.instrument.symbol,
            open_time=end - timedelta(seconds=self.seconds),
            close_time=end,
            open=dec(row["open"]),
            high=dec(row["high"]),
            low=dec(row["low"]),
            close=dec(row["close"]),
            volume=dec(row["volume"]) if row.get("volume") not in (None, "N/A") else None,
        )

    def on_kline(self, row: dict[str, Any]) -> None:
        if str(row.get("code", self.broker.code)) != self.broker.code:
            return
        bar = self._bar(row)
        ready: list[LiveBar] = []
        with self._lock:
            if self._last_end is not None and bar.close_time <= self._last_end:
                return  # a late update of a bar already delivered
            forming = self._forming
            if forming is not None and bar.close_time > forming.close_time:
                ready.append(forming)
            self._forming = bar
            if _passed(bar.close_time):
                ready.append(bar)
            for closed in ready:
                self._last_end = closed.close_time
                self._last = closed
                if self._forming is closed:
                    self._forming = None
        self._deliver(ready)

    def _deliver(self, bars: list[LiveBar]) -> None:
        if not bars or self._stop.is_set():
            return
        with self._lock:
            self._recent.extend(bars)
            listeners = list(self._listeners)
            self._last_bar_wall = _time.monotonic()
            was_stale, self._stale = self._stale, False
        for listener in listeners:
            if was_stale:
                listener.on_feed_state(FeedState.LIVE, "bars again")
            for bar in bars:
                listener.on_bar(bar)
        for bar in bars:
            self.broker.on_bar(bar)

    def _watchdog(self) -> None:
        while not self._stop.wait(0.5):
            ready: list[LiveBar] = []
            with self._lock:
                forming = self._forming
                if forming is not None and _passed(forming.close_time):
                    ready.append(forming)
                    self._forming = None
                    self._last_end = forming.close_time
                    self._last = forming
                quiet = _time.monotonic() - self._last_bar_wall
                stale = (
                    self.stale_after is not None and quiet > self.stale_after and not self._stale
                )
                if stale:
                    self._stale = True
            self._deliver(ready)
            if stale:
                self.state(FeedState.STALE, f"no closed bar for {quiet:.0f} s: re-subscribing")
                with contextlib.suppress(BrokerUnavailable):
                    self._subscribe()

    def quote(self) -> Quote | None:
        with self._lock:
            if self._book is not None:
                return self._book
            last = self._forming or self._last
        if last is None:
            return None
        return Quote(last.close_time, last.close, last.close)

    def history(self, bars: int) -> tuple[LiveBar, ...]:
        """The last `bars` closed minutes before the gateway's clock (GetGlobalState's server
        time): Futu returns a range oldest first from its start, so the range asked for is
        the days that can hold them (390 regular minutes a day, weekends and holidays
        between) and the SDK reads every page of it."""
        if bars <= 0:
            return ()
        futu = self.broker._futu
        ret, state = self.ctx.get_global_state()
        if ret != futu.RET_OK:
            raise BrokerUnavailable(f"FutuOpenD global state failed: {state}")
        now = datetime.fromtimestamp(int(state["timestamp"]), NEW_YORK)
        start = now - timedelta(days=bars // 390 + 5)
        ret, frame, _key = self.ctx.request_history_kline(
            self.broker.code,
            start=start.strftime("%Y-%m-%d %H:%M:%S"),
            end=now.strftime("%Y-%m-%d %H:%M:%S"),
            ktype=self.kind,
            max_count=None,
            extended_time=True,
        )
        if ret != futu.RET_OK:
            raise BrokerUnavailable(f"FutuOpenD history K-lines failed: {frame}")
        rows = list(frame.to_dict("records")) if len(frame) else []
        closed = [b for b in (self._bar(r) for r in rows) if b.close_time <= now]
        chosen = tuple(closed[-bars:])
        with self._lock:
            self._history_end = chosen[-1].close_time if chosen else now.astimezone(UTC)
        return chosen


def _passed(end: datetime) -> bool:
    return datetime.now(UTC).timestamp() >= end.timestamp() + GRACE


__all__ = ["BarFeed", "Decimal", "kline_end"]
