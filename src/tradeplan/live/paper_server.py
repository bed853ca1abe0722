"""The paper venue as its own process, as a real broker is: `tradeplan paper serve`.

A bot killed with SIGKILL must leave a broker that goes on trading, with its orders working and
its fills recorded, or a crash test proves nothing. So the venue (`LivePaperVenue`, replaying
a recorded feed in wall-clock time) runs here, behind the wire protocol of
`brokers/paper/wire.py` on 127.0.0.1, and bots reach it through `RemotePaperBroker`.

Threads: one accepts connections; each connection has a reader (its requests, handled in
order) and a writer (a queue of lines, so a slow client never holds the venue's lock); the
venue's clock runs in its own. Pushes go to every connection that has said hello, written
under the venue's lock, so a push caused by a request precedes that request's answer and the
greeting precedes every push. A client that goes away changes nothing at the venue.

`suspend()` / `resume()` cut every connection and refuse new ones for a while: the tests'
network outage.

`open_venue` builds the venue the command serves: the feed read like `tradeplan backtest` reads
its data (`backtest.data`), the instrument and fill settings (`VenueSettings`), and with a state
folder the journal that carries the venue over its own restart (`brokers/paper/live_journal.py`).
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
from functools import partial
from pathlib import Path
from typing import Any

from tradeplan.backtest.data import MarketData, load_market_data
from tradeplan.brokers.paper import wire
from tradeplan.brokers.paper.broker import PaperAccount
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.brokers.paper.live_journal import VenueJournal
from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.core.calendar import open_ns_between
from tradeplan.core.enums import Side
from tradeplan.core.instrument import Instrument
from tradeplan.orders.codec import CodecError, order_from_data, text, undec
from tradeplan.ports import codec
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.ports.live import FeedState, LiveBar, OrderRejected, OutcomeUnknown
from tradeplan.ports.profiles import PAPER, BrokerProfile

log = logging.getLogger("tradeplan.paper.server")

# A request's arguments, read (a bad one raises: a bad request, nothing done), give the call.
Call = Callable[[], Any]
Handler = Callable[[dict[str, Any]], Call]


class _Connection:
    """One client: a reader thread for its requests, a writer thread for what it is sent."""

    def __init__(self, server: PaperServer, sock: socket.socket, name: str) -> None:
        self.server = server
        self.sock = sock
        self.name = name
        self.greeted = False
        self._out: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read, name=f"{name}-reader", daemon=True)
        self._writer = threading.Thread(target=self._write, name=f"{name}-writer", daemon=True)

    def start(self) -> None:
        self._writer.start()
        self._reader.start()

    def send(self, message: dict[str, Any]) -> None:
        self.send_line(wire.encode(message))

    def send_line(self, line: bytes) -> None:
        if not self._closed.is_set():
            self._out.put(line)

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self.server._forget(self)
        self._out.put(None)
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()

    def _write(self) -> None:
        while True:
            line = self._out.get()
            if line is None:
                return
            try:
                self.sock.sendall(line)
            except OSError:
                self.close()
                return

    def _read(self) -> None:
        try:
            stream = self.sock.makefile("rb")
            while not self._closed.is_set():
                line = stream.readline(wire.MAX_LINE + 1)
                if not line:
                    break
                if not line.endswith(b"\n") and len(line) > wire.MAX_LINE:
                    self.send(wire.failure(None, wire.BAD_REQUEST, "line too long"))
                    break
                self.server._handle(self, line)
        except OSError:
            pass
        finally:
            self.close()


class _Fanout:
    """The venue's listener: every report, touch, bar and feed state, to every client."""

    def __init__(self, server: PaperServer) -> None:
        self._server = server

    def on_order_update(self, update: OrderUpdate) -> None:
        self._server._push({"push": "update", "update": codec.update_to_data(update)})

    def on_price_touch(self, touch: PriceTouch) -> None:
        self._server._push({"push": "touch", "touch": codec.touch_to_data(touch)})

    def on_bar(self, bar: LiveBar) -> None:
        self._server._push({"push": "bar", "bar": codec.bar_to_data(bar)})

    def on_feed_state(self, state: FeedState, detail: str) -> None:
        self._server._push({"push": "feed", "state": state.value, "detail": detail})


class PaperServer:
    """`venue` served on `host:port` (port 0: any free port; see `address`)."""

    def __init__(self, venue: LivePaperVenue, host: str = "127.0.0.1", port: int = 0) -> None:
        self.venue = venue
        self._host, self._port = host, port
        self._sock: socket.socket | None = None
        self._connections: set[_Connection] = set()
        self._greeted: tuple[_Connection, ...] = ()
        self._lock = threading.Lock()
        self._refusing = False
        self._count = 0
        self._accepter: threading.Thread | None = None
        self.greeted = threading.Event()  # set when the first client has said hello
        self._handlers: dict[str, Handler] = {
            "submit": self._submit,
            "cancel": self._cancel,
            "amend": self._amend,
            "watch": self._watch,
            "unwatch": self._unwatch,
            "lookup": self._lookup,
            "open_orders": lambda m: lambda: [codec.report_to_data(r) for r in venue.open_orders()],
            "positions": lambda m: lambda: [codec.position_to_data(p) for p in venue.positions()],
            "fills_since": self._fills_since,
            "account": lambda m: lambda: codec.account_to_data(venue.account()),
            "quote": lambda m: lambda: codec.quote_to_data(venue.quote()),
            "ping": lambda m: lambda: {"seq": venue.last_seq},
            "history": self._history,
        }
        fanout = _Fanout(self)
        venue.connect(fanout)
        venue.subscribe(fanout)

    @property
    def address(self) -> tuple[str, int]:
        if self._sock is None:
            raise RuntimeError("the server is not listening")
        host, port = self._sock.getsockname()[:2]
        return str(host), int(port)

    def start(self) -> tuple[str, int]:
        """Listen and accept in a thread; the address it listens on."""
        sock = socket.create_server((self._host, self._port))
        self._sock = sock
        self._accepter = threading.Thread(target=self._accept, name="paper-accept", daemon=True)
        self._accepter.start()
        return self.address

    def close(self) -> None:
        """Stop listening and drop every client (the venue is the caller's to close)."""
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._drop_all()
        if self._accepter is not None:
            self._accepter.join(2)

    def suspend(self) -> None:
        """A network outage: every client is cut off, new ones are refused until `resume`."""
        self._refusing = True
        self._drop_all()

    def resume(self) -> None:
        self._refusing = False

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._greeted)

    # --- inside -----------------------------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            sock = self._sock
            if sock is None:
                return
            try:
                client, _ = sock.accept()
            except OSError:
                return
            if self._refusing:
                client.close()
                continue
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._count += 1
                connection = _Connection(self, client, f"paper-client-{self._count}")
                self._connections.add(connection)
            connection.start()

    def _drop_all(self) -> None:
        with self._lock:
            connections = tuple(self._connections)
        for connection in connections:
            connection.close()

    def _forget(self, connection: _Connection) -> None:
        with self._lock:
            self._connections.discard(connection)
            self._greeted = tuple(c for c in self._greeted if c is not connection)

    def _push(self, message: dict[str, Any]) -> None:
        line = wire.encode(message)
        for connection in self._greeted:
            connection.send_line(line)

    def _handle(self, connection: _Connection, line: bytes) -> None:
        try:
            message = wire.decode(line)
        except wire.WireError as exc:
            connection.send(wire.failure(None, wire.BAD_REQUEST, str(exc)))
            return
        request_id = message.get("id")
        if not isinstance(request_id, int) or isinstance(request_id, bool):
            connection.send(wire.failure(None, wire.BAD_REQUEST, "a request needs an integer id"))
            return
        op = message.get("op")
        try:
            if op == "hello":
                self._hello(connection, request_id, message)
                return
            if not connection.greeted:
                raise _BadRequest("the first request must be hello")
            handler = self._handlers.get(op) if isinstance(op, str) else None
            if handler is None:
                raise _BadRequest(f"unknown op {op!r}")
            call = handler(message)
        except (_BadRequest, CodecError, KeyError, TypeError, ValueError) as exc:
            connection.send(wire.failure(request_id, wire.BAD_REQUEST, _message(exc)))
            return
        try:
            result = call()
        except OrderRejected as exc:
            connection.send(wire.failure(request_id, wire.REJECTED, exc.reason, exc.client_id))
        except OutcomeUnknown:
            log.info("request %s: the answer is lost (an injected timeout)", request_id)
        except ValueError as exc:
            # A query the venue cannot answer as asked (a cursor it never gave) changed
            # nothing; a command that fails inside the venue may have done something.
            kind = wire.BAD_REQUEST if op in wire.QUERIES else wire.INTERNAL
            connection.send(wire.failure(request_id, kind, _message(exc)))
        except Exception as exc:  # the venue failed: the client cannot know what happened
            log.exception("request %s (%s) failed", request_id, op)
            connection.send(wire.failure(request_id, wire.INTERNAL, _message(exc)))
        else:
            connection.send(wire.answer(request_id, result))

    def _hello(self, connection: _Connection, request_id: int, message: dict[str, Any]) -> None:
        if message.get("version") != wire.PROTOCOL_VERSION:
            raise _BadRequest(
                f"protocol version {message.get('version')!r}; this venue speaks "
                f"{wire.PROTOCOL_VERSION}"
            )
        venue = self.venue
        with venue.lock:  # no push between the greeting and the first one it is owed
            result = {
                "version": wire.PROTOCOL_VERSION,
                "venue": wire.VENUE_NAME,
                "profile": venue.profile.name,
                "symbol": venue.instrument.symbol,
                "bar_seconds": venue.bar_seconds,
                "feed": venue.feed_state.value,
                "detail": venue.state_detail,
                "seq": venue.last_seq,
            }
            connection.send(wire.answer(request_id, result))
            with self._lock:
                if connection in self._connections and not connection.greeted:
                    connection.greeted = True
                    self._greeted = (*self._greeted, connection)
            self.greeted.set()

    def _submit(self, message: dict[str, Any]) -> Call:
        order = order_from_data(message["order"])
        return lambda: self.venue.submit(order)

    def _cancel(self, message: dict[str, Any]) -> Call:
        client_id = text(message["client_id"])
        return lambda: self.venue.cancel(client_id)

    def _amend(self, message: dict[str, Any]) -> Call:
        client_id = text(message["client_id"])
        price, trigger, qty = (undec(message[k]) for k in ("price", "trigger", "qty"))
        return lambda: self.venue.amend(client_id, price=price, trigger=trigger, qty=qty)

    def _watch(self, message: dict[str, Any]) -> Call:
        watch_id, side = text(message["watch_id"]), Side(message["side"])
        level = codec.number(message["level"])
        return lambda: self.venue.watch(watch_id, side, level)

    def _unwatch(self, message: dict[str, Any]) -> Call:
        watch_id = text(message["watch_id"])
        return lambda: self.venue.unwatch(watch_id)

    def _lookup(self, message: dict[str, Any]) -> Call:
        client_id = text(message["client_id"])
        return lambda: codec.report_to_data(self.venue.lookup(client_id))

    def _fills_since(self, message: dict[str, Any]) -> Call:
        cursor = message["cursor"]
        after = None if cursor is None else text(cursor)
        return lambda: codec.batch_to_data(self.venue.fills_since(after))

    def _history(self, message: dict[str, Any]) -> Call:
        bars = message["bars"]
        if not isinstance(bars, int) or isinstance(bars, bool) or bars < 0:
            raise _BadRequest("history: `bars` is a whole number, 0 or more")
        return lambda: [codec.bar_to_data(bar) for bar in self.venue.history(bars)]


class _BadRequest(ValueError):
    pass


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    return str(exc) or type(exc).__name__


# --- building the venue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VenueSettings:
    """What the venue trades and how it fills: the instrument, the fill model's settings, the
    account, the broker profile whose rules it stands in for, and the spread for a feed
    without a spread column."""

    instrument: Instrument
    config: FillConfig = field(default_factory=FillConfig)
    account: PaperAccount = field(default_factory=PaperAccount)
    profile: BrokerProfile = PAPER
    spread: Decimal | None = None

    def identity(self) -> dict[str, Any]:
        """What a state folder must have been written with to be replayed here."""
        account = self.account
        return {
            "instrument": repr(self.instrument),
            "config": repr(self.config),
            "account": [account.currency, str(account.balance), str(account.leverage)],
            "profile": self.profile.name,
            "spread": None if self.spread is None else str(self.spread),
        }


@dataclass
class OpenedVenue:
    venue: LivePaperVenue
    data: MarketData
    journal: VenueJournal | None = None

    def close(self) -> None:
        self.venue.close()
        if self.journal is not None:
            self.journal.close()


def open_venue(
    feed: str | Path, settings: VenueSettings, state: str | Path | None = None
) -> OpenedVenue:
    """The venue over `feed` (raises `backtest.data.DataError` naming bad rows); with a
    `state` folder, restored from its journal (raises `JournalError` for another feed's)."""
    data = load_market_data(
        Path(feed),
        default_spread=settings.spread,
        open_between=partial(open_ns_between, settings.instrument.asset_class),
    )
    if not len(data):
        raise ValueError(f"{feed}: no bars to replay")
    venue = LivePaperVenue(
        data,
        settings.instrument,
        settings.config,
        account=settings.account,
        profile=settings.profile,
        volume=data.volume if data.has_volume else None,
    )
    journal = None
    if state is not None:
        identity = {
            "feed": str(Path(feed).resolve()),
            "rows": len(data),
            "first_ns": int(data.time_ns[0]),
            "last_ns": int(data.time_ns[-1]),
            **settings.identity(),
        }
        journal = VenueJournal(state, identity)
        journal.restore(venue)
    return OpenedVenue(venue, data, journal)


__all__ = ["OpenedVenue", "PaperServer", "VenueSettings", "open_venue"]
