"""`FutuBroker`: the live broker port on FutuOpenD (US stocks), through the real SDK.

No client order id exists on Futu: the intent's client id goes in `remark` (at most 64 bytes)
and every report is matched on it. A `place_order` success only means the gateway got the
order; state changes arrive as Trd_UpdateOrder / Trd_UpdateOrderFill pushes (`tracking`).
An answer that never comes (the SDK's timeout, a dropped connection) is OutcomeUnknown; a
TIMEOUT / WAITING_SUBMIT status is resolved by asking the server (`refresh_cache=True`) for the
order with that remark. "Trade locked" is answered by one unlock (rate limited to 10 per 30 s)
and one retry; a rate-limit reply by one retry after a pause.
"""

from __future__ import annotations

import logging
import threading
import time as _time
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from tradeplan.brokers.futu.config import FutuConfig
from tradeplan.brokers.futu.gateway import close_context, open_context
from tradeplan.brokers.futu.mapping import IN_DOUBT, WORKING, dec, outgoing, qty, terms_of_fields
from tradeplan.brokers.futu.market_data import BarFeed
from tradeplan.brokers.futu.replies import (
    LOCKED,
    RATE,
    RateWindow,
    UnlockRefused,
    is_transport,
    says,
)
from tradeplan.brokers.futu.sdk import load_sdk
from tradeplan.brokers.futu.tracking import STATUS, Tracker, side_of, venue_ms, venue_time
from tradeplan.core.enums import AssetClass, Side
from tradeplan.core.instrument import Instrument
from tradeplan.orders.model import Order, OrderStatus
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
from tradeplan.ports.profiles import FUTU, AssetDefaults, BrokerProfile

log = logging.getLogger(__name__)

REMARK_BYTES = 64


class FutuBroker:
    """See the module docstring. `code` is Futu's code (`US.NVDA`); reports name the plan's
    instrument symbol (for a US stock the same text)."""

    def __init__(
        self,
        config: FutuConfig,
        instrument: Instrument,
        environ: Mapping[str, str],
        *,
        code: str | None = None,
        connect_timeout: float = 10.0,
        answer_timeout: float = 5.0,
        reconnect: float = 2.0,
        retry_pause: float = 1.0,
        stale_after: float | None = None,
        bar_seconds: int = 60,
    ) -> None:
        self.config = config
        self.instrument = instrument
        self.code = code or instrument.symbol
        self._environ = environ
        self._futu = load_sdk(environ)
        self._timeouts = (connect_timeout, answer_timeout, reconnect)
        self._retry_pause = retry_pause
        self.tracker = Tracker()
        self._listener: BrokerListener | None = None
        self._lock = threading.RLock()
        self._unlocks = RateWindow(10, 30.0)
        self._watches: dict[str, tuple[Side, Decimal]] = {}
        self._in_doubt: set[str] = set()
        self._links = {"trade": True, "quote": True}
        self._up = threading.Event()
        self._up.set()
        self._closed = False
        self.pushes_seen = 0
        self.feed = BarFeed(self, bar_seconds, stale_after)
        self.lot_size = 1
        self.trade: Any = None
        self.quote_ctx: Any = None
        self._profile: BrokerProfile = FUTU
        self._start()

    # --- connection ----------------------------------------------------------------------

    def _start(self) -> None:
        connect_timeout, answer_timeout, reconnect = self._timeouts
        self.trade = open_context(
            "trade",
            self.config,
            self._environ,
            timeout=connect_timeout,
            answer_timeout=answer_timeout,
            reconnect=reconnect,
            on_link=lambda up: self._link("trade", up),
        )
        try:
            self._check_account()
            self._set_trade_handlers()
            if self.config.real:
                try:
                    self._unlock()
                except UnlockRefused as exc:
                    raise AdapterConfigError(str(exc)) from None
            self._load()
            self.quote_ctx = open_context(
                "quote",
                self.config,
                self._environ,
                timeout=connect_timeout,
                answer_timeout=answer_timeout,
                reconnect=reconnect,
                on_link=lambda up: self._link("quote", up),
            )
            self.feed.attach(self.quote_ctx)
            self._read_rules()
        except BaseException:
            self.close()
            raise

    def _link(self, which: str, up: bool) -> None:
        with self._lock:
            was_up = all(self._links.values())
            self._links[which] = up
            now_up = all(self._links.values())
        if was_up and not now_up:
            self._up.clear()
            self.feed.state(FeedState.RECONNECTING, f"FutuOpenD {which} connection lost")
        elif now_up and not was_up:
            # What happened while away is read again (not reported: `fills_since` and the
            # runtime's reconcile do that), so later fills are counted against all of it.
            threading.Thread(target=self._reload, daemon=True, name="futu-reload").start()
            self._up.set()
            self.feed.state(FeedState.LIVE, "FutuOpenD connection back")

    def _reload(self) -> None:
        try:
            self._load()
        except BrokerUnavailable as exc:
            log.warning("Futu: reading orders and fills after a reconnect failed: %s", exc)

    @property
    def connected(self) -> bool:
        return self._up.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._up.wait(timeout)

    def close(self) -> None:
        self._closed = True
        self.feed.close()
        for ctx in (self.quote_ctx, self.trade):
            if ctx is not None:
                close_context(ctx)

    def _set_trade_handlers(self) -> None:
        futu = self._futu
        broker = self

        class Orders(futu.TradeOrderHandlerBase):  # type: ignore[misc,name-defined]
            def on_recv_rsp(self, rsp_pb: Any) -> tuple[int, Any]:
                ret, row = futu.trade.trade_query.UpdateOrderPush.unpack_rsp(rsp_pb)
                try:
                    if ret == futu.RET_OK:
                        broker._on_order(row)
                finally:
                    broker._counted()  # after the listener has it (tests wait on the count)
                return ret, None

        class Fills(futu.TradeDealHandlerBase):  # type: ignore[misc,name-defined]
            def on_recv_rsp(self, rsp_pb: Any) -> tuple[int, Any]:
                ret, row = futu.trade.trade_query.UpdateDealPush.unpack_rsp(rsp_pb)
                try:
                    if ret == futu.RET_OK:
                        broker._on_fill(row)
                finally:
                    broker._counted()
                return ret, None

        self.trade.set_handler(Orders())
        self.trade.set_handler(Fills())

    def _check_account(self) -> None:
        ret, frame = self.trade.get_acc_list()
        if ret != self._futu.RET_OK:
            raise BrokerUnavailable(f"FutuOpenD account list failed: {frame}")
        ids = [int(r["acc_id"]) for r in self._rows(frame) if str(r["trd_env"]) == self._env()]
        env = "real" if self.config.real else "simulate"
        if not ids:
            raise AdapterConfigError(
                f"OpenD lists no US securities account for FUTU_TRD_ENV={env}: log OpenD in with "
                "an account that trades US stocks, or change FUTU_TRD_ENV"
            )
        if self.config.acc_id and self.config.acc_id not in ids:
            raise AdapterConfigError(
                f"FUTU_ACC_ID is not among OpenD's US accounts for FUTU_TRD_ENV={env} "
                f"({len(ids)} listed): unset it for the first one, or pick one of them"
            )

    def _counted(self) -> None:
        with self._lock:
            self.pushes_seen += 1

    def _unlock(self) -> None:
        if not self._unlocks.wait(longest=self._retry_pause * 5):
            raise BrokerUnavailable("unlock_trade is limited to 10 calls in 30 s: try later")
        ret, msg = self.trade.unlock_trade(password_md5=self.config.password_md5)
        if ret != self._futu.RET_OK:
            text = str(msg)
            if is_transport(text):
                raise BrokerUnavailable(f"FutuOpenD did not answer unlock_trade: {text}")
            raise UnlockRefused(
                f"FutuOpenD refused the trading password ({text}): check FUTU_TRADE_PASSWORD_MD5 "
                "or FUTU_TRADE_PASSWORD"
            )

    def _relock(self, client_id: str) -> None:
        """Unlock again after a 'locked' reply (which proved the command was not taken)."""
        try:
            self._unlock()
        except UnlockRefused as exc:
            raise OrderRejected(client_id, str(exc)) from None
        except BrokerUnavailable as exc:
            # Not taken, and not final: the runtime's lookup proves it absent before a resend.
            raise OutcomeUnknown(client_id, f"trade locked, unlock failed: {exc}") from None

    def _env(self) -> str:
        return str(self._futu.TrdEnv.REAL if self.config.real else self._futu.TrdEnv.SIMULATE)

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """A query; BrokerUnavailable when it gets no good answer (a query proves nothing)."""
        ret, data = fn(*args, trd_env=self._env(), acc_id=self.config.acc_id, **kwargs)
        if ret != self._futu.RET_OK:
            raise BrokerUnavailable(f"FutuOpenD {what} failed: {data}")
        return data

    def _rows(self, frame: Any) -> list[dict[str, Any]]:
        return list(frame.to_dict("records")) if frame is not None and len(frame) else []

    def _ours(self, row: dict[str, Any]) -> bool:
        return str(row.get("code", "")) == self.code

    def _load(self) -> None:
        """Today's orders and fills, so a restarted client knows what it placed before."""
        for row in self._rows(self._call("order list", self.trade.order_list_query)):
            if self._ours(row):
                self.tracker.order_state(row, push=False, report=False)
        for deal in self._rows(self._call("fill list", self.trade.deal_list_query)):
            self.tracker.fill(deal, push=False, report=False)

    def _read_rules(self) -> None:
        futu = self._futu
        ret, frame = self.quote_ctx.get_stock_basicinfo(
            futu.Market.US, futu.SecurityType.STOCK, [self.code]
        )
        if ret != futu.RET_OK:
            raise BrokerUnavailable(f"FutuOpenD static info for {self.code} failed: {frame}")
        rows = self._rows(frame)
        if not rows:
            raise BrokerUnavailable(f"FutuOpenD knows no US stock {self.code}")
        self.lot_size = int(rows[0].get("lot_size") or 1)
        defaults = AssetDefaults(step=Decimal(self.lot_size), max_leverage=Decimal(2))
        self._profile = replace(FUTU, defaults=((AssetClass.US_STOCK, defaults),))

    # --- pushes --------------------------------------------------------------------------

    def _emit(self, updates: list[OrderUpdate]) -> None:
        listener = self._listener
        if listener is None or self._closed:
            return  # a closed client hears nothing more (the SDK may still hand over a push)
        for update in updates:
            listener.on_order_update(update)

    def _on_order(self, row: dict[str, Any]) -> None:
        if not self._ours(row):
            return
        self._emit(self.tracker.order_state(row, push=True, report=True))

    def _on_fill(self, deal: dict[str, Any]) -> None:
        order_id = str(deal.get("order_id", ""))
        if self.tracker.client_of(order_id) is None:
            try:
                frame = self._call("order list", self.trade.order_list_query, order_id=order_id)
            except BrokerUnavailable:
                log.warning("fill %s of unknown order %s", deal.get("deal_id"), order_id)
                return
            for row in self._rows(frame):
                self.tracker.order_state(row, push=False, report=False)
        self._emit(self.tracker.fill(deal, push=True, report=True))

    def on_bar(self, bar: LiveBar) -> None:
        """Watches are the adapter's (Futu watches nothing): met on a closed bar's range."""
        with self._lock:
            met = [
                (wid, level)
                for wid, (side, level) in self._watches.items()
                if (bar.high >= level if side is Side.SELL else bar.low <= level)
            ]
            for wid, _ in met:
                del self._watches[wid]
        listener = self._listener
        for wid, level in met:
            if listener is not None:
                listener.on_price_touch(PriceTouch(wid, bar.close_time, level))

    # --- the port: commands --------------------------------------------------------------

    @property
    def profile(self) -> BrokerProfile:
        return self._profile

    def connect(self, listener: BrokerListener) -> None:
        self._listener = listener

    def submit(self, order: Order) -> None:
        cid = order.id
        if len(cid.encode("utf-8")) > REMARK_BYTES:
            raise OrderRejected(cid, f"client id longer than Futu's {REMARK_BYTES}-byte remark")
        if order.activation is not None:
            raise OrderRejected(cid, "Futu's trailing orders have no activation price")
        if order.qty % self.lot_size:
            raise OrderRejected(cid, f"quantity {order.qty} is not a multiple of the lot size")
        with self._lock:
            if cid in self.tracker.by_client:
                raise OrderRejected(cid, "client id in use: an order with this remark exists")
        fields = outgoing(order, self.config.default_session)
        self.tracker.expect(cid, order, terms_of_fields(fields))
        row = self._place(cid, fields)
        order_id = str(row["order_id"])
        self.tracker.sent(cid, order_id, order, terms_of_fields(fields))
        if str(row.get("order_status", "")) in IN_DOUBT or not _known(row):
            row = self._resolve(cid, order_id) or row
        if _known(row):
            self._emit(self.tracker.order_state(row, push=False, report=True))

    def _place(self, cid: str, fields: dict[str, Any]) -> dict[str, Any]:
        futu = self._futu
        kwargs = dict(fields)
        kwargs["price"] = float(kwargs["price"])
        kwargs["qty"] = float(kwargs["qty"])
        for name in ("aux_price", "trail_value", "trail_spread"):
            if name in kwargs:
                kwargs[name] = float(kwargs[name])
        retried: set[str] = set()
        while True:
            try:
                ret, data = self.trade.place_order(
                    code=self.code,
                    trd_env=self._env(),
                    acc_id=self.config.acc_id,
                    remark=cid,
                    **kwargs,
                )
            except Exception as exc:  # the SDK raising: nobody knows
                raise OutcomeUnknown(cid, f"place_order raised {type(exc).__name__}") from None
            if ret == futu.RET_OK:
                rows = self._rows(data)
                return rows[0] if rows else {"order_id": ""}
            msg = str(data)
            if is_transport(msg):
                self._in_doubt.add(cid)
                raise OutcomeUnknown(cid, f"no answer from FutuOpenD ({msg})")
            if says(msg, LOCKED) and self.config.real and "locked" not in retried:
                retried.add("locked")
                self._relock(cid)
                continue
            if says(msg, RATE):
                if "rate" in retried:
                    # Refused twice for the pace, not on its merits: not final. The runtime
                    # looks it up (absent) before it sends again.
                    raise OutcomeUnknown(cid, f"FutuOpenD rate limit, twice ({msg})")
                retried.add("rate")
                _time.sleep(self._retry_pause)
                continue
            raise OrderRejected(cid, msg)

    def _resolve(self, cid: str, order_id: str) -> dict[str, Any] | None:
        try:
            frame = self._call(
                "order list", self.trade.order_list_query, order_id=order_id, refresh_cache=True
            )
        except BrokerUnavailable:
            self._in_doubt.add(cid)
            return None
        rows = [r for r in self._rows(frame) if str(r.get("remark")) == cid]
        return rows[0] if rows else None

    def _order_id(self, client_id: str) -> str:
        order_id = self.tracker.by_client.get(client_id)
        if order_id is None:
            report = self.lookup(client_id)
            order_id = report.venue_id if report else None
        if order_id is None:
            raise OrderRejected(client_id, "no order with this client id at Futu")
        return order_id

    def _modify(self, client_id: str, op: str, **terms: Any) -> None:
        futu = self._futu
        order_id = self._order_id(client_id)
        retried: set[str] = set()
        while True:
            try:
                ret, data = self.trade.modify_order(
                    op, order_id, trd_env=self._env(), acc_id=self.config.acc_id, **terms
                )
            except Exception as exc:
                raise OutcomeUnknown(
                    client_id, f"modify_order raised {type(exc).__name__}"
                ) from None
            if ret == futu.RET_OK:
                return
            msg = str(data)
            if is_transport(msg):
                raise OutcomeUnknown(client_id, f"no answer from FutuOpenD ({msg})")
            if says(msg, LOCKED) and self.config.real and "locked" not in retried:
                retried.add("locked")
                self._relock(client_id)
                continue
            if says(msg, RATE) and "rate" not in retried:
                retried.add("rate")
                _time.sleep(self._retry_pause)
                continue
            raise OrderRejected(client_id, msg)

    def cancel(self, order_id: str) -> None:
        self._modify(order_id, self._futu.ModifyOrderOp.CANCEL, qty=0, price=0)

    def amend(
        self,
        order_id: str,
        *,
        price: Decimal | None = None,
        trigger: Decimal | None = None,
        qty: Decimal | None = None,
    ) -> None:
        track_id = self.tracker.by_client.get(order_id)
        track = self.tracker.by_order.get(track_id) if track_id else None
        current = track.order() if track else None
        if current is None:
            report = self.lookup(order_id)
            current = report.order if report else None
        if current is None:
            raise OrderRejected(order_id, "no order with this client id at Futu")
        changed = replace(
            current,
            price=price if price is not None else current.price,
            trigger=trigger if trigger is not None else current.trigger,
            qty=qty if qty is not None else current.qty,
        )
        fields = outgoing(changed, self.config.default_session)
        terms: dict[str, Any] = {"qty": float(fields["qty"]), "price": float(fields["price"])}
        for name in ("aux_price", "trail_type", "trail_value", "trail_spread"):
            if name in fields:
                value = fields[name]
                terms[name] = value if isinstance(value, str) else float(value)
        self._modify(order_id, self._futu.ModifyOrderOp.NORMAL, **terms)

    def watch(self, watch_id: str, side: Side, level: Decimal) -> None:
        with self._lock:
            self._watches[watch_id] = (side, level)

    def unwatch(self, watch_id: str) -> None:
        with self._lock:
            self._watches.pop(watch_id, None)

    # --- the port: queries ---------------------------------------------------------------

    def account(self) -> AccountSnapshot:
        frame = self._call("funds", self.trade.accinfo_query, currency=self._futu.Currency.USD)
        rows = self._rows(frame)
        if not rows:
            raise BrokerUnavailable("FutuOpenD returned no funds")
        row = rows[0]
        cash, total = dec(row["cash"]), dec(row["total_assets"])
        power = row.get("power")
        return AccountSnapshot(
            "USD",
            cash,
            total,
            margin_available=dec(power) if power not in (None, "N/A") else None,
        )

    def quote(self) -> Quote | None:
        return self.feed.quote()

    def _report(self, row: dict[str, Any]) -> OrderReport | None:
        track = self.tracker.track_of_row(row)
        if track is None:
            return None
        self.tracker.order_state(row, push=False, report=False)
        order = track.order()
        if order is None:
            return None
        status = STATUS.get(str(row.get("order_status")), OrderStatus.SUBMITTED)
        filled = qty(row.get("dealt_qty") or 0)
        average = dec(row["dealt_avg_price"]) if filled else None
        stamp = str(row.get("updated_time", ""))
        return OrderReport(
            order=order,
            venue_id=str(row["order_id"]),
            status=status,
            filled_qty=filled,
            average_price=average,
            time=venue_time(stamp),
            seq=max(venue_ms(stamp), 0) * 1000,
        )

    def lookup(self, client_id: str) -> OrderReport | None:
        """Today's orders (the one with the known order id, or all of them) matched on the
        remark, then the order history: None only when both answered without it. After an
        unknown outcome the gateway's cache is bypassed (`refresh_cache`, rate limited)."""
        order_id = self.tracker.by_client.get(client_id)
        refresh = client_id in self._in_doubt
        chosen = {"order_id": order_id} if order_id else {}
        frame = self._call(
            "order list", self.trade.order_list_query, refresh_cache=refresh, **chosen
        )
        rows = self._matching(frame, client_id)
        if not rows:
            frame = self._call("history order list", self.trade.history_order_list_query)
            rows = self._matching(frame, client_id)
        if not rows:
            return None
        self._in_doubt.discard(client_id)
        rows.sort(key=lambda r: venue_ms(str(r.get("updated_time", ""))))
        return self._report(rows[-1])

    def _matching(self, frame: Any, client_id: str) -> list[dict[str, Any]]:
        return [r for r in self._rows(frame) if str(r.get("remark")) == client_id and self._ours(r)]

    def open_orders(self) -> tuple[OrderReport, ...]:
        frame = self._call("order list", self.trade.order_list_query)
        reports = []
        for row in self._rows(frame):
            if self._ours(row) and str(row.get("order_status")) in WORKING | IN_DOUBT:
                report = self._report(row)
                if report is not None:
                    reports.append(report)
        return tuple(reports)

    def positions(self) -> tuple[PositionReport, ...]:
        frame = self._call("position list", self.trade.position_list_query)
        out = []
        for row in self._rows(frame):
            held = qty(row["qty"])
            if str(row.get("position_side")) == "SHORT":
                held = -abs(held)
            if held == 0:
                continue
            code = str(row["code"])
            symbol = self.instrument.symbol if code == self.code else code
            cost = row.get("cost_price")
            average = dec(cost) if cost not in (None, "N/A") else None
            out.append(PositionReport(symbol, held, average))
        return tuple(out)

    def fills_since(self, cursor: str | None) -> FillBatch:
        """Today's fills after the cursor (`<venue ms>:<fill id>` of the last one returned);
        with no cursor the history list too (Futu keeps 90 days)."""
        deals = self._rows(self._call("fill list", self.trade.deal_list_query))
        if cursor is None:
            deals += self._rows(self._call("history fill list", self.trade.history_deal_list_query))
        unique = {str(d["deal_id"]): d for d in deals}
        keyed = sorted(
            ((venue_ms(str(d.get("create_time", ""))), fid, d) for fid, d in unique.items()),
            key=lambda item: (item[0], _id_key(item[1])),
        )
        after = _parse_cursor(cursor)
        fills = []
        last = cursor or "0:"
        for ms, fid, deal in keyed:
            if after is not None and (ms, _id_key(fid)) <= after:
                continue
            self.tracker.fill(deal, push=False, report=False)
            code = str(deal.get("code", ""))
            fills.append(
                FillReport(
                    trade_id=fid,
                    client_id=self.tracker.client_of(str(deal.get("order_id"))) or "",
                    venue_order_id=str(deal.get("order_id", "")),
                    symbol=self.instrument.symbol if code == self.code else code,
                    side=side_of(str(deal.get("trd_side"))),
                    qty=qty(deal["qty"]),
                    price=dec(deal["price"]),
                    time=venue_time(str(deal.get("create_time", ""))),
                )
            )
            last = f"{ms}:{fid}"
        return FillBatch(tuple(fills), last)

    def history(self, bars: int) -> tuple[LiveBar, ...]:
        return self.feed.history(bars)

    def subscribe(self, listener: MarketListener) -> None:
        self.feed.listen(listener)

    def unsubscribe(self, listener: MarketListener) -> None:
        self.feed.unlisten(listener)


def _known(row: dict[str, Any]) -> bool:
    """`place_order` fills in the order's fields only when its follow-up query answered."""
    return isinstance(row.get("updated_time"), str) and bool(row.get("updated_time"))


def _id_key(fill_id: str) -> str:
    """Futu's fill ids are numbers: compared as such (a shorter id is a smaller one)."""
    return fill_id.zfill(24)


def _parse_cursor(cursor: str | None) -> tuple[int, str] | None:
    if not cursor:
        return None
    ms, _, fid = cursor.partition(":")
    return (int(ms), _id_key(fid)) if ms.isdigit() else None


__all__ = ["FutuBroker"]
