"""Domain orders <-> Futu's order fields, and Futu's statuses -> order events. No SDK import:
the SDK's enums are the strings used here ("NORMAL", "TRAILING_STOP_LIMIT", ...).

Prices go out rounded to US precision (seed 000): 2 decimals at $1 and above, up to 4 below; a
trail amount (and a trailing limit's spread) up to 4 decimals, a trail ratio 2. A limit price
rounds the safe way (a buy down, a sell up: never pay more than asked); a trigger to the nearest.
Futu's protocol carries prices as doubles: a rounded Decimal becomes the double nearest to it,
and a double coming back becomes the shortest decimal that reads as that double (`dec`), which
is the decimal it was written from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from tradeplan.core.enums import OrderType, Session, Side, TimeInForce
from tradeplan.orders.model import Order, OrderEvent, Trail, TrailKind

CENT = Decimal("0.01")
SUB_PENNY = Decimal("0.0001")

FUTU_TYPES: dict[OrderType, str] = {
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "NORMAL",
    OrderType.STOP: "STOP",
    OrderType.STOP_LIMIT: "STOP_LIMIT",
    OrderType.MARKET_IF_TOUCHED: "MARKET_IF_TOUCHED",
    OrderType.LIMIT_IF_TOUCHED: "LIMIT_IF_TOUCHED",
    OrderType.TRAILING_STOP: "TRAILING_STOP",
    OrderType.TRAILING_STOP_LIMIT: "TRAILING_STOP_LIMIT",
}
DOMAIN_TYPES = {v: k for k, v in FUTU_TYPES.items()}
_TRIGGERED = frozenset(
    {
        OrderType.STOP,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
    }
)
_PRICED = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED})

# Futu order statuses, by what they mean for the order's life.
WORKING = frozenset({"SUBMITTED", "FILLED_PART", "CANCELLING_PART", "CANCELLING_ALL"})
IN_DOUBT = frozenset({"TIMEOUT", "WAITING_SUBMIT", "SUBMITTING", "UNSUBMITTED", "N/A"})
CANCELLED = frozenset({"CANCELLED_ALL", "CANCELLED_PART", "DELETED", "DISABLED"})
REFUSED = frozenset({"FAILED", "SUBMIT_FAILED"})


def dec(value: object) -> Decimal:
    """A number from the SDK (a double, or an int) as the decimal it was written from."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(float(value)))  # type: ignore[arg-type]


def qty(value: object) -> Decimal:
    """A quantity from the SDK (Futu sends 50.0 for 50 shares) as a plain number: 50."""
    number = dec(value)
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def price_tick(price: Decimal) -> Decimal:
    return CENT if price >= 1 else SUB_PENNY


def round_limit(price: Decimal, side: Side) -> Decimal:
    tick = price_tick(price)
    mode = ROUND_FLOOR if side is Side.BUY else ROUND_CEILING
    return (price / tick).to_integral_value(mode) * tick


def round_trigger(price: Decimal) -> Decimal:
    tick = price_tick(price)
    return (price / tick).to_integral_value(ROUND_HALF_UP) * tick


def round_places(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Terms:
    """The fields that say what an order is, as Futu has them (compared to spot amendments)."""

    qty: Decimal
    price: Decimal | None
    aux_price: Decimal | None
    trail_type: str | None
    trail_value: Decimal | None
    trail_spread: Decimal | None


def sessions(order: Order, default: Session | None) -> tuple[bool, str]:
    """`fill_outside_rth` and Futu's `session` for the order's session (seed 000's table). An
    order at the default RTH takes FUTU_SESSION when that is set (the port's orders always
    carry a session; a deployment may widen every order's hours)."""
    session = order.session
    if session is Session.RTH and default is not None:
        session = default
    if session is Session.ETH:
        return True, "ETH"
    if session is Session.ALL:
        return True, "ALL"
    return False, "RTH"


def outgoing(order: Order, default_session: Session | None) -> dict[str, Any]:
    """The keyword arguments of the SDK's `place_order` (apart from code, env and account)."""
    kind = order.type
    fields: dict[str, Any] = {
        "qty": order.qty,
        "trd_side": "BUY" if order.side is Side.BUY else "SELL",
        "order_type": FUTU_TYPES[kind],
        "price": Decimal(0),
        "time_in_force": "GTC" if order.time_in_force is TimeInForce.GTC else "DAY",
    }
    outside, session = sessions(order, default_session)
    fields["fill_outside_rth"] = outside
    fields["session"] = session
    if kind in _PRICED:
        assert order.price is not None
        fields["price"] = round_limit(order.price, order.side)
    if kind in _TRIGGERED:
        assert order.trigger is not None
        fields["aux_price"] = round_trigger(order.trigger)
    if order.trail is not None:
        ratio = order.trail.kind is TrailKind.RATIO
        fields["trail_type"] = "RATIO" if ratio else "AMOUNT"
        fields["trail_value"] = round_places(order.trail.value, 2 if ratio else 4)
    if kind is OrderType.TRAILING_STOP_LIMIT:
        assert order.limit_offset is not None
        fields["trail_spread"] = round_places(order.limit_offset, 4)
    return fields


def terms_of_fields(fields: dict[str, Any]) -> Terms:
    return Terms(
        qty=fields["qty"],
        price=fields["price"] if fields["order_type"] in _PRICED_NAMES else None,
        aux_price=fields.get("aux_price"),
        trail_type=fields.get("trail_type"),
        trail_value=fields.get("trail_value"),
        trail_spread=fields.get("trail_spread"),
    )


_PRICED_NAMES = frozenset(FUTU_TYPES[k] for k in _PRICED)


def _opt(row: dict[str, Any], key: str) -> Decimal | None:
    value = row.get(key)
    if value is None or value == "N/A" or value == "":
        return None
    return dec(value)


def terms_of_row(row: dict[str, Any]) -> Terms:
    kind = str(row.get("order_type", ""))
    trail_type = row.get("trail_type")
    trailing = kind in ("TRAILING_STOP", "TRAILING_STOP_LIMIT")
    return Terms(
        qty=qty(row["qty"]),
        price=dec(row["price"]) if kind in _PRICED_NAMES else None,
        aux_price=_opt(row, "aux_price") if kind in {FUTU_TYPES[k] for k in _TRIGGERED} else None,
        trail_type=str(trail_type) if trailing and trail_type not in (None, "N/A") else None,
        trail_value=_opt(row, "trail_value") if trailing else None,
        trail_spread=_opt(row, "trail_spread") if kind == "TRAILING_STOP_LIMIT" else None,
    )


def order_of_row(row: dict[str, Any], client_id: str, template: Order | None) -> Order | None:
    """The order as the venue has it now, under the client id; what Futu does not carry (tag,
    oco, slot, reduce_only) comes from the order as it was sent, when known. None for a type
    the domain has no word for (an order placed by hand as an auction order, say)."""
    kind = DOMAIN_TYPES.get(str(row.get("order_type", "")))
    if kind is None:
        return None
    terms = terms_of_row(row)
    side = Side.BUY if str(row.get("trd_side", "")) in ("BUY", "BUY_BACK") else Side.SELL
    trail = None
    if terms.trail_value is not None:
        trail = (
            Trail.ratio(terms.trail_value)
            if terms.trail_type == "RATIO"
            else Trail.amount(terms.trail_value)
        )
    session = {"ETH": Session.ETH, "ALL": Session.ALL}.get(str(row.get("session", "")))
    if session is None:
        # The SDK's tables hold numpy booleans: compare by text.
        session = Session.ALL if str(row.get("fill_outside_rth")) == "True" else Session.RTH
    built = Order(
        id=client_id,
        side=side,
        type=kind,
        qty=terms.qty,
        price=terms.price,
        trigger=terms.aux_price,
        trail=trail,
        limit_offset=terms.trail_spread,
        time_in_force=TimeInForce.GTC if row.get("time_in_force") == "GTC" else TimeInForce.DAY,
        session=session,
    )
    if template is not None:
        built = replace(
            built,
            reduce_only=template.reduce_only,
            oco=template.oco,
            tag=template.tag,
            slot=template.slot,
            session=template.session,
        )
    return built


def status_event(status: str) -> OrderEvent | None:
    """The event a status reports by itself (fills come from the fill pushes instead)."""
    if status in CANCELLED:
        return OrderEvent.CANCELLED
    if status in REFUSED:
        return OrderEvent.REJECTED
    return None


__all__ = [
    "CANCELLED",
    "DOMAIN_TYPES",
    "FUTU_TYPES",
    "IN_DOUBT",
    "REFUSED",
    "WORKING",
    "Terms",
    "dec",
    "order_of_row",
    "outgoing",
    "qty",
    "round_limit",
    "round_places",
    "round_trigger",
    "sessions",
    "status_event",
    "terms_of_fields",
    "terms_of_row",
]
