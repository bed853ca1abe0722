"""The records the engine emits keep money exact and times unambiguous."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from tradeplan.core.enums import OrderType, Side
from tradeplan.runtime.records import (
    EquityCurve,
    EquityPoint,
    ExitReason,
    OrderEventKind,
    OrderEventRecord,
    SignalRecord,
    TradeRecord,
)

T = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def trade(**changes: object) -> TradeRecord:
    fields: dict[str, object] = {
        "trade_id": 1,
        "slot": "grid#1",
        "side": Side.BUY,
        "qty": Decimal(1000),
        "entry_time": T,
        "entry_price": Decimal("109.00"),
        "exit_time": T + timedelta(hours=2),
        "exit_price": Decimal("110.00"),
        "exit_reason": ExitReason.TAKE_PROFIT,
        "pnl": Decimal("995"),
        "fees": Decimal("5"),
        "mfe": Decimal("1000"),
        "mae": Decimal("120"),
    }
    fields.update(changes)
    return TradeRecord(**fields)  # type: ignore[arg-type]


def test_exit_reasons_and_order_events_are_the_documented_words() -> None:
    assert [r.value for r in ExitReason] == [
        "take_profit",
        "stop_loss",
        "trailing_stop",
        "break_even",
        "break_even_timeout",
        "time_exit",
        "signal",
        "manual",
        "end_of_data",
        "margin_closeout",
    ]
    assert [e.value for e in OrderEventKind] == [
        "placed",
        "converted",
        "triggered",
        "filled",
        "partially_filled",
        "cancelled",
        "expired",
        "rejected",
        "dropped",
        "amended",
    ]


def test_a_trade_knows_its_gross_result_outcome_and_duration() -> None:
    record = trade()
    assert record.gross_pnl == Decimal(1000)
    assert record.is_win
    assert record.duration == timedelta(hours=2)
    assert not trade(pnl=Decimal(0)).is_win


@pytest.mark.parametrize("name", ["qty", "entry_price", "exit_price", "pnl", "fees", "mfe", "mae"])
def test_a_float_in_a_money_field_is_refused(name: str) -> None:
    with pytest.raises(TypeError, match=f"TradeRecord.{name} must be a Decimal"):
        trade(**{name: 0.1})


def test_naive_times_are_refused() -> None:
    with pytest.raises(TypeError, match="timezone-aware"):
        trade(entry_time=datetime(2025, 1, 6, 9))
    with pytest.raises(TypeError, match="timezone-aware"):
        SignalRecord(datetime(2025, 1, 6), "breakout", Side.BUY, False, "duplicate position")


def test_order_events_allow_missing_prices_but_not_floats() -> None:
    event = OrderEventRecord(
        T, "o-1", "grid#1", OrderType.MARKET, Side.BUY, Decimal(1), None, None,
        OrderEventKind.PLACED,
    )  # fmt: skip
    assert event.fill_price is None and event.reason == ""
    with pytest.raises(TypeError, match=r"OrderEventRecord\.trigger must be a Decimal"):
        OrderEventRecord(
            T, "o-1", "s", OrderType.STOP, Side.SELL, Decimal(1), None, 107.99,  # type: ignore[arg-type]
            OrderEventKind.PLACED,
        )  # fmt: skip


def test_records_are_immutable() -> None:
    record = trade()
    with pytest.raises(AttributeError):
        record.pnl = Decimal(0)  # type: ignore[misc]


def test_equity_curve_from_points_and_its_checks() -> None:
    points = [
        EquityPoint(T, Decimal("1000.5"), Decimal(1000)),
        EquityPoint(T + timedelta(minutes=1), Decimal("999.25"), Decimal(1000)),
    ]
    curve = EquityCurve.from_points(points)
    assert len(curve) == 2
    assert curve.time_ns.tolist() == [1_736_154_000 * 10**9, 1_736_154_060 * 10**9]
    assert curve.equity.tolist() == [1000.5, 999.25]
    with pytest.raises(ValueError, match="same length"):
        EquityCurve(np.zeros(2, np.int64), np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="backwards"):
        EquityCurve(np.array([2, 1], np.int64), np.zeros(2), np.zeros(2))
