"""A fill at an absurd spread can put an exit's level at or below zero (issue 7, item 16): the
run used to abort with "order 3: trigger must be positive". Now that exit is a recorded
rejection with its row, the rule stops as for any rejected exit, the other exits keep working,
and no fill is ever at a price of zero or below."""

from __future__ import annotations

from api_harness import backtest, orders_csv, strategy, timed_rows, trades_csv

BODY = (
    "entries:\n  - {name: r, side: long, when: close > 0, units: 1000}\n"
    "exits:\n  stop_loss: 40 pips\n  take_profit: 40 pips\n"
)


def test_a_stop_below_zero_is_a_rejected_row_and_the_run_goes_on() -> None:
    rows = [
        (0, "110.00", "110.00", "110.00", "110.00", "0.01"),
        (1, "0.01", "0.01", "0.01", "0.01", "499999.99"),  # the long fills at the Ask, 500000
        (2, "110.00", "110.00", "110.00", "110.00", "0.01"),
        (3, "110.00", "110.00", "110.00", "110.00", "0.01"),
    ]
    plan = strategy(BODY, account="{currency: JPY, balance: 10000000000}")
    run = backtest(plan, timed_rows(rows))
    events = orders_csv(run, "type", "trigger", "price", "event", "reason")
    rejected = [e for e in events if e[3] == "rejected"]
    assert (
        "stop",
        "-0.39",
        "",
        "rejected",
        "its stop_loss level -0.39 is at or below zero (filled at 500000 with a spread of 499999.99)",
    ) in rejected
    # The take profit was still sent; the broker's 99% rule refuses it, with its reason.
    assert ("limit", "", "500000.4", "rejected") in [e[:4] for e in rejected]
    assert all(float(price) > 0 for (price,) in orders_csv(run, "fill_price") if price)
    assert [reason for (reason,) in trades_csv(run, "exit_reason")] == ["end_of_data"]
