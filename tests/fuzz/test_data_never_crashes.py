"""A data file a user can hand over loads or gets a DataError naming that file, never an exception.

Heads of the bundled data files are damaged the way real exports go wrong (bytes flipped, lines cut
or doubled, fields replaced by junk, numbers far out of range, gzip cut short) and the loader must
either return data whose prices are positive or raise DataError whose every issue names the file.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from fuzz_budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeplan.runtime.data import DataError, parse_market_data

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


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    _, text = draw(st.sampled_from(HEADS))
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["field", "cut", "dup", "delete", "trunc", "swap"]))
        if action == "field":
            fields = lines[i].split(",")
            j = draw(st.integers(0, len(fields) - 1))
            fields[j] = draw(st.sampled_from(JUNK))
            lines[i] = ",".join(fields)
        elif action == "cut":
            lines = lines[: max(i, 1)]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "delete" and len(lines) > 1:
            del lines[i]
        elif action == "trunc":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    raw = "\n".join(lines).encode()
    if draw(st.booleans()):
        packed = gzip.compress(raw, mtime=0)
        end = draw(st.integers(10, len(packed)))
        raw = packed[:end] + draw(st.sampled_from([b"", b"", b"junk"]))
    return raw


def _assert_loads_or_names_the_file(raw: bytes) -> None:
    try:
        data = parse_market_data(raw, source=SOURCE)
    except DataError as exc:
        assert exc.issues, "a DataError must say what is wrong"
        for issue in exc.issues:
            assert issue.span.file == SOURCE, issue
            assert issue.span.line >= 1, issue
            assert issue.message, issue
        return
    assert len(data) > 0


@settings(max_examples=examples(250), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_data_loads_or_gets_a_data_error(raw: bytes) -> None:
    _assert_loads_or_names_the_file(raw)


@settings(max_examples=examples(150), deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_get_a_data_error(raw: bytes) -> None:
    _assert_loads_or_names_the_file(raw)
