"""Owner run states (`RuleState`, `SlotState`) <-> JSON, exactly.

Why. A live run stores each owner's snapshot after every event (issue 9: in SQLite) and a
restarted run reads it back into a fresh owner (`Owner.restore`); what it reads must be the
very value it wrote, or the restarted run drifts from the one that stopped. So:

* Decimals travel as their `str()`: exact, and exponent and all (`1.20` stays `1.20`, unlike
  the plan codec, which normalises, because an order's price is printed as it was built);
* enums as their values, orders through `order_to_data` / `order_from_data` (orders/codec.py,
  shared with the paper venue's wire), the id maps as lists of `[id, value]` pairs in their
  order, clocks as integers (epoch ns);
* every object says what it is (`"kind": "rule" | "slot"`) and the format has a version, so a
  reader refuses what it does not know instead of guessing. Decoding is strict: a missing or
  unknown field is an error.

`from_json(to_json(s)) == s` for every state a run reaches, and `to_json` of it is the same
text again (tests/runtime/test_owner_state_codec.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final, TypeVar

from tradeplan.orders.codec import CodecError, order_from_data, order_to_data
from tradeplan.orders.codec import dec as _dec
from tradeplan.orders.codec import exact_keys as _exact_keys
from tradeplan.orders.codec import integer as _int
from tradeplan.orders.codec import optional as _opt
from tradeplan.orders.codec import text as _str
from tradeplan.orders.codec import undec as _undec
from tradeplan.orders.model import OrderTag
from tradeplan.runtime.idmap import IdMap
from tradeplan.runtime.legs import Leg
from tradeplan.runtime.rule_state import Deferred, RuleState
from tradeplan.runtime.slot_state import SlotState

VERSION: Final = 2  # 2: a rule's cancelling, pending_close, pending_reason
OwnerState = RuleState | SlotState
V = TypeVar("V")

# Stored text that is not an owner state this version wrote. One class with the order codec's
# error (orders/codec.py), so a bad order inside a state is the same error as a bad state.
StateCodecError = CodecError


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
            "cancelling": _map_to_data(state.cancelling, _leg_to_data),
            "pending_close": _opt(order_to_data, state.pending_close),
            "pending_reason": state.pending_reason,
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
    if data.get("v") not in (1, VERSION):
        raise StateCodecError(f"owner state version {data.get('v')!r}; this reads 1 and {VERSION}")
    kind = data.get("kind")
    if kind == "rule" and data["v"] == 1:  # stored before a close waited for its cancels
        data = {**data, "cancelling": [], "pending_close": None, "pending_reason": ""}
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
            cancelling=_map_from_data(data["cancelling"], _leg_from_data),
            pending_close=_opt(order_from_data, data["pending_close"]),
            pending_reason=_str(data["pending_reason"]),
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
