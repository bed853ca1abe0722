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

The package, in the order a file passes through it:

* `model`: the types the rest of tradeplan uses (`MarketData`, `DataIssue`, `DataError`, ...)
  and `parse_bound` for `--from` / `--to`;
* `load`: the entry points, chaining the stages below;
* `reading`: bytes to lines (gzip, line ends, comments, blank lines), and one line to fields;
* `columns`: the header, and whether the file holds bars or ticks;
* `fast` and `rowwise`: the two parsers, handing on a `parsed._Parsed`; `rowwise` also reads a
  single time or number from its text;
* `build`: the common price grid and the checks every row must pass;
* `window`: the `--from` / `--to` rows and the gap warning;
* `issues`: the log that gathers every problem of a file, and how values are quoted in it.
"""

from tradeplan.backtest.data.load import load_market_data, parse_market_data
from tradeplan.backtest.data.model import (
    DataBar,
    DataError,
    DataIssue,
    DataKind,
    MarketData,
    OpenTime,
    parse_bound,
)

# Re-exported because callers (tests/runtime/test_data.py) have always found it here.
from tradeplan.core.epoch import ns_from_datetime

__all__ = [
    "DataBar",
    "DataError",
    "DataIssue",
    "DataKind",
    "MarketData",
    "OpenTime",
    "load_market_data",
    "ns_from_datetime",
    "parse_bound",
    "parse_market_data",
]
