"""`OandaBroker`: the live broker port over OANDA v20 (REST, the transaction and price streams).

Updates come from the transaction stream, the one ordered source of what happened to the
account. A command's answer carries its own transactions too; the command waits briefly
(`echo_timeout`) for the stream to deliver them, so the listener hears each change once and in
the account's order, and delivers from the answer whatever the stream has not brought by then
(a slow or broken stream). A transaction may therefore reach the listener twice with the same
`seq`: a repeat, which the port allows. Nothing is replayed after a stream gap: the runtime
reads what it missed with `fills_since(cursor)`, `open_orders` and `positions`.

Threads: one per stream (`streams.py`) and a watchdog that says STALE when the price stream
has been silent (no price, no heartbeat) for `stale_after` seconds. Listeners are called from
those threads and from the caller's thread, under one lock.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from time import monotonic
from typing import TYPE_CHECKING, Any

from tradeplan.brokers.oanda.bars import GRANULARITIES, BarBuilder
from tradeplan.brokers.oanda.client import NoAnswer, Refused, Rest
from tradeplan.brokers.oanda.config import OandaConfig
from tradeplan.brokers.oanda.instruments import profile_for
from tradeplan.brokers.oanda.mapping import (
    CREATE_TYPES,
    LocalRefusal,
    decimal,
    domain_symbol,
    order_from_wire,
    order_spec,
    parse_time,
)
from tradeplan.brokers.oanda.rules import InstrumentRules, OffGrid
from tradeplan.brokers.oanda.streams import Message, StreamLoop
from tradeplan.brokers.oanda.transactions import client_id_of, fill_report, market_of, related
from tradeplan.core.enums import Side
from tradeplan.core.instrument import Instrument
from tradeplan.orders.model import Order, OrderError, OrderEvent, OrderStatus
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
from tradeplan.ports.profiles import BrokerProfile
from tradeplan.sizing import mid_conversion_factor

if TYPE_CHECKING:
    from tradeplan.brokers.oanda.sizing import LiveFigures

log = logging.getLogger(__name__)

Json = dict[str, Any]
_REMEMBER = 10_000  # transactions whose report is kept, to repeat it identically
_PAGE = 1000  # OANDA answers at most this many transactions at once


class OandaBroker:
    """A `LiveBrokerPort` for one instrument of one OANDA account; see the module docstring."""

    def __init__(
        self,
        config: OandaConfig,
        instrument: Instrument,
        rules: InstrumentRules,
        bar_seconds: int,
        *,
        timeout: float = 10.0,
        stale_after: float = 15.0,
        echo_timeout: float = 0.5,
        backoff: tuple[float, float] = (0.05, 5.0),
    ) -> None:
        if bar_seconds not in GRANULARITIES:
            known = ", ".join(str(s) for s in GRANULARITIES)
            raise ValueError(f"OANDA has no {bar_seconds}-second candles; use one of {known}")
        self._config = config
        self._instrument = instrument
        self._symbol = instrument.symbol
        self._rules = rules
        self._name = rules.name
        self._bar_seconds = bar_seconds
        self._timeout = timeout
        self._stale_after = stale_after
        self._echo_timeout = echo_timeout
        self._backoff = backoff
        self._rest = Rest(config, timeout)
        self._profile = profile_for(rules)
        self._lock = threading.RLock()
        self._echo = threading.Condition(self._lock)
        self._listener: BrokerListener | None = None
        self._markets: list[MarketListener] = []
        self._orders: dict[str, Order] = {}  # client id -> terms as they are now
        self._sending: dict[str, Order] = {}  # client id -> terms of a command in flight
        self._fills: dict[str, dict[str, tuple[Decimal, Decimal]]] = {}  # cid -> tx -> qty, px
        self._reports: OrderedDict[int, OrderUpdate | None] = OrderedDict()
        self._seen: OrderedDict[int, None] = OrderedDict()  # delivered transaction ids
        # A market order's creation, held until the next transaction says whether its batch
        # filled it or cancelled it (OANDA's FOK refusal: reported as one REJECTED).
        self._held: Json | None = None
        self._held_copies = 0
        self._refused: set[str] = set()
        # The mid of the last quoteHomeConversionFactors OANDA sent for the instrument
        # (`home_rate`): read at the first ask, then from every price on the stream.
        self._home: Decimal | None = None
        self._watches: dict[str, tuple[Side, Decimal]] = {}
        self._bars = BarBuilder(self._symbol, bar_seconds)
        self._quote: Quote | None = None
        self._state: FeedState | None = None
        self._heard = monotonic()
        self._tx_clock = 0
        self._market_clock: datetime | None = None
        self._tx_stream: StreamLoop | None = None
        self._price_stream: StreamLoop | None = None
        self._closed = threading.Event()

    # --- what it is ---------------------------------------------------------------------------

    @property
    def profile(self) -> BrokerProfile:
        return self._profile

    @property
    def rules(self) -> InstrumentRules:
        return self._rules

    @property
    def connected(self) -> bool:
        """Every stream started is up."""
        streams = [s for s in (self._tx_stream, self._price_stream) if s is not None]
        return bool(streams) and all(s.up for s in streams)

    @property
    def transaction_clock(self) -> int:
        """`lastTransactionID` of the last transaction-stream heartbeat: every transaction up
        to it that the stream sent before the heartbeat has been handled."""
        return self._tx_clock

    @property
    def market_clock(self) -> datetime | None:
        """The time of the last price-stream message handled."""
        return self._market_clock

    # --- connecting ---------------------------------------------------------------------------

    def connect(self, listener: BrokerListener) -> None:
        import oandapyV20.endpoints.transactions as transactions

        with self._lock:
            self._listener = listener
            if self._tx_stream is None:
                self._tx_stream = self._stream(
                    "transactions",
                    lambda: transactions.TransactionsStream(self._config.account_id),
                    self._on_transaction,
                )
                self._tx_stream.start()
        self._wait_up(self._tx_stream)

    def subscribe(self, listener: MarketListener) -> None:
        import oandapyV20.endpoints.pricing as pricing

        with self._lock:
            self._markets.append(listener)
            if self._state is not None:
                listener.on_feed_state(self._state, "subscribed")
            if self._price_stream is None:
                self._price_stream = self._stream(
                    "pricing",
                    lambda: pricing.PricingStream(
                        self._config.account_id, params={"instruments": self._name}
                    ),
                    self._on_price,
                )
                self._price_stream.start()
                threading.Thread(target=self._watchdog, name="oanda-stale", daemon=True).start()
        self._wait_up(self._price_stream)

    def _wait_up(self, stream: StreamLoop | None) -> None:
        """Wait (at most the answer timeout) until a new stream has said its first line, so
        nothing that happens after `connect` / `subscribe` return is lost to a stream still
        opening. If it is slower, the stream carries on connecting in its thread."""
        if stream is not None:
            stream.wait_told(self._timeout)

    def _stream(self, name: str, make: Any, handle: Any) -> StreamLoop:
        return StreamLoop(
            name,
            self._config,
            make,
            handle,
            lambda: self._stream_up(name),
            lambda reason: self._stream_down(name, reason),
            read_timeout=max(self._stale_after * 2, 1.0),
            connect_timeout=self._timeout,
            backoff=self._backoff,
        )

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._listener = None
            self._markets.clear()
            for stream in (self._tx_stream, self._price_stream):
                if stream is not None:
                    stream.stop()
        self._rest.close()

    # --- commands -----------------------------------------------------------------------------

    def submit(self, order: Order) -> None:
        import oandapyV20.endpoints.orders as orders

        spec = self._spec(order)
        with self._lock:
            self._sending[order.id] = order
        try:
            answer = self._rest.send(
                orders.OrderCreate(self._config.account_id, data={"order": spec})
            )
        except Refused as exc:
            with self._lock:
                self._sending.pop(order.id, None)
            raise OrderRejected(order.id, exc.reason) from None
        except NoAnswer as exc:
            raise OutcomeUnknown(order.id, str(exc)) from None  # terms kept for lookup
        with self._lock:
            self._orders[order.id] = order
            self._sending.pop(order.id, None)
        self._settle(related(answer))

    def cancel(self, order_id: str) -> None:
        import oandapyV20.endpoints.orders as orders

        try:
            answer = self._rest.send(
                orders.OrderCancel(self._config.account_id, orderID=f"@{order_id}")
            )
        except Refused as exc:
            raise OrderRejected(order_id, exc.reason) from None
        except NoAnswer as exc:
            raise OutcomeUnknown(order_id, str(exc)) from None
        self._settle(related(answer))

    def amend(
        self,
        order_id: str,
        *,
        price: Decimal | None = None,
        trigger: Decimal | None = None,
        qty: Decimal | None = None,
    ) -> None:
        """OANDA replaces an order to amend it: a new order id, the same client id."""
        import oandapyV20.endpoints.orders as orders

        current = self._terms(order_id)
        changes = {
            k: v for k, v in (("price", price), ("trigger", trigger), ("qty", qty)) if v is not None
        }
        try:
            amended = replace(current, **changes)  # type: ignore[arg-type]
        except OrderError as exc:
            raise OrderRejected(order_id, f"amendment refused: {exc}") from None
        spec = self._spec(amended)
        with self._lock:
            self._sending[order_id] = amended
        try:
            answer = self._rest.send(
                orders.OrderReplace(
                    self._config.account_id, orderID=f"@{order_id}", data={"order": spec}
                )
            )
        except Refused as exc:
            with self._lock:
                self._sending.pop(order_id, None)
            raise OrderRejected(order_id, exc.reason) from None
        except NoAnswer as exc:
            raise OutcomeUnknown(order_id, str(exc)) from None
        with self._lock:
            self._orders[order_id] = amended
            self._sending.pop(order_id, None)
        self._settle(related(answer))

    def watch(self, watch_id: str, side: Side, level: Decimal) -> None:
        with self._lock:
            self._watches[watch_id] = (side, level)

    def unwatch(self, watch_id: str) -> None:
        with self._lock:
            self._watches.pop(watch_id, None)

    def _spec(self, order: Order) -> Json:
        try:
            return order_spec(order, self._rules)
        except (LocalRefusal, OffGrid) as exc:
            raise OrderRejected(order.id, f"not sent: {exc}") from None

    def _terms(self, client_id: str) -> Order:
        with self._lock:
            known = self._orders.get(client_id) or self._sending.get(client_id)
        if known is not None:
            return known
        report = self.lookup(client_id)
        if report is None:
            raise OrderRejected(client_id, "OANDA has no order with this client id")
        return report.order

    def _settle(self, txs: list[Json]) -> None:
        """Wait a little for the stream to bring a command's transactions; deliver the rest."""
        ids = [int(tx["id"]) for tx in txs]
        deadline = monotonic() + self._echo_timeout
        with self._echo:
            stream = self._tx_stream
            while stream is not None and stream.up and self._listener is not None:
                if all(i in self._seen for i in ids):
                    return
                held = self._held
                if held is not None and all(i in self._seen or i == int(held["id"]) for i in ids):
                    break  # the answer has the whole batch: settle the held creation now
                left = deadline - monotonic()
                if left <= 0:
                    break
                self._echo.wait(left)
            for tx in txs:
                if int(tx["id"]) not in self._seen:
                    self._deliver(tx, txs)

    # --- questions ----------------------------------------------------------------------------

    def account(self) -> AccountSnapshot:
        import oandapyV20.endpoints.accounts as accounts

        body = self._ask(accounts.AccountSummary(self._config.account_id))["account"]
        return AccountSnapshot(
            currency=str(body["currency"]),
            balance=decimal(body["balance"], "balance"),
            equity=decimal(body.get("NAV", body["balance"]), "NAV"),
            margin_used=decimal(body.get("marginUsed", "0"), "marginUsed"),
            margin_available=decimal(body["marginAvailable"], "marginAvailable"),
        )

    def quote(self) -> Quote | None:
        import oandapyV20.endpoints.pricing as pricing

        stream = self._price_stream
        if stream is not None and stream.up and self._quote is not None:
            return self._quote
        answer = self._ask(
            pricing.PricingInfo(self._config.account_id, params={"instruments": self._name})
        )
        for price in answer.get("prices", []):
            if price.get("instrument") == self._name and price.get("bids") and price.get("asks"):
                return Quote(
                    parse_time(str(price["time"])),
                    decimal(price["bids"][0]["price"], "bid"),
                    decimal(price["asks"][0]["price"], "ask"),
                )
        return None

    def home_rate(self, price: Decimal) -> Decimal:
        """Account currency per unit of the quote currency, as OANDA converts now: the mid of
        its `quoteHomeConversionFactors` (`ConvertsToAccount`). The price is not needed: OANDA
        says the rate itself. Read once from PricingInfo, then kept current by the stream."""
        with self._lock:
            rate = self._home
        if rate is None:
            rate = self.live_figures().quote_home_rate
            with self._lock:
                self._home = self._home or rate
        return rate

    def live_figures(self) -> LiveFigures:
        """The 2% rule's figures from the account now (sizing.py): what a runtime sizing by
        live conversion factors and the margin available asks for before an entry."""
        from tradeplan.brokers.oanda.sizing import read_figures

        return read_figures(self._rest, self._symbol)

    def lookup(self, client_id: str) -> OrderReport | None:
        import oandapyV20.endpoints.orders as orders

        try:
            answer = self._rest.send(
                orders.OrderDetails(self._config.account_id, orderID=f"@{client_id}")
            )
        except Refused as exc:
            if exc.not_found:
                return None
            raise BrokerUnavailable(f"OANDA order lookup: {exc.reason}") from None
        except NoAnswer as exc:
            raise BrokerUnavailable(f"OANDA order lookup: {exc}") from None
        return self._report(answer["order"])

    def open_orders(self) -> tuple[OrderReport, ...]:
        import oandapyV20.endpoints.orders as orders

        answer = self._ask(orders.OrdersPending(self._config.account_id))
        found = []
        for body in sorted(answer.get("orders", []), key=lambda o: int(o["id"])):
            if body.get("instrument") != self._name:
                continue
            report = self._report(body)
            if report is not None:
                found.append(report)
        return tuple(found)

    def positions(self) -> tuple[PositionReport, ...]:
        import oandapyV20.endpoints.positions as positions

        answer = self._ask(positions.OpenPositions(self._config.account_id))
        found = []
        for body in answer.get("positions", []):
            long, short = body.get("long") or {}, body.get("short") or {}
            units = decimal(long.get("units", "0"), "units") + decimal(
                short.get("units", "0"), "units"
            )
            if units == 0:
                continue
            side = long if units > 0 else short
            average = side.get("averagePrice")
            found.append(
                PositionReport(
                    domain_symbol(str(body["instrument"])),
                    units,
                    None if average is None else decimal(average, "averagePrice"),
                )
            )
        return tuple(found)

    def fills_since(self, cursor: str | None) -> FillBatch:
        import oandapyV20.endpoints.transactions as transactions

        after = int(cursor) if cursor else 0
        fills: list[FillReport] = []
        last = after
        while True:
            answer = self._ask(
                transactions.TransactionsSinceID(self._config.account_id, params={"id": str(after)})
            )
            found = answer.get("transactions", [])
            last = max(last, int(answer.get("lastTransactionID", after)))
            for tx in found:
                if tx.get("type") == "ORDER_FILL":
                    report = fill_report(tx)
                    fills.append(report)
                    if report.client_id:
                        with self._lock:
                            self._fills.setdefault(report.client_id, {})[report.trade_id] = (
                                report.qty,
                                report.price,
                            )
            if len(found) < _PAGE:
                break
            after = int(found[-1]["id"])
        return FillBatch(tuple(fills), str(last))

    def history(self, bars: int) -> tuple[LiveBar, ...]:
        import oandapyV20.endpoints.instruments as instruments

        if bars <= 0:
            return ()
        answer = self._ask(
            instruments.InstrumentsCandles(
                self._name,
                params={
                    "granularity": GRANULARITIES[self._bar_seconds],
                    "count": str(min(bars + 1, 5000)),
                    "price": "BA",
                },
            )
        )
        found = []
        width = timedelta(seconds=self._bar_seconds)
        for candle in answer.get("candles", []):
            if not candle.get("complete"):
                continue  # the bar still forming is never delivered
            bid, ask = candle["bid"], candle["ask"]
            start = parse_time(str(candle["time"]))
            close = decimal(bid["c"], "c")
            found.append(
                LiveBar(
                    self._symbol,
                    start,
                    start + width,
                    decimal(bid["o"], "o"),
                    decimal(bid["h"], "h"),
                    decimal(bid["l"], "l"),
                    close,
                    decimal(candle.get("volume", 0), "volume"),
                    decimal(ask["c"], "c") - close,
                )
            )
        return tuple(found[-bars:])

    def _ask(self, request: Any) -> Json:
        try:
            return self._rest.send(request)
        except (Refused, NoAnswer) as exc:
            reason = exc.reason if isinstance(exc, Refused) else str(exc)
            raise BrokerUnavailable(f"OANDA did not answer {request}: {reason}") from None

    def _report(self, body: Json) -> OrderReport | None:
        client_id = str((body.get("clientExtensions") or {}).get("id", ""))
        if not client_id:
            return None
        with self._lock:
            order = (
                self._orders.get(client_id) or self._sending.get(client_id) or order_from_wire(body)
            )
            fills = dict(self._fills.get(client_id, {}))
        if order is None:
            return None
        state = str(body.get("state", "PENDING"))
        filled = sum((q for q, _ in fills.values()), Decimal(0))
        average = sum((q * p for q, p in fills.values()), Decimal(0)) / filled if filled else None
        filling = body.get("fillingTransactionID")
        if state == "FILLED" and filled < order.qty and filling:
            filled, average = order.qty, self._fill_price(str(filling))
        status = {
            "PENDING": OrderStatus.PARTIALLY_FILLED if filled else OrderStatus.ACCEPTED,
            "TRIGGERED": OrderStatus.TRIGGERED,
            "FILLED": OrderStatus.FILLED,
            "CANCELLED": OrderStatus.CANCELLED,
        }.get(state, OrderStatus.ACCEPTED)
        if state == "CANCELLED" and client_id in self._refused:
            status = OrderStatus.REJECTED
        seq = body.get("fillingTransactionID") or body.get("cancellingTransactionID") or body["id"]
        return OrderReport(
            order=order,
            venue_id=str(body["id"]),
            status=status,
            filled_qty=filled,
            average_price=average,
            time=parse_time(str(body.get("filledTime") or body.get("createTime"))),
            seq=int(seq),
        )

    def _fill_price(self, tx_id: str) -> Decimal | None:
        import oandapyV20.endpoints.transactions as transactions

        answer = self._ask(transactions.TransactionDetails(self._config.account_id, tx_id))
        price = answer.get("transaction", {}).get("price")
        return None if price is None else decimal(price, "price")

    # --- the transaction stream ---------------------------------------------------------------

    def _on_transaction(self, message: Message) -> None:
        if message.get("type") == "HEARTBEAT":
            with self._echo:
                self._flush_held()
                self._tx_clock = max(self._tx_clock, int(message.get("lastTransactionID", 0)))
                self._echo.notify_all()
            return
        if "id" not in message:
            return
        with self._echo:
            self._deliver(message)

    def _deliver(self, tx: Json, batch: list[Json] | None = None) -> None:
        """Report `tx` (under the lock). `batch` is the whole batch when a command's answer
        brings it; from the stream a market order's creation waits for the next message."""
        tx_id = int(tx["id"])
        copies = 1
        held = self._held
        if held is not None and int(held["id"]) == tx_id:
            if batch is None:
                self._held_copies += 1  # a repeat of it on the stream
                return
            copies, self._held = self._held_copies, None
        elif held is not None:
            if _answers(held, tx):
                self._held = None
                if tx.get("type") == "ORDER_CANCEL":
                    self._refuse(held, tx)
                    return
                self._emit(held, self._held_copies)
            else:
                self._flush_held()
        if tx_id not in self._reports and _market_creation(tx) and client_id_of(tx):
            if batch is None:
                self._held, self._held_copies = tx, 1
                return
            outcome = next((t for t in batch if _answers(tx, t)), None)
            if outcome is not None and outcome.get("type") == "ORDER_CANCEL":
                self._refuse(tx, outcome)
                return
        self._emit(tx, copies)

    def _flush_held(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            self._emit(held, self._held_copies)

    def _refuse(self, creation: Json, cancel: Json) -> None:
        """OANDA created the market order and cancelled it in the same batch (FOK: margin,
        a halted market): one REJECTED, with OANDA's reason."""
        client_id = client_id_of(creation)
        order = self._sending.get(client_id) or self._orders.get(client_id)
        order = order or order_from_wire(creation)
        update = None
        if order is not None:
            self._orders.setdefault(client_id, order)
            self._refused.add(client_id)
            update = OrderUpdate(
                OrderEvent.REJECTED,
                order,
                parse_time(str(cancel["time"])),
                reason=str(cancel.get("reason", "cancelled by OANDA")),
                seq=int(cancel["id"]),
            )
        self._remember(int(creation["id"]), None)
        self._remember(int(cancel["id"]), update)
        self._emit(cancel, 1)
        self._seen[int(creation["id"])] = None

    def _remember(self, tx_id: int, update: OrderUpdate | None) -> None:
        self._reports[tx_id] = update
        while len(self._reports) > _REMEMBER:
            self._reports.popitem(last=False)

    def _emit(self, tx: Json, copies: int) -> None:
        tx_id = int(tx["id"])
        if tx_id in self._reports:
            update = self._reports[tx_id]
        else:
            update = self._interpret(tx)
            self._remember(tx_id, update)
        listener = self._listener
        if update is not None and listener is not None:
            for _ in range(copies):
                listener.on_order_update(update)
        self._seen[tx_id] = None
        while len(self._seen) > _REMEMBER:
            self._seen.popitem(last=False)
        self._echo.notify_all()

    def _interpret(self, tx: Json) -> OrderUpdate | None:
        kind = str(tx.get("type", ""))
        client_id = client_id_of(tx)
        if not client_id or tx.get("instrument", self._name) != self._name:
            return None
        moment = parse_time(str(tx["time"]))
        seq = int(tx["id"])
        if kind in CREATE_TYPES:
            order = (
                self._sending.get(client_id) or self._orders.get(client_id) or order_from_wire(tx)
            )
            if order is None:
                return None
            amended = "replacesOrderID" in tx
            if amended or client_id not in self._orders:
                self._orders[client_id] = order
            event = OrderEvent.AMENDED if amended else OrderEvent.ACCEPTED
            return OrderUpdate(event, order, moment, seq=seq)
        if kind == "ORDER_FILL":
            order = self._order_of(client_id, str(tx.get("orderID", "")))
            if order is None:
                return None
            fill = fill_report(tx)
            fills = self._fills.setdefault(client_id, {})
            fills[fill.trade_id] = (fill.qty, fill.price)
            total = sum((q for q, _ in fills.values()), Decimal(0))
            bid, ask = market_of(tx)
            return OrderUpdate(
                OrderEvent.FILLED if total >= order.qty else OrderEvent.PARTIALLY_FILLED,
                order,
                moment,
                fill_price=fill.price,
                fill_qty=fill.qty,
                reason=str(tx.get("reason", "")),
                bid=bid,
                ask=ask,
                seq=seq,
                trade_id=fill.trade_id,
            )
        if kind == "ORDER_CANCEL":
            reason = str(tx.get("reason", ""))
            if reason == "CLIENT_REQUEST_REPLACED":
                return None  # the other half of an amendment
            order = self._order_of(client_id, str(tx.get("orderID", "")))
            if order is None:
                return None
            event = (
                OrderEvent.EXPIRED if reason == "TIME_IN_FORCE_EXPIRED" else OrderEvent.CANCELLED
            )
            return OrderUpdate(event, order, moment, reason=reason, seq=seq)
        return None

    def _order_of(self, client_id: str, order_id: str) -> Order | None:
        known = self._orders.get(client_id) or self._sending.get(client_id)
        if known is not None or not order_id:
            return known
        import oandapyV20.endpoints.orders as orders

        try:
            body = self._rest.send(orders.OrderDetails(self._config.account_id, orderID=order_id))
        except (Refused, NoAnswer) as exc:
            log.warning("OANDA order %s of %s not readable: %s", order_id, client_id, exc)
            return None
        order = order_from_wire(body["order"])
        if order is not None:
            self._orders[client_id] = order
        return order

    # --- the price stream ---------------------------------------------------------------------

    def _on_price(self, message: Message) -> None:
        self._heard = monotonic()
        moment = parse_time(str(message.get("time", "")))
        touches: list[PriceTouch] = []
        with self._lock:
            if self._state is FeedState.STALE:
                self._set_state(FeedState.LIVE, "prices again")
            if message.get("type") == "PRICE":
                if message.get("instrument") != self._name:
                    return
                bids, asks = message.get("bids") or [], message.get("asks") or []
                if not bids or not asks:
                    return
                bid = decimal(bids[0]["price"], "bid")
                ask = decimal(asks[0]["price"], "ask")
                self._quote = Quote(moment, bid, ask)
                factors = message.get("quoteHomeConversionFactors")
                if factors:
                    self._home = mid_conversion_factor(
                        decimal(factors["positiveUnits"], "positiveUnits"),
                        decimal(factors["negativeUnits"], "negativeUnits"),
                    )
                bars = self._bars.price(moment, bid, ask)
                touches = self._touched(moment, bid, ask)
            else:
                bars = self._bars.clock(moment)
            for bar in bars:
                for market in tuple(self._markets):
                    market.on_bar(bar)
            listener = self._listener
            if listener is not None:
                for touch in touches:
                    listener.on_price_touch(touch)
            if self._market_clock is None or moment > self._market_clock:
                self._market_clock = moment

    def _touched(self, moment: datetime, bid: Decimal, ask: Decimal) -> list[PriceTouch]:
        touches = []
        for watch_id, (side, level) in list(self._watches.items()):
            price = bid if side is Side.SELL else ask
            if (side is Side.SELL and bid >= level) or (side is Side.BUY and ask <= level):
                del self._watches[watch_id]
                touches.append(PriceTouch(watch_id, moment, price, bid, ask))
        return touches

    def _watchdog(self) -> None:
        period = min(max(self._stale_after / 4, 0.01), 1.0)
        while not self._closed.wait(period):
            silent = monotonic() - self._heard
            with self._lock:
                if self._state is FeedState.LIVE and silent > self._stale_after:
                    self._set_state(
                        FeedState.STALE,
                        f"no price or heartbeat from OANDA for {silent:.1f} s",
                    )

    # --- feed state ---------------------------------------------------------------------------

    def _stream_up(self, name: str) -> None:
        with self._lock:
            if name == "pricing":
                self._heard = monotonic()
                self._bars.restart()
            if self.connected and self._price_stream is not None:
                self._set_state(FeedState.LIVE, f"OANDA {name} stream connected")

    def _stream_down(self, name: str, reason: str) -> None:
        with self._lock:
            if name == "transactions":
                self._flush_held()
            if self._state is not FeedState.RECONNECTING and self._price_stream is not None:
                self._set_state(FeedState.RECONNECTING, f"OANDA {name} stream: {reason}")

    def _set_state(self, state: FeedState, detail: str) -> None:
        if self._closed.is_set() or state is self._state:
            return
        self._state = state
        log.info("OANDA feed %s: %s", state.value, detail)
        for market in tuple(self._markets):
            market.on_feed_state(state, detail)


def _market_creation(tx: Json) -> bool:
    return tx.get("type") == "MARKET_ORDER" and "replacesOrderID" not in tx


def _answers(creation: Json, tx: Json) -> bool:
    """`tx` is the fill or the cancel of `creation` in the same batch."""
    return (
        tx.get("type") in ("ORDER_FILL", "ORDER_CANCEL")
        and str(tx.get("orderID")) == str(creation["id"])
        and tx.get("batchID", tx["id"]) == creation.get("batchID", creation["id"])
    )


__all__ = ["OandaBroker"]
