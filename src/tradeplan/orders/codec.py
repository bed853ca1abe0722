"""Orders <-> JSON-able data, exactly, and the strict readers every codec here builds on.

Why here. An order's terms travel in more than one place: an owner's state snapshot (the live
store, `runtime/state_codec.py`) and the wire between the paper venue and its clients
(`ports/codec.py`). Both must read back the very order that was written, so there is one codec,
at the lowest layer that knows what an order is.

* Decimals travel as their `str()`: exact, exponent and all (`1.20` stays `1.20`), because an
  order's price is printed as it was built;
* enums as their values; every field is written, and a reader refuses a missing or unknown
  field (`CodecError`) instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Final, TypeVar

from tradeplan.core.enums import OrderType, Session, Side, TimeInForce
from tradeplan.orders.model import Order, OrderTag, Trail, TrailKind

V = TypeVar("V")

ORDER_FIELDS: Final = frozenset(
    {
        "id",
        "side",
        "type",
        "qty",
        "price",
        "trigger",
        "trail",
        "limit_offset",
        "activation",
        "time_in_force",
        "reduce_only",
        "session",
        "oco",
        "tag",
        "slot",
    }
)


class CodecError(ValueError):
    """Data that is not what this codec writes."""


def order_to_data(order: Order) -> dict[str, Any]:
    """An order's terms, every field, exactly."""
    trail = order.trail
    return {
        "id": order.id,
        "side": order.side.value,
        "type": order.type.value,
        "qty": str(order.qty),
        "price": dec(order.price),
        "trigger": dec(order.trigger),
        "trail": None if trail is None else {"kind": trail.kind.value, "value": str(trail.value)},
        "limit_offset": dec(order.limit_offset),
        "activation": dec(order.activation),
        "time_in_force": order.time_in_force.value,
        "reduce_only": order.reduce_only,
        "session": order.session.value,
        "oco": order.oco,
        "tag": None if order.tag is None else order.tag.value,
        "slot": order.slot,
    }


def order_from_data(data: Any) -> Order:
    """The order `order_to_data` gave (its own checks run again)."""
    exact_keys(data, ORDER_FIELDS, "order")
    trail = data["trail"]
    reduce_only = data["reduce_only"]
    if not isinstance(reduce_only, bool):
        raise CodecError(f"reduce_only is {reduce_only!r}")
    return Order(
        text(data["id"]),
        Side(data["side"]),
        OrderType(data["type"]),
        Decimal(text(data["qty"])),
        price=undec(data["price"]),
        trigger=undec(data["trigger"]),
        trail=None
        if trail is None
        else Trail(TrailKind(trail["kind"]), Decimal(text(trail["value"]))),
        limit_offset=undec(data["limit_offset"]),
        activation=undec(data["activation"]),
        time_in_force=TimeInForce(data["time_in_force"]),
        reduce_only=reduce_only,
        session=Session(data["session"]),
        oco=optional(text, data["oco"]),
        tag=optional(OrderTag, data["tag"]),
        slot=optional(text, data["slot"]),
    )


# --- pieces -----------------------------------------------------------------------------------


def optional(convert: Callable[[Any], V], value: Any) -> V | None:
    return None if value is None else convert(value)


def dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def undec(data: Any) -> Decimal | None:
    """A finite Decimal from its text, None from null."""
    if data is None:
        return None
    value = Decimal(text(data))
    if not value.is_finite():
        raise CodecError(f"{data!r} is not a finite number")
    return value


def text(data: Any) -> str:
    if not isinstance(data, str):
        raise CodecError(f"{data!r} is not a string")
    return data


def integer(data: Any) -> int:
    if not isinstance(data, int) or isinstance(data, bool):
        raise CodecError(f"{data!r} is not an integer")
    return data


def exact_keys(data: Any, fields: Iterable[str], what: str, *extra: str) -> None:
    """`data` is an object with exactly these keys."""
    if not isinstance(data, dict):
        raise CodecError(f"a {what} is a JSON object")
    expected = {*fields, *extra}
    if set(data) != expected:
        missing, unknown = sorted(expected - set(data)), sorted(set(data) - expected)
        raise CodecError(f"{what}: missing {missing}, unknown {unknown}")


__all__ = [
    "ORDER_FIELDS",
    "CodecError",
    "dec",
    "exact_keys",
    "integer",
    "optional",
    "order_from_data",
    "order_to_data",
    "text",
    "undec",
]
