"""Owner run states (`RuleState`, `SlotState`) <-> JSON, exactly.

Why. A live run stores each owner's snapshot after every event (issue 9: in SQLite) and a
restarted run reads it back into a fresh owner (`Owner.restore`); what it reads must be the
very value it wrote, or the restarted run drifts from the one that stopped. So:

* Decimals travel as their `str()`: exact, and exponent and all (`1.20` stays `1.20`, unlike
  the plan codec, which normalises, because an order's price is printed as it was built);
* enums as their values, orders through `order_to_data` / `order_from_data`, the id maps as
  lists of `[id, value]` pairs in their order, clocks as integers (epoch ns);
* every object says what it is (`"kind": "rule" | "slot"`) and the format has a version, so a
  reader refuses what it does not know instead of guessing. Decoding is strict: a missing or
  unknown field is an error.

`from_json(to_json(s)) == s` for every state a run reaches, and `to_json` of it is the same
text again (tests/runtime/test_owner_state_codec.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Final, TypeVar

from tradeplan.core.enums import OrderType, Session, Side, TimeInForce
from tradeplan.orders.model import Order, OrderTag, Trail, TrailKind
from tradeplan.runtime.idmap import IdMap
from tradeplan.runtime.legs import Leg
from tradeplan.runtime.rule_state import Deferred, RuleState
from tradeplan.runtime.slot_state import SlotState

VERSION: Final = 1
OwnerState = RuleState | SlotState
V = TypeVar("V")

_ORDER_FIELDS: Final = frozenset(
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


class StateCodecError(ValueError):
    """Stored text that is not an owner state this version wrote."""


def to_json(state: object) -> str:
    """The state as compact JSON text (keys in a fixed order: equal states, equal text)."""
    return json.dumps(to_data(state), separators=(",", ":"), ensure_ascii=False)


def from_json(text: str) -> OwnerState:
    """The state `to_json` wrote; raises `StateCodecError` on anything else."""
    try:
        return from_data(json.loads(text))
    except StateCodecError:
        raise
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise StateCodecError(f"not an owner state: {exc!r}") from exc


def to_data(state: object) -> dict[str, Any]:
    """The state as JSON-able data (dicts, lists, strings, ints, bools, None)."""
    if isinstance(state, RuleState):
        return {
            "kind": "rule",
            "v": VERSION,
            "phase": state.phase,
            "entry": _opt(order_to_data, state.entry),
            "entry_rejection": state.entry_rejection,
            "exits": _map_to_data(state.exits, _leg_to_data),
            "stop_id": state.stop_id,
            "closing": _opt(order_to_data, state.closing),
            "closing_leg": _opt(_leg_to_data, state.closing_leg),
            "watch_id": state.watch_id,
            "break_even_stop": _dec(state.break_even_stop),
            "break_even_at": state.break_even_at,
            "time_exit_at": state.time_exit_at,
            "oco": state.oco,
            "deferred": _opt(_deferred_to_data, state.deferred),
        }
    if isinstance(state, SlotState):
        return {
            "kind": "slot",
            "v": VERSION,
            "phase": state.phase,
            "stop_reason": state.stop_reason,
            "arm_at": state.arm_at,
            "pauses": state.pauses,
            "exit_price": _dec(state.exit_price),
            "entries": _map_to_data(state.entries, order_to_data),
            "exits": _map_to_data(state.exits, _leg_to_data),
            "closing": _opt(order_to_data, state.closing),
            "rejection": state.rejection,
        }
    raise TypeError(f"no JSON form for a {type(state).__name__}")


def from_data(data: Any) -> OwnerState:
    """The state `to_data` gave."""
    if not isinstance(data, dict):
        raise StateCodecError("an owner state is a JSON object")
    if data.get("v") != VERSION:
        raise StateCodecError(f"owner state version {data.get('v')!r}; this reads {VERSION}")
    kind = data.get("kind")
    if kind == "rule":
        _exact_keys(data, RuleState.__dataclass_fields__, "rule state", "kind", "v")
        return RuleState(
            phase=_str(data["phase"]),
            entry=_opt(order_from_data, data["entry"]),
            entry_rejection=_str(data["entry_rejection"]),
            exits=_map_from_data(data["exits"], _leg_from_data),
            stop_id=_opt(_str, data["stop_id"]),
            closing=_opt(order_from_data, data["closing"]),
            closing_leg=_opt(_leg_from_data, data["closing_leg"]),
            watch_id=_opt(_str, data["watch_id"]),
            break_even_stop=_undec(data["break_even_stop"]),
            break_even_at=_opt(_int, data["break_even_at"]),
            time_exit_at=_opt(_int, data["time_exit_at"]),
            oco=_str(data["oco"]),
            deferred=_opt(_deferred_from_data, data["deferred"]),
        )
    if kind == "slot":
        _exact_keys(data, SlotState.__dataclass_fields__, "slot state", "kind", "v")
        return SlotState(
            phase=_str(data["phase"]),
            stop_reason=_str(data["stop_reason"]),
            arm_at=_int(data["arm_at"]),
            pauses=_int(data["pauses"]),
            exit_price=_undec(data["exit_price"]),
            entries=_map_from_data(data["entries"], order_from_data),
            exits=_map_from_data(data["exits"], _leg_from_data),
            closing=_opt(order_from_data, data["closing"]),
            rejection=_str(data["rejection"]),
        )
    raise StateCodecError(f"unknown owner state kind {kind!r}")


# --- orders -----------------------------------------------------------------------------------


def order_to_data(order: Order) -> dict[str, Any]:
    """An order's terms, every field, exactly."""
    trail = order.trail
    return {
        "id": order.id,
        "side": order.side.value,
        "type": order.type.value,
        "qty": str(order.qty),
        "price": _dec(order.price),
        "trigger": _dec(order.trigger),
        "trail": None if trail is None else {"kind": trail.kind.value, "value": str(trail.value)},
        "limit_offset": _dec(order.limit_offset),
        "activation": _dec(order.activation),
        "time_in_force": order.time_in_force.value,
        "reduce_only": order.reduce_only,
        "session": order.session.value,
        "oco": order.oco,
        "tag": None if order.tag is None else order.tag.value,
        "slot": order.slot,
    }


def order_from_data(data: Any) -> Order:
    """The order `order_to_data` gave (its own checks run again)."""
    _exact_keys(data, _ORDER_FIELDS, "order")
    trail = data["trail"]
    reduce_only = data["reduce_only"]
    if not isinstance(reduce_only, bool):
        raise StateCodecError(f"reduce_only is {reduce_only!r}")
    return Order(
        _str(data["id"]),
        Side(data["side"]),
        OrderType(data["type"]),
        Decimal(_str(data["qty"])),
        price=_undec(data["price"]),
        trigger=_undec(data["trigger"]),
        trail=None
        if trail is None
        else Trail(TrailKind(trail["kind"]), Decimal(_str(trail["value"]))),
        limit_offset=_undec(data["limit_offset"]),
        activation=_undec(data["activation"]),
        time_in_force=TimeInForce(data["time_in_force"]),
        reduce_only=reduce_only,
        session=Session(data["session"]),
        oco=_opt(_str, data["oco"]),
        tag=_opt(OrderTag, data["tag"]),
        slot=_opt(_str, data["slot"]),
    )


# --- pieces -----------------------------------------------------------------------------------


def _leg_to_data(leg: Leg) -> dict[str, Any]:
    return {"tag": leg.tag.value, "qty": str(leg.qty), "filled": str(leg.filled)}


def _leg_from_data(data: Any) -> Leg:
    _exact_keys(data, Leg.__dataclass_fields__, "leg")
    return Leg(OrderTag(data["tag"]), Decimal(_str(data["qty"])), Decimal(_str(data["filled"])))


def _deferred_to_data(deferred: Deferred) -> dict[str, Any]:
    return {"tag": deferred.tag.value, "event": deferred.event, "reason": deferred.reason}


def _deferred_from_data(data: Any) -> Deferred:
    _exact_keys(data, Deferred.__dataclass_fields__, "deferred close")
    return Deferred(OrderTag(data["tag"]), _str(data["event"]), _str(data["reason"]))


def _map_to_data(ids: IdMap[V], encode: Callable[[V], Any]) -> list[list[Any]]:
    return [[order_id, encode(value)] for order_id, value in ids.pairs]


def _map_from_data(data: Any, decode: Callable[[Any], V]) -> IdMap[V]:
    if not isinstance(data, list):
        raise StateCodecError("an id map is a list of [id, value] pairs")
    pairs = tuple((_str(order_id), decode(value)) for order_id, value in data)
    if len({order_id for order_id, _ in pairs}) != len(pairs):
        raise StateCodecError("an id map names an id twice")
    return IdMap(pairs)


def _opt(convert: Callable[[Any], V], value: Any) -> V | None:
    return None if value is None else convert(value)


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(data: Any) -> Decimal | None:
    if data is None:
        return None
    value = Decimal(_str(data))
    if not value.is_finite():
        raise StateCodecError(f"{data!r} is not a finite number")
    return value


def _str(data: Any) -> str:
    if not isinstance(data, str):
        raise StateCodecError(f"{data!r} is not a string")
    return data


def _int(data: Any) -> int:
    if not isinstance(data, int) or isinstance(data, bool):
        raise StateCodecError(f"{data!r} is not an integer")
    return data


def _exact_keys(data: Any, fields: Iterable[str], what: str, *extra: str) -> None:
    if not isinstance(data, dict):
        raise StateCodecError(f"a {what} is a JSON object")
    expected = {*fields, *extra}
    if set(data) != expected:
        missing, unknown = sorted(expected - set(data)), sorted(set(data) - expected)
        raise StateCodecError(f"{what}: missing {missing}, unknown {unknown}")


__all__ = [
    "VERSION",
    "OwnerState",
    "StateCodecError",
    "from_data",
    "from_json",
    "order_from_data",
    "order_to_data",
    "to_data",
    "to_json",
]
