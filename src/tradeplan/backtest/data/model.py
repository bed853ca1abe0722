"""The types a data file becomes, apart from how it is read.

Everything downstream (the replay, the paper broker, the checks, the reports) needs only these:
`MarketData` and its exact prices, the issues a file can raise, and `parse_bound` for the
`--from` / `--to` window. Keeping them out of the parsers lets those modules change without
touching what the rest of tradeplan imports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.epoch import (
    close_times,
    datetime_from_ns,
    ns_from_datetime,
    usual_interval_ns,
)
from tradeplan.diagnostics import Severity, Span

I64 = NDArray[np.int64]
I8 = NDArray[np.int8]
F64 = NDArray[np.float64]

MAX_LISTED: Final = 20  # issues shown in a DataError message


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
