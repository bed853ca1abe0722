"""The fake OANDA's account: orders, trades, positions and the transaction log.

The matching is the paper venue's (`LivePaperVenue`: same fill model as the backtest, fed the
bars a test asks for); this module turns what it reports into what OANDA v20 keeps and says:
transactions with one increasing id per account (an order's id is the id of the transaction
that created it), orders that are replaced by a new id on amendment, a netting (FIFO) account
whose fills open, reduce or close trades oldest first, and reject transactions for refusals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tradeplan.core.enums import OrderType, Side, TimeInForce
from tradeplan.orders.model import Order, OrderEvent
from tradeplan.ports.broker import OrderUpdate

Json = dict[str, Any]

OANDA_TYPES = {
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "LIMIT",
    OrderType.STOP: "STOP",
    OrderType.MARKET_IF_TOUCHED: "MARKET_IF_TOUCHED",
}
PAPER_TYPES = {name: kind for kind, name in OANDA_TYPES.items()}


def wire_time(moment: datetime) -> str:
    """RFC 3339 with nanoseconds, as OANDA writes times."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def text(value: Decimal) -> str:
    return format(value, "f")


@dataclass
class Trade:
    id: str
    instrument: str
    units: Decimal  # signed, current
    initial: Decimal
    price: Decimal
    open_time: str
    client_id: str = ""
    state: str = "OPEN"


@dataclass
class FakeOrder:
    """One OANDA order (a replacement is a new one); `client_id` from clientExtensions.id."""

    id: str
    spec: Json
    client_id: str
    paper_id: str
    state: str = "PENDING"
    create_time: str = ""
    filled_units: Decimal = Decimal(0)
    filling_transaction_id: str | None = None
    cancelling_transaction_id: str | None = None
    replaced_by: str | None = None
    replaces: str | None = None

    def as_json(self) -> Json:
        body: Json = {
            "id": self.id,
            "createTime": self.create_time,
            "state": self.state,
            **self.spec,
        }
        if self.filling_transaction_id:
            body["fillingTransactionID"] = self.filling_transaction_id
        if self.cancelling_transaction_id:
            body["cancellingTransactionID"] = self.cancelling_transaction_id
        if self.replaced_by:
            body["replacedByOrderID"] = self.replaced_by
        if self.replaces:
            body["replacesOrderID"] = self.replaces
        return body


@dataclass
class Book:
    """Everything the account holds; the server calls it under its one lock."""

    account_id: str
    currency: str
    balance: Decimal
    instrument: str  # the venue spelling of the instrument the paper venue trades
    transactions: list[Json] = field(default_factory=list)
    orders: dict[str, FakeOrder] = field(default_factory=dict)
    by_client: dict[str, str] = field(default_factory=dict)  # client id -> newest order id
    by_paper: dict[str, str] = field(default_factory=dict)  # paper id -> newest order id
    trades: dict[str, Trade] = field(default_factory=dict)
    last_id: int = 0

    # --- the log ----------------------------------------------------------------------------

    def add(self, body: Json, moment: datetime, batch: str | None = None) -> Json:
        self.last_id += 1
        tx = {
            "id": str(self.last_id),
            "accountID": self.account_id,
            "userID": 1,
            "batchID": batch or str(self.last_id),
            "time": wire_time(moment),
            **body,
        }
        self.transactions.append(tx)
        return tx

    def since(self, after: int) -> list[Json]:
        return [tx for tx in self.transactions if int(tx["id"]) > after]

    def id_range(self, low: int, high: int) -> list[Json]:
        return [tx for tx in self.transactions if low <= int(tx["id"]) <= high]

    # --- orders -----------------------------------------------------------------------------

    def find(self, specifier: str) -> FakeOrder | None:
        """An order by id or by `@clientId` (the newest of a replacement chain)."""
        if specifier.startswith("@"):
            order_id = self.by_client.get(specifier[1:])
            return None if order_id is None else self.orders.get(order_id)
        return self.orders.get(specifier)

    def create(self, spec: Json, paper_id: str, moment: datetime, **extra: Any) -> Json:
        """The ORDER transaction of a new order (a replacement passes `replacesOrderID`)."""
        kind = spec["type"]
        tx = self.add({**spec, "type": f"{kind}_ORDER", "reason": "CLIENT_ORDER", **extra}, moment)
        client_id = str(spec.get("clientExtensions", {}).get("id", ""))
        order = FakeOrder(tx["id"], spec, client_id, paper_id, create_time=tx["time"])
        order.replaces = extra.get("replacesOrderID")
        self.orders[order.id] = order
        if client_id:
            self.by_client[client_id] = order.id
        self.by_paper[paper_id] = order.id
        return tx

    def reject(self, spec: Json, reason: str, moment: datetime) -> Json:
        kind = spec.get("type", "MARKET")
        return self.add({**spec, "type": f"{kind}_ORDER_REJECT", "rejectReason": reason}, moment)

    def cancel(
        self,
        order: FakeOrder,
        reason: str,
        moment: datetime,
        batch: str | None = None,
        **extra: Any,
    ) -> Json:
        tx = self.add(
            {
                "type": "ORDER_CANCEL",
                "orderID": order.id,
                **({"clientOrderID": order.client_id} if order.client_id else {}),
                "reason": reason,
                **extra,
            },
            moment,
            batch,
        )
        order.state = "CANCELLED"
        order.cancelling_transaction_id = tx["id"]
        return tx

    # --- fills and the netting account ---------------------------------------------------------

    def fill(
        self, order: FakeOrder, update: OrderUpdate, moment: datetime, batch: str | None = None
    ) -> Json:
        assert update.fill_qty is not None and update.fill_price is not None
        sign = Decimal(1) if update.order.side is Side.BUY else Decimal(-1)
        units = sign * update.fill_qty
        price = update.fill_price
        tx_body: Json = {
            "type": "ORDER_FILL",
            "orderID": order.id,
            "instrument": order.spec["instrument"],
            "units": text(units),
            "price": text(price),
            "reason": f"{order.spec['type']}_ORDER",
            "financing": "0.0000",
            "commission": "0.0000",
            "guaranteedExecutionFee": "0.0000",
        }
        if order.client_id:
            tx_body["clientOrderID"] = order.client_id
        if update.bid is not None and update.ask is not None:
            tx_body["fullPrice"] = {
                "bids": [{"price": text(update.bid), "liquidity": "10000000"}],
                "asks": [{"price": text(update.ask), "liquidity": "10000000"}],
                "closeoutBid": text(update.bid),
                "closeoutAsk": text(update.ask),
            }
        tx = self.add(tx_body, moment, batch)
        pl = self._net(tx, units, price, order.client_id)
        self.balance += pl
        tx["pl"] = text(pl)
        tx["accountBalance"] = text(self.balance)
        order.filled_units += update.fill_qty
        if update.kind is OrderEvent.FILLED:
            order.state = "FILLED"
            order.filling_transaction_id = tx["id"]
            order.spec.setdefault("tradeOpenedID", tx.get("tradeOpened", {}).get("tradeID"))
        return tx

    def _net(self, tx: Json, units: Decimal, price: Decimal, client_id: str) -> Decimal:
        """FIFO: close the oldest opposite trades first, open a trade with what is left."""
        left, pl = units, Decimal(0)
        closed: list[Json] = []
        for trade in sorted(self.open_trades(tx["instrument"]), key=lambda t: int(t.id)):
            if left == 0 or (trade.units > 0) == (left > 0):
                continue
            take = min(abs(trade.units), abs(left))
            direction = Decimal(1) if trade.units > 0 else Decimal(-1)
            gain = (price - trade.price) * take * direction
            pl += gain
            trade.units -= direction * take
            left += direction * take
            entry = {
                "tradeID": trade.id,
                "units": text(-direction * take),
                "realizedPL": text(gain),
            }
            if trade.units == 0:
                trade.state = "CLOSED"
                closed.append(entry)
            else:
                tx["tradeReduced"] = entry
        if closed:
            tx["tradesClosed"] = closed
        if left != 0:
            trade = Trade(tx["id"], tx["instrument"], left, left, price, tx["time"], client_id)
            self.trades[trade.id] = trade
            tx["tradeOpened"] = {"tradeID": trade.id, "units": text(left), "price": text(price)}
        # Profit in the quote currency; the fake's account is in it (USD/JPY on a JPY account).
        return pl

    def open_trades(self, instrument: str | None = None) -> list[Trade]:
        return [
            t
            for t in self.trades.values()
            if t.state == "OPEN" and (instrument is None or t.instrument == instrument)
        ]

    def position(self, instrument: str) -> Json:
        trades = self.open_trades(instrument)
        longs = [t for t in trades if t.units > 0]
        shorts = [t for t in trades if t.units < 0]

        def side(group: list[Trade]) -> Json:
            units = sum((t.units for t in group), Decimal(0))
            body: Json = {"units": text(units), "tradeIDs": [t.id for t in group]}
            if units:
                body["averagePrice"] = text(
                    sum((t.price * t.units for t in group), Decimal(0)) / units
                )
            return body

        return {"instrument": instrument, "long": side(longs), "short": side(shorts)}


def paper_order(spec: Json, paper_id: str) -> Order:
    """The paper venue's order for an OANDA order spec (the fake's matching engine)."""
    units = Decimal(spec["units"])
    kind = PAPER_TYPES[spec["type"]]
    fields: dict[str, Any] = {}
    if kind is OrderType.LIMIT:
        fields["price"] = Decimal(spec["price"])
    elif kind is not OrderType.MARKET:
        fields["trigger"] = Decimal(spec["price"])
    tif = TimeInForce.DAY if spec.get("timeInForce") == "GFD" else TimeInForce.GTC
    return Order(
        paper_id,
        Side.BUY if units > 0 else Side.SELL,
        kind,
        abs(units),
        time_in_force=tif,
        reduce_only=spec.get("positionFill") == "REDUCE_ONLY",
        **fields,
    )


__all__ = ["Book", "FakeOrder", "Json", "Trade", "paper_order", "text", "wire_time"]
