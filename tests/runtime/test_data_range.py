"""Issue 7 item 15: times past int64 nanoseconds and non-positive prices are errors, not data."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from tradeplan.backtest.data import DataError, load_market_data, parse_market_data

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


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda packed: packed[: len(packed) // 2], "cut short"),
        (lambda packed: packed[:12], "cut short"),
        (lambda packed: packed + b"trailing junk", "broken gzip file"),
    ],
)
def test_a_damaged_gzip_file_is_a_data_error_naming_the_file(
    tmp_path: Path, damage: Callable[[bytes], bytes], says: str
) -> None:
    rows = "".join(f"2025-01-06T00:{m:02d}:00+00:00,1,1,1,1\n" for m in range(60))
    path = tmp_path / "bars.csv.gz"
    path.write_bytes(damage(gzip.compress(("time,open,high,low,close\n" + rows).encode())))
    with pytest.raises(DataError) as caught:
        load_market_data(path)
    (issue,) = caught.value.issues
    assert issue.span.file == str(path)
    assert says in issue.message


@pytest.mark.parametrize("price", ["1e-999", "1e999999999", "9e40"])
def test_prices_with_absurd_exponents_are_row_errors(price: str) -> None:
    message = _error(HEADER + f"2025-01-06T00:00:00+00:00,{price},2,1,1.5\n")
    assert "bars.csv:2" in message
    assert "out of range" in message


def test_to_is_inclusive_as_the_help_and_docs_say() -> None:
    rows = "".join(f"2025-01-06T14:{m}:00+00:00,1,1,1,1\n" for m in (29, 30, 31))
    data = parse_market_data(HEADER + rows, source="bars.csv", end="2025-01-06T14:30:00+00:00")
    assert [str(data.time_at(i)) for i in range(len(data))] == [
        "2025-01-06 14:29:00+00:00",
        "2025-01-06 14:30:00+00:00",
    ]
    day = parse_market_data(HEADER + rows, source="bars.csv", start="2025-01-06", end="2025-01-06")
    assert len(day) == 3
