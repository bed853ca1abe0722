"""Grid slots with partial fills (the paper broker's volume model at 10% of each bar).

A slot holds one position, built by its entry's fills and closed by its exits' fills: exits
placed for the first part and resized as the position grows or shrinks, one trade row per exit
fill, and the slot re-arms for its full units once the last part is closed. Runs are compared
jumping and step by step (`grid_harness`).
"""

from __future__ import annotations

from decimal import Decimal as D

from backtest_harness import bars
from grid_harness import grid_plan, rows, run, run_with_hooks, slot

from tradeplan.runtime.engine import Engine

TENTH = "0.1"
SLOT = "g@109.00"


def entry_in_three_parts() -> list[tuple[str, ...]]:
    """The slot arms a buy limit 109.00 at row 0's close; rows 1-3 each reach it."""
    return [
        ("109.50", "109.60", "109.40", "109.50", "0.01"),
        ("109.20", "109.30", "108.95", "109.10", "0.01"),
        ("109.10", "109.20", "108.98", "109.10", "0.01"),
        ("109.10", "109.20", "108.99", "109.10", "0.01"),
    ]


def test_a_slot_builds_its_position_in_parts_and_closes_it_in_parts() -> None:
    data = bars(
        [
            *entry_in_three_parts(),
            ("109.60", "110.10", "109.50", "110.00", "0.01"),  # the take profit, three times
            ("110.00", "110.10", "109.90", "110.00", "0.01"),
            ("110.00", "110.20", "109.95", "110.10", "0.01"),
            ("110.00", "110.10", "109.90", "110.00", "0.01"),
        ],
        volume=[40_000] * 8,
    )
    backtest = run(grid_plan(units="10000", stop_loss="100 pips"), data, max_volume_share=D(TENTH))
    result = backtest.result
    resized = "resized to the open position of"
    assert rows(result) == [
        ("1", "placed", "limit", "buy", "109.00", "", ""),
        ("1", "partially_filled", "limit", "buy", "109.00", "109.00", "limit"),
        ("2", "placed", "limit", "sell", "110.00", "", ""),
        ("3", "placed", "stop", "sell", "107.99", "", ""),
        ("1", "partially_filled", "limit", "buy", "109.00", "109.00", "limit"),
        ("2", "amended", "limit", "sell", "110.00", "", f"{resized} 8000"),
        ("3", "amended", "stop", "sell", "107.99", "", f"{resized} 8000"),
        ("1", "filled", "limit", "buy", "109.00", "109.00", "limit"),
        ("2", "amended", "limit", "sell", "110.00", "", f"{resized} 10000"),
        ("3", "amended", "stop", "sell", "107.99", "", f"{resized} 10000"),
        ("2", "partially_filled", "limit", "sell", "110.00", "110.00", "limit"),
        ("3", "amended", "stop", "sell", "107.99", "", f"{resized} 6000"),
        ("2", "partially_filled", "limit", "sell", "110.00", "110.00", "limit"),
        ("3", "amended", "stop", "sell", "107.99", "", f"{resized} 2000"),
        ("2", "filled", "limit", "sell", "110.00", "110.00", "limit"),
        ("3", "cancelled", "stop", "sell", "107.99", "", ""),
        ("4", "placed", "limit", "buy", "109.00", "", ""),  # re-armed once all is closed
        ("4", "cancelled", "limit", "buy", "109.00", "", ""),  # end of data
    ]
    quantities = [(e.order_id, e.event.value, e.qty) for e in result.orders]
    assert ("1", "placed", D(10_000)) in quantities
    assert ("4", "placed", D(10_000)) in quantities  # the grid's full units again
    assert [(t.slot, t.qty, t.entry_price, t.exit_price, t.pnl) for t in result.trades] == [
        (SLOT, D(4000), D("109.00"), D("110.00"), D(4000)),
        (SLOT, D(4000), D("109.00"), D("110.00"), D(4000)),
        (SLOT, D(2000), D("109.00"), D("110.00"), D(2000)),
    ]


def test_a_slot_closed_by_two_exits_re_arms_from_the_last_fill() -> None:
    # 4,000 of the take profit fills; the stop loss then takes the 6,000 left, and the slot
    # re-arms from the stop's fill (a buy stop at the slot price, the market being below it).
    data = bars(
        [
            *entry_in_three_parts(),
            ("109.60", "110.10", "109.50", "110.00", "0.01"),
            ("109.00", "109.10", "107.50", "107.60", "0.01"),
            ("107.60", "107.70", "107.50", "107.60", "0.01"),
        ],
        volume=[40_000] * 5 + [1_000_000] * 2,
    )
    result = run(grid_plan(units="10000", stop_loss="100 pips"), data, max_volume_share=D(TENTH))
    trades = result.result.trades
    assert [(t.qty, t.exit_price, t.exit_reason.value, t.pnl) for t in trades] == [
        (D(4000), D("110.00"), "take_profit", D(4000)),
        (D(6000), D("107.99"), "stop_loss", D(-6060)),
    ]
    assert rows(result.result)[-2:] == [
        ("4", "placed", "stop", "buy", "109.00", "", ""),
        ("4", "cancelled", "stop", "buy", "109.00", "", ""),
    ]


def test_a_halted_slot_keeps_its_part_filled_position_with_its_exits() -> None:
    # Halted at row 2's close with 8,000 of 10,000 bought: the rest of the entry is cancelled,
    # the 8,000 stay protected by exits sized to them, and nothing re-arms after they close.
    data = bars(
        [
            *entry_in_three_parts(),
            ("109.60", "110.10", "109.50", "110.00", "0.01"),
            ("109.00", "109.10", "107.50", "107.60", "0.01"),
            ("107.60", "107.70", "107.50", "107.60", "0.01"),
        ],
        volume=[40_000] * 5 + [1_000_000] * 2,
    )

    def halt(engine: Engine, row: int) -> None:
        slot(engine, SLOT).halt()

    plan = grid_plan(units="10000", stop_loss="100 pips")
    hooked = run_with_hooks(plan, data, {2: halt}, max_volume_share=D(TENTH))
    assert rows(hooked.result)[4:] == [
        ("1", "partially_filled", "limit", "buy", "109.00", "109.00", "limit"),
        ("2", "amended", "limit", "sell", "110.00", "", "resized to the open position of 8000"),
        ("3", "amended", "stop", "sell", "107.99", "", "resized to the open position of 8000"),
        ("1", "cancelled", "limit", "buy", "109.00", "", ""),
        ("2", "partially_filled", "limit", "sell", "110.00", "110.00", "limit"),
        ("3", "amended", "stop", "sell", "107.99", "", "resized to the open position of 4000"),
        ("3", "filled", "stop", "sell", "107.99", "107.99", "stop"),
        ("2", "cancelled", "limit", "sell", "110.00", "", ""),
    ]
    assert [(t.qty, t.exit_reason.value) for t in hooked.result.trades] == [
        (D(4000), "take_profit"),
        (D(4000), "stop_loss"),
    ]
    assert slot(hooked.engine, SLOT).state.phase == "stopped"
