"""OANDA transactions as the port's reports: order updates and fills.

OANDA writes everything that happens to an account as a transaction with an id that increases
per account, so the id is the report's `seq` (the port's "sequence number over all reports")
and the cursor of `fills_since`. The kinds that matter:

* `<TYPE>_ORDER` (MARKET_ORDER, LIMIT_ORDER, ...): an order was created -> ACCEPTED; with
  `replacesOrderID` it is the new order of a replacement -> AMENDED (OANDA amends by replacing:
  the old order is cancelled with reason CLIENT_REQUEST_REPLACED, which reports nothing).
* `ORDER_FILL` -> FILLED, or PARTIALLY_FILLED while the order's units are not all filled.
* `ORDER_CANCEL` -> CANCELLED (EXPIRED for TIME_IN_FORCE_EXPIRED); a MARKET_ORDER cancelled in
  its own batch (OANDA's FOK refusal) -> one REJECTED instead (broker.py holds the creation).
* `*_REJECT` report nothing here: a refusal is reported once, by the command raising.

Fills without a client order id (a trade closed by hand, a margin closeout) are not an update
of any order of ours; they appear in `fills_since` with an empty client id and in `positions`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradeplan.brokers.oanda.mapping import CREATE_TYPES, decimal, domain_symbol, parse_time
from tradeplan.core.enums import Side
from tradeplan.ports.live import FillReport

Json = dict[str, Any]


def client_id_of(tx: Json) -> str:
    if tx.get("type") in CREATE_TYPES:
        return str((tx.get("clientExtensions") or {}).get("id", ""))
    return str(tx.get("clientOrderID", ""))


def fill_report(tx: Json) -> FillReport:
    units = decimal(tx["units"], "units")
    return FillReport(
        trade_id=str(tx["id"]),
        client_id=str(tx.get("clientOrderID", "")),
        venue_order_id=str(tx.get("orderID", "")),
        symbol=domain_symbol(str(tx.get("instrument", ""))),
        side=Side.BUY if units > 0 else Side.SELL,
        qty=abs(units),
        price=decimal(tx["price"], "price"),
        time=parse_time(str(tx["time"])),
        seq=int(tx["id"]),
    )


def market_of(tx: Json) -> tuple[Decimal | None, Decimal | None]:
    """Bid and ask when a fill happened (`fullPrice`), when OANDA says."""
    full = tx.get("fullPrice") or {}
    bids, asks = full.get("bids") or [], full.get("asks") or []
    bid = decimal(bids[0]["price"], "bid") if bids else None
    ask = decimal(asks[0]["price"], "ask") if asks else None
    return bid, ask


def related(answer: Json) -> list[Json]:
    """The transactions a command's answer carries, oldest first."""
    found = [
        value
        for key, value in answer.items()
        if key.endswith("Transaction") and isinstance(value, dict) and "id" in value
    ]
    return sorted(found, key=lambda tx: int(tx["id"]))


__all__ = ["client_id_of", "fill_report", "market_of", "related"]
