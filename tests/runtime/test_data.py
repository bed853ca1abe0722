"""Loading market data: formats, exact prices, row-numbered errors, gaps, slicing."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeplan.backtest import data as data_module
from tradeplan.backtest.data import (
    DataError,
    DataKind,
    load_market_data,
    ns_from_datetime,
    parse_market_data,
)
from tradeplan.diagnostics import Severity

ROOT = Path(__file__).resolve().parents[2]
NS = 1_000_000_000
T0 = int(datetime(2025, 1, 2, tzinfo=UTC).timestamp())  # 1735776000

BARS = """time,open,high,low,close,volume,spread
2025-01-02T00:00:00+00:00,110.100,110.150,110.050,110.123,12,0.004
2025-01-02T00:01:00+00:00,110.123,110.2,110.1,110.19,7,0.003
2025-01-02T00:02:00+00:00,110.19,110.19,110.0,110.001,0,0.003
"""


def error_text(content: str, **kwargs: object) -> str:
    with pytest.raises(DataError) as caught:
        parse_market_data(content, source="f.csv", **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


# --------------------------------------------------------------------------------------------
# What is read


def test_bars_become_exact_scaled_integers_and_float_copies() -> None:
    data = parse_market_data(BARS)
    assert data.kind is DataKind.BARS
    assert len(data) == 3
    assert data.decimals == 3  # the most decimals any price has
    assert data.close_scaled.tolist() == [110123, 110190, 110001]
    assert data.high_scaled.tolist() == [110150, 110200, 110190]
    assert data.price("close", 1) == Decimal("110.190")
    assert data.price("ask", 0) == Decimal("110.127")
    assert data.close.dtype == np.float64
    assert data.close.tolist() == [110.123, 110.19, 110.001]
    assert data.volume.tolist() == [12.0, 7.0, 0.0]
    assert data.time_ns.tolist() == [T0 * NS, (T0 + 60) * NS, (T0 + 120) * NS]
    assert data.spread_from_file and data.has_volume
    assert data.issues == ()


def test_decimal_of_a_row_is_exactly_the_written_text() -> None:
    data = parse_market_data("time,price\n2025-01-02T00:00:00Z,0.1\n2025-01-02T00:00:01Z,0.2\n")
    total = data.price("close", 0) + data.price("close", 1)
    assert total == Decimal("0.3")  # 0.1 + 0.2 as floats would not be
    assert data.to_scaled(Decimal("0.3")) == 3
    with pytest.raises(ValueError, match="more than 1 decimals"):
        data.to_scaled(Decimal("0.35"))


def test_bar_gives_every_price_as_decimal_and_an_aware_time() -> None:
    bar = parse_market_data(BARS).bar(2)
    assert bar.time == datetime(2025, 1, 2, 0, 2, tzinfo=UTC)
    assert (bar.open, bar.high, bar.low, bar.close) == (
        Decimal("110.190"),
        Decimal("110.190"),
        Decimal("110.000"),
        Decimal("110.001"),
    )
    assert bar.spread == Decimal("0.003")
    assert bar.ask_close == Decimal("110.004")


@pytest.mark.parametrize(
    "stamp",
    [
        "2025-01-02T09:30:00-05:00",
        "2025-01-02T14:30:00Z",
        "2025-01-02 14:30:00+00:00",
        "1735828200",
        "1735828200000",
        "1735828200000000",
        "1735828200000000000",
    ],
)
def test_every_time_form_means_the_same_moment(stamp: str) -> None:
    data = parse_market_data(f"time,price\n{stamp},1.5\n")
    assert data.time_ns.tolist() == [1_735_828_200 * NS]


def test_fractional_seconds_are_kept() -> None:
    text = "time,bid,ask\n2025-01-06T00:00:00.946+00:00,110.199,110.203\n"
    text += "2025-01-06T00:00:01.5+00:00,110.2,110.21\n"  # another width: the careful path
    data = parse_market_data(text)
    assert data.time_ns.tolist() == [
        1_736_121_600 * NS + 946_000_000,
        1_736_121_601 * NS + 500_000_000,
    ]


def test_ticks_with_bid_and_ask_are_one_point_bars() -> None:
    data = parse_market_data("time,bid,ask\n1735776000,110.199,110.203\n1735776001,110.2,110.21\n")
    assert data.kind is DataKind.TICKS
    assert data.close_scaled.tolist() == data.open_scaled.tolist() == [110199, 110200]
    assert data.spread_scaled.tolist() == [4, 10]
    assert data.price("ask", 1) == Decimal("110.210")
    assert not data.has_volume and np.isnan(data.volume).all()


def test_price_ticks_take_the_default_spread() -> None:
    data = parse_market_data("time,price\n1735776000,110.2\n", default_spread="0.005")
    assert data.decimals == 3  # the spread's decimals widen the grid
    assert data.price("bid", 0) == Decimal("110.2")
    assert data.price("ask", 0) == Decimal("110.205")


def test_bars_without_spread_use_the_default_and_say_so_when_there_is_none() -> None:
    text = "time,open,high,low,close\n1735776000,1.1,1.2,1.0,1.15\n"
    with_default = parse_market_data(text, default_spread=Decimal("0.0002"))
    assert with_default.spread_scaled.tolist() == [2]
    assert with_default.price("close", 0) == Decimal("1.15")
    assert not with_default.spread_from_file
    assert with_default.issues == ()
    without = parse_market_data(text)
    assert without.spread_scaled.tolist() == [0]
    assert [i.severity for i in without.issues] == [Severity.WARNING]
    assert "--spread" in without.issues[0].message


def test_a_spread_column_wins_over_the_default() -> None:
    data = parse_market_data(BARS, default_spread="0.5")
    assert data.spread_scaled.tolist() == [4, 3, 3]


def test_header_order_case_aliases_comments_and_blank_lines() -> None:
    text = (
        "# exported by hand\n"
        "Close,Timestamp,Low,High,Open\n"
        "\n"
        "1.15,1735776000,1.0,1.2,1.1\n"
        "# a comment between rows\n"
        "1.16,1735776060,1.1,1.2,1.15\r\n"
    )
    data = parse_market_data(text, default_spread="0")
    assert data.close_scaled.tolist() == [115, 116]
    assert data.open_scaled.tolist() == [110, 115]


def test_quoted_fields_are_read() -> None:
    text = 'time,open,high,low,close\n"2025-01-02T00:00:00Z","1.5","2.0",1,"1.25"\n'
    data = parse_market_data(text)
    assert data.price("low", 0) == Decimal("1.00")
    assert data.price("close", 0) == Decimal("1.25")


def test_gzip_and_plain_files_load_the_same(tmp_path: Path) -> None:
    plain = tmp_path / "bars.csv"
    packed = tmp_path / "bars.csv.gz"
    plain.write_text(BARS)
    packed.write_bytes(gzip.compress(BARS.encode()))
    a, b = load_market_data(plain), load_market_data(packed)
    assert a.close_scaled.tolist() == b.close_scaled.tolist()
    assert a.time_ns.tolist() == b.time_ns.tolist()
    assert b.source == str(packed)


def test_a_last_line_without_newline_is_read() -> None:
    assert len(parse_market_data(BARS.rstrip("\n"))) == 3


# --------------------------------------------------------------------------------------------
# Errors name the row (1-based data row) and the file line


def test_unsorted_rows_are_named() -> None:
    text = BARS.replace("2025-01-02T00:02:00", "2025-01-01T23:59:00")
    message = error_text(text)
    assert "f.csv:4:1: error: row 3: time 2025-01-01T23:59:00+00:00 is earlier than row 2" in (
        message
    )
    assert "sorted" in message


def test_duplicate_timestamps_are_named() -> None:
    text = BARS.replace("2025-01-02T00:02:00", "2025-01-02T00:01:00")
    assert "f.csv:4:1: error: row 3: time 2025-01-02T00:01:00+00:00 repeats row 2" in error_text(
        text
    )


def test_high_below_low_is_named_with_the_column() -> None:
    text = BARS.replace("110.123,110.2,110.1,110.19", "110.123,110.0,110.1,110.19")
    message = error_text(text)
    assert "f.csv:3:35: error: row 2: high 110 is below low 110.1" in message


def test_open_or_close_outside_the_range_is_named() -> None:
    text = BARS.replace("110.19,110.19,110.0,110.001", "110.25,110.19,110.0,110.001")
    assert "row 3: open 110.25 is outside the bar's range low 110 - high 110.19" in error_text(text)
    text = BARS.replace("110.19,110.19,110.0,110.001", "110.19,110.19,110.0,109.9")
    assert "row 3: close 109.9 is outside" in error_text(text)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("", "`close` is empty"), ("NaN", "`close` is not a number: 'NaN'"), ("abc", "'abc'")],
)
def test_empty_and_nan_values_are_named(cell: str, expected: str) -> None:
    text = BARS.replace(",110.19,7,", f",{cell},7,")
    message = error_text(text)
    assert "f.csv:3:" in message and "row 2:" in message
    assert expected in message


def test_a_row_with_missing_fields_is_named() -> None:
    text = BARS.replace("110.123,110.2,110.1,110.19,7,0.003", "110.123,110.2,110.1,110.19")
    assert "f.csv:3:1: error: row 2: expected 7 fields" in error_text(text)


def test_line_numbers_count_comments_and_blank_lines() -> None:
    text = "time,price\n# note\n\n1735776000,1.0\n1735775999,1.0\n"
    assert "f.csv:5:1: error: row 2: time" in error_text(text)


def test_unknown_column_gets_a_suggestion() -> None:
    message = error_text("time,open,high,low,clsoe\n1735776000,1,1,1,1\n")
    assert "f.csv:1:20: error: unknown column `clsoe`; did you mean `close`?" in message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("time,open,high,close", "bar files need low as well"),
        ("open,high,low,close", "no `time` column"),
        ("time,bid", "both `bid` and `ask`"),
        ("time,open,high,low,close,bid", "not both"),
        ("time,volume", "no price columns"),
        ("time,price,price", "appears twice"),
    ],
)
def test_headers_that_cannot_work_are_refused(header: str, expected: str) -> None:
    assert expected in error_text(f"{header}\n1,2,3,4,5,6\n")


def test_a_file_without_header_is_refused() -> None:
    assert "the first line must be a header" in error_text("1735776000,1,2,0.5,1.5\n")


def test_a_time_without_offset_is_refused_with_a_hint() -> None:
    message = error_text("time,price\n2025-01-02T00:00:00,1.0\n")
    assert "row 1: `time` '2025-01-02T00:00:00' has no UTC offset" in message
    assert "2025-01-02T00:00:00Z" in message


def test_every_bad_row_is_reported_at_once_up_to_a_limit() -> None:
    rows = "\n".join(f"{1735776000 + i},1.0,0.5,0.9,0.7" for i in range(120))
    message = error_text("time,open,high,low,close\n" + rows + "\n")
    assert "row 1: high 0.5 is below low 0.9" in message
    assert "... and" in message  # the message lists 20 and counts the rest
    with pytest.raises(DataError) as caught:
        parse_market_data("time,open,high,low,close\n" + rows + "\n")
    assert "70 more rows have the same problems" in caught.value.issues[-1].message


def test_empty_and_header_only_files_are_refused() -> None:
    assert "empty" in error_text("")
    assert "no data rows" in error_text("time,price\n")


def test_a_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read the file"):
        load_market_data(tmp_path / "nope.csv")


# --------------------------------------------------------------------------------------------
# Gaps and slicing


def test_gaps_are_one_warning_with_count_and_largest() -> None:
    times = [T0, T0 + 60, T0 + 120, T0 + 600, T0 + 660, T0 + 3 * 86400]
    rows = "".join(f"{t},1.0,1.0,1.0,1.0\n" for t in times)
    data = parse_market_data("time,open,high,low,close\n" + rows, default_spread="0.1")
    assert len(data) == 6
    (gap,) = data.issues
    assert gap.severity is Severity.WARNING
    assert gap.message.startswith("2 gaps in time longer than 2m (twice the usual interval of 1m)")
    assert "the largest is 2d 23h 49m, from 2025-01-02T00:11:00+00:00 (row 5)" in gap.message


def test_tick_gaps_count_from_an_hour_and_the_threshold_can_be_set() -> None:
    rows = "".join(f"{t},1.0\n" for t in [T0, T0 + 5, T0 + 7205])
    (gap,) = parse_market_data("time,price\n" + rows, default_spread="0").issues
    assert gap.message.startswith("1 gap in time longer than 1h; the largest is 2h, from")
    rows = "".join(f"{t},1.0\n" for t in [T0, T0 + 60, T0 + 600])
    data = parse_market_data(
        "time,price\n" + rows, default_spread="0", gap_threshold=timedelta(hours=1)
    )
    assert data.issues == ()


def test_from_and_to_slice_by_time_with_dates_covering_whole_days() -> None:
    rows = "".join(f"{T0 + d * 86400 + h * 3600},1.{d}\n" for d in range(4) for h in (0, 12))
    text = "time,price\n" + rows
    data = parse_market_data(text, start="2025-01-03", end="2025-01-04", default_spread="0")
    assert [ns // NS for ns in data.time_ns.tolist()] == [
        T0 + 86400,
        T0 + 86400 + 43200,
        T0 + 2 * 86400,
        T0 + 2 * 86400 + 43200,
    ]
    data = parse_market_data(
        text,
        start="2025-01-03T12:00:00+00:00",
        end=datetime(2025, 1, 4, tzinfo=UTC),
        default_spread="0",
    )
    assert len(data) == 2  # 03 12:00 and 04 00:00 (a full time is inclusive)
    with pytest.raises(DataError, match="no rows between --from and --to"):
        parse_market_data(text, start="2026-01-01", default_spread="0")
    with pytest.raises(ValueError, match="cannot read 'soon'"):
        parse_market_data(text, start="soon")


def test_slices_are_views_of_the_same_arrays() -> None:
    data = parse_market_data(BARS)
    part = data.slice_rows(1, 3)
    assert part.close_scaled.base is not None
    assert part.price("close", 0) == Decimal("110.190")
    assert ns_from_datetime(part.time_at(0)) == (T0 + 60) * NS


# --------------------------------------------------------------------------------------------
# The fast path and the careful path agree


def _slow(content: str) -> data_module.MarketData:
    """Force the row-by-row parser by quoting one field (the fast path never reads quotes)."""
    header, first, *rest = content.split("\n")
    cells = first.split(",")
    cells[1] = f'"{cells[1]}"'
    return parse_market_data("\n".join([header, ",".join(cells), *rest]), default_spread="0")


price_text = st.builds(
    lambda whole, frac, places: (
        f"{whole}.{str(frac).zfill(places)[:places]}" if places else str(whole)
    ),
    st.integers(1, 99999),
    st.integers(0, 10**6),
    st.integers(0, 6),
)


@settings(max_examples=60, deadline=None)
@given(
    prices=st.lists(price_text, min_size=1, max_size=40),
    epoch=st.booleans(),
    fraction=st.booleans(),
)
def test_fast_and_row_by_row_parsers_agree(prices: list[str], epoch: bool, fraction: bool) -> None:
    lines = []
    for i, price in enumerate(prices):
        moment = datetime(2025, 3, 9, 6, tzinfo=UTC) + timedelta(seconds=37 * i)
        if epoch:
            stamp = str(int(moment.timestamp()) * 1000 + (i % 1000 if fraction else 0))
        else:
            stamp = moment.isoformat(timespec="milliseconds" if fraction else "seconds")
        lines.append(f"{stamp},{price}")
    content = "time,price\n" + "\n".join(lines) + "\n"
    fast = parse_market_data(content, default_spread="0")
    slow = _slow(content)
    assert fast.decimals == slow.decimals
    assert fast.close_scaled.tolist() == slow.close_scaled.tolist()
    assert fast.time_ns.tolist() == slow.time_ns.tolist()
    assert [fast.price("close", i) for i in range(len(prices))] == [Decimal(p) for p in prices]


# --------------------------------------------------------------------------------------------
# The bundled data


@pytest.mark.parametrize(
    ("name", "decimals", "kind"),
    [
        ("usdjpy_1m_2025.csv.gz", 3, DataKind.BARS),
        ("eurusd_1m_2025.csv.gz", 5, DataKind.BARS),
        ("btcusdt_1m_2025.csv.gz", 1, DataKind.BARS),
        ("nvda_1m_2025.csv.gz", 2, DataKind.BARS),
        ("usdjpy_ticks_sample.csv.gz", 3, DataKind.TICKS),
    ],
)
def test_bundled_files_load_clean(name: str, decimals: int, kind: DataKind) -> None:
    data = load_market_data(ROOT / "data" / name)
    assert data.kind is kind and data.decimals == decimals
    assert all(issue.severity is Severity.WARNING for issue in data.issues)
    assert np.all(np.diff(data.time_ns) > 0)
    if kind is DataKind.BARS:
        span = (data.time_ns[-1] - data.time_ns[0]) / NS / 86400
        assert span > 360  # a year of 1-minute bars
        assert np.all(data.spread_scaled > 0)
