"""A data file a user can hand over loads or gets a DataError naming that file, never an exception.

Heads of the bundled data files are damaged the way real exports go wrong (bytes flipped, lines cut
or doubled, fields replaced by junk, numbers far out of range or thousands of digits long, fields
past the csv module's 128 KiB limit, times rewritten as epoch numbers that change unit part way,
gzip cut short) and the loader must either return data whose prices are positive and whose times
are the file's own (never 1970), or raise DataError whose every issue names the file. Changes that
leave the data as it was (lines of spaces, CRLF endings, a byte-order mark, quoted fields, epoch
times in one unit) must load the same rows as the file before them.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from fuzz_budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeplan.backtest.data import DataError, parse_market_data
from tradeplan.core.money import fmt_decimal

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "fuzzed.csv"
HEADS = [
    (path.name, "\n".join(gzip.decompress(path.read_bytes()).decode().split("\n")[:40]))
    for path in sorted((ROOT / "data").glob("*.csv.gz"))
]
JUNK = [
    "",
    " ",
    "NaN",
    "inf",
    "-1",
    "0",
    "1e999",
    "1e-999",
    "9" * 60,
    "1." + "1" * 40,
    "2262-04-12T00:00:00+00:00",
    "1677-01-01T00:00:00+00:00",
    "9300000000",
    "1735689600000",
    "x",
    ",",
    '"',
    "\t",
    "\u00e9",
    "2025-13-40T25:61:00+00:00",
]
CSV_FIELD_LIMIT = 131072
LONG = [
    "105." + "1" * 5000,
    "1" * 5000,
    "105.1" + "0" * 5000,
    "1" * (CSV_FIELD_LIMIT + 1),
    '"' + "2" * (CSV_FIELD_LIMIT + 100) + '"',
    "x" * (CSV_FIELD_LIMIT + 7),
]
SPACES = [" ", "   ", "\t", " \t ", "\t\t  "]
UNITS = [9, 6, 3, 0]  # epoch seconds, milliseconds, microseconds, nanoseconds: ns = n * 10**k
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Every bundled head lies in January 2025: a loaded time outside this came from nowhere.
EARLIEST, LATEST = datetime(2024, 12, 31, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Sample:
    raw: bytes
    clean: str | None  # the undamaged text when every change kept the data as it was
    times_kept: bool  # no change wrote a time of its own (junk, a cut) into the time column


def _epoch_text(iso: str, unit: int) -> str:
    """An ISO time written as an epoch number in the unit 10**-(9 - unit) s, exactly."""
    ns = (datetime.fromisoformat(iso) - EPOCH) // timedelta(microseconds=1) * 1000
    return fmt_decimal(Decimal(ns).scaleb(-unit))


def _as_epochs(lines: list[str], switch: int, before: int, after: int) -> list[str]:
    """Data lines' times as epoch numbers: unit `before` up to line `switch`, `after` from it."""
    result = lines[:1]
    for i, line in enumerate(lines[1:], start=1):
        first, _, rest = line.partition(",")
        result.append(f"{_epoch_text(first, before if i < switch else after)},{rest}")
    return result


KEEPING = ("spaces", "quote")  # changes after which the file holds the same data
ACTIONS = ("field", "cut", "dup", "delete", "trunc", "swap", "long", *KEEPING, *KEEPING)


@st.composite
def damaged(draw: st.DrawFn) -> Sample:
    _, text = draw(st.sampled_from(HEADS))
    lines = text.split("\n")
    kept, times_kept = True, True
    if draw(st.booleans()):  # epoch times, in one unit or changing unit part way
        switch = draw(st.integers(1, len(lines)))
        before, after = draw(st.sampled_from(UNITS)), draw(st.sampled_from(UNITS))
        lines = _as_epochs(lines, switch, before, after)
        kept = before == after or switch == len(lines)
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(ACTIONS))
        kept &= action in KEEPING
        if action in ("field", "long", "quote"):
            fields = lines[i].split(",")
            j = draw(st.integers(0, len(fields) - 1))
            if action == "quote":
                # A quoted blank (`" "`) is a field, not a blank line: quote data fields only.
                blank = not fields[j].strip()
                fields[j] = fields[j] if '"' in fields[j] or blank else f'"{fields[j]}"'
            else:
                fields[j] = draw(st.sampled_from(JUNK if action == "field" else LONG))
                times_kept &= j != 0
            lines[i] = ",".join(fields)
        elif action == "spaces":
            lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(SPACES)))
        elif action == "cut":
            lines = lines[: max(i, 1)]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "delete" and len(lines) > 1:
            del lines[i]
        elif action == "trunc":
            end = draw(st.integers(0, len(lines[i])))
            times_kept &= end > lines[i].find(",")
            lines[i] = lines[i][:end]
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    raw = draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + newline.join(lines).encode()
    if draw(st.booleans()):
        packed = gzip.compress(raw, mtime=0)
        end = draw(st.integers(10, len(packed)))
        tail = draw(st.sampled_from([b"", b"", b"junk"]))
        kept &= end == len(packed) and not tail
        raw = packed[:end] + tail
    return Sample(raw, text if kept else None, times_kept)


def _assert_loads_or_names_the_file(raw: bytes, times_kept: bool = False) -> None:
    try:
        data = parse_market_data(raw, source=SOURCE)
    except DataError as exc:
        assert exc.issues, "a DataError must say what is wrong"
        for issue in exc.issues:
            assert issue.span.file == SOURCE, issue
            assert issue.span.line >= 1, issue
            assert issue.message, issue
            assert len(issue.message) < 1000, "a bad value is quoted cut short"
        return
    assert len(data) > 0
    assert (data.close_scaled > 0).all()
    if times_kept:  # the rows' times are the file's own: none moved to 1970 or beyond
        assert data.time_at(0) >= EARLIEST and data.time_at(len(data) - 1) < LATEST


@settings(max_examples=examples(250), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_data_loads_or_gets_a_data_error(sample: Sample) -> None:
    _assert_loads_or_names_the_file(sample.raw, sample.times_kept)
    if sample.clean is not None:
        data = parse_market_data(sample.raw, source=SOURCE)
        clean = parse_market_data(sample.clean, source=SOURCE)
        assert data.time_ns.tolist() == clean.time_ns.tolist()
        assert data.close_scaled.tolist() == clean.close_scaled.tolist()


@settings(max_examples=examples(150), deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_get_a_data_error(raw: bytes) -> None:
    _assert_loads_or_names_the_file(raw)
