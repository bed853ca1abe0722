"""Issue 7 item 15: data shaped the way real exports go wrong loads right or names file and line.

Every case runs `tradeplan backtest` on a small file, as a user would: the load either succeeds
with the rows the file holds, or exits 2 with "FILE:LINE:COL: error: row N: ..." lines and never
an internal error (TP901) or a message without the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeplan.backtest.data import load_market_data
from tradeplan.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
STRATEGY = ROOT / "strategies" / "usdjpy-grid.yaml"
HEADER = "time,open,high,low,close"
T0 = 1735862400  # 2025-01-03T00:00:00Z, a Friday: the FX market is open
CSV_FIELD_LIMIT = 131072  # Python's csv module refuses longer fields


def _rows(times: list[int | str]) -> list[str]:
    return [f"{t},110,110.5,109.5,110.2" for t in times]


def _minutes(count: int, first: int = 0) -> list[int]:
    return [T0 + 60 * i for i in range(first, first + count)]


def _backtest(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: Path) -> tuple[int, str]:
    out = tmp_path / "out"
    code = main(["backtest", str(STRATEGY), "--data", str(data), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert "TP901" not in err and "report" not in err, err
    return code, err


def _write(tmp_path: Path, lines: list[str], name: str = "bars.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _bad_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str], name: str = "bars.csv"
) -> str:
    path = _write(tmp_path, lines, name)
    code, err = _backtest(tmp_path, capsys, path)
    assert code == 2, err
    assert "tradeplan: bad data:" in err, err
    return err.replace(str(path), name)


# --------------------------------------------------------------------------------------------
# Epoch seconds and milliseconds in one file


@pytest.mark.parametrize(
    ("times", "row", "unit", "other"),
    [
        # first rows in seconds, later in milliseconds: once read as 1970
        ([*_minutes(5), *(t * 1000 for t in _minutes(5, 5))], 6, "milliseconds", "seconds"),
        # the reverse: seconds after milliseconds once read as 1970 and "out of order"
        ([*(t * 1000 for t in _minutes(5)), *_minutes(5, 5)], 6, "seconds", "milliseconds"),
        # a single row in microseconds among seconds
        ([*_minutes(3), _minutes(1, 3)[0] * 10**6, *_minutes(3, 4)], 4, "microseconds", "seconds"),
    ],
)
def test_epoch_times_in_mixed_units_name_the_first_row_whose_unit_differs(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    times: list[int | str],
    row: int,
    unit: str,
    other: str,
) -> None:
    err = _bad_data(tmp_path, capsys, [HEADER, *_rows(times)])
    assert f"bars.csv:{row + 1}:1: error: row {row}: `time` " in err, err
    assert f"epoch {unit}" in err and "row 1" in err and f"epoch {other}" in err, err
    assert "1970" not in err, err
    assert err.count("error:") == 1, err


def test_epoch_times_in_one_unit_still_load_whatever_the_unit(tmp_path: Path) -> None:
    seconds = _write(tmp_path, [HEADER, *_rows(_minutes(5))], "s.csv")
    for scale, name in ((10**3, "ms.csv"), (10**6, "us.csv"), (10**9, "ns.csv")):
        other = _write(tmp_path, [HEADER, *_rows([t * scale for t in _minutes(5)])], name)
        assert (
            load_market_data(other).time_ns.tolist() == load_market_data(seconds).time_ns.tolist()
        )


# --------------------------------------------------------------------------------------------
# Numbers with thousands of digits


@pytest.mark.parametrize(
    ("field", "column", "text"),
    [
        ("105." + "1" * 5000, "open", "has 5,000 decimals"),
        ("1" * 5000, "open", "has 5,000 digits"),  # once a ValueError from int(): no file named
        ("105.1" + "0" * 5000, "open", "has 5,001 decimals"),
        ("0." + "0" * 4999 + "1", "open", "has 5,000 decimals"),
    ],
)
def test_a_price_with_thousands_of_digits_names_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, column: str, text: str
) -> None:
    lines = [HEADER, *_rows(_minutes(2)), f"{_minutes(1, 2)[0]},{field},110.5,100,110.2"]
    err = _bad_data(tmp_path, capsys, lines)
    assert f"bars.csv:4:12: error: row 3: `{column}` has" in err, err
    assert text in err and "at most 18 digits fit" in err, err
    assert len(err) < 600, "the value is shown cut short, not in full"


def test_a_time_with_thousands_of_digits_names_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [HEADER, *_rows(_minutes(2)), *_rows(["1" * 5000])]
    err = _bad_data(tmp_path, capsys, lines)
    assert "bars.csv:4:1: error: row 3: `time` has 5,000 digits" in err, err
    assert len(err) < 600, err


# --------------------------------------------------------------------------------------------
# Fields longer than the csv module's limit


@pytest.mark.parametrize("quoted", [False, True])
def test_a_field_over_128_kib_is_an_error_saying_the_field_is_too_long(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], quoted: bool
) -> None:
    huge = "1" * (CSV_FIELD_LIMIT + 10)
    if quoted:
        huge = f'"{huge}"'
    lines = [HEADER, *_rows(_minutes(2)), f"{_minutes(1, 2)[0]},110,110.5,109.5,{huge}"]
    err = _bad_data(tmp_path, capsys, lines)
    assert "bars.csv:4:28: error: row 3: `close` field is too long" in err, err
    assert "131,072" in err and len(err) < 600, err


def test_a_header_field_over_128_kib_is_an_error_naming_the_header_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["# exported by hand", HEADER + "x" * CSV_FIELD_LIMIT, *_rows(_minutes(2))]
    err = _bad_data(tmp_path, capsys, lines)
    assert "bars.csv:2:20: error: a field is too long" in err, err
    assert len(err) < 600, err


# --------------------------------------------------------------------------------------------
# Lines of spaces and tabs


@pytest.mark.parametrize("slow", [False, True])
def test_lines_of_spaces_and_tabs_are_skipped_like_blank_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], slow: bool
) -> None:
    rows = _rows(_minutes(6))
    if slow:  # a quoted field sends the file down the row-by-row parser
        rows[0] = rows[0].replace(",110,", ',"110",', 1)
    clean = _write(tmp_path, [HEADER, *rows], "clean.csv")
    spaced = _write(tmp_path, ["  ", HEADER, *rows[:3], "   ", " \t ", *rows[3:], "\t", "    "])
    code, err = _backtest(tmp_path, capsys, spaced)
    assert code == 0, err
    assert load_market_data(spaced).time_ns.tolist() == load_market_data(clean).time_ns.tolist()


def test_line_numbers_still_count_the_lines_of_spaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _rows(_minutes(4))
    rows[3] = rows[3].replace("110.5", "100")  # high below low
    err = _bad_data(tmp_path, capsys, [HEADER, *rows[:2], " \t", *rows[2:], "   "])
    assert "bars.csv:6:16: error: row 4: high 100 is below low 109.5" in err, err


# --------------------------------------------------------------------------------------------
# Windows line endings and a byte-order mark


@pytest.mark.parametrize(
    ("prefix", "newline"), [(b"", b"\r\n"), (b"\xef\xbb\xbf", b"\n"), (b"\xef\xbb\xbf", b"\r\n")]
)
def test_crlf_line_endings_and_a_utf8_bom_load_like_a_plain_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], prefix: bytes, newline: bytes
) -> None:
    rows = _rows(_minutes(5))
    clean = _write(tmp_path, [HEADER, *rows], "clean.csv")
    windows = tmp_path / "windows.csv"
    windows.write_bytes(prefix + newline.join(s.encode() for s in [HEADER, *rows, ""]))
    code, err = _backtest(tmp_path, capsys, windows)
    assert code == 0, err
    assert load_market_data(windows).time_ns.tolist() == load_market_data(clean).time_ns.tolist()
    broken = tmp_path / "broken.csv"
    rows[2] = rows[2].replace("110.5", "100")
    broken.write_bytes(prefix + newline.join(s.encode() for s in [HEADER, *rows, ""]))
    code, err = _backtest(tmp_path, capsys, broken)
    assert code == 2 and "broken.csv:4:16: error: row 3: high 100 is below low" in err, err
