"""Domain <-> OANDA spellings: symbols, times, exact decimals, order specs and order terms.

OANDA names instruments `EUR_USD` where the plan says `EUR/USD`; prices and units travel as
decimal strings (never JSON numbers, never floats); times are RFC 3339 with nanoseconds. An
order spec carries the intent's client id in `clientExtensions.id`, which every order endpoint
also accepts as `@<id>` (../shared/LIVE.md section 2).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from tradeplan.brokers.oanda.rules import InstrumentRules
from tradeplan.core.enums import OrderType, Side, TimeInForce
from tradeplan.orders.model import Order, OrderError

Json = dict[str, Any]

_DOMAIN = re.compile(r"^([A-Z]{3})/([A-Z]{3})$")
_VENUE = re.compile(r"^([A-Z0-9]{2,})_([A-Z0-9]{2,})$")

WIRE_TYPES: Final = {
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "LIMIT",
    OrderType.STOP: "STOP",
    OrderType.MARKET_IF_TOUCHED: "MARKET_IF_TOUCHED",
}
DOMAIN_TYPES: Final = {name: kind for kind, name in WIRE_TYPES.items()}
# The ORDER transactions that create an order, by their `type`.
CREATE_TYPES: Final = {f"{name}_ORDER": kind for name, kind in DOMAIN_TYPES.items()}
MAX_CLIENT_ID: Final = 128


class LocalRefusal(ValueError):
    """An order OANDA would refuse for its form (precision, units): never sent."""


def venue_symbol(symbol: str) -> str:
    """`EUR/USD` -> `EUR_USD`; anything else is not an OANDA FX instrument."""
    if _VENUE.match(symbol):
        return symbol
    match = _DOMAIN.match(symbol.strip().upper())
    if not match:
        raise ValueError(f"{symbol!r} is not an FX pair like EUR/USD (OANDA spells it EUR_USD)")
    return f"{match.group(1)}_{match.group(2)}"


def domain_symbol(name: str) -> str:
    """`EUR_USD` -> `EUR/USD` (CFD names with longer parts keep their shape: `DE30/EUR`)."""
    match = _VENUE.match(name)
    if not match:
        return name
    return f"{match.group(1)}/{match.group(2)}"


def parse_time(text: str) -> datetime:
    """OANDA's RFC 3339 time (nanoseconds) or a UNIX seconds string, as an aware datetime."""
    if text and text[0].isdigit() and "T" not in text:
        return datetime.fromtimestamp(float(Decimal(text)), UTC)
    head, _, tail = text.rstrip("Z").partition(".")
    fraction = (tail + "000000")[:6] if tail else "000000"
    return datetime.strptime(f"{head}.{fraction}", "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)


def wire_decimal(value: Decimal) -> str:
    return format(value, "f")


def decimal(value: object, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"OANDA sent {what}={value!r}, not a number") from None


def order_spec(order: Order, rules: InstrumentRules) -> Json:
    """The OrderCreate / OrderReplace body's `order` for `order`, exact to OANDA's precision."""
    kind = WIRE_TYPES.get(order.type)
    if kind is None:
        raise LocalRefusal(f"OANDA has no native {order.type.value} order")
    if not order.id or len(order.id) > MAX_CLIENT_ID:
        raise LocalRefusal(f"client ids are 1 to {MAX_CLIENT_ID} characters")
    units = rules.units_text(order.qty, order.side)
    spec: Json = {
        "type": kind,
        "instrument": rules.name,
        "units": units,
        "positionFill": "REDUCE_ONLY" if order.reduce_only else "DEFAULT",
        "clientExtensions": {"id": order.id, "tag": "tradeplan"},
    }
    if order.type is OrderType.MARKET:
        spec["timeInForce"] = "FOK"
    else:
        spec["timeInForce"] = "GFD" if order.time_in_force is TimeInForce.DAY else "GTC"
        level = order.price if order.type is OrderType.LIMIT else order.trigger
        assert level is not None
        spec["price"] = rules.price_text(level)
    return spec


def order_from_wire(body: Json) -> Order | None:
    """The terms of an order as OANDA states them (an order, or the transaction that made it);
    None for kinds the port does not trade (take profit on a trade, trailing stop loss...)."""
    raw_type = str(body.get("type", ""))
    kind = DOMAIN_TYPES.get(raw_type) or CREATE_TYPES.get(raw_type)
    client_id = str((body.get("clientExtensions") or {}).get("id", ""))
    if kind is None or not client_id:
        return None
    units = decimal(body.get("units", "0"), "units")
    fields: dict[str, Any] = {}
    if kind is OrderType.LIMIT:
        fields["price"] = decimal(body["price"], "price")
    elif kind is not OrderType.MARKET:
        fields["trigger"] = decimal(body["price"], "price")
    try:
        return Order(
            client_id,
            Side.BUY if units > 0 else Side.SELL,
            kind,
            abs(units),
            time_in_force=TimeInForce.DAY if body.get("timeInForce") == "GFD" else TimeInForce.GTC,
            reduce_only=body.get("positionFill") == "REDUCE_ONLY",
            **fields,
        )
    except OrderError:
        return None


__all__ = [
    "CREATE_TYPES",
    "DOMAIN_TYPES",
    "WIRE_TYPES",
    "Json",
    "LocalRefusal",
    "decimal",
    "domain_symbol",
    "order_from_wire",
    "order_spec",
    "parse_time",
    "venue_symbol",
    "wire_decimal",
]
