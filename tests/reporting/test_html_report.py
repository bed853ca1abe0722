"""The HTML report: one self-contained page with the charts, markers and the trade table."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tradeplan.core.enums import Side
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.reporting.html_report import MarkerKind, markers_from_trades, render_report
from tradeplan.reporting.metrics import summarize
from tradeplan.reporting.svg_chart import downsample_minmax, time_ticks, value_ticks
from tradeplan.runtime.records import EquityCurve, ExitReason, TradeRecord

T0 = datetime(2025, 1, 6, tzinfo=UTC)
MINUTE = 60 * 10**9


def synthetic_run(bars: int = 20_000, trades: int = 40) -> tuple[
    list[TradeRecord], EquityCurve, tuple[np.ndarray, np.ndarray]
]:  # fmt: skip
    rng = np.random.default_rng(7)
    times = ns_from_datetime(T0) + np.arange(bars, dtype=np.int64) * MINUTE
    close = 110 + np.cumsum(rng.normal(0, 0.01, bars))
    records = []
    for i in range(trades):
        start = i * (bars // trades) + 10
        end = start + 120
        side = Side.BUY if i % 2 == 0 else Side.SELL
        entry = Decimal(f"{close[start]:.3f}")
        exit_ = Decimal(f"{close[end]:.3f}")
        pnl = (exit_ - entry) * side.sign * 10_000 - Decimal(2)
        records.append(
            TradeRecord(
                i + 1, f"slot-{i % 3}", side, Decimal(10_000),
                T0 + timedelta(minutes=start), entry, T0 + timedelta(minutes=end), exit_,
                ExitReason.TAKE_PROFIT if pnl > 0 else ExitReason.STOP_LOSS, pnl, Decimal(2),
                abs(pnl) + 100, Decimal(50),
            )
        )  # fmt: skip
    equity = 1_000_000 + np.cumsum(rng.normal(0, 50, bars))
    return records, EquityCurve(times, equity, equity.copy()), (times, close)


def test_report_is_one_self_contained_page_with_every_part() -> None:
    trades, equity, prices = synthetic_run()
    html = render_report(
        "USD/JPY <grid> & co", summarize(trades, equity), trades, equity, prices, currency="JPY"
    )
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<svg viewBox") == 3  # equity, drawdown, price
    for heading in ("Equity", "Drawdown", "Price", "Trades"):
        assert f"<h2>{heading}</h2>" in html
    for label in ("Net P&amp;L", "Win rate", "Profit factor", "Max drawdown", "Sharpe", "Exposure"):
        assert label in html
    assert "USD/JPY &lt;grid&gt; &amp; co" in html and "<grid>" not in html
    # Nothing is fetched: no URLs at all, no external scripts, styles or fonts.
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"<(script|img|link|iframe)[^>]*\b(src|href)=", html)
    assert "@import" not in html and "url(http" not in html
    # Markers: an entry triangle and an exit dot per trade, exits coloured by outcome.
    assert html.count('class="m-entry"') == len(trades) + 1  # + the legend's
    wins = sum(1 for t in trades if t.pnl > 0)
    assert html.count('class="m-win"') == wins + 1
    assert html.count('class="m-loss"') == len(trades) - wins + 1
    assert html.count("<tr>") == len(trades) + 1  # header row + one per trade
    assert "2025-01-06 00:10" in html  # first entry time in the table
    assert "sortable" in html and "addEventListener" in html


def test_long_series_are_thinned_so_the_page_stays_small() -> None:
    trades, equity, prices = synthetic_run(bars=300_000, trades=10)
    html = render_report("big", summarize(trades, equity), trades, equity, prices)
    assert len(html) < 400_000
    paths = re.findall(r'<path d="M[^"]*"', html)
    assert max(p.count(" L") for p in paths) < 2_100


def test_a_run_without_trades_or_prices_still_renders() -> None:
    _, equity, _ = synthetic_run(bars=100, trades=0)
    html = render_report("quiet", summarize([], equity), [], equity)
    assert "No trades were closed." in html
    assert html.count("<svg viewBox") == 2
    empty = EquityCurve(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    assert "No equity recorded" in render_report("nothing", summarize([], empty), [], empty)


def test_the_table_is_capped_and_says_where_the_rest_is() -> None:
    trades, equity, prices = synthetic_run(trades=30)
    html = render_report("t", summarize(trades, equity), trades, equity, prices, max_table_rows=5)
    assert html.count("<tr>") == 6
    assert "The first 5 of 30 trades; all are in trades.csv." in html


def test_markers_follow_the_trades() -> None:
    trades, _, _ = synthetic_run(trades=2)
    entry, exit_, *_ = markers_from_trades(trades)
    assert entry.kind is MarkerKind.ENTRY and exit_.kind is MarkerKind.EXIT
    assert entry.price == float(trades[0].entry_price)
    assert exit_.win == (trades[0].pnl > 0)
    assert exit_.time_ns == ns_from_datetime(trades[0].exit_time)


def test_downsampling_keeps_spikes_and_ends() -> None:
    x = np.arange(100_000, dtype=np.int64)
    y = np.zeros(100_000)
    y[54_321] = 9.0
    y[77_777] = -4.0
    xs, ys = downsample_minmax(x, y, 2000)
    assert len(xs) <= 2002
    assert 9.0 in ys and -4.0 in ys
    assert xs[0] == 0 and xs[-1] == 99_999
    assert np.all(np.diff(xs) > 0)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=5000), st.integers(4, 500))
def test_downsampling_preserves_the_range(values: list[float], target: int) -> None:
    y = np.array(values)
    x = np.arange(y.size, dtype=np.int64)
    xs, ys = downsample_minmax(x, y, target)
    assert ys.min() == y.min() and ys.max() == y.max()
    assert len(xs) <= max(y.size if y.size <= target else 0, target + 2)


def test_axis_ticks_are_round_and_labelled_for_the_span() -> None:
    def ns(*args: int) -> int:
        return ns_from_datetime(datetime(*args, tzinfo=UTC))  # type: ignore[misc]

    year = [label for _, label in time_ticks(ns(2025, 1, 1), ns(2025, 12, 31, 23))]
    assert year == ["Jan 2025", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                    "Nov", "Dec"]  # fmt: skip
    quarter = [label for _, label in time_ticks(ns(2025, 1, 1), ns(2025, 3, 31))]
    assert quarter == ["Jan 1, 2025", "Jan 15", "Feb 1", "Feb 15", "Mar 1", "Mar 15"]
    morning = [label for _, label in time_ticks(ns(2025, 1, 6, 9), ns(2025, 1, 6, 12))]
    assert morning[0] == "Jan 6, 2025 09:00" and morning[1] == "09:30"
    assert value_ticks(985_000, 1_040_000) == [990_000, 1_000_000, 1_010_000, 1_020_000,
                                               1_030_000, 1_040_000]  # fmt: skip


def test_report_money_is_on_the_currency_minor_unit() -> None:
    # A JPY loss of 953,120.277 shows as −953,120 (0 decimals); in USD it shows its cents.
    trades, equity, prices = synthetic_run(bars=2_000, trades=2)
    trades[0] = TradeRecord(
        1, "s", Side.BUY, Decimal(10_000), trades[0].entry_time, Decimal("110"),
        trades[0].exit_time, Decimal("14.688"), ExitReason.STOP_LOSS, Decimal("-953120.277"),
        Decimal("0.2775"), Decimal(0), Decimal("952000.5"),
    )  # fmt: skip
    jpy = render_report("r", summarize(trades, equity), trades, equity, prices, currency="JPY")
    assert "−953,120<" in jpy and "953,120.277" not in jpy
    usd = render_report("r", summarize(trades, equity), trades, equity, prices, currency="USD")
    assert "−953,120.28<" in usd
