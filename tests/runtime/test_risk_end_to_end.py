"""Every risk cap refusing an entry in a real backtest, as the row a user reads in signals.csv.

Refused entries never become orders; each is a signals.csv row `accepted=false` whose reason is
`code: message` for every guard that refused it (docs/risk.md). FX trading days end at 17:00
New York, which is 22:00 UTC in January.
"""

from __future__ import annotations

from decimal import Decimal as D

from api_harness import backtest, flat, orders_csv, signals_csv, strategy, timed_rows, trades_csv

USDJPY = "{symbol: USD/JPY, pip: 0.01}"
TWO_RULES = (
    "entries:\n"
    "  - {name: a, side: long, when: close > 0, units: 10000}\n"
    "  - {name: b, side: long, when: close > 0, units: 10000}\n"
    "exits:\n  stop_loss: 20 pips\n"
)


def refusals(run: object) -> list[tuple[str, str, str]]:
    return [
        (time, rule, reason)
        for time, rule, accepted, reason in signals_csv(run, "time", "rule", "accepted", "reason")  # type: ignore[arg-type]
        if accepted == "false"
    ]


def test_a_second_entry_on_the_symbol_is_a_duplicate_position() -> None:
    run = backtest(strategy(TWO_RULES, symbol=USDJPY), timed_rows(flat(3, "110.000")))
    assert signals_csv(run) == [
        ("2025-01-06T00:01:00+00:00", "a", "buy", "true", ""),
        (
            "2025-01-06T00:01:00+00:00",
            "b",
            "buy",
            "false",
            "duplicate_position: USD/JPY already has an entry order working (one position per "
            "symbol)",
        ),
        (
            "2025-01-06T00:02:00+00:00",
            "b",
            "buy",
            "false",
            "duplicate_position: USD/JPY already has a position (one position per symbol)",
        ),
        (
            "2025-01-06T00:03:00+00:00",
            "b",
            "buy",
            "false",
            "duplicate_position: USD/JPY already has a position (one position per symbol)",
        ),
    ]
    # Only `a` ever placed an order: its entry, its stop, and the close at the end of the data.
    assert {slot for (slot,) in orders_csv(run, "slot")} == {"a"}


def caps_run(risk: str, rows: int = 2) -> object:
    plan = strategy(
        TWO_RULES + f"risk: {{one_position_per_symbol: false, {risk}}}\n", symbol=USDJPY
    )
    return backtest(plan, timed_rows(flat(rows, "110.000")))


def test_max_open_positions() -> None:
    assert refusals(caps_run("max_open_positions: 1")) == [
        (
            "2025-01-06T00:01:00+00:00",
            "b",
            "max_open_positions: 1 positions open or pending, the limit is 1",
        ),
        (
            "2025-01-06T00:02:00+00:00",
            "b",
            "max_open_positions: 1 positions open or pending, the limit is 1",
        ),
    ]


def test_max_position_counts_units_in_the_symbol() -> None:
    (first, _) = refusals(caps_run("max_position: 15000"))
    assert (
        first[2] == "max_position_per_symbol: USD/JPY would hold 20000 units, above the limit 15000"
    )


def test_fx_max_notional_counts_units_of_the_base_currency() -> None:
    (first, _) = refusals(caps_run("max_notional: 15000"))
    assert first[2] == (
        "notional_above_max: total notional would be 20000 units of the base currency, above "
        "the maximum 15000"
    )


def test_max_notional_is_the_total_position_value_elsewhere() -> None:
    body = (
        "entries:\n"
        "  - {name: a, side: long, when: close > 0, qty: 0.1}\n"
        "  - {name: b, side: long, when: close > 0, qty: 0.1}\n"
        "exits:\n  stop_loss: 1%\n"
        "risk: {one_position_per_symbol: false, max_notional: 8000}\n"
    )
    plan = strategy(body, symbol="BTCUSDT", account="{currency: USDT, balance: 100000}")
    run = backtest(plan, timed_rows(flat(2, "50000.0")))
    # Each order alone is 5,000 USDT, below 8,000; both together are 10,000.
    assert refusals(run)[0][2] == (
        "notional_above_max: total notional would be 10000, above the maximum 8000"
    )
    assert trades_csv(run, "slot", "qty") == [("a", "0.1")]


def test_an_order_below_the_venues_minimum_notional() -> None:
    body = "entries:\n  - {name: r, side: long, when: close > 0, qty: 0.001}\n"
    body += "exits:\n  stop_loss: 1%\n"
    plan = strategy(
        body, symbol="ETHUSDT", account="{currency: USDT, balance: 10000}", broker="binance"
    )
    run = backtest(plan, timed_rows(flat(2, "2000.0")))
    assert refusals(run) == [
        (
            "2025-01-06T00:01:00+00:00",
            "r",
            "notional_below_min: order notional 2 is below the broker's minimum 5",
        ),
        (
            "2025-01-06T00:02:00+00:00",
            "r",
            "notional_below_min: order notional 2 is below the broker's minimum 5",
        ),
    ]
    assert run.result.orders == ()


def test_insufficient_margin() -> None:
    body = "entries:\n  - {name: r, side: long, when: close > 0, units: 300000}\n"
    body += "exits:\n  stop_loss: 20 pips\n"
    plan = strategy(body, symbol=USDJPY, account="{currency: JPY, balance: 1000000, leverage: 25}")
    run = backtest(plan, timed_rows(flat(2, "110.000")))
    # 300,000 x 110 = 33,000,000 JPY needs 1,320,000 of margin at 25x.
    assert refusals(run) == [
        (
            "2025-01-06T00:01:00+00:00",
            "r",
            "insufficient_margin: the order needs 1320000 of margin at 25x, only 1000000 is free",
        ),
        (
            "2025-01-06T00:02:00+00:00",
            "r",
            "insufficient_margin: the order needs 1320000 of margin at 25x, only 1000000 is free",
        ),
    ]


def test_a_price_off_the_venues_tick() -> None:
    # The file believes in a 0.01 tick; Binance's BTCUSDT tick is 0.1.
    body = (
        "entries:\n  - name: r\n    side: long\n    when: close > 0\n"
        "    order: {type: limit, price: close - 0.05}\n    qty: 0.01\n"
        "exits:\n  stop_loss: 1%\n"
    )
    plan = strategy(
        body,
        symbol="{symbol: BTCUSDT, tick: 0.01}",
        account="{currency: USDT, balance: 10000}",
        broker="binance",
    )
    run = backtest(plan, timed_rows(flat(2, "50000.0")))
    assert refusals(run) == [
        (
            "2025-01-06T00:01:00+00:00",
            "r",
            "price_not_on_tick: price 49999.95 is not on the tick 0.1",
        ),
        (
            "2025-01-06T00:02:00+00:00",
            "r",
            "price_not_on_tick: price 49999.95 is not on the tick 0.1",
        ),
    ]


def test_a_quantity_off_the_venues_step_is_refused_not_resized() -> None:
    body = "entries:\n  - {name: r, side: long, when: close > 0, qty: 0.0015}\n"
    body += "exits:\n  stop_loss: 1%\n"
    plan = strategy(
        body,
        symbol="{symbol: BTCUSDT, step: 0.0001}",
        account="{currency: USDT, balance: 10000}",
        broker="binance",
    )
    run = backtest(plan, timed_rows(flat(2, "50000.0")))
    assert refusals(run) == [
        (
            "2025-01-06T00:01:00+00:00",
            "r",
            "qty_not_on_step: quantity 0.0015 is not a multiple of the step 0.001",
        ),
        (
            "2025-01-06T00:02:00+00:00",
            "r",
            "qty_not_on_step: quantity 0.0015 is not a multiple of the step 0.001",
        ),
    ]


def test_max_risk_per_trade() -> None:
    body = "entries:\n  - {name: r, side: long, when: close > 0, units: 100000}\n"
    body += "exits:\n  stop_loss: 20 pips\nrisk: {max_risk_per_trade: 1%}\n"
    run = backtest(strategy(body, symbol=USDJPY), timed_rows(flat(2, "110.000")))
    assert refusals(run)[0][2] == (
        "max_risk_per_trade: the stop would lose 20000, above 1% of the balance (10000)"
    )


def test_every_reason_is_reported_not_just_the_first() -> None:
    body = "entries:\n  - {name: r, side: long, when: close > 0, units: 300000}\n"
    body += "exits:\n  stop_loss: 20 pips\nrisk: {max_position: 100000}\n"
    plan = strategy(body, symbol=USDJPY, account="{currency: JPY, balance: 1000000, leverage: 25}")
    refusal = refusals(backtest(plan, timed_rows(flat(2, "110.000"))))[0]
    assert refusal[2] == (
        "max_position_per_symbol: USD/JPY would hold 300000 units, above the limit 100000; "
        "insufficient_margin: the order needs 1320000 of margin at 25x, only 1000000 is free"
    )


# --- the daily loss limit and the drawdown halt over time -----------------------------------

SIGNAL = ("110.000", "110.000", "110.000", "110.000")  # `close >= 110`: an entry signal
QUIET = ("109.900", "109.900", "109.900", "109.900")  # no signal
STOPPED = ("110.000", "110.000", "109.700", "109.750")  # fills a long at 110.00, stops it


def clock_plan(units: int, risk: str) -> object:
    body = (
        f"entries:\n  - {{name: r, side: long, when: close >= 110, units: {units}}}\n"
        f"exits:\n  stop_loss: 20 pips\nrisk: {{{risk}}}\n"
    )
    return strategy(body, symbol=USDJPY)


def test_the_daily_loss_limit_blocks_the_rest_of_the_day_and_resets_the_next() -> None:
    # A signal is judged at its row's close, which is the next row's start (signals.csv time).
    rows = [
        (600, *SIGNAL),  # Mon 10:00: enter 100,000 units
        (601, *STOPPED),  # stopped 20 pips lower: -20,000 JPY, 2% of 1,000,000
        (602, *SIGNAL),  # refused: the limit is reached
        (1318, *SIGNAL),  # 21:58: still Monday's FX day: refused
        (1319, *QUIET),  # 21:59: the day's last row
        (1320, *SIGNAL),  # 22:00 UTC = 17:00 New York: a new day starting at 980,000
        (1321, *SIGNAL),
    ]
    run = backtest(clock_plan(100000, "daily_loss_limit: 2%"), timed_rows(rows))
    limit = (
        "daily_loss_limit_reached: equity 980000 is 2% below the start of day 1000000 "
        "(limit 2%): no entries today"
    )
    assert signals_csv(run, "time", "accepted", "reason") == [
        ("2025-01-06T10:01:00+00:00", "true", ""),
        ("2025-01-06T21:58:00+00:00", "false", limit),
        ("2025-01-06T21:59:00+00:00", "false", limit),
        ("2025-01-06T22:01:00+00:00", "true", ""),
    ]
    assert trades_csv(run, "entry_time", "exit_price", "exit_reason", "pnl") == [
        ("2025-01-06T10:01:00+00:00", "109.8", "stop_loss", "-20000"),
        ("2025-01-06T22:01:00+00:00", "110", "end_of_data", "0"),
    ]


def test_a_day_starts_from_the_equity_at_its_start_not_at_the_last_entry() -> None:
    # Monday loses 1.5%. Tuesday loses 1.5% of 985,000 (1.52%): still below the 2% limit for
    # Tuesday, although 3% below the equity when Monday's entry was decided.
    rows = [
        (600, *SIGNAL),
        (601, *STOPPED),  # -15,000: 985,000
        (1319, *QUIET),
        (1380, *SIGNAL),  # Mon 23:00 UTC: Tuesday's FX day
        (1381, *STOPPED),  # -15,000: 970,000
        (1390, *SIGNAL),
        (1391, *QUIET),
    ]
    run = backtest(clock_plan(75000, "daily_loss_limit: 2%"), timed_rows(rows))
    assert [accepted for (accepted,) in signals_csv(run, "accepted")] == ["true"] * 3
    assert [t.pnl for t in run.result.trades] == [D(-15000), D(-15000), D(0)]


def test_the_drawdown_halt_stays_across_days() -> None:
    rows = [
        (600, *SIGNAL),
        (601, *STOPPED),  # 980,000: 2% below the peak, under the 3% limit
        (602, *SIGNAL),
        (603, *STOPPED),  # 960,000: 4%
        (604, *SIGNAL),  # refused: halted
        (1319, *QUIET),
        (1500, *SIGNAL),  # Tuesday: still halted
        (1501, *QUIET),
    ]
    run = backtest(clock_plan(100000, "max_drawdown: 3%"), timed_rows(rows))
    halt = "drawdown_halt: equity 960000 is 4% below its peak 1000000 (limit 3%): trading halted"
    assert signals_csv(run, "time", "accepted", "reason") == [
        ("2025-01-06T10:01:00+00:00", "true", ""),
        ("2025-01-06T10:03:00+00:00", "true", ""),
        ("2025-01-06T21:59:00+00:00", "false", halt),
    ]
    # The halted rule stops (one refusal, not one per later signal): Tuesday's signal is not
    # even considered, and no trade opens after the halt.
    assert len(run.result.trades) == 2
    (alert,) = [a for a in run.result.alerts if a.kind == "drawdown_halt"]
    assert "below its peak" in alert.message
