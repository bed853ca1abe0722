"""A fake OANDA v20 on 127.0.0.1: REST and the two streams, as the real `oandapyV20` calls them.

One `ThreadingHTTPServer` on port 0 serves both the API and the stream host (the SDK takes one
base URL for each: `TRADING_ENVIRONMENTS`). It checks the Bearer token (a wrong one gets 401, as
OANDA answers), keeps one account (`fake_oanda_book.Book`) whose matching is the paper venue's,
and streams transactions and prices as OANDA does: chunked, one JSON object per line, with
heartbeats (`HEARTBEAT` on the pricing stream, `TRANSACTION_HEARTBEAT` with `lastTransactionID`
on the transaction stream). What it does not model: hedging accounts, guaranteed stops,
financing, dependent orders other than what `*OnFill` records, more than one account.

Driving it: `step(rows)` makes the venue process bars (fills become ORDER_FILL transactions) and
streams each bar as four prices (open, high, low, close at +0/+15/+30/+45 s) and a heartbeat at
the bar's close. Faults (`faults.*`, `disconnect`, `stop_heartbeats`, ...) are what the
conformance suite and the OANDA fault tests inject.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from fake_oanda_book import Book, FakeOrder, Json, paper_order, text, wire_time

from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.orders.model import OrderEvent
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.ports.live import OrderRejected

TOKEN = "fake-oanda-token-5f3e9c1b7a2d"
ACCOUNT = "101-001-1234567-001"


@dataclass(frozen=True)
class FakeInstrument:
    name: str
    pip_location: int
    display_precision: int
    margin_rate: str = "0.05"
    trade_units_precision: int = 0
    minimum_trade_size: str = "1"
    maximum_order_units: str = "100000000"

    def as_json(self) -> Json:
        base, quote = self.name.split("_")
        return {
            "name": self.name,
            "type": "CURRENCY",
            "displayName": f"{base}/{quote}",
            "pipLocation": self.pip_location,
            "displayPrecision": self.display_precision,
            "tradeUnitsPrecision": self.trade_units_precision,
            "minimumTradeSize": self.minimum_trade_size,
            "maximumTrailingStopDistance": "100.000",
            "minimumTrailingStopDistance": "0.050",
            "maximumPositionSize": "0",
            "maximumOrderUnits": self.maximum_order_units,
            "marginRate": self.margin_rate,
        }


@dataclass(frozen=True)
class FakePrice:
    """A quote for PricingInfo, with OANDA's conversion factors into the account currency."""

    bid: str
    ask: str
    positive_units: str = "1.0"
    negative_units: str = "1.0"
    units_available: str | None = None


@dataclass
class Faults:
    timeout_submit: bool | None = None  # placed? for the next OrderCreate
    timeout_delay: float = 0.0
    fail_after_create: int | None = None  # an HTTP status after the order was created
    reject_reason: str | None = None
    refuse_market: str | None = None  # the next MARKET order: created and cancelled (FOK)
    fill_market_now: bool = False  # MARKET orders fill in their own batch, as OANDA's do
    duplicate: bool = False
    reorder: bool = False
    heartbeats: bool = True
    down: bool = False  # disconnected: streams cut, every request refused


@dataclass
class _Stream:
    kind: str  # "transactions" or "pricing"
    lines: queue.Queue[bytes | None] = field(default_factory=queue.Queue)


JPY_INSTRUMENTS = {
    "USD_JPY": FakeInstrument("USD_JPY", -2, 3),
    "EUR_JPY": FakeInstrument("EUR_JPY", -2, 3),
    "EUR_USD": FakeInstrument("EUR_USD", -4, 5),
    "EUR_GBP": FakeInstrument("EUR_GBP", -4, 5),
}


class FakeOanda:
    """The fake's state and its server; see the module docstring."""

    def __init__(
        self,
        *,
        venue: LivePaperVenue | None = None,
        currency: str = "JPY",
        balance: Decimal = Decimal(100_000_000),
        instruments: dict[str, FakeInstrument] | None = None,
        prices: dict[str, FakePrice] | None = None,
        token: str = TOKEN,
        account_id: str = ACCOUNT,
        heartbeat: float = 0.05,
        margin_available: Decimal | None = None,
    ) -> None:
        self.token = token
        self.venue = venue
        self.venue_name = venue.instrument.symbol.replace("/", "_") if venue else ""
        self.instruments = dict(instruments or JPY_INSTRUMENTS)
        self.prices = dict(prices or {})
        self.heartbeat = heartbeat
        self.margin_available = margin_available
        # The venue instrument's quoteHomeConversionFactors (positiveUnits, negativeUnits),
        # sent with its prices on PricingInfo and the pricing stream, as OANDA sends them.
        self.home_factors = ("1.0", "1.0")
        self.book = Book(account_id, currency, balance, self.venue_name)
        self.faults = Faults()
        self.lock = threading.RLock()
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self._streams: list[_Stream] = []
        self._published = 0
        self._written_max = 0
        self._held: list[Json] = []
        self._capture: list[OrderUpdate] | None = None
        self._last_price: Json | None = None
        self._market_time = datetime(2025, 1, 6, tzinfo=UTC)
        self._closing = threading.Event()
        if venue is not None:
            venue.connect(self)
            self._market_time = venue.bar(0).open_time if venue.rows else self._market_time
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._beat = threading.Thread(target=self._heartbeats, daemon=True)

    # --- life ---------------------------------------------------------------------------------

    def start(self) -> str:
        """Serve; returns the base URL (the same for the API and the stream host)."""
        self._thread.start()
        self._beat.start()
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self._closing.set()
        self._cut_streams()
        self.server.shutdown()
        self.server.server_close()

    # --- what a test sees ---------------------------------------------------------------------

    @property
    def last_written(self) -> int:
        """The last transaction id the transaction streams have been sent."""
        return self._written_max

    @property
    def market_time(self) -> datetime:
        return self._market_time

    @property
    def stream_count(self) -> int:
        with self.lock:
            return len(self._streams)

    def environ(self, **extra: str) -> dict[str, str]:
        """The settings a client of this fake needs (what a user puts in the environment)."""
        return {
            "OANDA_TOKEN": self.token,
            "OANDA_ACCOUNT_ID": self.book.account_id,
            "OANDA_ENV": "practice",
            "OANDA_API_URL": self.url,
            "OANDA_STREAM_URL": self.url,
            **extra,
        }

    # --- driving ------------------------------------------------------------------------------

    def step(self, rows: int = 1) -> None:
        assert self.venue is not None
        for _ in range(rows):
            with self.lock:
                row = self.venue.cursor
                if row >= self.venue.rows:
                    return
                self.venue.step()
                self._publish()
                self._flush_held()
                bar = self.venue.bar(row)
                spread = bar.spread
                start = bar.open_time
                for offset, price in enumerate((bar.open, bar.high, bar.low, bar.close)):
                    moment = start + timedelta(seconds=15 * offset)
                    self._price(moment, price, price + spread)
                self._market_time = bar.close_time
                self._beat_now()

    def close_trade_by_hand(self, trade_id: str) -> Json:
        """The trader closes a trade on OANDA's site: a MARKET_ORDER (TRADE_CLOSE) and its fill,
        with no client id (LIVE.md 6.9)."""
        return self._close_trade(trade_id, "TRADE_CLOSE", "MARKET_ORDER_TRADE_CLOSE")

    def margin_closeout(self) -> list[Json]:
        """OANDA closes every open trade for lack of margin (SEMANTICS section 1: the slot
        stops)."""
        with self.lock:
            ids = [t.id for t in self.book.open_trades()]
        return [
            self._close_trade(i, "MARGIN_CLOSEOUT", "MARKET_ORDER_MARGIN_CLOSEOUT") for i in ids
        ]

    def _close_trade(self, trade_id: str, order_reason: str, fill_reason: str) -> Json:
        with self.lock:
            trade = self.book.trades[trade_id]
            moment = self._market_time
            units = -trade.units
            order_tx = self.book.add(
                {
                    "type": "MARKET_ORDER",
                    "instrument": trade.instrument,
                    "units": text(units),
                    "timeInForce": "FOK",
                    "positionFill": "REDUCE_ONLY",
                    "reason": order_reason,
                    "tradeClose": {"tradeID": trade.id, "units": "ALL"},
                },
                moment,
            )
            quote = self.venue.quote() if self.venue else None
            price = (
                (quote.bid if units < 0 else quote.ask)
                if quote
                else Decimal(self.prices[trade.instrument].bid)
            )
            gain = (price - trade.price) * trade.units
            trade.units, trade.state = Decimal(0), "CLOSED"
            self.book.balance += gain
            fill = self.book.add(
                {
                    "type": "ORDER_FILL",
                    "orderID": order_tx["id"],
                    "instrument": trade.instrument,
                    "units": text(units),
                    "price": text(price),
                    "reason": fill_reason,
                    "pl": text(gain),
                    "accountBalance": text(self.book.balance),
                    "tradesClosed": [
                        {"tradeID": trade.id, "units": text(units), "realizedPL": text(gain)}
                    ],
                },
                moment,
            )
            self._publish()
            self._flush_held()
            self._beat_now()
            return fill

    # --- faults -------------------------------------------------------------------------------

    def disconnect(self) -> None:
        with self.lock:
            self.faults.down = True
            self._cut_streams()

    def reconnect(self) -> None:
        with self.lock:
            self.faults.down = False

    def stop_heartbeats(self) -> None:
        self.faults.heartbeats = False

    def resume_heartbeats(self) -> None:
        self.faults.heartbeats = True

    def _cut_streams(self) -> None:
        with self.lock:
            for stream in self._streams:
                stream.lines.put(None)
            self._streams.clear()
            self._held.clear()

    # --- the paper venue's reports (its listener) ---------------------------------------------

    def on_order_update(self, update: OrderUpdate) -> None:
        with self.lock:
            if self._capture is not None:
                self._capture.append(update)
                return
            self._apply(update)

    def on_price_touch(self, touch: PriceTouch) -> None:  # the fake watches nothing
        pass

    def _apply(self, update: OrderUpdate) -> None:
        order_id = self.book.by_paper.get(update.order.id)
        if order_id is None:
            return
        order = self.book.orders[order_id]
        moment = update.time
        if update.kind in (OrderEvent.FILLED, OrderEvent.PARTIALLY_FILLED):
            self.book.fill(order, update, moment)
        elif update.kind is OrderEvent.CANCELLED and order.state == "PENDING":
            self.book.cancel(order, "CLIENT_REQUEST", moment)
        elif update.kind is OrderEvent.EXPIRED and order.state == "PENDING":
            self.book.cancel(order, "TIME_IN_FORCE_EXPIRED", moment)
        elif update.kind is OrderEvent.REJECTED and order.state == "PENDING":
            self.book.cancel(order, "INSUFFICIENT_MARGIN", moment)

    # --- the REST endpoints -------------------------------------------------------------------

    def now(self) -> datetime:
        return self._market_time

    def create_order(self, body: Json) -> tuple[int, Json]:
        spec = dict(body.get("order", {}))
        with self.lock:
            moment = self.now()
            client_id = str(spec.get("clientExtensions", {}).get("id", ""))
            reason = self.faults.reject_reason
            self.faults.reject_reason = None
            if not reason and client_id and client_id in self.book.by_client:
                reason = "CLIENT_ORDER_ID_ALREADY_EXISTS"
            if not reason and spec.get("type") not in (
                "MARKET",
                "LIMIT",
                "STOP",
                "MARKET_IF_TOUCHED",
            ):
                reason = "INVALID_ORDER_TYPE"
            if not reason and spec.get("instrument") != self.venue_name:
                reason = "INSTRUMENT_NOT_TRADEABLE"
            if not reason:
                reason = self._precision_problem(spec)
            if reason:
                return self._rejected(spec, reason, moment)
            paper_id = client_id or f"oanda-{self.book.last_id + 1}"
            refusal = self.faults.refuse_market
            if refusal and spec.get("type") == "MARKET":
                self.faults.refuse_market = None
                tx = self.book.create(spec, paper_id, moment)
                order = self.book.orders[tx["id"]]
                cancel = self.book.cancel(order, refusal, moment, batch=tx["id"])
                self._publish()
                return 201, {
                    "orderCreateTransaction": tx,
                    "orderCancelTransaction": cancel,
                    "relatedTransactionIDs": [tx["id"], cancel["id"]],
                    "lastTransactionID": str(self.book.last_id),
                }
            assert self.venue is not None
            if self.faults.fill_market_now and spec.get("type") == "MARKET":
                return self._fill_now(spec, paper_id, moment)
            self._capture = []
            try:
                self.venue.submit(paper_order(spec, paper_id))
            except OrderRejected as exc:
                self._capture = None
                return self._rejected(spec, exc.reason, moment)
            captured, self._capture = self._capture, None
            refused = [u for u in captured if u.kind is OrderEvent.REJECTED]
            if refused:
                return self._rejected(spec, "INSUFFICIENT_MARGIN", moment, refused[0].reason)
            tx = self.book.create(spec, paper_id, moment)
            for update in captured:
                self._apply(update)
            self._publish()
            return 201, {
                "orderCreateTransaction": tx,
                "relatedTransactionIDs": [tx["id"]],
                "lastTransactionID": str(self.book.last_id),
            }

    def _fill_now(self, spec: Json, paper_id: str, moment: datetime) -> tuple[int, Json]:
        """OANDA's own market order: created and filled at the quote in one batch (outside the
        paper venue, which fills at the next bar)."""
        assert self.venue is not None
        quote = self.venue.quote()
        assert quote is not None
        tx = self.book.create(spec, paper_id, moment)
        order = self.book.orders[tx["id"]]
        paper = paper_order(spec, paper_id)
        price = quote.ask if paper.side.value == "buy" else quote.bid
        update = OrderUpdate(
            OrderEvent.FILLED,
            paper,
            moment,
            fill_price=price,
            fill_qty=paper.qty,
            bid=quote.bid,
            ask=quote.ask,
        )
        fill = self.book.fill(order, update, moment, batch=tx["id"])
        self._publish()
        return 201, {
            "orderCreateTransaction": tx,
            "orderFillTransaction": fill,
            "relatedTransactionIDs": [tx["id"], fill["id"]],
            "lastTransactionID": str(self.book.last_id),
        }

    def _precision_problem(self, spec: Json) -> str:
        instrument = self.instruments.get(spec.get("instrument", ""))
        if instrument is None:
            return "INSTRUMENT_NOT_TRADEABLE"
        units = Decimal(str(spec.get("units", "0")))
        if units == 0 or units != units.to_integral_value() or not isinstance(spec["units"], str):
            return "UNITS_INVALID"
        price = spec.get("price")
        if price is not None:
            if not isinstance(price, str):
                return "PRICE_INVALID"
            if -Decimal(price).as_tuple().exponent > instrument.display_precision:  # type: ignore[operator]
                return "PRICE_PRECISION_EXCEEDED"
        return ""

    def _rejected(
        self, spec: Json, reason: str, moment: datetime, message: str = ""
    ) -> tuple[int, Json]:
        tx = self.book.reject(spec, reason, moment)
        self._publish()
        return 400, {
            "orderRejectTransaction": tx,
            "relatedTransactionIDs": [tx["id"]],
            "lastTransactionID": str(self.book.last_id),
            "errorCode": reason,
            "errorMessage": message or reason,
        }

    def _missing(self, specifier: str, kind: str) -> tuple[int, Json]:
        tx = self.book.add(
            {"type": kind, "orderID": specifier, "rejectReason": "ORDER_DOESNT_EXIST"}, self.now()
        )
        self._publish()
        return 404, {
            f"{'orderCancelRejectTransaction' if kind == 'ORDER_CANCEL_REJECT' else 'orderRejectTransaction'}": tx,
            "relatedTransactionIDs": [tx["id"]],
            "lastTransactionID": str(self.book.last_id),
            "errorCode": "ORDER_DOESNT_EXIST",
            "errorMessage": "The Order specified does not exist",
        }

    def cancel_order(self, specifier: str) -> tuple[int, Json]:
        with self.lock:
            order = self.book.find(specifier)
            if order is None or order.state != "PENDING":
                return self._missing(specifier, "ORDER_CANCEL_REJECT")
            before = len(self.book.transactions)
            assert self.venue is not None
            self.venue.cancel(order.paper_id)
            if order.state == "PENDING":  # the venue had it filled already
                self.book.cancel(order, "CLIENT_REQUEST", self.now())
            made = self.book.transactions[before:]
            self._publish()
            cancel = next(tx for tx in made if tx["type"] == "ORDER_CANCEL")
            return 200, {
                "orderCancelTransaction": cancel,
                "relatedTransactionIDs": [tx["id"] for tx in made],
                "lastTransactionID": str(self.book.last_id),
            }

    def replace_order(self, specifier: str, body: Json) -> tuple[int, Json]:
        spec = dict(body.get("order", {}))
        with self.lock:
            order = self.book.find(specifier)
            if order is None or order.state != "PENDING":
                return self._missing(specifier, "ORDER_CANCEL_REJECT")
            problem = self._precision_problem(spec)
            if problem or spec.get("type") != order.spec["type"]:
                return self._rejected(spec, problem or "REPLACING_ORDER_INVALID", self.now())
            old = paper_order(order.spec, order.paper_id)
            new = paper_order(spec, order.paper_id)
            assert self.venue is not None
            self._capture = []
            try:
                self.venue.amend(
                    order.paper_id,
                    price=new.price if new.price != old.price else None,
                    trigger=new.trigger if new.trigger != old.trigger else None,
                    qty=new.qty if new.qty != old.qty else None,
                )
            except OrderRejected as exc:
                self._capture = None
                return self._rejected(spec, "REPLACING_ORDER_INVALID", self.now(), exc.reason)
            captured, self._capture = self._capture, None
            moment = self.now()
            cancel = self.book.cancel(order, "CLIENT_REQUEST_REPLACED", moment)
            create = self.book.create(spec, order.paper_id, moment, replacesOrderID=order.id)
            cancel["replacedByOrderID"] = create["id"]
            order.replaced_by = create["id"]
            self.book.orders[create["id"]].filled_units = order.filled_units
            for update in captured:
                if update.kind is not OrderEvent.AMENDED:
                    self._apply(update)
            self._publish()
            return 201, {
                "orderCancelTransaction": cancel,
                "orderCreateTransaction": create,
                "relatedTransactionIDs": [cancel["id"], create["id"]],
                "lastTransactionID": str(self.book.last_id),
            }

    def account_summary(self) -> Json:
        with self.lock:
            balance = self.book.balance
            available = self.margin_available if self.margin_available is not None else balance
            return {
                "account": {
                    "id": self.book.account_id,
                    "alias": "Primary",
                    "currency": self.book.currency,
                    "balance": text(balance),
                    "NAV": text(balance),
                    "unrealizedPL": "0.0000",
                    "marginUsed": "0.0000",
                    "marginAvailable": text(available),
                    "marginRate": "0.05",
                    "openTradeCount": len(self.book.open_trades()),
                    "openPositionCount": len({t.instrument for t in self.book.open_trades()}),
                    "pendingOrderCount": len(self._pending()),
                    "hedgingEnabled": False,
                    "lastTransactionID": str(self.book.last_id),
                },
                "lastTransactionID": str(self.book.last_id),
            }

    def _pending(self) -> list[FakeOrder]:
        return [o for o in self.book.orders.values() if o.state == "PENDING"]

    def pricing(self, names: list[str]) -> Json:
        with self.lock:
            prices = []
            for name in names:
                quote = self._quote(name)
                if quote is None:
                    continue
                prices.append(quote)
            return {"time": wire_time(self.now()), "prices": prices}

    def _quote(self, name: str) -> Json | None:
        if name == self.venue_name and self.venue is not None:
            quote = self.venue.quote()
            if quote is None:
                return None
            body = _price_line(name, quote.time, quote.bid, quote.ask)
            body["quoteHomeConversionFactors"] = self._factors()
            return body
        fixed = self.prices.get(name)
        if fixed is None:
            return None
        body = _price_line(name, self.now(), Decimal(fixed.bid), Decimal(fixed.ask))
        body["quoteHomeConversionFactors"] = {
            "positiveUnits": fixed.positive_units,
            "negativeUnits": fixed.negative_units,
        }
        if fixed.units_available is not None:
            both = {"long": fixed.units_available, "short": fixed.units_available}
            body["unitsAvailable"] = {"default": both, "openOnly": both, "reduceFirst": both}
        return body

    def candles(self, name: str, params: dict[str, str]) -> tuple[int, Json]:
        if self.venue is None or name != self.venue_name:
            return 400, {"errorMessage": f"Invalid value specified for 'instrument': {name}"}
        if params.get("granularity", "S5") != "M1":
            return 400, {"errorMessage": "the fake has one-minute candles only"}
        count = int(params.get("count", "500"))
        with self.lock:
            rows = range(max(self.venue.cursor - count, 0), self.venue.cursor)
            candles = []
            for row in rows:
                bar = self.venue.bar(row)
                candle: Json = {"time": wire_time(bar.open_time), "complete": True, "volume": 4}
                bid = [bar.open, bar.high, bar.low, bar.close]
                ask = [p + bar.spread for p in bid]
                for key, values in (("bid", bid), ("ask", ask)):
                    candle[key] = dict(zip("ohlc", map(text, values), strict=True))
                candle["mid"] = {
                    k: text((Decimal(candle["bid"][k]) + Decimal(candle["ask"][k])) / 2)
                    for k in "ohlc"
                }
                candles.append(candle)
            return 200, {"instrument": name, "granularity": "M1", "candles": candles}

    # --- streams ------------------------------------------------------------------------------

    def open_stream(self, kind: str) -> _Stream:
        with self.lock:
            stream = _Stream(kind)
            self._streams.append(stream)
            if kind == "pricing":
                if self._last_price is not None:
                    stream.lines.put(_line(self._last_price))
                stream.lines.put(_line({"type": "HEARTBEAT", "time": wire_time(self._market_time)}))
            else:
                stream.lines.put(_line(self._tx_heartbeat()))
            return stream

    def drop_stream(self, stream: _Stream) -> None:
        with self.lock:
            if stream in self._streams:
                self._streams.remove(stream)

    def _tx_heartbeat(self) -> Json:
        return {
            "type": "HEARTBEAT",
            "lastTransactionID": str(self._written_max),
            "time": wire_time(self._market_time),
        }

    def _publish(self) -> None:
        """Send the transactions not yet streamed, with the duplicate and reorder faults."""
        fresh = self.book.transactions[self._published :]
        self._published = len(self.book.transactions)
        for tx in fresh:
            if self.faults.reorder and not self._held:
                self._held.append(tx)
                continue
            self._write_tx(tx)
            while self._held:
                self._write_tx(self._held.pop(0))

    def _flush_held(self) -> None:
        while self._held:
            self._write_tx(self._held.pop(0))

    def _write_tx(self, tx: Json) -> None:
        self._written_max = max(self._written_max, int(tx["id"]))
        line = _line(tx)
        for stream in self._streams:
            if stream.kind == "transactions":
                stream.lines.put(line)
                if self.faults.duplicate:
                    stream.lines.put(line)

    def _factors(self) -> Json:
        positive, negative = self.home_factors
        return {"positiveUnits": positive, "negativeUnits": negative}

    def _price(self, moment: datetime, bid: Decimal, ask: Decimal) -> None:
        self._last_price = _price_line(self.venue_name, moment, bid, ask)
        self._last_price["quoteHomeConversionFactors"] = self._factors()
        line = _line(self._last_price)
        for stream in self._streams:
            if stream.kind == "pricing":
                stream.lines.put(line)

    def _beat_now(self) -> None:
        if not self.faults.heartbeats:
            return
        price = _line({"type": "HEARTBEAT", "time": wire_time(self._market_time)})
        for stream in self._streams:
            if stream.kind == "pricing":
                stream.lines.put(price)
            elif not self._held:
                stream.lines.put(_line(self._tx_heartbeat()))

    def _heartbeats(self) -> None:
        while not self._closing.wait(self.heartbeat):
            with self.lock:
                self._beat_now()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that died mid-request (a killed bot) is not the fake's error."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | OSError):
            super().handle_error(request, client_address)


def _price_line(name: str, moment: datetime, bid: Decimal, ask: Decimal) -> Json:
    return {
        "type": "PRICE",
        "time": wire_time(moment),
        "instrument": name,
        "status": "tradeable",
        "tradeable": True,
        "bids": [{"price": text(bid), "liquidity": 10000000}],
        "asks": [{"price": text(ask), "liquidity": 10000000}],
        "closeoutBid": text(bid),
        "closeoutAsk": text(ask),
    }


def _line(body: Json) -> bytes:
    return json.dumps(body).encode() + b"\n"


def _handler(fake: FakeOanda) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK hold every answer back 40 ms.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def _serve(self, method: str) -> None:
            url = urlparse(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            fake.requests.append((method, self.path, dict(self.headers.items()), raw))
            if fake.faults.down:
                self._reply(503, {"errorMessage": "Service unavailable"})
                return
            if self.headers.get("Authorization") != f"Bearer {fake.token}":
                self._reply(
                    401,
                    {
                        "errorMessage": "Insufficient authorization to perform request.",
                    },
                )
                return
            parts = [p for p in url.path.split("/") if p]
            body = json.loads(raw) if raw else {}
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._route(method, parts, params, body)

        def _route(self, method: str, parts: list[str], params: dict[str, str], body: Json) -> None:
            if parts[:2] == ["v3", "instruments"] and parts[3:] == ["candles"]:
                self._reply(*fake.candles(parts[2], params))
                return
            if parts[:2] != ["v3", "accounts"] or len(parts) < 3:
                self._reply(404, {"errorMessage": "no such endpoint"})
                return
            if parts[2] != fake.book.account_id:
                self._reply(400, {"errorMessage": "Invalid value specified for 'accountID'"})
                return
            rest, book = parts[3:], fake.book
            if method == "GET" and rest == ["summary"]:
                self._reply(200, fake.account_summary())
            elif method == "GET" and rest == ["instruments"]:
                names = params.get("instruments", "")
                chosen = (
                    [
                        fake.instruments[n].as_json()
                        for n in names.split(",")
                        if n in fake.instruments
                    ]
                    if names
                    else [i.as_json() for i in fake.instruments.values()]
                )
                self._reply(200, {"instruments": chosen, "lastTransactionID": str(book.last_id)})
            elif method == "GET" and rest == ["pricing"]:
                self._reply(200, fake.pricing(params.get("instruments", "").split(",")))
            elif method == "GET" and rest == ["pricing", "stream"]:
                self._stream(fake.open_stream("pricing"))
            elif method == "GET" and rest == ["transactions", "stream"]:
                self._stream(fake.open_stream("transactions"))
            elif method == "POST" and rest == ["orders"]:
                self._create(body)
            elif method == "GET" and rest in (["orders"], ["pendingOrders"]):
                with fake.lock:
                    orders = [
                        o.as_json()
                        for o in book.orders.values()
                        if rest == ["orders"] or o.state == "PENDING"
                    ]
                self._reply(200, {"orders": orders, "lastTransactionID": str(book.last_id)})
            elif len(rest) >= 2 and rest[0] == "orders":
                self._order(method, rest, body)
            elif method == "GET" and rest in (["trades"], ["openTrades"]):
                with fake.lock:
                    trades = [
                        _trade_json(t)
                        for t in book.trades.values()
                        if rest == ["trades"] or t.state == "OPEN"
                    ]
                self._reply(200, {"trades": trades, "lastTransactionID": str(book.last_id)})
            elif method == "GET" and rest in (["positions"], ["openPositions"]):
                with fake.lock:
                    names = sorted({t.instrument for t in book.trades.values()})
                    positions = [book.position(n) for n in names]
                    if rest == ["openPositions"]:
                        positions = [
                            p
                            for p in positions
                            if p["long"]["units"] != "0" or p["short"]["units"] != "0"
                        ]
                self._reply(200, {"positions": positions, "lastTransactionID": str(book.last_id)})
            elif method == "GET" and rest[:1] == ["transactions"]:
                self._transactions(rest[1:], params)
            else:
                self._reply(404, {"errorMessage": "no such endpoint"})

        def _create(self, body: Json) -> None:
            placed = fake.faults.timeout_submit
            if placed is not None:
                fake.faults.timeout_submit = None
                if placed:
                    fake.create_order(body)
                time.sleep(fake.faults.timeout_delay)
                self._drop()
                return
            status, answer = fake.create_order(body)
            fail = fake.faults.fail_after_create
            if fail is not None and status == 201:
                fake.faults.fail_after_create = None
                self._reply(fail, {"errorMessage": "Service unavailable"})
                return
            self._reply(status, answer)

        def _order(self, method: str, rest: list[str], body: Json) -> None:
            specifier = rest[1]
            if method == "PUT" and rest[2:] == ["cancel"]:
                self._reply(*fake.cancel_order(specifier))
                return
            if method == "PUT" and len(rest) == 2:
                self._reply(*fake.replace_order(specifier, body))
                return
            with fake.lock:
                order = fake.book.find(specifier)
                if method == "GET" and len(rest) == 2 and order is not None:
                    self._reply(
                        200,
                        {"order": order.as_json(), "lastTransactionID": str(fake.book.last_id)},
                    )
                    return
            self._reply(
                404,
                {
                    "errorCode": "ORDER_DOESNT_EXIST",
                    "errorMessage": "The Order specified does not exist",
                    "lastTransactionID": str(fake.book.last_id),
                },
            )

        def _transactions(self, rest: list[str], params: dict[str, str]) -> None:
            book = fake.book
            with fake.lock:
                if rest == ["sinceid"]:
                    found = book.since(int(params.get("id", "0")))
                elif rest == ["idrange"]:
                    found = book.id_range(int(params["from"]), int(params["to"]))
                elif len(rest) == 1 and rest[0].isdigit():
                    match = [tx for tx in book.transactions if tx["id"] == rest[0]]
                    if not match:
                        self._reply(404, {"errorMessage": "no such transaction"})
                        return
                    self._reply(
                        200, {"transaction": match[0], "lastTransactionID": str(book.last_id)}
                    )
                    return
                else:
                    self._reply(404, {"errorMessage": "no such endpoint"})
                    return
                self._reply(200, {"transactions": found, "lastTransactionID": str(book.last_id)})

        def _reply(self, status: int, body: Json) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _drop(self) -> None:
            """No answer at all: the connection closes under the client (a lost reply)."""
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def _stream(self, stream: _Stream) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                while True:
                    line = stream.lines.get()
                    if line is None:
                        self._drop()
                        return
                    self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
                    self.wfile.flush()
            except OSError:
                self.close_connection = True
            finally:
                fake.drop_stream(stream)

    return Handler


def _trade_json(trade: Any) -> Json:
    return {
        "id": trade.id,
        "instrument": trade.instrument,
        "price": text(trade.price),
        "openTime": trade.open_time,
        "initialUnits": text(trade.initial),
        "currentUnits": text(trade.units),
        "state": trade.state,
        "realizedPL": "0.0000",
        "unrealizedPL": "0.0000",
        "financing": "0.0000",
    }


__all__ = ["ACCOUNT", "JPY_INSTRUMENTS", "TOKEN", "FakeInstrument", "FakeOanda", "FakePrice"]
