"""`BinanceBroker`: the `LiveBrokerPort` for one Binance USD-M futures contract.

REST through python-binance (rest.py), streams through our own WebSocket threads (streams.py):
the kline stream for bars (closed ones only, flag `x`) and price touches, the user data stream
(listenKey, kept alive, rotated when Binance says it died) for order updates.

Ids. A plain order's `newClientOrderId` and a conditional order's `clientAlgoId` are the
`Order.id` the runtime persisted before the send. A client id this adapter has seen in this
run is never sent again (Binance takes a finished order's id again: a blind retry after a fill
would be a second order); after a restart the runtime looks an id up before it re-sends.

Reports. A command's REST answer reports its change at once (ACCEPTED, AMENDED, CANCELLED can
reach the listener before the call returns); the stream frame of the same change is then not
reported again, but a frame Binance sends twice is passed on twice with the same `seq`
(wire.Sequencer), so the consumer sees what the venue did.

Amendments. Binance amends LIMIT orders only (`PUT /fapi/v1/order`); any other working order is
replaced under the same client id: cancel, then place the new terms, reported as one AMENDED.

Gaps. When either stream drops, market listeners hear RECONNECTING; once both are back (and the
user stream's REST catch-up has refreshed what this adapter knows: open orders, the orders it
thought working) they hear LIVE, and the runtime reconciles through `open_orders`, `lookup`,
`positions` and `fills_since`, because the stream does not replay what was missed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tradeplan.brokers.binance import wire as w
from tradeplan.brokers.binance.config import BinanceConfig
from tradeplan.brokers.binance.rest import NotFound, Refused, Rest, Unknown, VenueError
from tradeplan.brokers.binance.rules import (
    SymbolRules,
    UnknownSymbol,
    parse_brackets,
    parse_rules,
    wire,
)
from tradeplan.brokers.binance.streams import Stream
from tradeplan.brokers.binance.symbols import venue_symbol
from tradeplan.core.enums import OrderType, Side
from tradeplan.core.instrument import Instrument
from tradeplan.orders.model import Order, OrderError, OrderEvent, OrderStatus, TrailKind
from tradeplan.ports.adapters import AdapterConfigError
from tradeplan.ports.broker import AccountSnapshot, BrokerListener, OrderUpdate, PriceTouch, Quote
from tradeplan.ports.live import (
    BrokerUnavailable,
    FeedState,
    FillBatch,
    FillReport,
    LiveBar,
    MarketListener,
    OrderRejected,
    OrderReport,
    OutcomeUnknown,
    PositionReport,
)
from tradeplan.ports.profiles import BINANCE, AssetDefaults, BrokerProfile

log = logging.getLogger(__name__)

INTERVALS = {
    60: "1m",
    180: "3m",
    300: "5m",
    900: "15m",
    1800: "30m",
    3600: "1h",
    7200: "2h",
    14400: "4h",
    21600: "6h",
    28800: "8h",
    43200: "12h",
    86400: "1d",
}
E = OrderEvent
# A fill's reason in the paper fill model's words (orders.csv), from the type that filled:
# Binance does not say whether a stop filled at its trigger or past it (a gap).
FILL_REASONS = {
    OrderType.MARKET: "market",
    OrderType.LIMIT: "limit",
    OrderType.STOP: "stop",
    OrderType.STOP_LIMIT: "limit",
    OrderType.MARKET_IF_TOUCHED: "touched",
    OrderType.LIMIT_IF_TOUCHED: "limit",
}


@dataclass
class Known:
    """What this adapter knows of one client id."""

    order: Order
    algo: bool
    key: w.Key  # the venue record now carrying it
    status: OrderStatus = OrderStatus.SUBMITTED
    filled: Decimal = Decimal(0)
    quote: Decimal = Decimal(0)
    actual: int | None = None  # the plain order a triggered algo order placed

    @property
    def venue_id(self) -> str:
        if self.actual is not None:
            return str(self.actual)
        return f"algo-{self.key[1]}" if self.key[0] == "a" else str(self.key[1])


@dataclass(frozen=True)
class Tuning:
    """Timings; the defaults are Binance's own rhythm, tests shorten them."""

    timeout: float = 10.0
    backoff: tuple[float, float] = (0.5, 30.0)
    keepalive_every: float = 1800.0  # Binance: every 30 minutes; a key dies after 60
    max_wait: float = 5.0  # the longest rate-limit wait before a retry
    connect_timeout: float = 10.0
    poll: float = 0.2
    rules_every: float = 3600.0  # exchangeInfo read again


class BinanceBroker:
    """See the module docstring."""

    def __init__(
        self,
        config: BinanceConfig,
        instrument: Instrument,
        *,
        bar_seconds: int = 60,
        stale_after: float | None = None,
        tuning: Tuning | None = None,
    ) -> None:
        self._config = config
        self._instrument = instrument
        self._symbol = instrument.symbol
        self._venue_symbol = venue_symbol(instrument.symbol)
        self._tuning = tuning or Tuning()
        interval = INTERVALS.get(bar_seconds)
        if interval is None:
            raise AdapterConfigError(
                f"Binance has no {bar_seconds}-second klines; use one of "
                + ", ".join(INTERVALS.values())
            )
        self._interval = interval
        self._stale_after = stale_after
        self._rest = Rest(config, timeout=self._tuning.timeout, max_wait=self._tuning.max_wait)
        self.rules = self._load_rules()
        self._check_keys()
        self._profile = _profile(self.rules, instrument)
        self._lock = threading.RLock()
        self._known: dict[str, Known] = {}
        self._pending: dict[str, Order] = {}
        self._by_key: dict[w.Key, str] = {}
        self._replaced: set[w.Key] = set()
        self._amend_as: set[w.Key] = set()
        self._amending: set[str] = set()  # client ids being replaced: their next NEW is AMENDED
        self._seen: dict[tuple[w.Key, int], list[int]] = {}  # [rest reported, stream copies]
        self._seqs = w.Sequencer()
        self._spread = Decimal(0)
        self._last_close: Decimal | None = None  # a market order's notional is judged by it
        self._stream_high = 0  # the latest transaction time read on the user stream
        self._watches: dict[str, tuple[Side, Decimal]] = {}
        self._listener: BrokerListener | None = None
        self._markets: list[MarketListener] = []
        self._state = FeedState.RECONNECTING
        self._last_bar = time.monotonic()
        self._listen_key: str | None = None
        self._closed = threading.Event()
        t = self._tuning
        self._user = Stream(
            "user",
            self._user_url,
            self._user_frame,
            self._user_up,
            self._down,
            idle=self._user_idle,
            backoff=t.backoff,
            open_timeout=t.connect_timeout,
            poll=t.poll,
        )
        self._market = Stream(
            "market",
            self._market_url,
            self._market_frame,
            self._market_up,
            self._down,
            idle=self._market_idle,
            backoff=t.backoff,
            open_timeout=t.connect_timeout,
            poll=t.poll,
        )
        self._keepalive_at = time.monotonic() + t.keepalive_every
        self._rules_at = time.monotonic() + t.rules_every

    # --- start ------------------------------------------------------------------------------

    def _load_rules(self) -> SymbolRules:
        try:
            self._rest.sync_clock()
            info = self._rest.call(self._rest.client.futures_exchange_info)
        except Unknown as exc:
            raise BrokerUnavailable(
                f"Binance did not answer at {self._config.rest_url}: {exc}"
            ) from None
        except VenueError as exc:
            raise BrokerUnavailable(f"Binance refused to list its contracts: {exc}") from None
        try:
            rules = parse_rules(info, self._venue_symbol)
        except UnknownSymbol:
            raise AdapterConfigError(
                f"Binance USD-M futures lists no contract {self._venue_symbol} (for the "
                f"strategy's instrument {self._symbol}): check the symbol, e.g. BTCUSDT"
            ) from None
        if rules.status and rules.status != "TRADING":
            log.warning("Binance %s is %s, not TRADING", self._venue_symbol, rules.status)
        return rules

    def _check_keys(self) -> None:
        try:
            brackets = self._rest.call(
                self._rest.client.futures_leverage_bracket, symbol=self._venue_symbol
            )
        except Refused as exc:
            if exc.auth:
                raise AdapterConfigError(f"Binance refused the API key: {exc}") from None
            raise BrokerUnavailable(f"Binance refused the leverage brackets: {exc}") from None
        except VenueError as exc:
            raise BrokerUnavailable(f"Binance did not answer: {exc}") from None
        self.rules = replace(self.rules, brackets=parse_brackets(brackets, self._venue_symbol))

    # --- the port: facts --------------------------------------------------------------------

    @property
    def profile(self) -> BrokerProfile:
        return self._profile

    @property
    def feed_state(self) -> FeedState:
        return self._state

    def frames_handled(self, kind: str) -> int:
        """Frames handled on the open connection of `kind` ("user" or "market")."""
        return (self._user if kind == "user" else self._market).handled

    def connect(self, listener: BrokerListener) -> None:
        """Listen for order updates; opens the user data stream (waits for it, briefly)."""
        self._listener = listener
        self._user.start()
        self._user.connected.wait(self._tuning.connect_timeout)

    def subscribe(self, listener: MarketListener) -> None:
        with self._lock:
            self._markets.append(listener)
        self._market.start()
        self._market.connected.wait(self._tuning.connect_timeout)
        with self._lock:
            self._refresh_state("subscribed")
            listener.on_feed_state(self._state, "subscribed")

    def close(self) -> None:
        self._closed.set()
        self._user.stop()
        self._market.stop()
        with self._lock:
            self._listener = None
            self._markets.clear()

    # --- the port: commands -----------------------------------------------------------------

    def submit(self, order: Order) -> None:
        cid = order.id
        with self._lock:
            if cid in self._known or cid in self._pending:
                raise OrderRejected(cid, "the client id was already used for an order in this run")
        sent = self._prepare(order)
        with self._lock:
            self._pending[cid] = sent
        self._place(sent, amend=False)

    def _prepare(self, order: Order) -> Order:
        """The order on the contract's grid, or OrderRejected saying why not (before sending)."""
        r = self.rules
        cid = order.id
        if order.type not in w.PLAIN and order.type not in w.ALGO:
            raise OrderRejected(
                cid, f"Binance has no native {order.type.value} order (the runtime emulates it)"
            )
        if (
            order.is_trailing
            and order.trail is not None
            and order.trail.kind is not TrailKind.RATIO
        ):
            raise OrderRejected(cid, "Binance trails by a percentage (callbackRate) only")
        qty = r.qty(order.qty, market=order.type is OrderType.MARKET)
        if qty <= 0 or qty < r.min_qty:
            raise OrderRejected(
                cid,
                f"quantity {order.qty} is below {self._venue_symbol}'s "
                f"minimum {r.min_qty} (step {r.step})",
            )
        changes: dict[str, Any] = {"qty": qty}
        if order.price is not None:
            changes["price"] = r.price(order.price, order.side)
        if order.trigger is not None:
            changes["trigger"] = r.trigger(order.trigger)
        sent = replace(order, **changes)
        reference = sent.price or sent.trigger or self._last_price()
        if (
            r.min_notional is not None
            and not sent.reduce_only
            and reference is not None
            and qty * reference < r.min_notional
        ):
            raise OrderRejected(
                cid,
                f"order value {qty * reference} is below {self._venue_symbol}'s minimum "
                f"notional {r.min_notional}: raise the quantity",
            )
        cap = max((b.notional_cap for b in r.brackets), default=None)
        if (
            cap is not None
            and not sent.reduce_only
            and reference is not None
            and qty * reference > cap
        ):
            raise OrderRejected(
                cid,
                f"order value {qty * reference} is above the largest position Binance "
                f"allows on {self._venue_symbol} at any leverage ({cap}): lower the quantity",
            )
        return sent

    def _params(self, order: Order) -> dict[str, Any]:
        p: dict[str, Any] = {
            "symbol": self._venue_symbol,
            "side": w.venue_side(order.side),
            "quantity": wire(order.qty),
        }
        if order.type in w.PLAIN:
            p["type"] = w.PLAIN[order.type]
            p["newClientOrderId"] = order.id
        else:
            p["type"] = w.ALGO[order.type]
            p["clientAlgoId"] = order.id  # else the SDK invents one (BROKERS.md)
            p["algoType"] = "CONDITIONAL"
            if order.trigger is not None:
                p["triggerPrice"] = wire(order.trigger)
            if order.trail is not None:
                p["callbackRate"] = wire(order.trail.value)
                if order.activation is not None:
                    p["activatePrice"] = wire(self.rules.trigger(order.activation))
        if order.price is not None:
            p["price"] = wire(order.price)
            p["timeInForce"] = "GTC"
        if order.reduce_only:
            p["reduceOnly"] = "true"
        return p

    def _place(self, order: Order, *, amend: bool) -> None:
        cid = order.id
        algo = order.type in w.ALGO
        try:
            ack = self._rest.call(self._rest.client.futures_create_order, **self._params(order))
        except Unknown as exc:
            raise OutcomeUnknown(cid, str(exc)) from None
        except VenueError as exc:
            with self._lock:
                self._pending.pop(cid, None)
            if exc.code == -4116:
                raise OrderRejected(
                    cid, "the client id is already used by a working order on Binance"
                ) from None
            raise OrderRejected(cid, str(exc)) from None
        key: w.Key = ("a", int(ack["algoId"])) if algo else ("o", int(ack["orderId"]))
        t = int(ack.get("updateTime") or ack.get("createTime") or 0)
        with self._lock:
            self._pending.pop(cid, None)
            known = self._known.get(cid)
            if known is None:
                known = self._known[cid] = Known(order, algo, key)
            else:
                known.order, known.algo, known.key = order, algo, key
                known.actual = None
                known.filled, known.quote = Decimal(0), Decimal(0)
            self._by_key[key] = cid
            if amend:
                self._amend_as.add(key)
            if t:
                kind = E.AMENDED if amend else E.ACCEPTED
                at = int(ack.get("time") or ack.get("createTime") or t)
                self._report(key, t, "rest", known, kind, OrderStatus.ACCEPTED, at=at)

    def cancel(self, order_id: str) -> None:
        known = self._known_or_lookup(order_id)
        if known.status.is_terminal:
            return
        try:
            answer = self._cancel_venue(known)
        except NotFound:
            self._after_not_found(order_id)
            return
        except Unknown as exc:
            raise OutcomeUnknown(order_id, str(exc)) from None
        except VenueError as exc:
            raise OrderRejected(order_id, str(exc)) from None
        if answer.get("status") == "CANCELED" and answer.get("updateTime"):
            with self._lock:
                key = ("o", int(answer["orderId"]))
                self._report(
                    key,
                    int(answer["updateTime"]),
                    "rest",
                    known,
                    E.CANCELLED,
                    OrderStatus.CANCELLED,
                )
        elif "algoId" in answer and "orderId" not in answer:
            self._report_algo_cancel(known, int(answer["algoId"]))

    def _report_algo_cancel(self, known: Known, algo_id: int) -> None:
        """The algo service's cancel answer carries no time: read the order back, so the
        cancel is reported before `cancel` returns, as a plain order's is."""
        try:
            a = self._rest.call(
                self._rest.client.futures_get_order, symbol=self._venue_symbol, algoId=algo_id
            )
        except VenueError:
            return  # the stream (or the reconcile) reports it
        if a.get("algoStatus") == "CANCELED" and a.get("updateTime"):
            with self._lock:
                self._report(
                    ("a", algo_id),
                    int(a["updateTime"]),
                    "rest",
                    known,
                    E.CANCELLED,
                    OrderStatus.CANCELLED,
                )

    def _cancel_venue(self, known: Known) -> dict[str, Any]:
        c = self._rest.client
        if known.algo and known.actual is None:
            answer: dict[str, Any] = self._rest.call(
                c.futures_cancel_order, symbol=self._venue_symbol, algoId=known.key[1]
            )
            return answer
        order_id = known.actual if known.actual is not None else known.key[1]
        answer = self._rest.call(
            c.futures_cancel_order, symbol=self._venue_symbol, orderId=order_id
        )
        return answer

    def _after_not_found(self, cid: str) -> None:
        """-2011/-2013 on a command: a targeted lookup says whether the order is finished
        (nothing to do) or really unknown."""
        report = self.lookup(cid)
        if report is None:
            raise OrderRejected(cid, "Binance has no order with this client id")
        if not report.status.is_terminal:
            raise OutcomeUnknown(cid, "Binance answered 'unknown order' for a working order")

    def amend(
        self,
        order_id: str,
        *,
        price: Decimal | None = None,
        trigger: Decimal | None = None,
        qty: Decimal | None = None,
    ) -> None:
        known = self._known_or_lookup(order_id)
        if known.status.is_terminal:
            return
        changes: dict[str, Any] = {}
        if price is not None:
            changes["price"] = price
        if trigger is not None:
            changes["trigger"] = trigger
        if qty is not None:
            changes["qty"] = qty
        try:
            wanted = self._prepare(replace(known.order, **changes))
        except OrderError as exc:
            raise OrderRejected(order_id, f"amendment refused: {exc}") from None
        if known.order.type is OrderType.LIMIT:
            self._modify(known, wanted)
        else:
            self._replace(known, wanted)

    def _modify(self, known: Known, wanted: Order) -> None:
        cid = wanted.id
        assert wanted.price is not None
        try:
            answer = self._rest.call(
                self._rest.client.futures_modify_order,
                symbol=self._venue_symbol,
                orderId=known.key[1],
                side=w.venue_side(wanted.side),
                quantity=wire(wanted.qty),
                price=wire(wanted.price),
            )
        except NotFound:
            self._after_not_found(cid)
            return
        except Unknown as exc:
            raise OutcomeUnknown(cid, str(exc)) from None
        except VenueError as exc:
            raise OrderRejected(cid, f"amendment refused: {exc}") from None
        with self._lock:
            known.order = wanted
            self._report(known.key, int(answer["updateTime"]), "rest", known, E.AMENDED, None)

    def _replace(self, known: Known, wanted: Order) -> None:
        """Binance cannot amend this type: cancel and place the new terms, same client id."""
        cid = wanted.id
        if known.filled > 0 or known.actual is not None:
            raise OrderRejected(
                cid,
                "Binance cannot amend a triggered or partly filled "
                f"{known.order.type.value} order: cancel it and place a new one",
            )
        with self._lock:
            self._replaced.add(known.key)
        try:
            self._cancel_venue(known)
        except NotFound:
            with self._lock:
                self._replaced.discard(known.key)
            self._after_not_found(cid)
            return
        except Unknown as exc:
            raise OutcomeUnknown(cid, str(exc)) from None
        except VenueError as exc:
            with self._lock:
                self._replaced.discard(known.key)
            raise OrderRejected(cid, f"amendment refused: {exc}") from None
        with self._lock:
            self._amending.add(cid)
        try:
            self._place(wanted, amend=True)
        except OrderRejected as exc:
            with self._lock:  # the old terms are gone: say so
                t = int(time.time() * 1000)
                self._report(
                    known.key,
                    t,
                    "rest",
                    known,
                    E.CANCELLED,
                    OrderStatus.CANCELLED,
                    reason=f"replacement refused: {exc.reason}",
                )
            raise
        finally:
            with self._lock:
                self._amending.discard(cid)

    def watch(self, watch_id: str, side: Side, level: Decimal) -> None:
        """Emulated: Binance watches no prices for you; the kline stream's highs and lows
        (forming klines included) are checked against `level`."""
        with self._lock:
            self._watches[watch_id] = (side, level)

    def unwatch(self, watch_id: str) -> None:
        with self._lock:
            self._watches.pop(watch_id, None)

    # --- the port: questions ----------------------------------------------------------------

    def _query(self, fn: Callable[..., Any], **params: Any) -> Any:
        try:
            return self._rest.call(fn, **params)
        except VenueError as exc:
            raise BrokerUnavailable(f"Binance: {exc}") from None

    def account(self) -> AccountSnapshot:
        a = self._query(self._rest.client.futures_account)
        return AccountSnapshot(
            currency=self.rules.margin_asset,
            balance=Decimal(str(a["totalWalletBalance"])),
            equity=Decimal(str(a["totalMarginBalance"])),
            margin_used=Decimal(str(a.get("totalInitialMargin", "0"))),
            margin_available=Decimal(str(a["availableBalance"])),
        )

    def quote(self) -> Quote | None:
        t = self._query(self._rest.client.futures_orderbook_ticker, symbol=self._venue_symbol)
        bid, ask = w.positive(t.get("bidPrice")), w.positive(t.get("askPrice"))
        if bid is None or ask is None:
            return None
        return Quote(w.when(t.get("time") or int(time.time() * 1000)), bid, ask)

    def _last_price(self) -> Decimal | None:
        return self._last_close

    def lookup(self, client_id: str) -> OrderReport | None:
        with self._lock:
            known = self._known.get(client_id)
        order = [known.algo] if known is not None else [True, False]
        for algo in order:
            try:
                report = self._lookup_algo(client_id) if algo else self._lookup_plain(client_id)
            except NotFound:
                continue
            except VenueError as exc:
                raise BrokerUnavailable(f"Binance: {exc}") from None
            return report
        with self._lock:
            self._pending.pop(client_id, None)
        return None

    def _lookup_plain(self, cid: str, order_id: int | None = None) -> OrderReport:
        c = self._rest.client
        if order_id is None:
            o = self._rest.call(
                c.futures_get_order, symbol=self._venue_symbol, origClientOrderId=cid
            )
        else:
            o = self._rest.call(c.futures_get_order, symbol=self._venue_symbol, orderId=order_id)
        key: w.Key = ("o", int(o["orderId"]))
        known = self._adopt(cid, o, key, algo=False)
        status = w.ORDER_STATUS.get(str(o["status"]), OrderStatus.ACCEPTED)
        return self._order_report(known, o, status, key)

    def _lookup_algo(self, cid: str) -> OrderReport:
        a = self._rest.call(
            self._rest.client.futures_get_order, symbol=self._venue_symbol, clientAlgoId=cid
        )
        key: w.Key = ("a", int(a["algoId"]))
        known = self._adopt(cid, a, key, algo=True)
        actual = str(a.get("actualOrderId") or "")
        if actual.isdigit():
            o = self._rest.call(
                self._rest.client.futures_get_order, symbol=self._venue_symbol, orderId=int(actual)
            )
            with self._lock:
                known.actual = int(actual)
                self._by_key[("o", int(actual))] = cid
            status = w.ORDER_STATUS.get(str(o["status"]), OrderStatus.ACCEPTED)
            if status is OrderStatus.ACCEPTED:
                status = OrderStatus.TRIGGERED
            return self._order_report(known, o, status, ("o", int(actual)))
        status = w.ALGO_STATUS.get(str(a.get("algoStatus")), OrderStatus.ACCEPTED)
        t = int(a.get("updateTime") or 0)
        return OrderReport(
            known.order, known.venue_id, status, Decimal(0), None, w.when(t), self._seqs.seq(key, t)
        )

    def _order_report(
        self, known: Known, o: dict[str, Any], status: OrderStatus, key: w.Key
    ) -> OrderReport:
        filled = Decimal(str(o.get("executedQty", "0")))
        avg = w.positive(o.get("avgPrice"))
        t = int(o.get("updateTime") or 0)
        return OrderReport(
            known.order,
            known.venue_id,
            status,
            filled,
            avg if filled > 0 else None,
            w.when(t),
            self._seqs.seq(key, t),
        )

    def _adopt(self, cid: str, entry: dict[str, Any], key: w.Key, *, algo: bool) -> Known:
        """What this adapter knows of `cid`, learning it from a venue record if need be."""
        with self._lock:
            known = self._known.get(cid)
            if known is None:
                order = self._pending.pop(cid, None) or w.rebuild(cid, entry, algo=algo)
                known = self._known[cid] = Known(order, algo, key)
            elif known.key != key and (algo or not known.algo):
                known.key = key
            self._by_key[key] = cid
            if algo:
                status = w.ALGO_STATUS.get(str(entry.get("algoStatus")), known.status)
                if entry.get("actualOrderId"):
                    status = OrderStatus.TRIGGERED
            else:
                status = w.ORDER_STATUS.get(str(entry.get("status")), known.status)
                known.filled = Decimal(str(entry.get("executedQty", known.filled)))
            known.status = status
            return known

    def _known_or_lookup(self, cid: str) -> Known:
        with self._lock:
            known = self._known.get(cid)
        if known is not None:
            return known
        if self.lookup(cid) is None:
            raise OrderRejected(cid, "Binance has no order with this client id")
        return self._known[cid]

    def open_orders(self) -> tuple[OrderReport, ...]:
        c = self._rest.client
        plain = self._query(c.futures_get_open_orders, symbol=self._venue_symbol)
        algos = self._query(c.futures_get_open_orders, symbol=self._venue_symbol, conditional=True)
        reports: dict[str, OrderReport] = {}
        for a in algos:
            cid = str(a["clientAlgoId"])
            key: w.Key = ("a", int(a["algoId"]))
            known = self._adopt(cid, a, key, algo=True)
            t = int(a.get("updateTime") or 0)
            reports[cid] = OrderReport(
                known.order,
                known.venue_id,
                OrderStatus.ACCEPTED,
                Decimal(0),
                None,
                w.when(t),
                self._seqs.seq(key, t),
            )
        for o in plain:
            key = ("o", int(o["orderId"]))
            cid = self._by_key.get(key) or str(o["clientOrderId"])
            with self._lock:
                known_algo = self._known.get(cid)
            if known_algo is None:
                # Unknown here (a restart): it may be the order a triggered conditional order
                # placed, which carries that order's client id; the algo service says.
                try:
                    self._lookup_algo(cid)
                except NotFound:
                    pass
                except VenueError as exc:
                    raise BrokerUnavailable(f"Binance: {exc}") from None
                with self._lock:
                    known_algo = self._known.get(cid)
            if known_algo is not None and known_algo.algo:
                known_algo.actual = key[1]
                self._by_key[key] = cid
                status = w.ORDER_STATUS.get(str(o["status"]), OrderStatus.ACCEPTED)
                if status is OrderStatus.ACCEPTED:
                    status = OrderStatus.TRIGGERED
                reports[cid] = self._order_report(known_algo, o, status, key)
                continue
            known = self._adopt(cid, o, key, algo=False)
            status = w.ORDER_STATUS.get(str(o["status"]), OrderStatus.ACCEPTED)
            reports[cid] = self._order_report(known, o, status, key)
        return tuple(sorted(reports.values(), key=lambda r: r.seq))

    def positions(self) -> tuple[PositionReport, ...]:
        rows = self._query(
            self._rest.client.futures_position_information, symbol=self._venue_symbol
        )
        out = []
        for row in rows:
            qty = Decimal(str(row.get("positionAmt", "0")))
            if row.get("symbol") == self._venue_symbol and qty != 0:
                out.append(PositionReport(self._symbol, qty, w.positive(row.get("entryPrice"))))
        return tuple(out)

    def fills_since(self, cursor: str | None) -> FillBatch:
        start = int(cursor) + 1 if cursor and cursor.isdigit() else None
        fills: list[FillReport] = []
        last = cursor or "0"
        while True:
            params: dict[str, Any] = {"symbol": self._venue_symbol, "limit": 1000}
            if start is not None:
                params["fromId"] = start
            trades = self._query(self._rest.client.futures_account_trades, **params)
            for t in sorted(trades, key=lambda t: int(t["id"])):
                fills.append(self._fill_report(t))
                last = str(t["id"])
            if len(trades) < 1000:
                break
            start = int(last) + 1
        return FillBatch(tuple(fills), last)

    def _fill_report(self, t: dict[str, Any]) -> FillReport:
        order_id = int(t["orderId"])
        key: w.Key = ("o", order_id)
        with self._lock:
            cid = self._by_key.get(key)
        if cid is None:
            o = self._query(
                self._rest.client.futures_get_order, symbol=self._venue_symbol, orderId=order_id
            )
            cid = str(o.get("clientOrderId", ""))
            with self._lock:
                self._by_key[key] = cid
        return FillReport(
            trade_id=str(t["id"]),
            client_id=cid,
            venue_order_id=str(order_id),
            symbol=self._symbol,
            side=w.side_of(str(t["side"])),
            qty=Decimal(str(t["qty"])),
            price=Decimal(str(t["price"])),
            time=w.when(t["time"]),
            fee=Decimal(str(t.get("commission", "0"))),
            seq=self._seqs.seq(key, int(t["time"])),
        )

    def history(self, bars: int) -> tuple[LiveBar, ...]:
        if bars <= 0:
            return ()
        rows = self._query(
            self._rest.client.futures_klines,
            symbol=self._venue_symbol,
            interval=self._interval,
            limit=min(bars + 1, 1500),
        )
        self._refresh_spread()
        now = time.time() * 1000 + self._rest.client.timestamp_offset
        closed = [r for r in rows if int(r[6]) + 1 <= now]
        return tuple(
            self._bar(int(r[0]), int(r[6]), r[1], r[2], r[3], r[4], r[5]) for r in closed[-bars:]
        )

    def _bar(self, open_ms: int, close_ms: int, o: Any, h: Any, lo: Any, c: Any, v: Any) -> LiveBar:
        return LiveBar(
            self._symbol,
            w.when(open_ms),
            w.when(close_ms + 1),
            Decimal(str(o)),
            Decimal(str(h)),
            Decimal(str(lo)),
            Decimal(str(c)),
            w.dec(v),
            self._spread,
        )

    def _refresh_spread(self) -> None:
        """A kline has one price per point; the runtime's Ask is Bid + spread, so the spread
        is read from the book ticker as each bar closes (kept when that call fails)."""
        try:
            quote = self.quote()
        except BrokerUnavailable:
            return
        if quote is not None and quote.ask >= quote.bid:
            self._spread = quote.ask - quote.bid

    # --- reports ----------------------------------------------------------------------------

    def _report(
        self,
        key: w.Key,
        t: int,
        source: str,
        known: Known,
        kind: OrderEvent,
        status: OrderStatus | None,
        *,
        fill_qty: Decimal | None = None,
        fill_price: Decimal | None = None,
        fee: Decimal = Decimal(0),
        trade_id: str = "",
        reason: str = "",
        at: int | None = None,
    ) -> bool:
        """Report one venue change once per copy Binance sent (module docstring). Called
        with the lock held. Returns whether the change was new."""
        seen = self._seen.setdefault((key, t), [0, 0])
        fresh = seen == [0, 0]
        if source == "rest":
            if seen != [0, 0]:
                return False
            seen[0] = 1
        else:
            # A frame older than one already read on this stream came late (Binance keeps
            # one connection in order, so the venue sent it late): pass it on as sent.
            late = t < self._stream_high
            self._stream_high = max(self._stream_high, t)
            skip = seen[0] == 1 and seen[1] == 0 and not late
            seen[1] += 1
            if skip:
                return False
        if fresh:
            if status is not None:
                known.status = status
            if fill_qty is not None and fill_price is not None:
                known.filled += fill_qty
                known.quote += fill_qty * fill_price
        update = OrderUpdate(
            kind,
            known.order,
            w.when(at or t),
            fill_price=fill_price,
            fill_qty=fill_qty,
            fee=fee,
            reason=reason,
            seq=self._seqs.seq(key, t),
            trade_id=trade_id,
        )
        listener = self._listener
        if listener is not None:
            listener.on_order_update(update)
        return fresh

    def _known_for(self, cid: str, key: w.Key, entry: dict[str, Any], *, algo: bool) -> Known:
        known = self._known.get(cid)
        if known is None:
            order = self._pending.pop(cid, None) or _rebuild_frame(cid, entry, algo=algo)
            known = self._known[cid] = Known(order, algo, key)
        self._by_key[key] = cid
        return known

    def _user_frame(self, frame: dict[str, Any]) -> None:
        event = frame.get("e")
        if event == "ORDER_TRADE_UPDATE":
            self._order_frame(frame["o"], int(frame.get("T") or frame.get("E") or 0))
        elif event == "ALGO_UPDATE":
            self._algo_frame(frame["o"], int(frame.get("T") or frame.get("E") or 0))
        elif event == "ACCOUNT_UPDATE":
            self._account_frame(frame.get("a", {}))
        elif event == "listenKeyExpired":
            log.warning("Binance says the listenKey expired: making a new one")
            self._listen_key = None
            self._user.reconnect()

    def _order_frame(self, o: dict[str, Any], t: int) -> None:
        if o.get("s") != self._venue_symbol:
            return
        key: w.Key = ("o", int(o["i"]))
        with self._lock:
            cid = self._by_key.get(key) or str(o.get("c", ""))
            known = self._known.get(cid) or self._known_for(cid, key, o, algo=False)
            if known.algo and known.key != key:
                known.actual = key[1]
                self._by_key[key] = cid
            x, status = str(o.get("x")), str(o.get("X"))
            at = int(o.get("T") or t)  # the order's own time (a fill's trade time)
            if cid.startswith("autoclose-") or cid.startswith("adl_autoclose"):
                reason = "liquidation by Binance"
            else:
                reason = FILL_REASONS.get(known.order.type, "")
            if x == "NEW":
                if known.algo:
                    return  # the triggered order of an algo order: TRIGGERED said it
                if cid in self._amending and key != known.key:
                    known.key = key
                    self._amend_as.add(key)
                kind = E.AMENDED if key in self._amend_as else E.ACCEPTED
                self._report(key, t, "stream", known, kind, OrderStatus.ACCEPTED, at=at)
            elif x in ("TRADE", "CALCULATED"):
                qty, price = w.dec(o.get("l")), w.dec(o.get("L"))
                if not qty or price is None:
                    return
                done = status == "FILLED"
                self._report(
                    key,
                    t,
                    "stream",
                    known,
                    E.FILLED if done else E.PARTIALLY_FILLED,
                    OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED,
                    fill_qty=qty,
                    fill_price=price,
                    fee=w.dec(o.get("n")) or Decimal(0),
                    trade_id=str(o.get("t", "")),
                    reason=reason,
                    at=at,
                )
            elif x == "CANCELED":
                if key in self._replaced:
                    return
                self._report(key, t, "stream", known, E.CANCELLED, OrderStatus.CANCELLED, at=at)
            elif x == "EXPIRED":
                self._report(key, t, "stream", known, E.EXPIRED, OrderStatus.EXPIRED, at=at)
            elif x == "AMENDMENT":
                qty, price = w.positive(o.get("q")), w.positive(o.get("p"))
                changes: dict[str, Any] = {}
                if qty is not None:
                    changes["qty"] = qty
                if price is not None and known.order.price is not None:
                    changes["price"] = price
                known.order = replace(known.order, **changes)
                self._report(key, t, "stream", known, E.AMENDED, None, at=at)
            elif x == "REJECTED":
                self._report(
                    key,
                    t,
                    "stream",
                    known,
                    E.REJECTED,
                    OrderStatus.REJECTED,
                    reason="rejected by Binance",
                    at=at,
                )

    def _algo_frame(self, o: dict[str, Any], t: int) -> None:
        if o.get("s") != self._venue_symbol:
            return
        key: w.Key = ("a", int(o["aid"]))
        cid = str(o.get("caid", ""))
        with self._lock:
            known = self._known.get(cid) or self._known_for(cid, key, o, algo=True)
            status = str(o.get("X"))
            if status == "NEW":
                if cid in self._amending and key != known.key:
                    known.key = key
                    self._amend_as.add(key)
                kind = E.AMENDED if key in self._amend_as else E.ACCEPTED
                self._report(key, t, "stream", known, kind, OrderStatus.ACCEPTED)
            elif status == "TRIGGERED":
                actual = str(o.get("ai") or "")
                if actual.isdigit():
                    known.actual = int(actual)
                    self._by_key[("o", int(actual))] = cid
                if known.order.type in (OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED):
                    self._report(key, t, "stream", known, E.TRIGGERED, OrderStatus.TRIGGERED)
                else:  # a market order now: its fill says the rest, as a replay's does
                    known.status = OrderStatus.TRIGGERED
            elif status == "CANCELED":
                if key in self._replaced:
                    return
                self._report(key, t, "stream", known, E.CANCELLED, OrderStatus.CANCELLED)
            elif status == "EXPIRED":
                self._report(key, t, "stream", known, E.EXPIRED, OrderStatus.EXPIRED)
            elif status == "REJECTED":
                self._report(
                    key,
                    t,
                    "stream",
                    known,
                    E.REJECTED,
                    OrderStatus.REJECTED,
                    reason="rejected by Binance when it triggered",
                )

    def _account_frame(self, a: dict[str, Any]) -> None:
        for p in a.get("P", []):
            if p.get("s") == self._venue_symbol:
                log.info("Binance position %s now %s (%s)", self._symbol, p.get("pa"), a.get("m"))

    # --- streams ----------------------------------------------------------------------------

    def _user_url(self) -> str | None:
        if self._listen_key is None:
            try:
                answer = self._rest.call(self._rest.client.futures_stream_get_listen_key)
            except VenueError as exc:
                log.warning("Binance listenKey: %s", exc)
                return None
            self._listen_key = str(answer if isinstance(answer, str) else answer["listenKey"])
            self._keepalive_at = time.monotonic() + self._tuning.keepalive_every
        return f"{self._config.stream_url}/ws/{self._listen_key}"

    def _market_url(self) -> str:
        return f"{self._config.stream_url}/ws/{self._venue_symbol.lower()}@kline_{self._interval}"

    def _user_up(self, reconnect: bool) -> None:
        if reconnect:
            self._catch_up()
        with self._lock:
            self._refresh_state("user data stream connected")

    def _market_up(self, reconnect: bool) -> None:
        with self._lock:
            self._last_bar = time.monotonic()
            self._refresh_state("market stream connected")

    def _down(self, reason: str) -> None:
        with self._lock:
            self._set_state(FeedState.RECONNECTING, reason)

    def _refresh_state(self, detail: str) -> None:
        streams = [s for s in (self._user, self._market) if s.started]
        up = all(s.connected.is_set() for s in streams)
        if up and self._state is not FeedState.STALE:
            self._set_state(FeedState.LIVE, detail)

    def _set_state(self, state: FeedState, detail: str) -> None:
        if state is self._state or self._closed.is_set():
            return
        self._state = state
        for market in tuple(self._markets):
            market.on_feed_state(state, detail)

    def _catch_up(self) -> None:
        """After a gap: what the stream lost, read back so this adapter knows where its
        orders are (the runtime's reconcile, on LIVE, reads the same reports)."""
        try:
            open_ids = {r.client_id for r in self.open_orders()}
            with self._lock:
                working = [
                    cid
                    for cid, k in self._known.items()
                    if not k.status.is_terminal and cid not in open_ids
                ]
            for cid in working:
                report = self.lookup(cid)
                if report is not None:
                    with self._lock:
                        self._known[cid].status = report.status
                        self._known[cid].filled = report.filled_qty
        except BrokerUnavailable as exc:
            log.warning("Binance catch-up after a gap failed (%s); the reconcile retries", exc)

    def _user_idle(self) -> None:
        if time.monotonic() < self._keepalive_at or self._listen_key is None:
            return
        self._keepalive_at = time.monotonic() + self._tuning.keepalive_every
        try:
            self._rest.call(self._rest.client.futures_stream_keepalive, listenKey=self._listen_key)
        except (Refused, NotFound) as exc:
            log.warning("Binance listenKey keepalive refused (%s): making a new one", exc.code)
            self._listen_key = None
            with self._lock:
                self._set_state(FeedState.RECONNECTING, "listenKey expired")
            self._user.reconnect()
        except Unknown:
            log.info("Binance listenKey keepalive got no answer; trying again later")

    def _market_idle(self) -> None:
        if time.monotonic() >= self._rules_at:
            self._refresh_rules()
        if self._stale_after is None:
            return
        with self._lock:
            if (
                self._state is FeedState.LIVE
                and time.monotonic() - self._last_bar > self._stale_after
            ):
                self._set_state(FeedState.STALE, f"no closed bar for {self._stale_after:g} s")

    def _refresh_rules(self) -> None:
        """exchangeInfo again (hourly): Binance changes ticks, steps and minimum notionals
        with notice, and the guards must use today's."""
        self._rules_at = time.monotonic() + self._tuning.rules_every
        try:
            info = self._rest.call(self._rest.client.futures_exchange_info)
            rules = replace(parse_rules(info, self._venue_symbol), brackets=self.rules.brackets)
        except (VenueError, UnknownSymbol) as exc:
            log.warning("Binance exchangeInfo refresh failed (%s): keeping the rules", exc)
            return
        if rules != self.rules:
            log.warning(
                "Binance changed %s's rules: tick %s step %s min notional %s",
                self._venue_symbol,
                rules.tick,
                rules.step,
                rules.min_notional,
            )
            self.rules = rules
            self._profile = _profile(rules, self._instrument)

    def _market_frame(self, frame: dict[str, Any]) -> None:
        if frame.get("e") != "kline":
            return
        k = frame["k"]
        high, low = Decimal(str(k["h"])), Decimal(str(k["l"]))
        # A touch is dated by the bar it happened in (its open), as a replay dates it.
        self._check_watches(high, low, int(k["t"]))
        if not k.get("x"):
            return  # still forming: a signal never reads it
        self._refresh_spread()
        bar = self._bar(int(k["t"]), int(k["T"]), k["o"], k["h"], k["l"], k["c"], k.get("v"))
        with self._lock:
            self._last_close = bar.close
            self._last_bar = time.monotonic()
            if self._state is FeedState.STALE:
                self._set_state(FeedState.LIVE, "bars again")
            markets = tuple(self._markets)
        for market in markets:
            market.on_bar(bar)

    def _check_watches(self, high: Decimal, low: Decimal, t: int) -> None:
        with self._lock:
            hit = [
                (wid, side, level)
                for wid, (side, level) in self._watches.items()
                if (side is Side.SELL and high >= level)
                or (side is Side.BUY and low + self._spread <= level)
            ]
            for wid, _, _ in hit:
                del self._watches[wid]
            listener = self._listener
        for wid, _side, level in hit:
            if listener is not None:
                listener.on_price_touch(PriceTouch(wid, w.when(t), level))


def _rebuild_frame(cid: str, o: dict[str, Any], *, algo: bool) -> Order:
    """The terms of an order first seen on the stream (placed by hand, a liquidation)."""
    entry = {
        "side": o.get("S", "BUY"),
        "type": o.get("o", "MARKET"),
        "orderType": o.get("o", "MARKET"),
        "origQty": o.get("q"),
        "quantity": o.get("q"),
        "price": o.get("p"),
        "stopPrice": o.get("sp"),
        "triggerPrice": o.get("tp"),
        "reduceOnly": o.get("R", False),
        "closePosition": o.get("cp", False),
    }
    return w.rebuild(cid, entry, algo=algo)


def _profile(rules: SymbolRules, instrument: Instrument) -> BrokerProfile:
    """BINANCE's rules with the contract's live figures. Trailing stops are left to the
    runtime's emulator: Binance trails by a percentage in 0.1 steps only, not by a distance."""
    native = BINANCE.native_order_types - {OrderType.TRAILING_STOP}
    defaults = AssetDefaults(
        tick=rules.tick,
        step=rules.step,
        min_notional=rules.min_notional,
        max_leverage=rules.max_leverage,
    )
    return replace(
        BINANCE, native_order_types=native, defaults=((instrument.asset_class, defaults),)
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


__all__ = ["BinanceBroker", "Tuning"]
