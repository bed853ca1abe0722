"""The rows a run uses (`--from` / `--to`), and the warning about gaps in time.

Both act on a file already known to be sound and sorted: the window is a view found by binary
search, and gaps are counted only inside it, in open market time when the instrument's calendar
is given, so nights and weekends it explains are not reported.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import numpy as np

from tradeplan.backtest.data.issues import _iso, _issue
from tradeplan.backtest.data.model import (
    DataError,
    DataIssue,
    DataKind,
    MarketData,
    OpenTime,
    parse_bound,
)
from tradeplan.core.epoch import NS_PER_SECOND
from tradeplan.diagnostics import Severity, Span


def _slice_and_check_gaps(
    data: MarketData,
    start: str | datetime | date | None,
    end: str | datetime | date | None,
    gap_threshold: timedelta | None,
    open_between: OpenTime | None = None,
) -> MarketData:
    begin_row, end_row = 0, len(data)
    if start is not None:
        begin_row = int(np.searchsorted(data.time_ns, parse_bound(start, end=False), "left"))
    if end is not None:
        end_row = int(np.searchsorted(data.time_ns, parse_bound(end, end=True), "left"))
    if end_row <= begin_row:
        span = Span(data.source, 1, 1)
        first, last = _iso(int(data.time_ns[0])), _iso(int(data.time_ns[-1]))
        raise DataError(
            [_issue(span, f"no rows between --from and --to; the file covers {first} to {last}")]
        )
    if (begin_row, end_row) != (0, len(data)):
        data = data.slice_rows(begin_row, end_row)
    gap = _gap_warning(data, gap_threshold, begin_row, open_between)
    if gap is None:
        return data
    return replace(data, issues=(*data.issues, gap))


def _gap_warning(
    data: MarketData, threshold: timedelta | None, offset: int, open_between: OpenTime | None
) -> DataIssue | None:
    step = np.diff(data.time_ns)
    if step.size == 0:
        return None
    if threshold is not None:
        limit = int(threshold / timedelta(microseconds=1)) * 1000
        usual_text = ""
    elif data.kind is DataKind.TICKS:
        limit = 3600 * NS_PER_SECOND
        usual_text = ""
    else:
        usual = int(np.median(step))
        limit = 2 * usual
        usual_text = f" (twice the usual interval of {_duration(usual)})"
    missing = step if open_between is None else open_between(data.time_ns[:-1], data.time_ns[1:])
    gaps = np.flatnonzero(missing > limit)
    if gaps.size == 0:
        return None
    worst = int(gaps[np.argmax(missing[gaps])])
    size = int(missing[worst])
    kind = "open market time" if open_between is not None else "time"
    message = (
        f"{gaps.size:,} {'gap' if gaps.size == 1 else 'gaps'} in {kind} longer than "
        f"{_duration(limit)}{usual_text}; the largest is {_duration(size)}"
        f"{' of open market time' if open_between is not None else ''}, from {_iso(int(data.time_ns[worst]))} (row {offset + worst + 1:,})"
        f" to {_iso(int(data.time_ns[worst + 1]))}"
    )
    return _issue(Span(data.source, 1, 1), message, severity=Severity.WARNING)


def _duration(ns: int) -> str:
    seconds = ns / NS_PER_SECOND
    if seconds < 60:
        return f"{seconds:g}s"
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
    return " ".join(p for p in parts if p) or "0m"
