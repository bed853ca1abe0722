"""Break-even with a clock, time exits and exit signals, end to end (SEMANTICS.md section 2).

Each run is a USD/JPY strategy of 10,000 units on one-minute bars from Monday 10:00 UTC. The
signal `close crosses_above 109.995` is true once, at the close of the 10:01 row; the market
entry fills at the open of the 10:02 row. A clock deadline D fires at the close of the first row
whose close is at or after D, and the position is closed at market at the next row's open.
"""

from __future__ import annotations

from api_harness import backtest, orders_csv, strategy, timed_rows, trades_csv

USDJPY = "{symbol: USD/JPY, pip: 0.01}"


def plan(exits: str, *, side: str = "long") -> object:
    when = "close crosses_above 109.995" if side == "long" else "close crosses_below 110.005"
    body = f"entries:\n  - {{name: r, side: {side}, when: {when}, units: 10000}}\nexits:\n{exits}"
    return strategy(body, symbol=USDJPY)


def at(minute: int, price: str, high: str | None = None, low: str | None = None) -> tuple:  # type: ignore[type-arg]
    """A row at 10:00 + `minute` opening and closing at `price` (unless high/low say more)."""
    return (600 + minute, price, high or price, low or price, price)


def entry_rows() -> list[tuple]:  # type: ignore[type-arg]
    return [at(0, "109.990"), at(1, "110.000")]


def test_break_even_moves_the_stop_to_the_entry_plus_the_offset() -> None:
    rows = [
        *entry_rows(),
        (602, "110.000", "110.100", "109.950", "110.050"),  # the long fills at 110.000
        (603, "110.050", "110.250", "110.050", "110.200"),  # 20 pips of profit at 110.200
        (604, "110.150", "110.150", "109.950", "109.960"),  # falls through the new stop
        at(5, "109.960"),
    ]
    exits = (
        "  stop_loss: 20 pips\n  take_profit: 100 pips\n"
        "  break_even: {at: 20 pips, offset: 2 pips}\n"
    )
    run = backtest(plan(exits), timed_rows(rows))
    assert trades_csv(run, "entry_price", "exit_time", "exit_price", "exit_reason", "pnl") == [
        ("110", "2025-01-06T10:04:00+00:00", "110.02", "break_even", "200")
    ]
    assert orders_csv(run, "order_id", "type", "trigger", "price", "event", "fill_price") == [
        ("1", "market", "", "", "placed", ""),
        ("1", "market", "", "", "filled", "110"),
        ("2", "limit", "", "111", "placed", ""),
        ("3", "stop", "109.8", "", "placed", ""),
        ("3", "stop", "109.8", "", "cancelled", ""),  # profit reached: the stop is replaced
        ("5", "stop", "110.02", "", "placed", ""),  # ... at the entry + 2 pips
        ("5", "stop", "110.02", "", "filled", "110.02"),
        ("2", "limit", "", "111", "cancelled", ""),
    ]


def test_break_even_on_a_short_watches_the_ask() -> None:
    # A short fills at the Bid 110.000 (spread 1 pip); 20 pips of profit means the Ask, where
    # it would close, at 109.800; the buy stop then moves to 110.000 - 2 pips = 109.980.
    rows = [
        (600, "110.010", "110.010", "110.010", "110.010", "0.010"),
        (601, "110.000", "110.000", "110.000", "110.000", "0.010"),
        (602, "110.000", "110.000", "109.850", "109.850", "0.010"),  # Ask 109.860: not yet
        (603, "109.850", "109.850", "109.790", "109.800", "0.010"),  # Ask 109.800: reached
        (604, "109.900", "110.000", "109.900", "110.000", "0.010"),  # Ask 110.010 >= 109.980
        (605, "110.000", "110.000", "110.000", "110.000", "0.010"),
    ]
    exits = "  stop_loss: 20 pips\n  break_even: {at: 20 pips, offset: 2 pips}\n"
    run = backtest(plan(exits, side="short"), timed_rows(rows))
    assert trades_csv(run, "side", "entry_price", "exit_price", "exit_reason", "pnl") == [
        ("sell", "110", "109.98", "break_even", "200")
    ]
    placed = [row[1:] for row in orders_csv(run, "event", "side", "trigger") if row[0] == "placed"]
    # The first stop is 20 pips + the 1-pip spread above the fill.
    assert placed == [("sell", ""), ("buy", "110.21"), ("buy", "109.98")]


WITHIN = "  stop_loss: 20 pips\n  break_even: {{at: 20 pips, within: 30m, otherwise: {0}}}\n"


def held_flat(minutes: int, price: str = "110.050") -> list[tuple]:  # type: ignore[type-arg]
    """Filled at 110.000 at 10:02, then `price` until 10:00 + `minutes`."""
    return [*entry_rows(), at(2, "110.000"), *(at(m, price) for m in range(3, minutes))]


def test_break_even_not_reached_in_time_closes_at_market() -> None:
    # Filled at 10:02; 30 minutes later (10:32) the clock runs out at the close of the 10:31
    # row, and the market order fills at the 10:32 row's open.
    run = backtest(plan(WITHIN.format("close")), timed_rows(held_flat(40)))
    assert trades_csv(run, "exit_time", "exit_price", "exit_reason", "pnl") == [
        ("2025-01-06T10:32:00+00:00", "110.05", "break_even_timeout", "500")
    ]
    closing = orders_csv(run, "time", "order_id", "type", "side", "event", "reason")[-3:]
    assert closing == [
        ("2025-01-06T10:32:00+00:00", "2", "stop", "sell", "cancelled", ""),
        (
            "2025-01-06T10:32:00+00:00",
            "4",  # id 3 went to the break-even watch
            "market",
            "sell",
            "placed",
            "break_even_timeout: 20 pips of profit not reached within 30m",
        ),
        ("2025-01-06T10:32:00+00:00", "4", "market", "sell", "filled", "market"),
    ]


def test_break_even_reached_in_time_stops_the_clock() -> None:
    rows = [*entry_rows(), at(2, "110.000"), at(3, "110.200")]
    rows += [at(m, "110.100") for m in range(4, 40)]
    run = backtest(plan(WITHIN.format("close")), timed_rows(rows))
    assert trades_csv(run, "exit_reason") == [("end_of_data",)]
    # The stop is placed, replaced by the break-even stop at 110, which the end cancels.
    assert [t for (t,) in orders_csv(run, "trigger") if t] == ["109.8", "109.8", "110", "110"]


def test_otherwise_keep_only_stops_watching() -> None:
    run = backtest(plan(WITHIN.format("keep")), timed_rows(held_flat(40)))
    assert trades_csv(run, "exit_time", "exit_reason") == [
        ("2025-01-06T10:40:00+00:00", "end_of_data")  # the last row's close
    ]


def test_time_exit_after_a_duration() -> None:
    # Filled at 10:02; 2h later is 12:02: closed at the 12:02 row's open.
    rows = [*held_flat(122), at(122, "110.300"), at(123, "110.300")]
    run = backtest(plan("  stop_loss: 20 pips\n  time_exit: 2h\n"), timed_rows(rows))
    assert trades_csv(run, "exit_time", "exit_price", "exit_reason", "pnl") == [
        ("2025-01-06T12:02:00+00:00", "110.3", "time_exit", "3000")
    ]
    placed = [r[1:] for r in orders_csv(run, "event", "type", "reason") if r[0] == "placed"]
    assert placed[-1] == ("market", "time_exit: held 2h")


def test_time_exit_at_a_clock_time() -> None:
    # 16:45 New York is 21:45 UTC in January. The rows jump from 10:05 to 21:40.
    rows = [
        *held_flat(6),
        (1300, "110.100", "110.100", "110.100", "110.100"),
        (1304, "110.200", "110.200", "110.200", "110.200"),  # its close (21:45) is the deadline
        (1305, "110.300", "110.300", "110.300", "110.300"),  # closed at this open
        (1306, "110.400", "110.400", "110.400", "110.400"),
    ]
    exits = "  stop_loss: 20 pips\n  time_exit: '16:45 America/New_York'\n"
    run = backtest(plan(exits), timed_rows(rows))
    assert trades_csv(run, "exit_time", "exit_price", "exit_reason") == [
        ("2025-01-06T21:45:00+00:00", "110.3", "time_exit")
    ]
    assert orders_csv(run, "reason")[-2] == ("time_exit: 16:45 America/New_York",)


def test_exit_when_closes_at_the_next_open() -> None:
    rows = [*entry_rows(), at(2, "110.000"), at(3, "109.980"), at(4, "109.970"), at(5, "109.960")]
    exits = "  stop_loss: 20 pips\n  exit_when: close < 110\n"
    run = backtest(plan(exits), timed_rows(rows))
    assert trades_csv(run, "exit_time", "exit_price", "exit_reason", "pnl") == [
        ("2025-01-06T10:04:00+00:00", "109.97", "signal", "-300")
    ]
    placed = [r[1:] for r in orders_csv(run, "event", "type", "reason") if r[0] == "placed"]
    assert placed[-1] == ("market", "exit_when true at the close")
