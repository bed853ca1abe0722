"""The row-by-row parser, and reading one time or number from its text.

This path reads what the fast parser leaves (quoted fields, exponents, mixed time layouts) and,
above all, names every bad row: each field is parsed on its own, so a message can say which
row, which column and why. Its text parsers also read the `--spread` option.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

import numpy as np

from tradeplan.backtest.data.columns import PRICE_COLUMNS, _Columns
from tradeplan.backtest.data.issues import MAX_PER_CHECK, _IssueLog, _shown
from tradeplan.backtest.data.parsed import (
    _RANGE_TEXT,
    MAX_DIGITS,
    _epoch_to_ns,
    _Fallback,
    _MixedUnits,
    _OutOfRange,
    _Parsed,
)
from tradeplan.backtest.data.reading import _LongField, _split_fields, _Table
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.core.money import fmt_decimal


def _parse_slow(table: _Table, columns: _Columns, source: str) -> _Parsed:
    """Row by row with the csv module: slower, but reads anything sane and names bad rows."""
    buf = table.buf.tobytes()
    n = table.line_start.size
    ncols = len(columns.names)
    issues = _IssueLog(source)
    time_ns = np.zeros(n, np.int64)
    prices = {
        name: (np.zeros(n, np.int64), np.zeros(n, np.int8))
        for name in columns.index
        if name in PRICE_COLUMNS
    }
    volume = np.zeros(n) if "volume" in columns.index else None
    columns_at = {name: np.ones(n, np.int64) for name in columns.index if name != "time"}
    epoch_values: list[tuple[int, int, int]] = []  # row, mantissa, decimals
    time_cols = np.ones(n, np.int64)
    iso_rows: list[int] = []
    spoiled = np.zeros(n, dtype=np.bool_)
    starts, ends, lines = table.line_start.tolist(), table.line_end.tolist(), table.line_no.tolist()
    for row in range(n):
        line = lines[row]
        try:
            text = buf[starts[row] : ends[row]].decode("utf-8")
        except UnicodeDecodeError:
            issues.add("encoding", line, row + 1, 1, "the line is not UTF-8 text")
            spoiled[row] = True
            continue
        values = _split_fields(text)
        if isinstance(values, _LongField):
            issues.add("fields", line, row + 1, values.col, values.message(columns.names))
            spoiled[row] = True
            continue
        if len(values) != ncols:
            issues.add(
                "fields",
                line,
                row + 1,
                1,
                f"expected {ncols} fields ({','.join(columns.names)}), found {len(values)}",
            )
            spoiled[row] = True
            continue
        cols = _field_columns(text, values)
        for name, j in columns.index.items():
            value = values[j].strip()
            if name == "time":
                time_cols[row] = cols[j]
                parsed_time = _parse_time_text(value)
                if isinstance(parsed_time, str):
                    issues.add("time", line, row + 1, cols[j], parsed_time)
                elif isinstance(parsed_time, tuple):
                    epoch_values.append((row, *parsed_time))
                else:
                    time_ns[row] = parsed_time
                    iso_rows.append(row)
                continue
            columns_at[name][row] = cols[j]
            number = _parse_number_text(value)
            if isinstance(number, str):
                issues.add(f"value:{name}", line, row + 1, cols[j], f"`{name}` {number}")
                spoiled[row] = True
                continue
            mantissa, decimals = number
            if name == "volume" and volume is not None:
                volume[row] = mantissa / 10.0**decimals
            else:
                prices[name][0][row] = mantissa
                prices[name][1][row] = decimals
    if epoch_values and iso_rows:
        row = epoch_values[0][0] if epoch_values[0][0] > iso_rows[0] else iso_rows[0]
        issues.add(
            "time-mixed",
            lines[row],
            row + 1,
            1,
            "times mix epoch numbers and ISO 8601 text; use one form for the whole file",
        )
    elif epoch_values:
        rows = np.array([r for r, _, _ in epoch_values], dtype=np.int64)
        epoch = np.array([m for _, m, _ in epoch_values], dtype=np.int64)
        places = np.array([d for _, _, d in epoch_values], dtype=np.int64)
        try:
            time_ns[rows] = _epoch_to_ns(epoch, places)
        except _Fallback:
            issues.add("time", lines[0], 1, 1, "epoch times finer than a nanosecond")
        except _MixedUnits as exc:
            row = int(rows[exc.first_other])
            message = exc.message(
                lambda i: fmt_decimal(Decimal(int(epoch[i])).scaleb(-int(places[i]))),
                lambda i: int(rows[i]) + 1,
            )
            issues.add("time-units", lines[row], row + 1, int(time_cols[row]), message)
        except _OutOfRange as exc:
            for at in exc.positions[:MAX_PER_CHECK].tolist():
                row = int(rows[at])
                issues.add("time-range", lines[row], row + 1, 1, f"`time` {_RANGE_TEXT}")
    if any(kind.startswith("time") for kind in issues.counts):
        issues.raise_if_any()  # without trustworthy times, order and gaps cannot be checked
    return _Parsed(
        time_ns,
        prices,
        volume,
        table.line_no,
        lambda name, row: int(columns_at[name][row]),
        issues,
        spoiled,
    )


def _field_columns(text: str, values: list[str]) -> list[int]:
    """1-based column where each field starts (exact for unquoted fields, close for quoted)."""
    cols, col = [], 1
    for value in values:
        cols.append(col)
        col += len(value) + 1
    return cols


def _parse_number_text(text: str, max_digits: int = MAX_DIGITS) -> tuple[int, int] | str:
    if not text:
        return "is empty"
    try:
        number = Decimal(text)
    except InvalidOperation:
        return f"is not a number: {_shown(text)}"
    if not number.is_finite():
        return f"is not a number: {_shown(text)}"
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    places = max(0, -exponent)
    if "e" not in text.lower() and (places > MAX_DIGITS or len(digits) > max_digits):
        what = f"{places:,} decimals" if places > MAX_DIGITS else f"{len(digits):,} digits"
        hint = "; round it to fewer decimals" if places else ""
        return f"has {what}, but at most {max_digits} digits fit: {_shown(text)}{hint}"
    if number and not -MAX_DIGITS <= exponent <= MAX_DIGITS:
        return f"is out of range: {_shown(text)}"  # checked first: int(1e999999999) would hang
    if len(digits) > max_digits:  # before int(): str() of an int past 4,300 digits raises
        return f"has too many digits: {_shown(text)}"
    decimals = max(0, -exponent)
    mantissa = int(number.scaleb(decimals))
    if len(str(abs(mantissa))) > max_digits or abs(mantissa) >= 2**63:
        return f"has too many digits: {_shown(text)}"
    return mantissa, decimals


def _parse_time_text(text: str) -> int | tuple[int, int] | str:
    """ISO text -> ns; an epoch number -> (mantissa, decimals); or why it cannot be read."""
    if not text:
        return "`time` is empty"
    if text[0].isdigit() and "-" not in text and ":" not in text:
        number = _parse_number_text(text, MAX_DIGITS + 1)
        return f"`time` {number}" if isinstance(number, str) else number
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return (
            f"`time` is not ISO 8601 or an epoch number: {_shown(text)} "
            "(write 2025-01-02T09:30:00-05:00 or 1735810200)"
        )
    if moment.tzinfo is None:
        return (
            f"`time` {text!r} has no UTC offset; add one (e.g. {text}+00:00 or {text}Z) so "
            "the moment is unambiguous"
        )
    ns = ns_from_datetime(moment)
    if not -(2**63) < ns < 2**63:
        return f"`time` {text!r} {_RANGE_TEXT}"
    return ns
