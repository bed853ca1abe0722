"""A fake Binance USD-M futures venue on 127.0.0.1: signed REST and WebSocket streams.

It speaks the wire protocol python-binance 1.0.37 uses (binance/client.py, base_client.py):
HMAC-SHA256 over the exact `k=v&...` text before `&signature=`, the key in `X-MBX-APIKEY`,
`/fapi/v1/order` for MARKET and LIMIT, `/fapi/v1/algoOrder` for the conditional types (the
`clientAlgoId` the client sets), `openOrders`/`openAlgoOrders`, `positionRisk` (v3),
`userTrades`, `balance` (v3), `account` (v2), `klines`, `exchangeInfo`, `leverageBracket`,
`listenKey`, and streams at `/ws/<symbol>@kline_<interval>` and `/ws/<listenKey>`
(ORDER_TRADE_UPDATE, ALGO_UPDATE, ACCOUNT_UPDATE).

Its matching engine is the project's own paper venue (`LivePaperVenue`): fills, part fills by
volume share, triggers from bars and margin refusals are the backtest's, so a live run against
the fake can be compared with a backtest on the same bars. Event times `T` are the bar time plus
the venue's report number (so they strictly increase, as Binance's do on one connection).

Faults (the conformance suite's and Binance's own) are switched on `FakeBinance.faults`.
"""

from __future__ import annotations

import hashlib
import hmac
import http
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order, OrderEvent, OrderStatus, Trail
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.ports.live import FeedState, LiveBar, OrderRejected

PLAIN_TYPES = {"MARKET": OrderType.MARKET, "LIMIT": OrderType.LIMIT}
ALGO_TYPES = {
    "STOP_MARKET": OrderType.STOP,
    "STOP": OrderType.STOP_LIMIT,
    "TAKE_PROFIT_MARKET": OrderType.MARKET_IF_TOUCHED,
    "TAKE_PROFIT": OrderType.LIMIT_IF_TOUCHED,
    "TRAILING_STOP_MARKET": OrderType.TRAILING_STOP,
}
STATUS = {
    OrderStatus.ACCEPTED: "NEW",
    OrderStatus.TRIGGERED: "NEW",
    OrderStatus.PENDING_UPDATE: "NEW",
    OrderStatus.PENDING_CANCEL: "NEW",
    OrderStatus.PARTIALLY_FILLED: "PARTIALLY_FILLED",
    OrderStatus.FILLED: "FILLED",
    OrderStatus.CANCELLED: "CANCELED",
    OrderStatus.EXPIRED: "EXPIRED",
    OrderStatus.REJECTED: "REJECTED",
}


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def text(value: Decimal | None) -> str:
    return "0" if value is None else format(value, "f")


class ApiError(Exception):
    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(msg)
        self.status, self.code, self.msg = status, code, msg


@dataclass
class SymbolSpec:
    """One listed contract: the venue's spelling, its filters and leverage brackets."""

    symbol: str
    base: str
    quote: str
    tick: Decimal
    step: Decimal
    min_qty: Decimal
    min_notional: Decimal
    brackets: tuple[tuple[int, Decimal], ...] = ((125, Decimal(50_000)), (20, Decimal(10**9)))


@dataclass
class FakeOrder:
    """A plain order as Binance keeps it (an algo order's triggered order too)."""

    order_id: int
    client_id: str
    symbol: str
    side: str
    type: str
    qty: Decimal
    price: Decimal | None
    reduce_only: bool
    time: int
    update_time: int
    status: str = "NEW"
    executed: Decimal = Decimal(0)
    quote: Decimal = Decimal(0)
    stop_price: Decimal | None = None
    algo_id: int | None = None

    def avg(self) -> Decimal:
        return self.quote / self.executed if self.executed else Decimal(0)

    def json(self) -> dict[str, Any]:
        return {
            "orderId": self.order_id,
            "symbol": self.symbol,
            "status": self.status,
            "clientOrderId": self.client_id,
            "price": text(self.price),
            "avgPrice": text(self.avg()),
            "origQty": text(self.qty),
            "executedQty": text(self.executed),
            "cumQuote": text(self.quote),
            "timeInForce": "GTC",
            "type": self.type,
            "origType": self.type,
            "reduceOnly": self.reduce_only,
            "closePosition": False,
            "side": self.side,
            "positionSide": "BOTH",
            "stopPrice": text(self.stop_price),
            "workingType": "CONTRACT_PRICE",
            "priceProtect": False,
            "time": self.time,
            "updateTime": self.update_time,
        }


@dataclass
class FakeAlgo:
    """A conditional order on the algo service until it triggers."""

    algo_id: int
    client_id: str
    symbol: str
    side: str
    type: str
    qty: Decimal
    trigger: Decimal | None
    price: Decimal | None
    callback_rate: Decimal | None
    reduce_only: bool
    close_position: bool
    time: int
    update_time: int
    status: str = "NEW"
    actual: int | None = None

    def json(self) -> dict[str, Any]:
        return {
            "algoId": self.algo_id,
            "clientAlgoId": self.client_id,
            "algoType": "CONDITIONAL",
            "orderType": self.type,
            "symbol": self.symbol,
            "side": self.side,
            "positionSide": "BOTH",
            "timeInForce": "GTC",
            "quantity": text(self.qty),
            "algoStatus": self.status,
            "triggerPrice": text(self.trigger),
            "price": text(self.price),
            "callbackRate": text(self.callback_rate),
            "reduceOnly": self.reduce_only,
            "closePosition": self.close_position,
            "workingType": "CONTRACT_PRICE",
            "createTime": self.time,
            "updateTime": self.update_time,
            "actualOrderId": "" if self.actual is None else str(self.actual),
        }


@dataclass
class Faults:
    """Switches a test flips. `next_order` holds what happens to the next order placement."""

    next_order: deque[str] = field(default_factory=deque)
    next_request: deque[str] = field(default_factory=deque)  # any signed request: 429, 418
    clock_skew_ms: int = 0
    silent_keys: set[str] = field(default_factory=set)
    duplicate_frames: bool = False


class _Conn:
    def __init__(self, ws: ServerConnection, kind: str, key: str) -> None:
        self.ws, self.kind, self.key = ws, kind, key
        self.sent = 0


class FakeBinance:
    """The venue: `LivePaperVenue` behind Binance's REST and stream wire formats."""

    def __init__(
        self,
        venue: LivePaperVenue,
        spec: SymbolSpec,
        *,
        api_key: str = "test-key",
        api_secret: str = "test-secret",
        extra: tuple[SymbolSpec, ...] = (),
    ) -> None:
        self.venue = venue
        self.spec = spec
        self.specs = {s.symbol: s for s in (spec, *extra)}
        self.api_key, self.api_secret = api_key, api_secret
        self.faults = Faults()
        self.lock = threading.RLock()
        self.orders: dict[int, FakeOrder] = {}
        self.algos: dict[int, FakeAlgo] = {}
        self.trades: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []  # (method, path), for tests
        self.received: list[tuple[str, str, dict[str, str]]] = []  # ... and the parameters
        self.listen_keys: set[str] = set()
        self.bars: list[LiveBar] = []
        self._ids = 1000
        self._conns: list[_Conn] = []
        self._refuse_streams = False
        self._rest_rejected: set[str] = set()
        self._placing = ""
        self._event_ms = 0
        self._placed_ms = 0
        # Live, a bar's fills happen up to a minute before its kline closes; here both come
        # at once on two connections. `pace`, when set, waits until the client has read the
        # user stream before the kline goes out (what the wall clock does on Binance).
        self.pace: Callable[[], None] | None = None
        self._frames: dict[int, list[dict[str, Any]]] = {}
        venue.connect(self)
        venue.subscribe(self)
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self._ws: Server = serve(
            self._stream,
            "127.0.0.1",
            0,
            process_request=self._admit,
            compression=None,
            ping_interval=None,
        )
        threading.Thread(target=self._http.serve_forever, args=(0.02,), daemon=True).start()
        threading.Thread(target=self._ws.serve_forever, daemon=True).start()

    # --- addresses --------------------------------------------------------------------------

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    @property
    def stream_url(self) -> str:
        return f"ws://127.0.0.1:{self._ws.socket.getsockname()[1]}"

    def environ(self, **extra: str) -> dict[str, str]:
        return {
            "BINANCE_API_KEY": self.api_key,
            "BINANCE_API_SECRET": self.api_secret,
            "BINANCE_FUTURES_URL": self.rest_url,
            "BINANCE_STREAM_URL": self.stream_url,
            **extra,
        }

    def close(self) -> None:
        self.cut_streams()
        self._http.shutdown()
        self._http.server_close()
        self._ws.shutdown()

    # --- driving and faults -----------------------------------------------------------------

    def step(self, rows: int = 1) -> None:
        for _ in range(rows):
            self.venue.step()

    def sent(self, kind: str) -> int | None:
        """Frames sent on the open connection of `kind` ("user", "market"); None: none open."""
        with self.lock:
            conns = [c for c in self._conns if c.kind == kind]
            return conns[-1].sent if conns else None

    def connected(self, kind: str) -> bool:
        with self.lock:
            return any(c.kind == kind for c in self._conns)

    def cut_streams(self, *, refuse: bool = False) -> None:
        """Close every stream connection (the 24-hour cut); `refuse` keeps new ones out."""
        with self.lock:
            self._refuse_streams = refuse
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.ws.close(1001, "stream cut")

    def admit_streams(self) -> None:
        self._refuse_streams = False

    def expire_listen_key(self) -> None:
        """Every listenKey dies without a word: no more events, keepalive answers -1125."""
        with self.lock:
            self.faults.silent_keys |= self.listen_keys
            self.listen_keys.clear()

    def manual_order(self, side: Side, qty: Decimal, client_id: str) -> None:
        """A market order placed by someone else on the account (the web UI, a liquidation
        with an `autoclose-` id): it fills on the next bar like any other."""
        with self.lock:
            oid = self._next_id()
            now = self._now_ms()
            self.orders[oid] = FakeOrder(
                oid,
                client_id,
                self.spec.symbol,
                side.value.upper(),
                "MARKET",
                qty,
                None,
                True,
                now,
                now,
            )
            self.venue.submit(Order(str(oid), side, OrderType.MARKET, qty, reduce_only=True))

    # --- the venue's reports ----------------------------------------------------------------

    def on_order_update(self, update: OrderUpdate) -> None:
        with self.lock:
            internal = update.order.id
            if update.kind is OrderEvent.REJECTED and internal == self._placing:
                self._rest_rejected.add(internal)
            if internal in self._rest_rejected:
                return  # refused in the REST answer; Binance pushes nothing for it
            base = ms(update.time) + 4 * update.seq
            self._event_ms = ms(update.time)  # the trade time inside the frames: exact
            frames = self._frames.get(update.seq)  # a copy the venue sends again: same frames
            if frames is None:
                if internal.startswith("A"):
                    frames = self._algo_frames(self.algos[int(internal[1:])], update, base)
                else:
                    frames = self._order_frames(self.orders[int(internal)], update, base)
                self._frames[update.seq] = frames
            for frame in frames:
                self._push("user", frame)
                if self.faults.duplicate_frames:
                    self._push("user", frame)

    def on_price_touch(self, touch: PriceTouch) -> None:  # the fake sets no watches
        pass

    def on_bar(self, bar: LiveBar) -> None:
        if self.pace is not None:
            self.pace()  # a bar closes after the fills in it have reached the client
        with self.lock:
            self.bars.append(bar)
            k = self._kline(bar, closed=False)  # a forming kline first: the client drops it
            self._push("market", {"e": "kline", "E": k["T"], "s": self.spec.symbol, "k": k})
            k = self._kline(bar, closed=True)
            self._push("market", {"e": "kline", "E": k["T"], "s": self.spec.symbol, "k": k})

    def on_feed_state(self, state: FeedState, detail: str) -> None:
        pass

    def _kline(self, bar: LiveBar, *, closed: bool) -> dict[str, Any]:
        close = bar.close if closed else bar.open
        return {
            "t": ms(bar.open_time),
            "T": ms(bar.close_time) - 1,
            "s": self.spec.symbol,
            "i": "1m",
            "o": text(bar.open),
            "c": text(close),
            "h": text(bar.high if closed else bar.open),
            "l": text(bar.low if closed else bar.open),
            "v": text(bar.volume or Decimal(0)),
            "n": 1,
            "x": closed,
            "q": "0",
        }

    def _order_frames(self, o: FakeOrder, u: OrderUpdate, base: int) -> list[dict[str, Any]]:
        kind = u.kind
        if kind in (OrderEvent.ACCEPTED, OrderEvent.TRIGGERED):
            return [self._otu(o, "NEW", base)] if kind is OrderEvent.ACCEPTED else []
        if kind is OrderEvent.AMENDED:
            o.qty, o.price = u.order.qty, u.order.price
            o.status, o.update_time = o.status, base
            return [self._otu(o, "AMENDMENT", base)]
        if kind in (OrderEvent.PARTIALLY_FILLED, OrderEvent.FILLED):
            return self._fill(o, u, base)
        if kind in (OrderEvent.CANCELLED, OrderEvent.EXPIRED):
            o.status = "CANCELED" if kind is OrderEvent.CANCELLED else "EXPIRED"
            o.update_time = base
            return [self._otu(o, o.status, base)]
        if kind is OrderEvent.REJECTED:
            o.status, o.update_time = "REJECTED", base
            return [self._otu(o, "REJECTED", base)]
        return []

    def _fill(self, o: FakeOrder, u: OrderUpdate, base: int) -> list[dict[str, Any]]:
        assert u.fill_qty is not None and u.fill_price is not None
        o.executed += u.fill_qty
        o.quote += u.fill_qty * u.fill_price
        o.status = "FILLED" if u.kind is OrderEvent.FILLED else "PARTIALLY_FILLED"
        o.update_time = base
        trade_id = len(self.trades) + 1
        trade = {
            "id": trade_id,
            "orderId": o.order_id,
            "symbol": o.symbol,
            "side": o.side,
            "price": text(u.fill_price),
            "qty": text(u.fill_qty),
            "quoteQty": text(u.fill_qty * u.fill_price),
            "commission": text(u.fee),
            "commissionAsset": self.spec.quote,
            "realizedPnl": "0",
            "buyer": o.side == "BUY",
            "maker": o.type == "LIMIT",
            "positionSide": "BOTH",
            "time": self._event_ms or base,
        }
        self.trades.append(trade)
        frame = self._otu(o, "TRADE", base)
        frame["o"].update(
            {"l": text(u.fill_qty), "L": text(u.fill_price), "n": text(u.fee), "t": trade_id}
        )
        return [frame, self._account_update(base + 1)]

    def _otu(self, o: FakeOrder, execution: str, t: int) -> dict[str, Any]:
        return {
            "e": "ORDER_TRADE_UPDATE",
            "E": t,
            "T": t,
            "o": {
                "s": o.symbol,
                "c": o.client_id,
                "S": o.side,
                "o": o.type,
                "f": "GTC",
                "q": text(o.qty),
                "p": text(o.price),
                "ap": text(o.avg()),
                "sp": text(o.stop_price),
                "x": execution,
                "X": o.status,
                "i": o.order_id,
                "l": "0",
                "z": text(o.executed),
                "L": "0",
                "N": self.spec.quote,
                "n": "0",
                "T": self._event_ms or t,
                "t": 0,
                "R": o.reduce_only,
                "ps": "BOTH",
                "ot": o.type,
            },
        }

    def _algo_frames(self, a: FakeAlgo, u: OrderUpdate, base: int) -> list[dict[str, Any]]:
        kind = u.kind
        frames: list[dict[str, Any]] = []
        if kind is OrderEvent.ACCEPTED:
            return [self._algo_update(a, "NEW", base)]
        if kind is OrderEvent.AMENDED:  # not reachable through the API: Binance cannot amend
            return []
        if kind in (OrderEvent.TRIGGERED, OrderEvent.PARTIALLY_FILLED, OrderEvent.FILLED):
            if a.actual is None:
                limit = a.type in ("STOP", "TAKE_PROFIT")
                oid = self._next_id()
                a.actual, a.status, a.update_time = oid, "TRIGGERED", base
                o = FakeOrder(
                    oid,
                    a.client_id,
                    a.symbol,
                    a.side,
                    "LIMIT" if limit else "MARKET",
                    a.qty,
                    a.price if limit else None,
                    a.reduce_only,
                    base,
                    base,
                    algo_id=a.algo_id,
                )
                self.orders[oid] = o
                frames += [self._algo_update(a, "TRIGGERED", base), self._otu(o, "NEW", base + 1)]
            o = self.orders[a.actual]
            if kind is not OrderEvent.TRIGGERED:
                frames += self._fill(o, u, base + 2)
                if kind is OrderEvent.FILLED:
                    a.status = "FINISHED"
                    frames.append(self._algo_update(a, "FINISHED", base + 3))
            return frames
        if kind in (OrderEvent.CANCELLED, OrderEvent.EXPIRED):
            status = "CANCELED" if kind is OrderEvent.CANCELLED else "EXPIRED"
            if a.actual is not None:
                o = self.orders[a.actual]
                o.status, o.update_time = status, base
                return [self._otu(o, status, base)]
            a.status, a.update_time = status, base
            return [self._algo_update(a, status, base)]
        return frames

    def _algo_update(self, a: FakeAlgo, status: str, t: int) -> dict[str, Any]:
        a.update_time = t
        return {
            "e": "ALGO_UPDATE",
            "E": t,
            "T": t,
            "o": {
                "caid": a.client_id,
                "aid": a.algo_id,
                "at": "CONDITIONAL",
                "o": a.type,
                "s": a.symbol,
                "S": a.side,
                "ps": "BOTH",
                "f": "GTC",
                "q": text(a.qty),
                "X": status,
                "ai": "" if a.actual is None else str(a.actual),
                "tp": text(a.trigger),
                "p": text(a.price),
                "R": a.reduce_only,
                "cp": a.close_position,
            },
        }

    def _account_update(self, t: int) -> dict[str, Any]:
        account = self.venue.account()
        positions = self.venue.positions()
        qty = sum((p.qty for p in positions), Decimal(0))
        entry = next((p.average_price for p in positions if p.average_price), None)
        return {
            "e": "ACCOUNT_UPDATE",
            "E": t,
            "T": t,
            "a": {
                "m": "ORDER",
                "B": [
                    {
                        "a": self.spec.quote,
                        "wb": text(account.balance),
                        "cw": text(account.balance),
                        "bc": "0",
                    }
                ],
                "P": [
                    {
                        "s": self.spec.symbol,
                        "pa": text(qty),
                        "ep": text(entry),
                        "up": "0",
                        "mt": "cross",
                        "iw": "0",
                        "ps": "BOTH",
                    }
                ],
            },
        }

    def _push(self, kind: str, frame: dict[str, Any]) -> None:
        data = json.dumps(frame)
        for conn in [c for c in self._conns if c.kind == kind]:
            if kind == "user" and conn.key in self.faults.silent_keys:
                continue
            try:
                conn.ws.send(data)
                conn.sent += 1
            except Exception:  # a connection that just closed: the frame is lost, as live
                pass

    # --- streams ----------------------------------------------------------------------------

    def _admit(self, ws: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?")[0]
        if self._refuse_streams:
            return ws.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "streams are down\n")
        name = path.removeprefix("/ws/")
        if "@kline_" in name:
            kind, key = "market", name
        elif name in self.listen_keys:
            kind, key = "user", name
        else:
            return ws.respond(http.HTTPStatus.BAD_REQUEST, "invalid listenKey\n")
        with self.lock:
            self._conns.append(_Conn(ws, kind, key))
        return None

    def _stream(self, ws: ServerConnection) -> None:
        try:
            for _ in ws:
                pass
        except Exception:
            pass
        finally:
            with self.lock:
                self._conns = [c for c in self._conns if c.ws is not ws]

    # --- REST -------------------------------------------------------------------------------

    def _now_ms(self) -> int:
        return int(time.time() * 1000)

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def handle(self, method: str, path: str, query: str, body: str, key: str | None) -> Any:
        self.requests.append((method, path))
        params = dict(parse_qsl(query + ("&" if query and body else "") + body))
        self.received.append((method, path, params))
        route = _ROUTES.get((method, path))
        if route is None:
            raise ApiError(404, -1000, f"no route {method} {path}")
        fn, signed = route
        if (signed or path.endswith("listenKey")) and key != self.api_key:
            raise ApiError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        if signed:
            self._check_signature(query, body)
            self._check_time(params)
            if self.faults.next_request:
                fault = self.faults.next_request.popleft()
                if fault in ("429", "418"):
                    raise ApiError(int(fault), -1003, "Too many requests; IP banned until soon.")
        with self.lock:
            return fn(self, params)

    def _check_signature(self, query: str, body: str) -> None:
        total = query + body
        payload, _, signature = total.rpartition("&signature=")
        want = hmac.new(self.api_secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not payload or not hmac.compare_digest(want, signature):
            raise ApiError(401, -1022, "Signature for this request is not valid.")

    def _check_time(self, params: dict[str, str]) -> None:
        now = self._now_ms() + self.faults.clock_skew_ms
        window = int(params.get("recvWindow", "5000"))
        stamp = int(params.get("timestamp", "0"))
        if stamp > now + 1000 or now - stamp > window:
            raise ApiError(400, -1021, "Timestamp for this request is outside of the recvWindow.")

    def _symbol(self, params: dict[str, str]) -> SymbolSpec:
        spec = self.specs.get(params.get("symbol", ""))
        if spec is None or spec is not self.spec:
            raise ApiError(400, -1121, "Invalid symbol.")
        return spec

    def _check_filters(self, spec: SymbolSpec, qty: Decimal, price: Decimal | None) -> None:
        if qty % spec.step != 0:
            raise ApiError(400, -1111, "Precision is over the maximum defined for this asset.")
        if qty < spec.min_qty:
            raise ApiError(400, -4003, "Quantity less than or equal to zero.")
        if price is not None and price % spec.tick != 0:
            raise ApiError(400, -4014, "Price not increased by tick size.")

    def _check_notional(
        self, spec: SymbolSpec, qty: Decimal, price: Decimal | None, reduce: bool
    ) -> None:
        reference = price or (self.bars[-1].close if self.bars else None)
        if reference is not None and not reduce and qty * reference < spec.min_notional:
            raise ApiError(
                400,
                -4164,
                f"Order's notional must be no smaller than {spec.min_notional} "
                "(unless you choose reduce only).",
            )

    def _placement_fault(self) -> str:
        return self.faults.next_order.popleft() if self.faults.next_order else ""

    def _open_ids(self) -> set[str]:
        ids = {o.client_id for o in self.orders.values() if o.status in ("NEW", "PARTIALLY_FILLED")}
        return ids | {a.client_id for a in self.algos.values() if a.status == "NEW"}

    def _place(self, internal: Order, fault: str) -> int:
        if fault.startswith("reject:"):
            raise ApiError(400, -2010, fault.removeprefix("reject:"))
        if fault in ("lost", "-1007-lost"):
            self._rest_rejected.add(internal.id)
            raise (
                _Drop()
                if fault == "lost"
                else ApiError(
                    408,
                    -1007,
                    "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
                )
            )
        self._placing = internal.id
        try:
            self.venue.submit(internal)
        except OrderRejected as exc:
            raise ApiError(400, -2010, exc.reason) from None
        finally:
            self._placing = ""

        report = self.venue.lookup(internal.id)
        if report is not None and report.status is OrderStatus.REJECTED:
            self._rest_rejected.add(internal.id)
            raise ApiError(400, -2019, "Margin is insufficient.")
        assert report is not None
        t = ms(report.time) + 4 * report.seq
        self._placed_ms = ms(report.time)
        if fault == "placed":
            raise _Drop()
        if fault == "503":
            raise ApiError(
                503, -1000, "Unknown error, please check your request or try again later."
            )
        if fault == "-1006":
            raise ApiError(
                500,
                -1006,
                "An unexpected response was received from the message bus. Execution status unknown.",
            )
        return t

    def post_order(self, p: dict[str, str]) -> Any:
        spec = self._symbol(p)
        kind = p.get("type", "")
        if kind not in PLAIN_TYPES:
            raise ApiError(400, -1116, "Invalid orderType.")
        cid = p.get("newClientOrderId", "")
        if cid in self._open_ids():
            raise ApiError(400, -4116, "ClientOrderId is duplicated.")
        qty = Decimal(p["quantity"])
        price = Decimal(p["price"]) if "price" in p else None
        reduce = p.get("reduceOnly", "false").lower() == "true"
        self._check_filters(spec, qty, price)
        self._check_notional(spec, qty, price, reduce)
        fault = self._placement_fault()
        oid = self._next_id()
        now = self._now_ms()
        o = FakeOrder(oid, cid, spec.symbol, p["side"], kind, qty, price, reduce, now, now)
        self.orders[oid] = o
        side = Side.BUY if p["side"] == "BUY" else Side.SELL
        internal = Order(str(oid), side, PLAIN_TYPES[kind], qty, price=price, reduce_only=reduce)
        try:
            o.update_time = self._place(internal, fault)
            o.time = self._placed_ms
        except (ApiError, _Drop) as exc:
            if internal.id in self._rest_rejected or getattr(exc, "code", 0) == -2010:
                del self.orders[oid]
            raise
        return o.json()

    def post_algo(self, p: dict[str, str]) -> Any:
        spec = self._symbol(p)
        kind = p.get("type", "")
        if kind not in ALGO_TYPES or p.get("algoType") != "CONDITIONAL":
            raise ApiError(400, -1116, "Invalid orderType.")
        cid = p.get("clientAlgoId", "")
        if cid in self._open_ids():
            raise ApiError(400, -4116, "ClientOrderId is duplicated.")
        qty = Decimal(p["quantity"])
        trigger = Decimal(p["triggerPrice"]) if "triggerPrice" in p else None
        price = Decimal(p["price"]) if "price" in p else None
        rate = Decimal(p["callbackRate"]) if "callbackRate" in p else None
        reduce = p.get("reduceOnly", "false").lower() == "true"
        self._check_filters(spec, qty, price)
        if trigger is not None and trigger % spec.tick != 0:
            raise ApiError(400, -4014, "Price not increased by tick size.")
        self._check_notional(spec, qty, trigger, reduce)
        fault = self._placement_fault()
        aid = self._next_id()
        now = self._now_ms()
        a = FakeAlgo(
            aid,
            cid,
            spec.symbol,
            p["side"],
            kind,
            qty,
            trigger,
            price,
            rate,
            reduce,
            p.get("closePosition", "false").lower() == "true",
            now,
            now,
        )
        self.algos[aid] = a
        side = Side.BUY if p["side"] == "BUY" else Side.SELL
        domain = ALGO_TYPES[kind]
        fields: dict[str, Any] = {}
        if domain is OrderType.TRAILING_STOP:
            fields["trail"] = Trail.ratio(rate or Decimal(1))
        else:
            fields["trigger"] = trigger
            if domain in (OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED):
                fields["price"] = price
        internal = Order(f"A{aid}", side, domain, qty, reduce_only=reduce, **fields)
        try:
            a.update_time = self._place(internal, fault)
            a.time = self._placed_ms
        except (ApiError, _Drop) as exc:
            if internal.id in self._rest_rejected or getattr(exc, "code", 0) == -2010:
                del self.algos[aid]
            raise
        return a.json()

    def _find_order(self, p: dict[str, str]) -> FakeOrder:
        self._symbol(p)
        if "orderId" in p:
            o = self.orders.get(int(p["orderId"]))
        else:
            found = [o for o in self.orders.values() if o.client_id == p.get("origClientOrderId")]
            o = found[-1] if found else None
        if o is None:
            raise ApiError(400, -2013, "Order does not exist.")
        return o

    def _find_algo(self, p: dict[str, str]) -> FakeAlgo:
        if "algoId" in p:
            a = self.algos.get(int(p["algoId"]))
        else:
            found = [a for a in self.algos.values() if a.client_id == p.get("clientAlgoId")]
            a = found[-1] if found else None
        if a is None:
            raise ApiError(400, -2013, "Order does not exist.")
        return a

    def get_order(self, p: dict[str, str]) -> Any:
        return self._find_order(p).json()

    def get_algo(self, p: dict[str, str]) -> Any:
        return self._find_algo(p).json()

    def delete_order(self, p: dict[str, str]) -> Any:
        try:
            o = self._find_order(p)
        except ApiError:
            raise ApiError(400, -2011, "Unknown order sent.") from None
        if o.status not in ("NEW", "PARTIALLY_FILLED"):
            raise ApiError(400, -2011, "Unknown order sent.")
        internal = str(o.order_id) if o.algo_id is None else f"A{o.algo_id}"
        self.venue.cancel(internal)
        report = self.venue.lookup(internal)
        if report is not None and report.status is OrderStatus.CANCELLED:
            o.status = "CANCELED"
            o.update_time = max(o.update_time, ms(report.time) + 4 * report.seq)
        return o.json()

    def delete_algo(self, p: dict[str, str]) -> Any:
        try:
            a = self._find_algo(p)
        except ApiError:
            raise ApiError(400, -2011, "Unknown order sent.") from None
        if a.status != "NEW":
            raise ApiError(400, -2011, "Unknown order sent.")
        internal = f"A{a.algo_id}"
        self.venue.cancel(internal)
        report = self.venue.lookup(internal)
        if report is not None and report.status is OrderStatus.CANCELLED and a.actual is None:
            a.status = "CANCELED"
            a.update_time = ms(report.time) + 4 * report.seq
        return {"algoId": a.algo_id, "clientAlgoId": a.client_id, "code": "200", "msg": "success"}

    def put_order(self, p: dict[str, str]) -> Any:
        o = self._find_order(p)
        if o.type != "LIMIT":
            raise ApiError(400, -4134, "Only LIMIT orders can be modified.")
        if o.status not in ("NEW", "PARTIALLY_FILLED"):
            raise ApiError(400, -2013, "Order does not exist.")
        qty, price = Decimal(p["quantity"]), Decimal(p["price"])
        self._check_filters(self._symbol(p), qty, price)
        try:
            self.venue.amend(str(o.order_id), price=price, qty=qty)
        except OrderRejected as exc:
            raise ApiError(400, -4028, exc.reason) from None
        report = self.venue.lookup(str(o.order_id))
        assert report is not None
        o.qty, o.price = report.order.qty, report.order.price
        o.update_time = ms(report.time) + 4 * report.seq
        return o.json()

    def open_orders(self, p: dict[str, str]) -> Any:
        return [o.json() for o in self.orders.values() if o.status in ("NEW", "PARTIALLY_FILLED")]

    def open_algos(self, p: dict[str, str]) -> Any:
        return [a.json() for a in self.algos.values() if a.status == "NEW"]

    def position_risk(self, p: dict[str, str]) -> Any:
        out = []
        for pos in self.venue.positions():
            out.append(
                {
                    "symbol": self.spec.symbol,
                    "positionSide": "BOTH",
                    "positionAmt": text(pos.qty),
                    "entryPrice": text(pos.average_price),
                    "markPrice": text(self.bars[-1].close if self.bars else None),
                    "unRealizedProfit": "0",
                    "liquidationPrice": "0",
                    "notional": "0",
                    "marginAsset": self.spec.quote,
                    "updateTime": self._now_ms(),
                }
            )
        return out

    def user_trades(self, p: dict[str, str]) -> Any:
        self._symbol(p)
        start = int(p.get("fromId", "0"))
        limit = int(p.get("limit", "500"))
        return [t for t in self.trades if t["id"] >= start][:limit]

    def balance(self, p: dict[str, str]) -> Any:
        account = self.venue.account()
        return [
            {
                "accountAlias": "fake",
                "asset": self.spec.quote,
                "balance": text(account.balance),
                "crossWalletBalance": text(account.balance),
                "crossUnPnl": text(account.equity - account.balance),
                "availableBalance": text(account.margin_available or account.equity),
                "maxWithdrawAmount": text(account.margin_available or account.equity),
                "marginAvailable": True,
                "updateTime": self._now_ms(),
            }
        ]

    def account(self, p: dict[str, str]) -> Any:
        account = self.venue.account()
        return {
            "totalWalletBalance": text(account.balance),
            "totalMarginBalance": text(account.equity),
            "totalInitialMargin": text(account.margin_used),
            "availableBalance": text(account.margin_available or account.equity),
            "assets": self.balance(p),
            "positions": [],
        }

    def exchange_info(self, p: dict[str, str]) -> Any:
        symbols = []
        for s in self.specs.values():
            symbols.append(
                {
                    "symbol": s.symbol,
                    "pair": s.symbol,
                    "contractType": "PERPETUAL",
                    "status": "TRADING",
                    "baseAsset": s.base,
                    "quoteAsset": s.quote,
                    "marginAsset": s.quote,
                    "pricePrecision": max(-s.tick.as_tuple().exponent, 0),  # type: ignore[operator]
                    "quantityPrecision": max(-s.step.as_tuple().exponent, 0),  # type: ignore[operator]
                    "filters": [
                        {
                            "filterType": "PRICE_FILTER",
                            "minPrice": text(s.tick),
                            "maxPrice": "1000000",
                            "tickSize": text(s.tick),
                        },
                        {
                            "filterType": "LOT_SIZE",
                            "minQty": text(s.min_qty),
                            "maxQty": "100000000",
                            "stepSize": text(s.step),
                        },
                        {
                            "filterType": "MARKET_LOT_SIZE",
                            "minQty": text(s.min_qty),
                            "maxQty": "10000000",
                            "stepSize": text(s.step),
                        },
                        {"filterType": "MIN_NOTIONAL", "notional": text(s.min_notional)},
                    ],
                    "orderTypes": [
                        "LIMIT",
                        "MARKET",
                        "STOP",
                        "STOP_MARKET",
                        "TAKE_PROFIT",
                        "TAKE_PROFIT_MARKET",
                        "TRAILING_STOP_MARKET",
                    ],
                    "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
                }
            )
        return {
            "timezone": "UTC",
            "serverTime": self._now_ms(),
            "rateLimits": [],
            "symbols": symbols,
        }

    def leverage_bracket(self, p: dict[str, str]) -> Any:
        out = []
        for s in self.specs.values():
            if p.get("symbol") and p["symbol"] != s.symbol:
                continue
            floor = Decimal(0)
            brackets = []
            for i, (lev, cap) in enumerate(s.brackets, start=1):
                brackets.append(
                    {
                        "bracket": i,
                        "initialLeverage": lev,
                        "notionalCap": int(cap),
                        "notionalFloor": int(floor),
                        "maintMarginRatio": 0.004,
                        "cum": 0.0,
                    }
                )
                floor = cap
            out.append({"symbol": s.symbol, "brackets": brackets})
        return out

    def klines(self, p: dict[str, str]) -> Any:
        if p.get("symbol") not in self.specs:
            raise ApiError(400, -1121, "Invalid symbol.")
        limit = int(p.get("limit", "500"))
        rows = []
        for bar in self.bars[-limit:]:
            rows.append(
                [
                    ms(bar.open_time),
                    text(bar.open),
                    text(bar.high),
                    text(bar.low),
                    text(bar.close),
                    text(bar.volume or Decimal(0)),
                    ms(bar.close_time) - 1,
                    "0",
                    1,
                    "0",
                    "0",
                    "0",
                ]
            )
        return rows

    def book_ticker(self, p: dict[str, str]) -> Any:
        if not self.bars:
            return {
                "symbol": self.spec.symbol,
                "bidPrice": "0",
                "askPrice": "0",
                "time": self._now_ms(),
            }
        bar = self.bars[-1]
        return {
            "symbol": self.spec.symbol,
            "bidPrice": text(bar.close),
            "bidQty": "1",
            "askPrice": text(bar.close + bar.spread),
            "askQty": "1",
            "time": ms(bar.close_time),
        }

    def server_time(self, p: dict[str, str]) -> Any:
        return {"serverTime": self._now_ms() + self.faults.clock_skew_ms}

    def ping(self, p: dict[str, str]) -> Any:
        return {}

    def new_listen_key(self, p: dict[str, str]) -> Any:
        live = sorted(self.listen_keys)
        if live:
            return {"listenKey": live[0]}
        key = hashlib.sha256(f"{self.api_key}{self._next_id()}".encode()).hexdigest()
        self.listen_keys.add(key)
        return {"listenKey": key}

    def keepalive(self, p: dict[str, str]) -> Any:
        if p.get("listenKey") not in self.listen_keys:
            raise ApiError(400, -1125, "This listenKey does not exist.")
        return {}

    def close_listen_key(self, p: dict[str, str]) -> Any:
        self.listen_keys.discard(p.get("listenKey", ""))
        return {}


class _Drop(Exception):
    """The request was taken (or not) and the connection dies without an answer."""


F = FakeBinance
_ROUTES: dict[tuple[str, str], tuple[Callable[[FakeBinance, dict[str, str]], Any], bool]] = {
    ("GET", "/fapi/v1/ping"): (F.ping, False),
    ("GET", "/fapi/v1/time"): (F.server_time, False),
    ("GET", "/fapi/v1/exchangeInfo"): (F.exchange_info, False),
    ("GET", "/fapi/v1/klines"): (F.klines, False),
    ("GET", "/fapi/v1/ticker/bookTicker"): (F.book_ticker, False),
    ("GET", "/fapi/v1/leverageBracket"): (F.leverage_bracket, True),
    ("POST", "/fapi/v1/order"): (F.post_order, True),
    ("GET", "/fapi/v1/order"): (F.get_order, True),
    ("DELETE", "/fapi/v1/order"): (F.delete_order, True),
    ("PUT", "/fapi/v1/order"): (F.put_order, True),
    ("POST", "/fapi/v1/algoOrder"): (F.post_algo, True),
    ("GET", "/fapi/v1/algoOrder"): (F.get_algo, True),
    ("DELETE", "/fapi/v1/algoOrder"): (F.delete_algo, True),
    ("GET", "/fapi/v1/openOrders"): (F.open_orders, True),
    ("GET", "/fapi/v1/openAlgoOrders"): (F.open_algos, True),
    ("GET", "/fapi/v3/positionRisk"): (F.position_risk, True),
    ("GET", "/fapi/v1/userTrades"): (F.user_trades, True),
    ("GET", "/fapi/v3/balance"): (F.balance, True),
    ("GET", "/fapi/v2/account"): (F.account, True),
    ("POST", "/fapi/v1/listenKey"): (F.new_listen_key, False),
    ("PUT", "/fapi/v1/listenKey"): (F.keepalive, False),
    ("DELETE", "/fapi/v1/listenKey"): (F.close_listen_key, False),
}


def _handler(fake: FakeBinance) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16  # one write per answer (headers and body), flushed by the server

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            try:
                result = fake.handle(
                    self.command, url.path, url.query, body, self.headers.get("X-MBX-APIKEY")
                )
                status, payload = 200, json.dumps(result)
            except ApiError as exc:
                status, payload = exc.status, json.dumps({"code": exc.code, "msg": exc.msg})
            except _Drop:
                self.close_connection = True
                self.connection.close()
                return
            data = payload.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-MBX-USED-WEIGHT-1M", str(len(fake.requests) % 2400))
            if status in (429, 418):
                self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler


def now_utc() -> datetime:
    return datetime.now(UTC)
