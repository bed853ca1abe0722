"""Every orders.csv row of a trailing order shows its current stop (and limit) level (issue 7,
item 10): the `placed` row too, which used to leave `trigger` and `price` empty.

US.AAPL, 10 shares, spread 0; the long fills at the 100 open of the third row.
"""

from __future__ import annotations

from api_harness import backtest, orders_csv, strategy, timed_rows


def _rows(*closes: str) -> list[tuple[object, ...]]:
    start = 5 * 60 + 10 * 60  # 10:00 New York on Monday 2025-01-06
    rows: list[tuple[object, ...]] = [
        (start, "100", "100", "100", "100"),
        (start + 1, "100", "101", "100", "101"),  # the signal holds at this close
    ]
    for i, close in enumerate(("100", *closes)):
        rows.append((start + 2 + i, close, close, close, close))
    return rows


def _trailing_rows(exits: str, *closes: str) -> list[tuple[str, ...]]:
    body = (
        "entries:\n  - {name: r, side: long, when: close crosses_above 100.5, units: 10}\n"
        f"exits:\n{exits}"
    )
    plan = strategy(body, symbol="US.AAPL", account="{currency: USD, balance: 100000}")
    run = backtest(plan, timed_rows(_rows(*closes)))
    cells = orders_csv(run, "type", "event", "trigger", "price")
    return [row[1:] for row in cells if row[0].startswith("trailing")]


def test_a_trailing_stop_shows_its_starting_stop_on_the_placed_row() -> None:
    # Trailing 3% from the 100 fill: stop 97; the price falls, the stop stays and fires at 97.
    rows = _trailing_rows("  trailing: 3%\n", "98", "96.5", "96.5")
    assert rows[0] == ("placed", "97", "")
    assert rows[-1][:2] == ("filled", "97")


def test_a_trailing_stop_limit_shows_its_stop_and_limit_on_every_row() -> None:
    # 3% under the peak, limit 0.20 under the stop: placed 97 / 96.80; at 110 the stop is
    # 106.70 and the limit 106.50, shown on the triggered row when the price falls to 106.
    rows = _trailing_rows("  trailing: {trail: 3%, spread: 0.20}\n", "110", "106", "106")
    assert rows[0] == ("placed", "97", "96.8")
    assert ("triggered", "106.7", "106.5") in rows
    assert all(trigger and price for _, trigger, price in rows)


def test_the_placed_level_is_the_level_the_broker_works() -> None:
    # The market never rises after the fill: the stop fires at the placed level exactly.
    rows = _trailing_rows("  trailing: $2\n", "99", "97.9", "97.9")
    assert rows[0] == ("placed", "98", "")
    assert rows[-1][:2] == ("filled", "98")
