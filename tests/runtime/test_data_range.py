"""Issue 7 item 15: times past int64 nanoseconds and non-positive prices are errors, not data."""

from __future__ import annotations

import pytest

from tradeplan.runtime.data import DataError, parse_market_data

HEADER = "time,open,high,low,close\n"


def _error(text: str) -> str:
    with pytest.raises(DataError) as caught:
        parse_market_data(text, source="bars.csv")
    return str(caught.value)


@pytest.mark.parametrize(
    "rows",
    [
        "9300000000,1,1,1,1\n9300000060,1,1,1,1\n",  # epoch seconds past 2262
        "2263-01-01T00:00:00Z,1,1,1,1\n2263-01-01T00:01:00Z,1,1,1,1\n",
        "1600-01-01T00:00:00Z,1,1,1,1\n1600-01-01T00:01:00Z,1,1,1,1\n",
    ],
)
def test_times_outside_int64_nanoseconds_name_file_line_and_row(rows: str) -> None:
    message = _error(HEADER + rows)
    assert "bars.csv:2:1: error: row 1:" in message
    assert "outside the times a backtest can hold" in message


def test_zero_and_negative_prices_are_errors() -> None:
    message = _error(HEADER + "1700000000,1,1,1,1\n1700000060,0,1,0,1\n1700000120,-1,1,-1,1\n")
    assert "bars.csv:3:12: error: row 2: open 0 is not positive" in message
    assert "bars.csv:4:17: error: row 3: low -1 is not positive" in message


def test_zero_tick_price_is_an_error() -> None:
    message = _error("time,bid,ask\n1700000000,1.1,1.2\n1700000001,0,0.1\n")
    assert "row 2: bid 0 is not positive" in message
