"""The HTML report: one self-contained page (plotly.js inside) with the charts' data, every
trade, the performance tables and the properties."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tradeplan.core.enums import OrderType, Side
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.reporting.html_report import ReportExtras, render_report
from tradeplan.reporting.metrics import summarize
from tradeplan.reporting.plotly_asset import plotly_js
from tradeplan.reporting.price_series import (
    CANDLE_BUDGET,
    PriceBars,
    candle_levels,
    downsample_minmax,
    wall_ms,
)
from tradeplan.reporting.report_payload import event_rows, level_segments
from tradeplan.runtime.records import (
    AlertRecord,
    EquityCurve,
    ExitReason,
    OrderEventKind,
    OrderEventRecord,
    SignalRecord,
    TradeRecord,
)

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
        start = min(i * (bars // max(trades, 1)) + 10, bars - 2)
        end = min(start + 120, bars - 1)
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


def payload(html: str) -> dict:  # type: ignore[type-arg]
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html)
    assert found, "no report data"
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def page_without_plotly(html: str) -> str:
    assert html.count(plotly_js()) == 1  # the bundle, verbatim, exactly once
    return html.replace(plotly_js(), "")


def test_report_is_one_self_contained_page_with_every_part() -> None:
    trades, equity, prices = synthetic_run()
    html = render_report(
        "USD/JPY <grid> & co", summarize(trades, equity), trades, equity, prices, currency="JPY"
    )
    assert html.startswith("<!DOCTYPE html>")
    own = page_without_plotly(html)
    for ident in ("price-chart", "equity-chart", "pnl-chart", "excursion-chart", "trades"):
        assert f'id="{ident}"' in own
    for heading in ("Equity and drawdown", "Performance summary", "Trades", "Beyond trades"):
        assert f"<h2>{heading}</h2>" in own
    for label in ("Net P&amp;L", "Win rate", "Profit factor", "Max drawdown", "Sharpe", "Exposure"):
        assert label in own
    assert "USD/JPY &lt;grid&gt; &amp; co" in own and "<grid>" not in own
    # Nothing is fetched: no URLs outside plotly's own bundle, no external scripts or styles.
    assert "http://" not in own and "https://" not in own
    assert not re.search(r"<(script|img|link|iframe)[^>]*\b(src|href)=", html)
    assert "@import" not in own and "url(" not in own
    data = payload(html)
    assert data["trades"]["id"] == [t.trade_id for t in trades]
    assert data["trades"]["etx"][0] == "2025-01-06 00:10"  # first entry, wall clock, UTC
    assert data["trades"]["pnl"][0].startswith(("+", "−"))
    assert data["zone"] == "UTC" and "times in UTC" in own


def test_the_table_holds_every_trade() -> None:
    trades, equity, prices = synthetic_run(bars=30_000, trades=3_000)
    html = render_report("many", summarize(trades, equity), trades, equity, prices)
    data = payload(html)
    assert len(data["trades"]["id"]) == 3_000
    assert "All 3,000 trades." in html
    assert {"f-side", "f-reason", "f-slot"} <= set(re.findall(r'<select id="([^"]+)"', html))
    slots = re.search(r'<select id="f-slot">(.*?)</select>', html)
    assert slots and slots.group(1).count("<option") == 4  # all + three slots


def test_long_series_are_thinned_so_the_page_stays_small() -> None:
    trades, equity, prices = synthetic_run(bars=300_000, trades=10)
    html = render_report("big", summarize(trades, equity), trades, equity, prices)
    data = payload(html)
    assert len(data["line"]["x"]) <= 4_002
    assert sum(len(level["db"]) for level in data["levels"]) <= CANDLE_BUDGET
    assert len(data["equity"]["x"]) <= 3_002
    assert len(page_without_plotly(html)) < 1_500_000


def test_a_run_without_trades_or_prices_still_renders() -> None:
    _, equity, _ = synthetic_run(bars=100, trades=0)
    html = render_report("quiet", summarize([], equity), [], equity)
    assert "No trades were closed." in html
    assert 'id="price-chart"' not in html and 'id="equity-chart"' in html
    empty = EquityCurve(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    assert "<h1>nothing</h1>" in render_report("nothing", summarize([], empty), [], empty)


def test_report_money_is_on_the_currency_minor_unit() -> None:
    # A JPY loss of 953,120.277 shows as −953,120 (0 decimals); in USD it shows its cents.
    trades, equity, prices = synthetic_run(bars=2_000, trades=2)
    trades[0] = TradeRecord(
        1, "s", Side.BUY, Decimal(10_000), trades[0].entry_time, Decimal("110"),
        trades[0].exit_time, Decimal("14.688"), ExitReason.STOP_LOSS, Decimal("-953120.277"),
        Decimal("0.2775"), Decimal(0), Decimal("952000.5"),
    )  # fmt: skip
    jpy = render_report("r", summarize(trades, equity), trades, equity, prices, currency="JPY")
    assert payload(jpy)["trades"]["pnl"][0] == "−953,120" and "953,120.277" not in jpy
    assert "−953,120<" in jpy  # the performance table's largest loss
    usd = render_report("r", summarize(trades, equity), trades, equity, prices, currency="USD")
    assert payload(usd)["trades"]["pnl"][0] == "−953,120.28"
    assert payload(usd)["trades"]["fees"][0] == "0.28"  # half-even


def test_new_york_times_follow_daylight_saving() -> None:
    def ns(*args: int) -> int:
        return ns_from_datetime(datetime(*args, tzinfo=UTC))  # type: ignore[misc]

    # 2025-03-09: 06:59 UTC is 01:59 EST (-5h); 07:00 UTC is 03:00 EDT (-4h).
    times = np.array([ns(2025, 3, 9, 6, 59), ns(2025, 3, 9, 7, 0)], dtype=np.int64)
    walls = wall_ms(times, "America/New_York")
    as_text = [str(np.datetime64(int(w), "ms").astype("datetime64[m]")) for w in walls]
    assert as_text == ["2025-03-09T01:59", "2025-03-09T03:00"]
    assert wall_ms(times, "UTC").tolist() == (times // 1_000_000).tolist()


def test_a_us_stock_report_writes_new_york_times() -> None:
    trades, equity, prices = synthetic_run(bars=2_000, trades=2)
    extras = ReportExtras(zone="America/New_York")
    html = render_report("s", summarize(trades, equity), trades, equity, prices, extras)
    assert payload(html)["trades"]["etx"][0] == "2025-01-05 19:10"  # 00:10 UTC, EST
    assert "Times in New York" in html and "times in New York" in html


def test_candles_are_the_bars_grouped_finest_first() -> None:
    # Ten one-minute bars starting at a five-minute boundary: two 5m candles, one 15m candle.
    start = ns_from_datetime(T0)
    times = start + np.arange(10, dtype=np.int64) * MINUTE
    opens = np.arange(10, dtype=np.float64) + 100
    bars = PriceBars(times, opens, opens + 0.5, opens - 0.5, opens + 0.25, 2)
    levels = candle_levels(bars, wall_ms(times, "UTC"))
    sizes = [level.size_ms // 60_000 for level in levels]
    assert sizes[:3] == [1, 5, 15]
    five = levels[1]
    assert five.open.tolist() == [100, 105]
    assert five.high.tolist() == [104.5, 109.5]
    assert five.low.tolist() == [99.5, 104.5]
    assert five.close.tolist() == [104.25, 109.25]
    assert len(levels[2]) == 1 and levels[2].close.tolist() == [109.25]


def test_candle_sizes_stop_at_the_budget() -> None:
    times = ns_from_datetime(T0) + np.arange(100_000, dtype=np.int64) * MINUTE
    close = np.full(100_000, 1.0)
    levels = candle_levels(PriceBars.from_close(times, close), wall_ms(times, "UTC"), 30_000)
    assert sum(len(level) for level in levels) <= 30_000
    assert levels[0].size_ms == 300_000  # 1m (100,000) does not fit; 5m (20,000) does


def test_stops_and_take_profits_are_drawn_while_the_trade_is_open() -> None:
    def at(minute: int) -> datetime:
        return T0 + timedelta(minutes=minute)

    trade = TradeRecord(
        1, "s1", Side.BUY, Decimal(1), at(10), Decimal("100"), at(50), Decimal("99"),
        ExitReason.STOP_LOSS, Decimal(-1), Decimal(0), Decimal(0), Decimal(1),
    )  # fmt: skip

    def order(minute: int, oid: str, kind: OrderType, side: Side, event: OrderEventKind,
              price: str | None = None, trigger: str | None = None) -> OrderEventRecord:  # fmt: skip
        return OrderEventRecord(
            at(minute), oid, "s1", kind, side, Decimal(1),
            Decimal(price) if price else None, Decimal(trigger) if trigger else None, event,
        )  # fmt: skip

    orders = [
        order(0, "e", OrderType.LIMIT, Side.BUY, OrderEventKind.PLACED, price="100"),
        order(10, "e", OrderType.LIMIT, Side.BUY, OrderEventKind.FILLED, price="100"),
        order(10, "tp", OrderType.LIMIT, Side.SELL, OrderEventKind.PLACED, price="102"),
        order(10, "sl", OrderType.STOP, Side.SELL, OrderEventKind.PLACED, trigger="98"),
        order(30, "sl", OrderType.STOP, Side.SELL, OrderEventKind.AMENDED, trigger="99"),
        order(50, "sl", OrderType.STOP, Side.SELL, OrderEventKind.FILLED, trigger="99"),
        order(50, "tp", OrderType.LIMIT, Side.SELL, OrderEventKind.CANCELLED, price="102"),
        order(60, "x", OrderType.LIMIT, Side.SELL, OrderEventKind.PLACED, price="105"),  # later
    ]
    segments = level_segments([trade], orders, "UTC")
    ms = ns_from_datetime(T0) // 1_000_000
    minute = 60_000
    assert segments["tp"] == {"i": [0], "x0": [ms + 10 * minute], "x1": [ms + 50 * minute],
                              "y": [102.0]}  # fmt: skip
    assert segments["stop"] == {
        "i": [0, 0],
        "x0": [ms + 10 * minute, ms + 30 * minute],
        "x1": [ms + 30 * minute, ms + 50 * minute],
        "y": [98.0, 99.0],
    }


def test_events_hold_refusals_alerts_and_slots_in_time_order() -> None:
    signals = [
        SignalRecord(T0 + timedelta(minutes=5), "r", Side.BUY, False, "max_positions: 3 open"),
        SignalRecord(T0 + timedelta(minutes=1), "r", Side.BUY, True),
    ]
    alerts = [AlertRecord(T0, "", "drawdown_halt", "fell 10% from the peak")]
    rows = event_rows(signals, alerts, {"s2": "stop loss hit twice"}, {"s3": 2}, "UTC")
    assert rows["kind"] == ["halt", "refused", "stopped", "paused"]
    assert rows["tx"][:2] == ["2025-01-06 00:00", "2025-01-06 00:05"]
    assert rows["text"][1] == "max_positions: 3 open"
    assert rows["t"][2] is None and rows["subject"][3] == "s3"


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


def test_properties_and_the_strategy_file_as_written() -> None:
    trades, equity, prices = synthetic_run(bars=500, trades=2)
    source = "name: grid <test>\n# a comment & more\n"
    extras = ReportExtras(
        properties=[("Fingerprint", "98797c3a587e3675"), ("Intrabar path", "nearest")],
        strategy_text=source,
        strategy_file="grid.yaml",
    )
    html = render_report("p", summarize(trades, equity), trades, equity, prices, extras)
    assert "<th>Fingerprint</th><td>98797c3a587e3675</td>" in html
    assert "<th>Intrabar path</th><td>nearest</td>" in html
    assert "grid.yaml, as written" in html
    assert "<pre>name: grid &lt;test&gt;\n# a comment &amp; more\n</pre>" in html


def test_refusals_and_halts_are_listed_and_marked() -> None:
    trades, equity, prices = synthetic_run(bars=500, trades=2)
    signals = [SignalRecord(T0 + timedelta(minutes=3), "r", Side.SELL, False, "daily_loss: x")]
    alerts = [AlertRecord(T0 + timedelta(minutes=9), "", "drawdown_halt", "halted </script>")]
    summary = summarize(trades, equity, signals=signals)
    extras = ReportExtras(signals=signals, alerts=alerts)
    html = render_report("e", summary, trades, equity, prices, extras)
    assert "<b>1</b> daily_loss" in html  # refused by reason
    events = payload(html)["events"]
    assert events["kind"] == ["refused", "halt"] and events["text"][1] == "halted </script>"
    assert "halted </script>" not in html  # escaped inside the JSON script


def test_the_own_bars_are_kept_around_short_trades() -> None:
    # 100,000 minutes: too many to carry as 1m candles, but a 10-minute trade gets its own bars
    # (and 40 before and after it), so a click on it shows minute candles.
    from tradeplan.reporting.price_series import fine_candles

    start = ns_from_datetime(T0)
    times = start + np.arange(100_000, dtype=np.int64) * MINUTE
    bars = PriceBars.from_close(times, np.linspace(1.0, 2.0, 100_000), 4)
    wall = wall_ms(times, "UTC")
    levels = candle_levels(bars, wall, 30_000)
    fine = fine_candles(bars, wall, [(int(times[500]), int(times[510]))], levels)
    assert fine is not None and fine.level.size_ms == 60_000
    assert len(fine.level) == 10 + 1 + 2 * 40
    assert fine.segments == [(int(wall[460]), int(wall[550]) + 60_000)]
    assert fine_candles(bars, wall, [], levels) is None
    small = PriceBars.from_close(times[:1_000], np.ones(1_000))
    small_wall = wall_ms(times[:1_000], "UTC")
    assert (
        fine_candles(small, small_wall, [(start, start)], candle_levels(small, small_wall)) is None
    )
