"""The engine's own run state, beyond its owners', as JSON: what a restarted live run needs.

Owners snapshot themselves (`state_codec.py`). The engine keeps the rest: the ledger (balance,
open positions, how many trades were booked), the order book's working orders with their owners
and statuses, working entries (what the guards count as pending exposure), break-even watches
and the reasons of amendments in flight. `EngineState` is that, as a frozen value; `to_json` and
`from_json` write it exactly (Decimals as strings).

Bars are not part of it: a restarted run numbers its bars from 0 again, so an open position's
entry mark is reset to the first bar of the new run. That affects only what is measured over
bars (its MFE/MAE and the equity curve count from the restart), never a price or a quantity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tradeplan.core.enums import Side
from tradeplan.orders.book import WorkingOrder
from tradeplan.orders.model import OrderStatus
from tradeplan.runtime.state_codec import order_from_data, order_to_data


@dataclass(frozen=True, slots=True)
class HeldPosition:
    owner: str
    side: Side
    qty: Decimal
    price: Decimal
    cost: Decimal
    fee: Decimal
    time: datetime
    order_id: str
    mark: int = 0  # the bar of its first fill, and from which it has had its size, in the
    since: int = 0  # run that exported it (kept by a reload, reset by a restart)
    mark_seq: int = 0  # the broker's report number of its first fill


@dataclass(frozen=True, slots=True)
class EngineState:
    balance: Decimal
    trades: int
    positions: tuple[HeldPosition, ...]
    orders: tuple[WorkingOrder, ...]
    entries: tuple[tuple[str, Decimal, Decimal], ...]  # order id, qty left, price
    watches: tuple[tuple[str, str], ...]  # watch id, owner
    amend_reasons: tuple[tuple[str, str], ...]
    ids: int = 0  # order ids handed out (an engine numbering its own orders goes on from it)
    # The risk guards' day and peak (daily loss limit, max drawdown), and the next day boundary.
    tracker: TrackerState | None = None


@dataclass(frozen=True, slots=True)
class TrackerState:
    last_time: datetime | None
    day: date | None
    equity: Decimal | None
    start_of_day_equity: Decimal | None
    peak_equity: Decimal | None
    daily_locked: bool
    halted: bool
    next_day_ns: int


def to_json(state: EngineState) -> str:
    data = {
        "balance": str(state.balance),
        "trades": state.trades,
        "positions": [
            {
                "owner": p.owner,
                "side": p.side.value,
                "qty": str(p.qty),
                "price": str(p.price),
                "cost": str(p.cost),
                "fee": str(p.fee),
                "time": p.time.isoformat(),
                "order_id": p.order_id,
                "mark": p.mark,
                "since": p.since,
                "mark_seq": p.mark_seq,
            }
            for p in state.positions
        ],
        "orders": [
            {
                "order": order_to_data(w.order),
                "owner": w.owner,
                "status": w.status.value,
                "filled": str(w.filled),
                "accepted": w.accepted,
                "triggered": w.triggered,
                "seq": w.seq,
            }
            for w in state.orders
        ],
        "entries": [[i, str(q), str(p)] for i, q, p in state.entries],
        "watches": [list(w) for w in state.watches],
        "amend_reasons": [list(a) for a in state.amend_reasons],
        "ids": state.ids,
        "tracker": None if state.tracker is None else _tracker_data(state.tracker),
    }
    return json.dumps(data, sort_keys=True)


def from_json(text: str) -> EngineState:
    data: dict[str, Any] = json.loads(text)
    return EngineState(
        Decimal(data["balance"]),
        int(data["trades"]),
        tuple(
            HeldPosition(
                p["owner"],
                Side(p["side"]),
                Decimal(p["qty"]),
                Decimal(p["price"]),
                Decimal(p["cost"]),
                Decimal(p["fee"]),
                datetime.fromisoformat(p["time"]),
                p["order_id"],
                int(p.get("mark", 0)),
                int(p.get("since", 0)),
                int(p.get("mark_seq", 0)),
            )
            for p in data["positions"]
        ),
        tuple(
            WorkingOrder(
                order_from_data(w["order"]),
                w["owner"],
                OrderStatus(w["status"]),
                Decimal(w["filled"]),
                bool(w["accepted"]),
                bool(w["triggered"]),
                int(w["seq"]),
            )
            for w in data["orders"]
        ),
        tuple((i, Decimal(q), Decimal(p)) for i, q, p in data["entries"]),
        tuple((w, o) for w, o in data["watches"]),
        tuple((i, r) for i, r in data["amend_reasons"]),
        int(data.get("ids", 0)),
        None if data.get("tracker") is None else _tracker_from(data["tracker"]),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _tracker_data(t: TrackerState) -> dict[str, Any]:
    return {
        "last_time": None if t.last_time is None else t.last_time.isoformat(),
        "day": None if t.day is None else t.day.isoformat(),
        "equity": _text(t.equity),
        "start_of_day_equity": _text(t.start_of_day_equity),
        "peak_equity": _text(t.peak_equity),
        "daily_locked": t.daily_locked,
        "halted": t.halted,
        "next_day_ns": t.next_day_ns,
    }


def _tracker_from(d: dict[str, Any]) -> TrackerState:
    def dec(key: str) -> Decimal | None:
        return None if d[key] is None else Decimal(d[key])

    return TrackerState(
        None if d["last_time"] is None else datetime.fromisoformat(d["last_time"]),
        None if d["day"] is None else date.fromisoformat(d["day"]),
        dec("equity"),
        dec("start_of_day_equity"),
        dec("peak_equity"),
        bool(d["daily_locked"]),
        bool(d["halted"]),
        int(d["next_day_ns"]),
    )


__all__ = ["EngineState", "HeldPosition", "TrackerState", "from_json", "to_json"]
