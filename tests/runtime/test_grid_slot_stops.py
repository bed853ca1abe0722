"""What stops a grid slot (SEMANTICS.md section 1): a rejected order, a refused entry, a manual
close, a margin close-out, a halt. A stopped slot never re-enters and nothing is re-sent; a
stopped slot that holds a position keeps its exits working."""

from __future__ import annotations

from decimal import Decimal as D

from backtest_harness import ticks
from grid_harness import grid_plan, placed, quotes, rows, run, run_with_hooks, slot

from tradeplan.brokers.paper.broker import PaperAccount
from tradeplan.runtime.engine import Engine
from tradeplan.runtime.records import ExitReason

THREE_SLOTS = "  from: 108.00\n  to: 109.00\n  step: 50 pips\n"
BUY_AT_109 = ("109.49/109.50", "109.20/109.21", "108.99/109.00")


def test_a_rejected_entry_stops_its_slot_and_is_never_sent_again() -> None:
    # The broker holds 100,000 JPY at 25x: two 10,000-unit entries reserve 86,800 of margin and
    # the third is refused. That slot never places another order, even after margin frees up.
    plan = grid_plan(units="10000", slots=THREE_SLOTS, counter="-100 pips")
    data = quotes(
        "109.49/109.50",
        "109.49/109.50",
        "108.99/109.00",
        "108.49/108.50",
        "109.00/109.01",
        "109.50/109.51",
        "108.99/109.00",
        "108.49/108.50",
    )
    broker = PaperAccount("JPY", D(100_000), D(25))
    result = run_with_hooks(plan, data, broker_account=broker).result
    events = rows(result, "g@109.00")
    assert [e[:5] for e in events] == [
        ("3", "placed", "limit", "buy", "109.00"),
        ("3", "rejected", "limit", "buy", "109.00"),
    ]
    assert events[1][6].startswith("insufficient margin")
    refused = [s for s in result.signals if s.rule == "g@109.00"]
    assert len(refused) == 1 and not refused[0].accepted
    assert refused[0].reason.startswith("rejected by the broker: insufficient margin")
    # The other slots go on: 108.50 bought, sold at 109.50, re-armed at its price and bought again.
    assert [t.slot for t in result.trades if t.exit_reason is ExitReason.TAKE_PROFIT] == [
        "g@108.50"
    ]
    assert ("5", "limit", "buy", "108.50") in placed(result, "g@108.50")


def test_an_entry_refused_by_a_cap_waits_for_the_next_day() -> None:
    extra = "risk: {max_open_positions: 2}\n"
    plan = grid_plan(slots=THREE_SLOTS, extra=extra)
    data = quotes("109.49/109.50", "109.49/109.50", "109.40/109.41")
    result = run(plan, data).result
    assert [(s.rule, s.accepted) for s in result.signals] == [
        ("g@108.00", True),
        ("g@108.50", True),
        ("g@109.00", False),
    ]
    assert result.signals[2].reason.startswith("max_open_positions:")
    assert placed(result, "g@109.00") == []


def test_halting_a_slot_that_holds_a_position_leaves_its_exits_working() -> None:
    plan = grid_plan(stop_loss="100 pips", counter="-50 pips")
    data = quotes(*BUY_AT_109, "109.50/109.51", "110.00/110.01", "109.00/109.01", "108.00/108.01")

    def halt(engine: Engine, row: int) -> None:
        slot(engine, "g@109.00").halt()

    run_ = run_with_hooks(plan, data, {3: halt})
    result = run_.result
    assert rows(result)[-2:] == [
        ("2", "filled", "limit", "sell", "110.00", "110.00", "limit"),
        ("3", "cancelled", "stop", "sell", "107.99", "", ""),
    ]  # and no counter afterwards, though the market comes back through 109.50
    assert len(placed(result)) == 3
    (trade,) = result.trades
    assert trade.exit_reason is ExitReason.TAKE_PROFIT
    assert slot(run_.engine, "g@109.00").state.phase == "stopped"


def test_halting_a_slot_whose_entry_works_cancels_the_entry() -> None:
    plan = grid_plan()
    data = quotes("109.49/109.50", "109.49/109.50", "109.40/109.41", "108.99/109.00")

    def halt(engine: Engine, row: int) -> None:
        slot(engine, "g@109.00").halt()

    result = run_with_hooks(plan, data, {1: halt}).result
    assert rows(result) == [
        ("1", "placed", "limit", "buy", "109.00", "", ""),
        ("1", "cancelled", "limit", "buy", "109.00", "", ""),
    ]
    assert result.trades == ()


def test_a_manual_close_stops_the_slot() -> None:
    plan = grid_plan(stop_loss="100 pips", counter="-50 pips")
    data = quotes(*BUY_AT_109, "109.30/109.31", "109.40/109.41", "110.00/110.01", "109.49/109.50")

    def close(engine: Engine, row: int) -> None:
        slot(engine, "g@109.00").manual_close()

    run_ = run_with_hooks(plan, data, {3: close})
    result = run_.result
    assert rows(result)[4:] == [
        ("2", "cancelled", "limit", "sell", "110.00", "", ""),
        ("3", "cancelled", "stop", "sell", "107.99", "", ""),
        ("4", "placed", "market", "sell", "", "", ""),
        ("4", "filled", "market", "sell", "", "109.40", "market"),
    ]
    (trade,) = result.trades
    assert (trade.exit_price, trade.exit_reason, trade.pnl) == (
        D("109.40"),
        ExitReason.MANUAL,
        D(400),
    )
    assert slot(run_.engine, "g@109.00").stop_reason == "its position was closed (manual_close)"


def test_a_margin_closeout_stops_the_slot() -> None:
    plan = grid_plan(counter="-50 pips")
    data = quotes(*BUY_AT_109, "108.00/108.01", "107.00/107.01", "110.00/110.01")

    def closeout(engine: Engine, row: int) -> None:
        slot(engine, "g@109.00").margin_closeout()

    result = run_with_hooks(plan, data, {3: closeout}).result
    (trade,) = result.trades
    assert (trade.exit_price, trade.exit_reason) == (D("107.00"), ExitReason.MARGIN_CLOSEOUT)
    assert [p[1] for p in placed(result)] == ["limit", "limit", "market"]


def test_one_slot_holds_one_position_even_when_both_reentries_could_fill() -> None:
    # Counter 109.50 and follow 110.51 both work; a jump from 109.40 to 110.60 passes both.
    # Only one fills (the counter, which the path reaches first); the other is cancelled.
    plan = grid_plan(counter="-50 pips", follow="+50 pips")
    data = quotes(*BUY_AT_109, "110.00/110.01", "110.00/110.01", "109.39/109.40", "110.60/110.61")
    result = run(plan, data).result
    fills = [r for r in rows(result) if r[1] == "filled" and r[3] == "buy"]
    assert [f[:5] for f in fills] == [
        ("1", "filled", "limit", "buy", "109.00"),
        ("3", "filled", "limit", "buy", "109.50"),
    ]
    assert ("4", "cancelled", "stop", "buy", "110.51", "", "") in rows(result)


def test_a_daily_loss_limit_refuses_the_reentry_after_a_stop_loss() -> None:
    # 10,000 units stopped out 61 pips below the entry lose 6,100 JPY: 0.061 % of 10,000,000,
    # past a 0.05 % daily limit, so the re-entry is refused and the slot stops.
    extra = "risk: {daily_loss_limit: 0.05%}\n"
    plan = grid_plan(units="10000", stop_loss="60 pips", counter="-50 pips", extra=extra)
    data = quotes(*BUY_AT_109, "108.39/108.40", "108.39/108.40", "107.00/107.01")
    result = run(plan, data).result
    (trade,) = result.trades
    assert (trade.exit_price, trade.pnl) == (D("108.39"), D(-6100))
    refused = result.signals[-1]
    assert not refused.accepted
    assert refused.reason.startswith("daily_loss_limit_reached:")
    assert len(placed(result)) == 3  # entry, take profit, stop loss: nothing after the refusal


def test_a_daily_loss_limit_pauses_a_slot_until_the_next_trading_day() -> None:
    # Hourly quotes over four FX days (they roll at 17:00 New York, 22:00 UTC). Every day the
    # slot buys at 109.00 and is stopped out at 108.40 (-0.6% of equity, over the 0.3% limit):
    # the re-entry is refused for the rest of that day, and the slot arms again the next day.
    limit = "risk: {daily_loss_limit: 0.3%}\n"
    plan = grid_plan(units="100000", stop_loss="50 pips", extra=limit)
    day = [("109.49", "109.50"), ("108.99", "109.00"), ("108.40", "108.41")]
    day += [("109.49", "109.50")] * 21
    result = run(plan, ticks(day * 4, seconds=3600)).result
    assert [(t.entry_time.day, t.exit_reason) for t in result.trades] == [
        (6, ExitReason.STOP_LOSS),
        (7, ExitReason.STOP_LOSS),
        (8, ExitReason.STOP_LOSS),
        (9, ExitReason.STOP_LOSS),
    ]
    refused = [s for s in result.signals if not s.accepted]
    assert len(refused) == 4
    assert all(s.reason.startswith("daily_loss_limit_reached:") for s in refused)
    accepted = [s.time.isoformat() for s in result.signals if s.accepted]
    assert accepted == [
        "2025-01-06T01:00:00+00:00",
        "2025-01-06T22:00:00+00:00",
        "2025-01-07T22:00:00+00:00",
        "2025-01-08T22:00:00+00:00",
        "2025-01-09T22:00:00+00:00",
    ]
