"""The port's values <-> JSON-able data, exactly: what a broker process and its client exchange.

The paper venue as its own process (`tradeplan paper serve`, `brokers/paper/remote.py`) sends
order updates, reports, fills, bars and quotes over a socket, and the client must get back the
very values the venue made: a fill price that came back as a float, or a time shifted by a time
zone, would make a live run differ from the backtest it is compared with. So Decimals travel as
their text, times as ISO 8601 with their UTC offset, enums as their values, orders through the
order codec (`orders/codec.py`), and every reader is strict: a missing or unknown field raises
`CodecError`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from tradeplan.core.enums import Side
from tradeplan.orders.codec import (
    CodecError,
    dec,
    exact_keys,
    integer,
    order_from_data,
    order_to_data,
    text,
    undec,
)
from tradeplan.orders.model import OrderEvent, OrderStatus
from tradeplan.ports.broker import AccountSnapshot, OrderUpdate, PriceTouch, Quote
from tradeplan.ports.live import (
    FeedState,
    FillBatch,
    FillReport,
    LiveBar,
    OrderReport,
    PositionReport,
)


def time_to_data(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no UTC offset")
    return moment.isoformat()


def time_from_data(data: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(text(data))
    except ValueError as exc:
        raise CodecError(f"{data!r} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        raise CodecError(f"{data!r} has no UTC offset")
    return moment


def number(data: Any) -> Decimal:
    """A Decimal that must be there."""
    value = undec(data)
    if value is None:
        raise CodecError("a number is missing")
    return value


# --- order updates and touches ------------------------------------------------------------------

_UPDATE = ("kind", "order", "time", "fill_price", "fill_qty", "fee", "reason", "bid", "ask")
_UPDATE_FIELDS = frozenset({*_UPDATE, "trigger", "limit", "seq", "trade_id"})


def update_to_data(update: OrderUpdate) -> dict[str, Any]:
    return {
        "kind": update.kind.value,
        "order": order_to_data(update.order),
        "time": time_to_data(update.time),
        "fill_price": dec(update.fill_price),
        "fill_qty": dec(update.fill_qty),
        "fee": str(update.fee),
        "reason": update.reason,
        "bid": dec(update.bid),
        "ask": dec(update.ask),
        "trigger": dec(update.trigger),
        "limit": dec(update.limit),
        "seq": update.seq,
        "trade_id": update.trade_id,
    }


def update_from_data(data: Any) -> OrderUpdate:
    exact_keys(data, _UPDATE_FIELDS, "order update")
    return OrderUpdate(
        kind=OrderEvent(data["kind"]),
        order=order_from_data(data["order"]),
        time=time_from_data(data["time"]),
        fill_price=undec(data["fill_price"]),
        fill_qty=undec(data["fill_qty"]),
        fee=number(data["fee"]),
        reason=text(data["reason"]),
        bid=undec(data["bid"]),
        ask=undec(data["ask"]),
        trigger=undec(data["trigger"]),
        limit=undec(data["limit"]),
        seq=integer(data["seq"]),
        trade_id=text(data["trade_id"]),
    )


def touch_to_data(touch: PriceTouch) -> dict[str, Any]:
    return {
        "watch_id": touch.watch_id,
        "time": time_to_data(touch.time),
        "price": str(touch.price),
        "bid": dec(touch.bid),
        "ask": dec(touch.ask),
    }


def touch_from_data(data: Any) -> PriceTouch:
    exact_keys(data, ("watch_id", "time", "price", "bid", "ask"), "price touch")
    return PriceTouch(
        text(data["watch_id"]),
        time_from_data(data["time"]),
        number(data["price"]),
        undec(data["bid"]),
        undec(data["ask"]),
    )


# --- the account ----------------------------------------------------------------------------------


def quote_to_data(quote: Quote | None) -> dict[str, Any] | None:
    if quote is None:
        return None
    return {"time": time_to_data(quote.time), "bid": str(quote.bid), "ask": str(quote.ask)}


def quote_from_data(data: Any) -> Quote | None:
    if data is None:
        return None
    exact_keys(data, ("time", "bid", "ask"), "quote")
    return Quote(time_from_data(data["time"]), number(data["bid"]), number(data["ask"]))


def account_to_data(account: AccountSnapshot) -> dict[str, Any]:
    return {
        "currency": account.currency,
        "balance": str(account.balance),
        "equity": str(account.equity),
        "margin_used": str(account.margin_used),
        "margin_available": dec(account.margin_available),
    }


def account_from_data(data: Any) -> AccountSnapshot:
    exact_keys(
        data, ("currency", "balance", "equity", "margin_used", "margin_available"), "account"
    )
    return AccountSnapshot(
        text(data["currency"]),
        number(data["balance"]),
        number(data["equity"]),
        number(data["margin_used"]),
        undec(data["margin_available"]),
    )


# --- reports --------------------------------------------------------------------------------------

_REPORT_FIELDS = ("order", "venue_id", "status", "filled_qty", "average_price", "time", "seq")
_FILL_FIELDS = (
    "trade_id",
    "client_id",
    "venue_order_id",
    "symbol",
    "side",
    "qty",
    "price",
    "time",
    "fee",
    "seq",
)


def report_to_data(report: OrderReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {
        "order": order_to_data(report.order),
        "venue_id": report.venue_id,
        "status": report.status.value,
        "filled_qty": str(report.filled_qty),
        "average_price": dec(report.average_price),
        "time": time_to_data(report.time),
        "seq": report.seq,
    }


def report_from_data(data: Any) -> OrderReport | None:
    if data is None:
        return None
    exact_keys(data, _REPORT_FIELDS, "order report")
    return OrderReport(
        order_from_data(data["order"]),
        text(data["venue_id"]),
        OrderStatus(data["status"]),
        number(data["filled_qty"]),
        undec(data["average_price"]),
        time_from_data(data["time"]),
        integer(data["seq"]),
    )


def reports_from_data(data: Any) -> tuple[OrderReport, ...]:
    reports = tuple(report_from_data(item) for item in _list(data, "order reports"))
    if any(r is None for r in reports):
        raise CodecError("an order report is null")
    return tuple(r for r in reports if r is not None)


def fill_to_data(fill: FillReport) -> dict[str, Any]:
    return {
        "trade_id": fill.trade_id,
        "client_id": fill.client_id,
        "venue_order_id": fill.venue_order_id,
        "symbol": fill.symbol,
        "side": fill.side.value,
        "qty": str(fill.qty),
        "price": str(fill.price),
        "time": time_to_data(fill.time),
        "fee": str(fill.fee),
        "seq": fill.seq,
    }


def fill_from_data(data: Any) -> FillReport:
    exact_keys(data, _FILL_FIELDS, "fill")
    return FillReport(
        text(data["trade_id"]),
        text(data["client_id"]),
        text(data["venue_order_id"]),
        text(data["symbol"]),
        Side(data["side"]),
        number(data["qty"]),
        number(data["price"]),
        time_from_data(data["time"]),
        number(data["fee"]),
        integer(data["seq"]),
    )


def batch_to_data(batch: FillBatch) -> dict[str, Any]:
    return {"fills": [fill_to_data(f) for f in batch.fills], "cursor": batch.cursor}


def batch_from_data(data: Any) -> FillBatch:
    exact_keys(data, ("fills", "cursor"), "fill batch")
    fills = tuple(fill_from_data(item) for item in _list(data["fills"], "fills"))
    return FillBatch(fills, text(data["cursor"]))


def position_to_data(position: PositionReport) -> dict[str, Any]:
    return {
        "symbol": position.symbol,
        "qty": str(position.qty),
        "average_price": dec(position.average_price),
    }


def position_from_data(data: Any) -> PositionReport:
    exact_keys(data, ("symbol", "qty", "average_price"), "position")
    return PositionReport(text(data["symbol"]), number(data["qty"]), undec(data["average_price"]))


def positions_from_data(data: Any) -> tuple[PositionReport, ...]:
    return tuple(position_from_data(item) for item in _list(data, "positions"))


# --- market data ----------------------------------------------------------------------------------

_BAR_FIELDS = ("symbol", "open_time", "close_time", "open", "high", "low", "close")


def bar_to_data(bar: LiveBar) -> dict[str, Any]:
    return {
        "symbol": bar.symbol,
        "open_time": time_to_data(bar.open_time),
        "close_time": time_to_data(bar.close_time),
        "open": str(bar.open),
        "high": str(bar.high),
        "low": str(bar.low),
        "close": str(bar.close),
        "volume": dec(bar.volume),
        "spread": str(bar.spread),
    }


def bar_from_data(data: Any) -> LiveBar:
    exact_keys(data, _BAR_FIELDS, "bar", "volume", "spread")
    return LiveBar(
        text(data["symbol"]),
        time_from_data(data["open_time"]),
        time_from_data(data["close_time"]),
        number(data["open"]),
        number(data["high"]),
        number(data["low"]),
        number(data["close"]),
        undec(data["volume"]),
        number(data["spread"]),
    )


def feed_state_from_data(data: Any) -> FeedState:
    try:
        return FeedState(text(data))
    except ValueError as exc:
        raise CodecError(f"{data!r} is not a feed state") from exc


def _list(data: Any, what: str) -> list[Any]:
    if not isinstance(data, list):
        raise CodecError(f"{what} are a JSON list")
    return data


__all__ = [
    "CodecError",
    "account_from_data",
    "account_to_data",
    "bar_from_data",
    "bar_to_data",
    "batch_from_data",
    "batch_to_data",
    "feed_state_from_data",
    "fill_from_data",
    "fill_to_data",
    "position_from_data",
    "position_to_data",
    "positions_from_data",
    "quote_from_data",
    "quote_to_data",
    "report_from_data",
    "report_to_data",
    "reports_from_data",
    "time_from_data",
    "time_to_data",
    "touch_from_data",
    "touch_to_data",
    "update_from_data",
    "update_to_data",
]
