"""JSON Schema for editors (yaml-language-server), generated from lang/keys.py.

Generated, not hand-written, so completion and the linter never disagree. The schema is looser
than the linter on purpose (values like `50 pips` are strings to JSON): it exists to complete
keys and catch typos while typing; `tradeplan lint` is the full check.
"""

from __future__ import annotations

from typing import Any

from tradeplan.core.enums import FillProfile, OrderType, RestartPolicy, Session
from tradeplan.lang import keys

SCHEMA_ID = "https://tradeplan.dev/schema/tradeplan-1.json"

_NUM: dict[str, Any] = {"type": ["number", "string"]}
_STR: dict[str, Any] = {"type": "string"}
_DIST: dict[str, Any] = {
    "type": ["number", "string"],
    "pattern": r"^\s*[+-]?\$?\s*[0-9.,_]+([eE][+-]?[0-9]+)?\s*(%|pips?|ticks?)?\s*$",
}
_PCT: dict[str, Any] = {"type": "string", "pattern": r"^\s*[0-9.]+([eE][+-]?[0-9]+)?\s*%\s*$"}
_DUR: dict[str, Any] = {"type": "string", "pattern": r"^(\s*\d+\s*[a-zA-Z]+)+\s*$"}
_SIDE: dict[str, Any] = {"enum": ["long", "short", "buy", "sell"]}
_BOOL: dict[str, Any] = {"type": ["boolean", "string"]}


def _enum(values: list[str]) -> dict[str, Any]:
    return {"enum": values}


def _obj(
    table: dict[str, str], props: dict[str, dict[str, Any]], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    properties = {key: {**props.get(key, _STR), "description": text} for key, text in table.items()}
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
    if required:
        schema["required"] = list(required)
    return schema


def _or_scalar(obj: dict[str, Any], scalar: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [scalar, obj]}


def json_schema() -> dict[str, Any]:
    order_types = [t.value for t in OrderType]
    instrument = _obj(
        keys.INSTRUMENT,
        {
            "kind": _enum(["fx", "us_stock", "crypto_perp"]),
            "market": _enum(["usdm_futures", "us", "fx"]),
            "pip": _NUM,
            "tick": _NUM,
            "step": _NUM,
            "min_notional": _NUM,
        },
        ("symbol",),
    )
    account = _obj(keys.ACCOUNT, {"balance": _NUM, "leverage": _NUM})
    broker = _obj(
        keys.BROKER,
        {
            "name": _enum(["paper", "oanda", "binance", "futu"]),
            "fill": _enum([f.value for f in FillProfile]),
        },
    )
    sizing = _obj(
        keys.SIZING, {"units": _NUM, "qty": _NUM, "notional": _NUM, "risk": _PCT, "leverage": _NUM}
    )
    order = _obj(
        keys.ORDER,
        {
            "type": _enum(order_types),
            "price": _NUM,
            "trigger": _NUM,
            "trail": _DIST,
            "spread": _DIST,
            "activate": _DIST,
        },
    )
    trailing = _obj(keys.TRAILING, {"trail": _DIST, "spread": _DIST, "activate": _DIST})
    break_even = _obj(
        keys.BREAK_EVEN,
        {"at": _DIST, "within": _DUR, "otherwise": _enum(["close", "keep"]), "offset": _DIST},
    )
    exits = _obj(
        keys.EXITS,
        {
            "stop_loss": _DIST | {"type": ["number", "string"]},
            "take_profit": _DIST,
            "trailing": _or_scalar(trailing, _DIST),
            "break_even": _or_scalar(break_even, _DIST),
            "time_exit": _STR,
            "time_in_force": _enum(["day", "gtc"]),
        },
    )
    exits["properties"]["stop_loss"].pop("pattern", None)
    entry = _obj(
        keys.ENTRY,
        {
            "side": _SIDE,
            "order": _or_scalar(order, _enum(order_types)),
            "time_in_force": _enum(["day", "gtc"]),
            "units": _NUM,
            "qty": _NUM,
            "notional": _NUM,
            "sizing": sizing,
            "exits": exits,
        },
        ("name", "side", "when"),
    )
    grid = _obj(
        keys.GRID,
        {
            "side": _SIDE,
            "from": _NUM,
            "to": _NUM,
            "step": _DIST,
            "at": _NUM,
            "units": _NUM,
            "take_profit": _DIST,
            "stop_loss": {"type": ["number", "string"]},
            "counter": _DIST,
            "follow": _DIST,
        },
        ("side", "units", "take_profit"),
    )
    risk = _obj(
        keys.RISK,
        {
            "max_open_positions": {"type": ["integer", "string"]},
            "max_notional": _NUM,
            "max_position": _NUM,
            "daily_loss_limit": _PCT,
            "max_drawdown": _PCT,
            "one_position_per_symbol": _BOOL,
            "max_risk_per_trade": _PCT,
        },
    )
    fees = _obj(keys.FEES, {"per_unit": _NUM, "per_notional": _PCT, "per_order": _NUM})
    top = _obj(
        keys.TOP,
        {
            "tradeplan": {"const": 1},
            "instrument": _or_scalar(instrument, _STR),
            "account": _or_scalar(account, _STR),
            "broker": _or_scalar(broker, _enum(["paper", "oanda", "binance", "futu"])),
            "session": _enum([s.value for s in Session]),
            "timeframe": _DUR,
            "fees": fees,
            "sizing": sizing,
            "entries": {"type": "array", "items": entry},
            "exits": exits,
            "grid": grid,
            "grids": {"type": "array", "items": grid},
            "risk": risk,
            "on_restart": _enum([p.value for p in RestartPolicy]),
        },
        ("tradeplan", "name", "instrument"),
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "tradeplan strategy (YAML form)",
        **top,
    }
