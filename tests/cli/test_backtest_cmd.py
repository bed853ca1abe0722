"""`tradeplan backtest` end to end: files written, summary printed, errors reported."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tradeplan.cli.main import main

STRATEGY = """\
tradeplan: 1
name: sma-cross
instrument: EUR/USD
account: {currency: USD, balance: 100000}
broker: paper
timeframe: 1m
entries:
  - name: cross
    side: long
    when: close crosses_above sma(close, 20)
    order: market
    units: 10000
exits:
  take_profit: 0.2%
  stop_loss: 0.1%
"""


def write_bars(path: Path, size: int = 1500, seed: int = 3) -> Path:
    rng = np.random.default_rng(seed)
    close = np.round(110_000 * np.exp(np.cumsum(rng.normal(0, 0.0006, size)))).astype(int)
    start = datetime(2025, 3, 3, tzinfo=UTC)
    lines = ["time,open,high,low,close,volume,spread"]
    for i in range(size):
        o = close[i - 1] if i else close[0]
        high = max(o, close[i]) + int(rng.integers(0, 30))
        low = min(o, close[i]) - int(rng.integers(0, 30))
        when = (start + timedelta(minutes=i)).isoformat()
        lines.append(
            f"{when},{o / 1e5:.5f},{high / 1e5:.5f},{low / 1e5:.5f},{close[i] / 1e5:.5f},1,0.00002"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def strategy(tmp_path: Path) -> Path:
    path = tmp_path / "sma.yaml"
    path.write_text(STRATEGY)
    return path


def test_backtest_writes_every_file_and_prints_the_summary(
    tmp_path: Path, strategy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_bars(tmp_path / "bars.csv")
    out = tmp_path / "out"
    code = main(["backtest", str(strategy), "--data", str(data), "--out", str(out), "--quiet"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    for name in ("trades.csv", "orders.csv", "signals.csv", "summary.json", "report.html"):
        assert (out / name).stat().st_size > 0, name
    with (out / "trades.csv").open() as handle:
        trades = list(csv.DictReader(handle))
    assert trades and set(trades[0]) >= {
        "trade_id", "slot", "side", "qty", "entry_time", "entry_price", "exit_time",
        "exit_price", "exit_reason", "pnl", "fees", "mfe", "mae",
    }  # fmt: skip
    assert {t["exit_reason"] for t in trades} <= {"take_profit", "stop_loss", "end_of_data"}
    with (out / "orders.csv").open() as handle:
        orders = list(csv.DictReader(handle))
    assert {"time", "order_id", "slot", "type", "side", "qty", "price", "trigger", "event",
            "fill_price"} <= set(orders[0])  # fmt: skip
    assert {o["event"] for o in orders} >= {"placed", "filled", "cancelled"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trade_count"] == len(trades)
    for key in (
        "net_pnl",
        "win_rate_pct",
        "profit_factor",
        "max_drawdown",
        "sharpe",
        "exposure_pct",
    ):
        assert key in summary
    html = (out / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") or html.lstrip().lower().startswith("<!doctype html")
    assert "<script src" not in html  # self-contained
    assert "sma-cross" in printed.out
    assert f"report: {out / 'report.html'}" in printed.out
    assert "trades" in printed.out


def test_runs_are_byte_for_byte_reproducible(tmp_path: Path, strategy: Path) -> None:
    data = write_bars(tmp_path / "bars.csv")
    for folder in ("a", "b"):
        args = ["backtest", str(strategy), "--data", str(data), "--out", str(tmp_path / folder)]
        assert main([*args, "--quiet"]) == 0
    for name in ("trades.csv", "orders.csv", "signals.csv", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_stream_replays_bar_by_bar_to_the_same_files(tmp_path: Path, strategy: Path) -> None:
    """`--stream` runs the live path (one bar at a time, step indicators): same files."""
    data = write_bars(tmp_path / "bars.csv")
    for folder, extra in (("batch", []), ("stream", ["--stream"])):
        args = ["backtest", str(strategy), "--data", str(data), "--out", str(tmp_path / folder)]
        assert main([*args, "--quiet", *extra]) == 0
    for name in ("trades.csv", "orders.csv", "signals.csv", "alerts.csv", "summary.json"):
        assert (tmp_path / "batch" / name).read_bytes() == (tmp_path / "stream" / name).read_bytes()
    assert (tmp_path / "stream" / "trades.csv").read_text().count("\n") > 2


def test_options_slice_and_change_the_fill_model(
    tmp_path: Path, strategy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_bars(tmp_path / "bars.csv")
    out = tmp_path / "out"
    code = main([
        "backtest", str(strategy), "--data", str(data), "--out", str(out), "--quiet",
        "--from", "2025-03-03T06:00:00+00:00", "--to", "2025-03-03T18:00:00+00:00",
        "--path", "olhc", "--fill", "dealer", "--slippage", "1", "--balance", "50000",
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    with (out / "trades.csv").open() as handle:
        trades = list(csv.DictReader(handle))
    assert all("2025-03-03T06" <= t["entry_time"] < "2025-03-03T18" for t in trades)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["initial_equity"] == 50000


def test_bad_data_names_the_row_and_exits_2(
    tmp_path: Path, strategy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "bad.csv"
    data.write_text(
        "time,open,high,low,close\n"
        "2025-03-03T00:00:00+00:00,1.1,1.2,1.0,1.1\n"
        "2025-03-03T00:01:00+00:00,1.1,1.0,1.2,1.1\n"
    )
    code = main(["backtest", str(strategy), "--data", str(data), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "row 2" in err and "bad.csv" in err


def test_a_strategy_with_errors_prints_its_diagnostics_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(STRATEGY.replace("take_profit: 0.2%", "take_proft: 0.2%"))
    data = write_bars(tmp_path / "bars.csv", size=50)
    code = main(["backtest", str(broken), "--data", str(data), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1
    assert "broken.yaml:" in err and "take_proft" in err


def test_bad_options_exit_2(
    tmp_path: Path, strategy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_bars(tmp_path / "bars.csv", size=50)
    code = main([
        "backtest", str(strategy), "--data", str(data), "--out", str(tmp_path / "o"),
        "--slippage", "-1",
    ])  # fmt: skip
    assert code == 2
    assert "--slippage" in capsys.readouterr().err


def test_bundled_data_slice(
    tmp_path: Path, strategy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundled = Path(__file__).resolve().parents[2] / "data" / "eurusd_1m_2025.csv.gz"
    if not bundled.exists():
        pytest.skip("bundled data not generated")
    out = tmp_path / "out"
    code = main([
        "backtest", str(strategy), "--data", str(bundled), "--out", str(out), "--quiet",
        "--from", "2025-03-03", "--to", "2025-03-07",
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert (out / "report.html").exists()


def test_summary_counts_flat_trades_and_refused_signals_by_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A notional cap below one 10,000-unit entry refuses every signal.
    text = STRATEGY.replace("broker: paper\n", "broker: paper\nrisk: {max_notional: 100}\n")
    path = tmp_path / "capped.yaml"
    path.write_text(text)
    data = write_bars(tmp_path / "bars.csv")
    code = main(
        ["backtest", str(path), "--data", str(data), "--out", str(tmp_path / "o"), "--quiet"]
    )
    assert code == 0
    out = capsys.readouterr().out
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    refused = summary["refused_signals"]
    assert list(refused) == ["notional_above_max"] and refused["notional_above_max"] > 0
    assert summary["flat"] == 0 and summary["trade_count"] == 0
    assert f"refused        {refused['notional_above_max']} signals (notional_above_max " in out
    assert "0 flat" in out


def test_a_run_without_trades_says_whether_the_entry_condition_held(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "never.yaml"
    path.write_text(STRATEGY.replace("close crosses_above sma(close, 20)", "close < 0"))
    data = write_bars(tmp_path / "bars.csv")
    code = main(
        ["backtest", str(path), "--data", str(data), "--out", str(tmp_path / "o"), "--quiet"]
    )
    assert code == 0
    assert "no trades      the entry condition never held" in capsys.readouterr().out
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["signals"] == 0


def test_a_drawdown_halt_is_reported_with_its_time_and_stops_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every bar signals; a 1% drawdown limit on 10,000 units with a 0.1% stop halts early.
    text = (
        STRATEGY.replace("close crosses_above sma(close, 20)", "close > 0")
        .replace(
            "broker: paper\n", "broker: paper\nrisk: {max_drawdown: 0.5%, daily_loss_limit: 0.3%}\n"
        )
        .replace("units: 10000", "units: 100000")
    )
    path = tmp_path / "halting.yaml"
    path.write_text(text)
    data = write_bars(tmp_path / "bars.csv", size=3000)
    out_dir = tmp_path / "o"
    code = main(["backtest", str(path), "--data", str(data), "--out", str(out_dir), "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["halted_at"] is not None
    assert "below its peak" in summary["halt_reason"]
    assert f"  halted         {summary['halted_at']}: trading halted" in out
    # After the halt the rule stops: one drawdown_halt refusal, not one per later bar.
    assert summary["refused_signals"].get("drawdown_halt", 0) <= 1
    with (out_dir / "alerts.csv").open() as f:
        kinds = [row["kind"] for row in csv.DictReader(f)]
    assert "drawdown_halt" in kinds


def test_grid_slots_paused_by_the_daily_limit_are_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grid = (
        "tradeplan: 1\nname: g\ninstrument: EUR/USD\naccount: {currency: USD, balance: 10000}\n"
        "broker: paper\ngrid:\n  side: buy\n  from: 1.0800\n  to: 1.1400\n  step: 20 pips\n"
        "  units: 10000\n  take_profit: 20 pips\n  stop_loss: 20 pips\n  counter: -20 pips\n"
        "risk: {daily_loss_limit: 0.5%}\n"
    )
    path = tmp_path / "grid.yaml"
    path.write_text(grid)
    data = write_bars(tmp_path / "bars.csv", size=3000)
    out_dir = tmp_path / "o"
    code = main(["backtest", str(path), "--data", str(data), "--out", str(out_dir), "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    summary = json.loads((out_dir / "summary.json").read_text())
    paused = summary["paused_slots"]
    assert paused and all(count > 0 for count in paused.values())
    assert summary["daily_limit_days"] >= 1
    assert f"  paused slots   {len(paused)} slots paused {sum(paused.values())} times" in out
