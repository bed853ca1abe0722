"""The report's performance summary on small trade lists whose figures are worked out by hand
(in the comments), exact to the last decimal."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np

from tradeplan.core.enums import Side
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.reporting.html_report import ReportExtras, render_report
from tradeplan.reporting.metrics import summarize
from tradeplan.reporting.performance import performance, period_returns
from tradeplan.reporting.price_series import wall_ms
from tradeplan.runtime.records import EquityCurve, EquityPoint, ExitReason, TradeRecord

T0 = datetime(2025, 1, 6, tzinfo=UTC)
D = Decimal

# (side, P&L, bars held), in closing order; every trade pays 1.00 in fees.
TRADES = [
    (Side.BUY, "100.00", 10),
    (Side.BUY, "-50.00", 20),
    (Side.SELL, "30.00", 5),
    (Side.BUY, "20.00", 15),
    (Side.SELL, "-80.00", 30),
    (Side.BUY, "-10.00", 2),
    (Side.SELL, "0.00", 0),
]


def hand_trades() -> list[TradeRecord]:
    out = []
    for n, (side, pnl, bars) in enumerate(TRADES, start=1):
        entry = T0 + timedelta(minutes=100 * n)
        out.append(
            TradeRecord(
                n, f"s{n % 2}", side, D(1), entry, D(100), entry + timedelta(minutes=bars),
                D(100), ExitReason.SIGNAL, D(pnl), D("1.00"), D(0), D(0),
            )
        )  # fmt: skip
    return out


BAR_TIMES = ns_from_datetime(T0) + np.arange(2_000, dtype=np.int64) * 60 * 10**9


def test_every_figure_of_the_three_columns() -> None:
    p = performance(
        hand_trades(), "USD", D("10000.00"), bar_times=BAR_TIMES,
        first_close=D("100.00"), last_close=D("110.50"),
    )  # fmt: skip
    a, long, short = p.all, p.long, p.short
    # All: won 100 + 30 + 20 = 150, lost -50 - 80 - 10 = -140, one flat.
    assert (a.trades, a.wins, a.losses, a.flat) == (7, 3, 3, 1)
    assert (a.gross_profit, a.gross_loss, a.net_profit) == (D("150.00"), D("-140.00"), D("10.00"))
    assert a.fees == D("7.00")
    assert a.return_pct == D("0.10")  # 10 / 10,000
    assert a.profit_factor == D("1.0714")  # 150 / 140 = 1.07142...
    assert a.percent_profitable == D("42.86")  # 3 / 7
    assert a.average_trade == D("1.43")  # 10 / 7 = 1.428...
    assert (a.average_win, a.average_loss) == (D("50.00"), D("-46.67"))  # 150/3, -140/3
    assert a.win_loss_ratio == D("1.0714")
    assert (a.largest_win, a.largest_loss) == (D("100.00"), D("-80.00"))
    # W L W W L L flat: two wins in a row, two losses in a row.
    assert (a.max_consecutive_wins, a.max_consecutive_losses) == (2, 2)
    # Closed-trade equity 10000, 10100, 10050, 10080, 10100, 10020, 10010, 10010: the largest
    # fall is 10100 -> 10010 = 90 (0.89% of 10100), the largest rise 10000 -> 10100 = 100.
    assert (a.max_drawdown, a.max_drawdown_pct) == (D("90.00"), D("0.89"))
    assert (a.max_run_up, a.max_run_up_pct) == (D("100.00"), D("1.00"))
    # Bars 10, 20, 5, 15, 30, 2, 0: 82 / 7; winners (10+5+15)/3; losers (20+30+2)/3.
    assert (a.average_bars, a.average_bars_win, a.average_bars_loss) == (
        D("11.71"), D("10.00"), D("17.33"),
    )  # fmt: skip

    # Long: +100, -50, +20, -10.
    assert (long.trades, long.wins, long.losses) == (4, 2, 2)
    assert (long.net_profit, long.gross_profit, long.gross_loss) == (
        D("60.00"), D("120.00"), D("-60.00"),
    )  # fmt: skip
    assert (long.profit_factor, long.percent_profitable, long.win_loss_ratio) == (
        D("2.0000"), D("50.00"), D("2.0000"),
    )  # fmt: skip
    assert (long.average_trade, long.average_win, long.average_loss) == (
        D("15.00"), D("60.00"), D("-30.00"),
    )  # fmt: skip
    assert (long.max_consecutive_wins, long.max_consecutive_losses) == (1, 1)
    # 10000, 10100, 10050, 10070, 10060: fall 50 = 0.495...% -> 0.50.
    assert (long.max_drawdown, long.max_drawdown_pct) == (D("50.00"), D("0.50"))
    assert long.max_run_up == D("100.00") and long.return_pct == D("0.60")
    assert (long.average_bars, long.average_bars_win, long.average_bars_loss) == (
        D("11.75"), D("12.50"), D("11.00"),
    )  # fmt: skip
    assert long.fees == D("4.00")

    # Short: +30, -80, 0.
    assert (short.trades, short.wins, short.losses, short.flat) == (3, 1, 1, 1)
    assert (short.net_profit, short.profit_factor) == (D("-50.00"), D("0.3750"))
    assert short.percent_profitable == D("33.33") and short.average_trade == D("-16.67")
    # 10000, 10030, 9950, 9950: fall 80 from 10030 = 0.7976% -> 0.80; rise 30 = 0.30%.
    assert (short.max_drawdown, short.max_drawdown_pct) == (D("80.00"), D("0.80"))
    assert (short.max_run_up, short.max_run_up_pct) == (D("30.00"), D("0.30"))
    assert (short.average_bars, short.average_bars_win, short.average_bars_loss) == (
        D("11.67"), D("5.00"), D("30.00"),
    )  # fmt: skip
    assert short.return_pct == D("-0.50")

    # Buy and hold: 100.00 -> 110.50 is +10.50%, of 10,000 is 1,050.00.
    assert (p.buy_hold_pct, p.buy_hold) == (D("10.50"), D("1050.00"))


def test_undefined_figures_are_none_not_zero() -> None:
    winners_only = [t for t in hand_trades() if t.pnl > 0]
    f = performance(winners_only, "JPY", D(10_000)).all
    assert f.profit_factor is None and f.win_loss_ratio is None and f.average_loss is None
    assert f.largest_loss is None and f.average_bars is None  # no bar times given
    assert f.gross_profit == D(150) and str(f.gross_loss) == "0"  # JPY: no decimals
    empty = performance([], "USD", D(100)).short
    assert empty.trades == 0 and empty.percent_profitable is None
    assert empty.max_drawdown == D("0.00") and empty.sharpe is None


def test_sharpe_and_sortino_from_daily_closed_trade_equity() -> None:
    # Start 1000; P&L +10 on day 0, -10 on day 1, +20 on day 2, nothing on day 3:
    # closes 1010, 1000, 1020, 1020; returns 0.01, -0.0099..., 0.02, 0.
    day = timedelta(days=1)
    pnls = [(0, "10"), (1, "-10"), (2, "20")]
    trades = [
        TradeRecord(
            n, "s", Side.BUY, D(1), T0 + n * day, D(1), T0 + n * day + timedelta(hours=1), D(1),
            ExitReason.SIGNAL, D(p), D(0), D(0), D(0),
        )
        for n, p in pnls
    ]  # fmt: skip
    days = np.array([ns_from_datetime(T0 + k * day) for k in range(4)], dtype=np.int64)
    f = performance(trades, "USD", D(1000), day_times=days).all
    returns = [0.01, -10 / 1010, 0.02, 0.0]
    mean = sum(returns) / 4
    stdev = math.sqrt(sum((r - mean) ** 2 for r in returns) / 3)
    downside = math.sqrt((10 / 1010) ** 2 / 4)
    assert f.sharpe is not None and math.isclose(f.sharpe, mean / stdev * math.sqrt(252))
    assert f.sortino is not None and math.isclose(f.sortino, mean / downside * math.sqrt(252))


def test_monthly_and_yearly_returns_from_exact_equity() -> None:
    # 10,000 -> 10,100 at the end of January (+1.00%) -> 9,998 at the end of February
    # (-102 / 10,100 = -1.0099% -> -1.01%); the year: -2 / 10,000 = -0.02%.
    points = [
        EquityPoint(datetime(2025, 1, 2, tzinfo=UTC), D("10050.00"), D("10050.00")),
        EquityPoint(datetime(2025, 1, 31, 23, tzinfo=UTC), D("10100.00"), D("10100.00")),
        EquityPoint(datetime(2025, 2, 28, 23, tzinfo=UTC), D("9998.00"), D("9998.00")),
    ]
    curve = EquityCurve.from_points(points, D("10000.00"))
    assert curve.exact is not None
    monthly, yearly = period_returns(wall_ms(curve.time_ns, "UTC"), curve.exact, D("10000.00"))
    assert [(m.year, m.month, m.pct) for m in monthly] == [
        (2025, 1, D("1.00")),
        (2025, 2, D("-1.01")),
    ]
    assert [(y.year, y.pct) for y in yearly] == [(2025, D("-0.02"))]
    # In New York, 2025-01-31 23:00 UTC is still January; 2025-02-28 23:00 UTC too.
    ny, _ = period_returns(wall_ms(curve.time_ns, "America/New_York"), curve.exact, D(10_000))
    assert [m.month for m in ny] == [1, 2]


def test_the_page_shows_the_hand_figures() -> None:
    trades = hand_trades()
    points = [
        EquityPoint(T0 + timedelta(minutes=m), D("10000.00") + D(m), D("10000.00"))
        for m in range(0, 1_000, 10)
    ]
    curve = EquityCurve.from_points(points, D("10000.00"))
    extras = ReportExtras(first_close=D("100.00"), last_close=D("110.50"))
    prices = (BAR_TIMES, np.full(BAR_TIMES.size, 100.0))
    page = render_report("hand", summarize(trades, curve, currency="USD"), trades, curve,
                         prices, extras, currency="USD")  # fmt: skip
    table = page.split('id="performance"', 1)[1].split("</table>", 1)[0]

    def row(label: str) -> list[str]:
        found = re.search(rf"<th>{re.escape(label)}</th>(.*?)</tr>", table)
        assert found, label
        return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", found[1])]

    assert row("Net profit USD") == ["+10.00", "+60.00", "−50.00"]
    assert row("Gross loss USD") == ["−140.00", "−60.00", "−80.00"]
    assert row("Profit factor") == ["1.0714", "2.0000", "0.3750"]
    assert row("Max drawdown (closed trades) USD") == ["90.00 0.89%", "50.00 0.50%", "80.00 0.80%"]
    assert row("Max consecutive losses") == ["2", "1", "1"]
    assert row("Average bars in trades") == ["11.71", "11.75", "11.67"]
    assert "+1,050.00 USD" in page and "+10.50%" in page
