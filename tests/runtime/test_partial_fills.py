"""Partial fills end to end for signal rules, with the paper broker's volume model.

A partly filled entry opens the position for what is filled and places its exits for that; each
further part grows the position and resizes the exits (an `amended` row in orders.csv); an
entry cancelled after a part keeps the part, protected; an exit that fills in parts books one
trade row per part. Every run goes through `both_modes`, so jumping between events must give
exactly the step-by-step run with parts in it too.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from backtest_harness import bars, both_modes, fx_plan

from tradeplan.brokers.paper.fills import FeeSchedule, FillConfig
from tradeplan.cli.main import main
from tradeplan.core.enums import Side
from tradeplan.ports.broker import FillMark
from tradeplan.runtime.ledger import Ledger, Position
from tradeplan.runtime.records import ExitReason, TradeRecord

MARKET_10K = "    order: market\n    units: 10000\n"
TP_SL_100 = "  take_profit: 100 pips\n  stop_loss: 100 pips\n"


def tenth() -> FillConfig:
    """The volume model at 10% of each bar's volume."""
    return FillConfig(max_volume_share=D("0.1"))


BIG = 1_000_000  # a volume no order here is limited by


def events(run: object) -> list[tuple[str, str, str, D, str]]:
    """orders.csv as (order id, type, event, qty, fill price or reason)."""
    rows = []
    for e in run.orders:  # type: ignore[attr-defined]
        detail = str(e.fill_price) if e.fill_price is not None else e.reason
        rows.append((e.order_id, e.type.value, e.event.value, e.qty, detail))
    return rows


def entry_over_three_bars() -> list[tuple[str, ...]]:
    """Row 0 signals; rows 1-3 open at Ask 109.00, 109.02, 109.04 without reaching an exit;
    row 4 reaches the take profit at 110.00."""
    return [
        ("108.90", "109.00", "108.80", "108.95", "0.01"),
        ("108.99", "109.10", "108.90", "109.00", "0.01"),
        ("109.01", "109.10", "108.95", "109.03", "0.01"),
        ("109.03", "109.10", "108.95", "109.05", "0.01"),
        ("109.50", "110.20", "109.40", "110.10", "0.01"),
    ]


def test_an_entry_filled_over_three_bars_gets_exits_resized_to_each_part() -> None:
    # 10% of 40,000 a bar: the 10,000-unit market entry fills 4,000 + 4,000 + 2,000.
    data = bars(entry_over_three_bars(), volume=[40_000] * 4 + [BIG])
    run = both_modes(fx_plan(MARKET_10K, TP_SL_100), data, [0], config=tenth())
    assert events(run) == [
        ("1", "market", "placed", D(10_000), ""),
        ("1", "market", "partially_filled", D(4000), "109.00"),
        ("2", "limit", "placed", D(4000), ""),  # the exits, for what is filled
        ("3", "stop", "placed", D(4000), ""),
        ("1", "market", "partially_filled", D(4000), "109.02"),
        ("2", "limit", "amended", D(8000), "resized to the open position of 8000"),
        ("3", "stop", "amended", D(8000), "resized to the open position of 8000"),
        ("1", "market", "filled", D(2000), "109.04"),
        ("2", "limit", "amended", D(10_000), "resized to the open position of 10000"),
        ("3", "stop", "amended", D(10_000), "resized to the open position of 10000"),
        ("2", "limit", "filled", D(10_000), "110.00"),
        ("3", "stop", "cancelled", D(10_000), ""),
    ]
    # The exits keep the levels of the first part's fill: 109.00 + 1.00, 109.00 - 1.01.
    assert {(e.price, e.trigger) for e in run.orders if e.order_id == "2"} == {(D("110.00"), None)}
    assert {e.trigger for e in run.orders if e.order_id == "3"} == {D("107.99")}
    (trade,) = run.trades
    # The average entry: (4000 x 109.00 + 4000 x 109.02 + 2000 x 109.04) / 10000, exactly.
    assert (trade.qty, trade.entry_price, trade.exit_price) == (D(10_000), D("109.016"), D("110"))
    assert trade.entry_time == datetime(2025, 1, 6, 0, 1, tzinfo=UTC)  # the first part's
    assert trade.pnl == D(9840)  # 0.984 x 10,000 JPY


def exit_over_three_bars() -> list[tuple[str, ...]]:
    """The long fills at 109.00 in row 1; rows 2-4 each trade through the take profit 110.00."""
    return [
        ("108.90", "109.00", "108.80", "108.95", "0.01"),
        ("108.99", "109.10", "108.90", "109.00", "0.01"),
        ("109.80", "110.10", "109.70", "109.90", "0.01"),
        ("109.90", "110.10", "109.80", "109.95", "0.01"),
        ("109.95", "110.20", "109.90", "110.10", "0.01"),
        ("110.10", "110.20", "110.00", "110.10", "0.01"),
    ]


def test_an_exit_filled_in_parts_books_a_trade_per_part_that_sum_to_the_position() -> None:
    fees = FillConfig(max_volume_share=D("0.1"), fees=FeeSchedule(per_unit=D("0.01")))
    data = bars(exit_over_three_bars(), volume=[BIG, BIG, 40_000, 40_000, 40_000, BIG])
    run = both_modes(fx_plan(MARKET_10K, TP_SL_100), data, [0], config=fees)
    assert [(t.qty, t.exit_price, t.exit_reason.value) for t in run.trades] == [
        (D(4000), D("110.00"), "take_profit"),
        (D(4000), D("110.00"), "take_profit"),
        (D(2000), D("110.00"), "take_profit"),
    ]
    assert sum(t.qty for t in run.trades) == D(10_000)
    # Each part pays its share of the 100 JPY entry fee and its own exit fee (0.01 a unit).
    assert [(t.pnl, t.fees) for t in run.trades] == [
        (D(3920), D(80)),
        (D(3920), D(80)),
        (D(1960), D(40)),
    ]
    # The stop loss follows what is left open; the last part cancels it.
    stop = [(event, qty) for oid, _, event, qty, _ in events(run) if oid == "3"]
    assert stop == [
        ("placed", D(10_000)),
        ("amended", D(6000)),
        ("amended", D(2000)),
        ("cancelled", D(2000)),
    ]
    assert run.broker.account().balance == D(10_000_000) + sum(t.pnl for t in run.trades)


def test_an_entry_expiring_after_a_part_fill_keeps_the_part_with_its_exits() -> None:
    # A day limit entry at 109.50 placed at the close of the 16:55 New York bar: it buys 4,000
    # in the 16:56 bar and nothing more before the FX day ends at 17:00 (22:00 UTC), where the
    # rest expires. The position stays, with its exits sized to it; the stop fills at 17:01.
    rows = [
        ("110.00", "110.10", "109.90", "110.00", "0.01"),
        ("109.60", "109.70", "109.40", "109.60", "0.01"),  # the Ask reaches 109.50
        ("109.60", "109.70", "109.55", "109.60", "0.01"),
        ("109.60", "109.70", "109.55", "109.60", "0.01"),
        ("109.60", "109.70", "109.55", "109.60", "0.01"),
        ("109.00", "109.10", "108.90", "109.00", "0.01"),  # 17:00: the rest has expired
        ("108.70", "108.80", "108.30", "108.40", "0.01"),  # the stop 108.49 is hit
    ]
    start = datetime(2025, 1, 6, 21, 55, tzinfo=UTC)
    data = bars(rows, start=start, volume=[40_000] * len(rows))
    limit = "    order: {type: limit, price: close - 0.50}\n    units: 10000\n"
    run = both_modes(fx_plan(limit, TP_SL_100), data, [0], config=tenth(), price=D("109.50"))
    assert events(run) == [
        ("1", "limit", "placed", D(10_000), ""),
        ("1", "limit", "partially_filled", D(4000), "109.50"),
        ("2", "limit", "placed", D(4000), ""),
        ("3", "stop", "placed", D(4000), ""),
        ("1", "limit", "expired", D(10_000), "session end"),
        ("3", "stop", "filled", D(4000), "108.49"),
        ("2", "limit", "cancelled", D(4000), ""),
    ]
    (trade,) = run.trades
    assert (trade.qty, trade.entry_price, trade.exit_price, trade.exit_reason.value) == (
        D(4000),
        D("109.50"),
        D("108.49"),
        "stop_loss",
    )
    assert trade.exit_time == datetime(2025, 1, 6, 22, 1, tzinfo=UTC)


def test_an_entry_cancelled_by_the_end_of_data_after_a_part_keeps_it_until_the_close() -> None:
    # The data ends while the entry still works: the rest is cancelled, the part is closed at
    # the last close like any open position.
    data = bars(entry_over_three_bars()[:3], volume=[40_000] * 3)
    run = both_modes(fx_plan(MARKET_10K, TP_SL_100), data, [0], config=tenth())
    (trade,) = run.trades
    assert (trade.qty, trade.exit_reason.value) == (D(8000), "end_of_data")
    assert ("1", "market", "cancelled", D(10_000), "") in events(run)


def test_a_position_closed_while_its_entry_still_fills_cancels_the_rest() -> None:
    # The first part (4,000) fills and the take profit takes all of it in the same bar: the
    # trade is done, and what is left of the entry is cancelled rather than opening a new one.
    rows = [
        ("108.90", "109.00", "108.80", "108.95", "0.01"),
        ("108.99", "110.30", "108.95", "110.20", "0.01"),
        ("110.20", "110.30", "110.10", "110.20", "0.01"),
    ]
    data = bars(rows, volume=[40_000] * 3)
    run = both_modes(fx_plan(MARKET_10K, TP_SL_100), data, [0], config=tenth())
    (trade,) = run.trades
    assert (trade.qty, trade.exit_reason.value) == (D(4000), "take_profit")
    assert [(oid, event) for oid, _, event, _, _ in events(run)] == [
        ("1", "placed"),
        ("1", "partially_filled"),
        ("2", "placed"),
        ("3", "placed"),
        ("2", "filled"),
        ("3", "cancelled"),
        ("1", "cancelled"),
    ]


def test_a_close_at_market_filled_in_parts_books_each_part() -> None:
    # exit_when at row 2's close: the market close of 10,000 fills 4,000 + 4,000 + 2,000.
    rows = [*entry_over_three_bars()[:2]] + [("109.00", "109.10", "108.95", "109.05", "0.01")] * 4
    data = bars(rows, volume=[BIG, BIG, BIG, 40_000, 40_000, 40_000])
    exits = TP_SL_100 + "  exit_when: close > 0\n"
    run = both_modes(fx_plan(MARKET_10K, exits), data, [0], config=tenth(), exits=[2])
    assert [(t.qty, t.exit_reason.value) for t in run.trades] == [
        (D(4000), "signal"),
        (D(4000), "signal"),
        (D(2000), "signal"),
    ]


def test_the_cli_writes_each_part_to_orders_and_trades_csv_only_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = tmp_path / "s.yaml"
    strategy.write_text(
        "tradeplan: 1\nname: parts\ninstrument: {symbol: USD/JPY, pip: 0.01}\n"
        "account: {currency: JPY, balance: 10000000}\nbroker: paper\ntimeframe: 1m\n"
        "entries:\n  - name: r\n    side: long\n    when: close < 109\n"
        f"{MARKET_10K}exits:\n{TP_SL_100}"
    )
    lines = ["time,open,high,low,close,volume,spread"]
    for minute, row in enumerate(exit_over_three_bars()):
        volume = 40_000 if minute >= 2 else BIG
        lines.append(f"2025-01-06T00:0{minute}:00+00:00,{','.join(row[:4])},{volume},0.01")
    data = tmp_path / "bars.csv"
    data.write_text("\n".join(lines) + "\n")

    def backtest(*extra: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
        out = tmp_path / f"out{len(extra)}"
        args = ["backtest", str(strategy), "--data", str(data), "--out", str(out), "--quiet"]
        assert main([*args, *extra]) == 0, capsys.readouterr().err
        with (out / "trades.csv").open() as handle:
            trades = [(t["qty"], t["exit_price"], t["exit_reason"]) for t in csv.DictReader(handle)]
        with (out / "orders.csv").open() as handle:
            take_profit = [
                (o["event"], o["qty"]) for o in csv.DictReader(handle) if o["type"] == "limit"
            ]
        return trades, take_profit

    # Off by default: one fill, one trade.
    assert backtest() == (
        [("10000", "110.000", "take_profit")],
        [("placed", "10000"), ("filled", "10000")],
    )
    assert backtest("--max-volume-share", "0.1") == (
        [
            ("4000", "110.000", "take_profit"),
            ("4000", "110.000", "take_profit"),
            ("2000", "110.000", "take_profit"),
        ],
        [
            ("placed", "10000"),
            ("partially_filled", "4000"),
            ("partially_filled", "4000"),
            ("filled", "2000"),
        ],
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "--max-volume-share must be a positive number, got '0'"),
        ("-0.1", "--max-volume-share must be a positive number, got '-0.1'"),
        ("lots", "--max-volume-share must be a number, got 'lots'"),
        ("1.5", "--max-volume-share is a fraction of a bar's volume, at most 1 (0.1 is 10%)"),
    ],
)
def test_the_cli_refuses_a_share_that_is_not_a_fraction(
    tmp_path: Path, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["backtest", "s.yaml", "--data", "d.csv", "--out", str(tmp_path / "o")]
    assert main([*args, f"--max-volume-share={value}"]) == 2
    assert message in capsys.readouterr().err


def test_a_position_built_at_an_average_that_never_ends_books_its_parts_exactly() -> None:
    # 1 + 1 + 1 units at 100.00, 100.00, 100.01: the average 100.00333... is shown to 10
    # places, but the parts' P&L comes from the exact cost, so they add up to the whole:
    # 303.00 received - 300.01 paid = 2.99 USD.
    ledger = Ledger(D(1000), currency="USD")
    at = datetime(2025, 1, 6, tzinfo=UTC)
    ledger.open_position(Position("r", Side.BUY, D(1), D("100.00"), at, FillMark(0), D(0), "1"))
    for row, price in ((1, "100.00"), (2, "100.01")):
        ledger.add("r", qty=D(1), price=D(price), fee=D(0), mark=FillMark(row))

    def close(qty: str, row: int) -> TradeRecord:
        return ledger.close_position(
            "r", price=D("101.00"), time=at, mark=FillMark(row), fee=D(0),
            reason=ExitReason.TAKE_PROFIT, excursion=None, qty=D(qty),
        )  # fmt: skip

    first, last = close("2", 3), close("1", 4)
    assert first.entry_price == last.entry_price == D("100.0033333333")
    assert (first.qty, first.pnl, last.qty, last.pnl) == (D(2), D("1.99"), D(1), D("1.00"))
    assert first.pnl + last.pnl == D("2.99")
    assert ledger.balance == D("1002.99") and ledger.open == {}
