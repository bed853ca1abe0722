"""orders.csv rows are in the order things happened (issue 7, item 10)."""

from __future__ import annotations

from api_harness import backtest, orders_csv, strategy, timed_rows, trades_csv


def test_the_end_of_data_close_is_placed_before_it_is_filled() -> None:
    body = "entries:\n  - {name: r, side: long, when: close crosses_above 109.995, units: 10000}\n"
    rows = [(0, "109.990", "109.990", "109.990", "109.990")]
    rows += [(m, "110.000", "110.000", "110.000", "110.000") for m in range(1, 6)]
    run = backtest(strategy(body), timed_rows(rows))
    closing = [r[1:] for r in orders_csv(run, "order_id", "time", "event") if r[0] == "2"]
    # Placed and filled at the last row's close (00:06), not filled at 00:05 and placed after.
    assert closing == [
        ("2025-01-06T00:06:00+00:00", "placed"),
        ("2025-01-06T00:06:00+00:00", "filled"),
    ]
    assert trades_csv(run, "exit_time", "exit_reason") == [
        ("2025-01-06T00:06:00+00:00", "end_of_data")
    ]
    times = [t for (t,) in orders_csv(run, "time")]
    assert times == sorted(times)


def test_trailing_stop_limit_rows_show_their_current_levels() -> None:
    body = (
        "entries:\n  - {name: r, side: long, when: close crosses_above 109.995, units: 10000}\n"
        "exits:\n  trailing: {trail: 20 pips, spread: 5 pips}\n"
    )
    rows = [
        (0, "109.990", "109.990", "109.990", "109.990"),
        (1, "110.000", "110.000", "110.000", "110.000"),
        (2, "110.000", "110.000", "110.000", "110.000"),  # the long fills at 110.000
        (3, "110.000", "110.300", "110.000", "110.300"),  # peak 110.300: trigger 110.100
        (4, "110.300", "110.300", "110.000", "110.000"),  # falls through 110.100
        (5, "110.000", "110.000", "110.000", "110.000"),
    ]
    run = backtest(strategy(body), timed_rows(rows))
    trailing = [
        r[1:]
        for r in orders_csv(run, "type", "event", "trigger", "price")
        if r[0] == "trailing_stop_limit"
    ]
    assert [r for r in trailing if r[0] != "placed"] == [
        ("triggered", "110.1", "110.05"),
        ("filled", "110.1", "110.05"),
    ]
