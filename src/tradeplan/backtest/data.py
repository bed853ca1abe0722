"""Market data from CSV files: bars or ticks, plain or gzip, checked row by row.

Accepted files (header required, columns in any order, names case-insensitive):

* bars  `time,open,high,low,close[,volume][,spread]`: prices are bids, ask = bid + spread; a file
  without a spread column takes `default_spread` (the `--spread` option), else 0;
* ticks `time,bid,ask[,volume]`, or `time,price[,volume]` (bid = price, ask = price + the default
  spread).

`time` is ISO 8601 with a UTC offset (`2025-01-02T09:30:00-05:00`, `...Z`, fractions allowed) or
epoch seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude, and the same on
every row). A time without an offset is refused: guessing the zone of stock data would move every
bar by hours. Lines of only spaces and tabs are skipped like blank lines.

Exactness: every price column is parsed straight from its text into an int64 scaled by
10**decimals, where `decimals` is the largest number of decimals any price in the file (or the
default spread) has. `Decimal(scaled) / 10**decimals` is then exactly the number written in the
file, so prices reaching orders never pass through a binary float. Float64 copies exist for
analytics (indicators, charts) only.

Speed: a file is parsed by numpy over its raw bytes (separator positions, then digits weighted
by their place), with no Python object per field; a row-by-row parser handles what the fast path
does not (quoted fields, exponents, mixed time layouts) and finds the rows to name in an error.

Ticks are stored in the same columns as bars (open = high = low = close = bid, spread = ask - bid),
so the engine replays them as bars whose path has one point.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.epoch import (
    NS_PER_SECOND,
    close_times,
    datetime_from_ns,
    ns_from_datetime,
    usual_interval_ns,
)
from tradeplan.core.money import fmt_decimal
from tradeplan.diagnostics import Severity, Span
from tradeplan.diagnostics.suggest import did_you_mean

I64 = NDArray[np.int64]
I8 = NDArray[np.int8]
F64 = NDArray[np.float64]

MAX_DIGITS: Final = 18  # digits an int64 holds without overflow
MAX_LISTED: Final = 20  # issues shown in a DataError message
MAX_PER_CHECK: Final = 50  # issues collected per kind of problem, the rest counted

TIME_NAMES: Final = ("time", "timestamp", "datetime")
BAR_COLUMNS: Final = ("open", "high", "low", "close")
PRICE_COLUMNS: Final = ("open", "high", "low", "close", "spread", "bid", "ask", "price")
KNOWN_COLUMNS: Final = (*TIME_NAMES, *PRICE_COLUMNS, "volume")


# Open market nanoseconds between each pair of row times (`core.calendar.open_ns_between`).
OpenTime = Callable[[NDArray[np.int64], NDArray[np.int64]], NDArray[np.int64]]


class DataKind(Enum):
    BARS = "bars"
    TICKS = "ticks"


@dataclass(frozen=True, slots=True)
class DataIssue:
    """One finding in a data file; `row` is the 1-based data row, `span.line` the file line."""

    severity: Severity
    message: str
    span: Span
    row: int | None = None

    def __str__(self) -> str:
        where = f"{self.span.file}:{self.span.line}:{self.span.col}"
        row = f" row {self.row:,}:" if self.row is not None else ""
        return f"{where}: {self.severity.value}:{row} {self.message}"


class DataError(ValueError):
    """The file cannot be used; `issues` lists every problem found (errors first)."""

    def __init__(self, issues: Sequence[DataIssue]) -> None:
        self.issues = tuple(issues)
        shown = [str(issue) for issue in self.issues[:MAX_LISTED]]
        if len(self.issues) > MAX_LISTED:
            shown.append(f"... and {len(self.issues) - MAX_LISTED:,} more")
        super().__init__("\n".join(shown))


@dataclass(frozen=True, slots=True)
class DataBar:
    """One row with exact prices, for code that wants Decimals rather than arrays."""

    time: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    spread: Decimal
    volume: float

    @property
    def ask_close(self) -> Decimal:
        return self.close + self.spread


@dataclass(frozen=True, slots=True, eq=False)
class MarketData:
    """Columnar market data: int64 scaled prices for exact work, float64 copies for analytics.

    `time_ns` is int64 nanoseconds since the epoch (UTC). `*_scaled` hold price x 10**decimals;
    `open`, `high`, `low`, `close`, `spread` the same values as float64. `volume` is float64 (NaN
    when the file has none). `issues` holds the warnings (gaps, missing spread).
    """

    source: str
    kind: DataKind
    decimals: int
    time_ns: I64
    open_scaled: I64
    high_scaled: I64
    low_scaled: I64
    close_scaled: I64
    spread_scaled: I64
    open: F64
    high: F64
    low: F64
    close: F64
    spread: F64
    volume: F64
    has_volume: bool
    spread_from_file: bool
    issues: tuple[DataIssue, ...] = field(default=())

    def __len__(self) -> int:
        return int(self.time_ns.size)

    @property
    def scale(self) -> int:
        return int(10**self.decimals)

    @property
    def ask_close_scaled(self) -> I64:
        result: I64 = self.close_scaled + self.spread_scaled
        return result

    def to_decimal(self, scaled: int) -> Decimal:
        """Exact: the integer and the power of ten are both exact Decimals."""
        return Decimal(int(scaled)).scaleb(-self.decimals)

    def to_scaled(self, price: Decimal) -> int:
        """The grid integer of a price; refuses one finer than the file's decimals."""
        scaled = price.scaleb(self.decimals)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{price} has more than {self.decimals} decimals")
        return int(scaled)

    def price(self, column: str, row: int) -> Decimal:
        """Exact price of `column` (open, high, low, close, spread, bid, ask) at `row`."""
        if column == "bid":
            column = "close"
        if column == "ask":
            return self.to_decimal(int(self.close_scaled[row]) + int(self.spread_scaled[row]))
        arrays = {
            "open": self.open_scaled,
            "high": self.high_scaled,
            "low": self.low_scaled,
            "close": self.close_scaled,
            "spread": self.spread_scaled,
        }
        if column not in arrays:
            raise KeyError(f"no price column {column!r}")
        return self.to_decimal(int(arrays[column][row]))

    def time_at(self, row: int) -> datetime:
        return datetime_from_ns(int(self.time_ns[row]))

    @property
    def close_time_ns(self) -> I64:
        """When each row closes (`core.epoch.close_times`), the last with the usual spacing."""
        return close_times(self.time_ns, usual_interval_ns(self.time_ns))

    def bar(self, row: int) -> DataBar:
        return DataBar(
            time=self.time_at(row),
            open=self.price("open", row),
            high=self.price("high", row),
            low=self.price("low", row),
            close=self.price("close", row),
            spread=self.price("spread", row),
            volume=float(self.volume[row]),
        )

    def slice_rows(self, begin: int, end: int) -> MarketData:
        """Rows [begin, end) as views: no copy of the arrays."""
        return replace(self, **{name: getattr(self, name)[begin:end] for name in _ROW_ARRAYS})


_ROW_ARRAYS: Final = (
    "time_ns",
    "open_scaled",
    "high_scaled",
    "low_scaled",
    "close_scaled",
    "spread_scaled",
    "open",
    "high",
    "low",
    "close",
    "spread",
    "volume",
)


def parse_bound(value: str | datetime | date, *, end: bool) -> int:
    """A `--from` / `--to` bound as epoch ns, returned as a half-open limit [from, to).

    Both bounds are inclusive for the user: a time as `to` includes a row stamped at it, and a
    date alone (`2025-03-31`) means that whole UTC day. A time without an offset is taken as UTC
    (bounds are typed by hand, unlike data).
    """
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return ns_from_datetime(moment) + (1 if end else 0)
    if isinstance(value, date):
        day = datetime(value.year, value.month, value.day, tzinfo=UTC)
        return ns_from_datetime(day + timedelta(days=1) if end else day)
    text = value.strip()
    try:
        written: date = (
            date.fromisoformat(text)
            if len(text) == 10
            else datetime.fromisoformat(text.replace(" ", "T"))
        )
    except ValueError:
        raise ValueError(
            f"cannot read {value!r} as a date or time; write 2025-03-31 or 2025-03-31T14:30+00:00"
        ) from None
    try:
        return parse_bound(written, end=end)
    except (OverflowError, ValueError):
        # Times are epoch nanoseconds: 1678 to 2262 (9999-12-31 overflows a day later).
        raise ValueError(
            f"{text} is outside the dates data can have (the years 1678 to 2261); "
            f"leave out `--{'to' if end else 'from'}` to use the data to its "
            f"{'end' if end else 'start'}"
        ) from None


# --------------------------------------------------------------------------------------------
# Entry points


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


# --------------------------------------------------------------------------------------------
# Reading the raw text into lines


@dataclass(slots=True)
class _Table:
    buf: NDArray[np.uint8]  # whole text, '\r' removed
    header: list[str]
    line_start: I64  # per data row: first byte
    line_end: I64  # per data row: the '\n'
    line_no: I64  # per data row: 1-based file line


def _to_buffer(content: bytes, source: str) -> NDArray[np.uint8]:
    """The file's text as bytes in a numpy array, gunzipped without holding two copies."""
    if content[:2] != b"\x1f\x8b":
        return np.frombuffer(content, dtype=np.uint8)
    size = int.from_bytes(content[-4:], "little")  # gzip's ISIZE: length mod 2**32
    out = np.empty(size, dtype=np.uint8)
    view = memoryview(out)  # type: ignore[arg-type]
    inflater = zlib.decompressobj(wbits=31)
    filled = 0
    try:
        for begin in range(0, len(content), _IO_CHUNK):
            piece = inflater.decompress(content[begin : begin + _IO_CHUNK], _IO_CHUNK)
            while piece:
                if filled + len(piece) > size:
                    raise _Fallback
                view[filled : filled + len(piece)] = piece
                filled += len(piece)
                piece = inflater.decompress(inflater.unconsumed_tail, _IO_CHUNK)
        if filled != size or inflater.unused_data:
            raise _Fallback  # several gzip members, or more than 4 GB
    except _Fallback:
        return _gunzip_whole(content, source)
    except zlib.error as exc:
        raise DataError([_issue(Span(source, 1, 1), f"broken gzip file: {exc}")]) from None
    return out


def _gunzip_whole(content: bytes, source: str) -> NDArray[np.uint8]:
    """Several members, a wrong length field, or damage: gzip itself says which."""
    try:
        return np.frombuffer(gzip.decompress(content), dtype=np.uint8)
    except EOFError:
        message = "the gzip file is cut short (it ends before its end marker); copy it again"
    except (OSError, zlib.error) as exc:  # BadGzipFile is an OSError: trailing bytes, bad CRC
        message = f"broken gzip file: {exc}"
    raise DataError([_issue(Span(source, 1, 1), message)])


_IO_CHUNK: Final = 1 << 22


def _positions(buf: NDArray[np.uint8], byte: int, begin: int = 0) -> I64:
    """Offsets of every `byte` from `begin` on, scanned in slices to keep the masks small."""
    found = [
        np.flatnonzero(buf[at : at + _IO_CHUNK] == byte) + at
        for at in range(begin, buf.size, _IO_CHUNK)
    ]
    return np.concatenate(found).astype(np.int64, copy=False) if found else np.zeros(0, np.int64)


def _read_table(buf: NDArray[np.uint8], source: str) -> _Table:
    if buf[:3].tobytes() == b"\xef\xbb\xbf":
        buf = buf[3:]
    if np.any(buf == 13):
        text = buf.tobytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        buf = np.frombuffer(text, dtype=np.uint8)
    ends = _positions(buf, 10)
    if buf.size and buf[-1] != 10:
        ends = np.append(ends, buf.size)  # a last line without its newline
    if ends.size == 0:
        raise DataError([_issue(Span(source, 1, 1), "the file is empty")])
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    numbers = np.arange(1, ends.size + 1, dtype=np.int64)
    # Comment lines (`#`) and blank lines are skipped; line numbers still count them.
    keep = (ends > starts) & (buf[np.minimum(starts, buf.size - 1)] != ord("#"))
    keep &= ~_only_spaces(buf, starts, ends)
    starts, ends, numbers = starts[keep], ends[keep], numbers[keep]
    if starts.size == 0:
        raise DataError([_issue(Span(source, 1, 1), "the file is empty")])
    try:
        header_text = buf[starts[0] : ends[0]].tobytes().decode("utf-8")
    except UnicodeDecodeError:
        raise DataError([_issue(Span(source, 1, 1), "the file is not UTF-8 text")]) from None
    header = _split_fields(header_text)
    if isinstance(header, _LongField):
        span = Span(source, int(numbers[0]), header.col)
        raise DataError([_issue(span, header.message())])
    return _Table(buf, header, starts[1:], ends[1:], numbers[1:])


_SPACE: Final = (ord(" "), ord("\t"))


def _only_spaces(buf: NDArray[np.uint8], starts: I64, ends: I64) -> NDArray[np.bool_]:
    """Lines holding nothing but spaces and tabs: they look blank, so they are skipped as blank.

    Only lines that begin and end with a space or tab can be such lines; they are rare, so they
    are looked at one by one and the common file costs two byte lookups per line.
    """
    result = np.zeros(starts.size, dtype=np.bool_)
    if buf.size == 0:
        return result
    first = buf[np.minimum(starts, buf.size - 1)]
    last = buf[np.maximum(ends - 1, 0)]
    maybe = (ends > starts) & np.isin(first, _SPACE) & np.isin(last, _SPACE)
    for i in np.flatnonzero(maybe).tolist():
        result[i] = not buf[int(starts[i]) : int(ends[i])].tobytes().strip(b" \t")
    return result


@dataclass(frozen=True, slots=True)
class _LongField:
    """A line the csv module refuses: one of its fields is longer than the module's limit."""

    col: int  # 1-based column where the field starts (close for quoted fields)
    index: int  # 0-based field position, or -1 when not found
    error: str

    def message(self, names: Sequence[str] = ()) -> str:
        if "field limit" not in self.error:
            return f"the line cannot be read as CSV: {self.error}"
        name = f"`{names[self.index]}`" if 0 <= self.index < len(names) else "a"
        return (
            f"{name} field is too long (over {csv.field_size_limit():,} characters); no time or "
            'price is that long: check that this is the right file and that every quote (") '
            "is closed"
        )


def _split_fields(text: str) -> list[str] | _LongField:
    """The fields of one line; a field past csv's limit (128 KiB) cannot be a time or price."""
    try:
        return next(csv.reader([text]))
    except csv.Error as exc:
        col = 1
        for index, piece in enumerate(text.split(",")):
            if len(piece) > csv.field_size_limit():
                return _LongField(col, index, str(exc))
            col += len(piece) + 1
        return _LongField(1, -1, str(exc))


@dataclass(frozen=True, slots=True)
class _Columns:
    names: tuple[str, ...]  # normalised, in file order
    kind: DataKind
    index: dict[str, int]

    @classmethod
    def from_header(cls, header: list[str], source: str) -> _Columns:
        names = tuple(h.strip().lower() for h in header)
        span = Span(source, 1, 1)
        issues: list[DataIssue] = []
        if len(names) > 1 and all(_looks_numeric(n) for n in names[1:]):
            issues.append(
                _issue(
                    span,
                    "the first line must be a header such as `time,open,high,low,close` "
                    "or `time,bid,ask`",
                )
            )
            raise DataError(issues)
        index: dict[str, int] = {}
        col = 1
        for position, (original, name) in enumerate(zip(header, names, strict=True)):
            where = Span(source, 1, col)
            col += len(original) + 1
            canonical = "time" if name in TIME_NAMES else name
            if name not in KNOWN_COLUMNS:
                hint = did_you_mean(name, KNOWN_COLUMNS)
                issues.append(
                    _issue(
                        where,
                        f"unknown column {_shown(original.strip(), ticks=True)}"
                        + (f"; {hint}" if hint else "")
                        + f" (known: {', '.join(KNOWN_COLUMNS)})",
                    )
                )
            elif canonical in index:
                shown = _shown(original.strip(), ticks=True)
                issues.append(_issue(where, f"column {shown} appears twice"))
            else:
                index[canonical] = position
        if issues:
            raise DataError(issues)
        present = set(index)
        if "time" not in present:
            issues.append(_issue(span, "the header has no `time` column"))
        bars = present & set(BAR_COLUMNS)
        ticks = present & {"bid", "ask", "price"}
        kind: DataKind | None = None
        if bars and ticks:
            issues.append(
                _issue(span, "a file holds bars (open, high, low, close) or ticks, not both")
            )
        elif bars:
            missing = [c for c in BAR_COLUMNS if c not in present]
            if missing:
                issues.append(_issue(span, f"bar files need {', '.join(missing)} as well"))
            kind = DataKind.BARS
        elif ticks == {"bid", "ask"} or ticks == {"price"}:
            kind = DataKind.TICKS
        elif ticks:
            issues.append(_issue(span, "tick files need both `bid` and `ask`, or one `price`"))
        else:
            issues.append(
                _issue(
                    span,
                    "the header names no price columns: use time,open,high,low,close "
                    "or time,bid,ask or time,price",
                )
            )
        if ticks and "spread" in present:
            issues.append(_issue(span, "tick files carry `bid,ask`, not `spread`"))
        if issues or kind is None:
            raise DataError(issues)
        return cls(names, kind, index)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# Parsing: the fast path over bytes, the row-by-row path for everything else


@dataclass(slots=True)
class _Parsed:
    """Parsed columns before validation: mantissa and decimals per price column."""

    time_ns: I64
    prices: dict[str, tuple[I64, I8]]  # column -> (mantissa, decimals per row)
    volume: F64 | None
    line_no: I64
    field_col: Callable[[str, int], int]  # (column, row) -> 1-based column in its line
    # Errors already found row by row, and the rows they spoil: validation adds to the same log
    # (skipping those rows) so that one report lists every kind of problem in the file.
    log: _IssueLog | None = None
    spoiled: NDArray[np.bool_] | None = None

    def column(self, name: str) -> Callable[[int], int]:
        return lambda row: self.field_col(name, row)


class _Fallback(Exception):
    """The fast path met something it does not handle; parse row by row instead."""


def _parse_rows(table: _Table, columns: _Columns, source: str) -> _Parsed:
    try:
        return _parse_fast(table, columns)
    except _Fallback:
        return _parse_slow(table, columns, source)


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


_POW10 = np.array([10**k for k in range(MAX_DIGITS + 1)], dtype=np.int64)
_ROW_CHUNK: Final = 1 << 17


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


def _epoch_to_ns(mantissa: I64, decimals: I64) -> I64:
    """Epoch numbers: < 1e11 seconds, < 1e14 milliseconds, < 1e17 microseconds, else ns.

    The unit is read from each row's size and must be the same on every row: a file that turns
    from seconds to milliseconds part way would otherwise be read in one unit, and the rows in
    the other would land in 1970 (or far in the future) without a word.
    """
    magnitude = np.abs(mantissa) // _POW10[np.clip(decimals, 0, 18)]
    unit_exp = np.select(
        [magnitude < 10**11, magnitude < 10**14, magnitude < 10**17], [9, 6, 3], 0
    ).astype(np.int64)
    if unit_exp.size and np.any(unit_exp != unit_exp[0]):
        raise _MixedUnits(unit_exp)
    shift = unit_exp - decimals
    if np.any(shift < 0):
        raise _Fallback  # finer than a nanosecond
    factor = _POW10[np.clip(shift, 0, 18)]
    outside = np.abs(mantissa) > _INT64_MAX // factor
    if np.any(outside):
        raise _OutOfRange(np.flatnonzero(outside))
    result: I64 = mantissa * factor
    return result


_INT64_MAX: Final = np.int64(2**63 - 1)
_MIN_SECONDS: Final = -(2**63) // NS_PER_SECOND + 1
_MAX_SECONDS: Final = (2**63 - 1) // NS_PER_SECOND - 1
_RANGE_TEXT: Final = (
    "is outside the times a backtest can hold (1677-09-22 to 2262-04-11 UTC); "
    "check the year, or the unit of epoch numbers"
)


_UNIT_NAMES: Final = {9: "seconds", 6: "milliseconds", 3: "microseconds", 0: "nanoseconds"}


class _MixedUnits(Exception):
    """Epoch numbers whose sizes say different units (seconds on some rows, ms on others)."""

    def __init__(self, unit_exp: I64) -> None:
        super().__init__()
        self.unit_exp = unit_exp
        self.first_other = int(np.flatnonzero(unit_exp != unit_exp[0])[0])

    def message(self, text: Callable[[int], str], row: Callable[[int], int]) -> str:
        """`text(i)` and `row(i)`: the written time and 1-based data row of epoch value i."""
        at = self.first_other
        unit, first_unit = (_UNIT_NAMES[int(self.unit_exp[i])] for i in (at, 0))
        units, counts = np.unique(self.unit_exp, return_counts=True)
        tally = ", ".join(
            f"{int(c):,} in {_UNIT_NAMES[int(u)]}"
            for u, c in sorted(zip(units, counts, strict=True), key=lambda uc: -int(uc[0]))
        )
        return (
            f"`time` {text(at)} is epoch {unit}, but row {row(0):,}'s {text(0)} is epoch "
            f"{first_unit}: write every time in the same unit (rows: {tally})"
        )


class _OutOfRange(Exception):
    """Epoch numbers whose nanoseconds do not fit an int64 (they would wrap round)."""

    def __init__(self, positions: NDArray[np.intp]) -> None:
        super().__init__()
        self.positions = positions


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


_SHOWN: Final = 40  # characters of a bad value quoted in a message


def _shown(text: str, *, ticks: bool = False) -> str:
    """A bad value as quoted in a message: in full when short, else its start and its length."""
    short = text if len(text) <= _SHOWN else text[: _SHOWN - 10]
    quoted = f"`{short}`" if ticks else repr(short)
    return quoted if short is text else f"{quoted}... ({len(text):,} characters)"


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


# --------------------------------------------------------------------------------------------
# Validation and assembly


class _IssueLog:
    """Collects errors per kind, keeping the first MAX_PER_CHECK and counting the rest."""

    def __init__(self, source: str, spoiled: NDArray[np.bool_] | None = None) -> None:
        self.source = source
        self.spoiled = spoiled  # rows whose fields could not be read: not checked further
        self.items: list[DataIssue] = []
        self.counts: dict[str, int] = {}
        self.examples: dict[str, DataIssue] = {}

    def add(self, kind: str, line: int, row: int, col: int, message: str) -> None:
        count = self.counts.get(kind, 0) + 1
        self.counts[kind] = count
        if count <= MAX_PER_CHECK:
            self.items.append(_issue(Span(self.source, line, col), message, row))

    def add_rows(
        self,
        kind: str,
        rows: NDArray[np.intp],
        line_no: I64,
        column: Callable[[int], int],
        message: Callable[[int], str],
    ) -> None:
        if self.spoiled is not None:
            rows = rows[~self.spoiled[rows]]
        for r in rows[:MAX_PER_CHECK].tolist():
            self.add(kind, int(line_no[r]), r + 1, column(r), message(r))
        extra = rows.size - min(rows.size, MAX_PER_CHECK)
        if extra:
            self.counts[kind] = self.counts.get(kind, 0) + extra

    def raise_if_any(self) -> None:
        if not self.items:
            return
        issues = sorted(self.items, key=lambda i: (i.span.line, i.span.col))
        hidden = sum(max(0, c - MAX_PER_CHECK) for c in self.counts.values())
        if hidden:
            last = issues[-1].span
            issues.append(
                _issue(
                    Span(self.source, last.line, 1),
                    f"{hidden:,} more rows have the same problems (only the first "
                    f"{MAX_PER_CHECK} of each kind are listed)",
                )
            )
        raise DataError(issues)


def _parse_default_spread(value: Decimal | str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    number = _parse_number_text(str(value).strip())
    if isinstance(number, str):
        raise ValueError(f"the default spread {number}")
    if number[0] < 0:
        raise ValueError("the default spread cannot be negative")
    return number


def _constant(name: str, decimals: int) -> Callable[[int], str]:
    def message(_row: int) -> str:
        return f"`{name}` needs more than {MAX_DIGITS} digits at {decimals} decimals"

    return message


def _rescale(mantissa: I64, decimals: NDArray[np.int8], target: int) -> I64:
    """Mantissas onto the common grid, in place (the parsed mantissas are not needed again)."""
    shift = target - decimals.astype(np.int64)
    if np.any(shift):
        mantissa *= _POW10[shift]
    return mantissa


def _validate_and_build(
    parsed: _Parsed, columns: _Columns, source: str, spread_default: tuple[int, int] | None
) -> MarketData:
    n = parsed.time_ns.size
    line_no = parsed.line_no
    log = parsed.log or _IssueLog(source)
    log.spoiled = parsed.spoiled
    target = max([int(d.max()) for _, d in parsed.prices.values()] or [0])
    if spread_default is not None:
        target = max(target, spread_default[1])
    for name, (mantissa, decimals) in parsed.prices.items():
        digits = np.floor(np.log10(np.maximum(np.abs(mantissa), 1))).astype(np.int64) + 1
        too_big = np.flatnonzero(digits + (target - decimals.astype(np.int64)) > MAX_DIGITS)
        log.add_rows(
            f"digits:{name}", too_big, line_no, parsed.column(name), _constant(name, target)
        )
    if any(kind.startswith("digits:") for kind in log.counts):
        log.raise_if_any()  # the prices cannot be put on one grid, so nothing more is checked
    scaled = {name: _rescale(m, d, target) for name, (m, d) in parsed.prices.items()}

    def text(value: int) -> str:
        return fmt_decimal(Decimal(value).scaleb(-target))

    t = parsed.time_ns
    step = np.diff(t)
    log.add_rows(
        "unsorted",
        np.flatnonzero(step < 0) + 1,
        line_no,
        lambda _r: 1,
        lambda r: (
            f"time {_iso(int(t[r]))} is earlier than row {r:,}'s {_iso(int(t[r - 1]))}: "
            "rows must be sorted by time"
        ),
    )
    log.add_rows(
        "duplicate",
        np.flatnonzero(step == 0) + 1,
        line_no,
        lambda _r: 1,
        lambda r: f"time {_iso(int(t[r]))} repeats row {r:,} (duplicate timestamp)",
    )
    if columns.kind is DataKind.BARS:
        o, h, lo, c = (scaled[k] for k in BAR_COLUMNS)
        log.add_rows(
            "high<low",
            np.flatnonzero(h < lo),
            line_no,
            parsed.column("high"),
            lambda r: f"high {text(int(h[r]))} is below low {text(int(lo[r]))}",
        )
        ok = h >= lo
        for name, values in (("open", o), ("close", c)):
            outside = np.flatnonzero(ok & ((values > h) | (values < lo)))

            def outside_message(r: int, name: str = name, values: I64 = values) -> str:
                return (
                    f"{name} {text(int(values[r]))} is outside the bar's range "
                    f"low {text(int(lo[r]))} - high {text(int(h[r]))}"
                )

            log.add_rows(f"outside:{name}", outside, line_no, parsed.column(name), outside_message)
        if "spread" in scaled:
            spread = scaled["spread"]
            from_file = True
        else:
            value = 0 if spread_default is None else spread_default[0]
            exp = 0 if spread_default is None else spread_default[1]
            spread = np.full(n, value * 10 ** (target - exp), dtype=np.int64)
            from_file = False
        o_, h_, l_, c_ = o, h, lo, c
    else:
        if "bid" in scaled:
            bid, ask = scaled["bid"], scaled["ask"]
            spread = ask - bid
            from_file = True
            log.add_rows(
                "ask<bid",
                np.flatnonzero(ask < bid),
                line_no,
                parsed.column("ask"),
                lambda r: f"ask {text(int(ask[r]))} is below bid {text(int(bid[r]))}",
            )
        else:
            bid = scaled["price"]
            value = 0 if spread_default is None else spread_default[0]
            exp = 0 if spread_default is None else spread_default[1]
            spread = np.full(n, value * 10 ** (target - exp), dtype=np.int64)
            from_file = False
        o_ = h_ = l_ = c_ = bid
    for name in ("open", "high", "low", "close", "bid", "ask", "price"):
        if name not in scaled:
            continue
        values_ = scaled[name]

        def not_positive(r: int, name: str = name, values_: I64 = values_) -> str:
            return f"{name} {text(int(values_[r]))} is not positive: prices must be above zero"

        log.add_rows(
            f"price<=0:{name}",
            np.flatnonzero(values_ <= 0),
            line_no,
            parsed.column(name),
            not_positive,
        )
    if from_file and columns.kind is DataKind.BARS:
        log.add_rows(
            "spread<0",
            np.flatnonzero(spread < 0),
            line_no,
            parsed.column("spread"),
            lambda r: f"spread {text(int(spread[r]))} is negative",
        )
    if parsed.volume is not None:
        volume = parsed.volume
        log.add_rows(
            "volume<0",
            np.flatnonzero(volume < 0),
            line_no,
            parsed.column("volume"),
            lambda r: f"volume {volume[r]:g} is negative",
        )
    log.raise_if_any()

    warnings: list[DataIssue] = []
    if not from_file and spread_default is None:
        warnings.append(
            _issue(
                Span(source, 1, 1),
                "the file has no spread and no default spread was given: ask = bid "
                "(pass --spread to model the cost of crossing the spread)",
                severity=Severity.WARNING,
            )
        )
    scale = 10.0**target
    return MarketData(
        source=source,
        kind=columns.kind,
        decimals=target,
        time_ns=t,
        open_scaled=o_,
        high_scaled=h_,
        low_scaled=l_,
        close_scaled=c_,
        spread_scaled=spread,
        open=o_ / scale,
        high=h_ / scale,
        low=l_ / scale,
        close=c_ / scale,
        spread=spread / scale,
        volume=parsed.volume if parsed.volume is not None else np.full(n, np.nan),
        has_volume=parsed.volume is not None,
        spread_from_file=from_file,
        issues=tuple(warnings),
    )


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


def _iso(ns: int) -> str:
    return datetime_from_ns(ns).isoformat()


def _issue(
    span: Span, message: str, row: int | None = None, severity: Severity = Severity.ERROR
) -> DataIssue:
    return DataIssue(severity, message, span, row)
