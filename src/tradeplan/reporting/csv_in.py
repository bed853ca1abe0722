"""The run files read back: trades.csv, orders.csv, signals.csv and alerts.csv as records.

`tradeplan report` builds report.html from what a run wrote (a live run's `--out` folder, or a
backtest's), so the page of a live strategy's history is the backtest's page. Cells are read
exactly as `csv_out` writes them: Decimals from their text, ISO times with offset, enum words.
A missing file is an empty list; a malformed row raises CsvReadError naming file and line.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

from tradeplan.core.enums import OrderType, Side
from tradeplan.runtime.records import (
    AlertRecord,
    ExitReason,
    OrderEventKind,
    OrderEventRecord,
    SignalRecord,
    TradeRecord,
)

R = TypeVar("R")


class CsvReadError(ValueError):
    """A run file that cannot be read back (another tool's file, a truncated write)."""


def _read(path: Path, make: Callable[[dict[str, str]], R]) -> list[R]:
    if not path.exists():
        return []
    out: list[R] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                out.append(make(row))
            except (KeyError, ValueError, TypeError, InvalidOperation) as exc:
                raise CsvReadError(
                    f"{path}:{line}: cannot read this row ({exc!s}); is it a tradeplan run file?"
                ) from None
    return out


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no UTC offset")
    return moment


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _trade(row: dict[str, str]) -> TradeRecord:
    return TradeRecord(
        trade_id=int(row["trade_id"]),
        slot=row["slot"],
        side=Side(row["side"]),
        qty=Decimal(row["qty"]),
        entry_time=_time(row["entry_time"]),
        entry_price=Decimal(row["entry_price"]),
        exit_time=_time(row["exit_time"]),
        exit_price=Decimal(row["exit_price"]),
        exit_reason=ExitReason(row["exit_reason"]),
        pnl=Decimal(row["pnl"]),
        fees=Decimal(row["fees"]),
        mfe=Decimal(row["mfe"]),
        mae=Decimal(row["mae"]),
    )


def _order(row: dict[str, str]) -> OrderEventRecord:
    return OrderEventRecord(
        time=_time(row["time"]),
        order_id=row["order_id"],
        slot=row["slot"],
        type=OrderType(row["type"]),
        side=Side(row["side"]),
        qty=Decimal(row["qty"]),
        price=_decimal(row["price"]),
        trigger=_decimal(row["trigger"]),
        event=OrderEventKind(row["event"]),
        fill_price=_decimal(row.get("fill_price", "")),
        reason=row.get("reason", ""),
    )


def _signal(row: dict[str, str]) -> SignalRecord:
    accepted = row["accepted"]
    if accepted not in ("true", "false"):
        raise ValueError(f"accepted is {accepted!r}, not true or false")
    return SignalRecord(
        _time(row["time"]), row["rule"], Side(row["side"]), accepted == "true", row["reason"]
    )


def _alert(row: dict[str, str]) -> AlertRecord:
    return AlertRecord(
        _time(row["time"]), row["slot"], row["kind"], row["message"], row.get("order_id", "")
    )


def read_trades(folder: Path) -> list[TradeRecord]:
    return _read(folder / "trades.csv", _trade)


def read_orders(folder: Path) -> list[OrderEventRecord]:
    return _read(folder / "orders.csv", _order)


def read_signals(folder: Path) -> list[SignalRecord]:
    return _read(folder / "signals.csv", _signal)


def read_alerts(folder: Path) -> list[AlertRecord]:
    return _read(folder / "alerts.csv", _alert)
