"""The entry points: a path or the content of a file in, checked `MarketData` out.

They only chain the stages (bytes to lines, header, fast or row-by-row parse, build, window and
gaps) and drop each stage's input once the next holds what it needs, so a large file is never
held in memory twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tradeplan.backtest.data.build import _parse_default_spread, _validate_and_build
from tradeplan.backtest.data.columns import _Columns
from tradeplan.backtest.data.fast import _parse_fast
from tradeplan.backtest.data.issues import _issue
from tradeplan.backtest.data.model import DataError, MarketData, OpenTime
from tradeplan.backtest.data.parsed import _Fallback, _Parsed
from tradeplan.backtest.data.reading import _read_table, _Table, _to_buffer
from tradeplan.backtest.data.rowwise import _parse_slow
from tradeplan.backtest.data.window import _slice_and_check_gaps
from tradeplan.diagnostics import Span


def load_market_data(
    path: str | Path,
    *,
    default_spread: Decimal | str | None = None,
    start: str | datetime | date | None = None,
    end: str | datetime | date | None = None,
    gap_threshold: timedelta | None = None,
    open_between: OpenTime | None = None,
) -> MarketData:
    """Read a CSV (plain or .gz) of bars or ticks; raise DataError naming every bad row.

    `start` and `end` are inclusive; a date alone covers that whole UTC day. Gaps in time longer
    than `gap_threshold` (default: twice the usual bar interval for bars, one hour for ticks) are
    reported as one warning in `issues`, never as an error. With `open_between` (the open market
    time between two row times, `core.calendar.open_ns_between`) only open time counts, so
    weekends and nights the instrument's calendar explains are not gaps.
    """
    file = Path(path)
    try:
        content = file.read_bytes()
    except OSError as exc:
        span = Span(str(file), 1, 1)
        raise DataError([_issue(span, f"cannot read the file: {exc.strerror or exc}")]) from None
    return parse_market_data(
        content,
        source=str(file),
        default_spread=default_spread,
        start=start,
        end=end,
        gap_threshold=gap_threshold,
        open_between=open_between,
    )


def parse_market_data(
    content: bytes | str,
    *,
    source: str = "<data>",
    default_spread: Decimal | str | None = None,
    start: str | datetime | date | None = None,
    end: str | datetime | date | None = None,
    gap_threshold: timedelta | None = None,
    open_between: OpenTime | None = None,
) -> MarketData:
    """As `load_market_data`, from the file's content (gzip is recognised by its magic bytes)."""
    spread_default = _parse_default_spread(default_spread)
    raw = content.encode("utf-8") if isinstance(content, str) else content
    table = _read_table(_to_buffer(raw, source), source)
    del raw, content  # the table holds the text, and is dropped once the columns are parsed
    columns = _Columns.from_header(table.header, source)
    if table.line_start.size == 0:
        raise DataError([_issue(Span(source, 1, 1), "the file has no data rows")])
    parsed = _parse_rows(table, columns, source)
    del table
    data = _validate_and_build(parsed, columns, source, spread_default)
    return _slice_and_check_gaps(data, start, end, gap_threshold, open_between)


def _parse_rows(table: _Table, columns: _Columns, source: str) -> _Parsed:
    try:
        return _parse_fast(table, columns)
    except _Fallback:
        return _parse_slow(table, columns, source)
