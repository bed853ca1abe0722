"""Summary figures against numbers worked out by hand."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeplan.core.enums import Side
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.reporting.metrics import (
    daily_returns,
    drawdown,
    exposure_pct,
    max_drawdown,
    profit_factor,
    sharpe_ratio,
    summarize,
)
from tradeplan.runtime.records import EquityCurve, ExitReason, TradeRecord

D = Decimal
T0 = datetime(2025, 1, 6, tzinfo=UTC)
H = timedelta(hours=1)
# Eight points twelve hours apart over four UTC days.
TIMES = [T0 + 12 * H * i for i in range(8)]
EQUITY = [1000.0, 1100.0, 1050.0, 990.0, 1080.0, 1210.0, 1150.0, 1100.0]


def curve(values: list[float] = EQUITY, times: list[datetime] = TIMES) -> EquityCurve:
    return EquityCurve(
        np.array([ns_from_datetime(t) for t in times], dtype=np.int64),
        np.array(values, dtype=np.float64),
        np.array(values, dtype=np.float64),
    )


def trade(
    n: int, pnl: str, fees: str, mfe: str, mae: str, start: datetime, end: datetime
) -> TradeRecord:
    return TradeRecord(
        n, "s", Side.BUY, D(1), start, D(100), end, D(100), ExitReason.SIGNAL,
        D(pnl), D(fees), D(mfe), D(mae),
    )  # fmt: skip


TRADES = [
    trade(1, "100", "2", "150", "20", TIMES[1], TIMES[3]),  # holds at points 1 and 2
    trade(2, "-50", "2", "10", "60", TIMES[2] + 6 * H, TIMES[5]),  # points 3 and 4
    trade(3, "30", "1", "40", "5", TIMES[1] + H, TIMES[2]),  # inside trade 1
    trade(4, "-20", "1", "0", "25", TIMES[6] + 3 * H, TIMES[6] + 4 * H),  # between points
    trade(5, "0", "0", "5", "5", TIMES[7] + H, TIMES[7] + 2 * H),  # after the last point
]


def test_trade_figures() -> None:
    s = summarize(TRADES, curve())
    assert s.net_pnl == D(60)
    assert s.gross_profit == D(130)
    assert s.gross_loss == D(-70)
    assert s.fees == D(6)
    assert (s.trade_count, s.wins, s.losses) == (5, 2, 2)  # a zero trade is neither
    assert s.win_rate_pct == pytest.approx(40.0)
    assert s.profit_factor == pytest.approx(130 / 70)
    assert s.average_trade == D(12)
    assert (s.best_trade, s.worst_trade) == (D(100), D(-50))
    assert s.average_mfe == D(41)  # (150 + 10 + 40 + 0 + 5) / 5
    assert s.average_mae == D(23)  # (20 + 60 + 5 + 25 + 5) / 5


def test_curve_figures() -> None:
    s = summarize(TRADES, curve())
    # Final equity is the initial equity plus the net P&L of the trades (1000 + 60), exactly,
    # whatever the float curve's last point says: the shown figures must add up.
    assert (s.initial_equity, s.final_equity) == (D("1000.00"), D("1060.00"))
    assert s.return_pct == pytest.approx(6.0)
    # Peaks 1000, 1100, 1100, 1100, 1100, 1210, 1210, 1210: the deepest falls are 110 both from
    # 1100 to 990 (10%) and from 1210 to 1100 (9.09%).
    assert s.max_drawdown == pytest.approx(110.0)
    assert s.max_drawdown_pct == pytest.approx(10.0)
    assert s.exposure_pct == pytest.approx(50.0)  # points 1, 2, 3, 4 of 8
    assert s.start == T0 and s.end == TIMES[-1]


def test_sharpe_from_daily_closes() -> None:
    # Daily closes 1100, 990, 1210, 1100 after the first point's 1000.
    returns = [Fraction(1, 10), Fraction(-1, 10), Fraction(2, 9), Fraction(-1, 11)]
    assert daily_returns(curve()).tolist() == pytest.approx([float(r) for r in returns])
    mean = sum(returns) / 4
    variance = sum((r - mean) ** 2 for r in returns) / 3
    expected = float(mean) / math.sqrt(float(variance)) * math.sqrt(252)
    assert sharpe_ratio(curve()) == pytest.approx(expected)
    assert sharpe_ratio(curve(), periods_per_year=365) == pytest.approx(
        expected * math.sqrt(365 / 252)
    )


def test_undefined_figures_are_none_not_infinite() -> None:
    winners = [TRADES[0], TRADES[2]]
    assert profit_factor(winners) is None
    flat = summarize([], curve([1000.0] * 8))
    assert flat.sharpe is None  # no variation
    assert flat.win_rate_pct is None and flat.average_trade is None
    assert flat.exposure_pct == 0.0
    assert summarize([], curve([1000.0], TIMES[:1])).sharpe is None  # one day
    empty = summarize([], EquityCurve(np.zeros(0, np.int64), np.zeros(0), np.zeros(0)))
    assert empty.exposure_pct is None and empty.start is None and empty.max_drawdown == 0.0


def test_json_dict_uses_numbers_and_null() -> None:
    data = summarize(TRADES, curve(), currency="USD").to_json_dict()
    assert data["net_pnl"] == 60 and str(data["net_pnl"]) == "60.00"
    assert data["average_mfe"] == 41
    assert data["profit_factor"] == Decimal("1.8571")
    assert data["start"] == "2025-01-06T00:00:00+00:00"
    assert summarize([], curve()).to_json_dict()["profit_factor"] is None


def test_exposure_counts_overlapping_trades_once() -> None:
    same = [TRADES[0], TRADES[0], TRADES[2]]
    assert exposure_pct(same, curve()) == pytest.approx(25.0)


@given(st.lists(st.floats(1.0, 1e6), min_size=1, max_size=60))
def test_drawdown_is_never_negative_and_zero_at_new_highs(values: list[float]) -> None:
    equity = np.array(values)
    dd = drawdown(equity)
    assert np.all(dd >= 0)
    assert np.all(dd[equity >= np.maximum.accumulate(equity)] == 0)
    amount, pct = max_drawdown(equity)
    assert amount == pytest.approx(float(dd.max()))
    assert 0 <= pct < 100


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(["USD", "JPY", "USDT", "BTC"]),
    st.lists(st.decimals("-5000", "5000", places=8, allow_nan=False), min_size=1, max_size=8),
)
def test_summary_json_money_is_exact_on_the_minor_unit(currency: str, pnls: list[Decimal]) -> None:
    import json
    import tempfile
    from pathlib import Path

    from tradeplan.core.money import minor_unit_decimals
    from tradeplan.reporting.csv_out import write_summary_json

    trades = [replace(TRADES[0], pnl=p, fees=abs(p) / 7) for p in pnls]
    points = np.array([174219.99999999988, 174100.1, 174300.0])
    times = np.array([0, 60, 120], dtype=np.int64) * 1_000_000_000
    summary = summarize(trades, EquityCurve(times, points, points), currency=currency)
    with tempfile.TemporaryDirectory() as folder:
        text = write_summary_json(Path(folder) / "summary.json", summary).read_text()
    data = json.loads(text, parse_float=Decimal)
    decimals = minor_unit_decimals(currency)
    for name in ("initial_equity", "final_equity", "net_pnl", "fees", "max_drawdown"):
        value = data[name]
        exponent = Decimal(value).as_tuple().exponent
        assert exponent == -decimals, (name, value)
    assert data["final_equity"] == data["initial_equity"] + data["net_pnl"]
    assert "e-" not in text.lower() and "E+" not in text
