"""Binance's words and ours: order types, statuses, and the sequence numbers of reports.

Plain orders (MARKET, LIMIT) go to `/fapi/v1/order` with `newClientOrderId` = `Order.id`;
conditional ones go to the algo service (`/fapi/v1/algoOrder`) with `clientAlgoId` =
`Order.id` (python-binance would invent one otherwise). When an algo order triggers, Binance
places a plain order for it, whose id the adapter maps back to the same client id.

Sequence numbers. The port wants one number per venue change, increasing over all reports, the
same for every copy of a change. Binance has none, but its transaction time `T` is strictly
ordered on one connection and is the `updateTime` of the REST answer for the same change, so
`seq = T * 1000 + n`, where n counts distinct changes already seen at that millisecond
(normally 0). A REST answer and the stream frame of one change get the same number.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order, OrderStatus, Trail

PLAIN: Final = {OrderType.MARKET: "MARKET", OrderType.LIMIT: "LIMIT"}
ALGO: Final = {
    OrderType.STOP: "STOP_MARKET",
    OrderType.STOP_LIMIT: "STOP",
    OrderType.MARKET_IF_TOUCHED: "TAKE_PROFIT_MARKET",
    OrderType.LIMIT_IF_TOUCHED: "TAKE_PROFIT",
    OrderType.TRAILING_STOP: "TRAILING_STOP_MARKET",
}
DOMAIN_TYPES: Final = {v: k for k, v in {**PLAIN, **ALGO}.items()}
ORDER_STATUS: Final = {
    "NEW": OrderStatus.ACCEPTED,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELLED,
    "EXPIRED": OrderStatus.EXPIRED,
    "EXPIRED_IN_MATCH": OrderStatus.EXPIRED,
    "REJECTED": OrderStatus.REJECTED,
}
ALGO_STATUS: Final = {
    "NEW": OrderStatus.ACCEPTED,
    "TRIGGERING": OrderStatus.ACCEPTED,
    "CANCELED": OrderStatus.CANCELLED,
    "EXPIRED": OrderStatus.EXPIRED,
    "REJECTED": OrderStatus.REJECTED,
}

Key = tuple[str, int]  # ("o", orderId) or ("a", algoId): one venue record


def when(ms: int | str) -> datetime:
    return datetime.fromtimestamp(int(ms) / 1000, tz=UTC)


def dec(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    number = Decimal(str(value))
    return number


def positive(value: Any) -> Decimal | None:
    number = dec(value)
    return number if number is not None and number > 0 else None


def side_of(value: str) -> Side:
    return Side.BUY if value.upper() == "BUY" else Side.SELL


def venue_side(side: Side) -> str:
    return "BUY" if side is Side.BUY else "SELL"


def rebuild(cid: str, entry: dict[str, Any], *, algo: bool) -> Order:
    """The order's terms from a venue record (an order placed by another run or by hand)."""
    venue_type = str(entry.get("orderType" if algo else "type", "MARKET"))
    kind = DOMAIN_TYPES.get(venue_type, OrderType.MARKET)
    qty = positive(entry.get("quantity" if algo else "origQty")) or Decimal(1)
    price = positive(entry.get("price"))
    trigger = positive(entry.get("triggerPrice" if algo else "stopPrice"))
    fields: dict[str, Any] = {}
    if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED):
        fields["price"] = price or Decimal(1)
    if kind in (
        OrderType.STOP,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
    ):
        fields["trigger"] = trigger or Decimal(1)
    if kind is OrderType.TRAILING_STOP:
        fields["trail"] = Trail.ratio(positive(entry.get("callbackRate")) or Decimal(1))
    reduce = bool(entry.get("reduceOnly")) or bool(entry.get("closePosition"))
    return Order(
        cid, side_of(str(entry.get("side", "BUY"))), kind, qty, reduce_only=reduce, **fields
    )


class Sequencer:
    """`seq = T * 1000 + n` per distinct change (module docstring)."""

    def __init__(self) -> None:
        self._known: dict[tuple[Key, int], int] = {}
        self._at: defaultdict[int, int] = defaultdict(int)

    def seq(self, key: Key, t: int) -> int:
        found = self._known.get((key, t))
        if found is None:
            n = self._at[t]
            self._at[t] = n + 1
            found = self._known[(key, t)] = t * 1000 + min(n, 999)
        return found


__all__ = ["ALGO", "ALGO_STATUS", "DOMAIN_TYPES", "ORDER_STATUS", "PLAIN", "Sequencer", "rebuild"]
