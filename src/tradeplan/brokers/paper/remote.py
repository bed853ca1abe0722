"""`RemotePaperBroker`: a `LiveBrokerPort` that trades on `tradeplan paper serve` over TCP.

It is written as a real adapter must be, against a venue that may not answer (wire.py):

* **Outcomes.** A command with no answer within `timeout` (or whose connection drops before
  the answer) raises `OutcomeUnknown`: the order may be working, look it up. A query raises
  `BrokerUnavailable`, never "not found". A `rejected` answer raises `OrderRejected`.
* **Pushes** are read by one thread and handed to the listeners by another, in the order the
  venue sent them, so a listener may call back into the broker (place the exits of a fill)
  without blocking the reader. A push that the venue wrote before a command's answer (the
  ACCEPTED of a submit) reaches the listener before that command returns, as on the paper
  venue in process, unless the command was called from the listener itself (then it is
  delivered right after the listener returns).
* **Reconnects.** When the connection drops, market listeners hear RECONNECTING; the client
  reconnects with exponential backoff and says LIVE (or ENDED) once it is back. Nothing the
  stream carried meanwhile comes again: read `fills_since`, `open_orders` and `positions`.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, TypeVar

from tradeplan.brokers.paper import wire
from tradeplan.core.enums import Side
from tradeplan.orders.codec import CodecError, dec, order_to_data
from tradeplan.orders.model import Order
from tradeplan.ports import codec
from tradeplan.ports.broker import AccountSnapshot, BrokerListener, Quote
from tradeplan.ports.live import (
    BrokerUnavailable,
    FeedState,
    FillBatch,
    LiveBar,
    MarketListener,
    OrderRejected,
    OrderReport,
    OutcomeUnknown,
    PositionReport,
)
from tradeplan.ports.profiles import BrokerProfile, get_profile

log = logging.getLogger("tradeplan.paper.remote")

DEFAULT_TIMEOUT: Final = 5.0
T = TypeVar("T")


@dataclass(slots=True)
class _Pending:
    done: threading.Event = field(default_factory=threading.Event)
    message: dict[str, Any] | None = None
    pushes: int = 0  # how many pushes had arrived before the answer


class _Lost(Exception):
    """The connection dropped (or was never there) before the answer."""


class RemotePaperBroker:
    """A client of the paper venue at `host:port`; connects at once (raises
    `BrokerUnavailable` when the venue cannot be reached)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        backoff: tuple[float, float] = (0.1, 5.0),
    ) -> None:
        self._address = (host, port)
        self._timeout = timeout
        self._backoff = backoff
        self._send_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._next_id = 0
        self._sock: socket.socket | None = None
        self._connected = threading.Event()
        self._closed = threading.Event()
        self._listener: BrokerListener | None = None
        self._markets: list[MarketListener] = []
        self._feed = (FeedState.RECONNECTING, "not connected")
        self._pushes_in = 0
        self._pushes_out = 0
        self._delivered = threading.Condition()
        self._inbox: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        greeting = self._open()  # the first connection: fail loudly
        self._profile = get_profile(str(greeting["profile"]))
        self.symbol = str(greeting["symbol"])
        self.bar_seconds = int(greeting.get("bar_seconds", 0))  # the feed's bar interval
        self._dispatcher = threading.Thread(
            target=self._dispatch, name="paper-remote-dispatch", daemon=True
        )
        self._dispatcher.start()
        self._reader = threading.Thread(target=self._read, name="paper-remote-read", daemon=True)
        self._reader.start()

    # --- the port -------------------------------------------------------------------------------

    @property
    def profile(self) -> BrokerProfile:
        return self._profile

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float | None = None) -> bool:
        return self._connected.wait(timeout)

    def connect(self, listener: BrokerListener) -> None:
        self._listener = listener

    def subscribe(self, listener: MarketListener) -> None:
        """Add a market listener; it hears the feed's state at once, in push order."""
        self._markets.append(listener)
        state, detail = self._feed
        self._enqueue(lambda: listener.on_feed_state(state, detail))

    def submit(self, order: Order) -> None:
        self._command(order.id, "submit", order=order_to_data(order))

    def cancel(self, order_id: str) -> None:
        self._command(order_id, "cancel", client_id=order_id)

    def amend(
        self,
        order_id: str,
        *,
        price: Decimal | None = None,
        trigger: Decimal | None = None,
        qty: Decimal | None = None,
    ) -> None:
        self._command(
            order_id,
            "amend",
            client_id=order_id,
            price=dec(price),
            trigger=dec(trigger),
            qty=dec(qty),
        )

    def watch(self, watch_id: str, side: Side, level: Decimal) -> None:
        self._command(watch_id, "watch", watch_id=watch_id, side=side.value, level=str(level))

    def unwatch(self, watch_id: str) -> None:
        self._command(watch_id, "unwatch", watch_id=watch_id)

    def account(self) -> AccountSnapshot:
        return self._query("account", codec.account_from_data)

    def quote(self) -> Quote | None:
        return self._query("quote", codec.quote_from_data)

    def lookup(self, client_id: str) -> OrderReport | None:
        return self._query("lookup", codec.report_from_data, client_id=client_id)

    def open_orders(self) -> tuple[OrderReport, ...]:
        return self._query("open_orders", codec.reports_from_data)

    def positions(self) -> tuple[PositionReport, ...]:
        return self._query("positions", codec.positions_from_data)

    def fills_since(self, cursor: str | None) -> FillBatch:
        return self._query("fills_since", codec.batch_from_data, cursor=cursor)

    def history(self, bars: int) -> tuple[LiveBar, ...]:
        return self._query(
            "history", lambda data: tuple(codec.bar_from_data(b) for b in data), bars=bars
        )

    def ping(self) -> int:
        """A round trip; returns once every push the venue sent before it has been delivered
        (the venue's last report number)."""
        return self._query("ping", lambda data: int(data["seq"]))

    def close(self) -> None:
        """Let go of the connection and the threads; the venue keeps every order working."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._drop()
        self._inbox.put(None)
        for thread in (self._reader, self._dispatcher):
            if thread is not threading.current_thread():
                thread.join(2)

    # --- requests -------------------------------------------------------------------------------

    def _command(self, client_id: str, op: str, /, **arguments: Any) -> None:
        try:
            self._request(op, arguments)
        except _Lost as exc:
            raise OutcomeUnknown(client_id, str(exc)) from None
        except _Failed as exc:
            if exc.kind == wire.REJECTED:
                raise OrderRejected(exc.client_id or client_id, exc.message) from None
            if exc.kind == wire.BAD_REQUEST:  # the venue took nothing
                raise OrderRejected(
                    client_id, f"the venue could not read it: {exc.message}"
                ) from None
            raise OutcomeUnknown(client_id, f"the venue failed: {exc.message}") from None

    def _query(self, op: str, read: Callable[[Any], T], /, **arguments: Any) -> T:
        try:
            result = self._request(op, arguments)
        except _Lost as exc:
            raise BrokerUnavailable(f"{op}: {exc}") from None
        except _Failed as exc:
            if exc.kind == wire.BAD_REQUEST:
                raise ValueError(f"{op}: {exc.message}") from None
            raise BrokerUnavailable(f"{op}: the venue failed: {exc.message}") from None
        try:
            return read(result)
        except (CodecError, KeyError, TypeError, ValueError) as exc:
            raise BrokerUnavailable(f"{op}: an answer this client cannot read: {exc}") from None

    def _request(self, op: str, arguments: dict[str, Any]) -> Any:
        if self._closed.is_set():
            raise _Lost("the client is closed")
        pending = _Pending()
        with self._send_lock:
            sock = self._sock
            if sock is None or not self._connected.is_set():
                raise _Lost("not connected to the venue")
            self._next_id += 1
            request_id = self._next_id
            with self._state_lock:
                self._pending[request_id] = pending
            try:
                sock.sendall(wire.encode({"id": request_id, "op": op, **arguments}))
            except OSError as exc:
                with self._state_lock:
                    self._pending.pop(request_id, None)
                raise _Lost(f"the connection failed: {exc}") from None
        answered = pending.done.wait(self._timeout)
        with self._state_lock:
            self._pending.pop(request_id, None)
        message = pending.message
        if not answered or message is None:
            raise _Lost(
                f"no answer within {self._timeout:g} s"
                if not answered
                else "the connection dropped"
            )
        self._await_pushes(pending.pushes)
        if message.get("ok") is True:
            return message.get("result")
        error = message.get("error") or {}
        raise _Failed(
            str(error.get("kind")), str(error.get("message")), error.get("client_id") or None
        )

    def _await_pushes(self, count: int) -> None:
        """Wait (at most the timeout) until the listeners have had the first `count` pushes,
        unless this is the dispatcher itself (a listener commanding)."""
        if threading.current_thread() is self._dispatcher:
            return
        with self._delivered:
            self._delivered.wait_for(lambda: self._pushes_out >= count, self._timeout)

    # --- the connection -------------------------------------------------------------------------

    def _open(self) -> dict[str, Any]:
        """Connect and say hello; the greeting. Raises BrokerUnavailable."""
        try:
            sock = socket.create_connection(self._address, timeout=self._timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(wire.encode({"id": 0, "op": "hello", "version": wire.PROTOCOL_VERSION}))
            stream = sock.makefile("rb")
            line = stream.readline(wire.MAX_LINE + 1)
            if not line:
                raise OSError("the venue closed the connection")
            message = wire.decode(line)
            sock.settimeout(None)
        except (OSError, wire.WireError) as exc:
            raise BrokerUnavailable(
                f"cannot reach the paper venue at {self._address[0]}:{self._address[1]}: {exc}"
            ) from None
        if message.get("ok") is not True:
            sock.close()
            error = message.get("error") or {}
            raise BrokerUnavailable(
                f"the paper venue refused the connection: {error.get('message')}"
            )
        greeting: dict[str, Any] = message["result"]
        self._stream = stream
        with self._send_lock:
            self._sock = sock
        self._feed = (FeedState(greeting["feed"]), str(greeting["detail"]))
        self._connected.set()
        return greeting

    def _drop(self) -> None:
        with self._send_lock:
            sock, self._sock = self._sock, None
            self._connected.clear()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        with self._state_lock:
            pending = tuple(self._pending.values())
        for waiting in pending:
            waiting.done.set()  # no message: the connection dropped

    def _read(self) -> None:
        """Read answers and pushes; when the connection drops, reconnect until closed."""
        while not self._closed.is_set():
            self._read_connection()
            if self._closed.is_set():
                return
            self._drop()
            self._feed_state(FeedState.RECONNECTING, "connection to the venue lost")
            if not self._reconnect():
                return
            state, detail = self._feed
            self._feed_state(state, detail)

    def _read_connection(self) -> None:
        stream = self._stream
        while True:
            try:
                line = stream.readline(wire.MAX_LINE + 1)
            except (OSError, ValueError):
                return
            if not line:
                return
            try:
                message = wire.decode(line)
            except wire.WireError as exc:
                log.warning("paper venue sent a line this client cannot read: %s", exc)
                continue
            if "push" in message:
                self._on_push(message)
            else:
                self._on_answer(message)

    def _reconnect(self) -> bool:
        delay, longest = self._backoff
        while not self._closed.wait(delay):
            try:
                self._open()
            except BrokerUnavailable as exc:
                log.info("reconnecting to the paper venue: %s", exc)
                delay = min(delay * 2, longest)
                continue
            return True
        return False

    def _on_answer(self, message: dict[str, Any]) -> None:
        request_id = message.get("re")
        with self._state_lock:
            pending = self._pending.get(request_id) if isinstance(request_id, int) else None
        if pending is None:
            return  # late (the caller gave up) or unasked for
        with self._state_lock:
            pending.pushes = self._pushes_in
        pending.message = message
        pending.done.set()

    def _on_push(self, message: dict[str, Any]) -> None:
        kind = message.get("push")
        try:
            if kind == "update":
                update = codec.update_from_data(message["update"])
                self._enqueue(lambda: self._to_listener(lambda it: it.on_order_update(update)))
            elif kind == "touch":
                touch = codec.touch_from_data(message["touch"])
                self._enqueue(lambda: self._to_listener(lambda it: it.on_price_touch(touch)))
            elif kind == "bar":
                bar = codec.bar_from_data(message["bar"])
                self._enqueue(lambda: self._to_markets(lambda m: m.on_bar(bar)))
            elif kind == "feed":
                state = codec.feed_state_from_data(message["state"])
                detail = str(message.get("detail", ""))
                self._feed = (state, detail)
                self._enqueue(lambda: self._to_markets(lambda m: m.on_feed_state(state, detail)))
            else:
                log.warning("paper venue pushed an unknown %r", kind)
        except (CodecError, KeyError, TypeError, ValueError) as exc:
            log.warning("paper venue pushed a %s this client cannot read: %s", kind, exc)

    def _feed_state(self, state: FeedState, detail: str) -> None:
        self._enqueue(lambda: self._to_markets(lambda m: m.on_feed_state(state, detail)))

    # --- delivery -------------------------------------------------------------------------------

    def _enqueue(self, deliver: Callable[[], None]) -> None:
        with self._state_lock:  # counted and queued together: the count says what is queued
            self._pushes_in += 1
            self._inbox.put(deliver)

    def _dispatch(self) -> None:
        while True:
            deliver = self._inbox.get()
            if deliver is None:
                return
            try:
                deliver()
            except Exception:  # a listener's bug must not stop the stream
                log.exception("a listener of the paper venue failed")
            with self._delivered:
                self._pushes_out += 1
                self._delivered.notify_all()

    def _to_listener(self, call: Callable[[BrokerListener], None]) -> None:
        listener = self._listener
        if listener is not None:
            call(listener)

    def _to_markets(self, call: Callable[[MarketListener], None]) -> None:
        for market in tuple(self._markets):
            call(market)


class _Failed(Exception):
    def __init__(self, kind: str, message: str, client_id: str | None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.client_id = client_id


__all__ = ["DEFAULT_TIMEOUT", "RemotePaperBroker"]
