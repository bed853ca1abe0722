"""The run's files: trades.csv, orders.csv, signals.csv and summary.json.

CSV cells hold Decimals as exact plain text (`109.995`, never `1.09995E+2` nor a float's
expansion), times as ISO 8601 with offset, enums by their word. summary.json uses JSON numbers
written as exact decimal literals: money on the account currency's minor unit, ratios rounded
(reporting.metrics).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Final, TypeVar

from tradeplan.core.money import fmt_decimal
from tradeplan.reporting.metrics import Summary
from tradeplan.runtime.records import AlertRecord, OrderEvent, SignalRecord, TradeRecord

TRADE_COLUMNS: Final = (
    "trade_id",
    "slot",
    "side",
    "qty",
    "entry_time",
    "entry_price",
    "exit_time",
    "exit_price",
    "exit_reason",
    "pnl",
    "fees",
    "mfe",
    "mae",
)
ORDER_COLUMNS: Final = (
    "time",
    "order_id",
    "slot",
    "type",
    "side",
    "qty",
    "price",
    "trigger",
    "event",
    "fill_price",
    "reason",
)
SIGNAL_COLUMNS: Final = ("time", "rule", "side", "accepted", "reason")

R = TypeVar("R")


def cell(value: object) -> str:
    """One CSV cell: exact Decimals, ISO times, enum words, lower-case booleans."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return fmt_decimal(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        raise TypeError("a float reached a money column; records carry Decimals")
    return str(value)


def _write(
    path: Path, columns: Sequence[str], rows: Iterable[R], row: Callable[[R], list[object]]
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for record in rows:
            writer.writerow([cell(v) for v in row(record)])
    return path


def write_trades_csv(path: Path, trades: Iterable[TradeRecord]) -> Path:
    return _write(path, TRADE_COLUMNS, trades, lambda t: [getattr(t, c) for c in TRADE_COLUMNS])


def write_orders_csv(path: Path, events: Iterable[OrderEvent]) -> Path:
    return _write(path, ORDER_COLUMNS, events, lambda e: [getattr(e, c) for c in ORDER_COLUMNS])


def write_signals_csv(path: Path, signals: Iterable[SignalRecord]) -> Path:
    return _write(path, SIGNAL_COLUMNS, signals, lambda s: [getattr(s, c) for c in SIGNAL_COLUMNS])


ALERT_COLUMNS = ("time", "slot", "kind", "message", "order_id")


def write_alerts_csv(path: Path, alerts: Iterable[AlertRecord]) -> Path:
    """Alerts are events to look at, not refusals: e.g. a stop the spread pushed 15+ pips wide."""
    return _write(path, ALERT_COLUMNS, alerts, lambda a: [getattr(a, c) for c in ALERT_COLUMNS])


def exact_json(value: object, indent: str = "") -> str:
    """JSON with Decimals written as their exact plain literals (`174220.00`, never
    `174219.99999999988`): `json` would pass them through a binary float."""
    inner = indent + "  "
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(str(k))}: {exact_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        items = [inner + exact_json(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return json.dumps(value, allow_nan=False)


def write_summary_json(path: Path, summary: Summary) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = exact_json(summary.to_json_dict())
    path.write_text(text + "\n", encoding="utf-8")
    return path


def write_run_files(
    out_dir: Path,
    *,
    trades: Sequence[TradeRecord],
    orders: Sequence[OrderEvent],
    signals: Sequence[SignalRecord],
    summary: Summary,
    alerts: Sequence[AlertRecord] = (),
) -> dict[str, Path]:
    """All the run's files into `out_dir`; returns them by name."""
    return {
        "alerts": write_alerts_csv(out_dir / "alerts.csv", alerts),
        "trades": write_trades_csv(out_dir / "trades.csv", trades),
        "orders": write_orders_csv(out_dir / "orders.csv", orders),
        "signals": write_signals_csv(out_dir / "signals.csv", signals),
        "summary": write_summary_json(out_dir / "summary.json", summary),
    }
