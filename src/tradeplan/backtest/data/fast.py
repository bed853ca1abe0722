"""The fast parser: numpy over the raw bytes, with no Python object per field.

Most files are plain (no quotes, the same time layout on every row), and for them this path
finds the separators and weighs the digits by their place across all rows at once. Anything it
does not handle raises `_Fallback`, and the row-by-row parser reads the file instead, so this
module never has to explain a bad row.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.backtest.data.columns import _Columns
from tradeplan.backtest.data.model import F64, I8, I64
from tradeplan.backtest.data.parsed import (
    MAX_DIGITS,
    _epoch_to_ns,
    _Fallback,
    _MixedUnits,
    _OutOfRange,
    _Parsed,
)
from tradeplan.backtest.data.reading import _Table
from tradeplan.core.epoch import NS_PER_SECOND


def _parse_fast(table: _Table, columns: _Columns) -> _Parsed:
    """Parse slices of rows at a time so that no file-sized temporary is ever made."""
    buf = table.buf
    n = table.line_start.size
    stride = len(columns.names) - 1
    if np.any(buf[int(table.line_start[0]) :] == ord('"')):
        raise _Fallback
    time_values = np.empty(n, dtype=np.int64)
    time_decimals = np.zeros(n, dtype=np.int8)
    epoch_rows = 0
    mantissas = {name: np.empty(n, dtype=np.int64) for name in columns.index if name != "time"}
    decimals = {name: np.empty(n, dtype=np.int8) for name in mantissas}
    cols = {name: np.empty(n, dtype=np.uint16) for name in mantissas}
    for at in range(0, n, _ROW_CHUNK):
        rows = slice(at, min(n, at + _ROW_CHUNK))
        line_start, line_end = table.line_start[rows], table.line_end[rows]
        first, last = int(line_start[0]), int(line_end[-1])
        commas = np.flatnonzero(buf[first:last] == ord(",")).astype(np.int64) + first
        per_line = np.searchsorted(commas, line_end) - np.searchsorted(commas, line_start)
        if np.any(per_line != stride) or commas.size != line_start.size * stride:
            raise _Fallback  # ragged rows, or commas in comment lines: the slow path explains
        seps = commas.reshape(line_start.size, stride)
        for name, j in columns.index.items():
            begin = line_start if j == 0 else seps[:, j - 1] + 1
            finish = line_end if j == stride else seps[:, j]
            if name == "time":
                is_epoch, values, places = _time_block(buf, begin, finish)
                epoch_rows += values.size if is_epoch else 0
                time_values[rows], time_decimals[rows] = values, places
                continue
            mantissas[name][rows], decimals[name][rows] = _decimal_block(buf, begin, finish)
            cols[name][rows] = np.minimum(begin - line_start + 1, 65535)
    if epoch_rows not in (0, n):
        raise _Fallback  # epoch numbers and ISO text mixed: the slow path explains
    if epoch_rows:
        try:
            time_values = _epoch_to_ns(time_values, time_decimals.astype(np.int64))
        except (_OutOfRange, _MixedUnits):
            raise _Fallback from None  # the slow path names the rows
    volume: F64 | None = None
    if "volume" in mantissas:
        volume = mantissas.pop("volume") / np.power(10.0, decimals.pop("volume"))
    prices = {name: (mantissas[name], decimals[name]) for name in mantissas}
    return _Parsed(time_values, prices, volume, table.line_no, lambda c, r: int(cols[c][r]))


_ROW_CHUNK: Final = 1 << 17
_MIN_SECONDS: Final = -(2**63) // NS_PER_SECOND + 1
_MAX_SECONDS: Final = (2**63 - 1) // NS_PER_SECOND - 1


def _decimal_block(
    buf: NDArray[np.uint8], start: I64, end: I64, max_digits: int = MAX_DIGITS
) -> tuple[I64, I8]:
    """Plain decimals (`-12.345`, `7`, `.5`) to (mantissa, decimals) without Python objects.

    Every field is read right-aligned, one character position at a time across all rows
    (Horner's rule over the digits, the dot remembered), so no per-field object is made.
    """
    n = start.size
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int8)
    lengths = end - start
    if lengths.min() == 0 or lengths.max() > max_digits + 2:
        raise _Fallback
    width = int(lengths.max())
    mantissa = np.zeros(n, dtype=np.int64)
    limit = np.int64(np.iinfo(np.int64).max)
    digits = np.zeros(n, dtype=np.int64)
    dots = np.zeros(n, dtype=np.int64)
    dot_at = np.zeros(n, dtype=np.int64)
    negative = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    for position in range(width):
        idx = end - (width - position)
        used = idx >= start
        chars = buf[np.maximum(idx, 0)]
        value = chars - np.uint8(48)  # '.' and '-' wrap round to 254 and 253
        is_digit = (value <= 9) & used
        is_dot = (chars == 46) & used
        is_minus = (chars == 45) & used
        bad |= used & ~(is_digit | is_dot | (is_minus & (idx == start)))
        if max_digits > MAX_DIGITS:  # 19 digits (epoch ns) may pass the int64 limit
            bad |= is_digit & (mantissa > (limit - value.astype(np.int64)) // 10)
        mantissa = np.where(is_digit, mantissa * 10 + value, mantissa)
        digits += is_digit
        dots += is_dot
        dot_at = np.where(is_dot, position, dot_at)
        negative |= is_minus
    if np.any(bad) or np.any(dots > 1) or digits.min() == 0 or digits.max() > max_digits:
        raise _Fallback
    mantissa = np.where(negative, -mantissa, mantissa)
    decimals = np.where(dots == 1, width - 1 - dot_at, 0).astype(np.int8)
    return mantissa, decimals


def _time_block(buf: NDArray[np.uint8], start: I64, end: I64) -> tuple[bool, I64, I8]:
    """ISO text -> (False, ns, 0); epoch numbers -> (True, mantissa, decimals), unit decided
    later over the whole file."""
    lengths = end - start
    if lengths.min() == lengths.max() and lengths[0] >= 19 and np.all(buf[start + 4] == 45):
        return False, _fast_iso(buf, start, int(lengths[0])), np.zeros(start.size, np.int8)
    first = buf[start]
    if np.all((first >= 48) & (first <= 57)):
        mantissa, decimals = _decimal_block(buf, start, end, MAX_DIGITS + 1)
        return True, mantissa, decimals
    raise _Fallback


def _fast_iso(buf: NDArray[np.uint8], start: I64, width: int) -> I64:
    """Fixed-layout `YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM)`, every row the same shape."""
    chars = np.empty((width, start.size), dtype=np.uint8)
    for position in range(width):
        chars[position] = buf[start + position]
    expected = {4: 45, 7: 45, 13: 58, 16: 58}
    if any(np.any(chars[k] != v) for k, v in expected.items()):
        raise _Fallback
    if np.any((chars[10] != ord("T")) & (chars[10] != ord(" "))):
        raise _Fallback
    tail = width - 19
    if tail == 0:
        raise _Fallback  # no offset: the slow path explains
    if np.all(chars[-1] == ord("Z")):
        offset_len, offset_s = 1, np.zeros(start.size, np.int64)
    elif tail >= 6 and np.all((chars[-6] == 43) | (chars[-6] == 45)) and np.all(chars[-3] == 58):
        offset_len = 6
        offset_s = _digits(chars, width - 5, 2) * 3600 + _digits(chars, width - 2, 2) * 60
        offset_s = np.where(chars[-6] == 45, -offset_s, offset_s)
    else:
        raise _Fallback
    frac_len = tail - offset_len
    frac_ns = np.zeros(start.size, np.int64)
    if frac_len:
        if frac_len < 2 or frac_len > 10 or np.any(chars[19] != ord(".")):
            raise _Fallback
        frac_ns = _digits(chars, 20, frac_len - 1) * 10 ** (9 - (frac_len - 1))
    year = _digits(chars, 0, 4)
    month = _digits(chars, 5, 2)
    day = _digits(chars, 8, 2)
    hour = _digits(chars, 11, 2)
    minute = _digits(chars, 14, 2)
    second = _digits(chars, 17, 2)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    bad = (
        (month < 1)
        | (month > 12)
        | (day < 1)
        | (day > month_days[np.clip(month, 0, 12)] + ((month == 2) & leap))
        | (hour > 23)
        | (minute > 59)
        | (second > 59)
    )
    if np.any(bad):
        raise _Fallback
    days = _days_from_civil(year, month, day)
    seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_s
    if np.any(seconds < _MIN_SECONDS) or np.any(seconds > _MAX_SECONDS):
        raise _Fallback  # past int64 nanoseconds: the slow path names the rows
    result: I64 = seconds * NS_PER_SECOND + frac_ns
    return result


def _digits(chars: NDArray[np.uint8], at: int, count: int) -> I64:
    """The number written by `count` digit rows of a (width, rows) byte matrix."""
    result = np.zeros(chars.shape[1], dtype=np.int64)
    for position in range(at, at + count):
        digit = chars[position] - np.uint8(48)
        if np.any(digit > 9):
            raise _Fallback
        result = result * 10 + digit
    return result


def _days_from_civil(year: I64, month: I64, day: I64) -> I64:
    """Days since 1970-01-01 (Howard Hinnant's algorithm, proleptic Gregorian)."""
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    result: I64 = era * 146097 + doe - 719468
    return result
