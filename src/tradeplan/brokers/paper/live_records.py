"""What the live paper venue keeps about the account, as a real broker keeps it.

A replay's paper broker only reports: the engine is its memory. A live venue must also answer
questions about the past from a client that was away (a crash, a dropped connection): which
orders it holds and where each one is in its life, every execution with a unique trade id, and
the net position. `VenueRecords` is that memory, fed with every update the fill model reports,
in order, under one sequence number that covers all of them.

An order's status moves only through the project's order book (`orders/book.py`, hence the
state table), so a report the table does not allow is a bug in the venue and raises instead of
being stored. Pure bookkeeping: no threads, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from tradeplan.core.enums import Side
from tradeplan.core.money import ZERO
from tradeplan.orders.book import OrderBook
from tradeplan.orders.model import Order, OrderEvent, OrderStatus
from tradeplan.ports.broker import OrderUpdate
from tradeplan.ports.live import FillBatch, FillReport, OrderReport, PositionReport

_FILLS = frozenset({OrderEvent.PARTIALLY_FILLED, OrderEvent.FILLED})


@dataclass(slots=True)
class _Record:
    venue_id: str
    time: datetime
    seq: int = 0
    filled: Decimal = ZERO
    notional: Decimal = ZERO  # sum of price x quantity over the fills, for the average price
    fills: int = 0


@dataclass(slots=True)
class _Position:
    qty: Decimal = ZERO  # signed
    price: Decimal = ZERO  # average entry price of what is open


class VenueRecords:
    """Orders by client id, fills in sequence, and the net position of one symbol."""

    def __init__(self, symbol: str, venue_prefix: str = "P") -> None:
        self._symbol = symbol
        self._prefix = venue_prefix
        self._book = OrderBook()
        self._records: dict[str, _Record] = {}
        self._fills: list[FillReport] = []
        self._position = _Position()
        self._seq = 0
        self._orders = 0

    @property
    def seq(self) -> int:
        """The sequence number of the last report."""
        return self._seq

    def __contains__(self, client_id: object) -> bool:
        return client_id in self._records

    def place(self, order: Order, time: datetime) -> None:
        """An order the venue takes in now (its client id never seen before)."""
        if order.id in self._records:
            raise ValueError(f"client id {order.id} is already in use")
        self._orders += 1
        self._book.place(order)
        self._records[order.id] = _Record(f"{self._prefix}{self._orders:08d}", time)

    def note(self, client_id: str, event: OrderEvent) -> None:
        """A request the venue has received for one of its working orders (amend, cancel)."""
        anomaly = self._book.note(client_id, event)
        if anomaly is not None:
            raise RuntimeError(f"paper venue: {anomaly.message}")

    def is_working(self, client_id: str) -> bool:
        return self._book.is_working(client_id)

    def record(self, update: OrderUpdate) -> OrderUpdate:
        """Stamp the next sequence number on `update`, apply it, and give it back stamped."""
        self._seq += 1
        record = self._records[update.order.id]
        # A fill carries the id of its execution, as in `fills_since`: a live run books each
        # execution once, whichever way it hears of it.
        trade = f"{record.venue_id}-{record.fills + 1}" if update.kind in _FILLS else ""
        stamped = replace(update, seq=self._seq, trade_id=trade)
        anomaly = self._book.apply(stamped)
        if anomaly is not None:
            raise RuntimeError(f"paper venue: {anomaly.message}")
        record.seq, record.time = self._seq, update.time
        if update.kind in _FILLS:
            self._fill(record, stamped)
        return stamped

    def _fill(self, record: _Record, update: OrderUpdate) -> None:
        qty, price = update.fill_qty, update.fill_price
        assert qty is not None and price is not None
        record.filled += qty
        record.notional += qty * price
        record.fills += 1
        order = update.order
        self._fills.append(
            FillReport(
                trade_id=f"{record.venue_id}-{record.fills}",
                client_id=order.id,
                venue_order_id=record.venue_id,
                symbol=self._symbol,
                side=order.side,
                qty=qty,
                price=price,
                time=update.time,
                fee=update.fee,
                seq=update.seq,
            )
        )
        self._book_position(order.side, qty, price)

    def _book_position(self, side: Side, qty: Decimal, price: Decimal) -> None:
        position = self._position
        signed = qty if side is Side.BUY else -qty
        before = position.qty
        after = before + signed
        if before == 0 or (before > 0) == (signed > 0):
            position.price = (position.price * abs(before) + price * qty) / abs(after)
        elif after == 0:
            position.price = ZERO
        elif (after > 0) != (before > 0):
            position.price = price  # flipped: what is open now opened at this fill
        position.qty = after

    # --- questions ------------------------------------------------------------------------------

    def report(self, client_id: str) -> OrderReport | None:
        record = self._records.get(client_id)
        if record is None:
            return None
        order = self._book.order(client_id)
        status = self._book.status(client_id)
        assert order is not None and status is not None
        average = record.notional / record.filled if record.filled else None
        return OrderReport(
            order, record.venue_id, status, record.filled, average, record.time, record.seq
        )

    def open_orders(self) -> tuple[OrderReport, ...]:
        reports = (self.report(client_id) for client_id in self._records)
        return tuple(r for r in reports if r is not None and not r.status.is_terminal)

    def positions(self) -> tuple[PositionReport, ...]:
        position = self._position
        if position.qty == 0:
            return ()
        return (PositionReport(self._symbol, position.qty, position.price),)

    def fills_since(self, cursor: str | None) -> FillBatch:
        """Fills with a sequence number above `cursor` (a number this venue gave as a cursor;
        None or empty: all of them)."""
        after = parse_cursor(cursor)
        fills = tuple(f for f in self._fills if f.seq > after)
        last = fills[-1].seq if fills else max(after, 0)
        return FillBatch(fills, str(last))

    def status(self, client_id: str) -> OrderStatus | None:
        return self._book.status(client_id)


def parse_cursor(cursor: str | None) -> int:
    """A fills cursor as the sequence number it names; a cursor this venue never gave raises."""
    if cursor is None or cursor == "":
        return 0
    if not cursor.isdigit():
        raise ValueError(f"not a fills cursor of the paper venue: {cursor!r}")
    return int(cursor)


__all__ = ["VenueRecords", "parse_cursor"]
