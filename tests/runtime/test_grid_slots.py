"""Grid slots on tick data: every worked example of SEMANTICS.md section 1, as orders.csv shows it.

Each path is a list of quotes (Bid/Ask), one tick a second, so every fill happens at a known
price. A slot places its first entry at the close of tick 0 against tick 1's quote, and re-arms
at the close of the tick where its exit filled, against the next tick's quote (the market when
the re-entry reaches the venue). Every run is made jumping and step by step and must agree.
"""

from __future__ import annotations

import csv
from decimal import Decimal as D
from pathlib import Path

import pytest
from grid_harness import grid_plan, placed, quotes, rows, run

from tradeplan.api_backtest import write_outputs
from tradeplan.core.enums import FillProfile, Side
from tradeplan.runtime.records import ExitReason

SLOT = "g@109.00"
BUY_ENTRY = ("109.49/109.50", "109.20/109.21", "108.99/109.00")  # tick 2: bought at 109.00
SELL_ENTRY = ("109.80/109.81", "109.80/109.81", "110.00/110.01")  # tick 2: sold at 110.00


def test_buy_slot_take_profit_then_counter_and_follow_both_armed() -> None:
    # Entry 109.00, TP 100 pips -> sell limit 110.00. After it fills: counter -50 -> buy limit
    # 109.50; follow +50 with a 1-pip spread -> buy stop 110.51. Both are armed at once; the
    # counter fills and the follow is cancelled (one order holds one position).
    data = quotes(*BUY_ENTRY, "109.50/109.51", "110.00/110.01", "110.00/110.01", "109.49/109.50")
    result = run(grid_plan(counter="-50 pips", follow="+50 pips"), data).result
    assert rows(result) == [
        ("1", "placed", "limit", "buy", "109.00", "", ""),
        ("1", "filled", "limit", "buy", "109.00", "109.00", "limit"),
        ("2", "placed", "limit", "sell", "110.00", "", ""),
        ("2", "filled", "limit", "sell", "110.00", "110.00", "limit"),
        ("3", "placed", "limit", "buy", "109.50", "", ""),
        ("4", "placed", "stop", "buy", "110.51", "", ""),
        ("3", "filled", "limit", "buy", "109.50", "109.50", "limit"),
        ("4", "cancelled", "stop", "buy", "110.51", "", ""),
        ("5", "placed", "limit", "sell", "110.50", "", ""),
        ("5", "cancelled", "limit", "sell", "110.50", "", ""),  # end of data
        ("6", "placed", "market", "sell", "", "", ""),
        ("6", "filled", "market", "sell", "", "109.49", "market"),
    ]
    first = result.trades[0]
    assert (first.slot, first.side, first.entry_price, first.exit_price) == (
        SLOT,
        Side.BUY,
        D("109.00"),
        D("110.00"),
    )
    assert first.exit_reason is ExitReason.TAKE_PROFIT and first.pnl == D(1000)
    assert [s.rule for s in result.signals] == [SLOT, SLOT]
    assert all(s.accepted for s in result.signals)


@pytest.mark.parametrize(
    ("counter", "follow", "armed"),
    [
        ("-50 pips", None, [("limit", "buy", "109.50")]),
        (None, "+50 pips", [("stop", "buy", "110.51")]),
        ("-50 pips", "+50 pips", [("limit", "buy", "109.50"), ("stop", "buy", "110.51")]),
        (None, None, [("limit", "buy", "109.00")]),  # neither: the entry again at its price
    ],
)
def test_buy_slot_rearms_counter_only_follow_only_or_both(
    counter: str | None, follow: str | None, armed: list[tuple[str, str, str]]
) -> None:
    data = quotes(*BUY_ENTRY, "110.00/110.01", "110.00/110.01", "110.10/110.11")
    result = run(grid_plan(counter=counter, follow=follow), data).result
    orders = placed(result)
    assert orders[:2] == [("1", "limit", "buy", "109.00"), ("2", "limit", "sell", "110.00")]
    assert [o[1:] for o in orders[2:]] == armed


def test_sell_slot_take_profit_then_counter_and_follow() -> None:
    # Entry 110.00, TP 100 pips -> buy limit 109.00. After it fills: counter +50 -> sell limit
    # 109.50; follow -50 -> sell stop 108.49 (109.00 - 0.01 - 0.50).
    data = quotes(*SELL_ENTRY, "109.50/109.51", "108.99/109.00", "108.99/109.00", "109.10/109.11")
    plan = grid_plan("sell", at="110.00", counter="+50 pips", follow="-50 pips")
    result = run(plan, data).result
    assert placed(result)[:4] == [
        ("1", "limit", "sell", "110.00"),
        ("2", "limit", "buy", "109.00"),
        ("3", "limit", "sell", "109.50"),
        ("4", "stop", "sell", "108.49"),
    ]
    (trade,) = result.trades
    assert (trade.slot, trade.side, trade.entry_price, trade.exit_price) == (
        "g@110.00",
        Side.SELL,
        D("110.00"),
        D("109.00"),
    )


def test_initial_entry_is_a_stop_when_the_market_is_below_a_buy_slot() -> None:
    data = quotes("108.49/108.50", "108.49/108.50", "109.00/109.01", "109.10/109.11")
    result = run(grid_plan(), data).result
    assert rows(result)[:2] == [
        ("1", "placed", "stop", "buy", "109.00", "", ""),
        ("1", "filled", "stop", "buy", "109.00", "109.01", "stop_gap"),
    ]


def test_initial_entry_of_a_sell_slot_below_the_market_is_a_stop() -> None:
    data = quotes("110.49/110.50", "110.49/110.50", "109.90/109.91")
    result = run(grid_plan("sell", at="110.00"), data).result
    assert rows(result)[:2] == [
        ("1", "placed", "stop", "sell", "110.00", "", ""),
        ("1", "filled", "stop", "sell", "110.00", "109.90", "stop_gap"),
    ]


# --- exits against the entry fill, and the four gap rules -----------------------------------


def test_stop_loss_adds_the_spread_at_placement() -> None:
    # Stop loss 100 pips on a buy filled at 109.00 with a 1-pip spread -> stop at 107.99.
    data = quotes(*BUY_ENTRY, "108.50/108.51", "107.99/108.00", "108.00/108.01")
    result = run(grid_plan(stop_loss="100 pips"), data).result
    assert placed(result)[1:3] == [
        ("2", "limit", "sell", "110.00"),
        ("3", "stop", "sell", "107.99"),
    ]
    trade = result.trades[0]
    assert (trade.exit_price, trade.exit_reason) == (D("107.99"), ExitReason.STOP_LOSS)
    assert ("2", "cancelled", "limit", "sell", "110.00", "", "") in rows(result)


@pytest.mark.parametrize(("fill", "price"), [(FillProfile.DEALER, "110.00"), (None, "110.00")])
def test_closing_sell_limit_already_below_the_market_fills_at_its_limit(
    fill: FillProfile | None, price: str
) -> None:
    # 109 buy, jump to 111: TP 110 fills at 110.00 (dealer rules; FX grids default to them).
    data = quotes(*BUY_ENTRY, "111.00/111.01", "111.00/111.01")
    result = run(grid_plan(stop_loss="100 pips"), data, fill=fill).result
    assert ("2", "filled", "limit", "sell", "110.00", price, "limit_beyond_market") in rows(result)


def test_closing_sell_limit_under_exchange_rules_fills_at_the_market() -> None:
    data = quotes(*BUY_ENTRY, "111.00/111.01", "111.00/111.01")
    result = run(grid_plan(), data, fill=FillProfile.EXCHANGE).result
    assert ("2", "filled", "limit", "sell", "110.00", "111.00", "limit_beyond_market") in rows(
        result
    )


def test_closing_sell_stop_already_above_the_market_fills_at_the_market() -> None:
    # Stop 107.99 with the market at 107.50: fills at 107.50.
    data = quotes(*BUY_ENTRY, "107.50/107.51", "107.60/107.61")
    result = run(grid_plan(stop_loss="100 pips"), data).result
    assert ("3", "filled", "stop", "sell", "107.99", "107.50", "stop_gap") in rows(result)
    assert result.trades[0].exit_reason is ExitReason.STOP_LOSS


def test_closing_buy_limit_already_above_the_market_fills_at_its_limit() -> None:
    # Sell at 110, TP buy limit 109 with the market at 108: fills at 109.00.
    data = quotes(*SELL_ENTRY, "107.99/108.00", "108.10/108.11")
    result = run(grid_plan("sell", at="110.00", stop_loss="100 pips"), data).result
    assert ("2", "filled", "limit", "buy", "109.00", "109.00", "limit_beyond_market") in rows(
        result
    )


def test_closing_buy_stop_already_below_the_market_fills_at_the_market() -> None:
    # Sell at 110 with a 1-pip spread: stop 111.01; the market (Ask) at 111.50 fills it there.
    data = quotes(*SELL_ENTRY, "111.49/111.50", "111.40/111.41")
    result = run(grid_plan("sell", at="110.00", stop_loss="100 pips"), data).result
    assert ("3", "placed", "stop", "buy", "111.01", "", "") in rows(result)
    assert ("3", "filled", "stop", "buy", "111.01", "111.50", "stop_gap") in rows(result)


# --- the four irregular re-entry rules --------------------------------------------------------


def test_buy_counter_above_the_market_becomes_a_stop_and_the_follow_is_dropped() -> None:
    # Entry 109, TP 110 filled, market back at 109: counter 109.50 becomes a buy stop at 109.50,
    # follow 110.51 is not placed.
    data = quotes(*BUY_ENTRY, "110.00/110.01", "108.99/109.00", "109.10/109.11", "109.50/109.51")
    result = run(grid_plan(counter="-50 pips", follow="+50 pips"), data).result
    after_exit = rows(result)[4:8]
    assert after_exit == [
        (
            "3",
            "converted",
            "stop",
            "buy",
            "109.50",
            "",
            "counter limit 109.5 is above the market (Ask 109): placed as a buy stop at the "
            "same price",
        ),
        (
            "4",
            "dropped",
            "stop",
            "buy",
            "110.51",
            "",
            "follow not placed: the counter was converted",
        ),
        ("3", "placed", "stop", "buy", "109.50", "", ""),
        ("3", "filled", "stop", "buy", "109.50", "109.51", "stop_gap"),
    ]


def test_buy_follow_below_the_market_becomes_a_limit_and_the_counter_is_dropped() -> None:
    # The market jumped to 111 (TP 110 filled at 110.00 under dealer rules): follow 110.51
    # becomes a buy limit at 110.51 and the counter is not placed.
    data = quotes(*BUY_ENTRY, "111.00/111.01", "110.99/111.00", "110.50/110.51")
    result = run(grid_plan(counter="-50 pips", follow="+50 pips"), data).result
    assert rows(result)[3:8] == [
        ("2", "filled", "limit", "sell", "110.00", "110.00", "limit_beyond_market"),
        (
            "4",
            "converted",
            "limit",
            "buy",
            "110.51",
            "",
            "follow stop 110.51 is below the market (Ask 111): placed as a buy limit at the "
            "same price",
        ),
        (
            "3",
            "dropped",
            "limit",
            "buy",
            "109.50",
            "",
            "counter not placed: the follow was converted",
        ),
        ("4", "placed", "limit", "buy", "110.51", "", ""),
        ("4", "filled", "limit", "buy", "110.51", "110.51", "limit"),
    ]


def test_sell_counter_below_the_market_becomes_a_stop_and_the_follow_is_dropped() -> None:
    # Sell 110, TP 109 filled, market back at 110: counter 109.50 becomes a sell stop.
    data = quotes(*SELL_ENTRY, "108.99/109.00", "110.00/110.01", "109.90/109.91")
    plan = grid_plan("sell", at="110.00", counter="+50 pips", follow="-50 pips")
    result = run(plan, data).result
    events = rows(result)
    assert [e[:5] for e in events[4:7]] == [
        ("3", "converted", "stop", "sell", "109.50"),
        ("4", "dropped", "stop", "sell", "108.49"),
        ("3", "placed", "stop", "sell", "109.50"),
    ]
    assert "below the market (Bid 110)" in events[4][6]


def test_sell_follow_above_the_market_becomes_a_limit_and_the_counter_is_dropped() -> None:
    # Sell 110, the market fell to 108 (TP 109 filled at 109.00): follow 108.49 becomes a sell
    # limit at 108.49, the counter is not placed.
    data = quotes(*SELL_ENTRY, "107.99/108.00", "108.00/108.01", "108.49/108.50")
    plan = grid_plan("sell", at="110.00", counter="+50 pips", follow="-50 pips")
    result = run(plan, data).result
    events = rows(result)
    assert [e[:6] for e in events[3:8]] == [
        ("2", "filled", "limit", "buy", "109.00", "109.00"),
        ("4", "converted", "limit", "sell", "108.49", ""),
        ("3", "dropped", "limit", "sell", "109.50", ""),
        ("4", "placed", "limit", "sell", "108.49", ""),
        ("4", "filled", "limit", "sell", "108.49", "108.49"),
    ]


# --- after a stop loss, fees, alerts --------------------------------------------------------


def test_after_a_stop_loss_the_slot_rearms_from_the_stop_fill() -> None:
    # Seed 002: the next new order goes out when the exit order fills, whichever exit it was.
    # Stop 107.99 filled -> counter 107.49, follow 107.99 + 0.01 + 0.50 = 108.50.
    data = quotes(*BUY_ENTRY, "107.99/108.00", "107.99/108.00", "108.00/108.01")
    plan = grid_plan(stop_loss="100 pips", counter="-50 pips", follow="+50 pips")
    result = run(plan, data).result
    assert placed(result)[3:5] == [("4", "limit", "buy", "107.49"), ("5", "stop", "buy", "108.50")]


def test_fees_widen_the_take_profit_and_the_counter_but_not_the_follow() -> None:
    # 0.002 a unit per order: the TP covers the entry's and its own fee (110.004) and nets
    # exactly 100 pips; the counter is 50 pips plus its own fee below the exit (109.502).
    data = quotes(*BUY_ENTRY, "110.01/110.02", "110.01/110.02", "110.10/110.11")
    extra = "fees: {per_unit: 0.002}\n"
    plan = grid_plan(counter="-50 pips", follow="+50 pips", extra=extra)
    result = run(plan, data).result
    assert placed(result)[1:4] == [
        ("2", "limit", "sell", "110.004"),
        ("3", "limit", "buy", "109.502"),
        ("4", "stop", "buy", "110.514"),  # 110.004 + 0.01 spread + 0.50, no fee
    ]
    trade = result.trades[0]
    assert trade.fees == D(4) and trade.pnl == D(1000)  # 100 pips x 1,000 units, after fees


def test_a_stop_pushed_15_pips_beyond_its_setting_by_the_spread_raises_an_alert() -> None:
    # Bought at 109.00 while the spread is 15 pips: the stop sits at 107.85, not 108.00.
    data = quotes("109.49/109.50", "109.20/109.21", "108.85/109.00", "108.90/109.00")
    result = run(grid_plan(stop_loss="100 pips"), data).result
    stop = next(r for r in rows(result) if r[0] == "3" and r[1] == "placed")
    assert stop[4] == "107.85"
    assert stop[6] == (
        "stop_widened_by_spread: the stop loss 107.85 sits 15 pips beyond its 100 pips "
        "setting: the spread was 15 pips when it was placed"
    )
    (alert,) = result.alerts
    assert (alert.slot, alert.kind, alert.order_id) == (SLOT, "stop_widened_by_spread", "3")


def test_the_alert_is_written_to_alerts_csv(tmp_path: Path) -> None:
    data = quotes("109.49/109.50", "109.20/109.21", "108.85/109.00", "108.90/109.00")
    files = write_outputs(run(grid_plan(stop_loss="100 pips"), data), tmp_path / "out")
    with files["alerts"].open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["slot"], row["kind"], row["order_id"]) == (SLOT, "stop_widened_by_spread", "3")
    assert "15 pips beyond its 100 pips setting" in row["message"]


def test_a_spread_of_14_pips_raises_no_alert() -> None:
    data = quotes("109.49/109.50", "109.20/109.21", "108.86/109.00", "108.90/109.00")
    result = run(grid_plan(stop_loss="100 pips"), data).result
    assert result.alerts == ()
    assert all(r[6] == "" for r in rows(result) if r[1] == "placed")
