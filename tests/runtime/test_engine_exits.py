"""Exits driven by the plan, at engine level, with exact prices on hand-made bars and ticks.

Every run here goes through `both_modes`, which also checks that jumping between events gives
exactly the run that processes every row.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from backtest_harness import DEALER, EXCHANGE, bars, both_modes, fx_plan, ticks

from tradeplan.core.enums import Side

MARKET_10K = "    order: market\n    units: 10000\n"
TP_SL_100 = "  take_profit: 100 pips\n  stop_loss: 100 pips\n"


def long_entry_at_109() -> list[tuple[str, ...]]:
    """Row 0 signals; row 1 opens at Bid 108.99 / Ask 109.00, where the long fills."""
    return [
        ("108.90", "109.00", "108.80", "108.95", "0.01"),
        ("108.99", "109.10", "108.90", "109.05", "0.01"),
    ]


def test_signal_entry_gets_take_profit_and_a_stop_with_the_spread_added() -> None:
    # SEMANTICS §1: buy filled at 109.00, 1-pip spread, 100-pip stop -> 107.99; TP -> 110.00.
    rows = [*long_entry_at_109(), ("109.50", "110.20", "109.40", "110.10", "0.01")]
    result = both_modes(fx_plan(MARKET_10K, TP_SL_100), bars(rows), [0])
    assert [
        (e.type.value, e.price, e.trigger) for e in result.orders if e.event.value == "placed"
    ] == [
        ("market", None, None),
        ("limit", D("110.000"), None),
        ("stop", None, D("107.990")),
    ]
    (trade,) = result.trades
    assert (trade.entry_price, trade.exit_price, trade.exit_reason.value) == (
        D("109.00"),
        D("110.000"),
        "take_profit",
    )
    assert trade.pnl == D("10000")  # 1.00 x 10,000 units, in JPY
    assert trade.side is Side.BUY and trade.slot == "r"
    # The stop loss is cancelled as the take profit's OCO partner.
    assert result.events()[-1] == ("3", "cancelled", "stop", "")


def test_stop_loss_touched_on_the_way_fills_at_its_trigger() -> None:
    rows = [*long_entry_at_109(), ("108.50", "108.60", "107.80", "108.00", "0.01")]
    (trade,) = both_modes(fx_plan(MARKET_10K, TP_SL_100), bars(rows), [0]).trades
    assert (trade.exit_price, trade.exit_reason.value) == (D("107.990"), "stop_loss")
    assert trade.pnl == D("-10100")


def test_closing_sell_stop_beyond_the_market_fills_at_the_market() -> None:
    # SEMANTICS §1 gap rule: stop 107.99, market opens at 107.50 -> fills at 107.50.
    rows = [*long_entry_at_109(), ("107.50", "107.80", "107.40", "107.60", "0.01")]
    (trade,) = both_modes(fx_plan(MARKET_10K, TP_SL_100), bars(rows), [0]).trades
    assert (trade.exit_price, trade.exit_reason.value) == (D("107.50"), "stop_loss")


@pytest.mark.parametrize(("config", "price"), [(DEALER, "110.000"), (EXCHANGE, "111.00")])
def test_closing_sell_limit_beyond_the_market_follows_the_fill_profile(
    config: object, price: str
) -> None:
    # SEMANTICS §1: 109 buy, jump to 111: TP 110 fills at 110.00 (dealer), worse than market.
    rows = [*long_entry_at_109(), ("111.00", "111.20", "110.90", "111.10", "0.01")]
    (trade,) = both_modes(fx_plan(MARKET_10K, TP_SL_100), bars(rows), [0], config=config).trades
    assert (trade.exit_price, trade.exit_reason.value) == (D(price), "take_profit")


def short_entry_at_110() -> list[tuple[str, ...]]:
    """Row 1 opens at Bid 110.00: a short fills there; its exits watch the Ask."""
    return [
        ("110.10", "110.20", "110.00", "110.05", "0.01"),
        ("110.00", "110.10", "109.90", "110.00", "0.01"),
    ]


@pytest.mark.parametrize(("config", "price"), [(DEALER, "109.000"), (EXCHANGE, "108.01")])
def test_closing_buy_limit_beyond_the_market(config: object, price: str) -> None:
    # SEMANTICS §1: TP 109 with the market (Ask) at 108.01 -> dealer fills at 109.00.
    rows = [*short_entry_at_110(), ("108.00", "108.20", "107.90", "108.10", "0.01")]
    result = both_modes(
        fx_plan(MARKET_10K, TP_SL_100, side="short"), bars(rows), [0], config=config
    )
    (trade,) = result.trades
    assert trade.side is Side.SELL
    assert (trade.entry_price, trade.exit_price, trade.exit_reason.value) == (
        D("110.00"),
        D(price),
        "take_profit",
    )
    stop = next(e for e in result.orders if e.type.value == "stop")
    assert stop.trigger == D("111.010")  # 110.00 + 1.00 + the 0.01 spread


def test_closing_buy_stop_beyond_the_market_fills_at_the_market() -> None:
    # SEMANTICS §1: stop 111.01, market (Ask) at 111.50 -> fills at 111.50.
    rows = [*short_entry_at_110(), ("111.49", "111.60", "111.40", "111.50", "0.01")]
    result = both_modes(fx_plan(MARKET_10K, TP_SL_100, side="short"), bars(rows), [0])
    (trade,) = result.trades
    assert (trade.exit_price, trade.exit_reason.value) == (D("111.50"), "stop_loss")
    assert trade.pnl == D("-15000")


def test_exits_placed_at_the_entry_fill_can_fill_in_the_same_row() -> None:
    # The entry fills at the open's Ask; the take profit then meets the rest of that bar.
    rows = [
        ("108.90", "109.00", "108.80", "108.95", "0.01"),
        ("108.99", "110.30", "108.95", "110.20", "0.01"),
    ]
    result = both_modes(fx_plan(MARKET_10K, TP_SL_100), bars(rows), [0])
    (trade,) = result.trades
    assert trade.entry_time == trade.exit_time
    assert (trade.exit_price, trade.exit_reason.value) == (D("110.000"), "take_profit")


def test_a_bar_touching_both_exits_takes_the_nearer_extreme_first() -> None:
    # Open 109.00, high 110.10 (1.10 away), low 107.50 (1.50 away): the high comes first.
    rows = [*long_entry_at_109(), ("109.00", "110.10", "107.50", "108.00", "0.01")]
    (trade,) = both_modes(fx_plan(MARKET_10K, TP_SL_100), bars(rows), [0]).trades
    assert trade.exit_reason.value == "take_profit"


def test_trailing_stop_limit_sell_trigger_150_with_spread_050_limits_at_149_50() -> None:
    # SEMANTICS §3: trailing_stop_limit, sell, trigger 150.00 and spread 0.50 -> limit 149.50.
    plan = fx_plan(MARKET_10K, "  trailing: {trail: 1.00, spread: 0.50}\n")
    quotes = [
        ("150.50", "150.50"),
        ("150.50", "150.50"),
        ("151.00", "151.00"),
        ("149.80", "149.80"),
        ("149.70", "149.70"),
    ]
    for config, price in ((EXCHANGE, "149.80"), (DEALER, "149.500")):
        result = both_modes(plan, ticks(quotes), [0], config=config)
        (trade,) = result.trades
        assert (trade.entry_price, trade.exit_price, trade.exit_reason.value) == (
            D("150.50"),
            D(price),
            "trailing_stop",
        )
        assert [e for _, e, kind, _ in result.events() if kind == "trailing_stop_limit"] == [
            "placed",
            "triggered",
            "filled",
        ]


def test_a_triggered_trailing_stop_limit_rests_until_the_market_comes_back() -> None:
    plan = fx_plan(MARKET_10K, "  trailing: {trail: 1.00, spread: 0.50}\n")
    quotes = [
        ("150.50", "150.50"),
        ("150.50", "150.50"),
        ("151.00", "151.00"),
        ("149.40", "149.40"),
        ("149.30", "149.30"),
        ("149.60", "149.60"),
    ]
    result = both_modes(plan, ticks(quotes), [0])
    (trade,) = result.trades
    assert trade.exit_price == D("149.60")
    triggered = next(e for e in result.orders if e.event.value == "triggered")
    filled = [e for e in result.orders if e.event.value == "filled"][-1]
    assert (triggered.time.second, filled.time.second) == (3, 5)


def test_trailing_stop_by_ratio_follows_the_peak_and_rounds_away_from_the_market() -> None:
    # 0.4 % below a peak of 101.37 is 100.96452 -> stop 100.96 (sells round down).
    plan = fx_plan(MARKET_10K, "  trailing: {trail: 0.4%}\n")
    quotes = [
        ("100.00", "100.00"),
        ("100.00", "100.00"),
        ("101.37", "101.37"),
        ("100.97", "100.97"),
        ("100.96", "100.96"),
        ("100.00", "100.00"),
    ]
    (trade,) = both_modes(plan, ticks(quotes), [0]).trades
    assert (trade.exit_price, trade.exit_reason.value) == (D("100.960"), "trailing_stop")
    assert trade.mfe == D("13700")  # (101.37 - 100.00) x 10,000
    assert trade.mae == D("0")


def test_buy_trailing_stop_of_a_short_follows_the_trough() -> None:
    # 0.33 % above a trough of 50.00 is 50.165 -> stop 50.17 (buys round up; tick 0.001 here
    # keeps 50.165, so use a 2-decimal instrument: USD/JPY's tick is 0.001).
    plan = fx_plan(MARKET_10K, "  trailing: {trail: 0.33%}\n", side="short")
    quotes = [
        ("50.50", "50.50"),
        ("50.50", "50.50"),
        ("50.00", "50.00"),
        ("50.16", "50.16"),
        ("50.165", "50.165"),
        ("51.00", "51.00"),
    ]
    (trade,) = both_modes(plan, ticks(quotes), [0]).trades
    assert (trade.exit_price, trade.exit_reason.value) == (D("50.165"), "trailing_stop")


def test_trailing_stop_gapped_over_fills_at_the_market() -> None:
    plan = fx_plan(MARKET_10K, "  trailing: {trail: 0.4%}\n")
    rows = [
        ("100.00", "100.10", "99.90", "100.00"),
        ("100.00", "101.37", "100.00", "101.30"),  # entry at 100.00, peak 101.37: stop 100.960
        ("101.30", "101.35", "101.00", "101.10"),
        ("100.50", "100.60", "100.40", "100.45"),  # opens below the stop
    ]
    (trade,) = both_modes(plan, bars(rows, spread="0"), [0]).trades
    assert (trade.exit_price, trade.exit_reason.value) == (D("100.50"), "trailing_stop")


def test_trailing_stop_waits_for_its_activation_price() -> None:
    plan = fx_plan(MARKET_10K, "  trailing: {trail: 0.50, activate: 1.00}\n")
    quotes = [
        ("100.00", "100.00"),
        ("100.00", "100.00"),
        ("99.00", "99.00"),
        ("100.99", "100.99"),
        ("101.00", "101.00"),
        ("101.40", "101.40"),
        ("100.90", "100.90"),
    ]
    (trade,) = both_modes(plan, ticks(quotes), [0]).trades
    # Not active at 99.00 (no stop); active from 101.00; peak 101.40 -> stop 100.90.
    assert (trade.exit_price, trade.exit_reason.value) == (D("100.90"), "trailing_stop")


BREAK_EVEN = "  stop_loss: 100 pips\n  break_even: {at: 20 pips}\n"


def test_break_even_moves_the_stop_to_the_entry() -> None:
    rows = [
        *long_entry_at_109(),
        ("109.05", "109.25", "109.00", "109.20", "0.01"),  # Bid reaches 109.20: +20 pips
        ("109.20", "109.30", "108.90", "108.95", "0.01"),  # falls through the entry
    ]
    result = both_modes(fx_plan(MARKET_10K, BREAK_EVEN), bars(rows), [0])
    (trade,) = result.trades
    assert (trade.exit_price, trade.exit_reason.value, trade.pnl) == (
        D("109.000"),
        "break_even",
        D("0"),
    )
    # The stop loss was replaced: cancelled, then a stop at the entry placed.
    # (order 3 is the break-even watch's id, which is not an order)
    assert result.events()[2:6] == [
        ("2", "placed", "stop", ""),
        ("2", "cancelled", "stop", ""),
        ("4", "placed", "stop", ""),
        ("4", "filled", "stop", "109.00"),
    ]


def test_break_even_reached_and_lost_within_one_bar() -> None:
    # Nearest extreme first: the high (+0.25) comes before the low, so the moved stop fills
    # in the same bar.
    rows = [*long_entry_at_109(), ("109.05", "109.30", "108.70", "108.80", "0.01")]
    (trade,) = both_modes(fx_plan(MARKET_10K, BREAK_EVEN), bars(rows), [0]).trades
    assert (trade.exit_price, trade.exit_reason.value) == (D("109.000"), "break_even")


def test_break_even_with_offset() -> None:
    exits = "  stop_loss: 100 pips\n  break_even: {at: 20 pips, offset: 5 pips}\n"
    rows = [
        *long_entry_at_109(),
        ("109.05", "109.25", "109.00", "109.20", "0.01"),
        ("109.20", "109.30", "108.90", "108.95", "0.01"),
    ]
    (trade,) = both_modes(fx_plan(MARKET_10K, exits), bars(rows), [0]).trades
    assert trade.exit_price == D("109.050")


def test_break_even_not_reached_in_time_closes_at_market() -> None:
    exits = "  stop_loss: 100 pips\n  break_even: {at: 20 pips, within: 3m, otherwise: close}\n"
    quiet = ("109.00", "109.10", "108.90", "109.00", "0.01")
    # Entry at row 1's open (00:01); the deadline 00:04 is row 3's close; row 4 opens at 108.95.
    rows = [*long_entry_at_109(), quiet, quiet, ("108.95", "109.00", "108.90", "108.97", "0.01")]
    result = both_modes(fx_plan(MARKET_10K, exits), bars(rows), [0])
    (trade,) = result.trades
    assert (trade.exit_price, trade.exit_reason.value) == (D("108.95"), "break_even_timeout")
    assert trade.exit_time.minute == 4


def test_break_even_keep_only_stops_watching() -> None:
    exits = "  stop_loss: 100 pips\n  break_even: {at: 20 pips, within: 2m, otherwise: keep}\n"
    quiet = ("109.00", "109.10", "108.90", "109.00", "0.01")
    rows = [
        *long_entry_at_109(),
        quiet,
        quiet,
        ("109.05", "109.30", "109.00", "109.20", "0.01"),  # +30 pips, after the deadline
        ("109.20", "109.20", "108.90", "108.95", "0.01"),
    ]
    (trade,) = both_modes(fx_plan(MARKET_10K, exits), bars(rows), [0]).trades
    assert trade.exit_reason.value == "end_of_data"  # the stop stayed at 107.99


def test_time_exit_after_a_duration() -> None:
    quiet = ("109.00", "109.10", "108.90", "109.00", "0.01")
    rows = [*long_entry_at_109(), quiet, quiet, ("109.02", "109.10", "108.90", "109.00", "0.01")]
    result = both_modes(fx_plan(MARKET_10K, "  time_exit: 3m\n"), bars(rows), [0])
    (trade,) = result.trades
    # Entered 00:01; 00:04 is row 3's close; the market order fills at row 4's open Bid.
    assert (trade.exit_price, trade.exit_reason.value) == (D("109.02"), "time_exit")
    assert trade.exit_time.minute == 4


def test_time_exit_at_a_clock_time() -> None:
    quiet = ("109.00", "109.10", "108.90", "109.00", "0.01")
    rows = [
        *long_entry_at_109(),
        quiet,
        quiet,
        quiet,
        ("109.03", "109.10", "108.90", "109.00", "0.01"),
    ]
    exits = "  time_exit: '00:05 UTC'\n"
    (trade,) = both_modes(fx_plan(MARKET_10K, exits), bars(rows), [0]).trades
    assert (trade.exit_price, trade.exit_reason.value, trade.exit_time.minute) == (
        D("109.03"),
        "time_exit",
        5,
    )


def test_exit_when_closes_at_the_next_open() -> None:
    quiet = ("109.00", "109.10", "108.90", "109.00", "0.01")
    rows = [*long_entry_at_109(), quiet, ("109.04", "109.10", "108.90", "109.00", "0.01")]
    plan = fx_plan(MARKET_10K, "  exit_when: close < 0\n")
    (trade,) = both_modes(plan, bars(rows), [0], exits=[2]).trades
    assert (trade.exit_price, trade.exit_reason.value) == (D("109.04"), "signal")


def test_end_of_data_closes_at_the_last_close() -> None:
    rows = [*long_entry_at_109(), ("109.00", "109.10", "108.90", "109.07", "0.01")]
    result = both_modes(fx_plan(MARKET_10K, TP_SL_100), bars(rows), [0])
    (trade,) = result.trades
    assert (trade.exit_price, trade.exit_reason.value) == (D("109.07"), "end_of_data")
    kinds = [(e.order_id, e.event.value) for e in result.orders]
    assert kinds[-4:] == [("2", "cancelled"), ("3", "cancelled"), ("4", "placed"), ("4", "filled")]


def test_mfe_and_mae_follow_the_path_between_entry_and_exit() -> None:
    rows = [
        *long_entry_at_109(),  # entry at 109.00 at row 1's open; row 1 runs 108.90..109.10
        ("109.05", "109.60", "108.40", "109.00", "0.01"),  # +0.60 / -0.60 on the Bid
        ("109.50", "110.20", "109.40", "110.10", "0.01"),  # TP 110.00 on the way up
    ]
    (trade,) = both_modes(fx_plan(MARKET_10K, TP_SL_100), bars(rows), [0]).trades
    assert trade.exit_reason.value == "take_profit"
    assert trade.mfe == D("10000")  # the best Bid the position saw is its exit, 110.00
    assert trade.mae == D("6000")  # 109.00 - 108.40


def test_fees_are_charged_on_both_fills_and_netted() -> None:
    extra = "fees: {per_order: 100}\n"
    rows = [*long_entry_at_109(), ("109.50", "110.20", "109.40", "110.10", "0.01")]
    plan = fx_plan(MARKET_10K, TP_SL_100, extra=extra)
    config = EXCHANGE.__class__(fees=EXCHANGE.fees.__class__(per_order=D(100)))
    (trade,) = both_modes(plan, bars(rows), [0], config=config).trades
    assert (trade.fees, trade.pnl) == (D("200"), D("9800"))


def test_a_new_entry_can_follow_an_exit_in_the_same_row() -> None:
    rows = [
        *long_entry_at_109(),
        ("109.50", "110.20", "109.40", "110.10", "0.01"),
        ("110.10", "110.20", "110.00", "110.15", "0.01"),
    ]
    result = both_modes(fx_plan(MARKET_10K, TP_SL_100), bars(rows), [0, 2])
    assert [t.exit_reason.value for t in result.trades] == ["take_profit", "end_of_data"]
    assert result.trades[1].entry_price == D("110.11")
