"""The run's files: trades.csv, orders.csv, signals.csv and summary.json.

CSV cells hold Decimals as exact plain text (`109.995`, never `1.09995E+2` nor a float's
expansion), times as ISO 8601 with offset, enums by their word. With the run's `Formats`, money
columns (pnl, fees, mfe, mae) are on the account currency's minor unit (`-2079` JPY, `-21.87`
USDT: the money rule of reporting.metrics), prices carry the decimals of the instrument's tick
(`111.500` for a 0.001 tick) and quantities those of its step (`0.204` for 0.001): padded, never
rounded, so a value off the grid would still show exactly. summary.json uses JSON numbers written
as exact decimal literals: money on the minor unit, ratios rounded (reporting.metrics).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Final, TypeVar

from tradeplan.core.instrument import Instrument
from tradeplan.core.money import decimals_of, fmt_decimal, money_text
from tradeplan.reporting.metrics import Summary
from tradeplan.runtime.records import AlertRecord, OrderEventRecord, SignalRecord, TradeRecord

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
MONEY_COLUMNS: Final = frozenset({"pnl", "fees", "mfe", "mae"})
PRICE_COLUMNS: Final = frozenset({"entry_price", "exit_price", "price", "trigger", "fill_price"})
QTY_COLUMNS: Final = frozenset({"qty"})

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


@dataclass(frozen=True, slots=True)
class Formats:
    """How a run's numbers are written (module docstring); without a currency or an instrument
    the cells are the exact values (`cell`)."""

    currency: str | None = None
    instrument: Instrument | None = None

    def __call__(self, column: str, value: object) -> str:
        if not isinstance(value, Decimal):
            return cell(value)
        if column in MONEY_COLUMNS and self.currency is not None:
            return money_text(value, self.currency)
        if column in PRICE_COLUMNS and self.instrument is not None:
            return on_grid(value, self.instrument.tick_at(value))
        if column in QTY_COLUMNS and self.instrument is not None:
            return on_grid(value, self.instrument.step)
        return cell(value)


def on_grid(value: Decimal, increment: Decimal) -> str:
    """`value` with the decimals of `increment` (`111.5` at 0.001 -> `111.500`), padded only:
    a value with more decimals than its grid is written exactly, never rounded."""
    places = decimals_of(increment)
    text = fmt_decimal(value)
    whole, _, fraction = text.partition(".")
    if len(fraction) > places or places == 0:
        return text
    return f"{whole}.{fraction.ljust(places, '0')}"


def _write(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[R],
    row: Callable[[R], list[object]],
    formats: Formats | None = None,
) -> Path:
    write = formats or Formats()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for record in rows:
            writer.writerow([write(c, v) for c, v in zip(columns, row(record), strict=True)])
    return path


def write_trades_csv(
    path: Path, trades: Iterable[TradeRecord], formats: Formats | None = None
) -> Path:
    return _write(
        path, TRADE_COLUMNS, trades, lambda t: [getattr(t, c) for c in TRADE_COLUMNS], formats
    )


def write_orders_csv(
    path: Path, events: Iterable[OrderEventRecord], formats: Formats | None = None
) -> Path:
    return _write(
        path, ORDER_COLUMNS, events, lambda e: [getattr(e, c) for c in ORDER_COLUMNS], formats
    )


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
    orders: Sequence[OrderEventRecord],
    signals: Sequence[SignalRecord],
    summary: Summary,
    alerts: Sequence[AlertRecord] = (),
    formats: Formats | None = None,
) -> dict[str, Path]:
    """All the run's files into `out_dir`; returns them by name. `formats` defaults to the
    summary's currency for money (no instrument: prices and quantities exact)."""
    formats = formats or Formats(summary.currency or None)
    return {
        "alerts": write_alerts_csv(out_dir / "alerts.csv", alerts),
        "trades": write_trades_csv(out_dir / "trades.csv", trades, formats),
        "orders": write_orders_csv(out_dir / "orders.csv", orders, formats),
        "signals": write_signals_csv(out_dir / "signals.csv", signals),
        "summary": write_summary_json(out_dir / "summary.json", summary),
    }


class CsvAppender:
    """One of a run's CSV files written as records arrive (a live run's `--out`): the header
    once, when the file is new or empty, then each record on its own line, flushed, so a file
    read mid-run or after a crash holds every record appended so far, formatted exactly as the
    backtest writes it (the same columns, the same cells)."""

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        formats: Formats | None = None,
    ) -> None:
        self.path = path
        self._columns = tuple(columns)
        self._formats = formats or Formats()
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not path.exists() or path.stat().st_size == 0
        self._handle = path.open("a", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle, lineterminator="\n")
        if fresh:
            self._writer.writerow(self._columns)
            self._handle.flush()

    def append(self, records: Iterable[object]) -> int:
        """Write `records` (objects with the columns as attributes); returns how many."""
        write, columns = self._formats, self._columns
        count = 0
        for record in records:
            self._writer.writerow([write(c, getattr(record, c)) for c in columns])
            count += 1
        if count:
            self._handle.flush()
        return count

    def close(self) -> None:
        self._handle.close()
