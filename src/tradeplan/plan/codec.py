"""Plan <-> JSON, generic over the frozen dataclasses, exact for Decimals.

Decimals travel as strings (JSON numbers would become floats in most readers). Expression nodes
and signal-graph nodes carry a `node` tag (their class names, distinct across the two). The
graph's constants are floats already and travel as JSON numbers, which Python writes and reads
back to the same float. The fingerprint hashes the canonical (sorted, compact) JSON, so it changes
exactly when the plan's meaning changes, not when a comment or the file's form does.

A field added to the plan after plans were stored and fingerprinted (`Plan.on_restart`) is
marked `omit_when_default`: written only when it is not its default, so every plan that does not
use it keeps its JSON and its fingerprint, and the JSON stored before it existed reads back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from decimal import Decimal
from enum import Enum
from typing import Any, Union

from tradeplan.core import enums, instrument, units
from tradeplan.lang import expr as expr_module
from tradeplan.plan import model, signals

_NODE_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (*typing.get_args(expr_module.Expr), *typing.get_args(signals.SignalNode))
}
_NAMESPACE: dict[str, Any] = {
    **vars(model),
    **vars(enums),
    **vars(units),
    **vars(instrument),
    **vars(expr_module),
    **vars(signals),
    "Decimal": Decimal,
}


def to_data(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 1.20 and 1.2 are one price: one spelling
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data: dict[str, Any] = {}
        if type(value).__name__ in _NODE_CLASSES:
            data["node"] = type(value).__name__
        for f in dataclasses.fields(value):
            if f.name == "span":
                continue
            field_value = getattr(value, f.name)
            if f.metadata.get("omit_when_default") and field_value == f.default:
                continue  # read back as the default (`_from_dataclass` skips what is absent)
            data[f.name] = to_data(field_value)
        return data
    if isinstance(value, tuple | list):
        return [to_data(v) for v in value]
    return value


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls, globalns=_NAMESPACE)
    return _HINTS[cls]


def from_data(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        if isinstance(data, dict) and "node" in data:
            return _from_dataclass(_NODE_CLASSES[data["node"]], data)
        return from_data(non_none[0], data)
    if origin is tuple:
        inner = typing.get_args(tp)[0]
        return tuple(from_data(inner, item) for item in data)
    if tp is Decimal:
        return Decimal(data)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _from_dataclass(tp, data)
    return data


def _from_dataclass(cls: type[Any], data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    kwargs = {
        f.name: from_data(hints[f.name], data[f.name])
        for f in dataclasses.fields(cls)
        if f.name != "span" and f.name in data
    }
    return cls(**kwargs)


def plan_to_json(plan: model.Plan, indent: int | None = 2) -> str:
    return json.dumps(to_data(plan), indent=indent, ensure_ascii=False)


def plan_from_json(text: str) -> model.Plan:
    result = from_data(model.Plan, json.loads(text))
    assert isinstance(result, model.Plan)
    return result


def fingerprint(plan: model.Plan) -> str:
    canonical = json.dumps(to_data(plan), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
