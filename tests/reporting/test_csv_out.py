"""The run files: exact Decimal text in CSV, JSON numbers in summary.json."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tradeplan.core.enums import OrderType, Side
from tradeplan.reporting.csv_out import (
    ORDER_COLUMNS,
    SIGNAL_COLUMNS,
    TRADE_COLUMNS,
    cell,
    write_run_files,
)
from tradeplan.reporting.metrics import summarize
from tradeplan.runtime.records import (
    EquityCurve,
    ExitReason,
    OrderEventKind,
    OrderEventRecord,
    SignalRecord,
    TradeRecord,
)

T = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def records() -> tuple[list[TradeRecord], list[OrderEventRecord], list[SignalRecord]]:
    trades = [
        TradeRecord(
            1, "grid#1", Side.BUY, Decimal("10000"), T, Decimal("109.00"),
            T + timedelta(hours=5), Decimal("107.99"), ExitReason.STOP_LOSS,
            Decimal("-10100.0"), Decimal("0"), Decimal("2500"), Decimal("10100"),
        ),
    ]  # fmt: skip
    orders = [
        OrderEventRecord(
            T, "o-1", "grid#1", OrderType.LIMIT, Side.BUY, Decimal(10000), Decimal("109.00"),
            None, OrderEventKind.FILLED, Decimal("109.00"),
        ),
        OrderEventRecord(
            T, "o-2", "grid#1", OrderType.STOP, Side.SELL, Decimal(10000), None,
            Decimal("107.99"), OrderEventKind.PLACED, None, "stop 100 pips + 1 pip spread",
        ),
    ]  # fmt: skip
    signals = [SignalRecord(T, "breakout", Side.SELL, False, "duplicate position")]
    return trades, orders, signals


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_all_files_are_written_with_their_columns(tmp_path: Path) -> None:
    trades, orders, signals = records()
    equity = EquityCurve(
        np.array([0, 60 * 10**9], np.int64), np.array([1e6, 989_900.0]), np.array([1e6, 1e6])
    )
    paths = write_run_files(
        tmp_path / "out",
        trades=trades,
        orders=orders,
        signals=signals,
        summary=summarize(trades, equity),
    )
    assert sorted(p.name for p in paths.values()) == [
        "alerts.csv",
        "orders.csv",
        "signals.csv",
        "summary.json",
        "trades.csv",
    ]
    (trade,) = read(paths["trades"])
    assert tuple(trade) == TRADE_COLUMNS
    assert trade == {
        "trade_id": "1",
        "slot": "grid#1",
        "side": "buy",
        "qty": "10000",
        "entry_time": "2025-01-06T09:00:00+00:00",
        "entry_price": "109",
        "exit_time": "2025-01-06T14:00:00+00:00",
        "exit_price": "107.99",
        "exit_reason": "stop_loss",
        "pnl": "-10100",
        "fees": "0",
        "mfe": "2500",
        "mae": "10100",
    }
    filled, placed = read(paths["orders"])
    assert tuple(filled) == ORDER_COLUMNS
    assert (filled["type"], filled["event"], filled["fill_price"], filled["trigger"]) == (
        "limit",
        "filled",
        "109",
        "",
    )
    assert (placed["type"], placed["trigger"], placed["reason"]) == (
        "stop",
        "107.99",
        "stop 100 pips + 1 pip spread",
    )
    (signal,) = read(paths["signals"])
    assert tuple(signal) == SIGNAL_COLUMNS
    assert (signal["accepted"], signal["reason"]) == ("false", "duplicate position")
    summary = json.loads(paths["summary"].read_text())
    assert summary["net_pnl"] == -10100
    assert summary["trade_count"] == 1
    assert summary["win_rate_pct"] == 0.0
    assert summary["profit_factor"] == 0.0
    assert summary["max_drawdown"] == pytest.approx(10100.0)


def test_decimals_are_written_exactly_without_exponents() -> None:
    assert cell(Decimal("1E+2")) == "100"
    assert cell(Decimal("0.1") + Decimal("0.2")) == "0.3"
    assert cell(Decimal("0.00000001")) == "0.00000001"
    assert cell(Decimal("-0")) == "0"
    with pytest.raises(TypeError, match="float"):
        cell(0.1)


def test_empty_runs_still_write_headers(tmp_path: Path) -> None:
    empty = EquityCurve(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    paths = write_run_files(
        tmp_path, trades=[], orders=[], signals=[], summary=summarize([], empty)
    )
    assert paths["trades"].read_text() == ",".join(TRADE_COLUMNS) + "\n"
    assert json.loads(paths["summary"].read_text())["sharpe"] is None
