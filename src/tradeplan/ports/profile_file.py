"""Broker profile files: a venue's live instrument rules saved for checks that need no keys.

`tradeplan instruments --broker binance BTCUSDT --save binance.json` writes one; `tradeplan lint
--profile binance.json strategies/` checks every strategy written for that broker against it in CI,
where no account and no network exist. The file is JSON a person can read and diff (numbers as
exact decimal strings, never floats), one object per instrument:

    {"tradeplan_profile": 1, "broker": "binance", "saved": "2026-12-07T23:20:00Z",
     "instruments": [{"symbol": "BTCUSDT", "venue_symbol": "BTCUSDT", "asset_class": "crypto_perp",
                      "tick": "0.10", "step": "0.001", "min_qty": "0.001", "min_notional": "100",
                      "max_leverage": "125", "leverage_brackets": [["50000", "125"], ...],
                      "native_order_types": ["limit", "market", ...], "facts": {...}}]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tradeplan.core.enums import AssetClass, OrderType
from tradeplan.core.money import plain
from tradeplan.ports.adapters import LeverageBracket, VenueInstrument

FORMAT_VERSION = 1


class ProfileFileError(ValueError):
    """A profile file that cannot be read; the message names the file and the place."""


def instrument_to_data(item: VenueInstrument) -> dict[str, Any]:
    def num(value: Decimal | None) -> str | None:
        return None if value is None else plain(value)

    data: dict[str, Any] = {
        "symbol": item.symbol,
        "venue_symbol": item.venue_symbol,
        "asset_class": item.asset_class.value,
        "tick": plain(item.tick),
        "step": plain(item.step),
        "min_qty": num(item.min_qty),
        "min_notional": num(item.min_notional),
        "max_leverage": num(item.max_leverage),
        "leverage_brackets": [
            [plain(b.notional_cap), plain(b.max_leverage)] for b in item.leverage_brackets
        ],
        "native_order_types": sorted(t.value for t in item.native_order_types),
        "facts": dict(item.facts),
    }
    return {key: value for key, value in data.items() if value is not None}


def profile_to_text(broker: str, items: Iterable[VenueInstrument], saved: datetime) -> str:
    document = {
        "tradeplan_profile": FORMAT_VERSION,
        "broker": broker,
        "saved": saved.isoformat().replace("+00:00", "Z"),
        "instruments": [instrument_to_data(i) for i in items],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _decimal(where: str, value: object) -> Decimal:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ProfileFileError(f'{where}: write the number as a string, e.g. "0.01"')
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ProfileFileError(f"{where}: {value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise ProfileFileError(f"{where}: {value!r} must be a finite number of at least 0")
    return number


def _optional(where: str, data: Mapping[str, Any], key: str) -> Decimal | None:
    return None if data.get(key) is None else _decimal(f"{where}.{key}", data[key])


def instrument_from_data(broker: str, where: str, data: object) -> VenueInstrument:
    if not isinstance(data, dict):
        raise ProfileFileError(f"{where}: expected an object with symbol, tick and step")
    for key in ("symbol", "asset_class", "tick", "step"):
        if key not in data:
            raise ProfileFileError(f"{where}: `{key}` is missing")
    try:
        asset_class = AssetClass(data["asset_class"])
    except ValueError:
        kinds = ", ".join(a.value for a in AssetClass)
        raise ProfileFileError(
            f"{where}.asset_class: {data['asset_class']!r} is not one of {kinds}"
        ) from None
    types: set[OrderType] = set()
    for name in data.get("native_order_types", ()):
        try:
            types.add(OrderType(name))
        except ValueError:
            raise ProfileFileError(
                f"{where}.native_order_types: {name!r} is not an order type"
            ) from None
    brackets = []
    for index, pair in enumerate(data.get("leverage_brackets", ())):
        spot = f"{where}.leverage_brackets[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise ProfileFileError(f"{spot}: expected [notional_cap, max_leverage]")
        brackets.append(LeverageBracket(_decimal(spot, pair[0]), _decimal(spot, pair[1])))
    facts = data.get("facts", {})
    if not isinstance(facts, dict):
        raise ProfileFileError(f"{where}.facts: expected an object of names and values")
    return VenueInstrument(
        broker=broker,
        symbol=str(data["symbol"]),
        venue_symbol=str(data.get("venue_symbol", data["symbol"])),
        asset_class=asset_class,
        tick=_decimal(f"{where}.tick", data["tick"]),
        step=_decimal(f"{where}.step", data["step"]),
        min_qty=_optional(where, data, "min_qty"),
        min_notional=_optional(where, data, "min_notional"),
        max_leverage=_optional(where, data, "max_leverage"),
        leverage_brackets=tuple(brackets),
        native_order_types=frozenset(types),
        facts=tuple((str(k), str(v)) for k, v in facts.items()),
    )


@dataclass(frozen=True, slots=True)
class VenueRules:
    """Instruments of one or more profile files, by broker and symbol; `files` names where
    each broker's rules came from (for messages)."""

    instruments: Mapping[tuple[str, str], VenueInstrument]
    files: Mapping[str, str]

    def covers(self, broker: str) -> bool:
        return broker in self.files

    def find(self, broker: str, symbol: str) -> VenueInstrument | None:
        return self.instruments.get((broker, symbol))

    def symbols(self, broker: str) -> tuple[str, ...]:
        return tuple(sorted(s for b, s in self.instruments if b == broker))


def read_profile_files(paths: Iterable[str | Path]) -> VenueRules:
    instruments: dict[tuple[str, str], VenueInstrument] = {}
    files: dict[str, str] = {}
    for given in paths:
        path = Path(given)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileFileError(f"{path}: cannot read it ({exc})") from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProfileFileError(
                f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})"
            ) from None
        if not isinstance(document, dict) or "tradeplan_profile" not in document:
            raise ProfileFileError(
                f"{path}: not a tradeplan profile file (make one with `tradeplan instruments "
                "--broker NAME SYMBOL... --save FILE`)"
            )
        if document["tradeplan_profile"] != FORMAT_VERSION:
            raise ProfileFileError(
                f"{path}: profile format {document['tradeplan_profile']!r}; this tradeplan "
                f"reads format {FORMAT_VERSION}: save it again with `tradeplan instruments`"
            )
        broker = document.get("broker")
        if not isinstance(broker, str) or not broker:
            raise ProfileFileError(f"{path}: `broker` is missing")
        items = document.get("instruments")
        if not isinstance(items, list):
            raise ProfileFileError(f"{path}: `instruments` must be a list")
        files[broker] = str(path)
        for index, data in enumerate(items):
            item = instrument_from_data(broker, f"{path}: instruments[{index}]", data)
            instruments[(broker, item.symbol)] = item
    return VenueRules(instruments, files)


__all__ = [
    "FORMAT_VERSION",
    "ProfileFileError",
    "VenueRules",
    "instrument_from_data",
    "instrument_to_data",
    "profile_to_text",
    "read_profile_files",
]
